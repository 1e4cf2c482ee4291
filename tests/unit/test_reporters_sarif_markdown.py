"""The SARIF and Markdown reporters, on ScanResults of real scans of the fixtures.

SARIF output is validated against the official OASIS SARIF 2.1.0 JSON schema
(tests/data/schemas, see its README) with the validator the schema itself declares.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from jsonschema.validators import validator_for

import licensetier
from licensetier.cache import CACHE_ENV, DetectionCache
from licensetier.config import load_config
from licensetier.deps.resolve import Options
from licensetier.detect.engine import scancode_version
from licensetier.license_db import LicenseDB
from licensetier.models import Finding, ScanError, ScanResult, Severity
from licensetier.reporters import markdown, sarif
from licensetier.rules import load_catalogue
from licensetier.scan import Scanner
from licensetier.tiers import load_tiers
from tests.conftest import FIXTURES, UNREACHABLE, make_git_repo

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "schemas" / "sarif-schema-2.1.0.json"

EXCEPTION_REASON = "Replaced by | our own HTTP core in ABC-123"
EXCEPTION = f'\n[[exceptions]]\ndependency = "netcore"\nreason = "{EXCEPTION_REASON}"\n'
BROKEN_PACKAGE_JSON = '{\n  "name": "tools",\n  "dependencies": {\n    "left-pad": \n}\n'

SCANS = ("sdk-vendors-agpl", "sdk-npm-dependencies", "tooling-python-deps", "npm-excepted")


# --- scanning the fixtures once per module -------------------------------------------------


def _copy(base: Path, fixture: str, name: str) -> Path:
    root = base / name
    shutil.copytree(FIXTURES / fixture, root)
    return root


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ScanResult]:
    """The real Scanner (offline, one worker) on real git copies of the fixtures. The
    module's own cache directory: the autouse isolation of conftest is per test."""
    base = tmp_path_factory.mktemp("repos")
    cache_dir = tmp_path_factory.mktemp("cache")
    roots = {
        name: _copy(base, name, name)
        for name in ("sdk-vendors-agpl", "sdk-npm-dependencies", "tooling-python-deps")
    }
    # sdk-npm-dependencies with an exception for its AGPL dependency and a malformed
    # package.json: an excepted finding and a scan problem with a line
    excepted = _copy(base, "sdk-npm-dependencies", "npm-excepted")
    with (excepted / "licensetier.toml").open("a", encoding="utf-8") as config:
        config.write(EXCEPTION)
    (excepted / "tools").mkdir()
    (excepted / "tools" / "package.json").write_text(BROKEN_PACKAGE_JSON, encoding="utf-8")
    roots["npm-excepted"] = excepted

    db, tiers = LicenseDB.load(), load_tiers()
    results: dict[str, ScanResult] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(CACHE_ENV, str(cache_dir))
        mp.setenv("PIP_INDEX_URL", f"{UNREACHABLE}/simple")
        mp.setenv("npm_config_registry", f"{UNREACHABLE}/")
        cache = DetectionCache.open(
            cache_dir, engine_version=scancode_version(), db_version=db.version
        )
        try:
            for name, root in roots.items():
                make_git_repo(root)
                config = load_config(root, None, db, tiers)
                scanner = Scanner(
                    config, db, tiers, cache=cache, jobs=1, deps=Options(offline=True)
                )
                results[name] = scanner.scan(root)
        finally:
            cache.close()
    return results


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _finding(result: ScanResult, rule: str, **where: object) -> Finding:
    found = [
        f
        for f in result.findings
        if f.rule == rule and all(getattr(f, k) == v for k, v in where.items())
    ]
    assert len(found) == 1, (rule, where, result.findings)
    return found[0]


def _sarif(result: ScanResult, validator: Any) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(sarif.render(result))
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    return log


def _result_for(log: dict[str, Any], rule: str) -> dict[str, Any]:
    found = [r for r in log["runs"][0]["results"] if r["ruleId"] == rule]
    assert len(found) == 1, rule
    return found[0]


# --- SARIF ---------------------------------------------------------------------------------


def test_the_vendored_schema_is_the_draft_4_oasis_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert validator_for(schema) is jsonschema.Draft4Validator
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]


