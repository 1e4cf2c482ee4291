"""Files whose only license text is ``SPDX-License-Identifier`` lines, without the index.

A commit in a repository that puts SPDX headers on its files (REUSE-style) stages files
whose only license text is such a line. The first pass cannot rule them out (the line
is license text), and ScanCode's whole index (about 4 s and 1.4 GB) was loaded for
each commit to read one line. ScanCode itself does not need the index to read it: its
SPDX matcher (``licensedcode.match_spdx_lid``) parses the words after the identifier
as an expression, against the SPDX keys of its license database, and builds the match
from the line's query run (a ``SpdxRule`` made from the line's text: its identifier,
score and matcher follow from the line alone). What it needs of the index is the token
dictionary (to build the query, its lines and its SPDX lines) and the number of
legalese tokens; what its post-processing needs is the license database and its
``Licensing``.

:class:`Light` holds just those, taken from ScanCode's loaded cache and kept in
licensetier's cache directory (a few MB; written once per ScanCode version, the first
time the index is loaded). :func:`detect` then runs ScanCode's own code on the file,
with ``Light`` standing in for ScanCode's cache and index: ``Query`` as ScanCode
builds it, ``LicenseIndex.match_query`` (the SPDX matcher, then the exact matcher,
which here finds nothing, then refinement), and ScanCode's post-processing
(``detect_licenses``, as :func:`licensetier.detect.engine._licenses` reports it).

It answers only when it is sure that ScanCode's full pipeline would report the SPDX
matches alone (:func:`_nothing_else`):

* the file has at least one SPDX line (ScanCode's own ``Query.spdx_lines``), and each
  got its SPDX match, all of them of the ``1-spdx-id`` matcher;
* no rule's token sequence occurs in the file (so ScanCode's exact matcher, and its
  whole-file hash match before it, find nothing) except wholly within an SPDX line,
  and then not one of the rules that hold the identifier's words themselves on the
  whole line ("SPDX-License-Identifier: GPL-2.0" is a rule, which ScanCode's refinement
  prefers to the SPDX match of the same tokens);
* the approximate matcher does not run (no legalese token outside the SPDX lines,
  ScanCode's own condition), or it finds no candidate: no rule passes its candidate
  tests on the tokens outside the SPDX lines, in the whole file (near duplicates) or in
  any query run ScanCode could have cut around them
  (:meth:`licensetier.detect.prefilter.RuleSieve.could_match_in_query`, the first
  pass's test of query runs);
* ScanCode's code asked for nothing that ``Light`` does not hold (then it raises, and
  the file goes to the full index).

Anything else goes to the full index. Tests compare the result, field for field, with
the full engine's on every SPDX key of ScanCode's database and hundreds of expressions.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import pickle
import threading
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from licensetier.detect.prefilter import (
    BIN_LINE_THRESHOLD,
    SPDX_LINE_PREFIXES,
    TEXT_LINE_THRESHOLD,
    _encode,
)

if TYPE_CHECKING:
    from licensetier.detect.engine import FileDetection
    from licensetier.detect.prefilter import RuleSieve

FORMAT = 3  # 2: the licenses without their texts; 3: the false-positive rules
_lock = threading.Lock()


@dataclass
class Light:
    """What ScanCode's SPDX matcher and post-processing read of its cache."""

    scancode_version: str
    db: Any  # license key -> License
    licensing: Any
    spdx_symbols: Any
    unknown_spdx_symbol: Any
    dictionary: dict[str, int]
    len_legalese: int
    digit_only_tids: Any

    # the token ids of every rule that holds an SPDX line's first words: ScanCode's
    # whole-file hash match, which comes first, could answer with one of them
    spdx_rule_tokens: frozenset[tuple[int, ...]]

    # the token ids of ScanCode's false-positive rules (encoded as the first pass's
    # table encodes them), which the first pass's table leaves out: one matched
    # exactly over an SPDX line takes that line's match away ("SPDX-License-Identifier:
    # {{ expression }}" in a template is one of them)
    false_positives: tuple[bytes, ...] = ()

    @classmethod
    def build(cls, cache: Any, scancode_version: str) -> Light:
        """From ScanCode's loaded cache (``licensedcode.cache.get_cache()``)."""
        idx = cache.index
        dictionary = {str(w): int(t) for w, t in idx.dictionary.items()}
        prefixes = [
            tuple(dictionary[w] for w in prefix)
            for prefix in SPDX_LINE_PREFIXES
            if all(w in dictionary for w in prefix)
        ]
        # the rules holding one of those prefixes: searched in the rules' token ids as
        # bytes (4 per id; a hit must fall on an id's boundary), which is C's search, not
        # a Python loop over every position of every rule (1.7 s against 0.2 s)
        needles = [array("I", ids).tobytes() for ids in prefixes]
        holding: set[tuple[int, ...]] = set()
        for tids in idx.tids_by_rid:
            data = array("I", tids).tobytes()
            for needle in needles:
                at = data.find(needle)
                while at != -1 and at % 4:
                    at = data.find(needle, at + 1)
                if at != -1:
                    holding.add(tuple(int(t) for t in tids))
                    break
        return cls(
            scancode_version=scancode_version,
            db=cache.db,
            licensing=cache.licensing,
            spdx_symbols=cache.spdx_symbols,
            unknown_spdx_symbol=cache.unknown_spdx_symbol,
            dictionary=dictionary,
            len_legalese=int(idx.len_legalese),
            digit_only_tids=idx.digit_only_tids,
            spdx_rule_tokens=frozenset(holding),
            false_positives=tuple(
                _encode(idx.tids_by_rid[rid]) for rid in sorted(idx.false_positive_rids)
            ),
        )


