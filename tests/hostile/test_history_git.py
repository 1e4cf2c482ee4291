"""``licensetier history`` runs nothing a hostile repository configures: its git
configuration names the marker for every program git could run while reading a log
and blobs (fsmonitor, hooks, diff drivers and textconv, filters, external diff, pager),
and asks for rename following; the history is still read, and the marker never ran."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.acceptance.test_history import shared_cache
from tests.conftest import git, make_git_repo
from tests.hostile.conftest import Marker


def test_history_runs_nothing_the_repository_configures(
    tmp_path: Path, marker: Marker, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from licensetier.cli.main import cli

    root = tmp_path / "repo"
    root.mkdir()
    (root / "LICENSE").write_text("SPDX-License-Identifier: MIT\n", encoding="utf-8")
    make_git_repo(root)
    (root / "LICENSE").write_text("SPDX-License-Identifier: BUSL-1.1\n", encoding="utf-8")
    (root / ".gitattributes").write_text("LICENSE* filter=evil diff=evil\n", encoding="utf-8")
    (root / "COPYING").symlink_to("/etc/passwd")  # a link is never followed
    git(root, "add", "-A")
    # a name longer than any file system allows, only in git's tree
    blob = git(root, "hash-object", "-w", "LICENSE").strip()
    git(root, "update-index", "--add", "--cacheinfo", f"100644,{blob},LICENSE-{'x' * 300}")
    git(root, "commit", "-q", "-m", "relicense")
    program = marker.shell()
    for key, value in (
        ("core.fsmonitor", program),
        ("core.hooksPath", str(marker.program.parent)),
        ("core.pager", program),
        ("diff.external", program),
        ("diff.evil.textconv", program),
        ("diff.evil.command", program),
        ("filter.evil.clean", program),
        ("filter.evil.smudge", program),
        ("filter.evil.process", program),
        ("filter.evil.required", "true"),
        ("log.follow", "true"),
        ("log.showSignature", "true"),
        ("gpg.program", program),
    ):
        git(root, "config", key, value)
    for hook in ("post-checkout", "pre-auto-gc", "reference-transaction"):
        (marker.program.parent / hook).write_bytes(marker.program.read_bytes())
        (marker.program.parent / hook).chmod(0o755)
    cache = shared_cache(tmp_path_factory)
    result = CliRunner().invoke(
        cli, ["history", str(root), "--format", "json", "--cache-dir", str(cache)]
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(e["path"][:12], e["kind"], e["new"]["expression"]) for e in report["events"]] == [
        ("LICENSE", "added", "MIT"),
        ("COPYING", "added", None),
        ("LICENSE", "changed", "BUSL-1.1"),
        ("LICENSE-xxxx", "added", None),
    ]
    assert report["events"][2]["warning"]
    assert [(p["path"][:12], p["message"]) for p in report["problems"]] == [
        ("COPYING", "not a regular file in git (mode 120000): not read"),
        ("LICENSE-xxxx", "not read: File name too long"),
    ]
    assert not marker.ran