def test_the_validator_rejects_what_sarif_forbids(
    scans: dict[str, ScanResult], validator: Any
) -> None:
    log = _sarif(scans["sdk-vendors-agpl"], validator)
    result = log["runs"][0]["results"][0]
    result["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    result["level"] = "info"
    log["$schema"] = "not a uri"
    messages = {e.message for e in validator.iter_errors(log)}
    assert "0 is less than the minimum of 1" in messages
    assert any("'info' is not one of" in m for m in messages)
    assert "'not a uri' is not a 'uri'" in messages


@pytest.mark.parametrize("name", SCANS)
def test_sarif_is_valid_and_mirrors_the_findings(
    scans: dict[str, ScanResult], validator: Any, name: str
) -> None:
    result = scans[name]
    log = _sarif(result, validator)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "licensetier"
    assert driver["version"] == licensetier.__version__
    assert "informationUri" not in driver

    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    assert set(ids) == {f.rule for f in result.findings}
    for rule in rules:
        assert rule["name"] == "".join(p.capitalize() for p in rule["id"].split("-"))
        assert rule["shortDescription"]["text"]
        assert rule["help"]["text"]
        assert rule["help"]["markdown"]
        # the descriptor is the catalogue's entry, the same text every finding of it carries
        entry = load_catalogue()[rule["id"]]
        assert rule["shortDescription"]["text"] == entry.summary
        assert rule["fullDescription"]["text"] == entry.text("why")
        assert entry.text("action") in rule["help"]["text"]

    assert len(run["results"]) == len(result.findings)
    for finding, res in zip(result.findings, run["results"], strict=True):
        assert res["ruleId"] == finding.rule
        assert rules[res["ruleIndex"]]["id"] == finding.rule
        assert res["level"] == sarif.LEVEL[finding.severity]
        assert res["message"]["text"] == finding.message
        location = res["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": finding.path, "uriBaseId": "%SRCROOT%"}
        if finding.line is not None:
            assert location["region"] == {"startLine": finding.line}
        assert ("suppressions" in res) == (finding.excepted is not None)

    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == Path(result.root).as_uri() + "/"
    assert run["invocations"][0]["executionSuccessful"] is True
    summary = run["properties"]["summary"]
    assert summary["errors"] == result.count(Severity.ERROR)
    assert summary["warnings"] == result.count(Severity.WARNING)


def test_the_vendored_agpl_file_is_located_on_its_line(
    scans: dict[str, ScanResult], validator: Any
) -> None:
    result = scans["sdk-vendors-agpl"]
    finding = _finding(result, "component-copyleft-network")
    assert finding.path == "vendor/tracker/tracker.py"
    assert finding.line is not None
    assert finding.line >= 1
    log = _sarif(result, validator)
    res = _result_for(log, "component-copyleft-network")
    assert res["level"] == "error"
    physical = res["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "vendor/tracker/tracker.py"
    assert physical["region"]["startLine"] == finding.line
    rule = log["runs"][0]["tool"]["driver"]["rules"][res["ruleIndex"]]
    assert rule["defaultConfiguration"]["level"] == "error"
    assert {"license", "component", "copyleft", "copyleft-network"} <= set(
        rule["properties"]["tags"]
    )


def test_levels_map_from_severities(scans: dict[str, ScanResult], validator: Any) -> None:
    log = _sarif(scans["tooling-python-deps"], validator)
    levels = {r["ruleId"]: r["level"] for r in log["runs"][0]["results"]}
    assert levels == {
        "dependency-source-available": "error",
        # the LICENSE is proprietary: its "unknown license reference" is a clue, not a
        # second license that would make the family unknown (docs/declared-licenses.md)
        "dependency-copyleft-weak": "warning",
        "dependency-unknown": "note",  # info, a development dependency one severity lower
    }
    defaults = {
        r["id"]: r["defaultConfiguration"]["level"]
        for r in log["runs"][0]["tool"]["driver"]["rules"]
    }
    assert defaults == levels


def test_fingerprints_ignore_lines_and_messages_but_not_dependencies(
    scans: dict[str, ScanResult], validator: Any
) -> None:
    result = scans["sdk-npm-dependencies"]
    netcore = _finding(result, "dependency-copyleft-network")
    moved = replace(netcore, line=(netcore.line or 0) + 12, message=netcore.message + " (moved)")
    shifted = replace(result, findings=tuple(moved if f is netcore else f for f in result.findings))

    def prints(r: ScanResult) -> dict[str, str]:
        return {
            res["ruleId"]: res["partialFingerprints"]["licensetierFinding/v1"]
            for res in _sarif(r, validator)["runs"][0]["results"]
        }

    before, after = prints(result), prints(shifted)
    assert before == after
    assert re.fullmatch(r"v1:[0-9a-f]{64}", before["dependency-copyleft-network"])
    # the line did move in the output
    lines = [
        res["locations"][0]["physicalLocation"]["region"]["startLine"]
        for res in _sarif(shifted, validator)["runs"][0]["results"]
        if res["ruleId"] == "dependency-copyleft-network"
    ]
    assert lines == [(netcore.line or 0) + 12]
    # another dependency is another finding; another version of it is the same one
    other = replace(netcore, dependency="pkg:npm/othercore@1.4.0")
    assert sarif.fingerprint(other) != sarif.fingerprint(netcore)
    updated = replace(netcore, dependency="pkg:npm/netcore@1.4.1")
    assert sarif.fingerprint(updated) == sarif.fingerprint(netcore)
    assert len(set(before.values())) == len(before)


def test_an_excepted_finding_is_suppressed_with_its_reason(
    scans: dict[str, ScanResult], validator: Any
) -> None:
    result = scans["npm-excepted"]
    finding = _finding(result, "dependency-copyleft-network")
    assert finding.excepted == EXCEPTION_REASON
    log = _sarif(result, validator)
    res = _result_for(log, "dependency-copyleft-network")
    assert res["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": EXCEPTION_REASON}
    ]
    assert res["level"] == "note"  # the exception made it information
    assert "suppressions" not in _result_for(log, "dependency-copyleft-strong")
    unexcepted = _sarif(scans["sdk-npm-dependencies"], validator)
    same = _result_for(unexcepted, "dependency-copyleft-network")
    assert res["partialFingerprints"] == same["partialFingerprints"]
    assert log["runs"][0]["properties"]["summary"]["excepted"] == 1


def test_scan_problems_are_tool_execution_notifications(
    scans: dict[str, ScanResult], validator: Any
) -> None:
    result = scans["npm-excepted"]
    assert [(e.path, e.line) for e in result.errors] == [("tools/package.json", 5)]
    log = _sarif(result, validator)
    [notification] = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notification["message"]["text"] == result.errors[0].message
    physical = notification["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "tools/package.json", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 5}


def test_findings_without_path_or_line_and_absolute_problem_paths(
    scans: dict[str, ScanResult], validator: Any
) -> None:
    result = scans["sdk-npm-dependencies"]
    warning = _finding(result, "dependency-copyleft-strong")
    no_line = replace(warning, line=None)
    no_path = replace(result.findings[0], path=None, line=None)
    odd_name = replace(warning, rule="component-unknown", path="docs/a b#c.md", dependency=None)
    changed = replace(
        result,
        findings=(no_path, no_line, odd_name),
        errors=(ScanError("/var/cache/licensetier/cache.sqlite3", "database is locked"),),
    )
    log = _sarif(changed, validator)
    first, second, third = log["runs"][0]["results"]
    # a finding about the whole artifact is placed on its manifest (code scanning drops
    # an alert without a file), with the artifact as its logical location
    assert first["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "package.json", "uriBaseId": "%SRCROOT%"}
            },
            "logicalLocations": [{"name": ".", "kind": "module"}],
        }
    ]
    assert "region" not in second["locations"][0]["physicalLocation"]
    assert third["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "docs/a%20b%23c.md"
    )
    [notification] = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "file:///var/cache/licensetier/cache.sqlite3"
    }


