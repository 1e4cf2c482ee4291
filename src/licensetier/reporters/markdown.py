"""Pull-request summary (``--format markdown``): GitHub-flavoured Markdown, meant for
``$GITHUB_STEP_SUMMARY`` or a pull-request comment.

A verdict line, the counts, a table of errors and warnings, then folded
(``<details>``) sections: why each matters and what to do, information findings,
excepted findings with their reasons, scan problems and the artifacts. The option
``max_rows`` (default 50; ``None`` for no cap) caps each table, with an
"... and N more" line. A pure function of the :class:`ScanResult`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from licensetier.models import Finding, ScanResult, Severity
from licensetier.printable import printable
from licensetier.rules import load_catalogue

DEFAULT_MAX_ROWS = 50

# Markdown punctuation that could start emphasis, a link, a code span, raw HTML or a
# table cell boundary; CommonMark lets a backslash escape any ASCII punctuation.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~])")
_NEWLINES = re.compile(r"\r\n|\r|\n")


def _text(value: str | None) -> str:
    """Plain text in a table cell or a list item: each line printable (the other
    control characters and the undecodable bytes of a file name escaped) and Markdown
    escaped, the lines joined with <br>."""
    if not value:
        return "-"
    return "<br>".join(_SPECIAL.sub(r"\\\1", printable(line)) for line in _NEWLINES.split(value))


def _code(value: str | None) -> str:
    """A path, rule or package URL as a code span, safe in a table cell."""
    if not value:
        return "-"
    if "`" in value:
        return _text(value)
    return "`" + printable(value).replace("|", "\\|") + "`"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _where(f: Finding) -> str:
    if f.path and f.line:
        return _code(f"{f.path}:{f.line}")
    if f.path:
        return _code(f.path)
    return f"artifact {_code(f.artifact)}"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], max_rows: int | None) -> list[str]:
    shown = rows if max_rows is None else rows[:max_rows]
    lines = [_row(header), _row(["---"] * len(header))]
    lines.extend(_row(r) for r in shown)
    if len(rows) > len(shown):
        lines.extend(["", f"... and {len(rows) - len(shown)} more"])
    return lines


def _details(summary: str, body: list[str]) -> list[str]:
    # the blank line after <summary> lets GitHub render the Markdown inside
    return ["<details>", f"<summary>{html.escape(summary)}</summary>", "", *body, "", "</details>"]


def _max_rows(options: dict[str, object]) -> int | None:
    value = options.get("max_rows", DEFAULT_MAX_ROWS)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"max_rows must be a non-negative integer or None, not {value!r}")
    return value


def _new(result: ScanResult, severity: Severity) -> int:
    """Findings of ``severity`` that are not existing (those do not fail the run)."""
    return sum(1 for f in result.findings if f.severity is severity and not f.existing)


def verdict(result: ScanResult) -> str:
    """``licensetier: 1 error, 2 warnings`` (and the existing findings and the scan
    problems, when there are any)."""
    parts = [
        _plural(_new(result, Severity.ERROR), "error"),
        _plural(_new(result, Severity.WARNING), "warning"),
    ]
    existing = sum(1 for f in result.findings if f.existing)
    if existing:
        parts.append(f"{existing} existing before")
    if result.errors:
        parts.append(_plural(len(result.errors), "scan problem"))
    if result.not_scanned:
        parts.append(f"INCOMPLETE: {_plural(result.not_scanned, 'file')} not scanned in time")
    return "licensetier: " + ", ".join(parts)


def _counts(result: ScanResult) -> list[str]:
    unresolved = sum(1 for d in result.dependencies if d.license_source == "unresolved")
    rows = [
        ("errors", _new(result, Severity.ERROR)),
        ("warnings", _new(result, Severity.WARNING)),
        ("infos", _new(result, Severity.INFO)),
        ("existing before (not failing)", sum(1 for f in result.findings if f.existing)),
        ("files scanned", len(result.files)),
        ("dependencies", len(result.dependencies)),
        ("unresolved dependencies", unresolved),
        ("scan problems", len(result.errors)),
        *([("files not scanned (time budget)", result.not_scanned)] if result.not_scanned else []),
    ]
    lines = ["| | count |", "| --- | ---: |"]
    lines.extend(f"| {name} | {n} |" for name, n in rows)
    return lines


def _finding_cells(f: Finding, *, severity: bool) -> list[str]:
    cells = [f.severity.value] if severity else []
    return [
        *cells,
        _code(f.rule),
        _where(f),
        _text(f.license),
        _code(f.dependency),
        _text(f.message),
    ]


def _guidance(problems: list[Finding], max_rows: int | None) -> list[str]:
    """Why each error or warning matters and what to do, once per rule and reason."""
    catalogue = load_catalogue()
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for f in problems:
        groups.setdefault((f.rule, f.why, f.action), []).append(f)
    body: list[str] = []
    for (rule, why, action), findings in groups.items():
        wheres = [_where(f) for f in findings]
        if max_rows is not None and len(wheres) > max_rows:
            wheres = [*wheres[:max_rows], f"... and {len(wheres) - max_rows} more"]
        worst = max(f.severity.rank for f in findings)
        level = next(s.value for s in Severity if s.rank == worst)
        body.extend(
            [
                f"**{_text(rule)}** ({level}): {', '.join(wheres)}",
                "",
                f"- The rule: {_text(catalogue[rule].summary)} ({_code(catalogue[rule].anchor)})",
                f"- Why it matters: {_text(why)}",
                f"- What to do: {_text(action)}",
                "",
            ]
        )
    return body[:-1]


def render(result: ScanResult, **options: object) -> str:
    max_rows = _max_rows(options)
    lines = [f"## {verdict(result)}", ""]
    lines.extend(_counts(result))
    lines.append("")
    for note in result.notes:
        lines.extend([f"> Note: {_text(note)}", ""])

    problems = [
        f
        for severity in (Severity.ERROR, Severity.WARNING)
        for f in result.findings
        if f.severity is severity and not f.excepted and not f.existing
    ]
    infos = [
        f
        for f in result.findings
        if f.severity is Severity.INFO and not f.excepted and not f.existing
    ]
    excepted = [f for f in result.findings if f.excepted]
    existing = [f for f in result.findings if f.existing and not f.excepted]

    if not result.findings:
        lines.extend(["No findings: no license conflicts with the declared tiers.", ""])
    elif not problems:
        lines.extend(["No errors or warnings.", ""])
    else:
        lines.extend([f"### Errors and warnings ({len(problems)})", ""])
        header = ["severity", "rule", "where", "license", "dependency", "message"]
        rows = [_finding_cells(f, severity=True) for f in problems]
        lines.extend(_table(header, rows, max_rows))
        lines.append("")
        lines.extend(_details("Why they matter and what to do", _guidance(problems, max_rows)))
        lines.append("")

    if infos:
        header = ["rule", "where", "license", "dependency", "message"]
        rows = [_finding_cells(f, severity=False) for f in infos]
        lines.extend(_details(f"Information ({len(infos)})", _table(header, rows, max_rows)))
        lines.append("")
    if existing:
        header = ["severity", "rule", "where", "license", "dependency", "message"]
        rows = [_finding_cells(f, severity=True) for f in existing]
        summary = f"Existing before: listed, not failing ({len(existing)})"
        lines.extend(_details(summary, _table(header, rows, max_rows)))
        lines.append("")
    if excepted:
        header = ["rule", "where", "license", "dependency", "reason"]
        rows = [
            [_code(f.rule), _where(f), _text(f.license), _code(f.dependency), _text(f.excepted)]
            for f in excepted
        ]
        summary = f"Excepted by the configuration ({len(excepted)})"
        lines.extend(_details(summary, _table(header, rows, max_rows)))
        lines.append("")
    if result.errors:
        header = ["where", "problem"]
        rows = [
            [_code(f"{e.path}:{e.line}" if e.line else e.path), _text(e.message)]
            for e in result.errors
        ]
        summary = f"Problems while scanning ({len(result.errors)})"
        lines.extend(_details(summary, _table(header, rows, max_rows)))
        lines.append("")
    if result.artifacts:
        header = ["path", "kind", "tier", "declared license"]
        rows = [
            [
                _code(a.path),
                _text(a.kind),
                _text(a.tier.value if a.tier else None),
                _text(a.declared_license),
            ]
            for a in result.artifacts
        ]
        summary = f"Artifacts ({len(result.artifacts)})"
        lines.extend(_details(summary, _table(header, rows, max_rows)))
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
