"""``composer.json``: the artifact's declared license and its PHP dependencies.

Declared license: ``license``, a string or an array of alternatives (OR);
``proprietary`` means closed source.

Dependencies: ``require`` and ``require-dev``, without platform requirements
(``php``, ``ext-*``, ``lib-*``...).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from licensetier import formats
from licensetier.deps.base import Declared, Ecosystem, Scope
from licensetier.errors import ManifestError
from licensetier.formats.lines import json_key_lines
from licensetier.readers import Document, Identity, Reading

if TYPE_CHECKING:
    from licensetier.declared import ManifestContext
    from licensetier.models import DeclaredLicense


def load(path: Path, source: str, base: Path) -> Document:
    text = formats.read_text(path, source, base=base)
    data = formats.parse_json_object(text, source)
    return Document(path, source, text, data, base, json_key_lines(text, max_depth=2))


# -- the declared license --------------------------------------------------------------


def identity(doc: Document) -> Identity | None:
    """``name``, ``version`` (rarely written) and the first of ``authors``."""
    return Identity.of(doc.source, doc.data, "authors")


def declared(doc: Document, ctx: ManifestContext) -> list[DeclaredLicense]:
    data = doc.data
    if "license" not in data:
        return []
    line = doc.lines.get(("license",))
    value = data["license"]
    if isinstance(value, str):
        value = [value]
        raw = data["license"]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        raw = json.dumps(value)
    else:
        if value is not None:
            ctx.error(
                f"license: expected a string or a list of strings, got {formats.describe(value)}",
                line,
            )
        return []
    entries = [v for v in value if v.strip()]
    if not entries:
        return []
    if any(e.strip().lower() == "proprietary" for e in entries):
        return [ctx.declare("license", raw, line, ctx.proprietary())]
    normalized = ctx.normalize(entries[0], line) if len(entries) == 1 else ctx.choice(entries, line)
    return [ctx.declare("license", raw, line, normalized)]


# -- the dependencies ------------------------------------------------------------------


def dependencies(doc: Document, reading: Reading | None = None) -> list[Declared]:
    """The packages a ``composer.json`` requires (see the module docstring)."""
    from licensetier.deps.php import EXACT_VERSION, constraints, is_platform

    data, lines, source = doc.data, doc.lines, doc.source
    out: list[Declared] = []
    for section, scope in (("require", Scope.RUNTIME), ("require-dev", Scope.DEVELOPMENT)):
        table = constraints(data.get(section), f'"{section}"', source, lines.get((section,)))
        for name, constraint in table.items():
            line = lines.get((section, name))
            if is_platform(name):
                continue
            if not isinstance(constraint, str):
                raise ManifestError(
                    f'"{section}": the constraint of "{name}" is '
                    f"{formats.kind_of(constraint)}, not a string",
                    path=source,
                    line=line,
                )
            constraint = constraint.strip()
            out.append(
                Declared(
                    Ecosystem.COMPOSER,
                    name,
                    constraint or None,
                    source,
                    exact=bool(EXACT_VERSION.fullmatch(constraint)),
                    direct=True,
                    scope=scope,
                    line=line,
                )
            )
    return out


def read_dependencies(path: Path, source: str) -> list[Declared]:
    """``composer.json``'s dependencies, read on its own (its route's parser)."""
    return dependencies(load(path, source, formats.base_of(path, source)))
