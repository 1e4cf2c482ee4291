"""The format layer under the readers: TOML, JSON, YAML, XML and INI loaded with one
error style and one size cap, and the line of a key (:mod:`licensetier.formats.lines`).

Every reader of a manifest, lockfile or model card reads the file through
:func:`read_text` (through :mod:`licensetier.fs`, at most :data:`MAX_MANIFEST_BYTES`)
and parses it with one ``parse_*`` function here. A file that does not parse is a
:class:`~licensetier.errors.ManifestError` naming the file and, where the parser says,
the line, whose message is always ``not valid <FORMAT>: <detail>`` (``not valid TOML:
Unclosed array (at line 7, column 5)``).

The standard parsers are recursive: a 100,000-deep array makes them raise
``RecursionError`` (or exhaust memory), which is no error of the file's format to the
code around them. Here any such failure is the parser's own error
(``TOMLDecodeError``, ``JSONDecodeError``) saying that the file is nested too deeply,
at which line, so every reader turns it into the same configuration error or scan
problem naming the file as any other malformed file.

This module holds the project's only fallback import of ``tomli`` (Python < 3.11):
everything else imports :data:`tomllib` from here.
"""

from __future__ import annotations

import configparser
import inspect
import json
import re
import reprlib
import sys
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from licensetier.errors import ManifestError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

__all__ = ["tomllib"]

TOMLDecodeError = tomllib.TOMLDecodeError
JSONDecodeError = json.JSONDecodeError

MAX_MANIFEST_BYTES = 20 * 1024 * 1024  # a lockfile of a large monorepo is a few MB

_TOML_ERROR_TAKES_DOC = "doc" in inspect.signature(TOMLDecodeError.__init__).parameters

DEEP = 200  # a nesting level no real manifest or configuration reaches


def _deep_at(text: str, comments: bool) -> int:
    """The offset where brackets and braces first nest ``DEEP`` levels, strings and
    (for TOML) comments left out; 0 when they never do."""
    depth = 0
    quote = ""
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 2
                continue
            if c == quote or c == "\n":
                quote = ""
        elif c in "\"'":
            quote = c
        elif comments and c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif c in "[{":
            depth += 1
            if depth >= DEEP:
                return i
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1
    return 0


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def load_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads``; nesting it cannot follow is a ``TOMLDecodeError`` too."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
        return data
    except (RecursionError, MemoryError):
        at = _deep_at(text, comments=True)
        where = (
            f" (at line {_line(text, at)}, column {at - text.rfind(chr(10), 0, at)})" if at else ""
        )
        if _TOML_ERROR_TAKES_DOC:  # Python 3.14's and tomli 2.1's signature
            error = TOMLDecodeError("nested too deeply to be read", text, at)  # type: ignore[call-arg,unused-ignore]
            raise error from None
        raise TOMLDecodeError(f"nested too deeply to be read{where}") from None


def load_json(text: str | bytes) -> Any:
    """``json.loads``; nesting it cannot follow is a ``JSONDecodeError`` too."""
    try:
        return json.loads(text)
    except (RecursionError, MemoryError):
        doc = text if isinstance(text, str) else text.decode("utf-8", errors="replace")
        at = _deep_at(doc, comments=False)
        raise JSONDecodeError("nested too deeply to be read", doc, at) from None


# -- reading a manifest ----------------------------------------------------------------


def base_of(path: Path, source: str) -> Path:
    """The directory ``path`` must stay in when a caller does not say: the scan root
    when ``source`` is ``path`` relative to it (as a manifest's source is), else the
    file's own directory."""
    parts = PurePosixPath(source).parts
    if (
        parts
        and not PurePosixPath(source).is_absolute()
        and ".." not in parts
        and len(path.parts) > len(parts)
        and tuple(path.parts[-len(parts) :]) == parts
    ):
        return Path(*path.parts[: -len(parts)])
    return path.parent


def read_text(
    path: Path, source: str, limit: int = MAX_MANIFEST_BYTES, *, base: Path | None = None
) -> str:
    """A manifest's text, or a :class:`ManifestError` naming ``source`` (and the line
    of the first byte that is not UTF-8); a file above ``limit`` bytes is not read, nor
    one that is not a regular file inside ``base`` (default: :func:`base_of`)."""
    from licensetier import fs

    try:
        return fs.read_text(path, base if base is not None else base_of(path, source), limit)
    except fs.Undecodable as exc:
        raise ManifestError("not UTF-8 text", path=source, line=exc.line) from None
    except OSError as exc:
        raise ManifestError(fs.reason(exc), path=source) from None


# -- parsing, with one error style -----------------------------------------------------


def not_valid(kind: str, detail: str, source: str, line: int | None = None) -> ManifestError:
    """The one error of a file that does not parse: ``not valid <kind>: <detail>``."""
    return ManifestError(f"not valid {kind}: {detail}", path=source, line=line)


def kind_of(value: object) -> str:
    """``an object``, ``an array``, ``a string``...: what a JSON or YAML value is."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "null" if value is None else type(value).__name__


_SHOW = reprlib.Repr()
_SHOW.maxlevel, _SHOW.maxlist, _SHOW.maxdict, _SHOW.maxstring, _SHOW.maxother = 2, 3, 3, 40, 40


def describe(value: Any) -> str:
    """``an integer (3)``: the kind of a value and a short, bounded view of it
    (YAML aliases can make huge or self-referencing structures)."""
    kinds = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        list: "a list",
        str: "a string",
    }
    kind = kinds.get(type(value))
    if kind is None:
        kind = "a table" if isinstance(value, dict) else f"a {type(value).__name__}"
    return f"{kind} ({_SHOW.repr(value)})"


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """:func:`load_toml` for a manifest or lockfile: a malformed (or too deeply
    nested) one is ``not valid TOML: <the parser's message>``, with its line."""
    try:
        return load_toml(text)
    except TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"at line (\d+)", message)
        line = int(match.group(1)) if match else getattr(exc, "lineno", None)
        raise not_valid("TOML", message, source, line) from None


