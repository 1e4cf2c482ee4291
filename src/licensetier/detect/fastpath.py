"""When the exact pass is not enough: the gate in front of ScanCode's approximate matcher.

ScanCode's approximate matcher (``3-seq``) is where nearly all of its time goes, and
in most files it finds nothing that changes the result. The gate answers, without
aligning anything, "could an approximate match here change what ScanCode reports?",
by following the matcher's own steps and stopping at the first that rules it out.

1. **Nothing left to match.** When exact matches of full coverage explain every
   legalese token, ScanCode itself stops before the approximate matcher. (It counts
   the exact automaton's matches before refinement, false positives included, which
   the exact pass no longer reports: when the gate is about to fall back, it runs the
   automaton again to ask this exactly as ScanCode does.)

2. **No candidate rule.** The matcher only aligns rules that pass the tests of
   ``licensedcode.match_set.compute_candidates``: enough shared legalese ids
   (``get_min_high_matched_length``), enough shared ids (``get_min_matched_length``),
   enough of the rule covered (``_minimum_containment``), on token sets and then on
   token multisets. :func:`approximate_candidates` runs the same tests, rule by rule,
   but cheaply: from the tests it derives, once per index, how many of its own
   legalese ids a query must hold for each rule, and finds the rules that get there
   with running intersections of per-token posting bitsets. It returns a superset of
   ScanCode's candidates (ScanCode also keeps only the best of near-identical rules
   and the top 70). Up to here the gate is exact: no candidate, no approximate match.

3. **No candidate that would count.** Most candidates are met by words common in code
   ("the", "use", "license", "copyright") scattered over a file; the matcher aligns
   them and ScanCode's refinement drops the result. A match survives only if it is
   dense: ``filter_spurious_matches`` drops approximate matches with fewer than 0.4
   matched tokens per query token they span, so a match of rule ``r`` lies within
   ``2.5 * len(r)`` positions of one query run. And it changes the detected
   expression only

   * *on its own*, if it covers more than 60% of its rule (a detection made of
     matches below that is reported as license clues, ``CLUES_MATCH_COVERAGE_THR``)
     and is larger than the exact matches it overlaps, by ``LONE_MARGIN`` of the rule
     (refinement keeps the larger of overlapping matches); or
   * *next to an exact match*, within ``LINES_THRESHOLD`` lines of one, where ScanCode
     puts both in one detection whatever the coverage; the gate asks for
     ``NEAR_EXACT_TOKENS`` tokens that the exact pass left unexplained, with
     ``NEAR_EXACT_HIGH`` legalese tokens of the rule (explained or not: ScanCode
     takes only long license texts out of the query, and its approximate matcher
     aligns the tokens of shorter exact matches again), within ``2.5`` times as many
     positions.

   For every candidate of every query run, a sliding window over the positions of the
   rule's tokens counts how many the rule could match (each token at most as often
   as the rule holds it) and the gate falls back when a window passes a test. The
   matcher's first stage, near duplicates of the whole query (resemblance of 0.8 or
   more), gets the first test on the whole query; that stage sees the tokens the query
   had before the exact pass took out the license texts it matched.

Step 3 is a bound on token counts, not an alignment: it ignores order, so it errs
towards falling back. It is not a proof either: ScanCode's refinement and grouping
have more cases than these two, and the thresholds of step 3 are checked against
the full engine on ScanCode's own data-driven tests and on license texts from other
projects' collections by ``benchmarks/fastpath_agreement.py``
(``docs/performance.md``), not derived for every case.

A file whose name says it holds license text (LICENSE, COPYING, ...) stops at step 2:
it falls back whenever there is a candidate at all. So does a file where the exact pass
found a license's text, or a license introduction (:func:`holds_license_text`): on
license texts gathered from other projects' collections, step 3's bounds missed how
ScanCode reads them whole (``docs/performance.md``).
"""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from licensetier.detect.prefilter import RuleSieve

