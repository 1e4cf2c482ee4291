"""Python dependencies: manifests, lockfiles and installed metadata, read as data.

Manifests (direct dependencies, requirements as written):

* ``pyproject.toml``: PEP 621 ``[project].dependencies`` and
  ``[project.optional-dependencies]`` (extras), PEP 735 ``[dependency-groups]``
  (``{include-group = "..."}`` entries expanded), Poetry's
  ``[tool.poetry.dependencies]``, ``[tool.poetry.dev-dependencies]`` and
  ``[tool.poetry.group.<group>.dependencies]``, and uv's ``[tool.uv]
  dev-dependencies``.
* ``requirements.txt`` and its kin (``requirements-dev.txt``, ``test-requirements.txt``,
  ``requirements.in``): pip's requirement file format, one PEP 508 requirement a line,
  with ``#`` comments, ``\\`` continuations and per-line options (``--hash``); option
  lines, ``-r``/``-c`` includes (each included file is discovered on its own), URLs
  and local paths are skipped.

Lockfiles (exact versions):

* ``poetry.lock``: ``[[package]]`` tables; the old ``category`` or the newer ``groups``
  key gives the scope; ``[package.dependencies]`` gives the graph. The roots are not
  recorded, so ``direct`` is None.
* ``uv.lock``: ``[[package]]`` tables; the workspace members (``source = { editable =
  ... }`` or ``{ virtual = ... }``) are the project itself: their dependencies are the
  direct ones, and the scope of every other package is the strongest one through
  which it is reachable (runtime, then extras, then development groups).
* ``Pipfile.lock``: JSON, ``default`` (runtime) and ``develop`` sections.
* ``pylock.toml`` / ``pylock.<name>.toml`` (PEP 751): ``[[packages]]`` tables.

Installed metadata: :class:`PythonEnvLocator` reads the ``*.dist-info/METADATA`` (and
``*.egg-info/PKG-INFO``) files of the virtual environments in
:attr:`Environment.python_envs`: headers only, never importing anything.

Requirement strings are parsed with ``packaging`` (a dependency of ScanCode's
``pip-requirements-parser``); nothing from the scanned repository is run.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from licensetier import formats, fs
from licensetier.deps.base import (
    Declared,
    Ecosystem,
    Entries,
    Environment,
    Evidence,
    Locator,
    Route,
    Scope,
    first_line,
    normalize_pypi,
    package_key,
    read_text,
)
from licensetier.deps.vendored import license_files
from licensetier.errors import LicenseDBError, ManifestError
from licensetier.paths import data_directory
from licensetier.readers.routes import routes_for

PYPI = Ecosystem.PYPI
CLASSIFIERS_FILE = "python_classifiers.toml"
# A distribution's several license classifiers list what applies to it, not a choice:
# nothing in the classifiers says "or" (PEP 639 replaces them with License-Expression
# for that reason); read together, as the conservative AND.
CLASSIFIERS_JOINED = " AND "
MAX_METADATA_BYTES = 4 * 1024 * 1024  # headers sit at the top; the rest is the description

# -- shared helpers ----------------------------------------------------------------------


def _load_toml(text: str, source: str) -> dict[str, Any]:
    return formats.parse_toml(text, source)


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _array_table_lines(text: str, name: str, count: int) -> list[int | None]:
    """Lines of the ``[[name]]`` headers, when there is one per entry."""
    found = [
        text.count("\n", 0, m.start()) + 1
        for m in re.finditer(rf"(?m)^[ \t]*\[\[[ \t]*{re.escape(name)}[ \t]*\]\]", text)
    ]
    return list(found) if len(found) == count else [None] * count


def _entries(data: Mapping[str, Any], key: str, source: str, what: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ManifestError(f"{what} is not an array of tables", path=source)
    return value


def dedupe(entries: Iterable[Declared]) -> list[Declared]:
    seen: dict[tuple[str, str | None, Scope], None] = {}
    out = []
    for d in entries:
        marker = (d.key, d.version, d.scope)
        if marker not in seen:
            seen[marker] = None
            out.append(d)
    return out


def _names(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(package_key(PYPI, n) for n in items))


# -- PEP 508 requirements ----------------------------------------------------------------

_NAME_AND_EXTRAS = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*")


def parse_requirement(text: str, source: str, line: int | None, where: str) -> Requirement:
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "invalid"
        raise ManifestError(
            f"{where}: {text!r} is not a valid requirement: {reason}", path=source, line=line
        ) from None


def _specifier_as_written(text: str) -> str | None:
    rest = _NAME_AND_EXTRAS.sub("", text.split(";", 1)[0], count=1).strip()
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1].strip()
    return rest or None


def _exact_of(req: Requirement) -> str | None:
    """The version of a ``==X`` (not ``==X.*``) or ``===X`` requirement."""
    specs = list(req.specifier)
    if len(specs) != 1:
        return None
    spec = specs[0]
    if spec.operator == "===" or (spec.operator == "==" and not spec.version.endswith(".*")):
        return spec.version
    return None


def from_requirement(
    req: Requirement, text: str, manifest: str, scope: Scope, line: int | None
) -> Declared | None:
    """The dependency a requirement names; None for a local path (``name @ file:...``):
    the project's own code, as the other ecosystems' local dependencies are skipped.
    A direct reference (``name @ https://...``) is listed with its URL as the
    requirement and a :data:`DIRECT_REFERENCE` note."""
    if req.url:  # name @ url: not a registry package, no version to look up
        if req.url.startswith("file:"):
            return None
        return direct_reference(req.name, req.url, manifest, scope, line)
    exact = _exact_of(req)
    if exact is not None:
        return Declared(
            PYPI, req.name, exact, manifest, True, True, scope, line, requirement=str(req)
        )
    version = _specifier_as_written(text) or (str(req.specifier) or None)
    return Declared(
        PYPI, req.name, version, manifest, False, True, scope, line, requirement=str(req)
    )


DIRECT_REFERENCE = "a direct URL/VCS reference: not a registry package"


def direct_reference(
    name: str, url: str, manifest: str, scope: Scope, line: int | None, *, guessed: bool = False
) -> Declared:
    """A package installed from a URL or a version control system: its name, the URL
    as its requirement, never exact (the URL may name a branch), and the note that no
    registry can answer for it (an installed copy still can)."""
    note = DIRECT_REFERENCE + ("; its name is read from the URL" if guessed else "")
    return Declared(PYPI, name, url, manifest, False, True, scope, line, note=note, url=url)


# -- requirements.txt --------------------------------------------------------------------

_DEV_WORDS = frozenset(
    {
        "dev",
        "devel",
        "develop",
        "development",
        "test",
        "tests",
        "testing",
        "lint",
        "linting",
        "linters",
        "doc",
        "docs",
        "documentation",
        "typing",
        "mypy",
    }
)
_COMMENT = re.compile(r"(^|\s+)#.*$")
_OPTION_IN_LINE = re.compile(r"\s+(?:--[A-Za-z][\w-]*|-[A-Za-z])(?=[\s=]|$)")
_EGG = re.compile(r"#(?:.*&)?egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_ARCHIVE = re.compile(r"\.(?:whl|zip|tar\.gz|tgz|tar\.bz2|tar\.xz|tar)$", re.IGNORECASE)


def extra_scope(extra: str) -> Scope:
    """DEVELOPMENT for an extra named for development (``test``, ``dev``, ``lint``,
    ``docs``: the words of :func:`requirements_scope`), else OPTIONAL."""
    words = re.split(r"[-_.\s]+", extra.lower())
    return Scope.DEVELOPMENT if _DEV_WORDS.intersection(words) else Scope.OPTIONAL


def requirements_scope(file_name: str) -> Scope:
    """DEVELOPMENT for ``requirements-dev.txt``, ``test-requirements.txt``,
    ``requirements_docs.txt``, ``docs/requirements.txt``, ``requirements/test.txt``...:
    a word of the name, or of the directory that holds it (``file_name`` may be a path
    relative to the scan root), says dev, test, lint or doc."""
    words = re.split(r"[-_.\s/]+", "/".join(file_name.lower().split("/")[-2:]))
    return Scope.DEVELOPMENT if _DEV_WORDS.intersection(words) else Scope.RUNTIME


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each line, ``\\`` continuations joined, comments cut."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        line = _COMMENT.sub("", raw).rstrip()
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        yield start, " ".join(part.strip() for part in pending).strip()
        pending = []
    if pending:
        yield start, " ".join(part.strip() for part in pending).strip()


_NAMED_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@\s*\S")


def _not_registry(spec: str) -> bool:
    """A URL, a local path or an archive: not a package of an index. A PEP 508 direct
    reference (``name @ URL``) names its package and is read as a requirement."""
    head = spec.split(";", 1)[0].strip()
    if _NAMED_REFERENCE.match(head):
        return False
    return bool(
        _URL.match(head)
        or head.startswith((".", "/", "~", "\\", "file:"))
        or re.match(r"^[A-Za-z]:[\\/]", head)
        or (("/" in head or "\\" in head) and " @ " not in head and "@" not in head)
        or _ARCHIVE.search(head)
    )


_VCS = re.compile(r"^(?:git|hg|svn|bzr)\+", re.IGNORECASE)
_VALID_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")


def _name_from_url(url: str) -> str | None:
    """The package a URL installs, as far as the URL says: its ``#egg=``, else the
    wheel's or archive's file name, else the repository's name (``.../CLIP.git``)."""
    egg = _EGG.search(url)
    if egg:
        return egg.group(1)
    path = urlsplit(_VCS.sub("", url.split("#", 1)[0])).path
    last = path.rstrip("/").rsplit("/", 1)[-1]
    last = last.split("@", 1)[0]  # git+https://host/repo.git@v1.0
    if last.lower().endswith(".whl"):
        last = last.split("-", 1)[0]
    elif _ARCHIVE.search(last):
        last = _ARCHIVE.sub("", last)
        last = re.sub(r"-v?\d[^-]*$", "", last)  # name-1.2.3.tar.gz
    elif last.lower().endswith(".git"):
        last = last[: -len(".git")]
    return last if _VALID_NAME.fullmatch(last) else None


def _url_line(value: str, source: str, scope: Scope, number: int | None) -> Declared | None:
    """A requirement line that is a URL or a path (``git+https://...#egg=name``,
    ``https://.../pkg-1.0-py3-none-any.whl``): listed when it is a remote URL whose
    package can be named; a local path is the project's own code (skipped)."""
    head = value.split(";", 1)[0].strip()
    if not (_URL.match(head) or _VCS.match(head)) or head.lower().startswith("file:"):
        return None
    if _VCS.sub("", head).lower().startswith("file:"):
        return None  # a local checkout
    name = _name_from_url(head)
    if name is None:
        return None
    file_name = urlsplit(head.split("#", 1)[0]).path.rsplit("/", 1)[-1]
    guessed = not (
        _EGG.search(head) or file_name.lower().endswith(".whl") or _ARCHIVE.search(file_name)
    )
    return direct_reference(name, head, source, scope, number, guessed=guessed)


def requirement_line(line: str, source: str, number: int | None, scope: Scope) -> Declared | None:
    """One logical line of pip's requirement format (comments cut, continuations
    joined): a requirement, a URL or VCS reference (listed with what is known), or
    nothing (options, ``-r``/``-c`` includes, local paths)."""
    if not line:
        return None
    if line.startswith("-"):
        option, _, value = line.partition(" ")
        if "=" in option:
            option, _, value = line.partition("=")
        if option in ("-e", "--editable"):
            return _url_line(value.strip(), source, scope, number)
        return None  # -r, -c, --index-url, --hash alone, ...: not a requirement
    cut = _OPTION_IN_LINE.search(line)
    spec = (line[: cut.start()] if cut else line).strip()
    if not spec:
        return None
    if _not_registry(spec):
        return _url_line(spec, source, scope, number)
    req = parse_requirement(spec, source, number, f"line {number}")
    return from_requirement(req, spec, source, scope, number)


def add_requirement_lines(
    out: Entries,
    lines: Iterable[tuple[str, int | None]],
    source: str,
    scope: Scope,
    own: str | None,
) -> None:
    """Each of ``lines`` (text, line number) read with :func:`requirement_line` into
    ``out``; one that does not parse is a note of ``out``, and the project's own name
    (``demo[all]`` in one of its extras) is no dependency."""
    for text, line in lines:
        try:
            found = requirement_line(text, source, line, scope)
        except ManifestError as exc:
            out.notes.append(exc)
            continue
        if found is not None and normalize_pypi(found.name) != own:
            out.append(found)


def parse_requirements(path: Path, source: str) -> list[Declared]:
    """pip's requirement file: one requirement a line; options, includes and local
    paths are skipped; a URL or VCS reference is listed with the package it names
    (its ``#egg=name``, its file name or its repository's name)."""
    text = read_text(path, source)
    scope = requirements_scope(source)
    out: list[Declared] = []
    for number, line in _logical_lines(text):
        found = requirement_line(line, source, number, scope)
        if found is not None:
            out.append(found)
    return out


# -- poetry.lock -------------------------------------------------------------------------


def parse_poetry_lock(path: Path, source: str) -> list[Declared]:
    """``poetry.lock``: every ``[[package]]`` with its exact version. The scope comes
    from ``category`` (lock format 1) or ``groups`` (lock format 2.1); lock format 2.0
    has neither, and its packages count as runtime."""
    text = read_text(path, source)
    data = _load_toml(text, source)
    packages = _entries(data, "package", source, "[[package]]")
    lines = _array_table_lines(text, "package", len(packages))
    out = []
    for number, (pkg, line) in enumerate(zip(packages, lines, strict=True), start=1):
        name, version = pkg.get("name"), pkg.get("version")
        if not isinstance(name, str) or not name:
            raise ManifestError(f"[[package]] entry {number} has no name", path=source, line=line)
        if not isinstance(version, str) or not version:
            raise ManifestError(
                f"[[package]] entry {number} ({name}) has no version", path=source, line=line
            )
        scope = Scope.RUNTIME
        category, groups = pkg.get("category"), pkg.get("groups")
        if isinstance(category, str):
            scope = Scope.DEVELOPMENT if category == "dev" else Scope.RUNTIME
        elif isinstance(groups, list) and groups and "main" not in groups:
            scope = Scope.DEVELOPMENT
        if pkg.get("optional") is True and scope is Scope.RUNTIME:
            scope = Scope.OPTIONAL
        deps = pkg.get("dependencies", {})
        requires = _names(deps) if isinstance(deps, dict) else ()
        out.append(Declared(PYPI, name, version, source, True, None, scope, line, requires))
    return out


# -- uv.lock -----------------------------------------------------------------------------


def _uv_is_project(pkg: Mapping[str, Any], members: set[str]) -> bool:
    src = pkg.get("source")
    if isinstance(src, dict) and ("editable" in src or "virtual" in src):
        return True
    name = pkg.get("name")
    return isinstance(name, str) and normalize_pypi(name) in members


class _UvGraph:
    """The packages of a uv.lock as nodes; a dependency entry points at the nodes of
    its name (and version, when several versions are locked)."""

    def __init__(self, packages: list[dict[str, Any]], source: str, lines: list[int | None]):
        self.packages = packages
        self.source = source
        self.lines = lines
        self.by_name: dict[str, list[int]] = {}
        for i, pkg in enumerate(packages):
            self.by_name.setdefault(normalize_pypi(pkg["name"]), []).append(i)

    def dep_entries(self, i: int, value: Any, where: str) -> list[dict[str, Any]]:
        if value is None:
            return []
        if not isinstance(value, list) or not all(
            isinstance(d, dict) and isinstance(d.get("name"), str) for d in value
        ):
            raise ManifestError(
                f"[[package]] entry {i + 1} ({self.packages[i]['name']}): {where} is not an "
                "array of {name = ...} tables",
                path=self.source,
                line=self.lines[i],
            )
        return value

    def grouped(self, i: int, key: str) -> dict[str, list[dict[str, Any]]]:
        table = self.packages[i].get(key, {})
        if not isinstance(table, dict):
            raise ManifestError(
                f"[[package]] entry {i + 1}: [package.{key}] is not a table",
                path=self.source,
                line=self.lines[i],
            )
        return {g: self.dep_entries(i, v, f"{key}.{g}") for g, v in table.items()}

    def targets(self, entry: Mapping[str, Any]) -> list[int]:
        found = self.by_name.get(normalize_pypi(entry["name"]), [])
        version = entry.get("version")
        if isinstance(version, str) and len(found) > 1:
            found = [i for i in found if self.packages[i].get("version") == version] or found
        return found

    def edges(self, entry: Mapping[str, Any], seen: set[tuple[int, str]]) -> list[int]:
        """The nodes an entry reaches at once: its targets, and through ``extra =
        [...]`` the dependencies of those extras."""
        out = []
        for t in self.targets(entry):
            out.append(t)
            extras = entry.get("extra", [])
            for extra in extras if isinstance(extras, list) else []:
                if (t, extra) in seen:
                    continue
                seen.add((t, extra))
                for sub in self.grouped(t, "optional-dependencies").get(extra, []):
                    out.extend(self.edges(sub, seen))
        return out

    def successors(self, i: int) -> list[int]:
        entries = self.dep_entries(i, self.packages[i].get("dependencies"), "dependencies")
        seen: set[tuple[int, str]] = set()
        return [t for e in entries for t in self.edges(e, seen)]

    def extra_requires(self, entries: Iterable[Mapping[str, Any]]) -> dict[int, set[str]]:
        """For each package an entry asks for with ``extra = [...]``, the names those
        extras bring in: edges of the package in this lock's resolution, which its own
        ``dependencies`` do not list (``requests[socks]`` -> PySocks)."""
        out: dict[int, set[str]] = {}
        for entry in entries:
            extras = entry.get("extra", [])
            for t in self.targets(entry):
                for extra in extras if isinstance(extras, list) else []:
                    for sub in self.grouped(t, "optional-dependencies").get(extra, []):
                        out.setdefault(t, set()).add(sub["name"])
        return out


def parse_uv_lock(path: Path, source: str) -> list[Declared]:
    """``uv.lock``: every ``[[package]]`` but the workspace members, whose
    dependencies, extras and development groups are the roots of the graph."""
    text = read_text(path, source)
    data = _load_toml(text, source)
    packages = _entries(data, "package", source, "[[package]]")
    lines = _array_table_lines(text, "package", len(packages))
    for number, (pkg, line) in enumerate(zip(packages, lines, strict=True), start=1):
        if not isinstance(pkg.get("name"), str) or not pkg["name"]:
            raise ManifestError(f"[[package]] entry {number} has no name", path=source, line=line)
    manifest = data.get("manifest", {})
    listed = manifest.get("members", []) if isinstance(manifest, dict) else []
    members = (
        {normalize_pypi(m) for m in listed if isinstance(m, str)}
        if isinstance(listed, list)
        else set()
    )
    graph = _UvGraph(packages, source, lines)
    projects = [i for i, pkg in enumerate(packages) if _uv_is_project(pkg, members)]

    roots: dict[Scope, list[int]] = {Scope.RUNTIME: [], Scope.OPTIONAL: [], Scope.DEVELOPMENT: []}
    direct: set[int] = set()
    sections_of_projects: list[list[dict[str, Any]]] = []
    for p in projects:
        sections = [
            (Scope.RUNTIME, graph.dep_entries(p, packages[p].get("dependencies"), "dependencies"))
        ]
        sections += [
            (Scope.OPTIONAL, e) for e in graph.grouped(p, "optional-dependencies").values()
        ]
        sections += [(Scope.DEVELOPMENT, e) for e in graph.grouped(p, "dev-dependencies").values()]
        sections_of_projects.extend(entries for _scope, entries in sections)
        for scope, entries in sections:
            for entry in entries:
                direct.update(graph.targets(entry))
                roots[scope].extend(graph.edges(entry, set()))

    # every entry of the lock: the projects' sections and each package's dependencies
    # and optional dependencies (an extra may ask for another package's extra)
    every = [e for entries in sections_of_projects for e in entries] + [
        e
        for i, pkg in enumerate(packages)
        for e in (
            graph.dep_entries(i, pkg.get("dependencies"), "dependencies")
            + [x for group in graph.grouped(i, "optional-dependencies").values() for x in group]
        )
    ]
    extra_requires = graph.extra_requires(every)

    scope_of: dict[int, Scope] = {}
    for scope in (Scope.RUNTIME, Scope.OPTIONAL, Scope.DEVELOPMENT):
        todo = [i for i in roots[scope] if i not in scope_of]
        while todo:
            i = todo.pop()
            if i in scope_of:
                continue
            scope_of[i] = scope
            todo.extend(t for t in graph.successors(i) if t not in scope_of)

    out: list[Declared] = []
    project_set = set(projects)
    for i, (pkg, line) in enumerate(zip(packages, lines, strict=True)):
        if i in project_set:
            continue
        version = pkg.get("version")
        version = version if isinstance(version, str) and version else None
        deps = graph.dep_entries(i, pkg.get("dependencies"), "dependencies")
        out.append(
            Declared(
                PYPI,
                pkg["name"],
                version,
                source,
                exact=version is not None,
                direct=(i in direct) if projects else None,
                scope=scope_of.get(i, Scope.RUNTIME),
                line=line,
                requires=_names([*(d["name"] for d in deps), *sorted(extra_requires.get(i, ()))]),
            )
        )
    return out


# -- Pipfile.lock ------------------------------------------------------------------------


def parse_pipfile_lock(path: Path, source: str) -> list[Declared]:
    """``Pipfile.lock`` (JSON): ``default`` holds the runtime packages, ``develop`` the
    development ones, each ``{"name": {"version": "==1.2.3", ...}}``. A path entry
    ``"."`` is the project itself; VCS and path entries have no version."""
    text = read_text(path, source)
    data = formats.parse_json_object(text, source)
    out = []
    for section, scope in (("default", Scope.RUNTIME), ("develop", Scope.DEVELOPMENT)):
        entries = data.get(section, {})
        section_line = first_line(text, f'"{section}"')
        if not isinstance(entries, dict):
            raise ManifestError(f'"{section}" is not an object', path=source, line=section_line)
        start = text.find(f'"{section}"')
        start = max(start, 0)
        for name, entry in entries.items():
            line = first_line(text, json.dumps(name), start)
            if not isinstance(entry, dict):
                raise ManifestError(
                    f'"{section}" entry {name!r} is not an object', path=source, line=line
                )
            local = entry.get("path")
            if isinstance(local, str) and local.rstrip("/\\") in (".", ""):
                continue  # the project itself, installed editable
            raw = entry.get("version")
            version: str | None = None
            exact = False
            if isinstance(raw, str) and raw.strip():
                raw = raw.strip()
                match = re.fullmatch(r"===?\s*([^\s*,;]+)", raw)
                version, exact = (match.group(1), True) if match else (raw, False)
            out.append(Declared(PYPI, name, version, source, exact, None, scope, line))
    return out


# -- pylock.toml (PEP 751) ---------------------------------------------------------------


def _pylock_scope(marker: Any) -> Scope:
    """A package installed only for a dependency group or an extra, by its marker."""
    if not isinstance(marker, str) or " or " in marker:
        return Scope.RUNTIME
    if "dependency_groups" in marker:
        return Scope.DEVELOPMENT
    if re.search(r"\bin\s+extras\b", marker):
        return Scope.OPTIONAL
    return Scope.RUNTIME


def parse_pylock(path: Path, source: str) -> list[Declared]:
    """``pylock.toml`` (PEP 751): every ``[[packages]]`` entry. Entries without a
    version (VCS, directory, archive) are kept without one; the project's own directory
    (``directory = { path = "." }``) is left out."""
    text = read_text(path, source)
    data = _load_toml(text, source)
    packages = _entries(data, "packages", source, "[[packages]]")
    lines = _array_table_lines(text, "packages", len(packages))
    out = []
    for number, (pkg, line) in enumerate(zip(packages, lines, strict=True), start=1):
        name = pkg.get("name")
        if not isinstance(name, str) or not name:
            raise ManifestError(f"[[packages]] entry {number} has no name", path=source, line=line)
        directory = pkg.get("directory")
        if isinstance(directory, dict):
            where = directory.get("path")
            if isinstance(where, str) and where.replace("\\", "/").rstrip("/") in (".", "", "./"):
                continue
        version = pkg.get("version")
        version = version if isinstance(version, str) and version else None
        deps = pkg.get("dependencies", [])
        requires = _names(
            d["name"]
            for d in (deps if isinstance(deps, list) else [])
            if isinstance(d, dict) and isinstance(d.get("name"), str)
        )
        scope = _pylock_scope(pkg.get("marker"))
        out.append(
            Declared(PYPI, name, version, source, version is not None, None, scope, line, requires)
        )
    return out


# -- routing -----------------------------------------------------------------------------

MANIFESTS: tuple[Route, ...] = routes_for(PYPI)  # pyproject.toml is read by readers.pyproject


# -- license classifiers -----------------------------------------------------------------


@dataclass(frozen=True)
class ClassifierTable:
    """``License ::`` trove classifiers as SPDX: ``certain`` ones name one license;
    ``ambiguous`` ones (``BSD License``, an unversioned GPL) are a best guess."""

    certain: Mapping[str, str]
    ambiguous: Mapping[str, str]

    def lookup(self, classifier: str) -> tuple[str, bool] | None:
        """(SPDX expression, ambiguous) of a classifier, or None when not mapped."""
        key = " :: ".join(part.strip() for part in classifier.split("::"))
        if key in self.certain:
            return self.certain[key], False
        if key in self.ambiguous:
            return self.ambiguous[key], True
        return None


@functools.lru_cache(maxsize=4)
def load_classifiers(path: Path | None = None) -> ClassifierTable:
    """The classifier table of ``license_db/python_classifiers.toml`` (or ``path``)."""
    file = path if path is not None else data_directory() / CLASSIFIERS_FILE
    try:
        data = formats.load_toml(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, formats.TOMLDecodeError) as exc:
        raise LicenseDBError(f"{file}: cannot read the classifier table: {exc}") from None
    tables: list[dict[str, str]] = []
    for name in ("classifiers", "ambiguous"):
        table = data.get(name, {})
        if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in table.items()
        ):
            raise LicenseDBError(f"{file}: [{name}] must map classifier strings to SPDX ids")
        tables.append(table)
    return ClassifierTable(MappingProxyType(tables[0]), MappingProxyType(tables[1]))


