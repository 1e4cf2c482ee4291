"""Model lineage: the base-model table resolves (directly, per model for the families
whose license differs by model, and through mirrors and quantizers), and inheritance
is checked both ways, from the model card and from weights and metadata files."""

from __future__ import annotations

from dataclasses import replace

import pytest

from licensetier.declared import ModelCard, load_hf_licenses
from licensetier.license_db import LicenseDB
from licensetier.lineage import (
    inherited_license,
    lineage_findings,
    load_base_models,
    local_base,
    resolve_base,
)
from licensetier.models import Artifact, Family, Severity, Tier, Weights


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


def test_every_base_model_license_is_a_known_hub_id(db: LicenseDB) -> None:
    hf = load_hf_licenses()
    for rule in load_base_models():
        resolved = hf.resolve(rule.hf_license)  # a Hub id or a license_name
        assert resolved is not None, rule
        key = resolved[0]
        if key is not None:
            assert key in db.keys() | db.licenseref_keys(), key
            family = db.classify_key(key).family
            assert family in (Family.CUSTOM, Family.PERMISSIVE), (rule, family)


def test_no_model_is_listed_under_two_licenses() -> None:
    seen: dict[str, str] = {}
    for rule in load_base_models():
        for pattern in rule.ids:
            assert seen.setdefault(pattern.lower(), rule.hf_license) == rule.hf_license, pattern


@pytest.mark.parametrize(
    ("model", "hub_id"),
    [
        ("meta-llama/Llama-3.1-8B-Instruct", "llama3.1"),
        ("META-LLAMA/llama-2-7b-hf", "llama2"),
        ("google/gemma-2-9b", "gemma"),
        ("bigscience/bloom", "bigscience-bloom-rail-1.0"),
        ("mistralai/Mistral-7B-v0.1", "apache-2.0"),
        ("meta-llama/Llama-3.10-fake", None),
        ("https://huggingface.co/meta-llama/Llama-2-7b-hf/", "llama2"),
        # per model: Qwen
        ("Qwen/Qwen2.5-7B-Instruct", "apache-2.0"),
        ("Qwen/Qwen2.5-3B-Instruct", "qwen-research"),
        ("Qwen/Qwen2.5-72B", "qwen"),
        ("Qwen/Qwen2-72B-Instruct", "tongyi-qianwen"),
        ("Qwen/Qwen3-8B", "apache-2.0"),
        ("Qwen/Qwen2.5-Math-7B", None),  # not listed: left unverified, not guessed
        # per model: Mistral
        ("mistralai/Mixtral-8x7B-Instruct-v0.1", "apache-2.0"),
        ("mistralai/Mistral-Large-Instruct-2407", "mrl"),
        ("mistralai/Ministral-8B-Instruct-2410", "mrl"),
        ("mistralai/Codestral-22B-v0.1", None),
        # Gemma, all sizes
        ("google/gemma-2-27b-it", "gemma"),
    ],
)
def test_inherited_license(model: str, hub_id: str | None) -> None:
    assert inherited_license(model) == hub_id


@pytest.mark.parametrize(
    ("model", "hub_id", "original"),
    [
        ("TheBloke/Llama-2-7B-GGUF", "llama2", "Llama-2-7B"),
        ("TheBloke/Llama-2-7B-Chat-GPTQ", "llama2", "Llama-2-7B-Chat"),
        ("unsloth/llama-3-8b-bnb-4bit", "llama3", "llama-3-8b"),
        ("unsloth/Meta-Llama-3.1-8B-Instruct-unsloth-bnb-4bit", "llama3.1", None),
        ("bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", "llama3.1", None),
        ("lmstudio-community/gemma-2-9b-it-GGUF", "gemma", "gemma-2-9b-it"),
        ("mlx-community/Meta-Llama-3-8B-Instruct-4bit", "llama3", None),
        ("NousResearch/Llama-2-7b-hf", "llama2", "Llama-2-7b-hf"),
        ("QuantFactory/Meta-Llama-3-8B-GGUF", "llama3", None),
        ("MaziyarPanahi/Mistral-Large-Instruct-2407-GGUF", "mrl", None),
        ("bartowski/Qwen2.5-3B-Instruct-GGUF", "qwen-research", None),
        ("bartowski/Qwen2.5-7B-Instruct-Q4_K_M", "apache-2.0", "Qwen2.5-7B-Instruct"),
        ("TheBloke/Mistral-7B-Instruct-v0.2-AWQ", "apache-2.0", None),
        ("mlx-community/Llama-3.2-3B-Instruct-MLX", "llama3.2", None),
    ],
)
def test_mirrors_resolve_to_the_original(model: str, hub_id: str, original: str | None) -> None:
    found = resolve_base(model)
    assert found is not None
    assert found.hf_license == hub_id
    assert found.original is not None
    if original is not None:
        assert found.original == original


