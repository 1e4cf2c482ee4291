"""Dependencies through the real CLI: fixture repositories as real git repositories,
installed copies on disk, and --offline proven to open no connection."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run

from .registry_server import RegistryServer


def dependency(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(d for d in report["dependencies"] if d["name"] == name)


def findings_for(report: dict[str, Any], purl: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["dependency"] == purl]


def test_npm_sdk_transitive_agpl_is_an_error_with_its_chain(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("sdk-npm-dependencies")
    run = run_cli("scan", repo, "--format", "json", "--offline")
    report = run.json()
    assert run.exit_code == 1
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert [(f["rule"], f["dependency"], f["path"]) for f in errors] == [
        ("dependency-copyleft-network", "pkg:npm/netcore@1.4.0", "package-lock.json")
    ]
    assert "via tiny-http@2.1.0" in errors[0]["message"]
    assert "AGPL-3.0-only" in errors[0]["message"]
    # ScanCode finds the license names in the lockfile; they are its dependencies',
    # checked as dependencies, not a component's
    lock = next(f for f in report["files"] if f["path"] == "package-lock.json")
    assert "AGPL-3.0-only" in lock["license"]
    assert lock["family"] is None

    netcore = dependency(report, "netcore")
    assert netcore["direct"] is False
    assert netcore["chain"] == ["tiny-http@2.1.0"]
    assert (netcore["license"], netcore["family"], netcore["strength"]) == (
        "AGPL-3.0-only",
        "copyleft",
        "network",
    )
    assert netcore["license_source"] == "lockfile"

    tiny = dependency(report, "tiny-http")
    assert (tiny["direct"], tiny["scope"], tiny["manifest"], tiny["line"]) == (
        True,
        "runtime",
        "package.json",
        8,
    )
    assert tiny["purl"] == "pkg:npm/tiny-http@2.1.0"

    # a development-only GPL dependency: one severity lower than the matrix's error
    runner = dependency(report, "gpl-test-runner")
    assert runner["scope"] == "development"
    (finding,) = findings_for(report, "pkg:npm/gpl-test-runner@3.0.0")
    assert (finding["severity"], finding["rule"]) == ("warning", "dependency-copyleft-strong")

    # not in the lockfile's license fields, but installed in node_modules
    mystery = dependency(report, "mystery-lib")
    assert (mystery["license"], mystery["license_source"], mystery["license_where"]) == (
        "BSD-3-Clause",
        "installed",
        "node_modules/mystery-lib/package.json",
    )
    # an OR: the favourable side for the SDK's tier, so nothing to report
    chart = dependency(report, "chartkit")
    assert (chart["license"], chart["family"]) == ("MIT OR GPL-3.0-only", "permissive")
    assert findings_for(report, "pkg:npm/chartkit@1.2.3") == []
    assert report["summary"]["dependencies"] == 5
    assert report["summary"]["dependencies_unresolved"] == 0


def test_dev_dependencies_setting_same_and_ignore(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("sdk-npm-dependencies")
    config = repo / "licensetier.toml"
    base = config.read_text()
    purl = "pkg:npm/gpl-test-runner@3.0.0"
    config.write_text('dev_dependencies = "same"\n' + base)
    report = run_cli("scan", repo, "--format", "json", "--offline").json()
    assert [f["severity"] for f in findings_for(report, purl)] == ["error"]
    config.write_text('dev_dependencies = "ignore"\n' + base)
    report = run_cli("scan", repo, "--format", "json", "--offline").json()
    assert findings_for(report, purl) == []
    config.write_text('dev_dependencies = "sometimes"\n' + base)
    run = run_cli("scan", repo, "--offline")
    assert run.exit_code == 2
    assert "dev_dependencies" in run.stderr
    assert "lower, same, ignore" in run.stderr


def test_exception_by_dependency_name_downgrades_the_finding(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("sdk-npm-dependencies")
    config = repo / "licensetier.toml"
    config.write_text(
        config.read_text()
        + '\n[[exceptions]]\ndependency = "netcore"\nreason = "Server-side only; replaced in Q1."'
        + "\nexpires = 2099-01-01\n"
    )
    run = run_cli("scan", repo, "--format", "json", "--offline")
    report = run.json()
    assert run.exit_code == 0
    (finding,) = findings_for(report, "pkg:npm/netcore@1.4.0")
    assert finding["severity"] == "info"
    assert finding["excepted"] == "Server-side only; replaced in Q1."


def test_python_tooling_resolves_from_the_virtual_environment(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("tooling-python-deps")
    run = run_cli("scan", repo, "--format", "json", "--offline")
    report = run.json()
    assert run.exit_code == 1
    by_name = {d["name"]: d for d in report["dependencies"]}
    assert sorted(by_name) == ["certifi", "fastserve", "pytest", "requests", "urllib3"]

    fastserve = by_name["fastserve"]
    assert (fastserve["license"], fastserve["license_source"], fastserve["version"]) == (
        "SSPL-1.0",
        "installed",
        "1.0.2",
    )
    assert fastserve["license_where"] == (
        ".venv/lib/python3.11/site-packages/fastserve-1.0.2.dist-info/METADATA"
    )
    (error,) = [f for f in report["findings"] if f["severity"] == "error"]
    assert (error["rule"], error["dependency"]) == (
        "dependency-source-available",
        "pkg:pypi/fastserve@1.0.2",
    )
    # "Apache 2.0" is not SPDX: ScanCode's detection on the string reads it
    requests = by_name["requests"]
    assert (requests["license"], requests["license_raw"]) == ("Apache-2.0", "Apache 2.0")
    assert requests["direct"] is True
    # transitive, through requests; weak copyleft is a warning in this tier
    certifi = by_name["certifi"]
    assert (certifi["direct"], certifi["chain"], certifi["license"]) == (
        False,
        ["requests@2.32.3"],
        "MPL-2.0",
    )
    (warning,) = findings_for(report, "pkg:pypi/certifi@2024.8.30")
    assert warning["severity"] == "warning"
    assert "via requests@2.32.3" in warning["message"]
    # a dev dependency that is not installed: unresolved offline, reported one lower
    pytest_dep = by_name["pytest"]
    assert (pytest_dep["scope"], pytest_dep["license_source"], pytest_dep["family"]) == (
        "development",
        "unresolved",
        "unknown",
    )
    assert "--offline" in pytest_dep["reason"]
    (info,) = findings_for(report, "pkg:pypi/pytest@8.3.4")
    assert (info["severity"], info["rule"]) == ("info", "dependency-unknown")


def test_deps_command_lists_a_table_and_json(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("sdk-npm-dependencies")
    run = run_cli("deps", repo, "--offline")
    assert run.exit_code == 0, run.stderr
    lines = run.stdout.splitlines()
    row = next(line for line in lines if line.startswith("netcore@1.4.0"))
    assert row.split() == [
        "netcore@1.4.0",
        "npm",
        "transitive",
        "AGPL-3.0-only",
        "copyleft-network",
        "lockfile",
    ]
    assert "5 dependencies, 4 direct; 0 unresolved" in run.stdout
    listed = run_cli("deps", repo, "--offline", "--format", "json").json()
    assert {d["purl"] for d in listed["dependencies"]} == {
        "pkg:npm/chartkit@1.2.3",
        "pkg:npm/gpl-test-runner@3.0.0",
        "pkg:npm/mystery-lib@0.1.4",
        "pkg:npm/netcore@1.4.0",
        "pkg:npm/tiny-http@2.1.0",
    }
    # -o writes the report to a file, as every reporting command does
    target = repo.parent / "deps.csv"
    written = run_cli("deps", repo, "--offline", "--format", "csv", "-o", target)
    assert (written.exit_code, written.stdout) == (0, "")
    csv_lines = target.read_text(encoding="utf-8").splitlines()
    assert len(csv_lines) == 6  # a header and the five dependencies
    assert any(line.startswith("netcore,1.4.0,") for line in csv_lines), csv_lines


def test_a_malformed_lockfile_is_named_and_the_scan_goes_on(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("tooling-python-deps")
    (repo / "sub").mkdir()
    (repo / "sub" / "package-lock.json").write_text('{"lockfileVersion": 3,\n  "packages": {,}\n')
    run = run_cli("scan", repo, "--format", "json", "--offline")
    report = run.json()
    (problem,) = [e for e in report["errors"] if e["path"] == "sub/package-lock.json"]
    assert problem["line"] == 2
    assert "JSON" in problem["message"]
    assert len(report["dependencies"]) == 5  # the other manifests were still read
    text = run_cli("scan", repo, "--offline")
    assert "sub/package-lock.json:2" in text.stdout
    assert "Traceback" not in text.stdout + text.stderr


# -- online, against a registry on 127.0.0.1 ------------------------------------------


def _pypi(name: str, version: str, **info: Any) -> tuple[str, tuple[int, Any]]:
    body = {"info": {"name": name, "version": version, "license": None, "classifiers": [], **info}}
    return f"/pypi/{name}/{version}/json", (200, body)


REGISTRY = dict(
    [
        _pypi("fastserve", "1.0.2", license_expression="SSPL-1.0"),
        _pypi("requests", "2.32.3", license="Apache-2.0"),
        _pypi("urllib3", "2.2.3", classifiers=["License :: OSI Approved :: MIT License"]),
        _pypi("certifi", "2024.8.30", license_expression="MPL-2.0"),
        (
            "/mystery-lib/0.1.4",
            (200, {"name": "mystery-lib", "version": "0.1.4", "license": "ISC"}),
        ),
        ("/simple/pytest/", (429, {"message": "slow down"})),
    ]
)


def test_online_lookups_are_asked_once_then_answered_from_the_cache(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("tooling-python-deps")
    shutil.rmtree(repo / ".venv")
    # the 429 is sent once the others are answered: after it the host is not asked again
    # in this run, and the lookups run concurrently
    others = tuple(path for path in REGISTRY if path.startswith("/pypi/"))
    with RegistryServer(REGISTRY, after={"/simple/pytest/": others}) as server:
        flags = ["--format", "json", "--index-url", f"{server.url}/simple"]
        report = run_cli("scan", repo, *flags).json()
        by_name = {d["name"]: d for d in report["dependencies"]}
        assert {n: (d["license"], d["license_source"]) for n, d in by_name.items()} == {
            "fastserve": ("SSPL-1.0", "registry"),
            "requests": ("Apache-2.0", "registry"),
            "urllib3": ("MIT", "registry"),
            "certifi": ("MPL-2.0", "registry"),
            "pytest": (None, "unresolved"),
        }
        assert by_name["fastserve"]["license_where"] == (f"{server.url}/pypi/fastserve/1.0.2/json")
        # pytest's JSON answer is missing (404), so the simple index is asked: rate limited
        assert "rate limited (HTTP 429)" in by_name["pytest"]["reason"]
        assert f"{server.url}/simple" in report["tool"]["registries"]
        asked = len(server.requests)
        assert asked >= 6

        again = run_cli("scan", repo, *flags).json()
        sources = {d["name"]: d["license_source"] for d in again["dependencies"]}
        assert sources == {
            "fastserve": "cache",
            "requests": "cache",
            "urllib3": "cache",
            "certifi": "cache",
            "pytest": "unresolved",
        }
        # answered from the cache; only the rate-limited lookup is tried again
        assert all("pytest" in path for path in server.requests[asked:])


def test_npm_registry_flag_overrides_npm_configuration(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("sdk-npm-dependencies")
    shutil.rmtree(repo / "node_modules")
    with RegistryServer(REGISTRY) as server:
        report = run_cli("scan", repo, "--format", "json", "--npm-registry", server.url).json()
        mystery = dependency(report, "mystery-lib")
        assert (mystery["license"], mystery["license_source"]) == ("ISC", "registry")
        assert server.requests == ["/mystery-lib/0.1.4"]


def test_an_unreachable_registry_degrades_to_unknown_with_the_reason(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("sdk-npm-dependencies")
    shutil.rmtree(repo / "node_modules")
    run = run_cli("scan", repo, "--format", "json")  # conftest: registries on a closed port
    mystery = dependency(run.json(), "mystery-lib")
    assert mystery["license_source"] == "unresolved"
    assert "connection refused" in mystery["reason"]
    assert "Traceback" not in run.stderr


# -- each manifest is read and parsed once per scan (issue 12) --------------------------

SCAN_OFFLINE = ("scan", "--format", "json", "--offline", "--jobs", "1")


def _problems(report: dict[str, Any], path: str) -> list[tuple[int | None, str]]:
    return [(e["line"], e["message"]) for e in report["errors"] if e["path"] == path]


def test_a_malformed_manifest_is_one_problem(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    """Read for its declared license and for its dependencies, a pyproject.toml that
    does not parse is parsed once: one problem, in the one wording of the formats."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nlicense = "MIT\n', encoding="utf-8"
    )
    run = run_cli(*SCAN_OFFLINE, tmp_path)
    assert run.exit_code in (0, 1), run.stderr
    (problem,) = _problems(run.json(), "pyproject.toml")
    assert problem[0] == 3
    assert problem[1].startswith("not valid TOML: ")


