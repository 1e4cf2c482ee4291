"""Routing of manifests and lockfiles, and the graph that combine() builds from them."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from licensetier.deps import discover
from licensetier.deps.base import Declared, Ecosystem, Role, Scope
from licensetier.deps.discover import Group, combine, read_manifests, routed
from licensetier.readers.routes import ROUTES

NPM = Ecosystem.NPM


@pytest.mark.parametrize("module", sorted(set(discover.MODULE_OF.values())))
def test_each_modules_routes_are_its_rows_of_the_one_table(module: str) -> None:
    routes = importlib.import_module(f"licensetier.deps.{module}").MANIFESTS
    ecosystems = {e for e, m in discover.MODULE_OF.items() if m == module}
    rows = [r for r in ROUTES if r.ecosystem in ecosystems]
    assert [r.pattern.pattern for r in routes] == [r.pattern for r in rows]
    assert {r.ecosystem for r in routes} == ecosystems
    for route in routes:  # every reader the table names exists
        assert callable(route.parser)


def test_routing_skips_installed_and_vendored_copies() -> None:
    paths = [
        "package.json",
        "web/package-lock.json",
        "node_modules/lodash/package.json",
        "vendor/acme/lib/composer.json",
        ".venv/lib/python3.11/site-packages/x/pyproject.toml",
        "third_party/zlib/Cargo.toml",
        "services/api/requirements-dev.txt",
        "src/App/App.csproj",
        "README.md",
        "go.sum",
    ]
    found = [(path, route.ecosystem.value, route.role.value) for path, route in routed(paths)]
    assert found == [
        ("package.json", "npm", "manifest"),
        ("web/package-lock.json", "npm", "lockfile"),
        ("services/api/requirements-dev.txt", "pypi", "manifest"),
        ("src/App/App.csproj", "nuget", "manifest"),
        ("go.sum", "golang", "lockfile"),
    ]


def _d(name: str, version: str | None, **kw: object) -> Declared:
    return Declared(NPM, name, version, kw.pop("manifest", "package-lock.json"), **kw)  # type: ignore[arg-type]


def test_combine_names_direct_scope_and_shortest_chain() -> None:
    manifest = "package.json"
    group = Group(
        ".",
        NPM,
        (
            (Role.MANIFEST, _d("app", "^1", manifest=manifest, direct=True, line=3)),
            (Role.MANIFEST, _d("jest", "29.7.0", manifest=manifest, direct=True,
                               scope=Scope.DEVELOPMENT, line=6, exact=True)),
            (Role.MANIFEST, _d("unlocked", "^2", manifest=manifest, direct=True, line=4)),
            (Role.LOCKFILE, _d("app", "1.2.0", exact=True, requires=("mid",), line=10)),
            (Role.LOCKFILE, _d("mid", "1.0.0", exact=True, requires=("leaf",), line=20)),
            (Role.LOCKFILE, _d("leaf", "3.0.0", exact=True, line=30)),
            (Role.LOCKFILE, _d("jest", "29.7.0", exact=True, requires=("only-dev",), line=40)),
            (Role.LOCKFILE, _d("only-dev", "1.0.0", exact=True, line=50)),
        ),
    )  # fmt: skip
    found = {f.declared.name: f for f in combine(group)}
    assert {n: (f.direct, f.scope, f.manifest, f.line, f.chain) for n, f in found.items()} == {
        "app": (True, Scope.RUNTIME, "package.json", 3, ()),
        "mid": (False, Scope.RUNTIME, "package-lock.json", 20, ("app@1.2.0",)),
        "leaf": (False, Scope.RUNTIME, "package-lock.json", 30, ("app@1.2.0", "mid@1.0.0")),
        "jest": (True, Scope.DEVELOPMENT, "package.json", 6, ()),
        "only-dev": (False, Scope.DEVELOPMENT, "package-lock.json", 50, ("jest@29.7.0",)),
        # declared, but no lockfile pins it: kept, with the requirement as written
        "unlocked": (True, Scope.RUNTIME, "package.json", 4, ()),
    }
    assert found["unlocked"].locked is False
    assert found["leaf"].lockfile == "package-lock.json"


def test_a_package_reached_from_runtime_and_dev_is_runtime() -> None:
    group = Group(
        ".",
        NPM,
        (
            (Role.LOCKFILE, _d("tool", "1.0.0", exact=True, direct=True,
                               scope=Scope.DEVELOPMENT, requires=("shared",))),
            (Role.LOCKFILE, _d("lib", "1.0.0", exact=True, direct=True, requires=("shared",))),
            (Role.LOCKFILE, _d("shared", "2.0.0", exact=True, direct=False)),
        ),
    )  # fmt: skip
    found = {f.declared.name: f for f in combine(group)}
    assert found["shared"].scope is Scope.RUNTIME
    assert found["shared"].chain == ("lib@1.0.0",)


def test_a_lockfile_alone_takes_its_roots_from_the_graph() -> None:
    group = Group(
        ".",
        Ecosystem.GEM,
        (
            (Role.LOCKFILE, Declared(Ecosystem.GEM, "rails", "7.1.0", "Gemfile.lock",
                                     exact=True, requires=("rack",))),
            (Role.LOCKFILE, Declared(Ecosystem.GEM, "rack", "3.0.0", "Gemfile.lock", exact=True)),
        ),
    )  # fmt: skip
    found = {f.declared.name: (f.direct, f.chain) for f in combine(group)}
    assert found == {"rails": (True, ()), "rack": (False, ("rails@7.1.0",))}


def test_go_sum_is_not_used_beside_go_mod() -> None:
    mod = Declared(Ecosystem.GOLANG, "example.invalid/a", "v1.0.0", "go.mod", exact=True,
                   direct=True)  # fmt: skip
    extra = Declared(Ecosystem.GOLANG, "example.invalid/old", "v0.1.0", "go.sum", exact=True)
    group = Group(".", Ecosystem.GOLANG, ((Role.MANIFEST, mod), (Role.LOCKFILE, extra)))
    assert [f.declared.name for f in combine(group)] == ["example.invalid/a"]


def test_go_mod_indirect_requirements_are_not_direct(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text(
        "module example.invalid/app\n\ngo 1.22\n\nrequire (\n"
        "\texample.invalid/a v1.0.0\n"
        "\texample.invalid/b v0.2.0 // indirect\n)\n",
        encoding="utf-8",
    )
    (tmp_path / "go.sum").write_text(
        "example.invalid/a v1.0.0 h1:x=\nexample.invalid/b v0.2.0 h1:y=\n", encoding="utf-8"
    )
    (group,) = read_manifests(tmp_path, ["go.mod", "go.sum"])[0]
    found = {f.declared.name: (f.direct, f.manifest, f.line) for f in combine(group)}
    assert found == {
        "example.invalid/a": (True, "go.mod", 6),
        "example.invalid/b": (False, "go.mod", 7),
    }


def test_only_the_version_the_project_requires_is_direct_not_nested_copies(
    tmp_path: Path,
) -> None:
    import json

    (tmp_path / "package.json").write_text(
        json.dumps({"name": "app", "dependencies": {"debug": "^4.3.0", "send": "^0.18.0"}}),
        encoding="utf-8",
    )
    packages = {
        "": {"name": "app", "dependencies": {"debug": "^4.3.0", "send": "^0.18.0"}},
        "node_modules/debug": {"version": "4.3.4", "dependencies": {"ms": "2.1.2"}},
        "node_modules/ms": {"version": "2.1.2"},
        "node_modules/send": {"version": "0.18.0", "dependencies": {"debug": "2.6.9"}},
        "node_modules/send/node_modules/debug": {"version": "2.6.9", "dev": True},
    }
    lock = {"name": "app", "lockfileVersion": 3, "packages": packages}
    (tmp_path / "package-lock.json").write_text(json.dumps(lock, indent=2), encoding="utf-8")
    (group,) = read_manifests(tmp_path, ["package.json", "package-lock.json"])[0]
    found = {
        (f.declared.name, f.declared.version): (f.direct, f.scope, f.chain) for f in combine(group)
    }
    assert found[("debug", "4.3.4")] == (True, Scope.RUNTIME, ())
    assert found[("debug", "2.6.9")] == (False, Scope.DEVELOPMENT, ("send@0.18.0",))
    assert found[("ms", "2.1.2")] == (False, Scope.RUNTIME, ("debug@4.3.4",))


def test_read_manifests_reports_a_bad_file_and_reads_the_others(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"dependencies": {"a": "1.0.0"}}')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "Cargo.lock").write_text("[[package]\nname = 'x'\n")
    groups, errors = read_manifests(tmp_path, ["package.json", "sub/Cargo.lock"])
    assert [(g.directory, g.ecosystem) for g in groups] == [(".", NPM)]
    (error,) = errors
    assert (error.path, error.line) == ("sub/Cargo.lock", 1)
    assert "TOML" in error.message
