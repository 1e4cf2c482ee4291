"""The fast path's gate: file names, its decisions, and agreement with the full engine.

The corpus cases in tests/data/corpus/ are ScanCode's own data-driven tests (see the
README there); on each, the fast path must report what the full engine reports, and
take the route noted below, so that a gate that always or never falls back fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from licensetier.detect import fastpath
from licensetier.detect.engine import Engine

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"

# case -> the route the fast path takes: "full" (the gate fell back) or "exact"
ROUTES = {
    "bsd-new_17.txt": "full",
    "bsd-artwork.txt": "full",
    "mpl-1.1_1.txt": "full",
    "3pp-proprietary-05.txt": "full",
    "isc_redhat.txt": "full",
    "gpl-2.0-plus_41.txt": "full",
    "curl_2.txt": "full",
    "x11_danse.txt": "full",
    "double_isc.txt": "full",
    "cmCommandArgumentParserHelper.cxx": "exact",
    "namei.c": "exact",
    "DDOSLogger.m": "exact",
    "nuget_test_url_127.txt": "exact",
    "no_license_63.txt": "exact",
    "glade.am": "exact",
    "no-license-with-stop-words.txt": "exact",
}


@pytest.fixture(scope="session")
def engines() -> tuple[Engine, Engine]:
    """The fast and the full engine; ScanCode's index loads once for both."""
    fast, full = Engine(fast=True), Engine(fast=False)
    full.index()
    return fast, full


@pytest.fixture(scope="session")
def index(engines: tuple[Engine, Engine]) -> Any:
    return engines[1].index()


def gate(index: Any, path: Path) -> bool:
    """Run the exact pass on ``path`` as the engine does, then ask the gate."""
    from licensedcode import query as sc_query

    qry = sc_query.build_query(
        location=str(path), idx=index, text_line_threshold=15, bin_line_threshold=50
    )
    assert qry is not None
    matches = index.match_query(qry, approximate=False)
    return fastpath.needs_approximate(index, qry, matches, path.name)


# -- file names ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "LICENSE",
        "LICENSE.md",
        "license.txt",
        "LICENCE",
        "UNLICENSE",
        "COPYING",
        "COPYING.LESSER",
        "COPYRIGHT",
        "NOTICE",
        "LICENSE-MIT",
        "MIT-LICENSE.txt",
        "foo.LICENSE",
        "EULA.txt",
        "PATENTS",
    ],
)
def test_license_file_names(name: str) -> None:
    assert fastpath.names_license_text(name)


@pytest.mark.parametrize(
    "name",
    ["README.md", "main.py", "licensing.md", "notices.txt", "unlicensed.c", "LICENSES", "copy.py"],
)
def test_other_file_names(name: str) -> None:
    assert not fastpath.names_license_text(name)


# -- the corpus cases ------------------------------------------------------------------
def test_corpus_cases_are_all_listed() -> None:
    cases = {p.name for p in CORPUS.iterdir() if p.suffix not in (".yml", ".md")}
    assert cases == set(ROUTES)
    assert {"full", "exact"} == set(ROUTES.values())


@pytest.mark.parametrize("case", sorted(ROUTES))
def test_fast_path_agrees_with_full_engine(engines: tuple[Engine, Engine], case: str) -> None:
    fast, full = engines
    expected = full.detect_file(CORPUS / case)
    found = fast.detect_file(CORPUS / case)
    assert found.license == expected.license
    assert found.engine == ROUTES[case]


