"""The project's own quality gates run with the tests: ruff and mypy --strict on src/,
and every third-party module src/ imports declared in pyproject.toml."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, check=False)


def test_ruff_is_clean() -> None:
    lint = _run(str(BIN / "ruff"), "check", ".")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_mypy_strict_on_src() -> None:
    typed = _run(str(BIN / "mypy"))
    assert typed.returncode == 0, typed.stdout + typed.stderr


def test_scan_detects_licenses_under_pluggy_1_6_and_later(tmp_path: Path) -> None:
    """The test environment holds pluggy >= 1.6 (pytest 9 brings it), as a CI job's
    shared Python does once such a pytest is installed beside licensetier: ScanCode's
    plugin modules fail to import there as shipped, and licensetier exited 3
    ("did not find any 'plugincode.location_provider' hooks")."""
    from importlib.metadata import version

    major, minor = (int(x) for x in version("pluggy").split(".")[:2])
    assert (major, minor) >= (1, 6), "the test extras must bring pluggy >= 1.6"
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "main.py").write_text(
        "# Copyright 2026 Example\n# Licensed under the MIT License.\nprint('hi')\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [str(BIN / "licensetier"), "scan", ".", "--offline", "--format", "json"],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    files = {f["path"]: f for f in json.loads(done.stdout)["files"]}
    assert files["main.py"]["scancode_license"] == "mit"


def _imported_modules(root: Path) -> dict[str, set[str]]:
    """Top-level module -> the files of ``root`` that import it (lazy imports included)."""
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(path.relative_to(REPO).as_posix())
    return found


def test_every_third_party_import_of_src_is_declared() -> None:
    # a module src/ imports must come from a distribution of [project].dependencies,
    # not only from what another dependency (ScanCode) happens to pull in
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    distributions = packages_distributions()
    undeclared = {}
    for module, files in _imported_modules(REPO / "src" / "licensetier").items():
        if module in sys.stdlib_module_names or module == "licensetier":
            continue
        # a module not installed here (tomli above Python 3.10) is named by itself
        names = {canonicalize_name(d) for d in distributions.get(module, [module])}
        if not names & declared:
            undeclared[module] = sorted(files)
    assert not undeclared, f"imported by src/ but not in [project].dependencies: {undeclared}"
