"""Python manifests, lockfiles and installed metadata (licensetier.deps.python)."""

from __future__ import annotations

from pathlib import Path

import pytest
from license_expression import get_spdx_licensing

from licensetier.deps.base import Declared, Ecosystem, Environment, Role, Scope
from licensetier.deps.python import (
    MANIFESTS,
    PythonEnvLocator,
    classifier_to_spdx,
    license_from_classifiers,
    load_classifiers,
    locators,
    parse_pipfile_lock,
    parse_poetry_lock,
    parse_pylock,
    parse_requirements,
    parse_uv_lock,
    requirements_scope,
)
from licensetier.errors import ManifestError
from licensetier.formats import tomllib
from licensetier.paths import data_directory
from licensetier.readers.pyproject import read_dependencies as parse_pyproject

DATA = Path(__file__).resolve().parents[2] / "data" / "deps" / "python"

RUN, DEV, OPT = Scope.RUNTIME, Scope.DEVELOPMENT, Scope.OPTIONAL

Row = tuple[str, "str | None", bool, "bool | None", Scope, "int | None", tuple[str, ...]]


def rows(entries: list[Declared]) -> list[Row]:
    return [(d.name, d.version, d.exact, d.direct, d.scope, d.line, d.requires) for d in entries]


def parse(parser: object, rel: str) -> list[Declared]:
    assert callable(parser)
    found: list[Declared] = parser(DATA / rel, rel)
    assert all(d.ecosystem is Ecosystem.PYPI and d.manifest == rel for d in found)
    assert all(d.license is None and d.namespace is None for d in found)
    return found


from licensetier.readers.setup_cfg import read_dependencies as read_setup_cfg  # noqa: E402
from licensetier.readers.setup_py import read_dependencies as read_setup_py  # noqa: E402

# -- routing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "parser", "role"),
    [
        ("pyproject.toml", parse_pyproject, Role.MANIFEST),
        ("requirements.txt", parse_requirements, Role.MANIFEST),
        ("requirements-dev.txt", parse_requirements, Role.MANIFEST),
        ("requirements_test.txt", parse_requirements, Role.MANIFEST),
        ("test-requirements.txt", parse_requirements, Role.MANIFEST),
        ("requirements.in", parse_requirements, Role.MANIFEST),
        ("poetry.lock", parse_poetry_lock, Role.LOCKFILE),
        ("uv.lock", parse_uv_lock, Role.LOCKFILE),
        ("Pipfile.lock", parse_pipfile_lock, Role.LOCKFILE),
        ("pylock.toml", parse_pylock, Role.LOCKFILE),
        ("pylock.dev.toml", parse_pylock, Role.LOCKFILE),
        ("setup.py", read_setup_py, Role.MANIFEST),
        ("setup.cfg", read_setup_cfg, Role.MANIFEST),
        ("requirements.txt.orig", None, None),
        ("Pipfile", None, None),
        ("pylock.a.b.toml", None, None),
    ],
)
def test_routes(name: str, parser: object, role: Role | None) -> None:
    matched = [r for r in MANIFESTS if r.pattern.fullmatch(name)]
    if parser is None:
        assert matched == []
    else:
        assert [(r.parser, r.role, r.ecosystem) for r in matched] == [
            (parser, role, Ecosystem.PYPI)
        ]


# -- pyproject.toml ----------------------------------------------------------------------


