"""The closure of a Python manifest without a lockfile, from a real installed environment:
``python -m venv`` and pip installing small wheels from a local directory (no index).

The wheels are written here as the zip archives the wheel format defines (the ``wheel``
and ``build`` packages are not among the test dependencies); pip installs them as it
installs any wheel, writing the ``*.dist-info`` directories the scan reads.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from licensetier.deps.base import Environment
from licensetier.deps.pyclosure import marker_environment, python_version
from tests.conftest import Run

# name, version, license header, Requires-Dist entries
WHEELS: list[tuple[str, str, str, Sequence[str]]] = [
    (
        "alpha",
        "1.0",
        "License-Expression: MIT",
        [
            "beta>=2",
            'wintool; sys_platform == "no-such-platform"',
            'oldpy; python_version < "3.0"',
            'gamma[fast]; extra == "full"',
            "this is not ((( a requirement",
        ],
    ),
    ("beta", "2.1", "License-Expression: MPL-2.0", ["alpha", "delta"]),
    ("delta", "0.5", "License: MIT", []),
    ("gamma", "3.0", "License-Expression: BSD-3-Clause", ['epsilon; extra == "fast"']),
    ("epsilon", "1.0", "License-Expression: Apache-2.0", []),
    ("wintool", "1.0", "License-Expression: GPL-3.0-only", []),
    ("oldpy", "1.0", "License-Expression: GPL-2.0-only", []),
    ("devtool", "1.0", "License-Expression: MIT", ["delta", "zeta"]),
    ("zeta", "1.0", "License-Expression: ISC", []),
    ("locked", "1.0", "License-Expression: MIT", ["epsilon"]),
]


WHEEL_FILE = b"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _wheel(
    directory: Path, name: str, version: str, license_: str, requires: Sequence[str]
) -> None:
    info = f"{name}-{version}.dist-info"
    extras = sorted({r.split('extra == "')[1].split('"')[0] for r in requires if "extra ==" in r})
    metadata = "\n".join(
        [
            "Metadata-Version: 2.4",
            f"Name: {name}",
            f"Version: {version}",
            license_,
            *(f"Provides-Extra: {e}" for e in extras),
            *(f"Requires-Dist: {r}" for r in requires),
            "",
        ]
    )
    files = {
        f"{name}/__init__.py": b"",
        f"{info}/METADATA": metadata.encode(),
        f"{info}/WHEEL": WHEEL_FILE,
    }
    record = [_record_line(n, d) for n, d in files.items()] + [f"{info}/RECORD,,"]
    with zipfile.ZipFile(directory / f"{name}-{version}-py3-none-any.whl", "w") as archive:
        for n, d in files.items():
            archive.writestr(n, d)
        archive.writestr(f"{info}/RECORD", "\n".join(record) + "\n")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real virtual environment holding every wheel above."""
    top = tmp_path_factory.mktemp("closure")
    wheels = top / "wheels"
    wheels.mkdir()
    for name, version, license_, requires in WHEELS:
        _wheel(wheels, name, version, license_, requires)
    env = top / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
        + ["--no-index", "--no-deps", "--disable-pip-version-check", "--find-links", str(wheels)]
        + [name for name, *_ in WHEELS],
        check=True,
    )
    return env


def _project(root: Path, text: str) -> Path:
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(text, encoding="utf-8")
    return root


def _deps(run_cli: Callable[..., Run], root: Path, env: Path) -> dict[str, Any]:
    run = run_cli("deps", root, "--offline", "--no-cache", "--format", "json", "--python-env", env)
    assert run.exit_code == 0, run.stderr
    report: dict[str, Any] = run.json()
    return report


PROJECT = """[project]
name = "app"
version = "0.1"
dependencies = ["alpha[full]>=1", "missing-pkg>=1"]

[project.optional-dependencies]
dev = ["devtool"]
"""


def test_the_installed_closure_with_chains_scopes_markers_extras(
    tmp_path: Path, installed: Path, run_cli: Callable[..., Run]
) -> None:
    root = _project(tmp_path / "app", PROJECT)
    report = _deps(run_cli, root, installed)
    got = {
        d["name"]: (d["version"], d["direct"], d["scope"], d["chain"], d["license"])
        for d in report["dependencies"]
    }
    assert got == {
        "alpha": ("1.0", True, "runtime", [], "MIT"),
        "devtool": ("1.0", True, "development", [], "MIT"),
        # not installed: as before, unresolved with its range and the reason
        "missing-pkg": (">=1", True, "runtime", [], None),
        # transitive: exact, direct false, the shortest chain, its license read
        "beta": ("2.1", False, "runtime", ["alpha@1.0"], "MPL-2.0"),
        # reached from the runtime requirement first: runtime, though devtool needs it too
        "delta": ("0.5", False, "runtime", ["alpha@1.0", "beta@2.1"], "MIT"),
        # alpha[full] brings gamma[fast], whose extra brings epsilon
        "gamma": ("3.0", False, "runtime", ["alpha@1.0"], "BSD-3-Clause"),
        "epsilon": ("1.0", False, "runtime", ["alpha@1.0", "gamma@3.0"], "Apache-2.0"),
        # only through the development requirement
        "zeta": ("1.0", False, "development", ["devtool@1.0"], "ISC"),
    }
    # installed, but their markers are false for this environment: left out
    # (wintool, oldpy); alpha -> beta -> alpha is a cycle, walked once
    missing = next(d for d in report["dependencies"] if d["name"] == "missing-pkg")
    # what the requirement asks for, then why neither the environment nor a registry answers
    assert missing["reason"].startswith("no exact version: pyproject.toml asks for >=1")
    assert "; not installed in the environment (" in missing["reason"]
    beta = next(d for d in report["dependencies"] if d["name"] == "beta")
    assert beta["purl"] == "pkg:pypi/beta@2.1"
    assert beta["license_source"] == "installed"
    assert beta["manifest"] == "pyproject.toml"
    assert beta["exact"] is True
    # the unreadable Requires-Dist is named, and skipped
    (problem,) = [e for e in report["errors"] if "Requires-Dist" in e["message"]]
    assert problem["path"].endswith("alpha-1.0.dist-info/METADATA")
    assert "this is not ((( a requirement" in problem["message"]


