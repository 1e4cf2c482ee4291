"""licensetier.reasoning on ScanCode-shaped results (the texts' own detections are in
tests/acceptance/test_declared_reasoning.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from licensetier.license_db import LicenseDB
from licensetier.models import DeclaredLicense, Detection, FileResult, Match
from licensetier.reasoning import decide, is_clue, strip_keys

TODAY = dt.date(2026, 12, 4)


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


def detection(keys: str, start: int, end: int, score: float = 100.0, rule: str = "") -> Detection:
    rule = rule or f"{keys}.LICENSE"
    m = Match(keys, keys, start, end, score, "2-aho", rule)
    return Detection(keys, keys, start, end, score, "2-aho", rule, (m,))


def file_statement(path: str, result: FileResult) -> DeclaredLicense:
    return DeclaredLicense(path, "file", result.license, result.license_spdx, "x", 100.0, 1)


def test_clue_keys(db: LicenseDB) -> None:
    assert is_clue("generic-cla", db)
    assert is_clue("unknown-license-reference", db)
    assert not is_clue("facebook-patent-rights-2", db)  # a patent grant is part of a grant
    assert not is_clue("mit", db)
    assert strip_keys("(generic-cla AND mit) OR apache-2.0", lambda k: k == "generic-cla") == (
        "mit OR apache-2.0"
    )


def test_only_clues_are_kept_as_the_answer_with_low_confidence(db: LicenseDB) -> None:
    r = FileResult(
        "LICENSE",
        "unknown-license-reference",
        "LicenseRef-scancode-unknown-license-reference",
        (detection("unknown-license-reference", 1, 1, 80.0, "unknown-license-reference_1.RULE"),),
    )
    d = decide([file_statement("LICENSE", r)], {"LICENSE": r}, {}, db, today=TODAY)
    assert d.license == "unknown-license-reference"
    assert d.statements[0].role == "clue"
    assert d.reasoning.low_confidence
    assert any("only clues" in w for w in d.reasoning.why)


def test_a_license_file_and_a_manifest_that_disagree_are_anded_and_said_to(
    db: LicenseDB,
) -> None:
    r = FileResult("LICENSE", "mit", "MIT", (detection("mit", 1, 20),))
    manifest = DeclaredLicense("package.json", "license", "apache-2.0", "Apache-2.0", "Apache-2.0")
    d = decide([file_statement("LICENSE", r), manifest], {"LICENSE": r}, {}, db, today=TODAY)
    assert d.license == "mit AND apache-2.0"
    assert d.reasoning.disagree
    assert d.reasoning.low_confidence
    assert "LICENSE: MIT" in d.reasoning.why[0]
    assert "package.json: Apache-2.0" in d.reasoning.why[0]


def test_the_same_license_in_a_file_and_a_manifest_is_one_grant(db: LicenseDB) -> None:
    r = FileResult("LICENSE", "mit", "MIT", (detection("mit", 1, 20),))
    manifest = DeclaredLicense("package.json", "license", "mit", "MIT", "MIT")
    d = decide([file_statement("LICENSE", r), manifest], {"LICENSE": r}, {}, db, today=TODAY)
    assert d.license == "mit"
    assert not d.reasoning.disagree
    assert not d.reasoning.low_confidence
    assert [s.role for s in d.statements] == ["grant", "grant"]


def test_a_choice_is_looked_for_in_the_preamble_only(db: LicenseDB) -> None:
    """ "at your option" inside a GPL text (its "or (at your option) any later version")
    does not make the file's licenses a choice."""
    r = FileResult(
        "COPYING",
        "gpl-2.0 AND bsd-new",
        "GPL-2.0-only AND BSD-3-Clause",
        (detection("gpl-2.0", 3, 300), detection("bsd-new", 302, 330)),
    )
    body = "Project notice\n\n" + "x\n" * 280 + "or (at your option) any later version\n"
    d = decide([file_statement("COPYING", r)], {"COPYING": r}, {"COPYING": body}, db, today=TODAY)
    assert d.license == "gpl-2.0 AND bsd-new"
    preamble = "You may choose either license below.\n\n" + body
    d = decide(
        [file_statement("COPYING", r)], {"COPYING": r}, {"COPYING": preamble}, db, today=TODAY
    )
    assert d.license == "gpl-2.0 OR bsd-new"
    assert d.statements[0].role == "choice"


def _one_detection(*matches: Match) -> Detection:
    keys = " AND ".join(dict.fromkeys(m.license for m in matches))
    first, last = matches[0], matches[-1]
    return Detection(keys, keys, first.start_line, last.end_line, 100.0, "3-seq", "", matches)


def test_a_license_named_inside_a_full_text_is_a_mention_not_a_grant(db: LicenseDB) -> None:
    """The Lesser GPL named in a GPL text's preamble, as ScanCode may match it: a short
    match inside the region of the GPL's full text."""
    gpl = Match("gpl-2.0", "GPL-2.0-only", 2, 340, 99.0, "3-seq", "gpl-2.0_1018.RULE")
    lesser = Match("lgpl-2.1", "LGPL-2.1-only", 19, 20, 100.0, "2-aho", "lgpl-2.1_42.RULE")
    r = FileResult("COPYING", "gpl-2.0 AND lgpl-2.1", "", (_one_detection(gpl, lesser),))
    d = decide([file_statement("COPYING", r)], {"COPYING": r}, {}, db, today=TODAY)
    assert d.license == "gpl-2.0"
    assert "LGPL-2.1-only: named inside another license's text (lines 19-20)" in (
        d.statements[0].note
    )
    assert not d.reasoning.low_confidence


def test_a_notice_detected_on_its_own_after_a_text_stays_a_grant(db: LicenseDB) -> None:
    apache = Match("apache-2.0", "Apache-2.0", 1, 176, 100.0, "1-hash", "apache-2.0.LICENSE")
    mit = Match("mit", "MIT", 180, 180, 100.0, "2-aho", "mit_12.RULE")
    r = FileResult(
        "LICENSE",
        "apache-2.0 AND mit",
        "Apache-2.0 AND MIT",
        (_one_detection(apache), _one_detection(mit)),
    )
    d = decide([file_statement("LICENSE", r)], {"LICENSE": r}, {}, db, today=TODAY)
    assert d.license == "apache-2.0 AND mit"


def test_busl_parameters_with_a_date_that_is_not_one_are_read_without_a_date(
    db: LicenseDB,
) -> None:
    text = (
        "Business Source License 1.1\n\nParameters\n\n"
        "Licensor:             Example Inc.\n"
        "Licensed Work:        Example\n"
        "Change Date:          2023-13-45\n"
        "Change License:       MIT\n\n"
        "Terms\n" + "terms\n" * 40
    )
    busl = Match("bsl-1.1", "BUSL-1.1", 10, 50, 95.0, "3-seq", "bsl-1.1.LICENSE")
    mit = Match("mit", "MIT", 8, 8, 100.0, "2-aho", "mit_30.RULE")
    r = FileResult("LICENSE", "mit AND bsl-1.1", "MIT AND BUSL-1.1", (_one_detection(mit, busl),))
    d = decide([file_statement("LICENSE", r)], {"LICENSE": r}, {"LICENSE": text}, db, today=TODAY)
    assert d.license == "bsl-1.1"
    b = d.reasoning.business_source
    assert b is not None
    assert (b.licensor, b.change_date, b.change_date_iso) == ("Example Inc.", "2023-13-45", None)
    assert (b.change_license, b.changed) == ("MIT", False)
    assert "MIT: a parameter of the Business Source License (line 8)" in d.statements[0].note
