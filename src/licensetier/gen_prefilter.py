"""Regenerate ``license_db/prefilter.json``, the first pass's witness tokens.

``python -m licensetier.gen_prefilter`` loads ScanCode's index, picks for every rule
the tokens that witness it (:func:`licensetier.detect.prefilter.rule_witnesses`),
preferring words that are rare in ordinary code (measured on the Python standard
library of the running interpreter), and writes them with the ScanCode version.

``python -m licensetier.gen_prefilter --check`` writes nothing: it checks that the
committed tokens are sound for the installed ScanCode, rule by rule, whatever
ordinary code they were picked on, and exits 1 when they are not.
"""

from __future__ import annotations

import argparse
import json
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from licensetier.detect.engine import Engine, scancode_version
from licensetier.detect.fastpath import high_need
from licensetier.detect.prefilter import (
    PREFILTER_FILE,
    SPDX_LINE_PREFIXES,
    rule_witnesses,
    token_rarity,
)
from licensetier.gen_license_db import default_directory


def standard_library_files() -> list[Path]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    return sorted(p for p in stdlib.rglob("*.py") if "site-packages" not in p.parts)


def unsound_rules(idx: Any, tokens: frozenset[str]) -> list[str]:
    """The rules (and SPDX prefixes) that ``tokens`` fails to witness: a file could
    match them while holding none of the tokens."""
    # A token id witnesses only if every spelling that ScanCode maps to it is a token.
    spellings: dict[int, list[str]] = {}
    for word, tid in idx.dictionary.items():
        spellings.setdefault(tid, []).append(word)
    witnessed = {tid for tid, words in spellings.items() if all(w in tokens for w in words)}
    problems: list[str] = []
    for prefix in SPDX_LINE_PREFIXES:
        if tokens.isdisjoint(prefix):
            problems.append(f"SPDX line prefix {' '.join(prefix)!r}")
    for rid, rule in enumerate(idx.rules_by_rid):
        if rid in idx.false_positive_rids:
            continue
        tids = set(idx.tids_by_rid[rid])
        if tids and witnessed.isdisjoint(tids):
            problems.append(f"{rule.identifier}: no witness of its exact match")
            continue
        if rid not in idx.approx_matchable_rids:
            continue
        high = [t for t in idx.sets_by_rid[rid] if t < idx.len_legalese]
        if not high:
            continue
        need = high_need(rule, len(high))
        if need > len(high):
            continue
        missing_allowed = len(high) - max(need, 1)
        if sum(1 for t in high if t in witnessed) <= missing_allowed:
            problems.append(f"{rule.identifier}: too few witnesses of its approximate match")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m licensetier.gen_prefilter",
        description="Regenerate license_db/prefilter.json from the installed ScanCode.",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the tokens are unsound"
    )
    parser.add_argument("--directory", type=Path, default=None, help="the license_db directory")
    args = parser.parse_args(argv)
    target = (args.directory or default_directory()) / PREFILTER_FILE
    idx = Engine().index()
    if args.check:
        try:
            content = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"gen_prefilter: cannot read {target}: {exc}", file=sys.stderr)
            return 1
        if content.get("scancode_toolkit") != scancode_version():
            print(
                f"gen_prefilter: {target} is for ScanCode {content.get('scancode_toolkit')}, "
                f"not {scancode_version()}: run `python -m licensetier.gen_prefilter`",
                file=sys.stderr,
            )
            return 1
        problems = unsound_rules(idx, frozenset(content.get("tokens") or ()))
        for problem in problems[:20]:
            print(f"gen_prefilter: {problem}", file=sys.stderr)
        if problems:
            print(f"gen_prefilter: {len(problems)} rules unwitnessed", file=sys.stderr)
            return 1
        print(f"gen_prefilter: {target} is sound for ScanCode {scancode_version()}")
        return 0
    rarity = token_rarity(standard_library_files())
    tokens = sorted(rule_witnesses(idx, rarity))
    content = {
        "scancode_toolkit": scancode_version(),
        "generated_by": "python -m licensetier.gen_prefilter",
        "tokens": tokens,
    }
    target.write_text(json.dumps(content, indent=0) + "\n", encoding="utf-8")
    print(f"gen_prefilter: wrote {len(tokens)} witness tokens to {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
