"""What changed: --staged (git's index), --diff-base REF with license drift, baselines,
and the GitHub annotations, on real git repositories built in tmp_path."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, Run, git

AGPL_FILE = FIXTURES / "sdk-vendors-agpl" / "vendor" / "tracker" / "tracker.py"


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def rules(report: dict[str, Any], *, existing: bool | None = None) -> list[tuple[str, str]]:
    return sorted(
        (f["rule"], f["path"])
        for f in report["findings"]
        if f["severity"] != "info" and (existing is None or f["existing"] is existing)
    )


def relicense(repo: Path, name: str, version: str, license_: str) -> None:
    lock = repo / "package-lock.json"
    data = json.loads(lock.read_text())
    entry = data["packages"][f"node_modules/{name}"]
    entry.update(version=version, license=license_)
    lock.write_text(json.dumps(data, indent=2) + "\n")


@pytest.fixture
def npm_repo(fixture_repo: Callable[..., Path]) -> Path:
    return fixture_repo("sdk-npm-dependencies")


# -- --staged -----------------------------------------------------------------------


def test_staged_scans_the_index_not_the_work_tree(
    npm_repo: Path, run_cli: Callable[..., Run]
) -> None:
    (npm_repo / "src").joinpath("tracker.py").write_bytes(AGPL_FILE.read_bytes())
    git(npm_repo, "add", "src/tracker.py")
    # after staging, the work tree's copy loses its license: the index's content counts
    (npm_repo / "src" / "tracker.py").write_text("print('no license here')\n")
    (npm_repo / "src" / "unstaged.py").write_bytes(AGPL_FILE.read_bytes())
    run = run_cli("scan", npm_repo, "--staged", "--offline", "--format", "json")
    report = run.json()
    assert run.exit_code == 1
    assert rules(report) == [("component-copyleft-network", "src/tracker.py")]
    assert [f["path"] for f in report["files"]] == ["src/tracker.py"]
    # the AGPL dependency of the unchanged lockfile is not this commit's business
    assert report["dependencies"] == []


def test_a_staged_configuration_change_checks_the_whole_index(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """A commit that changes licensetier's configuration changes every verdict: the
    hook checks the whole index then, not only the staged files; a pyproject.toml
    change outside [tool.licensetier] is an ordinary staged file."""
    repo = tmp_path / "repo"
    (repo / "vendor").mkdir(parents=True)
    (repo / "vendor" / "tracker.py").write_bytes(AGPL_FILE.read_bytes())
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "acme"\nversion = "1.0"\n', encoding="utf-8"
    )
    git(repo, "init", "-q")
    commit(repo, "no tier declared: nothing is checked")

    def staged() -> tuple[int, list[tuple[str, str]]]:
        run = run_cli("scan", repo, "--staged", "--offline", "--format", "json")
        return run.exit_code, rules(run.json())

    # a dependency added: only pyproject.toml's own findings
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "acme"\nversion = "1.0"\ndependencies = []\n', encoding="utf-8"
    )
    git(repo, "add", "pyproject.toml")
    assert staged() == (0, [])
    commit(repo, "dependencies")

    # the tier declared in pyproject.toml: the committed AGPL file now conflicts
    with (repo / "pyproject.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[[tool.licensetier.artifacts]]\npath = "."\nkind = "sdk"\n')
    git(repo, "add", "pyproject.toml")
    code, found = staged()
    assert (code, ("component-copyleft-network", "vendor/tracker.py") in found) == (1, True)
    git(repo, "reset", "-q", "pyproject.toml")
    git(repo, "checkout", "--", "pyproject.toml")

    # the same in licensetier.toml
    (repo / "licensetier.toml").write_text(
        '[[artifacts]]\npath = "."\nkind = "sdk"\n', encoding="utf-8"
    )
    git(repo, "add", "licensetier.toml")
    code, found = staged()
    assert (code, ("component-copyleft-network", "vendor/tracker.py") in found) == (1, True)


def test_staged_lockfile_rechecks_its_dependencies(
    npm_repo: Path, run_cli: Callable[..., Run]
) -> None:
    relicense(npm_repo, "chartkit", "2.0.0", "BUSL-1.1")
    git(npm_repo, "add", "package-lock.json")
    report = run_cli("scan", npm_repo, "--staged", "--offline", "--format", "json").json()
    assert ("dependency-source-available", "package.json") in rules(report)
    chartkit = next(d for d in report["dependencies"] if d["name"] == "chartkit")
    assert (chartkit["version"], chartkit["license"]) == ("2.0.0", "BUSL-1.1")
    # installed copies are still found in the work tree
    mystery = next(d for d in report["dependencies"] if d["name"] == "mystery-lib")
    assert mystery["license_source"] == "installed"


def test_staged_with_nothing_staged_passes(npm_repo: Path, run_cli: Callable[..., Run]) -> None:
    run = run_cli("scan", npm_repo, "--staged", "--offline", "--format", "json")
    assert run.exit_code == 0
    assert run.json()["files"] == []


def test_staged_outside_git_is_a_usage_error(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("clean-sdk", git_repo=False)
    run = run_cli("scan", repo, "--staged")
    assert run.exit_code == 2
    assert "--staged needs a git repository" in run.stderr


# -- --diff-base and license drift ------------------------------------------------------


def test_diff_base_fails_only_on_what_is_new_and_reports_drift(
    npm_repo: Path, run_cli: Callable[..., Run]
) -> None:
    base = git(npm_repo, "rev-parse", "HEAD").strip()
    git(npm_repo, "checkout", "-q", "-b", "feature")
    (npm_repo / "src" / "tracker.py").write_bytes(AGPL_FILE.read_bytes())
    relicense(npm_repo, "chartkit", "2.0.0", "BUSL-1.1")
    commit(npm_repo, "add tracker, bump chartkit")

    run = run_cli("scan", npm_repo, "--diff-base", base, "--offline", "--format", "json")
    report = run.json()
    assert run.exit_code == 1
    assert rules(report, existing=False) == [
        ("component-copyleft-network", "src/tracker.py"),
        ("dependency-license-drift", "package.json"),
        ("dependency-source-available", "package.json"),
    ]
    assert rules(report, existing=True) == [
        ("dependency-copyleft-network", "package-lock.json"),
        ("dependency-copyleft-strong", "package.json"),
    ]
    (drift,) = [f for f in report["findings"] if f["rule"] == "dependency-license-drift"]
    assert drift["severity"] == "error"
    assert drift["dependency"] == "pkg:npm/chartkit@2.0.0"
    assert "chartkit@1.2.3 is MIT OR GPL-3.0-only (permissive)" in drift["message"]
    assert "chartkit@2.0.0 is BUSL-1.1 (source-available)" in drift["message"]
    # the 2 above and the SDK's open-readiness infos (readiness-contributing, -trademark)
    assert any("4 findings were there already" in n for n in report["notes"])

    # only the existing ones left: the run passes
    (npm_repo / "src" / "tracker.py").unlink()
    relicense(npm_repo, "chartkit", "1.2.3", "(MIT OR GPL-3.0-only)")
    commit(npm_repo, "revert")
    run = run_cli("scan", npm_repo, "--diff-base", base, "--offline")
    assert run.exit_code == 0, run.stdout
    assert "Existing before, not failing (4)" in run.stdout  # with the 2 readiness infos


def test_a_license_that_gets_better_is_no_drift(
    npm_repo: Path, run_cli: Callable[..., Run]
) -> None:
    base = git(npm_repo, "rev-parse", "HEAD").strip()  # netcore 1.4.0 is AGPL-3.0-only
    relicense(npm_repo, "netcore", "2.0.0", "MIT")
    commit(npm_repo, "netcore moved to MIT")
    report = run_cli("scan", npm_repo, "--diff-base", base, "--offline", "--format", "json").json()
    assert [f for f in report["findings"] if f["rule"] == "dependency-license-drift"] == []


def test_unknown_diff_base_is_a_usage_error(npm_repo: Path, run_cli: Callable[..., Run]) -> None:
    run = run_cli("scan", npm_repo, "--diff-base", "no-such-ref", "--offline")
    assert run.exit_code == 2
    assert "'no-such-ref' is not a commit" in run.stderr


# -- baselines -----------------------------------------------------------------------


def test_baseline_records_findings_and_later_scans_fail_only_on_new_ones(
    npm_repo: Path, run_cli: Callable[..., Run]
) -> None:
    written = run_cli("baseline", npm_repo, "--offline")
    assert written.exit_code == 0, written.stderr
    baseline = npm_repo / "licensetier-baseline.json"
    data = json.loads(baseline.read_text())
    assert data["licensetier_baseline"] == 1
    assert sorted((e["rule"], e["dependency"]) for e in data["findings"]) == [
        ("dependency-copyleft-network", "pkg:npm/netcore@1.4.0"),
        ("dependency-copyleft-strong", "pkg:npm/gpl-test-runner@3.0.0"),
    ]
    assert "wrote 2 findings" in written.stderr
    # the baseline names licenses as data: it is not a component of the SDK
    run = run_cli("scan", npm_repo, "--offline", "--baseline", baseline, "--format", "json")
    assert run.exit_code == 0
    assert rules(run.json(), existing=False) == []
    # a version update that keeps the license keeps the finding baselined
    relicense(npm_repo, "netcore", "1.4.1", "AGPL-3.0-only")
    assert run_cli("scan", npm_repo, "--offline", "--baseline", baseline).exit_code == 0
    # a new finding fails
    (npm_repo / "src" / "tracker.py").write_bytes(AGPL_FILE.read_bytes())
    run = run_cli("scan", npm_repo, "--offline", "--baseline", baseline, "--format", "json")
    assert run.exit_code == 1
    assert rules(run.json(), existing=False) == [("component-copyleft-network", "src/tracker.py")]


def test_a_file_that_is_not_a_baseline_is_named(
    npm_repo: Path, run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    bad = tmp_path / "baseline.json"
    bad.write_text('{"findings": [}\n')
    run = run_cli("scan", npm_repo, "--offline", "--baseline", bad)
    assert run.exit_code == 2
    assert f"{bad}:1" in run.stderr
    assert "not a baseline file" in run.stderr


# -- annotations and --also ------------------------------------------------------------


def test_github_annotations_and_also_outputs(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    repo = fixture_repo("sdk-vendors-agpl")
    also = tmp_path / "report.json"
    run = run_cli("scan", repo, "--format", "github", "--offline", "--also", f"json={also}")
    assert run.exit_code == 1
    error = next(line for line in run.stdout.splitlines() if line.startswith("::error "))
    assert error.startswith(
        "::error file=vendor/tracker/tracker.py,line=3,title=component-copyleft-network::"
    )
    report = json.loads(also.read_text())
    assert [f["path"] for f in report["findings"] if f["severity"] == "error"] == [
        "vendor/tracker/tracker.py"
    ]
    bad = run_cli("scan", repo, "--also", "pdf=x.pdf")
    assert bad.exit_code == 2
    assert "FORMAT=FILE" in bad.stderr


def test_github_annotations_escape_workflow_command_characters() -> None:
    from licensetier.models import Finding, ScanResult, Severity
    from licensetier.reporters.github import render

    finding = Finding(
        severity=Severity.WARNING,
        rule="component-unknown",
        message="50% sure:\nline two",
        why="",
        action="",
        path="dir,with:odd/name.py",
        line=7,
        license=None,
        family=None,
        strength=None,
        artifact=".",
        tier=None,
    )
    result = ScanResult("/r", (), (), (), (finding,), ())
    assert render(result) == (
        "::warning file=dir%2Cwith%3Aodd/name.py,line=7,title=component-unknown::"
        "50%25 sure:%0Aline two\n"
    )


def test_copying_the_fixture_keeps_the_agpl_text() -> None:
    # the tests above rely on ScanCode finding AGPL in this file at line 3
    assert "GNU Affero General Public License" in AGPL_FILE.read_text()
    assert shutil.which("git")


def test_sarif_marks_what_existed_at_the_diff_base(
    npm_repo: Path, run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    import jsonschema

    from tests.conftest import REPO

    base = git(npm_repo, "rev-parse", "HEAD").strip()
    (npm_repo / "src" / "tracker.py").write_bytes(AGPL_FILE.read_bytes())
    commit(npm_repo, "add tracker")
    out = tmp_path / "out.sarif"
    run_cli("scan", npm_repo, "--diff-base", base, "--offline", "--format", "sarif", "-o", out)
    sarif = json.loads(out.read_text())
    schema = json.loads((REPO / "tests/data/schemas/sarif-schema-2.1.0.json").read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(sarif)
    states = {r["ruleId"]: r["baselineState"] for r in sarif["runs"][0]["results"]}
    assert states["component-copyleft-network"] == "new"
    assert states["dependency-copyleft-network"] == "unchanged"


def test_staged_scan_reuses_the_reference_step_of_a_full_scan(
    tmp_path: Path, run_cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A README that points at the LICENSE file gets the LICENSE's detections through
    ScanCode's reference step, which needs the index. The staged view holds only the
    staged file and the declarations, yet the step's outcome for the README is the
    full scan's: it is remembered per file, so the staged scan does not load the index."""
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "LICENSE").write_bytes((FIXTURES / "sdk-npm-dependencies" / "LICENSE").read_bytes())
    (repo / "README.md").write_text(
        "# tool\n\nThis project is licensed under the MIT License - see the LICENSE file "
        "for details.\n",
        encoding="utf-8",
    )
    for n in range(3):
        (repo / "src" / f"m{n}.py").write_text(f"X = {n}\n", encoding="utf-8")
    # a file with a detection elsewhere, which the staged view does not hold
    (repo / "src" / "m0.py").write_text("# SPDX-License-Identifier: MIT\nX = 0\n")
    git(repo, "init", "-q")
    commit(repo, "start")
    full = run_cli("scan", repo, "--offline", "--format", "json").json()
    readme = {f["path"]: f for f in full["files"]}["README.md"]
    assert readme["scancode_license"] == "mit"
    # the LICENSE's whole-text match, added to the README's detection by the reference
    rules = [m["rule"] for d in readme["detections"] for m in d["matches"]]
    assert "mit.LICENSE" in rules, rules
    (repo / "src" / "m1.py").write_text("X = 'changed'\n", encoding="utf-8")
    git(repo, "add", "src/m1.py")
    ran: list[object] = []
    monkeypatch.setattr(
        "licensetier.detect.reference_cache.follow_references", lambda *a: ran.append(a) or {}
    )
    staged = run_cli("scan", repo, "--staged", "--offline", "--format", "json").json()
    assert ran == []  # the README's outcome came from the cache
    assert "index_load_seconds" not in staged["tool"]
    assert [f["path"] for f in staged["files"]] == ["src/m1.py"]
    # a staged change of the LICENSE the README points at: its outcome is computed again
    (repo / "LICENSE").write_text("Copyright (c) 2026 Someone\n\n" + (repo / "LICENSE").read_text())
    git(repo, "add", "LICENSE")
    run_cli("scan", repo, "--staged", "--offline", "--format", "json")
    assert len(ran) == 1