def test_pyproject_pep621_groups_poetry_and_uv() -> None:
    found = parse(parse_pyproject, "combined/pyproject.toml")
    assert rows(found) == [
        # [project].dependencies
        ("httpx", ">=0.27,<1", False, True, RUN, 12, ()),
        ("pydantic", "2.9.2", True, True, RUN, 13, ()),
        ("rich", ">=13.7", False, True, RUN, 14, ()),
        ("tomli", ">=2.0", False, True, RUN, 15, ()),
        ("numpy", "==1.26.*", False, True, RUN, 16, ()),  # a wildcard is not exact
        # line 17, "local-helper @ file:///...": a local path, the project's own code
        # [project.optional-dependencies]; "weather-report[cli]" is the project itself
        ("click", ">=8.1", False, True, OPT, 21, ()),
        ("typer", "0.12.5", True, True, OPT, 21, ()),
        ("orjson", None, False, True, OPT, 22, ()),
        # [dependency-groups]: "dev" includes "test" and "lint", each entry once
        ("pytest", ">=8", False, True, DEV, 25, ()),
        ("pytest-cov", "5.0.0", True, True, DEV, 25, ()),
        ("ruff", None, False, True, DEV, 26, ()),
        ("ipython", None, False, True, DEV, 30, ()),
        # [tool.uv] dev-dependencies
        ("mypy", ">=1.11", False, True, DEV, 51, ()),
        # [tool.poetry.dependencies]: python, the project itself and httpx (already in
        # [project].dependencies) are left out; a bare version is exact for Poetry
        ("attrs", "23.2.0", True, True, RUN, 39, ()),
        ("cryptography", "^42.0", False, True, OPT, 40, ()),
        # [tool.poetry.group.docs.dependencies] and the "main" group
        ("mkdocs", "^1.6", False, True, DEV, 44, ()),
        ("mkdocs-material", "9.5.39", True, True, DEV, 45, ()),
        ("certifi", ">=2024.2.2", False, True, RUN, 48, ()),
    ]


def test_pyproject_poetry_1() -> None:
    found = parse(parse_pyproject, "poetry1/pyproject.toml")
    assert rows(found) == [
        ("requests", "^2.31", False, True, RUN, 9, ()),
        ("PyYAML", "6.0.1", True, True, RUN, 10, ()),
        ("six", "*", False, True, RUN, 11, ()),
        ("gitdep", None, False, True, RUN, 12, ()),
        ("flask", "^2.3 || ^3.0", False, True, RUN, 13, ()),
        ("black", "^24.3", False, True, DEV, 19, ()),
    ]


def test_pyproject_malformed_toml() -> None:
    rel = "malformed/pyproject.toml"
    with pytest.raises(ManifestError) as caught:
        parse_pyproject(DATA / rel, rel)
    assert str(caught.value) == "not valid TOML: Unclosed array (at line 7, column 5)"
    assert (caught.value.path, caught.value.line) == (rel, 7)


