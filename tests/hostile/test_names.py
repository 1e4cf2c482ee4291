"""File names a repository may hold: bytes that are not UTF-8, control characters (an
ESC that would recolour a terminal, a newline, a tab, \\x01), a backslash, and the
characters GitHub's workflow commands give a meaning to (``%0A``, ``::``, ``,``).

Each is a real file, created with its raw bytes in ``tmp_path``, in a plain directory
(no git) and under ``--staged``. Every format writes every name, in its own convention,
never lost and never raw: JSON escapes them itself; text, markdown, github, SPDX and
CycloneDX write :func:`licensetier.printable.printable` (``\\xe9``, ``\\x1b``, ``\\n``,
``\\\\``); SARIF writes the raw bytes percent-encoded in ``artifactLocation.uri``.
Through standard output (strict UTF-8), ``--output`` and ``--also``, and through the
console script with the Action's own command line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

import pytest
from jsonschema.validators import validator_for

from licensetier.printable import path_uri, printable, without_surrogates
from tests.conftest import Run, git
from tests.unit.test_reporters_sbom import cdx_problems, spdx_problems

SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "schemas" / "sarif-schema-2.1.0.json"

# raw name -> how text, markdown, github, SPDX and CycloneDX show it
NAMES: dict[bytes, str] = {
    b"caf\xe9.py": "caf\\xe9.py",  # Latin-1, not UTF-8
    b"\x1b[31mred.py": "\\x1b[31mred.py",  # an ANSI escape
    b"new\nline.py": "new\\nline.py",  # a newline in a file name
    b"tab\tx\x01.py": "tab\\tx\\x01.py",
    b"back\\slash.py": "back\\\\slash.py",
    b"%0A.py": "%0A.py",  # a workflow command's escape, literally
    b"a::b,c.py": "a::b,c.py",  # a workflow command's separators
}
# how SARIF's artifactLocation.uri writes them: the raw bytes percent-encoded
URIS: dict[bytes, str] = {
    b"caf\xe9.py": "caf%E9.py",
    b"\x1b[31mred.py": "%1B%5B31mred.py",
    b"new\nline.py": "new%0Aline.py",
    b"tab\tx\x01.py": "tab%09x%01.py",
    b"back\\slash.py": "back%5Cslash.py",
    b"%0A.py": "%250A.py",
    b"a::b,c.py": "a%3A%3Ab%2Cc.py",
}
# how a workflow command's file= property writes them (GitHub's documented escaping)
GITHUB_FILES: dict[bytes, str] = {
    b"caf\xe9.py": "caf\\xe9.py",
    b"\x1b[31mred.py": "\\x1b[31mred.py",
    b"new\nline.py": "new\\nline.py",
    b"tab\tx\x01.py": "tab\\tx\\x01.py",
    b"back\\slash.py": "back\\\\slash.py",
    b"%0A.py": "%250A.py",
    b"a::b,c.py": "a%3A%3Ab%2Cc.py",
}

AGPL_LINE = b"# SPDX-License-Identifier: AGPL-3.0-only\nx = 1\n"
FORMATS = ("text", "json", "markdown", "sarif", "spdx", "cyclonedx", "github")


def make_names(root: Path) -> Path:
    """A tree with a file under the AGPL for each hostile name, in an SDK declared MIT
    (so that each file is a finding, with its name in every report)."""
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "names"\nversion = "1.0"\nlicense = "MIT"\n', encoding="utf-8"
    )
    for raw in NAMES:
        fd = os.open(os.path.join(os.fsencode(root), raw), os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            os.write(fd, AGPL_LINE)
        finally:
            os.close(fd)
    return root


@pytest.fixture
def names(tmp_path: Path) -> Path:
    return make_names(tmp_path / "names")


def sarif_problems(log: dict[str, Any]) -> list[str]:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = validator_for(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return [e.message for e in validator.iter_errors(log)]


def recovered(shown: str) -> bytes:
    """The raw bytes back from a printable name (all our names are ASCII apart from
    what is escaped): the escape loses nothing."""
    return shown.encode("ascii").decode("unicode_escape").encode("latin-1")


def check_report(fmt: str, text: str) -> None:
    """``text`` is the report in ``fmt`` of a scan of :func:`make_names`: every name is
    there, in the format's convention, and nothing raw."""
    assert "\x1b" not in text, f"{fmt}: a raw ESC"
    assert "\x01" not in text, f"{fmt}: a raw control character"
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in text), f"{fmt}: a lone surrogate"
    if fmt == "json":
        report = json.loads(text)
        paths = {f["path"] for f in report["findings"] if f["severity"] == "error"}
        assert paths == {os.fsdecode(raw) for raw in NAMES}
    elif fmt == "sarif":
        log = json.loads(text)
        assert sarif_problems(log) == []
        uris = {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"]
            if r["level"] == "error"
        }
        assert uris == set(URIS.values())
        assert {unquote_to_bytes(u) for u in uris} == set(NAMES)
    elif fmt == "spdx":
        document = json.loads(text)
        assert spdx_problems(document) == []
        file_names = {f["fileName"] for f in document["files"]}
        assert {f"./{shown}" for shown in NAMES.values()} <= file_names
    elif fmt == "cyclonedx":
        assert cdx_problems(text) == []
        bom = json.loads(text)
        components = {c["name"] for c in bom["components"] if c["type"] == "file"}
        assert set(NAMES.values()) <= components
        refs = [c["bom-ref"] for c in bom["components"]]
        assert len(refs) == len(set(refs))
    elif fmt == "github":
        lines = text.splitlines()
        assert all(line.startswith("::") for line in lines), "a name broke a command's line"
        files = {
            line.split("file=", 1)[1].split(",line=", 1)[0]
            for line in lines
            if line.startswith("::error ")
        }
        assert files == set(GITHUB_FILES.values())
    elif fmt == "markdown":
        for shown in NAMES.values():
            assert f"`{shown}:1`" in text, shown
        rows = [line for line in text.splitlines() if line.startswith("| error |")]
        assert len(rows) == len(NAMES), "a name broke a table row"
        assert all(r.endswith(" |") for r in rows)
    else:
        assert fmt == "text"
        for shown in NAMES.values():
            assert f"{shown}:1" in text, shown


