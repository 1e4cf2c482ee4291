"""Hostile weights files: a header that claims a huge size, is truncated, or is not
what its extension says is one scan problem naming the file, and the scan goes on
(the other weights are read, the exit code is never 3); a weights file linked out of
the root is never opened. Tensors are never read: a multi-gigabyte file's header is
read in a blink."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

from licensetier import fs
from tests.conftest import Run
from tests.hostile.conftest import Opened
from tests.weights_files import (
    gguf_claiming_string,
    safetensors_claiming,
    write_gguf,
    write_safetensors,
)

SCAN = ("scan", "--format", "json", "--no-deps", "--jobs", "1", "--kind", "model-weights")


def errors(report: dict[str, Any]) -> dict[str, str]:
    return {e["path"]: e["message"] for e in report["errors"]}


def scanned(run_cli: Callable[..., Run], root: Path) -> dict[str, Any]:
    run = run_cli(*SCAN, root)
    assert run.exit_code in (0, 1), run.stderr  # never 3 (a bug), never 2 (a usage error)
    report: dict[str, Any] = run.json()
    return report


def with_a_good_neighbour(root: Path) -> None:
    write_safetensors(root / "good.safetensors", {"license": "mit"})


def test_every_broken_header_is_one_named_problem_and_the_scan_goes_on(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    with_a_good_neighbour(tmp_path)
    (tmp_path / "truncated.safetensors").write_bytes(b"\x10\x00\x00")
    safetensors_claiming(tmp_path / "huge.safetensors", 2**60)
    gguf_claiming_string(tmp_path / "long-string.gguf", 2**40)
    (tmp_path / "wrong-magic.gguf").write_bytes(b"PK\x03\x04 a zip, not a GGUF file")
    safetensors_claiming(tmp_path / "not-json.safetensors", 9, b"\x00\xff<html>!")
    report = scanned(run_cli, tmp_path)
    problems = errors(report)
    assert "truncated: 3 bytes" in problems["truncated.safetensors"]
    assert f"claims {2**60} bytes" in problems["huge.safetensors"]
    assert "key 0" in problems["long-string.gguf"]
    assert "magic 'GGUF'" in problems["wrong-magic.gguf"]
    assert "not JSON" in problems["not-json.safetensors"]
    assert [w["path"] for w in report["weights"]] == ["good.safetensors"]
    assert report["weights"][0]["license"] == "mit"


def test_a_weights_file_linked_out_of_the_root_is_never_opened(
    tmp_path: Path, outside: Path, opened: Opened, run_cli: Callable[..., Run]
) -> None:
    secret = write_safetensors(outside / "secret.safetensors", {"license": "agpl-3.0"})
    write_gguf(outside / "secret.gguf", license_="agpl-3.0")
    root = tmp_path / "repo"
    root.mkdir()
    with_a_good_neighbour(root)
    (root / "linked.safetensors").symlink_to(secret)
    (root / "linked.gguf").symlink_to(outside / "secret.gguf")
    (root / "linked.pt").symlink_to(secret)
    opened.paths.clear()  # what writing the fixtures opened
    report = scanned(run_cli, root)
    assert opened.under(outside) == []
    problems = errors(report)
    for name in ("linked.safetensors", "linked.gguf", "linked.pt"):
        assert problems[name].endswith(fs.OUTSIDE), problems
    assert [w["path"] for w in report["weights"]] == ["good.safetensors"]
    assert "agpl" not in str(report["weights"]).lower()


def test_a_multi_gigabyte_file_has_its_header_read_past_the_size_cap(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    big = write_safetensors(tmp_path / "model.safetensors", {"license": "apache-2.0"})
    with big.open("r+b") as fh:
        fh.truncate(6 * 1024**3)  # sparse: six gigabytes of "tensors" never written
    key = b"general.license"
    value = b"mit"
    kv = struct.pack("<Q", len(key)) + key + struct.pack("<IQ", 8, len(value)) + value
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + kv)
    with gguf.open("r+b") as fh:
        fh.truncate(5 * 1024**3)
    report = scanned(run_cli, tmp_path)
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert skipped["model.safetensors"].startswith("larger than the size cap")
    found = {w["path"]: w["license"] for w in report["weights"]}
    assert found == {"model.gguf": "mit", "model.safetensors": "apache-2.0"}
    assert report["errors"] == []


def test_a_fifo_named_like_weights_never_blocks(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    import os

    with_a_good_neighbour(tmp_path)
    os.mkfifo(tmp_path / "model.gguf")
    report = scanned(run_cli, tmp_path)
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert skipped["model.gguf"] == "not a regular file"
    assert [w["path"] for w in report["weights"]] == ["good.safetensors"]
