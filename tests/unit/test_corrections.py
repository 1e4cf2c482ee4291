"""ScanCode's known misreadings (license_db/corrections.toml): each reproduced with the
real engine on a text of the same shape, then corrected; texts of other shapes are
left as ScanCode reads them."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from licensetier.detect.corrections import MATCHER, Correction, correct, load_corrections, parse
from licensetier.detect.engine import Engine
from licensetier.errors import LicenseDBError
from licensetier.license_db import LicenseDB
from licensetier.models import FileResult, ScanError

NOTICE = (
    "{v} is licensed under the {v} Community License, "
    "Copyright © Meta Platforms, Inc. All Rights Reserved."
)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


def scancode_text(key: str) -> str:
    """The text of a license in the installed ScanCode, without its front matter."""
    spec = importlib.util.find_spec("licensedcode")
    assert spec is not None
    assert spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "licenses"
    text = (path / f"{key}.LICENSE").read_text(encoding="utf-8")
    return text.split("---", 2)[2].lstrip() if text.startswith("---") else text


def example(correction: Correction) -> str:
    """A text of the correction's shape: a Llama use policy is Llama 4's (ScanCode's
    only one) with another version's name and Markdown heading; the Llama 3 license is
    Llama 3.1's renamed; a Notice line is written here."""
    version = re.search(r"llama-(\d(?:\.\d)?)-", correction.id + "-")
    assert version is not None
    number = version.group(1)
    if correction.id == "llama-3-license":
        text = scancode_text("llama-3.1-license-2024")
        return text.replace("LLAMA 3.1", "META LLAMA 3").replace("Llama 3.1", "Meta Llama 3")
    if correction.id.endswith("-aup"):
        name = "Meta Llama 3" if number == "3" else f"Llama {number}"
        body = scancode_text("llama-4-license-2025").replace("Llama 4", name)
        return f"# {body}" if number in ("2", "3") else body.replace(name, f"**{name}**", 1)
    return NOTICE.format(v="Meta Llama 3" if number == "3" else f"Llama {number}") + "\n"


def detect(engine: Engine, tmp_path: Path, name: str, text: str) -> FileResult:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    found = engine.detect_file(path)
    return FileResult(name, found.license, found.license_spdx, found.detections)


@pytest.mark.parametrize("correction", load_corrections(), ids=lambda c: c.id)
def test_each_misreading_is_reproduced_and_corrected(
    correction: Correction, engine: Engine, db: LicenseDB, tmp_path: Path
) -> None:
    name = {"aup": "USE_POLICY.md", "license": "LICENSE"}.get(
        correction.id.split("-")[-1], "NOTICE"
    )
    read = detect(engine, tmp_path, name, example(correction))
    # the misreading: what the installed ScanCode says of this shape of text
    assert {d.license for d in read.detections} & correction.detected, read.detections
    errors: list[ScanError] = []
    (fixed,) = correct([read], tmp_path, db, errors)
    assert errors == []
    assert fixed.license == correction.key
    assert fixed.license_spdx == db.keys_to_spdx(correction.key)
    (detection,) = [d for d in fixed.detections if d.matcher == MATCHER]
    assert detection.rule == f"licensetier:{correction.id}"
    assert detection.score == 100.0
    # ScanCode's answer is kept beside the correction: its expression, its matches
    (original,) = [d for d in read.detections if d.license in correction.detected]
    assert detection.corrected_from == original.license
    assert detection.matches == original.matches
    assert fixed.corrected_from == read.license


def test_texts_of_other_shapes_are_left_as_read(
    engine: Engine, db: LicenseDB, tmp_path: Path
) -> None:
    kept = [
        # Llama 4's own use policy is what ScanCode says it is
        detect(engine, tmp_path, "USE_POLICY.md", scancode_text("llama-4-license-2025")),
        # Llama 2's Notice line is read right
        detect(engine, tmp_path, "Notice2", NOTICE.format(v="Llama 2") + "\n"),
        # a Notice line inside the license text is the license
        detect(engine, tmp_path, "LICENSE", scancode_text("llama-3.1-license-2024")),
        # another text that ScanCode reads as ic-1.0
        detect(engine, tmp_path, "c.txt", "Copyright © Acme, Inc. All Rights Reserved.\n"),
    ]
    assert [r.license for r in kept] == [
        "llama-4-license-2025",
        "llama-2-license-2023",
        "llama-3.1-license-2024",
        kept[3].license,
    ]
    assert correct(kept, tmp_path, db, []) == kept


def test_a_file_gone_since_detection_is_an_error_not_a_crash(
    engine: Engine, db: LicenseDB, tmp_path: Path
) -> None:
    read = detect(engine, tmp_path, "NOTICE", NOTICE.format(v="Llama 3.1") + "\n")
    (tmp_path / "NOTICE").unlink()
    errors: list[ScanError] = []
    assert correct([read], tmp_path, db, errors) == [read]
    assert [e.path for e in errors] == ["NOTICE"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"key": "no-such-key"}, "not a known license key"),
        ({"detected": []}, "non-empty list"),
        ({"shape": "(unclosed"}, "shape:"),
        ({"extra": "x"}, "exactly the fields"),
    ],
)
def test_the_table_is_validated(entry: dict[str, object], message: str, db: LicenseDB) -> None:
    base = {"id": "x", "detected": ["mit"], "shape": "x", "key": "mit", "reason": "r"}
    with pytest.raises(LicenseDBError, match=re.escape(message)):
        parse({"correction": [{**base, **entry}]}, db)
