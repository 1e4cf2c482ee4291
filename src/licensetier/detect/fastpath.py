"""When the exact pass is not enough: the gate in front of ScanCode's approximate matcher.

ScanCode's approximate matcher (``3-seq``) is where nearly all of its time goes, and
in most files it finds nothing that changes the result. The gate answers, without
aligning anything, "could an approximate match here change what ScanCode reports?".

It follows the matcher's own steps and stops at the first one that rules a match out.

1. **Nothing left to match.** When the exact matches of full coverage explain every
   legalese token, ScanCode itself stops before the approximate matcher.

2. **No candidate rule.** The matcher only aligns rules that pass the tests of
   ``licensedcode.match_set.compute_candidates`` on the query's tokens: enough shared
   legalese ids (``get_min_high_matched_length``), enough shared ids
   (``get_min_matched_length``), enough of the rule covered (``_minimum_containment``),
   on token sets and then on token multisets. All these tests pass more easily on
   more tokens, so a rule that fails them on the whole file fails them on every query
   run: no candidate, no approximate match. :func:`approximate_candidates` runs the
   same tests, cheaply: from them it derives, once per index, how many of its own
   legalese ids a query must hold for each rule, and finds the rules that reach that
   count with running intersections of per-token posting bitsets. Up to this point the
   gate is exact: it never skips a file where ``3-seq`` would match.

3. **No candidate that would count.** Most candidates are met by words common in code
   ("the", "use", "license", "copyright") scattered over a file; the matcher aligns
   them and ScanCode's refinement then drops the result. A match of rule ``r``
   survives only if it is dense: ``filter_spurious_matches`` drops approximate
   matches with fewer than 0.4 matched tokens per token of query they span, so all
   of its tokens lie within ``2.5 * len(r)`` positions. It changes the detected
   expression only if

   * *lone*: it covers more than 60% of the rule (below that, a detection made only of
     such matches is reported as license clues, ``CLUES_MATCH_COVERAGE_THR``), and it
     is larger than the exact matches it would replace (else refinement keeps those),
     and those are not all of the rule's own expression; or
   * *next to an exact match*: within ``LINES_THRESHOLD`` lines of one, where ScanCode
     groups it with the exact match into one detection whatever its coverage, with
     enough tokens the exact pass did not explain to survive on its own.

   So for every candidate, a sliding window over the positions of the rule's tokens
   counts how many of them the rule could match (a token counts at most as often as
   the rule holds it) and falls back when a window passes either test.

Step 3 is a bound on token counts, not an alignment: it ignores token order, so it
errs towards falling back. It is not a proof either: ScanCode's refinement and
detection grouping have more cases than the two above, and the thresholds of step 3
were checked against the full engine on ScanCode's own data-driven tests
(``benchmarks/fastpath_agreement.py``), not derived for every one of them.

A file whose name says it holds license text (LICENSE, COPYING, ...) skips step 3:
there the gate falls back whenever there is a candidate at all.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
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

# ScanCode's own thresholds that step 3 relies on.
MIN_QUERY_DENSITY = 0.4  # licensedcode.match.filter_spurious_matches
CLUES_COVERAGE = 0.6  # licensedcode.detection.CLUES_MATCH_COVERAGE_THR / 100
GROUPING_LINES = 4  # licensedcode.detection.LINES_THRESHOLD (via query.LINES_THRESHOLD)
SMALL_RULE_COVERAGE = 0.8  # LicenseMatch.is_small: a small rule needs 80% coverage

# Ours, checked against the full engine (benchmarks/fastpath_agreement.py).
# A lone match must exceed the exact matches it overlaps by this share of its rule.
LONE_MARGIN = 0.05
# A match next to an exact one must hold this many tokens the exact pass left unexplained.
NEAR_EXACT_TOKENS = 10

# Rules needing up to this many shared legalese ids are found with running
# intersections; the others are counted one by one.
_LEVELS = 3
_EPSILON = 1e-9


def is_license_file_name(name: str) -> bool:
    return bool(LICENSE_FILE_NAME.match(name))


# -- step 2: ScanCode's candidate tests, sieved ---------------------------------------------
@dataclass(frozen=True)
class _RuleSets:
    high: Any  # intbitset: the rule's legalese ids
    low: Any  # intbitset: its other ids


@dataclass
class _Sieve:
    """Per-index tables for finding approximate candidates cheaply."""

    # legalese token id -> intbitset of the approximately matchable rule ids holding it
    rids_by_high_tid: dict[int, Any]
    # rule ids by the number of shared legalese ids they need: 1, 2, 3 and more
    rids_by_need: tuple[Any, ...]
    # rule id -> the number of shared legalese ids it needs, for rules needing more
    counted: dict[int, int]
    sets: dict[int, _RuleSets]
    legalese: Any  # intbitset of all legalese ids
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
    length = rule.get_length(unique=True)
    need = max(1, rule.get_min_high_matched_length(unique=True))
    # at least min_matched_length shared ids: at most `length - that` missing ids
    need = max(need, high_ids - (length - rule.get_min_matched_length(unique=True)))
    containment = rule._minimum_containment
    if containment:
        # shared / length >= containment
        least_shared = math.ceil(containment * length - _EPSILON)
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
    counted: dict[int, int] = {}
    sets: dict[int, _RuleSets] = {}
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
            counted[rid] = need
        high_set = intbitset(high)
        sets[rid] = _RuleSets(high=high_set, low=sets_by_rid[rid] - high_set)
    sieve = _Sieve(
        rids_by_high_tid={tid: intbitset(rids) for tid, rids in postings.items()},
        rids_by_need=tuple(intbitset(rids) for rids in by_need),
        counted=counted,
        sets=sets,
        legalese=intbitset(range(len_legalese)),
    )
    _sieves[id(idx)] = (idx, sieve)
    return sieve


def approximate_candidates(
    idx: Any, token_ids: Iterable[int], at_least: Callable[[int], int] | None = None
) -> Iterator[tuple[int, int]]:
    """Yield ``(rule id, matched)`` for the rules that pass the candidate tests of
    ScanCode's approximate matcher (``compute_candidates``: set stage, then multiset
    stage) on ``token_ids``, with ``-1`` for positions to ignore.

    ``matched`` is the size of the multiset intersection: how many of the rule's
    tokens the query holds, counting each at most as often as the rule does. No
    approximate match of the rule in these tokens can be longer. With ``at_least``,
    only the rules whose ``matched`` reaches ``at_least(rule id)``.
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

    rules = idx.rules_by_rid
    msets_by_rid = idx.msets_by_rid
    for rid in possible:
        rule_sets = sieve.sets[rid]
        high = qhigh & rule_sets.high
        need = sieve.counted.get(rid)
        if need is not None and len(high) < need:
            continue
        rule = rules[rid]
        # set stage (compare_token_sets with unique=True)
        if len(high) < rule.get_min_high_matched_length(unique=True):
            continue
        low = qlow & rule_sets.low
        matched_ids = len(high) + len(low)
        if matched_ids < rule.get_min_matched_length(unique=True):
            continue
        containment = rule._minimum_containment
        if containment and matched_ids / rule.get_length(unique=True) < containment:
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
        yield rid, matched


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

    # position -> (length, license expression) of the longest exact match covering it
    at: dict[int, tuple[int, str]]
    # positions within GROUPING_LINES lines of an exact match
    near: frozenset[int]


