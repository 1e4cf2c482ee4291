"""Workspaces pinned by the root lockfile (Cargo, npm, yarn, pnpm) and Maven read as one
reactor (its own modules, parents' dependencyManagement and properties, imported BOMs).

The lockfiles are small, in the shape the tools write (the Cargo.lock after
ripgrep's, BurntSushi/ripgrep; the package-lock.json after npm/cli's; the
pnpm-lock.yaml after vitejs/vite's), cut down to a few packages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from licensetier.deps.base import Ecosystem, Scope
from licensetier.deps.discover import Found, combine, read_manifests

CARGO, NPM, MAVEN = Ecosystem.CARGO, Ecosystem.NPM, Ecosystem.MAVEN


def _write(root: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return sorted(files)


def _found(root: Path, paths: list[str]) -> list[Found]:
    groups, errors = read_manifests(root, paths)
    assert errors == []
    return [f for g in groups for f in combine(g)]


def _table(found: list[Found]) -> dict[tuple[str, str | None], Found]:
    table: dict[tuple[str, str | None], Found] = {}
    for f in found:
        key = (f.declared.full_name, f.declared.version)
        assert key not in table, f"{key} listed twice"
        table[key] = f
    return table


def _line_of(root: Path, path: str, text: str) -> int:
    lines = (root / path).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


CARGO_LOCK = """\
version = 4

[[package]]
name = "memchr"
version = "2.7.4"
source = "registry+https://example.invalid/index"

[[package]]
name = "log"
version = "0.4.22"
source = "registry+https://example.invalid/index"

[[package]]
name = "itoa"
version = "1.0.11"
source = "registry+https://example.invalid/index"

[[package]]
name = "aho-corasick"
version = "1.1.3"
source = "registry+https://example.invalid/index"
dependencies = [
 "memchr",
]

[[package]]
name = "globset"
version = "0.4.15"
dependencies = [
 "aho-corasick",
 "grep-cli",
 "memchr",
 "tool",
]

[[package]]
name = "grep-cli"
version = "0.1.11"
dependencies = [
 "log",
]

