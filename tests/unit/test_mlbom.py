"""The ML-BOM: models, their base models and datasets in CycloneDX 1.6 and SPDX 2.3,
checked with the official validators (cyclonedx-python-lib, spdx-tools) on real scans
of repositories whose weights are written by the real ``gguf`` and ``safetensors``
packages, with the model and dataset cards' facts added as the scan will give them."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from licensetier.cli.scan import prepared_scanner
from licensetier.models import (
    BaseModelRef,
    DatasetInfo,
    DatasetRef,
    ModelInfo,
    ScanResult,
    Weights,
)
from licensetier.reporters import cyclonedx, spdx
from licensetier.scan import Extras
from tests.conftest import Run, make_git_repo
from tests.unit.test_reporters_sbom import cdx_problems, spdx_problems, spec_problems
from tests.weights_files import write_gguf, write_safetensors

LLAMA_URL = "https://huggingface.co/meta-llama/Llama-3.1-8B"
LLAMA = "meta-llama/Llama-3.1-8B"
LLAMA_LICENSE = "LicenseRef-scancode-llama-3.1-license-2024"
MISTRAL = "mistralai/Mistral-7B-v0.1"
LFS_OID = "a" * 64

CONFIG = """\
[[artifacts]]
path = "llama-ft"
kind = "model-weights"

[[artifacts]]
path = "adapter"
kind = "fine-tuning"

