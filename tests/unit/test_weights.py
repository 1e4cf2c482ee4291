"""Weights and model metadata read as data (headers only, bounded), and the weights
rules, on files written by the real ``safetensors`` and ``gguf`` packages."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from licensetier import fs
from licensetier.license_db import LicenseDB
from licensetier.models import Artifact, DeclaredLicense, Severity, Weights
from licensetier.readers.weights import (
    MAX_GGUF_KV_BYTES,
    MAX_SAFETENSORS_HEADER,
    candidates,
    read_weights,
)
from licensetier.weights import owned, weights_findings
from tests.weights_files import (
    gguf_claiming_string,
    safetensors_claiming,
    write_gguf,
    write_safetensors,
)


def one(root: Path, path: str) -> Weights:
    found, problems = read_weights(root, [path])
    assert problems == []
    assert len(found) == 1
    return found[0]


def problem(root: Path, path: str) -> str:
    found, problems = read_weights(root, [path])
    assert found == []
    assert [p.path for p in problems] == [path]
    return problems[0].message


# -- safetensors -----------------------------------------------------------------------


def test_safetensors_metadata_is_read(tmp_path: Path) -> None:
    write_safetensors(
        tmp_path / "model.safetensors",
        {"license": "apache-2.0", "base_model": "mistralai/Mistral-7B-v0.1", "format": "pt"},
    )
    w = one(tmp_path, "model.safetensors")
    assert w.format == "safetensors"
    assert w.role == "weights"
    assert w.license == "apache-2.0"
    assert w.base_models == ("mistralai/Mistral-7B-v0.1",)
    assert dict(w.metadata) == {
        "license": "apache-2.0",
        "base_model": "mistralai/Mistral-7B-v0.1",
        "format": "pt",
    }


def test_safetensors_without_metadata_has_no_license(tmp_path: Path) -> None:
    write_safetensors(tmp_path / "model.safetensors")
    w = one(tmp_path, "model.safetensors")
    assert (w.license, w.base_models, w.metadata) == (None, (), ())


def test_safetensors_header_length_beyond_the_format_limit(tmp_path: Path) -> None:
    safetensors_claiming(tmp_path / "a.safetensors", 2**60)
    message = problem(tmp_path, "a.safetensors")
    assert f"claims {2**60} bytes" in message
    assert str(MAX_SAFETENSORS_HEADER) in message


def test_safetensors_header_longer_than_the_file(tmp_path: Path) -> None:
    safetensors_claiming(tmp_path / "a.safetensors", 1000, b'{"__metadata__": {}}')
    assert "truncated" in problem(tmp_path, "a.safetensors")


def test_safetensors_shorter_than_its_length_field(tmp_path: Path) -> None:
    (tmp_path / "a.safetensors").write_bytes(b"\x01\x02")
    assert "truncated: 2 bytes" in problem(tmp_path, "a.safetensors")


@pytest.mark.parametrize(
    ("header", "said"),
    [(b"not json at all", "its header is not JSON"), (b"[1, 2]", "not an object")],
)
def test_safetensors_header_that_is_not_a_json_object(
    tmp_path: Path, header: bytes, said: str
) -> None:
    safetensors_claiming(tmp_path / "a.safetensors", len(header), header)
    message = problem(tmp_path, "a.safetensors")
    assert "not a safetensors file" in message
    assert said in message


def test_safetensors_metadata_that_is_not_a_map(tmp_path: Path) -> None:
    header = json.dumps({"__metadata__": ["apache-2.0"]}).encode()
    safetensors_claiming(tmp_path / "a.safetensors", len(header), header)
    assert "__metadata__ is an array" in problem(tmp_path, "a.safetensors")


OID = "sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393"


def test_a_git_lfs_pointer_is_no_broken_header(tmp_path: Path, db: LicenseDB) -> None:
    (tmp_path / "model.safetensors").write_text(
        f"version https://git-lfs.github.com/spec/v1\noid {OID}\nsize 16060522904\n",
        encoding="ascii",
    )
    w = one(tmp_path, "model.safetensors")
    assert dict(w.metadata) == {
        "git_lfs_pointer": OID,
        "git_lfs_size": "16060522904",
    }
    (f,) = weights_findings([w], [Artifact(".", "model-weights", None, None)], db)
    assert f.rule == "weights-no-license"
    assert "a Git LFS pointer (sha256:4d7a" in f.message
    from licensetier.models import ScanResult
    from licensetier.reporters import text

    shown = text.render(ScanResult(str(tmp_path), (), (), (), (), (), weights=(w,)))
    assert "model.safetensors (safetensors) a Git LFS pointer" in shown
    assert "no license in its header" not in shown


# -- GGUF ------------------------------------------------------------------------------


def test_gguf_general_metadata_is_read_and_the_vocabulary_skipped(tmp_path: Path) -> None:
    write_gguf(
        tmp_path / "tiny.Q4_K_M.gguf",
        license_="other",
        license_name="llama3.1",
        license_link="https://llama.meta.com/llama3_1/license/",
        base_models=(("Llama 3.1 8B", "https://huggingface.co/meta-llama/Llama-3.1-8B"),),
        datasets=("fineweb-edu",),
        vocabulary=50_000,
    )
    w = one(tmp_path, "tiny.Q4_K_M.gguf")
    assert w.format == "gguf"
    assert w.license == "other"
    assert w.license_name == "llama3.1"
    assert w.license_link == "https://llama.meta.com/llama3_1/license/"
    assert w.base_models == ("meta-llama/Llama-3.1-8B",)
    assert w.datasets == ("fineweb-edu",)
    meta = dict(w.metadata)
    assert meta["general.name"] == "Tiny"
    assert meta["general.base_model.count"] == "1"
    assert not any(key.startswith("tokenizer.") for key in meta)  # arrays are not kept


def test_gguf_without_a_license(tmp_path: Path) -> None:
    write_gguf(tmp_path / "m.gguf")
    w = one(tmp_path, "m.gguf")
    assert (w.license, w.base_models, w.datasets) == (None, (), ())


def test_gguf_version_2_is_read(tmp_path: Path) -> None:
    def kv(key: bytes, value: bytes) -> bytes:
        return struct.pack("<Q", len(key)) + key + struct.pack("<IQ", 8, len(value)) + value

    body = kv(b"general.license", b"apache-2.0") + kv(b"general.name", b"Old")
    (tmp_path / "m.gguf").write_bytes(b"GGUF" + struct.pack("<IQQ", 2, 0, 2) + body)
    w = one(tmp_path, "m.gguf")
    assert (w.license, dict(w.metadata)["general.name"]) == ("apache-2.0", "Old")


def test_gguf_without_the_magic(tmp_path: Path) -> None:
    (tmp_path / "m.gguf").write_bytes(b"GGML" + b"\0" * 64)
    assert "does not start with the magic 'GGUF'" in problem(tmp_path, "m.gguf")


def test_gguf_version_1_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "m.gguf").write_bytes(b"GGUF" + struct.pack("<IQQ", 1, 0, 0))
    assert "GGUF version 1" in problem(tmp_path, "m.gguf")


def test_gguf_string_length_claiming_two_to_the_forty(tmp_path: Path) -> None:
    gguf_claiming_string(tmp_path / "m.gguf", 2**40)
    message = problem(tmp_path, "m.gguf")
    assert "key 0" in message
    assert str(MAX_GGUF_KV_BYTES) in message


def test_gguf_truncated_in_its_key_values(tmp_path: Path) -> None:
    real = write_gguf(tmp_path / "real.gguf", license_="mit")
    (tmp_path / "cut.gguf").write_bytes(real.read_bytes()[:60])
    assert "truncated" in problem(tmp_path, "cut.gguf")


def test_gguf_array_length_beyond_the_bound(tmp_path: Path) -> None:
    key = b"tokenizer.ggml.scores"
    body = struct.pack("<Q", len(key)) + key + struct.pack("<IIQ", 9, 6, 2**50)
    (tmp_path / "m.gguf").write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + body)
    assert "the array tokenizer.ggml.scores" in problem(tmp_path, "m.gguf")


def test_gguf_unknown_value_type(tmp_path: Path) -> None:
    key = b"general.license"
    body = struct.pack("<Q", len(key)) + key + struct.pack("<I", 99)
    (tmp_path / "m.gguf").write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + body)
    assert "unknown value type 99" in problem(tmp_path, "m.gguf")


# -- by name, and the metadata files ---------------------------------------------------


def test_candidates_by_name() -> None:
    paths = [
        "m/model.pt",
        "m/model.ckpt",
        "m/model.onnx",
        "m/tf_model.h5",
        "m/flax_model.msgpack",
        "m/model.tflite",
        "m/model.keras",
        "m/pytorch_model-00001-of-00002.bin",
        "m/config.json",
        "firmware/blob.bin",
        "web/config.json",
        "adapter/adapter_config.json",
        "adapter/weights.bin",
        "pipe/model_index.json",
        "plain/config.json",
        "plain/weights.bin",
    ]
    assert dict(candidates(paths)) == {
        "m/model.pt": "pytorch",
        "m/model.ckpt": "checkpoint",
        "m/model.onnx": "onnx",
        "m/tf_model.h5": "keras",
        "m/flax_model.msgpack": "flax",
        "m/model.tflite": "tensorflow-lite",
        "m/model.keras": "keras",
        "m/pytorch_model-00001-of-00002.bin": "pytorch",
        "m/config.json": "transformers-config",
        "adapter/adapter_config.json": "peft-adapter-config",
        "adapter/weights.bin": "pytorch",
        "pipe/model_index.json": "diffusers-model-index",
        "plain/config.json": "transformers-config",
        "plain/weights.bin": "pytorch",
    }


def test_pickles_are_never_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "model.pt").write_bytes(b"\x80\x04 a pickle that must never be loaded")

    def refuse(*_args: object) -> int:
        raise AssertionError("a weights file known by name only was opened")

    monkeypatch.setattr(fs, "_open", refuse)
    w = one(tmp_path, "model.pt")
    assert (w.format, w.license, w.metadata) == ("pytorch", None, ())


def test_metadata_files(tmp_path: Path) -> None:
    (tmp_path / "adapter").mkdir()
    (tmp_path / "adapter" / "adapter_config.json").write_text(
        json.dumps({"base_model_name_or_path": "meta-llama/Llama-3.1-8B", "peft_type": "LORA"})
    )
    (tmp_path / "m").mkdir()
    write_safetensors(tmp_path / "m" / "model.safetensors")
    (tmp_path / "m" / "config.json").write_text(
        json.dumps({"_name_or_path": "google/gemma-2-2b", "architectures": ["Gemma2ForCausalLM"]})
    )
    (tmp_path / "pipe").mkdir()
    (tmp_path / "pipe" / "model_index.json").write_text(
        json.dumps({"_class_name": "FluxPipeline", "_name_or_path": "black-forest-labs/FLUX.1"})
    )
    found, problems = read_weights(
        tmp_path,
        [
            "adapter/adapter_config.json",
            "m/model.safetensors",
            "m/config.json",
            "pipe/model_index.json",
        ],
    )
    assert problems == []
    by_path = {w.path: w for w in found}
    adapter = by_path["adapter/adapter_config.json"]
    assert (adapter.role, adapter.base_models) == ("metadata", ("meta-llama/Llama-3.1-8B",))
    config = by_path["m/config.json"]
    assert config.base_models == ("google/gemma-2-2b",)
    assert dict(config.metadata)["architectures"] == "Gemma2ForCausalLM"
    pipe = by_path["pipe/model_index.json"]
    assert dict(pipe.metadata)["_class_name"] == "FluxPipeline"


def test_a_metadata_file_that_is_not_json(tmp_path: Path) -> None:
    (tmp_path / "adapter_config.json").write_text("{nope")
    assert "not valid JSON" in problem(tmp_path, "adapter_config.json")


# -- the rules -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


def card(license_: str, keys: str, raw: str) -> DeclaredLicense:
    return DeclaredLicense("m/README.md", "license", keys, license_, raw)


def test_weights_belong_to_the_artifact_owning_their_path() -> None:
    artifacts = [Artifact(".", None, None, None), Artifact("m", None, None, None)]
    found = owned([Weights("m/a.gguf", "gguf"), Weights("b.gguf", "gguf")], artifacts)
    assert [(w.path, w.artifact) for w in found] == [("m/a.gguf", "m"), ("b.gguf", ".")]


def test_weights_with_no_license_anywhere(db: LicenseDB) -> None:
    art = Artifact("m", "model-weights", None, None)
    findings = weights_findings(
        [Weights("m/a.safetensors", "safetensors", artifact="m")], [art], db
    )
    assert [(f.rule, f.severity, f.path) for f in findings] == [
        ("weights-no-license", Severity.WARNING, "m/a.safetensors")
    ]


def test_a_license_in_the_header_or_declared_is_enough(db: LicenseDB) -> None:
    art = Artifact("m", "model-weights", None, None)
    header = Weights("m/a.safetensors", "safetensors", artifact="m", license="mit")
    assert weights_findings([header], [art], db) == []
    declared = Artifact(
        "m",
        "model-weights",
        None,
        None,
        declared=(card("MIT", "mit", "mit"),),
        declared_license="MIT",
    )
    assert weights_findings([Weights("m/a.gguf", "gguf", artifact="m")], [declared], db) == []


def test_header_license_disagreeing_with_the_card(db: LicenseDB) -> None:
    art = Artifact(
        "m",
        "model-weights",
        None,
        None,
        declared=(
            card("MIT", "mit", "mit"),
            DeclaredLicense("m/LICENSE", "file", "mit", "MIT", "MIT"),
        ),
        declared_license="MIT",
    )
    w = Weights("m/a.gguf", "gguf", artifact="m", license="apache-2.0")
    (f,) = weights_findings([w], [art], db)
    assert (f.rule, f.severity, f.license) == (
        "weights-license-disagrees",
        Severity.WARNING,
        "Apache-2.0",
    )
    assert "its gguf header says 'apache-2.0'" in f.message
    assert "m/README.md (license) says 'mit'" in f.message
    assert "m/LICENSE says 'MIT'" in f.message


def test_header_license_agreeing_as_keys(db: LicenseDB) -> None:
    art = Artifact(
        "m", "model-weights", None, None, declared=(card("Apache-2.0", "apache-2.0", "apache-2.0"),)
    )
    w = Weights("m/a.gguf", "gguf", artifact="m", license="Apache-2.0")  # SPDX, not the Hub id
    assert weights_findings([w], [art], db) == []


def test_an_artifact_with_weights_and_no_kind(db: LicenseDB) -> None:
    art = Artifact(".", None, None, None)
    found = [
        Weights("a.gguf", "gguf", license="mit"),
        Weights("b.gguf", "gguf", license="mit"),
        Weights("config.json", "transformers-config", role="metadata"),
    ]
    findings = weights_findings(found, [art], db)
    assert [(f.rule, f.severity, f.path) for f in findings] == [
        ("weights-kind-undeclared", Severity.INFO, "a.gguf")
    ]


def test_metadata_files_alone_raise_nothing(db: LicenseDB) -> None:
    art = Artifact(".", None, None, None)
    meta = Weights("adapter_config.json", "peft-adapter-config", role="metadata")
    assert weights_findings([meta], [art], db) == []


def test_a_header_license_other_is_compared_by_its_name(db: LicenseDB) -> None:
    art = Artifact(
        "m",
        "model-weights",
        None,
        None,
        declared=(card("MIT", "mit", "mit"),),
        declared_license="MIT",
    )
    named = Weights("m/a.gguf", "gguf", artifact="m", license="other", license_name="apache-2.0")
    (f,) = weights_findings([named], [art], db)
    assert f.rule == "weights-license-disagrees"
    unnamed = Weights("m/a.gguf", "gguf", artifact="m", license="other")
    assert weights_findings([unnamed], [art], db) == []  # nothing to compare


def test_a_real_sized_vocabulary_is_skipped_quickly(tmp_path: Path) -> None:
    import time

    write_gguf(tmp_path / "m.gguf", license_="mit", vocabulary=150_000)
    started = time.monotonic()
    w = one(tmp_path, "m.gguf")
    assert w.license == "mit"
    assert time.monotonic() - started < 5


def test_the_formats_whose_header_is_read_are_the_models_list() -> None:
    """models.HEADER_FORMATS (what the reports say was opened) is the reader's list."""
    from licensetier.models import HEADER_FORMATS
    from licensetier.readers.weights import WEIGHTS_FILES

    assert {k.format for k in WEIGHTS_FILES if k.header} == HEADER_FORMATS
    assert not Weights("pytorch_model.bin", "pytorch").header_read
    assert Weights("model.gguf", "gguf").header_read
    assert Weights("config.json", "transformers-config", role="metadata").header_read
