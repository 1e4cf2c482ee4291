"""The first pass, without ScanCode's index: can this file hold license text at all?

ScanCode finds a license only through a match of one of its rules (or an
``SPDX-License-Identifier`` line), and every way it matches needs some of the rule's
words in the file:

* the hash and the exact (Aho-Corasick) matchers need *all* of the rule's tokens, in
  the rule's order, among the file's known tokens;
* the approximate matcher only aligns rules that pass the set stage of
  ``licensedcode.match_set.compute_candidates``, which needs at least ``k`` of the
  rule's ``n`` distinct legalese tokens (:func:`licensetier.detect.fastpath.high_need`
  computes ``k`` from ScanCode's own thresholds), enough shared tokens in all, and
  enough of the rule contained;
* an SPDX-License-Identifier line needs the tokens ``spdx license identifier`` (or
  ``licenses nuget org``) in a row.

The first pass asks this in two stages.

1. **Witness tokens** (:class:`Witnesses`, ``license_db/prefilter.json``): for each
   rule, the rarest of its tokens (an exact match needs it) and, for an approximate
   one, its ``n - k + 1`` rarest legalese tokens (a file missing them holds at most
   ``k - 1``). A file holding no witness cannot match any rule. Nothing to load but a
   list of words; the list is generated from the installed ScanCode by
   ``python -m licensetier.gen_prefilter``, which also checks it rule by rule
   (``--check``). Rarity only decides *which* tokens witness a rule, never whether the
   test is sound.
2. **The rule sieve** (:class:`RuleSieve`): the three tests above, rule by rule, on the
   file's token ids: every rule's token sequence searched in the file's, and the set
   stage's counts. It needs a table built from the index (about 35 MB, kept beside the
   cache), and rules out most of the files that pass the witnesses only because they
   hold a common word of some rule.
3. **Query runs** (:meth:`RuleSieve.could_match_in_runs`): ScanCode does not test the
   approximate candidates on the whole file but on each *query run*, a stretch of
   lines it cuts wherever more than ``line_threshold`` lines in a row hold no legalese
   word. When only the approximate tests let a text file through, the sieve cuts the
   file where ScanCode is certain to cut it, and tests each piece (with the lines
   around it) and the whole file's resemblance to each rule (the near-duplicate
   stage). A piece holds every query run ScanCode could build there, and the set
   tests only pass more easily on more tokens, so the stage stays sound.

ScanCode's dictionary maps several spellings to one token id (a plural, a common
misspelling), so a witness is a token id, written out as every spelling of it, and
the sieve works on ids.

The file's tokens are read the way ScanCode reads them (``textcode.analysis``: line
by line, UTF-8 else Latin-1, lower case, the token pattern of
``licensedcode.tokenize.query_pattern``, unknown words dropped), and where ScanCode
rewrites text before tokenizing, every reading is taken: escaped line ends (``\\n``)
in source files, the sources embedded in ``.map`` files. A file that is not plain text
(:func:`read_as_typed`: a NUL byte anywhere, as in UTF-16 text and binaries, or a
file ScanCode's type detection takes for a binary) is read with ScanCode's own
functions (:func:`scancode_reading`): nothing when it holds no text for ScanCode (an
image, a compressed archive), else the very lines its query tokenizes (a binary's
strings, cut into runs at ScanCode's threshold for binaries). PDF and font database
files, whose text ScanCode extracts with its own readers, always go to the index.
Tests check, on real and tricky files, that one reading is exactly ScanCode's query.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# licensedcode.tokenize.query_pattern, checked equal by a test.
QUERY_PATTERN = r"[^_\W]+\+?[^_\W]*"
_tokens = re.compile(QUERY_PATTERN, re.UNICODE).findall
_ascii_tokens = re.compile(rb"[A-Za-z0-9]+\+?[A-Za-z0-9]*").findall

PREFILTER_FILE = "prefilter.json"

# compute_candidates(high_resemblance_threshold=0.8), which keeps a near duplicate when
# its resemblance rounds to 0.8 (at least 0.75) and is at least 0.8: bounded from below
NEAR_DUPLICATE_BOUND = 0.75

# The token sequences that start an SPDX license identifier line (licensedcode.query).
SPDX_LINE_PREFIXES = (("spdx", "license", "identifier"), ("licenses", "nuget", "org"))


@dataclass(frozen=True)
class Witnesses:
    scancode_version: str
    tokens: frozenset[str]


def token_streams(data: bytes, name: str) -> list[list[str]]:
    """The token sequences ScanCode could read in a file with these bytes and this
    name: one per way it may read the file (where it has two, both are taken)."""
    if data.isascii():
        text = data.decode("ascii")
        streams = [_tokens(text.lower())]
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # ScanCode decodes line by line: UTF-8, else Latin-1.
            text = "".join(_decode_line(line) for line in data.splitlines(keepends=True))
        streams = [_tokens(text.lower())]
        # what ScanCode's strings extraction sees when it takes the file for a binary
        streams.append([t.decode("ascii").lower() for t in _ascii_tokens(data)])
    if "\\" in text:
        # remove_verbatim_cr_lf_tab_chars / replace_verbatim_cr_lf_chars
        streams.append(_tokens(_unescaped(text).lower()))
    if name.endswith(".map"):
        streams.append(_map_source_tokens(text))
    return streams


def file_tokens(data: bytes, name: str) -> set[str]:
    """Every token ScanCode could see in a file with these bytes and this name."""
    found: set[str] = set()
    for stream in token_streams(data, name):
        found.update(stream)
    return found


def _unescaped(text: str) -> str:
    """Escaped line ends and tabs as spaces, as ScanCode reads source files
    (``textcode.analysis.remove_verbatim_cr_lf_tab_chars``)."""
    return text.replace("\\r", " ").replace("\\n", " ").replace("\\t", " ")


def _decode_line(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("latin-1")


def _map_source_tokens(text: str) -> list[str]:
    """Tokens of the sources embedded in a JavaScript or CSS source map, in order."""
    try:
        content = json.loads(text)
    except ValueError:
        return []
    sources = content.get("sourcesContent") if isinstance(content, dict) else None
    found: list[str] = []
    for entry in sources if isinstance(sources, list) else []:
        if isinstance(entry, str):
            unescaped = entry.replace("\\r", "\n").replace("\\n", "\n").replace("\\t", " ")
            found.extend(_tokens(unescaped.lower()))
    return found


def extracted_by_special_reader(data: bytes) -> bool:
    """PDF and Spline font database files: ScanCode reads their text its own way."""
    head = data[:1024].lstrip()
    return head.startswith(b"%PDF") or head.startswith(b"SplineFontDB")


def could_hold_license(
    data: bytes,
    name: str,
    witnesses: Witnesses | None,
    sieve: RuleSieve | Callable[[], RuleSieve] | None = None,
    gate: bool = False,
) -> bool:
    """The first pass: False only when ScanCode cannot find any license in this file
    (with ``gate``, also when the fast path's gate would answer, with the index, that
    it finds none: :meth:`RuleSieve.could_match_in_runs`).

    The witness tokens first (nothing to load), then, if given, the rule sieve (or a
    function that loads it, called only for a file the witnesses let through), on the
    whole file and then, when only its approximate tests let a text file through,
    on the query runs ScanCode could build. Without witnesses (another ScanCode
    version) and without a sieve, every file passes."""
    if extracted_by_special_reader(data):
        return True
    streams = token_streams(data, name)
    if witnesses is not None:
        tokens: set[str] = set()
        for stream in streams:
            tokens.update(stream)
        if witnesses.tokens.isdisjoint(tokens):
            return False
    if sieve is None:
        return True
    rule_sieve = sieve if isinstance(sieve, RuleSieve) else sieve()
    exact, candidates = rule_sieve.reach(streams)
    if exact:
        return True
    if not candidates:
        return False
    lines = text_lines(data, name)
    if lines is None:
        return True
    from licensetier.detect.fastpath import names_license_text

    # the gate itself falls back on any candidate in a file named as a license
    return rule_sieve.could_match_in_runs(lines, gate and not names_license_text(name))


# ScanCode cuts a text file's query into runs after this many lines without a legalese
# word (licensedcode.query.build_query's text_line_threshold, which licensetier's
# engine passes too; a test checks both).
TEXT_LINE_THRESHOLD = 15
# typecode.contenttype.is_binary: a file with one of these names is a binary whatever
# its bytes (checked against typecode by a test).
BINARY_EXTENSIONS = (".pyc", ".pgm", ".mp3", ".mp4", ".mpeg", ".mpg", ".emf", ".pbm", ".ppm")


def text_lines(data: bytes, name: str) -> list[list[list[str]]] | None:
    """The lines ScanCode reads in a text file, each as the token lists of the ways
    it may read that line: as it is and, where the line holds a backslash, with
    escaped line ends as spaces (what it does in source files). None when it is not
    certain that ScanCode reads the file as these lines: a file that is not ASCII (it
    guesses the encoding of such lines), a source map, or a file its type detection
    takes for a binary (it then reads extracted strings)."""
    if not data.isascii() or name.endswith(".map") or name.lower().endswith(BINARY_EXTENSIONS):
        return None
    from binaryornot.helpers import CHUNK_SIZE, is_binary_string

    if is_binary_string(data[:CHUNK_SIZE]):
        return None
    lines: list[list[list[str]]] = []
    for raw in data.splitlines():  # \n, \r\n and \r, as ScanCode splits them
        text = raw.decode("ascii").lower()
        readings = [_tokens(text)]
        if "\\" in text:
            readings.append(_tokens(_unescaped(text)))
        lines.append(readings)
    return lines


# licensedcode.query.build_query's bin_line_threshold, which licensetier's engine
# passes too: ScanCode cuts the query of a file it takes for a binary into runs after
# this many lines without a legalese word.
BIN_LINE_THRESHOLD = 50


def read_as_typed(data: bytes, name: str) -> bool:
    """True unless ScanCode certainly reads this file as the lines its bytes decode
    to, which :func:`could_hold_license` reads itself: a NUL byte anywhere (UTF-16 and
    UTF-32 text, binaries, which may hold UTF-16 strings), a name ``typecode`` takes
    for a binary's, or a start its binary test takes for a binary's (``binaryornot``
    on the first 512 bytes: a known signature such as ``BM`` or ``PACK`` at the start
    of a text file is enough). Such a file is read with :func:`scancode_reading`."""
    if b"\0" in data or name.endswith(BINARY_EXTENSIONS):
        return True
    from binaryornot.helpers import CHUNK_SIZE, is_binary_string

    return bool(is_binary_string(data[:CHUNK_SIZE]))


@dataclass(frozen=True)
class ScanCodeReading:
    """What ScanCode reads in one file, by its own functions (``typecode`` decides the
    file's type, ``textcode.analysis.numbered_text_lines`` gives the lines that
    ``licensedcode.query`` tokenizes)."""

    contains_text: bool  # False: ScanCode reads nothing (an image, an archive...)
    special: bool  # a PDF or font database: read by its own reader, left to the index
    lines: tuple[str, ...]  # the lines ScanCode's query tokenizes (empty when special)
    line_threshold: int  # where its query cuts runs: TEXT_ or BIN_LINE_THRESHOLD


def scancode_reading(location: str) -> ScanCodeReading:
    """The text ScanCode's query reads in the file at ``location``, from ScanCode's own
    functions (``licensedcode.query.build_query`` and ``query_lines``): nothing when
    ``typecode`` says it ``contains_text`` not (images, compressed archives, PDFs
    without text); a text file's lines as it decodes them (line by line, UTF-8 else
    Latin-1, NUL bytes as spaces: a UTF-16 or UTF-32 file is read this way too); a
    binary's strings (``textcode.strings``). PDF and font database files are marked
    ``special`` and not read here (ScanCode's readers of them are slow; the index
    reads them). Costs ScanCode's string extraction for a binary: call it only for
    content that is not plain text (:func:`licensetier.walk.looks_binary`), whose
    verdict is cached."""
    from typecode import contenttype
    from typecode.contenttype import get_type

    absolute = str(Path(location).absolute())
    try:
        kind = get_type(location)
        if not kind.contains_text:
            return ScanCodeReading(False, False, (), TEXT_LINE_THRESHOLD)
        threshold = BIN_LINE_THRESHOLD if kind.is_binary else TEXT_LINE_THRESHOLD
        if kind.is_pdf or kind.filetype_file.startswith("Spline Font Database"):
            return ScanCodeReading(True, True, (), threshold)
        from textcode.analysis import numbered_text_lines

        lines = tuple(line for _, line in numbered_text_lines(location, demarkup=False))
        return ScanCodeReading(True, False, lines, threshold)
    finally:
        # typecode keeps every file's type for the life of the process
        contenttype._registry.pop(absolute, None)


def could_hold_license_in_lines(
    lines: Sequence[str],
    name: str,
    witnesses: Witnesses | None,
    sieve: RuleSieve | Callable[[], RuleSieve] | None = None,
    gate: bool = False,
    line_threshold: int = TEXT_LINE_THRESHOLD,
) -> bool:
    """:func:`could_hold_license` on the lines ScanCode's query reads in a file
    (:func:`scancode_reading`), cut into runs at ``line_threshold``: the same tests on
    exactly ScanCode's text, one reading per line (``query_tokenizer`` is
    :data:`QUERY_PATTERN` on the lower-cased line)."""
    per_line = [_tokens(line.lower()) for line in lines]
    stream = [token for tokens in per_line for token in tokens]
    if witnesses is not None and witnesses.tokens.isdisjoint(stream):
        return False
    if sieve is None:
        return True
    rule_sieve = sieve if isinstance(sieve, RuleSieve) else sieve()
    exact, candidates = rule_sieve.reach([stream])
    if exact:
        return True
    if not candidates:
        return False
    from licensetier.detect.fastpath import names_license_text

    return rule_sieve.could_match_in_runs(
        [[tokens] for tokens in per_line],
        gate and not names_license_text(name),
        line_threshold,
    )


# Byte order marks, the longer first (UTF-32LE's starts with UTF-16LE's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def starts_with_bom(head: bytes) -> bool:
    """True for bytes that start with a UTF-16 or UTF-32 byte order mark (the first
    four bytes of a file are enough)."""
    return head.startswith(tuple(bom for bom, _ in _BOMS))


def transcoded(data: bytes) -> bytes | None:
    """UTF-8 for text that starts with a UTF-16 or UTF-32 byte order mark and decodes
    wholly in that encoding, else None.

    A deliberate difference from ScanCode 32.5, which reads such a file line by line
    with its NUL bytes as spaces (one letter per word) and finds no license in it: a
    GPL notice saved as UTF-16 by a Windows editor is still a GPL notice. The first
    pass and the engine read the UTF-8 text instead (the scanner hands ScanCode a
    UTF-8 copy), so the file is detected as its UTF-8 twin would be."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                return None
            return None if "\0" in text else text.encode("utf-8")
    return None


