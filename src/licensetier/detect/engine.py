"""ScanCode's license engine, in-process.

Two ways to detect the licenses of one file, both ending in ScanCode's own
post-processing (``licensedcode.detection.detect_licenses``: grouping of matches into
detections, license clues and unknown references kept apart), reported as
``scancode.api.get_licenses`` reports it (:func:`_licenses`; tests compare the two):

* ``full``: ScanCode's whole matching pipeline (hash, SPDX-identifier, exact
  automaton, then approximate sequence matching), as ``scancode --license`` runs it.
* ``fast`` (the default): the exact matchers for every file; the approximate
  matcher only where :func:`licensetier.detect.fastpath.needs_approximate` sees
  evidence of license text that the exact pass did not explain. A file without any
  exact match, where the gate sees nothing either, gets ScanCode's empty result
  without its post-processing.

When the approximate matcher runs, it is handed as "approximately matchable" only the
rules that can pass its candidate tests on this file
(:func:`licensetier.detect.fastpath.set_stage_superset`), not all 30,000: the same
result, which tests compare with ScanCode's as shipped, in less time. ``narrow=False``
turns this off.

The index (about 4 s and 1.4 GB) is loaded lazily, on the first file that needs
detection, and never by importing this module.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from licensetier.detect.prefilter import BIN_LINE_THRESHOLD, TEXT_LINE_THRESHOLD
from licensetier.models import Detection, Match

DEFAULT_TIMEOUT = 120.0  # seconds per file, as ScanCode's own default


def _prepare_scancode_environment() -> None:
    """Point ScanCode's import-time temporary directory at one of ours."""
    if "SCANCODE_TEMP" not in os.environ:
        base = Path(tempfile.gettempdir()) / "licensetier-scancode"
        base.mkdir(parents=True, exist_ok=True)
        os.environ["SCANCODE_TEMP"] = str(base)


