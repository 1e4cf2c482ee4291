"""Loading TOML and JSON that a repository holds, with one error style.

The standard parsers are recursive: a 100,000-deep array makes them raise
``RecursionError`` (or exhaust memory), which is no error of the file's format to the
code around them. Here any such failure is the parser's own error
(``TOMLDecodeError``, ``JSONDecodeError``) saying that the file is nested too deeply,
at which line, so every reader turns it into the same configuration error or scan
problem naming the file as any other malformed file.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from typing import Any

from licensetier.errors import ManifestError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TOMLDecodeError = tomllib.TOMLDecodeError
JSONDecodeError = json.JSONDecodeError

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


def load_manifest_toml(text: str, source: str, *, wording: str = "not valid TOML") -> Any:
    """:func:`load_toml` for a manifest or lockfile: a malformed (or too deeply nested)
    one is a :class:`~licensetier.errors.ManifestError` naming ``source`` and the
    line, its message starting with ``wording``."""
    try:
        return load_toml(text)
    except TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"at line (\d+)", message)
        line = int(match.group(1)) if match else getattr(exc, "lineno", None)
        raise ManifestError(f"{wording}: {message}", path=source, line=line) from None


def load_json(text: str | bytes) -> Any:
    """``json.loads``; nesting it cannot follow is a ``JSONDecodeError`` too."""
    try:
        return json.loads(text)
    except (RecursionError, MemoryError):
        doc = text if isinstance(text, str) else text.decode("utf-8", errors="replace")
        at = _deep_at(doc, comments=False)
        raise JSONDecodeError("nested too deeply to be read", doc, at) from None