def test_without_the_extra_its_requirements_are_not_followed(
    tmp_path: Path, installed: Path, run_cli: Callable[..., Run]
) -> None:
    root = _project(
        tmp_path / "plain",
        '[project]\nname = "plain"\nversion = "1"\n'
        'dependencies = ["alpha", "gamma", "nothere; python_version < \'3.0\'"]\n',
    )
    deps = _deps(run_cli, root, installed)["dependencies"]
    assert {d["name"]: d["chain"] for d in deps} == {
        "alpha": [],
        "gamma": [],
        "nothere": [],  # the manifest states it: listed, with why it is not installed
        "beta": ["alpha@1.0"],
        "delta": ["alpha@1.0", "beta@2.1"],
    }
    nothere = next(d for d in deps if d["name"] == "nothere")
    assert '; its marker (python_version < "3.0") is false for the ' in nothere["reason"]


def test_a_range_the_installed_version_misses_is_not_followed(
    tmp_path: Path, installed: Path, run_cli: Callable[..., Run]
) -> None:
    root = _project(
        tmp_path / "old",
        '[project]\nname = "old"\nversion = "1"\ndependencies = ["beta<2"]\n',
    )
    (beta,) = _deps(run_cli, root, installed)["dependencies"]
    assert (beta["name"], beta["version"], beta["license_source"]) == ("beta", "<2", "unresolved")
    assert "holds beta 2.1, which <2 does not accept" in beta["reason"]
    # the installed beta 2.1 another requirement pulls in is listed too, as transitive
    (root / "pyproject.toml").write_text(
        '[project]\nname = "old"\nversion = "1"\ndependencies = ["beta<2", "alpha"]\n',
        encoding="utf-8",
    )
    got = [
        (d["name"], d["version"], d["direct"], d["chain"], d["license_source"])
        for d in _deps(run_cli, root, installed)["dependencies"]
        if d["name"] == "beta"
    ]
    assert sorted(got, key=str) == sorted(
        [
            ("beta", "<2", True, [], "unresolved"),
            ("beta", "2.1", False, ["alpha@1.0"], "installed"),
        ],
        key=str,
    )


def test_the_environment_of_the_manifests_own_tree(
    tmp_path: Path, installed: Path, run_cli: Callable[..., Run]
) -> None:
    """A .venv in a directory above the manifest (not the scan root) gives the closure
    and the licenses; a sibling project's does not."""
    root = tmp_path / "repo"
    _project(root / "proj/sub", '[project]\nname = "s"\nversion = "1"\ndependencies = ["beta"]\n')
    _project(root / "other", '[project]\nname = "o"\nversion = "1"\ndependencies = ["gamma"]\n')
    shutil.copytree(installed, root / "proj/.venv", symlinks=True)
    run = run_cli("deps", root, "--offline", "--no-cache", "--format", "json")
    got = {
        (d["manifest"], d["name"]): (d["version"], d["chain"], d["license"])
        for d in run.json()["dependencies"]
    }
    assert got == {
        ("proj/sub/pyproject.toml", "beta"): ("2.1", [], "MPL-2.0"),
        ("proj/sub/pyproject.toml", "alpha"): ("1.0", ["beta@2.1"], "MIT"),
        ("proj/sub/pyproject.toml", "delta"): ("0.5", ["beta@2.1"], "MIT"),
        ("other/pyproject.toml", "gamma"): (None, [], None),
    }


def test_a_lockfile_group_is_unchanged(
    tmp_path: Path, installed: Path, run_cli: Callable[..., Run]
) -> None:
    root = _project(
        tmp_path / "locked",
        '[project]\nname = "l"\nversion = "1"\ndependencies = ["locked"]\n',
    )
    (root / "pylock.toml").write_text(
        'lock-version = "1.0"\ncreated-by = "hand"\n\n'
        '[[packages]]\nname = "locked"\nversion = "1.0"\n',
        encoding="utf-8",
    )
    deps = _deps(run_cli, root, installed)["dependencies"]
    # the lockfile says locked has no dependencies; the environment's epsilon is not added
    assert [(d["name"], d["version"], d["direct"]) for d in deps] == [("locked", "1.0", True)]


def test_the_environments_python_version_decides_the_markers(tmp_path: Path) -> None:
    env = tmp_path / "env"
    (env / "lib/python3.8/site-packages").mkdir(parents=True)
    env_of = Environment(root=tmp_path, python_envs=(env,))
    # no pyvenv.cfg: the lib/pythonX.Y directory
    assert python_version(env, env) == "3.8"
    (env / "pyvenv.cfg").write_text("home = /x\nversion_info = 3.7.9.final.0\n", encoding="utf-8")
    assert python_version(env, env) == "3.7.9"
    values = marker_environment(env_of)
    assert (values["python_version"], values["python_full_version"]) == ("3.7", "3.7.9")
    (env / "pyvenv.cfg").write_text("home = /x\nversion = 3.12.1\n", encoding="utf-8")
    assert marker_environment(env_of)["python_version"] == "3.12"
