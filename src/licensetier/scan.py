"""The orchestrator: ``Scanner(config, ...).scan(root) -> ScanResult``.

walk -> detect -> declared licenses -> classify -> evaluate. Nothing here prints or
exits; progress is reported through a callback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import multiprocessing
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from licensetier import declared as declared_mod
from licensetier import fs, rules
from licensetier.cache import DetectionCache, blob_id
from licensetier.config import MAX_FILE_SIZE_CEILING, Config, unread_config_files
from licensetier.deps import discover
from licensetier.deps.base import Role
from licensetier.deps.resolve import Options as DepsOptions
from licensetier.deps.resolve import Resolver
from licensetier.detect.engine import (
    NOTHING_FOUND,
    Engine,
    FileDetection,
    detection_from_payload,
    detection_payload,
    scancode_version,
)
from licensetier.detect.pool import DEFAULT_WORKER_MEMORY, FREEZE_FROM, can_fork, detect_all
from licensetier.detect.prefilter import (
    RuleSieve,
    first_pass,
    load_sieve,
    load_witnesses,
    save_sieve,
    starts_with_bom,
    transcoded,
)
from licensetier.detect.references import Updated, follow_references
from licensetier.errors import ManifestError
from licensetier.expressions import MAX_NESTING, ExpressionTooDeep, nesting
from licensetier.license_db import LicenseDB
from licensetier.lineage import lineage_findings
from licensetier.models import (
    Artifact,
    DeclaredLicense,
    Dependency,
    FileResult,
    Finding,
    ScanError,
    ScanResult,
    SkippedFile,
)
from licensetier.paths import data_directory
from licensetier.policy import (
    Policy,
    apply_exceptions,
    classify_dependency,
    evaluate_artifact,
    evaluate_dependencies,
    evaluate_files,
    owner_of,
    sort_findings,
)
from licensetier.readers import Reading, model_card
from licensetier.readers.model_card import find_model_card
from licensetier.tiers import TierData
from licensetier.walk import SIZE_CAPPED, Walk, WalkedFile, walk

Progress = Callable[[int, int, str], None]

REFERENCES_NAMESPACE = "references-3"
# From this many files to read, the first pass runs in forked workers.
PARALLEL_FIRST_PASS = 500
_JUDGE: Scanner | None = None  # the scanner whose first pass the forked workers run
# What the cache keeps for a file ScanCode reads no text from (typecode's contains_text
# is False: an image, a compressed archive). Before, ``{"binary": True}`` was kept for
# every file with a NUL byte, strings-bearing binaries and UTF-16 text included: such
# an entry no longer answers (:func:`_stale`), the file is judged again.
BINARY: dict[str, Any] = {"binary": "no text"}
NOT_SCANNED = "not scanned: the scan's time budget ran out (--max-time)"


@dataclass
class _Detected:
    results: list[FileResult] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    # ScanCode's detection mappings, for following references, and the files with one
    raw: dict[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)
    referencing: list[str] = field(default_factory=list)
    content: dict[str, str] = field(default_factory=dict)  # path -> blob id, where known
    detected: int = 0  # files that went to ScanCode
    unscanned: list[str] = field(default_factory=list)  # not read: the time budget ran out


# Files licensetier writes into a repository, which name licenses as data
OWN_DATA_FILES = frozenset({"licensetier-baseline.json"})

# The artifact's own license files, at its root: LICENSE, LICENCE.md, LICENSE-MIT,
# COPYING, COPYING.LESSER, UNLICENSE.
DECLARING_FILE_NAME = re.compile(r"^(un)?licen[cs]e([._-].*)?$|^copying([._-].*)?$", re.I)


class Scanner:
    def __init__(
        self,
        config: Config,
        db: LicenseDB,
        tiers: TierData,
        *,
        engine: Engine | None = None,
        today: dt.date | None = None,
        progress: Progress | None = None,
        cache: DetectionCache | None = None,
        jobs: int = 1,
        deps: DepsOptions | None = None,
        max_memory: int = DEFAULT_WORKER_MEMORY,
    ) -> None:
        self.config = config
        # the whole run's time budget (--max-time, max_time): from now, for every scan
        # this scanner makes (the work tree and --diff-base's commit together)
        self.deadline = time.monotonic() + config.max_time if config.max_time else None
        self.max_memory = max_memory
        self.deps = deps  # None: dependencies are not read
        self.cache = cache
        self.jobs = jobs
        self.witnesses = load_witnesses(data_directory(), scancode_version())
        self._sieve: RuleSieve | None = None
        self.db = db
        self.tiers = tiers
        self.engine = engine or Engine()
        self.today = today or dt.date.today()
        self.progress = progress
        self.policy = Policy(db, tiers, config)

    # -- stages ------------------------------------------------------------------------
    def _detect(self, files: Sequence[WalkedFile]) -> _Detected:
        """Detections for every walked file: from the cache where its content is
        known, else from ScanCode, unless the first pass shows that no license can be
        found in it. The index is loaded only when some file needs ScanCode."""
        out = _Detected()
        mode = "fast" if self.engine.fast else "full"
        cache = self.cache
        found: dict[int, FileDetection] = {}
        keys: dict[int, str] = {}
        known = [f.blob for f in files if f.blob]
        cached = cache.get_many(known, mode) if cache and known else {}
        cached = {k: v for k, v in cached.items() if not _stale(v)}
        to_detect: list[int] = []
        converted: dict[int, tuple[dict[str, Any], FileDetection]] = {}
        total = len(files)
        verdicts: dict[int, dict[str, Any]] = {}
        # content git does not vouch for (untracked, modified, outside git): hashed here
        hashed: dict[int, str] = {}
        for n, item in enumerate(files):
            if not item.blob and cache:
                with contextlib.suppress(OSError):  # the first pass reports it
                    hashed[n] = blob_id(Path(item.filename).read_bytes())
        if cache and hashed:
            hits = cache.get_many(hashed.values(), mode)
            for n, key in hashed.items():
                if key in hits and not _stale(hits[key]):
                    keys[n] = key
                    verdicts[n] = hits[key]
        misses = [
            n
            for n, item in enumerate(files)
            if n not in verdicts and (not item.blob or item.blob not in cached)
        ]
        judged: set[int] = set()
        for n, key, verdict, problem in self._first_pass(files, misses):
            judged.add(n)
            item = files[n]
            if problem is not None:
                out.skipped.append(SkippedFile(item.path, f"unreadable: {problem}"))
                continue
            keys[n] = key
            if verdict is None:
                to_detect.append(n)
                continue
            verdicts[n] = verdict
            if cache:
                cache.put(key, mode, verdict)
        for n, item in enumerate(files):
            payload = verdicts.get(n) if n in keys else cached.get(item.blob or "")
            if payload is None:
                continue
            if payload.get("binary"):
                out.skipped.append(SkippedFile(item.path, "binary file"))
                continue
            try:
                # equal payloads from the cache are one object: convert each once (the
                # payload is kept with its conversion, so that its id stays its own)
                pair = converted.get(id(payload))
                if pair is None:
                    pair = converted[id(payload)] = (payload, FileDetection.from_payload(payload))
                found[n] = pair[1]
            except (KeyError, TypeError, ValueError):  # an entry of an unexpected shape
                keys.setdefault(n, item.blob or "")
                to_detect.append(n)
            if self.progress and n % 256 == 0:
                self.progress(n, total, item.path)
        # the sieve's tables are not needed any more: before a longer detection run,
        # free them before the workers fork, so that they do not count in every
        # worker's memory (freeing them takes a fifth of a second, which a scan of a
        # few files, a commit's, is better off without)
        if len(to_detect) > FREEZE_FROM:
            self._sieve = None
        if to_detect:
            # past the time budget, detect_all reports every file as not scanned
            if self.deadline is None or time.monotonic() < self.deadline:
                if self.progress:
                    self.progress(0, len(to_detect), "loading ScanCode's license index")
                self.engine.index()
            copies = contextlib.ExitStack()
            locations = [_as_scancode_reads(files[n].filename, copies) for n in to_detect]
            outcomes = detect_all(
                self.engine,
                locations,
                self.jobs,
                rule_sieve=self._sieve,
                memory=self.max_memory,
                deadline=self.deadline,
            )
            with copies:  # the UTF-8 copies, removed once detected
                for done, outcome in enumerate(outcomes, 1):
                    n = to_detect[outcome.index]
                    item = files[n]
                    if self.progress:
                        self.progress(done, len(to_detect), item.path)
                    if outcome.unscanned:
                        out.unscanned.append(item.path)
                        continue
                    if outcome.detection is None:
                        out.errors.append(ScanError(item.path, outcome.error or "detection failed"))
                        found[n] = FileDetection(None, None, (), 0, "failed")
                        continue
                    detection = outcome.detection
                    if detection.timed_out:
                        out.errors.append(
                            ScanError(
                                item.path,
                                f"license detection stopped at the per-file deadline "
                                f"({self.engine.timeout:g} s); its result may be incomplete",
                            )
                        )
                    elif cache:
                        cache.put(keys[n], mode, detection.to_payload())
                    found[n] = detection
        if cache:
            cache.flush()
        out.detected = len(to_detect)
        for n, item in enumerate(files):
            if n not in found:
                continue
            detection = found[n]
            out.results.append(
                FileResult(
                    path=item.path,
                    license=detection.license,
                    license_spdx=detection.license_spdx,
                    detections=detection.detections,
                    clues=detection.clues,
                    engine=detection.engine,
                )
            )
            if detection.raw_detections:
                out.raw[item.path] = detection.raw_detections
                out.content[item.path] = item.blob or keys[n]
            if detection.references:
                out.referencing.append(item.path)
        if self.progress:
            self.progress(total, total, "")
        # what the first pass did not reach before the time budget ran out
        out.unscanned.extend(files[n].path for n in misses if n not in judged)
        return out

    def _first_pass(
        self, files: Sequence[WalkedFile], misses: list[int]
    ) -> Iterator[tuple[int, str, dict[str, Any] | None, str | None]]:
        """For each file not found in the cache: ``(n, content key, verdict, problem)``,
        where the verdict is what to cache without ScanCode (a binary file, nothing
        found) or None (ScanCode must look). Many files are read in forked workers."""
        deadline = self.deadline
        if len(misses) < PARALLEL_FIRST_PASS or self.jobs < 2 or not can_fork():
            for n in misses:
                if deadline is not None and time.monotonic() >= deadline:
                    return  # the rest is reported as not scanned
                yield (n, *self.judge(files[n]))
            return
        self._rule_sieve()  # loaded (or built) once, before the workers fork
        global _JUDGE
        _JUDGE = self
        try:
            with multiprocessing.get_context("fork").Pool(self.jobs) as pool:
                # chunks of 64 files, each one task: the pool's own chunking hands back
                # a plain generator, which cannot wait with a timeout
                chunks = [
                    [(n, files[n]) for n in misses[at : at + 64]]
                    for at in range(0, len(misses), 64)
                ]
                judged = pool.imap_unordered(_judge_in_worker, chunks)
                while True:
                    left = None if deadline is None else max(0.0, deadline - time.monotonic())
                    try:
                        yield from judged.next(left)
                    except StopIteration:
                        return
                    except multiprocessing.TimeoutError:
                        return  # leaving the block stops the workers
        finally:
            _JUDGE = None

    def judge(self, item: WalkedFile) -> tuple[str, dict[str, Any] | None, str | None]:
        """Read one file: its content key, and what is known of it without ScanCode."""
        try:
            data = Path(item.filename).read_bytes()
        except OSError as exc:
            return "", None, str(exc.strerror or exc)
        key = item.blob or blob_id(data)
        name = os.path.basename(item.filename)
        # what ScanCode reads: the text's lines (UTF-16/32 text with a BOM decoded), a
        # binary's strings, or nothing (an image, an archive: skipped as binary)
        try:
            verdict = first_pass(
                item.filename, data, name, self.witnesses, self._rule_sieve, gate=self.engine.fast
            )
        except OSError as exc:
            return "", None, str(exc.strerror or exc)
        if verdict is None:
            return key, BINARY, None
        if not verdict:
            return key, NOTHING_FOUND.to_payload(), None
        return key, None, None

    def _rule_sieve(self) -> RuleSieve:
        if self._sieve is None:
            version = scancode_version()
            directory = self.cache.path.parent if self.cache and self.cache.enabled else None
            if directory is not None:
                self._sieve = load_sieve(directory, version)
            if self._sieve is None:
                if self.progress:
                    self.progress(0, 0, "loading ScanCode's license index")
                self._sieve = RuleSieve.build(self.engine.index(), version)
                if directory is not None:
                    save_sieve(directory, self._sieve)
        return self._sieve

    def _follow_references(self, detected: _Detected, root_name: str) -> dict[str, Updated]:
        """ScanCode's reference step, remembered in the cache file by file, so that a
        rescan of unchanged files, or a staged scan that sees only some of them, does
        not load ScanCode's index for it.

        A referencing file's outcome depends on its own detections and on the files
        ScanCode looks up for it (beside it and at the root,
        ``licensedcode.detection.find_referenced_resource``), found or not, and on what
        those looked up in turn. The cache keeps, under the file's path and content,
        that list of files with the content each had, and the outcome; it is reused
        while every one of them is as it was."""
        referencing = [path for path in detected.referencing if detected.raw.get(path)]
        if not referencing:
            return {}
        cache = self.cache if self.cache and self.cache.enabled else None

        def content(path: str) -> str | None:
            return detected.content.get(path) if detected.raw.get(path) else None

        keys = {path: self._reference_key(root_name, path, content(path)) for path in referencing}
        found: dict[str, Updated] = {}
        missing = False
        for path in referencing:
            remembered = cache.get_value(REFERENCES_NAMESPACE, keys[path]) if cache else None
            try:
                if (
                    isinstance(remembered, dict)
                    and isinstance(remembered["depends"], dict)
                    and all(content(p) == c for p, c in remembered["depends"].items())
                ):
                    if remembered["updated"] is not None:
                        found[path] = _updated(remembered["updated"])
                    continue
            except (KeyError, TypeError, ValueError):
                pass  # an entry of another shape: compute it again
            missing = True
        if not missing:
            return found
        self.engine.index()  # loaded as the engine loads it, before ScanCode asks for it
        looked_up: dict[str, set[str]] = {}
        followed = follow_references(detected.raw, root_name, referencing, looked_up)
        if cache:
            for path in referencing:
                depends: set[str] = set()
                todo = [path]
                while todo:  # what it looked up, and what those looked up in turn
                    for other in looked_up.get(todo.pop(), ()):
                        if other not in depends:
                            depends.add(other)
                            todo.append(other)
                u = followed.get(path)
                cache.put_value(
                    REFERENCES_NAMESPACE,
                    keys[path],
                    {
                        "depends": {p: content(p) for p in sorted(depends)},
                        "updated": None
                        if u is None
                        else {
                            "license": u.license,
                            "license_spdx": u.license_spdx,
                            "detections": [detection_payload(d) for d in u.detections],
                        },
                    },
                )
        return followed

    def _reference_key(self, root_name: str, path: str, content: str | None) -> str:
        digest = hashlib.sha256()
        for part in (scancode_version(), self.db.version, root_name, self.engine.fast, path):
            digest.update(f"{part}\0".encode("utf-8", "surrogateescape"))  # a non-UTF-8 name
        digest.update(f"{content}\0".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def _artifacts(self, root: Path, errors: list[ScanError]) -> list[Artifact]:
        specs = sorted(self.config.artifacts, key=lambda a: (a.path != ".", a.path))
        artifacts = [Artifact(s.path, s.kind, s.tier, s.license, origin=s.origin) for s in specs]
        if not artifacts or artifacts[0].path != ".":
            artifacts.insert(0, Artifact(".", None, None, None, origin="implicit"))
        for art in artifacts:
            if art.path == ".":
                continue
            what = fs.kind(root / art.path, root)
            if what == "outside":
                errors.append(
                    ScanError(
                        self.config.source or "configuration",
                        f'artifact path "{art.path}" is a {fs.OUTSIDE}: not read',
                    )
                )
            elif what != "dir":
                errors.append(
                    ScanError(
                        self.config.source or "configuration",
                        f'artifact path "{art.path}" is not a directory under {root}',
                    )
                )
        errors.extend(
            ScanError(name, f"not read as configuration: {why}")
            for name, why in unread_config_files(root)
        )
        return artifacts

    def _declared(
        self,
        root: Path,
        art: Artifact,
        by_path: dict[str, FileResult],
        errors: list[ScanError],
        reading: Reading,
    ) -> Artifact:
        statements: list[DeclaredLicense] = []
        prefix = "" if art.path == "." else art.path + "/"
        for path, result in sorted(by_path.items()):
            if not path.startswith(prefix) or "/" in path[len(prefix) :]:
                continue
            if not DECLARING_FILE_NAME.match(path[len(prefix) :]):
                continue
            first = result.detections[0] if result.detections else None
            statements.append(
                DeclaredLicense(
                    source=path,
                    field="file",
                    license=result.license,
                    license_spdx=result.license_spdx,
                    raw=result.license_spdx or "(no license text recognised)",
                    score=min((d.score for d in result.detections), default=0.0),
                    line=first.start_line if first else None,
                    low_confidence=result.license is None,
                )
            )
        directory = root if art.path == "." else root / art.path
        if fs.is_dir(directory, root):
            found, problems = declared_mod.read_declared(
                directory, art.path, self.db, self.engine.detect_text, reading
            )
            statements.extend(found)
            errors.extend(problems)
        spdx = declared_mod.all_of([d.license_spdx for d in statements if d.license_spdx])
        classification = None
        if spdx:
            classification = self.policy.classify(self.db.spdx_to_keys(spdx), art.tier, art.kind)
        return replace(
            art,
            declared=tuple(statements),
            declared_license=spdx,
            declared_classification=classification,
        )

    def _lineage(
        self, root: Path, art: Artifact, reading: Reading, errors: list[ScanError]
    ) -> list[Finding]:
        directory = root if art.path == "." else root / art.path
        if not fs.is_dir(directory, root):
            return []
        card_path = find_model_card(directory, root)
        if card_path is None:
            return []
        source = card_path.relative_to(root).as_posix()
        try:
            document = reading.document(model_card, card_path, source, root)
        except ManifestError as exc:  # read here first: reported here
            errors.append(ScanError(exc.path, str(exc), exc.line))
            return []
        card = document.data if document is not None else None  # the one read of the card
        return lineage_findings(art, card, self.db) if card and card.base_model else []

    def _dependencies(
        self,
        root: Path,
        walked: Walk,
        artifacts: Sequence[Artifact],
        errors: list[ScanError],
        engine_info: dict[str, str],
        *,
        source: Path | None = None,
        reading: Reading | None = None,
    ) -> list[Dependency]:
        """Every manifest's and lockfile's dependencies, their licenses resolved and
        classified for the artifact that holds the manifest. The manifests are read
        below ``source`` (default: ``root``); installed copies are looked up below
        ``root``."""
        assert self.deps is not None
        if self.progress:
            self.progress(0, 0, "reading manifests and lockfiles")
        # a lockfile above the size cap of license detection is still read
        capped = [s.path for s in walked.skipped if s.reason.startswith(SIZE_CAPPED)]
        groups, problems = discover.read_manifests(
            source or root, [f.path for f in walked.files] + capped, reading
        )
        errors.extend(problems)
        found = [f for g in groups for f in discover.combine(g)]
        if not found:
            return []
        if self.progress:
            self.progress(0, len(found), "resolving dependency licenses")
        resolver = Resolver(
            root,
            self.db,
            self.engine,
            cache=self.cache,
            options=self.deps,
            mode="fast" if self.engine.fast else "full",
        )
        resolved = resolver.resolve(found, lambda manifest: owner_of(manifest, artifacts).path)
        if resolver.online_sources:
            engine_info["registries"] = "; ".join(resolver.online_sources)
        by_path = {a.path: a for a in artifacts}
        return [
            replace(d, classification=classify_dependency(self.policy, d, by_path[d.artifact]))
            for d in resolved
        ]

    def _walk(self, root: Path, listed: Mapping[str, str | None] | None = None) -> Walk:
        return walk(
            root,
            max_size=self.config.max_file_size,
            exclude=self.config.exclude,
            sniff_binary=False,
            listed=listed,
        )

    def scan_dependencies(
        self, root: Path
    ) -> tuple[list[Dependency], list[ScanError], dict[str, str]]:
        """Only the dependencies: no file is read but the manifests, lockfiles and the
        installed copies' metadata."""
        root = root.resolve()
        walked = self._walk(root)
        errors: list[ScanError] = [ScanError(".", w) for w in walked.warnings]
        engine_info: dict[str, str] = {}
        artifacts = self._artifacts(root, errors)
        found = self._dependencies(root, walked, artifacts, errors, engine_info)
        return found, errors, engine_info

    # -- the whole scan ----------------------------------------------------------------
    def scan(
        self,
        root: Path,
        *,
        view: Path | None = None,
        listed: Mapping[str, str | None] | None = None,
        only: set[str] | None = None,
    ) -> ScanResult:
        """Scan ``root``. ``view``: read the files from this tree instead (the index's
        content for --staged, a commit's for --diff-base), at the same relative paths;
        installed copies of dependencies are still looked up below ``root``. ``only``:
        report only the files and findings of these paths, and the dependencies of the
        manifests and lockfiles among them (their directories' groups). ``listed``: the
        files of ``view`` with their git blob ids."""
        root = root.resolve()
        source = view.resolve() if view is not None else root
        walked = self._walk(source, listed)
        errors: list[ScanError] = [ScanError(".", w) for w in walked.warnings]
        artifacts = self._artifacts(root, errors)
        detected = self._detect(walked.files)
        results = detected.results
        errors.extend(detected.errors)
        if detected.unscanned:
            errors.append(ScanError(".", self._incomplete(len(detected.unscanned))))
        not_read = [SkippedFile(p, NOT_SCANNED) for p in detected.unscanned]
        skipped = sorted([*walked.skipped, *detected.skipped, *not_read], key=lambda s: s.path)
        # -- follow "see LICENSE"-style references as `scancode --license` does ----------
        try:
            followed = self._follow_references(detected, root.name)
        except Exception as exc:
            followed = {}
            errors.append(ScanError(".", f"following license references failed: {exc!r}"))
        results = [
            replace(r, license=u.license, license_spdx=u.license_spdx, detections=u.detections)
            if (u := followed.get(r.path))
            else r
            for r in results
        ]
        # -- end of reference following ------------------------------------------------
        by_path = {r.path: r for r in results}
        reading = Reading()  # each manifest and model card read and parsed once
        artifacts = [self._declared(source, a, by_path, errors, reading) for a in artifacts]
        # the licenses a lockfile names are its dependencies', checked as dependencies
        # (and a baseline's are findings'): such a file keeps what ScanCode detected in
        # it, but it is not a component
        lockfiles = {
            path
            for path, route in discover.routed(r.path for r in results if r.license)
            if route.role is Role.LOCKFILE
        } | {r.path for r in results if PurePosixPath(r.path).name in OWN_DATA_FILES}
        classified = []
        for r in results:
            if r.license and r.path not in lockfiles:
                art = owner_of(r.path, artifacts)
                try:
                    c = self.policy.classify(r.license, art.tier, art.kind)
                except ExpressionTooDeep as exc:  # an SPDX line nested a hundred levels deep
                    deep = (d for d in r.detections if nesting(d.license) > MAX_NESTING)
                    line = next((d.start_line for d in deep), None)
                    errors.append(ScanError(r.path, f"the license detected here: {exc}", line))
                    c = None
                r = replace(r, classification=c)
            classified.append(r)
        findings: list[Finding] = []
        for art in artifacts:
            findings.extend(evaluate_artifact(self.policy, art))
            findings.extend(self._lineage(source, art, reading, errors))
        findings.extend(evaluate_files(self.policy, classified, artifacts, lockfiles))
        engine_info: dict[str, str] = {}
        dependencies: list[Dependency] = []
        if self.deps is not None:
            dependencies = self._dependencies(
                root, walked, artifacts, errors, engine_info, source=source, reading=reading
            )
            findings.extend(evaluate_dependencies(self.policy, dependencies, artifacts))
        findings = apply_exceptions(findings, self.config, self.db, self.today)
        notes: list[str] = []
        if self.config.max_file_size_refused is not None:
            notes.append(
                f"{self.config.source} sets max_file_size to "
                f"{self.config.max_file_size_refused} bytes; a configuration file may set at "
                f"most {MAX_FILE_SIZE_CEILING} bytes, which was used. Only --max-file-size "
                f"on the command line may go beyond it."
            )
        if all(a.tier is None for a in artifacts):
            notes.append(
                "No tier was declared: licenses and families are reported, but nothing is "
                "checked against a tier. Declare artifacts in [tool.licensetier] or "
                "licensetier.toml, or pass --kind/--tier."
            )
            findings.append(rules.finding("no-tier-declared", message=notes[-1], artifact="."))
        engine_info.update(
            {
                "scancode_toolkit": scancode_version(),
                "license_db": self.db.version,
                "detection": "fast" if self.engine.fast else "full",
            }
        )
        engine_info["files_detected"] = str(detected.detected)
        if self.cache is not None:
            engine_info["cache"] = str(self.cache.path) if self.cache.enabled else "disabled"
            errors.extend(ScanError(str(self.cache.path), w) for w in self.cache.warnings)
        if self.engine.index_load_seconds is not None:
            engine_info["index_load_seconds"] = f"{self.engine.index_load_seconds:.2f}"
        if only is not None:
            classified, findings, dependencies = _only(only, classified, findings, dependencies)
        return ScanResult(
            root=str(root),
            artifacts=tuple(artifacts),
            files=tuple(classified),
            skipped=tuple(skipped),
            findings=tuple(sort_findings(findings)),
            errors=tuple(errors),
            notes=tuple(notes),
            engine=engine_info,
            dependencies=tuple(dependencies),
            not_scanned=len(detected.unscanned),
        )

    def _incomplete(self, count: int) -> str:
        budget = self.config.max_time or 0.0
        return (
            f"the scan is incomplete: {count} files were not scanned within its time budget "
            f"({budget:g} s, --max-time or max_time) and are listed as skipped; raise the "
            f"budget to scan them (what was detected is kept in the cache)."
        )