def _exact_evidence(qry: Any, exact_matches: list[Any]) -> _Exact:
    at: dict[int, tuple[int, str]] = {}
    lines: set[int] = set()
    for match in exact_matches:
        start, end = match.lines()
        lines.update(range(start - GROUPING_LINES, end + GROUPING_LINES + 1))
        if match.coverage() != 100:
            continue
        length = match.len()
        expression = match.rule.license_expression
        for pos in match.qspan:
            if pos not in at or at[pos][0] < length:
                at[pos] = (length, expression)
    near = frozenset(pos for pos, line in enumerate(qry.line_by_pos) if line in lines)
    return _Exact(at=at, near=near)


def _lone_match_possible(
    rule: Any, rule_mset: Any, positions: list[int], tokens: list[int], exact: _Exact, need: int
) -> bool:
    """Some window of ``2.5 * len(rule)`` positions holds ``need`` tokens of the rule,
    ``LONE_MARGIN`` more than the largest exact match in it, and not only exact
    matches of the rule's own expression."""
    width = int(rule.length / MIN_QUERY_DENSITY)
    margin = max(1, math.ceil(LONE_MARGIN * rule.length - _EPSILON))
    expression = rule.license_expression
    counts: dict[int, int] = defaultdict(int)
    lengths: dict[int, int] = defaultdict(int)
    expressions: dict[str, int] = defaultdict(int)
    held = 0
    first = 0
    for pos in positions:
        tid = tokens[pos]
        if counts[tid] < rule_mset[tid]:
            held += 1
        counts[tid] += 1
        explained = exact.at.get(pos)
        if explained:
            lengths[explained[0]] += 1
            expressions[explained[1]] += 1
        while positions[first] <= pos - width:
            old = positions[first]
            first += 1
            tid = tokens[old]
            counts[tid] -= 1
            if counts[tid] < rule_mset[tid]:
                held -= 1
            explained = exact.at.get(old)
            if explained:
                _decrement(lengths, explained[0])
                _decrement(expressions, explained[1])
        if held < need:
            continue
        if held - max(lengths, default=0) < margin:
            continue
        if len(expressions) == 1 and expression in expressions:
            continue
        return True
    return False