def test_artifact_findings_anchor_on_the_fix_and_paths_are_the_repositorys(
    scans: dict[str, ScanResult], validator: Any
) -> None:
    from licensetier.reporters import github
    from licensetier.reporters.anchors import anchor

    result = scans["sdk-npm-dependencies"]
    whole = replace(result.findings[0], path=None, line=None, artifact=".")
    # a declared-license finding: the statement that declared it, at its line
    statement = result.artifacts[0].declared[0]
    assert statement.source in ("LICENSE", "package.json")
    declared = replace(whole, rule="declared-license-mismatch")
    assert anchor(declared, result) == (statement.source, statement.line)
    # no statement, no manifest: the LICENSE the artifact should have
    bare = replace(
        result,
        artifacts=(replace(result.artifacts[0], declared=()),),
        files=tuple(f for f in result.files if f.path not in ("package.json", "package-lock.json")),
        findings=(replace(whole, rule="declared-none"), *result.findings[1:]),
    )
    assert anchor(bare.findings[0], bare) == ("LICENSE", None)

    # scanned as the sub-folder sdk/ of a repository: the paths from the repository's top
    log = json.loads(sarif.render(bare, repo_prefix="sdk/"))
    assert not list(validator.iter_errors(log))
    run = log["runs"][0]
    top = Path(result.root).parent.as_uri() + "/"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == top
    uris = [
        res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for res in run["results"]
    ]
    assert uris[0] == "sdk/LICENSE"
    assert all(uri.startswith("sdk/") for uri in uris), uris
    annotations = github.render(bare, repo_prefix="sdk/").splitlines()
    assert annotations[0].startswith("::error file=sdk/LICENSE,title=declared-none::")
    located = [line for line in annotations if line.startswith(("::error", "::warning"))]
    assert all(line.split(" ", 1)[1].startswith("file=sdk/") for line in located), located