@contextlib.contextmanager
def long_lived() -> Iterator[None]:
    """Builds objects that live as long as the process (ScanCode's index or the SPDX
    line reader's tables unpickled, ScanCode's modules imported), none of them garbage:
    the collector is paused while they pile up, which would otherwise run it over and
    over, and then they are moved out of its sight (``gc.freeze``), or every later
    collection would walk them all again."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if collecting:
            gc.enable()


@functools.cache
def scancode_version() -> str:
    from importlib.metadata import version

    return version("scancode-toolkit")


@dataclass(frozen=True)
class FileDetection:
    """What ScanCode reports for one file."""

    license: str | None
    license_spdx: str | None
    detections: tuple[Detection, ...]
    clues: int
    engine: str  # "exact" (the fast path stopped after the exact matchers) or "full"
    timed_out: bool = False
    # ScanCode's own detection mappings, kept for the codebase-level step that follows
    # "see LICENSE"-style references to other files (detect/references.py).
    raw_detections: tuple[dict[str, Any], ...] = ()
    # Some match is to a rule that points to another file ("see LICENSE").
    references: bool = False

    def to_payload(self) -> dict[str, Any]:
        """A JSON-ready mapping, for the cache and for worker processes."""
        return {
            "license": self.license,
            "license_spdx": self.license_spdx,
            "detections": [detection_payload(d) for d in self.detections],
            "clues": self.clues,
            "engine": self.engine,
            "timed_out": self.timed_out,
            "raw_detections": list(self.raw_detections),
            "references": self.references,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> FileDetection:
        return cls(
            license=payload["license"],
            license_spdx=payload["license_spdx"],
            detections=tuple(detection_from_payload(d) for d in payload["detections"]),
            clues=int(payload["clues"]),
            engine=str(payload["engine"]),
            timed_out=bool(payload.get("timed_out", False)),
            raw_detections=tuple(payload.get("raw_detections") or ()),
            references=bool(payload.get("references", False)),
        )


NOTHING_FOUND = FileDetection(None, None, (), 0, "prefilter")


def detection_payload(detection: Detection) -> dict[str, Any]:
    mapping = asdict(detection)
    mapping["matches"] = [asdict(m) for m in detection.matches]
    return mapping


def detection_from_payload(mapping: dict[str, Any]) -> Detection:
    return Detection(**{**mapping, "matches": tuple(Match(**m) for m in mapping["matches"])})


class _Precomputed:
    """Stands in for the index in ``get_licenses`` so that ScanCode's own
    post-processing runs on matches we already have."""

    def __init__(self, matches: list[Any]) -> None:
        self._matches = matches

    def match(self, **_kwargs: Any) -> list[Any]:
        return self._matches


class Engine:
    """Loads ScanCode lazily and detects licenses in files or strings."""

    def __init__(
        self, *, fast: bool = True, timeout: float = DEFAULT_TIMEOUT, narrow: bool = True
    ) -> None:
        self.fast = fast
        self.timeout = timeout
        # hand ScanCode's approximate matcher only the rules that can be its candidates
        # (same result, less time); False runs ScanCode's pipeline exactly as shipped
        self.narrow = narrow
        self._index: Any = None
        self.index_load_seconds: float | None = None

    @property
    def loaded(self) -> bool:
        return self._index is not None

    def index(self) -> Any:
        if self._index is None:
            _prepare_scancode_environment()
            started = time.perf_counter()
            from licensedcode.cache import get_index

            # millions of objects: the load takes 40% less time
            with long_lived():
                self._index = get_index()
            self.index_load_seconds = time.perf_counter() - started
        return self._index

    # -- files ---------------------------------------------------------------------
    def detect_file(self, location: str | Path) -> FileDetection:
        idx = self.index()
        deadline = time.time() + self.timeout  # ScanCode wants an absolute time
        location = str(location)
        from licensedcode import query as sc_query

        from licensetier.detect.fastpath import needs_approximate

        qry = sc_query.build_query(
            location=location,
            idx=idx,
            text_line_threshold=TEXT_LINE_THRESHOLD,
            bin_line_threshold=BIN_LINE_THRESHOLD,
        )
        if not self.fast:
            return self._full(location, deadline, qry.tokens if qry is not None else None)
        if qry is None:
            return self._report(location, [], "exact", deadline)
        matches = idx.match_query(qry, approximate=False, deadline=deadline)
        if needs_approximate(idx, qry, matches, Path(location).name):
            return self._full(location, deadline, qry.tokens)
        if not matches:
            # what get_licenses reports for no match, without its file-type checks
            return FileDetection(None, None, (), 0, "exact", timed_out=time.time() > deadline)
        return self._report(location, list(matches), "exact", deadline)

    def _full(
        self, location: str, deadline: float, token_ids: list[int] | None = None
    ) -> FileDetection:
        """ScanCode's whole pipeline. With the query's token ids, its approximate
        matcher is handed only the rules that can be its candidates
        (:func:`licensetier.detect.fastpath.set_stage_superset`): the same result,
        without testing every rule on every query run."""
        idx = self.index()
        if token_ids is None or not self.narrow:
            return self._convert(_licenses(location, deadline, idx), "full", deadline)
        from licensetier.detect.fastpath import set_stage_superset

        every_rule = idx.approx_matchable_rids
        idx.approx_matchable_rids = set_stage_superset(idx, token_ids)
        try:
            result = _licenses(location, deadline, idx)
        finally:
            idx.approx_matchable_rids = every_rule
        return self._convert(result, "full", deadline)

    def _report(
        self, location: str, matches: list[Any], engine: str, deadline: float
    ) -> FileDetection:
        result = _licenses(location, deadline, _Precomputed(matches))
        return self._convert(result, engine, deadline)

    def _convert(self, result: dict[str, Any], engine: str, deadline: float) -> FileDetection:
        from licensetier.detect.references import has_references

        raw = tuple(result.get("license_detections") or [])
        detections = tuple(_detection(d) for d in raw)
        return FileDetection(
            license=result.get("detected_license_expression"),
            license_spdx=result.get("detected_license_expression_spdx"),
            detections=detections,
            clues=len(result.get("license_clues") or []),
            engine=engine,
            timed_out=time.time() > deadline,
            raw_detections=raw,
            references=bool(raw) and has_references(raw, self.index().rules_by_id),
        )

    # -- strings -------------------------------------------------------------------
    def detect_text(self, text: str) -> tuple[str | None, float]:
        """Detect a license in a short declared string ("Apache 2", "GPLv3+").

        Returns ScanCode's expression and the lowest score of the matches that
        make it up, or ``(None, 0.0)`` when nothing is found.
        """
        from licensedcode.detection import detect_licenses

        from licensetier.expressions import combine

        idx = self.index()
        expressions: list[str] = []
        scores: list[float] = []
        for detection in detect_licenses(index=idx, query_string=text):
            if detection.license_expression is None:
                continue
            expressions.append(detection.license_expression)
            scores.extend(float(m.score()) for m in detection.matches)
        if not expressions:
            return None, 0.0
        # ScanCode renders each detection's expression: joined as combine_expressions would
        return combine(expressions, "AND") or None, min(scores) if scores else 0.0


def _licenses(location: str, deadline: float, index: Any) -> dict[str, Any]:
    """The fields of ``scancode.api.get_licenses(location, deadline=deadline,
    index=index)`` that licensetier reads, from the same ScanCode functions, without
    importing ``scancode.api``, which imports every package parser of ScanCode (half a
    second, in every process that detects)."""
    from license_expression import combine_expressions
    from licensedcode.cache import build_spdx_license_expression, get_cache
    from licensedcode.detection import detect_licenses

    detections: list[dict[str, Any]] = []
    clues: list[dict[str, Any]] = []
    expressions: list[str] = []
    for detection in detect_licenses(index=index, location=location, deadline=deadline):
        mapping = detection.to_dict(
            include_text=False, license_text_diagnostics=False, license_diagnostics=False
        )
        if detection.license_expression is None:
            clues.extend(mapping["matches"])
        else:
            expressions.append(detection.license_expression)
            detections.append(mapping)
    expression = spdx = None
    if expressions:
        licensing = get_cache().licensing
        expression = str(
            combine_expressions(expressions, relation="AND", unique=True, licensing=licensing)
        )
        spdx = str(build_spdx_license_expression(expression, licensing=licensing))
    return {
        "detected_license_expression": expression,
        "detected_license_expression_spdx": spdx,
        "license_detections": detections,
        "license_clues": clues,
    }


def _detection(mapping: dict[str, Any]) -> Detection:
    matches = tuple(_match(m) for m in mapping.get("matches") or [])
    first = matches[0] if matches else None
    return Detection(
        license=mapping.get("license_expression") or "",
        license_spdx=mapping.get("license_expression_spdx") or "",
        start_line=min((m.start_line for m in matches), default=0),
        end_line=max((m.end_line for m in matches), default=0),
        score=min((m.score for m in matches), default=0.0),
        matcher=first.matcher if first else "",
        rule=first.rule if first else "",
        matches=matches,
    )


def _match(mapping: dict[str, Any]) -> Match:
    return Match(
        license=mapping.get("license_expression") or "",
        license_spdx=mapping.get("license_expression_spdx") or "",
        start_line=int(mapping.get("start_line") or 0),
        end_line=int(mapping.get("end_line") or 0),
        score=float(mapping.get("score") or 0.0),
        matcher=str(mapping.get("matcher") or ""),
        rule=str(mapping.get("rule_identifier") or ""),
    )
