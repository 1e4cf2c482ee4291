"""The model repository of the openness tests, built in ``tmp_path`` at test time: one
repository, one artifact per case, so that one scan answers every case.

- ``models/llama-ft``: a Llama 3.1 fine-tune (card and safetensors header ``llama3.1``),
  with code and results: no class, the Open Source AI Definition not met;
- ``models/open-model``: Apache-2.0 weights (written by the real ``safetensors``
  package), config.json, modeling code, a model card with ``model-index`` results, a
  data card and a technical report: Class III;
- ``models/open-tooling``: that (its weights a Git LFS pointer), plus training,
  inference and evaluation code and evaluation data under CC-BY-4.0 (its own dataset
  card): Class II;
- ``models/open-science``: that, plus its training data under CC-BY-4.0 (a dataset card
  the model card names), preprocessing code, intermediate checkpoints and a paper under
  CC-BY-4.0: Class I;
- ``models/nc-data``: the same, trained on a non-commercial dataset: Class II.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.model_repo import _card
from tests.weights_files import write_safetensors

APACHE = "# SPDX-License-Identifier: Apache-2.0\n"
LFS_POINTER = (
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    "size 14897\n"
)
MODEL_INDEX = """model-index:
- name: {name}
  results:
  - task:
      type: text-generation
    dataset:
      name: ARC
      type: ai2_arc
    metrics:
    - type: accuracy
      value: 0.51
"""


def _model_card(path: Path, name: str, license_: str, datasets: list[str]) -> None:
    front: dict[str, object] = {"license": license_, "pipeline_tag": "text-generation"}
    if datasets:
        front["datasets"] = datasets
    text = _card(front, f"# {name}\n\nSee the [technical report](technical_report.md).\n")
    # model-index is nested YAML: inserted before the closing line of the front matter
    head, _, body = text.partition("\n---\n")
    path.write_text(f"{head}\n{MODEL_INDEX.format(name=name)}---\n{body}", encoding="utf-8")


def _dataset_card(directory: Path, name: str, license_: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "README.md").write_text(
        _card(
            {
                "pretty_name": name,
                "license": license_,
                "task_categories": ["text-generation"],
                "size_categories": ["n<1K"],
            },
            f"# {name}\n",
        ),
        encoding="utf-8",
    )
    (directory / "train.jsonl").write_text('{"text": "hello"}\n', encoding="utf-8")


def _model(root: Path, name: str, license_: str, level: int, dataset: str | None) -> None:
    """A model at ``models/<name>`` with the components of Class ``level`` (3, 2, 1)."""
    model = root / "models" / name
    header = {"format": "pt"} | ({"license": license_} if license_ != "apache-2.0" else {})
    write_safetensors(model / "model.safetensors", header)
    if name == "open-tooling":  # cloned without its LFS objects: the pointer counts
        (model / "model.safetensors").write_text(LFS_POINTER, encoding="utf-8")
    (model / "config.json").write_text(
        json.dumps({"architectures": ["OpenForCausalLM"], "model_type": "open"}), encoding="utf-8"
    )
    (model / f"modeling_{name.replace('-', '_')}.py").write_text(APACHE + "class Model: ...\n")
    _model_card(model / "README.md", name, license_, [f"acme/{dataset}"] if dataset else [])
    (model / "DATA_CARD.md").write_text("# Data card\n\nWhat the model saw.\n", encoding="utf-8")
    (model / "technical_report.md").write_text("# Technical report\n", encoding="utf-8")
    if level <= 2:
        for script in ("train.py", "generate.py", "evaluate.py"):
            (model / script).write_text(APACHE + "print('run')\n", encoding="utf-8")
        _dataset_card(model / "eval" / "data", f"{name} eval", "cc-by-4.0")
    if level <= 1:
        assert dataset is not None
        _dataset_card(
            model / "data" / dataset, dataset, "cc-by-nc-4.0" if "nc" in dataset else "cc-by-4.0"
        )
        (model / "prepare_data.py").write_text(APACHE + "print('prepare')\n", encoding="utf-8")
        step = model / "checkpoints" / "step1000"
        write_safetensors(step / "model.safetensors", {"format": "pt"})
        (model / "paper").mkdir()
        (model / "paper" / "paper.tex").write_text(
            "% SPDX-License-Identifier: CC-BY-4.0\n\\title{Open}\n", encoding="utf-8"
        )


ARTIFACTS = {
    "llama-ft": ("llama3.1", 2, None),
    "open-model": ("apache-2.0", 3, None),
    "open-tooling": ("apache-2.0", 2, None),
    "open-science": ("apache-2.0", 1, "open-corpus"),
    "nc-data": ("apache-2.0", 1, "nc-corpus"),
}


def build_openness_repository(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    declared = "".join(
        f'\n[[tool.licensetier.artifacts]]\npath = "models/{name}"\nkind = "model-weights"\n'
        for name in ARTIFACTS
    )
    (root / "pyproject.toml").write_text(
        '[project]\nname = "acme-models"\nversion = "1.0.0"\n' + declared, encoding="utf-8"
    )
    for name, (license_, level, dataset) in ARTIFACTS.items():
        _model(root, name, license_, level, dataset)
    return root
