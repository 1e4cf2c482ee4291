"""An SDK under the Business Source License whose every file carries its SPDX header:
one finding for the 30 files in text, JSON and SARIF, the vendored GPL file apart; a
file added since --diff-base, or staged for the pre-commit hook, one new finding."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import licensedcode
import pytest

from tests.conftest import Run, git, make_git_repo

LICENSES = Path(licensedcode.__file__).parent / "data" / "licenses"

PARAMETERS = """\
Parameters

Licensor:             Acme Corp.
Licensed Work:        Acme SDK 1.0
                      The Licensed Work is (c) 2026 Acme Corp.
Additional Use Grant: None
Change Date:          2030-12-01
Change License:       Mozilla Public License 2.0

-----------------------------------------------------------------------------

"""
HEADER = "# Copyright 2026 Acme Corp.\n# SPDX-License-Identifier: BUSL-1.1\n"
RULE = "declared-own-files"


def own(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f'"""{path.stem}."""\n\nNAME = "{path.stem}"\n', encoding="utf-8")


@pytest.fixture
def busl_sdk(tmp_path: Path) -> Path:
    repo = tmp_path / "acme-sdk"
    repo.mkdir()
    raw = (LICENSES / "bsl-1.1.LICENSE").read_text(encoding="utf-8")  # ScanCode's text
    head, _sep, terms = raw.split("---\n", 2)[2].partition("Terms")
    (repo / "LICENSE").write_text(head + PARAMETERS + "Terms" + terms, encoding="utf-8")
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "acme-sdk"\nversion = "1.0.0"\nlicense = "BUSL-1.1"\n\n'
        '[[tool.licensetier.artifacts]]\npath = "."\nkind = "sdk"\n',
        encoding="utf-8",
    )
    for i in range(30):
        own(repo / "src" / "acme" / f"m{i:02}.py")
    vendored = repo / "vendor" / "gplthing" / "lib.c"
    vendored.parent.mkdir(parents=True)
    vendored.write_text("// SPDX-License-Identifier: GPL-3.0-only\nint x;\n", encoding="utf-8")
    return make_git_repo(repo)


def rolled(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule"] == RULE]


def test_thirty_headers_are_one_finding_and_a_new_file_one_more(
    busl_sdk: Path,
    tmp_path: Path,
    run_cli: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text_out, sarif_out = tmp_path / "report.txt", tmp_path / "report.sarif"
    run = run_cli(
        "scan", busl_sdk, "--no-deps", "-j", "1", "--format", "json",
        "--also", f"text={text_out}", "--also", f"sarif={sarif_out}",
    )  # fmt: skip
    assert run.exit_code == 1, run.stderr
    report = run.json()
    (finding,) = rolled(report)
    assert (finding["count"], finding["severity"], finding["path"]) == (30, "error", "LICENSE")
    assert finding["license"] == "BUSL-1.1"
    assert finding["paths"] == [f"src/acme/m{i:02}.py" for i in range(30)]
    assert finding["sample"] == finding["paths"][:5]
    per_file = [f for f in report["findings"] if f["rule"].startswith("component-")]
    assert [f["path"] for f in per_file] == ["vendor/gplthing/lib.c"]  # not the own license
    assert report["summary"]["errors"] == 3  # the 30 files, the LICENSE, the GPL file

    text = text_out.read_text(encoding="utf-8")
    assert text.count("ERROR declared-own-files") == 1
    assert '30 files of artifact "." (sdk, typically-open) carry its own license BUSL-1.1' in text
    assert "src/acme/m29.py" not in text  # in the JSON (and --verbose), not in the report
    assert "3 errors" in text.splitlines()[-1]

    (result,) = [
        r for r in json.loads(sarif_out.read_text("utf-8"))["runs"][0]["results"]
        if r["ruleId"] == RULE
    ]  # fmt: skip
    assert result["properties"]["count"] == 30
    assert result["message"]["text"].startswith("30 files")
    assert len(result["relatedLocations"]) == 30

    # a file added since the commit: one new finding of one file, the 30 existing
    own(busl_sdk / "src" / "acme" / "new.py")
    run = run_cli(
        "scan", busl_sdk, "--no-deps", "-j", "1", "--diff-base", "HEAD", "--format", "json"
    )
    assert run.exit_code == 1, run.stderr
    by_state = {f["existing"]: f for f in rolled(run.json())}
    assert by_state[True]["count"] == 30
    assert (by_state[False]["count"], by_state[False]["paths"]) == (1, ["src/acme/new.py"])

    # the same file staged, as the pre-commit hook sees it
    git(busl_sdk, "add", "src/acme/new.py")
    monkeypatch.chdir(busl_sdk)
    run = run_cli("pre-commit", "--no-deps", "-j", "1", "--format", "json", "src/acme/new.py")
    assert run.exit_code == 1, run.stderr
    (staged,) = rolled(run.json())
    assert (staged["count"], staged["paths"], staged["existing"]) == (1, ["src/acme/new.py"], False)
