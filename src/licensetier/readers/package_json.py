"""``package.json``: the artifact's declared license and its npm dependencies.

Declared license: ``license`` (an SPDX expression, ``UNLICENSED``, ``SEE LICENSE IN
<file>``, or the deprecated ``{"type": ...}`` object) and the deprecated ``licenses``
array, whose entries are alternatives (OR).

Dependencies: ``dependencies``, ``devDependencies``, ``optionalDependencies`` and
``peerDependencies`` (optional through ``peerDependenciesMeta``); only registry
packages (see :func:`licensetier.deps.npm.registry_spec`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
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


def identity(doc: Document) -> Identity | None:
    """``name``, ``version`` and ``author`` (else the first of ``contributors``)."""
    return Identity.of(doc.source, doc.data, "author", "contributors")


# -- the declared license --------------------------------------------------------------

_SEE_LICENSE_IN = re.compile(r"^\s*SEE\s+LICEN[CS]E\s+IN\s+(.+?)\s*$", re.IGNORECASE)


def declared(doc: Document, ctx: ManifestContext) -> list[DeclaredLicense]:
    data, lines = doc.data, doc.lines
    describe = formats.describe
    out: list[DeclaredLicense] = []
    if "license" in data:
        line = lines.get(("license",))
        value = data["license"]
        if isinstance(value, dict) and isinstance(value.get("type"), str):
            if value["type"].strip():
                out.append(ctx.declare("license.type", value["type"], line))
        elif isinstance(value, str):
            see = _SEE_LICENSE_IN.match(value)
            if value.strip().upper() == "UNLICENSED":
                # npm: "you do not grant others the right to use a private or
                # unpublished package" - all rights reserved, not the Unlicense.
                out.append(ctx.declare("license", value, line, ctx.proprietary()))
            elif see:
                found = ctx.license_file("license", see.group(1), line)
                if found is not None:
                    out.append(ctx.declare("license", value, line, found))
            elif value.strip():
                out.append(ctx.declare("license", value, line))
        elif value is not None:
            ctx.error(
                "license: expected a string (an SPDX expression) or an object with a "
                f'"type", got {describe(value)}',
                line,
            )
    if "licenses" in data:
        line = lines.get(("licenses",))
        value = data["licenses"]
        entries: list[str] = []
        if isinstance(value, list):
            for entry in value:
                if isinstance(entry, dict) and isinstance(entry.get("type"), str):
                    entries.append(entry["type"])
                elif isinstance(entry, str):
                    entries.append(entry)
                else:
                    ctx.error(
                        'licenses: each entry must be a string or an object with a "type", '
                        f"got {describe(entry)}",
                        line,
                    )
                    entries = []
                    break
        elif value is not None:
            ctx.error(f"licenses: expected a list, got {describe(value)}", line)
        entries = [e for e in entries if e.strip()]
        if entries:
            out.append(
                ctx.declare("licenses", json.dumps(entries), line, ctx.choice(entries, line))
            )
    return out


# -- the dependencies ------------------------------------------------------------------


def dependencies(doc: Document, reading: Reading | None = None) -> list[Declared]:
    """The dependencies a ``package.json`` declares (see the module docstring)."""
    from licensetier.deps.npm import EXACT_SEMVER, MANIFEST_SECTIONS, registry_spec

    data, lines, source = doc.data, doc.lines, doc.source
    kind_of = formats.kind_of
    peer_meta = data.get("peerDependenciesMeta")
    if not isinstance(peer_meta, Mapping):
        peer_meta = {}
    out: list[Declared] = []
    for section, scope in MANIFEST_SECTIONS:
        table = data.get(section)
        if table is None:
            continue
        if not isinstance(table, dict):
            raise ManifestError(
                f'"{section}" is {kind_of(table)}, not an object of names and version ranges',
                path=source,
                line=lines.get((section,)),
            )
        for key, spec in table.items():
            line = lines.get((section, key))
            if not isinstance(spec, str):
                raise ManifestError(
                    f'"{section}": the range of "{key}" is {kind_of(spec)}, not a string',
                    path=source,
                    line=line,
                )
            found = registry_spec(key, spec)
            if found is None or not found[0]:
                continue
            name, requirement = found
            entry_scope = scope
            if section == "peerDependencies":
                meta = peer_meta.get(key)
                if isinstance(meta, Mapping) and meta.get("optional") is True:
                    entry_scope = Scope.OPTIONAL
            out.append(
                Declared(
                    Ecosystem.NPM,
                    name,
                    requirement or None,
                    source,
                    exact=bool(EXACT_SEMVER.fullmatch(requirement)),
                    direct=True,
                    scope=entry_scope,
                    line=line,
                )
            )
    return out


def read_dependencies(path: Path, source: str) -> list[Declared]:
    """``package.json``'s dependencies, read on its own (its route's parser)."""
    return dependencies(load(path, source, formats.base_of(path, source)))
