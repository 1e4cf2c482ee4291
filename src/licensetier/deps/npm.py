"""npm's manifests and lockfiles, and installed copies in ``node_modules``.

Files read (as data: no npm, yarn or pnpm is run, no script of the project):

* ``package.json``: the ``dependencies``, ``devDependencies``,
  ``optionalDependencies`` and ``peerDependencies`` objects, name to range. Ranges
  that do not name a registry version (``file:``, ``link:``, ``workspace:``, git and
  tarball URLs, GitHub ``user/repo`` shorthands) are left out; an ``npm:`` alias
  counts as the package it points to.
* ``package-lock.json`` and ``npm-shrinkwrap.json``: lockfileVersion 2 and 3 list
  every installed folder in ``packages``, keyed by its path
  (``node_modules/a/node_modules/b``), with ``version``, ``dev``/``devOptional``/
  ``optional`` flags, ``license`` and the entry's own dependencies; the ``""`` entry
  is the project itself. lockfileVersion 1 has a nested ``dependencies`` tree
  instead, with ``requires`` maps and no licenses.
* ``yarn.lock``: yarn classic (v1) writes its own indented text format (headers
  ``"a@^1.0.0", a@^1.1.0:`` followed by ``version "1.2.3"`` and ``dependencies:``
  blocks); yarn Berry (v2 and later) writes YAML with a ``__metadata`` entry and
  ``resolution: "a@npm:1.2.3"`` per package. Neither records dev flags or roots.
* ``pnpm-lock.yaml``: lockfileVersion 5.x keys packages ``/a/1.2.3``, 6.x
  ``/a@1.2.3(peer@1.0.0)``, 9.x splits ``packages`` (metadata, ``a@1.2.3``) from
  ``snapshots`` (the graph, with peer suffixes). ``importers`` (or, for a single
  project in 5.x and 6.x, the top-level ``dependencies`` objects) name the direct
  dependencies of each project of the workspace.

:class:`NodeModulesLocator` reads the ``package.json`` of installed copies under
``node_modules`` (nested, scoped and pnpm's ``.pnpm`` store included).

``package.json`` itself is read by :mod:`licensetier.readers.package_json` (it also
declares the artifact's license); JSON, YAML and their lines come from
:mod:`licensetier.formats`.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from licensetier import formats, fs
from licensetier.deps.base import (
    Declared,
    Ecosystem,
    Environment,
    Evidence,
    Locator,
    Route,
    Scope,
    join_or,
    package_key,
    read_text,
)
from licensetier.deps.vendored import license_files, read_json_quietly, readme_files
from licensetier.errors import ManifestError
from licensetier.formats import kind_of
from licensetier.formats.lines import json_key_lines, yaml_key_lines
from licensetier.readers.routes import routes_for

NPM = Ecosystem.NPM

SCOPE_RANK = {Scope.RUNTIME: 0, Scope.OPTIONAL: 1, Scope.DEVELOPMENT: 2}
RANK_SCOPE = (Scope.RUNTIME, Scope.OPTIONAL, Scope.DEVELOPMENT)

MANIFEST_SECTIONS = (
    ("dependencies", Scope.RUNTIME),
    ("devDependencies", Scope.DEVELOPMENT),
    ("optionalDependencies", Scope.OPTIONAL),
    ("peerDependencies", Scope.RUNTIME),  # OPTIONAL when peerDependenciesMeta says so
)

# Ranges that do not name a version of a registry package.
NON_REGISTRY_PREFIXES = (
    "file:",
    "link:",
    "workspace:",
    "portal:",
    "patch:",
    "exec:",
    "git+",
    "git:",
    "git@",
    "github:",
    "gitlab:",
    "bitbucket:",
    "gist:",
    "http:",
    "https:",
)
# Lockfile resolutions that are folders of the project itself, not packages.
LOCAL_PREFIXES = ("file:", "link:", "workspace:", "portal:")

EXACT_SEMVER = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")


# --- shared helpers --------------------------------------------------------------


def load_yaml(text: str, source: str) -> Any:
    """The YAML value of ``text`` (:func:`licensetier.formats.parse_yaml`)."""
    return formats.parse_yaml(text, source)[0]


def npm_license(value: object) -> str | None:
    """npm's ``license`` (a string, or the legacy ``{"type": ...}`` object) or legacy
    ``licenses`` (an array of those) as one string; several are a choice (OR)."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, Mapping):
        kind = value.get("type")
        return kind.strip() or None if isinstance(kind, str) else None
    if isinstance(value, list):
        return join_or(found for found in (npm_license(v) for v in value) if found)
    return None