def classifier_to_spdx(classifier: str) -> str | None:
    """The SPDX expression of one ``License ::`` classifier (certain or best guess)."""
    found = load_classifiers().lookup(classifier)
    return found[0] if found else None


def license_from_classifiers(
    classifiers: Iterable[str], table: ClassifierTable | None = None
) -> tuple[str, str] | None:
    """(license, field) from a package's classifiers: the ``License ::`` ones as SPDX,
    several joined with :data:`CLASSIFIERS_JOINED` (AND); one that is not mapped gives
    its last segment. The field is ``classifiers (ambiguous)`` when one of them was a
    guess."""
    table = table if table is not None else load_classifiers()
    found: dict[str, None] = {}
    ambiguous = False
    for classifier in classifiers:
        parts = [p.strip() for p in classifier.split("::")]
        if parts[0] != "License" or len(parts) < 2 or parts == ["License", "OSI Approved"]:
            continue
        mapped = table.lookup(classifier)
        if mapped is None:
            found.setdefault(parts[-1], None)
        else:
            found.setdefault(mapped[0], None)
            ambiguous = ambiguous or mapped[1]
    if not found:
        return None
    return CLASSIFIERS_JOINED.join(found), "classifiers (ambiguous)" if ambiguous else "classifiers"


# -- installed metadata ------------------------------------------------------------------


