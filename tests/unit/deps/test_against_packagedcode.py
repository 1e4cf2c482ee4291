"""licensetier's manifest and lockfile parsers against ScanCode's ``packagedcode``.

docs/dependencies.md: packagedcode is not used for parsing, but where it has a
handler both must find the same packages and versions in the same fixture files
(tests/data/deps/). Each fixture is parsed by both and the sets of ``(name, version)``
are compared: the name as :func:`~licensetier.deps.base.package_key` spells it (npm
``@scope/name``, Maven ``group:artifact``, the Go module path, composer
``vendor/name`` in lower case, PyPI names normalised by PEP 503); the version when the
parser states an exact one (licensetier: ``Declared.exact``; packagedcode: the version
in the dependency's purl, which it fills only with a pinned or locked version; its
``is_pinned`` is False for go.mod's exact requirements), else None. Every known
difference is listed in :data:`CASES` with its reason; everything else must be equal,
and a listed difference that no longer occurs fails the test too.

packagedcode's handler is the one of ``APPLICATION_PACKAGE_DATAFILE_HANDLERS`` whose
``is_datafile()`` accepts the fixture (exactly one must). Its license detection is
switched off (licenses are not compared, and several handlers run it even with
``package_only=True``, loading ScanCode's license index for seconds); a guard fails
the test if the index is loaded all the same. Dependencies without a purl
(packagedcode's ``-e .`` and ``--editable ./libs/shared`` of a requirements file) name
no package and are left out. For composer.lock only the file's own package data is
read: the handler also yields one per locked package, with that package's own
requirements.

Compared (scancode-toolkit 32.5.0):

| format | packagedcode datasource |
|---|---|
| ``Cargo.toml``, ``Cargo.lock`` | ``cargo_toml``, ``cargo_lock`` |
| ``go.mod``, ``go.sum`` | ``go_mod``, ``go_sum`` |
| ``pom.xml`` | ``maven_pom`` |
| ``package.json`` | ``npm_package_json`` |
| ``package-lock.json`` v1, v2, v3 | ``npm_package_lock_json`` |
| ``yarn.lock`` classic, Berry | ``yarn_lock_v1``, ``yarn_lock_v2`` |
| ``pnpm-lock.yaml`` 5.x, 6.x, 9.x | ``pnpm_lock_yaml`` |
| ``composer.json``, ``composer.lock`` | ``php_composer_json``, ``php_composer_lock`` |
| ``pyproject.toml`` with ``[tool.poetry]`` | ``pypi_poetry_pyproject_toml`` |
| ``requirements*.txt`` | ``pip_requirements`` |
| ``poetry.lock``, ``Pipfile.lock`` | ``pypi_poetry_lock``, ``pipfile_lock`` |
| ``Gemfile.lock`` | ``gemfile_lock`` |

(Both pyproject.toml fixtures have a ``[tool.poetry]`` table, which sends them to the
Poetry handler; packagedcode's PEP 621 handler ``pypi_pyproject_toml`` takes only
files without one.)

Not compared (:data:`NOT_COMPARED`; the test checks that each reason still holds):

- ``uv.lock``, ``pylock.toml``: packagedcode has no handler.
- ``*.csproj``, ``packages.config``: no handler (for NuGet packagedcode reads ``.nuspec``,
  ``.nupkg`` and ``packages.lock.json``).
- ``packages.lock.json``: packagedcode crashes on a valid lock that uses Central Package
  Management: ``Exception: Unknown package type: CentralTransitive``.
- malformed fixtures: licensetier rejects them (``*/malformed/`` is tested with each
  parser and skipped here). On ``python/no-version/poetry.lock`` (an entry without a
  version) packagedcode crashes with ``AttributeError: 'NoneType' object has no
  attribute 'get'``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from packageurl import PackageURL

from licensetier.deps import cargo, golang, maven, npm, nuget, php, python, ruby
from licensetier.deps.base import Ecosystem, Route, package_key
from licensetier.deps.discover import routed
from licensetier.errors import ManifestError

DATA = Path(__file__).resolve().parents[2] / "data" / "deps"
REGISTRY = "cargo/cargo_home/registry/src/index.example.invalid-6f17d22bba15001f"
ROUTES: tuple[Route, ...] = tuple(
    r for m in (python, npm, php, cargo, golang, maven, ruby, nuget) for r in m.MANIFESTS
)

Entry = tuple[str, str | None]  # (package key, exact version or None)


@dataclass(frozen=True)
class Known:
    """A documented difference: the entries only one parser finds, and why."""

    reason: str
    only_licensetier: frozenset[Entry] = frozenset()
    only_packagedcode: frozenset[Entry] = frozenset()


def known(reason: str, *, lt: tuple[Entry, ...] = (), pc: tuple[Entry, ...] = ()) -> Known:
    return Known(reason, frozenset(lt), frozenset(pc))


@dataclass(frozen=True)
class Case:
    path: str  # relative to tests/data/deps
    datasource: str  # packagedcode's datasource id of the handler that accepts the file
    known: tuple[Known, ...] = ()


# -- the documented differences, per format -------------------------------------------

# Cargo
CARGO_OWN = "packagedcode lists the lockfile's own crates (root package, workspace members)"
CARGO_EXACT = 'packagedcode marks no Cargo.toml requirement pinned, not even "=1.2.3"'
CARGO_LOCAL = "licensetier skips path, workspace-member and version-less git dependencies"
CARGO_RENAME = "packagedcode names a renamed dependency by its key, not by its `package`"
CARGO_TARGET = "packagedcode ignores [target.'cfg(...)'.dependencies] tables"
# Go
GO_REPLACE = "licensetier applies `replace` (a module replaced by a directory is local code)"
GO_EXCLUDE = "packagedcode lists the module version of an `exclude` directive as a dependency"
GO_SUM_MOD_ONLY = "packagedcode lists modules with only a /go.mod hash in go.sum (not built)"
# Maven
MAVEN_MANAGED = "packagedcode lists <dependencyManagement> entries and imported BOMs"
MAVEN_SYSTEM = "licensetier skips `system` scope dependencies (a file of the local JDK)"
MAVEN_RANGE = "packagedcode does not read the one-version range [4.1.0] as exact"
# npm
NPM_LOCAL = "licensetier skips file:, link:, workspace:, git and tarball dependencies"
NPM_WORKSPACE = "packagedcode lists workspace members (the project itself) as dependencies"
NPM_ALIAS = "licensetier resolves an npm: alias to the real package; packagedcode keeps the alias"
NPM_EXACT = "packagedcode marks no package.json requirement pinned, not even an exact version"
YARN_PATCH = "packagedcode lists Yarn Berry's patch: entry as a package named after its locator"
# composer
COMPOSER_PLATFORM = "licensetier skips platform packages (php, ext-*, lib-*, composer-*-api)"
COMPOSER_EXACT = "packagedcode marks no composer.json requirement pinned, not even an exact one"
COMPOSER_PATH = "licensetier skips a locked package installed from a `path` repository"
# Python
POETRY_ONLY = "packagedcode reads only [tool.poetry], not [project], dependency groups, [tool.uv]"
POETRY_SELF = "packagedcode lists the project's own path dependency on itself"
POETRY_EXACT = 'packagedcode marks no Poetry requirement pinned, not even "1.2.3" or "==1.2.3"'
REQ_LOCAL = "licensetier skips a local wheel path; packagedcode reads its file name"
PIPFILE_VCS = "packagedcode skips Pipfile.lock entries without a version (git); licensetier not"
# Ruby
GEM_GIT = "packagedcode takes a GIT gem's revision as its version, not the version of its specs"

CASES: tuple[Case, ...] = (
    # Cargo
    Case(f"{REGISTRY}/ring-0.17.8/Cargo.toml", "cargo_toml"),
    Case(
        f"{REGISTRY}/serde-1.0.203/Cargo.toml",
        "cargo_toml",
        (known(CARGO_EXACT, lt=(("serde_derive", "1.0.203"),), pc=(("serde_derive", None),)),),
    ),
    Case(f"{REGISTRY}/serde-json-core-0.5.1/Cargo.toml", "cargo_toml"),
    Case(
        "cargo/single/Cargo.lock", "cargo_lock", (known(CARGO_OWN, pc=(("rand-demo", "0.3.0"),)),)
    ),
    Case(
        "cargo/workspace/Cargo.lock",
        "cargo_lock",
        (known(CARGO_OWN, pc=(("demo-app", "0.1.0"), ("demo-core", "0.1.0"))),),
    ),
    Case("cargo/workspace/Cargo.toml", "cargo_toml"),
    Case(
        "cargo/workspace/crates/app/Cargo.toml",
        "cargo_toml",
        (
            known(CARGO_EXACT, lt=(("regex", "1.10.5"),), pc=(("regex", None),)),
            known(CARGO_LOCAL, pc=(("demo-core", None), ("local-helper", None), ("patched", None))),
            known(CARGO_RENAME, lt=(("log", None),), pc=(("log_facade", None),)),
            known(CARGO_TARGET, lt=(("winapi", None), ("libc", None))),
        ),
    ),
    Case(
        "cargo/workspace/crates/core/Cargo.toml",
        "cargo_toml",
        (known(CARGO_LOCAL, pc=(("old-macro", None),)),),
    ),
    # Go
    Case(
        "golang/service/go.mod",
        "go_mod",
        (
            known(
                GO_REPLACE,
                lt=(("github.com/example/logrus-fork", "v1.9.4"),),
                pc=(
                    ("github.com/sirupsen/logrus", "v1.9.3"),
                    ("example.com/internal/shared", "v0.0.0-00010101000000-000000000000"),
                ),
            ),
            known(GO_EXCLUDE, pc=(("github.com/google/uuid", "v1.5.0"),)),
        ),
    ),
    Case(
        "golang/service/go.sum",
        "go_sum",
        (
            known(
                GO_SUM_MOD_ONLY,
                pc=(
                    ("github.com/davecgh/go-spew", "v1.1.0"),
                    ("github.com/stretchr/objx", "v0.1.0"),
                    ("gopkg.in/check.v1", "v0.0.0-20161208181325-20d25e280405"),
                    ("gopkg.in/yaml.v3", "v3.0.0-20200313102051-9f266ea9e77c"),
                ),
            ),
        ),
    ),
    # Maven
    Case(
        "maven/app/pom.xml",
        "maven_pom",
        (
            known(
                MAVEN_MANAGED,
                pc=(
                    ("com.fasterxml.jackson:jackson-bom", "2.17.1"),
                    ("commons-logging:commons-logging", "1.2"),
                ),
            ),
            known(MAVEN_SYSTEM, pc=(("com.sun:tools", "1.8"),)),
            known(
                MAVEN_RANGE, lt=(("io.example:pinned", "4.1.0"),), pc=(("io.example:pinned", None),)
            ),
        ),
    ),
    Case("maven/plain/pom.xml", "maven_pom"),
    # npm
    Case("npm/installed/web/package.json", "npm_package_json"),
    Case(
        "npm/project/package.json",
        "npm_package_json",
        (
            known(
                NPM_EXACT,
                lt=(
                    ("lodash", "4.17.21"),
                    ("lodash", "4.17.20"),
                    ("@types/node", "20.10.0"),
                    ("fsevents", "2.3.3"),
                ),
                pc=(("lodash", None), ("@types/node", None), ("fsevents", None)),
            ),
            known(
                NPM_LOCAL,
                pc=(
                    ("local-utils", None),
                    ("shared", None),
                    ("from-git", None),
                    ("gh-short", None),
                    ("tarball", None),
                    ("linked", None),
                ),
            ),
        ),
    ),
    Case(
        "npm/lock_v1/package-lock.json",
        "npm_package_lock_json",
        (
            known(NPM_LOCAL, pc=(("local-utils", "file:../local-utils"),)),
            known(
                NPM_ALIAS, lt=(("lodash", "4.17.20"),), pc=(("old-lodash", "npm:lodash@4.17.20"),)
            ),
        ),
    ),
    Case("npm/lock_v2/package-lock.json", "npm_package_lock_json"),
    Case(
        "npm/lock_v3/package-lock.json",
        "npm_package_lock_json",
        (known(NPM_WORKSPACE, pc=(("@acme/ui", None), ("@acme/ui", "0.1.0"))),),
    ),
    Case(
        "npm/yarn_classic/yarn.lock",
        "yarn_lock_v1",
        (known(NPM_LOCAL, pc=(("local-utils", "1.0.0"),)),),
    ),
    Case(
        "npm/yarn_berry/yarn.lock",
        "yarn_lock_v2",
        (
            known(
                NPM_WORKSPACE,
                pc=(("acme-shop", "workspace:."), ("@acme/tools", "workspace:packages/tools")),
            ),
            known(
                YARN_PATCH,
                pc=(
                    (
                        "resolve@patch:resolve",
                        "npm%3A1.22.8#optional!builtin<compat/resolve>::version=1.22.8&hash=c3c19d",
                    ),
                ),
            ),
        ),
    ),
    Case("npm/pnpm_v5/pnpm-lock.yaml", "pnpm_lock_yaml"),
    Case("npm/pnpm_v6/pnpm-lock.yaml", "pnpm_lock_yaml"),
    Case("npm/pnpm_v9/pnpm-lock.yaml", "pnpm_lock_yaml"),
    # composer
    Case(
        "php/project/composer.json",
        "php_composer_json",
        (
            known(
                COMPOSER_PLATFORM,
                pc=(
                    ("php", None),
                    ("ext-json", None),
                    ("ext-mbstring", None),
                    ("lib-openssl", None),
                    ("composer-runtime-api", None),
                    ("composer-plugin-api", None),
                ),
            ),
            known(
                COMPOSER_EXACT,
                lt=(("symfony/console", "v6.4.1"), ("guzzlehttp/guzzle", "7.8.1")),
                pc=(("symfony/console", None), ("guzzlehttp/guzzle", None)),
            ),
        ),
    ),
    Case(
        "php/project/composer.lock",
        "php_composer_lock",
        (known(COMPOSER_PATH, pc=(("acme/internal-tools", "dev-main"),)),),
    ),
    # Python
    Case(
        "python/combined/pyproject.toml",
        "pypi_poetry_pyproject_toml",
        (
            known(
                POETRY_ONLY,
                lt=(
                    ("pydantic", "2.9.2"),
                    ("rich", None),
                    ("tomli", None),
                    ("numpy", None),
                    ("click", None),
                    ("typer", "0.12.5"),
                    ("orjson", None),
                    ("pytest", None),
                    ("pytest-cov", "5.0.0"),
                    ("ruff", None),
                    ("ipython", None),
                    ("mypy", None),
                ),
            ),
            known(POETRY_SELF, pc=(("weather-report", None),)),
            known(
                POETRY_EXACT,
                lt=(("attrs", "23.2.0"), ("mkdocs-material", "9.5.39")),
                pc=(("attrs", None), ("mkdocs-material", None)),
            ),
        ),
    ),
    Case(
        "python/poetry1/pyproject.toml",
        "pypi_poetry_pyproject_toml",
        (known(POETRY_EXACT, lt=(("pyyaml", "6.0.1"),), pc=(("pyyaml", None),)),),
    ),
    Case(
        "python/requirements-dev.txt",
        "pip_requirements",
        (known(REQ_LOCAL, pc=(("foo", "1.0"),)),),
    ),
    Case("python/poetry-new/poetry.lock", "pypi_poetry_lock"),
    Case("python/poetry-old/poetry.lock", "pypi_poetry_lock"),
    Case(
        "python/pipenv/Pipfile.lock",
        "pipfile_lock",
        (known(PIPFILE_VCS, lt=(("internal-tools", None),)),),
    ),
    # Ruby
    Case(
        "ruby/app/Gemfile.lock",
        "gemfile_lock",
        (
            known(
                GEM_GIT,
                lt=(("rails-extras", "0.4.0"),),
                pc=(("rails-extras", "5b1c0b7e2f6c4c0c5b3d6c1a9e8f7a6b5c4d3e2f"),),
            ),
        ),
    ),
)


@dataclass(frozen=True)
class NotCompared:
    """Why a fixture is not compared: "no handler", "packagedcode crashes" (``detail``:
    the start of its error message) or "malformed" (licensetier rejects it)."""

    why: str
    detail: str = ""


NO_HANDLER = NotCompared("no handler")

NOT_COMPARED: dict[str, NotCompared] = {
    "python/uv/uv.lock": NO_HANDLER,
    "python/pylock/pylock.toml": NO_HANDLER,
    "nuget/src/Demo.Api/Demo.Api.csproj": NO_HANDLER,
    "nuget/src/Legacy.App/Legacy.App.csproj": NO_HANDLER,
    "nuget/src/Legacy.App/packages.config": NO_HANDLER,
    "nuget/src/Demo.Api/packages.lock.json": NotCompared(
        "packagedcode crashes", "Unknown package type: CentralTransitive"
    ),
    "python/no-version/poetry.lock": NotCompared("malformed"),
    f"{REGISTRY}/broken-1.0.0/Cargo.toml": NotCompared("malformed"),
}
MALFORMED_DIR = "malformed"  # tests/data/deps/*/malformed/: tested with each parser


def short(path: str) -> str:
    return path.replace(REGISTRY, "cargo/registry")


# -- both sides -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def packagedcode() -> Iterator[ModuleType]:
    """packagedcode, imported as licensetier imports ScanCode, with its license
    detection off and a guard against loading ScanCode's license index."""
    from licensetier.detect.engine import _prepare_scancode_environment

    _prepare_scancode_environment()
    module = importlib.import_module("packagedcode")
    from licensedcode.cache import LicenseCache
    from packagedcode.models import PackageData

    def no_index(*args: object, **kwargs: object) -> None:
        raise AssertionError("packagedcode tried to load ScanCode's license index")

    def no_detection(self: object) -> None:
        return None

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LicenseCache, "load_or_build", staticmethod(no_index))
        patch.setattr(PackageData, "populate_license_fields", no_detection)
        yield module


