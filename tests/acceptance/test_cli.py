"""The CLI as a user meets it: the console script, options, exit codes, messages."""

from __future__ import annotations

import json
import shutil
import signal
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import click
import jsonschema
import pytest

from licensetier import __version__
from licensetier.cli.common import translate_errors
from tests.conftest import REPO, Run, make_git_repo

SCRIPT = Path(sys.executable).parent / "licensetier"


def console(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *map(str, args)], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_console_script_version() -> None:
    done = console("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"licensetier, version {__version__}"


def test_help_lists_every_command_and_a_mistyped_one_gets_a_suggestion(
    run_cli: Callable[..., Run],
) -> None:
    from licensetier.cli.main import COMMANDS

    listed = run_cli("--help")
    assert listed.exit_code == 0
    lines = listed.stdout.split("Commands:")[1].strip().splitlines()
    assert [line.split()[0] for line in lines] == sorted(COMMANDS)
    for name in COMMANDS:  # each resolves, under its own name, with its own help
        shown = run_cli(name, "--help")
        assert shown.exit_code == 0, name
        assert f" {name} [OPTIONS]" in shown.stdout
    typo = run_cli("scna", ".")
    assert typo.exit_code == 2
    assert "No such command 'scna'. Did you mean 'scan'?" in typo.stderr
    assert "Did you mean 'pre-commit'?" in run_cli("pre-comit").stderr
    unknown = run_cli("frobnicate")
    assert unknown.exit_code == 2
    assert "No such command 'frobnicate'." in unknown.stderr
    assert "Did you mean" not in unknown.stderr
    assert "Did you mean '--version'?" in run_cli("--verison").stderr


def test_a_command_imports_only_its_own_modules(tmp_path: Path) -> None:
    """A commit hook's scan does not import what the other commands need."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("print('hello')\n", encoding="utf-8")
    make_git_repo(repo)
    code = (
        "import sys\n"
        "from licensetier.cli.main import cli\n"
        "try:\n"
        "    cli(['scan', sys.argv[1], '--no-cache', '--offline', '--format', 'json'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('licensetier.cli.')),"
        " file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(repo)], capture_output=True, text=True, check=False
    )
    loaded = done.stderr.strip().splitlines()[-1]
    assert "'licensetier.cli.scan'" in loaded, done.stderr
    for other in ("readiness", "history", "notice", "openness", "explain", "rules"):
        assert f"'licensetier.cli.{other}'" not in loaded, loaded
    assert json.loads(done.stdout)["files"]


@pytest.mark.skipif(not hasattr(signal, "SIGPIPE"), reason="POSIX pipes")
def test_a_reader_that_stops_early_ends_it_quietly() -> None:
    """`licensetier rules | head -1`: the closed pipe ends the process as it ends cat,
    not with a BrokenPipeError reported as an internal error (exit 3)."""
    with subprocess.Popen(
        [str(SCRIPT), "rules"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        proc.stdout.close()  # before it writes: its first write finds the pipe closed
        err = proc.stderr.read()
        code = proc.wait(timeout=60)
    assert code in (0, -signal.SIGPIPE)
    assert b"internal error" not in err
    assert b"Broken pipe" not in err


def test_console_script_scans_a_fixture_and_writes_json(
    fixture_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = fixture_repo("sdk-vendors-agpl")
    out = tmp_path / "report.json"
    done = console("scan", ".", "--format", "json", "--output", out, cwd=repo)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert f"wrote json report to {out}" in done.stderr
    report = json.loads(out.read_text())
    assert [f["path"] for f in report["findings"] if f["severity"] == "error"] == [
        "vendor/tracker/tracker.py"
    ]


def test_json_report_matches_its_documented_schema(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    schema = json.loads((REPO / "docs" / "report-schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for name in ("monorepo", "sdk-vendors-agpl", "sdk-npm-dependencies", "tooling-python-deps"):
        report = run_cli("scan", fixture_repo(name), "--format", "json").json()
        jsonschema.validate(report, schema)
        assert report["schema_version"] == schema["properties"]["schema_version"]["const"]
        with_dependencies = name in ("sdk-npm-dependencies", "tooling-python-deps")
        assert bool(report["dependencies"]) is with_dependencies
        root = next(a for a in report["artifacts"] if a["path"] == ".")
        if name == "sdk-npm-dependencies":  # the project as its manifest names it
            assert (root["name"], root["version"], root["identity_source"]) == (
                "acme-js-sdk",
                "2.0.0",
                "package.json",
            )


def test_usage_errors_exit_2_without_traceback(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("clean-sdk")
    bad_kind = run_cli("scan", repo, "--kind", "spaceship")
    assert bad_kind.exit_code == 2
    assert "--kind: unknown kind 'spaceship'" in bad_kind.stderr
    bad_license = run_cli("scan", repo, "--license", "Not-A-License-1.0")
    assert bad_license.exit_code == 2
    assert "--license" in bad_license.stderr
    missing = run_cli("scan", repo / "nope")
    assert missing.exit_code == 2
    bad_size = run_cli("scan", repo, "--max-file-size", "lots")
    assert bad_size.exit_code == 2
    assert "--max-file-size" in bad_size.stderr


def test_kind_flag_declares_the_root(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("clean-sdk")
    # The same Apache-2.0 SDK declared as held-back training code: its open LICENSE is an error.
    run = run_cli("scan", repo, "--kind", "training-pipeline", "--format", "json")
    assert run.exit_code == 1
    report = run.json()
    assert report["artifacts"][0]["tier"] == "rarely-open"
    assert [f["rule"] for f in report["findings"] if f["severity"] == "error"] == [
        "declared-permissive"
    ]


def test_intended_license_flag_is_checked_against_the_files(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("clean-sdk")
    run = run_cli("scan", repo, "--license", "MIT", "--format", "json")
    assert run.exit_code == 1
    (error,) = [f for f in run.json()["findings"] if f["severity"] == "error"]
    assert error["rule"] == "declared-license-mismatch"
    assert "MIT" in error["message"]
    assert "Apache-2.0" in error["message"]


def test_no_tier_declared_still_reports_licenses(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    shutil.copytree(REPO / "fixtures" / "sdk-vendors-agpl", tmp_path / "r")
    (tmp_path / "r" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    run = run_cli("scan", tmp_path / "r", "--format", "json")
    report = run.json()
    assert run.exit_code == 0
    assert report["artifacts"][0]["tier"] is None
    assert any("No tier was declared" in n for n in report["notes"])
    agpl = next(f for f in report["files"] if f["path"] == "vendor/tracker/tracker.py")
    assert (agpl["family"], agpl["strength"]) == ("copyleft", "network")
    text = run_cli("scan", tmp_path / "r")
    assert "No tier was declared" in text.stdout
    assert "AGPL-3.0-or-later" in text.stdout


def test_exceptions_from_config_downgrade_and_expire(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("sdk-vendors-agpl", git_repo=False)
    with (repo / "pyproject.toml").open("a") as fh:
        fh.write(
            '\n[[tool.licensetier.exceptions]]\npath = "vendor/**"\n'
            'reason = "Tracker is being replaced (ABC-1)"\nexpires = 2999-01-01\n'
        )
    run = run_cli("scan", repo, "--format", "json")
    assert run.exit_code == 0
    (excepted,) = [f for f in run.json()["findings"] if f["excepted"]]
    assert excepted["severity"] == "info"
    assert excepted["excepted"] == "Tracker is being replaced (ABC-1)"
    text = (repo / "pyproject.toml").read_text().replace("2999-01-01", "2020-01-01")
    (repo / "pyproject.toml").write_text(text)
    run = run_cli("scan", repo, "--format", "json")
    assert run.exit_code == 1
    rules = {(f["severity"], f["rule"]) for f in run.json()["findings"]}
    assert ("error", "component-copyleft-network") in rules
    assert ("warning", "exception-expired") in rules


def png() -> bytes:
    """A 1x1 PNG image: ScanCode reads no text from an image, so it is skipped."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0\0")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_verbose_lists_skipped_files_and_quiet_is_short(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    repo = tmp_path / "r"
    shutil.copytree(REPO / "fixtures" / "clean-sdk", repo)
    (repo / "logo.png").write_bytes(png())
    (repo / "data.csv").write_text("a,b\n" * 5000)
    make_git_repo(repo)
    verbose = run_cli("scan", repo, "--verbose", "--max-file-size", "15KB")
    assert "logo.png: binary file" in verbose.stdout
    assert "data.csv: larger than the size cap" in verbose.stdout
    assert "src/sdk/retry.py: MIT" in verbose.stdout
    assert "5 files scanned, 2 skipped" in verbose.stdout
    quiet = run_cli("scan", repo, "--quiet", "--max-file-size", "15KB")
    assert quiet.stdout.strip().splitlines() == [
        # the clean SDK's open-readiness: no NOTICE, no CONTRIBUTING, no trademark word
        "5 files scanned, 2 skipped (--verbose lists them); 0 errors, 0 warnings, 3 infos"
    ]


def test_unreadable_manifest_is_reported_and_the_scan_goes_on(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("monorepo", git_repo=False)
    (repo / "sdk" / "package.json").write_text('{"name": "x", "license": "MIT",,}')
    run = run_cli("scan", repo, "--format", "json")
    report = run.json()
    (problem,) = report["errors"]
    assert problem["path"] == "sdk/package.json"
    assert problem["line"] == 1
    # The rest of the scan happened: the GPL file in the SDK is still an error.
    assert any(f["path"] == "sdk/acme/gplhelper.js" for f in report["findings"])
    text = run_cli("scan", repo)
    assert "Problems while scanning (1)" in text.stdout
    assert "sdk/package.json:1" in text.stdout


def test_internal_errors_exit_3_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    @click.command()
    @translate_errors
    def broken() -> None:
        raise RuntimeError("boom")

    with pytest.raises(SystemExit) as info:
        broken.main([], standalone_mode=False)
    assert info.value.code == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err
    assert "Traceback" not in err


def test_explain_or_expression() -> None:
    done = console("explain", "MIT OR GPL-3.0-only", "--format", "json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["license"] == "MIT OR GPL-3.0-only"
    assert payload["family"] == "permissive"
    verdicts = {(v["tier"], v["kind"]): v for v in payload["tiers"]}
    assert verdicts[("typically-open", None)]["as_component"] == "ok"
    assert verdicts[("typically-open", None)]["chosen"] == "mit"
    # For held-back tooling an open license is the problem, not the solution.
    assert verdicts[("rarely-open", None)]["as_declared_license"] == "error"


def test_explain_text_and_traps() -> None:
    sspl = console("explain", "SSPL-1.0")
    assert sspl.returncode == 0
    assert "family: source-available" in sspl.stdout
    assert "rarely-open, kind commercial-tooling:" in sspl.stdout
    boost = console("explain", "BSL-1.0", "--format", "json")
    assert json.loads(boost.stdout)["family"] == "permissive"  # Boost, not Business Source
    # SPDX ids are case-insensitive, so "bsl-1.0" is Boost too; ScanCode's key needs its
    # LicenseRef form.
    assert json.loads(console("explain", "bsl-1.0", "--format", "json").stdout)["family"] == (
        "permissive"
    )
    business = console("explain", "LicenseRef-scancode-bsl-1.0", "--format", "json")
    assert json.loads(business.stdout)["family"] == "source-available"
    unknown = console("explain", "no such license at all, really")
    assert unknown.returncode == 2
    assert "Traceback" not in unknown.stderr


def test_progress_bar_only_on_a_terminal(fixture_repo: Callable[..., Path]) -> None:
    import os
    import pty

    repo = fixture_repo("clean-sdk")
    pid, fd = pty.fork()
    if pid == 0:  # child: stdout and stderr are the terminal
        os.execv(str(SCRIPT), [str(SCRIPT), "scan", str(repo)])
    chunks = []
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    shown = b"".join(chunks).decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0
    assert "scanning" in shown
    assert "5 files scanned" in shown
    # Not a terminal: no progress bar on stderr.
    assert "scanning" not in console("scan", repo).stderr