def test_sarif_is_byte_identical_for_the_same_result(scans: dict[str, ScanResult]) -> None:
    result = scans["tooling-python-deps"]
    text = sarif.render(result)
    assert sarif.render(result) == text
    assert sarif.render(replace(result)) == text
    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


# --- Markdown ------------------------------------------------------------------------------


def _cells(row: str) -> list[str]:
    """The cells of a table row, split on unescaped pipes."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


def _tables_are_well_formed(text: str) -> None:
    """Every row of every table has as many cells as its header."""
    width = 0
    for line in text.splitlines():
        if not line.startswith("|"):
            width = 0
            continue
        cells = _cells(line)
        if width == 0:
            width = len(cells)
        assert len(cells) == width, line


def _details_are_balanced(text: str) -> None:
    depth = 0
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line == "<details>":
            depth += 1
            assert lines[i + 1].startswith("<summary>")
            assert lines[i + 1].endswith("</summary>")
            assert lines[i + 2] == ""  # GitHub renders Markdown after a blank line
        elif line == "</details>":
            depth -= 1
            assert depth >= 0
    assert depth == 0
    assert text.count("<details>") == text.count("</details>")


def _row_starting(text: str, *cells: str) -> list[str]:
    rows = [_cells(line) for line in text.splitlines() if line.startswith("|")]
    found = [r for r in rows if r[: len(cells)] == list(cells)]
    assert len(found) == 1, (cells, text)
    return found[0]


@pytest.mark.parametrize("name", SCANS)
def test_markdown_is_well_formed(scans: dict[str, ScanResult], name: str) -> None:
    text = markdown.render(scans[name])
    _tables_are_well_formed(text)
    _details_are_balanced(text)
    title = text.splitlines()[0]
    assert title.isascii()  # no emoji
    assert markdown.render(scans[name]) == text


def test_markdown_counts_and_table_for_python_dependencies(scans: dict[str, ScanResult]) -> None:
    result = scans["tooling-python-deps"]
    text = markdown.render(result)
    assert text.splitlines()[0] == "## licensetier: 1 error, 1 warning"
    for name, n in [
        ("errors", 1),
        ("warnings", 1),
        ("infos", 1),
        ("files scanned", 6),
        ("dependencies", 5),
        ("unresolved dependencies", 1),
        ("scan problems", 0),
    ]:
        assert _row_starting(text, name) == [name, str(n)]
    row = _row_starting(text, "error", "`dependency-source-available`")
    assert row[2:5] == ["`pyproject.toml:6`", "SSPL-1.0", "`pkg:pypi/fastserve@1.0.2`"]
    _row_starting(text, "warning", "`dependency-copyleft-weak`", "`uv.lock:28`")
    # the development dependency left unresolved is information, folded
    info = text.split("<summary>Information (1)</summary>")[1].split("</details>")[0]
    assert "`dependency-unknown`" in info
    assert "`pyproject.toml:11`" in info
    # why and what to do, once per rule
    guidance = text.split("<summary>Why they matter and what to do</summary>")[1]
    guidance = guidance.split("</details>")[0]
    fastserve = _finding(result, "dependency-source-available")
    assert f"- Why it matters: {fastserve.why}" in guidance
    assert guidance.count("**dependency-copyleft-weak** (warning)") == 1
    artifacts = text.split("<summary>Artifacts (1)</summary>")[1]
    assert "| `.` | commercial-tooling | rarely-open |" in artifacts


def test_markdown_rows_of_the_npm_dependencies(scans: dict[str, ScanResult]) -> None:
    result = scans["sdk-npm-dependencies"]
    netcore = _finding(result, "dependency-copyleft-network")
    assert (netcore.path, netcore.line) == ("package-lock.json", 38)
    text = markdown.render(result)
    assert text.splitlines()[0] == "## licensetier: 1 error, 1 warning"
    row = _row_starting(text, "error", "`dependency-copyleft-network`", "`package-lock.json:38`")
    assert row[3:5] == ["AGPL-3.0-only", "`pkg:npm/netcore@1.4.0`"]
    assert "netcore@1.4.0 (npm, transitive, via tiny-http@2.1.0)" in row[5]
    row = _row_starting(text, "warning", "`dependency-copyleft-strong`", "`package.json:13`")
    assert row[3] == "GPL-3.0-only"
    # errors come before warnings
    assert text.index("| error |") < text.index("| warning |")
    assert "Excepted by the configuration" not in text
    assert "Problems while scanning" not in text


def test_markdown_vendored_agpl_row(scans: dict[str, ScanResult]) -> None:
    text = markdown.render(scans["sdk-vendors-agpl"])
    assert text.splitlines()[0] == "## licensetier: 1 error, 0 warnings"
    row = _row_starting(text, "error", "`component-copyleft-network`")
    assert row[2:5] == ["`vendor/tracker/tracker.py:3`", "AGPL-3.0-or-later", "-"]


def test_markdown_excepted_findings_and_scan_problems(scans: dict[str, ScanResult]) -> None:
    text = markdown.render(scans["npm-excepted"])
    assert text.splitlines()[0] == "## licensetier: 0 errors, 1 warning, 1 scan problem"
    excepted = text.split("<summary>Excepted by the configuration (1)</summary>")[1]
    excepted = excepted.split("</details>")[0]
    row = _row_starting(excepted, "`dependency-copyleft-network`")
    # the reason's pipe is escaped: the row keeps its five cells
    assert row == [
        "`dependency-copyleft-network`",
        "`package-lock.json:38`",
        "AGPL-3.0-only",
        "`pkg:npm/netcore@1.4.0`",
        "Replaced by \\| our own HTTP core in ABC-123",
    ]
    # an excepted finding is not an error any more, nor listed as information
    assert "| error |" not in text
    information = text.partition("<summary>Information")[2].split("</details>")[0]
    assert "dependency-copyleft-network" not in information  # only open-readiness items
    problems = text.split("<summary>Problems while scanning (1)</summary>")[1]
    assert "| `tools/package.json:5` | not valid JSON" in problems


def test_markdown_escapes_pipes_newlines_and_markup(scans: dict[str, ScanResult]) -> None:
    result = scans["sdk-vendors-agpl"]
    agpl = result.findings[0]
    odd = replace(agpl, message="left | right\nnext line <b>*x*</b>", path="a|b.py")
    text = markdown.render(replace(result, findings=(odd,)))
    _tables_are_well_formed(text)
    row = _row_starting(text, "error", "`component-copyleft-network`")
    assert row[2] == "`a\\|b.py:3`"
    assert row[5] == "left \\| right<br>next line \\<b\\>\\*x\\*\\</b\\>"


def test_markdown_max_rows(scans: dict[str, ScanResult]) -> None:
    result = scans["tooling-python-deps"]
    text = markdown.render(result, max_rows=1)
    table = text.split("### Errors and warnings (2)")[1].split("<details>")[0]
    rows = [line for line in table.splitlines() if line.startswith(("| error", "| warning"))]
    assert len(rows) == 1
    assert "... and 1 more" in table
    assert "... and" not in markdown.render(result)
    assert "... and" not in markdown.render(result, max_rows=None)
    with pytest.raises(ValueError, match="max_rows"):
        markdown.render(result, max_rows=-1)
    with pytest.raises(ValueError, match="max_rows"):
        markdown.render(result, max_rows="10")


def test_markdown_for_an_empty_result_says_so() -> None:
    empty = ScanResult(
        root="/srv/empty", artifacts=(), files=(), skipped=(), findings=(), errors=()
    )
    text = markdown.render(empty)
    assert text.splitlines()[0] == "## licensetier: 0 errors, 0 warnings"
    assert "No findings: no license conflicts with the declared tiers." in text
    assert "### Errors and warnings" not in text
    assert "<details>" not in text
    assert _row_starting(text, "files scanned") == ["files scanned", "0"]


def test_markdown_without_errors_or_warnings_says_so(scans: dict[str, ScanResult]) -> None:
    result = scans["tooling-python-deps"]
    infos = tuple(f for f in result.findings if f.severity is Severity.INFO)
    text = markdown.render(replace(result, findings=infos))
    assert text.splitlines()[0] == "## licensetier: 0 errors, 0 warnings"
    assert "No errors or warnings." in text
    assert "<summary>Information (1)</summary>" in text
