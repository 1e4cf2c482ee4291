"""``licensetier deps``: the dependencies of a scan as a table, or as JSON.

Rendered from the :class:`~licensetier.models.ScanResult` of
:meth:`licensetier.scan.Scanner.scan_dependencies` (any scan's result will do: only
its ``root``, ``engine``, ``dependencies`` and ``errors`` are read).

The JSON is ``{"root", "tool", "dependencies": [...], "errors": [...]}``, indented;
each dependency as in the scan's JSON report (:func:`licensetier.reporters.json_report.dependency`).
CSV and Markdown are one row per dependency with the columns of :data:`COLUMNS` (the
CSV with a header row, RFC 4180 quoting; the Markdown a table with ``|`` escaped).
"""

from __future__ import annotations

import csv
import io
import json

from licensetier.models import Dependency, ScanResult
from licensetier.reporters.json_report import dependency

FORMATS = ("table", "json", "csv", "markdown")  # the first is the default
COLUMNS = (
    "name",
    "version",
    "ecosystem",
    "direct",
    "scope",
    "license",
    "family",
    "source",
    "requirement",
    "manifest",
    "purl",
)


def row(d: Dependency) -> tuple[str, ...]:
    """A dependency's cells, in the order of :data:`COLUMNS` (empty for none)."""
    return (
        d.name,
        d.version if d.exact and d.version else "",
        d.ecosystem,
        "direct" if d.direct else "transitive",
        d.scope,
        d.license or "",
        d.classification.row if d.classification else "",
        d.license_source,
        d.requirement or ("" if d.exact else d.version or ""),
        d.manifest,
        d.purl,
    )


def render_csv(result: ScanResult) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(row(d) for d in result.dependencies)
    return buf.getvalue()


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(result: ScanResult) -> str:
    out = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    out += ["| " + " | ".join(_cell(c) for c in row(d)) + " |" for d in result.dependencies]
    return "\n".join(out) + "\n"


def to_dict(result: ScanResult) -> dict[str, object]:
    return {
        "root": result.root,
        "tool": {"name": "licensetier", **result.engine},
        "dependencies": [dependency(d) for d in result.dependencies],
        "errors": [{"path": e.path, "line": e.line, "message": e.message} for e in result.errors],
    }


def render_json(result: ScanResult) -> str:
    return json.dumps(to_dict(result), indent=2) + "\n"


def render_table(result: ScanResult, *, color: bool = False, width: int = 10_000) -> str:
    """The table, then the unresolved dependencies and why, then the problems. With
    ``color`` (a terminal), rich fits the table to ``width``; without, nothing is cut."""

    from licensetier.reporters.text import dependency_table, text_console

    buf = io.StringIO()
    console = text_console(buf, color=color, width=width)
    found = result.dependencies
    if found:
        console.print(dependency_table(found))
    unresolved = [d for d in found if d.license_source == "unresolved"]
    console.print(
        f"{len(found)} dependencies, {sum(1 for d in found if d.direct)} direct; "
        f"{len(unresolved)} unresolved"
    )
    for d in unresolved:
        console.print(f"  {d.label} ({d.manifest}): {d.reason}", markup=False)
    for e in result.errors:
        where = f"{e.path}:{e.line}" if e.line else e.path
        console.print(f"problem: {where}: {e.message}", markup=False, style="red")
    return buf.getvalue()


def render(
    result: ScanResult,
    *,
    fmt: str = "table",
    color: bool = False,
    width: int = 10_000,
    **_options: object,
) -> str:
    if fmt == "json":
        return render_json(result)
    if fmt == "csv":
        return render_csv(result)
    if fmt == "markdown":
        return render_markdown(result)
    return render_table(result, color=color, width=width)
