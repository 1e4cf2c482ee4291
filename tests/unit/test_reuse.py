"""licensetier.reuse: REUSE.toml and .reuse/dep5 parsed with their lines, REUSE's and
Debian's globbing, the precedence of annotations, LICENSES/ names, and the LICENSES/
statements weighed by licensetier.reasoning."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from licensetier.license_db import LicenseDB
from licensetier.models import DeclaredLicense, Detection, FileResult, ScanError
from licensetier.reasoning import REUSE_ALL, REUSE_SOME, decide
from licensetier.reuse import (
    FIELD,
    MAX_REUSE_BYTES,
    Glob,
    annotate,
    dep5_glob,
    effective,
    license_id,
    licenses_statement,
    parse_dep5,
    parse_reuse_toml,
    reuse_glob,
)

TODAY = dt.date(2026, 12, 4)


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


def matches(pattern: str, path: str, *, dep5: bool = False) -> bool:
    return Glob(((dep5_glob if dep5 else reuse_glob)(pattern),)).fullmatch(path)


# -- globbing --------------------------------------------------------------------------


def test_reuse_star_stays_in_its_directory_and_double_star_crosses() -> None:
    assert matches("*.py", "a.py")
    assert not matches("*.py", "src/a.py")
    assert matches("src/*", "src/a.py")
    assert not matches("src/*", "src/x/a.py")
    # ** at the start, in the middle, at the end
    assert matches("**/*.py", "src/x/a.py")
    assert matches("**.py", "a.py")
    assert matches("**.py", "src/x/a.py")
    assert matches("src/**/test.c", "src/a/b/test.c")
    assert matches("src/**", "src/a/b/c")
    assert not matches("src/**", "srcs/a")
    assert matches("**", "anything/at/all")


def test_reuse_escaped_star_is_literal_and_nothing_else_is_special() -> None:
    assert matches("a\\*b", "a*b")
    assert not matches("a\\*b", "axb")
    assert matches("a\\\\b", "a\\b")
    assert matches("x?.txt", "x?.txt")  # ? is an ordinary character in REUSE.toml
    assert not matches("x?.txt", "xy.txt")
    assert matches("a.b", "a.b")
    assert not matches("a.b", "axb")
    assert matches("[abc]", "[abc]")


def test_dep5_star_and_question_mark_cross_directories() -> None:
    assert matches("*", "src/x/a.c", dep5=True)
    assert matches("src/*", "src/x/a.c", dep5=True)
    assert matches("*.c", "src/x/a.c", dep5=True)
    assert matches("a?c", "a/c", dep5=True)
    assert not matches("a?c", "a//c", dep5=True)
    assert matches("a\\*", "a*", dep5=True)
    assert not matches("a\\*", "ab", dep5=True)
    assert matches("a\\?", "a?", dep5=True)
    assert not matches("a\\?", "ab", dep5=True)
    assert matches("./README", "README", dep5=True)


# -- REUSE.toml --------------------------------------------------------------------------

TOML = """\
version = 1

[[annotations]]
path = "src/**"
SPDX-License-Identifier = "Apache-2.0"

# a copyright-only annotation says nothing of the license
[[annotations]]
path = "docs/*"
SPDX-FileCopyrightText = "2026 Example"

[[annotations]]
path = ["vendor/**", "third_party/\\\\*.c"]
precedence = "override"
SPDX-License-Identifier = ["MIT", "BSD-3-Clause"]
"""


def test_reuse_toml_entries_with_their_lines(db: LicenseDB) -> None:
    entries, errors = parse_reuse_toml(TOML, "REUSE.toml", db)
    assert errors == []
    assert [(e.license_spdx, e.line, e.precedence) for e in entries] == [
        ("Apache-2.0", 3, "closest"),
        ("MIT AND BSD-3-Clause", 12, "override"),
    ]
    assert entries[1].matcher.fullmatch("third_party/*.c")
    assert not entries[1].matcher.fullmatch("third_party/x.c")


def test_a_bad_entry_is_an_error_with_its_line_and_the_others_are_read(db: LicenseDB) -> None:
    text = """\
version = 1

[[annotations]]
path = "a/**"
SPDX-License-Identifier = "Not-A-License-1.0"

[[annotations]]
path = "b/**"
precedence = "sometimes"
SPDX-License-Identifier = "MIT"

[[annotations]]
SPDX-License-Identifier = "MIT"

