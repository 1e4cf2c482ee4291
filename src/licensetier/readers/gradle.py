"""``build.gradle``, ``build.gradle.kts`` and ``gradle.properties``: the declared
license of a Gradle build that publishes a POM, read as text, never run.

A Gradle build script is a Groovy or Kotlin program; licensetier does not run it (nor
Gradle). It reads the forms in which builds state the license of what they publish,
with regular expressions over the text with its comments blanked out:

* the ``maven-publish`` plugin's POM block (and the same block of the plugins built on
  it, and of the old ``maven`` plugin's ``pom.project``)::

      licenses {
          license {
              name = 'The Apache License, Version 2.0'    // Groovy or Kotlin
              url = 'https://www.apache.org/licenses/LICENSE-2.0.txt'
          }
      }

  with ``name 'x'``, ``name('x')``, ``name = 'x'``, ``name.set("x")`` (and the same
  for ``url``), single- or double-quoted. Each ``license`` is understood by its name,
  by its URL when the name is missing or not understood for certain. The entries of one
  ``licenses`` block are alternatives (OR), as a POM's ``<licenses>`` are
  (:mod:`licensetier.readers.pom_xml`); each block is a statement (the same licenses
  in several blocks, one per publication, are one);
* in ``gradle.properties``, the properties the publishing plugins built on
  ``maven-publish`` (Vanniktech's ``gradle-maven-publish-plugin`` and the scripts it
  grew from) fill the POM's license from: ``POM_LICENSE_NAME`` and ``POM_LICENSE_URL``,
  or the British ``POM_LICENCE_NAME`` and ``POM_LICENCE_URL``; one license;
* a list of license ids assigned to ``licenses`` (the Bintray plugin's
  ``pkg { licenses = ['Apache-2.0'] }``, still in many builds), or passed to
  ``setLicenses(...)``: alternatives (OR).

A value that is computed (a variable, a property lookup, a string with ``$``
interpolation) is left out. A ``licenses {`` block whose braces do not close is a
problem naming its line. Other places a license could be written (a ``gradle.properties``
value named by a plugin, a ``license { header ... }`` block of a license-header
plugin, which states no license) are not read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from licensetier import formats
from licensetier.errors import ManifestError
from licensetier.readers import Document

if TYPE_CHECKING:
    from licensetier.declared import ManifestContext, Normalized
    from licensetier.models import DeclaredLicense

LICENSES_BLOCK = re.compile(r"\blicenses\s*\{")
LICENSE_BLOCK = re.compile(r"\blicense\s*\{")
STRING = r"""(?:"([^"\\$\n]*)"|'([^'\\\n]*)')"""
VALUE = r"\s*(?:=\s*|\.set\(\s*|\(\s*|[ \t]+)" + STRING
NAME = re.compile(r"\bname" + VALUE)
URL = re.compile(r"\burl" + VALUE)
LIST_ASSIGNMENT = re.compile(r"\b(?:licenses\s*=\s*(?:\[|arrayOf\(|listOf\()|setLicenses\()")
LIST_ITEM = re.compile(r"\s*" + STRING + r"\s*,?")
LIST_END = re.compile(r"\s*(?:\]|\))")
MAX_ENTRIES = 64


@dataclass(frozen=True)
class Entry:
    name: str | None
    url: str | None
    line: int


@dataclass(frozen=True)
class Statement:
    field: str  # "licenses { license }" or "licenses = [...]"
    line: int
    entries: tuple[Entry, ...]


_TOKEN = re.compile(
    r"//[^\n]*"
    r"|/\*.*?(?:\*/|\Z)"
    r'|"""(?:.*?)(?:"""|\Z)'
    r"|'''(?:.*?)(?:'''|\Z)"
    r'|"(?:\\.|[^"\\\n])*(?:"|$)'
    r"|'(?:\\.|[^'\\\n])*(?:'|$)",
    re.DOTALL | re.MULTILINE,
)


def blank_comments(text: str) -> tuple[str, str]:
    """``(text without comments, text without comments nor string contents)``, both
    the length of ``text`` with its newlines in place: comments (``//``, ``/* */``)
    and the contents of strings become spaces, so that offsets and lines stay."""
    code: list[str] = []
    bare: list[str] = []
    at = 0
    for token in _TOKEN.finditer(text):
        code.append(text[at : token.start()])
        bare.append(text[at : token.start()])
        value = token.group()
        blank = re.sub(r"[^\n]", " ", value) if "\n" in value else " " * len(value)
        if value.startswith(("//", "/*")):
            code.append(blank)
            bare.append(blank)
        else:
            quote = 3 if value.startswith(('"""', "'''")) else 1
            closed = len(value) >= 2 * quote and value.endswith(value[:quote])
            inner = value[quote : len(value) - quote] if closed else value[quote:]
            code.append(value)
            bare.append(
                value[:quote] + re.sub(r"[^\n]", " ", inner) + (value[-quote:] if closed else "")
            )
        at = token.end()
    code.append(text[at:])
    bare.append(text[at:])
    return "".join(code), "".join(bare)


