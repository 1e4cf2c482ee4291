"""``setup.cfg``: the artifact's declared license, ``[metadata] license`` and
``license_expression``. (``setup.py``: :mod:`licensetier.readers.setup_py`.)"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from licensetier import formats
from licensetier.formats.lines import ini_line
from licensetier.readers import Document

if TYPE_CHECKING:
    from licensetier.declared import ManifestContext
    from licensetier.models import DeclaredLicense


def load(path: Path, source: str, base: Path) -> Document:
    text = formats.read_text(path, source, base=base)
    return Document(path, source, text, formats.parse_ini(text, source), base)


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
