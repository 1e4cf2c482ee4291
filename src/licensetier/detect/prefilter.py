"""The first pass, without ScanCode's index: can this file hold license text at all?

ScanCode finds a license only through a match of one of its rules (or an
``SPDX-License-Identifier`` line), and every way it matches needs some of the rule's
words in the file:

* the hash and the exact (Aho-Corasick) matchers need *all* of the rule's tokens,
  so a file without the rule's rarest token cannot match it exactly;
* the approximate matcher only aligns rules that pass the set stage of
  ``licensedcode.match_set.compute_candidates``, which needs at least ``k`` of the
  rule's ``n`` distinct legalese tokens (:func:`licensetier.detect.fastpath.high_need`
  computes ``k`` from ScanCode's own thresholds). A file missing ``n - k + 1`` of them
  holds at most ``k - 1``, so it is enough to look for the ``n - k + 1`` rarest;
* an SPDX-License-Identifier line needs the tokens ``spdx license identifier`` (or
  ``licenses nuget org``) in a row.

ScanCode's dictionary maps several spellings to one token id (a plural, a common
misspelling), so a witness is a token id, written out as every spelling of it.

The *witnesses* are the union of those tokens over all rules that are not false
positives: a few thousand words, of which ordinary code rarely holds any. A file
holding none of them cannot get a license from ScanCode, so it is never sent to the
index. The witnesses are generated from the installed ScanCode by
``python -m licensetier.gen_license_db`` into ``license_db/prefilter.json``; rarity only
decides *which* tokens witness a rule (words frequent in ordinary code are avoided),
never whether the test is sound.

The file's tokens are read the way ScanCode reads them (``textcode.analysis``: line
by line, UTF-8 else Latin-1, lower case, the token pattern of
``licensedcode.tokenize.query_pattern``), and where ScanCode rewrites text before
tokenizing, the tokens of both readings are taken: escaped line ends (``\\n``) in
source files, the sources embedded in ``.map`` files, the ASCII strings it extracts
from files it takes for binaries. PDF and font database files, whose text ScanCode
extracts with its own readers, always go to the index.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# licensedcode.tokenize.query_pattern, checked equal by a test.
QUERY_PATTERN = r"[^_\W]+\+?[^_\W]*"
_tokens = re.compile(QUERY_PATTERN, re.UNICODE).findall
_ascii_tokens = re.compile(rb"[A-Za-z0-9]+\+?[A-Za-z0-9]*").findall

PREFILTER_FILE = "prefilter.json"

# The token sequences that start an SPDX license identifier line (licensedcode.query).
SPDX_LINE_PREFIXES = (("spdx", "license", "identifier"), ("licenses", "nuget", "org"))


@dataclass(frozen=True)
class Witnesses:
    scancode_version: str
    tokens: frozenset[str]


def file_tokens(data: bytes, name: str) -> set[str]:
    """Every token ScanCode could see in a file with these bytes and this name
    (a superset: where ScanCode has two ways to read a file, both are taken)."""
    if data.isascii():
        text = data.decode("ascii")
        found = set(_tokens(text.lower()))
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # ScanCode decodes line by line: UTF-8, else Latin-1.
            text = "".join(_decode_line(line) for line in data.splitlines(keepends=True))
        found = set(_tokens(text.lower()))
        # what ScanCode's strings extraction sees when it takes the file for a binary
        found.update(t.decode("ascii").lower() for t in _ascii_tokens(data))
    if "\\" in text:
        # remove_verbatim_cr_lf_tab_chars / replace_verbatim_cr_lf_chars
        unescaped = text.replace("\\r", " ").replace("\\n", " ").replace("\\t", " ")
        found.update(_tokens(unescaped.lower()))
    if name.endswith(".map"):
        found.update(_map_source_tokens(text))
    return found


def _decode_line(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("latin-1")


def _map_source_tokens(text: str) -> set[str]:
    """Tokens of the sources embedded in a JavaScript or CSS source map."""
    try:
        content = json.loads(text)
    except ValueError:
        return set()
    sources = content.get("sourcesContent") if isinstance(content, dict) else None
    found: set[str] = set()
    for entry in sources if isinstance(sources, list) else []:
        if isinstance(entry, str):
            unescaped = entry.replace("\\r", "\n").replace("\\n", "\n").replace("\\t", " ")
            found.update(_tokens(unescaped.lower()))
    return found


def extracted_by_special_reader(data: bytes) -> bool:
    """PDF and Spline font database files: ScanCode reads their text its own way."""
    head = data[:1024].lstrip()
    return head.startswith(b"%PDF") or head.startswith(b"SplineFontDB")


def could_hold_license(data: bytes, name: str, witnesses: Witnesses | None) -> bool:
    """False only when ScanCode cannot find any license in this file."""
    if witnesses is None or extracted_by_special_reader(data):
        return True
    return not witnesses.tokens.isdisjoint(file_tokens(data, name))


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
