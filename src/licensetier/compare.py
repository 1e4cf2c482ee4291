"""What is new: findings against a base commit (--diff-base) or a baseline file, and
license drift, a dependency whose license got worse between the base and now.

A finding is the same finding when its fingerprint is (:mod:`licensetier.fingerprint`):
findings already present at the base, or recorded in the baseline, are marked
``existing`` and do not fail the run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from licensetier import relicensing, rules
from licensetier.errors import ConfigError
from licensetier.fingerprint import fingerprint
from licensetier.models import Artifact, Dependency, Finding, ScanResult, Severity
from licensetier.policy import Policy, sort_findings
from licensetier.printable import without_surrogates

BASELINE_FORMAT = 1
DRIFT_RULE = "dependency-license-drift"


def mark_existing(result: ScanResult, known: set[str], note: str) -> ScanResult:
    """``result`` with the findings whose fingerprint is in ``known`` marked existing."""
    findings = [
        replace(f, existing=True) if fingerprint(f) in known else f for f in result.findings
    ]
    existing = sum(1 for f in findings if f.existing)
    return replace(
        result,
        findings=tuple(sort_findings(findings)),
        notes=(*result.notes, note.format(existing=existing)),
    )


def _describe(d: Dependency) -> str:
    c = d.classification
    family = c.row if c else "unknown"
    return f"{d.label} is {d.license} ({family})"


def license_drift(
    policy: Policy,
    head: Sequence[Dependency],
    base: Sequence[Dependency],
    artifacts: Sequence[Artifact],
    base_label: str,
) -> list[Finding]:
    """A finding for each dependency (same artifact, ecosystem and name) whose license,
    known at both ends, ranks worse now for its artifact's tier than at the base; and
    for each whose version moved across a known relicensing
    (:mod:`licensetier.relicensing`), named in the message, even when its license is
    not known at either end."""
    before = {(d.artifact, d.ecosystem, d.name): d for d in base}
    by_path = {a.path: a for a in artifacts}
    events = relicensing.table(policy.db)
    findings: list[Finding] = []
    for d in head:
        old = before.get((d.artifact, d.ecosystem, d.name))
        art = by_path.get(d.artifact)
        if old is None or art is None:
            continue
        crossed = events.crossed(d.ecosystem, d.name, old.version, d.version)
        worse = _got_worse(policy, art, old, d)
        if not worse and crossed is None:
            continue
        c = d.classification
        if crossed is not None:  # the event's license, where it ranks worse than the one found
            new = policy.classify(
                policy.db.spdx_to_keys(crossed.event.new_license), art.tier, art.kind
            )
            rank = policy.rank_for(art.tier, art.kind)
            if c is None or d.license is None or rank(new) > rank(c):
                c = new
        assert c is not None
        cell = policy.component_cell(c, art.tier, art.kind) if art.tier else ""
        if worse:
            message = (
                f"{d.manifest}: the license of dependency {d.name} ({d.ecosystem}) got "
                f"worse since {base_label}: {_describe(old)}, {_describe(d)}"
            )
        else:
            message = (
                f"{d.manifest}: dependency {d.name} ({d.ecosystem}) moved from {old.version} "
                f"to {d.version} since {base_label}"
            )
        if crossed is not None:
            message += f"; this crosses {crossed.event_text()}: {crossed.describe(d.name)}"
        findings.append(
            rules.finding(
                DRIFT_RULE,
                severity=Severity.ERROR if cell == "error" else Severity.WARNING,
                message=message,
                artifact=art,
                path=d.manifest,
                line=d.line,
                license=d.license or (crossed.event.new_license if crossed else None),
                classification=c,
                dependency=d.purl,
                earlier=old.label,
            )
        )
    return findings


def _got_worse(policy: Policy, art: Artifact, old: Dependency, d: Dependency) -> bool:
    """Whether the license, known at both ends, ranks worse now for the artifact's tier."""
    if not (old.license and d.license) or old.license == d.license:
        return False
    if d.classification is None or old.classification is None:
        return False
    rank = policy.rank_for(art.tier, art.kind)
    return rank(d.classification) > rank(old.classification)


def against_base(policy: Policy, head: ScanResult, base: ScanResult, base_label: str) -> ScanResult:
    """``head`` with the findings present at the base marked existing, and license drift
    added (new by definition)."""
    drift = rules.configured(
        license_drift(policy, head.dependencies, base.dependencies, head.artifacts, base_label),
        policy.config.rules,
    )
    known = {fingerprint(f) for f in base.findings}
    marked = mark_existing(
        head,
        known,
        f"Compared with {base_label}: {{existing}} findings were there already and do not "
        "fail the run.",
    )
    return replace(marked, findings=tuple(sort_findings([*marked.findings, *drift])))


# -- baselines -----------------------------------------------------------------------


def baseline_json(result: ScanResult) -> str:
    """The reviewable baseline file: one entry per error, warning or excepted finding,
    sorted, without run-specific data (no time, no line numbers). A finding that rolls
    up the files under the artifact's own license is written file by file, as scans
    match baselines (before the roll-up)."""
    entries = sorted(
        (
            {
                "fingerprint": fingerprint(f),
                "rule": f.rule,
                "severity": f.severity.value,
                "path": f.path,
                "license": f.license,
                "dependency": f.dependency,
                "artifact": f.artifact,
                "message": f.message,
            }
            for rolled in result.findings
            for f in rolled.members or (rolled,)  # a rolled-up finding: each file's
            if f.severity is not Severity.INFO or f.excepted
        ),
        key=lambda e: (e["artifact"], e["path"] or "", e["rule"], e["fingerprint"]),
    )
    unique = list({e["fingerprint"]: e for e in entries}.values())
    document = {"licensetier_baseline": BASELINE_FORMAT, "findings": unique}
    # a path that is not UTF-8 is written \xe9-style; its fingerprint hashes the bytes
    return json.dumps(without_surrogates(document), indent=2, ensure_ascii=False) + "\n"


def load_baseline(path: Path) -> set[str]:
    """The fingerprints of a baseline file; a file that is not one is a ConfigError
    naming it."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"cannot read the baseline: {exc.strerror or exc}", path=str(path)
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f"{path}:{exc.lineno}" if isinstance(exc, json.JSONDecodeError) else str(path)
        raise ConfigError(f"not a baseline file (not valid JSON: {exc})", path=where) from None
    if not isinstance(data, dict) or data.get("licensetier_baseline") != BASELINE_FORMAT:
        raise ConfigError(
            f'not a baseline file: expected "licensetier_baseline": {BASELINE_FORMAT} '
            "(write one with `licensetier baseline`)",
            path=str(path),
        )
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise ConfigError('not a baseline file: "findings" is not a list', path=str(path))
    return set(_fingerprints(entries, path))


def _fingerprints(entries: Iterable[Any], path: Path) -> Iterable[str]:
    for n, entry in enumerate(entries):
        value = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(value, str) or not value:
            raise ConfigError(f"findings[{n}] has no fingerprint", path=str(path))
        yield value