[[package]]
name = "tool"
version = "0.1.0"
dependencies = [
 "itoa",
]
"""


def test_cargo_members_are_pinned_by_the_root_lockfile(tmp_path: Path) -> None:
    paths = _write(
        tmp_path,
        {
            "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\nexclude = ["crates/skip"]\n'
            '\n[workspace.dependencies]\nlog = "0.4"\n',
            "Cargo.lock": CARGO_LOCK,
            "crates/globset/Cargo.toml": '[package]\nname = "globset"\nversion = "0.4.15"\n\n'
            '[dependencies]\naho-corasick = "1.1"\nmemchr = "2"\n'
            'grep-cli = { path = "../cli", version = "0.1" }\n'
            'tool = { path = "../../tools/tool" }\n',
            "crates/cli/Cargo.toml": '[package]\nname = "grep-cli"\nversion = "0.1.11"\n\n'
            "[dev-dependencies]\nlog = { workspace = true }\n",
            # a member only as a path dependency of one (Cargo's rule)
            "tools/tool/Cargo.toml": '[package]\nname = "tool"\n\n[dependencies]\nitoa = "1"\n',
            # excluded: its own project, without a lockfile
            "crates/skip/Cargo.toml": '[package]\nname = "skip"\n\n[dependencies]\nregex = "1"\n',
            # another workspace with its own lockfile
            "fuzz/Cargo.toml": '[package]\nname = "fuzz"\n\n[dependencies]\nmemchr = "2"\n'
            "\n[workspace]\nmembers = []\n",
            "fuzz/Cargo.lock": '[[package]]\nname = "fuzz"\nversion = "0.0.0"\n'
            'dependencies = ["memchr"]\n\n[[package]]\nname = "memchr"\nversion = "2.6.0"\n'
            'source = "registry+https://example.invalid/index"\n',
        },
    )
    table = _table(_found(tmp_path, paths))
    assert set(table) == {
        ("memchr", "2.7.4"),
        ("log", "0.4.22"),
        ("itoa", "1.0.11"),
        ("aho-corasick", "1.1.3"),
        ("regex", "1"),
        ("memchr", "2.6.0"),
    }
    memchr = table[("memchr", "2.7.4")]
    manifest = "crates/globset/Cargo.toml"
    assert (memchr.direct, memchr.locked, memchr.manifest, memchr.lockfile) == (
        True,
        True,
        manifest,
        "Cargo.lock",
    )
    assert memchr.line == _line_of(tmp_path, manifest, "memchr")
    log = table[("log", "0.4.22")]
    assert (log.direct, log.scope, log.manifest) == (
        True,
        Scope.DEVELOPMENT,
        "crates/cli/Cargo.toml",
    )
    itoa = table[("itoa", "1.0.11")]
    assert (itoa.direct, itoa.manifest) == (True, "tools/tool/Cargo.toml")
    # the excluded crate stays its own project; the other workspace keeps its lockfile
    regex = table[("regex", "1")]
    assert (regex.locked, regex.manifest) == (False, "crates/skip/Cargo.toml")
    assert table[("memchr", "2.6.0")].manifest == "fuzz/Cargo.toml"


def test_cargo_transitive_dependencies_of_a_member_keep_their_chain(tmp_path: Path) -> None:
    lock = CARGO_LOCK.replace(
        ' "aho-corasick",\n "grep-cli",\n "memchr",\n "tool",\n', ' "aho-corasick",\n'
    )
    paths = _write(
        tmp_path,
        {
            "Cargo.toml": '[workspace]\nmembers = ["crates/globset"]\n',
            "Cargo.lock": lock,
            "crates/globset/Cargo.toml": '[package]\nname = "globset"\n\n'
            '[dependencies]\naho-corasick = "1.1"\n',
        },
    )
    table = _table(_found(tmp_path, paths))
    assert table[("aho-corasick", "1.1.3")].direct
    memchr = table[("memchr", "2.7.4")]
    assert (memchr.direct, memchr.chain) == (False, ("aho-corasick@1.1.3",))


PACKAGE_LOCK = """\
{
  "name": "root",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {"name": "root", "workspaces": ["packages/*"]},
    "node_modules/a": {"resolved": "packages/a", "link": true},
    "node_modules/b": {"resolved": "packages/b", "link": true},
    "node_modules/abbrev": {"version": "2.0.0", "license": "ISC"},
    "node_modules/ms": {"version": "2.1.3", "license": "MIT"},
    "node_modules/semver": {
      "version": "7.6.0", "dev": true, "license": "ISC",
      "dependencies": {"lru-cache": "^6.0.0"}
    },
    "node_modules/lru-cache": {"version": "6.0.0", "dev": true, "license": "ISC"},
    "packages/a": {
      "version": "1.0.0",
      "dependencies": {"abbrev": "^2.0.0", "b": "^1.0.0"},
      "devDependencies": {"semver": "^7.0.0"}
    },
    "packages/b": {"version": "1.0.0", "dependencies": {"ms": "2.1.3"}}
  }
}
"""


def test_npm_workspace_members_are_pinned_and_siblings_left_out(tmp_path: Path) -> None:
    paths = _write(
        tmp_path,
        {
            "package.json": '{"name": "root", "workspaces": ["packages/*"]}',
            "package-lock.json": PACKAGE_LOCK,
            "packages/a/package.json": '{\n  "name": "a",\n  "dependencies": {\n'
            '    "abbrev": "^2.0.0",\n    "b": "^1.0.0"\n  },\n'
            '  "devDependencies": {\n    "semver": "^7.0.0"\n  }\n}\n',
            "packages/b/package.json": '{"name": "b", "dependencies": {"ms": "2.1.3"}}',
        },
    )
    table = _table(_found(tmp_path, paths))
    assert set(table) == {
        ("abbrev", "2.0.0"),
        ("ms", "2.1.3"),
        ("semver", "7.6.0"),
        ("lru-cache", "6.0.0"),
    }
    abbrev = table[("abbrev", "2.0.0")]
    manifest = "packages/a/package.json"
    assert (abbrev.direct, abbrev.locked, abbrev.manifest, abbrev.lock_license) == (
        True,
        True,
        manifest,
        "ISC",
    )
    assert abbrev.line == _line_of(tmp_path, manifest, '"abbrev"')
    semver = table[("semver", "7.6.0")]
    assert (semver.direct, semver.scope, semver.manifest) == (True, Scope.DEVELOPMENT, manifest)
    lru = table[("lru-cache", "6.0.0")]
    assert (lru.direct, lru.chain, lru.manifest) == (False, ("semver@7.6.0",), "package-lock.json")
    assert table[("ms", "2.1.3")].manifest == "packages/b/package.json"


def test_npm_workspace_with_a_lockfile_written_by_npm(tmp_path: Path) -> None:
    """The lockfile written by npm itself (offline, from its cache; skipped where npm
    or its cache cannot write it)."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed")
    paths = _write(
        tmp_path,
        {
            "package.json": '{"name": "root", "private": true, "workspaces": ["packages/*"]}',
            "packages/a/package.json": '{"name": "a", "version": "1.0.0",\n'
            '"dependencies": {"b": "^1.0.0", "ms": "^2.1.0"}}',
            "packages/b/package.json": '{"name": "b", "version": "1.0.0",\n'
            '"devDependencies": {"abbrev": "2.0.0"}}',
        },
    )
    command = [npm, "install", "--package-lock-only", "--ignore-scripts", "--offline"]
    command += ["--no-audit", "--no-fund"]
    # --offline: from npm's cache only; the registry of the user's configuration (the
    # tests' unreachable one is not the one its cache was filled from)
    env = {k: v for k, v in os.environ.items() if k.lower() != "npm_config_registry"}
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, timeout=60, check=False
    )
    if done.returncode != 0 or not (tmp_path / "package-lock.json").is_file():
        pytest.skip(f"npm could not write the lockfile offline: {done.stderr[-300:]!r}")
    table = _table(_found(tmp_path, [*paths, "package-lock.json"]))
    assert {name for name, _ in table} == {"ms", "abbrev"}
    ms = next(f for (name, _), f in table.items() if name == "ms")
    abbrev = table[("abbrev", "2.0.0")]
    assert (ms.direct, ms.locked, ms.manifest) == (True, True, "packages/a/package.json")
    assert (abbrev.direct, abbrev.scope, abbrev.manifest) == (
        True,
        Scope.DEVELOPMENT,
        "packages/b/package.json",
    )