[[annotations]]
path = "c/**"
SPDX-License-Identifier = "LicenseRef-Acme-EULA"
"""
    entries, errors = parse_reuse_toml(text, "REUSE.toml", db)
    assert [(e.line, e.license_spdx) for e in entries] == [(15, "LicenseRef-Acme-EULA")]
    assert [(e.path, e.line) for e in errors] == [
        ("REUSE.toml", 3),
        ("REUSE.toml", 7),
        ("REUSE.toml", 12),
    ]
    assert "Not-A-License-1.0" in errors[0].message
    assert "sometimes" in errors[1].message
    assert "path" in errors[2].message


def test_a_reuse_toml_that_is_not_toml_or_not_version_1(db: LicenseDB) -> None:
    entries, errors = parse_reuse_toml('version = 1\n[[annotations]\npath = "x"\n', "R", db)
    assert entries == []
    assert errors[0].line == 2
    assert "not valid TOML" in errors[0].message
    entries, errors = parse_reuse_toml("version = 2\n", "R", db)
    assert entries == []
    assert errors[0].line == 1
    assert "version 2" in errors[0].message
    entries, errors = parse_reuse_toml(
        '[[annotations]]\npath="x"\nSPDX-License-Identifier="MIT"\n', "R", db
    )
    assert len(entries) == 1
    assert "no version" in errors[0].message


# -- .reuse/dep5 -------------------------------------------------------------------------

DEP5 = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: example
# a comment line

Files: *
Copyright: 2026 Example
License: GPL-3.0-or-later

Files: docs/*
  images/*.png
  *.svg
Copyright: 2026 Example
License: CC-BY-SA-4.0
 The license's text may follow on continuation lines.
 .
 And more of it.

Files: vendor/*
Copyright: someone
"""


def test_dep5_paragraphs_continuation_lines_and_comments(db: LicenseDB) -> None:
    entries, errors = parse_dep5(DEP5, ".reuse/dep5", db)
    assert [(e.license_spdx, e.line, e.precedence) for e in entries] == [
        ("GPL-3.0-or-later", 5, "aggregate"),
        ("CC-BY-SA-4.0", 9, "aggregate"),
    ]
    assert entries[1].matcher.fullmatch("images/a/b.png")  # * crosses /
    assert entries[1].matcher.fullmatch("x/y.svg")
    assert [(e.line, e.message) for e in errors] == [(18, "a Files paragraph without License:")]


def test_dep5_malformed_lines_are_errors_and_the_rest_is_read(db: LicenseDB) -> None:
    text = (
        " leading continuation\nFiles: *\nthis is not a field\nLicense: MIT\n\n"
        "Files: x\nLicense: Nope-9\n"
    )
    entries, errors = parse_dep5(text, ".reuse/dep5", db)
    assert [e.license_spdx for e in entries] == ["MIT"]
    assert [e.line for e in errors] == [1, 3, 7]


# -- applying annotations ----------------------------------------------------------------


def result(path: str, keys: str | None = None) -> FileResult:
    detections = (Detection(keys, keys, 1, 1, 100.0, "1-spdx-id", "x"),) if keys else ()
    return FileResult(path, keys, keys.upper() if keys else None, detections)


def write(root: Path, files: dict[str, str]) -> list[str]:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    return list(files)


def test_last_match_wins_and_the_precedences(tmp_path: Path, db: LicenseDB) -> None:
    toml = """\
version = 1
[[annotations]]
path = "**"
SPDX-License-Identifier = "MIT"
[[annotations]]
path = "lib/**"
precedence = "aggregate"
SPDX-License-Identifier = "LGPL-2.1-only"
[[annotations]]
path = "vendor/**"
precedence = "override"
SPDX-License-Identifier = "AGPL-3.0-only"
"""
    paths = write(tmp_path, {"REUSE.toml": toml})
    results = [
        result("a.c"),
        result("b.c", "apache-2.0"),
        result("lib/x.c", "apache-2.0"),
        result("lib/y.c"),
        result("vendor/z.c", "apache-2.0"),
    ]
    errors: list[ScanError] = []
    out = annotate(tmp_path, results, paths + [r.path for r in results], db, errors)
    assert errors == []
    got = {r.path: effective(r)[0] for r in out.results}
    assert got == {
        "a.c": "mit",  # closest, nothing detected: the annotation
        "b.c": "apache-2.0",  # closest, detected: ScanCode's
        "lib/x.c": "apache-2.0 AND lgpl-2.1",  # aggregate: both
        "lib/y.c": "lgpl-2.1",
        "vendor/z.c": "agpl-3.0",  # override
    }
    # ScanCode's answer is kept as it was
    assert [r.license for r in out.results] == [r.license for r in results]
    assert out.results[0].annotated is not None
    assert out.results[0].annotated.line == 2
    assert out.data_files == {"REUSE.toml"}


