"""A model repository through the CLI: real safetensors and GGUF files, a model
card, with and without a LICENSE; the weights rules, the report's ``weights[]`` and
the exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema

from tests.conftest import REPO, Run
from tests.unit.test_declared import MIT_TEXT
from tests.weights_files import write_gguf, write_safetensors

SCAN = ("scan", "--format", "json", "--no-deps", "--jobs", "1")
LLAMA = "https://huggingface.co/meta-llama/Llama-3.1-8B"


def model_repository(root: Path, *, card_license: str | None, license_file: bool) -> Path:
    """A quantized fine-tune: safetensors weights, a GGUF quantization, an adapter's
    configuration and a model card."""
    write_safetensors(root / "model.safetensors", {"format": "pt", "license": "apache-2.0"})
    write_gguf(
        root / "tiny.Q4_K_M.gguf",
        license_="mit",
        base_models=(("Llama 3.1 8B", LLAMA),),
        datasets=("tiny-stories",),
    )
    (root / "adapter_config.json").write_text(
        json.dumps({"base_model_name_or_path": "meta-llama/Llama-3.1-8B", "peft_type": "LORA"}),
        encoding="utf-8",
    )
    front = f"license: {card_license}\n" if card_license else "language: en\n"
    (root / "README.md").write_text(f"---\n{front}---\n# Tiny\n", encoding="utf-8")
    if license_file:
        (root / "LICENSE").write_text(MIT_TEXT, encoding="utf-8")
    return root


def rules_of(report: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return sorted(
        (f["rule"], f["severity"], f["path"])
        for f in report["findings"]
        if f["rule"].startswith("weights-")
    )


def test_weights_without_any_license(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    root = tmp_path / "m"
    root.mkdir()
    write_safetensors(root / "model.safetensors")
    write_gguf(root / "model.gguf")
    (root / "README.md").write_text("---\nlanguage: en\n---\n# Tiny\n", encoding="utf-8")
    run = run_cli(*SCAN, root)
    assert run.exit_code == 0, run.stderr  # warnings and infos: --fail-on error passes
    report = run.json()
    assert rules_of(report) == [
        ("weights-kind-undeclared", "info", "model.gguf"),
        ("weights-no-license", "warning", "model.gguf"),
        ("weights-no-license", "warning", "model.safetensors"),
    ]
    assert run_cli(*SCAN, root, "--fail-on", "warning").exit_code == 1


def test_headers_card_and_license_that_disagree(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = model_repository(tmp_path / "m", card_license="mit", license_file=True)
    run = run_cli(*SCAN, root, "--kind", "model-weights", "--fail-on", "warning")
    assert run.exit_code == 1, run.stderr
    report = run.json()
    assert rules_of(report) == [("weights-license-disagrees", "warning", "model.safetensors")]
    (finding,) = (f for f in report["findings"] if f["rule"] == "weights-license-disagrees")
    assert "its safetensors header says 'apache-2.0'" in finding["message"]
    assert "README.md (license) says 'mit'" in finding["message"]
    assert "LICENSE says 'MIT'" in finding["message"]
    assert finding["license"] == "Apache-2.0"


def test_the_weights_in_the_report(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    root = model_repository(tmp_path / "m", card_license=None, license_file=False)
    report = run_cli(*SCAN, root, "--kind", "model-weights").json()
    schema = json.loads((REPO / "docs" / "report-schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, schema)
    assert report["schema_version"] == "1.3"
    by_path = {w["path"]: w for w in report["weights"]}
    assert list(by_path) == ["adapter_config.json", "model.safetensors", "tiny.Q4_K_M.gguf"]
    gguf = by_path["tiny.Q4_K_M.gguf"]
    assert gguf["format"] == "gguf"
    assert gguf["role"] == "weights"
    assert gguf["artifact"] == "."
    assert gguf["license"] == "mit"
    assert gguf["base_models"] == ["meta-llama/Llama-3.1-8B"]
    assert gguf["datasets"] == ["tiny-stories"]
    assert gguf["metadata"]["general.name"] == "Tiny"
    adapter = by_path["adapter_config.json"]
    assert (adapter["role"], adapter["format"]) == ("metadata", "peft-adapter-config")
    assert adapter["base_models"] == ["meta-llama/Llama-3.1-8B"]
    safetensors = by_path["model.safetensors"]
    assert safetensors["metadata"] == {"format": "pt", "license": "apache-2.0"}
    # each file says a license; the artifact declares none: nothing to disagree with
    assert rules_of(report) == []


def test_weights_belong_to_the_artifact_that_owns_them(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    (tmp_path / "licensetier.toml").write_text(
        '[[artifacts]]\npath = "."\nkind = "sdk"\n\n'
        '[[artifacts]]\npath = "models/tiny"\ntier = "sometimes-open"\n\n'
        '[[artifacts]]\npath = "models/big"\nkind = "frontier-weights"\n',
        encoding="utf-8",
    )
    (tmp_path / "LICENSE").write_text(MIT_TEXT, encoding="utf-8")
    write_gguf(tmp_path / "models" / "tiny" / "tiny.gguf")
    write_safetensors(tmp_path / "models" / "big" / "model.safetensors")
    report = run_cli(*SCAN, tmp_path).json()
    assert {w["path"]: w["artifact"] for w in report["weights"]} == {
        "models/big/model.safetensors": "models/big",
        "models/tiny/tiny.gguf": "models/tiny",
    }
    assert rules_of(report) == [
        ("weights-kind-undeclared", "info", "models/tiny/tiny.gguf"),
        ("weights-no-license", "warning", "models/big/model.safetensors"),
        ("weights-no-license", "warning", "models/tiny/tiny.gguf"),
    ]


def test_the_weights_in_the_text_report(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    root = model_repository(tmp_path / "m", card_license="mit", license_file=False)
    run = run_cli("scan", root, "--no-deps", "--jobs", "1", "--kind", "model-weights")
    assert "Weights and model metadata (3)" in run.stdout
    assert "tiny.Q4_K_M.gguf (gguf) license mit; base meta-llama/Llama-3.1-8B" in run.stdout
    assert "adapter_config.json (peft-adapter-config) base meta-llama/Llama-3.1-8B" in run.stdout
    assert "weights-license-disagrees" in run.stdout


def lineage_of(report: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return sorted(
        (f["rule"], f["severity"], f["path"])
        for f in report["findings"]
        if f["rule"].startswith("base-model-")
    )


def apache_card(root: Path, front: str = "") -> None:
    (root / "README.md").write_text(
        f"---\nlicense: apache-2.0\n{front}---\n# Tiny\n", encoding="utf-8"
    )


def test_a_gguf_base_model_feeds_the_lineage(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    root = tmp_path / "m"
    write_gguf(
        root / "tiny.Q4_K_M.gguf",
        license_="apache-2.0",
        base_models=(("Llama 2 7b Hf", "https://huggingface.co/meta-llama/Llama-2-7b-hf"),),
    )
    apache_card(root)
    run = run_cli(*SCAN, root)
    report = run.json()
    assert lineage_of(report) == [("base-model-license", "error", "tiny.Q4_K_M.gguf")]
    (finding,) = (f for f in report["findings"] if f["rule"] == "base-model-license")
    assert "derived from meta-llama/Llama-2-7b-hf" in finding["message"]
    assert "declares Apache-2.0" in finding["message"]
    assert run.exit_code == 1, run.stderr


def test_an_adapter_base_model_feeds_the_lineage(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = tmp_path / "m"
    root.mkdir()
    (root / "adapter_config.json").write_text(
        json.dumps({"base_model_name_or_path": "meta-llama/Llama-2-7b-hf", "peft_type": "LORA"}),
        encoding="utf-8",
    )
    apache_card(root)
    report = run_cli(*SCAN, root).json()
    assert lineage_of(report) == [("base-model-license", "error", "adapter_config.json")]
    # named by the card too: one finding, on the card, with the card's relation
    apache_card(root, "base_model: meta-llama/Llama-2-7b-hf\nbase_model_relation: adapter\n")
    report = run_cli(*SCAN, root).json()
    assert lineage_of(report) == [("base-model-license", "error", "README.md")]
    (finding,) = (f for f in report["findings"] if f["rule"] == "base-model-license")
    assert "an adapter on meta-llama/Llama-2-7b-hf" in finding["message"]
    assert "base_model_relation: adapter" in finding["message"]


def test_a_quantizers_republication_is_its_original(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = tmp_path / "m"
    write_gguf(
        root / "tiny.gguf",
        base_models=(("Llama 2 7B GGUF", "https://huggingface.co/TheBloke/Llama-2-7B-GGUF"),),
    )
    apache_card(root, "base_model: unsloth/Qwen2.5-7B-Instruct-bnb-4bit\n")
    report = run_cli(*SCAN, root).json()
    # the Qwen2.5 7B is Apache-2.0: nothing; TheBloke's GGUF is Meta's Llama 2
    assert lineage_of(report) == [("base-model-license", "error", "tiny.gguf")]
    (finding,) = (f for f in report["findings"] if f["rule"] == "base-model-license")
    assert "a re-publication of Llama-2-7B" in finding["message"]
