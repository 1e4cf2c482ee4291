"""Each dependency's license, offline first: the resolution order of the issue.

1. a license the lockfile itself records (package-lock v2/v3, composer.lock);
2. an installed or vendored copy in or beside the repository (virtual environments,
   ``node_modules``, ``vendor/``, Cargo's and Go's caches, ``~/.m2``, NuGet's folder);
3. an earlier online answer, from the cache (offline too);
4. online, unless offline: the registry this machine's own client is configured to use
   (or the one given with ``--index-url`` / ``--npm-registry``), or deps.dev for the
   ecosystems without one; for exact versions, and for the version the registry offers
   for a Python or npm range nothing pins (reported with ``exact`` False and the range
   in ``requirement``);
5. otherwise ``unresolved``, with the reason of every step that did not answer.

A declared string is normalised in two steps (:func:`licensetier.declared.normalize`):
an SPDX parse, then ScanCode's detection on the string, whose score is kept; license
files of installed copies are detected with ScanCode. Both remember their answers in
the cache, so a rescan does not load ScanCode's index for them again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from licensetier import declared as declared_mod
from licensetier import fs
from licensetier.cache import DetectionCache, blob_id
from licensetier.deps import discover
from licensetier.deps.base import (
    Declared,
    Ecosystem,
    Environment,
    Evidence,
    Locator,
    Role,
    Scope,
    purl,
)
from licensetier.expressions import ExpressionTooDeep
from licensetier.license_db import LicenseDB
from licensetier.models import Dependency, ScanError

if TYPE_CHECKING:
    from licensetier.deps.oclosure import OnlineClosed
    from licensetier.deps.online import Answer, OnlineLookup
    from licensetier.detect.engine import Engine

MAX_LICENSE_FILE_BYTES = 1024 * 1024
TEXT_NAMESPACE = "declared-string-1"
DEPS_DEV_ENV = (
    "LICENSETIER_DEPS_DEV_URL"  # the deps.dev API base, where --deps-dev-url is not given
)


@dataclass(frozen=True)
class Options:
    """How to resolve: the CLI's dependency flags."""

    offline: bool = False
    index_url: str | None = None  # overrides pip's configured index
    npm_registry: str | None = None  # overrides npm's configured registry
    deps_dev: str | None = None  # overrides deps.dev's API base (tests, mirrors)
    python_envs: tuple[Path, ...] = ()  # --python-env
    timeout: float = 10.0
    ttl_seconds: float = 7 * 86400
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass(frozen=True)
class Answered:
    """One step's answer for one package version."""

    license_keys: str | None
    license_spdx: str | None
    raw: str | None
    source: str
    where: str | None
    score: float
    low_confidence: bool
    reason: str | None = None


def environment(
    root: Path,
    manifest_dirs: Sequence[Path],
    options: Options,
    memo: dict[Any, Any] | None = None,
) -> Environment:
    """Where installed copies may be: the repository's virtual environments and the
    package managers' caches, as their own environment variables place them."""
    env = options.environ
    home = Path(env.get("HOME") or Path.home())
    places = dict.fromkeys([root, *manifest_dirs])
    python_envs = list(options.python_envs)
    for directory in places:
        for name in (".venv", "venv"):
            candidate = directory / name
            if candidate in python_envs or not fs.is_file(candidate / "pyvenv.cfg", root):
                continue  # a .venv that links out of the root is not one of its own
            python_envs.append(candidate)
    cargo_home = Path(env["CARGO_HOME"]) if env.get("CARGO_HOME") else home / ".cargo"
    if env.get("GOMODCACHE"):
        go_cache = Path(env["GOMODCACHE"])
    else:
        gopath = env.get("GOPATH", "").split(os.pathsep)[0]
        go_cache = (Path(gopath) if gopath else home / "go") / "pkg" / "mod"
    nuget = Path(env["NUGET_PACKAGES"]) if env.get("NUGET_PACKAGES") else home / ".nuget/packages"
    return Environment(
        root=root,
        manifest_dirs=tuple(places),
        python_envs=tuple(python_envs),
        cargo_home=cargo_home,
        go_mod_cache=go_cache,
        maven_repo=home / ".m2" / "repository",
        nuget_packages=nuget,
        conda_prefix=Path(env["CONDA_PREFIX"]) if env.get("CONDA_PREFIX") else None,
        memo=memo if memo is not None else {},
    )


