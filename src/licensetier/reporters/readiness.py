"""The checklists of ``licensetier readiness``: text and JSON.

Pure, like every reporter: takes the :class:`~licensetier.models.ScanResult` and
returns the text. Each artifact's checklist is printed section by section (the
open-readiness of a typically-open artifact; other sections, such as a model's
openness, print the same way).
"""

from __future__ import annotations

import json
from typing import Any

from licensetier import __version__
from licensetier.models import Checklist, ScanResult
from licensetier.printable import printable
from licensetier.reporters import plural

FORMATS = ("text", "json")
MARK = {"pass": "[x]", "fail": "[ ]", "n/a": "[-]"}
CONFIG_NOTE = "in licensetier.toml ([[tool.licensetier.artifacts]] in pyproject.toml):"


def render(result: ScanResult, fmt: str = "text") -> str:
    if fmt == "json":
        return render_json(result)
    return render_text(result)


def _counts(checklist: Checklist) -> tuple[int, int]:
    """(items that pass, items that apply)."""
    items = [i for s in checklist.sections for i in s.items if i.status != "n/a"]
    return sum(1 for i in items if i.status == "pass"), len(items)


def render_text(result: ScanResult) -> str:
    lines = [f"licensetier readiness of {printable(result.root)}", ""]
    if not result.checklists:
        lines.append(
            "No typically-open artifact: nothing to check. Declare one with --kind "
            "(sdk, client-library, docs, ...) or --tier typically-open, or in the "
            "configuration's [[artifacts]]."
        )
        return "\n".join(lines) + "\n"
    for checklist in result.checklists:
        ready, total = _counts(checklist)
        what = ", ".join(x for x in (checklist.kind, checklist.tier and checklist.tier.value) if x)
        name = printable(checklist.artifact)
        lines.append(f'artifact "{name}" ({what}): {ready} of {total} ready')
        for section in checklist.sections:
            lines.append(f"  {section.title}")
            for item in section.items:
                rule = f"  ({item.rule})" if item.status == "fail" and item.rule else ""
                lines.append(
                    f"  {MARK.get(item.status, '[?]')} {item.title}: {printable(item.detail)}{rule}"
                )
                if item.status == "fail" and item.suggestion:
                    lines.append(f"      {CONFIG_NOTE}")
                    lines.extend(
                        f"        {line}" if line else "" for line in item.suggestion.splitlines()
                    )
        lines.append("")
    failed = sum(c.failed for c in result.checklists)
    lines.append(
        f"{plural(len(result.checklists), 'typically-open artifact')}, "
        f"{plural(failed, 'item')} to add; "
        "`licensetier rules RULE` explains each rule."
    )
    return "\n".join(lines) + "\n"


def as_dict(checklist: Checklist) -> dict[str, Any]:
    ready, total = _counts(checklist)
    return {
        "artifact": checklist.artifact,
        "kind": checklist.kind,
        "tier": checklist.tier.value if checklist.tier else None,
        "ready": ready,
        "applicable": total,
        "failed": checklist.failed,
        "sections": [
            {
                "name": section.name,
                "title": section.title,
                "items": [
                    {
                        "check": item.check,
                        "title": item.title,
                        "status": item.status,
                        "detail": item.detail,
                        "path": item.path,
                        "line": item.line,
                        "rule": item.rule,
                        "suggestion": item.suggestion or None,
                    }
                    for item in section.items
                ],
            }
            for section in checklist.sections
        ],
    }


def render_json(result: ScanResult) -> str:
    document = {
        "tool": {"name": "licensetier", "version": __version__},
        "root": result.root,
        "checklists": [as_dict(c) for c in result.checklists],
        "errors": [{"path": e.path, "line": e.line, "message": e.message} for e in result.errors],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