_BUILT: dict[tuple[int, str], Light] = {}


def built(cache: Any, scancode_version: str) -> Light:
    """:meth:`Light.build` of ``cache``, once per process (each cache directory is
    written from it)."""
    key = (id(cache), scancode_version)
    if key not in _BUILT:
        _BUILT.clear()
        _BUILT[key] = Light.build(cache, scancode_version)
    return _BUILT[key]


def light_file(directory: Path, scancode_version: str) -> Path:
    return directory / f"spdx-light-{scancode_version}-{FORMAT}.pickle"


def _license_without_text(cls: type, state: dict[str, Any]) -> Any:
    """A ``License`` of ScanCode's, as :class:`_Pickler` kept it."""
    restored: Any = object.__new__(cls)
    for name, value in state.items():
        object.__setattr__(restored, name, value)
    return restored


class _Pickler(pickle.Pickler):
    """Keeps each ``License`` without its text: the texts are 16.7 MB of the tables'
    18 MB, and neither the SPDX matcher nor ScanCode's post-processing reads them.
    The live objects of ScanCode's cache are not touched, and each license is still
    one object wherever the tables refer to it (the pickle's memo)."""

    def reducer_override(self, obj: Any) -> Any:
        from licensedcode.models import License

        if type(obj) is License:
            # an attrs class: its fields are listed in __attrs_attrs__ (what attr.fields
            # reads), slotted, so there is no __dict__ to copy
            names = [field.name for field in License.__attrs_attrs__]
            state = {name: getattr(obj, name) for name in names}
            state["text"] = None
            return _license_without_text, (License, state)
        return NotImplemented


def save_light(directory: Path, light: Light) -> None:
    """Write the tables, without the ``Licensing``: its expression tokenizer, once
    built, holds sentinel objects that do not survive pickling (``load_light`` builds
    it again from the license database, as ScanCode does)."""
    target = light_file(directory, light.scancode_version)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    kept = dataclasses.replace(light, licensing=None)
    buffer = io.BytesIO()
    # the tables only spare a later scan the index: failing to write them must not
    # fail this one (the next scan that loads the index tries again)
    with contextlib.suppress(Exception):
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(kept)
        partial.write_bytes(buffer.getvalue())
        partial.replace(target)


