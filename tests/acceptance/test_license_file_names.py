"""Which files at an artifact's root declare its license: the license files of
:func:`licensetier.paths.is_license_file_name`, the same names the dependency readers
take as a package's license files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import Run, make_git_repo
from tests.unit.test_declared import MIT_TEXT


def test_a_source_file_named_license_declares_nothing_and_mit_license_does(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "license.py").write_text(
        "# SPDX-License-Identifier: GPL-3.0-only\ndef check():\n    return True\n",
        encoding="utf-8",
    )
    (root / "MIT-LICENSE").write_text(MIT_TEXT, encoding="utf-8")
    make_git_repo(root)
    run = run_cli("scan", root, "--kind", "sdk", "--no-deps", "--format", "json")
    assert run.exit_code in (0, 1), run.stderr
    (artifact,) = run.json()["artifacts"]
    assert [d["path"] for d in artifact["declared_by"]] == ["MIT-LICENSE"]
    assert artifact["declared_license"] == "MIT"