def _near_exact_match_possible(
    rule_mset: Any, positions: list[int], tokens: list[int], exact: _Exact, need: int
) -> bool:
    """Some window of ``2.5 * need`` positions, next to an exact match, holds ``need``
    tokens of the rule that the exact pass did not explain."""
    width = math.ceil(need / MIN_QUERY_DENSITY)
    unexplained = [pos for pos in positions if pos not in exact.at]
    counts: dict[int, int] = defaultdict(int)
    held = 0
    near = 0
    first = 0
    for pos in unexplained:
        tid = tokens[pos]
        if counts[tid] < rule_mset[tid]:
            held += 1
        counts[tid] += 1
        near += pos in exact.near
        while unexplained[first] <= pos - width:
            old = unexplained[first]
            first += 1
            tid = tokens[old]
            counts[tid] -= 1
            if counts[tid] < rule_mset[tid]:
                held -= 1
            near -= old in exact.near
        if near and held >= need:
            return True
    return False


def _decrement(counter: dict[Any, int], key: Any) -> None:
    counter[key] -= 1
    if not counter[key]:
        del counter[key]


def matchable_tokens(run: Any) -> list[int]:
    """``QueryRun.matchable_tokens()``, without rebuilding the set of matchable
    positions for every token: token ids, ``-1`` where already matched."""
    if not run.high_matchables:
        return []
    matchables = run.matchables
    return [tid if pos in matchables else -1 for pos, tid in run.tokens_with_pos()]


def _run_would_count(idx: Any, run: Any, exact: _Exact, tokens: list[int]) -> bool:
    """Step 3 for one query run (an approximate match never spans two runs)."""
    run_tokens = matchable_tokens(run)
    if not run_tokens:
        return False
    start = run.start
    has_near = any(start <= pos <= run.end for pos in exact.near)
    sieve = _sieve(idx)

    def at_least(rid: int) -> int:
        lone, near_exact = sieve.match_needs(idx, rid)
        return min(lone, near_exact) if has_near else lone

    positions_by_tid: dict[int, list[int]] | None = None
    rules = idx.rules_by_rid
    for rid, matched in approximate_candidates(idx, run_tokens, at_least):
        rule = rules[rid]
        lone, near_exact = sieve.match_needs(idx, rid)
        try_lone = matched >= lone
        try_near = has_near and matched >= near_exact
        if positions_by_tid is None:
            positions_by_tid = defaultdict(list)
            for offset, tid in enumerate(run_tokens):
                if tid != -1:
                    positions_by_tid[tid].append(start + offset)
        rule_mset = idx.msets_by_rid[rid]
        positions = sorted(
            pos
            for tid in idx.sets_by_rid[rid]
            if tid in positions_by_tid
            for pos in positions_by_tid[tid]
        )
        if try_lone and _lone_match_possible(rule, rule_mset, positions, tokens, exact, lone):
            return True
        if try_near and _near_exact_match_possible(rule_mset, positions, tokens, exact, near_exact):
            return True
    return False


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
    if is_license_file_name(name):
        # step 2 only: any candidate at all
        for _candidate in approximate_candidates(idx, matchable_tokens(whole)):
            return True
        return False
    exact = _exact_evidence(qry, exact_matches)
    return any(_run_would_count(idx, run, exact, qry.tokens) for run in qry.query_runs)