def test_nested_reuse_toml_closest_wins_and_an_outer_override_beats_it(
    tmp_path: Path, db: LicenseDB
) -> None:
    outer = 'version = 1\n[[annotations]]\npath = "sub/**"\nSPDX-License-Identifier = "MIT"\n'
    outer += '[[annotations]]\npath = "sub/forced/*"\nprecedence = "override"\n'
    outer += 'SPDX-License-Identifier = "GPL-2.0-only"\n'
    inner = 'version = 1\n[[annotations]]\npath = "**"\nSPDX-License-Identifier = "ISC"\n'
    paths = write(tmp_path, {"REUSE.toml": outer, "sub/REUSE.toml": inner})
    results = [result("sub/a.c"), result("sub/forced/b.c"), result("sub/deep/c.c")]
    errors: list[ScanError] = []
    out = annotate(tmp_path, results, paths + [r.path for r in results], db, errors)
    got = {
        r.path: (effective(r)[0], r.annotated.source if r.annotated else None) for r in out.results
    }
    assert got == {
        "sub/a.c": ("isc", "sub/REUSE.toml"),
        "sub/forced/b.c": ("gpl-2.0", "REUSE.toml"),
        "sub/deep/c.c": ("isc", "sub/REUSE.toml"),
    }


def test_dep5_is_aggregate_and_a_sidecar_is_the_files_own(tmp_path: Path, db: LicenseDB) -> None:
    dep5 = (
        "Format: x\n\nFiles: *\nCopyright: x\nLicense: MIT\n\n"
        "Files: *.png\nCopyright: x\nLicense: CC0-1.0\n"
    )
    paths = write(tmp_path, {".reuse/dep5": dep5, "photo.jpg": "", "photo.jpg.license": ""})
    results = [
        result("a.c", "apache-2.0"),
        result("logo.png"),
        result("icon.bin"),
        result("icon.bin.license", "cc-by-4.0"),
    ]
    errors: list[ScanError] = []
    out = annotate(tmp_path, results, paths + [r.path for r in results], db, errors)
    got = {r.path: effective(r)[0] for r in out.results}
    assert got["a.c"] == "apache-2.0 AND mit"
    assert got["logo.png"] == "cc0-1.0"  # the last matching paragraph
    assert got["icon.bin"] == "cc-by-4.0"  # its sidecar
    # the sidecar of a file not scanned (a binary file, skipped) keeps its own result
    assert out.data_files == {".reuse/dep5", "icon.bin.license"}


def test_dep5_beside_a_root_reuse_toml_is_not_read(tmp_path: Path, db: LicenseDB) -> None:
    paths = write(
        tmp_path,
        {"REUSE.toml": "version = 1\n", ".reuse/dep5": "Files: *\nLicense: MIT\n"},
    )
    errors: list[ScanError] = []
    out = annotate(tmp_path, [result("a.c")], [*paths, "a.c"], db, errors)
    assert out.results[0].annotated is None
    assert [e.path for e in errors] == [".reuse/dep5"]


# -- LICENSES/ ---------------------------------------------------------------------------


def test_licenses_folder_names(db: LicenseDB) -> None:
    assert license_id("GPL-3.0-or-later.txt", db) == ("GPL-3.0-or-later", "gpl-3.0-plus")
    assert license_id("GPL-3.0-or-later", db) == ("GPL-3.0-or-later", "gpl-3.0-plus")
    assert license_id("MIT.md", db) == ("MIT", "mit")
    assert license_id("LicenseRef-Acme-EULA.txt", db) == (
        "LicenseRef-Acme-EULA",
        "licenseref-acme-eula",
    )
    assert license_id("LLVM-exception.txt", db) == ("LLVM-exception", "llvm-exception")
    assert license_id("README.md", db) is None
    assert license_id("MIT AND ISC.txt", db) is None


