"""What ScanCode reads, licensetier reads: UTF-16 and UTF-32 text with a byte-order
mark, RTF, the strings of binaries (a compiled object, bytes with NULs and a notice,
a text file that ScanCode's type detection takes for a binary), and nothing from an
image. Each file's result is compared with ScanCode's own (``scancode.api
.get_licenses``, what ``scancode --license`` reports per file); a file ScanCode reads
no text from is in ``skipped[]`` as a binary file; a rescan answers from the cache,
reading nothing again; a cache entry of an older licensetier that kept every file
with a NUL byte as "binary" no longer hides it.

ScanCode 32.5 reads a UTF-16 or UTF-32 file as lines of text decoded as UTF-8 (else
Latin-1) with its NUL bytes as spaces: one letter per token, so it finds no license
in it. licensetier deliberately differs there: text with a UTF-16 or UTF-32 byte order
mark that decodes wholly is read as its UTF-8 twin, so a GPL notice saved by an editor
as UTF-16 is detected as the GPL notice it is (where it used to be skipped as a
binary). Every other form gets exactly ScanCode's result.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from licensetier.cache import DetectionCache, blob_id
from licensetier.detect import prefilter
from licensetier.detect.engine import Engine, scancode_version
from licensetier.paths import data_directory
from tests.conftest import Run

# Text with a UTF-16/32 byte order mark: detected as the UTF-8 file of the same text.
DECODED = {"notice-utf16le.txt", "notice-utf16be.txt", "notice-utf32.txt"}

GPL_NOTICE = """\
Copyright (C) 2020 Example Author

This program is free software; you can redistribute it and/or modify
it under the terms of the GNU General Public License version 2 as
published by the Free Software Foundation.

This program is distributed in the hope that it will be useful,
but WITHOUT ANY WARRANTY; without even the implied warranty of
MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
GNU General Public License for more details.
"""

C_SOURCE = """\
const char notice[] = "This program is free software; you can redistribute it and/or "
    "modify it under the terms of the GNU General Public License version 2 as "
    "published by the Free Software Foundation.";
const char spdx[] = "SPDX-License-Identifier: GPL-2.0-only";
int f(void) { return notice[0] + spdx[0]; }
"""


def scancode_license_text(key: str) -> str:
    """A license's text as ScanCode ships it (its .LICENSE file, less the front matter)."""
    import licensedcode

    path = Path(licensedcode.__file__).parent / "data" / "licenses" / f"{key}.LICENSE"
    text = path.read_text(encoding="utf-8")
    if text.startswith("---"):
        text = text.split("---", 2)[2]
    return text.strip("\n") + "\n"


def rtf(text: str, *, styled: bool) -> str:
    """``text`` as an RTF document, one paragraph per line; ``styled``: some words in
    bold and italics, and a non-ASCII character as an RTF escape."""

    def line(raw: str) -> str:
        escaped = raw.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}")
        if styled and "GNU" in escaped:
            escaped = escaped.replace("GNU", "{\\b GNU}", 1)
        if styled and "Library" in escaped:
            escaped = escaped.replace("Library", "{\\i Library}", 1)
        return escaped

    body = "\\par\n".join(line(raw) for raw in text.splitlines())
    head = "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Helvetica;}}\n"
    head += "{\\info{\\author J\\'f6rg}}\n" if styled else ""
    return head + "\\pard\\f0\\fs20 " + body + "\\par\n}\n"


def png(comment: str) -> bytes:
    """A 1x1 PNG image with a text chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
        + chunk(b"tEXt", b"Comment\0" + comment.encode("ascii"))
        + chunk(b"IDAT", zlib.compress(b"\0\0"))
        + chunk(b"IEND", b"")
    )


def build_forms(root: Path) -> dict[str, str]:
    """The files of every form, written under ``root``: name -> what it is."""
    root.mkdir(parents=True, exist_ok=True)
    forms: dict[str, str] = {}

    def write(name: str, data: bytes, what: str) -> None:
        (root / name).write_bytes(data)
        forms[name] = what

    write("notice-utf16le.txt", b"\xff\xfe" + GPL_NOTICE.encode("utf-16-le"), "UTF-16LE, BOM")
    write("notice-utf16be.txt", b"\xfe\xff" + GPL_NOTICE.encode("utf-16-be"), "UTF-16BE, BOM")
    write("notice-utf32.txt", GPL_NOTICE.encode("utf-32"), "UTF-32, BOM")
    write("notice-utf8.txt", b"\xef\xbb\xbf" + GPL_NOTICE.encode(), "UTF-8, BOM")
    lgpl = scancode_license_text("lgpl-2.1")
    write("lgpl-2.1.rtf", rtf(lgpl, styled=False).encode("cp1252"), "RTF")
    write("COPYING.rtf", rtf(lgpl, styled=True).encode("cp1252"), "RTF, styled")
    # an RTF file ending in a NUL byte, as some editors write them
    write("notice.rtf", rtf(GPL_NOTICE, styled=True).encode("cp1252") + b"\0", "RTF, NUL")
    blob = b"\x7fELF\x02\x01\x01\0" + bytes(range(256)) * 4
    blob += b"\0" + GPL_NOTICE.replace("\n", " ").encode("ascii") + b"\0"
    blob += bytes(range(256)) + "Licensed under the MIT License".encode("utf-16-le") + b"\0\0"
    write("firmware.bin", blob, "binary, with a notice and a UTF-16 string")
    # a text file that starts like a bitmap: ScanCode takes it for a binary
    write("BMP-NOTES.txt", b"BM tools\n\nSPDX-License-Identifier: MIT\n", "text, binary start")
    write("logo.png", png("SPDX-License-Identifier: GPL-2.0-only"), "PNG image")
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is not None:
        source = root.parent / "notice.c"
        source.write_text(C_SOURCE, encoding="ascii")
        subprocess.run([gcc, "-c", "-O0", str(source), "-o", str(root / "notice.o")], check=True)
        forms["notice.o"] = "compiled object"
    return forms


def scancode_result(path: Path) -> dict[str, Any]:
    """ScanCode's own result for one file, as ``scancode --license`` reports it."""
    from scancode.api import get_licenses

    Engine().index()  # the same index, loaded once per session
    result: dict[str, Any] = get_licenses(str(path))
    return result


