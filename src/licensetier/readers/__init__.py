"""The reader layer: one module per kind of file, knowing everything licensetier reads
from that file.

=====================  ===============================================================
``pyproject``          pyproject.toml: the declared license (PEP 639/621, Poetry) and
                       the dependencies (PEP 621, PEP 735, Poetry, uv)
``setup_cfg``          setup.cfg: the declared license and ``install_requires``/extras
``setup_py``           setup.py: the same, read from the syntax tree (never run)
``package_json``       package.json: the declared license and the dependencies
``composer_json``      composer.json: the declared license and the dependencies
``cargo_toml``         Cargo.toml: the declared license and the dependencies, and the
                       one search for the workspace root both inherit from
``r_description``      DESCRIPTION: an R package's ``License:`` (R's license syntax)
``gemspec``            *.gemspec: ``license``/``licenses`` literals and
                       ``add_dependency`` statements (tokenizers; the Ruby file
                       is never run)
``nuspec``             *.nuspec: ``<license>`` (expression or file), ``<licenseUrl>``
``pom_xml``            pom.xml: ``<licenses>`` (a choice) and the Maven dependencies
                       (:mod:`licensetier.deps.maven`), from one parse
``gradle``             build.gradle(.kts): the published POM's ``licenses`` block;
                       gradle.properties: ``POM_LICENSE_NAME``/``_URL``
``model_card``         README.md: a Hugging Face model or dataset card's front
                       matter, read once for the declared license, the lineage
                       (``base_model``) and the training data (``datasets``)
``weights``            model weights (safetensors, GGUF headers; pickles by name only)
                       and model metadata (adapter_config.json, config.json,
                       model_index.json), headers only, bounded; its own table
=====================  ===============================================================

Which file goes to which reader is the one routing table,
:data:`licensetier.readers.routes.ROUTES`. Lockfiles and the other dependency
manifests, which declare no license of the artifact, are read by their ecosystem's
module in :mod:`licensetier.deps` (resolution stays there too); every file is parsed
in one place, through the format layer :mod:`licensetier.formats`.

A reader module provides ``load(path, source, base) -> Document`` (read through
:mod:`licensetier.fs`, parsed once; a :class:`~licensetier.errors.ManifestError`
when it cannot be), and what it reads from the document: ``declared(document,
context)`` for the artifact's own license, ``dependencies(document, reading)`` and
``read_dependencies(path, source)`` for the dependencies; ``identity(document)``
(where the format has them) for the project's name, version and author, as an
:class:`Identity` (SBOMs name their root component with it).

:class:`Reading` is one scan's reads: a file that both the declared-license reader
and the dependency reader want (and the lineage, for a model card) is read and parsed
once, and a file that does not parse is one problem, raised to the first reader that
reads it as its own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from licensetier.errors import ManifestError


@dataclass(frozen=True)
class Document:
    """A file as read and parsed: ``data`` is the parser's value (a TOML table, a JSON
    object, a :class:`~licensetier.readers.model_card.ModelCard`...), ``lines`` the
    lines of keys the reader indexed when it parsed (by path)."""

    path: Path
    source: str  # POSIX path relative to the scan root, as messages name it
    text: str
    data: Any
    base: Path  # the directory reads next to it must stay in (the scan root)
    lines: Mapping[Any, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Identity:
    """What a manifest says the project is: its name, version and supplier (the first
    author or vendor), each None when the manifest does not say it as a plain string."""

    source: str  # the manifest, relative to the scan root
    name: str | None = None
    version: str | None = None
    supplier: str | None = None

    @classmethod
    def of(cls, source: str, table: Any, *people: str) -> Identity | None:
        """From a manifest's table: its ``name`` (None without one), ``version``, and
        the first person of the first of the ``people`` fields that names one."""
        if not isinstance(table, dict) or not text_field(table.get("name")):
            return None
        supplier = next((p for p in map(person, map(table.get, people)) if p), None)
        return cls(source, text_field(table["name"]), text_field(table.get("version")), supplier)


def text_field(value: Any) -> str | None:
    """A manifest field's value when it is a non-empty string (stripped), else None."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def person(value: Any) -> str | None:
    """The first person of an author field: a string (``"Name <mail>"``: the name), a
    table with ``name``, or a list of those."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    text = text_field(value)
    if text is None:
        return None
    return text.split("<", 1)[0].strip() or None


class Reading:
    """One scan's reads: each file read and parsed once.

    :meth:`document` answers from what was read before. A file that does not parse
    raises its :class:`~licensetier.errors.ManifestError` to the first reader that
    reads it as its own (``own=True``), which reports it; later readers get None.
    A reader that only consults a file for another (the workspace root of a Cargo
    manifest: ``own=False``) gets the error each time without taking its report.
    """

    def __init__(self) -> None:
        self._read: dict[tuple[str, str], Document | ManifestError] = {}
        self._reported: set[tuple[str, str]] = set()
        self.parsed: list[str] = []  # the sources parsed, in order (one entry per parse)

    def document(
        self, reader: ModuleType, path: Path, source: str, base: Path, *, own: bool = True
    ) -> Document | None:
        """``reader.load(path, source, base)``, once (``reader``: a reader module)."""
        key = (reader.__name__, os.path.abspath(path))
        outcome = self._read.get(key)
        if outcome is None:
            self.parsed.append(source)
            try:
                document: Document = reader.load(path, source, base)
                outcome = document
            except ManifestError as exc:
                outcome = exc
            except (RecursionError, MemoryError) as exc:  # a pathological file
                outcome = ManifestError(f"could not be parsed: {type(exc).__name__}", path=source)
            self._read[key] = outcome
        if isinstance(outcome, ManifestError):
            if own:
                if key in self._reported:
                    return None
                self._reported.add(key)
            raise outcome
        return outcome

    def text_of(self, source: str) -> str | None:
        """The text of a file some reader already read (``source``: relative to the
        scan root, as given to :meth:`document`), so that a file is not read twice;
        None when none did."""
        for outcome in self._read.values():
            if isinstance(outcome, Document) and outcome.source == source:
                return outcome.text
        return None


def toml_table(ctx: Any, doc: Document, dotted_key: str) -> dict[str, Any] | None:
    """The table at ``dotted_key`` (``tool.poetry``) of a TOML document, None when it
    is absent; a value that is not a table is a problem of the declaring context
    ``ctx`` (a :class:`~licensetier.declared.ManifestContext`), at the key's line, and
    None."""
    from licensetier.formats import describe
    from licensetier.formats.lines import toml_line

    value: Any = doc.data
    for part in dotted_key.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if value is None:
        return None
    if not isinstance(value, dict):
        ctx.error(
            f"[{dotted_key}]: expected a table, got {describe(value)}",
            toml_line(doc.text, dotted_key),
        )
        return None
    return value
