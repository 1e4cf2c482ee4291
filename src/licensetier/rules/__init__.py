"""The rule catalogue: every rule a finding is raised under, and the one way to raise it.

The text of each rule (its summary, why it matters, what to do) is data, in
``license_db/rules.toml``; this module loads it, checks it, and makes every
:class:`~licensetier.models.Finding` through :func:`finding`, so no finding carries
text that is not in the catalogue. SARIF, Markdown, ``licensetier rules`` and
docs/rules.md read the same entries.

A rule's severity is fixed (``error``, ``warning``, ``info``) or ``tier``: the tier's
conflict matrix decides it, and the code that raises the finding passes it. Users
set any rule to ``error``, ``warning``, ``info`` or ``off`` in
``[tool.licensetier.rules]`` (:func:`configured`).
"""

from __future__ import annotations

import difflib
import functools
import string
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from licensetier.errors import LicenseDBError
from licensetier.models import Artifact, Classification, Family, Finding, Severity, Strength
from licensetier.paths import data_directory

TIER = "tier"  # the severity of a rule the conflict matrix decides
OFF = "off"
SETTINGS = ("error", "warning", "info", OFF)  # what [tool.licensetier.rules] accepts
SUBJECTS = (
    "component",
    "dependency",
    "declared",
    "model",
    "readiness",
    "configuration",
    "scan",
)
DOCS = "docs/rules.md"
_FIELDS = {"severity", "subject", "summary", "why", "action"}
# A rule the tier decides may say why and what to do when its tier allows the license
# but the finding is still shown (an AI license's obligations in a tier that allows it):
# the tier's own reasons for refusing it would not fit.
_ALLOWED_FIELDS = {"allowed_why", "allowed_action"}


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity | None  # None: decided by the tier's conflict matrix
    subject: str
    summary: str
    why: str
    action: str
    allowed_why: str | None = None  # when the tier allows it (rules the tier decides)
    allowed_action: str | None = None

    @property
    def anchor(self) -> str:
        """Where the rule is documented: docs/rules.md's heading for it."""
        return f"{DOCS}#{self.id}"

    @property
    def default(self) -> str:
        return self.severity.value if self.severity is not None else TIER

    @property
    def parameters(self) -> tuple[str, ...]:
        """The ``{names}`` a finding of this rule fills in its why and action."""
        names = [
            name
            for text in (self.why, self.action, self.allowed_why or "", self.allowed_action or "")
            for _, name, _, _ in string.Formatter().parse(text)
            if name
        ]
        return tuple(dict.fromkeys(names))

    def text(self, field: str) -> str:
        """``why``, ``action`` (or their ``allowed_`` forms) as documented: each
        parameter shown as ``<name>``."""
        value: str = getattr(self, field) or ""
        return value.format_map({name: f"<{name}>" for name in self.parameters})


@dataclass(frozen=True)
class Catalogue:
    rules: Mapping[str, Rule]  # in the order of the data

    def __getitem__(self, rule_id: str) -> Rule:
        try:
            return self.rules[rule_id]
        except KeyError:
            raise KeyError(f"no rule {rule_id!r} in the catalogue ({DOCS})") from None

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.rules

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules.values())

    def __len__(self) -> int:
        return len(self.rules)

    def did_you_mean(self, rule_id: str) -> str:
        """``"; did you mean <closest id>?"`` for a mistyped rule id, else ``""``."""
        close = difflib.get_close_matches(rule_id, list(self.rules), n=1)
        return f"; did you mean {close[0]}?" if close else ""


