"""When the exact pass is not enough: the gate in front of ScanCode's approximate matcher.

ScanCode's approximate matcher (``3-seq``) is where nearly all of its time goes,
and in most files it finds nothing. It only aligns a rule with a file after the
rule has passed a *set stage* (``licensedcode.match_set.compute_candidates``):
for the distinct token ids of the query, a rule is a candidate only if

* it shares at least one legalese ("high") token id with the query, and at least
  ``rule.get_min_high_matched_length(unique=True)`` of them;
* it shares at least ``rule.get_min_matched_length(unique=True)`` token ids; and
* the shared ids cover at least ``rule._minimum_containment`` of the rule's ids;

and then the same three tests on token *multisets* (``unique=False``). Every
one of these tests can only pass more easily on a larger query, so when no
rule passes them on the whole query, no rule passes them on any of the query
runs that the matcher looks at one by one, the approximate matcher returns
nothing, and skipping it changes nothing.

Running those tests against the 30,000 approximately matchable rules is itself
most of a ``compute_candidates`` call, so the gate sieves first. From the three
set tests it derives, once per index, the number of the rule's own legalese ids
that a query must hold (a rule with ``n`` legalese ids out of ``u`` ids that
needs ``m`` shared ids misses at most ``u - m`` ids, so it needs at least
``n - (u - m)`` of its legalese ids; likewise for the containment). Most rules
need one, two or three, and three running intersections of per-token posting
bitsets find the rules that reach their count; the few rules that need more are
counted one by one. Only the rules left go through ScanCode's own
``compare_token_sets``, set stage then multiset stage, so the verdict is
ScanCode's.

What the gate looks at, in one file:

1. Nothing matchable left after the exact pass (ScanCode's own stopping rule):
   no fallback.
2. The tokens still matchable, *without* the positions that exact matches of
   full coverage already explain, unless the file's name says it holds license
   text (LICENSE, COPYING, ...; there every matchable token counts). A notice
   matched exactly does not by itself send its file to the approximate matcher,
   but the legalese around it does.
3. Fallback if and only if some rule passes the candidate tests on those tokens.

Step 2 is the one trade-off: an approximate match that would extend an exact
match with text the exact pass could not explain is still found (the rest of
the text is still there), but one that would mostly re-cover the exact match is
not. ``benchmarks/fastpath_agreement.py`` measures what this costs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

# File names that hold license text by convention; each example in a comment.
LICENSE_FILE_NAME = re.compile(
    r"""^(
        (un)?licen[cs]e        # LICENSE, LICENCE, UNLICENSE
      | copying                # COPYING, COPYING.LESSER
      | copyright              # COPYRIGHT (Debian)
      | notice                 # NOTICE (Apache-2.0)
      | legal                  # LEGAL
      | patents                # PATENTS
      | eula                   # EULA.txt
    )([._-].*)?$               # LICENSE.md, LICENSE-MIT, COPYING.LIB
    | .*[._-](licen[cs]e|copying)(\.\w+)?$   # foo.LICENSE, MIT-LICENSE.txt
    """,
    re.IGNORECASE | re.VERBOSE,
)

# Rules needing up to this many shared legalese ids are found with running
# intersections; the others are counted one by one.
_LEVELS = 3


def is_license_file_name(name: str) -> bool:
    return bool(LICENSE_FILE_NAME.match(name))


@dataclass(frozen=True)
class _Sieve:
    """Per-index tables for finding approximate candidates cheaply."""

    # legalese token id -> intbitset of the approximately matchable rule ids holding it
    rids_by_high_tid: dict[int, Any]
    # rule ids by the number of shared legalese ids they need: 1, 2, 3 and more
    rids_by_need: tuple[Any, ...]
    # rule id -> (legalese ids of the rule, the number it needs), for rules needing more
    counted: dict[int, tuple[Any, int]]


# id(index) -> (index, sieve); the index is kept so that its id stays its own.
_sieves: dict[int, tuple[Any, _Sieve]] = {}


def high_need(rule: Any, high_ids: int) -> int:
    """How many of its ``high_ids`` distinct legalese ids a query must share with ``rule``
    for the rule to pass the set stage of ScanCode's candidate selection."""
    length = rule.get_length(unique=True)
    need = max(1, rule.get_min_high_matched_length(unique=True))
    # at least min_matched_length shared ids: at most `length - that` missing ids
    need = max(need, high_ids - (length - rule.get_min_matched_length(unique=True)))
    containment = rule._minimum_containment
    if containment:
        # shared / length >= containment; rounded down so that the bound stays safe
        least_shared = math.ceil(containment * length - 1e-9)
        need = max(need, high_ids - (length - least_shared))
    return need