@pytest.mark.parametrize(
    "model",
    [
        "NousResearch/Hermes-3-Llama-3.1-8B",  # a mirror's own fine-tune
        "TheBloke/Mistral-7B-OpenOrca-GGUF",  # a third party's fine-tune, quantized
        "someone/Llama-2-7B-GGUF",  # not a known mirror: its name proves nothing
        "TheBloke/Qwen2.5-Math-7B-GGUF",  # not listed
        "TheBloke/GGUF",
    ],
)
def test_what_mirrors_do_not_resolve(model: str) -> None:
    assert resolve_base(model) is None


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
    # licensetier's own entries (Llama 3, MRL) are understood when declared
    llama3 = ModelCard("README.md", base_model=("meta-llama/Meta-Llama-3-8B",), base_model_line=4)
    llama3_key = load_hf_licenses().resolve("llama3")
    assert llama3_key is not None
    assert lineage_findings(_artifact(db, db.keys_to_spdx(llama3_key[0])), llama3, db) == []
    other = ModelCard("README.md", base_model=("someone/their-model",), base_model_line=4)
    (info,) = lineage_findings(_artifact(db, "MIT"), other, db)
    assert (info.severity, info.rule) == (Severity.INFO, "base-model-unverified")


def test_a_mirrored_base_model_names_the_original(db: LicenseDB) -> None:
    card = ModelCard("README.md", base_model=("TheBloke/Llama-2-7B-GGUF",), base_model_line=3)
    (error,) = lineage_findings(_artifact(db, "Apache-2.0"), card, db)
    assert error.rule == "base-model-license"
    assert "a re-publication of Llama-2-7B" in error.message


def test_permissive_and_per_model_bases(db: LicenseDB) -> None:
    apache = ModelCard("README.md", base_model=("Qwen/Qwen2.5-7B-Instruct",), base_model_line=3)
    assert lineage_findings(_artifact(db, "MIT"), apache, db) == []
    research = ModelCard("README.md", base_model=("Qwen/Qwen2.5-3B-Instruct",), base_model_line=3)
    (error,) = lineage_findings(_artifact(db, "Apache-2.0"), research, db)
    assert error.rule == "base-model-license"
    assert "`license: other` with `license_name: qwen-research`" in error.action
    llama = ModelCard("README.md", base_model=("meta-llama/Llama-2-7b-hf",), base_model_line=3)
    (error,) = lineage_findings(_artifact(db, "Apache-2.0"), llama, db)
    assert "`license: llama2` in the model card" in error.action


@pytest.mark.parametrize(
    ("relation", "words"),
    [
        ("adapter", "an adapter on"),
        ("quantized", "a quantization of"),
        ("merge", "merged from"),
        ("finetune", "fine-tuned from"),
        (None, "fine-tuned from"),
    ],
)
def test_base_model_relation_in_the_message(
    db: LicenseDB, relation: str | None, words: str
) -> None:
    card = ModelCard(
        "README.md",
        base_model=("meta-llama/Llama-3.1-8B",),
        base_model_line=4,
        base_model_relation=relation,
    )
    (error,) = lineage_findings(_artifact(db, "Apache-2.0"), card, db)
    assert error.rule == "base-model-license"  # an adapter or a quantization is still bound
    assert error.severity is Severity.ERROR
    assert f"README.md: {words} meta-llama/Llama-3.1-8B" in error.message
    if relation:
        assert f"base_model_relation: {relation}" in error.message
    else:
        assert "base_model_relation" not in error.message


def _weights(path: str, fmt: str, *bases: str, artifact: str = ".") -> Weights:
    role = "weights" if fmt in ("gguf", "safetensors") else "metadata"
    return Weights(path, fmt, role, artifact, base_models=bases)