def first_pass(
    location: str,
    data: bytes,
    name: str,
    witnesses: Witnesses | None,
    sieve: RuleSieve | Callable[[], RuleSieve] | None = None,
    gate: bool = False,
) -> bool | None:
    """The first pass as a scan runs it on the file at ``location``, whose bytes are
    ``data``: None when ScanCode reads no text from it (it is skipped as a binary),
    else :func:`could_hold_license` on the text ScanCode reads: the bytes' lines for
    a file ScanCode reads as they decode, else (:func:`read_as_typed`) the lines of
    :func:`scancode_reading`. True when ScanCode's own reading fails (the index
    reports it). Raises OSError when the file cannot be read."""
    utf8 = transcoded(data)
    if utf8 is not None:
        return could_hold_license(utf8, name, witnesses, sieve, gate)
    if not read_as_typed(data, name):
        return could_hold_license(data, name, witnesses, sieve, gate)
    try:
        reading = scancode_reading(location)
    except OSError:
        raise
    except Exception:  # ScanCode's reading of this file fails: let the index say so
        return True
    if not reading.contains_text:
        return None
    if reading.special:
        return True
    return could_hold_license_in_lines(
        reading.lines, name, witnesses, sieve, gate, reading.line_threshold
    )


# -- loading and generating ---------------------------------------------------------
def load_witnesses(directory: Path, scancode_version: str) -> Witnesses | None:
    """The witnesses for this ScanCode version, or None (every file goes to the
    index) when the file is missing or was generated for another version."""
    try:
        content = json.loads((directory / PREFILTER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(content, dict) or content.get("scancode_toolkit") != scancode_version:
        return None
    tokens = content.get("tokens")
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        return None
    return Witnesses(scancode_version, frozenset(tokens))


def rule_witnesses(idx: Any, rarity: dict[str, int]) -> set[str]:
    """The witness tokens of every rule of the index that can yield a license.

    ``rarity`` maps a token to how often it occurs in ordinary files (higher: more
    common); among the tokens that can witness a rule, the least common are taken.
    """
    from licensetier.detect.fastpath import high_need

    tokens_by_tid = idx.tokens_by_tid
    len_legalese = idx.len_legalese
    false_positive = idx.false_positive_rids
    approx = idx.approx_matchable_rids

    def order(tid: int) -> tuple[int, str]:
        token = tokens_by_tid[tid]
        return rarity.get(token, 0), token

    chosen: set[int] = set()
    for rid, rule in enumerate(idx.rules_by_rid):
        if rid in false_positive:
            continue
        tids = set(idx.tids_by_rid[rid])
        if not tids:
            continue
        exact = min(tids, key=order)
        if rid in approx:
            high = sorted((t for t in idx.sets_by_rid[rid] if t < len_legalese), key=order)
            need = high_need(rule, len(high)) if high else 0
            if high and need <= len(high):
                witnesses = high[: len(high) - max(need, 1) + 1]
                chosen.update(witnesses)
                if exact not in witnesses:
                    chosen.add(exact)
                continue
        chosen.add(exact)
    # ScanCode's dictionary maps several spellings to one token id ("agreement",
    # "agreements"): every spelling of a chosen id is a witness.
    words = {word for word, tid in idx.dictionary.items() if tid in chosen}
    for prefix in SPDX_LINE_PREFIXES:
        words.add(min(prefix, key=lambda t: (rarity.get(t, 0), t)))
    return words


def token_rarity(files: Iterable[Path]) -> dict[str, int]:
    """In how many of ``files`` each token occurs."""
    counts: dict[str, int] = {}
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for token in file_tokens(data, path.name):
            counts[token] = counts.get(token, 0) + 1
    return counts


# -- the second stage: ScanCode's own tests, rule by rule, on a small table ---------------
SIEVE_FORMAT = 4


@dataclass
class RuleSieve:
    """The part of ScanCode's index that says which rules a file could match.

    A rule can match exactly only if the file holds every one of its token ids, and
    approximately only if it passes the set stage of ScanCode's candidate selection
    (enough shared legalese ids, enough shared ids, enough of the rule contained).
    Both are tested here, for every rule, on the file's token ids: the same tests
    as ScanCode's, on the whole file, which holds every query run ScanCode would
    test. A file no rule passes, and without an SPDX-License-Identifier line, cannot
    get a license; the others go to the query-run stage (:meth:`could_match_in_runs`)
    or the index. The table is about 35 MB of plain integers and packed id lists where
    the index is 1.4 GB; it is built from the index once per ScanCode version and kept
    beside the cache.
    """

    scancode_version: str
    dictionary: dict[str, int]
    len_legalese: int
    # exact: each rule's token-id sequence (3 bytes per id), listed under its least
    # frequent id
    exact_by_tid: dict[int, list[bytes]]
    # Lists of ids are kept packed (:func:`_pack`) and unpacked for the rules a file
    # reaches: unmarshalling them all took most of the table's load time.
    # approximate: legalese id -> ids of the rules holding it
    rules_by_high_tid: dict[int, bytes]
    # approximate, per rule: (other ids, distinct legalese ids needed, unique length,
    # min high matched, min matched, minimum containment)
    approx: dict[int, tuple[bytes, int, int, int, int, float]]
    spdx_prefixes: tuple[tuple[int, ...], ...]
    # words ScanCode drops before it looks them up (licensedcode.stopwords)
    stopwords: frozenset[str]
    # approximate, per rule: the tokens a match must hold to count on its own
    # (fastpath.match_needs), and the ids the rule holds more than once, with their counts
    lone: dict[int, int]
    repeats: dict[int, bytes]  # (id, count) pairs

    @classmethod
    def build(cls, idx: Any, scancode_version: str) -> RuleSieve:
        from licensedcode.stopwords import STOPWORDS

        from licensetier.detect.fastpath import high_need, match_needs

        rules = idx.rules_by_rid
        frequency: dict[int, int] = {}
        sets: dict[int, tuple[int, ...]] = {}
        for rid in range(len(rules)):
            if rid in idx.false_positive_rids:
                continue
            tids = tuple(sorted(set(idx.tids_by_rid[rid])))
            if tids:
                sets[rid] = tids
                for tid in tids:
                    frequency[tid] = frequency.get(tid, 0) + 1
        exact_by_tid: dict[int, list[bytes]] = {}
        for rid, tids in sets.items():
            rarest = min(tids, key=lambda t: (frequency[t], t))
            exact_by_tid.setdefault(rarest, []).append(_encode(idx.tids_by_rid[rid]))
        postings: dict[int, list[int]] = {}
        approx: dict[int, tuple[bytes, int, int, int, int, float]] = {}
        lone: dict[int, int] = {}
        repeats: dict[int, bytes] = {}
        len_legalese = int(idx.len_legalese)
        for rid in sorted(idx.approx_matchable_rids):
            if rid not in sets:
                continue
            rule = rules[rid]
            full = sorted(idx.sets_by_rid[rid])
            high = [t for t in full if t < len_legalese]
            if not high:
                continue
            need = high_need(rule, len(high))
            if need > len(high):
                continue
            for tid in high:
                postings.setdefault(tid, []).append(rid)
            approx[rid] = (
                _pack(t for t in full if t >= len_legalese),
                max(need, 1),
                int(rule.get_length(unique=True)),
                int(rule.get_min_high_matched_length(unique=True)),
                int(rule.get_min_matched_length(unique=True)),
                float(rule._minimum_containment or 0.0),
            )
            lone[rid] = int(match_needs(rule)[0])
            repeated = [(int(t), int(c)) for t, c in idx.msets_by_rid[rid].items() if c > 1]
            if repeated:
                repeats[rid] = _pack(n for pair in repeated for n in pair)
        dictionary = {str(w): int(t) for w, t in idx.dictionary.items()}
        prefixes = tuple(
            tuple(dictionary[w] for w in prefix)
            for prefix in SPDX_LINE_PREFIXES
            if all(w in dictionary for w in prefix)
        )
        return cls(
            scancode_version=scancode_version,
            dictionary=dictionary,
            len_legalese=len_legalese,
            exact_by_tid=exact_by_tid,
            rules_by_high_tid={t: _pack(r) for t, r in postings.items()},
            approx=approx,
            spdx_prefixes=prefixes,
            stopwords=frozenset(str(w) for w in STOPWORDS),
            lone=lone,
            repeats=repeats,
        )

    def could_match(self, streams: Iterable[list[str]]) -> bool:
        """False only when no rule of ScanCode's can match a file with these token
        streams (:func:`token_streams`), on the whole file."""
        exact, candidates = self.reach(streams)
        return exact or bool(candidates)

    def reach(self, streams: Iterable[list[str]]) -> tuple[bool, list[int]]:
        """Whether a rule could match these token streams exactly (or there is an
        SPDX-License-Identifier line), and else the rules that pass the set stage of
        the approximate candidates on the whole file."""
        dictionary = self.dictionary
        # ScanCode matches on the ids of known tokens: unknown words drop out
        known = [[dictionary[t] for t in stream if t in dictionary] for stream in streams]
        return self.reach_ids(known)

    def reach_ids(self, known: Sequence[list[int]], *, spdx: bool = True) -> tuple[bool, list[int]]:
        """:meth:`reach` on streams of token ids; with ``spdx=False``, the words of an
        SPDX-License-Identifier line count only as the rules they could match."""
        qset = {tid for stream in known for tid in stream}
        if not qset:
            return False, []
        if spdx:
            for prefix in self.spdx_prefixes:
                if qset.issuperset(prefix):
                    return True, []
        exact_by_tid = self.exact_by_tid
        encoded = [_encode(stream) for stream in known]
        for tid in qset:
            for sequence in exact_by_tid.get(tid, ()):
                # a byte search can also hit across id boundaries: that only lets a
                # file through, it never rules one out
                if any(sequence in stream for stream in encoded):
                    return True, []
        return False, [rid for rid, _, _ in self._passing(qset)]

    def exact_spans(self, tokens: Sequence[int]) -> Iterator[tuple[int, int, bytes]]:
        """``(start, end, rule)`` for every place where a rule's whole token sequence
        (``rule``, encoded) occurs in ``tokens``: where ScanCode's exact matcher could
        match it, ``end`` included."""
        encoded = _encode(tokens)
        exact_by_tid = self.exact_by_tid
        for tid in set(tokens):
            for sequence in exact_by_tid.get(tid, ()):
                found = encoded.find(sequence)
                while found >= 0:
                    if found % 3 == 0:  # on a token boundary
                        start = found // 3
                        yield start, start + len(sequence) // 3 - 1, sequence
                    found = encoded.find(sequence, found + 1)

    def candidates(self, tokens: Iterable[int]) -> list[int]:
        """The rules that pass the set stage of the approximate matcher's candidate
        selection on these token ids."""
        return [rid for rid, _, _ in self._passing(set(tokens))]

    def rules_holding(self, tid: int) -> array[int]:
        """The ids of the approximately matchable rules holding this legalese id."""
        return _unpack(self.rules_by_high_tid.get(tid, b""))

    def low_ids(self, rid: int) -> array[int]:
        """The ids of a rule's tokens that are not legalese."""
        return _unpack(self.approx[rid][0])

    def _passing(self, qset: set[int]) -> Iterator[tuple[int, int, list[int]]]:
        """``(rule id, shared ids, shared legalese ids)`` of every rule passing the set
        stage of ``compute_candidates`` (with ``filter_non_matching``) on these ids."""
        reached: dict[int, list[int]] = {}
        postings = self.rules_by_high_tid
        len_legalese = self.len_legalese
        for tid in qset:
            if tid < len_legalese:
                for rid in _unpack(postings.get(tid, b"")):
                    reached.setdefault(rid, []).append(tid)
        approx = self.approx
        for rid, high in reached.items():
            low, need, length, min_high, min_matched, containment = approx[rid]
            shared_high = len(high)
            if shared_high < need or shared_high < min_high:
                continue
            shared = shared_high + len(qset.intersection(_unpack(low)))
            if shared < min_matched:
                continue
            if containment and shared / length < containment:
                continue
            yield rid, shared, high

    def could_match_in_runs(
        self,
        lines: Sequence[Sequence[list[str]]],
        gate: bool = False,
        line_threshold: int = TEXT_LINE_THRESHOLD,
    ) -> bool:
        """False only when ScanCode's approximate matcher finds no candidate in a text
        file with these lines (:func:`text_lines`) and nothing else can match in it
        (the caller has ruled out the exact matchers and SPDX lines). With ``gate``,
        False also when no candidate could count by the gate of the fast path
        (:func:`licensetier.detect.fastpath.needs_approximate`), which then answers,
        with the index, that the file holds nothing.

        The matcher tests candidates in two places:

        * the whole file, for near duplicates of a rule: a resemblance (shared ids /
          (the query's ids + the rule's - shared)) of 0.8 or more, tested with a
          margin on the ids of each reading. Before this stage ScanCode takes out of
          the query only exact matches of long license texts, which the caller has
          ruled out, so the query holds the ids of one reading exactly;
        * each query run. ScanCode counts the units (lines, or chunks of long lines)
          without a legalese word since the last unit with one, and cuts a run before
          the next unit once the count reaches ``line_threshold`` (once the run holds
          a token). A line with a token that is not a stop word in every reading and
          a legalese word in none (*counted* here) makes at least one such unit, and
          no line without a legalese word resets the count. So a run reaches at most
          ``line_threshold`` counted lines past its last legalese line and before its
          first, and no run holds two legalese lines with more counted lines than
          that between them. Each group of legalese lines closer than that, with the
          ``line_threshold + 1`` counted lines on each side (and the lines between),
          holds every run that has a legalese word there (a run without one is never
          a candidate), and the set stage only passes more easily on more ids.

        The gate counts a candidate of a query run, in a file without exact matches,
        only when the run holds as many of its tokens as a match must cover on its
        own (each token at most as often as the rule holds it); a piece holds at least
        as many as any run in it.
        """
        dictionary = self.dictionary
        stop = self.stopwords
        len_legalese = self.len_legalese
        counts: list[dict[int, int]] = []  # per line: known ids, most in any reading
        blank: list[bool] = []  # no legalese word in any reading
        counted: list[bool] = []  # ... and a token in every reading: adds to the count
        plain: set[int] = set()  # the whole file's ids, read as it is
        unescaped: set[int] = set()  # ... and with escaped line ends as spaces
        for readings in lines:
            line_counts: dict[int, int] = {}
            tokens_everywhere = True
            for n, tokens in enumerate(readings):
                kept = [t for t in tokens if t not in stop]
                tokens_everywhere = tokens_everywhere and bool(kept)
                reading: dict[int, int] = {}
                for t in kept:
                    tid = dictionary.get(t)
                    if tid is not None:
                        reading[tid] = reading.get(tid, 0) + 1
                for tid, count in reading.items():
                    if count > line_counts.get(tid, 0):
                        line_counts[tid] = count
                if n == 0:
                    plain.update(reading)
                if n == len(readings) - 1:
                    unescaped.update(reading)
            counts.append(line_counts)
            no_legalese = all(tid >= len_legalese for tid in line_counts)
            blank.append(no_legalese)
            counted.append(no_legalese and tokens_everywhere)
        qsets = (plain, unescaped) if unescaped != plain else (plain,)
        return self._could_match(counts, blank, counted, qsets, gate, line_threshold)

    def could_match_in_query(self, lines: Sequence[tuple[dict[int, int], bool]]) -> bool:
        """:meth:`could_match_in_runs` (without the gate) on a text file's query as
        ScanCode built it, from which some positions were taken out by matches that
        cover them wholly (the SPDX lines: :mod:`licensetier.detect.spdx_light`).

        ``lines`` holds, for each line with a known token, in order: the ids at its
        positions still matchable, with their counts, and whether any of its tokens,
        matched ones included, is legalese. ScanCode cut the query into runs on all
        its tokens, before matching, and tests each run's candidates on its matchable
        positions, and the whole query's near duplicates on the query's: so a line
        with a legalese word keeps a run going even when that word was matched, and
        the ids of matched positions count nowhere. A line without known tokens adds
        to ScanCode's count of lines without legalese and is left out here, as the
        test does with a line without tokens: the pieces it tests then only grow."""
        counts = [ids for ids, _legalese in lines]
        blank = [not legalese for _ids, legalese in lines]
        counted = [not legalese and bool(ids) for ids, legalese in lines]
        whole = set(_sum_counts(counts))
        return self._could_match(counts, blank, counted, (whole,), False, TEXT_LINE_THRESHOLD)

    def _could_match(
        self,
        counts: Sequence[dict[int, int]],
        blank: Sequence[bool],
        counted: Sequence[bool],
        qsets: Sequence[set[int]],
        gate: bool,
        line_threshold: int,
    ) -> bool:
        """The two places of :meth:`could_match_in_runs` on its lines' ids."""
        whole = _sum_counts(counts)
        for qset in qsets:
            for rid, shared, high in self._passing(qset):
                resemblance = shared / (len(qset) + self.approx[rid][2] - shared)
                if resemblance >= NEAR_DUPLICATE_BOUND and (
                    not gate or self._held(rid, high, whole) >= self.lone[rid]
                ):
                    return True
        # Lines with a legalese word, grouped where no cut is certain between them;
        # each group with the lines around it that a run holding it can reach.
        reach = line_threshold + 1
        good = [n for n, no_legalese in enumerate(blank) if not no_legalese]
        groups: list[tuple[int, int]] = []
        for n in good:
            if groups and sum(counted[groups[-1][1] + 1 : n]) < reach:
                groups[-1] = (groups[-1][0], n)
            else:
                groups.append((n, n))
        for first, last in groups:
            start, seen = first, 0
            while start > 0 and seen < reach:
                start -= 1
                seen += counted[start]
            end, seen = last, 0
            while end < len(counts) - 1 and seen < reach:
                end += 1
                seen += counted[end]
            piece = _sum_counts(counts[start : end + 1])
            for rid, _shared, high in self._passing(set(piece)):
                if not gate or self._held(rid, high, piece) >= self.lone[rid]:
                    return True
        return False

    def _held(self, rid: int, high: list[int], counts: dict[int, int]) -> int:
        """How many of the rule's tokens these counts hold, each id at most as often
        as the rule holds it (the multiset intersection of ``compute_candidates``);
        ``high``: the legalese ids they share."""
        pairs = _unpack(self.repeats.get(rid, b""))
        repeated = dict(zip(pairs[::2], pairs[1::2], strict=True))
        shared = [*high, *(t for t in self.low_ids(rid) if t in counts)]
        return sum(min(counts[tid], repeated.get(tid, 1)) for tid in shared)

    # -- persistence: marshal, plain integers only ---------------------------------
    def dumps(self) -> bytes:
        import marshal

        return marshal.dumps(
            (
                SIEVE_FORMAT,
                self.scancode_version,
                self.dictionary,
                self.len_legalese,
                self.exact_by_tid,
                self.rules_by_high_tid,
                self.approx,
                self.spdx_prefixes,
                self.stopwords,
                self.lone,
                self.repeats,
            )
        )

    @classmethod
    def loads(cls, data: bytes) -> RuleSieve | None:
        import marshal

        try:
            content = marshal.loads(data)
            fmt, version, dictionary, length, exact, postings, approx, prefixes, *rest = content
            stop, lone, repeats = rest
        except (EOFError, ValueError, TypeError):
            return None
        if fmt != SIEVE_FORMAT or not isinstance(dictionary, dict):
            return None
        return cls(
            version, dictionary, length, exact, postings, approx, prefixes, stop, lone, repeats
        )


def _pack(ids: Iterable[int]) -> bytes:
    """Non-negative ids below 2**32 as machine integers (4 bytes each)."""
    return array("I", ids).tobytes()


def _unpack(packed: bytes) -> array[int]:
    ids = array("I")
    ids.frombytes(packed)
    return ids


def _sum_counts(counts: Iterable[dict[int, int]]) -> dict[int, int]:
    total: dict[int, int] = {}
    for line in counts:
        for tid, n in line.items():
            total[tid] = total.get(tid, 0) + n
    return total


def _encode(tids: Iterable[int]) -> bytes:
    """Token ids as 3 bytes each (ScanCode has about 30,000)."""
    return b"".join(t.to_bytes(3, "big") for t in tids)


def sieve_file(directory: Path, scancode_version: str) -> Path:
    return directory / f"rule-sieve-{scancode_version}-{SIEVE_FORMAT}.marshal"


def load_sieve(directory: Path, scancode_version: str) -> RuleSieve | None:
    """The sieve kept in the cache directory, or None (missing, damaged, stale)."""
    try:
        data = sieve_file(directory, scancode_version).read_bytes()
    except OSError:
        return None
    sieve = RuleSieve.loads(data)
    if sieve is None or sieve.scancode_version != scancode_version:
        return None
    return sieve


def save_sieve(directory: Path, sieve: RuleSieve) -> None:
    """Write the sieve beside the cache, atomically; a failure is not an error (the
    sieve is built again next time)."""
    import os
    import tempfile

    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".rule-sieve-")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as fh:
            fh.write(sieve.dumps())
        os.replace(temporary, sieve_file(directory, sieve.scancode_version))
    except OSError:
        # a full or read-only disk: leave nothing half-written behind
        with contextlib.suppress(OSError):
            os.unlink(temporary)