def test_staged_sbom_checksums_are_those_of_the_staged_content(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """An SBOM of --staged describes the index's content: each file's SHA-1 is that of
    the staged blob, not of the work tree's copy changed since."""
    import hashlib

    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "README.md").write_text("A project.\n", encoding="utf-8")
    git(repo, "init", "-q")
    commit(repo, "start")
    staged = b"# SPDX-License-Identifier: MIT\nA = 1\n"
    (repo / "src" / "a.py").write_bytes(staged)
    git(repo, "add", "src/a.py")
    (repo / "src" / "a.py").write_bytes(b"# SPDX-License-Identifier: MIT\nB = 2\n")
    want = hashlib.sha1(staged).hexdigest()

    run = run_cli("scan", repo, "--staged", "--offline", "--format", "spdx")
    document = json.loads(run.stdout)
    (entry,) = [f for f in document["files"] if f["fileName"] == "./src/a.py"]
    assert entry["checksums"] == [{"algorithm": "SHA1", "checksumValue": want}]

    run = run_cli("scan", repo, "--staged", "--offline", "--format", "cyclonedx")
    bom = json.loads(run.stdout)
    (component,) = [c for c in bom["components"] if c.get("name") == "src/a.py"]
    assert component["hashes"] == [{"alg": "SHA-1", "content": want}]

    # the same through --also; and a scan of the work tree gives the work tree's
    also = tmp_path / "also.spdx.json"
    run_cli("scan", repo, "--staged", "--offline", "--format", "json", "--also", f"spdx={also}")
    document = json.loads(also.read_text(encoding="utf-8"))
    (entry,) = [f for f in document["files"] if f["fileName"] == "./src/a.py"]
    assert entry["checksums"][0]["checksumValue"] == want
    work_tree = hashlib.sha1((repo / "src" / "a.py").read_bytes()).hexdigest()
    run = run_cli("scan", repo, "--diff-base", "HEAD", "--offline", "--format", "spdx")
    document = json.loads(run.stdout)
    (entry,) = [f for f in document["files"] if f["fileName"] == "./src/a.py"]
    assert entry["checksums"][0]["checksumValue"] == work_tree


