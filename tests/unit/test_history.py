"""The pieces of ``licensetier history`` that need neither git nor ScanCode."""

from __future__ import annotations

from licensetier import history, vcs
from licensetier.history import LICENSE_FILE, Event, Stated
from licensetier.models import Family

MARK = b"\x01mark\x01"
A, B = "a" * 40, "b" * 40
ZERO = "0" * 40


def record(commit: str, *raw: bytes) -> bytes:
    fields = [commit.encode(), commit[:7].encode(), b"2023-08-10T23:43:21+01:00"]
    fields += [b"2023-08-11T00:00:00+00:00", b"Bot \xc3\xa9", b"bot@example.invalid", b"s"]
    head = b"\0".join(fields)
    return MARK + head + b"\0\0\n" + b"\0".join(raw) + b"\0"


def test_log_records_with_additions_renames_and_a_malformed_line() -> None:
    output = record(
        "c" * 40,
        f":000000 100644 {ZERO} {A} A".encode(),
        b"LICENSE",
        f":100644 100644 {A} {B} R087".encode(),
        b"COPYING",
        b"LICENSE.txt",
        b":garbage",
        f":100644 000000 {B} {ZERO} D".encode(),
        "caf\u00e9/README.md".encode(),
    ) + record("d" * 40)
    first, second = vcs._parse_log(output, MARK)
    assert (first.id, first.short, first.author, first.author_date) == (
        "c" * 40,
        "c" * 10,
        "Bot \u00e9",
        "2023-08-10T23:43:21+01:00",
    )
    assert [(c.status, c.old_path, c.path, c.old_blob, c.new_blob) for c in first.changes] == [
        ("A", "LICENSE", "LICENSE", None, A),
        ("R", "COPYING", "LICENSE.txt", A, B),
        ("D", "caf\u00e9/README.md", "caf\u00e9/README.md", B, None),
    ]
    assert second.changes == ()


def test_pathspecs_name_the_watched_files_of_each_directory_literally() -> None:
    specs = history.pathspecs(["", "we*ird/"])
    assert ":(glob,icase)*licen[cs]e*" in specs
    assert ":(literal)package.json" in specs
    assert ":(glob)*.gemspec" in specs
    assert ":(glob)build.gradle.kts" in specs
    assert ":(glob,icase)we\\*ird/*copying*" in specs
    assert ":(literal)we*ird/README.md" in specs
    assert [history.file_kind(n) for n in ("COPYING", "Cargo.toml", "README.md", "main.go")] == [
        LICENSE_FILE,
        history.MANIFEST,
        history.MODEL_CARD,
        None,
    ]


def test_a_license_file_replaced_in_one_commit_is_one_change() -> None:
    commit = vcs.Commit(A, A[:10], "2024-03-20", "2024-03-20", "P", "p@x", "s", ())
    bsd = Stated("bsd-new", "BSD-3-Clause", Family.PERMISSIVE)
    sspl = Stated("sspl-1.0", "SSPL-1.0", Family.SOURCE_AVAILABLE)
    events = [
        Event(commit, "removed", "COPYING", LICENSE_FILE, bsd, None),
        Event(commit, "added", "LICENSE.txt", LICENSE_FILE, None, sspl),
        Event(commit, "added", "sub/LICENSE", LICENSE_FILE, None, sspl),
    ]
    paired = history._paired(events)
    assert [(e.kind, e.path, e.old_path) for e in paired] == [
        ("changed", "LICENSE.txt", "COPYING"),
        ("added", "sub/LICENSE", None),
    ]
    assert paired[0].warning == (
        "the license moved from open (permissive) to source-available: BSD-3-Clause -> SSPL-1.0"
    )


def test_only_a_move_from_open_to_not_open_warns() -> None:
    mit = Stated("mit", "MIT", Family.PERMISSIVE)
    agpl = Stated("agpl-3.0", "AGPL-3.0-only", Family.COPYLEFT)
    custom = Stated("x", "LicenseRef-x", Family.CUSTOM)
    unknown = Stated("unknown", None, Family.UNKNOWN)
    assert history._warning(mit, agpl) is None
    assert history._warning(custom, mit) is None
    assert history._warning(mit, unknown) is None
    assert history._warning(agpl, custom) is not None
