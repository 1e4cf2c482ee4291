"""Names from a repository, made safe to write: a path as printable text, a path as a
URI, and a JSON document without the lone surrogates Python uses for undecodable bytes.

A repository's file names are bytes. The walk decodes them with ``os.fsdecode``, so
a byte that is not UTF-8 is a lone surrogate (``\\udce9`` for the byte ``0xe9``),
which no writer can encode, and a name may hold control characters (a newline, an
ESC that would rewrite a terminal, bidirectional overrides that reorder what is
shown). Every report except JSON (which escapes them itself) writes names through
these helpers, so that a name is never lost and never rewrites the screen:

- :func:`printable`: the text, markdown, github, SPDX and CycloneDX convention. A byte
  that is not UTF-8 is ``\\xe9``; a control character is ``\\n``, ``\\t``, ``\\r`` or
  ``\\x1b``; a line or paragraph separator and a bidirectional control are
  ``\\u2028``-style; a backslash is ``\\\\``, so that the escaped form is unambiguous
  and the original bytes can be recovered.
- :func:`path_uri`: SARIF's convention: a relative URI reference whose octets are the
  name's raw bytes, percent-encoded.
"""

from __future__ import annotations

import os
import unicodedata
from typing import Any
from urllib.parse import quote

_SHORT = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# shown as they are, but reorder or hide what follows them on a screen
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


def _escape(char: str) -> str:
    short = _SHORT.get(char)
    if short is not None:
        return short
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's surrogateescape: the byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def _needs_escape(char: str) -> bool:
    return char in _SHORT or char in _BIDI or unicodedata.category(char) in _ESCAPED_CATEGORIES


def printable(text: str) -> str:
    """``text`` (a path, or a message naming one) as printable text: undecodable bytes,
    control characters, separators, bidirectional controls and backslashes escaped;
    everything else, any script included, as it is."""
    if text.isascii() and text.isprintable() and "\\" not in text:
        return text  # the common case, at no cost
    return "".join(_escape(c) if _needs_escape(c) else c for c in text)


def path_uri(path: str) -> str:
    """A relative path as a URI reference: its raw bytes (as the walk read them from the
    file system) percent-encoded, ``/`` kept."""
    return quote(os.fsencode(path), safe="/")


def _no_surrogates(text: str) -> str:
    if text.isascii():
        return text
    return "".join(printable(c) if unicodedata.category(c) == "Cs" else c for c in text)


def without_surrogates(document: Any) -> Any:
    """A JSON-like document (dicts, lists, strings, numbers) with each lone surrogate in
    its strings and keys written as :func:`printable` writes it (``\\xe9``): a JSON
    report that names a file by a path that is not UTF-8 in a message or a comment can
    be encoded, and says which byte it was. Everything else is unchanged (JSON escapes
    control characters itself)."""
    if isinstance(document, str):
        return _no_surrogates(document)
    if isinstance(document, dict):
        return {_no_surrogates(k): without_surrogates(v) for k, v in document.items()}
    if isinstance(document, list | tuple):
        return [without_surrogates(v) for v in document]
    return document
