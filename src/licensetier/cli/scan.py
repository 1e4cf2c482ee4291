"""``licensetier scan [PATH]``."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path

import click

from licensetier.cache import CACHE_ENV
from licensetier.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    Choice,
    detection_cache,
    translate_errors,
    write_report,
)
from licensetier.cli.deps import dependency_options, options_from
from licensetier.compare import load_baseline, mark_existing
from licensetier.config import (
    Config,
    check_artifact_paths,
    load_config,
    parse_size,
    with_root_overrides,
)
from licensetier.deps.resolve import Options
from licensetier.detect.engine import DEFAULT_TIMEOUT, Engine
from licensetier.detect.pool import DEFAULT_WORKER_MEMORY, available_cores
from licensetier.license_db import LicenseDB
from licensetier.models import ScanResult, Severity, Tier
from licensetier.reporters import REPORTER_BY_NAME, render
from licensetier.reporters.status import report_written
from licensetier.rollup import roll_up
from licensetier.scan import Extras, Progress, Scanner
from licensetier.tiers import TierData, load_tiers
from licensetier.vcs import GitError

FAIL_ON = {"error": Severity.ERROR.rank, "warning": Severity.WARNING.rank, "never": 99}
SBOM_FORMATS = ("spdx", "cyclonedx")


def exit_code(result: ScanResult, fail_on: str) -> int:
    """1 when the scan's worst (:meth:`ScanResult.worst`) reaches --fail-on."""
    return EXIT_FINDINGS if result.worst() >= FAIL_ON[fail_on] else EXIT_OK


