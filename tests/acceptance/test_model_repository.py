"""The fixture model repository (tests/model_repo.py) through the CLI: a Llama 3.1
fine-tune, its adapter and its quantization beside an SDK and a dataset card; once
shipping everything the license asks for, once shipping none of it and trained on
non-commercial data too. Weights, lineage, datasets, obligations, the corrected
misreadings and the ML-BOM, as a user sees them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run, make_git_repo
from tests.model_repo import BASE, LLAMA_KEY, build_model_repository
from tests.unit.test_reporters_sbom import cdx_problems, spdx_problems, spec_problems
from tests.weights_files import write_safetensors

SCAN = ("scan", "--no-deps", "--jobs", "1")
LLAMA = "LicenseRef-scancode-llama-3.1-license-2024"


def _repository(factory: pytest.TempPathFactory, *, complete: bool) -> tuple[Path, dict[str, str]]:
    root = factory.mktemp("complete" if complete else "incomplete") / "acme-ai"
    paths = build_model_repository(root, complete=complete)
    make_git_repo(root)
    return root, paths


@pytest.fixture(scope="module")
def complete(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return _repository(tmp_path_factory, complete=True)


@pytest.fixture(scope="module")
def incomplete(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return _repository(tmp_path_factory, complete=False)


def _json(run_cli: Callable[..., Run], root: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    run = run_cli(*SCAN, root, "--format", "json", *extra)
    assert run.exit_code in (0, 1), run.stderr
    return run.exit_code, run.json()


def test_a_complete_release_passes(
    complete: tuple[Path, dict[str, str]], run_cli: Callable[..., Run]
) -> None:
    root, paths = complete
    code, report = _json(run_cli, root, "--fail-on", "warning")
    assert code == 0
    assert report["errors"] == []
    # only infos: each Llama artifact is custom-licensed, as its tier allows; the
    # Apache-2.0 sdk's open-readiness (no NOTICE, CONTRIBUTING or trademark statement);
    # each Llama artifact's own license texts are one rolled-up finding, not a file each
    rules = Counter((f["severity"], f["rule"]) for f in report["findings"])
    assert rules == {
        ("info", "declared-custom"): 3,
        ("info", "declared-own-files"): 3,
        ("info", "readiness-notice-own"): 1,
        ("info", "readiness-contributing"): 1,
        ("info", "readiness-trademark"): 1,
    }
    files = {f["path"]: f for f in report["files"]}
    for role in ("model", "adapter", "gguf"):
        assert files[f"{paths[role]}/LICENSE"]["scancode_license"] == LLAMA_KEY
        assert files[f"{paths[role]}/LICENSE"]["corrected_to"] is None
        # Meta's Notice line alone: ScanCode reads it as another license; licensetier
        # as the one it names, and the report keeps both
        notice = files[f"{paths[role]}/NOTICE"]
        assert notice["scancode_license"] != LLAMA_KEY
        assert (notice["corrected_to"], notice["license"]) == (LLAMA_KEY, LLAMA)
        (detection,) = notice["detections"]
        assert detection["rule"] == "licensetier:llama-3.1-notice"
        assert detection["scancode_license"] == notice["scancode_license"]
        assert {m["scancode_license"] for m in detection["matches"]} == {notice["scancode_license"]}
    assert files["sdk/LICENSE"]["scancode_license"] == "apache-2.0"


def test_weights_models_and_datasets_in_the_report(
    complete: tuple[Path, dict[str, str]], run_cli: Callable[..., Run]
) -> None:
    root, paths = complete
    _, report = _json(run_cli, root)
    weights = {(w["path"], w["format"], w["role"], w["license"]) for w in report["weights"]}
    name = Path(paths["model"]).name
    assert weights == {
        (f"{paths['model']}/model.safetensors", "safetensors", "weights", "llama3.1"),
        (f"{paths['model']}/config.json", "transformers-config", "metadata", None),
        (f"{paths['adapter']}/adapter_model.safetensors", "safetensors", "weights", None),
        (f"{paths['adapter']}/adapter_config.json", "peft-adapter-config", "metadata", None),
        (f"{paths['gguf']}/{name}.Q4_K_M.gguf", "gguf", "weights", "llama3.1"),
    }
    models = {m["artifact"]: m for m in report["models"]}
    assert set(models) == {paths["model"], paths["adapter"], paths["gguf"]}
    assert all(m["license"] == LLAMA for m in models.values())
    bases = {
        art: [(b["model"], b["relation"], b["license"]) for b in m["base_models"]]
        for art, m in models.items()
    }
    assert bases[paths["model"]] == [(BASE, "finetune", LLAMA)]
    assert bases[paths["adapter"]] == [(BASE, "adapter", LLAMA)]
    # the quantization names the fine-tune beside it, which is read as its base too
    assert bases[paths["gguf"]] == [(BASE, "quantized", LLAMA), (f"acme/{name}", None, LLAMA)]
    (trained_on,) = models[paths["model"]]["datasets"]
    assert trained_on["name"] == "acme/instruct-mix"
    assert trained_on["card"] == "data/instruct-mix/README.md"
    assert (trained_on["license"], trained_on["non_commercial"]) == ("CC-BY-4.0", False)
    (card,) = report["datasets"]
    assert (card["path"], card["name"], card["license"]) == (
        "data/instruct-mix/README.md",
        "Acme Instruct Mix",
        "CC-BY-4.0",
    )
    assert models[paths["model"]]["task"] == "text-generation"
    # model openness: a Llama fine-tune reaches no class of the Model Openness Framework
    artifacts = {a["path"]: a for a in report["artifacts"]}
    assert artifacts["sdk"]["openness"] is None
    openness = artifacts[paths["model"]]["openness"]
    assert openness["class"] is None
    parameters = {c["id"]: c for c in openness["components"]}["final-parameters"]
    assert (parameters["present"], parameters["acceptable"], parameters["license"]) == (
        True,
        False,
        LLAMA,
    )
    assert openness["osaid"]["met"] is False
    osaid = {i["id"]: i for i in openness["osaid"]["items"]}
    assert osaid["parameters"]["met"] is False
    assert "custom: restricted by thresholds or a use policy" in osaid["parameters"]["why"]


def test_what_a_release_without_its_obligations_gets(
    incomplete: tuple[Path, dict[str, str]], run_cli: Callable[..., Run]
) -> None:
    root, paths = incomplete
    code, report = _json(run_cli, root)
    assert code == 0  # warnings: the default --fail-on error passes
    assert _json(run_cli, root, "--fail-on", "warning")[0] == 1
    found = Counter(
        (f["artifact"], f["rule"]) for f in report["findings"] if f["severity"] == "warning"
    )
    expected: Counter[tuple[str, str]] = Counter()
    for role in ("model", "adapter", "gguf"):
        for rule in ("obligation-license-copy", "obligation-notice", "obligation-model-name"):
            expected[(paths[role], rule)] = 1
    # the model card and the GGUF header both name the non-commercial Alpaca data
    expected[(paths["model"], "training-data-non-commercial")] = 1
    expected[(paths["gguf"], "training-data-non-commercial")] = 1
    assert found == expected
    by_rule = {(f["artifact"], f["rule"]): f for f in report["findings"]}
    named = by_rule[(paths["model"], "obligation-model-name")]
    assert '"acme-8b"' in named["message"]
    assert "Llama" in named["why"]
    data = by_rule[(paths["model"], "training-data-non-commercial")]
    assert "tatsu-lab/alpaca" in data["message"]
    assert data["path"] == f"{paths['model']}/README.md"
    attribution = by_rule[(paths["model"], "obligation-attribution")]
    assert attribution["severity"] == "info"


def test_the_ml_bom_of_the_repository(
    complete: tuple[Path, dict[str, str]], run_cli: Callable[..., Run]
) -> None:
    root, paths = complete
    cdx = run_cli(*SCAN, root, "--format", "cyclonedx")
    assert cdx.exit_code == 0, cdx.stderr
    assert cdx_problems(cdx.stdout) == []
    bom = cdx.json()
    models = {c["bom-ref"]: c for c in bom["components"] if c["type"] == "machine-learning-model"}
    name = Path(paths["model"]).name
    assert set(models) == {f"model:{paths[role]}" for role in ("model", "adapter", "gguf")}
    quantized = models[f"model:{paths['gguf']}"]
    ancestors = {a["name"] for a in quantized["pedigree"]["ancestors"]}
    assert ancestors == {BASE, f"acme/{name}"}
    (data,) = (c for c in bom["components"] if c["type"] == "data")
    assert data["name"] == "Acme Instruct Mix"  # the dataset card's pretty_name
    assert data["licenses"] == [{"expression": "CC-BY-4.0", "acknowledgement": "declared"}]

    document = run_cli(*SCAN, root, "--format", "spdx")
    assert document.exit_code == 0, document.stderr
    assert spdx_problems(document.stdout) == []
    parsed = document.json()
    assert spec_problems(parsed) == []
    kinds = Counter(r["relationshipType"] for r in parsed["relationships"])
    assert kinds["DESCENDANT_OF"] == 4  # three models on Llama 3.1, the GGUF on the fine-tune
    assert kinds["GENERATED_FROM"] == 2  # the fine-tune and its GGUF, on the instruct mix


def test_weights_without_a_card_say_so(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    """An adapter pushed without a model card (a README without front matter): its
    model is listed with its base and "no model card", not "no license on its card"."""
    root = tmp_path / "adapter"
    write_safetensors(root / "adapter_model.safetensors", {"format": "pt"})
    (root / "adapter_config.json").write_text(
        '{"base_model_name_or_path": "unsloth/meta-llama-3.1-8b-bnb-4bit"}', encoding="utf-8"
    )
    (root / "README.md").write_text("# An adapter\n", encoding="utf-8")
    make_git_repo(root)
    text = run_cli(*SCAN, root, "--kind", "model-weights").stdout
    assert ". no model card; base unsloth/meta-llama-3.1-8b-bnb-4bit" in text