def test_yarn_workspaces_object_form(tmp_path: Path) -> None:
    paths = _write(
        tmp_path,
        {
            "package.json": '{"private": true, "workspaces": {"packages": ["libs/**"]}}',
            "yarn.lock": "# yarn lockfile v1\n\n\n"
            'left-pad@^1.3.0:\n  version "1.3.0"\n  resolved "https://example.invalid/l.tgz"\n',
            "libs/deep/one/package.json": '{"name": "one", "dependencies": {"left-pad": "^1.3.0"}}',
        },
    )
    (pad,) = _found(tmp_path, paths)
    assert (pad.declared.version, pad.direct, pad.locked, pad.manifest) == (
        "1.3.0",
        True,
        True,
        "libs/deep/one/package.json",
    )


PNPM_LOCK = """\
lockfileVersion: '9.0'

catalogs:
  default:
    react:
      specifier: ^18.3.1
      version: 18.3.1

importers:

  .:
    devDependencies:
      typescript:
        specifier: ^5.6.0
        version: 5.6.3

  packages/app:
    dependencies:
      lib:
        specifier: workspace:*
        version: link:../lib
      react:
        specifier: 'catalog:'
        version: 18.3.1

  packages/lib:
    dependencies:
      loose-envify:
        specifier: ^1.1.0
        version: 1.4.0

packages:

  js-tokens@4.0.0:
    resolution: {integrity: sha512-x}

  loose-envify@1.4.0:
    resolution: {integrity: sha512-y}

  react@18.3.1:
    resolution: {integrity: sha512-z}

  typescript@5.6.3:
    resolution: {integrity: sha512-w}

snapshots:

  js-tokens@4.0.0: {}

  loose-envify@1.4.0:
    dependencies:
      js-tokens: 4.0.0

  react@18.3.1:
    dependencies:
      loose-envify: 1.4.0

  typescript@5.6.3: {}
"""


