"""Model lineage: weights fine-tuned from a base model inherit its terms.

A Hugging Face model card names its parents in ``base_model:``. When a parent's
license is well known (license_db/base_models.toml) and restricts derived weights,
the artifact must carry that license; declaring, say, Apache-2.0 for weights
fine-tuned from Llama is an error whatever the tier.
"""

from __future__ import annotations

import fnmatch
import functools
from dataclasses import dataclass
from pathlib import Path

from licensetier import rules
from licensetier.declared import ModelCard, load_hf_licenses
from licensetier.errors import LicenseDBError
from licensetier.formats import tomllib
from licensetier.license_db import LicenseDB
from licensetier.models import Artifact, Family, Finding
from licensetier.paths import data_directory
from licensetier.policy import keys_of


@dataclass(frozen=True)
class BaseModelRule:
    ids: tuple[str, ...]
    hf_license: str


@functools.lru_cache(maxsize=2)
def load_base_models(path: Path | None = None) -> tuple[BaseModelRule, ...]:
    path = path or data_directory() / "base_models.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return tuple(
            BaseModelRule(tuple(entry["ids"]), entry["license"]) for entry in data["base_model"]
        )
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
        raise LicenseDBError(f"{path}: {exc}") from None


def inherited_license(model_id: str) -> str | None:
    """The Hugging Face license id of a well-known base model, or None."""
    lowered = model_id.strip().lower()
    for rule in load_base_models():
        if any(fnmatch.fnmatchcase(lowered, pattern.lower()) for pattern in rule.ids):
            return rule.hf_license
    return None


def lineage_findings(art: Artifact, card: ModelCard, db: LicenseDB) -> list[Finding]:
    findings: list[Finding] = []
    hf = load_hf_licenses()
    declared = art.declared_license
    declared_keys = keys_of(db.spdx_to_keys(declared)) if declared else frozenset()
    for base in card.base_model:
        hf_id = inherited_license(base)
        if hf_id is None:
            findings.append(
                rules.finding(
                    "base-model-unverified",
                    message=f"{card.source}: base model {base} is not one whose license "
                    "licensetier knows offline",
                    artifact=art,
                    path=card.source,
                    line=card.base_model_line,
                )
            )
            continue
        key = hf.lookup(hf_id)
        c = db.classify_key(key) if key else None
        if c is not None and c.family is Family.PERMISSIVE:
            continue
        if key is not None and key in declared_keys:
            continue
        name = db.name(key) if key else hf_id
        obligations = " ".join(db.obligations(key)) if key else ""
        findings.append(
            rules.finding(
                "base-model-license",
                message=(
                    f"{card.source}: fine-tuned from {base}, whose {name} carries over to "
                    f"derived weights, but the artifact declares {declared or 'no license'}"
                ),
                artifact=art,
                path=card.source,
                line=card.base_model_line,
                license=db.keys_to_spdx(key) if key else None,
                classification=c,
                family=Family.UNKNOWN,
                also=f"Obligations: {obligations}" if obligations else "",
                base_license=hf_id,
            )
        )
    return findings
