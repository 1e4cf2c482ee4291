"""The open-readiness checklist of a typically-open artifact (licensetier.readiness):
repositories built in tmp_path, each file's detection given as the scan would hold it
(no ScanCode here: the checks reuse the scan's detections)."""

from __future__ import annotations

from pathlib import Path

import pytest

from licensetier import readiness
from licensetier.license_db import LicenseDB
from licensetier.models import (
    Artifact,
    CheckItem,
    Checklist,
    DeclaredLicense,
    Detection,
    FileResult,
    Finding,
    ScanError,
    Tier,
)

APACHE = ("apache-2.0", "Apache-2.0")
MIT = ("mit", "MIT")
MPL = ("mpl-2.0", "MPL-2.0")
CLA = ("generic-cla", "LicenseRef-scancode-generic-cla")


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


class Repo:
    """A repository in tmp_path and the scan's view of it: each file and its license."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.licenses: dict[str, tuple[str, str] | None] = {}

    def add(self, path: str, text: str = "x\n", license: tuple[str, str] | None = None) -> Repo:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        self.licenses[path] = license
        return self

    def files(self) -> list[FileResult]:
        out = []
        for path, lic in sorted(self.licenses.items()):
            if lic is None:
                out.append(FileResult(path, None, None))
                continue
            det = Detection(lic[0], lic[1], 1, 1, 100.0, "2-aho", "rule")
            out.append(FileResult(path, lic[0], lic[1], (det,)))
        return out


def sdk(
    *declared: DeclaredLicense, license: str | None = None, intended: str | None = None
) -> Artifact:
    return Artifact(
        ".",
        "sdk",
        Tier.TYPICALLY_OPEN,
        intended,
        declared=declared,
        declared_license=license,
    )


def license_file(spdx: str, keys: str, source: str = "LICENSE") -> DeclaredLicense:
    return DeclaredLicense(source, "file", keys, spdx, spdx, line=1)


def run(
    repo: Repo,
    db: LicenseDB,
    *artifacts: Artifact,
    findings: tuple[Finding, ...] = (),
) -> tuple[dict[str, CheckItem], list[Finding], list[Checklist]]:
    errors: list[ScanError] = []
    checklists, found = readiness.check(repo.root, artifacts, repo.files(), db, findings, errors)
    assert not errors
    items = {i.check: i for c in checklists[:1] for s in c.sections for i in s.items}
    return items, found, checklists


def rules_of(found: list[Finding]) -> list[str]:
    return sorted(f.rule for f in found)


@pytest.fixture
def ready(tmp_path: Path) -> Repo:
    """An Apache-2.0 SDK with everything in place."""
    return (
        Repo(tmp_path)
        .add("LICENSE", "Apache License 2.0\n", APACHE)
        .add("NOTICE", "Acme SDK\nCopyright 2026 Acme Inc.\n")
        .add("CONTRIBUTING.md", "# Contributing\n\nEvery commit needs a Signed-off-by line.\n")
        .add("README.md", "# Acme SDK\n\n## Trademarks\n\nAcme is a trademark of Acme Inc.\n")
        .add("src/acme/__init__.py", "# SPDX-License-Identifier: Apache-2.0\n", APACHE)
        .add("src/acme/client.py", "# SPDX-License-Identifier: Apache-2.0\n", APACHE)
    )


def test_a_ready_artifact_passes_every_item(ready: Repo, db: LicenseDB) -> None:
    art = sdk(license_file("Apache-2.0", "apache-2.0"), license="Apache-2.0")
    items, found, checklists = run(ready, db, art)
    assert found == []
    assert {c: i.status for c, i in items.items()} == {
        "license-file": "pass",
        "notice": "pass",
        "contribution-terms": "pass",
        "trademark": "pass",
        "boundary": "pass",
    }
    assert items["license-file"].path == "LICENSE"
    assert items["notice"].path == "NOTICE"
    assert items["contribution-terms"].detail == "CONTRIBUTING.md: DCO sign-off (line 3)"
    assert (items["trademark"].path, items["trademark"].line) == ("README.md", 3)
    assert checklists[0].failed == 0


def test_only_typically_open_artifacts_get_a_checklist(ready: Repo, db: LicenseDB) -> None:
    weights = Artifact(".", "model-weights", Tier.SOMETIMES_OPEN, None)
    assert readiness.check(ready.root, [weights], ready.files(), db, [], []) == ([], [])


def test_a_license_stated_only_in_a_manifest_asks_for_the_file(
    tmp_path: Path, db: LicenseDB
) -> None:
    repo = Repo(tmp_path).add("pyproject.toml", '[project]\nlicense = "MIT"\n')
    field = DeclaredLicense("pyproject.toml", "project.license", "mit", "MIT", "MIT", line=2)
    items, found, _ = run(repo, db, sdk(field, license="MIT"))
    item = items["license-file"]
    assert (item.status, item.rule) == ("fail", "readiness-license-file")
    assert "MIT is stated in pyproject.toml only" in item.detail
    (finding,) = [f for f in found if f.rule == "readiness-license-file"]
    assert finding.severity.value == "warning"
    assert "with the verbatim text of MIT" in finding.action
    assert finding.path == "pyproject.toml"


def test_no_license_at_all_is_the_existing_declared_none(tmp_path: Path, db: LicenseDB) -> None:
    items, found, _ = run(Repo(tmp_path).add("a.py"), db, sdk(intended="MIT"))
    assert (items["license-file"].status, items["license-file"].rule) == ("fail", "declared-none")
    assert "the text of MIT" in items["license-file"].detail
    assert "readiness-license-file" not in rules_of(found)  # declared-none says it already
    assert items["boundary"].status == "pass"  # compared with the intended MIT


def test_a_license_file_saying_another_license_reuses_the_mismatch(
    ready: Repo, db: LicenseDB
) -> None:
    art = sdk(license_file("Apache-2.0", "apache-2.0"), license="Apache-2.0", intended="MIT")
    mismatch = readiness.rules.finding(
        "declared-license-mismatch",
        message='artifact "." is meant to be licensed MIT, but its files declare Apache-2.0',
        artifact=art,
        path="LICENSE",
        line=1,
        license="Apache-2.0",
    )
    items, found, _ = run(ready, db, art, findings=(mismatch,))
    item = items["license-file"]
    assert (item.status, item.rule, item.path) == ("fail", "declared-license-mismatch", "LICENSE")
    assert "meant to be licensed MIT" in item.detail
    assert found == []  # not said twice


def test_notice_for_the_artifacts_own_apache_license(ready: Repo, db: LicenseDB) -> None:
    (ready.root / "NOTICE").unlink()
    del ready.licenses["NOTICE"]
    items, found, _ = run(
        ready, db, sdk(license_file("Apache-2.0", "apache-2.0"), license="Apache-2.0")
    )
    assert (items["notice"].status, items["notice"].rule) == ("fail", "readiness-notice-own")
    assert rules_of(found) == ["readiness-notice-own"]
    assert found[0].severity.value == "info"


def test_notice_not_required_for_mit(tmp_path: Path, db: LicenseDB) -> None:
    repo = Repo(tmp_path).add("LICENSE", "MIT\n", MIT)
    items, _, _ = run(repo, db, sdk(license_file("MIT", "mit"), license="MIT"))
    assert items["notice"].status == "n/a"


def test_a_vendored_apache_component_with_a_notice(tmp_path: Path, db: LicenseDB) -> None:
    repo = (
        Repo(tmp_path)
        .add("LICENSE", "MIT\n", MIT)
        .add("third_party/commons/LICENSE.txt", "Apache License 2.0\n", APACHE)
        .add("third_party/commons/NOTICE.txt", "Apache Commons Lang\nCopyright 2001 ASF\n")
        .add("third_party/commons/Lang.java", "class Lang {}\n")
    )
    art = sdk(license_file("MIT", "mit"), license="MIT")
    items, found, _ = run(repo, db, art)
    assert (items["notice"].status, items["notice"].rule) == ("fail", "readiness-notice-vendored")
    (finding,) = [f for f in found if f.rule == "readiness-notice-vendored"]
    assert finding.severity.value == "warning"
    assert finding.path == "third_party/commons/NOTICE.txt"
    assert "third_party/commons/NOTICE.txt" in finding.action

    repo.add("NOTICE", "Acme SDK\n\nThis product includes Lang:\nApache Commons Lang\n")
    items, found, _ = run(repo, db, art)
    assert items["notice"].status == "pass"
    assert "carries the notices of third_party/commons/NOTICE.txt" in items["notice"].detail

    repo.add("NOTICE", "Acme SDK\nCopyright 2026 Acme\n")  # a NOTICE that leaves it out
    items, found, _ = run(repo, db, art)
    assert items["notice"].status == "fail"
    assert "does not carry the notices of third_party/commons/NOTICE.txt" in items["notice"].detail


@pytest.mark.parametrize(
    ("path", "text", "what"),
    [
        ("CONTRIBUTING.md", "Sign off: git commit -s\n", "DCO sign-off"),
        (".github/CONTRIBUTING.md", "See the Developer Certificate of Origin.\n", "DCO sign-off"),
        ("docs/CONTRIBUTING.rst", "Sign our Contributor License Agreement first.\n", "CLA"),
        ("CONTRIBUTING.txt", "Sign the CLA at cla.developers.google.com.\n", "CLA"),
        (
            "CONTRIBUTING.md",
            "Licensed to the Apache Software Foundation (ASF) under one or more\n"
            "contributor license agreements. See the NOTICE file.\n"
            "Sign the Apache Contributor License Agreement first.\n",
            "CLA",
        ),
    ],
)
def test_contribution_terms_found(
    tmp_path: Path, db: LicenseDB, path: str, text: str, what: str
) -> None:
    repo = Repo(tmp_path).add("LICENSE", "MIT\n", MIT).add(path, "# Contributing\n\n" + text)
    items, _, _ = run(repo, db, sdk(license_file("MIT", "mit"), license="MIT"))
    assert items["contribution-terms"].status == "pass"
    line = 5 if "ASF" in text else 3  # the ASF's license header states no terms
    assert items["contribution-terms"].detail == f"{path}: {what} (line {line})"


def test_a_cla_scancode_detected_counts(tmp_path: Path, db: LicenseDB) -> None:
    repo = Repo(tmp_path).add("CONTRIBUTING.md", "Individual agreement text.\n", CLA)
    items, _, _ = run(repo, db, sdk(license_file("MIT", "mit"), license="MIT"))
    assert items["contribution-terms"].detail == "CONTRIBUTING.md: CLA (line 1)"


def test_contributing_missing_or_without_terms(tmp_path: Path, db: LicenseDB) -> None:
    repo = Repo(tmp_path).add("LICENSE", "MIT\n", MIT)
    art = sdk(license_file("MIT", "mit"), license="MIT")
    items, found, _ = run(repo, db, art)
    assert items["contribution-terms"].rule == "readiness-contributing"
    assert "readiness-contributing" in rules_of(found)

    repo.add("CONTRIBUTING.md", "# Contributing\n\nOpen a pull request. Run the tests.\n")
    items, found, _ = run(repo, db, art)
    item = items["contribution-terms"]
    assert (item.status, item.rule, item.path) == (
        "fail",
        "readiness-contribution-terms",
        "CONTRIBUTING.md",
    )
    (finding,) = [f for f in found if f.rule == "readiness-contribution-terms"]
    assert "State the terms in CONTRIBUTING.md" in finding.action


def test_trademark_file_or_missing(tmp_path: Path, db: LicenseDB) -> None:
    repo = Repo(tmp_path).add("LICENSE", "MIT\n", MIT).add("README.md", "# Hi\n")
    art = sdk(license_file("MIT", "mit"), license="MIT")
    items, found, _ = run(repo, db, art)
    assert (items["trademark"].status, items["trademark"].rule) == ("fail", "readiness-trademark")
    assert "readiness-trademark" in rules_of(found)
    repo.add("TRADEMARKS.md", "Our marks.\n")
    items, _, _ = run(repo, db, art)
    assert (items["trademark"].status, items["trademark"].path) == ("pass", "TRADEMARKS.md")


def test_a_vendored_mpl_directory_is_named_with_its_configuration(
    ready: Repo, db: LicenseDB
) -> None:
    ready.add("vendor/mplthing/LICENSE", "Mozilla Public License 2.0\n", MPL)
    ready.add("vendor/mplthing/a.js", "// MPL-2.0\n", MPL)
    ready.add("vendor/mplthing/sub/b.js", "// MPL-2.0\n", MPL)
    art = sdk(license_file("Apache-2.0", "apache-2.0"), license="Apache-2.0")
    items, found, _ = run(ready, db, art)
    item = items["boundary"]
    assert (item.status, item.rule) == ("fail", "readiness-mixed-directory")
    assert item.suggestion == (
        '[[artifacts]]\npath = "vendor/mplthing"\ntier = "typically-open"\nlicense = "MPL-2.0"'
    )
    (finding,) = [f for f in found if f.rule == "readiness-mixed-directory"]
    assert finding.path == "vendor/mplthing/LICENSE"
    assert finding.message.startswith("vendor/mplthing/ holds files under another license")
    assert 'path = "vendor/mplthing"' in finding.action

    # declared as its own artifact: the artifact's boundary is clear
    own = Artifact("vendor/mplthing", "sdk", Tier.TYPICALLY_OPEN, "MPL-2.0")
    items, _, checklists = run(ready, db, art, own)
    assert items["boundary"].status == "pass"
    assert [c.artifact for c in checklists] == [".", "vendor/mplthing"]


def test_files_with_another_license_without_a_license_file(ready: Repo, db: LicenseDB) -> None:
    ready.add("src/gpl/a.c", "GPL\n", ("gpl-2.0", "GPL-2.0-only"))
    ready.add("src/gpl/b.c", "GPL\n", ("gpl-2.0", "GPL-2.0-only"))
    ready.add("src/mixed/c.c", "MIT\n", MIT).add("src/mixed/d.c", "x\n", APACHE)  # not all other
    ready.add("src/one/e.c", "MIT\n", MIT)  # a single file is not a directory's license
    art = sdk(license_file("Apache-2.0", "apache-2.0"), license="Apache-2.0")
    _, found, _ = run(ready, db, art)
    assert [f.path for f in found if f.rule == "readiness-mixed-directory"] == ["src/gpl/a.c"]


def test_many_vendored_directories_roll_up(ready: Repo, db: LicenseDB) -> None:
    for n in range(6):
        ready.add(f"vendor/lib{n}/LICENSE", "MIT\n", MIT)
    art = sdk(license_file("Apache-2.0", "apache-2.0"), license="Apache-2.0")
    _, found, _ = run(ready, db, art)
    (finding,) = [f for f in found if f.rule == "readiness-mixed-directory"]
    assert finding.message.startswith(
        "vendor/ holds 6 directories under other licenses than the artifact's Apache-2.0: "
        "MIT (6 directories);"
    )


def test_a_sub_artifact_uses_the_repository_root_community_files(
    ready: Repo, db: LicenseDB
) -> None:
    ready.add("packages/cli/LICENSE", "MIT\n", MIT).add("packages/cli/main.py")
    cli = Artifact(
        "packages/cli",
        "client-library",
        Tier.TYPICALLY_OPEN,
        None,
        declared=(license_file("MIT", "mit", "packages/cli/LICENSE"),),
        declared_license="MIT",
    )
    root = sdk(license_file("Apache-2.0", "apache-2.0"), license="Apache-2.0")
    errors: list[ScanError] = []
    checklists, _ = readiness.check(ready.root, [root, cli], ready.files(), db, [], errors)
    items = {i.check: i for s in checklists[1].sections for i in s.items}
    assert items["contribution-terms"].path == "CONTRIBUTING.md"
    assert items["license-file"].path == "packages/cli/LICENSE"
    assert items["notice"].status == "n/a"  # MIT, and the root's Apache files are not its own


def test_a_contributing_link_out_of_the_root_is_a_problem_not_a_crash(
    tmp_path: Path, db: LicenseDB
) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("Signed-off-by: everyone\n", encoding="utf-8")
    repo = Repo(tmp_path / "repo").add("LICENSE", "MIT\n", MIT)
    (repo.root / "CONTRIBUTING.md").symlink_to(outside)
    repo.licenses["CONTRIBUTING.md"] = None
    errors: list[ScanError] = []
    art = sdk(license_file("MIT", "mit"), license="MIT")
    checklists, _ = readiness.check(repo.root, [art], repo.files(), db, [], errors)
    (item,) = [i for i in checklists[0].sections[0].items if i.check == "contribution-terms"]
    assert item.status == "fail"  # not read: its terms are not taken
    assert [e.path for e in errors] == ["CONTRIBUTING.md"]


def test_a_file_naming_many_licenses_is_listed_by_license_not_by_expression(
    ready: Repo, db: LicenseDB
) -> None:
    many = [("mit", "MIT"), ("bsd-new", "BSD-3-Clause"), ("gpl-2.0", "GPL-2.0-only"),
            ("agpl-3.0", "AGPL-3.0-only"), ("mpl-2.0", "MPL-2.0"), ("isc", "ISC"),
            ("zlib", "Zlib")]  # fmt: skip
    keys = " AND ".join(k for k, _ in many)
    spdx = " AND ".join(i for _, i in many)
    ready.add("docs/names.md", "names\n", (keys, spdx))  # not a license file name
    ready.add("docs/more.md", "names\n", (f"apache-2.0 AND {keys}", f"Apache-2.0 AND {spdx}"))
    ready.add("docs/mit.md", "MIT\n", MIT)
    art = sdk(license_file("Apache-2.0", "apache-2.0"), license="Apache-2.0")
    items, found, _ = run(ready, db, art)
    (finding,) = [f for f in found if f.rule == "readiness-mixed-directory"]
    # the artifact's own Apache-2.0 is not listed; the most named come first, then a count
    assert finding.message == (
        "docs/ holds files under another license than the artifact's Apache-2.0: "
        "MIT (3 files), AGPL-3.0-only (2 files), BSD-3-Clause (2 files), GPL-2.0-only (2 files), "
        "ISC (2 files) and 2 more; "
        "it is not declared as an artifact of its own"
    )
    assert items["boundary"].detail == (
        "declare as their own artifacts: docs/ (MIT, AGPL-3.0-only, BSD-3-Clause, "
        "GPL-2.0-only, ISC and 2 more)"
    )


def test_the_word_trademark_in_a_code_block_is_no_statement(tmp_path: Path, db: LicenseDB) -> None:
    readme = (
        "# Acme\n\n```sh\nacme check .   # LICENSE, NOTICE, trademark\n```\n\n"
        "~~~\ntrademarks\n~~~\n"
    )
    repo = Repo(tmp_path).add("LICENSE", "MIT\n", MIT).add("README.md", readme)
    art = sdk(license_file("MIT", "mit"), license="MIT")
    items, _, _ = run(repo, db, art)
    assert items["trademark"].status == "fail"
    repo.add("README.md", readme + "\n## Trademarks\n\nAcme is a trademark of Acme Inc.\n")
    items, _, _ = run(repo, db, art)
    assert (items["trademark"].status, items["trademark"].line) == ("pass", 11)
    assert items["trademark"].detail == "README.md (line 11): ## Trademarks"
