"""``pom.xml``: the artifact's declared license (``<licenses>``) and its Maven
dependencies, from one parse.

Declared license: ``<project><licenses><license>``, each with a ``<name>`` and a
``<url>`` (``<distribution>`` and ``<comments>`` say nothing of which license). Each
entry is understood by its name first, by its URL when the name is missing or not
understood for certain (:meth:`~licensetier.declared.ManifestContext.name_or_url`).
Several entries are alternatives, joined with OR: Maven's POM reference says of
``<licenses>`` that "if multiple licenses are listed, it is assumed that the user can
select any of them, not that they must accept all" (the model reference of
``project/licenses``, Maven 3.x). ``${...}`` references in a name are not expanded:
the text is read as written (a name made of a property is not understood).

Dependencies: :func:`licensetier.deps.maven.pom_dependencies` on the same parsed
document (see :mod:`licensetier.deps.maven`).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

from licensetier import formats
from licensetier.formats import child_text
from licensetier.readers import Document, Reading

if TYPE_CHECKING:
    from licensetier.declared import ManifestContext, Normalized
    from licensetier.deps.base import Declared
    from licensetier.models import DeclaredLicense


def load(path: Path, source: str, base: Path) -> Document:
    from licensetier.deps.maven import parse_project

    text = formats.read_text(path, source, base=base)
    root, lines = parse_project(text, source)
    return Document(path, source, text, root, base, lines)


def declared(doc: Document, ctx: ManifestContext) -> list[DeclaredLicense]:
    root: ET.Element = doc.data
    entries = root.findall("licenses/license")
    written: list[str] = []
    parts: list[Normalized] = []
    first_line: int | None = None
    for entry in entries:
        name = child_text(entry, "name")
        url = child_text(entry, "url")
        if name is None and url is None:
            continue
        line = doc.lines.get(id(entry))
        first_line = first_line if first_line is not None else line
        name = " ".join(name.split()) if name else None
        written.append(name or url or "")
        parts.append(ctx.name_or_url(name, url, line))
    if not parts:
        return []
    raw = written[0] if len(written) == 1 else json.dumps(written)
    return [ctx.declare("licenses", raw, first_line, ctx.any_of(parts))]


def dependencies(doc: Document, reading: Reading | None = None) -> list[Declared]:
    """The direct dependencies of the POM (:func:`licensetier.deps.maven.pom_dependencies`)."""
    from licensetier.deps.maven import pom_dependencies

    return pom_dependencies(doc.data, dict(doc.lines), doc.source)


def read_dependencies(path: Path, source: str) -> list[Declared]:
    """``pom.xml``'s dependencies, read on its own (its route's parser)."""
    return dependencies(load(path, source, formats.base_of(path, source)))
