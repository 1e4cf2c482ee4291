"""``licensetier deps``: CSV and Markdown, the production/development filter and the
license gate (``--fail-on-license``, ``--allow-only``), through the real click command
on the npm fixture (offline), and the gate's SPDX reading on its own."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from licensetier.cli.deps import deps
from licensetier.deps import gate
from licensetier.deps.base import Scope
from licensetier.deps.python import requirements_scope
from licensetier.models import Dependency
from tests.conftest import FIXTURES, make_git_repo


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("deps") / "sdk-npm-dependencies"
    shutil.copytree(FIXTURES / "sdk-npm-dependencies", root)
    return make_git_repo(root)


def run(repo: Path, *args: str) -> Result:
    return CliRunner().invoke(deps, [str(repo), "--offline", *args], catch_exceptions=False)


def test_csv_lists_every_dependency_with_its_columns(repo: Path) -> None:
    result = run(repo, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    by_name = {r["name"]: r for r in rows}
    assert set(by_name) == {"tiny-http", "chartkit", "mystery-lib", "netcore", "gpl-test-runner"}
    assert by_name["chartkit"] == {
        "name": "chartkit",
        "version": "1.2.3",
        "ecosystem": "npm",
        "direct": "direct",
        "scope": "runtime",
        "license": "MIT OR GPL-3.0-only",
        "family": by_name["chartkit"]["family"],
        "source": "lockfile",
        "requirement": "",
        "manifest": "package.json",
        "purl": "pkg:npm/chartkit@1.2.3",
    }
    assert by_name["netcore"]["direct"] == "transitive"
    assert by_name["gpl-test-runner"]["scope"] == "development"


def test_markdown_and_the_production_and_development_filters(repo: Path) -> None:
    shipped = run(repo, "--format", "markdown", "--production")
    assert shipped.exit_code == 0
    lines = shipped.stdout.splitlines()
    assert lines[0].startswith("| name | version | ecosystem |")
    assert lines[1] == "|" + "---|" * 11
    names = [line.split(" | ")[0].removeprefix("| ") for line in lines[2:]]
    assert sorted(names) == ["chartkit", "mystery-lib", "netcore", "tiny-http"]
    dev = run(repo, "--format", "csv", "--development")
    assert [r["name"] for r in csv.DictReader(io.StringIO(dev.stdout))] == ["gpl-test-runner"]


def test_gate_names_the_refused_packages_and_exits_1(repo: Path) -> None:
    refused = run(repo, "--format", "csv", "--production", "--fail-on-license", "AGPL-3.0")
    assert refused.exit_code == 1
    assert "license gate: 1 dependency refused:" in refused.stderr
    assert "netcore@1.4.0 (npm, package-lock.json): AGPL-3.0-only" in refused.stderr
    # chartkit's MIT OR GPL-3.0-only can be taken as MIT; the dev-only runner is not shipped
    passed = run(repo, "--production", "--fail-on-license", "GPL-3.0-only")
    assert passed.exit_code == 0, passed.stderr
    allowed = run(repo, "--production", "--allow-only", "MIT, BSD-3-Clause")
    assert allowed.exit_code == 1
    assert allowed.stderr.count("\n  ") == 1
    assert "netcore@1.4.0" in allowed.stderr
    everything = run(repo, "--allow-only", "MIT;BSD-3-Clause;AGPL-3.0-only;GPL-3.0-only")
    assert everything.exit_code == 0, everything.stderr


def _dep(license_: str | None, name: str = "p") -> Dependency:
    return Dependency(
        "pypi", name, "1.0", f"pkg:pypi/{name}@1.0", True, "runtime", "m", ".", license=license_
    )


@pytest.mark.parametrize(
    ("expression", "fail_on", "allow_only", "refused"),
    [
        ("MIT OR GPL-3.0", "", "MIT", False),
        ("MIT OR GPL-3.0", "GPL-3.0", None, False),
        ("MIT AND GPL-3.0-or-later", "GPL-3.0", None, True),  # GPL-3.0 names -or-later
        ("MIT AND Zlib", "", "MIT", True),
        ("MIT AND Zlib", "", "zlib, mit", False),  # case does not count
        ("GPL-2.0-only WITH Classpath-exception-2.0", "", "GPL-2.0-only", False),
        ("(MIT OR Apache-2.0) AND (BSD-3-Clause OR GPL-2.0-only)", "GPL-2.0", None, False),
        ("Some Odd License", "", "MIT", True),  # not SPDX: read as a whole
        (None, "GPL-3.0", None, False),
        (None, "", "MIT", True),  # unknown cannot be shown to be allowed
        ("LGPL-2.1-only", "GPL-2.0-only OR AGPL-3.0-only", None, False),
    ],
)
def test_gate_reads_spdx(
    expression: str | None, fail_on: str, allow_only: str | None, refused: bool
) -> None:
    found = gate.check(
        [_dep(expression)],
        fail_on=gate.names(fail_on),
        allow_only=gate.names(allow_only) if allow_only is not None else None,
    )
    assert bool(found) is refused


def test_documentation_and_test_requirement_files_are_development() -> None:
    for path in ("docs/requirements.txt", "requirements/test.txt", "requirements-dev.txt"):
        assert requirements_scope(path) is Scope.DEVELOPMENT, path
    for path in (
        "requirements.txt",
        "app/requirements.txt",
        "x/requirements-prod.txt",
    ):
        assert requirements_scope(path) is Scope.RUNTIME, path
