"""The files under an artifact's own license, rolled up into one finding
(licensetier.rollup): what is rolled up and what is not, exceptions, --diff-base and
baselines file by file, the rule's setting, and what each report makes of it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import jsonschema
import pytest
from jsonschema.validators import validator_for

from licensetier.compare import baseline_json, mark_existing
from licensetier.config import Config, ExceptionSpec
from licensetier.fingerprint import fingerprint
from licensetier.license_db import LicenseDB
from licensetier.models import (
    Artifact,
    DeclaredLicense,
    Detection,
    FileResult,
    Finding,
    ScanResult,
    Severity,
)
from licensetier.policy import Policy, apply_exceptions, evaluate_artifact, evaluate_files
from licensetier.reporters import json_report, markdown, sarif, text
from licensetier.rollup import OWN_FILES_RULE as RULE
from licensetier.rollup import SAMPLE, roll_up
from licensetier.tiers import load_tiers
from tests.conftest import REPO

TODAY = dt.date(2026, 12, 4)
AGPL = ("agpl-3.0", "AGPL-3.0-only")


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


def file(path: str, keys: str, spdx: str, line: int = 2) -> FileResult:
    det = Detection(keys, spdx, line, line, 100.0, "1-spdx-id", "spdx-license-identifier")
    return FileResult(path, keys, spdx, (det,))


def artifact(db: LicenseDB, path: str, kind: str, keys: str, spdx: str) -> Artifact:
    """An artifact of ``kind`` whose LICENSE declares ``spdx``."""
    tier = load_tiers().kinds[kind]
    source = "LICENSE" if path == "." else f"{path}/LICENSE"
    statement = DeclaredLicense(source, "file", keys, spdx, spdx, 100.0, 1)
    policy = Policy(db, load_tiers(), Config())
    c = policy.classify(keys, tier, kind)
    return Artifact(path, kind, tier, None, (statement,), spdx, c, origin="test")


def scan(
    db: LicenseDB,
    artifacts: Sequence[Artifact],
    files: Sequence[FileResult],
    config: Config | None = None,
) -> tuple[ScanResult, Policy]:
    """The per-file findings of a scan, as Scanner.scan makes them (the artifacts'
    own findings, the files', the exceptions)."""
    policy = Policy(db, load_tiers(), config or Config())
    findings = [f for a in artifacts for f in evaluate_artifact(policy, a)]
    findings += evaluate_files(policy, files, artifacts)
    findings = apply_exceptions(findings, policy.config, db, TODAY)
    result = ScanResult(".", tuple(artifacts), tuple(files), (), tuple(findings), ())
    return result, policy


def own_files(n: int, keys: str = AGPL[0], spdx: str = AGPL[1]) -> list[FileResult]:
    return [file(f"src/m{i:02}.py", keys, spdx) for i in range(n)]


def rolled(result: ScanResult) -> list[Finding]:
    return [f for f in result.findings if f.rule == RULE]


@pytest.fixture(scope="module")
def agpl_sdk(db: LicenseDB) -> tuple[ScanResult, Policy]:
    """An AGPL SDK: 30 files with its SPDX header, one beside a permissive notice, a
    vendored GPL file, a file that adds GPL to the header, a vendored MIT file."""
    files = [
        *own_files(30),
        file("src/m99.py", "agpl-3.0 AND mit", "AGPL-3.0-only AND MIT"),
        file("vendor/gpl/lib.c", "gpl-3.0", "GPL-3.0-only"),
        file("src/mixed.py", "agpl-3.0 AND gpl-2.0", "AGPL-3.0-only AND GPL-2.0-only"),
        file("vendor/mit/x.js", "mit", "MIT"),
    ]
    return scan(db, [artifact(db, ".", "sdk", *AGPL)], files)


def test_the_files_under_the_artifact_s_own_license_are_one_finding(
    agpl_sdk: tuple[ScanResult, Policy],
) -> None:
    before, policy = agpl_sdk
    flagged = {f.path for f in before.findings if f.rule.startswith("component-")}
    assert len(flagged) == 33  # 30 headers, the one beside MIT, mixed.py, the GPL file
    after = roll_up(before, policy)
    (finding,) = rolled(after)
    assert finding.count == 31
    assert finding.severity is Severity.ERROR  # as each file's finding was
    assert (finding.path, finding.line, finding.license) == ("LICENSE", 1, "AGPL-3.0-only")
    paths = [m.path for m in finding.members]
    assert paths == sorted(paths)
    assert "src/m99.py" in paths
    assert "src/mixed.py" not in paths
    assert finding.message.startswith('31 files of artifact "." (sdk, typically-open) carry')
    assert ", ".join(paths[:SAMPLE]) + " and 26 more" in finding.message
    # a file whose other license conflicts on its own, and the vendored file, stay apart
    rest = {(f.rule, f.path) for f in after.findings if f.rule != RULE}
    assert "src/mixed.py" in {path for _, path in rest}
    assert ("component-copyleft-strong", "vendor/gpl/lib.c") in rest
    assert ("declared-copyleft", "LICENSE") in rest  # the artifact's own finding is kept
    assert after.worst() == before.worst() == Severity.ERROR.rank
    assert after.count(Severity.ERROR) == before.count(Severity.ERROR) - 30


def test_one_finding_per_artifact_and_nothing_for_a_clean_scan(db: LicenseDB) -> None:
    sub = artifact(db, "tools", "commercial-tooling", "bsl-1.1", "BUSL-1.1")
    root = artifact(db, ".", "sdk", *AGPL)
    files = [*own_files(3), file("tools/a.py", "agpl-3.0", "AGPL-3.0-only")]
    files += [file(f"tools/t{i}.py", "bsl-1.1", "BUSL-1.1") for i in range(4)]
    result, policy = scan(db, [root, sub], files)
    by_artifact = {f.artifact: f for f in rolled(roll_up(result, policy))}
    assert set(by_artifact) == {".", "tools"}
    assert by_artifact["."].count == 3  # tools/a.py is AGPL inside the tooling: not its own
    assert (by_artifact["tools"].count, by_artifact["tools"].severity) == (4, Severity.WARNING)
    assert by_artifact["tools"].path == "tools/LICENSE"
    clean, clean_policy = scan(
        db, [artifact(db, ".", "sdk", "mit", "MIT")], [file("a", "mit", "MIT")]
    )
    assert roll_up(clean, clean_policy) is clean


def test_a_reuse_project_s_files_name_the_license_of_theirs(db: LicenseDB) -> None:
    """A REUSE project declares the AND of its LICENSES/: the rolled-up finding names
    the one its files carry, and an exception by that license covers them."""
    keys, spdx = "apache-2.0 AND gpl-3.0-plus", "Apache-2.0 AND GPL-3.0-or-later"
    files = own_files(4, "gpl-3.0-plus", "GPL-3.0-or-later")
    result, policy = scan(db, [artifact(db, ".", "sdk", keys, spdx)], files)
    (finding,) = rolled(roll_up(result, policy))
    assert (finding.count, finding.license) == (4, "GPL-3.0-or-later")
    assert "its own license GPL-3.0-or-later, declared Apache-2.0 AND GPL-3.0-or-later (" in (
        finding.message
    )


def test_or_later_in_the_headers_is_the_license_of_the_text(db: LicenseDB) -> None:
    """A bare AGPL text reads as AGPL-3.0-only; headers that say "version 3 or later"
    are the same license of the artifact (GPL-3.0-or-later is not)."""
    files = own_files(3, "agpl-3.0-plus", "AGPL-3.0-or-later")
    files.append(file("vendor/g.c", "gpl-3.0-plus", "GPL-3.0-or-later"))
    result, policy = scan(db, [artifact(db, ".", "sdk", *AGPL)], files)
    after = roll_up(result, policy)
    (finding,) = rolled(after)
    assert (finding.count, finding.license) == (3, "AGPL-3.0-or-later")
    assert "vendor/g.c" in {f.path for f in after.findings if f.rule.startswith("component-")}


def test_an_exception_for_one_path_keeps_it(db: LicenseDB) -> None:
    one = ExceptionSpec("generated by the vendor's tool", "licensetier.toml", path="src/m07.py")
    result, policy = scan(
        db, [artifact(db, ".", "sdk", *AGPL)], own_files(30), Config(exceptions=(one,))
    )
    findings = rolled(roll_up(result, policy))
    standing = [f for f in findings if f.excepted is None]
    excepted = [f for f in findings if f.excepted is not None]
    assert [f.count for f in standing] == [29]
    assert "src/m07.py" not in [m.path for m in standing[0].members]
    (kept,) = excepted
    assert [m.path for m in kept.members] == ["src/m07.py"]
    assert kept.severity is Severity.INFO
    assert kept.excepted == "generated by the vendor's tool"
    assert "[was error; excepted by licensetier.toml: generated by" in kept.message


def test_an_exception_by_the_license_accepts_them_all(db: LicenseDB) -> None:
    """The exception the text report proposes for a rolled-up finding: its license."""
    by_license = ExceptionSpec("relicensing in Q1", "licensetier.toml", license=AGPL[0])
    result, policy = scan(
        db, [artifact(db, ".", "sdk", *AGPL)], own_files(30), Config(exceptions=(by_license,))
    )
    after = roll_up(result, policy)
    (finding,) = rolled(after)
    assert (finding.count, finding.severity, finding.excepted) == (
        30,
        Severity.INFO,
        "relicensing in Q1",
    )
    assert after.worst() == Severity.INFO.rank  # does not fail the run


def test_diff_base_and_baseline_match_file_by_file(db: LicenseDB) -> None:
    """A baseline (or --diff-base) that holds 29 of the files' findings: those are one
    existing finding, the new file one new finding of count 1 that fails the run."""
    result, policy = scan(db, [artifact(db, ".", "sdk", *AGPL)], own_files(30))
    known = {fingerprint(f) for f in result.findings if f.path != "src/m29.py"}
    after = roll_up(mark_existing(result, known, "{existing} known"), policy)
    by_state = {f.existing: f for f in rolled(after)}
    assert by_state[True].count == 29
    assert [m.path for m in by_state[False].members] == ["src/m29.py"]
    assert by_state[False].message.startswith(
        '1 file of artifact "." (sdk, typically-open) carries'
    )
    assert after.worst() == Severity.ERROR.rank
    old = roll_up(mark_existing(result, {fingerprint(f) for f in result.findings}, ""), policy)
    assert [f.count for f in rolled(old)] == [30]
    assert old.worst() == 0


def test_a_baseline_file_records_each_file(db: LicenseDB) -> None:
    """`licensetier baseline` writes the files' findings; written from a rolled-up
    result too, it records each file, so that a later file is not taken as known."""
    result, policy = scan(db, [artifact(db, ".", "sdk", *AGPL)], own_files(30))
    per_file = json.loads(baseline_json(result))["findings"]
    assert json.loads(baseline_json(roll_up(result, policy)))["findings"] == per_file
    assert len([e for e in per_file if e["rule"] == "component-copyleft-network"]) == 30


def test_the_rule_s_setting_applies_to_the_rolled_up_finding(db: LicenseDB) -> None:
    arts = [artifact(db, ".", "sdk", *AGPL)]
    result, policy = scan(db, arts, own_files(3), Config(rules={RULE: "warning"}))
    assert [f.severity for f in rolled(roll_up(result, policy))] == [Severity.WARNING]
    result, policy = scan(db, arts, own_files(3), Config(rules={RULE: "off"}))
    after = roll_up(result, policy)
    assert rolled(after) == []
    assert not [f for f in after.findings if f.path and "src/" in f.path]


def test_a_license_the_tier_allows_with_obligations_is_rolled_up_as_information(
    db: LicenseDB,
) -> None:
    llama = ("llama-2-license-2023", "LicenseRef-scancode-llama-2-license-2023")
    files = [file(f"w/{i}.py", *llama) for i in range(4)]
    result, policy = scan(db, [artifact(db, ".", "model-weights", *llama)], files)
    (finding,) = rolled(roll_up(result, policy))
    assert (finding.count, finding.severity) == (4, Severity.INFO)
    assert "comes with obligations in its sometimes-open tier" in finding.message
    assert "its obligations apply to each of them" in finding.why  # the rule's allowed_why


def test_every_report_tells_one_finding_and_json_keeps_every_path(
    agpl_sdk: tuple[ScanResult, Policy],
) -> None:
    result = roll_up(agpl_sdk[0], agpl_sdk[1])
    (finding,) = rolled(result)
    report = json.loads(json_report.render(result))
    schema = json.loads((REPO / "docs" / "report-schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(report["findings"], schema["properties"]["findings"])
    (entry,) = [f for f in report["findings"] if f["rule"] == RULE]
    assert entry["count"] == 31
    assert entry["paths"] == [m.path for m in finding.members]
    assert entry["sample"] == entry["paths"][:SAMPLE]
    other = next(f for f in report["findings"] if f["rule"] != RULE)
    assert (other["count"], other["sample"], other["paths"]) == (1, None, None)

    log = json.loads(sarif.render(result))
    (res,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == RULE]
    uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert (uri, res["properties"]["count"]) == ("LICENSE", 31)
    assert res["message"]["text"].startswith("31 files")
    related = res["relatedLocations"]
    assert [r["physicalLocation"]["artifactLocation"]["uri"] for r in related] == entry["paths"]
    assert related[0]["physicalLocation"]["region"] == {"startLine": 2}

    md = markdown.render(result)
    assert md.count("31 files of artifact") == 1

    plain = text.render(result, width=100, wrap=False)
    assert plain.count("31 files of artifact") == 1
    assert "src/m05.py" not in plain  # beyond the sample: in the JSON, or --verbose
    assert "to accept these 31 files" in plain
    assert 'license = "AGPL-3.0-only"  # every file under it' in plain
    verbose = text.render(result, width=100, wrap=False, verbose=True)
    assert all(f"      {m.path}:2" in verbose for m in finding.members)


def test_sarif_names_at_most_a_hundred_related_locations(db: LicenseDB) -> None:
    result, policy = scan(
        db,
        [artifact(db, ".", "sdk", *AGPL)],
        own_files(99) + [file(f"src/z{i:03}.py", *AGPL) for i in range(30)],
    )
    log = json.loads(sarif.render(roll_up(result, policy)))
    validator = _sarif_validator()
    assert not list(validator.iter_errors(log))
    (res,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == RULE]
    assert (res["properties"]["count"], len(res["relatedLocations"])) == (129, sarif.RELATED)


def test_a_sub_artifact_s_exception_snippet_names_its_tree(db: LicenseDB) -> None:
    sub = artifact(db, "pkg/sdk", "sdk", "bsl-1.1", "BUSL-1.1")
    files = [file(f"pkg/sdk/{i}.go", "bsl-1.1", "BUSL-1.1") for i in range(3)]
    result, policy = scan(db, [artifact(db, ".", "sdk", "mit", "MIT"), sub], files)
    (finding,) = rolled(roll_up(result, policy))
    assert finding.path == "pkg/sdk/LICENSE"
    snippet = text.exception_snippet([finding], TODAY)
    assert snippet[:3] == [
        "[[exceptions]]",
        'path = "pkg/sdk/**"',
        'license = "BUSL-1.1"  # every file under it, LICENSE included',
    ]


def _sarif_validator() -> Any:
    schema = json.loads(
        (REPO / "tests" / "data" / "schemas" / "sarif-schema-2.1.0.json").read_text("utf-8")
    )
    cls = validator_for(schema)
    return cls(schema)


def test_an_unparsable_declared_license_rolls_nothing_up(db: LicenseDB) -> None:
    base = artifact(db, ".", "sdk", *AGPL)
    odd = replace(base, declared_license="Not(A License", declared=())
    result, policy = scan(db, [odd], own_files(3))
    assert rolled(roll_up(result, policy)) == []
