"""``Cargo.toml``: the crate's declared license and its Rust dependencies.

Declared license: ``[package] license`` (SPDX; the legacy ``/`` means OR) and
``license-file``, each possibly inherited from the workspace (``license.workspace =
true``); a virtual workspace manifest declares through ``[workspace.package]``.

Dependencies: ``[dependencies]``, ``[dev-dependencies]`` and ``[build-dependencies]``,
also per target (``[target.'cfg(unix)'.dependencies]``); see
:mod:`licensetier.deps.cargo` for what counts as a registry crate. ``workspace =
true`` takes the entry from ``[workspace.dependencies]``.

Both inherit from the same workspace root, found by :func:`workspace_root`: this
file when it has ``[workspace]``, else the nearest ``Cargo.toml`` with one above it,
inside the scan root; each file on the way is read through the scan's
:class:`~licensetier.readers.Reading` (once, within the manifest size cap).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from licensetier import formats, fs
from licensetier.deps.base import Declared, Ecosystem, Scope
from licensetier.errors import ManifestError
from licensetier.formats.lines import first_line, toml_line
from licensetier.readers import Document, Identity, Reading, toml_table

if TYPE_CHECKING:
    from licensetier.declared import ManifestContext
    from licensetier.models import DeclaredLicense

DEPENDENCY_TABLES: tuple[tuple[str, Scope], ...] = (
    ("dependencies", Scope.RUNTIME),
    ("dev-dependencies", Scope.DEVELOPMENT),
    ("dev_dependencies", Scope.DEVELOPMENT),  # the old spelling Cargo still accepts
    ("build-dependencies", Scope.DEVELOPMENT),
    ("build_dependencies", Scope.DEVELOPMENT),
)
EXACT_RE = re.compile(r"=\s*(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)")


def load(path: Path, source: str, base: Path) -> Document:
    text = formats.read_text(path, source, base=base)
    return Document(path, source, text, formats.parse_toml(text, source), base)


def workspace_root(doc: Document, reading: Reading) -> Document | None:
    """The manifest whose ``[workspace]`` ``doc`` inherits from: ``doc`` itself when
    it has one, else the nearest ``Cargo.toml`` with one above it, no further up than
    the scan root; None when there is none. A ``Cargo.toml`` on the way that cannot
    be read raises its :class:`ManifestError` (as Cargo, the search stops there)."""
    if isinstance(doc.data.get("workspace"), dict):
        return doc
    this = sys.modules[__name__]
    directory, where = doc.path.parent, PurePosixPath(doc.source).parent
    for _ in range(len(PurePosixPath(doc.source).parts) - 1):
        directory, where = directory.parent, where.parent
        candidate = directory / "Cargo.toml"
        if not fs.is_file(candidate, doc.base):
            continue
        source = (where / "Cargo.toml").as_posix()
        found = reading.document(this, candidate, source, doc.base, own=False)
        if found is not None and isinstance(found.data.get("workspace"), dict):
            return found
    return None


# -- the declared license --------------------------------------------------------------


def identity(doc: Document) -> Identity | None:
    """``[package]`` name, version and first author (a value inherited from the
    workspace, ``{ workspace = true }``, is not followed: None)."""
    package = doc.data.get("package") if isinstance(doc.data, dict) else None
    return Identity.of(doc.source, package, "authors")


def declared(doc: Document, ctx: ManifestContext) -> list[DeclaredLicense]:
    package = toml_table(ctx, doc, "package")
    if package is not None:
        return _fields(doc, ctx, package, "package")
    workspace_package = toml_table(ctx, doc, "workspace.package")
    if workspace_package is not None:
        return _fields(doc, ctx, workspace_package, "workspace.package")
    return []


def _fields(
    doc: Document, ctx: ManifestContext, table: dict[str, Any], prefix: str
) -> list[DeclaredLicense]:
    out: list[DeclaredLicense] = []
    for key in ("license", "license-file"):
        if key not in table:
            continue
        name = f"{prefix}.{key}"
        line = toml_line(doc.text, name)
        value = table[key]
        if isinstance(value, dict) and value.get("workspace") is True and prefix == "package":
            out.extend(_inherited(doc, ctx, key, name, line))
        elif not isinstance(value, str):
            ctx.error(f"{name}: expected a string, got {formats.describe(value)}", line)
        elif key == "license":
            if value.strip():
                out.append(ctx.declare(name, value, line))
        else:
            found = ctx.license_file(name, value, line)
            if found is not None:
                out.append(ctx.declare(name, value, line, found))
    return out


def _inherited(
    doc: Document, ctx: ManifestContext, key: str, name: str, line: int | None
) -> list[DeclaredLicense]:
    """``license.workspace = true``: the value of the workspace root."""
    try:
        root = workspace_root(doc, ctx.reading)
    except ManifestError as exc:
        unreadable = f"{exc.path} is unreadable: {exc}"
        ctx.error(f"{name}: inherited from the workspace, but {unreadable}", line)
        return []
    if root is None:
        ctx.error(
            f"{name}: inherited from the workspace, but no Cargo.toml with [workspace] was "
            "found above it within the scan root",
            line,
        )
        return []
    inherited = root.data["workspace"].get("package", {})
    value = inherited.get(key) if isinstance(inherited, dict) else None
    field_name = f"workspace.package.{key}"
    where = toml_line(root.text, field_name)
    if not isinstance(value, str):
        ctx.error(
            f"{name}: inherited from the workspace, but {root.source} has no string "
            f"[workspace.package] {key}",
            line,
        )
        return []
    if key == "license":
        return [ctx.declare(field_name, value, where, source=root.source)] if value.strip() else []
    found = ctx.license_file(field_name, value, where, base=root.path.parent)
    return [] if found is None else [ctx.declare(field_name, value, where, found, root.source)]


# -- the dependencies ------------------------------------------------------------------


def _requirement(version: str | None) -> tuple[str | None, bool]:
    """``(version, exact)``: ``"=1.2.3"`` is the only exact requirement."""
    if version is None:
        return None, False
    match = EXACT_RE.fullmatch(version.strip())
    if match:
        return match.group(1), True
    return version, False


def _workspace_dependencies(doc: Document, reading: Reading) -> dict[str, Any]:
    """``[workspace.dependencies]`` of the workspace root ({} when there is none, or it
    cannot be read)."""
    try:
        root = workspace_root(doc, reading)
    except ManifestError:
        return {}
    found = root.data["workspace"].get("dependencies") if root is not None else None
    return found if isinstance(found, dict) else {}


def dependencies(doc: Document, reading: Reading | None = None) -> list[Declared]:
    """The registry dependencies a ``Cargo.toml`` declares (see the module docstring)."""
    text, source, data = doc.text, doc.source, doc.data
    if not isinstance(data.get("package"), dict):
        return []  # a virtual workspace manifest declares no dependencies by itself
    tables: list[tuple[tuple[str, ...], Any, Scope]] = []
    for table, scope in DEPENDENCY_TABLES:
        if table in data:
            tables.append(((table,), data[table], scope))
    targets = data.get("target", {})
    if isinstance(targets, dict):
        for cfg, target in targets.items():
            if not isinstance(target, dict):
                continue
            for table, scope in DEPENDENCY_TABLES:
                if table in target:
                    tables.append((("target", cfg, table), target[table], scope))
    workspace_deps: dict[str, Any] | None = None
    found: list[Declared] = []
    for table_path, entries, scope in tables:
        shown = ".".join(table_path)
        if not isinstance(entries, dict):
            raise ManifestError(
                f"[{shown}] is not a table", path=source, line=first_line(text, table_path[-1])
            )
        for key, raw in entries.items():
            line = toml_line(text, (*table_path, key))
            entry = raw
            if isinstance(entry, dict) and entry.get("workspace") is True:
                if workspace_deps is None:
                    workspace_deps = _workspace_dependencies(doc, reading or Reading())
                inherited = workspace_deps.get(key)
                if isinstance(inherited, str):
                    entry = {**entry, "version": inherited}
                elif isinstance(inherited, dict):
                    entry = {**inherited, **entry}
            if isinstance(entry, str):
                entry = {"version": entry}
            if not isinstance(entry, dict):
                raise ManifestError(
                    f"[{shown}] {key}: expected a version string or a table", path=source, line=line
                )
            if "path" in entry:
                continue  # local code, scanned with the repository
            version = entry.get("version")
            if version is not None and not isinstance(version, str):
                raise ManifestError(
                    f"[{shown}] {key}: version is not a string", path=source, line=line
                )
            if version is None and "git" in entry:
                continue  # a git dependency without a version: not a registry crate
            name = entry.get("package", key)
            if not isinstance(name, str) or not name:
                raise ManifestError(
                    f"[{shown}] {key}: package is not a string", path=source, line=line
                )
            requirement, exact = _requirement(version)
            entry_scope = scope
            if scope is Scope.RUNTIME and entry.get("optional") is True:
                entry_scope = Scope.OPTIONAL
            found.append(
                Declared(
                    ecosystem=Ecosystem.CARGO,
                    name=name,
                    version=requirement,
                    manifest=source,
                    exact=exact,
                    direct=True,
                    scope=entry_scope,
                    line=line,
                )
            )
    return found


def read_dependencies(path: Path, source: str) -> list[Declared]:
    """``Cargo.toml``'s dependencies, read on its own (its route's parser)."""
    return dependencies(load(path, source, formats.base_of(path, source)))