[[artifacts]]
path = "corpus"
kind = "training-data"
"""


def repository(root: Path) -> Path:
    """A quantized Llama fine-tune (a GGUF naming its base and two datasets, a GGUF
    kept as a Git LFS pointer), a PEFT adapter on Mistral, and a dataset."""
    (root / "licensetier.toml").parent.mkdir(parents=True, exist_ok=True)
    (root / "licensetier.toml").write_text(CONFIG, encoding="utf-8")
    write_gguf(
        root / "llama-ft" / "tiny.Q4_K_M.gguf",
        license_="llama3.1",
        name="Tiny",
        base_models=(("Llama 3.1 8B", LLAMA_URL),),
        datasets=("TinyStories", "tatsu-lab/alpaca"),
    )
    (root / "llama-ft" / "big.Q8_0.gguf").write_text(
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{LFS_OID}\nsize 8500000000\n",
        encoding="utf-8",
    )
    (root / "llama-ft" / "README.md").write_text(
        "---\nlicense: llama3.1\nbase_model: meta-llama/Llama-3.1-8B\n---\n# Tiny\n",
        encoding="utf-8",
    )
    write_safetensors(root / "adapter" / "adapter_model.safetensors", {"license": "apache-2.0"})
    (root / "adapter" / "adapter_config.json").write_text(
        json.dumps({"base_model_name_or_path": MISTRAL, "peft_type": "LORA"}), encoding="utf-8"
    )
    (root / "corpus" / "README.md").parent.mkdir(parents=True)
    (root / "corpus" / "README.md").write_text(
        "---\nlicense: cdla-sharing-1.0\npretty_name: TinyStories\n---\n# Stories\n",
        encoding="utf-8",
    )
    return make_git_repo(root)


def scan(root: Path, cache: Path) -> ScanResult:
    with prepared_scanner(
        root, None, None, cache_dir=cache, no_cache=False, jobs=1, extras=Extras(checksums=True)
    ) as scanner:
        return scanner.scan(root)


# what the model and dataset cards say, as the scan will give it (ScanResult.models and
# .datasets are filled by the card readers)
MODELS = (
    ModelInfo(
        artifact="llama-ft",
        card="llama-ft/README.md",
        name="Tiny Llama",
        license=LLAMA_LICENSE,
        task="text-generation",
        library="gguf",
        base_models=(BaseModelRef(LLAMA, "llama-ft/README.md", "quantized", LLAMA_LICENSE),),
        datasets=(
            DatasetRef("TinyStories", "llama-ft/README.md", card="corpus/README.md"),
            DatasetRef(
                "tatsu-lab/alpaca",
                "llama-ft/README.md",
                license="CC-BY-NC-4.0",
                non_commercial=True,
            ),
        ),
    ),
)
DATASETS = (DatasetInfo("corpus/README.md", "corpus", "TinyStories", "CDLA-Sharing-1.0"),)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    root = repository(tmp_path_factory.mktemp("ml") / "zoo")
    scanned = scan(root, tmp_path_factory.mktemp("cache"))
    return dataclasses.replace(scanned, models=MODELS, datasets=DATASETS)


def refs_in(value: Any) -> Iterator[str]:
    """Every bom-ref of a BOM, nested components (sub-components, ancestors) included."""
    if isinstance(value, dict):
        if "bom-ref" in value:
            yield value["bom-ref"]
        for item in value.values():
            yield from refs_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from refs_in(item)


def props(component: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["name"].removeprefix("licensetier:"), p["value"]) for p in component["properties"]]


# --- CycloneDX 1.6 ----------------------------------------------------------------


def test_cyclonedx_models_ancestors_and_datasets(result: ScanResult) -> None:
    text = cyclonedx.render(result)
    assert cdx_problems(text) == []
    bom = json.loads(text)
    refs = list(refs_in(bom))
    assert len(refs) == len(set(refs))  # unique, nested ones included

    by_ref = {c["bom-ref"]: c for c in bom["components"]}
    models = {r: c for r, c in by_ref.items() if c["type"] == "machine-learning-model"}
    assert list(models) == ["model:adapter", "model:llama-ft"]  # in the artifacts' order

    llama = models["model:llama-ft"]
    assert llama["name"] == "Tiny Llama"
    assert llama["licenses"] == [{"expression": LLAMA_LICENSE, "acknowledgement": "declared"}]
    (base,) = llama["pedigree"]["ancestors"]
    assert base["type"] == "machine-learning-model"
    assert base["name"] == LLAMA  # named by the card and by the GGUF header: once
    assert base["licenses"] == [{"expression": LLAMA_LICENSE, "acknowledgement": "declared"}]
    assert props(base) == [("source", "llama-ft/README.md"), ("relation", "quantized")]
    assert llama["modelCard"] == {
        "modelParameters": {
            "task": "text-generation",
            "modelArchitecture": "llama",  # the GGUF's general.architecture
            "datasets": [
                {"ref": "dataset-card:corpus/README.md"},
                {"ref": "dataset:tatsu-lab/alpaca"},
            ],
        }
    }
    assert props(llama) == [
        ("artifact", "llama-ft"),
        ("card", "llama-ft/README.md"),
        ("library", "gguf"),
        ("format", "gguf"),
        ("license_source", "llama-ft/README.md"),
    ]
    files = {c["name"]: c for c in llama["components"]}
    assert list(files) == ["llama-ft/big.Q8_0.gguf", "llama-ft/tiny.Q4_K_M.gguf"]
    # a Git LFS pointer: the SHA-256 of the weights it names, not the pointer's SHA-1
    assert files["llama-ft/big.Q8_0.gguf"]["hashes"] == [{"alg": "SHA-256", "content": LFS_OID}]
    assert ("git_lfs_pointer", f"sha256:{LFS_OID}") in props(files["llama-ft/big.Q8_0.gguf"])
    tiny = files["llama-ft/tiny.Q4_K_M.gguf"]
    assert tiny["hashes"] == [
        {"alg": "SHA-1", "content": result.checksums["llama-ft/tiny.Q4_K_M.gguf"]}
    ]
    assert tiny["licenses"] == [{"license": {"name": "llama3.1", "acknowledgement": "declared"}}]
    assert props(tiny) == [("format", "gguf"), ("role", "weights")]

    adapter = models["model:adapter"]  # no model card: what its files say
    assert adapter["name"] == "adapter"
    assert adapter["licenses"] == [{"expression": "Apache-2.0", "acknowledgement": "declared"}]
    (base,) = adapter["pedigree"]["ancestors"]
    assert base["name"] == MISTRAL
    assert "licenses" not in base  # not known
    assert props(base) == [("source", "adapter/adapter_config.json"), ("relation", "adapter")]
    assert "modelCard" not in adapter
    assert [(c["name"], c["type"]) for c in adapter["components"]] == [
        ("adapter/adapter_config.json", "file"),
        ("adapter/adapter_model.safetensors", "file"),
    ]
    assert ("license_source", "adapter/adapter_model.safetensors") in props(adapter)

    data = {r: c for r, c in by_ref.items() if c["type"] == "data"}
    assert list(data) == ["dataset-card:corpus/README.md", "dataset:tatsu-lab/alpaca"]
    stories = data["dataset-card:corpus/README.md"]
    assert stories["name"] == "TinyStories"
    assert stories["data"] == [{"type": "dataset", "name": "TinyStories"}]
    assert stories["licenses"] == [
        {"expression": "CDLA-Sharing-1.0", "acknowledgement": "declared"}
    ]
    assert props(stories) == [
        ("card", "corpus/README.md"),
        ("artifact", "corpus"),
        ("named_by", "llama-ft/README.md"),
        ("named_by", "llama-ft/tiny.Q4_K_M.gguf"),  # the header's "TinyStories", the same
    ]
    alpaca = data["dataset:tatsu-lab/alpaca"]
    assert alpaca["licenses"] == [{"expression": "CC-BY-NC-4.0", "acknowledgement": "declared"}]
    assert ("non_commercial", "true") in props(alpaca)

    graph = {d["ref"]: d["dependsOn"] for d in bom["dependencies"]}
    assert graph == {
        "model:llama-ft": ["dataset-card:corpus/README.md", "dataset:tatsu-lab/alpaca"]
    }


def test_cyclonedx_without_cards_one_model_per_checkpoint(result: ScanResult) -> None:
    """On a scan whose cards are not read: an artifact with several checkpoints and no
    card is as many models, each with what its own header says."""
    bare = dataclasses.replace(result, models=(), datasets=())
    text = cyclonedx.render(bare)
    assert cdx_problems(text) == []
    bom = json.loads(text)
    refs = list(refs_in(bom))
    assert len(refs) == len(set(refs))
    models = {c["bom-ref"]: c for c in bom["components"] if c["type"] == "machine-learning-model"}
    assert list(models) == [
        "model:adapter",  # one checkpoint: the artifact's model
        "model:llama-ft/big.Q8_0.gguf",
        "model:llama-ft/tiny.Q4_K_M.gguf",
    ]
    big = models["model:llama-ft/big.Q8_0.gguf"]  # a Git LFS pointer: nothing is known
    assert big["name"] == "llama-ft/big.Q8_0.gguf"
    assert set(big) == {"type", "bom-ref", "name", "components", "properties"}
    tiny = models["model:llama-ft/tiny.Q4_K_M.gguf"]
    assert tiny["name"] == "Tiny"  # general.name
    assert tiny["licenses"] == [{"license": {"name": "llama3.1", "acknowledgement": "declared"}}]
    assert [a["name"] for a in tiny["pedigree"]["ancestors"]] == [LLAMA]
    assert props(tiny["pedigree"]["ancestors"][0]) == [("source", "llama-ft/tiny.Q4_K_M.gguf")]
    assert tiny["modelCard"]["modelParameters"] == {
        "modelArchitecture": "llama",
        "datasets": [{"ref": "dataset:TinyStories"}, {"ref": "dataset:tatsu-lab/alpaca"}],
    }
    assert [c["bom-ref"] for c in tiny["components"]] == [
        "model:llama-ft/tiny.Q4_K_M.gguf:file:llama-ft/tiny.Q4_K_M.gguf"
    ]
    assert [c["name"] for c in bom["components"] if c["type"] == "data"] == [
        "TinyStories",
        "tatsu-lab/alpaca",
    ]
    graph = {d["ref"]: d["dependsOn"] for d in bom["dependencies"]}
    assert graph == {
        "model:llama-ft/tiny.Q4_K_M.gguf": ["dataset:TinyStories", "dataset:tatsu-lab/alpaca"]
    }


def test_shards_are_one_checkpoint(result: ScanResult) -> None:
    shards = tuple(
        Weights(f"llama-ft/model-0000{i}-of-00003.safetensors", "safetensors", artifact="llama-ft")
        for i in (1, 2, 3)
    )
    sharded = dataclasses.replace(
        result, models=(), datasets=(), weights=(*result.weights, *shards)
    )
    bom = json.loads(cyclonedx.render(sharded))
    assert cdx_problems(bom) == []
    models = {c["bom-ref"]: c for c in bom["components"] if c["type"] == "machine-learning-model"}
    assert "model:llama-ft/model-00001-of-00003.safetensors" in models
    shard_model = models["model:llama-ft/model-00001-of-00003.safetensors"]
    assert [c["name"] for c in shard_model["components"]] == [w.path for w in shards]
    document = spdx.render(sharded)
    assert spdx_problems(document) == []


def test_cyclonedx_validator_rejects_a_broken_model_card(result: ScanResult) -> None:
    bom = json.loads(cyclonedx.render(result))
    llama = next(c for c in bom["components"] if c["bom-ref"] == "model:llama-ft")
    llama["modelCard"]["modelParameters"]["approach"] = {"type": "trained-on-everything"}
    assert cdx_problems(bom)
    del llama["modelCard"]["modelParameters"]["approach"]
    assert cdx_problems(bom) == []
    llama["data"] = [{"type": "weights"}]
    assert cdx_problems(bom)


# --- SPDX 2.3 ---------------------------------------------------------------------


def _named(document: dict[str, Any]) -> Callable[[str], str]:
    names = {p["SPDXID"]: p["name"] for p in document["packages"]}
    names |= {f["SPDXID"]: f["fileName"] for f in document.get("files", [])}
    return lambda ident: names.get(ident, ident)


def test_spdx_models_base_models_and_datasets(result: ScanResult) -> None:
    text = spdx.render(result)
    assert spdx_problems(text) == []
    document = json.loads(text)
    assert spec_problems(document) == []
    name = _named(document)
    packages = {p["name"]: p for p in document["packages"]}
    for model in ("Tiny Llama", "adapter", LLAMA, MISTRAL, "TinyStories", "tatsu-lab/alpaca"):
        assert packages[model]["primaryPackagePurpose"] == "OTHER"
        assert packages[model]["filesAnalyzed"] is False
    assert packages["adapter"]["SPDXID"] == "SPDXRef-Model-1"
    assert packages["Tiny Llama"]["SPDXID"] == "SPDXRef-Model-2"
    assert packages["Tiny Llama"]["licenseDeclared"] == LLAMA_LICENSE
    assert packages["adapter"]["licenseDeclared"] == "Apache-2.0"
    assert packages[LLAMA]["SPDXID"] == "SPDXRef-BaseModel-2"
    assert packages[LLAMA]["licenseDeclared"] == LLAMA_LICENSE
    assert packages[MISTRAL]["licenseDeclared"] == "NOASSERTION"
    assert packages["TinyStories"]["licenseDeclared"] == "CDLA-Sharing-1.0"
    assert packages["tatsu-lab/alpaca"]["licenseDeclared"] == "CC-BY-NC-4.0"
    assert "its license restricts commercial use" in packages["tatsu-lab/alpaca"]["comment"]
    comment = packages["Tiny Llama"]["comment"]
    assert "task text-generation" in comment
    assert f"llama-ft/big.Q8_0.gguf (gguf, a Git LFS pointer to sha256:{LFS_OID})" in comment

    relations = {
        (name(r["spdxElementId"]), r["relationshipType"], name(r["relatedSpdxElement"])): r.get(
            "comment"
        )
        for r in document["relationships"]
    }
    ml = {k: v for k, v in relations.items() if k[1] in ("DESCENDANT_OF", "GENERATED_FROM")}
    assert ml == {
        ("Tiny Llama", "DESCENDANT_OF", LLAMA): "relation quantized; named by llama-ft/README.md",
        ("Tiny Llama", "GENERATED_FROM", "TinyStories"): "trained on it",
        ("Tiny Llama", "GENERATED_FROM", "tatsu-lab/alpaca"): "trained on it",
        (
            "adapter",
            "DESCENDANT_OF",
            MISTRAL,
        ): "relation adapter; named by adapter/adapter_config.json",
    }
    assert ("llama-ft", "CONTAINS", "Tiny Llama") in relations
    assert ("adapter", "CONTAINS", "adapter") in relations
    assert ("corpus", "CONTAINS", "TinyStories") in relations
    # the weights files the document lists are data files of their model
    assert ("./llama-ft/tiny.Q4_K_M.gguf", "DATA_FILE_OF", "Tiny Llama") in relations
    assert ("./adapter/adapter_model.safetensors", "DATA_FILE_OF", "adapter") in relations
    assert ("./adapter/adapter_config.json", "METAFILE_OF", "adapter") in relations
    # they stay files of their artifact
    assert ("adapter", "CONTAINS", "./adapter/adapter_model.safetensors") in relations


def test_spdx_base_model_shared_by_two_models_is_one_package(result: ScanResult) -> None:
    second = ModelInfo(
        artifact="adapter",
        card=None,
        base_models=(BaseModelRef(LLAMA, "adapter/README.md", "adapter"),),
    )
    both = dataclasses.replace(result, models=(*MODELS, second))
    text = spdx.render(both)
    assert spdx_problems(text) == []
    document = json.loads(text)
    assert [p["name"] for p in document["packages"]].count(LLAMA) == 1
    name = _named(document)
    descendants = {
        (name(r["spdxElementId"]), name(r["relatedSpdxElement"]))
        for r in document["relationships"]
        if r["relationshipType"] == "DESCENDANT_OF"
    }
    assert descendants == {("Tiny Llama", LLAMA), ("adapter", LLAMA), ("adapter", MISTRAL)}
    bom = cyclonedx.render(both)
    assert cdx_problems(bom) == []
    refs = list(refs_in(json.loads(bom)))
    assert len(refs) == len(set(refs))


def test_no_models_no_ml_parts(result: ScanResult) -> None:
    plain = dataclasses.replace(result, models=(), datasets=(), weights=())
    bom = json.loads(cyclonedx.render(plain))
    assert {c["type"] for c in bom["components"]} <= {"application", "file", "library"}
    document = json.loads(spdx.render(plain))
    assert not any(
        p["SPDXID"].startswith(("SPDXRef-Model", "SPDXRef-Data")) for p in document["packages"]
    )


# --- through the CLI --------------------------------------------------------------


def test_cli_ml_bom_of_a_gguf(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    root = tmp_path / "quantized"
    root.mkdir()
    write_gguf(
        root / "model.Q4_K_M.gguf",
        license_="apache-2.0",
        name="Tiny Qwen",
        base_models=(("Qwen2.5 0.5B", "https://huggingface.co/Qwen/Qwen2.5-0.5B"),),
        datasets=("HuggingFaceFW/fineweb-edu",),
    )
    make_git_repo(root)
    args = ("scan", root, "--no-deps", "--jobs", "1", "--kind", "model-weights", "--format")

    cdx = run_cli(*args, "cyclonedx")
    assert cdx.exit_code == 0, cdx.stderr
    assert cdx_problems(cdx.stdout) == []
    bom = cdx.json()
    (model,) = (c for c in bom["components"] if c["type"] == "machine-learning-model")
    assert model["name"] == "Tiny Qwen"
    assert model["licenses"] == [{"expression": "Apache-2.0", "acknowledgement": "declared"}]
    assert [a["name"] for a in model["pedigree"]["ancestors"]] == ["Qwen/Qwen2.5-0.5B"]
    (weights,) = model["components"]
    sha1 = hashlib.sha1((root / "model.Q4_K_M.gguf").read_bytes()).hexdigest()
    assert weights["hashes"] == [{"alg": "SHA-1", "content": sha1}]
    (data,) = (c for c in bom["components"] if c["type"] == "data")
    assert data["name"] == "HuggingFaceFW/fineweb-edu"
    assert bom["dependencies"] == [{"ref": "model:.", "dependsOn": [data["bom-ref"]]}]

    document = run_cli(*args, "spdx")
    assert document.exit_code == 0, document.stderr
    assert spdx_problems(document.stdout) == []
    parsed = document.json()
    name = _named(parsed)
    relations = {
        (name(r["spdxElementId"]), r["relationshipType"], name(r["relatedSpdxElement"]))
        for r in parsed["relationships"]
    }
    assert ("Tiny Qwen", "DESCENDANT_OF", "Qwen/Qwen2.5-0.5B") in relations
    assert ("Tiny Qwen", "GENERATED_FROM", "HuggingFaceFW/fineweb-edu") in relations
    assert ("./model.Q4_K_M.gguf", "DATA_FILE_OF", "Tiny Qwen") in relations


def test_model_info_without_a_card_goes_to_the_files_it_names(result: ScanResult) -> None:
    """A ModelInfo of an artifact without a card (its facts come from the files): each
    checkpoint's model takes what its own files named."""
    info = ModelInfo(
        artifact="llama-ft",
        base_models=(BaseModelRef(LLAMA, "llama-ft/tiny.Q4_K_M.gguf", license=LLAMA_LICENSE),),
        datasets=(DatasetRef("TinyStories", "llama-ft/tiny.Q4_K_M.gguf", license="MIT"),),
    )
    bom = json.loads(cyclonedx.render(dataclasses.replace(result, models=(info,), datasets=())))
    assert cdx_problems(bom) == []
    models = {c["bom-ref"]: c for c in bom["components"] if c["type"] == "machine-learning-model"}
    (base,) = models["model:llama-ft/tiny.Q4_K_M.gguf"]["pedigree"]["ancestors"]
    assert base["licenses"] == [{"expression": LLAMA_LICENSE, "acknowledgement": "declared"}]
    assert "pedigree" not in models["model:llama-ft/big.Q8_0.gguf"]
    stories = next(c for c in bom["components"] if c["bom-ref"] == "dataset:TinyStories")
    assert stories["licenses"] == [{"expression": "MIT", "acknowledgement": "declared"}]


