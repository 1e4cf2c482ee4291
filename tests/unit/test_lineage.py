"""Model lineage: the base-model table resolves, and inheritance is checked both ways."""

from __future__ import annotations

import pytest

from licensetier.declared import ModelCard, load_hf_licenses
from licensetier.license_db import LicenseDB
from licensetier.lineage import inherited_license, lineage_findings, load_base_models
from licensetier.models import Artifact, Family, Severity, Tier


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


def test_every_base_model_license_is_a_known_hub_id(db: LicenseDB) -> None:
    hf = load_hf_licenses()
    for rule in load_base_models():
        assert hf.knows(rule.hf_license), rule
        key = hf.lookup(rule.hf_license)
        if key is not None:
            known = db.keys()
            assert key in known, key
            assert db.classify_key(key).family is Family.CUSTOM


@pytest.mark.parametrize(
    ("model", "hub_id"),
    [
        ("meta-llama/Llama-3.1-8B-Instruct", "llama3.1"),
        ("META-LLAMA/llama-2-7b-hf", "llama2"),
        ("google/gemma-2-9b", "gemma"),
        ("bigscience/bloom", "bigscience-bloom-rail-1.0"),
        ("mistralai/Mistral-7B-v0.1", None),
        ("meta-llama/Llama-3.10-fake", None),
    ],
)
def test_inherited_license(model: str, hub_id: str | None) -> None:
    assert inherited_license(model) == hub_id


def _artifact(db: LicenseDB, spdx: str | None) -> Artifact:
    c = db.classify(db.spdx_to_keys(spdx)) if spdx else None
    return Artifact(".", "model-weights", Tier.SOMETIMES_OPEN, None, (), spdx, c)


def test_lineage_findings(db: LicenseDB) -> None:
    card = ModelCard("README.md", base_model=("meta-llama/Llama-3.1-8B",), base_model_line=4)
    (error,) = lineage_findings(_artifact(db, "Apache-2.0"), card, db)
    assert (error.severity, error.rule, error.line) == (Severity.ERROR, "base-model-license", 4)
    (none,) = lineage_findings(_artifact(db, None), card, db)
    assert "declares no license" in none.message
    llama = db.keys_to_spdx("llama-3.1-license-2024")
    assert lineage_findings(_artifact(db, llama), card, db) == []
    other = ModelCard("README.md", base_model=("someone/their-model",), base_model_line=4)
    (info,) = lineage_findings(_artifact(db, "MIT"), other, db)
    assert (info.severity, info.rule) == (Severity.INFO, "base-model-unverified")