def handlers_for(packagedcode: ModuleType, path: Path) -> list[Any]:
    return [
        h for h in packagedcode.APPLICATION_PACKAGE_DATAFILE_HANDLERS if h.is_datafile(str(path))
    ]


def packagedcode_entries(handler: Any, path: Path) -> set[Entry]:
    """The ``(key, version)`` of the dependencies of the file's own package data."""
    datas = list(handler.parse(str(path), package_only=True))
    if not datas:
        return set()
    out: set[Entry] = set()
    for dep in datas[0].dependencies:  # DependentPackage objects, or their dicts
        mapping = dep if isinstance(dep, dict) else dep.to_dict()
        if not mapping["purl"]:
            continue
        p = PackageURL.from_string(mapping["purl"])
        name = (
            f"{p.namespace}{':' if p.type == 'maven' else '/'}{p.name}" if p.namespace else p.name
        )
        out.add((package_key(Ecosystem(p.type), name), p.version or None))
    return out


def licensetier_entries(path: Path) -> set[Entry]:
    (route,) = [r for r in ROUTES if r.pattern.fullmatch(path.name)]
    found = route.parser(path, path.relative_to(DATA).as_posix())
    return {(d.key, d.version if d.exact else None) for d in found}


# -- tests ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[short(c.path) for c in CASES])
def test_same_packages_and_versions(packagedcode: ModuleType, case: Case) -> None:
    path = DATA / case.path
    handlers = handlers_for(packagedcode, path)
    assert [h.datasource_id for h in handlers] == [case.datasource]
    ours = licensetier_entries(path)
    theirs = packagedcode_entries(handlers[0], path)
    only_ours = frozenset().union(*(k.only_licensetier for k in case.known))
    only_theirs = frozenset().union(*(k.only_packagedcode for k in case.known))
    assert sorted(ours - theirs, key=str) == sorted(only_ours, key=str)
    assert sorted(theirs - ours, key=str) == sorted(only_theirs, key=str)


