"""One result for every command: the reporters of ``deps`` and ``notice`` and the
status lines render a hand-built :class:`ScanResult`, without reading anything; the
SBOM reporters take the checksums the result carries; the exit status comes from
:meth:`ScanResult.worst`."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from licensetier import rules
from licensetier.cli.scan import exit_code
from licensetier.models import (
    Artifact,
    Dependency,
    FileResult,
    Finding,
    Notice,
    NoticeText,
    ScanError,
    ScanResult,
    Section,
    Severity,
)
from licensetier.reporters import cyclonedx, deps, notice, spdx, status
from licensetier.reporters.json_report import dependency

SHA1 = "a" * 40


def _dependency(name: str, *, direct: bool = True, license_: str | None = "MIT") -> Dependency:
    return Dependency(
        ecosystem="npm",
        name=name,
        version="1.0.0",
        purl=f"pkg:npm/{name}@1.0.0",
        direct=direct,
        scope="runtime",
        manifest="package.json",
        artifact=".",
        license=license_,
        license_source="lockfile" if license_ else "unresolved",
        reason=None if license_ else "the lockfile names no license",
    )


def _result(**fields: object) -> ScanResult:
    base = ScanResult(
        root="/repo",
        artifacts=(Artifact(".", None, None, None, origin="implicit"),),
        files=(),
        skipped=(),
        findings=(),
        errors=(),
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def _finding(severity: Severity, *, existing: bool = False) -> Finding:
    made = rules.finding(
        "component-copyleft-strong",
        severity=severity,
        message="m",
        artifact=".",
        path="a.py",
        line=1,
        license="GPL-3.0-only",
    )
    return replace(made, existing=existing)


def test_deps_json_renders_the_result() -> None:
    found = (_dependency("tiny-http"), _dependency("mystery", direct=False, license_=None))
    result = _result(
        dependencies=found,
        engine={"registries": "npm: --npm-registry"},
        errors=(ScanError("sub/package-lock.json", "not JSON", 2),),
    )
    text = deps.render(result, fmt="json")
    assert text.endswith("}\n")
    assert json.loads(text) == {
        "root": "/repo",
        "tool": {"name": "licensetier", "registries": "npm: --npm-registry"},
        "dependencies": [dependency(d) for d in found],
        "errors": [{"path": "sub/package-lock.json", "line": 2, "message": "not JSON"}],
    }


def test_deps_table_renders_the_result_without_colour() -> None:
    found = (_dependency("tiny-http"), _dependency("mystery", direct=False, license_=None))
    result = _result(dependencies=found, errors=(ScanError("Cargo.toml", "[bad]", 3),))
    text = deps.render(result)
    assert "\x1b[" not in text
    lines = text.splitlines()
    row = next(line for line in lines if line.startswith("tiny-http@1.0.0"))
    assert row.split() == ["tiny-http@1.0.0", "npm", "direct", "MIT", "-", "lockfile"]
    assert "2 dependencies, 1 direct; 1 unresolved" in lines
    assert "  mystery@1.0.0 (package.json): the lockfile names no license" in lines
    assert lines[-1] == "problem: Cargo.toml:3: [bad]"  # markup is not read in messages
    assert deps.render(_result()) == "0 dependencies, 0 direct; 0 unresolved\n"


def test_the_notice_reporter_renders_the_notice_the_result_carries() -> None:
    section = Section(
        kind="dependency",
        title="tiny-http 1.0.0 (npm)",
        purl="pkg:npm/tiny-http@1.0.0",
        license="Apache-2.0",
        copyrights=("Copyright 2024 Tiny",),
        files=("node_modules/tiny-http/NOTICE",),
        notices=(NoticeText("node_modules/tiny-http/NOTICE", "Tiny HTTP\n"),),
    )
    result = _result(notice=Notice("repo", (section,), include_dev=False, dev_left_out=1))
    text = notice.render(result)
    assert text.startswith("THIRD-PARTY NOTICES for repo\n")
    assert "Development-only dependencies are left out (they are not shipped): 1 left out." in text
    assert "NOTICE file node_modules/tiny-http/NOTICE:" in text
    markdown = notice.render(result, fmt="markdown")
    assert markdown.startswith("# Third-party notices for repo\n")
    assert "- Package URL: `pkg:npm/tiny-http@1.0.0`" in markdown
    with pytest.raises(ValueError, match="no notice"):
        notice.render(_result())


def test_status_lines() -> None:
    result = _result(
        findings=(_finding(Severity.ERROR), _finding(Severity.WARNING)),
        errors=(ScanError("a.py", "unreadable", None), ScanError("b.toml", "bad", 4)),
        not_scanned=3,
    )
    assert status.report_written(result, "json", Path("out.json")) == (
        "licensetier: wrote json report to out.json (1 error, 1 warning, 2 scan problems; "
        "INCOMPLETE: 3 files not scanned within the time budget)"
    )
    assert status.report_written(_result(), "sarif", Path("x.sarif")) == (
        "licensetier: wrote sarif report to x.sarif (0 errors, 0 warnings)"
    )
    assert status.problems(result) == [
        "licensetier: warning: a.py: unreadable",
        "licensetier: warning: b.toml:4: bad",
    ]
    noticed = _result(notice=Notice("repo", (), include_dev=True))
    assert status.notice_written(noticed, Path("NOTICE")) == (
        "licensetier: wrote the notice of 0 dependencies and 0 vendored directories to NOTICE"
    )


def test_the_exit_status_comes_from_the_result() -> None:
    assert _result().worst() == 0
    existing = _result(findings=(_finding(Severity.ERROR, existing=True),))
    assert existing.worst() == 0  # at --diff-base or in the baseline: does not fail
    assert exit_code(existing, "warning") == 0
    warned = _result(findings=(_finding(Severity.WARNING),))
    assert (exit_code(warned, "error"), exit_code(warned, "warning")) == (0, 1)
    problem = _result(errors=(ScanError("a.py", "unreadable"),))
    assert problem.worst() == Severity.WARNING.rank
    incomplete = _result(not_scanned=1)
    assert incomplete.worst() == Severity.ERROR.rank
    assert exit_code(incomplete, "never") == 0


def test_sbom_reporters_take_the_checksums_the_result_carries() -> None:
    file = FileResult("LICENSE", "mit", "MIT")
    result = _result(files=(file,), checksums={"LICENSE": SHA1})
    document = json.loads(spdx.render(result))
    assert [f["checksums"] for f in document["files"]] == [
        [{"algorithm": "SHA1", "checksumValue": SHA1}]
    ]
    bom = json.loads(cyclonedx.render(result))
    (component,) = [c for c in bom["components"] if c["type"] == "file"]
    assert component["hashes"] == [{"alg": "SHA-1", "content": SHA1}]
    # an explicit option still wins; without checksums no file is listed in SPDX
    other = "b" * 40
    document = json.loads(spdx.render(result, file_checksums={"LICENSE": other}))
    assert document["files"][0]["checksums"][0]["checksumValue"] == other
    assert json.loads(spdx.render(replace(result, checksums={}))).get("files", []) == []