def test_two_problems_at_one_place_are_both_reported(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """A package.json whose license and dependencies are both wrong, on one line: two
    problems at one place, both kept (the scan once kept the first of each place)."""
    (tmp_path / "package.json").write_text('{"license": 3, "dependencies": 3}\n', encoding="utf-8")
    run = run_cli(*SCAN_OFFLINE, tmp_path)
    assert run.exit_code in (0, 1), run.stderr
    assert _problems(run.json(), "package.json") == [
        (
            1,
            'license: expected a string (an SPDX expression) or an object with a "type", '
            "got an integer (3)",
        ),
        (1, '"dependencies" is a number, not an object of names and version ranges'),
    ]


def test_a_scan_reads_the_manifest_and_the_model_card_once(
    tmp_path: Path, run_cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    """pyproject.toml is read for its declared license and its dependencies, the model
    card for its declared license, its lineage, its training data and the obligations
    of the license it inherits ("Built with Llama" in its text): each is read (through
    the guarded fs) once."""
    from licensetier import fs

    (tmp_path / "licensetier.toml").write_text("", encoding="utf-8")  # not pyproject
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nlicense = "MIT"\ndependencies = ["requests>=2"]\n',
        encoding="utf-8",
    )
    (tmp_path / "README.md").write_text(
        "---\nlicense: apache-2.0\nbase_model: meta-llama/Llama-3.1-8B\n---\n# Model\n",
        encoding="utf-8",
    )
    reads: list[str] = []
    for name in ("read_text", "read_head"):
        original = getattr(fs, name)

        def counted(path: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            reads.append(Path(path).name)
            return _original(path, *args, **kwargs)

        monkeypatch.setattr(fs, name, counted)
    run = run_cli(*SCAN_OFFLINE, tmp_path)
    assert run.exit_code in (0, 1), run.stderr
    report = run.json()
    assert {(d["name"], d["manifest"]) for d in report["dependencies"]} == {
        ("requests", "pyproject.toml")
    }
    assert any(f["rule"].startswith("base-model") for f in report["findings"]), report["findings"]
    assert any(f["rule"] == "obligation-attribution" for f in report["findings"])
    assert reads.count("pyproject.toml") == 1
    assert reads.count("README.md") == 1


def test_why_unresolved_names_each_manifests_own_requirement(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    from tests.conftest import make_git_repo

    for folder, requirement in (("api", "requests>=2.0"), ("worker", "requests<3")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "requirements.txt").write_text(requirement + "\n", encoding="utf-8")
    make_git_repo(tmp_path)
    report = run_cli("scan", tmp_path, "--offline", "--format", "json").json()
    reasons = {d["manifest"]: d["reason"] for d in report["dependencies"]}
    assert reasons == {
        "api/requirements.txt": "no exact version: api/requirements.txt asks for >=2.0 and no "
        "lockfile pins it; not looked up online (--offline)",
        "worker/requirements.txt": "no exact version: worker/requirements.txt asks for <3 and "
        "no lockfile pins it; not looked up online (--offline)",
    }


def test_installed_copies_come_from_the_manifests_own_tree_at_a_version_it_accepts(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """Two sibling projects, each with its own virtual environment: a copy installed
    beside one is not the other's, and an installed version outside the requirement's
    range is not the one asked for."""
    from tests.conftest import make_git_repo

    def project(folder: str, version: str, license_expression: str) -> None:
        base = tmp_path / folder
        site = base / ".venv" / "lib" / "python3.11" / "site-packages"
        (site / f"fastserve-{version}.dist-info").mkdir(parents=True)
        (base / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
        (site / f"fastserve-{version}.dist-info" / "METADATA").write_text(
            f"Metadata-Version: 2.4\nName: fastserve\nVersion: {version}\n"
            f"License-Expression: {license_expression}\n",
            encoding="utf-8",
        )
        (base / "requirements.txt").write_text("fastserve>=2.0\n", encoding="utf-8")

    project("old", "1.4.0", "SSPL-1.0")  # installed, but not a version >=2.0 accepts
    project("new", "2.1.0", "MIT")
    (tmp_path / ".gitignore").write_text(".venv/\n", encoding="utf-8")
    make_git_repo(tmp_path)
    report = run_cli("scan", tmp_path, "--offline", "--format", "json").json()
    by_manifest = {d["manifest"]: d for d in report["dependencies"]}
    new = by_manifest["new/requirements.txt"]
    assert (new["license"], new["license_source"], new["version"]) == ("MIT", "installed", "2.1.0")
    old = by_manifest["old/requirements.txt"]
    # neither its own 1.4.0 (outside >=2.0) nor the sibling's 2.1.0
    assert (old["license"], old["license_source"]) == (None, "unresolved")
    assert old["version"] == ">=2.0"


# -- ranges resolved online, then --offline from the cache (issue 15) --------------------


def test_ranges_resolved_online_then_offline_from_the_cache(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    from tests.conftest import make_git_repo

    from .registry_server import Raw, entry, make_wheel, simple_page

    (tmp_path / "requirements.txt").write_text(
        "demo-pkg>=1.0,<2\ncertifi==2024.8.30\nghost-pkg>=1\n"
        "own-fork @ http://127.0.0.1:9/own_fork-1.0-py3-none-any.whl\n",
        encoding="utf-8",
    )
    (tmp_path / "package.json").write_text(
        '{"name": "app", "version": "1.0.0", "dependencies": {"left-pad": "^1.0.0"}}',
        encoding="utf-8",
    )
    make_git_repo(tmp_path)
    certifi = "certifi-2024.8.30-py3-none-any.whl"
    routes = {
        # an index without a JSON API or metadata links, as some mirrors are
        "/simple/demo-pkg/": simple_page(
            "demo-pkg",
            entry("demo_pkg-1.4.0-py3-none-any.whl"),
            entry("demo_pkg-2.0.0-py3-none-any.whl"),
        ),
        "/files/demo_pkg-1.4.0-py3-none-any.whl.metadata": Raw(
            b"Metadata-Version: 2.4\nName: demo-pkg\nVersion: 1.4.0\nLicense-Expression: MIT\n"
        ),
        "/simple/certifi/": simple_page("certifi", entry(certifi)),
        f"/files/{certifi}": Raw(
            make_wheel("certifi", "2024.8.30", "License: MPL-2.0", padding=200_000)
        ),
        "/left-pad": (
            200,
            {
                "name": "left-pad",
                "dist-tags": {"latest": "1.3.0"},
                "versions": {
                    v: {"name": "left-pad", "version": v, "license": "WTFPL"}
                    for v in ("1.0.0", "1.3.0", "2.0.0")
                },
            },
        ),
    }
    wanted = {
        "demo-pkg": ("1.4.0", False, ">=1.0,<2", "MIT"),
        "certifi": ("2024.8.30", True, None, "MPL-2.0"),
        "left-pad": ("1.3.0", False, "^1.0.0", "WTFPL"),
        "ghost-pkg": (">=1", False, None, None),
        # a direct URL: its URL as its requirement, no registry version
        "own-fork": ("http://127.0.0.1:9/own_fork-1.0-py3-none-any.whl", False, None, None),
    }

    def seen(report: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
        return {
            d["name"]: (d["version"], d["exact"], d["requirement"], d["license"])
            for d in report["dependencies"]
        }

    with RegistryServer(routes) as server:
        flags = ["--index-url", f"{server.url}/simple", "--npm-registry", server.url]
        report = run_cli("deps", tmp_path, "--format", "json", *flags).json()
    assert seen(report) == wanted
    assert not [path for path in server.requests if "own-fork" in path]
    import json

    import jsonschema

    schema = json.loads((Path(__file__).parents[2] / "docs/report-schema.json").read_text())
    for item in report["dependencies"]:
        jsonschema.validate(item, schema["properties"]["dependencies"]["items"])
    by_name = {d["name"]: d for d in report["dependencies"]}
    assert by_name["demo-pkg"]["purl"] == "pkg:pypi/demo-pkg@1.4.0"
    resolved = {n: d["license_source"] for n, d in by_name.items()}
    assert {resolved.pop("ghost-pkg"), resolved.pop("own-fork")} == {"unresolved"}
    assert set(resolved.values()) == {"registry"}
    assert by_name["certifi"]["license_where"] == (
        f"{server.url}/files/{certifi} (certifi-2024.8.30.dist-info/METADATA)"
    )
    assert by_name["ghost-pkg"]["reason"] == (
        "no exact version: requirements.txt asks for >=1 and no lockfile pins it; "
        f"no version chosen online: {server.url}/simple/ghost-pkg/: HTTP 404: not found"
    )

    # The server is gone: --offline answers from what the online run cached.
    offline = run_cli("deps", tmp_path, "--format", "json", "--offline").json()
    assert seen(offline) == wanted
    sources = {d["name"]: d["license_source"] for d in offline["dependencies"]}
    assert sources == {
        "demo-pkg": "cache",
        "certifi": "cache",
        "left-pad": "cache",
        "ghost-pkg": "unresolved",
        "own-fork": "unresolved",
    }
    ghost = next(d for d in offline["dependencies"] if d["name"] == "ghost-pkg")
    assert ghost["reason"].endswith("; not looked up online (--offline)")


def test_closure_resolved_online_then_offline_from_the_cache(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """No lockfile, no environment: the transitive dependencies of Python and npm ranges,
    resolved against the index and the registry, with chains and the ranges that chose
    them; then the same from the cache, offline."""
    from tests.conftest import make_git_repo
    from tests.unit.deps.test_online_closure import npm_routes, python_routes

    from .registry_server import RegistryServer

    (tmp_path / "requirements.txt").write_text("alpha>=1,<2\n", encoding="utf-8")
    (tmp_path / "package.json").write_text(
        '{"name": "app", "version": "1.0.0", "dependencies": {"top": "^1.0.0"}}',
        encoding="utf-8",
    )
    make_git_repo(tmp_path)

    def seen(report: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
        return {
            f"{d['name']}@{d['version']}": (
                d["direct"],
                d["exact"],
                d["requirement"],
                tuple(d["chain"] or ()),
                d["license"],
            )
            for d in report["dependencies"]
        }

    wanted = {
        "alpha@1.5": (True, False, ">=1,<2", (), "MIT"),
        "beta@2.1": (False, False, ">=2", ("alpha@1.5",), "MIT"),
        "delta@2.9": (False, False, "<3", ("alpha@1.5", "beta@2.1"), "MIT"),
        "epsilon@1.0": (False, False, "*", ("alpha@1.5", "beta@2.1"), "MIT"),
        "top@1.2.0": (True, False, "^1.0.0", (), "ISC"),
        "mid@1.4.0": (False, False, ">= 1.1.0 < 2", ("top@1.2.0",), "ISC"),
        "shared@1.2.0": (False, False, "^1.0.0", ("top@1.2.0",), "ISC"),
        "shared@1.0.5": (False, False, "~1.0.0", ("top@1.2.0", "mid@1.4.0"), "ISC"),
        "leaf@2.3.0": (False, False, "2.x", ("top@1.2.0", "mid@1.4.0"), "ISC"),
    }
    with RegistryServer({**python_routes(), **npm_routes()}) as server:
        flags = ["--index-url", f"{server.url}/simple", "--npm-registry", server.url]
        report = run_cli("deps", tmp_path, "--format", "json", *flags).json()
    assert seen(report) == wanted
    by_id = {f"{d['name']}@{d['version']}": d for d in report["dependencies"]}
    assert by_id["delta@2.9"]["purl"] == "pkg:pypi/delta@2.9"
    assert {d["license_source"] for d in report["dependencies"]} == {"registry"}

    offline = run_cli("deps", tmp_path, "--format", "json", "--offline").json()
    assert seen(offline) == wanted
    assert {d["license_source"] for d in offline["dependencies"]} == {"cache"}