def test_the_approximate_cases_need_the_approximate_matcher(
    engines: tuple[Engine, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the gate closed, the fast path reports something else on each of these:
    # they test the gate, not ScanCode.
    fast, full = engines
    monkeypatch.setattr(fastpath, "needs_approximate", lambda *_args: False)
    for case, route in ROUTES.items():
        if route == "full":
            closed = fast.detect_file(CORPUS / case)
            assert closed.engine == "exact"
            assert closed.license != full.detect_file(CORPUS / case).license, case


# -- the gate on crafted files ---------------------------------------------------------
MIT_REWORDED = """\
Copyright (c) 2024 Example Authors

Permission is hereby granted, free of charge, to any individual obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
every copy or substantial portion of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT OWNERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

CODE = """\
def add(a, b):
    return a + b


class Stack:
    def __init__(self):
        self.items = []
"""

# Legalese words scattered in code: ScanCode finds approximate candidates, none dense.
PROSE = '''\
"""Helpers to copy files.

Use this module to copy the software and its license files into the build
directory. The copy is provided as is; any permission error is reported.
"""


def copy_tree(source, target, permission=None):
    """Copy the source tree to the target; distribute the files as they are."""
    return source, target, permission
'''

APACHE_NOTICE = """\
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.


def add(a, b):
    return a + b
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_gate_falls_back_for_a_reworded_license_text(
    index: Any, engines: tuple[Engine, Engine], tmp_path: Path
) -> None:
    path = write(tmp_path, "notes.txt", MIT_REWORDED)
    assert gate(index, path)
    fast, full = engines
    assert full.detect_file(path).license == "mit"
    assert fast.detect_file(path).license == "mit"


def test_gate_skips_code_without_legalese(index: Any, tmp_path: Path) -> None:
    assert not gate(index, write(tmp_path, "stack.py", CODE))


def test_gate_skips_an_spdx_identifier(
    index: Any, engines: tuple[Engine, Engine], tmp_path: Path
) -> None:
    path = write(tmp_path, "add.py", "# SPDX-License-Identifier: MIT\n" + CODE)
    assert not gate(index, path)
    assert engines[0].detect_file(path).license == "mit"


def test_gate_skips_a_notice_the_exact_pass_found(
    index: Any, engines: tuple[Engine, Engine], tmp_path: Path
) -> None:
    path = write(tmp_path, "add.py", APACHE_NOTICE)
    assert not gate(index, path)
    fast, full = engines
    assert fast.detect_file(path).license == full.detect_file(path).license == "apache-2.0"


def test_gate_skips_scattered_legalese_unless_the_name_says_license(
    index: Any, engines: tuple[Engine, Engine], tmp_path: Path
) -> None:
    code = write(tmp_path, "file_helpers.py", PROSE)
    # ScanCode's approximate matcher has candidates here ...
    from licensedcode import query as sc_query

    qry = sc_query.build_query(location=str(code), idx=index)
    assert any(True for _ in fastpath.approximate_candidates(index, qry.tokens))
    # ... but none could make a match that counts, and indeed the full engine finds nothing
    assert not gate(index, code)
    assert engines[1].detect_file(code).license is None
    # a file named LICENSE goes to the approximate matcher on any candidate
    assert gate(index, write(tmp_path, "LICENSE", PROSE))


# -- the pieces --------------------------------------------------------------------------
def test_candidates_are_scancodes(index: Any) -> None:
    """approximate_candidates runs ScanCode's candidate tests, rule by rule, exactly."""
    from licensedcode import match_set
    from licensedcode import query as sc_query

    qry = sc_query.build_query(location=str(CORPUS / "curl_2.txt"), idx=index)
    tokens = fastpath.matchable_tokens(qry.whole_query_run())
    qset, qmset = match_set.build_set_and_mset(tokens)
    expected = {}
    for rid in index.approx_matchable_rids:
        rule = index.rules_by_rid[rid]
        scores, _ = match_set.compare_token_sets(
            qset,
            index.sets_by_rid[rid],
            match_set.tids_sets_intersector,
            match_set.tids_set_counter,
            match_set.high_tids_set_subset,
            index.len_legalese,
            True,
            rule,
        )
        if not scores:
            continue
        scores, _ = match_set.compare_token_sets(
            qmset,
            index.msets_by_rid[rid],
            match_set.multisets_intersector,
            match_set.multiset_counter,
            match_set.high_multiset_subset,
            index.len_legalese,
            False,
            rule,
        )
        if scores:
            expected[rid] = scores[1].matched_length
    found = dict(fastpath.approximate_candidates(index, tokens))
    assert expected
    assert found == expected


def test_near_duplicates_include_scancodes(index: Any) -> None:
    from licensedcode import match_set
    from licensedcode import query as sc_query

    qry = sc_query.build_query(location=str(CORPUS / "bsd-artwork.txt"), idx=index)
    whole = qry.whole_query_run()
    tokens = fastpath.matchable_tokens(whole)
    ours = {rid for rid, _ in fastpath.approximate_candidates(index, tokens, resemblant=True)}
    # ScanCode keeps one rule of each group of equivalent candidates: ours is a superset
    theirs = match_set.compute_candidates(
        whole, index, index.approx_matchable_rids, top=10_000, high_resemblance=True
    )
    assert theirs
    assert {rid for _, rid, _, _ in theirs} <= ours
    everything = {rid for rid, _ in fastpath.approximate_candidates(index, tokens)}
    assert ours < everything


def test_match_needs_of_a_small_rule(index: Any) -> None:
    rule = next(r for r in index.rules_by_rid if r.identifier == "python_35.RULE")
    # "Python Software Foundation License": 4 tokens; a small rule needs 80%, i.e. all 4
    assert rule.length == 4
    assert fastpath.match_needs(rule) == (4, fastpath.NEAR_EXACT_TOKENS)


def test_match_needs_of_a_long_rule(index: Any) -> None:
    rule = next(r for r in index.rules_by_rid if r.identifier == "mit.LICENSE")
    lone, near_exact = fastpath.match_needs(rule)
    assert lone == -(-rule.length * 6 // 10)  # more than 60% of the rule, rounded up
    assert near_exact == max(rule.min_matched_length, fastpath.NEAR_EXACT_TOKENS)