def load_light(directory: Path, scancode_version: str) -> Light | None:
    """Our own file, written by :func:`save_light` in licensetier's cache directory."""
    try:
        data = light_file(directory, scancode_version).read_bytes()
    except OSError:
        return None
    try:
        light = pickle.loads(data)
    except Exception:
        return None
    if not isinstance(light, Light) or light.scancode_version != scancode_version:
        return None
    from licensedcode.cache import build_licensing

    light.licensing = build_licensing(light.db)
    return light


def _light_index(light: Light) -> Any:
    from licensedcode.index import LicenseIndex

    class LightIndex(LicenseIndex):  # type: ignore[misc]
        """The parts of ScanCode's index its query and SPDX matcher read."""

        def get_exact_matches(self, query: Any, deadline: Any = None, **kwargs: Any) -> list[Any]:
            # detect() has checked that no rule can match outside the SPDX lines
            return []

    idx = object.__new__(LightIndex)
    idx.dictionary = light.dictionary
    idx.len_legalese = light.len_legalese
    idx.digit_only_tids = light.digit_only_tids
    idx.optimized = True
    return idx


class _Cache:
    """Stands in for ``licensedcode.cache.LicenseCache``."""

    def __init__(self, light: Light, index: Any) -> None:
        self.db = light.db
        self.licensing = light.licensing
        self.spdx_symbols = light.spdx_symbols
        self.unknown_spdx_symbol = light.unknown_spdx_symbol
        self.index = index


@contextlib.contextmanager
def _standing_in(light: Light) -> Iterator[Any]:
    """ScanCode's module-level cache set to ``light`` (restored after)."""
    from licensedcode import cache as sc_cache

    index = _light_index(light)
    with _lock:
        saved = sc_cache._LICENSE_CACHE
        sc_cache._LICENSE_CACHE = _Cache(light, index)
        try:
            yield index
        finally:
            sc_cache._LICENSE_CACHE = saved


def _nothing_else(light: Light, sieve: RuleSieve, qry: Any) -> bool:
    """No matcher of ScanCode's but the SPDX one could match in this query.

    The exact matcher: no rule's token sequence occurs in the query, except wholly
    within an SPDX line (where ScanCode's refinement keeps the SPDX match), and then
    not one of the rules that hold the SPDX words themselves covering the whole line
    ("SPDX-License-Identifier: GPL-2.0" is a rule of ScanCode's, which its refinement
    prefers to the SPDX match of the same tokens; within a longer line it drops it). The approximate
    matcher: it does not run (no legalese token outside the SPDX lines), or no rule
    passes its candidate tests on the token ids outside the SPDX lines (which the SPDX
    matcher took out of the query), in the whole file or in a query run."""
    tokens = [int(t) for t in qry.tokens]
    spans = [(start, end) for _text, start, end in qry.spdx_lines]
    if _false_positive_over(light, tokens, spans):
        return False
    spdx_rules = {_encode(r) for r in light.spdx_rule_tokens}
    for start, end, rule in sieve.exact_spans(tokens):
        inside = [(a, b) for a, b in spans if a <= start and end <= b]
        if not inside:
            return False
        # ScanCode's refinement drops a match contained in a larger one; of two on the
        # same tokens it kept the rule's in our comparisons: so a rule holding the
        # SPDX words that covers a whole SPDX line goes to the index
        if rule in spdx_rules and any((a, b) == (start, end) for a, b in inside):
            return False
    # ScanCode runs its approximate matcher only while legalese tokens are left
    # outside the matches of full coverage: here, the SPDX lines' matches
    matched = {pos for a, b in spans for pos in range(a, b + 1)}
    outside = [t for pos, t in enumerate(tokens) if pos not in matched]
    if not any(tid < light.len_legalese for tid in outside):
        return True
    if qry.is_binary:  # cut into runs at another threshold: the whole file at once
        return not sieve.candidates(outside)
    # the SPDX lines' positions are taken out of the query before the matcher runs on
    # each query run (which ScanCode cut on all the tokens, matched ones included)
    lines: dict[int, tuple[dict[int, int], bool]] = {}
    for pos, (tid, line) in enumerate(zip(tokens, qry.line_by_pos, strict=True)):
        ids, legalese = lines.setdefault(line, ({}, False))
        if pos not in matched:
            ids[tid] = ids.get(tid, 0) + 1
        if tid < light.len_legalese and not legalese:
            lines[line] = (ids, True)
    return not sieve.could_match_in_query([lines[n] for n in sorted(lines)])