def test_hostile_names_in_headers_and_paths(tmp_path: Path, isolated_cache: Path) -> None:
    """Control characters, bidi overrides and a name that is not UTF-8 in a weights
    file's path and in its header's base model and dataset: both documents stay
    valid and unique."""
    root = tmp_path / "hostile"
    root.mkdir()
    evil = "org/model\x1b[2J\u202e"
    write_gguf(
        root / "we\nird.gguf",
        license_="mit\x07",
        name="N\x00ame",
        base_models=((evil, f"https://huggingface.co/{evil}"), ("x", "https://huggingface.co/x")),
        datasets=("data\r\nset", "data\r\nset"),
    )
    write_gguf(root / "other.gguf")
    (root / b"raw\xff.gguf".decode("utf-8", "surrogateescape")).write_bytes(b"GGUF")
    make_git_repo(root)
    hostile = scan(root, isolated_cache)
    assert {w.path for w in hostile.weights} == {"we\nird.gguf", "other.gguf"}
    text = cyclonedx.render(hostile)
    assert cdx_problems(text) == []
    bom = json.loads(text)
    refs = list(refs_in(bom))
    assert len(refs) == len(set(refs))
    ancestors = [
        a["name"] for c in bom["components"] for a in c.get("pedigree", {}).get("ancestors", [])
    ]
    assert len(ancestors) == 2
    assert all("\x1b" not in name for name in ancestors)  # printable
    document = spdx.render(hostile)
    assert spdx_problems(document) == []
    assert spec_problems(json.loads(document)) == []
