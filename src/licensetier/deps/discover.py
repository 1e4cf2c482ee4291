"""Which files are manifests and lockfiles, and the dependency graph they describe.

The routing table is data, the one table of :mod:`licensetier.readers.routes` (each
ecosystem module's ``MANIFESTS`` holds its rows). :func:`read_manifests` parses every
routed file of a scan (a malformed one becomes a :class:`~licensetier.models.ScanError` and the
others are still read); :func:`combine` turns the entries of one directory and one
ecosystem into dependencies: exact versions from the lockfile, direct and scope from
the manifest, and for each transitive dependency the chain that pulls it in.
"""

from __future__ import annotations

import posixpath
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from licensetier.deps.base import Declared, Ecosystem, Role, Route, Scope, package_key
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
    routes = routed(paths)
    poms: list[Any] = []  # Maven's, read together once all are parsed
    for path, route in routes:
        directory = str(PurePosixPath(path).parent)
        try:
            reader = route.reader
            if reader is None:
                entries = route.parser(root / path, path)
            else:
                document = reading.document(reader, root / path, path, root)
                if document is None:
                    continue  # it did not parse: reported where it was first read
                if route.ecosystem is Ecosystem.MAVEN:
                    poms.append(document)
                    continue
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
    if poms:
        _maven(poms, groups, errors)
    for ecosystem in (Ecosystem.CARGO, Ecosystem.NPM):
        try:
            _attach_members(groups, routes, ecosystem, root, reading, errors)
        except (RecursionError, MemoryError) as exc:  # pragma: no cover - defensive
            errors.append(ScanError(".", f"workspaces not read: {type(exc).__name__}"))
    out = [Group(d, e, tuple(entries)) for (d, e), entries in sorted(groups.items())]
    return out, errors


def _maven(
    documents: list[Any],
    groups: dict[tuple[str, Ecosystem], list[tuple[Role, Declared]]],
    errors: list[ScanError],
) -> None:
    """The POMs' dependencies, read as one reactor (:class:`licensetier.deps.maven.Reactor`):
    versions from parents and imported BOMs, the repository's own modules left out."""
    from licensetier.deps import maven

    poms = [maven.Pom(d.source, d.data, dict(d.lines)) for d in documents]
    reactor = maven.Reactor(poms, maven.local_repository())
    for pom in poms:
        try:
            entries = reactor.dependencies(pom)
        except ManifestError as exc:
            errors.append(ScanError(exc.path, str(exc), exc.line))
            continue
        except (RecursionError, MemoryError) as exc:
            errors.append(ScanError(pom.source, f"could not be parsed: {type(exc).__name__}"))
            continue
        directory = str(PurePosixPath(pom.source).parent)
        groups.setdefault((directory, Ecosystem.MAVEN), []).extend(
            (Role.MANIFEST, d) for d in entries
        )


# --- workspaces: members pinned by the lockfile of the workspace root ------------------

MAX_MEMBER_GLOBS = 256  # of one workspace root (each is compiled; RE2 matches them)


def _relative(directory: str, top: str) -> str | None:
    """``directory`` relative to ``top`` ("." for itself), None when outside it."""
    if top == ".":
        return directory
    if directory == top:
        return "."
    return directory[len(top) + 1 :] if directory.startswith(top + "/") else None


def _anchored(patterns: Iterable[str]) -> tuple[str, ...]:
    """Workspace globs (relative to the workspace root, ``./`` allowed) as anchored
    ``.gitignore`` patterns for :func:`licensetier.paths.globs`."""
    out: list[str] = []
    for pattern in patterns:
        text = pattern.strip().replace("\\", "/")
        while text.startswith("./"):
            text = text[2:]
        text = text.rstrip("/")
        if text and text != "." and not text.startswith(("#", "/")) and len(text) <= 1000:
            out.append("/" + text)
            if text.endswith("/**") and len(text) > 3:
                out.append("/" + text[:-3])  # as the workspace tools glob: "a/**" holds a
        if len(out) >= MAX_MEMBER_GLOBS:
            break
    return tuple(out)


@dataclass(frozen=True)
class _Workspace:
    """Which directories below a workspace root are its members."""

    includes: tuple[str, ...]  # anchored globs: the directory itself matches
    excludes: tuple[str, ...]  # anchored globs: the directory or one above it matches
    paths: frozenset[str] = frozenset()  # members named exactly (relative)
    catalogs: dict[str, dict[str, str]] = field(default_factory=dict)  # pnpm's

    def holds(self, relative: str) -> bool:
        from licensetier.paths import globs

        if relative == ".":
            return True
        if self.excludes and globs(self.excludes).excludes(relative):
            return False
        if relative in self.paths:
            return True
        return bool(self.includes) and globs(self.includes).covers(relative)


def _document(route: Route, root: Path, path: str, reading: Reading) -> Any:
    """The parsed data of a manifest another reader read first (None when it did not
    parse: its error is reported where it is read as its own)."""
    reader = route.reader
    if reader is None:
        return None
    try:
        document = reading.document(reader, root / path, path, root, own=False)
    except ManifestError:
        return None
    return document.data if document is not None else None


