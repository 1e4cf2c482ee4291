"""``licensetier openness`` and the scan's ``openness`` on one repository of five
models (tests/openness_repo.py): a Llama fine-tune, and Apache-2.0 models that reach
Class III, II and I of the Model Openness Framework, the last one once more trained on
non-commercial data. One cache directory for the module: the first run loads what
ScanCode needs, the others answer from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from tests.conftest import REPO, make_git_repo
from tests.openness_repo import build_openness_repository

LLAMA = "LicenseRef-scancode-llama-3.1-license-2024"


def _cli(*args: str | Path) -> tuple[int, str]:
    from licensetier.cli.main import cli

    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = build_openness_repository(tmp_path_factory.mktemp("openness") / "acme-models")
    make_git_repo(root)
    return root, tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def report(repository: tuple[Path, Path]) -> dict[str, dict[str, Any]]:
    root, cache = repository
    code, out = _cli("openness", root, "--format", "json", "--cache-dir", cache)
    assert code == 0, out
    document = json.loads(out)
    assert document["errors"] == []
    return {a["path"].removeprefix("models/"): a for a in document["artifacts"]}


def _components(artifact: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in artifact["components"]}


def test_the_classes_reached(report: dict[str, dict[str, Any]]) -> None:
    assert {name: a["class"] for name, a in report.items()} == {
        "llama-ft": None,
        "open-model": 3,
        "open-tooling": 2,
        "open-science": 1,
        "nc-data": 2,
    }
    assert report["open-science"]["missing"] == []
    assert report["open-model"]["class_name"] == "Class III (open model)"
    # each component short of Class I is named, with what would find it
    missing = report["open-model"]["missing"]
    assert [m.split(" (Class")[0] for m in missing] == [
        "Training code",
        "Inference code",
        "Evaluation code",
        "Evaluation data",
        "Datasets",
        "Data preprocessing code",
        "Model parameters (Intermediate)",
        "Research paper",
    ]
    assert "not found: train*.py" in missing[0]


def test_what_each_component_was_found_in(report: dict[str, dict[str, Any]]) -> None:
    science = _components(report["open-science"])
    assert len(science) == 17
    prefix = "models/open-science/"
    assert science["model-architecture"]["found"] == [
        f"{prefix}config.json (OpenForCausalLM)",
        f"{prefix}modeling_open_science.py",
    ]
    assert science["final-parameters"]["found"] == [f"{prefix}model.safetensors"]
    assert science["intermediate-parameters"]["found"] == [
        f"{prefix}checkpoints/step1000/model.safetensors"
    ]
    assert science["evaluation-results"]["found"] == [f"{prefix}README.md (model-index: 1 results)"]
    # evaluation data keep their dataset card's license; they are no training data
    assert science["evaluation-data"]["license"] == "CC-BY-4.0"
    assert science["datasets"]["found"] == [
        f"{prefix}data/open-corpus/README.md",
        f"{prefix}data/open-corpus/train.jsonl",
    ]
    assert science["research-paper"]["license"] == "CC-BY-4.0"  # its SPDX line
    # weights cloned without their Git LFS objects: the pointer is the file in the repository
    tooling = _components(report["open-tooling"])["final-parameters"]
    assert tooling["found"] == ["models/open-tooling/model.safetensors (Git LFS pointer)"]
    assert tooling["acceptable"] is True
    assert science["sample-outputs"]["required"] is False
    assert science["sample-outputs"]["present"] is False


def test_a_llama_fine_tune_reaches_no_class(report: dict[str, dict[str, Any]]) -> None:
    llama = report["llama-ft"]
    components = _components(llama)
    parameters = components["final-parameters"]
    assert (parameters["present"], parameters["acceptable"]) == (True, False)
    assert parameters["license"] == LLAMA
    assert "custom: restricted by thresholds or a use policy" in parameters["why"]
    assert "safetensors header" in parameters["why"]
    # its own code is Apache-2.0 by its SPDX lines: acceptable, but no class without III
    assert components["training-code"]["acceptable"] is True
    assert llama["missing"][0].startswith("Model architecture (Class III)")
    osaid = {i["id"]: i for i in llama["osaid"]["items"]}
    assert llama["osaid"]["met"] is False
    assert osaid["parameters"]["met"] is False
    assert LLAMA in osaid["parameters"]["why"]
    assert "OSD-conformant" in osaid["parameters"]["why"]


def test_non_commercial_data_blocks_class_one(report: dict[str, dict[str, Any]]) -> None:
    datasets = _components(report["nc-data"])["datasets"]
    assert (datasets["present"], datasets["acceptable"]) == (True, False)
    assert "CC-BY-NC-4.0 (non-commercial)" in datasets["why"]
    assert report["nc-data"]["missing"] == [f"Datasets (Class I): {datasets['why']}"]
    # the data card's own license is not the data's
    assert _components(report["nc-data"])["data-card"]["acceptable"] is True


def test_the_open_source_ai_definition(report: dict[str, dict[str, Any]]) -> None:
    def items(name: str) -> dict[str, bool]:
        return {i["id"]: i["met"] for i in report[name]["osaid"]["items"]}

    assert items("open-model") == {"data-information": True, "code": False, "parameters": True}
    assert items("open-tooling") == {"data-information": True, "code": True, "parameters": True}
    assert report["open-science"]["osaid"]["met"] is True
    why = {i["id"]: i["why"] for i in report["open-model"]["osaid"]["items"]}["code"]
    assert "Training code: not found" in why


def test_the_text_report_and_the_scan(repository: tuple[Path, Path]) -> None:
    root, cache = repository
    code, text = _cli("openness", root, "--cache-dir", cache)
    assert code == 0
    assert "models/open-science (model-weights): Class I (open science); " in text
    assert "Open Source AI Definition 1.0: met" in text
    assert "models/llama-ft (model-weights): no class;" in text
    assert "  III         Model parameters (Final)" in text
    assert "[ ] Parameters: not met" in text
    # the scan's JSON report: each model artifact's openness, the same object
    code, out = _cli("scan", root, "--no-deps", "--format", "json", "--cache-dir", cache)
    scanned = json.loads(out)
    schema = json.loads((REPO / "docs" / "report-schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(scanned, schema)
    by_path = {a["path"]: a for a in scanned["artifacts"]}
    assert by_path["."]["openness"] is None  # the repository's root holds no model
    assert by_path["models/open-tooling"]["openness"]["class"] == 2
