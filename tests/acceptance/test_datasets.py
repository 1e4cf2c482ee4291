"""Training data through the CLI: a model card naming non-commercial datasets (well
known, and a dataset card in the repository), a dataset card that is no artifact, and
the report's ``models[]`` and ``datasets[]``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema

from tests.conftest import REPO, Run, git
from tests.weights_files import write_gguf

SCAN = ("scan", "--format", "json", "--no-deps", "--jobs", "1")
RULES = ("training-data-non-commercial", "dataset-unverified", "dataset-kind-undeclared")


def card(path: Path, front: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front}---\n# Card\n", encoding="utf-8")


def data_rules(report: dict[str, Any]) -> list[tuple[str, str, str | None, int | None]]:
    return sorted(
        (f["rule"], f["severity"], f["path"], f["line"])
        for f in report["findings"]
        if f["rule"] in RULES
    )


def test_a_commercial_license_on_alpaca(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    card(
        tmp_path / "README.md",
        "license: apache-2.0\nlibrary_name: transformers\ndatasets:\n- tatsu-lab/alpaca\n",
    )
    run = run_cli(*SCAN, tmp_path, "--kind", "model-weights", "--fail-on", "warning")
    assert run.exit_code == 1, run.stderr
    report = run.json()
    assert data_rules(report) == [("training-data-non-commercial", "warning", "README.md", 5)]
    (finding,) = (f for f in report["findings"] if f["rule"] == "training-data-non-commercial")
    assert "trained on tatsu-lab/alpaca" in finding["message"]
    assert "CC-BY-NC-4.0" in finding["message"]
    assert "https://github.com/tatsu-lab/stanford_alpaca" in finding["message"]
    assert finding["license"] == "CC-BY-NC-4.0"
    # the default --fail-on error passes: a warning, the legal question being open
    assert run_cli(*SCAN, tmp_path, "--kind", "model-weights").exit_code == 0
    # declared non-commercial: nothing to say
    card(tmp_path / "README.md", "license: cc-by-nc-4.0\ndatasets: tatsu-lab/alpaca\n")
    assert data_rules(run_cli(*SCAN, tmp_path, "--kind", "model-weights").json()) == []


def repository(root: Path) -> Path:
    """A model trained on a dataset of its own (non-commercial, its card in data/) and
    on a well-known one; a GGUF quantization naming one more."""
    card(
        root / "README.md",
        "license: mit\nmodel_name: tiny-chat\npipeline_tag: text-generation\n"
        "library_name: transformers\nbase_model: meta-llama/Llama-3.1-8B\n"
        "datasets:\n- me/chats\n- databricks/databricks-dolly-15k\n",
    )
    card(
        root / "data" / "chats" / "README.md",
        "license: cc-by-nc-4.0\npretty_name: Chats\ntask_categories:\n- text-generation\n"
        "size_categories:\n- 1K<n<10K\n",
    )
    write_gguf(root / "tiny.gguf", license_="mit", datasets=("someone/unknown-set",))
    return root


def test_a_local_dataset_card(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    root = repository(tmp_path / "m")
    report = run_cli(*SCAN, root, "--kind", "model-weights").json()
    assert data_rules(report) == [
        ("dataset-kind-undeclared", "info", "data/chats/README.md", None),
        ("dataset-unverified", "info", "tiny.gguf", None),
        ("training-data-non-commercial", "warning", "README.md", 8),
    ]
    by_rule = {f["rule"]: f for f in report["findings"]}
    assert (
        "its dataset card data/chats/README.md declares CC-BY-NC-4.0"
        in (by_rule["training-data-non-commercial"]["message"])
    )
    assert (
        "data/chats has a dataset card (data/chats/README.md) but is no artifact"
        in (by_rule["dataset-kind-undeclared"]["message"])
    )
    # the dataset card is no model card: no lineage, no datasets of its own
    assert [f["path"] for f in report["findings"] if f["rule"].startswith("base-model-")] == [
        "README.md"
    ]


def test_models_and_datasets_in_the_report(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    root = repository(tmp_path / "m")
    report = run_cli(*SCAN, root, "--kind", "model-weights").json()
    schema = json.loads((REPO / "docs" / "report-schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, schema)
    (model,) = report["models"]
    assert {k: model[k] for k in ("artifact", "card", "name", "license", "task", "library")} == {
        "artifact": ".",
        "card": "README.md",
        "name": "tiny-chat",
        "license": "MIT",
        "task": "text-generation",
        "library": "transformers",
    }
    (base,) = model["base_models"]
    assert base == {
        "model": "meta-llama/Llama-3.1-8B",
        "source": "README.md",
        "relation": None,
        "license": "LicenseRef-scancode-llama-3.1-license-2024",
        "original": None,
    }
    assert model["datasets"] == [
        {
            "name": "me/chats",
            "source": "README.md",
            "card": "data/chats/README.md",
            "license": "CC-BY-NC-4.0",
            "non_commercial": True,
        },
        {
            "name": "databricks/databricks-dolly-15k",
            "source": "README.md",
            "card": None,
            "license": "CC-BY-SA-3.0",
            "non_commercial": False,
        },
        {
            "name": "someone/unknown-set",
            "source": "tiny.gguf",
            "card": None,
            "license": None,
            "non_commercial": False,
        },
    ]
    assert report["datasets"] == [
        {
            "path": "data/chats/README.md",
            "artifact": ".",
            "name": "Chats",
            "license": "CC-BY-NC-4.0",
            "non_commercial": True,
        }
    ]
    text = run_cli("scan", root, "--no-deps", "--jobs", "1", "--kind", "model-weights").stdout
    assert "Models (1)" in text
    assert "me/chats (CC-BY-NC-4.0, non-commercial)" in text
    assert "Dataset cards (1)" in text
    assert "data/chats/README.md Chats; CC-BY-NC-4.0; non-commercial" in text


def test_a_dataset_card_in_data(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    card(
        tmp_path / "data" / "README.md",
        "license: cc-by-4.0\ntask_categories: [image-classification]\n",
    )
    report = run_cli(*SCAN, tmp_path).json()
    assert data_rules(report) == [("dataset-kind-undeclared", "info", "data/README.md", None)]
    (finding,) = (f for f in report["findings"] if f["rule"] == "dataset-kind-undeclared")
    assert 'kind = "training-data"' in finding["action"]
    assert report["models"] == []
    assert [d["name"] for d in report["datasets"]] == ["data"]
    # declared training data: nothing to suggest; the card declares the artifact's license
    (tmp_path / "licensetier.toml").write_text(
        '[[artifacts]]\npath = "data"\nkind = "training-data"\n', encoding="utf-8"
    )
    report = run_cli(*SCAN, tmp_path).json()
    assert data_rules(report) == []
    (data,) = (a for a in report["artifacts"] if a["path"] == "data")
    assert data["declared_license"] == "CC-BY-4.0"
    assert report["datasets"][0]["artifact"] == "data"


def test_a_dataset_card_at_the_root(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    card(
        tmp_path / "README.md",
        "license: cc-by-nc-4.0\nbase_model: meta-llama/Llama-2-7b-hf\n"
        "task_categories: [text-generation]\nsize_categories: [1K<n<10K]\n",
    )
    report = run_cli(*SCAN, tmp_path).json()
    assert data_rules(report) == [("dataset-kind-undeclared", "info", "README.md", None)]
    (finding,) = (f for f in report["findings"] if f["rule"] == "dataset-kind-undeclared")
    assert (
        "the repository has a dataset card (README.md) but declares no kind" in (finding["message"])
    )
    # a dataset card's base_model is no lineage
    assert not [f for f in report["findings"] if f["rule"].startswith("base-model-")]
    (artifact,) = report["artifacts"]
    assert artifact["declared_license"] == "CC-BY-NC-4.0"
    assert report["models"] == []


def test_staged_keeps_the_models_and_dataset_cards_staged(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = repository(tmp_path / "m")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "model")
    # a staged change to the dataset card alone: the card, not the model
    card(root / "data" / "chats" / "README.md", "license: mit\npretty_name: Chats\nconfigs: []\n")
    git(root, "add", "data/chats/README.md")
    report = run_cli(*SCAN, root, "--staged", "--kind", "model-weights").json()
    assert report["models"] == []
    assert [(d["path"], d["license"]) for d in report["datasets"]] == [
        ("data/chats/README.md", "MIT")
    ]
    assert data_rules(report) == [("dataset-kind-undeclared", "info", "data/chats/README.md", None)]
    # the model card staged: the model, its datasets resolved against the staged card
    card(root / "README.md", "license: mit\nlibrary_name: transformers\ndatasets: [me/chats]\n")
    git(root, "add", "README.md")
    report = run_cli(*SCAN, root, "--staged", "--kind", "model-weights").json()
    (model,) = report["models"]
    assert [(d["name"], d["card"], d["license"]) for d in model["datasets"]] == [
        ("me/chats", "data/chats/README.md", "MIT")
    ]
    assert data_rules(report) == [("dataset-kind-undeclared", "info", "data/chats/README.md", None)]