def locators_for(env: Environment, ecosystems: set[Ecosystem]) -> dict[Ecosystem, list[Locator]]:
    """Each ecosystem's own locators first, then the generic vendored directories;
    only for the ecosystems that have dependencies."""
    import importlib

    found: dict[Ecosystem, list[Locator]] = {e: [] for e in ecosystems}
    modules = [discover.MODULE_OF[e] for e in Ecosystem if e in ecosystems]
    for name in (*modules, "vendored"):
        module = importlib.import_module(f"licensetier.deps.{name}")
        for locator in module.locators(env):
            if locator.ecosystem in found:
                found[locator.ecosystem].append(locator)
    return found


class Resolver:
    """Resolves the licenses of the dependencies of one scan."""

    def __init__(
        self,
        root: Path,
        db: LicenseDB,
        engine: Engine,
        *,
        cache: DetectionCache | None,
        options: Options,
        mode: str = "fast",
    ) -> None:
        self.root = root
        self.db = db
        self.engine = engine
        self.cache = cache if cache is not None and cache.enabled else None
        self.options = options
        self.mode = mode
        self.online_sources: tuple[str, ...] = ()  # the registries asked, and why those
        # locators by the directories a manifest may use copies from (_locators)
        self._located: dict[
            tuple[tuple[Path, ...], frozenset[Ecosystem]], dict[Ecosystem, list[Locator]]
        ] = {}
        self._memo: dict[Any, Any] = {}  # shared by their environments (Environment.memo)
        self.problems: list[ScanError] = []  # unreadable installed metadata (combine)
        self._closure_dirs: set[Path] = set()  # where an installed closure came from
        self._closure_notes: dict[tuple[str, str], str] = {}  # why not matched there
        self._online_lookup: OnlineLookup | None = None
        # the closure resolved online: the range that chose a version, by (manifest,
        # name, version), and why a version's own dependencies are not known
        self._ranges: dict[tuple[str, str, str], str] = {}
        self._version_notes: dict[tuple[str, str, str], str] = {}

    # -- normalisation, remembered -------------------------------------------------
    def _detect_text(self, text: str) -> tuple[str | None, float]:
        key = hashlib.sha256(text.encode()).hexdigest()
        namespace = f"{TEXT_NAMESPACE}|{self.db.version}|{_scancode()}"
        if self.cache is not None:
            remembered = self.cache.get_value(namespace, key)
            if isinstance(remembered, list) and len(remembered) == 2:
                return remembered[0], float(remembered[1])
        expression, score = self.engine.detect_text(text)
        if self.cache is not None:
            self.cache.put_value(namespace, key, [expression, score])
        return expression, score

    def _detect_file(self, path: Path) -> tuple[str | None, float]:
        from licensetier.detect.engine import FileDetection

        try:
            base = self.root if self.root in path.parents else path.parent
            data = fs.read_head(path, base, MAX_LICENSE_FILE_BYTES)
        except OSError:
            return None, 0.0
        key = blob_id(data)
        if self.cache is not None:
            hit = self.cache.get_many([key], self.mode).get(key)
            if hit is not None and not hit.get("binary"):
                try:
                    found = FileDetection.from_payload(hit)
                    return found.license, min((d.score for d in found.detections), default=0.0)
                except (KeyError, TypeError, ValueError):
                    pass
        detection = self.engine.detect_file(path)
        if self.cache is not None and not detection.timed_out:
            self.cache.put(key, self.mode, detection.to_payload())
        return detection.license, min((d.score for d in detection.detections), default=0.0)

    def understand(self, raw: str | None, texts: Sequence[Path] = ()) -> declared_mod.Normalized:
        """A declared string, else the license files, understood (low confidence when
        only partly)."""
        best = declared_mod.NOT_UNDERSTOOD
        if raw and raw.strip():
            try:
                best = declared_mod.normalize(raw, self.db, self._detect_text)
            except ExpressionTooDeep:  # not understood: the dependency says so, unresolved
                best = declared_mod.NOT_UNDERSTOOD
            if best.license and not best.low_confidence:
                return best
        detected = [self._detect_file(p) for p in texts]
        expressions = [e for e, _ in detected if e]
        if expressions:
            keys = declared_mod.all_of(expressions)
            assert keys is not None
            from_files = declared_mod.from_detection(
                keys, min(s for e, s in detected if e), self.db
            )
            if best.license is None or not from_files.low_confidence:
                return from_files
        return best

    # -- the steps -----------------------------------------------------------------
    def _answer(
        self,
        raw: str | None,
        texts: Sequence[Path],
        source: str,
        where: str,
        *,
        guessed: str | None = None,
    ) -> Answered:
        """One step's answer. ``guessed``: why the answer, whatever its score, is only
        a guess (an ambiguous classifier, a README)."""
        n = self.understand(raw, texts)
        shown = repr(raw) if raw else "no license field"
        reason: str | None = None
        if n.license is None:
            files = f"{len(texts)} license file(s)"
            if raw:
                reason = f"{where}: {shown} was not understood" + (
                    f" (nor its {files})" if texts else ""
                )
            elif texts:
                reason = f"{where}: no license field, and ScanCode finds none in its {files}"
            else:
                reason = f"{where}: no license field and no license file"
            return Answered(None, None, raw, source, where, 0.0, False, reason)
        spdx = n.license_spdx or n.license
        low = n.low_confidence or guessed is not None
        if guessed is not None:
            reason = f"read as {spdx} from {guessed}: low confidence"
        elif low:
            origin = shown if raw else f"the license files in {where}"
            reason = f"read as {spdx} from {origin} with score {n.score:.0f}: low confidence"
        return Answered(n.license, n.license_spdx, raw, source, where, n.score, low, reason)

    def _locators(
        self, f: discover.Found, manifests: Sequence[str], ecosystems: set[Ecosystem]
    ) -> dict[Ecosystem, list[Locator]]:
        """The locators of the installed and vendored copies that may answer for ``f``.

        A locked version is the same package wherever a copy of it is installed: every
        manifest's directory is searched, with one index. A requirement nothing pins
        is answered only by a copy its manifest's project can use: in the manifest's
        own directory and those above it up to the scan root (a sibling project's
        ``vendor/`` or ``node_modules``, with another version, is not its own), and
        the package managers' caches."""
        if f.locked:
            dirs = sorted({(self.root / m).parent for m in manifests} | self._closure_dirs)
        else:
            directory = (self.root / f.manifest).parent
            dirs = [directory, *(p for p in directory.parents if p.is_relative_to(self.root))]
        key = (tuple(dirs), frozenset(ecosystems))
        if key not in self._located:
            env = environment(self.root, dirs, self.options, self._memo)
            self._located[key] = locators_for(env, ecosystems)
        return self._located[key]

    def combine(self, group: discover.Group) -> list[discover.Found]:
        """:func:`discover.combine`; for Python requirements without a lockfile, with
        the dependency closure of the installed environment the manifest's project
        uses (:mod:`licensetier.deps.pyclosure`): in its directory or one above it up
        to the scan root, or a ``--python-env``; for Go, with the chains of the
        indirect modules from the module cache (:mod:`licensetier.deps.gochains`)."""
        found = discover.combine(group)
        directory = self.root / group.directory
        dirs = [directory, *(p for p in directory.parents if p.is_relative_to(self.root))]
        if group.ecosystem is Ecosystem.GOLANG:
            from licensetier.deps import gochains

            return gochains.chains(found, environment(self.root, dirs, self.options, self._memo))
        if group.ecosystem not in _RANGED or any(
            role is Role.LOCKFILE for role, _ in group.entries
        ):
            return found
        if group.ecosystem is Ecosystem.NPM:
            if any(fs.is_dir(p / "node_modules", self.root) for p in dirs[:1]):
                return found  # the installed tree answers
            from licensetier.deps import oclosure  # imported only when it is asked

            return self._online_closure(found, oclosure.npm)
        env = environment(self.root, dirs, self.options, self._memo)
        if env.python_envs:
            from licensetier.deps import pyclosure

            closed = pyclosure.closure(found, env)
            self.problems.extend(closed.problems)
            self._closure_notes.update(closed.notes)
            if len(closed.found) > len(found):  # its packages are answered from the same places
                self._closure_dirs.update(dirs)
            return closed.found
        from licensetier.deps import oclosure

        return self._online_closure(found, oclosure.python)

    def _online_closure(
        self,
        found: list[discover.Found],
        close: Callable[[list[discover.Found], OnlineLookup], OnlineClosed],
    ) -> list[discover.Found]:
        """The closure resolved online (:mod:`licensetier.deps.oclosure`), and what it
        says of each dependency; a bug in it leaves the manifest's requirements."""
        try:
            closed = close(found, self._lookup())
        except Exception as exc:  # a bug must not stop the scan
            manifest = found[0].manifest if found else ""
            self.problems.append(
                ScanError(manifest, f"internal error resolving the dependency closure: {exc!r}")
            )
            return found
        self._closure_notes.update(closed.notes)
        self._ranges.update(closed.ranges)
        self._version_notes.update(closed.version_notes)
        return closed.found

    def _lookup(self) -> OnlineLookup:
        """The online lookups of this scan (one, so that what a closure read answers for
        the licenses); offline, the cache only."""
        from licensetier.deps.online import DEPS_DEV_API, OnlineLookup, Registries

        if self._online_lookup is None:
            offline = self.options.offline
            deps_dev = self.options.deps_dev or self.options.environ.get(DEPS_DEV_ENV)
            if offline:  # no client is run: only the registries given, for their cache keys
                registries = Registries(self.options.index_url, self.options.npm_registry, deps_dev)
            else:
                registries = Registries.discover(
                    index_url=self.options.index_url,
                    npm_registry=self.options.npm_registry,
                    deps_dev=deps_dev or DEPS_DEV_API,
                )
                self.online_sources = registries.describe()
            self._online_lookup = OnlineLookup(
                registries,
                cache=self.cache,
                timeout=self.options.timeout,
                ttl_seconds=self.options.ttl_seconds,
                offline=offline,
            )
        return self._online_lookup

    def resolve(
        self, found: Sequence[discover.Found], artifact_of: Callable[[str], str]
    ) -> list[Dependency]:
        ecosystems = {f.declared.ecosystem for f in found}
        manifests = sorted({f.manifest for f in found})
        answers: dict[Key, Answered] = {}
        versions: dict[Key, str | None] = {}
        reasons: dict[Key, list[str]] = {}
        pending: list[Key] = []
        ranged: dict[Key, str] = {}  # Python and npm requirements nothing pins: the range
        chosen: dict[Key, str] = {}  # the version the registry offers for that range
        for f in found:
            d = f.declared
            ident = _key(f)
            if ident in answers or ident in reasons:
                continue
            notes = reasons.setdefault(ident, [])
            if not f.locked and (f.manifest, d.key) in self._closure_notes:
                notes.append(self._closure_notes[(f.manifest, d.key)])
            if f.locked and (f.manifest, d.full_name, d.version or "") in self._version_notes:
                notes.append(self._version_notes[(f.manifest, d.full_name, d.version or "")])
            if f.lock_license:
                got = self._answer(f.lock_license, (), "lockfile", f.lockfile or d.manifest)
                if got.license_keys:
                    answers[ident] = got
                    continue
                notes.append(got.reason or "")
            for locator in self._locators(f, manifests, ecosystems).get(d.ecosystem, ()):
                evidence = _safe_find(locator, d.full_name, ident[2])
                if evidence is None or not _satisfies(d, f.locked, evidence.version):
                    continue
                got = self._from_evidence(evidence)
                versions[ident] = evidence.version
                if got.license_keys:
                    answers[ident] = got
                    break
                notes.append(got.reason or "")
            if ident in answers:
                continue
            if ident[2] is None:  # no exact version: a range, chosen online, or said below
                if d.ecosystem in _RANGED and ident not in versions and d.url is None:
                    ranged[ident] = d.version or ""
                continue
            pending.append(ident)
        if pending or ranged:
            self._online(pending, ranged, answers, reasons, chosen)
        out: list[Dependency] = []
        for f in found:
            d = f.declared
            ident = _key(f)
            answer = answers.get(ident)
            version = d.version if f.locked else (versions.get(ident) or d.version)
            exact = f.locked or bool(versions.get(ident))
            requirement = None
            if ident in chosen:  # resolved from a range, online: not exact
                version, exact, requirement = chosen[ident], False, d.version or "*"
            picked = (
                self._ranges.get((f.manifest, d.full_name, d.version or "")) if f.locked else None
            )
            if picked is not None:  # resolved online in the closure: not exact
                exact, requirement = False, picked
            notes = [r for r in reasons.get(ident, []) if r]
            if answer is None and d.note:
                notes.insert(0, d.note)
            elif answer is None and ident[2] is None and ident not in chosen:
                asks = f"no exact version: {f.manifest} asks for {d.version or 'any version'}"
                if ident in ranged:  # the registry was asked for a version, or offline
                    notes.insert(0, f"{asks} and no lockfile pins it")
                else:  # this manifest's requirement
                    notes.append(f"{asks} and no lockfile pins it, so no registry can be asked")
            reason = (
                answer.reason if answer is not None else "; ".join(notes) or "no source answered"
            )
            out.append(
                Dependency(
                    ecosystem=d.ecosystem.value,
                    name=d.full_name,
                    version=version,
                    purl=purl(
                        d.ecosystem,
                        d.name,
                        version if exact or requirement else None,
                        d.namespace,
                        d.qualifiers,
                    ),
                    direct=f.direct,
                    scope=f.scope.value,
                    manifest=f.manifest,
                    artifact=artifact_of(f.manifest),
                    line=f.line,
                    exact=exact,
                    license=answer.license_spdx if answer else None,
                    license_keys=answer.license_keys if answer else None,
                    license_raw=answer.raw if answer else None,
                    license_source=answer.source if answer else "unresolved",
                    license_where=answer.where if answer else None,
                    score=answer.score if answer else 0.0,
                    low_confidence=answer.low_confidence if answer else False,
                    reason=reason,
                    chain=f.chain,
                    requirement=requirement,
                )
            )
        if self.cache is not None:
            self.cache.flush()
        return sorted(out, key=_order)

    def _from_evidence(self, evidence: Evidence) -> Answered:
        """The declared string, then the license files, then the READMEs. A string
        that only guesses (an ambiguous classifier) gives way to license files that
        answer with confidence."""
        source, where = evidence.source, evidence.where
        if evidence.field.endswith("(ambiguous)"):
            from_files = self._answer(None, evidence.texts, source, where)
            if from_files.license_keys and not from_files.low_confidence:
                return from_files
            guess = f"the most common reading of an ambiguous {evidence.field.split()[0]} entry"
            return self._answer(evidence.license, (), source, where, guessed=guess)
        got = self._answer(evidence.license, evidence.texts, source, where)
        if got.license_keys or not evidence.readmes:
            return got
        readme = self._answer(None, evidence.readmes, source, where, guessed="its README")
        return readme if readme.license_keys else got

    def _online(
        self,
        pending: list[Key],
        ranged: dict[Key, str],
        answers: dict[Key, Answered],
        reasons: dict[Key, list[str]],
        chosen: dict[Key, str],
    ) -> None:
        """Step 3 and 4: the cache, then the registries (only the cache when offline).
        A Python or npm range is first resolved to the highest version the registry
        offers for it; that version's license is then looked up as an exact one's."""
        from licensetier.deps.online import OFFLINE

        lookup = self._lookup()
        exact: dict[Key, tuple[Ecosystem, str, str]] = {
            ident: (ident[0], ident[1], ident[2]) for ident in pending if ident[2] is not None
        }
        if ranged:
            picks = lookup.choose_many([(i[0], i[1], spec) for i, spec in ranged.items()])
            for ident, spec in ranged.items():
                pick = picks[(ident[0], ident[1], spec)]
                if pick.version is None:
                    where = f"{pick.url}: " if pick.url else ""
                    said = f"{where}{pick.error}"
                    reasons[ident].append(
                        said if pick.error == OFFLINE else f"no version chosen online: {said}"
                    )
                    continue
                chosen[ident] = pick.version
                exact[ident] = (ident[0], ident[1], pick.version)
        got: dict[tuple[Ecosystem, str, str], Answer] = lookup.lookup_many(list(exact.values()))
        for ident, item in exact.items():
            answer = got.get(item)
            if answer is None:
                reasons[ident].append("no online answer")
                continue
            if answer.error:
                where = f"{answer.url}: " if answer.url else ""
                reasons[ident].append(f"{where}{answer.error}")
                continue
            raw = answer.license
            if answer.field == "classifiers" and raw:
                raw = _classifiers(raw)
            step = self._answer(raw, (), "cache" if answer.cached else "registry", answer.url)
            if step.license_keys:
                answers[ident] = step
            else:
                reasons[ident].append(step.reason or "")


