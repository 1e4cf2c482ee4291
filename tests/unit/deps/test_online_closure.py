"""The dependency closure resolved online (no lockfile, no installed environment), against
a real HTTP server on 127.0.0.1 in the shapes of a Python index and an npm registry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from licensetier.cache import DetectionCache
from licensetier.deps import oclosure
from licensetier.deps.base import Declared, Ecosystem, Scope
from licensetier.deps.discover import Found
from licensetier.deps.online import OnlineLookup, Registries
from tests.acceptance.registry_server import Raw, RegistryServer, entry, simple_page


def metadata(name: str, version: str, *requires: str, lic: str = "MIT") -> Raw:
    """Core metadata; a requirement ``Requires-Python: ...`` is written as it is."""
    lines = ["Metadata-Version: 2.4", f"Name: {name}", f"Version: {version}"]
    lines.append(f"License-Expression: {lic}")
    lines += [r if r.startswith("Requires-") else f"Requires-Dist: {r}" for r in requires]
    return Raw(("\n".join(lines) + "\n\n").encode())


def project(routes: dict[str, Any], name: str, **versions: tuple[str, ...]) -> None:
    """A project on the index: its simple page, and a .metadata file per version (the
    version's keyword is its version with ``_`` for ``.``; a ``requires_python`` entry
    in the tuple's first place when it starts with ``py``)."""
    files = []
    for key, requires in versions.items():
        version = key.lstrip("v").replace("_", ".")
        wheel = f"{name}-{version}-py3-none-any.whl"
        extra: dict[str, object] = {}
        if requires and requires[0].startswith("py"):
            extra["requires-python"] = requires[0][2:]
            requires = requires[1:]
        files.append(entry(wheel, **extra))
        routes[f"/files/{wheel}.metadata"] = metadata(name, version, *requires)
    routes[f"/simple/{name}/"] = simple_page(name, *files)


def python_routes() -> dict[str, Any]:
    routes: dict[str, Any] = {}
    # a chain of two: alpha -> beta -> delta; a marker false here; an extra
    project(
        routes,
        "alpha",
        v1_0=(),
        v1_5=(
            "beta>=2",
            "winonly>=1; sys_platform == 'never'",
            "fastlib>=1; extra == 'fast'",
        ),
        v2_0=(),
    )
    project(routes, "beta", v2_0=(), v2_1=("delta<3", "epsilon"), v2_2=("py>=4",))
    project(routes, "delta", v2_9=(), v3_0=())
    # its newest version says so only in its metadata, not on the page
    project(routes, "epsilon", v1_0=(), v1_1=("Requires-Python: >=4",))
    project(routes, "fastlib", v1_0=())
    # backtracking: left 2.0 pins shared 1.0, which right refuses; left 1.0 does not
    project(routes, "left", v1_0=("shared>=1",), v2_0=("shared==1.0",))
    project(routes, "right", v1_0=("shared>=2",))
    project(routes, "shared", v1_0=(), v2_0=())
    # impossible: both have one version, which disagree
    project(routes, "lonely", v1_0=("shared==1.0",))
    return routes


def npm_routes() -> dict[str, Any]:
    def doc(name: str, latest: str, **versions: dict[str, str]) -> tuple[int, dict[str, Any]]:
        return 200, {
            "name": name,
            "dist-tags": {"latest": latest},
            "versions": {
                v.lstrip("v").replace("_", "."): {
                    "name": name,
                    "version": v.lstrip("v").replace("_", "."),
                    "license": "ISC",
                    "dependencies": deps,
                    "devDependencies": {"never-asked": "*"},
                }
                for v, deps in versions.items()
            },
        }

    return {
        "/top": doc(
            "top",
            "1.2.0",
            v1_0_0={},
            v1_2_0={"mid": ">= 1.1.0 < 2", "shared": "^1.0.0"},
            v2_0_0={},
        ),
        "/mid": doc("mid", "1.4.0", v1_1_0={}, v1_4_0={"shared": "~1.0.0", "leaf": "2.x"}),
        "/shared": doc("shared", "1.2.0", v1_0_5={}, v1_2_0={}),
        "/leaf": doc("leaf", "3.0.0", v2_0_0={}, v2_3_0={}, v3_0_0={}),
        # an alias: the package it names, at its range
        "/tool": doc("tool", "0.1.0", v0_1_0={"shared": "^1.1.0", "leaf-3": "npm:leaf@^3.0.0"}),
    }


@pytest.fixture(scope="module")
def server() -> Iterator[RegistryServer]:
    with RegistryServer({**python_routes(), **npm_routes()}) as running:
        yield running


def lookup(server: RegistryServer, cache: DetectionCache | None, offline: bool = False) -> Any:
    registries = Registries(server.url + "/simple", server.url, None)
    if offline:
        registries = Registries(None, None, None)
    return OnlineLookup(registries, cache=cache, offline=offline)


def req(
    ecosystem: Ecosystem, text: str, name: str, spec: str, scope: Scope = Scope.RUNTIME
) -> Found:
    manifest = "requirements.txt" if ecosystem is Ecosystem.PYPI else "package.json"
    declared = Declared(
        ecosystem, name, spec, manifest, False, True, scope, 1, requirement=text or None
    )
    return Found(declared, True, scope, manifest, 1, locked=False)


def table(closed: oclosure.OnlineClosed) -> dict[str, tuple[Any, ...]]:
    """name@version: (direct, scope, chain, exact, the range that chose it)."""
    return {
        f"{f.declared.full_name}@{f.declared.version}": (
            f.direct,
            f.scope.value,
            f.chain,
            f.locked
            and (f.manifest, f.declared.full_name, f.declared.version) not in closed.ranges,
            closed.ranges.get((f.manifest, f.declared.full_name, f.declared.version or "")),
        )
        for f in closed.found
    }


def test_python_chain_of_two_markers_extras_and_requires_python(
    server: RegistryServer, cache: DetectionCache
) -> None:
    found = [req(Ecosystem.PYPI, "alpha[fast]>=1,<2", "alpha", ">=1,<2")]
    online = lookup(server, cache)
    closed = oclosure.python(found, online)
    assert table(closed) == {
        "alpha@1.5": (True, "runtime", (), False, ">=1,<2"),
        "beta@2.1": (False, "runtime", ("alpha@1.5",), False, ">=2"),
        "delta@2.9": (False, "runtime", ("alpha@1.5", "beta@2.1"), False, "<3"),
        "fastlib@1.0": (False, "runtime", ("alpha@1.5",), False, ">=1"),
        "epsilon@1.0": (False, "runtime", ("alpha@1.5", "beta@2.1"), False, "*"),
    }
    # the marker false for this interpreter is not followed; beta 2.2 wants Python 4
    assert not [p for p in server.requests if "winonly" in p or "beta-2.2" in p]
    # the licenses came with the requirements: the license lookups ask nothing more
    asked = len(server.requests)
    assert closed_answers(online, closed) == dict.fromkeys(
        ["alpha", "beta", "delta", "fastlib", "epsilon"], "MIT"
    )
    assert len(server.requests) == asked

    # --offline, from the cache: the same closure and licenses, nothing asked
    again = oclosure.python(found, lookup(server, cache, offline=True))
    assert table(again) == table(closed)
    offline = lookup(server, cache, offline=True)
    assert closed_answers(offline, again) == closed_answers(online, closed)
    assert len(server.requests) == asked


def closed_answers(offline: OnlineLookup, closed: oclosure.OnlineClosed) -> dict[str, Any]:
    items = [(Ecosystem.PYPI, f.declared.full_name, f.declared.version or "") for f in closed.found]
    return {i[1]: a.license for i, a in offline.lookup_many(items).items()}


def test_python_backtracks_to_an_older_version(server: RegistryServer) -> None:
    found = [
        req(Ecosystem.PYPI, "left>=1", "left", ">=1"),
        req(Ecosystem.PYPI, "right>=1", "right", ">=1"),
    ]
    closed = oclosure.python(found, lookup(server, None))
    assert set(table(closed)) == {"left@1.0", "right@1.0", "shared@2.0"}
    assert not closed.notes


def test_python_conflict_falls_back_to_each_range_with_the_reason(server: RegistryServer) -> None:
    found = [
        req(Ecosystem.PYPI, "lonely", "lonely", ""),
        req(Ecosystem.PYPI, "right>=1", "right", ">=1"),
    ]
    closed = oclosure.python(found, lookup(server, None))
    assert closed.found == found  # the manifest's requirements, as today
    why = (
        "its dependencies are not resolved online (no versions on the index satisfy all "
        "of: shared==1.0 (required by lonely@1.0); shared>=2 (required by right@1.0)); its "
        "version is the highest the index offers for its range"
    )
    assert closed.notes == {
        ("requirements.txt", "lonely"): why,
        ("requirements.txt", "right"): why,
    }


def test_python_bounded_by_the_number_of_packages(
    server: RegistryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oclosure, "MAX_PACKAGES", 2)
    found = [req(Ecosystem.PYPI, "alpha>=1,<2", "alpha", ">=1,<2")]
    closed = oclosure.python(found, lookup(server, None))
    assert closed.found == found
    assert "more than 2 packages" in closed.notes[("requirements.txt", "alpha")]


def test_npm_nested_ranges_breadth_first(server: RegistryServer, cache: DetectionCache) -> None:
    found = [
        req(Ecosystem.NPM, "", "top", "^1.0.0"),
        req(Ecosystem.NPM, "", "tool", "*", Scope.DEVELOPMENT),
    ]
    closed = oclosure.npm(found, lookup(server, cache))
    assert table(closed) == {
        "top@1.2.0": (True, "runtime", (), False, "^1.0.0"),
        "tool@0.1.0": (True, "development", (), False, "*"),
        "mid@1.4.0": (False, "runtime", ("top@1.2.0",), False, ">= 1.1.0 < 2"),
        "shared@1.2.0": (False, "runtime", ("top@1.2.0",), False, "^1.0.0"),
        # ~1.0.0 is not satisfied by the shared 1.2.0: a second, nested copy
        "shared@1.0.5": (False, "runtime", ("top@1.2.0", "mid@1.4.0"), False, "~1.0.0"),
        "leaf@2.3.0": (False, "runtime", ("top@1.2.0", "mid@1.4.0"), False, "2.x"),
        "leaf@3.0.0": (False, "development", ("tool@0.1.0",), False, "^3.0.0"),
    }
    assert not [p for p in server.requests if "never-asked" in p]
    asked = len(server.requests)
    again = oclosure.npm(found, lookup(server, cache, offline=True))
    assert table(again) == table(closed)
    assert len(server.requests) == asked
