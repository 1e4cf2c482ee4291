"""Dependencies through the real CLI: fixture repositories as real git repositories,
installed copies on disk, and --offline proven to open no connection."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import REPO, Run

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


# -- --offline opens no connection ----------------------------------------------------

AUDITED_RUN = textwrap.dedent(
    """
    import sys

    log = open(sys.argv[1], "a")

    def audit(event, args):
        if event in ("socket.connect", "socket.getaddrinfo", "socket.sendto"):
            log.write(f"{event} {args[1:]!r}\\n")
            log.flush()

    sys.addaudithook(audit)
    from licensetier.cli.main import main

    sys.argv = ["licensetier", *sys.argv[2:]]
    main()
    """
)


def _audited(log: Path, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", AUDITED_RUN, str(log), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_offline_opens_no_network_connection(
    fixture_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = fixture_repo("tooling-python-deps")
    shutil.rmtree(repo / ".venv")  # nothing installed: every dependency would go online
    with RegistryServer() as server:
        registry_flags = [
            "--index-url",
            f"{server.url}/simple",
            "--npm-registry",
            server.url,
            "--deps-dev-url",
            f"{server.url}/v3",
        ]
        offline_log = tmp_path / "offline.log"
        done = _audited(
            offline_log, "scan", ".", "--format", "json", "--offline", *registry_flags, cwd=repo
        )
        assert done.returncode in (0, 1), done.stderr
        report = json.loads(done.stdout)
        assert {d["license_source"] for d in report["dependencies"]} == {"unresolved"}
        assert not offline_log.exists() or offline_log.read_text() == ""
        assert server.requests == []
        # the same scan online: the audit hook does see the connections, and the
        # server the lookups, so the assertions above can fail
        online_log = tmp_path / "online.log"
        done = _audited(online_log, "scan", ".", "--format", "json", *registry_flags, cwd=repo)
        assert done.returncode in (0, 1), done.stderr
        assert "socket.connect" in online_log.read_text()
        assert server.requests


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
    with RegistryServer(REGISTRY) as server:
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


def test_reading_dependencies_never_runs_the_repository(
    tmp_path: Path, run_cli: Callable[..., Run], monkeypatch: Any
) -> None:
    """Every place where a package tool would run code of the repository holds code
    that leaves a marker; a scan that reads the dependencies, installed copies and
    asks the package clients for their registries leaves none."""
    from tests.conftest import make_git_repo

    repo = tmp_path / "evil"
    marker = tmp_path / "executed"
    dist_info = ".venv/lib/python3.11/site-packages/evil_py-1.0.dist-info"
    python_payload = f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')\n"
    shell_payload = f"#!/bin/sh\ntouch {marker}\n"
    ruby_payload = f'File.write("{marker}", "ran")\n'
    files = {
        "package.json": json.dumps(
            {
                "name": "evil",
                "license": "MIT",
                "dependencies": {"evil-dep": "1.0.0"},
                "scripts": {"preinstall": f"touch {marker}", "postinstall": f"touch {marker}"},
            }
        ),
        "package-lock.json": json.dumps(
            {
                "name": "evil",
                "lockfileVersion": 3,
                "packages": {
                    "": {"dependencies": {"evil-dep": "1.0.0"}},
                    "node_modules/evil-dep": {"version": "1.0.0", "hasInstallScript": True},
                },
            }
        ),
        "node_modules/evil-dep/package.json": json.dumps(
            {
                "name": "evil-dep",
                "version": "1.0.0",
                "license": "MIT",
                "scripts": {"install": f"touch {marker}"},
            }
        ),
        "pyproject.toml": '[project]\nname = "evil"\nversion = "1"\n'
        'dependencies = ["evil-py==1.0"]\n[build-system]\nrequires = []\n'
        'build-backend = "backend"\nbackend-path = ["."]\n',
        "backend.py": python_payload,
        "setup.py": python_payload,
        "sitecustomize.py": python_payload,
        "pip/__init__.py": python_payload,
        "pip/__main__.py": python_payload,
        "requirements.txt": "-e .\nevil-req==2.0\n",
        ".venv/pyvenv.cfg": "home = /usr/bin\n",
        ".venv/bin/python": shell_payload,
        f"{dist_info}/METADATA": "Metadata-Version: 2.4\nName: evil-py\nVersion: 1.0\n"
        "License-Expression: MIT\n",
        f"{dist_info}/entry_points.txt": "[console_scripts]\nevil = backend:main\n",
        "Gemfile": ruby_payload,
        "evil.gemspec": ruby_payload,
        "Gemfile.lock": "GEM\n  remote: http://gems.example.invalid/\n  specs:\n"
        "    evilgem (1.0)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  evilgem\n",
        "vendor/bundle/ruby/3.3.0/specifications/evilgem-1.0.gemspec": ruby_payload
        + 'Gem::Specification.new do |s|\n  s.licenses = ["MIT".freeze]\nend\n',
        "go.mod": "module example.invalid/evil\n\ngo 1.22\n\nrequire example.invalid/dep v1.0.0\n",
        "Cargo.toml": '[package]\nname = "evil"\nversion = "0.1.0"\nbuild = "build.rs"\n'
        '[dependencies]\nserde = "=1.0.0"\n',
        "build.rs": f'fn main() {{ std::fs::write("{marker}", "ran").unwrap(); }}\n',
        "composer.json": json.dumps(
            {
                "name": "evil/evil",
                "require": {"evil/dep": "1.0.0"},
                "scripts": {"post-install-cmd": f"touch {marker}"},
            }
        ),
        ".npmrc": f"registry=http://127.0.0.1:9/\nonload-script={tmp_path / 'hook.js'}\n",
    }
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (repo / ".venv/bin/python").chmod(0o755)
    (tmp_path / "hook.js").write_text(f"require('fs').writeFileSync({str(marker)!r}, 'ran')\n")
    (repo / ".gitignore").write_text("node_modules/\n.venv/\nvendor/\n")
    make_git_repo(repo)
    # the package clients are asked for their registries (pointing at a closed port)
    monkeypatch.delenv("PIP_INDEX_URL")
    monkeypatch.delenv("npm_config_registry")
    pip_conf = tmp_path / "pip.conf"
    pip_conf.write_text("[global]\nindex-url = http://127.0.0.1:9/simple\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(pip_conf))
    npmrc = tmp_path / "user.npmrc"
    npmrc.write_text("registry=http://127.0.0.1:9/\n")
    monkeypatch.setenv("NPM_CONFIG_USERCONFIG", str(npmrc))
    monkeypatch.chdir(repo)
    run = run_cli("scan", ".", "--kind", "sdk", "--format", "json")
    assert run.exit_code in (0, 1), run.stderr
    assert not marker.exists()
    report = run.json()
    sources = {d["name"]: d["license_source"] for d in report["dependencies"]}
    assert sources["evil-dep"] == "installed"
    assert sources["evil-py"] == "installed"
    assert sources["evilgem"] == "vendored"
    registries = report["tool"]["registries"]
    assert "Python packages: http://127.0.0.1:9/simple (pip config" in registries
    assert "npm packages: http://127.0.0.1:9/ (npm config" in registries