def _false_positive_over(light: Light, tokens: list[int], spans: list[tuple[int, int]]) -> bool:
    """Whether one of ScanCode's false-positive rules occurs in ``tokens`` over a
    position of one of the SPDX lines (``spans``): ScanCode's exact matcher would match
    it there, and its refinement could drop the line's match for it."""
    if not light.false_positives:
        return False
    longest = max(len(sequence) for sequence in light.false_positives) // 3
    for a, b in spans:
        # the tokens an occurrence over this line can reach
        low, high = max(0, a - longest + 1), min(len(tokens), b + longest)
        window = _encode(tokens[low:high])
        for sequence in light.false_positives:
            length = len(sequence) // 3
            found = window.find(sequence)
            while found >= 0:
                if found % 3 == 0:  # on a token boundary
                    start = low + found // 3
                    if start <= b and a <= start + length - 1:
                        return True
                found = window.find(sequence, found + 1)
    return False


def detect(location: str, light: Light, sieve: RuleSieve) -> FileDetection | None:
    """ScanCode's result for a file whose only license text is SPDX lines, or None
    when the file is not sure to be one (then the full index decides)."""
    try:
        return _detect(location, light, sieve)
    except Exception:
        # ScanCode's code reached for something the light cache does not hold
        return None


def _detect(location: str, light: Light, sieve: RuleSieve) -> FileDetection | None:
    from licensedcode import query as sc_query
    from licensedcode.index import LicenseIndex

    from licensetier.detect.engine import DEFAULT_TIMEOUT, FileDetection, _licenses, _Precomputed

    deadline = time.time() + DEFAULT_TIMEOUT
    with _standing_in(light) as idx:
        qry = sc_query.build_query(
            location=location,
            idx=idx,
            text_line_threshold=TEXT_LINE_THRESHOLD,
            bin_line_threshold=BIN_LINE_THRESHOLD,
        )
        if qry is None or not qry.spdx_lines:
            return None
        if not _nothing_else(light, sieve, qry):
            return None
        matches = LicenseIndex.match_query(
            idx, qry, approximate=False, deadline=deadline, _skip_hash_match=True
        )
        if not matches or any(m.matcher != "1-spdx-id" for m in matches):
            return None
        # each SPDX line was matched and taken out of the query, so that no other
        # matcher could use its words (else _outside_spdx_lines left them out wrongly)
        matchables = qry.matchables
        if any(p in matchables for _t, a, b in qry.spdx_lines for p in range(a, b + 1)):
            return None
        result = _licenses(location, deadline, _Precomputed(list(matches)))
    from licensetier.detect.engine import _detection

    raw = tuple(result.get("license_detections") or [])
    return FileDetection(
        license=result.get("detected_license_expression"),
        license_spdx=result.get("detected_license_expression_spdx"),
        detections=tuple(_detection(d) for d in raw),
        clues=len(result.get("license_clues") or []),
        engine="spdx",
        timed_out=time.time() > deadline,
        raw_detections=raw,
        references=False,  # an SPDX rule names no other file
    )
