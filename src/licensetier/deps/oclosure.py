"""The dependency closure of a Python or npm manifest without a lockfile and without an
installed environment, resolved online against the configured index or registry.

Nothing is built, installed or run: only the registries' own data is read.

Python (:func:`python`): :mod:`resolvelib` over a provider whose candidates are the
versions of the index's simple page (pre-releases only when a range names one, yanked
versions only when pinned, only versions with an sdist or a wheel this interpreter can
install, and whose files' ``Requires-Python`` accepts this interpreter) and whose
dependencies are the ``Requires-Dist`` entries of each candidate's core metadata, read
as the license is (:meth:`~licensetier.deps.online.OnlineLookup.requires_many`).
Markers are evaluated with :mod:`packaging` for the **running interpreter** (its Python
version and this machine's platform), with the extras asked for. The runtime
requirements are resolved first, then all of them (extras and development groups), so
that a development pin does not move a runtime version.

npm (:func:`npm`): breadth first from the direct requirements (runtime first, then
optional, then development), each range resolved as :meth:`choose_many` does (npm's
``latest`` tag when the range accepts it, else the highest), an already chosen version
of that name reused when it satisfies the range (as npm's tree de-duplicates), then
the chosen version's ``dependencies`` and ``optionalDependencies`` from the package
document; de-duplicated by name@version.

Both are bounded (:data:`MAX_PACKAGES`, :data:`TIME_BUDGET_SECONDS`, resolvelib's
:data:`MAX_ROUNDS`). When the resolution fails, the direct requirements keep today's
per-range choice and their reason says why the closure is missing.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from packaging.markers import Marker, default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from resolvelib import AbstractProvider

from licensetier.deps.base import Declared, Ecosystem, Scope
from licensetier.deps.discover import SCOPE_ORDER, Found
from licensetier.deps.online import (
    OFFLINE,
    OnlineLookup,
    Release,
    Releases,
    Requires,
    npm_spec,
)
from licensetier.deps.pyclosure import marker_holds as _holds

#: At most this many distinct packages are resolved for one manifest group.
MAX_PACKAGES = 500
#: Nor longer than this (seconds, for one manifest group).
TIME_BUDGET_SECONDS = 180.0
#: The identifier of the running interpreter, which a ``Requires-Python`` requires (not
#: a valid project name, so no project's).
PYTHON = "<python>"
#: resolvelib's bound on its rounds (each pins one package or backtracks).
MAX_ROUNDS = 5000


@dataclass
class OnlineClosed:
    """The dependencies of a manifest group with the closure resolved online.

    ``ranges``: the range that chose each version, by (manifest, name, version): those
    are reported ``exact`` False with that ``requirement``. ``notes``: why a direct
    requirement (by manifest and package key) has no closure; ``version_notes``: the
    same for a resolved version (by manifest, name and version)."""

    found: list[Found]
    ranges: dict[tuple[str, str, str], str] = field(default_factory=dict)
    notes: dict[tuple[str, str], str] = field(default_factory=dict)
    version_notes: dict[tuple[str, str, str], str] = field(default_factory=dict)


_NOT_CACHED = "the registry's answers are not all in the cache (--offline)"


class _Stop(Exception):
    """The closure cannot be completed (a bound, or offline without cached answers)."""


class _Budget:
    def __init__(self, packages: int, seconds: float) -> None:
        self.packages = packages
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.seen: set[str] = set()

    def see(self, name: str) -> None:
        self.seen.add(name)
        if len(self.seen) > self.packages:
            raise _Stop(f"more than {self.packages} packages")
        if time.monotonic() > self.deadline:
            raise _Stop(f"it took more than {self.seconds:g} s")


def _interpreter(values: Mapping[str, str]) -> str:
    return f"Python {values['python_full_version']}, {values['sys_platform']}"


# -- Python ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Req:
    name: str  # canonical
    specifier: SpecifierSet
    extras: frozenset[str]
    parent: str | None  # the label of the candidate that requires it

    @property
    def ident(self) -> str:
        return self.name + (f"[{','.join(sorted(self.extras))}]" if self.extras else "")


@dataclass(frozen=True)
class _Cand:
    name: str  # canonical
    version: Version
    spelled: str
    extras: frozenset[str]

    @property
    def ident(self) -> str:
        return self.name + (f"[{','.join(sorted(self.extras))}]" if self.extras else "")


class _Provider(AbstractProvider):  # type: ignore[type-arg]
    def __init__(
        self,
        lookup: OnlineLookup,
        display: dict[str, str],
        markers: dict[str, str],
        budget: _Budget,
        direct: set[str],
        memo: dict[Any, Any],
    ) -> None:
        self.lookup = lookup
        self.display = display
        self.markers = markers
        self.budget = budget
        self.direct = direct
        self.python = Version(markers["python_full_version"])
        self.memo = memo  # releases and requirements read, shared by the runs
        self.unknown: dict[tuple[str, str], str] = {}  # (name, version): why no deps
        self.edges: dict[tuple[str, str], list[_Req]] = {}

    def identify(self, requirement_or_candidate: _Req | _Cand) -> str:
        return requirement_or_candidate.ident

    def get_preference(
        self,
        identifier: str,
        resolutions: Mapping[str, _Cand],
        candidates: Mapping[str, Iterator[_Cand]],
        information: Mapping[str, Iterator[Any]],
        backtrack_causes: Sequence[Any],
    ) -> tuple[bool, bool, str]:
        infos = list(information[identifier])
        pinned = any(s.operator in ("==", "===") for i in infos for s in i.requirement.specifier)
        return (identifier.split("[")[0] not in self.direct, not pinned, identifier)

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[_Req]],
        incompatibilities: Mapping[str, Iterator[_Cand]],
    ) -> list[_Cand]:
        name = identifier.split("[")[0]
        wanted = list(requirements[identifier])
        if name == PYTHON:  # the running interpreter, the one candidate there is
            if all(r.specifier.contains(self.python, prereleases=True) for r in wanted):
                return [_Cand(PYTHON, self.python, str(self.python), frozenset())]
            return []
        self.budget.see(name)
        extras = frozenset(e for r in wanted for e in r.extras)
        bad = {c.version for c in incompatibilities[identifier]}
        shown = self.display.setdefault(name, name)
        if ("releases", name) not in self.memo:
            self.memo[("releases", name)] = self.lookup.releases_many([shown])[shown]
        releases: Releases = self.memo[("releases", name)]
        if releases.error is not None:
            if releases.error == OFFLINE:
                raise _Stop(f"the versions of {shown} are not in the cache (--offline)")
            return []
        out: list[_Cand] = []
        for release in releases.versions:
            version = self._usable(release)
            if version is None or version in bad:
                continue
            pinned = any(
                s.operator in ("==", "===") and "*" not in s.version
                for r in wanted
                for s in r.specifier
            )
            if release.yanked and not pinned:
                continue
            if all(r.specifier.contains(version, prereleases=None) for r in wanted):
                out.append(_Cand(name, version, release.version, extras))
        return sorted(out, key=lambda c: c.version, reverse=True)

    def _usable(self, release: Release) -> Version | None:
        """The version of a release this interpreter can install (a file for it, and
        its ``Requires-Python`` accepts it), else None."""
        try:
            version = Version(release.version)
        except InvalidVersion:
            return None
        if not release.installable:
            return None
        if release.requires_python:
            try:
                wanted = SpecifierSet(release.requires_python)
            except InvalidSpecifier:
                return version
            if not wanted.contains(self.python, prereleases=True):
                return None
        return version

    def is_satisfied_by(self, requirement: _Req, candidate: _Cand) -> bool:
        return requirement.specifier.contains(candidate.version, prereleases=True)

    def get_dependencies(self, candidate: _Cand) -> list[_Req]:
        if candidate.name == PYTHON:
            return []
        label = f"{self.display.get(candidate.name, candidate.name)}@{candidate.spelled}"
        out: list[_Req] = []
        stated = self._python_requirement(candidate)
        if stated is not None:  # the metadata's Requires-Python, as pip checks it
            out.append(_Req(PYTHON, stated, frozenset(), label))
        if candidate.extras:  # name[extra] is name itself plus what the extra adds
            out.append(
                _Req(candidate.name, SpecifierSet(f"=={candidate.version}"), frozenset(), label)
            )
        for req in self._requirements(candidate):
            if _holds(
                req.marker, self.markers, sorted(candidate.extras) if candidate.extras else [""]
            ):
                if candidate.extras and _holds(req.marker, self.markers, [""]):
                    continue  # the plain candidate brings it
                name = canonicalize_name(req.name)
                self.display.setdefault(name, req.name)
                extras = frozenset(canonicalize_name(e) for e in req.extras)
                out.append(_Req(name, req.specifier, extras, label))
        self.edges[(candidate.ident, candidate.spelled)] = [
            r for r in out if r.name not in (candidate.name, PYTHON)
        ]
        self._prefetch([r for r in out if r.name != PYTHON])
        return out

    def _prefetch(self, requirements: Sequence[_Req]) -> None:
        """The versions of the packages a candidate requires, and what the highest one
        each range accepts requires, asked several at once: most of them are what the
        resolver asks for next."""
        names = [r.name for r in requirements if ("releases", r.name) not in self.memo]
        shown = {n: self.display.get(n, n) for n in dict.fromkeys(names)}
        if shown:
            got = self.lookup.releases_many(list(shown.values()))
            for name, spelled in shown.items():
                self.memo[("releases", name)] = got[spelled]
        wanted: dict[tuple[Ecosystem, str, str], tuple[str, str]] = {}
        for r in requirements:
            releases: Releases = self.memo[("releases", r.name)]
            best = None
            for release in releases.versions:
                version = self._usable(release)
                if version is None or release.yanked or not r.specifier.contains(version):
                    continue
                if best is None or version > best[0]:
                    best = (version, release.version)
            if best is not None and ("requires", (r.name, best[1])) not in self.memo:
                item = (Ecosystem.PYPI, self.display.get(r.name, r.name), best[1])
                wanted[item] = (r.name, best[1])
        if wanted:
            found = self.lookup.requires_many(list(wanted))
            for item, key in wanted.items():
                self.memo[("requires", key)] = found[item]

    def _python_requirement(self, candidate: _Cand) -> SpecifierSet | None:
        self._requirements(candidate)  # read and remembered
        got: Requires = self.memo[("requires", (candidate.name, candidate.spelled))]
        try:
            return SpecifierSet(got.requires_python) if got.requires_python else None
        except InvalidSpecifier:
            return None

    def _requirements(self, candidate: _Cand) -> list[Requirement]:
        key = (candidate.name, candidate.spelled)
        if ("requires", key) not in self.memo:
            shown = self.display.get(candidate.name, candidate.name)
            item = (Ecosystem.PYPI, shown, candidate.spelled)
            self.memo[("requires", key)] = self.lookup.requires_many([item])[item]
        got: Requires = self.memo[("requires", key)]
        if got.error is not None:
            if got.error == OFFLINE:
                raise _Stop(f"what {candidate.name} {candidate.spelled} requires is not cached")
            where = f"{got.url}: " if got.url else ""
            self.unknown[key] = f"its own dependencies are not known ({where}{got.error})"
            return []
        out: list[Requirement] = []
        for text in got.requires:
            try:
                out.append(Requirement(text))
            except InvalidRequirement:
                self.unknown[key] = f"its Requires-Dist {text!r} is not a valid requirement"
        return out


def _root(f: Found) -> tuple[str, SpecifierSet, Marker | None, frozenset[str]] | None:
    d = f.declared
    text = d.requirement
    if not text:
        text = d.full_name + (f"=={d.version}" if d.exact and d.version else (d.version or ""))
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    if req.url:
        return None
    return (
        canonicalize_name(req.name),
        req.specifier,
        req.marker,
        frozenset(canonicalize_name(e) for e in req.extras),
    )


def _why_impossible(exc: Exception, display: Mapping[str, str]) -> str:
    causes = getattr(exc, "causes", None) or []
    said: list[str] = []
    for cause in causes:
        req = cause.requirement
        name = display.get(req.name, req.name)
        by = cause.parent
        by_label = (
            f"{display.get(by.name, by.name)}@{by.spelled}" if by is not None else "the manifest"
        )
        said.append(f"{name}{req.specifier or ''} (required by {by_label})")
    listed = "; ".join(dict.fromkeys(said))
    return f"no versions on the index satisfy all of: {listed}" if listed else str(exc)


def _resolve(
    roots: Sequence[_Req], provider: _Provider
) -> tuple[dict[str, _Cand] | None, str | None]:
    """The chosen candidate of each identifier, or None and why not."""
    from resolvelib import BaseReporter, ResolutionImpossible, ResolutionTooDeep, Resolver

    resolver: Resolver[_Req, _Cand, str] = Resolver(provider, BaseReporter())
    try:
        result = resolver.resolve(roots, max_rounds=MAX_ROUNDS)
    except ResolutionImpossible as exc:
        return None, _why_impossible(exc, provider.display)
    except ResolutionTooDeep:
        return None, f"the resolver gave up after {MAX_ROUNDS} rounds"
    except _Stop as exc:
        return None, str(exc)
    return dict(result.mapping), None


def python(found: Sequence[Found], lookup: OnlineLookup) -> OnlineClosed:
    """``found`` (one Python manifest group's direct requirements, no lockfile, no
    installed environment) and the transitive dependencies the index resolves them to."""
    markers = {k: str(v) for k, v in default_environment().items()}
    described = _interpreter(markers)
    out = OnlineClosed(list(found))
    display: dict[str, str] = {}
    roots: list[tuple[Found, _Req]] = []
    for f in found:
        if not f.direct or f.declared.ecosystem is not Ecosystem.PYPI or f.declared.url:
            continue
        parsed = _root(f)
        if parsed is None:
            continue
        name, specifier, marker, extras = parsed
        if not _holds(marker, markers, [""]):
            out.notes[(f.manifest, f.declared.key)] = (
                f"its marker ({marker}) is false for this interpreter ({described}): "
                "its dependencies are not resolved online"
            )
            continue
        display.setdefault(name, f.declared.full_name)
        roots.append((f, _Req(name, specifier, extras, None)))
    if not roots:
        return out
    # a project the index does not have (or has no version of) is left to the per-range
    # choice, which says why; the others are resolved together
    releases = lookup.releases_many([display[r.name] for _f, r in roots])
    kept = [(f, r) for f, r in roots if releases[display[r.name]].error is None]
    if not kept:
        return out
    budget = _Budget(MAX_PACKAGES, TIME_BUDGET_SECONDS)
    memo: dict[Any, Any] = {("releases", r.name): releases[display[r.name]] for _f, r in kept}
    runtime = [(f, r) for f, r in kept if f.scope is Scope.RUNTIME]
    picked: dict[str, tuple[_Cand, _Provider]] = {}
    reached: dict[
        str, tuple[Scope, str | None, Found, str]
    ] = {}  # name: scope, parent, root, range
    for run in [runtime, kept] if runtime and len(runtime) < len(kept) else [kept]:
        provider = _Provider(lookup, display, markers, budget, {r.name for _f, r in run}, memo)
        mapping, why = _resolve([r for _f, r in run], provider)
        if mapping is None:
            for f, _r in run:
                note = (f.manifest, f.declared.key)
                if note not in out.notes and not (f.scope is Scope.RUNTIME and picked):
                    out.notes[note] = (
                        f"its dependencies are not resolved online ({why}); its version is "
                        "the highest the index offers for its range"
                    )
            if not picked:  # the runtime run failed: the others would too
                break
            continue
        chosen = {c.name: c for c in mapping.values() if c.name != PYTHON}
        for name, cand in chosen.items():
            picked.setdefault(name, (cand, provider))
        # breadth first, from the direct requirements, runtime ones first
        for f, r in sorted(run, key=lambda p: SCOPE_ORDER[p[0].scope]):
            if r.name in reached or r.name not in chosen:
                continue
            reached[r.name] = (f.scope, None, f, "")
            queue = deque([r.name])
            while queue:
                current = queue.popleft()
                edges = [
                    req
                    for ident, cand in mapping.items()
                    if cand.name == current
                    for req in provider.edges.get((ident, cand.spelled), [])
                ]
                for req in edges:
                    if req.name not in reached and req.name in chosen:
                        reached[req.name] = (f.scope, current, f, str(req.specifier) or "*")
                        queue.append(req.name)
    # the direct requirements: their chosen version, from their range
    direct_names = {r.name: f for f, r in kept}
    replaced: list[Found] = []
    for f in out.found:
        parsed = _root(f) if f.declared.ecosystem is Ecosystem.PYPI else None
        if (
            f.direct
            and not f.locked
            and parsed
            and parsed[0] in picked
            and parsed[0] in direct_names
        ):
            cand = picked[parsed[0]][0]
            d = replace(f.declared, version=cand.spelled, exact=True)
            out.ranges[(f.manifest, d.full_name, cand.spelled)] = f.declared.version or "*"
            f = replace(f, declared=d, locked=True)
        replaced.append(f)
    out.found = replaced
    for name, (scope, parent, root, spec) in reached.items():
        if parent is None or name in direct_names:
            continue
        cand, prov = picked[name]
        chain: list[str] = []
        step: str | None = parent
        while step is not None:
            chain.append(f"{display.get(step, step)}@{picked[step][0].spelled}")
            step = reached[step][1]
        shown = display.get(name, name)
        declared = Declared(
            Ecosystem.PYPI, shown, cand.spelled, root.manifest, True, False, scope, None
        )
        out.found.append(
            Found(declared, False, scope, root.manifest, None, tuple(reversed(chain)), locked=True)
        )
        out.ranges[(root.manifest, shown, cand.spelled)] = spec
    for name, (cand, prov) in picked.items():
        why_not = prov.unknown.get((cand.name, cand.spelled))
        if why_not and name in reached:
            root = reached[name][2]
            out.version_notes[(root.manifest, display.get(name, name), cand.spelled)] = why_not
    return out


# -- npm -------------------------------------------------------------------------------------


def _npm_accepts(spec: str, version: str) -> bool:
    import semantic_version

    text = spec.strip()
    if text in ("", "*", "x", "latest"):
        return True
    try:
        return semantic_version.Version(version) in npm_spec(text)
    except ValueError:
        return False


def _npm_alias(name: str, spec: str) -> tuple[str, str]:
    """An alias (``"string-width-cjs": "npm:string-width@^4.2.0"``) as the package it
    names and its range; anything else as it is."""
    if not spec.startswith("npm:"):
        return name, spec
    target = spec[4:]
    at = target.rfind("@")
    if at > 0:
        return target[:at], target[at + 1 :]
    return target, ""


def npm(found: Sequence[Found], lookup: OnlineLookup) -> OnlineClosed:
    """``found`` (one package.json's direct requirements, no lockfile, no
    ``node_modules``) and the transitive dependencies the registry resolves them to."""
    out = OnlineClosed(list(found))
    roots = [
        f
        for f in found
        if f.direct and f.declared.ecosystem is Ecosystem.NPM and not f.declared.url
    ]
    if not roots:
        return out
    roots.sort(key=lambda f: (SCOPE_ORDER[f.scope], f.declared.full_name))
    budget = _Budget(MAX_PACKAGES, TIME_BUDGET_SECONDS)
    placed: dict[str, list[str]] = {}  # name: versions, first placed first
    # name@version: (scope, parent label, root, range, name, version)
    nodes: dict[str, tuple[Scope, str | None, Found, str, str, str]] = {}
    root_pick: dict[int, str] = {}
    try:
        for scope in sorted({f.scope for f in roots}, key=SCOPE_ORDER.__getitem__):
            level: list[tuple[Found, str, str, str | None]] = [
                (f, f.declared.full_name, f.declared.version or "", None)
                for f in roots
                if f.scope is scope
            ]
            while level:
                need = [
                    (Ecosystem.NPM, name, spec)
                    for _f, name, spec, _p in level
                    if not any(_npm_accepts(spec, v) for v in placed.get(name, ()))
                ]
                picks = lookup.choose_many(need) if need else {}
                new: list[tuple[Found, str, str]] = []
                for f, name, spec, parent in level:
                    version = next((v for v in placed.get(name, ()) if _npm_accepts(spec, v)), None)
                    if version is None:
                        pick = picks[(Ecosystem.NPM, name, spec)]
                        if pick.error == OFFLINE:
                            raise _Stop(
                                "the registry's answers are not all in the cache (--offline)"
                            )
                        if pick.version is None:
                            continue  # a direct one says why itself; a nested one is left out
                        version = pick.version
                        placed.setdefault(name, []).append(version)
                    label = f"{name}@{version}"
                    if parent is None:
                        root_pick[id(f)] = version
                    if label in nodes:
                        continue
                    budget.see(label)
                    nodes[label] = (scope, parent, f, spec or "*", name, version)
                    new.append((f, name, version))
                wanted = [(Ecosystem.NPM, name, version) for _f, name, version in new]
                requires = lookup.requires_many(wanted) if wanted else {}
                level = []
                for f, name, version in new:
                    got = requires[(Ecosystem.NPM, name, version)]
                    if got.error == OFFLINE:
                        raise _Stop(_NOT_CACHED)
                    if got.error is not None:
                        out.version_notes[(f.manifest, name, version)] = (
                            f"its own dependencies are not known ({got.error})"
                        )
                    for dep, spec in got.npm:
                        dep, spec = _npm_alias(dep, spec)
                        level.append((f, dep, spec, f"{name}@{version}"))
    except _Stop as exc:
        if str(exc) == _NOT_CACHED:
            return out  # offline, and not all in the cache: no closure (the ranges say why)
        for f in roots:
            out.notes[(f.manifest, f.declared.key)] = (
                f"its dependencies are not resolved online ({exc}); its version is the one "
                "the registry offers for its range"
            )
        return out
    replaced: list[Found] = []
    direct_labels: set[str] = set()
    for f in out.found:
        version = root_pick.get(id(f))
        if version is not None:
            direct_labels.add(f"{f.declared.full_name}@{version}")
            if not f.locked:
                d = replace(f.declared, version=version, exact=True)
                out.ranges[(f.manifest, d.full_name, version)] = f.declared.version or "*"
                f = replace(f, declared=d, locked=True)
        replaced.append(f)
    out.found = replaced
    for label, (scope, parent, root, spec, name, version) in nodes.items():
        if parent is None or label in direct_labels:
            continue
        chain: list[str] = []
        step: str | None = parent
        while step is not None:
            chain.append(step)
            step = nodes[step][1]
        declared = Declared(Ecosystem.NPM, name, version, root.manifest, True, False, scope, None)
        out.found.append(
            Found(declared, False, scope, root.manifest, None, tuple(reversed(chain)), locked=True)
        )
        out.ranges[(root.manifest, name, version)] = spec
    return out