@pytest.mark.parametrize("path", sorted(NOT_COMPARED), ids=short)
def test_not_compared_for_the_stated_reason(packagedcode: ModuleType, path: str) -> None:
    skipped = NOT_COMPARED[path]
    location = DATA / path
    if skipped.why == "malformed":
        with pytest.raises(ManifestError):
            licensetier_entries(location)
        return
    handlers = handlers_for(packagedcode, location)
    if skipped.why == "no handler":
        assert handlers == []
        return
    assert skipped.why == "packagedcode crashes"
    assert len(handlers) == 1
    licensetier_entries(location)  # a valid fixture: licensetier reads it
    with pytest.raises(Exception, match=skipped.detail):
        packagedcode_entries(handlers[0], location)


def test_every_fixture_is_compared_or_listed() -> None:
    files = [p.relative_to(DATA).as_posix() for p in DATA.rglob("*") if p.is_file()]
    fixtures = {p for p, _ in routed(files) if MALFORMED_DIR not in p.split("/")}
    listed = {c.path for c in CASES} | set(NOT_COMPARED)
    assert sorted(fixtures - listed) == [], "add the new fixture to CASES or NOT_COMPARED"
    assert sorted(listed - fixtures) == []
    assert not {c.path for c in CASES} & set(NOT_COMPARED)