def _progress_bar(enabled: bool) -> tuple[AbstractContextManager[object], Progress | None]:
    if not enabled:
        return nullcontext(), None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(
        TextColumn("scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}", style="dim"),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("", total=None)

    def update(done: int, total: int, path: str) -> None:
        bar.update(task, completed=done, total=total, description=path[-50:])

    return bar, update


REPORT_WIDTH = 100  # the width of the tables of a report that is not wrapped
MIN_REPORT_WIDTH = 40


def report_width(to_file: bool) -> tuple[int, bool]:
    """(width, wrap) of the text report: on a terminal, or where ``COLUMNS`` is set,
    its width, prose wrapped to it; in a file or a pipe, whole lines (grep finds a
    whole message), tables 100 wide."""
    if to_file:
        return REPORT_WIDTH, False
    if os.environ.get("COLUMNS", "").strip().isdigit() or sys.stdout.isatty():
        columns = shutil.get_terminal_size((REPORT_WIDTH, 24)).columns
        return max(columns, MIN_REPORT_WIDTH), True
    return REPORT_WIDTH, False


def _also(value: str) -> tuple[str, Path]:
    fmt, sep, target = value.partition("=")
    if not sep or not target or fmt not in REPORTER_BY_NAME:
        raise click.BadParameter(
            f"{value!r}: use FORMAT=FILE with FORMAT one of {', '.join(sorted(REPORTER_BY_NAME))}",
            param_hint="--also",
        )
    return fmt, Path(target)


def _written_at(fmt: str) -> dict[str, object]:
    """The SBOM formats' time of writing (their checksums come with the result)."""
    if fmt not in SBOM_FORMATS:
        return {}
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return {"created": now.strftime("%Y-%m-%dT%H:%M:%SZ")}


REPOSITORY_RELATIVE = ("github", "sarif")  # formats whose paths are the repository's


def repository_prefix(root: Path) -> str:
    """``root``'s path from the top of its git repository ("src/"; "" at the top or
    outside git): GitHub places annotations and code-scanning alerts by paths from the
    repository's top."""
    from licensetier import vcs

    try:
        repo = vcs.find_repository(root)
    except vcs.GitError:
        return ""
    if repo is None:
        return ""
    rel = root.resolve().relative_to(repo.work_tree).as_posix()
    return "" if rel == "." else rel + "/"


def _format_options(fmt: str, prefix: str) -> dict[str, object]:
    return {"repo_prefix": prefix} if fmt in REPOSITORY_RELATIVE else {}


def run_scan(
    scanner: Scanner,
    root: Path,
    *,
    staged: bool = False,
    diff_base: str | None = None,
    hook_files: tuple[str, ...] | None = None,
) -> ScanResult:
    """:func:`licensetier.views.scan_repository`, git's complaints as usage errors."""
    from licensetier.views import scan_repository

    try:
        return scan_repository(
            scanner, root, staged=staged, diff_base=diff_base, hook_files=hook_files
        )
    except GitError as exc:
        raise click.UsageError(str(exc)) from None


@contextmanager
def prepared_scanner(
    root: Path,
    config_path: Path | None,
    deps: Options | None,
    *,
    cache_dir: Path | None,
    no_cache: bool,
    adjust: Callable[[Config, LicenseDB, TierData], Config] | None = None,
    engine: Engine | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    max_memory: int = DEFAULT_WORKER_MEMORY,
    extras: Extras | None = None,
) -> Iterator[Scanner]:
    """A scanner with the configuration of ``root`` and its cache; the cache is
    closed when the block ends."""
    db = LicenseDB.load()
    tiers = load_tiers()
    config = load_config(root, config_path, db, tiers)
    check_artifact_paths(config, root)
    if adjust is not None:
        config = adjust(config, db, tiers)
    with detection_cache(db.version, cache_dir, no_cache) as cache:
        yield Scanner(
            config,
            db,
            tiers,
            engine=engine,
            progress=progress,
            cache=cache,
            jobs=jobs or available_cores(),
            deps=deps,
            max_memory=max_memory,
            extras=extras or Extras(),
        )


@click.command()
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=Choice(sorted(REPORTER_BY_NAME)),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here."
)
@click.option("--kind", help="Kind of the root artifact (sdk, commercial-tooling, ...).")
@click.option("--tier", type=Choice([t.value for t in Tier]), help="Tier of the root artifact.")
@click.option(
    "--license", "license_", metavar="SPDX", help="Intended license of the root artifact."
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Configuration file (default: PATH/licensetier.toml, then PATH/pyproject.toml).",
)
@click.option(
    "--fail-on",
    type=Choice(list(FAIL_ON)),
    default="error",
    show_default=True,
    help="Lowest severity that makes the exit code 1.",
)
@click.option("--max-file-size", metavar="SIZE", help="Skip files larger than this (e.g. 5MB).")
@click.option(
    "--full-detection",
    is_flag=True,
    help="Run ScanCode's approximate matcher on every file (slower; the default runs it "
    "only where the exact pass leaves evidence of license text).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Worker processes for license detection (default: the cores available).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Per-file deadline of license detection.",
)
@click.option(
    "--max-time",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Time budget of the whole scan (default: none, or max_time in the configuration): "
    "files not detected by then are reported as not scanned and the run as incomplete.",
)
@click.option(
    "--max-memory",
    metavar="SIZE",
    help="Memory each detection worker may take beyond the shared license index "
    "(default 4GB); a file that needs more is reported as a scan error.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Where the detection cache lives (default: ${CACHE_ENV}, else the user's cache "
    "directory).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the detection cache.")
