"""The fixture model repository of the AI-artifact acceptance tests, built in
``tmp_path`` at test time: what a company that opens a Llama fine-tune ships beside
its SDK.

- ``sdk/``: an Apache-2.0 Python SDK (typically open);
- ``models/<name>/``: the fine-tune (safetensors written by the real ``safetensors``
  package, ``config.json``, a model card naming its base model and its training data);
- ``models/<name>-LoRA/``: a PEFT adapter on the same base (``adapter_config.json``,
  adapter weights);
- ``models/<name>-GGUF/``: a quantization (a GGUF written by the real ``gguf``
  package, naming the base model and the dataset in its header);
- ``data/instruct-mix/``: the training data, with a Hugging Face dataset card.

``complete=True`` ships what the Llama 3.1 license asks of a redistribution: the
license text (copied at test time from the installed ScanCode's own copy, never kept
in this repository), the Notice line, the acceptable use policy, "Built with Llama"
and a model name that begins with "Llama". ``complete=False`` leaves all of them out,
names the model ``acme-8b`` and trains it on a non-commercial dataset too.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from tests.weights_files import write_gguf, write_safetensors

BASE = "meta-llama/Llama-3.1-8B"
BASE_URL = f"https://huggingface.co/{BASE}"
LLAMA_KEY = "llama-3.1-license-2024"
NOTICE_LINE = (
    "Llama 3.1 is licensed under the Llama 3.1 Community License, "
    "Copyright \u00a9 Meta Platforms, Inc. All Rights Reserved."
)
APACHE_HEADER = "# SPDX-License-Identifier: Apache-2.0\n"


def scancode_text(key: str) -> str:
    """The text of a license as the installed ScanCode ships it."""
    spec = importlib.util.find_spec("licensedcode")  # located, not imported
    assert spec is not None
    assert spec.submodule_search_locations
    licenses = Path(next(iter(spec.submodule_search_locations))) / "data" / "licenses"
    text = (licenses / f"{key}.LICENSE").read_text(encoding="utf-8")
    # the file starts with ScanCode's YAML front matter (key, category, ...): not the text
    if text.startswith("---\n"):
        text = text.split("\n---\n", 1)[1]
    return text.lstrip("\n")


def _card(front: dict[str, object], body: str) -> str:
    lines = ["---"]
    for key, value in front.items():
        if isinstance(value, list):
            lines.append(f"{key}:")
            lines.extend(f"- {item}" for item in value)
        else:
            lines.append(f"{key}: {value}")
    return "\n".join([*lines, "---", body, ""])


def build_model_repository(root: Path, *, complete: bool = True) -> dict[str, str]:
    """Write the repository under ``root``; return the artifacts' paths by role
    (``sdk``, ``model``, ``adapter``, ``gguf``, ``data``)."""
    name = "Llama-3.1-Acme-8B" if complete else "acme-8b"
    paths = {
        "sdk": "sdk",
        "model": f"models/{name}",
        "adapter": f"models/{name}-LoRA",
        "gguf": f"models/{name}-GGUF",
        "data": "data/instruct-mix",
    }
    root.mkdir(parents=True, exist_ok=True)
    kinds = {
        "sdk": "sdk",
        "model": "model-weights",
        "adapter": "model-weights",
        "gguf": "model-weights",
        "data": "training-data",
    }
    artifacts = "".join(
        f'\n[[tool.licensetier.artifacts]]\npath = "{paths[role]}"\nkind = "{kind}"\n'
        # the instruct mix is training data the company chose to open
        + ('tier = "sometimes-open"\n' if role == "data" else "")
        for role, kind in kinds.items()
    )
    (root / "pyproject.toml").write_text(
        '[project]\nname = "acme-ai"\nversion = "1.0.0"\nlicense = "Apache-2.0"\n' + artifacts,
        encoding="utf-8",
    )
    sdk = root / paths["sdk"]
    (sdk / "acme").mkdir(parents=True)
    (sdk / "acme" / "__init__.py").write_text(APACHE_HEADER + '"""Acme SDK."""\n')
    (sdk / "LICENSE").write_text(scancode_text("apache-2.0"), encoding="utf-8")

    datasets = ["acme/instruct-mix"] + ([] if complete else ["tatsu-lab/alpaca"])
    model = root / paths["model"]
    write_safetensors(model / "model.safetensors", {"format": "pt", "license": "llama3.1"})
    (model / "config.json").write_text(
        json.dumps({"_name_or_path": BASE, "architectures": ["LlamaForCausalLM"]}),
        encoding="utf-8",
    )
    body = f"# {name}\n\nA fine-tune of Llama 3.1 8B on Acme's instructions.\n"
    if complete:
        body += "\nBuilt with Llama\n"
    (model / "README.md").write_text(
        _card(
            {
                "license": "llama3.1",
                "base_model": BASE,
                "base_model_relation": "finetune",
                "datasets": datasets,
                "pipeline_tag": "text-generation",
                "library_name": "transformers",
            },
            body,
        ),
        encoding="utf-8",
    )

    adapter = root / paths["adapter"]
    write_safetensors(adapter / "adapter_model.safetensors", {"format": "pt"})
    (adapter / "adapter_config.json").write_text(
        json.dumps({"base_model_name_or_path": BASE, "peft_type": "LORA", "r": 8}),
        encoding="utf-8",
    )
    (adapter / "README.md").write_text(
        _card(
            {"license": "llama3.1", "base_model": BASE, "base_model_relation": "adapter"},
            f"# {name}-LoRA\n" + ("\nBuilt with Llama\n" if complete else ""),
        ),
        encoding="utf-8",
    )

    quantized = root / paths["gguf"]
    write_gguf(
        quantized / f"{name}.Q4_K_M.gguf",
        license_="llama3.1",
        name=name,
        base_models=((name, f"https://huggingface.co/acme/{name}"),),
        datasets=tuple(datasets),
    )
    (quantized / "README.md").write_text(
        _card(
            {"license": "llama3.1", "base_model": BASE, "base_model_relation": "quantized"},
            f"# {name}-GGUF\n" + ("\nBuilt with Llama\n" if complete else ""),
        ),
        encoding="utf-8",
    )
    if complete:
        for role in ("model", "adapter", "gguf"):
            place = root / paths[role]
            (place / "LICENSE").write_text(scancode_text(LLAMA_KEY), encoding="utf-8")
            (place / "NOTICE").write_text(NOTICE_LINE + "\n", encoding="utf-8")
            (place / "USE_POLICY.md").write_text(
                "# Llama 3.1 Acceptable Use Policy\n\nThe Acceptable Use Policy of Llama 3.1 "
                "applies to every use of this model: see https://llama.meta.com/llama3_1/use-policy\n",
                encoding="utf-8",
            )

    data = root / paths["data"]
    data.mkdir(parents=True)
    (data / "README.md").write_text(
        _card(
            {
                "pretty_name": "Acme Instruct Mix",
                "license": "cc-by-4.0",
                "task_categories": ["text-generation"],
                "size_categories": ["1K<n<10K"],
                "language": ["en"],
            },
            "# Acme Instruct Mix\n\nInstructions written by Acme's staff.\n",
        ),
        encoding="utf-8",
    )
    (data / "train.jsonl").write_text('{"prompt": "hi", "response": "hello"}\n')
    return paths
