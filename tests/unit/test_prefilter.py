"""The first pass without the index (detect/prefilter.py) and the candidate superset
handed to ScanCode's approximate matcher (fastpath.set_stage_superset).

Soundness is what matters: a file in which ScanCode finds a license must never be
ruled out. It is checked three ways: the committed witness tokens against every rule
of the installed index; the tokens the first pass reads against the tokens ScanCode's
own query holds, on real and tricky files; and end to end on ScanCode's corpus cases.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from licensetier.detect import prefilter
from licensetier.detect.engine import Engine, scancode_version
from licensetier.gen_prefilter import unsound_rules
from licensetier.paths import data_directory

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
CASES = sorted(p for p in CORPUS.iterdir() if p.suffix not in {".yml", ".md"})


@pytest.fixture(scope="module")
def index() -> Any:
    return Engine().index()


@pytest.fixture(scope="module")
def witnesses() -> prefilter.Witnesses:
    found = prefilter.load_witnesses(data_directory(), scancode_version())
    assert found is not None, "license_db/prefilter.json is missing or for another ScanCode"
    return found


def test_token_pattern_is_scancodes() -> None:
    from licensedcode.tokenize import query_pattern

    assert query_pattern == prefilter.QUERY_PATTERN


def test_committed_witnesses_are_sound_for_every_rule(index: Any, witnesses: Any) -> None:
    assert unsound_rules(index, witnesses.tokens) == []


def test_a_missing_witness_is_caught(index: Any, witnesses: Any) -> None:
    # take out every witness of one rule: the check must name it
    rid = next(iter(index.regular_rids))
    tids = set(index.tids_by_rid[rid])
    words = {w for w, t in index.dictionary.items() if t in tids}
    problems = unsound_rules(index, witnesses.tokens - words)
    assert any(index.rules_by_rid[rid].identifier in p for p in problems)
    assert unsound_rules(index, witnesses.tokens - {"spdx", "identifier", "license"})


def _scancode_tokens(index: Any, path: Path) -> set[int]:
    """The token ids of ScanCode's own query for the file."""
    from licensedcode import query as sc_query

    qry = sc_query.build_query(
        location=str(path), idx=index, text_line_threshold=15, bin_line_threshold=50
    )
    return set(qry.tokens) if qry is not None else set()


def _ids(index: Any, tokens: set[str]) -> set[int]:
    return {index.dictionary[t] for t in tokens if t in index.dictionary}