def test_pnpm_importers_and_catalog_specifiers(tmp_path: Path) -> None:
    paths = _write(
        tmp_path,
        {
            "package.json": '{"name": "root", "devDependencies": {"typescript": "^5.6.0"}}',
            "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n  - '!packages/skip'\n"
            "catalog:\n  react: ^18.3.1\ncatalogs:\n  legacy:\n    left-pad: ^1.3.0\n",
            "pnpm-lock.yaml": PNPM_LOCK,
            "packages/app/package.json": '{\n  "name": "app",\n  "dependencies": {\n'
            '    "lib": "workspace:*",\n    "react": "catalog:",\n'
            '    "left-pad": "catalog:legacy"\n  }\n}\n',
            "packages/lib/package.json": '{"name": "lib",\n'
            '"dependencies": {"loose-envify": "^1.1.0"}}',
            "packages/skip/package.json": '{"name": "skip", "dependencies": {"left-pad": "1"}}',
        },
    )
    table = _table(_found(tmp_path, paths))
    assert set(table) == {
        ("typescript", "5.6.3"),
        ("react", "18.3.1"),
        ("loose-envify", "1.4.0"),
        ("js-tokens", "4.0.0"),
        ("left-pad", "1"),  # excluded from the workspace: its own project
        ("left-pad", "^1.3.0"),  # not in the lockfile: the range of its catalog
    }
    react = table[("react", "18.3.1")]
    manifest = "packages/app/package.json"
    assert (react.direct, react.locked, react.manifest) == (True, True, manifest)
    assert react.line == _line_of(tmp_path, manifest, '"react"')
    assert table[("loose-envify", "1.4.0")].manifest == "packages/lib/package.json"
    assert table[("js-tokens", "4.0.0")].chain in (("loose-envify@1.4.0",),)
    assert not table[("left-pad", "1")].locked
    assert table[("left-pad", "^1.3.0")].manifest == manifest


def test_hostile_and_invalid_member_globs_are_quick_and_harmless(tmp_path: Path) -> None:
    files = {
        "package.json": '{"workspaces": ["' + "*a" * 40 + 'b", "[z-a]", "packages/*"]}',
        "yarn.lock": '# yarn lockfile v1\n\nms@^2.0.0:\n  version "2.1.3"\n',
        "packages/x/package.json": '{"dependencies": {"ms": "^2.0.0"}}',
    }
    for n in range(50):
        files[f"{'a' * 60}{n}/{'a' * 60}/package.json"] = '{"dependencies": {"ms": "^2.0.0"}}'
    paths = _write(tmp_path, files)
    started = time.monotonic()
    found = _found(tmp_path, paths)
    assert time.monotonic() - started < 5
    pinned = [f for f in found if f.locked]
    assert [(f.declared.version, f.manifest) for f in pinned] == [
        ("2.1.3", "packages/x/package.json")
    ]


def test_a_bad_pnpm_workspace_file_is_named(tmp_path: Path) -> None:
    paths = _write(
        tmp_path,
        {
            "pnpm-workspace.yaml": "- not a mapping\n",
            "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
            "packages/app/package.json": '{"dependencies": {"ms": "^2.0.0"}}',
        },
    )
    groups, errors = read_manifests(tmp_path, paths)
    assert [(e.path, e.line) for e in errors] == [("pnpm-workspace.yaml", 1)]
    (ms,) = [f for g in groups for f in combine(g)]
    assert not ms.locked


# --- Maven -------------------------------------------------------------------------

POM = '<project xmlns="http://maven.apache.org/POM/4.0.0">\n<modelVersion>4.0.0</modelVersion>\n'


def _dep(group: str, artifact: str, version: str | None = None, scope: str | None = None) -> str:
    out = f"<dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
    if version:
        out += f"<version>{version}</version>"
    if scope:
        out += f"<scope>{scope}</scope>"
    return out + "</dependency>\n"


def _parent(relative: str | None = None) -> str:
    path = "" if relative is None else f"<relativePath>{relative}</relativePath>"
    return (
        "<parent><groupId>org.acme</groupId><artifactId>acme-parent</artifactId>"
        f"<version>1.0</version>{path}</parent>\n"
    )


