"""``*.gemspec``: a Ruby gem's declared license and its dependencies
(``add_dependency`` statements: :func:`licensetier.deps.ruby.gemspec_dependencies`),
read as text, never run.

A gemspec is Ruby code; licensetier never runs it. No maintained Python library reads
a gemspec's license as data (the one that reads gemspecs, ``gemfileparser2``, reads
their dependencies only, line by line), so this module has its own small tokenizer for
the two forms RubyGems documents, at the start of a line (a commented-out line is not
read):

* ``<receiver>.license = <string>``
* ``<receiver>.licenses = <string or array>``

where ``<receiver>`` is the block's variable (``s``, ``spec``, ``gem``...), a string is
a single- or double-quoted literal, optionally ``.freeze``-d, and an array is
``[<string>, ...]`` (over several lines, with comments and a trailing comma) or a word
list, ``%w[MIT Apache-2.0]`` (any of RubyGems' usual delimiters). A value computed
when the file runs - a variable, a method call, a string with ``#{...}``, a literal
followed by an operator - cannot be known without running the file: it is left out,
as ``setup.py``'s computed license is. When the license is assigned several times the
last assignment is the one Ruby keeps. An unterminated literal in the value is a
problem naming its line.

Several licenses in ``licenses`` are alternatives, joined with OR. RubyGems'
documentation of ``licenses=`` ("the license(s) for the library") does not spell the
semantics out, but the practice it documents is the choice: RubyGems validates each
entry as one SPDX identifier, rejects a compound expression (``MIT OR Apache-2.0``) in
one entry, and points a multi-licensed gem to the array; the array is how gems under
"the Ruby license or the BSD-2-Clause" (Ruby's standard gems: ``["Ruby",
"BSD-2-Clause"]``) write their choice.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from licensetier import formats
from licensetier.deps.base import Entries
from licensetier.errors import ManifestError
from licensetier.readers import Document

if TYPE_CHECKING:
    from licensetier.declared import ManifestContext
    from licensetier.models import DeclaredLicense

ASSIGNMENT = re.compile(r"^[ \t]*[A-Za-z_]\w*\.(licenses?)[ \t]*=(?![=~>])[ \t]*", re.MULTILINE)
FREEZE = re.compile(r"[ \t]*\.freeze\b")
END_OF_STATEMENT = re.compile(r"[ \t]*(?:#[^\n]*)?(?:\n|;|$)")
WORD_LIST_OPEN = {"[": "]", "(": ")", "{": "}", "<": ">"}
MAX_VALUES = 64


@dataclass(frozen=True)
class Assignment:
    field: str  # "license" or "licenses"
    line: int
    values: tuple[str, ...] | None  # None: computed when the file runs


class _Dynamic(Exception):
    """The value is not a literal."""


class _Scanner:
    def __init__(self, text: str, source: str, at: int, newlines: list[int]) -> None:
        self.text, self.source, self.at, self.newlines = text, source, at, newlines

    def line(self, at: int | None = None) -> int:
        return bisect.bisect_left(self.newlines, self.at if at is None else at) + 1

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def skip_space(self, newlines: bool) -> None:
        while self.at < len(self.text):
            c = self.text[self.at]
            if c in " \t\r" or (newlines and c == "\n"):
                self.at += 1
            elif newlines and c == "#":
                end = self.text.find("\n", self.at)
                self.at = len(self.text) if end < 0 else end
            else:
                return

    def string(self) -> str:
        quote = self.peek()
        start = self.at
        self.at += 1
        out: list[str] = []
        while self.at < len(self.text):
            c = self.text[self.at]
            if c == "\\" and self.at + 1 < len(self.text):
                nxt = self.text[self.at + 1]
                if quote == "'" and nxt not in "'\\":
                    out.append(c)
                else:
                    out.append(nxt)
                self.at += 2
                continue
            if c == quote:
                self.at += 1
                value = "".join(out)
                if FREEZE.match(self.text, self.at):
                    self.at = FREEZE.match(self.text, self.at).end()  # type: ignore[union-attr]
                return value
            if quote == '"' and self.text.startswith("#{", self.at):
                raise _Dynamic
            out.append(c)
            self.at += 1
        raise ManifestError(
            "an unterminated string in the license value", path=self.source, line=self.line(start)
        )

    def array(self) -> list[str]:
        start = self.at
        self.at += 1
        values: list[str] = []
        while True:
            self.skip_space(newlines=True)
            c = self.peek()
            if not c:
                raise ManifestError(
                    "an unterminated array in the license value",
                    path=self.source,
                    line=self.line(start),
                )
            if c == "]":
                self.at += 1
                break
            if c not in "'\"":
                raise _Dynamic
            values.append(self.string())
            if len(values) > MAX_VALUES:
                raise _Dynamic
            self.skip_space(newlines=True)
            if self.peek() == ",":
                self.at += 1
            elif self.peek() != "]":
                raise _Dynamic
        if FREEZE.match(self.text, self.at):
            self.at = FREEZE.match(self.text, self.at).end()  # type: ignore[union-attr]
        return values

    def word_list(self) -> list[str]:
        start = self.at
        opening = self.text[self.at + 2 : self.at + 3]
        closing = WORD_LIST_OPEN.get(opening, opening)
        end = self.text.find(closing, self.at + 3)
        if not opening or opening.isalnum() or opening.isspace() or end < 0:
            raise ManifestError(
                "an unterminated %w list in the license value",
                path=self.source,
                line=self.line(start),
            )
        words = self.text[self.at + 3 : end].split()
        self.at = end + 1
        if FREEZE.match(self.text, self.at):
            self.at = FREEZE.match(self.text, self.at).end()  # type: ignore[union-attr]
        return words

    def value(self) -> tuple[str, ...]:
        c = self.peek()
        if c in "'\"":
            values = [self.string()]
        elif c == "[":
            values = self.array()
        elif self.text.startswith(("%w", "%W"), self.at):
            values = self.word_list()
        else:
            raise _Dynamic
        if not END_OF_STATEMENT.match(self.text, self.at):
            raise _Dynamic  # "MIT" + x, "MIT".upcase, ...
        return tuple(values)


def assignments(text: str, source: str) -> list[Assignment]:
    """Every ``.license =`` / ``.licenses =`` at the start of a line, in order."""
    out: list[Assignment] = []
    newlines = [i for i, c in enumerate(text) if c == "\n"] if "licens" in text else []
    for match in ASSIGNMENT.finditer(text):
        scanner = _Scanner(text, source, match.end(), newlines)
        line = scanner.line(match.start(1))
        try:
            values: tuple[str, ...] | None = scanner.value()
        except _Dynamic:
            values = None
        out.append(Assignment(match.group(1), line, values))
    return out


def load(path: Path, source: str, base: Path) -> Document:
    text = formats.read_text(path, source, base=base)
    return Document(path, source, text, assignments(text, source), base)


def declared(doc: Document, ctx: ManifestContext) -> list[DeclaredLicense]:
    found: list[Assignment] = doc.data
    if not found:
        return []
    last = found[-1]
    if last.values is None:
        return []  # computed when the file runs
    values = [" ".join(v.split()) for v in last.values if v.strip()]
    if not values:
        return []
    raw = values[0] if len(values) == 1 and last.field == "license" else json.dumps(values)
    normalized = ctx.normalize(values[0], last.line) if len(values) == 1 else None
    if normalized is None:
        normalized = ctx.choice(values, last.line)
    return [ctx.declare(last.field, raw, last.line, normalized)]


def dependencies(doc: Document, reading: object = None) -> Entries:
    """The gemspec's ``add_*dependency`` statements (read as data, never run)."""
    from licensetier.deps.ruby import gemspec_dependencies

    return gemspec_dependencies(doc.text, doc.source)


def read_dependencies(path: Path, source: str) -> Entries:
    """A gemspec's dependencies, read on its own (its route's parser)."""
    return dependencies(load(path, source, formats.base_of(path, source)))