def _entry(rule_id: str, entry: Any) -> Rule:
    where = f"rules.toml: [rules.{rule_id}]"
    if not isinstance(entry, dict):
        raise LicenseDBError(f"{where} is not a table")
    missing = sorted(_FIELDS - set(entry))
    unknown = sorted(set(entry) - _FIELDS - _ALLOWED_FIELDS)
    if missing or unknown:
        raise LicenseDBError(f"{where}: missing {missing}, unknown {unknown}")
    given = _FIELDS | (_ALLOWED_FIELDS & set(entry))
    if not all(isinstance(entry[f], str) and entry[f].strip() for f in given):
        raise LicenseDBError(f"{where}: every field is a non-empty string")
    severity = entry["severity"]
    if severity not in (TIER, *(s.value for s in Severity)):
        raise LicenseDBError(f"{where}: severity {severity!r}")
    if entry["subject"] not in SUBJECTS:
        raise LicenseDBError(f"{where}: subject {entry['subject']!r}")
    if _ALLOWED_FIELDS & set(entry) and (severity != TIER or not set(entry) >= _ALLOWED_FIELDS):
        raise LicenseDBError(f"{where}: allowed_why and allowed_action go together, on tier rules")
    return Rule(
        id=rule_id,
        severity=None if severity == TIER else Severity(severity),
        subject=entry["subject"],
        summary=entry["summary"],
        why=entry["why"],
        action=entry["action"],
        allowed_why=entry.get("allowed_why"),
        allowed_action=entry.get("allowed_action"),
    )


def parse(data: Mapping[str, Any]) -> Catalogue:
    table = data.get("rules")
    if not isinstance(table, dict) or not table:
        raise LicenseDBError("rules.toml: [rules] is missing")
    return Catalogue({rule_id: _entry(rule_id, entry) for rule_id, entry in table.items()})


@functools.lru_cache(maxsize=4)
def load_catalogue(directory: Path | None = None) -> Catalogue:
    from licensetier import formats

    path = (directory or data_directory()) / "rules.toml"
    try:
        return parse(formats.load_toml(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:  # TOMLDecodeError is a ValueError
        raise LicenseDBError(f"{path}: {exc}") from exc


def finding(
    rule_id: str,
    *,
    message: str,
    artifact: Artifact | str,
    severity: Severity | None = None,
    path: str | None = None,
    line: int | None = None,
    license: str | None = None,
    classification: Classification | None = None,
    family: Family | None = None,
    dependency: str | None = None,
    why: str | None = None,
    also: str = "",
    allowed: bool = False,
    **parameters: str,
) -> Finding:
    """A finding of the catalogue's rule ``rule_id``: its why and action come from the
    catalogue, filled with ``parameters``. ``severity`` is required for a rule the
    tier decides and must be left out otherwise. ``why`` replaces the rule's reason
    (a tier override's own reason); ``also`` is appended to it (obligations).
    ``allowed``: the tier allows it (the finding is shown for its obligations), so the
    rule's ``allowed_why``/``allowed_action`` apply where it has them."""
    rule = load_catalogue()[rule_id]
    if (rule.severity is None) != (severity is not None):
        raise ValueError(f"rule {rule_id}: severity is {rule.default}, given {severity}")
    if set(parameters) != set(rule.parameters):
        raise ValueError(f"rule {rule_id} takes {rule.parameters}, given {sorted(parameters)}")
    rule_why, rule_action = rule.why, rule.action
    if allowed and rule.allowed_why and rule.allowed_action:
        rule_why, rule_action = rule.allowed_why, rule.allowed_action
    reason = (why or rule_why.format_map(parameters)) + (f" {also}" if also else "")
    art = artifact if isinstance(artifact, Artifact) else None
    strength: Strength | None = classification.strength if classification else None
    return Finding(
        severity=severity or rule.severity or Severity.INFO,
        rule=rule_id,
        message=message,
        why=reason,
        action=rule_action.format_map(parameters),
        path=path,
        line=line,
        license=license,
        family=classification.family if classification else family,
        strength=strength,
        artifact=art.path if art else str(artifact),
        tier=art.tier if art else None,
        dependency=dependency,
    )


def configured(findings: Iterable[Finding], settings: Mapping[str, str]) -> list[Finding]:
    """The findings with the user's rule settings applied: a rule set to ``off`` is
    dropped, one set to a severity gets it."""
    out: list[Finding] = []
    for f in findings:
        setting = settings.get(f.rule)
        if setting is None:
            out.append(f)
        elif setting != OFF:
            out.append(replace(f, severity=Severity(setting)))
    return out
