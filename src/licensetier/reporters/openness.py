"""``licensetier openness``: each model artifact's Model Openness Framework class, its
components and the Open Source AI Definition's checklist, as text or JSON. The JSON
object of one artifact is also the ``openness`` of that artifact in the scan's JSON
report (:func:`to_dict`)."""

from __future__ import annotations

import json
from typing import Any

from licensetier.models import Openness, ScanResult
from licensetier.openness import ROMAN, class_label
from licensetier.printable import printable

FORMATS = ("text", "json")
FRAMEWORK = "Model Openness Framework 1.0 (arXiv 2403.13784), the Model Openness Tool's components"
DEFINITION = "Open Source AI Definition 1.0"


def to_dict(o: Openness) -> dict[str, Any]:
    return {
        "class": o.mof_class,
        "class_name": class_label(o.mof_class),
        "framework": FRAMEWORK,
        "components": [
            {
                "id": c.id,
                "name": c.name,
                "class": c.mof_class,
                "required": c.required,
                "types": list(c.types),
                "present": c.present,
                "found": list(c.found),
                "license": c.license,
                "acceptable": c.acceptable,
                "why": c.why,
            }
            for c in o.components
        ],
        "missing": list(o.missing),
        "osaid": {
            "definition": DEFINITION,
            "met": o.osaid_met,
            "items": [{"id": i.id, "name": i.name, "met": i.met, "why": i.why} for i in o.osaid],
        },
    }


def render(result: ScanResult, fmt: str = "text", notes: tuple[str, ...] = ()) -> str:
    if fmt == "json":
        document = {
            "root": result.root,
            "artifacts": [{"path": o.artifact, **to_dict(o)} for o in result.openness],
            "notes": list(notes),
            "errors": [
                {"path": e.path, "line": e.line, "message": e.message} for e in result.errors
            ],
        }
        return json.dumps(document, indent=2) + "\n"
    return _text(result, notes)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _text(result: ScanResult, notes: tuple[str, ...]) -> str:
    lines: list[str] = []
    for note in notes:
        lines += [note, ""]
    if not result.openness:
        lines.append(
            "No model artifact: no model card, weights or artifact of kind model-weights "
            "or frontier-weights."
        )
    kinds = {a.path: a.kind for a in result.artifacts}
    for o in result.openness:
        where = "the repository" if o.artifact == "." else printable(o.artifact)
        kind = kinds.get(o.artifact)
        lines.append(
            f"{where}{f' ({kind})' if kind else ''}: {class_label(o.mof_class)}; "
            f"{DEFINITION}: {'met' if o.osaid_met else 'not met'}"
        )
        lines.append("")
        header = ("class", "component", "present", "acceptable", "license", "found in")
        rows = [
            (
                ROMAN[c.mof_class] + ("" if c.required else " (opt.)"),
                c.name,
                _yes(c.present),
                _yes(c.acceptable) if c.present else "-",
                c.license or "-",
                ", ".join(printable(f) for f in c.found) or "-",
            )
            for c in o.components
        ]
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(5)]
        for row in (header, *rows):
            cells = [row[i].ljust(widths[i]) for i in range(5)] + [row[5]]
            lines.append("  " + "  ".join(cells).rstrip())
        lines.append("")
        if o.missing:
            target = "Class I" if o.mof_class is None or o.mof_class > 1 else ""
            lines.append(f"  Short of {target}:" if target else "  Missing:")
            lines.extend(f"  - {printable(m)}" for m in o.missing)
            lines.append("")
        lines.append(f"  {DEFINITION}:")
        for item in o.osaid:
            lines.append(f"  [{'x' if item.met else ' '}] {item.name}: {printable(item.why)}")
        lines.append("")
    for e in result.errors:
        where = f"{e.path}:{e.line}" if e.line else e.path
        lines.append(f"problem: {printable(where)}: {printable(e.message)}")
    return "\n".join(lines).rstrip("\n") + "\n"
