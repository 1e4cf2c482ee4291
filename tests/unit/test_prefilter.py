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
    set_stage_superset; the result must be ScanCode's own, field for field."""
    from scancode.api import get_licenses

    deadline = time.time() + 120
    plain = get_licenses(str(case), deadline=deadline)
    ours = Engine(fast=False).detect_file(case)
    assert ours.license == plain["detected_license_expression"]
    assert list(ours.raw_detections) == plain["license_detections"]
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


def test_sieve_round_trip_and_damage(tmp_path: Path, sieve: prefilter.RuleSieve) -> None:
    version = scancode_version()
    assert prefilter.load_sieve(tmp_path, version) is None
    prefilter.save_sieve(tmp_path, sieve)
    loaded = prefilter.load_sieve(tmp_path, version)
    assert loaded is not None
    assert loaded.exact_by_tid == sieve.exact_by_tid
    assert loaded.approx == sieve.approx
    assert prefilter.load_sieve(tmp_path, "0.0.0") is None
    path = prefilter.sieve_file(tmp_path, version)
    path.write_bytes(path.read_bytes()[:1000])  # truncated
    assert prefilter.load_sieve(tmp_path, version) is None
    path.write_bytes(b"garbage")
    assert prefilter.load_sieve(tmp_path, version) is None