def parse_json(text: str | bytes, source: str) -> Any:
    """The JSON value of ``text``, or ``not valid JSON: <message>`` with the line."""
    try:
        return load_json(text)
    except JSONDecodeError as exc:
        raise not_valid("JSON", exc.msg, source, exc.lineno) from None


def parse_json_object(text: str, source: str) -> dict[str, Any]:
    """:func:`parse_json` for files whose top level must be an object."""
    data = parse_json(text, source)
    if not isinstance(data, dict):
        raise ManifestError(f"expected a JSON object, found {kind_of(data)}", path=source, line=1)
    return data


def parse_yaml(
    text: str, source: str, *, first_line: int = 1, key_depth: int = 0
) -> tuple[Any, dict[tuple[str, ...], int]]:
    """The YAML value of ``text`` (a safe loader: plain data only) and the line of each
    mapping key at most ``key_depth`` levels deep (0: none), from PyYAML's node marks;
    ``not valid YAML: <problem>`` with its line otherwise. ``first_line`` is the file
    line of the text's first line (front matter starts on line 2)."""
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = int(mark.line) + first_line if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise not_valid("YAML", problem, source, line) from None
    except RecursionError:
        raise not_valid("YAML", "nested too deeply", source) from None
    finally:
        loader.dispose()
    lines: dict[tuple[str, ...], int] = {}
    if node is not None and key_depth > 0:
        _yaml_key_lines(node, (), key_depth, first_line, lines)
    return data, lines


def _yaml_key_lines(
    node: Any, path: tuple[str, ...], depth: int, first: int, out: dict[tuple[str, ...], int]
) -> None:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        here = (*path, str(key.value))
        out.setdefault(here, int(key.start_mark.line) + first)
        if depth > 1:
            _yaml_key_lines(value, here, depth - 1, first, out)


def parse_ini(text: str, source: str) -> configparser.ConfigParser:
    """An INI file (``setup.cfg``) without interpolation, or ``not valid INI: ...``."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=source)
    except configparser.Error as exc:
        message, line = _ini_problem(exc)
        raise not_valid("INI", message, source, line) from None
    return parser


def _ini_problem(exc: configparser.Error) -> tuple[str, int | None]:
    """configparser's error in our words, without its "While reading from" preamble."""
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return "an option before any [section] header", exc.lineno
    if isinstance(exc, configparser.ParsingError) and exc.errors:
        line, text = exc.errors[0]
        return f"neither a [section], an option nor a comment: {text.strip()!r}", line
    if isinstance(exc, configparser.DuplicateOptionError):
        return f"option {exc.option!r} appears twice in [{exc.section}]", exc.lineno
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"section [{exc.section}] appears twice", exc.lineno
    return str(exc).splitlines()[0], getattr(exc, "lineno", None)


# -- XML -----------------------------------------------------------------------------
#
# ElementTree has no ``sourceline`` and lxml is no dependency of licensetier (only of
# ScanCode): the tree is built here from expat's events, and each element's line is
# expat's ``CurrentLineNumber`` when its start tag is read.


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _refuse_entities(text: str, source: str) -> None:
    for marker in ("<!DOCTYPE", "<!ENTITY"):
        at = text.upper().find(marker)
        if at >= 0:
            raise ManifestError(
                f"{marker[2:]} declarations are not read (XML entities are refused)",
                path=source,
                line=text.count("\n", 0, at) + 1,
            )


def parse_xml(text: str | bytes, source: str) -> tuple[ET.Element, dict[int, int]]:
    """The root element of an XML document, namespaces removed from the tags, and the
    1-based line of each element's start tag (by ``id`` of the element); ``not valid
    XML: <reason>`` when it is not well-formed. A DOCTYPE or ENTITY declaration is
    refused before anything is parsed."""
    import xml.etree.ElementTree as ET
    from xml.parsers import expat

    shown = text if isinstance(text, str) else text.decode("latin-1")
    _refuse_entities(shown, source)
    parser = expat.ParserCreate(namespace_separator="}")
    stack: list[ET.Element] = []
    roots: list[ET.Element] = []
    lines: dict[int, int] = {}
    texts: list[list[str]] = []

    def start(tag: str, attributes: dict[str, str]) -> None:
        element = ET.Element(_local(tag), {_local(k): v for k, v in attributes.items()})
        lines[id(element)] = parser.CurrentLineNumber
        if stack:
            stack[-1].append(element)
        else:
            roots.append(element)
        stack.append(element)
        texts.append([])

    def end(tag: str) -> None:
        element = stack.pop()
        parts = texts.pop()
        if parts:
            element.text = "".join(parts)

    def data(chunk: str) -> None:
        if texts and not len(stack[-1]):
            texts[-1].append(chunk)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.buffer_text = True
    try:
        parser.Parse(text, True)
    except expat.ExpatError as exc:
        reason = expat.errors.messages.get(exc.code, str(exc)) if exc.code else str(exc)
        raise not_valid("XML", reason, source, exc.lineno) from None
    except (ValueError, LookupError) as exc:
        raise not_valid("XML", str(exc), source) from None
    if not roots:
        raise not_valid("XML", "no element found", source, 1)
    return roots[0], lines


def child_text(element: ET.Element | None, *path: str) -> str | None:
    """The stripped text of the element at ``path`` under ``element``; None when it is
    missing or empty."""
    for name in path:
        if element is None:
            return None
        element = element.find(name)
    if element is None or element.text is None:
        return None
    return element.text.strip() or None