Key = tuple[Ecosystem, str, str | None, str]
"""A dependency as resolved: ecosystem, name, exact version (None when nothing pins
it), and for a requirement nothing pins, the manifest that states it (an installed
copy that answers for one manifest may be another project's for another)."""


_RANGED = (Ecosystem.PYPI, Ecosystem.NPM)  # the ecosystems whose ranges are resolved online


def _key(f: discover.Found) -> Key:
    d = f.declared
    return (
        d.ecosystem,
        d.full_name,
        d.version if f.locked else None,
        "" if f.locked else f.manifest,
    )


def _satisfies(d: Declared, locked: bool, found: str | None) -> bool:
    """Whether an installed copy at version ``found`` is the one ``d`` asks for: the
    locator looked it up at the locked version; a Python requirement's range must
    contain it (other ecosystems' ranges are taken as they are)."""
    if locked or found is None or not d.version or d.ecosystem is not Ecosystem.PYPI:
        return True
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        return Version(found) in SpecifierSet(d.version)
    except (InvalidSpecifier, InvalidVersion):
        return True  # a requirement or version packaging cannot read: not a mismatch


def _safe_find(locator: Locator, name: str, version: str | None) -> Evidence | None:
    try:
        return locator.find(name, version)
    except (OSError, ValueError, KeyError, TypeError, UnicodeError):
        return None  # installed metadata we cannot read counts as not installed


def _classifiers(raw: str) -> str:
    """``License ::`` classifiers (joined with " AND ") as SPDX where known."""
    from licensetier.deps.python import CLASSIFIERS_JOINED, classifier_to_spdx

    parts = [p.strip() for p in raw.split(CLASSIFIERS_JOINED) if p.strip()]
    mapped = [classifier_to_spdx(p) or p.rsplit("::", 1)[-1].strip() for p in parts]
    return CLASSIFIERS_JOINED.join(dict.fromkeys(mapped))


def _scancode() -> str:
    from licensetier.detect.engine import scancode_version

    return scancode_version()


def _order(d: Dependency) -> tuple[Any, ...]:
    return (
        d.artifact,
        d.manifest,
        not d.direct,
        Scope(d.scope) is not Scope.RUNTIME,
        d.ecosystem,
        d.name,
        d.version or "",
    )