@click.option("--no-deps", is_flag=True, help="Do not read manifests and lockfiles.")
@dependency_options
@click.option(
    "--staged",
    is_flag=True,
    help="Scan what git's index holds (the next commit), only the staged paths and what "
    "they affect: a staged manifest or lockfile re-checks its dependencies.",
)
@click.option(
    "--diff-base",
    metavar="REF",
    help="Fail only on what is new since REF: findings already there are listed as "
    "existing, and a dependency whose license got worse is reported (license drift).",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file written by `licensetier baseline`: its findings are existing and do not fail.",
)
@click.option(
    "--also",
    "also",
    multiple=True,
    metavar="FORMAT=FILE",
    help="Also write the same result in another format to FILE (repeatable), e.g. "
    "--also sarif=licensetier.sarif --also markdown=summary.md.",
)
@click.option(
    "--verbose", "-v", is_flag=True, help="List every file with a license and every skipped file."
)
@click.option("--quiet", "-q", is_flag=True, help="Only errors, warnings and the summary line.")
@translate_errors
def scan(
    path: Path,
    fmt: str,
    output: Path | None,
    kind: str | None,
    tier: str | None,
    license_: str | None,
    config_path: Path | None,
    fail_on: str,
    max_file_size: str | None,
    full_detection: bool,
    jobs: int | None,
    timeout: float,
    max_time: float | None,
    max_memory: str | None,
    cache_dir: Path | None,
    no_cache: bool,
    no_deps: bool,
    offline: bool,
    index_url: str | None,
    npm_registry: str | None,
    deps_dev_url: str | None,
    python_envs: tuple[Path, ...],
    lookup_timeout: float,
    staged: bool,
    diff_base: str | None,
    baseline_path: Path | None,
    also: tuple[str, ...],
    verbose: bool,
    quiet: bool,
    hook_files: tuple[str, ...] | None = None,
) -> None:
    """Scan PATH (default: the current directory) for licenses and tier conflicts."""
    if verbose and quiet:
        raise click.UsageError("--verbose and --quiet exclude each other")
    root = path.resolve()

    def adjust(config: Config, db: LicenseDB, tiers: TierData) -> Config:
        config = with_root_overrides(
            config, kind=kind, tier=tier, license=license_, db=db, tiers=tiers
        )
        if max_file_size is not None:
            size = parse_size(
                max_file_size,
                lambda why: click.BadParameter(why, param_hint="--max-file-size"),
            )
            config = replace(config, max_file_size=size, max_file_size_refused=None)
        if max_time is not None:
            config = replace(config, max_time=max_time)
        return config

    extra_outputs = [_also(value) for value in also]
    worker_memory = DEFAULT_WORKER_MEMORY
    if max_memory is not None:
        worker_memory = parse_size(
            max_memory,
            lambda why: click.BadParameter(why, param_hint="--max-memory"),
        )
    deps = None
    if not no_deps:
        deps = options_from(
            offline, index_url, npm_registry, deps_dev_url, python_envs, lookup_timeout
        )
    formats = {fmt, *(f for f, _ in extra_outputs)}
    extras = Extras(checksums=any(f in SBOM_FORMATS for f in formats))
    show_progress = not quiet and sys.stderr.isatty()
    bar, progress = _progress_bar(show_progress)
    with (
        bar,
        prepared_scanner(
            root,
            config_path,
            deps,
            cache_dir=cache_dir,
            no_cache=no_cache,
            adjust=adjust,
            engine=Engine(fast=not full_detection, timeout=timeout),
            jobs=jobs,
            progress=progress,
            max_memory=worker_memory,
            extras=extras,
        ) as scanner,
    ):
        result = run_scan(scanner, root, staged=staged, diff_base=diff_base, hook_files=hook_files)
    if baseline_path is not None:
        result = mark_existing(
            result,
            load_baseline(baseline_path),
            f"{{existing}} findings are in the baseline {baseline_path} and do not fail the run.",
        )
    # last: the files under the artifact's own license as one finding (after the
    # exceptions, --diff-base and the baseline matched them file by file)
    result = roll_up(result, scanner.policy)
    prefix = repository_prefix(root) if formats & set(REPOSITORY_RELATIVE) else ""
    for fmt_also, target in extra_outputs:
        options = {**_written_at(fmt_also), **_format_options(fmt_also, prefix)}
        write_report(render(fmt_also, result, width=100, wrap=False, **options), target)
    to_file = output is not None
    color = fmt == "text" and not to_file and sys.stdout.isatty()
    width, wrap = report_width(to_file)
    report = render(
        fmt,
        result,
        verbose=verbose,
        quiet=quiet,
        color=color,
        width=width,
        wrap=wrap,
        **_written_at(fmt),
        **_format_options(fmt, prefix),
    )
    write_report(report, output)
    if output is not None and (fmt != "text" or not quiet):
        click.echo(report_written(result, fmt, output), err=True)
    sys.exit(exit_code(result, fail_on))


def _pre_commit(files: tuple[str, ...], **options: object) -> None:
    assert scan.callback is not None
    scan.callback(path=Path("."), staged=False, hook_files=files, **options)


pre_commit = click.Command(
    "pre-commit",
    params=[
        click.Argument(["files"], nargs=-1, type=click.Path(path_type=str)),
        *(p for p in scan.params if p.name not in ("path", "staged")),
    ],
    callback=_pre_commit,
    help="The pre-commit hook: scan what pre-commit passes. In a commit (the FILES are the "
    "staged files) what git's index holds, as `scan --staged`; under `pre-commit run "
    "--all-files`, `--files` or `--from-ref/--to-ref` (CI, pre-commit.ci) the FILES as the "
    "work tree holds them, and with every tracked file the whole repository. Run from the "
    "top of the repository; takes the options of `scan`.",
    short_help="The pre-commit hook: scan the files pre-commit passes.",
)