def _least_dev(a: Scope, b: Scope) -> Scope:
    return a if SCOPE_RANK[a] <= SCOPE_RANK[b] else b


class _Collected:
    """Declared entries, one per (name, version): a package listed several times
    (nested copies, several ranges) keeps its least development-only scope."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str | None], Declared] = {}

    def add(self, d: Declared) -> None:
        node = (d.name, d.version)
        seen = self.entries.get(node)
        if seen is None:
            self.entries[node] = d
            return
        direct = seen.direct
        if d.direct is not None:
            direct = bool(seen.direct) or d.direct
        self.entries[node] = replace(
            seen,
            scope=_least_dev(seen.scope, d.scope),
            direct=direct,
            requires=tuple(dict.fromkeys((*seen.requires, *d.requires))),
            license=seen.license or d.license,
            line=seen.line if seen.line is not None else d.line,
        )

    def result(self) -> list[Declared]:
        return list(self.entries.values())


def split_spec(spec: str) -> tuple[str, str]:
    """``a@^1.0.0`` -> (``a``, ``^1.0.0``); ``@s/a@1`` -> (``@s/a``, ``1``); no ``@``:
    the whole text is the name and the range is empty."""
    at = spec.find("@", 1)
    if at < 0:
        return spec, ""
    return spec[:at], spec[at + 1 :]


def alias_target(name: str, spec: str) -> tuple[str, str]:
    """The package an ``npm:`` alias range points to: (``x``, ``npm:real@^1``) ->
    (``real``, ``^1``); any other (name, range) is returned as it is."""
    target = spec[4:].strip() if spec.startswith("npm:") else ""
    if target.find("@", 1) > 0 or target.startswith("@"):  # not yarn Berry's npm:^1.0.0
        real, real_range = split_spec(target)
        if real:
            return real, real_range
    return name, spec


def registry_spec(name: str, spec: str) -> tuple[str, str] | None:
    """(name, range) of a package.json entry naming a registry package, or None for a
    folder, link, workspace, git or tarball dependency."""
    name, spec = alias_target(name, spec.strip())
    spec = spec.strip()
    if spec.lower().startswith(NON_REGISTRY_PREFIXES):
        return None
    if "/" in spec or spec.startswith((".", "~/")):  # a path or a GitHub shorthand
        return None
    return name, spec


def _dependency_names(entry: Mapping[str, Any], sections: Iterable[str]) -> tuple[str, ...]:
    """The names (aliases resolved) in an entry's dependency objects."""
    names: dict[str, None] = {}
    for section in sections:
        table = entry.get(section)
        if not isinstance(table, Mapping):
            continue
        for name, spec in table.items():
            if not isinstance(name, str) or not name:
                continue
            if isinstance(spec, str):
                name = alias_target(name, spec.strip())[0]
            names[package_key(NPM, name)] = None
    return tuple(names)