def site_packages(env_path: Path, base: Path | None = None) -> list[Path]:
    """The site-packages directories of a virtual environment, or ``env_path`` itself
    when it is one (or holds ``*.dist-info`` directly); none of them out of ``base``
    (default: ``env_path``)."""
    base = base or env_path
    if not fs.is_dir(env_path, base):
        return []
    found = [env_path]
    for pattern in (
        "lib/python*/site-packages",
        "lib64/python*/site-packages",
        "lib/pypy*/site-packages",
        "Lib/site-packages",
    ):
        found.extend(p for p in fs.glob(env_path, pattern, base) if fs.is_dir(p, base))
    return list(dict.fromkeys(found))


def _version_key(version: str) -> Version | str:
    """A key under which versions equal under PEP 440 (``2.0`` and ``2.0.0``) are equal."""
    try:
        return Version(version)
    except InvalidVersion:
        return version.strip()


def _name_version(entry: Path) -> tuple[str, str | None] | None:
    """Name and version from ``name-version.dist-info`` / ``name-version-pyX.egg-info``."""
    stem = entry.name.rsplit(".", 1)[0]
    if not stem:
        return None
    parts = stem.split("-")
    if len(parts) == 1:
        return parts[0], None
    return parts[0], parts[1].replace("_", "-")


