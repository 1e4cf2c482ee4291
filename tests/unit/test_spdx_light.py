"""licensetier.detect.spdx_light: SPDX-License-Identifier lines read without ScanCode's
index, field for field as ScanCode's full engine reads them.

The lines: every SPDX key of ScanCode's license database (each license and exception
id, deprecated ones included), a few hundred expressions built from them (WITH, OR,
AND, parentheses, "+"), odd spacing, lowercase, the comment prefixes of many
languages, unknown ids and junk after the expression, and the SPDX lines of ScanCode's
own data-driven tests (tests/data/spdx_lines/). They are put into files several to a
file (each line then separated by code), so that line numbers and ScanCode's grouping
of lines into detections are compared too; a few single-line files stand for the usual
header.
"""

from __future__ import annotations

import gc
import random
from pathlib import Path
from typing import Any

import pytest

from licensetier.detect import spdx_light
from licensetier.detect.engine import Engine, FileDetection, long_lived, scancode_version
from licensetier.detect.prefilter import BIN_LINE_THRESHOLD, TEXT_LINE_THRESHOLD, RuleSieve

DATA = Path(__file__).resolve().parents[1] / "data" / "spdx_lines"
PREFIXES = ["", "# ", "// ", " * ", "/* ", "-- ", "; ", ";; ", "REM ", "@REM # ", "% ", "<!-- "]
SUFFIXES = ["", " */", " -->", ".", "  ", ";"]
TAGS = [
    "SPDX-License-Identifier: ",
    "SPDX-License-Identifier:",
    "spdx-license-identifier: ",
    "SPDX-License-Identifier:\t",
    "SPDX-Licence-Identifier: ",
    "SPDX-License-Identifier:   ",
]
CODE = "value = compute(first, second)"
# REUSE-style headers around the SPDX line (and ordinary code after it)
HEADERS = [
    ("/*\n * SPDX-FileCopyrightText: 2019 Jane Doe <jane@example.com>\n *\n * ", "\n */\n"),
    ("# SPDX-FileCopyrightText: 2017 Free Software Foundation Europe e.V.\n#\n# ", "\n"),
    ("// Copyright (c) 2024 Example Corp. All rights reserved.\n// ", "\n"),
    ("# SPDX-FileCopyrightText: Copyright 2023 The Authors\n# SPDX-FileContributor: A\n# ", ""),
    ("<!--\nSPDX-FileCopyrightText: 2022 Someone\n", "\n-->\n"),
]
BODY = (
    "#include <stdio.h>\nint main(int argc, char **argv) {\n"
    '    printf("usage: %s [options] file\\n", argv[0]);\n    return 0;\n}\n'
)


@pytest.fixture(scope="module")
def full() -> Engine:
    engine = Engine(fast=False)
    engine.index()
    return engine


@pytest.fixture(scope="module")
def tables(
    full: Engine, tmp_path_factory: pytest.TempPathFactory
) -> tuple[spdx_light.Light, RuleSieve]:
    """The tables as a commit meets them: written to a cache directory and read back
    (the licenses without their texts)."""
    from licensedcode.cache import get_cache

    version = scancode_version()
    directory = tmp_path_factory.mktemp("light")
    spdx_light.save_light(directory, spdx_light.Light.build(get_cache(), version))
    loaded = spdx_light.load_light(directory, version)
    assert loaded is not None
    return loaded, RuleSieve.build(full.index(), version)


