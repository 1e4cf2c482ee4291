"""The rule catalogue as ``licensetier rules`` prints it and as docs/rules.md holds it.

Pure: each ``render_*`` takes rules of the catalogue and returns the text. The
Markdown form *is* docs/rules.md; a test checks that the file is current.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from licensetier.rules import OFF, SETTINGS, SUBJECTS, Rule

_SUBJECT_TITLE = {
    "component": "A file inside the artifact",
    "dependency": "A dependency of the artifact",
    "declared": "The artifact's own license",
    "model": "Model cards and base models",
    "readiness": "Open-readiness of a typically-open artifact",
    "configuration": "The configuration",
    "scan": "The scan",
}
assert set(_SUBJECT_TITLE) == set(SUBJECTS)


def _severity(rule: Rule) -> str:
    return "by the tier's conflict matrix" if rule.severity is None else rule.severity.value


def as_dict(rule: Rule) -> dict[str, object]:
    return {
        "id": rule.id,
        "severity": rule.default,
        "subject": rule.subject,
        "summary": rule.summary,
        "why": rule.text("why"),
        "action": rule.text("action"),
        "parameters": list(rule.parameters),
        "docs": rule.anchor,
    }


def render_json(rules: Sequence[Rule]) -> str:
    return json.dumps([as_dict(r) for r in rules], indent=2, ensure_ascii=False) + "\n"


def render_text(rules: Sequence[Rule]) -> str:
    blocks = [
        f"{r.id}\n"
        f"  {r.summary}\n"
        f"  severity:   {_severity(r)}\n"
        f"  subject:    {r.subject}\n"
        f"  why:        {r.text('why')}\n"
        f"  what to do: {r.text('action')}\n"
        + (
            f"  allowed:    {r.text('allowed_why')} {r.text('allowed_action')}\n"
            if r.allowed_why
            else ""
        )
        + f"  docs:       {r.anchor}\n"
        for r in rules
    ]
    return "\n".join(blocks)


def render_markdown(rules: Sequence[Rule]) -> str:
    lines = [
        "# Rules",
        "",
        "<!-- Rendered from license_db/rules.toml by `licensetier rules --format markdown`;",
        "     tests/unit/test_rules.py fails when this file is not current. -->",
        "",
        "Every finding licensetier reports is raised under one of these rules. A rule's",
        "severity is fixed, or *by the tier's conflict matrix*: the matrix cell for the",
        "license's family and the artifact's tier decides it (license_db/tiers.toml,",
        "`[tool.licensetier.matrix]`). Any rule can be set to another severity or turned",
        "off, for the whole repository:",
        "",
        "```toml",
        "[tool.licensetier.rules]",
        'base-model-unverified = "off"',
        'component-copyleft-weak = "error"',
        "```",
        "",
        f"Settings: {', '.join(f'`{s}`' for s in SETTINGS)}. `{OFF}` drops the rule's",
        "findings; a severity replaces the one the rule or the matrix gave. Exceptions",
        "(`[[tool.licensetier.exceptions]]`) still downgrade what they match. An unknown",
        "rule id is a configuration error (exit 2). `licensetier rules [RULE]...` prints",
        "this catalogue (`--format json` for tools).",
        "",
        "| rule | severity | summary |",
        "|---|---|---|",
        *(f"| [`{r.id}`](#{r.id}) | {_severity(r)} | {r.summary} |" for r in rules),
    ]
    for subject in SUBJECTS:
        chosen = [r for r in rules if r.subject == subject]
        if not chosen:
            continue
        lines += ["", f"## {_SUBJECT_TITLE[subject]}"]
        for r in chosen:
            lines += [
                "",
                f"### {r.id}",
                "",
                f"{r.summary}. Severity: {_severity(r)}.",
                "",
                f"- **Why it matters.** {r.text('why')}",
                f"- **What to do.** {r.text('action')}",
            ]
            if r.allowed_why and r.allowed_action:
                lines += [
                    f"- **Where the tier allows it** (shown for the license's obligations):"
                    f" {r.text('allowed_why')} {r.text('allowed_action')}",
                ]
    return "\n".join(lines) + "\n"