# File names that suggest license or notice text, for the gate only: broader than the
# license files of licensetier.paths.is_license_file_name (NOTICE, COPYRIGHT, PATENTS,
# even license.py), since a name here only makes the gate fall back more often (step 2
# only), which costs time and never changes a result. Each example in a comment.
LICENSE_TEXT_NAME = re.compile(
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

# ScanCode's own thresholds that step 3 relies on.
MIN_QUERY_DENSITY = 0.4  # licensedcode.match.filter_spurious_matches
CLUES_COVERAGE = 0.6  # licensedcode.detection.CLUES_MATCH_COVERAGE_THR / 100
GROUPING_LINES = 4  # licensedcode.detection.LINES_THRESHOLD (via query.LINES_THRESHOLD)
SMALL_RULE_COVERAGE = 0.8  # LicenseMatch.is_small: a small rule needs 80% coverage
LONG_LICENSE_TEXT = 120  # licensedcode.index: a license text matched whole is subtracted
NEAR_DUPLICATE = 0.8  # compute_candidates(high_resemblance_threshold=0.8)

# Ours, checked against the full engine (benchmarks/fastpath_agreement.py).
# A lone match must exceed the exact matches it overlaps by this share of its rule.
LONE_MARGIN = 0.05
# A match next to an exact one must hold this many tokens the exact pass left unexplained.
NEAR_EXACT_TOKENS = 10
# ... and this many legalese tokens.
NEAR_EXACT_HIGH = 3

# Rules needing up to this many shared legalese ids are found with running
# intersections; the others are counted one by one.
_LEVELS = 3
_EPSILON = 1e-9


def names_license_text(name: str) -> bool:
    """Whether a file's name suggests license or notice text (:data:`LICENSE_TEXT_NAME`):
    then the gate stops at step 2."""
    return bool(LICENSE_TEXT_NAME.match(name))


def prepare(idx: Any, rule_sieve: RuleSieve | None = None) -> None:
    """Build the gate's tables for this index now (a third of a second, once per
    index) rather than on the first file that needs them; from the first pass's
    table when it is at hand (a tenth of that: it holds the same postings)."""
    cached = _sieves.get(id(idx))
    if cached is not None and cached[0] is idx:
        return
    if rule_sieve is None:
        _sieve(idx)
    else:
        _sieves[id(idx)] = (idx, _sieve_from(idx, rule_sieve))


# -- step 2: ScanCode's candidate tests, sieved ---------------------------------------------
@dataclass
class _Sieve:
    """Per-index tables for finding approximate candidates cheaply."""

    # legalese token id -> intbitset of the approximately matchable rule ids holding it
    rids_by_high_tid: dict[int, Any]
    # rule ids by the number of shared legalese ids they need: 1, 2, 3 and more
    rids_by_need: tuple[Any, ...]
    # rule id -> the number of shared legalese ids it needs, for rules needing more
    counted: dict[int, int]
    sets_by_rid: Any  # the index's: rule id -> intbitset of its token ids
    legalese: Any  # intbitset of all legalese ids
    # (unique length, rule id) of the rules above, sorted
    by_unique_length: list[tuple[int, int]]
    # rule id -> (tokens needed by a lone match, by a match next to an exact one)
    needs: dict[int, tuple[int, int]] = field(default_factory=dict)

    def match_needs(self, idx: Any, rid: int) -> tuple[int, int]:
        needs = self.needs.get(rid)
        if needs is None:
            needs = self.needs[rid] = match_needs(idx.rules_by_rid[rid])
        return needs


# id(index) -> (index, sieve); the index is kept so that its id stays its own.
_sieves: dict[int, tuple[Any, _Sieve]] = {}


def high_need(rule: Any, high_ids: int) -> int:
    """How many of its ``high_ids`` distinct legalese ids a query must share with ``rule``
    for the rule to pass the set stage of ScanCode's candidate selection."""
    length = int(rule.get_length(unique=True))
    need = max(1, int(rule.get_min_high_matched_length(unique=True)))
    # at least min_matched_length shared ids: at most `length - that` missing ids
    need = max(need, high_ids - (length - int(rule.get_min_matched_length(unique=True))))
    containment = rule._minimum_containment
    if containment:
        # shared / length >= containment
        least_shared = math.ceil(float(containment) * length - _EPSILON)
        need = max(need, high_ids - (length - least_shared))
    return need


def _sieve(idx: Any) -> _Sieve:
    cached = _sieves.get(id(idx))
    if cached is not None and cached[0] is idx:
        return cached[1]
    from intbitset import intbitset

    len_legalese = idx.len_legalese
    legalese = intbitset(range(len_legalese))
    rules = idx.rules_by_rid
    sets_by_rid = idx.sets_by_rid
    postings: dict[int, list[int]] = {}
    by_need: list[list[int]] = [[] for _ in range(_LEVELS)]
    counted: dict[int, int] = {}
    by_unique_length: list[tuple[int, int]] = []
    for rid in idx.approx_matchable_rids:
        high = sets_by_rid[rid] & legalese
        if not high:
            continue  # never a candidate: needs a shared legalese id
        rule = rules[rid]
        need = high_need(rule, len(high))
        if need > len(high):
            continue  # can never pass
        for tid in high:
            postings.setdefault(tid, []).append(rid)
        by_need[min(need, _LEVELS) - 1].append(rid)
        if need > _LEVELS:
            counted[rid] = need
        by_unique_length.append((rule.get_length(unique=True), rid))
    sieve = _Sieve(
        rids_by_high_tid={tid: intbitset(rids) for tid, rids in postings.items()},
        rids_by_need=tuple(intbitset(rids) for rids in by_need),
        counted=counted,
        sets_by_rid=sets_by_rid,
        legalese=legalese,
        by_unique_length=sorted(by_unique_length),
    )
    _sieves[id(idx)] = (idx, sieve)
    return sieve


def _sieve_from(idx: Any, rule_sieve: RuleSieve) -> _Sieve:
    """The tables of :func:`_sieve`, from the first pass's table, which holds the same
    rules (the approximately matchable ones that can pass), their legalese ids and
    their needs (a test checks that both ways give the same tables)."""
    from intbitset import intbitset

    by_need: list[list[int]] = [[] for _ in range(_LEVELS)]
    counted: dict[int, int] = {}
    by_unique_length: list[tuple[int, int]] = []
    for rid, (_low, need, length, *_rest) in rule_sieve.approx.items():
        by_need[min(need, _LEVELS) - 1].append(rid)
        if need > _LEVELS:
            counted[rid] = need
        by_unique_length.append((length, rid))
    legalese = intbitset(range(idx.len_legalese))
    return _Sieve(
        rids_by_high_tid={
            tid: intbitset(list(rule_sieve.rules_holding(tid)))
            for tid in rule_sieve.rules_by_high_tid
        },
        rids_by_need=tuple(intbitset(rids) for rids in by_need),
        counted=counted,
        sets_by_rid=idx.sets_by_rid,
        legalese=legalese,
        by_unique_length=sorted(by_unique_length),
    )


def approximate_candidates(
    idx: Any,
    token_ids: Iterable[int],
    at_least: Callable[[int], int] | None = None,
    resemblant: bool = False,
) -> Iterator[tuple[int, int]]:
    """Yield ``(rule id, matched)`` for the rules that pass the candidate tests of
    ScanCode's approximate matcher (``compute_candidates``: set stage, then multiset
    stage) on ``token_ids``, with ``-1`` for positions to ignore.

    ``matched`` is the size of the multiset intersection: how many of the rule's
    tokens the query holds, counting each at most as often as the rule does. No
    approximate match of the rule in these tokens can be longer. With ``at_least``,
    only the rules whose ``matched`` reaches ``at_least(rule id)``. With
    ``resemblant``, only the rules that are also near duplicates of the query
    (resemblance of at least 0.8 on sets and on multisets), as the first stage of
    ScanCode's approximate matcher asks of the whole query.
    """
    from intbitset import intbitset

    sieve = _sieve(idx)
    qmset: dict[int, int] = defaultdict(int)
    for tid in token_ids:
        if tid != -1:
            qmset[tid] += 1
    qset = intbitset(list(qmset))
    qhigh = qset & sieve.legalese
    if not qhigh:
        return
    qlow = qset - qhigh

    possible = _holding_enough(sieve, qhigh)
    query_ids = len(qset)
    query_length = sum(qmset.values())
    if resemblant:
        # shared <= min(query, rule) and shared >= 0.8 * (query + rule - shared):
        # the rule has between 0.8 and 1.25 times as many distinct ids as the query
        lengths = sieve.by_unique_length
        low_end = bisect.bisect_left(
            lengths, (math.ceil(NEAR_DUPLICATE * query_ids - _EPSILON), -1)
        )
        high_end = bisect.bisect_right(
            lengths, (int(query_ids / NEAR_DUPLICATE + _EPSILON), len(idx.rules_by_rid))
        )
        possible &= intbitset([rid for _, rid in lengths[low_end:high_end]])

    rules = idx.rules_by_rid
    msets_by_rid = idx.msets_by_rid
    for rid in possible:
        rule = rules[rid]
        shared = _set_stage(sieve, rid, rule, qhigh, qlow)
        if shared is None:
            continue
        high, low = shared
        matched_ids = len(high) + len(low)
        containment = rule._minimum_containment
        if resemblant and not _resembles(matched_ids, query_ids, rule.get_length(unique=True)):
            continue
        floor = at_least(rid) if at_least else 0
        # each rule id the query lacks takes at least one token off the intersection
        if rule.length - (rule.get_length(unique=True) - matched_ids) < floor:
            continue
        # multiset stage (compare_token_sets with unique=False)
        rule_mset = msets_by_rid[rid]
        matched_high = sum(min(qmset[t], rule_mset[t]) for t in high)
        if matched_high < rule.get_min_high_matched_length(unique=False):
            continue
        matched = matched_high + sum(min(qmset[t], rule_mset[t]) for t in low)
        if matched < rule.get_min_matched_length(unique=False):
            continue
        if containment and matched / rule.get_length(unique=False) < containment:
            continue
        if matched < floor:
            continue
        if resemblant and not _resembles(matched, query_length, rule.length):
            continue
        yield rid, matched


def set_stage_superset(idx: Any, token_ids: Iterable[int]) -> Any:
    """The rules that may pass the set stage of ``compute_candidates`` on any part of a
    query with these token ids (``-1``: a position to ignore), as an intbitset.

    The set stage is monotone (a query holding more ids passes at least the same rules),
    so the rules that hold enough of the whole query's legalese ids, by the needs of
    :func:`high_need`, include the candidates of every query run and of the whole
    query before and after the exact matches are taken out. Handing this set to
    ScanCode as its approximately matchable rules leaves its result unchanged and
    spares it the test of every one of its 30,000 rules on every query run.
    """
    from intbitset import intbitset

    sieve = _sieve(idx)
    qset = intbitset([t for t in set(token_ids) if t != -1])
    qhigh = qset & sieve.legalese
    qlow = qset - qhigh
    rules = idx.rules_by_rid
    return intbitset(
        [
            rid
            for rid in _holding_enough(sieve, qhigh)
            if _set_stage(sieve, rid, rules[rid], qhigh, qlow) is not None
        ]
    )


def _holding_enough(sieve: _Sieve, qhigh: Any) -> Any:
    """The rules holding as many of the query's legalese ids ``qhigh`` as they need
    (counted up to ``_LEVELS``: rules needing more are checked one by one later)."""
    from intbitset import intbitset

    # reached[k]: the rules holding more than k of the query's legalese ids
    reached = [intbitset() for _ in range(_LEVELS)]
    for tid in qhigh:
        holding = sieve.rids_by_high_tid.get(tid)
        if holding is None:
            continue
        for level in range(_LEVELS - 1, 0, -1):
            reached[level] |= reached[level - 1] & holding
        reached[0] |= holding
    possible = intbitset()
    for level in range(_LEVELS):
        possible |= reached[level] & sieve.rids_by_need[level]
    return possible


def _set_stage(sieve: _Sieve, rid: int, rule: Any, qhigh: Any, qlow: Any) -> tuple[Any, Any] | None:
    """ScanCode's set stage (``compare_token_sets`` with ``unique=True``) for one rule:
    the legalese and other ids it shares with the query, or None when it fails."""
    # the query's legalese ids are legalese and its other ids are not, so these are
    # its intersections with the rule's legalese ids and with the rule's other ids
    ids = sieve.sets_by_rid[rid]
    high = qhigh & ids
    need = sieve.counted.get(rid)
    if need is not None and len(high) < need:
        return None
    if len(high) < rule.get_min_high_matched_length(unique=True):
        return None
    low = qlow & ids
    matched_ids = len(high) + len(low)
    if matched_ids < rule.get_min_matched_length(unique=True):
        return None
    containment = rule._minimum_containment
    if containment and matched_ids / rule.get_length(unique=True) < containment:
        return None
    return high, low


def _resembles(shared: int, query: int, rule: int) -> bool:
    """ScanCode's "highly resemblant": shared / union >= 0.8, also when rounded."""
    resemblance = shared / (query + rule - shared)
    return resemblance >= NEAR_DUPLICATE and round(resemblance, 1) >= NEAR_DUPLICATE


# -- step 3: could a candidate's match count? --------------------------------------------
def match_needs(rule: Any) -> tuple[int, int]:
    """The number of tokens an approximate match of ``rule`` needs to change the detected
    expression: on its own (more than 60% of the rule), and next to an exact match (just
    surviving ScanCode's refinement, and at least ``NEAR_EXACT_TOKENS``)."""
    length = rule.length
    survive = max(1, rule.min_matched_length)
    if rule.minimum_coverage:
        survive = max(survive, math.ceil(rule.minimum_coverage * length / 100 - _EPSILON))
    if rule.is_small:
        survive = max(survive, math.ceil(SMALL_RULE_COVERAGE * length - _EPSILON))
    lone = max(survive, math.ceil(CLUES_COVERAGE * length - _EPSILON))
    return lone, max(survive, NEAR_EXACT_TOKENS)


@dataclass(frozen=True)
class _Exact:
    """What the exact pass explained, by query position."""

    # position -> length of the longest exact match covering it
    at: dict[int, int]
    # position -> license expression of that match
    expression_at: dict[int, str]
    # positions within GROUPING_LINES lines of an exact match
    near: frozenset[int]
    # (first position, last position, length, license expression) of each match
    spans: list[tuple[int, int, int, str]]


def _exact_evidence(qry: Any, exact_matches: list[Any]) -> _Exact:
    at: dict[int, int] = {}
    expression_at: dict[int, str] = {}
    lines: set[int] = set()
    spans: list[tuple[int, int, int, str]] = []
    for match in exact_matches:
        start, end = match.lines()
        lines.update(range(start - GROUPING_LINES, end + GROUPING_LINES + 1))
        if match.coverage() != 100:
            continue
        length = match.len()
        expression = str(match.rule.license_expression)
        spans.append((match.qspan.start, match.qspan.end, length, expression))
        for pos in match.qspan:
            if length > at.get(pos, 0):
                at[pos] = length
                expression_at[pos] = expression
    near = frozenset(pos for pos, line in enumerate(qry.line_by_pos) if line in lines)
    return _Exact(at=at, expression_at=expression_at, near=near, spans=spans)


def _lone_match_possible(
    rule: Any, rule_mset: Any, positions: list[int], tokens: list[int], exact: _Exact, need: int
) -> bool:
    """Some window of ``2.5 * len(rule)`` positions holds ``need`` tokens of the rule,
    more than the largest exact match in it: by ``LONE_MARGIN`` of the rule when every
    exact match in the window is of the rule's own expression, by one token otherwise
    (a larger match replaces the exact ones it contains, and with them their
    expressions: see :func:`_margin`)."""
    width = int(rule.length / MIN_QUERY_DENSITY)
    own = str(rule.license_expression)
    margin = _margin(rule)
    counts: dict[int, int] = defaultdict(int)
    lengths: dict[int, int] = defaultdict(int)  # exact match length -> positions in window
    others = 0  # positions in the window of exact matches of another expression
    held = 0
    first = 0
    for pos in positions:
        tid = tokens[pos]
        if counts[tid] < rule_mset[tid]:
            held += 1
        counts[tid] += 1
        length = exact.at.get(pos)
        if length:
            lengths[length] += 1
            others += exact.expression_at[pos] != own
        while positions[first] <= pos - width:
            old = positions[first]
            first += 1
            tid = tokens[old]
            counts[tid] -= 1
            if counts[tid] < rule_mset[tid]:
                held -= 1
            length = exact.at.get(old)
            if length:
                lengths[length] -= 1
                if not lengths[length]:
                    del lengths[length]
                others -= exact.expression_at[old] != own
        if held >= need and held - max(lengths, default=0) >= (1 if others else margin):
            return True
    return False


def _near_exact_match_possible(
    rule_mset: Any,
    positions: list[int],
    tokens: list[int],
    exact: _Exact,
    need: int,
    need_high: int,
    len_legalese: int,
) -> bool:
    """Some window of ``2.5 * need`` positions, next to an exact match, holds ``need``
    tokens of the rule that the exact pass did not explain, and ``need_high`` legalese
    tokens of the rule, explained or not: the approximate matcher aligns the tokens of
    short exact matches again (ScanCode takes only long license texts out of the
    query), and its refinement counts every legalese token of a match (a WTFPL title,
    matched exactly as a reference, is one low-coverage match of the license's text
    with the words after it, a clue)."""
    width = math.ceil(need / MIN_QUERY_DENSITY)
    counts: dict[int, int] = defaultdict(int)  # unexplained tokens in the window
    high_counts: dict[int, int] = defaultdict(int)  # legalese tokens in the window
    held = 0
    held_high = 0
    near = 0
    first = 0
    for pos in positions:
        tid = tokens[pos]
        if pos not in exact.at:
            if counts[tid] < rule_mset[tid]:
                held += 1
            counts[tid] += 1
            near += pos in exact.near
        if tid < len_legalese:
            if high_counts[tid] < rule_mset[tid]:
                held_high += 1
            high_counts[tid] += 1
        while positions[first] <= pos - width:
            old = positions[first]
            first += 1
            tid = tokens[old]
            if old not in exact.at:
                counts[tid] -= 1
                if counts[tid] < rule_mset[tid]:
                    held -= 1
                near -= old in exact.near
            if tid < len_legalese:
                high_counts[tid] -= 1
                if high_counts[tid] < rule_mset[tid]:
                    held_high -= 1
        if near and held >= need and held_high >= need_high:
            return True
    return False


def matchable_tokens(run: Any) -> list[int]:
    """``QueryRun.matchable_tokens()``, without rebuilding the set of matchable
    positions for every token: token ids, ``-1`` where already matched."""
    if not run.high_matchables:
        return []
    matchables = run.matchables
    return [tid if pos in matchables else -1 for pos, tid in run.tokens_with_pos()]


def _positions(rid: int, idx: Any, positions_by_tid: dict[int, list[int]]) -> list[int]:
    """The sorted query positions of the tokens of a rule."""
    return sorted(
        pos
        for tid in idx.sets_by_rid[rid]
        if tid in positions_by_tid
        for pos in positions_by_tid[tid]
    )


def _positions_by_tid(start: int, run_tokens: list[int]) -> dict[int, list[int]]:
    positions_by_tid: dict[int, list[int]] = defaultdict(list)
    for offset, tid in enumerate(run_tokens):
        if tid != -1:
            positions_by_tid[tid].append(start + offset)
    return positions_by_tid


def _near_duplicate_would_count(idx: Any, whole: Any, exact: _Exact, tokens: list[int]) -> bool:
    """Step 3 for the first stage of the approximate matcher: near duplicates of the
    whole query. That stage sees the tokens the whole query had before the exact pass
    took out the license texts it matched (ScanCode caches them in the query run)."""
    whole_tokens = matchable_tokens(whole)
    sieve = _sieve(idx)
    positions_by_tid: dict[int, list[int]] | None = None
    rules = idx.rules_by_rid
    for rid, _matched in approximate_candidates(
        idx, whole_tokens, lambda rid: sieve.match_needs(idx, rid)[0], resemblant=True
    ):
        if positions_by_tid is None:
            positions_by_tid = _positions_by_tid(whole.start, whole_tokens)
        rule = rules[rid]
        lone = sieve.match_needs(idx, rid)[0]
        positions = _positions(rid, idx, positions_by_tid)
        if _lone_match_possible(rule, idx.msets_by_rid[rid], positions, tokens, exact, lone):
            return True
    return False


def _run_would_count(idx: Any, run: Any, exact: _Exact, tokens: list[int]) -> bool:
    """Step 3 for one query run (an approximate match never spans two runs)."""
    run_tokens = matchable_tokens(run)
    if not run_tokens:
        return False
    start, end = run.start, run.end
    has_near = any(start <= pos <= end for pos in exact.near)
    sieve = _sieve(idx)
    len_legalese = idx.len_legalese

    def at_least(rid: int) -> int:
        lone, near_exact = sieve.match_needs(idx, rid)
        return min(lone, near_exact) if has_near else lone

    # What the exact pass left unexplained in this run, and what it explained. A
    # window's tokens are unexplained ones plus explained ones; with one exact match
    # in the window, the explained ones are at most that match, and so on: this
    # bounds held - E in _lone_match_possible without sliding a window.
    unexplained: dict[int, int] = defaultdict(int)
    run_counts: dict[int, int] = defaultdict(int)  # explained or not
    explained = 0
    for offset, tid in enumerate(run_tokens):
        if tid == -1:
            continue
        run_counts[tid] += 1
        if start + offset in exact.at:
            explained += 1
        else:
            unexplained[tid] += 1
    spans = [span for span in exact.spans if span[0] <= end and span[1] >= start]
    smallest = min((span[2] for span in spans), default=0)
    expressions = {span[3] for span in spans}

    positions_by_tid: dict[int, list[int]] | None = None
    rules = idx.rules_by_rid
    for rid, matched in approximate_candidates(idx, run_tokens, at_least):
        rule = rules[rid]
        lone, near_exact = sieve.match_needs(idx, rid)
        rule_mset = idx.msets_by_rid[rid]
        held = held_high = 0
        for tid, count in rule_mset.items():
            if tid in unexplained:
                held += min(count, unexplained[tid])
            if tid < len_legalese and tid in run_counts:
                held_high += min(count, run_counts[tid])
        # In a window without exact matches, held <= the unexplained tokens; in one
        # with, held - E <= those plus the other explained tokens, and <= matched - E.
        try_lone = matched >= lone and (
            held >= lone
            or (
                bool(spans)
                and min(held + explained - smallest, matched - smallest)
                >= (_margin(rule) if expressions <= {str(rule.license_expression)} else 1)
            )
        )
        need_high = max(NEAR_EXACT_HIGH, rule.min_high_matched_length)
        try_near = has_near and held >= near_exact and held_high >= need_high
        if not (try_lone or try_near):
            continue
        if positions_by_tid is None:
            positions_by_tid = _positions_by_tid(start, run_tokens)
        positions = _positions(rid, idx, positions_by_tid)
        if try_lone and _lone_match_possible(rule, rule_mset, positions, tokens, exact, lone):
            return True
        if try_near and _near_exact_match_possible(
            rule_mset, positions, tokens, exact, near_exact, need_high, len_legalese
        ):
            return True
    return False


def _margin(rule: Any) -> int:
    """How much larger than the exact matches it overlaps, all of the rule's own
    expression, a lone approximate match must be to count. Replacing exact matches of
    the same expression changes the detected expression rarely; where an exact match
    in the way is of another expression, one token more is enough (APSL-2.0's full
    text, matched exactly in three pieces, one of them a title rule of APSL-1.0, is one
    approximate match of the whole text for ScanCode)."""
    return max(1, math.ceil(LONE_MARGIN * int(rule.length) - _EPSILON))


# -- the gate ---------------------------------------------------------------------------------
def needs_approximate(idx: Any, qry: Any, exact_matches: list[Any], name: str) -> bool:
    """True when the approximate matcher may find what the exact pass did not."""
    whole = qry.whole_query_run()
    if whole is None:
        return False
    matched = [m.qspan for m in exact_matches if m.coverage() == 100]
    # step 1: ScanCode itself stops here when nothing high-value is left to match.
    if not whole.is_matchable(include_low=False, qspans=matched):
        return False
    if names_license_text(name) or holds_license_text(exact_matches):
        # step 2 only: any candidate at all
        found = any(True for _ in approximate_candidates(idx, matchable_tokens(whole)))
    else:
        exact = _exact_evidence(qry, exact_matches)
        found = _near_duplicate_would_count(idx, whole, exact, qry.tokens) or any(
            _run_would_count(idx, run, exact, qry.tokens) for run in qry.query_runs
        )
    return found and _matchable_after_exact_matchers(idx, qry, whole, matched)


def holds_license_text(exact_matches: list[Any]) -> bool:
    """Whether the exact pass found license text in the file, or an answer that rests
    on a license introduction: then, as for a file named like a license file, the gate
    stops at step 2 and falls back on any candidate.

    * An exact match of a rule that is a license's text (``is_license_text``) of more
      than ``LONG_LICENSE_TEXT`` tokens, ScanCode's own bound for a text "long enough"
      to be taken out of the query once matched (a one-line "placed in the public
      domain" is a license text too, in ScanCode's rules, and common in code): a file
      that holds a full license text must get ScanCode's answer, and that text, matched
      exactly only in pieces (a title rule of another version, a notice inside it, the
      rest), is read by ScanCode's approximate matcher as a whole, or joined by a low
      coverage match of the words the pieces left out, within step 3's bounds.
    * An exact match of a license introduction ("Permission is hereby granted"), which
      ScanCode reports as an unknown license reference when nothing follows it: an
      approximate match a few tokens longer takes its place, whatever its coverage.
    """
    return any(
        (m.rule.is_license_text and m.rule.length > LONG_LICENSE_TEXT) or m.rule.is_license_intro
        for m in exact_matches
    )


def _matchable_after_exact_matchers(idx: Any, qry: Any, whole: Any, matched: list[Any]) -> bool:
    """Step 1 again, as ScanCode takes it: it counts as matched what its exact
    automaton matched before refinement, false positives included ("COPYING.GPL" in
    a build file), which the exact pass reports no more. Only asked when the gate is
    about to fall back, as it runs the automaton again."""
    refound = [m.qspan for m in idx.get_exact_matches(qry) if m.coverage() == 100]
    return bool(whole.is_matchable(include_low=False, qspans=matched + refound))
