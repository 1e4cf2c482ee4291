"""Shared CLI plumbing: exit codes and the one place where errors become messages."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from licensetier.errors import ConfigError, LicensetierError

if TYPE_CHECKING:
    from licensetier.cache import DetectionCache

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

F = TypeVar("F", bound=Callable[..., Any])


class Choice(click.Choice):  # type: ignore[type-arg]
    """:class:`click.Choice` whose refusal says which choice was likely meant
    (``--tier Restricted``: "did you mean 'restricted'?")."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            from licensetier.config import did_you_mean

            hint = did_you_mean(value, [str(c) for c in self.choices])
            if not hint:
                raise
            raise click.BadParameter(f"{exc.message}{hint}", ctx, param) from None


def report_options(
    formats: tuple[str, ...],
    *,
    default: str = "text",
    format_help: str = "Output format.",
    output_help: str = "Write the report here (default: standard output).",
) -> Callable[[F], F]:
    """The options every reporting command shares, in this order: the PATH argument (a
    directory, ``.`` by default), ``--format`` (passed as ``fmt``) and ``--output``/``-o``."""

    def decorate(func: F) -> F:
        func = click.option(
            "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help=output_help
        )(func)
        func = click.option(
            "--format",
            "fmt",
            type=Choice(formats),
            default=default,
            show_default=True,
            help=format_help,
        )(func)
        path = click.Path(exists=True, file_okay=False, path_type=Path)
        return click.argument("path", default=".", type=path)(func)

    return decorate


@contextlib.contextmanager
def detection_cache(
    db_version: str, cache_dir: Path | None, no_cache: bool
) -> Iterator[DetectionCache | None]:
    """The detection cache of ``--cache-dir`` (else the default directory), closed after;
    None with ``--no-cache``."""
    if no_cache:
        yield None
        return
    from licensetier.cache import DetectionCache, default_cache_dir
    from licensetier.detect.engine import scancode_version

    cache = DetectionCache.open(
        cache_dir or default_cache_dir(),
        engine_version=scancode_version(),
        db_version=db_version,
    )
    try:
        yield cache
    finally:
        cache.close()


def write_report(text: str, target: Path | None = None) -> None:
    """Write a report to ``target``, else to standard output. Reporters write a file
    name that is not UTF-8 escaped already; anything they missed (a lone surrogate
    from such a name, a character standard output cannot encode) is written as a
    backslash escape, never a crash and never a dropped report."""
    if target is not None:
        with target.open("w", encoding="utf-8", errors="backslashreplace") as out:
            out.write(text)
        return
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    click.echo(text.encode(encoding, "backslashreplace").decode(encoding), nl=False)


def translate_errors(func: F) -> F:
    """Configuration errors exit 2 with the file and key; any other failure exits 3."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except ConfigError as exc:
            click.echo(f"licensetier: configuration error: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        except LicensetierError as exc:
            click.echo(f"licensetier: error: {exc}", err=True)
            sys.exit(EXIT_INTERNAL)
        except KeyboardInterrupt:
            click.echo("licensetier: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:
            click.echo(
                f"licensetier: internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in licensetier; please report it with the command you ran.",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]