@pytest.fixture
def reactor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    home = tmp_path / "home"
    bom = home / ".m2/repository/org/junit/junit-bom/5.10.0/junit-bom-5.10.0.pom"
    bom.parent.mkdir(parents=True)
    bom.write_text(
        POM + "<groupId>org.junit</groupId><artifactId>junit-bom</artifactId>"
        "<version>5.10.0</version><dependencyManagement><dependencies>\n"
        + _dep("org.junit.jupiter", "junit-jupiter", "${project.version}")
        + "</dependencies></dependencyManagement></project>\n"
    )
    monkeypatch.setenv("HOME", str(home))
    root = tmp_path / "repo"
    paths = _write(
        root,
        {
            "pom.xml": POM + "<groupId>org.acme</groupId><artifactId>acme-parent</artifactId>"
            "<version>1.0</version><packaging>pom</packaging>\n"
            "<modules><module>core</module><module>app</module><module>bom</module></modules>\n"
            "<properties><guava.version>33.0.0-jre</guava.version></properties>\n"
            "<dependencyManagement><dependencies>\n"
            + _dep("com.google.guava", "guava", "${guava.version}")
            + _dep("org.acme", "acme-bom", "${project.version}", "import").replace(
                "<scope>", "<type>pom</type><scope>"
            )
            + _dep("org.junit", "junit-bom", "5.10.0", "import")
            + "</dependencies></dependencyManagement></project>\n",
            "bom/pom.xml": POM + _parent() + "<artifactId>acme-bom</artifactId>\n"
            "<dependencyManagement><dependencies>\n"
            + _dep("org.slf4j", "slf4j-api", "2.0.13")
            + "</dependencies></dependencyManagement></project>\n",
            "core/pom.xml": POM + _parent() + "<artifactId>acme-core</artifactId>\n"
            "<dependencies>\n"
            + _dep("com.google.guava", "guava")
            + _dep("org.slf4j", "slf4j-api")
            + "</dependencies></project>\n",
            # a parent named by a relativePath of its own
            "apps/app/pom.xml": POM
            + _parent("../../pom.xml")
            + "<artifactId>acme-app</artifactId>\n"
            "<dependencies>\n"
            + _dep("org.acme", "acme-core", "${project.version}")
            + _dep("org.junit.jupiter", "junit-jupiter", scope="test")
            + _dep("org.unknown", "nowhere")
            + "</dependencies></project>\n",
        },
    )
    return root, paths


def test_maven_reactor_modules_parents_and_boms(reactor: tuple[Path, list[str]]) -> None:
    root, paths = reactor
    found = _found(root, paths)
    got = {
        (f.manifest, f.declared.full_name): (f.declared.version, f.locked, f.scope) for f in found
    }
    assert got == {
        ("core/pom.xml", "com.google.guava:guava"): ("33.0.0-jre", True, Scope.RUNTIME),
        ("core/pom.xml", "org.slf4j:slf4j-api"): ("2.0.13", True, Scope.RUNTIME),
        ("apps/app/pom.xml", "org.junit.jupiter:junit-jupiter"): (
            "5.10.0",
            True,
            Scope.DEVELOPMENT,
        ),
        ("apps/app/pom.xml", "org.unknown:nowhere"): (None, False, Scope.RUNTIME),
    }


def test_maven_parent_cycles_and_missing_parents_end(tmp_path: Path) -> None:
    paths = _write(
        tmp_path,
        {
            "a/pom.xml": POM + "<parent><groupId>g</groupId><artifactId>b</artifactId>"
            "<version>1</version><relativePath>../b/pom.xml</relativePath></parent>"
            "<artifactId>a</artifactId><dependencies>"
            + _dep("x", "y", "${v}")
            + "</dependencies></project>\n",
            "b/pom.xml": POM + "<parent><groupId>g</groupId><artifactId>a</artifactId>"
            "<version>1</version><relativePath>../a/pom.xml</relativePath></parent>"
            "<artifactId>b</artifactId><properties><v>2.0</v></properties></project>\n",
        },
    )
    (y,) = _found(tmp_path, paths)
    assert (y.declared.full_name, y.declared.version, y.locked) == ("x:y", "2.0", True)


@pytest.mark.parametrize(
    ("globs", "directory", "held"),
    [
        (["packages/*"], "packages/a", True),
        (["packages/*"], "packages/a/b", False),
        (["./packages/*/"], "packages/a", True),
        (["playground/**"], "playground", True),  # as pnpm's and npm's globs
        (["playground/**"], "playground/a/b", True),
        (["packages/**/__tests__/**"], "packages/vite/src/node/__tests__", True),
        (["docs"], "docs", True),
        (["docs"], "site/docs", False),  # anchored at the workspace root
        (["*"], "a/b", False),
    ],
)
def test_member_globs(globs: list[str], directory: str, held: bool) -> None:
    from licensetier.deps.discover import _anchored, _Workspace

    assert _Workspace(_anchored(globs), ()).holds(directory) is held