def test_printable_and_uri_conventions() -> None:
    for raw, shown in NAMES.items():
        name = os.fsdecode(raw)
        assert printable(name) == shown
        assert recovered(shown) == raw
        assert path_uri(name) == URIS[raw]
        assert unquote_to_bytes(path_uri(name)) == raw
    assert printable("src/ünïcode/模型.py") == "src/ünïcode/模型.py"  # any script, as it is
    assert printable("evil\u202eyp.txt") == "evil\\u202eyp.txt"  # a bidirectional override
    assert printable("a\u2028b\x7fc") == "a\\u2028b\\x7fc"
    assert without_surrogates({"k\udce9": ["caf\udce9", 1, None]}) == {
        "k\\xe9": ["caf\\xe9", 1, None]
    }


def test_every_format_writes_every_name_to_output_and_also(
    names: Path, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    also = [a for fmt in FORMATS if fmt != "json" for a in ("--also", f"{fmt}={out / fmt}")]
    run = run_cli(
        "scan", names, "--kind", "sdk", "--no-deps", "--format", "json",
        "--output", out / "json", *also,
    )  # fmt: skip
    assert run.exit_code == 1, run.stderr
    for fmt in FORMATS:
        check_report(fmt, (out / fmt).read_bytes().decode("utf-8"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_writes_every_name_to_stdout(
    fmt: str, names: Path, run_cli: Callable[..., Run]
) -> None:
    # click's test runner writes standard output as strict UTF-8: a lone surrogate
    # would raise here
    run = run_cli("scan", names, "--kind", "sdk", "--no-deps", "--format", fmt)
    assert run.exit_code == 1, run.stderr
    check_report(fmt, run.stdout)


def test_the_actions_command_line_with_hostile_names(names: Path, tmp_path: Path) -> None:
    """The console script, as .github-action/scan.sh runs it (annotations on stdout,
    JSON, the job summary and SARIF beside), with standard output strict UTF-8."""
    report, summary, sarif = tmp_path / "r.json", tmp_path / "summary.md", tmp_path / "r.sarif"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "LC_ALL": "C.UTF-8"}
    done = subprocess.run(
        [
            sys.executable, "-m", "licensetier", "scan", str(names), "--kind", "sdk",
            "--no-deps", "--format", "github", "--also", f"json={report}",
            "--also", f"markdown={summary}", "--also", f"sarif={sarif}",
        ],
        capture_output=True,
        env=env,
        check=False,
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr.decode("utf-8", "replace")
    check_report("github", done.stdout.decode("utf-8"))
    check_report("json", report.read_text(encoding="utf-8"))
    check_report("markdown", summary.read_text(encoding="utf-8"))
    check_report("sarif", sarif.read_text(encoding="utf-8"))


def test_staged_scan_with_hostile_names(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    """``--staged`` reads the names from git's index (``ls-files -z``, decoded as the
    walk decodes a directory's names)."""
    root = make_names(tmp_path / "staged")
    git(root, "init", "-q")
    git(root, "add", "-A")
    run = run_cli("scan", root, "--staged", "--kind", "sdk", "--no-deps", "--format", "json")
    assert run.exit_code == 1, run.stderr
    check_report("json", run.stdout)
    text = run_cli("scan", root, "--staged", "--kind", "sdk", "--no-deps", "--format", "text")
    assert text.exit_code == 1, text.stderr
    check_report("text", text.stdout)


def test_a_baseline_of_hostile_names_is_written_and_read_back(
    names: Path, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """``licensetier baseline`` writes the names escaped; the fingerprints hash the raw
    bytes, so the next scan finds every finding in the baseline."""
    baseline = tmp_path / "baseline.json"
    (names / "licensetier.toml").write_text(
        '[[artifacts]]\npath = "."\nkind = "sdk"\n', encoding="utf-8"
    )
    written = run_cli("baseline", names, "--offline", "--output", baseline)
    assert written.exit_code == 0, written.stderr
    paths = {f["path"] for f in json.loads(baseline.read_text(encoding="utf-8"))["findings"]}
    # JSON: control characters JSON-escaped, a byte that is not UTF-8 written \xe9
    assert {without_surrogates(os.fsdecode(raw)) for raw in NAMES} <= paths
    assert "caf\\xe9.py" in paths
    run = run_cli("scan", names, "--offline", "--baseline", baseline)
    assert run.exit_code == 0, run.stdout
    # 7 AGPL files and the open-readiness warning: pyproject.toml states the license,
    # no LICENSE file carries it (readiness-license-file)
    assert "Existing before, not failing (8)" in run.stdout
