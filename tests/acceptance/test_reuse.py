"""REUSE layouts through ``licensetier scan --format json``: a LICENSES/ folder is the
declared license's evidence, REUSE.toml and .reuse/dep5 annotate files without a
header (beside ScanCode's answer, which stays ScanCode's), and a malformed REUSE.toml
is a scan error with its line while the scan goes on. The texts are the installed
ScanCode's own."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema

from tests.acceptance.test_declared_reasoning import text
from tests.conftest import REPO, Run, make_git_repo


def repo(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(content, encoding="utf-8")
    make_git_repo(root)
    return root


def scan(run_cli: Callable[..., Run], root: Path, *args: str) -> dict[str, Any]:
    run = run_cli("scan", root, "--no-deps", "--no-cache", "--format", "json", *args)
    assert run.exit_code in (0, 1), run.stderr
    report: dict[str, Any] = run.json()
    schema = json.loads((REPO / "docs" / "report-schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, schema)  # files[].annotated is in the documented shape
    return report


def by_path(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["path"]: i for i in items}


VENDORED = "int vendored(void) { return 1; }\n"

REUSE_TOML = """\
version = 1

[[annotations]]
path = "src/**"
SPDX-FileCopyrightText = "2026 Example SDK authors"
SPDX-License-Identifier = "Apache-2.0"

