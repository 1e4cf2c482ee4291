"""Which files at an artifact's root declare its license: the license files of
:func:`licensetier.paths.is_license_file_name`, the same names the dependency readers
take as a package's license files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import Run, make_git_repo

MIT_TEXT = """MIT License

Copyright (c) 2024 Example

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


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