def _stale(payload: dict[str, Any]) -> bool:
    """A cache entry of an older licensetier that no longer answers: the binary
    verdict it kept for every file with a NUL byte."""
    return payload.get("binary") is True


def _as_scancode_reads(filename: str, copies: contextlib.ExitStack) -> str:
    """Where ScanCode reads a file from: the file itself, or for UTF-16/32 text with a
    byte order mark (:func:`licensetier.detect.prefilter.transcoded`) a UTF-8 copy of
    it under the same name, in a temporary directory that ``copies`` removes."""
    try:
        with open(filename, "rb") as handle:
            if not starts_with_bom(handle.read(4)):
                return filename
            handle.seek(0)
            utf8 = transcoded(handle.read())
    except OSError:
        return filename  # ScanCode reports it
    if utf8 is None:
        return filename
    import tempfile

    directory = copies.enter_context(tempfile.TemporaryDirectory(prefix="licensetier-utf8-"))
    copy = os.path.join(directory, os.path.basename(filename))
    with open(copy, "wb") as handle:
        handle.write(utf8)
    return copy


def _judge_in_worker(
    chunk: list[tuple[int, WalkedFile]],
) -> list[tuple[int, str, dict[str, Any] | None, str | None]]:
    assert _JUDGE is not None
    judge = _JUDGE.judge
    return [(n, *judge(item)) for n, item in chunk]


def _updated(value: dict[str, Any]) -> Updated:
    return Updated(
        license=value["license"],
        license_spdx=value["license_spdx"],
        detections=tuple(detection_from_payload(d) for d in value["detections"]),
    )


def _only(
    paths: set[str],
    files: list[FileResult],
    findings: list[Finding],
    dependencies: list[Dependency],
) -> tuple[list[FileResult], list[Finding], list[Dependency]]:
    """What concerns ``paths``: their files and findings, and the dependencies of the
    manifests and lockfiles among them (every dependency of their directories)."""
    touched = {str(PurePosixPath(p).parent) for p, _ in discover.routed(paths)}

    def concerned(f: Finding) -> bool:
        if f.rule == "no-tier-declared":
            return True
        if f.dependency is not None and f.path is not None:
            return str(PurePosixPath(f.path).parent) in touched
        return f.path in paths

    kept = [d for d in dependencies if str(PurePosixPath(d.manifest).parent) in touched]
    return [r for r in files if r.path in paths], [f for f in findings if concerned(f)], kept