[[annotations]]
path = "vendor/**"
precedence = "override"
SPDX-FileCopyrightText = "2019 Someone Else"
SPDX-License-Identifier = "AGPL-3.0-only"
"""


def test_an_sdk_whose_reuse_toml_annotates_vendored_agpl_code(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = repo(
        tmp_path,
        {
            "LICENSES/Apache-2.0.txt": text("apache-2.0"),
            "LICENSES/AGPL-3.0-only.txt": text("agpl-3.0"),
            "pyproject.toml": '[project]\nname = "sdk"\nversion = "1"\nlicense = "Apache-2.0"\n',
            "REUSE.toml": REUSE_TOML,
            "src/sdk.py": "def hello() -> int:\n    return 1\n",
            "vendor/engine/core.c": VENDORED,
            "vendor/engine/util.c": VENDORED,
        },
    )
    report = scan(run_cli, root, "--kind", "sdk")
    (artifact,) = report["artifacts"]
    assert artifact["declared_license"] == "Apache-2.0"
    assert artifact["declared_family"] == "permissive"
    assert not artifact["declared_low_confidence"]
    declared_by = by_path(artifact["declared_by"])
    assert declared_by["LICENSES/Apache-2.0.txt"]["role"] == "grant"
    assert declared_by["LICENSES/Apache-2.0.txt"]["field"] == "LICENSES/"
    assert declared_by["LICENSES/AGPL-3.0-only.txt"]["role"] == "companion"
    assert "some of the project's files" in declared_by["LICENSES/AGPL-3.0-only.txt"]["note"]

    files = by_path(report["files"])
    core = files["vendor/engine/core.c"]
    assert core["license"] is None  # ScanCode's answer stays ScanCode's
    assert core["annotated"] == {
        "license": "AGPL-3.0-only",
        "path": "REUSE.toml",
        "line": 8,
        "precedence": "override",
        "effective_license": "AGPL-3.0-only",
    }
    assert files["src/sdk.py"]["annotated"]["effective_license"] == "Apache-2.0"

    findings = report["findings"]
    network = [f for f in findings if f["rule"] == "component-copyleft-network"]
    assert sorted(f["path"] for f in network) == ["vendor/engine/core.c", "vendor/engine/util.c"]
    assert all(f["severity"] == "error" for f in network)
    assert "REUSE.toml line 8" in network[0]["message"]
    # the LICENSES/ texts and the REUSE.toml are evidence, not components
    flagged = {f["path"] for f in findings if f["rule"].startswith("component-")}
    assert flagged == {"vendor/engine/core.c", "vendor/engine/util.c"}
    assert not any(f["rule"] == "declared-licenses-disagree" for f in findings)


def test_a_licenses_folder_alone_is_the_and_of_its_licenses(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = repo(
        tmp_path,
        {
            "LICENSES/Apache-2.0.txt": text("apache-2.0"),
            "LICENSES/CC0-1.0.txt": text("cc0-1.0"),
            "LICENSES/GPL-3.0-or-later.txt": text("gpl-3.0"),
            "LICENSES/notes.txt": "Which license is which.\n",
            "tool.py": "# SPDX-License-Identifier: GPL-3.0-or-later\nprint(1)\n",
        },
    )
    report = scan(run_cli, root)
    (artifact,) = report["artifacts"]
    assert artifact["declared_license"] == "Apache-2.0 AND CC0-1.0 AND GPL-3.0-or-later"
    assert artifact["declared_family"] == "copyleft"
    assert not artifact["declared_low_confidence"]
    roles = {d["path"]: d["role"] for d in artifact["declared_by"]}
    assert roles == {
        "LICENSES/Apache-2.0.txt": "grant",
        "LICENSES/CC0-1.0.txt": "grant",
        "LICENSES/GPL-3.0-or-later.txt": "grant",
    }
    # the GPL-3.0 text is GPL-3.0-or-later's: no note of a disagreement
    gpl = next(d for d in artifact["declared_by"] if d["path"].startswith("LICENSES/GPL"))
    assert "ScanCode reads" not in gpl["note"]
    (error,) = [e for e in report["errors"] if e["path"] == "LICENSES/notes.txt"]
    assert "SPDX license id" in error["message"]


def test_a_malformed_reuse_toml_is_an_error_with_its_line_and_the_scan_goes_on(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    toml = (
        'version = 1\n\n[[annotations]]\npath = "a/**"\nSPDX-License-Identifier = "No-Such-9"\n\n'
        '[[annotations]]\npath = "b/**"\nSPDX-License-Identifier = "MIT"\n'
    )
    root = repo(
        tmp_path,
        {
            "LICENSE": text("mit"),
            "REUSE.toml": toml,
            "a/x.c": VENDORED,
            "b/y.c": VENDORED,
        },
    )
    report = scan(run_cli, root)
    (error,) = [e for e in report["errors"] if e["path"] == "REUSE.toml"]
    assert error["line"] == 3
    assert "No-Such-9" in error["message"]
    files = by_path(report["files"])
    assert files["a/x.c"]["annotated"] is None
    assert files["b/y.c"]["annotated"]["license"] == "MIT"
    assert report["artifacts"][0]["declared_license"] == "MIT"

    (root / "REUSE.toml").write_text('version = 1\n[[annotations]\npath = "x"\n')
    report = scan(run_cli, root)
    (error,) = [e for e in report["errors"] if e["path"] == "REUSE.toml"]
    assert error["line"] == 2
    assert "not valid TOML" in error["message"]
    assert report["artifacts"][0]["declared_license"] == "MIT"


def test_dep5_aggregates_with_the_header_and_a_sidecar_annotates_a_binary(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    dep5 = (
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        "Upstream-Name: example\n\n"
        "Files: lib/*\nCopyright: 2026 Example\nLicense: LGPL-2.1-only\n"
    )
    root = repo(
        tmp_path,
        {
            "LICENSE": text("mit"),
            ".reuse/dep5": dep5,
            "lib/deep/header.c": "/* SPDX-License-Identifier: MIT */\nint a;\n",
            "assets/logo.svg": "<svg/>\n",
            "assets/logo.svg.license": "SPDX-License-Identifier: CC-BY-SA-4.0\n",
            "icon.svg": "<svg/>\n",
            "icon.svg.license": "SPDX-License-Identifier: CC0-1.0\n",
        },
    )
    (root / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)))
    (root / "photo.jpg.license").write_text("SPDX-License-Identifier: CC-BY-4.0\n")
    make_git_repo(root)
    report = scan(run_cli, root, "--kind", "sdk")
    files = by_path(report["files"])
    # a binary file is not scanned: its sidecar keeps its own result, checked there
    assert "photo.jpg" not in files
    assert files["photo.jpg.license"]["license"] == "CC-BY-4.0"
    header = files["lib/deep/header.c"]
    assert header["license"] == "MIT"
    assert header["annotated"]["path"] == ".reuse/dep5"
    assert header["annotated"]["line"] == 4
    assert header["annotated"]["effective_license"] == "MIT AND LGPL-2.1-only"
    logo = files["assets/logo.svg"]
    assert logo["annotated"]["path"] == "assets/logo.svg.license"
    assert logo["annotated"]["effective_license"] == "CC-BY-SA-4.0"
    # a sidecar at the root is named like a license file, but it is the icon's
    assert files["icon.svg"]["annotated"]["license"] == "CC0-1.0"
    (artifact,) = report["artifacts"]
    assert [d["path"] for d in artifact["declared_by"]] == ["LICENSE"]
    assert artifact["declared_license"] == "MIT"
    rules = {(f["rule"], f["path"]) for f in report["findings"]}
    assert ("component-copyleft-weak", "lib/deep/header.c") in rules
    # the sidecar's license is the logo's: reported once, on the logo
    assert not any(path == "assets/logo.svg.license" for _rule, path in rules)