def reads_no_text(path: Path) -> bool:
    from typecode.contenttype import Type

    return not Type(str(path)).contains_text


def scan(run_cli: Callable[..., Run], root: Path) -> dict[str, Any]:
    run = run_cli(
        "scan", root, "--no-deps", "--format", "json", "--jobs", "1", "--fail-on", "never"
    )
    assert run.exit_code == 0, run.stderr
    report: dict[str, Any] = run.json()
    return report


@pytest.fixture
def forms(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    root = tmp_path / "repo"
    return root, build_forms(root)


@pytest.fixture
def readings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the first pass reads through ScanCode's type detection."""
    seen: list[str] = []
    real = prefilter.scancode_reading

    def counting(location: str) -> prefilter.ScanCodeReading:
        seen.append(os.path.basename(location))
        return real(location)

    monkeypatch.setattr(prefilter, "scancode_reading", counting)
    return seen


def test_every_form_is_read_as_scancode_reads_it(
    forms: tuple[Path, dict[str, str]], run_cli: Callable[..., Run], readings: list[str]
) -> None:
    root, built = forms
    report = scan(run_cli, root)
    licenses = {f["path"]: f["scancode_license"] for f in report["files"]}
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    for name, what in built.items():
        theirs = scancode_result(root / name)["detected_license_expression"]
        if reads_no_text(root / name):
            assert theirs is None
            assert skipped.get(name) == "binary file", (name, what)
            assert name not in licenses
        elif name in DECODED:
            assert theirs is None  # ScanCode 32.5 reads one letter per token
            twin = root / "utf8-twin" / name
            twin.parent.mkdir(exist_ok=True)
            twin.write_text(GPL_NOTICE, encoding="utf-8")
            assert licenses[name] == scancode_result(twin)["detected_license_expression"]
        else:
            assert name not in skipped, (name, what, skipped.get(name))
            assert licenses[name] == theirs, (name, what)
    # what that is: the GPL in UTF-16/32 text as in its UTF-8 twin, the license of an
    # RTF text and of a binary's strings, nothing in a PNG
    assert licenses["notice-utf16le.txt"] == "gpl-2.0"
    assert licenses["notice-utf16be.txt"] == "gpl-2.0"
    assert licenses["notice-utf32.txt"] == "gpl-2.0"
    assert licenses["notice-utf8.txt"] == "gpl-2.0"
    assert "lgpl-2.1" in licenses["lgpl-2.1.rtf"]
    assert "lgpl-2.1" in licenses["COPYING.rtf"]
    assert (licenses["notice.rtf"] or "").startswith("gpl-")  # RTF markup in the words
    assert "gpl-2.0" in licenses["firmware.bin"]
    assert "mit" in licenses["firmware.bin"]
    assert licenses["BMP-NOTES.txt"] == "mit"
    assert skipped["logo.png"] == "binary file"
    if "notice.o" in built:
        assert licenses["notice.o"] == "gpl-2.0"
    # the files that are not plain text went through ScanCode's own reading
    assert {"firmware.bin", "BMP-NOTES.txt", "logo.png"} <= set(readings)
    assert not DECODED & set(readings)  # decoded, then read as text
    assert "lgpl-2.1.rtf" not in readings  # RTF without NUL: lines of text, read as such


def test_a_rescan_answers_from_the_cache_without_reading_again(
    forms: tuple[Path, dict[str, str]], run_cli: Callable[..., Run], readings: list[str]
) -> None:
    root, _built = forms
    first = scan(run_cli, root)
    assert readings
    assert int(first["tool"]["files_detected"]) > 0
    readings.clear()
    second = scan(run_cli, root)
    assert readings == []  # no type detection, no strings extraction
    assert second["tool"]["files_detected"] == "0"
    assert "index_load_seconds" not in second["tool"]
    assert second["files"] == first["files"]
    assert second["skipped"] == first["skipped"]


def test_an_old_binary_verdict_in_the_cache_does_not_hide_a_file(
    forms: tuple[Path, dict[str, str]], run_cli: Callable[..., Run], isolated_cache: Path
) -> None:
    root, _built = forms
    first = scan(run_cli, root)
    licenses = {f["path"]: f["scancode_license"] for f in first["files"]}
    assert "gpl-2.0" in licenses["firmware.bin"]
    # what licensetier kept before for every file with a NUL byte
    with DetectionCache.open(
        isolated_cache, engine_version=scancode_version(), db_version=first["tool"]["license_db"]
    ) as cache:
        for name in ("firmware.bin", "notice-utf16le.txt"):
            cache.put(blob_id((root / name).read_bytes()), "fast", {"binary": True})
    again = scan(run_cli, root)
    assert again["files"] == first["files"]
    assert again["skipped"] == first["skipped"]
    # both judged again; each now has a license, so each goes to ScanCode again
    assert again["tool"]["files_detected"] == "2"


# -- the first pass on these readings: exactly ScanCode's query, and sound --------------
@pytest.fixture(scope="module")
def index() -> Any:
    return Engine().index()


@pytest.fixture(scope="module")
def sieve(index: Any) -> prefilter.RuleSieve:
    return prefilter.RuleSieve.build(index, scancode_version())


def test_the_reading_is_scancodes_query(index: Any, tmp_path: Path) -> None:
    from licensedcode import query as sc_query
    from licensedcode.stopwords import STOPWORDS

    root = tmp_path / "forms"
    built = build_forms(root)
    for name in built:
        path = root / name
        reading = prefilter.scancode_reading(str(path))
        qry = sc_query.build_query(
            location=str(path),
            idx=index,
            text_line_threshold=prefilter.TEXT_LINE_THRESHOLD,
            bin_line_threshold=prefilter.BIN_LINE_THRESHOLD,
        )
        if not reading.contains_text:
            assert qry is None, name
            continue
        assert qry is not None
        expected = prefilter.BIN_LINE_THRESHOLD if qry.is_binary else prefilter.TEXT_LINE_THRESHOLD
        assert reading.line_threshold == expected, name
        ours = [
            index.dictionary[t]
            for line in reading.lines
            for t in prefilter._tokens(line.lower())
            if t in index.dictionary and t not in STOPWORDS
        ]
        assert ours == list(qry.tokens), name


def test_first_pass_rules_out_only_what_scancode_finds_nothing_in(
    index: Any, sieve: prefilter.RuleSieve, tmp_path: Path
) -> None:
    from tests.unit.test_prefilter import JUNK, _low_threshold_rule_words, _scancode_has_candidates

    witnesses = prefilter.load_witnesses(data_directory(), scancode_version())
    root = tmp_path / "forms"
    built = build_forms(root)
    # a binary whose strings are a rule's words, each string apart from the next by
    # ``gap`` strings of code: ScanCode cuts a binary's query after 50 such lines, not 15
    words = next(_low_threshold_rule_words(index, sieve))
    for gap in (0, 14, 16, 30, 49, 51, 60):
        strings: list[str] = []
        for word in words:
            strings.append(f"check({word});")
            strings.extend(line.strip() for line in (JUNK * 2)[:gap])
        name = f"spread{gap}.bin"
        head = b"\x7fELF\x02\x01\x01\0" + bytes(range(256)) * 2  # typecode: a binary
        (root / name).write_bytes(head + b"\0".join(s.encode() for s in strings) + b"\0")
        built[name] = "binary, words of a rule spread"
    kept, ruled_out = [], []
    for name in sorted(built):
        path = root / name
        data = path.read_bytes()
        sound = prefilter.first_pass(str(path), data, name, witnesses, sieve)
        gated = prefilter.first_pass(str(path), data, name, witnesses, sieve, gate=True)
        if sound is None:
            assert gated is None
            assert scancode_result(path)["detected_license_expression"] is None
            continue
        if not sound:
            assert not _scancode_has_candidates(index, path), name
            assert scancode_result(path)["detected_license_expression"] is None, name
            ruled_out.append(name)
        else:
            kept.append(name)
        if not gated:
            assert Engine().detect_file(path).license is None, name
    assert {"spread0.bin", "spread16.bin", "spread30.bin", "spread49.bin"} <= set(kept)
    assert {"spread51.bin", "spread60.bin"} <= set(ruled_out)
    # cut at the threshold of text, the binary's query runs would have been ruled out
    lines = prefilter.scancode_reading(str(root / "spread30.bin")).lines
    per_line = [[prefilter._tokens(line.lower())] for line in lines]
    assert not sieve.could_match_in_runs(per_line, False, prefilter.TEXT_LINE_THRESHOLD)
