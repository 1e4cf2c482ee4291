"""The detect stage of a scan: a detection for every walked file.

Each file is answered, in this order, by:

1. the detection cache, where the file's content is known (its git blob id, else the
   hash of what is read now);
2. the first pass (:func:`licensetier.detect.prefilter.first_pass`), which reads the
   file as ScanCode would and rules it out when no license can be found in it (or it is
   binary); many files are read in forked workers (:func:`licensetier.detect.pool.map_forked`);
3. ScanCode, for the rest (:func:`licensetier.detect.pool.detect_all`). The index is
   loaded only when some file needs it.

What is learnt is put in the cache. A whole-run ``deadline`` (``--max-time``) bounds
the first pass and detection: the files not reached are reported as not scanned.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from licensetier.cache import DetectionCache, blob_id
from licensetier.detect import spdx_light
from licensetier.detect.engine import (
    NOTHING_FOUND,
    Engine,
    FileDetection,
    long_lived,
    scancode_version,
)
from licensetier.detect.pool import (
    DEFAULT_WORKER_MEMORY,
    FREEZE_FROM,
    Outcome,
    can_fork,
    detect_all,
    map_forked,
)
from licensetier.detect.prefilter import (
    RuleSieve,
    first_pass,
    load_sieve,
    load_witnesses,
    save_sieve,
    starts_with_bom,
    transcoded,
)
from licensetier.detect.spdx_light import load_light, save_light
from licensetier.models import FileResult, ScanError, SkippedFile
from licensetier.paths import data_directory
from licensetier.walk import WalkedFile

Progress = Callable[[int, int, str], None]
Payload = dict[str, Any]
# (file number, content key, what is known without ScanCode or None, why it is unreadable)
Judged = tuple[int, str, Payload | None, str | None]

# From this many files to read, the first pass runs in forked workers.
PARALLEL_FIRST_PASS = 500
# What the cache keeps for a file ScanCode reads no text from (typecode's contains_text
# is False: an image, a compressed archive). Before, ``{"binary": True}`` was kept for
# every file with a NUL byte, strings-bearing binaries and UTF-16 text included: such
# an entry no longer answers (:func:`_stale`), the file is judged again.
BINARY: Payload = {"binary": "no text"}
NOT_SCANNED = "not scanned: the scan's time budget ran out (--max-time)"
FAILED = FileDetection(None, None, (), 0, "failed")
# the words that start ScanCode's SPDX lines (spdx license identifier, licenses nuget org)
SPDX_WORDS = re.compile(rb"spdx.{0,3}licen[cs]e.{0,3}identifier|licenses\.nuget\.org", re.I)


@dataclass
class Detected:
    """What the detect stage found: a result per file it could read, and the rest."""

    results: list[FileResult] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    # ScanCode's detection mappings, for following references, and the files with one
    raw: dict[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)
    referencing: list[str] = field(default_factory=list)
    content: dict[str, str] = field(default_factory=dict)  # path -> blob id, where known
    detected: int = 0  # files that went to ScanCode
    unscanned: list[str] = field(default_factory=list)  # not read: the time budget ran out


@dataclass
class _Run:
    """One run of the stage over a list of files, by their number in it."""

    files: Sequence[WalkedFile]
    out: Detected = field(default_factory=Detected)
    keys: dict[int, str] = field(default_factory=dict)  # content keys
    known: dict[int, Payload] = field(default_factory=dict)  # from the cache, first pass
    to_detect: list[int] = field(default_factory=list)  # for ScanCode
    found: dict[int, FileDetection] = field(default_factory=dict)


class FileDetector:
    """Detections of walked files, through the cache, the first pass and ScanCode."""

    def __init__(
        self,
        engine: Engine,
        cache: DetectionCache | None = None,
        *,
        jobs: int = 1,
        memory: int = DEFAULT_WORKER_MEMORY,
        deadline: float | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.engine = engine
        self.cache = cache
        self.jobs = jobs
        self.memory = memory
        self.deadline = deadline  # a time.monotonic() value, for the whole run
        self.progress = progress
        self.mode = "fast" if engine.fast else "full"
        self.witnesses = load_witnesses(data_directory(), scancode_version())
        self._sieve: RuleSieve | None = None
        # the SPDX line reader's tables (spdx_light), loaded on the first file with an
        # SPDX-License-Identifier line; False once known to be missing
        self._light: spdx_light.Light | bool | None = None

    def detect(self, files: Sequence[WalkedFile]) -> Detected:
        run = _Run(files)
        self._from_cache(run)
        misses = [n for n in range(len(files)) if n not in run.known]
        judged = self._judge(run, misses)
        self._convert(run)
        self._run_scancode(run)
        if self.cache:
            self.cache.flush()
        run.out.detected = len(run.to_detect)
        self._collect(run)
        if self.progress:
            self.progress(len(files), len(files), "")
        # what the first pass did not reach before the time budget ran out
        run.out.unscanned.extend(files[n].path for n in misses if n not in judged)
        return run.out

    # -- the steps -------------------------------------------------------------------
    def _from_cache(self, run: _Run) -> None:
        """What the cache knows: by git blob id, else (content git does not vouch for:
        untracked, modified, outside git) by the hash of the file read now."""
        cache = self.cache
        if not cache:
            return
        known = [f.blob for f in run.files if f.blob]
        cached = cache.get_many(known, self.mode) if known else {}
        hashed: dict[int, str] = {}
        for n, item in enumerate(run.files):
            if item.blob:
                if item.blob in cached and not _stale(cached[item.blob]):
                    run.keys[n], run.known[n] = item.blob, cached[item.blob]
            else:
                with contextlib.suppress(OSError):  # the first pass reports it
                    hashed[n] = blob_id(Path(item.filename).read_bytes())
        hits = cache.get_many(hashed.values(), self.mode) if hashed else {}
        for n, key in hashed.items():
            if key in hits and not _stale(hits[key]):
                run.keys[n], run.known[n] = key, hits[key]

    def _judge(self, run: _Run, misses: list[int]) -> set[int]:
        """The first pass over the files the cache does not know; the numbers judged."""
        judged: set[int] = set()
        for n, key, verdict, problem in self._first_pass(run.files, misses):
            judged.add(n)
            if problem is not None:
                run.out.skipped.append(SkippedFile(run.files[n].path, f"unreadable: {problem}"))
                continue
            run.keys[n] = key
            if verdict is None:
                run.to_detect.append(n)
                continue
            run.known[n] = verdict
            if self.cache:
                self.cache.put(key, self.mode, verdict)
        return judged

    def _convert(self, run: _Run) -> None:
        """The known payloads as detections; a binary file is skipped, an entry of an
        unexpected shape goes to ScanCode."""
        converted: dict[int, tuple[Payload, FileDetection]] = {}
        total = len(run.files)
        for n, item in enumerate(run.files):
            payload = run.known.get(n)
            if payload is None:
                continue
            if payload.get("binary"):
                run.out.skipped.append(SkippedFile(item.path, "binary file"))
                continue
            try:
                # equal payloads from the cache are one object: convert each once (the
                # payload is kept with its conversion, so that its id stays its own)
                pair = converted.get(id(payload))
                if pair is None:
                    pair = converted[id(payload)] = (payload, FileDetection.from_payload(payload))
                run.found[n] = pair[1]
            except (KeyError, TypeError, ValueError):  # an entry of an unexpected shape
                run.to_detect.append(n)
            if self.progress and n % 256 == 0:
                self.progress(n, total, item.path)

    def _run_scancode(self, run: _Run) -> None:
        """ScanCode's detection of the files nothing else answered."""
        # the sieve's tables are not needed any more: before a longer detection run,
        # free them before the workers fork, so that they do not count in every
        # worker's memory (freeing them takes a fifth of a second, which a scan of a
        # few files, a commit's, is better off without)
        if len(run.to_detect) > FREEZE_FROM:
            self._sieve = None
        if not run.to_detect:
            return
        # past the time budget, detect_all reports every file as not scanned
        if self.deadline is None or time.monotonic() < self.deadline:
            if self.progress:
                self.progress(0, len(run.to_detect), "loading ScanCode's license index")
            self.engine.index()
            self._save_light()
        copies = contextlib.ExitStack()
        locations = [_as_scancode_reads(run.files[n].filename, copies) for n in run.to_detect]
        outcomes = detect_all(
            self.engine,
            locations,
            self.jobs,
            rule_sieve=self._sieve,
            memory=self.memory,
            deadline=self.deadline,
        )
        with copies:  # the UTF-8 copies, removed once detected
            for done, outcome in enumerate(outcomes, 1):
                n = run.to_detect[outcome.index]
                if self.progress:
                    self.progress(done, len(run.to_detect), run.files[n].path)
                self._take(run, n, outcome)

    def _take(self, run: _Run, n: int, outcome: Outcome) -> None:
        """One file's outcome of ScanCode."""
        path = run.files[n].path
        if outcome.unscanned:
            run.out.unscanned.append(path)
            return
        detection = outcome.detection
        if detection is None:
            run.out.errors.append(ScanError(path, outcome.error or "detection failed"))
            run.found[n] = FAILED
            return
        if detection.timed_out:
            run.out.errors.append(
                ScanError(
                    path,
                    f"license detection stopped at the per-file deadline "
                    f"({self.engine.timeout:g} s); its result may be incomplete",
                )
            )
        elif self.cache:
            self.cache.put(run.keys[n], self.mode, detection.to_payload())
        run.found[n] = detection

    def _collect(self, run: _Run) -> None:
        """A result per detected file, in the order of the files."""
        out = run.out
        for n, item in enumerate(run.files):
            detection = run.found.get(n)
            if detection is None:
                continue
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
                out.content[item.path] = item.blob or run.keys.get(n, "")
            if detection.references:
                out.referencing.append(item.path)

    # -- the first pass ----------------------------------------------------------------
    def _first_pass(self, files: Sequence[WalkedFile], misses: list[int]) -> Iterator[Judged]:
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
        self.rule_sieve()  # loaded (or built) once, before the workers fork
        self.light()  # so are the SPDX line reader's tables, when there are any

        def judged(task: tuple[int, WalkedFile]) -> Judged:
            return (task[0], *self.judge(task[1]))

        tasks = [(n, files[n]) for n in misses]
        yield from map_forked(judged, tasks, self.jobs, deadline=deadline)

    def judge(self, item: WalkedFile) -> tuple[str, Payload | None, str | None]:
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
                item.filename, data, name, self.witnesses, self.rule_sieve, gate=self.engine.fast
            )
        except OSError as exc:
            return "", None, str(exc.strerror or exc)
        if verdict is None:
            return key, BINARY, None
        if not verdict:
            return key, NOTHING_FOUND.to_payload(), None
        if SPDX_WORDS.search(data) and not starts_with_bom(data[:4]):
            light = self.light()
            if light is not None:
                found = spdx_light.detect(item.filename, light, self.rule_sieve())
                if found is not None:
                    return key, found.to_payload(), None
        return key, None, None

    def _directory(self) -> Path | None:
        cache = self.cache
        return cache.path.parent if cache and cache.enabled else None

    def light(self) -> spdx_light.Light | None:
        """The SPDX line reader's tables, from the cache directory (written the first
        time the index was loaded): a file with only SPDX lines never needs the index."""
        if self._light is None:
            directory = self._directory()
            with long_lived():  # ScanCode's modules imported, its tables unpickled
                found = load_light(directory, scancode_version()) if directory else None
            self._light = found if found is not None else False
        return self._light if isinstance(self._light, spdx_light.Light) else None

    def _save_light(self) -> None:
        """Write the SPDX line reader's tables from the loaded index, once."""
        directory = self._directory()
        if directory is None or not self.engine.loaded or self.light() is not None:
            return
        from licensedcode.cache import get_cache

        light = spdx_light.built(get_cache(), scancode_version())
        save_light(directory, light)
        self._light = light

    def rule_sieve(self) -> RuleSieve:
        """The first pass's table of ScanCode's rules: from the cache directory, else
        built from the index (and saved there)."""
        if self._sieve is None:
            version = scancode_version()
            cache = self.cache
            directory = cache.path.parent if cache and cache.enabled else None
            if directory is not None:
                with long_lived():
                    self._sieve = load_sieve(directory, version)
            if self._sieve is None:
                if self.progress:
                    self.progress(0, 0, "loading ScanCode's license index")
                self._sieve = RuleSieve.build(self.engine.index(), version)
                if directory is not None:
                    save_sieve(directory, self._sieve)
                self._save_light()
        return self._sieve


def _stale(payload: Payload) -> bool:
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