def _cargo_workspace(
    top: str, manifests: dict[str, tuple[str, Route]], root: Path, reading: Reading
) -> _Workspace | None:
    from licensetier.deps import cargo

    if top not in manifests:
        return None
    data = _document(manifests[top][1], root, manifests[top][0], reading)
    found = cargo.workspace_globs(data) if isinstance(data, dict) else None
    if found is None:
        return None
    members, exclude = found
    workspace = _Workspace(_anchored(members), _anchored(exclude))
    # path dependencies of members are members too (Cargo's rule), transitively
    named: set[str] = set()
    pending = [top] + [
        d for d in manifests if d != top and (r := _relative(d, top)) and workspace.holds(r)
    ]
    seen: set[str] = set()
    while pending:
        directory = pending.pop()
        if directory in seen:
            continue
        seen.add(directory)
        data = _document(manifests[directory][1], root, manifests[directory][0], reading)
        if not isinstance(data, dict):
            continue
        for written in cargo.path_dependencies(data):
            target = posixpath.normpath(posixpath.join(directory, written.replace("\\", "/")))
            relative = _relative(target, top)
            if relative is None or relative.startswith("..") or target not in manifests:
                continue
            if not workspace.excludes or not _excluded(workspace.excludes, relative):
                named.add(relative)
                pending.append(target)
    return replace(workspace, paths=frozenset(named))


def _excluded(patterns: tuple[str, ...], relative: str) -> bool:
    from licensetier.paths import globs

    return globs(patterns).excludes(relative)


def _npm_workspace(
    top: str,
    manifests: dict[str, tuple[str, Route]],
    root: Path,
    reading: Reading,
    errors: list[ScanError],
) -> _Workspace | None:
    from licensetier import fs
    from licensetier.deps import npm

    patterns: list[str] = []
    catalogs: dict[str, dict[str, str]] = {}
    if top in manifests:
        data = _document(manifests[top][1], root, manifests[top][0], reading)
        if isinstance(data, dict):
            patterns.extend(npm.workspace_globs(data))
    source = posixpath.join(top, "pnpm-workspace.yaml") if top != "." else "pnpm-workspace.yaml"
    if fs.is_file(root / source, root):
        try:
            globs, catalogs = npm.pnpm_workspace(root / source, source, root)
            patterns.extend(globs)
        except ManifestError as exc:
            errors.append(ScanError(exc.path, str(exc), exc.line))
    if not patterns:
        return None
    includes = _anchored(p for p in patterns if not p.strip().startswith("!"))
    excludes = _anchored(p.strip()[1:] for p in patterns if p.strip().startswith("!"))
    return _Workspace(includes, excludes, catalogs=catalogs)


def _attach_members(
    groups: dict[tuple[str, Ecosystem], list[tuple[Role, Declared]]],
    routes: Sequence[tuple[str, Route]],
    ecosystem: Ecosystem,
    root: Path,
    reading: Reading,
    errors: list[ScanError],
) -> None:
    """Move the manifest entries of each workspace member (a directory with a manifest
    and no lockfile) into the group of the workspace root whose lockfile pins them:
    the nearest directory above it with a lockfile whose workspace holds it (Cargo's
    ``[workspace] members``/``exclude`` and the members' path dependencies; npm's and
    yarn's ``workspaces``, pnpm's ``pnpm-workspace.yaml`` ``packages``). The members'
    own packages (each other's local dependencies) are left out: they are the
    project's own code."""
    from licensetier.deps import cargo, npm

    lock_dirs: set[str] = set()
    manifests: dict[str, tuple[str, Route]] = {}
    for path, route in routes:
        if route.ecosystem is not ecosystem:
            continue
        directory = str(PurePosixPath(path).parent)
        if route.role is Role.LOCKFILE:
            lock_dirs.add(directory)
        elif route.reader is not None:
            manifests.setdefault(directory, (path, route))
    if not lock_dirs:
        return
    workspaces: dict[str, _Workspace | None] = {}
    members: dict[str, list[str]] = {}
    for directory in sorted(manifests):
        if directory in lock_dirs:
            continue
        top = directory
        while top != ".":
            top = str(PurePosixPath(top).parent)
            if top not in lock_dirs:
                continue
            if top not in workspaces:
                if ecosystem is Ecosystem.CARGO:
                    workspaces[top] = _cargo_workspace(top, manifests, root, reading)
                else:
                    workspaces[top] = _npm_workspace(top, manifests, root, reading, errors)
            workspace = workspaces[top]
            relative = _relative(directory, top)
            if workspace is not None and relative is not None and workspace.holds(relative):
                members.setdefault(top, []).append(directory)
                break
    for top, member_dirs in members.items():
        local: set[str] = set()
        for directory in (top, *member_dirs):
            if directory not in manifests:
                continue
            path, route = manifests[directory]
            data = _document(route, root, path, reading)
            if not isinstance(data, dict):
                continue
            if ecosystem is Ecosystem.CARGO:
                name = cargo.package_name(data)
            else:
                raw = data.get("name")
                name = raw if isinstance(raw, str) and raw else None
            if name:
                local.add(package_key(ecosystem, name))
        target = groups.setdefault((top, ecosystem), [])
        for directory in member_dirs:
            target.extend(groups.pop((directory, ecosystem), []))
        held = workspaces.get(top)
        catalogs = held.catalogs if held is not None else {}
        target[:] = [
            (role, npm.catalog_range(d, catalogs) if catalogs and role is Role.MANIFEST else d)
            for role, d in target
            if role is not Role.MANIFEST or d.key not in local
        ]
        if not target:
            del groups[(top, ecosystem)]


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
