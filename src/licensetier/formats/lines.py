"""The line of a key: where in a manifest a value was written, for the messages and
findings that name a file and a line.

The parsers give values without positions, so each format has one finder here:

* TOML: :func:`toml_line` (a key or table by its path: ``("project", "license")``,
  ``"package.license"``), from a scan of table headers and key assignments.
* JSON: :func:`json_key_lines` (every object key by its path), from a scan of the
  tokens of a text that already parsed.
* YAML: :func:`licensetier.formats.parse_yaml` gives the lines of keys from PyYAML's
  node marks; :func:`yaml_key_lines` is the cheap one for flat lockfile maps.
* XML: :func:`licensetier.formats.parse_xml` gives each element's line (expat's).
* INI: :func:`ini_line`.

Every finder answers None rather than a wrong line when it cannot tell.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

# -- plain text ------------------------------------------------------------------------


def line_at(text: str, offset: int) -> int:
    """The 1-based line of ``offset``."""
    return text.count("\n", 0, offset) + 1


def offset_of_line(text: str, line: int) -> int:
    """The offset where 1-based ``line`` starts (the end of the text past its last)."""
    at = 0
    for _ in range(line - 1):
        found = text.find("\n", at)
        if found < 0:
            return len(text)
        at = found + 1
    return at


def first_line(text: str, needle: str, start: int = 0) -> int | None:
    """The 1-based number of the first line at or after ``start`` holding ``needle``."""
    at = text.find(needle, start)
    return None if at < 0 else line_at(text, at)


def quoted_line(text: str, value: str, start: int = 0) -> int | None:
    """The line of ``"value"`` or ``'value'`` at or after ``start`` (a string in an
    array, as TOML and JSON write it)."""
    for quote in ('"', "'"):
        line = first_line(text, f"{quote}{value}{quote}", start)
        if line is not None:
            return line
    return None


# -- TOML ------------------------------------------------------------------------------

_TOML_HEADER = re.compile(r"^\s*\[\[?([^\[\]]+?)\]\]?\s*(?:#.*)?$")
_TOML_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_TOML_PART = re.compile(r"""\s*(?:([A-Za-z0-9_-]+)|"((?:[^"\\]|\\.)*)"|'([^']*)')\s*""")


def toml_key(written: str) -> tuple[str, ...]:
    """A dotted key as written (``a."b.c".d``) as its parts (``("a", "b.c", "d")``)."""
    parts: list[str] = []
    at = 0
    while at <= len(written):
        match = _TOML_PART.match(written, at)
        if match is None:
            return tuple(p.strip() for p in written.split("."))
        bare, basic, literal = match.groups()
        if basic is not None:
            with contextlib.suppress(ValueError):
                basic = json.loads(f'"{basic}"')
        parts.append(bare if bare is not None else basic if basic is not None else literal)
        at = match.end()
        if at >= len(written) or written[at] != ".":
            break
        at += 1
    return tuple(parts)


TomlPath = tuple[str | int, ...]
_INDEXED = re.compile(r"^(.*?)((?:\[\d+\])+)$")


def toml_path(key: str) -> TomlPath:
    """A key as messages name it, with array indices (``artifacts[0].tier``), as a
    path for :func:`toml_line` (``("artifacts", 0, "tier")``). Its parts are bare keys
    (the configuration's own keys, rule ids, tiers), so a dot always separates."""
    path: list[str | int] = []
    for part in key.split("."):
        indexed = _INDEXED.match(part)
        if indexed is None:
            path.append(part)
            continue
        path.append(indexed.group(1))
        path.extend(int(i) for i in re.findall(r"\d+", indexed.group(2)))
    return tuple(path)


def _expanded(parts: tuple[str, ...], arrays: dict[TomlPath, int]) -> TomlPath:
    """A table header's parts with the current index of each array of tables in it."""
    out: TomlPath = ()
    for part in parts:
        out += (part,)
        if out in arrays:
            out += (arrays[out],)
    return out


