"""``licensetier history``: the license timeline of a repository built here with real
git commits (dates and authors), read through the real CLI once (module fixture)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import GIT_ENV, Run

MIT = """\
MIT License

Copyright (c) 2020 Example

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

APACHE = "SPDX-License-Identifier: Apache-2.0\n"
BUSL = "SPDX-License-Identifier: BUSL-1.1\n"


def commit(root: Path, who: str, when: str, message: str) -> None:
    env = {
        **os.environ,
        **GIT_ENV,
        "HOME": str(root),
        "GIT_AUTHOR_NAME": who,
        "GIT_AUTHOR_EMAIL": f"{who.lower()}@example.invalid",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
    }
    for args in (("add", "-A"), ("commit", "-q", "-m", message)):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def card(license_id: str) -> str:
    return f"---\nlicense: {license_id}\n---\n# A model\n"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history") / "repo"
    root.mkdir()
    subprocess.run(["git", "-c", "init.defaultBranch=main", "init", "-q"], cwd=root, check=True)
    (root / "LICENSE").write_text(MIT, encoding="utf-8")
    (root / "package.json").write_text('{"name": "x", "license": "MIT"}\n', encoding="utf-8")
    (root / "README.md").write_text(card("apache-2.0"), encoding="utf-8")
    (root / "COPYING").write_text(MIT, encoding="utf-8")
    (root / "sub").mkdir()
    (root / "sub" / "LICENSE").write_text(BUSL, encoding="utf-8")  # not watched by default
    commit(root, "Alice", "2020-01-02T10:00:00+00:00", "first")
    (root / "LICENSE").write_text(APACHE, encoding="utf-8")
    (root / "package.json").write_text('{"name": "x", "license": "Apache-2.0"}\n', "utf-8")
    commit(root, "Bob", "2021-02-03T11:00:00+00:00", "to Apache")
    (root / "LICENSE").write_text(BUSL, encoding="utf-8")
    (root / "README.md").write_text(card("llama2"), encoding="utf-8")
    commit(root, "Carol", "2022-03-04T12:00:00+01:00", "to BUSL")
    (root / "LICENSE").rename(root / "LICENSE.md")
    commit(root, "Dave", "2022-05-06T13:00:00+00:00", "rename")
    (root / "package.json").write_text('{"name": "x", "license": ', encoding="utf-8")
    (root / "LICENSE.bin").write_bytes(b"\x00\x01\x02PK\x03\x04" * 64)
    (root / "LICENSE.huge").write_text("x" * (1024 * 1024 + 10), encoding="utf-8")
    commit(root, "Eve", "2022-07-08T14:00:00+00:00", "broken manifest, binary and huge licenses")
    (root / "COPYING").unlink()
    (root / "package.json").unlink()
    commit(root, "Frank", "2023-01-01T15:00:00+00:00", "remove")
    return root