def _string(value: object) -> str | None:
    """A scalar as text (YAML may read ``1.0`` as a number); None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


# --- package-lock.json / npm-shrinkwrap.json --------------------------------------


def parse_package_lock(path: Path, source: str) -> list[Declared]:
    """The packages a ``package-lock.json`` or ``npm-shrinkwrap.json`` locks
    (lockfileVersion 1, 2 or 3; see the module docstring)."""
    text = read_text(path, source)
    data = formats.parse_json_object(text, source)
    version = data.get("lockfileVersion", 1)
    if isinstance(version, bool) or not isinstance(version, int):
        raise ManifestError(
            f'"lockfileVersion" is {kind_of(version)}, not a number',
            path=source,
            line=json_key_lines(text, max_depth=1).get(("lockfileVersion",)),
        )
    packages = data.get("packages")
    if packages is not None and version >= 2:
        lines = json_key_lines(text, max_depth=2)
        if not isinstance(packages, dict):
            raise ManifestError(
                f'"packages" is {kind_of(packages)}, not an object',
                path=source,
                line=lines.get(("packages",)),
            )
        return _lock_packages(packages, source, lines)
    dependencies = data.get("dependencies")
    if dependencies is None:
        return []
    lines = json_key_lines(text, max_depth=None)
    if not isinstance(dependencies, dict):
        raise ManifestError(
            f'"dependencies" is {kind_of(dependencies)}, not an object',
            path=source,
            line=lines.get(("dependencies",)),
        )
    return _lock_v1(dependencies, source, lines)


_LOCK_DEP_SECTIONS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")


def _lock_packages(
    packages: dict[str, Any], source: str, lines: dict[tuple[str | int, ...], int]
) -> list[Declared]:
    """lockfileVersion 2 and 3: the ``packages`` map of installed folders."""
    # The project's own folders: the root ("") and workspace members (paths without
    # node_modules). Their dependencies are the direct ones, at their top level.
    projects: dict[str, frozenset[str]] = {}
    for folder, entry in packages.items():
        if "node_modules/" not in f"{folder}/" and isinstance(entry, Mapping):
            projects[folder] = frozenset(_dependency_keys(entry))
    top_level = frozenset().union(*projects.values()) if projects else frozenset()
    collected = _Collected()
    for folder, entry in packages.items():
        line = lines.get(("packages", folder))
        if not isinstance(entry, Mapping):
            raise ManifestError(
                f'packages["{folder}"] is {kind_of(entry)}, not an object', path=source, line=line
            )
        if folder in projects or entry.get("link") is True:
            continue
        at = folder.rfind("node_modules/")
        folder_name = folder[at + len("node_modules/") :]
        parent = folder[:at].rstrip("/")
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            name = folder_name
        if not name:
            continue
        version = entry.get("version")
        if version is not None and not isinstance(version, str):
            raise ManifestError(
                f'packages["{folder}"]: "version" is {kind_of(version)}, not a string',
                path=source,
                line=line,
            )
        resolved = entry.get("resolved")
        if (
            isinstance(resolved, str)
            and resolved.startswith(LOCAL_PREFIXES)
            and not resolved.endswith((".tgz", ".tar.gz"))
        ):
            continue  # a folder of the project installed as a copy
        if entry.get("dev") is True or entry.get("devOptional") is True:
            scope = Scope.DEVELOPMENT
        elif entry.get("optional") is True:
            scope = Scope.OPTIONAL
        else:
            scope = Scope.RUNTIME
        if parent == "":
            direct = folder_name in top_level
        else:
            direct = parent in projects and folder_name in projects[parent]
        collected.add(
            Declared(
                NPM,
                name,
                version or None,
                source,
                exact=bool(version),
                direct=direct,
                scope=scope,
                line=line,
                requires=_dependency_names(
                    entry, ("dependencies", "optionalDependencies", "peerDependencies")
                ),
                license=npm_license(entry.get("license")),
            )
        )
    return collected.result()


def _dependency_keys(entry: Mapping[str, Any]) -> Iterator[str]:
    for section in _LOCK_DEP_SECTIONS:
        table = entry.get(section)
        if isinstance(table, Mapping):
            yield from (k for k in table if isinstance(k, str))


def _lock_v1(
    dependencies: dict[str, Any], source: str, lines: dict[tuple[str | int, ...], int]
) -> list[Declared]:
    """lockfileVersion 1: the nested ``dependencies`` tree."""
    collected = _Collected()
    pending: deque[tuple[tuple[str | int, ...], dict[str, Any]]] = deque(
        [(("dependencies",), dependencies)]
    )
    while pending:
        at, table = pending.popleft()
        for key, entry in table.items():
            path = (*at, key)
            line = lines.get(path)
            if not isinstance(entry, dict):
                raise ManifestError(
                    f'dependency "{key}" is {kind_of(entry)}, not an object',
                    path=source,
                    line=line,
                )
            version = entry.get("version")
            if not isinstance(version, str) or not version:
                raise ManifestError(f'dependency "{key}" has no version', path=source, line=line)
            name, version = alias_target(key, version)
            if version.startswith(LOCAL_PREFIXES):
                continue
            if entry.get("dev") is True:
                scope = Scope.DEVELOPMENT
            elif entry.get("optional") is True:
                scope = Scope.OPTIONAL
            else:
                scope = Scope.RUNTIME
            collected.add(
                Declared(
                    NPM,
                    name,
                    version,
                    source,
                    exact=bool(EXACT_SEMVER.fullmatch(version)),
                    direct=None,
                    scope=scope,
                    line=line,
                    requires=_dependency_names(entry, ("requires",)),
                )
            )
            nested = entry.get("dependencies")
            if isinstance(nested, dict):
                pending.append(((*path, "dependencies"), nested))
    return collected.result()


# --- yarn.lock ---------------------------------------------------------------------


_YARN_TOKEN = r'"(?:[^"\\]|\\.)*"|[^\s",]+'
_YARN_HEADER = re.compile(rf"(?:{_YARN_TOKEN})(?:\s*,\s*(?:{_YARN_TOKEN}))*")
_YARN_BLOCK = re.compile(r'("(?:[^"\\]|\\.)*"|[^\s":]+):')
_YARN_FIELD = re.compile(r'("(?:[^"\\]|\\.)*"|[^\s"]+)\s+("(?:[^"\\]|\\.)*"|\S+)')


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == '"' and token[-1] == '"':
        try:
            value = json.loads(token)
        except ValueError:
            return token[1:-1]
        return value if isinstance(value, str) else token[1:-1]
    return token


@dataclass
class _YarnEntry:
    specs: list[str]
    line: int
    fields: dict[str, str]
    blocks: dict[str, dict[str, str]]


def parse_yarn_lock(path: Path, source: str) -> list[Declared]:
    """The packages a ``yarn.lock`` locks, classic (v1) or Berry (see the module
    docstring). ``direct`` is None: neither format records the roots."""
    text = read_text(path, source)
    if re.search(r'^"?__metadata"?:', text, re.MULTILINE):
        return _yarn_berry(text, source)
    return _yarn_classic(text, source)


def _yarn_syntax(line: str, number: int, source: str) -> ManifestError:
    shown = line.strip()
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return ManifestError(f"not a yarn.lock line: {shown!r}", path=source, line=number)


def _yarn_classic_entries(text: str, source: str) -> list[_YarnEntry]:
    entries: list[_YarnEntry] = []
    current: _YarnEntry | None = None
    block: dict[str, str] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        body = line.lstrip(" ")
        if not body or body.startswith("#"):
            continue
        indent = len(line) - len(body)
        if indent == 0:
            if not body.endswith(":") or not _YARN_HEADER.fullmatch(body[:-1]):
                raise _yarn_syntax(line, number, source)
            specs = [_unquote(t) for t in re.findall(_YARN_TOKEN, body[:-1])]
            current = _YarnEntry(specs, number, {}, {})
            entries.append(current)
            block = None
        elif indent == 2 and current is not None:
            opened = _YARN_BLOCK.fullmatch(body)
            field = _YARN_FIELD.fullmatch(body)
            if opened is not None:
                block = current.blocks.setdefault(_unquote(opened.group(1)), {})
            elif field is not None:
                current.fields[_unquote(field.group(1))] = _unquote(field.group(2))
                block = None
            else:
                raise _yarn_syntax(line, number, source)
        elif indent == 4 and block is not None:
            field = _YARN_FIELD.fullmatch(body)
            if field is None:
                raise _yarn_syntax(line, number, source)
            block[_unquote(field.group(1))] = _unquote(field.group(2))
        else:
            raise _yarn_syntax(line, number, source)
    return entries


def _yarn_classic(text: str, source: str) -> list[Declared]:
    collected = _Collected()
    for entry in _yarn_classic_entries(text, source):
        targets = []
        for spec in entry.specs:
            name, requirement = alias_target(*split_spec(spec))
            if name and not requirement.startswith(LOCAL_PREFIXES):
                targets.append(name)
        if not targets:
            continue
        version = entry.fields.get("version")
        if not version:
            raise ManifestError(
                f'entry "{entry.specs[0]}" has no version', path=source, line=entry.line
            )
        requires: dict[str, None] = {}
        for block_name in ("dependencies", "optionalDependencies"):
            for dep, spec in entry.blocks.get(block_name, {}).items():
                requires[package_key(NPM, alias_target(dep, spec)[0])] = None
        collected.add(
            Declared(
                NPM,
                targets[0],
                version,
                source,
                exact=True,
                direct=None,
                line=entry.line,
                requires=tuple(requires),
            )
        )
    return collected.result()


def _yarn_berry(text: str, source: str) -> list[Declared]:
    data = load_yaml(text, source)
    if not isinstance(data, dict):
        raise ManifestError(f"expected a YAML mapping, found {kind_of(data)}", path=source, line=1)
    lines = yaml_key_lines(text)
    collected = _Collected()
    for key, entry in data.items():
        if key == "__metadata":
            continue
        key_text = str(key)
        line = lines.get((0, key_text))
        if not isinstance(entry, dict):
            raise ManifestError(
                f'entry "{key_text}" is {kind_of(entry)}, not a mapping', path=source, line=line
            )
        if entry.get("linkType") == "soft":  # workspaces, links and portals
            continue
        resolution = entry.get("resolution")
        if not isinstance(resolution, str) or not resolution:
            resolution = key_text.split(",", 1)[0].strip()
        name, locator = split_spec(resolution)
        if not name or locator.startswith(LOCAL_PREFIXES):
            continue
        version = _string(entry.get("version"))
        if not version:
            raise ManifestError(f'entry "{key_text}" has no version', path=source, line=line)
        requires: dict[str, None] = {}
        deps = entry.get("dependencies")
        if isinstance(deps, dict):
            for dep, spec in deps.items():
                dep_name = str(dep)
                if isinstance(spec, str):
                    dep_name = alias_target(dep_name, spec)[0]
                requires[package_key(NPM, dep_name)] = None
        collected.add(
            Declared(
                NPM,
                name,
                version,
                source,
                exact=True,
                direct=None,
                line=line,
                requires=tuple(requires),
            )
        )
    return collected.result()


# --- pnpm-lock.yaml ----------------------------------------------------------------


@dataclass
class _PnpmNode:
    name: str
    version: str
    entry: Mapping[str, Any]  # where dev/optional flags are (packages or snapshots)
    line: int | None
    local: bool


def parse_pnpm_lock(path: Path, source: str) -> list[Declared]:
    """The packages a ``pnpm-lock.yaml`` locks (lockfileVersion 5.x, 6.x and 9.x; see
    the module docstring). Direct dependencies come from the importers; the scope of
    the others from the lockfile's ``dev``/``optional`` flags, else from what pulls
    them in."""
    text = read_text(path, source)
    data = load_yaml(text, source)
    if data is None:
        return []
    if not isinstance(data, dict):
        raise ManifestError(f"expected a YAML mapping, found {kind_of(data)}", path=source, line=1)
    lines = yaml_key_lines(text)
    raw_version = _string(data.get("lockfileVersion"))
    major_match = re.match(r"\s*(\d+)", raw_version or "")
    if major_match is None:
        raise ManifestError(
            "has no lockfileVersion", path=source, line=lines.get((0, "lockfileVersion"))
        )
    major = int(major_match.group(1))
    packages = _yaml_map(data, "packages", source, lines)
    snapshots = _yaml_map(data, "snapshots", source, lines)
    graph_entries = snapshots if snapshots else packages

    nodes: dict[str, _PnpmNode] = {}
    for key, entry in graph_entries.items():
        node_key = str(key)
        meta: Any = entry
        line = lines.get((2, node_key))
        if snapshots:
            meta_key = node_key.split("(", 1)[0]
            meta = packages.get(meta_key, {})
            line = lines.get((2, meta_key), line)
        for checked in (entry, meta):
            if checked is not None and not isinstance(checked, dict):
                raise ManifestError(
                    f'package "{node_key}" is {kind_of(checked)}, not a mapping',
                    path=source,
                    line=line,
                )
        entry = entry or {}
        meta = meta or {}
        found = _pnpm_name_version(node_key, meta, major)
        if found is None:
            raise ManifestError(
                f'package "{node_key}": cannot tell its name and version', path=source, line=line
            )
        resolution = meta.get("resolution")
        local = node_key.startswith(LOCAL_PREFIXES) or (
            isinstance(resolution, Mapping) and "directory" in resolution
        )
        flags = entry if "dev" in entry or "optional" in entry else meta
        nodes[node_key] = _PnpmNode(found[0], found[1], flags, line, local)

    edges: dict[str, list[tuple[str, bool]]] = {}
    requires: dict[str, tuple[str, ...]] = {}
    for node_key, entry in graph_entries.items():
        entry = entry or {}
        out: list[tuple[str, bool]] = []
        names: dict[str, None] = {}
        for section, optional in (("dependencies", False), ("optionalDependencies", True)):
            for dep, value in _deps_of(entry.get(section)):
                ref = _pnpm_ref(dep, value, nodes)
                if ref is not None:
                    out.append((ref, optional))
                    names[package_key(NPM, nodes[ref].name)] = None
                elif not value.startswith(LOCAL_PREFIXES):
                    names[package_key(NPM, dep)] = None
        edges[str(node_key)] = out
        requires[str(node_key)] = tuple(names)

    roots = _pnpm_roots(data, nodes, source, lines)
    reached = _reach(roots, edges) if roots is not None else {}
    direct_nodes = {ref for ref, _ in roots or ()}

    collected = _Collected()
    for node_key, node in nodes.items():
        if node.local:
            continue
        if node_key in reached:  # the least development-only path from a project
            scope = reached[node_key]
        elif node.entry.get("dev") is True:
            scope = Scope.DEVELOPMENT
        elif node.entry.get("optional") is True:
            scope = Scope.OPTIONAL
        else:
            scope = Scope.RUNTIME
        direct = None if roots is None else node_key in direct_nodes
        collected.add(
            Declared(
                NPM,
                node.name,
                node.version,
                source,
                exact=True,
                direct=direct,
                scope=scope,
                line=node.line,
                requires=requires.get(node_key, ()),
            )
        )
    return collected.result()


def _yaml_map(
    data: Mapping[str, Any], key: str, source: str, lines: dict[tuple[int, str], int]
) -> dict[Any, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ManifestError(
            f'"{key}" is {kind_of(value)}, not a mapping', path=source, line=lines.get((0, key))
        )
    return value


def _deps_of(table: object) -> Iterator[tuple[str, str]]:
    """(name, resolved version) pairs of a pnpm dependency map; the importers' values
    in 6.x and 9.x are ``{specifier, version}`` mappings."""
    if not isinstance(table, Mapping):
        return
    for name, value in table.items():
        if isinstance(value, Mapping):
            value = value.get("version")
        text = _string(value)
        if text:
            yield str(name), text


def _pnpm_ref(name: str, value: str, nodes: Mapping[str, _PnpmNode]) -> str | None:
    """The node a dependency's resolved version points to: ``1.2.3`` (5.x: under
    ``/name/1.2.3``, 6.x: ``/name@1.2.3``, 9.x: ``name@1.2.3``) or, for an alias or a
    tarball, the key itself (``/real@1.0.0``, ``real@1.0.0``)."""
    if value.startswith(("link:", "workspace:")):
        return None
    for candidate in (f"/{name}/{value}", f"/{name}@{value}", f"{name}@{value}", value):
        if candidate in nodes:
            return candidate
    if not value.startswith("/") and f"/{value}" in nodes:
        return f"/{value}"
    return None


def _pnpm_name_version(key: str, meta: Mapping[str, Any], major: int) -> tuple[str, str] | None:
    """A package's name and version: its ``name``/``version`` fields (tarball and git
    packages) or its key, ``/@s/a/1.2.3_peer@1`` (5.x) or ``/@s/a@1.2.3(peer@1)``
    (6.x, 9.x), possibly behind a registry host."""
    text = key[1:] if key.startswith("/") else key
    text = text.split("(", 1)[0]
    name_part: str
    version: str | None
    if major >= 6:
        name_part, _, version = text.rpartition("@")
    else:
        segments = text.split("/")
        version = segments[-1].split("_", 1)[0]
        name_part = "/".join(segments[:-1])
    segments = name_part.split("/")
    if len(segments) >= 2 and segments[-2].startswith("@"):
        name = "/".join(segments[-2:])
    else:
        name = segments[-1]
    given_name = meta.get("name")
    given_version = _string(meta.get("version"))
    if isinstance(given_name, str) and given_name:
        name = given_name
    if given_version:
        version = given_version
    if not name or not version or (name.startswith("@") and "/" not in name):
        return None
    return name, version


_PNPM_ROOT_SECTIONS = (
    ("dependencies", Scope.RUNTIME),
    ("optionalDependencies", Scope.OPTIONAL),
    ("devDependencies", Scope.DEVELOPMENT),
)


def _pnpm_roots(
    data: Mapping[str, Any],
    nodes: Mapping[str, _PnpmNode],
    source: str,
    lines: dict[tuple[int, str], int],
) -> list[tuple[str, Scope]] | None:
    """The nodes the projects depend on directly, each with its least development-only
    scope; None when the lockfile names no project."""
    importers = data.get("importers")
    if importers is None:
        if not any(section in data for section, _ in _PNPM_ROOT_SECTIONS):
            return None
        importers = {".": data}  # a single project (5.x, 6.x)
    if not isinstance(importers, Mapping):
        raise ManifestError(
            f'"importers" is {kind_of(importers)}, not a mapping',
            path=source,
            line=lines.get((0, "importers")),
        )
    best: dict[str, Scope] = {}
    for importer in importers.values():
        if not isinstance(importer, Mapping):
            continue
        for section, scope in _PNPM_ROOT_SECTIONS:
            for dep, value in _deps_of(importer.get(section)):
                ref = _pnpm_ref(dep, value, nodes)
                if ref is not None:
                    best[ref] = _least_dev(best.get(ref, scope), scope)
    return list(best.items())


def _reach(
    roots: Iterable[tuple[str, Scope]], edges: Mapping[str, list[tuple[str, bool]]]
) -> dict[str, Scope]:
    """Each node's least development-only scope over the paths from the roots; a
    path through an optional dependency is at best optional."""
    buckets: list[list[str]] = [[], [], []]
    for ref, scope in roots:
        buckets[SCOPE_RANK[scope]].append(ref)
    best: dict[str, Scope] = {}
    for rank, queue in enumerate(buckets):
        while queue:
            node = queue.pop()
            if node in best:
                continue
            best[node] = RANK_SCOPE[rank]
            for child, optional in edges.get(node, ()):
                if child not in best:
                    buckets[max(rank, 1 if optional else 0)].append(child)
    return best


MANIFESTS: tuple[Route, ...] = routes_for(NPM)  # package.json: readers.package_json


# --- installed copies: node_modules -------------------------------------------------


def _inside(path: Path, root: Path) -> Path | None:
    """The real path of ``path`` when it exists and lies inside ``root`` (symbolic
    links are followed, but not out of the root)."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return real if real == root or real.is_relative_to(root) else None