def _line(text: str, at: int) -> int:
    return text.count("\n", 0, at) + 1


MAX_BLOCKS = 64  # licenses { } blocks read in one file (a real build has a few)


def _block_end(bare: str, opening: int, source: str, what: str) -> int:
    """The offset of the ``}`` closing the ``{`` at ``opening``."""
    depth = 0
    for i in range(opening, len(bare)):
        if bare[i] == "{":
            depth += 1
        elif bare[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise ManifestError(
        f"the {what} {{ block does not close", path=source, line=_line(bare, opening)
    )


def _value(match: re.Match[str] | None) -> str | None:
    if match is None:
        return None
    value = match.group(1) if match.group(1) is not None else match.group(2)
    return " ".join(value.split()) or None


def statements(text: str, source: str) -> list[Statement]:
    code, bare = blank_comments(text)
    out: list[Statement] = []
    for count, block in enumerate(LICENSES_BLOCK.finditer(bare)):
        if count >= MAX_BLOCKS:
            break
        opening = block.end() - 1
        end = _block_end(bare, opening, source, "licenses")
        entries: list[Entry] = []
        for inner in LICENSE_BLOCK.finditer(bare, opening, end):
            if len(entries) >= MAX_ENTRIES:
                break
            inner_end = _block_end(bare, inner.end() - 1, source, "license")
            body = code[inner.end() : inner_end]
            name = _value(NAME.search(body))
            url = _value(URL.search(body))
            if name or url:
                entries.append(Entry(name, url, _line(text, inner.start())))
        if entries:
            out.append(
                Statement("licenses { license }", _line(text, block.start()), tuple(entries))
            )
    for count, assignment in enumerate(LIST_ASSIGNMENT.finditer(bare)):
        if count >= MAX_BLOCKS:
            break
        at = assignment.end()
        entries = []
        while len(entries) < MAX_ENTRIES:
            item = LIST_ITEM.match(code, at)
            if item is None:
                break
            value = _value(item)
            if value:
                entries.append(Entry(value, None, _line(text, item.start())))
            at = item.end()
        if entries and LIST_END.match(code, at):
            out.append(Statement("licenses", _line(text, assignment.start()), tuple(entries)))
    return out


PROPERTY = re.compile(r"[ \t\f]*([^#!\s=:][^\s=:]*)[ \t\f]*[=:\s][ \t\f]*(.*)")
POM_PROPERTIES = {
    "name": ("POM_LICENSE_NAME", "POM_LICENCE_NAME"),
    "url": ("POM_LICENSE_URL", "POM_LICENCE_URL"),
}


def properties(text: str) -> dict[str, tuple[str, int]]:
    """A Java properties file's ``key -> (value, line)`` (continuation lines joined;
    escapes other than the line continuation are kept as written)."""
    out: dict[str, tuple[str, int]] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        number, line = i + 1, lines[i]
        i += 1
        if not line.strip() or line.lstrip()[0] in "#!":
            continue
        while line.endswith("\\") and not line.endswith("\\\\") and i < len(lines):
            line = line[:-1] + lines[i].lstrip()
            i += 1
        match = PROPERTY.match(line)
        if match:
            out[match.group(1)] = (match.group(2).strip(), number)  # the last one counts
    return out


def property_statements(text: str) -> list[Statement]:
    found = properties(text)
    values: dict[str, tuple[str, str, int]] = {}
    for part, keys in POM_PROPERTIES.items():
        for key in keys:
            if key in found and found[key][0]:
                values[part] = (key, *found[key])
                break
    if not values:
        return []
    name, url = values.get("name"), values.get("url")
    first = name or url
    assert first is not None
    key, _, line = first
    entry = Entry(name[1] if name else None, url[1] if url else None, line)
    return [Statement(key, line, (entry,))]


def load(path: Path, source: str, base: Path) -> Document:
    text = formats.read_text(path, source, base=base)
    found = property_statements(text) if path.name == "gradle.properties" else None
    return Document(
        path, source, text, found if found is not None else statements(text, source), base
    )


def declared(doc: Document, ctx: ManifestContext) -> list[DeclaredLicense]:
    found: list[Statement] = doc.data
    out: list[DeclaredLicense] = []
    seen: set[tuple[tuple[str | None, str | None], ...]] = set()
    for statement in found:
        key = tuple((e.name, e.url) for e in statement.entries)
        if key in seen:
            continue
        seen.add(key)
        parts: list[Normalized] = [
            ctx.name_or_url(e.name, e.url, e.line) for e in statement.entries
        ]
        written = [e.name or e.url or "" for e in statement.entries]
        raw = written[0] if len(written) == 1 else json.dumps(written)
        out.append(ctx.declare(statement.field, raw, statement.line, ctx.any_of(parts)))
    return out
