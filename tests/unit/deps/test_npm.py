"""npm: package.json, package-lock (v1, v2, v3), yarn.lock (classic, Berry),
pnpm-lock.yaml (5.4, 6.0, 9.0) and installed copies in node_modules."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from licensetier.deps import npm
from licensetier.deps.base import Declared, Ecosystem, Environment, Evidence, Role, Scope
from licensetier.errors import ManifestError
from licensetier.readers import package_json

DATA = Path(__file__).resolve().parents[2] / "data" / "deps" / "npm"

R, D, OPT = Scope.RUNTIME, Scope.DEVELOPMENT, Scope.OPTIONAL

Row = tuple[str, str | None, bool, bool | None, Scope, int | None, tuple[str, ...], str | None]


def rows(entries: list[Declared]) -> list[Row]:
    """(name, version, exact, direct, scope, line, requires, license), sorted."""
    for d in entries:
        assert d.ecosystem is Ecosystem.NPM
        assert d.namespace is None
    return sorted(
        (d.name, d.version, d.exact, d.direct, d.scope, d.line, d.requires, d.license)
        for d in entries
    )


def parse(kind: str, relative: str) -> list[Declared]:
    route = next(r for r in npm.MANIFESTS if r.pattern.fullmatch(Path(relative).name))
    entries = route.parser(DATA / relative, f"{kind}/{relative}")
    assert all(d.manifest == f"{kind}/{relative}" for d in entries)
    return entries


def error_of(tmp_path: Path, name: str, text: str) -> ManifestError:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    route = next(r for r in npm.MANIFESTS if r.pattern.fullmatch(name))
    with pytest.raises(ManifestError) as caught:
        route.parser(path, f"app/{name}")
    assert caught.value.path == f"app/{name}"
    return caught.value


# --- routes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "parser", "role"),
    [
        ("package.json", package_json.read_dependencies, Role.MANIFEST),
        ("package-lock.json", npm.parse_package_lock, Role.LOCKFILE),
        ("npm-shrinkwrap.json", npm.parse_package_lock, Role.LOCKFILE),
        ("yarn.lock", npm.parse_yarn_lock, Role.LOCKFILE),
        ("pnpm-lock.yaml", npm.parse_pnpm_lock, Role.LOCKFILE),
    ],
)
def test_routes(name: str, parser: object, role: Role) -> None:
    matching = [r for r in npm.MANIFESTS if r.pattern.fullmatch(name)]
    assert len(matching) == 1
    assert matching[0].parser is parser
    assert matching[0].role is role
    assert matching[0].ecosystem is Ecosystem.NPM


@pytest.mark.parametrize(
    "name",
    ["package.json.bak", "my-package.json", "package-lock.yaml", "pnpm-lock.yml", "yarn.lock~"],
)
def test_other_names_are_not_routed(name: str) -> None:
    assert not [r for r in npm.MANIFESTS if r.pattern.fullmatch(name)]


# --- package.json ------------------------------------------------------------------


def test_package_json() -> None:
    assert rows(parse("web", "project/package.json")) == [
        ("@babel/runtime", "~7.23.2", False, True, R, 13, (), None),
        ("@types/node", "20.10.0", True, True, D, 26, (), None),
        ("express", "^4.18.2", False, True, R, 11, (), None),
        ("fsevents", "2.3.3", True, True, OPT, 29, (), None),
        ("jest", "^29.7.0", False, True, D, 24, (), None),
        ("left-pad", "latest", False, True, R, 14, (), None),
        ("lodash", "4.17.20", True, True, R, 15, (), None),  # "old-lodash": "npm:lodash@..."
        ("lodash", "4.17.21", True, True, R, 12, (), None),
        ("react", "^18.0.0", False, True, R, 32, (), None),
        ("react-dom", "^18.0.0", False, True, OPT, 33, (), None),  # peerDependenciesMeta optional
        ("typescript", ">=5.0.0 <5.4.0", False, True, D, 25, (), None),
    ]


def test_package_json_without_dependencies(tmp_path: Path) -> None:
    path = tmp_path / "package.json"
    path.write_text('{"name": "tiny", "version": "1.0.0"}\n', encoding="utf-8")
    assert package_json.read_dependencies(path, "package.json") == []


def test_package_json_line_is_the_key_of_its_section(tmp_path: Path) -> None:
    path = tmp_path / "package.json"
    path.write_text(
        json.dumps(
            {
                "name": "x",
                "pnpm": {"overrides": {"dependencies": {"a": "1.0.0"}}},
                "devDependencies": {"a": "^2.0.0"},
                "dependencies": {"b": "^1.0.0", "a": "^1.0.0"},
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    found = {
        (d.name, d.scope): d.line for d in package_json.read_dependencies(path, "package.json")
    }
    assert found == {("a", D): 11, ("b", R): 14, ("a", R): 15}


def test_package_json_invalid_json(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        "package.json",
        '{\n  "name": "x",\n  "dependencies": {\n    "a": "1.0.0"\n    "b": "2"\n',
    )
    assert str(error) == "not valid JSON: Expecting ',' delimiter"
    assert error.line == 5


def test_package_json_that_is_an_array(tmp_path: Path) -> None:
    error = error_of(tmp_path, "package.json", '[{"dependencies": {}}]\n')
    assert str(error) == "expected a JSON object, found an array"
    assert error.line == 1


def test_package_json_dependencies_not_an_object(tmp_path: Path) -> None:
    error = error_of(
        tmp_path, "package.json", '{\n  "name": "x",\n  "dependencies": ["a", "b"]\n}\n'
    )
    assert str(error) == ('"dependencies" is an array, not an object of names and version ranges')
    assert error.line == 3


def test_package_json_range_not_a_string(tmp_path: Path) -> None:
    error = error_of(
        tmp_path, "package.json", '{\n  "devDependencies": {\n    "jest": 29\n  }\n}\n'
    )
    assert str(error) == '"devDependencies": the range of "jest" is a number, not a string'
    assert error.line == 3


# --- package-lock.json -------------------------------------------------------------


def test_package_lock_v1() -> None:
    # No roots in v1: direct is None. supports-color 5.5.0 is both a dev-only nested
    # copy and a runtime top-level one: listed once, runtime.
    assert rows(parse("api", "lock_v1/package-lock.json")) == [
        ("accepts", "1.3.8", True, None, R, 7, ("mime-types", "negotiator"), None),
        ("ansi-styles", "3.2.1", True, None, D, 34, (), None),
        ("chalk", "2.4.2", True, None, D, 16, ("ansi-styles", "supports-color"), None),
        ("debug", "2.6.9", True, None, R, 40, ("ms",), None),
        ("fsevents", "2.3.3", True, None, OPT, 48, (), None),
        ("has-flag", "3.0.0", True, None, R, 93, (), None),
        ("lodash", "4.17.20", True, None, R, 80, (), None),  # the "old-lodash" alias
        ("mime-db", "1.52.0", True, None, R, 57, (), None),
        ("mime-types", "2.1.35", True, None, R, 62, ("mime-db",), None),
        ("ms", "2.0.0", True, None, R, 70, (), None),
        ("negotiator", "0.6.3", True, None, R, 75, (), None),
        ("supports-color", "5.5.0", True, None, R, 85, ("has-flag",), None),
    ]


def test_package_lock_v2() -> None:
    assert rows(parse("cli", "lock_v2/package-lock.json")) == [
        ("commander", "11.1.0", True, True, R, 23, (), None),
        ("debug", "3.2.7", True, False, D, 63, ("ms",), "MIT"),
        ("debug", "4.3.4", True, True, R, 31, ("ms",), None),
        ("eslint-plugin-x", "1.2.0", True, True, D, 47, ("debug", "eslint"), "BSD-2-Clause"),
        ("fsevents", "2.3.3", True, True, OPT, 73, (), None),
        ("lodash", "4.17.21", True, True, R, 92, (), "MIT"),  # "node_modules/old-lodash"
        ("ms", "2.1.2", True, False, R, 86, (), "MIT"),
    ]


def test_package_lock_v3_with_workspaces() -> None:
    # The root, the workspace folder packages/ui and its link node_modules/@acme/ui
    # are the project itself. Dependencies of packages/ui installed under its own
    # node_modules are direct; object-assign is pulled in by react 17.
    assert rows(parse("mono", "lock_v3/package-lock.json")) == [
        ("classnames", "2.3.2", True, True, R, 99, (), "MIT"),
        ("dual-licensed", "2.0.1", True, True, D, 70, (), "MIT OR GPL-2.0-only"),
        ("js-tokens", "4.0.0", True, False, R, 26, (), "MIT"),
        ("loose-envify", "1.4.0", True, False, R, 32, ("js-tokens",), "MIT"),
        ("object-assign", "4.1.1", True, False, R, 115, (), "MIT"),
        ("react", "17.0.2", True, True, R, 105, ("loose-envify", "object-assign"), "MIT"),
        ("react", "18.2.0", True, True, R, 44, ("loose-envify",), "MIT"),
        ("typescript", "5.3.3", True, True, D, 56, (), "Apache-2.0"),
    ]


def test_shrinkwrap_is_read_like_a_package_lock(tmp_path: Path) -> None:
    path = tmp_path / "npm-shrinkwrap.json"
    shutil.copy(DATA / "lock_v3" / "package-lock.json", path)
    assert rows(npm.parse_package_lock(path, "lib/npm-shrinkwrap.json")) == rows(
        parse("mono", "lock_v3/package-lock.json")
    )


def test_package_lock_nested_copies_of_one_version_keep_the_least_dev_scope(
    tmp_path: Path,
) -> None:
    lock = {
        "name": "x",
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "x", "dependencies": {"a": "1", "b": "1"}},
            "node_modules/a": {"version": "1.0.0", "dev": True, "dependencies": {"c": "1"}},
            "node_modules/a/node_modules/c": {"version": "1.0.0", "dev": True},
            "node_modules/b": {"version": "1.0.0", "dependencies": {"c": "1"}},
            "node_modules/b/node_modules/c": {"version": "1.0.0", "license": "ISC"},
        },
    }
    path = tmp_path / "package-lock.json"
    path.write_text(json.dumps(lock), encoding="utf-8")
    assert rows(npm.parse_package_lock(path, "package-lock.json")) == [
        ("a", "1.0.0", True, True, D, 1, ("c",), None),
        ("b", "1.0.0", True, True, R, 1, ("c",), None),
        ("c", "1.0.0", True, False, R, 1, (), "ISC"),
    ]


def test_package_lock_without_dependencies(tmp_path: Path) -> None:
    path = tmp_path / "package-lock.json"
    path.write_text(
        '{"name": "x", "lockfileVersion": 3, "packages": {"": {"name": "x"}}}', encoding="utf-8"
    )
    assert npm.parse_package_lock(path, "package-lock.json") == []


def test_package_lock_invalid_json(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        "package-lock.json",
        '{\n  "lockfileVersion": 3,\n  "packages": {\n    "": {}\n    "node_modules/a": {}\n',
    )
    assert str(error) == "not valid JSON: Expecting ',' delimiter"
    assert error.line == 5


def test_package_lock_entry_not_an_object(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        "package-lock.json",
        '{\n  "lockfileVersion": 2,\n  "packages": {\n    "node_modules/a": "1.0.0"\n  }\n}\n',
    )
    assert str(error) == 'packages["node_modules/a"] is a string, not an object'
    assert error.line == 4


def test_package_lock_v1_entry_without_version(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        "package-lock.json",
        '{\n  "lockfileVersion": 1,\n  "dependencies": {\n    "a": {\n'
        '      "dependencies": {\n        "b": {"resolved": "x"}\n      },\n'
        '      "version": "1.0.0"\n    }\n  }\n}\n',
    )
    assert str(error) == 'dependency "b" has no version'
    assert error.line == 6


# --- yarn.lock -----------------------------------------------------------------------


def test_yarn_classic() -> None:
    # No dev flags or roots in yarn.lock; "local-utils@file:..." is a folder of the
    # project; "old-lodash@npm:lodash@4.17.20" is lodash.
    assert rows(parse("shop", "yarn_classic/yarn.lock")) == [
        ("@babel/code-frame", "7.22.13", True, None, R, 5, ("@babel/highlight", "chalk"), None),
        ("@babel/highlight", "7.22.20", True, None, R, 13, ("chalk", "js-tokens"), None),
        ("chalk", "2.4.2", True, None, R, 21, ("ansi-styles", "supports-color"), None),
        ("fsevents", "2.3.3", True, None, R, 29, (), None),
        ("js-tokens", "4.0.0", True, None, R, 34, (), None),
        ("lodash", "4.17.20", True, None, R, 42, (), None),
        ("react", "18.2.0", True, None, R, 47, ("loose-envify", "fsevents"), None),
    ]


def test_yarn_berry() -> None:
    # Workspaces (linkType soft) are the project; the patched resolve is the same
    # package and version as the plain one.
    assert rows(parse("shop", "yarn_berry/yarn.lock")) == [
        ("@babel/code-frame", "7.22.13", True, None, R, 8, ("@babel/highlight", "chalk"), None),
        ("@babel/highlight", "7.22.20", True, None, R, 18, ("chalk", "js-tokens"), None),
        (
            "chalk",
            "2.4.2",
            True,
            None,
            R,
            44,
            ("ansi-styles", "escape-string-regexp", "supports-color"),
            None,
        ),
        ("js-tokens", "4.0.0", True, None, R, 55, (), None),
        ("lodash", "4.17.20", True, None, R, 62, (), None),
        (
            "resolve",
            "1.22.8",
            True,
            None,
            R,
            69,
            ("is-core-module", "path-parse", "supports-preserve-symlinks-flag"),
            None,
        ),
    ]


def test_yarn_classic_line_not_understood(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        "yarn.lock",
        '# yarn lockfile v1\n\n\na@^1.0.0:\n  version "1.0.0"\n  dependencies:\n'
        '    b "^2.0.0"\n      c "^3.0.0"\n',
    )
    assert str(error) == "not a yarn.lock line: 'c \"^3.0.0\"'"
    assert error.line == 8


def test_yarn_classic_header_without_colon(tmp_path: Path) -> None:
    error = error_of(tmp_path, "yarn.lock", '# yarn lockfile v1\n\na@^1.0.0\n  version "1.0.0"\n')
    assert str(error) == "not a yarn.lock line: 'a@^1.0.0'"
    assert error.line == 3


def test_yarn_classic_entry_without_version(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        "yarn.lock",
        '# yarn lockfile v1\n\n\n"@s/a@^1.0.0":\n  resolved "https://registry.example.invalid/a"\n',
    )
    assert str(error) == 'entry "@s/a@^1.0.0" has no version'
    assert error.line == 4


def test_yarn_berry_invalid_yaml(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        "yarn.lock",
        '__metadata:\n  version: 8\n\n"a@npm:^1.0.0":\n  version: 1.0.0\n'
        '  resolution: "a@npm:1.0.0\n  languageName: node\n',
    )
    assert str(error).startswith("not valid YAML: ")
    assert error.line == 8


def test_yarn_berry_entry_without_version(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        "yarn.lock",
        '__metadata:\n  version: 8\n\n"a@npm:^1.0.0":\n  resolution: "a@npm:1.0.0"\n',
    )
    assert str(error) == 'entry "a@npm:^1.0.0" has no version'
    assert error.line == 4


# --- pnpm-lock.yaml -------------------------------------------------------------------


def test_pnpm_5_4() -> None:
    # @types/react has no dev flag: pnpm 5 means "dev and prod"; @emotion/react
    # needs it at runtime. The peer suffix "_y3lw..." is not part of the version.
    assert rows(parse("ui", "pnpm_v5/pnpm-lock.yaml")) == [
        (
            "@emotion/react",
            "11.10.5",
            True,
            True,
            R,
            19,
            ("@types/react", "hoist-non-react-statics", "react"),
            None,
        ),
        ("@types/react", "18.0.26", True, True, R, 33, ("csstype",), None),
        ("csstype", "3.1.1", True, False, R, 38, (), None),
        ("fsevents", "2.3.2", True, False, D, 77, (), None),
        ("hoist-non-react-statics", "3.3.2", True, False, R, 41, ("react-is",), None),
        ("js-tokens", "4.0.0", True, False, R, 47, (), None),
        ("loose-envify", "1.4.0", True, False, R, 51, ("js-tokens",), None),
        ("react", "18.2.0", True, True, R, 62, ("loose-envify",), None),
        ("react-is", "16.13.1", True, False, R, 58, (), None),
        ("vitest", "0.25.8", True, True, D, 69, ("fsevents",), None),
    ]


def test_pnpm_6_0_workspace() -> None:
    # Importers "." and "packages/shared" (its link is skipped); "old-ms" aliases ms.
    assert rows(parse("mono", "pnpm_v6/pnpm-lock.yaml")) == [
        ("@testing-library/react", "14.1.2", True, True, D, 37, ("react", "react-dom"), None),
        ("debug", "2.6.9", True, False, R, 48, ("ms",), None),
        ("express", "4.18.2", True, True, R, 54, ("debug",), None),
        ("fsevents", "2.3.3", True, True, OPT, 61, (), None),
        ("js-tokens", "4.0.0", True, False, R, 69, (), None),
        ("loose-envify", "1.4.0", True, False, R, 72, ("js-tokens",), None),
        ("ms", "2.0.0", True, True, R, 78, (), None),
        ("react", "18.2.0", True, True, R, 92, ("loose-envify",), None),
        ("react-dom", "18.2.0", True, False, D, 82, ("loose-envify", "react", "scheduler"), None),
        ("scheduler", "0.23.0", True, False, D, 98, ("loose-envify",), None),
    ]


def test_pnpm_9_0() -> None:
    # 9.x has no dev flags: scopes come from the importers through the snapshots.
    # @types/react is a devDependency, but @emotion/react pulls it in as an optional
    # dependency: optional, and so is what it pulls in.
    assert rows(parse("web", "pnpm_v9/pnpm-lock.yaml")) == [
        (
            "@emotion/react",
            "11.11.3",
            True,
            True,
            R,
            40,
            ("hoist-non-react-statics", "react", "@types/react"),
            None,
        ),
        ("@types/prop-types", "15.7.11", True, False, OPT, 49, (), None),
        ("@types/react", "18.2.48", True, True, OPT, 52, ("@types/prop-types",), None),
        ("fsevents", "2.3.3", True, True, OPT, 55, (), None),
        ("hoist-non-react-statics", "3.3.2", True, False, R, 60, ("react-is",), None),
        ("js-tokens", "4.0.0", True, False, R, 63, (), None),
        ("loose-envify", "1.4.0", True, False, R, 66, ("js-tokens",), None),
        ("ms", "2.0.0", True, True, R, 70, (), None),
        ("react", "18.2.0", True, True, R, 76, ("loose-envify",), None),
        ("react-is", "16.13.1", True, False, R, 73, (), None),
        ("typescript", "5.3.3", True, True, D, 80, (), None),
    ]


def test_pnpm_without_importers_has_no_roots(tmp_path: Path) -> None:
    path = tmp_path / "pnpm-lock.yaml"
    path.write_text(
        "lockfileVersion: '6.0'\n\npackages:\n\n  /@scope/a@1.0.0:\n"
        "    resolution: {integrity: sha512-AAAA}\n    dev: true\n",
        encoding="utf-8",
    )
    assert rows(npm.parse_pnpm_lock(path, "pnpm-lock.yaml")) == [
        ("@scope/a", "1.0.0", True, None, D, 5, (), None)
    ]


def test_pnpm_invalid_yaml(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        "pnpm-lock.yaml",
        "lockfileVersion: '9.0'\n\npackages:\n\n  a@1.0.0:\n    resolution: {integrity: x\n"
        "\nsnapshots:\n",
    )
    assert str(error).startswith("not valid YAML: ")
    assert error.line == 8


def test_pnpm_without_lockfile_version(tmp_path: Path) -> None:
    error = error_of(tmp_path, "pnpm-lock.yaml", "packages:\n  /a@1.0.0:\n    dev: false\n")
    assert str(error) == "has no lockfileVersion"


def test_pnpm_package_not_a_mapping(tmp_path: Path) -> None:
    error = error_of(
        tmp_path, "pnpm-lock.yaml", "lockfileVersion: '6.0'\npackages:\n  /a@1.0.0: 12\n"
    )
    assert str(error) == 'package "/a@1.0.0" is a number, not a mapping'
    assert error.line == 3


# --- helpers ----------------------------------------------------------------------------


def test_json_key_lines() -> None:
    text = '{\n  "a": {"x": 1,\n    "y": [1, {"z": 2}]},\n  "b\\"q": {\n    "c": "{[,"\n  }\n}\n'
    assert npm.json_key_lines(text, max_depth=None) == {
        ("a",): 2,
        ("a", "x"): 2,
        ("a", "y"): 3,
        ("a", "y", 1, "z"): 3,
        ('b"q',): 4,
        ('b"q', "c"): 5,
    }
    assert npm.json_key_lines(text, max_depth=1) == {("a",): 2, ('b"q',): 4}


def test_join_or() -> None:
    assert npm.join_or([]) is None
    assert npm.join_or(["MIT"]) == "MIT"
    assert npm.join_or(["MIT", "Apache-2.0", "MIT"]) == "MIT OR Apache-2.0"
    assert npm.join_or(["MIT AND BSD-3-Clause", "GPL-2.0-only"]) == (
        "(MIT AND BSD-3-Clause) OR GPL-2.0-only"
    )


@pytest.mark.parametrize(
    ("name", "spec", "expected"),
    [
        ("a", "^1.0.0", ("a", "^1.0.0")),
        ("x", "npm:@scope/real@~2.0.0", ("@scope/real", "~2.0.0")),
        ("a", "latest", ("a", "latest")),
        ("a", "file:../a", None),
        ("a", "link:../a", None),
        ("a", "workspace:^", None),
        ("a", "git+ssh://git@git.example.invalid/o/a.git", None),
        ("a", "github:o/a#v1", None),
        ("a", "o/a#main", None),
        ("a", "https://downloads.example.invalid/a-1.0.0.tgz", None),
        ("a", "./vendor/a", None),
    ],
)
def test_registry_spec(name: str, spec: str, expected: tuple[str, str] | None) -> None:
    assert npm.registry_spec(name, spec) == expected


# --- NodeModulesLocator -------------------------------------------------------------------


INSTALLED = DATA / "installed"


def locator(root: Path = INSTALLED, *manifest_dirs: Path) -> npm.NodeModulesLocator:
    (found,) = npm.locators(Environment(root=root, manifest_dirs=manifest_dirs))
    assert isinstance(found, npm.NodeModulesLocator)
    assert found.ecosystem is Ecosystem.NPM
    return found


def test_installed_license_and_texts() -> None:
    assert locator().find("express", "4.18.2") == Evidence(
        license="MIT",
        texts=(INSTALLED / "node_modules/express/LICENSE",),
        source="installed",
        where="node_modules/express/package.json",
        version="4.18.2",
        field="license",
    )


def test_installed_scoped_and_nested() -> None:
    found = locator()
    runtime = found.find("@babel/runtime", "7.23.2")
    assert runtime is not None
    assert runtime.license == "MIT"
    assert runtime.where == "node_modules/@babel/runtime/package.json"
    assert runtime.texts == (INSTALLED / "node_modules/@babel/runtime/LICENSE",)
    regenerator = found.find("regenerator-runtime", None)
    assert regenerator is not None
    assert regenerator.license == "MIT"  # {"type": "MIT", "url": ...}
    assert regenerator.field == "license"
    assert regenerator.version == "0.14.0"
    assert regenerator.where == (
        "node_modules/@babel/runtime/node_modules/regenerator-runtime/package.json"
    )


def test_installed_versions_of_one_package() -> None:
    found = locator()
    top = found.find("ms", "2.0.0")
    nested = found.find("ms", "2.1.3")
    assert top is not None
    assert nested is not None
    assert top.where == "node_modules/ms/package.json"
    assert top.texts == (INSTALLED / "node_modules/ms/license.md",)
    assert nested.where == "node_modules/eslint-plugin-x/node_modules/ms/package.json"
    assert found.find("ms", "9.9.9") is None
    any_copy = found.find("ms", None)
    assert any_copy is not None
    assert any_copy.version == "2.0.0"  # the top-level copy comes first


def test_installed_legacy_licenses_array() -> None:
    found = locator().find("eslint-plugin-x", "1.2.0")
    assert found is not None
    assert found.license == "MIT OR Apache-2.0"
    assert found.field == "licenses"
    assert found.texts == ()


def test_installed_alias_folder_is_found_under_its_real_name() -> None:
    found = locator()
    assert found.find("old-lodash", None) is None
    lodash = found.find("lodash", "4.17.20")
    assert lodash is not None
    assert lodash.where == "node_modules/old-lodash/package.json"


def test_installed_see_license_in_file() -> None:
    found = locator().find("proprietary-sdk", "3.0.0")
    assert found is not None
    assert found.license == "SEE LICENSE IN EULA.txt"
    assert found.texts == (INSTALLED / "node_modules/proprietary-sdk/EULA.txt",)


def test_installed_without_license_field_gives_the_texts() -> None:
    found = locator().find("no-license-field", "0.0.1")
    assert found == Evidence(
        license=None,
        texts=(INSTALLED / "node_modules/no-license-field/COPYING",),  # not NOTICE
        source="installed",
        where="node_modules/no-license-field/package.json",
        version="0.0.1",
        field="",
    )


def test_installed_broken_and_hidden_are_skipped() -> None:
    found = locator()
    assert found.find("broken", None) is None
    assert found.find("broken", "1.0.0") is None
    assert found.find("cached-thing", None) is None  # node_modules/.cache
    assert found.find("tsc", None) is None  # node_modules/.bin


def test_installed_under_manifest_directories() -> None:
    assert locator().find("left-pad", "1.3.0") is None
    found = locator(INSTALLED, INSTALLED / "web").find("left-pad", "1.3.0")
    assert found is not None
    assert found.license == "WTFPL"
    assert found.where == "web/node_modules/left-pad/package.json"


def test_installed_nothing_when_there_is_no_node_modules(tmp_path: Path) -> None:
    assert locator(tmp_path, tmp_path / "missing").find("express", None) is None


def write_package(folder: Path, name: str, version: str, license_value: object) -> None:
    folder.mkdir(parents=True)
    (folder / "package.json").write_text(
        json.dumps({"name": name, "version": version, "license": license_value}),
        encoding="utf-8",
    )


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_installed_pnpm_store_and_symlinks_inside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    store = root / "node_modules" / ".pnpm"
    write_package(store / "react@18.2.0" / "node_modules" / "react", "react", "18.2.0", "MIT")
    write_package(
        store / "loose-envify@1.4.0" / "node_modules" / "loose-envify",
        "loose-envify",
        "1.4.0",
        "MIT",
    )
    (root / "node_modules" / "react").symlink_to(store / "react@18.2.0" / "node_modules" / "react")
    found = locator(root)
    react = found.find("react", "18.2.0")
    assert react is not None
    assert react.where == "node_modules/react/package.json"
    transitive = found.find("loose-envify", "1.4.0")
    assert transitive is not None
    assert transitive.where == (
        "node_modules/.pnpm/loose-envify@1.4.0/node_modules/loose-envify/package.json"
    )


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_installed_symlinks_out_of_the_root_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    write_package(outside / "secret", "secret", "1.0.0", "MIT")
    (outside / "node_modules").mkdir()
    write_package(outside / "node_modules" / "deep", "deep", "1.0.0", "MIT")
    root = tmp_path / "repo"
    (root / "node_modules").mkdir(parents=True)
    (root / "node_modules" / "secret").symlink_to(outside / "secret")
    write_package(root / "node_modules" / "ok", "ok", "1.0.0", "ISC")
    (root / "node_modules" / "ok" / "node_modules").symlink_to(outside / "node_modules")
    (root / "node_modules" / "loop").symlink_to(root / "node_modules")
    found = locator(root)
    assert found.find("secret", None) is None
    assert found.find("deep", None) is None
    ok = found.find("ok", "1.0.0")
    assert ok is not None
    assert ok.license == "ISC"


def test_installed_unknown_license_is_none(tmp_path: Path) -> None:
    write_package(tmp_path / "node_modules" / "odd", "odd", "1.0.0", "UNKNOWN")
    write_package(tmp_path / "node_modules" / "weird", "weird", "1.0.0", 42)
    found = locator(tmp_path)
    odd = found.find("odd", "1.0.0")
    weird = found.find("weird", "1.0.0")
    assert odd is not None
    assert odd.license is None
    assert weird is not None
    assert weird.license is None
