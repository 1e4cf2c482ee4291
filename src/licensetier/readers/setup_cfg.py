"""``setup.cfg``: the artifact's declared license, ``[metadata] license`` and
``license_expression``, and its dependencies: ``[options] install_requires``
(runtime), ``tests_require`` and ``setup_requires`` (development), and each option of
``[options.extras_require]`` (an extra: optional, or development when named for it).
A value is pip's requirement lines (``;`` markers kept); ``file:`` directives are not
followed (the file named is read on its own when it is a requirements file) and are
reported. (``setup.py``: :mod:`licensetier.readers.setup_py`.)"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from licensetier import formats
from licensetier.deps.base import Entries, Scope, normalize_pypi
from licensetier.errors import ManifestError
from licensetier.formats.lines import ini_line
from licensetier.readers import Document, Identity, Reading

if TYPE_CHECKING:
    from licensetier.declared import ManifestContext
    from licensetier.models import DeclaredLicense


def load(path: Path, source: str, base: Path) -> Document:
    text = formats.read_text(path, source, base=base)
    return Document(path, source, text, formats.parse_ini(text, source), base)


def identity(doc: Document) -> Identity | None:
    """``[metadata]`` ``name``, ``version`` and ``author`` (or ``maintainer``); a value
    setuptools computes (``attr:``, ``file:``) is not the project's version as written."""
    parser = doc.data
    if not parser.has_section("metadata"):
        return None
    table = {
        option: value
        for option in ("name", "version", "author", "maintainer")
        if parser.has_option("metadata", option)
        and not (value := parser.get("metadata", option).strip()).startswith(("attr:", "file:"))
    }
    return Identity.of(doc.source, table, "author", "maintainer")


def declared(doc: Document, ctx: ManifestContext) -> list[DeclaredLicense]:
    parser = doc.data
    out: list[DeclaredLicense] = []
    if not parser.has_section("metadata"):
        return out
    for option in ("license", "license_expression"):
        if parser.has_option("metadata", option):
            value = parser.get("metadata", option)
            if value.strip():
                line = ini_line(doc.text, "metadata", option)
                out.append(ctx.declare(f"metadata.{option}", value.strip(), line))
    return out


OPTIONS = {
    "install_requires": Scope.RUNTIME,
    "tests_require": Scope.DEVELOPMENT,
    "setup_requires": Scope.DEVELOPMENT,
}


def _value_lines(text: str, start: int | None, value: str) -> list[tuple[str, int | None]]:
    """Each requirement line of an option's value with its file line: the option's
    line and the indented lines after it, matched in order."""
    lines = text.splitlines()
    out: list[tuple[str, int | None]] = []
    at = (start or 1) - 1
    for item in value.splitlines():
        item = item.strip()
        if not item or item.startswith(("#", ";")):
            continue
        found = None
        if start is not None:
            for number in range(at, len(lines)):
                if item in lines[number]:
                    found, at = number + 1, number + 1
                    break
        out.append((item, found))
    return out


def dependencies(doc: Document, reading: Reading | None = None) -> Entries:
    from licensetier.deps.python import add_requirement_lines, extra_scope

    parser, text, source = doc.data, doc.text, doc.source
    out = Entries()
    own = None
    if parser.has_option("metadata", "name"):
        own = normalize_pypi(parser.get("metadata", "name").strip())

    def add(section: str, option: str, scope: Scope) -> None:
        value = parser.get(section, option)
        start = ini_line(text, section, option)
        if value.strip().startswith(("file:", "attr:")):
            out.notes.append(
                ManifestError(
                    f"[{section}] {option} = {value.strip()!r} is not followed (a requirements "
                    "file is read on its own)",
                    path=source,
                    line=start,
                )
            )
            return
        lines = _value_lines(text, start, value)
        lines = [(item.split(" #", 1)[0].strip(), number) for item, number in lines]
        add_requirement_lines(out, lines, source, scope, own)

    if parser.has_section("options"):
        for option, scope in OPTIONS.items():
            if parser.has_option("options", option):
                add("options", option, scope)
    if parser.has_section("options.extras_require"):
        for extra in parser.options("options.extras_require"):
            name = extra.split(":", 1)[0].strip()
            add("options.extras_require", extra, extra_scope(name) if name else Scope.RUNTIME)
    return out


def read_dependencies(path: Path, source: str) -> Entries:
    """``setup.cfg``'s dependencies, read on its own (its route's parser)."""
    return dependencies(load(path, source, formats.base_of(path, source)))