def _lines(light: spdx_light.Light) -> list[str]:
    keys = sorted({str(symbol.key) for symbol in light.spdx_symbols.values()})
    licenses = [k for k in keys if "exception" not in k.lower()]
    exceptions = [k for k in keys if "exception" in k.lower()]
    pick = random.Random(16)
    expressions = list(keys)  # every SPDX key, alone
    for _ in range(120):
        expressions.append(f"{pick.choice(licenses)} WITH {pick.choice(exceptions)}")
    for _ in range(120):
        a, b, c = (pick.choice(licenses) for _ in range(3))
        op1, op2 = pick.choice(["OR", "AND", "or", "and"]), pick.choice(["OR", "AND"])
        form = pick.choice(
            ["{a} {op1} {b}", "({a} {op1} {b}) {op2} {c}", "{a} {op1} ({b} {op2} {c})"]
        )
        expressions.append(form.format(a=a, b=b, c=c, op1=op1, op2=op2))
    for _ in range(60):
        expressions.append(pick.choice(licenses).lower() + pick.choice(["", "+", " +"]))
    expressions += [
        "LicenseRef-Proprietary-Example",
        "Foo-Bar-1.0",
        "MIT OR",
        "(MIT",
        "GPL-2.0-or-later WITH Classpath-exception-2.0 AND (BSD-3-Clause OR MIT)",
        "Apache-2.0 The rest of this line is prose.",
        "MIT, Apache-2.0",
        "GPL-2.0-with-classpath-exception",
        "wxWindows",
    ]
    lines = []
    for n, expression in enumerate(expressions):
        lines.append(
            PREFIXES[n % len(PREFIXES)]
            + TAGS[n % len(TAGS)]
            + expression
            + SUFFIXES[n % len(SUFFIXES)]
        )
    found = DATA / "scancode-datadriven.txt"
    lines += [ln for ln in found.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return lines


def _compared(detection: FileDetection) -> dict[str, Any]:
    payload = detection.to_payload()
    payload.pop("engine")
    return payload


def test_the_same_result_as_scancode_on_many_spdx_lines(
    tmp_path: Path, full: Engine, tables: tuple[spdx_light.Light, RuleSieve]
) -> None:
    light, sieve = tables
    lines = _lines(light)
    assert len(lines) > 1000
    files: list[Path] = []
    for start in range(0, len(lines), 80):
        path = tmp_path / f"many_{start}.c"
        body = "\n".join(f"{line}\n{CODE}\n\n\n\n" for line in lines[start : start + 80])
        path.write_text(body, encoding="utf-8")
        files.append(path)
    for n, line in enumerate(lines[:: len(lines) // 25]):
        path = tmp_path / f"one_{n}.py"
        path.write_text(f"{line}\n\nimport os\nprint(os.getcwd())\n", encoding="utf-8")
        files.append(path)
    for n, line in enumerate(lines[5 :: len(lines) // 60]):
        before, after = HEADERS[n % len(HEADERS)]
        tag = line[line.lower().find("spdx-licen") :]
        path = tmp_path / f"header_{n}.c"
        path.write_text(f"{before}{tag}{after}\n{BODY}", encoding="utf-8")
        files.append(path)
    answered = 0
    for path in files:
        mine = spdx_light.detect(str(path), light, sieve)
        if mine is None:
            continue
        answered += 1
        assert mine.engine == "spdx"
        assert _compared(mine) == _compared(full.detect_file(path)), path.read_text()
    # the light path must answer most of them (a path that always falls back would
    # pass the comparison); it falls back on the lines that are also the text of a
    # rule of ScanCode's ("SPDX-License-Identifier: GPL-2.0"), 6 of the 2,800 lines
    assert answered >= 0.75 * len(files), (answered, len(files))


def _whole_file_candidates(path: Path, light: spdx_light.Light, sieve: RuleSieve) -> bool:
    """Whether some rule passes the approximate matcher's set stage on all the file's
    ids outside its SPDX lines taken as one set (the test before query runs)."""
    from licensedcode import query as sc_query

    with spdx_light._standing_in(light) as idx:
        qry = sc_query.build_query(
            location=str(path),
            idx=idx,
            text_line_threshold=TEXT_LINE_THRESHOLD,
            bin_line_threshold=BIN_LINE_THRESHOLD,
        )
    spans = [(a, b) for _text, a, b in qry.spdx_lines]
    outside = [int(t) for n, t in enumerate(qry.tokens) if not any(a <= n <= b for a, b in spans)]
    return bool(sieve.candidates(outside))


def test_legalese_words_in_the_code_around_the_line(
    tmp_path: Path, full: Engine, tables: tuple[spdx_light.Light, RuleSieve]
) -> None:
    """REUSE headers on code whose comments hold legalese words here and there (KDE's
    kcalc: "latest", "changed", "ensures"), and on code with license phrases spread
    through it, which ScanCode's approximate matcher does match: where the reader
    answers, it answers as ScanCode does; it answers files whose legalese words let
    a rule through on the whole file but in no query run ScanCode could cut."""
    light, sieve = tables
    legalese = sorted(w for w, tid in light.dictionary.items() if tid < light.len_legalese)
    phrases = [
        "Permission is hereby granted, free of charge, to any person obtaining a copy",
        "THE SOFTWARE IS PROVIDED AS IS, WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED",
        "IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM",
        "Redistribution and use in source and binary forms, with or without modification",
        "are permitted provided that the following conditions are met",
        "you may not use this file except in compliance with the License",
    ]
    # words that let no rule through on their own, with the code around them, as
    # kcalc's comments hold them
    around = ["keep", "the", "values", "here", "total", "compute", "item", "0", "offset"]
    context = [light.dictionary[w] for w in around if w in light.dictionary]
    lone = [w for w in legalese if not sieve.candidates([light.dictionary[w], *context])]
    pick = random.Random(1604)
    files: list[Path] = []
    for n in range(90):
        before, after = HEADERS[n % len(HEADERS)]
        body: list[str] = []
        gap = pick.choice([3, 8, 14, 20, 40])  # lines of code between comments
        comments = pick.randint(2, 9)
        # the legalese words of a license phrase, each in a comment of its own, far
        # apart: together they let rules through, in no query run ScanCode cuts
        spread = [w for w in pick.choice(phrases).lower().replace(",", "").split() if w in lone]
        if n % 3 == 1:
            gap, comments = 30, len(spread)
        for c in range(comments):
            body += [f"    total += compute(item_{k}, offset);" for k in range(gap)]
            if n % 3 == 2:  # license phrases, which can be matched
                body.append(f"// {pick.choice(phrases)}")
            elif n % 3 == 1:
                body.append(f"// keep the {spread[c]} values here")
            else:
                words = " ".join(pick.choice(legalese) for _ in range(pick.randint(1, 3)))
                body.append(f"// keep the {words} values here")
        path = tmp_path / f"reuse_{n}.cpp"
        text = f"{before}SPDX-License-Identifier: GPL-2.0-or-later{after}\n" + "\n".join(body)
        path.write_text(text + "\n", encoding="utf-8")
        files.append(path)
    answered = beyond_whole_file = matched_elsewhere = 0
    for path in files:
        theirs = full.detect_file(path)
        if any(m.matcher != "1-spdx-id" for det in theirs.detections for m in det.matches):
            matched_elsewhere += 1
        mine = spdx_light.detect(str(path), light, sieve)
        if mine is None:
            continue
        answered += 1
        assert _compared(mine) == _compared(theirs), path.read_text()
        beyond_whole_file += _whole_file_candidates(path, light, sieve)
    assert matched_elsewhere >= 5  # the reader must have had something to refuse
    assert answered >= 20, answered
    assert beyond_whole_file >= 5, beyond_whole_file


def test_other_license_text_goes_to_the_index(
    tmp_path: Path, tables: tuple[spdx_light.Light, RuleSieve]
) -> None:
    light, sieve = tables
    cases = {
        # a notice beside the SPDX line: ScanCode's other matchers would find it
        "notice.c": "// SPDX-License-Identifier: MIT\n// Licensed under the Apache License, "
        "Version 2.0\n",
        "gpl.c": "/* SPDX-License-Identifier: MIT */\n/* This program is free software; you can "
        "redistribute it and/or modify it under the terms of the GNU General Public License "
        "as published by the Free Software Foundation */\n",
        # no SPDX line at all
        "none.c": "int main(void) { return 0; }\n",
        # a tag with nothing after it: no match, the words stay in the query
        "empty.c": "// SPDX-License-Identifier:\nint x;\n",
        # the line is also one of ScanCode's false-positive rules (fsfe/reuse-tool's
        # header template): its exact match takes the SPDX match away, nothing is found
        "header.jinja2": "{% for expression in spdx_expressions %}\n"
        "SPDX-License-Identifier: {{ expression }}\n{% endfor %}\n",
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert spdx_light.detect(str(path), light, sieve) is None, name


def test_the_tables_round_trip_and_a_bad_file_is_ignored(
    tmp_path: Path, tables: tuple[spdx_light.Light, RuleSieve]
) -> None:
    from licensedcode.cache import get_cache

    live = get_cache()
    light = spdx_light.Light.build(live, tables[0].scancode_version)
    spdx_light.save_light(tmp_path, light)
    loaded = spdx_light.load_light(tmp_path, light.scancode_version)
    assert loaded is not None
    assert loaded.dictionary == light.dictionary
    assert loaded.db.keys() == live.db.keys()
    # the texts are left out of the file (16.7 of its 18 MB), not out of ScanCode's cache
    assert all(lic.text is None for lic in loaded.db.values())
    assert "Permission is hereby granted" in live.db["mit"].text
    assert loaded.db["mit"].spdx_license_key == "MIT"
    # each license is still one object wherever the tables refer to it
    assert loaded.spdx_symbols["mit"].wrapped is loaded.db["mit"]
    assert spdx_light.load_light(tmp_path, "0.0.0") is None
    spdx_light.light_file(tmp_path, light.scancode_version).write_bytes(b"not a pickle")
    assert spdx_light.load_light(tmp_path, light.scancode_version) is None


def test_the_file_detector_answers_an_spdx_header_without_the_index(
    tmp_path: Path, tables: tuple[spdx_light.Light, RuleSieve]
) -> None:
    """What a commit meets: the tables in the cache directory, a fresh engine; the
    staged file with an SPDX header is answered and the index is never loaded."""
    from licensetier.cache import DetectionCache
    from licensetier.detect.files import FileDetector
    from licensetier.detect.prefilter import save_sieve
    from licensetier.walk import WalkedFile

    light, sieve = tables
    directory = tmp_path / "cache"
    cache = DetectionCache.open(directory, engine_version="test", db_version="test")
    save_sieve(directory, sieve)
    spdx_light.save_light(directory, light)
    source = tmp_path / "main.rs"
    source.write_text(
        "// SPDX-License-Identifier: Apache-2.0 OR MIT\n\nfn main() {}\n", encoding="utf-8"
    )
    engine = Engine()
    frozen = gc.get_freeze_count()
    detected = FileDetector(engine, cache).detect(
        [WalkedFile("main.rs", str(source), source.stat().st_size)]
    )
    (result,) = detected.results
    assert (result.license, result.engine) == ("apache-2.0 OR mit", "spdx")
    assert result.detections[0].rule.startswith("spdx-license-identifier-")
    assert not engine.loaded
    # the tables were loaded with the collector paused, then moved out of its sight
    assert gc.isenabled()
    assert gc.get_freeze_count() > frozen


def test_long_lived_objects_are_frozen_and_the_collector_is_left_as_it_was() -> None:
    gc.collect()
    frozen = gc.get_freeze_count()
    with long_lived():
        assert not gc.isenabled()
        kept = [[n] for n in range(1000)]  # lists: always tracked by the collector
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen + len(kept)
    gc.disable()
    try:
        frozen = gc.get_freeze_count()
        with pytest.raises(ValueError, match="freezes nothing"), long_lived():
            raise ValueError("a failed load freezes nothing")
        assert gc.get_freeze_count() == frozen
        assert not gc.isenabled()  # paused by the caller: left paused
    finally:
        gc.enable()
