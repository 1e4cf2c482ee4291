"""The reader layer and the format layer under it: one routing table, one parse per
file and scan, one error wording, the line of a key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from licensetier import formats
from licensetier.declared import read_declared
from licensetier.deps.discover import read_manifests
from licensetier.errors import ManifestError
from licensetier.formats.lines import json_key_lines, toml_line
from licensetier.license_db import LicenseDB
from licensetier.readers import Reading, pyproject
from licensetier.readers.routes import ROUTES, declaring, dependency_route

SRC = Path(__file__).resolve().parents[2] / "src" / "licensetier"


def test_each_row_of_the_routing_table_has_an_example() -> None:
    text = (SRC / "readers" / "routes.py").read_text(encoding="utf-8")
    lines = text.splitlines()
    rows = [n for n, line in enumerate(lines) if line.strip().startswith("Row(")]
    assert len(rows) == len(ROUTES)
    assert all(lines[n - 1].strip().startswith("# ") for n in rows)


def test_the_declaring_files_and_the_dependency_files_come_from_one_table() -> None:
    names = [name for name, _ in declaring()]
    assert names == [
        "pyproject.toml",
        "setup.cfg",
        "setup.py",
        "package.json",
        "Cargo.toml",
        "composer.json",
        "DESCRIPTION",
        r".+\.gemspec",
        r".+\.nuspec",
        "pom.xml",
        r"build\.gradle(?:\.kts)?",
        "gradle.properties",
        "README.md",
        "readme.md",
        "README",
    ]
    for name in (
        "pyproject.toml",
        "package.json",
        "Cargo.toml",
        "composer.json",
        "pom.xml",
        "setup.cfg",
        "setup.py",  # read for its license and dependencies with ast, never run
        "demo.gemspec",  # read as text, never run
    ):
        route = dependency_route(name)
        assert route is not None, name
        assert route.reader is not None, name
    assert dependency_route("README.md") is None
    for name in ("DESCRIPTION", "Demo.nuspec", "build.gradle", "gradle.properties"):
        assert dependency_route(name) is None, name  # they declare the license only


def test_one_tomli_fallback_in_the_project() -> None:
    found = [
        p.relative_to(SRC).as_posix()
        for p in SRC.rglob("*.py")
        if re.search(r"^\s*import tomli\b", p.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert found == ["formats/__init__.py"]


@pytest.mark.parametrize(
    ("parse", "text", "kind", "line"),
    [
        (formats.parse_toml, 'a = "x\n', "TOML", 1),
        (formats.parse_json, '{\n"a": 1,,\n}', "JSON", 2),
        (lambda t, s: formats.parse_yaml(t, s)[0], "a: [b\nc: d\n", "YAML", 2),
        (formats.parse_xml, "<a>\n<b></a>", "XML", 2),
        (formats.parse_ini, "x = 1\n", "INI", 1),
    ],
)
def test_one_error_wording_for_every_format(parse: object, text: str, kind: str, line: int) -> None:
    with pytest.raises(ManifestError) as caught:
        parse(text, "f")  # type: ignore[operator]
    assert str(caught.value).startswith(f"not valid {kind}: ")
    assert caught.value.path == "f"
    assert caught.value.line == line


def test_the_line_of_a_key() -> None:
    toml = "[project]\nlicense = 'MIT'\n[target.'cfg(a.b)'.dependencies]\nserde.workspace = true\n"
    assert toml_line(toml, "project.license") == 2
    assert toml_line(toml, ("target", "cfg(a.b)", "dependencies", "serde")) == 4
    assert toml_line(toml, "tool.poetry") is None
    assert json_key_lines('{\n "a": {\n  "b": 1}}', max_depth=2) == {("a",): 2, ("a", "b"): 3}
    root, lines = formats.parse_xml('<p xmlns="urn:x">\n <d>\n  <a>t</a></d></p>', "f")
    assert [(e.tag, lines[id(e)]) for e in root.iter()] == [("p", 1), ("d", 2), ("a", 3)]
    _, keys = formats.parse_yaml("a: 1\nb:\n  c: 2\n", "f", first_line=2, key_depth=2)
    assert keys == {("a",): 2, ("b",): 3, ("b", "c"): 4}


def test_a_reading_parses_a_file_once_and_reports_its_problem_once(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\n", encoding="utf-8")
    reading = Reading()
    path = tmp_path / "pyproject.toml"
    with pytest.raises(ManifestError, match="not valid TOML"):
        reading.document(pyproject, path, "pyproject.toml", tmp_path, own=False)
    with pytest.raises(ManifestError, match="not valid TOML"):
        reading.document(pyproject, path, "pyproject.toml", tmp_path)
    assert reading.document(pyproject, path, "pyproject.toml", tmp_path) is None
    assert reading.parsed == ["pyproject.toml"]


def test_declared_and_dependencies_share_one_read(tmp_path: Path) -> None:
    """Through one Reading, the declared-license reader and the dependency reader read
    a pyproject.toml once; a malformed one is one problem, raised to the first."""
    db = LicenseDB.load()
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nlicense = "MIT"\ndependencies = ["requests>=2"]\n',
        encoding="utf-8",
    )
    (tmp_path / "package.json").write_text('{"license": "MIT",,}', encoding="utf-8")
    reading = Reading()
    declared, errors = read_declared(tmp_path, ".", db, None, reading)
    groups, problems = read_manifests(tmp_path, ["pyproject.toml", "package.json"], reading)
    assert [d.license_spdx for d in declared] == ["MIT"]
    assert [(e.path, e.message) for e in errors] == [
        ("package.json", "not valid JSON: Expecting property name enclosed in double quotes")
    ]
    assert problems == []
    assert [d.name for g in groups for _, d in g.entries] == ["requests"]
    assert reading.parsed == ["pyproject.toml", "package.json"]