def test_a_licenses_file_checked_against_scancode(db: LicenseDB) -> None:
    gpl = result("LICENSES/GPL-3.0-or-later.txt", "gpl-3.0")
    statement = licenses_statement(gpl.path, gpl, db)
    assert isinstance(statement, DeclaredLicense)
    assert (statement.field, statement.license, statement.note) == (FIELD, "gpl-3.0-plus", "")
    wrong = result("LICENSES/MIT.txt", "apache-2.0")
    statement = licenses_statement(wrong.path, wrong, db)
    assert isinstance(statement, DeclaredLicense)
    assert statement.license == "mit"
    assert "APACHE-2.0" in statement.note
    assert "kept" in statement.note
    bad = licenses_statement("LICENSES/notes.txt", result("LICENSES/notes.txt"), db)
    assert isinstance(bad, ScanError)
    assert bad.path == "LICENSES/notes.txt"
    assert licenses_statement("LICENSES/MIT.txt.license", None, db) is None


def folder(db: LicenseDB, *ids: str) -> list[DeclaredLicense]:
    out = []
    for ident in ids:
        keys = db.spdx_to_keys(ident)
        out.append(DeclaredLicense(f"LICENSES/{ident}.txt", FIELD, keys, ident, ident, 100.0))
    return out


def test_the_folder_alone_is_the_and_of_its_licenses(db: LicenseDB) -> None:
    decision = decide(
        folder(db, "Apache-2.0", "CC0-1.0", "GPL-3.0-or-later"), {}, {}, db, today=TODAY
    )
    assert decision.license == "apache-2.0 AND cc0-1.0 AND gpl-3.0-plus"
    assert not decision.reasoning.disagree
    assert not decision.reasoning.low_confidence
    assert {s.role for s in decision.statements} == {"grant"}
    assert all(REUSE_ALL in s.note for s in decision.statements)


def test_beside_a_manifest_the_folder_agrees_or_accompanies(db: LicenseDB) -> None:
    manifest = DeclaredLicense("pyproject.toml", "project.license", "mit", "MIT", "MIT", 100.0, 3)
    decision = decide(
        [manifest, *folder(db, "MIT", "CC0-1.0", "LLVM-exception")], {}, {}, db, today=TODAY
    )
    assert decision.license == "mit"
    assert not decision.reasoning.disagree
    roles = {s.source: (s.role, s.note) for s in decision.statements}
    assert roles["LICENSES/MIT.txt"][0] == "grant"
    assert "pyproject.toml" in roles["LICENSES/MIT.txt"][1]
    assert roles["LICENSES/CC0-1.0.txt"] == ("companion", REUSE_SOME)
    assert roles["LICENSES/LLVM-exception.txt"][0] == "companion"


def test_a_folder_license_that_is_one_alternative_is_a_choice(db: LicenseDB) -> None:
    cargo = DeclaredLicense(
        "Cargo.toml", "package.license", "mit OR apache-2.0", "MIT OR Apache-2.0", "x", 100.0, 4
    )
    decision = decide([cargo, *folder(db, "MIT", "Apache-2.0")], {}, {}, db, today=TODAY)
    assert decision.license == "mit OR apache-2.0"
    assert [s.role for s in decision.statements[1:]] == ["choice", "choice"]


def test_a_reuse_toml_too_large_or_linked_out_of_the_root_is_not_read(
    tmp_path: Path, db: LicenseDB
) -> None:
    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    big = 'version = 1\n[[annotations]]\npath = "**"\nSPDX-License-Identifier = "MIT"\n'
    outside = tmp_path / "outside.toml"
    outside.write_text(big)
    (root / "REUSE.toml").symlink_to(outside)
    (root / "sub" / "REUSE.toml").write_text(big + "#" * (MAX_REUSE_BYTES + 1) + "\n")
    results = [result("a.c"), result("sub/b.c")]
    errors: list[ScanError] = []
    walked = ["REUSE.toml", "sub/REUSE.toml", "a.c", "sub/b.c"]
    out = annotate(root, results, walked, db, errors)
    assert [r.annotated for r in out.results] == [None, None]
    assert sorted(e.path for e in errors) == ["REUSE.toml", "sub/REUSE.toml"]


def test_a_pattern_of_many_wildcards_does_not_stall_the_scan() -> None:
    import time

    started = time.monotonic()
    assert not matches("**a" * 40 + "b", "a" * 300)
    assert not matches("*a" * 40 + "b", "a" * 300, dep5=True)
    assert matches("**a" * 40, "x/" + "a" * 300)
    assert time.monotonic() - started < 5  # a backtracking matcher takes hours here
