"""Following "see the LICENSE file" references, as ``scancode --license`` does."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from licensetier.detect.engine import Engine
from licensetier.detect.references import follow_references, walk_order_key
from tests.conftest import Run


def test_walk_order_is_scancode_bottom_up_order() -> None:
    # Codebase.walk(topdown=False): in each directory, files first, then each
    # subdirectory after its own contents; each group by case-insensitive name.
    paths = ["b/z.py", "a.py", "B.txt", "a/x/y.py", "a/b.py", "c.py", "a/Z.py"]
    assert sorted(paths, key=walk_order_key) == [
        "a.py",
        "B.txt",
        "c.py",
        "a/b.py",
        "a/Z.py",
        "a/x/y.py",
        "b/z.py",
    ]


def test_nothing_to_follow_costs_nothing() -> None:
    assert follow_references({}, "root") == {}
    assert follow_references({"a.py": (), "b.py": []}, "root") == {}


def _scancode(tree: Path, out: Path) -> dict[str, Any]:
    # ScanCode's CLI, started so that it loads under pluggy 1.6+ (its console script
    # does not)
    scancode = [sys.executable, "-m", "licensetier.detect.plugin_compat"]
    subprocess.run(
        [*scancode, "--license", "--json", str(out), "-n", "1", "--quiet", tree.name],
        cwd=tree.parent,
        check=True,
        capture_output=True,
    )
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report


@pytest.mark.slow
def test_same_licenses_as_the_scancode_cli(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    tree = fixture_repo("references", git_repo=False)
    expected = _scancode(tree, tmp_path / "scancode.json")
    prefix = tree.name + "/"
    theirs = {f["path"].removeprefix(prefix): f for f in expected["files"] if f["type"] == "file"}
    # The full engine, as `scancode --license` runs it: this test is about the
    # codebase-level step that follows references, not about the fast path.
    run = run_cli("scan", tree, "--format", "json", "--full-detection")
    report = run.json()
    assert report["errors"] == []
    ours = {f["path"]: f for f in report["files"]}

    assert set(ours) == set(theirs)
    for path, mine in sorted(ours.items()):
        sc = theirs[path]
        assert mine["scancode_license"] == sc["detected_license_expression"], path
        assert mine["license"] == sc["detected_license_expression_spdx"], path
        assert [d["scancode_license"] for d in mine["detections"]] == [
            d["license_expression"] for d in sc["license_detections"]
        ], path
        assert [[m["rule"] for m in d["matches"]] for d in mine["detections"]] == [
            [m["rule_identifier"] for m in d["matches"]] for d in sc["license_detections"]
        ], path

    # Not vacuous: the references were there, and following them changed the result.
    engine = Engine(fast=False)
    for path in ("main.py", "lib/util.py"):
        alone = engine.detect_file(tree / path)
        assert alone.license == "unknown-license-reference", path
        assert ours[path]["scancode_license"] != alone.license, path
    assert ours["main.py"]["scancode_license"] == "apache-2.0"  # "see LICENSE"
    assert ours["lib/util.py"]["scancode_license"] == "mit"  # "see COPYING", at the root
    assert ours["lib/util.py"]["detections"][0]["matches"][0]["scancode_license"] == (
        "unknown-license-reference"
    )
    # A reference to a file that is not there stays what the file itself says.
    assert ours["lib/orphan.py"]["scancode_license"] == "unknown-license-reference"
    assert ours["lib/tagged.py"]["scancode_license"] == "mit"


def test_the_step_says_what_each_file_looked_up(fixture_repo: Callable[..., Path]) -> None:
    """What the scanner keys a file's remembered outcome on: the files ScanCode looked
    up for it, found or not (beside it, then at the root)."""
    tree = fixture_repo("references", git_repo=False)
    engine = Engine(fast=False)
    raw: dict[str, list[dict[str, Any]]] = {}
    for path in ("LICENSE", "COPYING", "main.py", "lib/util.py", "lib/orphan.py"):
        raw[path] = list(engine.detect_file(tree / path).raw_detections)
    looked_up: dict[str, set[str]] = {}
    followed = follow_references(
        raw, tree.name, ["main.py", "lib/util.py", "lib/orphan.py"], looked_up
    )
    assert followed["main.py"].license == "apache-2.0"
    assert "LICENSE" in looked_up["main.py"]
    # "see COPYING" from lib/: looked up beside it first (not there), then at the root
    assert {"lib/COPYING", "COPYING"} <= looked_up["lib/util.py"]
    assert looked_up["lib/orphan.py"]  # looked up, found nothing
    assert "lib/orphan.py" not in followed