def _read_headers(path: Path, base: Path | None = None) -> Message | None:
    """The headers of a METADATA / PKG-INFO file, or None when it is not one (or not
    a regular file inside ``base``, default: its directory)."""
    try:
        data = fs.read_head(path, base or path.parent, MAX_METADATA_BYTES)
    except OSError:
        return None
    if b"\x00" in data:
        return None  # binary garbage
    text = data.decode("utf-8", errors="replace")
    try:
        message = HeaderParser().parsestr(text, headersonly=True)
    except Exception:  # email's parser is tolerant: a surprise means garbage
        return None
    name = message.get("Name")
    if not isinstance(name, str) or not name.strip():
        return None
    return message


def _header(message: Message, name: str) -> str | None:
    value = message.get(name)
    if value is None:
        return None
    lines = str(value).splitlines()
    # Older tools indent continuation lines (8 spaces, sometimes a "|"): undo it.
    rest = [re.sub(r"^\s{1,8}\|?", "", line) for line in lines[1:]]
    joined = "\n".join([lines[0].strip(), *rest]).strip() if lines else ""
    return joined or None


def _within(path: Path, directory: Path) -> bool:
    try:
        path.resolve().relative_to(directory.resolve())
    except (OSError, ValueError):
        return False
    return True


# Some packages list every documentation file as a License-File: these are not licenses
# (the NOTICE file included), and ScanCode would only find noise in them.
_NOT_LICENSE_FILES = re.compile(
    r"(?i)(?:notice|readme|changelog|changes|history|news|authors|contributors|contributing"
    r"|code_of_conduct)(?:[._-].*)?"
)


