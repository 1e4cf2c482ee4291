"""The text report for people (issue 16, point 5): findings grouped by rule with the
rule's why and what to do once, wrapped to the width asked for with their
indentation, plurals right, an ``[[exceptions]]`` table to paste, and --quiet still
showing warnings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from licensetier import formats, rules
from licensetier.config import load_config
from licensetier.license_db import LicenseDB
from licensetier.models import Artifact, FileResult, Finding, ScanResult, Severity, Tier
from licensetier.policy import apply_exceptions
from licensetier.reporters import text
from licensetier.tiers import load_tiers
from tests.conftest import Run

GPL_FILES = [f"contracts/interfaces/I{n}.sol" for n in range(19)]


def _component(path: str, license_: str = "GPL-2.0-or-later") -> Finding:
    return rules.finding(
        "component-copyleft-strong",
        severity=Severity.ERROR,
        message=f"{path}: {license_} is copyleft (strong), which conflicts with the "
        'typically-open tier of artifact "." (sdk, typically-open)',
        artifact=".",
        path=path,
        line=1,
        license=license_,
    )


def _warning() -> Finding:
    return rules.finding(
        "component-unknown",
        severity=Severity.WARNING,
        message="docs/x.md: LicenseRef-scancode-unknown is unknown",
        artifact=".",
        path="docs/x.md",
        line=3,
        license="LicenseRef-scancode-unknown",
    )


def _result(findings: list[Finding], files: int = 19) -> ScanResult:
    return ScanResult(
        root="/repo",
        artifacts=(Artifact(".", "sdk", Tier.TYPICALLY_OPEN, None, origin="licensetier.toml"),),
        files=tuple(FileResult(f"f{i}.py", None, None) for i in range(files)),
        skipped=(),
        findings=tuple(findings),
        errors=(),
    )


def test_nineteen_findings_of_one_rule_say_why_once() -> None:
    findings = [_component(p) for p in GPL_FILES]
    shown = text.render(_result(findings), width=100, verbose=True)
    lines = shown.splitlines()
    assert shown.count("why: ") == 1
    assert shown.count("do:  ") == 1
    assert "  ERROR component-copyleft-strong (19 findings)" in lines
    # the message once, each place under it
    assert shown.count("GPL-2.0-or-later is copyleft (strong)") == 1
    assert [line for line in lines if line.startswith("      contracts/")] == [
        f"      {p}:1" for p in GPL_FILES
    ]
    assert max(len(line.rstrip()) for line in lines) <= 100
    assert len(lines) <= 45  # 19 findings took 105 lines, a why and a do each


def test_without_verbose_a_long_list_of_places_is_cut() -> None:
    shown = text.render(_result([_component(p) for p in GPL_FILES]), width=100)
    assert "      contracts/interfaces/I9.sol:1" in shown
    assert "      ... and 9 more (--verbose lists each)" in shown


@pytest.mark.parametrize("width", [60, 80, 140])
def test_prose_wraps_to_the_width_keeping_its_indentation(width: int) -> None:
    shown = text.render(_result([_component(p) for p in GPL_FILES[:3]]), width=width)
    lines = shown.splitlines()
    assert all(len(line.rstrip()) <= width for line in lines), width
    why = next(i for i, line in enumerate(lines) if line.startswith("    why: "))
    following = lines[why + 1]
    if not following.startswith("    do:"):  # the why went on: under its first word
        assert following.startswith(" " * 9)
        assert following[9] != " "
    # a path is never cut
    assert "      contracts/interfaces/I2.sol:1" in lines


def test_plurals() -> None:
    one = text.render(_result([_component("a.sol"), _warning()], files=1))
    assert one.splitlines()[-1] == "1 file scanned, 0 skipped; 1 error, 1 warning, 0 infos"
    many = text.render(_result([_component("a.sol"), _component("b.sol")], files=2))
    assert many.splitlines()[-1] == "2 files scanned, 0 skipped; 2 errors, 0 warnings, 0 infos"


def test_quiet_keeps_errors_and_warnings_and_their_reasons() -> None:
    shown = text.render(_result([_component("a.sol"), _warning()]), quiet=True)
    assert "Errors (1)" in shown
    assert "Warnings (1)" in shown
    assert "docs/x.md:3: LicenseRef-scancode-unknown is unknown" in shown
    assert "why: No license could be identified" in shown
    assert "[[exceptions]]" not in shown  # a commit hook's output stays short


def test_the_exception_to_paste_accepts_what_it_is_shown_for(
    tmp_path: Path,
) -> None:
    findings = [_component(p) for p in GPL_FILES[:3]] + [_component("LICENSE")]
    today = dt.date(2026, 12, 4)
    snippet = text.exception_snippet(findings[:3], today)
    assert snippet == [
        "[[exceptions]]",
        'path = "contracts/interfaces/**"',
        'license = "GPL-2.0-or-later"',
        'reason = ""  # required: why this is accepted',
        "expires = 2027-06-04",
    ]
    assert text.exception_snippet(findings[3:], today)[1] == 'path = "/LICENSE"'
    shown = text.render(_result(findings))
    assert "to accept these 4, add to licensetier.toml" in shown
    assert shown.count("[[exceptions]]") == 2  # contracts/interfaces/** and /LICENSE
    # pasted (with its reason written), it parses and excepts those findings
    pasted = "\n".join(snippet).replace('reason = ""', 'reason = "vendored interfaces"')
    (tmp_path / "licensetier.toml").write_text(pasted + "\n", encoding="utf-8")
    assert formats.load_toml(pasted)["exceptions"][0]["expires"] == dt.date(2027, 6, 4)
    db = LicenseDB.load()
    config = load_config(tmp_path, None, db, load_tiers())
    after = apply_exceptions(findings, config, db, today)
    assert [f.excepted for f in after] == ["vendored interfaces"] * 3 + [None]


def test_an_exception_for_a_dependency_and_a_name_to_escape() -> None:
    dep = replace(_component("package.json"), dependency="left-pad@1.3.0", path="package.json")
    assert text.exception_snippet([dep])[1] == 'dependency = "left-pad@1.3.0"'
    odd = _component('we"ird[1].sol')
    assert text.exception_snippet([odd])[1] == 'path = "/we\\"ird\\\\[1\\\\].sol"'
    artifact_wide = replace(_component("x"), path=None)
    assert text.exception_snippet([artifact_wide]) == []


def test_every_file_skipped_by_the_size_cap_is_said(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    (tmp_path / "a.py").write_text("print(1)\n")
    run = run_cli("scan", tmp_path, "--no-deps", "--no-cache", "--max-file-size", "3B")
    assert run.exit_code == 0, run.stderr
    assert "note: Every file was skipped: 1 larger than the size cap of 3 bytes" in run.stdout
    assert run.stdout.splitlines()[-1].startswith("0 files scanned, 1 skipped")


def test_the_command_line_wraps_to_columns_and_keeps_whole_lines_in_a_pipe(
    tmp_path: Path, run_cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.py").write_text("print(1)\n")
    scan = ("scan", tmp_path, "--no-deps", "--no-cache", "--max-file-size", "3B")
    monkeypatch.setenv("COLUMNS", "60")
    narrow = run_cli(*scan).stdout.splitlines()
    assert max(len(line.rstrip()) for line in narrow) <= 60
    assert "    why: Whether a license conflicts depends on what the" in narrow
    monkeypatch.delenv("COLUMNS")
    piped = run_cli(*scan).stdout  # not a terminal, no COLUMNS: whole lines for grep
    assert "    why: Whether a license conflicts depends on what the artifact is meant to be." in (
        piped.splitlines()
    )
    assert piped.count("\n") < len(narrow)


def test_an_unwrapped_report_keeps_each_message_on_one_line() -> None:
    finding = _component("contracts/a.sol")
    shown = text.render(_result([finding]), width=40, wrap=False)
    assert f"    contracts/a.sol:1: {finding.message.split(': ', 1)[1]}" in shown.splitlines()
