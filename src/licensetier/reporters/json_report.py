"""JSON report (``--format json``). Its shape is documented in docs/formats.md and
versioned by ``schema_version``."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from licensetier.models import (
    Artifact,
    BusinessSource,
    DatasetInfo,
    Dependency,
    Detection,
    FileResult,
    Finding,
    ModelInfo,
    Openness,
    ScanResult,
    Severity,
    Weights,
)
from licensetier.reuse import effective
from licensetier.rollup import SAMPLE


def _detection(d: Detection) -> dict[str, Any]:
    return {
        "license": d.license_spdx,
        "scancode_license": d.corrected_from or d.license,
        "corrected_to": d.license if d.corrected_from else None,
        "start_line": d.start_line,
        "end_line": d.end_line,
        "score": d.score,
        "matcher": d.matcher,
        "rule": d.rule,
        "matches": [
            {
                "license": m.license_spdx,
                "scancode_license": m.license,
                "start_line": m.start_line,
                "end_line": m.end_line,
                "score": m.score,
                "matcher": m.matcher,
                "rule": m.rule,
            }
            for m in d.matches
        ],
    }


def _file(f: FileResult) -> dict[str, Any]:
    c = f.classification
    return {
        "path": f.path,
        "license": f.license_spdx,
        "scancode_license": f.corrected_from or f.license,
        "corrected_to": f.license if f.corrected_from else None,
        "family": c.family.value if c else None,
        "strength": c.strength.value if c and c.strength else None,
        "detections": [_detection(d) for d in f.detections],
        "license_clues": f.clues,
        "detection_path": f.engine,
        "annotated": _annotated(f),
    }


def _annotated(f: FileResult) -> dict[str, Any] | None:
    """The REUSE annotation of a file, and the license the tier check judged it by."""
    a = f.annotated
    if a is None:
        return None
    keys, spdx = effective(f)
    return {
        "license": a.license_spdx,
        "path": a.source,
        "line": a.line,
        "precedence": a.precedence,
        "effective_license": spdx or keys,
    }


def _artifact(a: Artifact, openness: Openness | None = None) -> dict[str, Any]:
    from licensetier.reporters.openness import to_dict as openness_dict  # only when asked

    c = a.declared_classification
    return {
        "path": a.path,
        "kind": a.kind,
        "tier": a.tier.value if a.tier else None,
        "intended_license": a.intended_license,
        "declared_license": a.declared_license,
        "declared_family": c.family.value if c else None,
        "declared_strength": c.strength.value if c and c.strength else None,
        "declared_by": [
            {
                "path": d.source,
                "field": d.field,
                "license": d.license_spdx,
                "raw": d.raw,
                "score": d.score,
                "line": d.line,
                "low_confidence": d.low_confidence,
                "role": d.role,
                "note": d.note,
            }
            for d in a.declared
        ],
        "declared_low_confidence": a.reasoning.low_confidence if a.reasoning else False,
        "declared_why": list(a.reasoning.why) if a.reasoning else [],
        "business_source": _business(a.reasoning.business_source if a.reasoning else None),
        "declared_modified": [
            {
                "path": c.source,
                "license": c.license,
                "rule": c.rule,
                "score": c.score,
                "added_lines": [list(a) for a in c.added],
                "removed_words": c.removed_words,
                "read_in_additions": list(c.read_in_additions),
            }
            for c in (a.reasoning.modified if a.reasoning else ())
        ],
        "origin": a.origin,
        "name": a.name,
        "version": a.version,
        "supplier": a.supplier,
        "identity_source": a.identity_source,
        "openness": openness_dict(openness) if openness is not None else None,
    }


def _business(b: BusinessSource | None) -> dict[str, Any] | None:
    if b is None:
        return None
    return {
        "path": b.source,
        "line": b.line,
        "licensor": b.licensor,
        "licensed_work": b.licensed_work,
        "additional_use_grant": b.additional_use_grant,
        "change_date": b.change_date,
        "change_date_iso": b.change_date_iso,
        "change_license": b.change_license,
        "change_license_raw": b.change_license_raw,
        "changed": b.changed,
    }


def dependency(d: Dependency) -> dict[str, Any]:
    c = d.classification
    return {
        "ecosystem": d.ecosystem,
        "name": d.name,
        "version": d.version,
        "exact": d.exact,
        "requirement": d.requirement,
        "purl": d.purl,
        "direct": d.direct,
        "scope": d.scope,
        "manifest": d.manifest,
        "line": d.line,
        "artifact": d.artifact,
        "chain": list(d.chain),
        "license": d.license,
        "scancode_license": d.license_keys,
        "license_raw": d.license_raw,
        "family": c.family.value if c else None,
        "strength": c.strength.value if c and c.strength else None,
        "license_source": d.license_source,
        "license_where": d.license_where,
        "score": d.score,
        "low_confidence": d.low_confidence,
        "reason": d.reason,
    }


def _weights(w: Weights) -> dict[str, Any]:
    return {
        "path": w.path,
        "format": w.format,
        "role": w.role,
        "artifact": w.artifact,
        "license": w.license,
        "license_name": w.license_name,
        "license_link": w.license_link,
        "base_models": list(w.base_models),
        "datasets": list(w.datasets),
        "metadata": dict(w.metadata),
    }


def _plain(value: ModelInfo | DatasetInfo) -> dict[str, Any]:
    """A model's or a dataset card's entry: the dataclass's fields, nested ones too
    (models.py names them as the report does; docs/report-schema.json checks it)."""
    return dataclasses.asdict(value)


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "severity": f.severity.value,
        "rule": f.rule,
        "message": f.message,
        "why": f.why,
        "action": f.action,
        "path": f.path,
        "line": f.line,
        "license": f.license,
        "family": f.family.value if f.family else None,
        "strength": f.strength.value if f.strength else None,
        "artifact": f.artifact,
        "tier": f.tier.value if f.tier else None,
        "dependency": f.dependency,
        "excepted": f.excepted,
        "existing": f.existing,
        # a finding that stands for several files (licensetier.rollup): how many, the
        # first paths (in the message too) and every one of them
        "count": f.count,
        "sample": [m.path for m in f.members[:SAMPLE]] if f.members else None,
        "paths": [m.path for m in f.members] if f.members else None,
    }


def summary(result: ScanResult) -> dict[str, int | bool]:
    """The counts of a scan, as the JSON report's ``summary`` gives them."""
    return {
        "files_scanned": len(result.files),
        "files_skipped": len(result.skipped),
        "dependencies": len(result.dependencies),
        "dependencies_unresolved": sum(
            1 for d in result.dependencies if d.license_source == "unresolved"
        ),
        "errors": result.count(Severity.ERROR),
        "warnings": result.count(Severity.WARNING),
        "infos": result.count(Severity.INFO),
        "scan_errors": len(result.errors),
        "files_not_scanned": result.not_scanned,
        "complete": result.not_scanned == 0,
    }


def to_dict(result: ScanResult) -> dict[str, Any]:
    openness = {o.artifact: o for o in result.openness}
    return {
        "schema_version": result.schema_version,
        "tool": {"name": "licensetier", **result.engine},
        "root": result.root,
        "artifacts": [_artifact(a, openness.get(a.path)) for a in result.artifacts],
        "files": [_file(f) for f in result.files],
        "skipped": [{"path": s.path, "reason": s.reason} for s in result.skipped],
        "dependencies": [dependency(d) for d in result.dependencies],
        "weights": [_weights(w) for w in result.weights],
        "models": [_plain(m) for m in result.models],
        "datasets": [_plain(d) for d in result.datasets],
        "findings": [_finding(f) for f in result.findings],
        "errors": [{"path": e.path, "line": e.line, "message": e.message} for e in result.errors],
        "notes": list(result.notes),
        "summary": summary(result),
    }


def render(result: ScanResult, **_options: object) -> str:
    # compact: the C encoder, where indenting takes the pure-Python one (a quarter of
    # a second for 10,000 files); `python -m json.tool` indents it for reading
    return json.dumps(to_dict(result), separators=(",", ":")) + "\n"
