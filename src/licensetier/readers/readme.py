"""A README's "License" section: where many projects state their license in words.

Only the section's place is found here (its heading and the lines under it, up to the
next heading of any level: a subsection, "Contribution" or "Third-party code", speaks
of other licenses than the project's); what license it states is ScanCode's
detection of the README, already made by the scan, restricted to those lines
(:mod:`licensetier.reasoning` weighs it: a README is evidence beside the license files
and manifests, not above them).

Headings are read in the three forms READMEs use: Markdown (ATX ``## License`` and
setext ``License`` over ``-------``, HTML ``<h2>License</h2>``), reStructuredText (a
title over an underline, and an overline, of one punctuation character) and plain text (a line of
capitals alone, ``LICENSE``, or followed by a colon). Markdown code fences are skipped.
A hand-written reader rather than a Markdown or reStructuredText parser: only headings
are wanted, in three syntaxes, with their line numbers, and a README that is not valid
in any of them must still give its section; docutils and the Markdown parsers build a
whole document tree and report no line for a setext heading.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from licensetier.expressions import combine, keys_in
from licensetier.models import DeclaredLicense
from licensetier.reasoning import README_FIELD, says_choice

if TYPE_CHECKING:
    from licensetier.models import FileResult

# The names a README's license section goes by.
README_NAME = re.compile(r"readme(?:\.(?:md|markdown|rst|txt|adoc|org))?", re.IGNORECASE)
_PREFERRED = ("readme.md", "readme.rst", "readme", "readme.txt", "readme.markdown")


def preference(name: str) -> tuple[int, str]:
    """Sort key of README names: the one a forge shows first comes first."""
    low = name.lower()
    return (_PREFERRED.index(low) if low in _PREFERRED else len(_PREFERRED), name)


MAX_SECTION_LINES = 80  # a License section is a paragraph or two; a long one is cut

_TITLE = re.compile(
    r"(?:the\s+)?(?:"
    r"licen[cs](?:e|es|ing)(?:\s+(?:information|terms|and\s+copyright|&\s+copyright))?"
    r"|copyright(?:\s+(?:and|&)\s+licen[cs](?:e|es|ing))?"
    r"|(?:legal|terms\s+of\s+use|open\s+source\s+licen[cs]e)"
    r")",
    re.IGNORECASE,
)
_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_HTML = re.compile(r"^\s*<h([1-6])\b[^>]*>(.*?)</h\1>\s*$", re.IGNORECASE)
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_RST_ADORN = re.compile(r"^([=\-~^\"'`#*+<>_:.])\1{2,}\s*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_PLAIN = re.compile(r"^([A-Z][A-Z &]+?):?\s*$")


@dataclass(frozen=True)
class Section:
    """The README's license section: its heading's line and the lines under it, up
    to the next heading (1-based, inclusive; ``end`` < ``start`` when it is empty)."""

    heading: str
    line: int
    start: int
    end: int
    text: str


def _title(raw: str) -> str:
    """A heading's words, without markup, numbering, emoji and a trailing colon."""
    text = re.sub(r"<[^>]+>", "", raw)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [License](link)
    text = re.sub(r"[*_`:]+", " ", text)
    text = re.sub(r"^[\W\d_]+", "", text)  # "8. ", "📝 "
    return re.sub(r"\s+", " ", text).strip(" .-")


def is_license_title(raw: str) -> bool:
    return bool(_TITLE.fullmatch(_title(raw)))


def headings(lines: list[str], rst: bool) -> list[tuple[int, str]]:
    """``(line index, title)`` of each heading, in order."""
    out: list[tuple[int, str]] = []
    fence: str | None = None
    for i, line in enumerate(lines):
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            continue
        if opened and not rst:
            fence = opened.group(1)
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if not rst and (m := _ATX.match(line) or _HTML.match(line)):
            out.append((i, m.group(2)))
        elif line.strip() and not _RST_ADORN.match(line) and (m := _RST_ADORN.match(nxt)):
            if rst or _SETEXT.match(nxt):
                out.append((i, line.strip()))
        elif (
            (m := _PLAIN.match(line.strip()))
            and (i == 0 or not lines[i - 1].strip())
            and is_license_title(m.group(1))
        ):
            out.append((i, m.group(1)))  # plain text: a line of capitals alone
    return out


def license_section(text: str, name: str) -> Section | None:
    """The first license section of a README called ``name``, or None."""
    lines = text.splitlines()
    rst = name.lower().endswith((".rst", ".txt")) or "." not in name
    found = headings(lines, rst)
    if rst and not any(is_license_title(t) for _i, t in found):
        found = headings(lines, False)  # a README without an extension may be Markdown
    for n, (i, title) in enumerate(found):
        if not is_license_title(title):
            continue
        start = i + 1
        if start < len(lines) and (_RST_ADORN.match(lines[start]) or _SETEXT.match(lines[start])):
            start += 1  # the underline
        # to the next heading of any level: a subsection ("Contribution", "Third-party
        # code") speaks of other licenses than the project's
        end = next((j for j, _t in found[n + 1 :]), len(lines))
        end = min(end, start + MAX_SECTION_LINES)
        body = lines[start:end]
        while body and not body[-1].strip():
            body.pop()
        return Section(_title(title), i + 1, start + 1, start + len(body), "\n".join(body))
    return None


FIELD = README_FIELD  # the DeclaredLicense.field of a README's section


def statement(
    source: str,
    text: str,
    result: FileResult | None,
    spdx: Callable[[str], str],
    is_clue: Callable[[str], bool],
) -> DeclaredLicense | None:
    """The README's License section as a statement: the licenses ScanCode detected in
    its lines (``result``: the scan's result of the README; ``spdx`` renders ScanCode
    keys in SPDX), or None when the README has no such section. Its score is that of
    the matches of licenses, not of a clue beside them (``is_clue``: a ScanCode key
    that is not a grant, :func:`licensetier.reasoning.is_clue`).

    A section in which ScanCode found nothing is kept too (``license`` None): it says
    where the project states its license, and the reasoning records it as a clue.
    """
    section = license_section(text, source.rsplit("/", 1)[-1])
    if section is None:
        return None
    found = [
        m
        for d in (result.detections if result is not None else ())
        for m in (d.matches or (d,))
        if section.line <= m.start_line and m.end_line <= section.end
    ]
    keys = list(dict.fromkeys(m.license for m in found))
    expression = combine(keys, "OR" if len(keys) > 1 and says_choice(section.text) else "AND")
    words = " ".join(section.text.split())
    raw = words if len(words) <= 160 else words[:157] + "..."
    return DeclaredLicense(
        source=source,
        field=FIELD,
        license=expression,
        license_spdx=spdx(expression) if expression else None,
        raw=raw or f"(the {section.heading!r} section is empty)",
        score=min(
            (m.score for m in found if not all(is_clue(k) for k in keys_in(m.license))),
            default=min((m.score for m in found), default=0.0),
        ),
        line=section.line,
        low_confidence=expression is None,
    )