TRICKY = {
    # Latin-1 bytes that are not UTF-8: ScanCode decodes the line as Latin-1
    "latin1.c": "/* Copyright (c) J\xf6rg M\xfcller. Licensed under the MIT license. */\n".encode(
        "latin-1"
    ),
    # escaped line ends in source: ScanCode turns \\n into a space before tokenizing
    "escaped.js": b'var notice = "Licensed under the Apache License\\nVersion 2.0";\n',
    # a source map whose embedded source holds the license
    "bundle.js.map": json.dumps(
        {
            "version": 3,
            "sources": ["a.js"],
            "sourcesContent": ["/*\\n * SPDX-License-Identifier: GPL-2.0-only\\n */\\nx();"],
            "mappings": "AAAA",
        }
    ).encode(),
    # a minified line far longer than 200 characters, split by ScanCode on quotes
    "min.js": (b'var a="x",' * 60) + b'b="released under the BSD license";\n',
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_first_pass_reads_every_token_scancode_reads(index: Any, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(TRICKY[name])
    theirs = _scancode_tokens(index, path)
    assert theirs, "the case must give ScanCode something to read"
    assert theirs <= _ids(index, prefilter.file_tokens(path.read_bytes(), name))


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_first_pass_reads_every_token_scancode_reads_in_the_corpus(index: Any, case: Path) -> None:
    ours = _ids(index, prefilter.file_tokens(case.read_bytes(), case.name))
    assert _scancode_tokens(index, case) <= ours


def test_files_with_licenses_pass_and_plain_code_does_not(tmp_path: Path, witnesses: Any) -> None:
    for case in CASES:
        expected = (case.parent / (case.name + ".yml")).read_text(encoding="utf-8")
        if (
            "license_expressions:" in expected
            and "[]" not in expected.split("license_expressions:")[1][:5]
        ):
            assert prefilter.could_hold_license(case.read_bytes(), case.name, witnesses), case
    plain = b"def add(a, b):\n    return a + b\n\nprint(add(1, 2))\n"
    assert not prefilter.could_hold_license(plain, "add.py", witnesses)
    # no witnesses (another ScanCode): every file goes to the index
    assert prefilter.could_hold_license(plain, "add.py", None)
    assert prefilter.could_hold_license(b"%PDF-1.4\n", "doc.pdf", witnesses)


def test_witnesses_of_another_scancode_are_not_used(tmp_path: Path) -> None:
    (tmp_path / prefilter.PREFILTER_FILE).write_text(
        json.dumps({"scancode_toolkit": "0.0.1", "tokens": ["mit"]}), encoding="utf-8"
    )
    assert prefilter.load_witnesses(tmp_path, scancode_version()) is None
    assert prefilter.load_witnesses(tmp_path, "0.0.1") is not None
    (tmp_path / prefilter.PREFILTER_FILE).write_text("{not json", encoding="utf-8")
    assert prefilter.load_witnesses(tmp_path, "0.0.1") is None


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_candidate_superset_leaves_scancode_result_unchanged(index: Any, case: Path) -> None:
    """The full engine hands ScanCode's approximate matcher only the rules of
    set_stage_superset, and reports through licensedcode.detection rather than
    scancode.api; the result must be ScanCode's own, field for field."""
    from scancode.api import get_licenses

    deadline = time.time() + 120
    plain = get_licenses(str(case), deadline=deadline)
    ours = Engine(fast=False).detect_file(case)
    assert ours.license == plain["detected_license_expression"]
    assert ours.license_spdx == plain["detected_license_expression_spdx"]
    assert list(ours.raw_detections) == plain["license_detections"]
    assert ours.clues == len(plain["license_clues"])
    assert len(index.approx_matchable_rids) > 1000  # restored after the call


# -- the rule sieve --------------------------------------------------------------------
@pytest.fixture(scope="module")
def sieve(index: Any) -> prefilter.RuleSieve:
    return prefilter.RuleSieve.build(index, scancode_version())


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_token_streams_are_scancodes_query(index: Any, case: Path) -> None:
    """One of the first pass's readings of a file is, id for id, the token stream of
    ScanCode's own query: the order matters to the sieve's exact test."""
    from licensedcode import query as sc_query

    qry = sc_query.build_query(
        location=str(case), idx=index, text_line_threshold=15, bin_line_threshold=50
    )
    theirs = list(qry.tokens) if qry is not None else []
    ours = [
        [index.dictionary[t] for t in stream if t in index.dictionary]
        for stream in prefilter.token_streams(case.read_bytes(), case.name)
    ]
    assert theirs in ours


def test_stopwords_are_not_in_the_dictionary(index: Any) -> None:
    # the sieve drops unknown words from its streams as ScanCode does; a stop word in
    # the dictionary would stay in ours and break a sequence that is whole in ScanCode's
    from licensedcode.stopwords import STOPWORDS

    assert not set(STOPWORDS) & set(index.dictionary)


def test_every_rule_text_passes_the_sieve(index: Any, sieve: prefilter.RuleSieve) -> None:
    """A file holding exactly a rule's text must get through (every 10th rule: the
    whole set takes a minute)."""
    checked = 0
    for rid in range(0, len(index.rules_by_rid), 10):
        if rid in index.false_positive_rids:
            continue
        rule = index.rules_by_rid[rid]
        data = rule.text.encode("utf-8")
        streams = prefilter.token_streams(data, "rule.txt")
        assert sieve.could_match(streams), rule.identifier
        checked += 1
    assert checked > 3000


def test_sieve_rules_out_code_that_merely_names_licenses(
    sieve: prefilter.RuleSieve,
) -> None:
    def passes(text: str) -> bool:
        return sieve.could_match(prefilter.token_streams(text.encode(), "x.js"))

    assert not passes("function add(a, b) { return a + b; }\nmodule.exports = add;\n")
    assert passes("// License: MIT\nfunction add(a, b) { return a + b; }\n")
    assert passes("/* SPDX-License-Identifier: Apache-2.0 */\n")
    # words of licenses in code, but no rule's words in a rule's order
    assert not passes("function getLicense(pkg) { return pkg.license; }\n")
    assert not passes("var mitigation = 1; // license checks\n")


def test_sieve_packs_the_index_ids(index: Any, sieve: prefilter.RuleSieve) -> None:
    """The packed lists unpack to the index's own ids and counts."""
    checked = 0
    for rid in list(sieve.approx)[::500]:
        mset = index.msets_by_rid[rid]
        repeated = {t: c for t, c in mset.items() if c > 1}
        pairs = list(prefilter._unpack(sieve.repeats.get(rid, b"")))
        assert dict(zip(pairs[::2], pairs[1::2], strict=True)) == repeated
        high = {t for t in index.sets_by_rid[rid] if t < index.len_legalese}
        assert set(sieve.low_ids(rid)) == set(index.sets_by_rid[rid]) - high
        for tid in high:
            assert rid in sieve.rules_holding(tid)
        checked += 1
    assert checked > 40


def test_sieve_round_trip_and_damage(tmp_path: Path, sieve: prefilter.RuleSieve) -> None:
    version = scancode_version()
    assert prefilter.load_sieve(tmp_path, version) is None
    prefilter.save_sieve(tmp_path, sieve)
    loaded = prefilter.load_sieve(tmp_path, version)
    assert loaded is not None
    assert loaded.exact_by_tid == sieve.exact_by_tid
    assert loaded.approx == sieve.approx
    assert loaded.repeats == sieve.repeats
    assert loaded.rules_by_high_tid == sieve.rules_by_high_tid
    assert prefilter.load_sieve(tmp_path, "0.0.0") is None
    path = prefilter.sieve_file(tmp_path, version)
    path.write_bytes(path.read_bytes()[:1000])  # truncated
    assert prefilter.load_sieve(tmp_path, version) is None
    path.write_bytes(b"garbage")
    assert prefilter.load_sieve(tmp_path, version) is None


# -- the third stage: query runs ---------------------------------------------------------
# Lines of code without a legalese word (checked below), to put between words of rules.
JUNK = [f"    total{n} = total{n} + value{n} * 3;" for n in range(40)]


def test_line_threshold_and_binary_names_are_scancodes(tmp_path: Path) -> None:
    import inspect

    from licensedcode import query as sc_query
    from typecode.contenttype import is_binary

    defaults = inspect.signature(sc_query.build_query).parameters
    assert defaults["text_line_threshold"].default == prefilter.TEXT_LINE_THRESHOLD
    for ext in prefilter.BINARY_EXTENSIONS:
        path = tmp_path / f"notes{ext}"
        path.write_text("plain words\n", encoding="ascii")
        assert is_binary(str(path)), ext
    for ext in (".js", ".py", ".txt", ".c", ".map"):
        path = tmp_path / f"notes{ext}"
        path.write_text("plain words\n", encoding="ascii")
        assert not is_binary(str(path)), ext


def test_text_lines_only_where_scancode_reads_lines_of_text() -> None:
    lines = prefilter.text_lines(b'a = "x\\ny";\r\nb\rc\n', "a.js")
    assert lines == [[["a", "x", "ny"], ["a", "x", "y"]], [["b"]], [["c"]]]
    assert prefilter.text_lines("caf\xe9 = 1\n".encode(), "a.py") is None  # not ASCII
    assert prefilter.text_lines(b"{}", "a.js.map") is None
    assert prefilter.text_lines(b"words\n", "a.mp3") is None
    elf = b"\x7fELF\x02\x01\x01" + bytes(40) + b" words\n"  # ASCII bytes, a binary
    assert prefilter.text_lines(elf, "a.js") is None


def _scancode_has_candidates(index: Any, path: Path) -> bool:
    """Whether ScanCode's approximate matcher gets any candidate in the file: a near
    duplicate of the whole query, or a candidate of one of its query runs."""
    from licensedcode import match_set
    from licensedcode import query as sc_query

    from licensetier.detect.fastpath import set_stage_superset

    qry = sc_query.build_query(
        location=str(path), idx=index, text_line_threshold=15, bin_line_threshold=50
    )
    if qry is None:
        return False
    # only the rules that can pass the set stage anywhere in the file (the same
    # candidates, tested as in test_candidate_superset_leaves_scancode_result_unchanged)
    rids = set_stage_superset(index, qry.tokens)
    whole = qry.whole_query_run()
    if match_set.compute_candidates(whole, index, rids, high_resemblance=True):
        return True
    return any(match_set.compute_candidates(run, index, rids) for run in qry.query_runs)


def _spread(words: list[str], gap: int) -> bytes:
    """Each word on its own line, ``gap`` lines of code between two words."""
    lines: list[str] = []
    for word in words:
        lines.append(f"    check({word});")
        lines.extend(JUNK[:gap])
    return ("\n".join(lines) + "\n").encode("ascii")


def _low_threshold_rule_words(index: Any, sieve: prefilter.RuleSieve) -> Iterator[list[str]]:
    """Words of long rules that need few shared ids, as the rules that make ordinary
    code a candidate (``proprietary-license_10``: 4 shared ids of its 30, one of them
    legalese), chosen so that all of them make a candidate of some rule and no one of
    them does, on a line with the code of :func:`_spread`."""
    words = {tid: w for w, tid in index.dictionary.items()}
    code_words = prefilter.file_tokens(_spread(["check"], 17), "a.js")
    code = {index.dictionary[t] for t in code_words if t in index.dictionary}

    def candidates(tids: set[int]) -> bool:
        return any(True for _ in sieve._passing(tids | code))

    for rid, (_low, need, length, _high, matched, _c) in sorted(sieve.approx.items()):
        if need != 1 or matched > 4 or length < 30:
            continue
        high = sorted(t for t in index.sets_by_rid[rid] if t < index.len_legalese)
        low = sorted(sieve.low_ids(rid))
        assert low == sorted(set(index.sets_by_rid[rid]) - set(high))
        chosen = [t for t in (*high, *low) if not candidates({t})][:6]
        if len(chosen) >= 4 and candidates(set(chosen)):
            yield [words[t] for t in chosen]


def test_runs_stage_is_sound_against_scancodes_query_runs(
    index: Any, sieve: prefilter.RuleSieve, witnesses: Any, tmp_path: Path
) -> None:
    """Where the runs stage rules a file out, ScanCode's approximate matcher has no
    candidate in it; the files are words of a rule spread over code, and the
    corpus cases broken up by code."""
    for line in JUNK:
        assert all(
            index.dictionary.get(t, index.len_legalese) >= index.len_legalese
            for t in prefilter.file_tokens(line.encode(), "a.js")
        ), line
    words = next(_low_threshold_rule_words(index, sieve))
    files: dict[str, bytes] = {
        f"spread{gap}.js": _spread(words, gap) for gap in (0, 5, 14, 15, 16, 17, 30)
    }
    for case in CASES:
        data = case.read_bytes()
        if not data.isascii():
            continue
        for every in (3, 8):
            lines = data.decode("ascii").splitlines()
            broken: list[str] = []
            for n, line in enumerate(lines):
                broken.append(line)
                if n % every == every - 1:
                    broken.extend(JUNK[:17])
            files[f"broken{every}-{case.name}"] = ("\n".join(broken) + "\n").encode("ascii")
    ruled_out: list[str] = []
    kept: list[str] = []
    gated: list[str] = []
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        exact, candidates = sieve.reach(prefilter.token_streams(data, name))
        if exact or not candidates:
            continue  # decided before the runs stage
        lines = prefilter.text_lines(data, name)
        assert lines is not None, name
        if sieve.could_match_in_runs(lines):
            kept.append(name)
        else:
            assert not _scancode_has_candidates(index, path), name
            ruled_out.append(name)
        if not sieve.could_match_in_runs(lines, gate=True):
            # the gate's test: the fast engine (the default) finds nothing either
            assert Engine().detect_file(path).license is None, name
            gated.append(name)
    # both outcomes happen, and the cut follows ScanCode's threshold of 15 lines
    assert "spread16.js" in ruled_out
    assert "spread30.js" in ruled_out
    assert "spread0.js" in kept
    assert "spread15.js" in kept
    assert any(name.startswith("broken") for name in ruled_out + kept)
    assert set(ruled_out) <= set(gated)
    print(f"kept {len(kept)}, ruled out {len(ruled_out)}, with the gate's test {len(gated)}")


def test_no_false_positive_rule_is_a_long_license_text(index: Any) -> None:
    """The runs stage takes the near-duplicate stage's query to be a whole reading:
    ScanCode only takes out exact matches of license texts of over 120 tokens
    before it, and the sieve's exact test covers every rule but the false
    positives."""
    rules = [index.rules_by_rid[rid] for rid in index.false_positive_rids]
    assert rules
    assert not [r.identifier for r in rules if r.is_license_text and r.length > 120]


def test_gate_stage_answers_as_the_fast_engine(
    index: Any, sieve: prefilter.RuleSieve, witnesses: Any, tmp_path: Path
) -> None:
    """With the gate's test, the first pass also rules out code in which the rules'
    words are too few to make a match count; the fast engine (the default) finds
    nothing there either, and without the gate the file still goes to ScanCode."""
    for words in _low_threshold_rule_words(index, sieve):
        data = _spread(words, 2)
        if not prefilter.could_hold_license(data, "tool.js", witnesses, sieve, gate=True):
            break
    else:
        raise AssertionError("no words of a rule that the gate's test rules out")
    path = tmp_path / "tool.js"
    path.write_bytes(data)
    assert _scancode_has_candidates(index, path)  # a candidate: the sound stages keep it
    assert prefilter.could_hold_license(data, path.name, witnesses, sieve)
    fast = Engine().detect_file(path)
    assert fast.license is None
    assert fast.engine == "exact"
    # the same words under a license file's name: the gate falls back on any candidate
    assert prefilter.could_hold_license(data, "LICENSE", witnesses, sieve, gate=True)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_gate_stage_keeps_every_corpus_file_with_a_license(
    sieve: prefilter.RuleSieve, witnesses: Any, case: Path
) -> None:
    expected = (case.parent / (case.name + ".yml")).read_text(encoding="utf-8")
    found = "license_expressions:" in expected and (
        "[]" not in expected.split("license_expressions:")[1][:5]
    )
    if found:
        assert prefilter.could_hold_license(
            case.read_bytes(), case.name, witnesses, sieve, gate=True
        )


def test_gate_tables_from_the_rule_sieve_are_the_gates_own(
    index: Any, sieve: prefilter.RuleSieve
) -> None:
    """A scan that ran the first pass builds the gate's tables from its table; they must
    be the tables the gate builds from the index."""
    from licensetier.detect import fastpath

    own = fastpath._sieve(index)
    made = fastpath._sieve_from(index, sieve)
    assert {t: list(r) for t, r in made.rids_by_high_tid.items()} == {
        t: list(r) for t, r in own.rids_by_high_tid.items()
    }
    assert [list(r) for r in made.rids_by_need] == [list(r) for r in own.rids_by_need]
    assert made.counted == own.counted
    assert made.by_unique_length == own.by_unique_length
    assert len(own.by_unique_length) > 20000
    assert made.sets_by_rid is own.sets_by_rid is index.sets_by_rid