def _subdirectories(directory: Path, base: Path) -> list[Path]:
    return [e.path for e in fs.list_dir(directory, base) if e.kind != "outside"]


class NodeModulesLocator:
    """Installed npm packages in ``node_modules`` under the scan root and each
    manifest directory: nested ``node_modules`` of packages, ``@scope/name`` folders
    and pnpm's ``node_modules/.pnpm/<id>/node_modules`` store. Symbolic links are
    followed only inside the scan root. Each copy's ``package.json`` gives its name,
    version and ``license`` (or legacy ``licenses``); its ``LICENSE*``, ``LICENCE*``
    and ``COPYING*`` files are the texts."""

    ecosystem = NPM

    def __init__(self, env: Environment) -> None:
        self.env = env
        self._index: dict[str, dict[str | None, Path]] | None = None

    def _starts(self) -> list[Path]:
        seen: dict[Path, None] = {}
        for directory in (*self.env.manifest_dirs, self.env.root):
            seen.setdefault(directory / "node_modules", None)
        return list(seen)

    def _build(self) -> dict[str, dict[str | None, Path]]:
        """The copies under each start, the nearest start's first: each start's own
        index is read once per resolution (``env.memo``), however many manifests'
        environments include it (a workspace's root ``node_modules``)."""
        index: dict[str, dict[str | None, Path]] = {}
        try:
            root = self.env.root.resolve()
        except (OSError, RuntimeError):
            return index
        for start in self._starts():
            key = ("npm:node_modules", root, start)
            part = self.env.memo.get(key)
            if part is None:
                part = self.env.memo[key] = self._build_from(start, root)
            for name, copies in part.items():
                mine = index.setdefault(name, {})
                for version, manifest in copies.items():
                    mine.setdefault(version, manifest)
        return index

    def _build_from(self, start: Path, root: Path) -> dict[str, dict[str | None, Path]]:
        index: dict[str, dict[str | None, Path]] = {}
        visited: set[Path] = set()  # node_modules folders and packages, by real path
        queue = deque([start])
        while queue:
            folder = queue.popleft()
            real = _inside(folder, root)
            if real is None or real in visited or not real.is_dir():
                continue
            visited.add(real)
            for child in _subdirectories(folder, root):
                if child.name == ".pnpm":
                    queue.extend(store / "node_modules" for store in _subdirectories(child, root))
                elif child.name.startswith("."):  # .bin, .cache, .package-lock.json...
                    continue
                elif child.name.startswith("@"):
                    for package in _subdirectories(child, root):
                        if not package.name.startswith("."):
                            name = f"{child.name}/{package.name}"
                            self._add(package, name, root, index, queue, visited)
                else:
                    self._add(child, child.name, root, index, queue, visited)
        return index

    def _add(
        self,
        folder: Path,
        folder_name: str,
        root: Path,
        index: dict[str, dict[str | None, Path]],
        queue: deque[Path],
        visited: set[Path],
    ) -> None:
        real = _inside(folder, root)
        if real is None or real in visited or not real.is_dir():
            return
        visited.add(real)
        queue.append(folder / "node_modules")
        manifest = folder / "package.json"
        data = read_json_quietly(manifest, base=root)
        if not isinstance(data, dict):
            return
        name = data.get("name")
        if not isinstance(name, str) or not name:
            name = folder_name
        version = data.get("version")
        index.setdefault(name, {}).setdefault(
            version if isinstance(version, str) else None, manifest
        )

    def find(self, name: str, version: str | None) -> Evidence | None:
        if self._index is None:
            self._index = self._build()
        copies = self._index.get(name)
        if not copies:
            return None
        if version is None:
            installed, manifest = next(iter(copies.items()))
        elif version in copies:
            installed, manifest = version, copies[version]
        else:
            return None
        base = self.env.base(manifest)
        data = read_json_quietly(manifest, base=base)
        if not isinstance(data, dict):
            return None
        field = "license"
        license_value = npm_license(data.get("license"))
        if license_value is None and data.get("licenses") is not None:
            field = "licenses"
            license_value = npm_license(data.get("licenses"))
        if license_value is not None and license_value.upper() == "UNKNOWN":
            license_value = None
        folder = manifest.parent
        texts = list(license_files(folder, base))
        see = re.fullmatch(r"SEE LICEN[CS]E IN (\S+)", license_value or "", re.IGNORECASE)
        if see is not None and "/" not in see.group(1) and not see.group(1).startswith("."):
            named = folder / see.group(1)
            try:
                if fs.is_file(named, base) and not named.is_symlink() and named not in texts:
                    texts.append(named)
            except OSError:
                pass
        return Evidence(
            license=license_value,
            texts=tuple(texts),
            source="installed",
            where=self.env.shown(manifest),
            version=installed,
            field=field if license_value is not None else "",
            readmes=readme_files(folder, base) if license_value is None and not texts else (),
        )