def test_weights_base_models_feed_the_lineage(db: LicenseDB) -> None:
    weights = [
        _weights("model.Q4_K_M.gguf", "gguf", "meta-llama/Llama-2-7b-hf"),
        _weights("adapter_config.json", "peft-adapter-config", "META-LLAMA/Llama-2-7b-hf"),
        _weights("config.json", "transformers-config", "/home/me/out/checkpoint-500"),
        _weights("sub/model.gguf", "gguf", "meta-llama/Llama-3.1-8B", artifact="sub"),
    ]
    (error,) = lineage_findings(_artifact(db, "Apache-2.0"), None, db, weights)
    assert (error.rule, error.path, error.line) == ("base-model-license", "model.Q4_K_M.gguf", None)
    assert "model.Q4_K_M.gguf: derived from meta-llama/Llama-2-7b-hf" in error.message
    # the card names it first: one finding, on the card
    card = ModelCard("README.md", base_model=("meta-llama/Llama-2-7b-hf",), base_model_line=2)
    (error,) = lineage_findings(_artifact(db, "Apache-2.0"), card, db, weights)
    assert (error.path, error.line) == ("README.md", 2)


def test_an_adapter_config_is_an_adapter(db: LicenseDB) -> None:
    weights = [_weights("adapter_config.json", "peft-adapter-config", "meta-llama/Llama-2-7b-hf")]
    (error,) = lineage_findings(_artifact(db, "Apache-2.0"), None, db, weights)
    assert error.path == "adapter_config.json"
    assert "an adapter on meta-llama/Llama-2-7b-hf" in error.message


def test_unknown_bases_of_metadata_files(db: LicenseDB) -> None:
    weights = [
        _weights("adapter_config.json", "peft-adapter-config", "someone/base"),
        # config.json's _name_or_path is often the model itself: not reported unknown
        _weights("config.json", "transformers-config", "me/this-model"),
    ]
    (info,) = lineage_findings(_artifact(db, "MIT"), None, db, weights)
    assert (info.rule, info.path) == ("base-model-unverified", "adapter_config.json")
    known = [_weights("config.json", "transformers-config", "meta-llama/Llama-2-7b-hf")]
    (error,) = lineage_findings(_artifact(db, "MIT"), None, db, known)
    assert (error.rule, error.path) == ("base-model-license", "config.json")


def _at(db: LicenseDB, path: str, spdx: str | None) -> Artifact:
    return replace(_artifact(db, spdx), path=path)


def test_a_base_model_that_is_another_artifact_of_the_scan(db: LicenseDB) -> None:
    """A quantization published beside the fine-tune it is made from inherits the
    fine-tune's declared license; the unknown Hub id is not left unverified."""
    llama = db.keys_to_spdx("llama-3.1-license-2024")
    fine_tune = _at(db, "models/Llama-3.1-Acme-8B", llama)
    card = ModelCard("m/README.md", base_model=("acme/llama-3.1-acme-8b",), base_model_line=3)
    assert local_base("acme/llama-3.1-acme-8b", _at(db, "q", None), [fine_tune]) == fine_tune
    assert (
        local_base("https://huggingface.co/acme/Llama-3.1-Acme-8B", fine_tune, [fine_tune]) is None
    )
    same = _at(db, "models/Llama-3.1-Acme-8B-GGUF", llama)
    assert lineage_findings(same, card, db, (), [fine_tune, same]) == []
    apache = _at(db, "models/Llama-3.1-Acme-8B-GGUF", "Apache-2.0")
    (error,) = lineage_findings(apache, card, db, (), [fine_tune, apache])
    assert (error.rule, error.severity, error.line) == ("base-model-license", Severity.ERROR, 3)
    assert "the artifact models/Llama-3.1-Acme-8B of this scan" in error.message
    assert error.license == llama
    assert "`LicenseRef-scancode-llama-3.1-license-2024`" in error.action
    # a permissive sibling carries nothing over; a sibling without a license, or a
    # name two artifacts share, is left unverified as before
    mit = _at(db, "models/Llama-3.1-Acme-8B", "MIT")
    assert lineage_findings(apache, card, db, (), [mit, apache]) == []
    bare = _at(db, "models/Llama-3.1-Acme-8B", None)
    (info,) = lineage_findings(apache, card, db, (), [bare, apache])
    assert info.rule == "base-model-unverified"
    twins = [fine_tune, _at(db, "other/Llama-3.1-Acme-8B", llama), apache]
    assert local_base("acme/Llama-3.1-Acme-8B", apache, twins) is None
