"""Weights are first-class: each weights file belongs to the artifact that owns its
path, and is checked against what that artifact declares.

* ``weights-no-license``: no license statement anywhere (the header says none and the
  artifact declares none: no model card ``license:``, LICENSE file or manifest);
* ``weights-license-disagrees``: the header's license is another license than one the
  artifact declares (compared as ScanCode keys: a Hub id through the Hub table, else
  an SPDX expression);
* ``weights-kind-undeclared``: an artifact holding weights declares no kind.

What is read from the files is :mod:`licensetier.readers.weights`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from licensetier import rules
from licensetier.errors import LicensetierError
from licensetier.expressions import keys_in
from licensetier.license_db import LicenseDB
from licensetier.models import Artifact, Finding, Weights
from licensetier.paths import owning_artifact
from licensetier.readers.model_card import load_hf_licenses


def owned(weights: Sequence[Weights], artifacts: Sequence[Artifact]) -> tuple[Weights, ...]:
    """``weights`` with the artifact each belongs to."""
    return tuple(replace(w, artifact=owning_artifact(w.path, artifacts).path) for w in weights)


def header_keys(value: str, db: LicenseDB) -> str | None:
    """A header's license as a license key expression: a Hugging Face Hub id or
    ``license_name`` through the Hub table, else an SPDX expression; None when it is
    neither."""
    found = load_hf_licenses().resolve(value)  # licensetier's own entries too
    if found is not None:
        return found[0]
    try:
        return db.spdx_to_keys(value)
    except (LicensetierError, ValueError):
        return None


def weights_findings(
    weights: Sequence[Weights], artifacts: Sequence[Artifact], db: LicenseDB
) -> list[Finding]:
    findings: list[Finding] = []
    by_path = {a.path: a for a in artifacts}
    holding: dict[str, Weights] = {}
    for w in weights:
        if w.role != "weights":
            continue
        art = by_path[w.artifact]
        holding.setdefault(art.path, w)
        findings.extend(_license_findings(w, art, db))
    for path, first in holding.items():
        art = by_path[path]
        if art.kind is None:
            where = "the repository" if path == "." else path
            findings.append(
                rules.finding(
                    "weights-kind-undeclared",
                    message=f"{where} holds model weights ({first.path}) but declares no kind: "
                    "declare it model-weights or frontier-weights",
                    artifact=art,
                    path=first.path,
                )
            )
    return findings


def _license_findings(w: Weights, art: Artifact, db: LicenseDB) -> list[Finding]:
    if w.license is None:
        if art.declared_license is None and not any(d.license for d in art.declared):
            pointer = w.lfs_pointer
            header = (
                f"a Git LFS pointer ({pointer}): its header is not in the repository"
                if pointer is not None
                else f"no license in its {w.format} header"
            )
            return [
                rules.finding(
                    "weights-no-license",
                    message=f"{w.path}: {header}, and "
                    f"{_named(art)} declares none (no model card license, LICENSE file or "
                    "manifest)",
                    artifact=art,
                    path=w.path,
                )
            ]
        return []
    stated = w.license
    if stated.lower() == "other" and w.license_name:
        stated = w.license_name  # the Hub's `license: other` with `license_name:`
    keys = header_keys(stated, db)
    if keys is None:
        return []  # not understood: nothing to compare
    own = keys_in(keys)
    granted = [d for d in art.declared if d.role not in ("clue", "companion")]  # reasoning
    others = [d for d in granted if d.license and keys_in(d.license) != own]
    if not others:
        return []
    sources = [f"its {w.format} header says {w.license!r}"] + [
        f"{d.source}{'' if d.field == 'file' else f' ({d.field})'} says {d.raw!r}"
        for d in granted
        if d.license
    ]
    return [
        rules.finding(
            "weights-license-disagrees",
            message=f"{w.path}: " + "; ".join(sources),
            artifact=art,
            path=w.path,
            license=_spdx(keys, db),
        )
    ]


def _named(art: Artifact) -> str:
    return "the repository" if art.path == "." else f"the artifact {art.path}"


def _spdx(keys: str, db: LicenseDB) -> str | None:
    try:
        return db.keys_to_spdx(keys)
    except (LicensetierError, ValueError):
        return None
