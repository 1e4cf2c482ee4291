"""Weights files written by the real libraries (``safetensors``, ``gguf``), and
hostile headers built byte by byte, for the weights tests."""

from __future__ import annotations

import struct
from pathlib import Path

import gguf
import numpy as np
from safetensors.numpy import save_file


def write_safetensors(path: Path, metadata: dict[str, str] | None = None) -> Path:
    """A real safetensors file with one small tensor and ``metadata``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({"weight": np.zeros((2, 3), dtype=np.float32)}, str(path), metadata=metadata)
    return path


def write_gguf(
    path: Path,
    *,
    license_: str | None = None,
    name: str = "Tiny",
    base_models: tuple[tuple[str, str], ...] = (),  # (name, repo_url)
    datasets: tuple[str, ...] = (),
    license_name: str | None = None,
    license_link: str | None = None,
    vocabulary: int = 1000,
) -> Path:
    """A real GGUF file (version 3) with ``general.*`` metadata, a tokenizer
    vocabulary of ``vocabulary`` tokens and one tensor."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name(name)
    string, uint32 = gguf.GGUFValueType.STRING, gguf.GGUFValueType.UINT32
    if license_ is not None:
        writer.add_license(license_)
    if license_name is not None:
        writer.add_key_value("general.license.name", license_name, string)
    if license_link is not None:
        writer.add_key_value("general.license.link", license_link, string)
    if base_models:
        writer.add_key_value("general.base_model.count", len(base_models), uint32)
        for i, (model, url) in enumerate(base_models):
            writer.add_key_value(f"general.base_model.{i}.name", model, string)
            writer.add_key_value(f"general.base_model.{i}.repo_url", url, string)
    if datasets:
        writer.add_key_value("general.dataset.count", len(datasets), uint32)
        for i, dataset in enumerate(datasets):
            writer.add_key_value(f"general.dataset.{i}.name", dataset, string)
    writer.add_token_list([f"token{i}" for i in range(vocabulary)])
    writer.add_tensor("weight", np.zeros((4,), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def gguf_claiming_string(path: Path, length: int) -> Path:
    """A GGUF header whose first key claims ``length`` bytes."""
    path.write_bytes(b"GGUF" + struct.pack("<IQQQ", 3, 0, 1, length) + b"general.license")
    return path


def safetensors_claiming(path: Path, length: int, rest: bytes = b"{}") -> Path:
    """A safetensors file whose header length claims ``length`` bytes."""
    path.write_bytes(struct.pack("<Q", length) + rest)
    return path