def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache directory for the session's history tests: the first pass's rule table
    (built from ScanCode's index, seconds) is built once and kept there."""
    directory = tmp_path_factory.getbasetemp() / "history-cache"
    directory.mkdir(exist_ok=True)
    return directory


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_cache(tmp_path_factory)


def invoke(*args: str | Path) -> Run:
    from licensetier.cli.main import cli

    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def report(repo: Path, cache_dir: Path) -> dict[str, Any]:
    done = invoke("history", repo, "--format", "json", "--cache-dir", cache_dir)
    assert done.exit_code == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def events(report: dict[str, Any], path: str) -> list[tuple[str, str, str | None, str | None]]:
    return [
        (
            e["kind"],
            e["author"],
            e["old"] and e["old"]["expression"],
            e["new"] and e["new"]["expression"],
        )
        for e in report["events"]
        if e["path"] == path
    ]


def test_the_license_file_timeline(report: dict[str, Any]) -> None:
    assert events(report, "LICENSE") == [
        ("added", "Alice", None, "MIT"),
        ("changed", "Bob", "MIT", "Apache-2.0"),
        ("changed", "Carol", "Apache-2.0", "BUSL-1.1"),
    ]
    assert events(report, "LICENSE.md") == [("renamed", "Dave", "BUSL-1.1", "BUSL-1.1")]
    busl = next(e for e in report["events"] if e["author"] == "Carol" and e["path"] == "LICENSE")
    assert busl["date"] == "2022-03-04T12:00:00+01:00"
    assert busl["short"] == busl["commit"][:10]
    assert len(busl["commit"]) == 40
    assert busl["email"] == "carol@example.invalid"
    assert (busl["old"]["family"], busl["new"]["family"]) == ("permissive", "source-available")
    assert busl["warning"] == (
        "the license moved from open (permissive) to source-available: Apache-2.0 -> BUSL-1.1"
    )
    renamed = events(report, "LICENSE.md")
    assert renamed
    assert next(e for e in report["events"] if e["path"] == "LICENSE.md")["old_path"] == "LICENSE"
    # a directory not asked about is not followed
    assert not events(report, "sub/LICENSE")


def test_manifest_and_model_card_changes(report: dict[str, Any]) -> None:
    assert events(report, "package.json") == [
        ("added", "Alice", None, "MIT"),
        ("changed", "Bob", "MIT", "Apache-2.0"),
        ("removed", "Eve", "Apache-2.0", None),  # it stopped parsing
    ]
    readme = events(report, "README.md")
    assert readme[0] == ("added", "Alice", None, "Apache-2.0")
    assert readme[1][:3] == ("changed", "Carol", "Apache-2.0")
    change = [e for e in report["events"] if e["path"] == "README.md"][1]
    assert change["new"]["family"] == "custom"
    assert change["file_kind"] == "model-card"
    assert change["warning"].startswith("the license moved from open (permissive) to custom")
    assert events(report, "COPYING") == [
        ("added", "Alice", None, "MIT"),
        ("removed", "Frank", "MIT", None),
    ]


def test_bad_blobs_are_problems_naming_commit_and_file(report: dict[str, Any]) -> None:
    problems = {p["path"]: (p["date"][:10], p["message"]) for p in report["problems"]}
    assert problems["package.json"][0] == "2022-07-08"
    assert "not valid JSON" in problems["package.json"][1]
    assert problems["LICENSE.huge"] == (
        "2022-07-08",
        f"{1024 * 1024 + 10} bytes, larger than the {1024 * 1024} bytes read: not read",
    )
    # a binary license file is read as ScanCode reads binaries (its strings): no license
    assert events(report, "LICENSE.bin") == [("added", "Eve", None, None)]
    assert report["warnings"] == 2
    assert report["stats"]["commits"] == 6


def test_warm_run_text_and_fail_on_change(repo: Path, cache_dir: Path, report: Any) -> None:
    done = invoke("history", repo, "--cache-dir", cache_dir, "--fail-on-change")
    assert done.exit_code == 1
    assert "(0 from the cache)" not in done.stdout
    lines = done.stdout.splitlines()
    at = lines.index("LICENSE.md  [license-file]")
    assert lines[at + 3].startswith("  2022-03-04  ")
    assert lines[at + 3].endswith("Carol  Apache-2.0 (permissive) -> BUSL-1.1 (source-available)")
    assert lines[at + 4] == (
        "    ! warning: the license moved from open (permissive) to source-available: "
        "Apache-2.0 -> BUSL-1.1"
    )
    assert "problem: commit " in done.stdout
    assert ", package.json: " in done.stdout
    since = invoke(
        "history", repo, "--cache-dir", cache_dir, "--format", "json", "--since", "2022-06-01"
    )
    assert [e["author"] for e in json.loads(since.stdout)["events"]] == [
        "Eve",
        "Eve",
        "Eve",
        "Frank",
    ]


def test_sub_directory_and_not_a_repository(repo: Path, tmp_path: Path, cache_dir: Path) -> None:
    done = invoke("history", repo / "sub", "--format", "json", "--cache-dir", cache_dir)
    assert [(e["path"], e["kind"]) for e in json.loads(done.stdout)["events"]] == [
        ("sub/LICENSE", "added")
    ]
    outside = invoke("history", tmp_path)
    assert outside.exit_code == 2
    assert "is not in a git repository" in outside.stderr