def _license_texts(message: Message, meta_dir: Path, base: Path | None = None) -> tuple[Path, ...]:
    """The files of ``License-File`` (under ``licenses/``, PEP 639, or beside METADATA,
    older setuptools) and the ``LICENSE*``/``COPYING*`` files of the metadata dir."""
    found: dict[Path, None] = {}
    for value in message.get_all("License-File") or []:
        rel = str(value).strip()
        if not rel or _NOT_LICENSE_FILES.fullmatch(rel.replace("\\", "/").rsplit("/", 1)[-1]):
            continue
        for candidate in (meta_dir / "licenses" / rel, meta_dir / rel):
            try:
                if (
                    fs.is_file(candidate, base or meta_dir)
                    and not candidate.is_symlink()
                    and _within(candidate, meta_dir)
                ):
                    found.setdefault(candidate, None)
                    break
            except OSError:
                continue
    for candidate in (
        *license_files(meta_dir, base),
        *license_files(meta_dir / "licenses", base or meta_dir),
    ):
        found.setdefault(candidate, None)
    return tuple(found)


class PythonEnvLocator:
    """Installed Python packages of the virtual environments of an
    :class:`Environment`: ``*.dist-info/METADATA`` and ``*.egg-info/PKG-INFO``.

    The evidence is, in this order: PEP 639 ``License-Expression``; the ``License``
    field unless blank or ``UNKNOWN``; the ``License ::`` classifiers as SPDX. The
    package's license files are always listed in ``texts``.
    """

    ecosystem: Ecosystem = PYPI

    def __init__(self, env: Environment, classifiers: ClassifierTable | None = None) -> None:
        self.env = env
        self._classifiers = classifiers
        self._index: dict[str, dict[Version | str, Path]] | None = None

    def _metadata_files(self, env_path: Path) -> Iterator[tuple[str, str | None, Path]]:
        base = self.env.base(env_path)
        for directory in site_packages(env_path, base):
            for entry in fs.list_dir(directory, base):
                if entry.kind == "outside":
                    continue
                if entry.name.endswith(".dist-info"):
                    meta = entry.path / "METADATA"
                elif entry.name.endswith(".egg-info"):
                    meta = entry.path / "PKG-INFO" if entry.is_dir else entry.path
                else:
                    continue
                parsed = _name_version(entry.path)
                if parsed is not None:
                    yield parsed[0], parsed[1], meta

    def _build_index(self) -> dict[str, dict[Version | str, Path]]:
        """The installed copies of every environment, the first environment's first;
        each environment's own index is read once per resolution (``env.memo``),
        however many manifests' environments include it (a monorepo's root ``.venv``)."""
        index: dict[str, dict[Version | str, Path]] = {}
        for env_path in self.env.python_envs:
            key = ("pypi:environment", env_path)
            part = self.env.memo.get(key)
            if part is None:
                part = self.env.memo[key] = self._index_of(env_path)
            for name, copies in part.items():
                mine = index.setdefault(name, {})
                for version, meta in copies.items():
                    mine.setdefault(version, meta)
        return index

    def _index_of(self, env_path: Path) -> dict[str, dict[Version | str, Path]]:
        index: dict[str, dict[Version | str, Path]] = {}
        for name, version, meta in self._metadata_files(env_path):
            if not fs.is_file(meta, self.env.base(meta)):
                continue
            if version is None:  # name.egg-info of a development install
                message = _read_headers(meta, self.env.base(meta))
                version = _header(message, "Version") if message else None
                if version is None:
                    continue
            index.setdefault(normalize_pypi(name), {}).setdefault(_version_key(version), meta)
        return index

    def installed(self, name: str) -> Mapping[Version | str, Path]:
        """The METADATA files of the installed copies of ``name``, by version."""
        if self._index is None:
            self._index = self._build_index()
        return self._index.get(normalize_pypi(name), {})

    def find(self, name: str, version: str | None) -> Evidence | None:
        if self._index is None:
            self._index = self._build_index()
        versions = self._index.get(normalize_pypi(name))
        if not versions:
            return None
        if version is not None:
            meta = versions.get(_version_key(version))
            return self._evidence(meta, version, version) if meta is not None else None
        for found_version, meta in versions.items():
            evidence = self._evidence(meta, None, str(found_version))
            if evidence is not None:
                return evidence
        return None

    def _evidence(self, meta: Path, wanted: str | None, indexed: str) -> Evidence | None:
        """The evidence of one metadata file; None when it cannot be read, or states
        another version than the one ``wanted``."""
        base = self.env.base(meta)
        message = _read_headers(meta, base)
        if message is None:
            return None
        stated = _header(message, "Version")
        if wanted is not None and stated and _version_key(stated) != _version_key(wanted):
            return None
        in_own_dir = meta.parent.name.endswith((".dist-info", ".egg-info"))
        texts = _license_texts(message, meta.parent, base) if in_own_dir else ()
        where = self.env.shown(meta)
        version = stated or indexed
        license_, field = _license_of(message, self._classifiers)
        return Evidence(
            license_, texts, source="installed", where=where, version=version, field=field
        )


def _license_of(
    message: Message, classifiers: ClassifierTable | None = None
) -> tuple[str | None, str]:
    """(license, field) of installed metadata: ``License-Expression``, else ``License``
    unless blank or ``UNKNOWN``, else the ``License ::`` classifiers."""
    expression = _header(message, "License-Expression")
    if expression:
        return expression, "License-Expression"
    declared = _header(message, "License")
    if declared and declared.upper() != "UNKNOWN":
        return declared, "License"
    table = classifiers if classifiers is not None else load_classifiers()
    found = license_from_classifiers((str(c) for c in message.get_all("Classifier") or []), table)
    if found is not None:
        return found
    return None, ""


def locators(env: Environment) -> list[Locator]:
    """The installed packages of ``env.python_envs`` (none when there are none)."""
    return [PythonEnvLocator(env)]
