"""The declared license from the manifests of other ecosystems, through the real CLI:
R's DESCRIPTION, a gemspec, a nuspec, a pom.xml's <licenses>, a Gradle POM block and
gradle.properties; and a malformed one is a scan problem while the scan goes on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import licensedcode
import pytest

from tests.conftest import Run, make_git_repo

LICENSES = Path(licensedcode.__file__).parent / "data" / "licenses"


def scan(run_cli: Callable[..., Run], root: Path) -> tuple[Run, dict[str, Any]]:
    run = run_cli("scan", root, "--no-deps", "--no-cache", "--format", "json")
    assert run.exit_code in (0, 1), run.stderr
    (artifact,) = run.json()["artifacts"]
    return run, artifact


def repo(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    make_git_repo(root)
    return root


POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>demo</artifactId>
  <version>1.0</version>
  <licenses>
    <license>
      <name>Eclipse Public License - v 2.0</name>
      <url>https://www.eclipse.org/legal/epl-2.0/</url>
    </license>
    <license>
      <name>GNU Lesser General Public License v2.1 or later</name>
    </license>
  </licenses>
</project>
"""

NUSPEC = """<?xml version="1.0"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>Demo</id>
    <license type="expression">Apache-2.0</license>
  </metadata>
</package>
"""


@pytest.mark.parametrize(
    ("files", "expected", "source", "field", "line", "family"),
    [
        (
            {"DESCRIPTION": "Package: demo\nVersion: 1.0\nLicense: GPL (>= 2)\n"},
            "GPL-2.0-or-later",
            "DESCRIPTION",
            "License",
            3,
            "copyleft",
        ),
        (
            {
                "demo.gemspec": "Gem::Specification.new do |spec|\n  spec.name = 'demo'\n"
                "  spec.licenses = %w[MIT Apache-2.0]\nend\n"
            },
            "MIT OR Apache-2.0",
            "demo.gemspec",
            "licenses",
            3,
            "permissive",
        ),
        (
            {"Demo.nuspec": NUSPEC},
            "Apache-2.0",
            "Demo.nuspec",
            "license (expression)",
            5,
            "permissive",
        ),
        (
            {"pom.xml": POM},
            "EPL-2.0 OR LGPL-2.1-or-later",
            "pom.xml",
            "licenses",
            7,
            "copyleft",
        ),
        (
            {
                "build.gradle.kts": "publishing {\n  publications {\n    pom {\n"
                '      licenses {\n        license {\n          name.set("MIT License")\n'
                "        }\n      }\n    }\n  }\n}\n"
            },
            "MIT",
            "build.gradle.kts",
            "licenses { license }",
            4,
            "permissive",
        ),
        (
            {"gradle.properties": "POM_LICENCE_NAME=The Apache Software License, Version 2.0\n"},
            "Apache-2.0",
            "gradle.properties",
            "POM_LICENCE_NAME",
            1,
            "permissive",
        ),
    ],
)
def test_the_manifest_declares_the_artifacts_license(
    tmp_path: Path,
    run_cli: Callable[..., Run],
    files: dict[str, str],
    expected: str,
    source: str,
    field: str,
    line: int,
    family: str,
) -> None:
    _, artifact = scan(run_cli, repo(tmp_path, files))
    assert artifact["declared_license"] == expected
    assert artifact["declared_family"] == family
    (statement,) = artifact["declared_by"]
    assert (statement["path"], statement["field"], statement["line"]) == (source, field, line)
    assert statement["license"] == expected


def test_a_malformed_manifest_is_a_scan_problem_and_the_scan_goes_on(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = repo(
        tmp_path,
        {
            "Demo.nuspec": "<package>\n  <metadata>\n    <license>MIT</metadata>\n</package>\n",
            "demo.gemspec": "Gem::Specification.new do |s|\n  s.license = 'MIT'\nend\n",
        },
    )
    run, artifact = scan(run_cli, root)
    errors = [(e["path"], e["line"]) for e in run.json()["errors"]]
    assert errors == [("Demo.nuspec", 3)]
    assert artifact["declared_license"] == "MIT"
    assert [d["path"] for d in artifact["declared_by"]] == ["demo.gemspec"]


def test_an_r_package_with_the_mit_template_is_mit_without_an_unclear_license_file(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = repo(
        tmp_path,
        {
            "DESCRIPTION": "Package: demo\nVersion: 1.0\nLicense: MIT + file LICENSE\n",
            "LICENSE": "YEAR: 2024\nCOPYRIGHT HOLDER: demo authors\n",
        },
    )
    run, artifact = scan(run_cli, root)
    assert artifact["declared_license"] == "MIT"
    assert artifact["declared_low_confidence"] is False
    roles = {d["path"]: (d["role"], d["note"]) for d in artifact["declared_by"]}
    assert roles["DESCRIPTION"][0] == "grant"
    assert roles["LICENSE"][0] == "clue"
    assert "R's license template" in roles["LICENSE"][1]
    assert "declared-license-unclear" not in {f["rule"] for f in run.json()["findings"]}


def test_the_gpl_2_text_beside_gpl_2_or_later_in_description_is_one_grant(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """Rcpp's layout: LICENSE holds the GPL-2.0 text, DESCRIPTION says GPL (>= 2)."""
    raw = (LICENSES / "gpl-2.0.LICENSE").read_text(encoding="utf-8")
    gpl2 = raw.split("---\n", 2)[2] if raw.startswith("---") else raw
    root = repo(
        tmp_path,
        {"DESCRIPTION": "Package: demo\nLicense: GPL (>= 2)\n", "LICENSE": gpl2},
    )
    run, artifact = scan(run_cli, root)
    assert artifact["declared_license"] == "GPL-2.0-or-later"
    assert artifact["declared_low_confidence"] is False
    notes = {d["path"]: d["note"] for d in artifact["declared_by"]}
    assert "the text of the GPL-2.0-or-later that DESCRIPTION names" in notes["LICENSE"]
    assert "declared-licenses-disagree" not in {f["rule"] for f in run.json()["findings"]}
