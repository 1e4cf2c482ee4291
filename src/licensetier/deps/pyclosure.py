"""The dependency closure of a Python manifest without a lockfile, from an installed
environment.

A library declares ranges (``httpx>=0.23,<1``) and no lockfile; its manifest names only
the direct requirements. When the project has an installed environment (``.venv`` or
``venv`` in the manifest's directory or one above it up to the scan root, and every
``--python-env``), the environment holds what those ranges resolved to, and the
distributions they require in turn. This module walks it:

1. each direct requirement whose environment marker holds is matched to its installed
   distribution, when the requirement's range accepts the installed version;
2. the ``Requires-Dist`` entries of each matched distribution are read from its
   ``METADATA`` (headers only, through :mod:`licensetier.fs`), their markers evaluated
   for the environment (its Python version from ``pyvenv.cfg``, this machine's
   platform) with the extras asked for (``pkg[extra]`` brings in the requirements
   whose marker says ``extra == "extra"``), and matched the same way, transitively;
3. each distribution reached that the manifest does not name is a transitive
   dependency: exact (the installed version), ``direct`` False, the chain through
   which it is first reached (breadth first, from the runtime requirements, then the
   optional ones, then the development ones), the scope of that chain's direct
   requirement.

A requirement whose marker is false for the environment, whose distribution is not
installed or whose range does not accept the installed version is not followed; a
direct one stays as the manifest states it, and if the installed distribution is
reached through another requirement, it is listed as a transitive dependency too (a
development extra's ``cryptography>=45,<46`` and the runtime ``cryptography@50.0.2``
that ``mcp`` pulls in are two entries). A
``Requires-Dist`` that is not a valid requirement is skipped and reported as a
:class:`~licensetier.models.ScanError` naming the METADATA file. Nothing is imported
or run.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker, default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from licensetier import fs
from licensetier.deps.base import Declared, Ecosystem, Environment, Scope, normalize_pypi
from licensetier.deps.discover import SCOPE_ORDER, Found
from licensetier.deps.python import (
    PythonEnvLocator,
    _header,
    _read_headers,
    site_packages,
)
from licensetier.models import ScanError

MAX_PYVENV_CFG_BYTES = 64 * 1024
_PYTHON_DIR = re.compile(r"^python(\d+\.\d+)t?$")


@dataclass(frozen=True)
class Installed:
    """One installed distribution as the closure reads it."""

    name: str  # as its METADATA spells it
    version: str
    meta: Path
    requires: tuple[Requirement, ...]

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


def python_version(env_path: Path, base: Path) -> str | None:
    """The Python version of a virtual environment: ``pyvenv.cfg``'s ``version_info``
    (uv, virtualenv) or ``version`` (the venv module), else the ``lib/pythonX.Y``
    directory of its site-packages."""
    try:
        data = fs.read_head(env_path / "pyvenv.cfg", base, MAX_PYVENV_CFG_BYTES)
    except OSError:
        data = b""
    values: dict[str, str] = {}
    for line in data.decode("utf-8", errors="replace").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = value.strip()
    for key in ("version_info", "version"):
        found = re.match(r"^\d+\.\d+(?:\.\d+)?", values.get(key, ""))
        if found:
            return found.group(0)
    for directory in site_packages(env_path, base):
        found = _PYTHON_DIR.match(directory.parent.name)
        if found:
            return found.group(1)
    return None


def marker_environment(env: Environment) -> dict[str, str]:
    """PEP 508's marker variables: this machine's platform, the Python version of the
    first environment that tells it (else the running interpreter's)."""
    values = {k: str(v) for k, v in default_environment().items()}
    for env_path in env.python_envs:
        version = python_version(env_path, env.base(env_path))
        if version is None:
            continue
        major_minor = ".".join(version.split(".")[:2])
        full = version if version.count(".") >= 2 else f"{version}.0"
        values["python_version"] = major_minor
        values["python_full_version"] = full
        if values.get("implementation_name") == "cpython":
            values["implementation_version"] = full
        break
    return values


def marker_holds(marker: Marker | None, values: Mapping[str, str], extras: Sequence[str]) -> bool:
    """Whether a requirement's marker holds for the environment with one of ``extras``
    asked for ("" is the distribution without extras). A marker that cannot be
    evaluated counts as holding: the requirement is followed, not dropped."""
    if marker is None:
        return True
    for extra in extras:
        try:
            if marker.evaluate({**values, "extra": extra}):
                return True
        except Exception:  # packaging's evaluation errors differ across its releases
            return True
    return False


def _accepts(specifier: SpecifierSet | None, version: str) -> bool:
    if specifier is None or not str(specifier):
        return True
    try:
        return specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return True  # a version packaging cannot read: not a mismatch


class Closure:
    """The installed distributions of one :class:`Environment`, read once each."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.locator = PythonEnvLocator(env)  # its index is shared through env.memo
        self.markers = marker_environment(env)
        self.problems: list[ScanError] = []

    def installed(self, name: str, specifier: SpecifierSet | None) -> Installed | None:
        """The installed copy of ``name`` that ``specifier`` accepts, read."""
        for version, meta in self.locator.installed(name).items():
            if not _accepts(specifier, str(version)):
                continue
            found = self._read(meta, str(version))
            if found is not None:
                return found
        return None

    def _read(self, meta: Path, indexed: str) -> Installed | None:
        key = ("pypi:closure", meta)
        if key in self.env.memo:
            remembered: Installed | None = self.env.memo[key]
            return remembered
        message = _read_headers(meta, self.env.base(meta))
        found: Installed | None = None
        if message is not None:
            requires: list[Requirement] = []
            for value in message.get_all("Requires-Dist") or []:
                text = " ".join(str(value).split())
                try:
                    requires.append(Requirement(text))
                except InvalidRequirement as exc:
                    reason = str(exc).splitlines()[0] if str(exc) else "invalid"
                    self.problems.append(
                        ScanError(
                            self.env.shown(meta),
                            f"Requires-Dist {text!r} is not a valid requirement ({reason}): "
                            "skipped in the installed environment's dependency closure",
                        )
                    )
            name = _header(message, "Name") or meta.parent.name.split("-")[0]
            version = _header(message, "Version") or indexed
            found = Installed(name, version, meta, tuple(requires))
        self.env.memo[key] = found
        return found


def _direct_requirement(
    d: Declared,
) -> tuple[str, SpecifierSet | None, Marker | None, tuple[str, ...]]:
    """Name, range, marker and extras of a manifest's requirement."""
    if d.requirement:
        try:
            req = Requirement(d.requirement)
        except InvalidRequirement:
            pass
        else:
            extras = tuple(sorted(canonicalize_name(e) for e in req.extras))
            return req.name, req.specifier, req.marker, extras
    spec: SpecifierSet | None = None
    if d.version:
        try:
            spec = SpecifierSet(f"=={d.version}" if d.exact else d.version)
        except InvalidSpecifier:
            spec = None  # Poetry's ^1.2 and the like: not a mismatch
    return d.full_name, spec, None, ()


@dataclass(frozen=True)
class Closed:
    """The dependencies of a manifest group with its installed closure; the METADATA
    that could not be read; why a direct requirement was not matched to the
    environment, by (manifest, package key)."""

    found: list[Found]
    problems: list[ScanError]
    notes: dict[tuple[str, str], str]


def closure(found: Sequence[Found], env: Environment) -> Closed:
    """``found`` (one Python manifest group's direct requirements, no lockfile) and the
    transitive dependencies its installed environment holds for them."""
    if not env.python_envs or not found:
        return Closed(list(found), [], {})
    walk = Closure(env)
    places = ", ".join(env.shown(p) for p in env.python_envs)
    described = (
        f"the environment ({places}: Python {walk.markers['python_version']}, "
        f"{walk.markers['sys_platform']})"
    )
    notes: dict[tuple[str, str], str] = {}
    named: set[str] = set()  # the direct requirements matched to what is installed
    # node: normalised name -> (distribution, scope, parent name or None, root's Found)
    reached: dict[str, tuple[Installed, Scope, str | None, Found]] = {}
    done: dict[str, set[str]] = {}
    roots = sorted(
        (f for f in found if f.direct and f.declared.ecosystem is Ecosystem.PYPI),
        key=lambda f: SCOPE_ORDER[f.scope],
    )
    for scope in sorted({f.scope for f in roots}, key=SCOPE_ORDER.__getitem__):
        queue: deque[tuple[str, tuple[str, ...]]] = deque()
        for f in roots:
            if f.scope is not scope:
                continue
            name, specifier, marker, extras = _direct_requirement(f.declared)
            note = (f.manifest, f.declared.key)
            if not marker_holds(marker, walk.markers, ("",)):
                notes[note] = f"its marker ({marker}) is false for {described}"
                continue
            dist = walk.installed(name, specifier)
            if dist is None:
                copies = ", ".join(str(v) for v in walk.locator.installed(name))
                notes[note] = (
                    f"{described} holds {name} {copies}, which "
                    f"{f.declared.version or specifier} does not accept"
                    if copies
                    else f"not installed in {described}"
                )
                continue
            key = normalize_pypi(dist.name)
            named.add(key)
            reached.setdefault(key, (dist, scope, None, f))
            queue.append((key, extras))
        while queue:
            key, extras = queue.popleft()
            dist, _scope, _parent, root = reached[key]
            asked = {"", *extras} - done.setdefault(key, set())
            if not asked:
                continue
            done[key] |= asked
            for req in dist.requires:
                if not marker_holds(req.marker, walk.markers, sorted(asked)):
                    continue
                child = walk.installed(req.name, req.specifier)
                if child is None:
                    continue
                child_key = normalize_pypi(child.name)
                if child_key not in reached:
                    reached[child_key] = (child, scope, key, root)
                queue.append((child_key, tuple(canonicalize_name(e) for e in req.extras)))
    out = list(found)
    for key, (dist, scope, parent, root) in reached.items():
        if key in named or parent is None:
            continue
        chain: list[str] = []
        step: str | None = parent
        while step is not None:
            chain.append(reached[step][0].label)
            step = reached[step][2]
        declared = Declared(
            Ecosystem.PYPI, dist.name, dist.version, root.manifest, True, False, scope, None
        )
        out.append(
            Found(declared, False, scope, root.manifest, None, tuple(reversed(chain)), locked=True)
        )
    return Closed(out, walk.problems, notes)
