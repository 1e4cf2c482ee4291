"""``DESCRIPTION``: an R package's declared license, its ``License:`` field.

The file is in Debian's control format (DCF): ``Field: value`` lines, a value going on
over the following lines that start with white space. Only a file whose text has a
``Package:`` field at the start of a line is an R package's description: other files
named ``DESCRIPTION`` (plain text) are not read, and are no problem. A description with
a line that is neither a field nor a continuation is a problem naming that line.

The ``License:`` value is read with R's syntax ("Writing R Extensions", section
"Licensing"):

* ``|`` separates alternatives: ``GPL-2 | MIT + file LICENSE`` is an OR;
* an alternative is a license name of R's license database (``GPL-2``, ``LGPL-2.1``,
  ``BSD_3_clause``, ``Apache License 2.0``, ``CC BY 4.0``...), mapped to SPDX by the
  ``[r]`` table of ``license_db/declared_names.toml``; names it does not hold are
  normalised as any declared string (an SPDX id, ScanCode's detection);
* a version range, ``GPL (>= 2)``, ``LGPL (>= 2.1)``, ``Apache License (== 2.0)``:
  ``>=`` is "that version or later" (GPL-2.0-or-later; an id without an "or later"
  form stays the version named), ``==`` the version itself; another operator, or
  several, is not understood;
* ``+ file LICENSE`` (or ``LICENCE``) after a name: the file holds additions to the
  license. For MIT and the BSD licenses it is R's template (``YEAR:`` and ``COPYRIGHT
  HOLDER:``), the license's parameters rather than a license text, so the statement is
  the license's name (and the reasoning keeps such a file as a clue, not as a license
  it could not identify: :func:`is_license_template`); for the others the file is read
  as a license file anyway by the scan, beside this statement;
* ``file LICENSE`` alone: the license is in that file, whose text is detected;
* ``Unlimited`` (no restrictions beyond the law) has no SPDX id: not understood.
"""

from __future__ import annotations

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

IS_DESCRIPTION = re.compile(r"^Package:", re.MULTILINE)
FIELD = re.compile(r"([A-Za-z0-9][A-Za-z0-9@/._-]*):(.*)")
VERSION_RANGE = re.compile(r"(.+?)\s*\(\s*(>=|==|>|<=|<)\s*([0-9][0-9.-]*)\s*\)")
FILE_REFERENCE = re.compile(r"file\s+(LICEN[CS]E)", re.IGNORECASE)
ADDITIONS = re.compile(r"(.+?)\s*\+\s*file\s+(LICEN[CS]E)", re.IGNORECASE)


# R's license templates (share/licenses/MIT, BSD_2_clause, BSD_3_clause): the file
# named by "MIT + file LICENSE" holds only these lines
TEMPLATE_LINE = re.compile(r"[ \t]*(?:YEAR|COPYRIGHT HOLDER|ORGANIZATION)[ \t]*:.*")


def is_license_template(text: str | None) -> bool:
    """Whether ``text`` is R's license template filled in (``YEAR: 2024`` and
    ``COPYRIGHT HOLDER: ...`` lines, ``ORGANIZATION:`` for the BSD licenses): the
    parameters of a license a ``DESCRIPTION`` names, not a license."""
    if not text:
        return False
    lines = [line for line in text.splitlines() if line.strip()]
    return bool(lines) and len(lines) <= 5 and all(TEMPLATE_LINE.fullmatch(x) for x in lines)


@dataclass(frozen=True)
class Field:
    value: str  # continuation lines joined with one space
    line: int


def parse_dcf(text: str, source: str) -> dict[str, Field]:
    """The fields of the first record of a DCF text; a line that is neither a field
    nor a continuation is a :class:`ManifestError` naming it."""
    fields: dict[str, Field] = {}
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            if fields:
                break  # the end of the first record
            continue
        if line[0] in " \t":
            if current is None:
                raise ManifestError(
                    "not valid DESCRIPTION: a continuation line before any field",
                    path=source,
                    line=number,
                )
            old = fields[current]
            fields[current] = Field(f"{old.value} {line.strip()}".strip(), old.line)
            continue
        match = FIELD.fullmatch(line)
        if match is None:
            raise ManifestError(
                "not valid DESCRIPTION: neither a 'Field: value' line nor a continuation",
                path=source,
                line=number,
            )
        current = match.group(1)
        fields.setdefault(current, Field(match.group(2).strip(), number))
    return fields


def load(path: Path, source: str, base: Path) -> Document:
    text = formats.read_text(path, source, base=base)
    data = parse_dcf(text, source) if IS_DESCRIPTION.search(text) else None
    return Document(path, source, text, data, base)


def _lookup(name: str) -> str | None:
    from licensetier.declared import r_license_names

    return r_license_names().get(" ".join(name.split()).lower())


def _versioned(name: str, operator: str, version: str) -> str | None:
    """The SPDX id of ``name (operator version)``, or None."""
    if operator not in (">=", "=="):
        return None
    versions = [version]
    if version.endswith(".0"):
        versions.append(version[: -len(".0")])
    elif "." not in version:
        versions.append(f"{version}.0")
    for candidate in versions:
        spdx = _lookup(f"{name}-{candidate}") or _lookup(f"{name} {candidate}")
        if spdx is None:
            continue
        if operator == ">=" and spdx.endswith("-only"):
            return spdx[: -len("-only")] + "-or-later"
        return spdx
    return None


def _alternative(text: str, ctx: ManifestContext, line: int | None) -> Normalized:
    text = " ".join(text.split())
    only_file = FILE_REFERENCE.fullmatch(text)
    if only_file:
        found = ctx.license_file("License", only_file.group(1), line)
        return found if found is not None else ctx.not_understood()
    additions = ADDITIONS.fullmatch(text)
    if additions:
        text = additions.group(1)
    ranged = VERSION_RANGE.fullmatch(text)
    if ranged:
        spdx = _versioned(ranged.group(1), ranged.group(2), ranged.group(3))
        return ctx.not_understood() if spdx is None else ctx.normalize(spdx, line)
    spdx = _lookup(text)
    return ctx.normalize(spdx or text, line)


def declared(doc: Document, ctx: ManifestContext) -> list[DeclaredLicense]:
    fields: dict[str, Field] | None = doc.data
    if not fields or "Package" not in fields or "License" not in fields:
        return []
    field = fields["License"]
    if not field.value:
        return []
    parts = [_alternative(a, ctx, field.line) for a in field.value.split("|") if a.strip()]
    if not parts:
        return []
    return [ctx.declare("License", field.value, field.line, ctx.any_of(parts))]
