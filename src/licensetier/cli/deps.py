"""``licensetier deps [PATH]``, and the dependency flags it shares with ``scan``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from licensetier.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    report_options,
    translate_errors,
    write_report,
)
from licensetier.deps.resolve import Options
from licensetier.reporters.deps import FORMATS

F = TypeVar("F", bound=Callable[..., Any])


def dependency_options(func: F) -> F:
    """The flags that say how dependency licenses are resolved."""
    options = [
        click.option(
            "--offline",
            is_flag=True,
            help="Resolve dependency licenses from lockfiles, installed copies and the "
            "answers (and versions chosen for ranges) that earlier online runs cached; open "
            "no network connection.",
        ),
        click.option(
            "--index-url",
            metavar="URL",
            help="Python package index to ask (default: the one pip is configured to use).",
        ),
        click.option(
            "--npm-registry",
            metavar="URL",
            help="npm registry to ask (default: the one npm is configured to use).",
        ),
        click.option(
            "--deps-dev-url",
            metavar="URL",
            help="Base URL of the deps.dev v3 API, asked for Cargo, Go, Maven, RubyGems and "
            "NuGet packages (default: the public service).",
        ),
        click.option(
            "--python-env",
            "python_envs",
            multiple=True,
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            help="A virtual environment (or site-packages directory) whose installed "
            "distributions say their licenses and give the dependency closure of a Python "
            "manifest without a lockfile, or a conda environment (its conda-meta/ records); "
            "repeatable. .venv, venv and $CONDA_PREFIX are looked at without it.",
        ),
        click.option(
            "--lookup-timeout",
            type=click.FloatRange(min=0, min_open=True),
            default=10.0,
            show_default=True,
            metavar="SECONDS",
            help="Time-out of each online lookup.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def setup_options(func: F) -> F:
    """``--config``, ``--cache-dir`` and ``--no-cache``, as every command that scans has
    them (``scan`` has its own help texts)."""
    options = [
        click.option(
            "--config",
            "config_path",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Configuration file (default: PATH/licensetier.toml, then PATH/pyproject.toml).",
        ),
        click.option(
            "--cache-dir",
            type=click.Path(file_okay=False, path_type=Path),
            help="Where the cache lives (default: as for scan).",
        ),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the cache."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def options_from(
    offline: bool,
    index_url: str | None,
    npm_registry: str | None,
    deps_dev_url: str | None,
    python_envs: tuple[Path, ...],
    lookup_timeout: float,
) -> Options:
    return Options(
        offline=offline,
        index_url=index_url,
        npm_registry=npm_registry,
        deps_dev=deps_dev_url,
        python_envs=tuple(p.resolve() for p in python_envs),
        timeout=lookup_timeout,
    )


@click.command()
@report_options(FORMATS, default="table")
@click.option(
    "--production",
    "only",
    flag_value="production",
    help="Only the dependencies that ship: runtime and optional ones, not "
    "development-only ones (tests, docs, linters).",
)
@click.option(
    "--development",
    "only",
    flag_value="development",
    help="Only the development dependencies.",
)
@click.option(
    "--fail-on-license",
    metavar="LIST",
    help="Exit 1, naming the packages, when a dependency cannot be used without one of "
    "these licenses (comma-separated SPDX ids; 'GPL-3.0' also names -only and -or-later; "
    "'MIT OR GPL-3.0-only' passes 'GPL-3.0').",
)
@click.option(
    "--allow-only",
    metavar="LIST",
    help="Exit 1, naming the packages, when a dependency cannot be used under these "
    "licenses alone, or its license is unknown ('MIT OR GPL-3.0-only' passes 'MIT').",
)
@setup_options
@dependency_options
@translate_errors
def deps(
    path: Path,
    fmt: str,
    output: Path | None,
    only: str | None,
    fail_on_license: str | None,
    allow_only: str | None,
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
    """List the dependencies of PATH with their licenses, and where each answer came from.

    With --fail-on-license or --allow-only, exit 1 when a listed dependency is refused
    (the refused packages are named on standard error)."""
    import dataclasses
    import shutil

    from licensetier.cli.scan import prepared_scanner
    from licensetier.deps import gate
    from licensetier.reporters.deps import render

    root = path.resolve()
    options = options_from(
        offline, index_url, npm_registry, deps_dev_url, python_envs, lookup_timeout
    )
    with prepared_scanner(root, config_path, options, cache_dir=cache_dir, no_cache=no_cache) as s:
        result = s.scan_dependencies(root)
    if only is not None:
        kept = tuple(
            d for d in result.dependencies if (d.scope == "development") == (only == "development")
        )
        result = dataclasses.replace(result, dependencies=kept)
    # on a terminal the table is fitted to its width; in a file or a pipe nothing is cut
    tty = fmt == "table" and output is None and sys.stdout.isatty()
    width = shutil.get_terminal_size().columns if tty else 10_000
    write_report(render(result, fmt=fmt, color=tty, width=width), output)
    if fail_on_license is not None or allow_only is not None:
        refused = gate.check(
            result.dependencies,
            fail_on=gate.names(fail_on_license or ""),
            allow_only=gate.names(allow_only) if allow_only is not None else None,
        )
        if refused:
            for line in gate.describe(refused):
                click.echo(line, err=True)
            sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)
