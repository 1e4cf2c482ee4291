"""``*.nuspec``: a NuGet package's declared license.

XML, parsed by :func:`licensetier.formats.parse_xml` (expat, namespaces removed, a
DOCTYPE or ENTITY declaration refused). Read from ``<package><metadata>``:

* ``<license type="expression">MIT OR Apache-2.0</license>``: an SPDX expression;
* ``<license type="file">LICENSE.txt</license>``: a file of the package, whose text is
  detected. The path is the file's place in the package: it is looked for next to the
  ``.nuspec``, else through the ``<files><file src=... target=...>`` entry that puts it
  there (``src="..\\LICENSE.md" target=""``), and must stay inside the scan root;
* ``<licenseUrl>`` (deprecated by NuGet in favour of ``<license>``, and only read when
  there is no ``<license>``): a URL, understood when it is a well-known license page
  (:meth:`~licensetier.declared.ManifestContext.name_or_url`); a URL of the project's own
  file stays not understood, with the URL as the raw value.

``$token$`` replacement tokens (filled in by ``nuget pack`` from a project file) are
not replaced: such a value is not understood.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from licensetier import formats
from licensetier.errors import ManifestError
from licensetier.readers import Document

if TYPE_CHECKING:
    from licensetier.declared import ManifestContext
    from licensetier.models import DeclaredLicense


def load(path: Path, source: str, base: Path) -> Document:
    text = formats.read_text(path, source, base=base)
    root, lines = formats.parse_xml(text, source)
    if root.tag != "package":
        raise ManifestError(f"the root element is <{root.tag}>, not <package>", path=source)
    return Document(path, source, text, root, base, lines)


def _packaged_from(metadata_root: ET.Element, packaged: str) -> str | None:
    """The ``src`` of the ``<files><file>`` entry that puts a file at ``packaged`` in
    the package (``\\`` read as ``/``); None when no entry does."""
    wanted = PurePosixPath(packaged.replace("\\", "/"))
    for entry in metadata_root.findall("files/file"):
        src = (entry.get("src") or "").replace("\\", "/").strip()
        if not src or any(c in src for c in "*?"):
            continue
        target = (entry.get("target") or "").replace("\\", "/").strip().strip("/")
        name = PurePosixPath(src).name
        for candidate in (PurePosixPath(target) / name, PurePosixPath(target)):
            if candidate == wanted:
                return src
    return None


def declared(doc: Document, ctx: ManifestContext) -> list[DeclaredLicense]:
    root: ET.Element = doc.data
    metadata = root.find("metadata")
    if metadata is None:
        return []
    element = metadata.find("license")
    if element is not None:
        value = " ".join((element.text or "").split())
        line = doc.lines.get(id(element))
        kind = (element.get("type") or "").strip().lower()
        if not value:
            ctx.error("<license>: empty", line)
            return []
        if kind == "expression":
            return [ctx.declare("license (expression)", value, line)]
        if kind == "file":
            return _license_file(doc, ctx, value, line)
        ctx.error(f'<license>: type {kind!r} is neither "expression" nor "file"', line)
        return []
    url_element = metadata.find("licenseUrl")
    url = formats.child_text(metadata, "licenseUrl")
    if url_element is None or url is None:
        return []
    line = doc.lines.get(id(url_element))
    return [ctx.declare("licenseUrl", url, line, ctx.name_or_url(None, url, line))]


def _license_file(
    doc: Document, ctx: ManifestContext, value: str, line: int | None
) -> list[DeclaredLicense]:
    from licensetier import fs

    field = "license (file)"
    reference = value.replace("\\", "/")
    if not fs.is_file(ctx.artifact_dir / reference, ctx.scan_root):
        src = _packaged_from(doc.data, reference)
        if src is not None:
            packed = posixpath.normpath(posixpath.join(posixpath.dirname(ctx.source), src))
            if packed == ".." or packed.startswith("../") or posixpath.isabs(src):
                ctx.error(f"{field}: <file src={src!r}> points outside the scan root", line)
                return []
            found = ctx.license_file(field, packed, line, base=ctx.scan_root)
            if found is None:
                return []
            return [ctx.declare(field, value, line, found)]
    found = ctx.license_file(field, reference, line)
    return [] if found is None else [ctx.declare(field, value, line, found)]
