"""``licensetier history [PATH]``: the repository's own license timeline, from git."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from licensetier.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    detection_cache,
    report_options,
    translate_errors,
    write_report,
)

FORMATS = ("text", "json")


@click.command("history")
@report_options(FORMATS)
@click.option(
    "--dir",
    "dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Another artifact directory whose files to follow (repeatable); PATH is always one.",
)
@click.option(
    "--since", help="Only commits after this date (git's --since: 2023-01-01, '2 years ago')."
)
@click.option("--until", help="Only commits before this date.")
@click.option(
    "--rev",
    "revisions",
    multiple=True,
    help="What to walk instead of HEAD: a branch, a tag, a range (v1.0..main); repeatable.",
)
@click.option(
    "--fail-on-change",
    is_flag=True,
    help="Exit 1 when a license moved from open (permissive, copyleft) to source-available, "
    "custom or proprietary.",
)
@click.option(
    "--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Cache directory."
)
@click.option("--no-cache", is_flag=True, help="Neither read nor fill the detection cache.")
@translate_errors
def history(
    path: Path,
    fmt: str,
    output: Path | None,
    dirs: tuple[Path, ...],
    since: str | None,
    until: str | None,
    revisions: tuple[str, ...],
    fail_on_change: bool,
    cache_dir: Path | None,
    no_cache: bool,
) -> None:
    """The license timeline of the repository at PATH, from git: each change of a license
    file (LICENSE, COPYING...), a manifest's license field or a model card's license:
    directly in PATH (and each --dir), with the commit, date, author, old -> new license
    and family, and a warning when it moves from open to source-available, custom or
    proprietary. Exit codes: 0; 1 with --fail-on-change and such a move; 2 not a git
    repository or a bad option."""
    from licensetier import history as timeline
    from licensetier.detect.engine import Engine
    from licensetier.detect.files import FileDetector
    from licensetier.license_db import LicenseDB
    from licensetier.reporters import history as report
    from licensetier.vcs import GitError

    for value, name in ((since, "--since"), (until, "--until")):
        if value is not None and (not value.strip() or value.startswith("-")):
            raise click.BadParameter(f"{value!r} is not a date", param_hint=name)
    try:
        repo = timeline.open_repository(path)
        directories = timeline.directories_of(repo, (path, *dirs))
    except GitError as exc:
        click.echo(f"licensetier: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    db = LicenseDB.load()
    with detection_cache(db.version, cache_dir, no_cache) as cache:
        detector = FileDetector(Engine(fast=True), cache)
        try:
            result = timeline.history(
                repo, directories, db, detector, revisions=revisions, since=since, until=until
            )
        except GitError as exc:
            click.echo(f"licensetier: error: {exc}", err=True)
            sys.exit(EXIT_USAGE)
    if fmt == "json":
        text = report.render_json(result)
    else:
        color = output is None and sys.stdout.isatty()
        text = report.render_text(result, color=color)
    write_report(text, output)
    sys.exit(EXIT_FINDINGS if fail_on_change and result.warnings else EXIT_OK)
