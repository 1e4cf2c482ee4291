"""Which files are manifests and lockfiles, and the dependency graph they describe.

The routing table is data, the one table of :mod:`licensetier.readers.routes` (each
ecosystem module's ``MANIFESTS`` holds its rows). :func:`read_manifests` parses every
routed file of a scan (a malformed one becomes a :class:`~licensetier.models.ScanError` and the
others are still read); :func:`combine` turns the entries of one directory and one
ecosystem into dependencies: exact versions from the lockfile, direct and scope from
the manifest, and for each transitive dependency the chain that pulls it in.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from licensetier.deps.base import Declared, Ecosystem, Role, Route, Scope
from licensetier.errors import ManifestError
from licensetier.models import ScanError
from licensetier.paths import in_installed_dir
from licensetier.readers import Reading
from licensetier.readers.routes import dependency_route

MODULE_OF: dict[Ecosystem, str] = {
    Ecosystem.PYPI: "python",
    Ecosystem.NPM: "npm",
    Ecosystem.COMPOSER: "php",
    Ecosystem.CARGO: "cargo",
    Ecosystem.GOLANG: "golang",
    Ecosystem.MAVEN: "maven",
    Ecosystem.GEM: "ruby",
    Ecosystem.NUGET: "nuget",
    Ecosystem.CONDA: "conda",
}

# Directories that hold installed or vendored copies of packages: the manifests in
# them describe those packages, not the repository's own dependencies.
SCOPE_ORDER = {Scope.RUNTIME: 0, Scope.OPTIONAL: 1, Scope.DEVELOPMENT: 2}


def routed(paths: Iterable[str]) -> list[tuple[str, Route]]:
    """The manifests and lockfiles among ``paths`` (POSIX, relative to the root),
    outside directories of installed packages, each with its route."""
    out: list[tuple[str, Route]] = []
    for path in paths:
        parts = path.split("/")
        route = dependency_route(parts[-1])
        if route is None:
            continue
        if in_installed_dir(path):
            continue
        out.append((path, route))
    return out


@dataclass(frozen=True)
class Group:
    """The entries of one directory and one ecosystem, with the role of each."""

    directory: str
    ecosystem: Ecosystem
    entries: tuple[tuple[Role, Declared], ...]


def read_manifests(
    root: Path, paths: Iterable[str], reading: Reading | None = None
) -> tuple[list[Group], list[ScanError]]:
    """Parse every manifest and lockfile among ``paths``; group the entries.

    ``reading``: the scan's reads, through which a manifest that declares the
    artifact's license too is read and parsed once (a malformed one is reported by
    whichever reader read it first)."""
    reading = reading if reading is not None else Reading()
    groups: dict[tuple[str, Ecosystem], list[tuple[Role, Declared]]] = {}
    errors: list[ScanError] = []
    for path, route in routed(paths):
        directory = str(PurePosixPath(path).parent)
        try:
            reader = route.reader
            if reader is None:
                entries = route.parser(root / path, path)
            else:
                document = reading.document(reader, root / path, path, root)
                if document is None:
                    continue  # it did not parse: reported where it was first read
                entries = reader.dependencies(document, reading)
        except ManifestError as exc:
            errors.append(ScanError(exc.path, str(exc), exc.line))
            continue
        except (RecursionError, MemoryError) as exc:  # a pathological file
            errors.append(ScanError(path, f"could not be parsed: {type(exc).__name__}"))
            continue
        # a file's notes: what it states that could not be read as data (a value
        # computed when setup.py runs), reported while its other entries are kept
        errors.extend(ScanError(n.path, str(n), n.line) for n in getattr(entries, "notes", ()))
        for d in entries:
            # one file may state the packages of two ecosystems (a conda environment
            # and its pip: section): each joins its own ecosystem's group
            groups.setdefault((directory, d.ecosystem), []).append((route.role, d))
    out = [Group(d, e, tuple(entries)) for (d, e), entries in sorted(groups.items())]
    return out, errors


@dataclass(frozen=True)
class Found:
    """A dependency before its license is resolved."""

    declared: Declared  # the locked entry when there is one, else the manifest's
    direct: bool
    scope: Scope
    manifest: str  # the manifest that declares it directly, else the lockfile
    line: int | None
    chain: tuple[str, ...] = ()  # name@version steps from a direct dependency
    locked: bool = True  # False: a manifest's requirement that no lockfile pins
    lock_license: str | None = None
    lockfile: str | None = None


def _label(d: Declared) -> str:
    return f"{d.full_name}@{d.version}" if d.version else d.full_name


def _least_dev(a: Scope, b: Scope) -> Scope:
    return a if SCOPE_ORDER[a] <= SCOPE_ORDER[b] else b


def combine(group: Group) -> list[Found]:
    """The dependencies of one directory and ecosystem.

    With a lockfile: its entries, exact; direct where the manifest (or the lockfile
    itself) names them; scope from the manifest for direct ones, from the lockfile
    where it says so, else from what pulls them in (a package reached only from
    development dependencies is a development dependency). Without a lockfile: the
    manifest's direct requirements.
    """
    manifests = [d for role, d in group.entries if role is Role.MANIFEST]
    locks = [d for role, d in group.entries if role is Role.LOCKFILE]
    if group.ecosystem is Ecosystem.GOLANG and manifests:
        # go.mod lists the whole build list; go.sum also holds modules not built
        locks = []
    declared_direct: dict[str, Declared] = {}
    for d in manifests:
        seen = declared_direct.get(d.key)
        if seen is None or SCOPE_ORDER[d.scope] < SCOPE_ORDER[seen.scope]:
            declared_direct[d.key] = d
    if not locks:
        # a manifest that says which of its entries are not direct (go.mod's
        # "// indirect") is believed
        return [
            Found(d, d.direct is not False, d.scope, d.manifest, d.line, locked=d.exact)
            for d in declared_direct.values()
        ]
    nodes = _merge_locked(locks)
    by_key: dict[str, list[tuple[str, str | None]]] = {}
    for node_id in nodes:
        by_key.setdefault(node_id[0], []).append(node_id)
    direct_keys = set(declared_direct) | {k for (k, _), d in nodes.items() if d.direct}
    if not direct_keys:
        required = {r for d in nodes.values() for r in d.requires}
        direct_keys = {k for k, _ in nodes if k not in required}
    # of a package locked at several versions, the lockfile may say which one the
    # project requires (npm's top-level copy): the others are copies nested under the
    # packages that require them
    told = {k for (k, _), d in nodes.items() if d.direct}

    def is_direct(node_id: tuple[str, str | None]) -> bool:
        key = node_id[0]
        if key not in direct_keys:
            return False
        return bool(nodes[node_id].direct) if key in told and len(by_key[key]) > 1 else True

    # breadth first from the direct dependencies, runtime ones first
    reached: dict[tuple[str, str | None], tuple[Scope, tuple[str, str | None] | None]] = {}
    roots = sorted(
        (node_id for node_id in nodes if is_direct(node_id)),
        key=lambda n: SCOPE_ORDER[_root_scope(nodes[n], declared_direct)],
    )
    for root_id in roots:
        if root_id in reached:
            continue
        scope = _root_scope(nodes[root_id], declared_direct)
        reached[root_id] = (scope, None)
        queue = deque([root_id])
        while queue:
            current = queue.popleft()
            for key in nodes[current].requires:
                for child in by_key.get(key, ()):
                    if child not in reached:
                        reached[child] = (scope, current)
                        queue.append(child)
    out: list[Found] = []
    for node_id, d in nodes.items():
        direct = is_direct(node_id)
        via = reached.get(node_id)
        if direct:
            scope = _root_scope(d, declared_direct)
        elif d.scope is not Scope.RUNTIME:
            scope = d.scope  # the lockfile says so
        else:
            scope = via[0] if via else Scope.RUNTIME
        chain: list[str] = []
        parent = via[1] if via and not direct else None
        while parent is not None:
            chain.append(_label(nodes[parent]))
            parent = reached[parent][1]
        manifest_entry = declared_direct.get(node_id[0]) if direct else None
        source = manifest_entry or d
        out.append(
            Found(
                d,
                direct,
                scope,
                source.manifest,
                source.line,
                tuple(reversed(chain)),
                locked=True,
                lock_license=d.license,
                lockfile=d.manifest,
            )
        )
    locked_keys = {k for k, _ in nodes}
    out.extend(
        Found(d, True, d.scope, d.manifest, d.line, locked=d.exact)
        for key, d in declared_direct.items()
        if key not in locked_keys
    )
    return out


def _root_scope(d: Declared, declared_direct: dict[str, Declared]) -> Scope:
    manifest_entry = declared_direct.get(d.key)
    return manifest_entry.scope if manifest_entry is not None else d.scope


def _merge_locked(locks: Sequence[Declared]) -> dict[tuple[str, str | None], Declared]:
    """One entry per (package, version): several lockfiles, or one package listed
    under several parents, merge into the least development-only scope."""
    nodes: dict[tuple[str, str | None], Declared] = {}
    for d in locks:
        node_id = (d.key, d.version)
        seen = nodes.get(node_id)
        if seen is None:
            nodes[node_id] = d
            continue
        nodes[node_id] = replace(
            seen,
            scope=_least_dev(seen.scope, d.scope),
            direct=True if (seen.direct or d.direct) else seen.direct,
            requires=tuple(dict.fromkeys((*seen.requires, *d.requires))),
            license=seen.license or d.license,
        )
    return nodes
