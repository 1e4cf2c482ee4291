"""A project's name, version and supplier as its manifest says them (the readers'
``identity``, :func:`licensetier.declared.read_identity`): the root of an SBOM."""

from __future__ import annotations

from pathlib import Path

import pytest

from licensetier.declared import read_identity
from licensetier.readers import Identity, Reading


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "pyproject.toml",
            '[project]\nname = "acme"\nversion = "1.2.0"\n'
            'authors = [{name = "Acme Corp", email = "a@acme.example"}]\n',
            ("acme", "1.2.0", "Acme Corp"),
        ),
        (
            "pyproject.toml",
            '[tool.poetry]\nname = "poetic"\nversion = "0.1.0"\n'
            'authors = ["Jane Doe <jane@acme.example>"]\n',
            ("poetic", "0.1.0", "Jane Doe"),
        ),
        (
            "pyproject.toml",  # PEP 621 dynamic version: no version said
            '[project]\nname = "dyn"\ndynamic = ["version"]\n',
            ("dyn", None, None),
        ),
        (
            "package.json",
            '{"name": "@acme/sdk", "version": "2.0.0", "author": {"name": "Acme"}}',
            ("@acme/sdk", "2.0.0", "Acme"),
        ),
        (
            "package.json",
            '{"name": "x", "author": "Bob <b@x.example> (https://x)"}',
            ("x", None, "Bob"),
        ),
        (
            "Cargo.toml",
            '[package]\nname = "crab"\nversion = "0.3.0"\nauthors = ["Ferris <f@x.example>"]\n',
            ("crab", "0.3.0", "Ferris"),
        ),
        ("Cargo.toml", '[package]\nname = "ws"\nversion.workspace = true\n', ("ws", None, None)),
        (
            "composer.json",
            '{"name": "acme/php", "authors": [{"name": "Acme Team"}]}',
            ("acme/php", None, "Acme Team"),
        ),
        (
            "setup.cfg",
            "[metadata]\nname = legacy\nversion = 3.1\nauthor = Old Timer\n",
            ("legacy", "3.1", "Old Timer"),
        ),
        (
            "setup.cfg",  # computed by setuptools: not a version as written
            "[metadata]\nname = attrs-version\nversion = attr: pkg.__version__\n"
            "maintainer = Keeper\n",
            ("attrs-version", None, "Keeper"),
        ),
        (
            "setup.py",
            'NAME = "classic"\nsetup(name=NAME, version="0.9", author="A. Author",'
            " description=read())\n",
            ("classic", "0.9", "A. Author"),
        ),
        (
            "setup.py",  # a version computed when setup.py runs is left out
            'from setuptools import setup\nsetup(name="comp", version=get_version())\n',
            ("comp", None, None),
        ),
    ],
)
def test_identity_of_each_manifest(
    tmp_path: Path, name: str, text: str, expected: tuple[str | None, ...]
) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    found = read_identity(tmp_path, ".", Reading())
    assert found == Identity(name, *expected)


def test_first_manifest_that_names_the_project_and_bad_ones(tmp_path: Path) -> None:
    # a pyproject.toml that names no project (only tool config) gives way to package.json
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n", encoding="utf-8")
    (tmp_path / "package.json").write_text('{"name": "web", "version": "1.0.0"}', encoding="utf-8")
    assert read_identity(tmp_path, ".", Reading()) == Identity("package.json", "web", "1.0.0")
    # a manifest that does not parse is skipped, never raised
    (tmp_path / "package.json").write_text("{broken", encoding="utf-8")
    assert read_identity(tmp_path, ".", Reading()) is None
    # an artifact's own directory, sources relative to the scan root
    sub = tmp_path / "libs" / "core"
    sub.mkdir(parents=True)
    (sub / "Cargo.toml").write_text('[package]\nname = "core"\nversion = "1.0.0"\n')
    assert read_identity(sub, "libs/core", Reading()) == Identity(
        "libs/core/Cargo.toml", "core", "1.0.0"
    )
