"""``licensetier notice [PATH]``: a NOTICE (third-party attribution) file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from licensetier.cli.common import EXIT_OK, report_options, translate_errors, write_report
from licensetier.cli.deps import dependency_options, options_from, setup_options
from licensetier.reporters.notice import FORMATS


@click.command()
@report_options(
    FORMATS,
    format_help="Plain text NOTICE or Markdown.",
    output_help="Write the notice here (default: standard output).",
)
@click.option(
    "--include-dev",
    is_flag=True,
    help="Also list development-only dependencies (left out by default: not shipped).",
)
@setup_options
@dependency_options
@translate_errors
def notice(
    path: Path,
    fmt: str,
    output: Path | None,
    include_dev: bool,
    config_path: Path | None,
    offline: bool,
    index_url: str | None,
    npm_registry: str | None,
    deps_dev_url: str | None,
    python_envs: tuple[Path, ...],
    lookup_timeout: float,
    cache_dir: Path | None,
    no_cache: bool,
) -> None:
    """Write the third-party notices of PATH (default: the current directory): each
    dependency and vendored directory with its license, its copyright statements and,
    for Apache-2.0 components, its NOTICE files."""
    from licensetier.cli.scan import prepared_scanner
    from licensetier.reporters.notice import render
    from licensetier.reporters.status import notice_written, problems
    from licensetier.scan import Extras

    root = path.resolve()
    options = options_from(
        offline, index_url, npm_registry, deps_dev_url, python_envs, lookup_timeout
    )
    extras = Extras(notice=True, include_dev=include_dev)
    with prepared_scanner(
        root, config_path, options, cache_dir=cache_dir, no_cache=no_cache, extras=extras
    ) as scanner:
        result = scanner.scan(root)
    text = render(result, fmt=fmt)
    for line in problems(result):
        click.echo(line, err=True)
    write_report(text, output)
    if output is not None:
        click.echo(notice_written(result, output), err=True)
    sys.exit(EXIT_OK)