def test_pyproject_invalid_requirement_names_it(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\ndependencies = [\n  "ok>=1",\n  "bad>>2",\n]\n')
    with pytest.raises(ManifestError) as caught:
        parse_pyproject(path, "pyproject.toml")
    assert str(caught.value).startswith(
        "[project].dependencies: 'bad>>2' is not a valid requirement: "
    )
    assert caught.value.line == 5


@pytest.mark.parametrize(
    ("groups", "message", "line"),
    [
        (
            'a = [{include-group = "b"}]\nb = [{include-group = "a"}]\n',
            "[dependency-groups]: group 'a' includes itself (a -> b -> a)",
            2,
        ),
        (
            'a = ["x", {include-group = "nope"}]\n',
            "[dependency-groups]: group 'a' includes 'nope', which is not defined",
            2,
        ),
        (
            "a = [3]\n",
            "[dependency-groups].a has an entry that is neither a requirement string nor "
            "{include-group = ...}",
            2,
        ),
    ],
)
def test_pyproject_bad_dependency_groups(
    tmp_path: Path, groups: str, message: str, line: int
) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[dependency-groups]\n" + groups)
    with pytest.raises(ManifestError) as caught:
        parse_pyproject(path, "pyproject.toml")
    assert (str(caught.value), caught.value.line) == (message, line)


def test_pyproject_without_dependencies(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "empty"\n\n[tool.ruff]\nline-length = 100\n')
    assert parse_pyproject(path, "pyproject.toml") == []


# -- requirements.txt --------------------------------------------------------------------


def test_requirements_dev_file() -> None:
    found = parse(parse_requirements, "requirements-dev.txt")
    assert rows(found) == [
        ("attrs", "24.2.0", True, True, DEV, 12, ()),  # continuation lines with --hash
        ("colorama", "0.4.6", True, True, DEV, 16, ()),  # with a marker
        ("Pytest_Mock", ">=3.12,<4", False, True, DEV, 19, ()),
        ("coverage", "7.6.1", True, True, DEV, 20, ()),
        # -e git+...#egg=devtool, and a URL with #egg=bar: the URL is the requirement
        (
            "devtool",
            "git+https://git.example.invalid/org/devtool.git@v2.1#egg=devtool",
            False,
            True,
            DEV,
            24,
            (),
        ),
        ("bar", "https://files.example.invalid/bar-2.0.tar.gz#egg=bar", False, True, DEV, 27, ()),
        ("hypothesis", ">= 6.100, != 6.101.0", False, True, DEV, 28, ()),
    ]


@pytest.mark.parametrize(
    ("name", "scope"),
    [
        ("requirements.txt", RUN),
        ("requirements.in", RUN),
        ("requirements-dev.txt", DEV),
        ("dev-requirements.txt", DEV),
        ("test-requirements.txt", DEV),
        ("requirements_tests.txt", DEV),
        ("requirements-docs.txt", DEV),
        ("requirements-lint.txt", DEV),
        ("requirements-docker.txt", RUN),
        ("requirements-prod.txt", RUN),
    ],
)
def test_requirements_scope_from_file_name(name: str, scope: Scope) -> None:
    assert requirements_scope(name) is scope


def test_requirements_plain(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text(
        "# production\nDjango==5.1.2\ngunicorn ~= 23.0\n\n--only-binary :all:\n"
        "psycopg[binary]===3.2.3\nrequests\n"
    )
    assert rows(parse_requirements(path, "requirements.txt")) == [
        ("Django", "5.1.2", True, True, RUN, 2, ()),
        ("gunicorn", "~= 23.0", False, True, RUN, 3, ()),
        ("psycopg", "3.2.3", True, True, RUN, 6, ()),
        ("requests", None, False, True, RUN, 7, ()),
    ]


def test_requirements_malformed() -> None:
    rel = "malformed/requirements.txt"
    with pytest.raises(ManifestError) as caught:
        parse_requirements(DATA / rel, rel)
    assert str(caught.value).startswith("line 3: 'flask>=>3.0' is not a valid requirement: ")
    assert (caught.value.path, caught.value.line) == (rel, 3)


def test_requirements_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"requests\nna\xefve==1.0\n")
    with pytest.raises(ManifestError) as caught:
        parse_requirements(path, "requirements.txt")
    assert (str(caught.value), caught.value.line) == ("not UTF-8 text", 2)


# -- poetry.lock -------------------------------------------------------------------------


REQUESTS_DEPS = ("certifi", "charset-normalizer", "idna", "urllib3")


def test_poetry_lock_with_category() -> None:
    found = parse(parse_poetry_lock, "poetry-old/poetry.lock")
    assert rows(found) == [
        ("black", "23.12.1", True, None, DEV, 1, ("click", "mypy-extensions", "packaging")),
        ("certifi", "2023.11.17", True, None, RUN, 17, ()),
        ("click", "8.1.7", True, None, DEV, 25, ("colorama",)),
        ("mypy-extensions", "1.0.0", True, None, DEV, 36, ()),
        ("packaging", "23.2", True, None, DEV, 44, ()),
        ("PyYAML", "6.0.1", True, None, OPT, 52, ()),
        ("requests", "2.31.0", True, None, RUN, 60, REQUESTS_DEPS),
    ]


def test_poetry_lock_with_groups() -> None:
    found = parse(parse_poetry_lock, "poetry-new/poetry.lock")
    assert rows(found) == [
        ("anyio", "4.8.0", True, None, RUN, 3, ("idna", "sniffio", "typing-extensions")),
        ("idna", "3.10", True, None, RUN, 23, ()),  # groups = ["main", "dev"]
        ("iniconfig", "2.0.0", True, None, DEV, 34, ()),
        ("orjson", "3.10.15", True, None, OPT, 45, ()),
        ("sniffio", "1.3.1", True, None, RUN, 55, ()),
        ("typing-extensions", "4.12.2", True, None, RUN, 64, ()),
    ]


def test_poetry_lock_malformed() -> None:
    rel = "malformed/poetry.lock"
    with pytest.raises(ManifestError) as caught:
        parse_poetry_lock(DATA / rel, rel)
    assert str(caught.value) == "not valid TOML: Illegal character '\\n' (at line 10, column 13)"
    assert (caught.value.path, caught.value.line) == (rel, 10)


def test_poetry_lock_entry_without_version() -> None:
    rel = "no-version/poetry.lock"
    with pytest.raises(ManifestError) as caught:
        parse_poetry_lock(DATA / rel, rel)
    assert str(caught.value) == "[[package]] entry 2 (idna) has no version"
    assert (caught.value.path, caught.value.line) == (rel, 8)


# -- uv.lock -----------------------------------------------------------------------------


FASTAPI_DEPS = ("pydantic", "starlette", "typing-extensions")
PYDANTIC_DEPS = ("annotated-types", "pydantic-core", "typing-extensions")


def test_uv_lock_workspace_scopes_and_roots() -> None:
    found = parse(parse_uv_lock, "uv/uv.lock")
    # acme-service (virtual ".") and acme-lib (editable member) are the project.
    assert rows(found) == [
        ("annotated-types", "0.7.0", True, False, RUN, 56, ()),
        ("anyio", "4.8.0", True, False, RUN, 65, ("idna", "sniffio")),
        ("async-timeout", "5.0.1", True, False, OPT, 78, ()),  # through the "redis" extra
        ("certifi", "2024.12.14", True, False, DEV, 87, ()),  # only through httpx (dev)
        ("colorama", "0.4.6", True, False, DEV, 96, ()),
        ("fastapi", "0.115.6", True, True, RUN, 105, FASTAPI_DEPS),
        ("h11", "0.14.0", True, False, DEV, 119, ()),
        ("h2", "4.1.0", True, False, DEV, 128, ("hpack", "hyperframe")),  # httpx[http2]
        ("hpack", "4.0.0", True, False, DEV, 141, ()),
        ("httpcore", "1.0.7", True, False, DEV, 150, ("certifi", "h11")),
        # h2 through the "http2" extra the project asks httpx for: an edge of httpx here
        ("httpx", "0.28.1", True, True, DEV, 163, ("anyio", "certifi", "httpcore", "idna", "h2")),
        ("hyperframe", "6.0.1", True, False, DEV, 183, ()),
        ("idna", "3.10", True, False, RUN, 192, ()),  # runtime through anyio wins over dev
        ("iniconfig", "2.0.0", True, False, DEV, 201, ()),
        ("packaging", "24.2", True, False, DEV, 210, ()),
        ("pluggy", "1.5.0", True, False, DEV, 219, ()),
        # a direct dependency of the workspace member acme-lib
        ("pydantic", "2.10.4", True, True, RUN, 228, PYDANTIC_DEPS),
        ("pydantic-core", "2.27.2", True, False, RUN, 242, ("typing-extensions",)),
        ("pytest", "8.3.4", True, True, DEV, 254, ("colorama", "iniconfig", "packaging", "pluggy")),
        ("redis", "5.2.1", True, True, OPT, 269, ("async-timeout",)),
        ("sniffio", "1.3.1", True, False, RUN, 281, ()),
        ("starlette", "0.41.3", True, False, RUN, 290, ("anyio",)),
        ("typing-extensions", "4.12.2", True, False, RUN, 302, ()),
    ]


def test_uv_lock_packages_reached_through_extras_have_their_chain() -> None:
    from licensetier.deps.discover import Group, combine

    found = parse(parse_uv_lock, "uv/uv.lock")
    group = Group(".", Ecosystem.PYPI, tuple((Role.LOCKFILE, d) for d in found))
    chains = {f.declared.name: (f.scope, f.chain) for f in combine(group)}
    assert chains["h2"] == (DEV, ("httpx@0.28.1",))
    assert chains["hpack"] == (DEV, ("httpx@0.28.1", "h2@4.1.0"))
    assert chains["async-timeout"] == (OPT, ("redis@5.2.1",))


def test_uv_lock_without_project_does_not_know_roots(tmp_path: Path) -> None:
    path = tmp_path / "uv.lock"
    path.write_text(
        'version = 1\n\n[[package]]\nname = "idna"\nversion = "3.10"\n'
        'source = { registry = "https://registry.example.invalid/simple" }\n'
    )
    assert rows(parse_uv_lock(path, "uv.lock")) == [("idna", "3.10", True, None, RUN, 3, ())]


def test_uv_lock_malformed() -> None:
    rel = "malformed/uv.lock"
    with pytest.raises(ManifestError) as caught:
        parse_uv_lock(DATA / rel, rel)
    assert str(caught.value) == "not valid TOML: Unclosed array (at line 10, column 5)"
    assert (caught.value.path, caught.value.line) == (rel, 10)


def test_uv_lock_bad_dependency_entry(tmp_path: Path) -> None:
    path = tmp_path / "uv.lock"
    path.write_text('version = 1\n\n[[package]]\nname = "a"\nversion = "1"\ndependencies = ["b"]\n')
    with pytest.raises(ManifestError) as caught:
        parse_uv_lock(path, "uv.lock")
    assert str(caught.value) == (
        "[[package]] entry 1 (a): dependencies is not an array of {name = ...} tables"
    )
    assert caught.value.line == 3


# -- Pipfile.lock ------------------------------------------------------------------------


def test_pipfile_lock() -> None:
    found = parse(parse_pipfile_lock, "pipenv/Pipfile.lock")
    # "shop-backend" is the project itself (path "."); a git entry has no version.
    assert rows(found) == [
        ("certifi", "2024.8.30", True, None, RUN, 19, ()),
        ("django", "5.1.2", True, None, RUN, 27, ()),
        ("internal-tools", None, False, None, RUN, 35, ()),
        ("sqlparse", "0.5.1", True, None, RUN, 44, ()),
        ("iniconfig", "2.0.0", True, None, DEV, 53, ()),
        ("pytest", "8.3.3", True, None, DEV, 60, ()),
    ]


def test_pipfile_lock_malformed() -> None:
    rel = "malformed/Pipfile.lock"
    with pytest.raises(ManifestError) as caught:
        parse_pipfile_lock(DATA / rel, rel)
    assert str(caught.value) == "not valid JSON: Expecting ',' delimiter"
    assert (caught.value.path, caught.value.line) == (rel, 9)


def test_pipfile_lock_wrong_shape(tmp_path: Path) -> None:
    path = tmp_path / "Pipfile.lock"
    path.write_text('{\n  "default": []\n}\n')
    with pytest.raises(ManifestError) as caught:
        parse_pipfile_lock(path, "Pipfile.lock")
    assert (str(caught.value), caught.value.line) == ('"default" is not an object', 2)


# -- pylock.toml -------------------------------------------------------------------------


def test_pylock() -> None:
    found = parse(parse_pylock, "pylock/pylock.toml")
    # "my-app" (directory ".") is the project; the VCS entry has no version.
    assert rows(found) == [
        ("attrs", "25.1.0", True, None, RUN, 9, ()),
        ("cattrs", "24.1.2", True, None, RUN, 19, ("attrs",)),
        ("cryptography", "44.0.0", True, None, OPT, 31, ()),  # marker: 'crypto' in extras
        ("pytest", "8.3.4", True, None, DEV, 40, ()),  # marker: 'dev' in dependency_groups
        ("toolkit", None, False, None, RUN, 49, ()),
    ]


def test_pylock_malformed() -> None:
    rel = "malformed/pylock.toml"
    with pytest.raises(ManifestError) as caught:
        parse_pylock(DATA / rel, rel)
    assert str(caught.value) == (
        "not valid TOML: Expected newline or end of document after a statement "
        "(at line 6, column 15)"
    )
    assert (caught.value.path, caught.value.line) == (rel, 6)


def test_pylock_entry_without_name(tmp_path: Path) -> None:
    path = tmp_path / "pylock.toml"
    path.write_text('lock-version = "1.0"\n\n[[packages]]\nversion = "1.0"\n')
    with pytest.raises(ManifestError) as caught:
        parse_pylock(path, "pylock.toml")
    assert (str(caught.value), caught.value.line) == ("[[packages]] entry 1 has no name", 3)


# -- the classifier table ----------------------------------------------------------------


def test_classifier_table_values_are_valid_spdx() -> None:
    data = tomllib.loads((data_directory() / "python_classifiers.toml").read_text("utf-8"))
    licensing = get_spdx_licensing()
    certain, ambiguous = data["classifiers"], data["ambiguous"]
    assert len(certain) > 50
    assert len(ambiguous) > 10
    assert not set(certain) & set(ambiguous)
    for classifier, value in {**certain, **ambiguous}.items():
        assert classifier.startswith("License :: "), classifier
        licensing.parse(value, validate=True)  # raises on an unknown id


def test_classifier_lookups() -> None:
    table = load_classifiers()
    assert table is load_classifiers()  # cached
    assert table.lookup("License :: OSI Approved :: MIT License") == ("MIT", False)
    assert table.lookup("License :: OSI Approved :: BSD License") == ("BSD-3-Clause", True)
    assert table.lookup("License::OSI Approved::Apache Software License") == ("Apache-2.0", False)
    assert table.lookup("License :: Freeware") is None
    assert classifier_to_spdx("License :: OSI Approved :: GNU General Public License (GPL)") == (
        "GPL-1.0-or-later"
    )
    assert classifier_to_spdx("License :: Freeware") is None
    assert license_from_classifiers(
        [
            "Programming Language :: Python :: 3",
            "License :: OSI Approved",
            "License :: OSI Approved :: MIT License",
            "License :: OSI Approved :: Apache Software License",
            "License :: OSI Approved :: MIT License",
        ]
    ) == ("MIT AND Apache-2.0", "classifiers")  # what applies, not a choice
    assert license_from_classifiers(
        ["License :: OSI Approved :: BSD License", "License :: Free For Home Use"]
    ) == ("BSD-3-Clause AND Free For Home Use", "classifiers (ambiguous)")
    assert license_from_classifiers(["License :: OSI Approved"]) is None


# -- installed metadata ------------------------------------------------------------------


def _dist(site: Path, dirname: str, headers: str, files: dict[str, str] | None = None) -> Path:
    dist = site / dirname
    dist.mkdir(parents=True)
    meta = dist / ("PKG-INFO" if dirname.endswith(".egg-info") else "METADATA")
    meta.write_text(headers + "\nThe long description.\nLicense: not a header here\n")
    for rel, text in (files or {}).items():
        (dist / rel).parent.mkdir(parents=True, exist_ok=True)
        (dist / rel).write_text(text)
    return meta


@pytest.fixture
def env(tmp_path: Path) -> Environment:
    site = tmp_path / ".venv" / "lib" / "python3.12" / "site-packages"
    _dist(
        site,
        "alpha-1.0.dist-info",
        "Metadata-Version: 2.4\nName: alpha\nVersion: 1.0\nLicense-Expression: MIT OR Apache-2.0\n"
        "License-File: LICENSE-MIT\nLicense-File: LICENSE-APACHE\nLicense-File: NOTICE\n"
        "License-File: README.rst\nLicense-File: missing.txt\nLicense-File: ../../outside.txt\n"
        "Classifier: License :: OSI Approved :: BSD License\n",
        {
            "licenses/LICENSE-MIT": "MIT text",
            "licenses/LICENSE-APACHE": "Apache text",
            "licenses/NOTICE": "not a license",
            "licenses/README.rst": "documentation",
        },
    )
    _dist(
        site,
        "Beta_Pkg-2.0.dist-info",
        "Metadata-Version: 2.1\nName: Beta-Pkg\nVersion: 2.0\n"
        "Classifier: License :: OSI Approved\n"
        "Classifier: License :: OSI Approved :: MIT License\n"
        "Classifier: Programming Language :: Python :: 3\n",
    )
    _dist(
        site,
        "gamma-0.9.dist-info",
        "Metadata-Version: 2.1\nName: gamma\nVersion: 0.9\nLicense: \n"
        "Classifier: License :: OSI Approved :: BSD License\n",
    )
    _dist(
        site,
        "delta-3.0.dist-info",
        "Metadata-Version: 2.1\nName: delta\nVersion: 3.0\nLicense: UNKNOWN\n"
        "License-File: LICENSE\n",
        {"licenses/LICENSE": "Some license text", "COPYING": "more text", "NOTICE": "not one"},
    )
    _dist(
        site,
        "epsilon-4.2.dist-info",
        "Metadata-Version: 2.1\nName: epsilon\nVersion: 4.2\n"
        "License: Copyright (c) 2020 Someone\n        \n        Permission is hereby granted\n"
        "License-File: LICENSE.txt\n",
        {"LICENSE.txt": "old setuptools put it here"},
    )
    (site / "outside.txt").write_text("a License-File must not lead out of its directory")
    broken = site / "broken-0.1.dist-info"
    broken.mkdir()
    (broken / "METADATA").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00garbage")
    headerless = site / "headerless-0.2.dist-info"
    headerless.mkdir()
    (headerless / "METADATA").write_text("just some text without headers\n")
    _dist(site, "twin-1.0.dist-info", "Metadata-Version: 2.1\nName: twin\nVersion: 1.0\n")
    _dist(
        site,
        "legacy-0.5-py3.8.egg-info",
        "Metadata-Version: 1.1\nName: legacy\nVersion: 0.5\nLicense: BSD\n",
    )
    # A second environment given as its site-packages directory, Windows layout aside.
    other = tmp_path / "other-site"
    _dist(
        other,
        "twin-2.0.dist-info",
        "Metadata-Version: 2.4\nName: twin\nVersion: 2.0\nLicense-Expression: ISC\n",
    )
    windows = tmp_path / "winenv" / "Lib" / "site-packages"
    _dist(windows, "zeta-1.1.dist-info", "Metadata-Version: 2.1\nName: zeta\nVersion: 1.1\n")
    return Environment(
        root=tmp_path,
        python_envs=(tmp_path / ".venv", other, tmp_path / "winenv", tmp_path / "missing"),
    )


def test_locator_license_expression_wins(env: Environment) -> None:
    found = PythonEnvLocator(env).find("alpha", "1.0")
    dist = env.root / ".venv/lib/python3.12/site-packages/alpha-1.0.dist-info"
    assert found is not None
    assert (found.license, found.field, found.version, found.source) == (
        "MIT OR Apache-2.0",
        "License-Expression",
        "1.0",
        "installed",
    )
    assert found.where == ".venv/lib/python3.12/site-packages/alpha-1.0.dist-info/METADATA"
    assert found.texts == (dist / "licenses/LICENSE-MIT", dist / "licenses/LICENSE-APACHE")


def test_locator_classifiers_only(env: Environment) -> None:
    locator = PythonEnvLocator(env)
    beta = locator.find("beta.pkg", "2.0")  # found by its normalized name
    assert beta is not None
    assert (beta.license, beta.field, beta.texts) == ("MIT", "classifiers", ())
    gamma = locator.find("gamma", "0.9")  # a blank License field counts as none
    assert gamma is not None
    assert (gamma.license, gamma.field) == ("BSD-3-Clause", "classifiers (ambiguous)")


def test_locator_unknown_license_gives_its_files(env: Environment) -> None:
    found = PythonEnvLocator(env).find("delta", "3.0")
    dist = env.root / ".venv/lib/python3.12/site-packages/delta-3.0.dist-info"
    assert found is not None
    assert (found.license, found.field) == (None, "")
    assert found.texts == (dist / "licenses/LICENSE", dist / "COPYING")


def test_locator_keeps_a_whole_license_text(env: Environment) -> None:
    found = PythonEnvLocator(env).find("epsilon", "4.2")
    dist = env.root / ".venv/lib/python3.12/site-packages/epsilon-4.2.dist-info"
    assert found is not None
    assert found.license == "Copyright (c) 2020 Someone\n\nPermission is hereby granted"
    assert (found.field, found.texts) == ("License", (dist / "LICENSE.txt",))


def test_locator_skips_broken_metadata(env: Environment) -> None:
    locator = PythonEnvLocator(env)
    assert locator.find("broken", "0.1") is None
    assert locator.find("broken", None) is None
    assert locator.find("headerless", "0.2") is None


def test_locator_versions(env: Environment) -> None:
    locator = PythonEnvLocator(env)
    one, two = locator.find("twin", "1.0"), locator.find("twin", "2.0")
    assert one is not None
    assert two is not None
    assert (one.version, one.license, one.field) == ("1.0", None, "")
    assert (two.version, two.license, two.where) == (
        "2.0",
        "ISC",
        "other-site/twin-2.0.dist-info/METADATA",
    )
    assert locator.find("twin", "2.0.0") is not None  # the same version, spelled otherwise
    assert locator.find("twin", "3.0") is None  # another version may have another license
    anyone = locator.find("twin", None)
    assert anyone is not None
    assert anyone.version == "1.0"  # the first environment first
    assert locator.find("not-installed", None) is None
    assert locator.find("not-installed", "1.0") is None


def test_locator_egg_info_and_windows_layout(env: Environment) -> None:
    locator = PythonEnvLocator(env)
    legacy = locator.find("legacy", "0.5")
    assert legacy is not None
    assert (legacy.license, legacy.field) == ("BSD", "License")
    assert legacy.where == ".venv/lib/python3.12/site-packages/legacy-0.5-py3.8.egg-info/PKG-INFO"
    zeta = locator.find("zeta", "1.1")
    assert zeta is not None
    assert zeta.where == "winenv/Lib/site-packages/zeta-1.1.dist-info/METADATA"


def test_locators_without_environments(tmp_path: Path) -> None:
    found = locators(Environment(root=tmp_path))
    assert [type(x) for x in found] == [PythonEnvLocator]
    assert found[0].ecosystem is Ecosystem.PYPI
    assert found[0].find("anything", None) is None


def test_direct_references_name_their_package_local_paths_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text(
        "remote @ https://files.example.invalid/remote-1.0.tar.gz\n"
        "local-helper @ file:///opt/src/local-helper\n"
        "x @ file:./libs/x\n"
        "./vendored/pkg\n"
        "requests==2.32.3\n"
    )
    found = [(d.name, d.version, d.exact, d.line) for d in parse_requirements(path, "r.txt")]
    assert found == [
        ("remote", "https://files.example.invalid/remote-1.0.tar.gz", False, 1),
        ("requests", "2.32.3", True, 5),
    ]


@pytest.mark.parametrize(
    ("extra", "scope"),
    [("test", Scope.DEVELOPMENT), ("docs", Scope.DEVELOPMENT), ("dev-tools", Scope.DEVELOPMENT),
     ("cli", Scope.OPTIONAL), ("postgres", Scope.OPTIONAL), ("contest", Scope.OPTIONAL)],
)  # fmt: skip
def test_extras_named_for_development_are_development(
    tmp_path: Path, extra: str, scope: Scope
) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(f'[project]\nname = "p"\n[project.optional-dependencies]\n{extra} = ["x>=1"]\n')
    (found,) = parse_pyproject(path, "pyproject.toml")
    assert (found.name, found.scope, found.line) == ("x", scope, 4)
