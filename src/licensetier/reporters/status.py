"""The short lines the commands write to standard error beside a report: what was
written where, with the counts of the result, and the scan's problems as warnings.
Pure, like every reporter: the CLI writes what these return."""

from __future__ import annotations

from pathlib import Path

from licensetier.models import ScanResult, Severity
from licensetier.printable import printable
from licensetier.reporters import plural


def report_written(result: ScanResult, fmt: str, target: Path) -> str:
    """``licensetier: wrote json report to FILE (2 errors, 1 warnings, ...)``."""
    counts = (
        f"{plural(result.count(Severity.ERROR), 'error')}, "
        f"{plural(result.count(Severity.WARNING), 'warning')}"
    )
    if result.errors:
        counts += f", {plural(len(result.errors), 'scan problem')}"
    if result.not_scanned:
        counts += (
            f"; INCOMPLETE: {plural(result.not_scanned, 'file')} not scanned within the time budget"
        )
    return f"licensetier: wrote {fmt} report to {target} ({counts})"


def notice_written(result: ScanResult, target: Path) -> str:
    """``licensetier: wrote the notice of N dependencies and M vendored directories ...``."""
    notice = result.notice
    deps = len(notice.dependencies) if notice else 0
    vendored = len(notice.vendored) if notice else 0
    return (
        f"licensetier: wrote the notice of {deps} dependencies and "
        f"{vendored} vendored directories to {target}"
    )


def problems(result: ScanResult) -> list[str]:
    """The scan's problems, one warning line each (names made printable)."""
    lines = []
    for error in result.errors:
        where = f"{error.path}:{error.line}" if error.line else error.path
        lines.append(f"licensetier: warning: {printable(f'{where}: {error.message}')}")
    return lines
