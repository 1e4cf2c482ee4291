"""The detection cache, incremental rescans, the first pass and parallel detection,
through the real CLI and the real Scanner on real git repositories.

What is asserted is what a user relies on: a rescan gives the same report; it sends
to ScanCode only files whose content is new, and loads no index when there are none;
the cache survives concurrent scans, a killed scan and a damaged file; a file that
outruns the per-file deadline is reported, not dropped.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from licensetier.cache import CACHE_FILE, DetectionCache
from licensetier.config import load_config
from licensetier.detect.engine import Engine, scancode_version
from licensetier.detect.pool import detect_all
from licensetier.license_db import LicenseDB
from licensetier.scan import Scanner
from licensetier.tiers import load_tiers
from tests.conftest import Run, git, make_git_repo

GPL_NOTICE = (
    "# This program is free software; you can redistribute it and/or modify\n"
    "# it under the terms of the GNU General Public License as published by\n"
    "# the Free Software Foundation; either version 2 of the License, or\n"
    "# (at your option) any later version.\n"
)
PLAIN_CODE = "def add(a, b):\n    return a + b\n"


def _repo(tmp_path: Path, files: int = 6) -> Path:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "LICENSE").write_text(
        "Permission is hereby granted, free of charge, to any person obtaining a copy of "
        "this software, to deal in the Software without restriction.\n"
        "SPDX-License-Identifier: MIT\n",
        encoding="utf-8",
    )
    (root / "src" / "gpl.py").write_text(GPL_NOTICE + PLAIN_CODE, encoding="utf-8")
    for n in range(files):
        (root / "src" / f"mod{n}.py").write_text(PLAIN_CODE + f"X = {n}\n", encoding="utf-8")
    (root / "src" / "apache.py").write_text(
        "# SPDX-License-Identifier: Apache-2.0\n" + PLAIN_CODE, encoding="utf-8"
    )
    return make_git_repo(root)


def _scanner(root: Path, cache: DetectionCache | None, jobs: int = 1) -> tuple[Scanner, Engine]:
    db, tiers = LicenseDB.load(), load_tiers()
    engine = Engine()
    config = load_config(root, None, db, tiers)
    return Scanner(config, db, tiers, engine=engine, cache=cache, jobs=jobs), engine


def _open(directory: Path) -> DetectionCache:
    return DetectionCache.open(
        directory, engine_version=scancode_version(), db_version=LicenseDB.load().version
    )


def _licenses(result: Any) -> dict[str, str | None]:
    return {f.path: f.license for f in result.files}


def test_rescan_reads_the_cache_and_loads_no_index(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    with _open(tmp_path / "c") as cache:
        first, engine = _scanner(root, cache)
        cold = first.scan(root)
    assert engine.loaded
    assert _licenses(cold)["src/gpl.py"] == "gpl-2.0-plus"
    assert _licenses(cold)["src/apache.py"] == "apache-2.0"
    assert _licenses(cold)["LICENSE"] is not None
    # the first pass kept the plain modules away from ScanCode; the SPDX line reader
    # (its tables written once the index was loaded for LICENSE and gpl.py) answered
    # apache.py, whose only license text is its SPDX line
    assert int(cold.engine["files_detected"]) == 2
    assert {f.path: f.engine for f in cold.files}["src/apache.py"] == "spdx"

    with _open(tmp_path / "c") as cache:
        second, engine = _scanner(root, cache)
        warm = second.scan(root)
    assert not engine.loaded, "nothing changed: ScanCode's index must not be loaded"
    assert warm.engine["files_detected"] == "0"
    assert _licenses(warm) == _licenses(cold)
    assert [f.rule for f in warm.findings] == [f.rule for f in cold.findings]


def test_only_changed_content_is_detected_again(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    with _open(tmp_path / "c") as cache:
        _scanner(root, cache)[0].scan(root)
    # a plain change (unstaged), and a change that adds license text (staged)
    (root / "src" / "mod0.py").write_text(PLAIN_CODE + "Y = 1\n", encoding="utf-8")
    (root / "src" / "mod1.py").write_text(GPL_NOTICE + PLAIN_CODE + "Z = 1\n", encoding="utf-8")
    git(root, "add", "src/mod1.py")
    (root / "src" / "new.py").write_text(GPL_NOTICE, encoding="utf-8")  # untracked
    with _open(tmp_path / "c") as cache:
        result = _scanner(root, cache)[0].scan(root)
    # mod0 is ruled out by the first pass; mod1 and new.py go to ScanCode
    assert result.engine["files_detected"] == "2"
    assert _licenses(result)["src/mod1.py"] == "gpl-2.0-plus"
    assert _licenses(result)["src/new.py"] == "gpl-2.0-plus"
    assert _licenses(result)["src/mod0.py"] is None
    # same content, another path: a cache hit
    (root / "src" / "copy.py").write_text(GPL_NOTICE + PLAIN_CODE, encoding="utf-8")
    with _open(tmp_path / "c") as cache:
        again = _scanner(root, cache)[0].scan(root)
    assert again.engine["files_detected"] == "0"
    assert _licenses(again)["src/copy.py"] == "gpl-2.0-plus"


def test_a_file_without_witness_tokens_never_reaches_scancode(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    for n in range(5):
        (root / f"m{n}.py").write_text(PLAIN_CODE, encoding="utf-8")
    scanner, engine = _scanner(make_git_repo(root), None)
    result = scanner.scan(root)
    assert result.engine["files_detected"] == "0"
    assert not engine.loaded
    assert len(result.files) == 5


def test_parallel_detection_gives_the_serial_result(tmp_path: Path) -> None:
    root = _repo(tmp_path, files=2)
    for n in range(6):
        (root / f"lic{n}.py").write_text(f"# v{n}\n" + GPL_NOTICE, encoding="utf-8")
    serial = _scanner(root, None, jobs=1)[0].scan(root)
    parallel = _scanner(root, None, jobs=2)[0].scan(root)
    assert int(parallel.engine["files_detected"]) >= 8
    assert _licenses(parallel) == _licenses(serial)
    assert [f.detections for f in parallel.files] == [f.detections for f in serial.files]


def test_a_file_past_the_deadline_is_reported_and_the_rest_is_scanned(tmp_path: Path) -> None:
    # a big notice-laden file takes ScanCode well over the 2 s deadline; it is stopped
    # (by ScanCode's own deadline, or by killing the worker after the grace) and the
    # other files still get their result
    big = tmp_path / "big.txt"
    big.write_text((GPL_NOTICE + "Copyright (c) 2001 Some One\n") * 4000, encoding="utf-8")
    small = tmp_path / "small.py"
    small.write_text("# SPDX-License-Identifier: MIT\n", encoding="utf-8")
    engine = Engine(timeout=2.0)
    import licensetier.detect.pool as pool

    saved = pool.GRACE_SECONDS
    pool.GRACE_SECONDS = 1.0
    try:
        started = time.monotonic()
        outcomes = {o.index: o for o in detect_all(engine, [str(big), str(small)], jobs=2)}
        elapsed = time.monotonic() - started
    finally:
        pool.GRACE_SECONDS = saved
    assert set(outcomes) == {0, 1}
    assert outcomes[1].detection is not None
    assert outcomes[1].detection.license == "mit"
    big_outcome = outcomes[0]
    assert (big_outcome.detection is not None and big_outcome.detection.timed_out) or (
        big_outcome.error is not None and "deadline" in big_outcome.error
    )
    assert elapsed < 60


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "licensetier.cli.main", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def test_cache_dir_option_environment_and_no_cache(
    tmp_path: Path, run_cli: Callable[..., Run], isolated_cache: Path
) -> None:
    root = _repo(tmp_path, files=1)
    explicit = tmp_path / "explicit"
    assert run_cli("scan", root, "--cache-dir", explicit, "-q").exit_code == 0
    assert (explicit / CACHE_FILE).is_file()
    assert not (isolated_cache / CACHE_FILE).exists()
    assert run_cli("scan", root, "-q").exit_code == 0  # the environment variable's place
    assert (isolated_cache / CACHE_FILE).is_file()
    nowhere = tmp_path / "nowhere"
    run = run_cli("scan", root, "--no-cache", "--cache-dir", nowhere, "--format", "json")
    assert not nowhere.exists()
    assert "cache" not in run.json()["tool"]


def test_a_damaged_cache_is_set_aside_with_a_warning(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = _repo(tmp_path, files=1)
    cache_dir = tmp_path / "c"
    assert run_cli("scan", root, "--cache-dir", cache_dir, "-q").exit_code == 0
    path = cache_dir / CACHE_FILE
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # truncated
    run = run_cli("scan", root, "--cache-dir", cache_dir, "--format", "json")
    assert run.exit_code == 0
    report = run.json()
    messages = [e["message"] for e in report["errors"]]
    assert any(str(path) in e["path"] or str(path) in e["message"] for e in report["errors"])
    assert messages
    assert list(cache_dir.glob(CACHE_FILE + ".corrupt-*"))
    licenses = {f["path"]: f["scancode_license"] for f in report["files"]}
    assert licenses["src/gpl.py"] == "gpl-2.0-plus"
    # the rebuilt cache serves the next scan without a warning
    again = run_cli("scan", root, "--cache-dir", cache_dir, "--format", "json").json()
    assert again["errors"] == []
    assert again["tool"]["files_detected"] == "0"


def test_two_scans_at_once_share_a_cache(tmp_path: Path) -> None:
    root = _repo(tmp_path, files=3)
    cache_dir = tmp_path / "c"
    args = ("scan", str(root), "--cache-dir", str(cache_dir), "--format", "json", "-j", "1")
    first, second = _cli(*args), _cli(*args)
    outputs = [p.communicate(timeout=600) for p in (first, second)]
    assert first.returncode == 0, outputs[0][1]
    assert second.returncode == 0, outputs[1][1]
    reports = [json.loads(out) for out, _ in outputs]
    assert reports[0]["files"] == reports[1]["files"]
    assert reports[0]["errors"] == reports[1]["errors"] == []
    third = _cli(*args)
    out, err = third.communicate(timeout=600)
    assert json.loads(out)["tool"]["files_detected"] == "0", err


def _committed(path: Path) -> int:
    """Detections committed to the cache file so far (0 while it cannot be read)."""
    if not path.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)) as conn:
            return int(conn.execute("SELECT count(*) FROM detections").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_a_worker_past_the_hard_deadline_is_killed_and_replaced(tmp_path: Path) -> None:
    """ScanCode checks its deadline only while matching; building the query of a
    20 MB file takes seconds without a check. The worker is killed once the deadline
    and the grace have passed, the file is reported, and a new worker takes the next
    file."""
    huge = tmp_path / "huge.txt"
    huge.write_text(
        "Permission is hereby granted, free of charge, to any person obtaining a copy\n" * 270_000,
        encoding="utf-8",
    )
    small = tmp_path / "small.py"
    small.write_text("# SPDX-License-Identifier: MIT\n", encoding="utf-8")
    import licensetier.detect.pool as pool

    saved = pool.GRACE_SECONDS
    pool.GRACE_SECONDS = 0.5
    try:
        started = time.monotonic()
        outcomes = {
            o.index: o for o in detect_all(Engine(timeout=0.5), [str(huge), str(small)], jobs=1)
        }
        elapsed = time.monotonic() - started
    finally:
        pool.GRACE_SECONDS = saved
    assert outcomes[0].detection is None
    assert outcomes[0].error is not None
    assert "deadline" in outcomes[0].error
    assert outcomes[1].detection is not None
    assert outcomes[1].detection.license == "mit"
    assert elapsed < 30


def test_the_first_pass_in_workers_gives_the_serial_result(tmp_path: Path) -> None:
    """From PARALLEL_FIRST_PASS files to read, the first pass runs in forked workers;
    the verdicts, and so the report, must not depend on it."""
    from licensetier.detect.files import PARALLEL_FIRST_PASS

    root = tmp_path / "wide"
    root.mkdir()
    for n in range(PARALLEL_FIRST_PASS + 20):
        text = PLAIN_CODE + f"N = {n}\n"
        if n % 50 == 0:
            text = GPL_NOTICE + text
        (root / f"m{n:04}.py").write_text(text, encoding="utf-8")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    make_git_repo(root)
    serial = _scanner(root, None, jobs=1)[0].scan(root)
    parallel = _scanner(root, None, jobs=2)[0].scan(root)
    assert _licenses(parallel) == _licenses(serial)
    assert sum(1 for v in _licenses(parallel).values() if v == "gpl-2.0-plus") == 11
    assert parallel.engine["files_detected"] == serial.engine["files_detected"] == "11"
    assert [s.path for s in parallel.skipped] == ["logo.png"]


def test_a_cache_entry_of_another_shape_is_detected_again(tmp_path: Path) -> None:
    root = _repo(tmp_path, files=1)
    blob = git(root, "rev-parse", "HEAD:src/gpl.py").strip()
    with _open(tmp_path / "c") as cache:
        cache.put(blob, "fast", {"unexpected": True})
    with _open(tmp_path / "c") as cache:
        result = _scanner(root, cache)[0].scan(root)
    assert _licenses(result)["src/gpl.py"] == "gpl-2.0-plus"
    assert result.errors == ()
    with _open(tmp_path / "c") as cache:  # and the entry was replaced
        assert cache.get_many([blob], "fast")[blob]["license"] == "gpl-2.0-plus"


def test_a_scan_that_loaded_the_index_keeps_its_exit_code_and_reports(tmp_path: Path) -> None:
    """The command leaves without freeing its objects one by one (ScanCode's index
    once loaded: licensetier.cli.main.main): its exit code, its output on stdout, the
    files it wrote and the cache must all be whole, with the index loaded or not."""
    root = _repo(tmp_path, files=1)
    cache_dir, sarif = tmp_path / "c", tmp_path / "out.sarif"
    args = ["scan", str(root), "--cache-dir", str(cache_dir), "--kind", "sdk"]
    scan = _cli(*args, "--format", "json", "--also", f"sarif={sarif}")
    out, err = scan.communicate(timeout=600)
    assert scan.returncode == 1, err  # the GPL file conflicts with an SDK's tier
    report = json.loads(out)
    assert report["tool"]["index_load_seconds"]  # the index was loaded
    assert {f["path"]: f["scancode_license"] for f in report["files"]}["src/gpl.py"] == (
        "gpl-2.0-plus"
    )
    assert json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert _committed(cache_dir / CACHE_FILE) >= 3
    again = _cli(*args, "--format", "json")
    out, err = again.communicate(timeout=600)
    assert again.returncode == 1, err
    assert json.loads(out)["tool"]["files_detected"] == "0"
