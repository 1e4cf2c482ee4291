"""The fast path on license texts gathered from other projects' collections.

Each case is a shape in which the fast path once disagreed with ScanCode's full engine
on a real license text (``docs/performance.md``, "License texts from other sources"),
rebuilt here from the installed ScanCode's own license data (its ``.LICENSE`` texts
and ``.RULE`` texts, YAML front matter stripped) and a few words of our own. On each,
the fast engine must report what the full engine reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from licensetier.detect import fastpath
from licensetier.detect.engine import Engine


@pytest.fixture(scope="module")
def engines() -> tuple[Engine, Engine]:
    """The fast and the full engine (ScanCode's pipeline as shipped); one index."""
    fast, full = Engine(fast=True), Engine(fast=False, narrow=False)
    full.index()
    return fast, full


def scancode_data(kind: str, name: str) -> str:
    """The text of a ScanCode license (``kind="licenses"``) or rule (``"rules"``),
    without its YAML front matter."""
    import licensedcode

    text = (Path(licensedcode.__file__).parent / "data" / kind / name).read_text(encoding="utf-8")
    if text.startswith("---"):
        text = text.split("\n---", 1)[1].split("\n", 1)[1]
    return text.strip("\n") + "\n"


def agree(engines: tuple[Engine, Engine], path: Path) -> tuple[str | None, str]:
    """Both engines on ``path``: they agree; the expression and the fast path's route."""
    fast, full = engines
    quick, whole = fast.detect_file(path), full.detect_file(path)
    assert quick.license == whole.license, (quick.license, whole.license)
    return whole.license, quick.engine


def test_a_license_text_matched_exactly_in_pieces(
    engines: tuple[Engine, Engine], tmp_path: Path
) -> None:
    """APSL-2.0 as the SPDX collection has it: the title, the text with Apple's note on
    its new name, Exhibit A with the new name. The exact pass finds it in three pieces,
    one of them the title rule of APSL-1.0 ("Apple Public Source License"), and reported
    ``(apsl-1.0 AND apsl-2.0) AND apsl-2.0``; ScanCode's approximate matcher reads the
    whole text as one match of ``apsl-2.0``."""
    licence = scancode_data("licenses", "apsl-2.0.LICENSE")
    title = "\n".join(licence.splitlines()[:2])
    exhibit = licence[licence.index("EXHIBIT A") : licence.index("This file contains")]
    exhibit = exhibit.replace("1999-2003 Apple Computer, Inc.", "1999-2007 Apple Inc.")
    text = "\n\n".join(
        [
            title,
            scancode_data("rules", "apsl-2.0_6.RULE"),
            exhibit + scancode_data("rules", "apsl-2.0_8.RULE"),
        ]
    )
    path = tmp_path / "APSL-2.0.txt"
    path.write_text(text, encoding="utf-8")
    assert agree(engines, path) == ("apsl-2.0", "full")


def test_a_longer_match_of_another_expression_takes_an_exact_ones_place(
    engines: tuple[Engine, Engine], tmp_path: Path
) -> None:
    """The U-Boot exception under a title of its own: the exact pass finds the notice
    without its title and signature (``gpl-2.0 WITH u-boot-exception-2.0 AND ...``);
    ScanCode's approximate match of the whole exception (``u-boot-exception-2.0``) is
    a few tokens longer, which the gate's margin for a lone match ignored."""
    notice = scancode_data("rules", "gpl-2.0-uboot_4.RULE")
    text = notice.replace("GPL License Exception:", "The U-Boot License Exception:")
    assert text != notice
    path = tmp_path / "u-boot-exception-2.0.txt"
    path.write_text(text, encoding="utf-8")
    assert agree(engines, path) == ("u-boot-exception-2.0", "full")


def test_words_beside_a_license_text_join_its_detection(
    engines: tuple[Engine, Engine], tmp_path: Path
) -> None:
    """flex's license as the SPDX collection has it: flex's own words on where its
    copyright comes from (a rule of ScanCode's), copyright lines, then the license
    text. ScanCode's approximate matcher adds a low-coverage match of another license
    (LLNL's) from the words between them, overlapping the exact match before them,
    which the gate's count of what the exact pass left unexplained missed."""
    text = "\n\n".join(
        [
            scancode_data("rules", "flex-2.5_3.RULE"),
            "Copyright (c) 2001, 2002 The Flex Project.",
            "Copyright (c) 1990 The Regents of the University of California.\nAll rights reserved.",
            "This code is derived from software contributed to Berkeley by\nVern Paxson.",
            scancode_data("licenses", "flex-2.5.LICENSE"),
        ]
    )
    path = tmp_path / "flex.txt"
    path.write_text(text, encoding="utf-8")
    expression, route = agree(engines, path)
    assert expression is not None
    assert "flex-2.5" in expression
    assert route == "full"


def test_a_license_introduction_inside_a_longer_grant(
    engines: tuple[Engine, Engine], tmp_path: Path
) -> None:
    """A short grant of our own wording: the exact pass finds only the introduction
    "permission is hereby granted" (an unknown license reference); ScanCode's approximate
    matcher finds a longer, low-coverage match of a permissive rule that takes its place
    and is a clue, not a license."""
    text = (
        "Copyright (c) 1991 A. N. Author. All rights reserved.\n\n"
        "Copy permission is hereby granted provided that this notice is\n"
        "retained on all partial or complete copies.\n"
    )
    path = tmp_path / "game-notes.txt"
    path.write_text(text, encoding="utf-8")
    assert agree(engines, path)[1] == "full"


def test_a_dual_license_file_with_the_classpath_exception(
    engines: tuple[Engine, Engine], tmp_path: Path
) -> None:
    """CDDL-1.1 and GPL-2.0 texts, then the Classpath exception, composed like the
    dual-license files of Java EE projects, under a name that does not say license."""
    text = "\n\n".join(
        [
            scancode_data("licenses", "cddl-1.1.LICENSE"),
            scancode_data("licenses", "gpl-2.0.LICENSE"),
            "CLASSPATH EXCEPTION\n" + scancode_data("licenses", "classpath-exception-2.0.LICENSE"),
        ]
    )
    path = tmp_path / "cddl-gpl-classpath.txt"
    path.write_text(text, encoding="utf-8")
    expression, _route = agree(engines, path)
    assert expression is not None
    assert "classpath-exception-2.0" in expression


def test_a_dual_license_header_with_the_classpath_exception_and_a_copyright(
    engines: tuple[Engine, Engine], tmp_path: Path
) -> None:
    """Java EE's CDDL-1.1 or GPL-2.0 header with its Classpath exception paragraph, with a
    copyright line of our own after its first line, as fossology's test files have it.
    The exact pass finds the header without its first lines as a notice of ``gpl-2.0 OR
    cddl-1.1``; ScanCode's approximate matcher reads the whole header, 10 tokens longer,
    as ``cddl-1.1 OR gpl-2.0 WITH classpath-exception-2.0``. Under the margin the gate
    once asked of a lone match (5% of the rule, 15 tokens), the exception was lost."""
    header = scancode_data("rules", "cddl-1.1_or_gpl-2.0_with_classpath-exception-2.0_1.RULE")
    first = "* DO NOT ALTER OR REMOVE COPYRIGHT NOTICES OR THIS HEADER.\n"
    assert first in header
    text = header.replace(
        first, first + "*\n* Copyright (c) 2010 Example Corp. All rights reserved.\n", 1
    )
    path = tmp_path / "Header.java"
    path.write_text(text, encoding="utf-8")
    assert agree(engines, path) == ("cddl-1.1 OR gpl-2.0 WITH classpath-exception-2.0", "full")


def test_a_license_title_then_the_rest_of_its_terms(
    engines: tuple[Engine, Engine], tmp_path: Path
) -> None:
    """The end of the WTFPL alone, as google/licensecheck's testdata has one variant: its
    title, "terms and conditions" and the one clause. The exact pass finds the title, a
    license reference (``wtfpl-2.0``); ScanCode's approximate matcher aligns the title's
    tokens again with the words after it, one low-coverage match of the license's text
    that replaces the title and is a clue: no license. The words after the title hold
    only two legalese tokens of that text the exact pass left unexplained; the title
    holds the rest."""
    licence = scancode_data("licenses", "wtfpl-2.0.LICENSE")
    title = licence.splitlines()[0].strip()
    text = licence[licence.rindex(title) :]
    assert "0. You just" in text
    assert "Version 2" not in text
    path = tmp_path / "WTFPL.t4"
    path.write_text(text, encoding="utf-8")
    assert agree(engines, path) == (None, "full")


def test_holds_license_text_reads_scancodes_rule_kinds(engines: tuple[Engine, Engine]) -> None:
    index = engines[1].index()

    class Exact:
        def __init__(self, identifier: str) -> None:
            self.rule: Any = index.rules_by_id[identifier]

    assert fastpath.holds_license_text([Exact("apsl-2.0_6.RULE")])
    assert fastpath.holds_license_text([Exact("license-intro_27.RULE")])
    assert not fastpath.holds_license_text([Exact("apsl-2.0_8.RULE")])  # a notice
    # a license text of one line ("placed in the public domain"), common in code headers
    short = Exact("public-domain_122.RULE")
    assert short.rule.is_license_text
    assert not fastpath.holds_license_text([short])
    assert not fastpath.holds_license_text([])
