"""Bounded memory and time: a repository's own configuration cannot raise the size
cap beyond a ceiling that only the command line lifts, a detection worker's memory is
bounded whatever the file, and a whole-scan time budget ends a run on time, naming
what it did not scan."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from licensetier.config import MAX_FILE_SIZE_CEILING
from licensetier.scan import NOT_SCANNED
from tests.conftest import Run

LICENSE_WORDS = (
    "permission is hereby granted free of charge to any person obtaining a copy of "
    "this software and associated documentation files "
)


def one_line_of_license_words(path: Path, size: int) -> None:
    """A single line of license words: ScanCode's query of such a line grows to many
    times its size (a 20 MB one took 15.8 GB)."""
    path.write_text(LICENSE_WORDS * (size // len(LICENSE_WORDS)), encoding="utf-8")


def test_a_repository_cannot_raise_the_size_cap_past_the_ceiling(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    (tmp_path / "licensetier.toml").write_text('max_file_size = "1GB"\n', encoding="utf-8")
    with (tmp_path / "huge.txt").open("wb") as fh:
        fh.truncate(MAX_FILE_SIZE_CEILING + 1)  # sparse: nothing is written
    run = run_cli("scan", tmp_path, "--no-deps", "--format", "json")
    report = run.json()
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert skipped["huge.txt"].startswith("larger than the size cap")
    assert f"{MAX_FILE_SIZE_CEILING} bytes" in skipped["huge.txt"]
    assert any(
        "licensetier.toml sets max_file_size to 1073741824 bytes" in note
        and "--max-file-size" in note
        for note in report["notes"]
    )


def test_only_the_command_line_lifts_the_ceiling(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    (tmp_path / "licensetier.toml").write_text('max_file_size = "1GB"\n', encoding="utf-8")
    # no legalese at all: the first pass rules it out without ScanCode
    (tmp_path / "data.txt").write_text("0123456789\n" * (MAX_FILE_SIZE_CEILING // 10))
    run = run_cli("scan", tmp_path, "--no-deps", "--format", "json", "--max-file-size", "1GB")
    report = run.json()
    assert "data.txt" in [f["path"] for f in report["files"]]
    assert report["skipped"] == []
    assert not any("max_file_size" in note for note in report["notes"])


def test_a_worker_over_its_memory_bound_is_reported_and_the_scan_goes_on(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    one_line_of_license_words(tmp_path / "words.txt", 2 * 1024 * 1024)
    (tmp_path / "LICENSE").write_text("SPDX-License-Identifier: 0BSD\n", encoding="utf-8")
    run = run_cli(
        "scan", tmp_path, "--no-deps", "--no-cache", "--format", "json",
        "--max-file-size", "1GB", "--max-memory", "256MB", "--jobs", "2", "--fail-on", "warning",
    )  # fmt: skip
    report = run.json()
    assert run.exit_code == 1  # a file that could not be scanned counts as a warning
    (error,) = [e for e in report["errors"] if e["path"] == "words.txt"]
    assert (
        "memory bound (256MB beyond the shared license index, --max-memory)" in error["message"]
        or "more memory than a worker may take (256MB" in error["message"]
    )
    licenses = {f["path"]: f["license"] for f in report["files"]}
    assert licenses["LICENSE"] == "0BSD"


def test_the_time_budget_reports_what_it_did_not_scan(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    # each of these takes ScanCode past the per-file deadline
    for n in range(3):
        one_line_of_license_words(tmp_path / f"words{n}.txt", 2 * 1024 * 1024)
    (tmp_path / "licensetier.toml").write_text("max_time = 12\n", encoding="utf-8")
    (tmp_path / "LICENSE").write_text("SPDX-License-Identifier: MIT\n", encoding="utf-8")
    run = run_cli("scan", tmp_path, "--no-deps", "--no-cache", "--format", "json", "--jobs", "1")
    report = run.json()
    assert run.exit_code == 1
    assert report["summary"]["complete"] is False
    assert report["summary"]["files_not_scanned"] == 3
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert {p: skipped[p] for p in skipped if p.startswith("words")} == {
        f"words{n}.txt": NOT_SCANNED for n in range(3)
    }
    assert any(
        e["path"] == "." and "incomplete: 3 files were not scanned" in e["message"]
        for e in report["errors"]
    )
    assert {f["path"]: f["license"] for f in report["files"] if f["license"]} == {"LICENSE": "MIT"}


def test_the_time_budget_also_bounds_the_first_pass(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    for n in range(5):
        (tmp_path / f"f{n}.py").write_text("print('hello')\n", encoding="utf-8")
    run = run_cli(
        "scan", tmp_path, "--no-deps", "--no-cache", "--format", "json", "--max-time", "1e-9"
    )
    report = run.json()
    assert report["summary"]["files_not_scanned"] == 5
    assert report["files"] == []
    assert run.exit_code == 1  # incomplete: an error whatever the findings
    run = run_cli("scan", tmp_path, "--no-deps", "--max-time", "1e-9", "--fail-on", "never")
    assert run.exit_code == 0


def test_a_complete_scan_says_so(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    (tmp_path / "a.py").write_text("print('hello')\n", encoding="utf-8")
    report = run_cli("scan", tmp_path, "--no-deps", "--format", "json", "--max-time", "600").json()
    assert report["summary"]["complete"] is True
    assert report["summary"]["files_not_scanned"] == 0


def test_bounds_in_the_configuration_are_validated(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    (tmp_path / "licensetier.toml").write_text('max_time = "soon"\n', encoding="utf-8")
    run = run_cli("scan", tmp_path, "--no-deps")
    assert run.exit_code == 2
    assert "licensetier.toml:1" in run.stderr
    assert "max_time" in run.stderr
    run = run_cli("scan", tmp_path, "--no-deps", "--max-memory", "lots")
    assert run.exit_code == 2
    assert "--max-memory" in run.stderr


def test_every_report_says_a_scan_is_incomplete(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    (tmp_path / "a.py").write_text("print('hello')\n", encoding="utf-8")
    common = ("scan", tmp_path, "--no-deps", "--no-cache", "--max-time", "1e-9")
    text = run_cli(*common).stdout
    assert "INCOMPLETE: 1 file not scanned within the time budget" in text
    markdown = run_cli(*common, "--format", "markdown").stdout
    assert "INCOMPLETE: 1 file not scanned in time" in markdown
    sarif = json.loads(run_cli(*common, "--format", "sarif").stdout)
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False
    written = run_cli(*common, "--format", "json", "-o", tmp_path / "report.json")
    assert "INCOMPLETE: 1 file not scanned within the time budget" in written.stderr


def test_globs_built_to_make_a_regex_engine_backtrack_do_not_stall_the_scan(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """The repository's own configuration and REUSE.toml hold path globs; a glob of
    many wildcards takes a backtracking engine minutes per path (measured: 46 s for
    one 250-character path with five). Both are matched in linear time."""
    from tests.conftest import make_git_repo

    name = "a" * 250  # no extension: a backtracking engine fails fast on ".py"
    (tmp_path / "licensetier.toml").write_text(
        f'exclude = ["{"*a" * 6}b"]\n\n[[exceptions]]\npath = "{"*a" * 6}b"\n'
        'license = "AGPL-3.0-only"\nreason = "x"\nexpires = "2099-01-01"\n',
        encoding="utf-8",
    )
    (tmp_path / "REUSE.toml").write_text(
        f'version = 1\n\n[[annotations]]\npath = "{"**a" * 30}b"\n'
        'SPDX-License-Identifier = "MIT"\n',
        encoding="utf-8",
    )
    (tmp_path / name).write_text("# SPDX-License-Identifier: AGPL-3.0-only\n", encoding="utf-8")
    make_git_repo(tmp_path)
    run = run_cli("scan", tmp_path, "--no-deps", "--kind", "sdk", "--format", "json")
    assert run.exit_code in (0, 1), run.stderr
    (finding,) = [f for f in run.json()["findings"] if f["path"] == name]
    assert finding["rule"] == "component-copyleft-network"
    assert finding["excepted"] is None  # the glob does not match: checked, in no time