def toml_line(text: str, key: str | TomlPath, *, within: bool = True) -> int | None:
    """The 1-based line where the key or table ``key`` is set: a ``[table]`` header,
    a ``key = ...`` in its table, or a dotted key; an integer in ``key`` is an index
    into an array of tables (``[[artifacts]]``). With ``within`` a key below it
    counts too (``project.license.text = ...`` sets ``project.license``). None when it
    is not written out (an inline table's key, a multi-line string's content)."""
    wanted: TomlPath = toml_key(key) if isinstance(key, str) else tuple(key)
    size = len(wanted)
    table: TomlPath = ()
    arrays: dict[TomlPath, int] = {}  # each array of tables -> the index of its last
    in_multiline: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        header = _TOML_HEADER.match(line)
        if header:
            parts = toml_key(header.group(1))
            if line.lstrip().startswith("[["):
                path = (*_expanded(parts[:-1], arrays), parts[-1])
                arrays[path] = arrays.get(path, -1) + 1
                table = (*path, arrays[path])
            else:
                table = _expanded(parts, arrays)
            if table == wanted or (within and table[:size] == wanted):
                return number
            continue
        assigned = _TOML_KEY.match(line)
        if assigned:
            full = table + toml_key(assigned.group(1))
            if full == wanted or (within and full[:size] == wanted):
                return number
        for quote in ('"""', "'''"):
            if line.count(quote) % 2 == 1:
                in_multiline = quote
                break
    return None


def toml_nearest_line(text: str, key: str) -> int | None:
    """The line of ``key`` (:func:`toml_path`), else of the nearest key above it that
    is written out (a key inside an inline table: the line of the table's key)."""
    path = toml_path(key)
    for size in range(len(path), 0, -1):
        line = toml_line(text, path[:size])
        if line is not None:
            return line
    return None


# -- JSON ------------------------------------------------------------------------------

_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\],]')


class _Frame:
    __slots__ = ("at", "expect_key", "is_object")

    def __init__(self, is_object: bool) -> None:
        self.is_object = is_object
        self.at: str | int = 0  # the current key, or the current array index
        self.expect_key = is_object


def json_key_lines(text: str, max_depth: int | None = 2) -> dict[tuple[str | int, ...], int]:
    """The 1-based line of each object key of a JSON text, by its path.

    A path is the keys (and array indexes) from the top: ``("dependencies", "react")``,
    ``("packages", 3, "name")``. Only keys at most ``max_depth`` deep are kept (None:
    all). ``text`` is expected to be valid JSON (parse it first); on a duplicated key
    the first one's line is kept.
    """
    lines: dict[tuple[str | int, ...], int] = {}
    stack: list[_Frame] = []
    line, last = 1, 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first == '"':
            if not stack:
                continue
            top = stack[-1]
            if not (top.is_object and top.expect_key):
                continue
            top.expect_key = False
            if max_depth is not None and len(stack) > max_depth:
                continue  # too deep to be kept: its key is not needed either
            key: Any = token[1:-1]
            if "\\" in key:
                try:
                    key = json.loads(token)
                except ValueError:
                    key = token[1:-1]
            top.at = key
            start = match.start()
            line += text.count("\n", last, start)
            last = start
            lines.setdefault(tuple(frame.at for frame in stack), line)
        elif first == "{":
            stack.append(_Frame(True))
        elif first == "[":
            stack.append(_Frame(False))
        elif first in "}]":
            if stack:
                stack.pop()
        elif stack:  # ","
            top = stack[-1]
            if top.is_object:
                top.expect_key = True
            elif isinstance(top.at, int):
                top.at += 1
    return lines


# -- YAML ------------------------------------------------------------------------------

_YAML_KEY = re.compile(
    r"""^( *)(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^\s'"#][^#]*?)):(?:\s|$)"""
)


def yaml_key_lines(text: str) -> dict[tuple[int, str], int]:
    """The 1-based line of each block-mapping key of a YAML text, by indentation and
    key (``(2, "/a@1.2.3")``); the first one wins. Cheap and approximate: enough for
    the flat maps of lockfiles, which are too large to compose into nodes for lines."""
    lines: dict[tuple[int, str], int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        match = _YAML_KEY.match(raw)
        if match is None:
            continue
        indent = len(match.group(1))
        if match.group(2) is not None:
            key = match.group(2).replace('\\"', '"').replace("\\\\", "\\")
        elif match.group(3) is not None:
            key = match.group(3).replace("''", "'")
        else:
            key = match.group(4)
        lines.setdefault((indent, key), number)
    return lines


# -- INI -------------------------------------------------------------------------------

_INI_SECTION = re.compile(r"^\s*\[([^\]]+)\]")
_INI_OPTION = re.compile(r"^([^\s=:#;][^=:]*?)\s*[=:]")


def ini_line(text: str, section: str, option: str) -> int | None:
    """The 1-based line of ``option`` (case-insensitive) in ``[section]``."""
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _INI_SECTION.match(line)
        if header:
            current = header.group(1).strip()
            continue
        match = _INI_OPTION.match(line)
        if current == section and match and match.group(1).strip().lower() == option:
            return number
    return None