def test_a_staged_scan_judges_with_the_readme_and_reuse_data_a_full_scan_reads(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """A REUSE project: no LICENSE file, its licenses in LICENSES/, its vendored code
    annotated in REUSE.toml, its license said in the README too. A commit that stages one
    vendored file is judged as the whole scan judges it."""
    from tests.acceptance.test_declared_reasoning import text
    from tests.conftest import make_git_repo

    (tmp_path / "LICENSES").mkdir()
    (tmp_path / "LICENSES" / "MIT.txt").write_text(text("mit"), encoding="utf-8")
    (tmp_path / "REUSE.toml").write_text(
        'version = 1\n\n[[annotations]]\npath = "vendor/**"\n'
        'SPDX-License-Identifier = "AGPL-3.0-only"\n',
        encoding="utf-8",
    )
    (tmp_path / "README.rst").write_text(
        "Tool\n====\n\nLicense\n-------\n\nThis project is licensed under the terms of"
        " the MIT license.\n",
        encoding="utf-8",
    )
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "old.py").write_text("x = 1\n", encoding="utf-8")
    make_git_repo(tmp_path)
    (tmp_path / "vendor" / "new.py").write_text("y = 2\n", encoding="utf-8")
    git(tmp_path, "add", "vendor/new.py")
    flags = ("--no-deps", "--kind", "sdk", "--format", "json")
    full = run_cli("scan", tmp_path, *flags).json()
    staged = run_cli("scan", tmp_path, "--staged", *flags).json()
    assert full["artifacts"][0]["declared_license"] == "MIT"
    assert staged["artifacts"][0]["declared_license"] == "MIT"
    assert {d["path"] for d in staged["artifacts"][0]["declared_by"]} >= {
        "LICENSES/MIT.txt",
        "README.rst",
    }
    assert [(f["rule"], f["path"]) for f in staged["findings"] if f["severity"] == "error"] == [
        ("component-copyleft-network", "vendor/new.py")
    ]