def _sieve(idx: Any) -> _Sieve:
    cached = _sieves.get(id(idx))
    if cached is not None and cached[0] is idx:
        return cached[1]
    from intbitset import intbitset

    len_legalese = idx.len_legalese
    rules = idx.rules_by_rid
    sets_by_rid = idx.sets_by_rid
    postings: dict[int, list[int]] = {}
    by_need: list[list[int]] = [[] for _ in range(_LEVELS)]
    counted: dict[int, tuple[Any, int]] = {}
    for rid in idx.approx_matchable_rids:
        high = [tid for tid in sets_by_rid[rid] if tid < len_legalese]
        if not high:
            continue  # never a candidate: needs a shared legalese id
        need = high_need(rules[rid], len(high))
        if need > len(high):
            continue  # can never pass
        for tid in high:
            postings.setdefault(tid, []).append(rid)
        by_need[min(need, _LEVELS) - 1].append(rid)
        if need > _LEVELS:
            counted[rid] = (intbitset(high), need)
    sieve = _Sieve(
        rids_by_high_tid={tid: intbitset(rids) for tid, rids in postings.items()},
        rids_by_need=tuple(intbitset(rids) for rids in by_need),
        counted=counted,
    )
    _sieves[id(idx)] = (idx, sieve)
    return sieve


def approximate_candidates(idx: Any, token_ids: Iterable[int]) -> Iterator[tuple[int, Any]]:
    """Yield ``(rule id, scores)`` for the rules that pass the candidate tests of
    ScanCode's approximate matcher, set stage then multiset stage, on ``token_ids``
    (``-1`` for positions to ignore). ``scores`` is the full-precision
    ``ScoresVector`` of the multiset stage: its ``containment`` is the share of the
    rule's tokens that the query holds, an upper bound of the coverage of any
    approximate match of the rule in these tokens.
    """
    from intbitset import intbitset
    from licensedcode import match_set

    sieve = _sieve(idx)
    qset, qmset = match_set.build_set_and_mset(token_ids)
    len_legalese = idx.len_legalese
    high = [tid for tid in qset if tid < len_legalese]
    if not high:
        return

    # reached[k]: the rules holding more than k of the query's legalese ids
    reached = [intbitset() for _ in range(_LEVELS)]
    for tid in high:
        holding = sieve.rids_by_high_tid.get(tid)
        if holding is None:
            continue
        for level in range(_LEVELS - 1, 0, -1):
            reached[level] |= reached[level - 1] & holding
        reached[0] |= holding
    possible = intbitset()
    for level in range(_LEVELS):
        possible |= reached[level] & sieve.rids_by_need[level]

    qhigh = intbitset(high)
    rules = idx.rules_by_rid
    sets_by_rid = idx.sets_by_rid
    msets_by_rid = idx.msets_by_rid
    for rid in possible:
        counted = sieve.counted.get(rid)
        if counted is not None and len(qhigh & counted[0]) < counted[1]:
            continue
        rule = rules[rid]
        scores, _ = match_set.compare_token_sets(
            qset=qset,
            iset=sets_by_rid[rid],
            intersector=match_set.tids_sets_intersector,
            counter=match_set.tids_set_counter,
            high_intersection_filter=match_set.high_tids_set_subset,
            len_legalese=len_legalese,
            unique=True,
            rule=rule,
            filter_non_matching=True,
        )
        if not scores:
            continue
        scores, _ = match_set.compare_token_sets(
            qset=qmset,
            iset=msets_by_rid[rid],
            intersector=match_set.multisets_intersector,
            counter=match_set.multiset_counter,
            high_intersection_filter=match_set.high_multiset_subset,
            len_legalese=len_legalese,
            unique=False,
            rule=rule,
            filter_non_matching=True,
        )
        if scores:
            yield rid, scores[1]


def _unexplained_tokens(whole: Any, explained: Sequence[Any]) -> list[int]:
    """The matchable token ids of a query run, ``-1`` where an exact match of full
    coverage already explains the position."""
    tokens = list(whole.matchable_tokens())
    if not explained:
        return tokens
    start = whole.start
    for qspan in explained:
        for pos in qspan:
            i = pos - start
            if 0 <= i < len(tokens):
                tokens[i] = -1
    return tokens


def needs_approximate(idx: Any, qry: Any, exact_matches: list[Any], name: str) -> bool:
    """True when the approximate matcher may find what the exact pass did not."""
    whole = qry.whole_query_run()
    if whole is None:
        return False
    matched = [m.qspan for m in exact_matches if m.coverage() == 100]
    # ScanCode itself stops here when nothing high-value is left to match.
    if not whole.is_matchable(include_low=False, qspans=matched):
        return False
    if is_license_file_name(name):
        tokens = list(whole.matchable_tokens())
    else:
        tokens = _unexplained_tokens(whole, matched)
    return bool(approximate_candidates(idx, tokens, first=True))