def locators(env: Environment) -> list[Locator]:
    """The npm locators: installed copies in ``node_modules``."""
    return [NodeModulesLocator(env)]


# --- workspaces --------------------------------------------------------------------


def workspace_globs(package_json: Mapping[str, Any]) -> list[str]:
    """The member globs of a root ``package.json``: ``workspaces`` as an array (npm,
    yarn) or as ``{"packages": [...]}`` (yarn classic); entries that are not strings
    are left out."""
    value = package_json.get("workspaces")
    if isinstance(value, Mapping):
        value = value.get("packages")
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def pnpm_workspace(
    path: Path, source: str, base: Path
) -> tuple[list[str], dict[str, dict[str, str]]]:
    """``packages`` of a ``pnpm-workspace.yaml`` (``!`` marks an exclusion) and its
    catalogs (``catalog:`` is ``default``, ``catalogs:`` names the others: name ->
    package -> range); a file that is not a YAML mapping raises
    :class:`ManifestError` naming ``source``."""
    text = formats.read_text(path, source, base=base)
    data = load_yaml(text, source)
    if data is None:
        return [], {}
    if not isinstance(data, Mapping):
        raise ManifestError(f"expected a YAML mapping, found {kind_of(data)}", path=source, line=1)
    value = data.get("packages")
    globs = [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
    catalogs: dict[str, dict[str, str]] = {}
    named = data.get("catalogs")
    tables = [("default", data.get("catalog"))]
    if isinstance(named, Mapping):
        tables += [(str(k), v) for k, v in named.items()]
    for name, table in tables:
        if isinstance(table, Mapping):
            ranges = {str(k): r for k, v in table.items() if (r := _string(v))}
            catalogs.setdefault(name, {}).update(ranges)
    return globs, catalogs


def catalog_range(declared: Declared, catalogs: Mapping[str, Mapping[str, str]]) -> Declared:
    """A ``catalog:`` or ``catalog:name`` requirement as the range its catalog gives
    (unchanged when the catalog does not name the package)."""
    version = declared.version or ""
    if not version.startswith("catalog:"):
        return declared
    found = catalogs.get(version[len("catalog:") :].strip() or "default", {}).get(declared.name)
    if found is None:
        return declared
    return replace(declared, version=found, exact=bool(EXACT_SEMVER.fullmatch(found)))
