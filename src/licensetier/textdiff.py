"""What a license file changed in the license text ScanCode matched it to.

ScanCode's score says how much of a license's text a file matched, not what the file
holds besides: an Apache-2.0 text with an added "no commercial use" clause scores 97
and reads as Apache-2.0, the clause's words at most a weak ``proprietary-license``
match inside it. :func:`changes` compares the file's lines with the text of the rule
ScanCode matched (its own data: ``licensedcode/data/licenses/<key>.LICENSE`` or
``licensedcode/data/rules/<id>.RULE``), word by word with :mod:`difflib`, and names
the passages the file adds and the words of the license it leaves out. Copyright
lines, short differences (a filled-in placeholder, ``http`` for ``https``) and passages
only moved (found elsewhere in the other text) are not changes of the terms and are not
reported.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from pathlib import Path

MIN_WORDS = 8  # a passage this long is a change of the terms, not a filled-in placeholder
MAX_WORDS = 20_000  # texts longer than this are not compared (difflib is quadratic)
MAX_RULE_BYTES = 512 * 1024

_WORD = re.compile(r"[a-z0-9]+")
# a copyright notice's line (a license's own sentences name "copyright" too)
_COPYRIGHT = re.compile(r"^\W*(?:copyright\b|\(c\)|©)|all\s+rights\s+reserved", re.IGNORECASE)


@dataclass(frozen=True)
class Changes:
    """What a file's text changes in a license text: the lines of each passage it adds
    (1-based, inclusive) and how many of the license's words it leaves out."""

    added: tuple[tuple[int, int], ...]
    removed_words: int

    def __bool__(self) -> bool:
        return bool(self.added) or self.removed_words >= MIN_WORDS


@functools.cache
def rule_text(identifier: str) -> str | None:
    """The text of a ScanCode rule or license (``apache-2.0.LICENSE``,
    ``mit_12.RULE``), without its front matter; None when there is none."""
    from licensedcode import models

    if "/" in identifier or "\\" in identifier or identifier.startswith("."):
        return None
    if identifier.endswith(".LICENSE"):
        path = Path(models.licenses_data_dir) / identifier
    elif identifier.endswith(".RULE"):
        path = Path(models.rules_data_dir) / identifier
    else:
        return None
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_RULE_BYTES)
    except OSError:
        return None
    text = raw.decode("utf-8", errors="replace")
    if text.startswith("---"):
        _front, _sep, text = text[3:].partition("\n---")
    return text.replace("{{", "").replace("}}", "")


def changes(lines: list[str], start: int, end: int, reference: str) -> Changes | None:
    """What ``lines[start-1:end]`` change in ``reference``; None when the texts are
    too long to compare."""
    words: list[tuple[str, int]] = []
    for number in range(start, min(end, len(lines)) + 1):
        line = lines[number - 1]
        if _COPYRIGHT.search(line):
            continue
        words.extend((w, number) for w in _WORD.findall(line.lower()))
    ref = [
        w
        for line in reference.splitlines()
        if not _COPYRIGHT.search(line)
        for w in _WORD.findall(line.lower())
    ]
    if len(words) > MAX_WORDS or len(ref) > MAX_WORDS:
        return None
    mine = [w for w, _n in words]
    matcher = difflib.SequenceMatcher(None, ref, mine, autojunk=False)
    # a passage that is mostly found elsewhere in the other text (for the license's
    # words, anywhere in the file) was moved or reworded, not added or left out
    in_ref = _grams(ref)
    in_file = _grams([w for line in lines for w in _WORD.findall(line.lower())])
    added: list[tuple[int, int]] = []
    removed = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if (
            tag in ("insert", "replace")
            and j2 - j1 >= MIN_WORDS
            and not _found(mine[j1:j2], in_ref)
        ):
            added.append((words[j1][1], words[j2 - 1][1]))
        if (
            tag in ("delete", "replace")
            and i2 - i1 >= MIN_WORDS
            and not _found(ref[i1:i2], in_file)
        ):
            removed += i2 - i1
    return Changes(tuple(added), removed)


GRAM = 4  # words in a row that make a passage recognisable
FOUND = 0.5  # the share of a passage's runs found elsewhere that makes it moved


def _grams(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + GRAM]) for i in range(len(words) - GRAM + 1)}


def _found(passage: list[str], grams: set[tuple[str, ...]]) -> bool:
    """Whether most of ``passage`` is found, in runs of words, among ``grams``."""
    mine = [tuple(passage[i : i + GRAM]) for i in range(len(passage) - GRAM + 1)]
    return bool(mine) and sum(g in grams for g in mine) >= FOUND * len(mine)
