"""Rust crates: ``Cargo.toml``, ``Cargo.lock``, the Cargo registry and ``vendor/``.

``Cargo.toml`` (TOML, read by :mod:`licensetier.readers.cargo_toml`) states a
package's direct dependencies in ``[dependencies]``, ``[dev-dependencies]`` and
``[build-dependencies]``, also per target (``[target.'cfg(unix)'.dependencies]``).
An entry is a requirement string (``serde = "1.0"``) or a table (``{ version = "1",
optional = true, package = "real-name", path = "..", git = "..", workspace = true
}``). Only registry crates are dependencies here: an entry with a ``path`` is local
code (a workspace member or a crate inside the repository, scanned with it) and a
``git`` entry without a version cannot be looked up, so both are skipped.
``workspace = true`` takes the entry from ``[workspace.dependencies]`` of the
workspace root: the same file, else the nearest ``Cargo.toml`` with a ``[workspace]``
table above it inside the scan root; when none is found the version is unknown
(None).

``Cargo.lock`` (TOML, versions 1 to 4) lists every ``[[package]]`` of the build with
its exact ``version``, its ``source`` (absent for the workspace's own crates) and its
``dependencies`` (``"name"``, ``"name version"`` or ``"name version (source)"``).

Installed crates are read from ``$CARGO_HOME/registry/src/<index>/<name>-<version>/``
(:class:`CargoRegistryLocator`) and from a ``cargo vendor`` directory,
``vendor/<name>/`` or ``vendor/<name>-<version>/`` next to a manifest
(:class:`CargoVendorLocator`): ``[package] license`` (an SPDX expression), else
``license-file``, plus the ``LICENSE*``/``COPYING*`` files of the crate.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from licensetier import formats, fs
from licensetier.deps.base import (
    MAX_MANIFEST_BYTES,
    Declared,
    Ecosystem,
    Environment,
    Evidence,
    Locator,
    Route,
    package_key,
    read_text,
)
from licensetier.deps.vendored import (
    is_real_dir,
    license_files,
    safe_child,
    search_roots,
)
from licensetier.errors import ManifestError
from licensetier.readers.routes import routes_for

SEMVER_RE = re.compile(r"\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?")
LOCK_DEPENDENCY_RE = re.compile(r"(\S+)(?: (\S+))?(?: \((.+)\))?")


def _load_toml(text: str, source: str) -> dict[str, Any]:
    return formats.parse_toml(text, source)


def _lock_dependency(raw: object, where: str, source: str, line: int | None) -> tuple[str, str]:
    """``(name, version or "")`` of a ``dependencies`` entry of ``Cargo.lock``."""
    match = LOCK_DEPENDENCY_RE.fullmatch(raw) if isinstance(raw, str) else None
    if match is None:
        raise ManifestError(
            f"{where}: dependency {raw!r} is not 'name', 'name version' or 'name version (source)'",
            path=source,
            line=line,
        )
    return match.group(1), match.group(2) or ""


def parse_cargo_lock(path: Path, source: str) -> list[Declared]:
    """The crates a ``Cargo.lock`` locks, without the workspace's own crates.

    The workspace's own crates (``[[package]]`` entries without ``source``) are the
    roots: the crates they depend on are direct, every other crate is not.
    """
    text = read_text(path, source)
    data = _load_toml(text, source)
    packages = data.get("package", [])
    if not isinstance(packages, list):
        raise ManifestError("package is not an array of tables", path=source)
    header_lines = [
        text.count("\n", 0, m.start()) + 1
        for m in re.finditer(r"^[ \t]*\[\[\s*package\s*\]\]", text, re.MULTILINE)
    ]
    if len(header_lines) != len(packages):
        header_lines = []
    direct: set[tuple[str, str]] = set()  # (name, version or "" for any version)
    entries: list[tuple[str, str, tuple[str, ...], int | None]] = []
    for number, package in enumerate(packages, start=1):
        line = header_lines[number - 1] if header_lines else None
        where = f"[[package]] entry {number}"
        if not isinstance(package, dict):
            raise ManifestError(f"{where} is not a table", path=source, line=line)
        name, version = package.get("name"), package.get("version")
        if not isinstance(name, str) or not name:
            raise ManifestError(f"{where} has no name", path=source, line=line)
        if not isinstance(version, str) or not version:
            raise ManifestError(f"{where} ({name}) has no version", path=source, line=line)
        dependencies = package.get("dependencies", [])
        if not isinstance(dependencies, list):
            raise ManifestError(
                f"{where} ({name}): dependencies is not an array", path=source, line=line
            )
        requires = [_lock_dependency(raw, where, source, line) for raw in dependencies]
        if package.get("source") is None:
            direct.update(requires)
            continue
        names = tuple(dict.fromkeys(package_key(Ecosystem.CARGO, n) for n, _ in requires))
        entries.append((name, version, names, line))
    return [
        Declared(
            ecosystem=Ecosystem.CARGO,
            name=name,
            version=version,
            manifest=source,
            exact=True,
            direct=(name, "") in direct or (name, version) in direct,
            line=line,
            requires=requires,
        )
        for name, version, requires, line in entries
    ]


MANIFESTS: tuple[Route, ...] = routes_for(Ecosystem.CARGO)  # Cargo.toml: readers.cargo_toml


def split_name_version(directory_name: str) -> tuple[str, str] | None:
    """``("serde-json-core", "0.5.1")`` from ``serde-json-core-0.5.1``: the version is
    the first ``-``-separated tail that is a semantic version."""
    for match in re.finditer("-", directory_name):
        version = directory_name[match.end() :]
        if SEMVER_RE.fullmatch(version):
            return directory_name[: match.start()], version
    return None


def crate_evidence(
    directory: Path, env: Environment, source: str, version: str | None
) -> Evidence | None:
    """What ``directory/Cargo.toml`` says, when its ``[package]`` has ``version`` (any
    version when None); None when it is unreadable or says nothing about a license."""
    manifest = directory / "Cargo.toml"
    base = env.base(directory)
    try:
        data = formats.load_toml(fs.read_text(manifest, base, MAX_MANIFEST_BYTES))
    except (OSError, formats.TOMLDecodeError):
        return None
    package = data.get("package")
    if not isinstance(package, dict):
        return None
    found_version = package.get("version")
    found_version = found_version if isinstance(found_version, str) else None
    if version is not None and found_version is not None and found_version != version:
        return None
    license_string = package.get("license")
    license_value = license_string.strip() if isinstance(license_string, str) else None
    texts: list[Path] = []
    license_file = package.get("license-file")
    if isinstance(license_file, str):
        relative = license_file.replace("\\", "/")
        while relative.startswith("./"):
            relative = relative[2:]
        # a license file outside the crate is copied into its root when it is packaged
        for candidate in (relative, relative.rsplit("/", 1)[-1]):
            declared_file = safe_child(directory, candidate)
            if declared_file is not None and fs.is_file(declared_file, base):
                texts.append(declared_file)
                break
    for text in license_files(directory, base):
        if text not in texts:
            texts.append(text)
    if not license_value and not texts:
        return None
    if license_value:
        field = "license"
    elif isinstance(license_file, str):
        field = "license-file"
    else:
        field = "license files"
    return Evidence(
        license=license_value or None,
        texts=tuple(texts),
        source=source,
        where=env.shown(manifest),
        version=found_version or version,
        field=field,
    )


class CargoRegistryLocator:
    """Crates unpacked by Cargo in ``$CARGO_HOME/registry/src/<index>/<name>-<version>/``."""

    ecosystem = Ecosystem.CARGO

    def __init__(self, env: Environment) -> None:
        self.env = env
        self._index: dict[str, dict[str, Path]] | None = None  # name -> version -> dir

    def _build_index(self) -> dict[str, dict[str, Path]]:
        index: dict[str, dict[str, Path]] = {}
        if self.env.cargo_home is None:
            return index
        sources = self.env.cargo_home / "registry" / "src"
        base = self.env.base(sources)
        for registry in fs.list_dir(sources, base):
            if not registry.is_dir:
                continue
            for crate in fs.list_dir(registry.path, base):
                parsed = split_name_version(crate.name)
                if parsed is not None and crate.is_dir:
                    index.setdefault(parsed[0], {}).setdefault(parsed[1], crate.path)
        return index

    def find(self, name: str, version: str | None) -> Evidence | None:
        if self._index is None:
            self._index = self._build_index()
        versions = self._index.get(name) or self._index.get(name.replace("_", "-")) or {}
        if version is not None:
            directory = versions.get(version)
            candidates = [directory] if directory is not None else []
        else:
            candidates = [versions[v] for v in sorted(versions, reverse=True)]
        for directory in candidates:
            found = crate_evidence(directory, self.env, "installed", version)
            if found is not None:
                return found
        return None


class CargoVendorLocator:
    """Crates copied by ``cargo vendor`` into ``vendor/<name>/`` (or
    ``vendor/<name>-<version>/`` when several versions are vendored) next to the scan
    root or a manifest; the version is checked against the crate's ``Cargo.toml``."""

    ecosystem = Ecosystem.CARGO

    def __init__(self, env: Environment) -> None:
        self.env = env

    def find(self, name: str, version: str | None) -> Evidence | None:
        if "/" in name or name in ("", ".", ".."):
            return None
        for root in search_roots(self.env):
            vendor = root / "vendor"
            base = self.env.base(vendor)
            if not is_real_dir(vendor, base):
                continue
            candidates = [vendor / f"{name}-{version}"] if version else []
            candidates.append(vendor / name)
            if version is None:
                found_dirs = fs.glob(vendor, f"{fs.glob_escape(name)}-[0-9]*", base)
                candidates += sorted(found_dirs, reverse=True)
            for directory in candidates:
                if is_real_dir(directory, base):
                    found = crate_evidence(directory, self.env, "vendored", version)
                    if found is not None:
                        return found
        return None


def locators(env: Environment) -> list[Locator]:
    """The vendored copy first (it is what the build uses), then Cargo's registry."""
    return [CargoVendorLocator(env), CargoRegistryLocator(env)]


# --- workspaces --------------------------------------------------------------------


def workspace_globs(data: dict[str, Any]) -> tuple[list[str], list[str]] | None:
    """``[workspace] members`` and ``exclude`` of a root ``Cargo.toml`` (its parsed
    table), None when it has no ``[workspace]``. Entries that are not strings are left
    out."""
    workspace = data.get("workspace")
    if not isinstance(workspace, dict):
        return None

    def strings(key: str) -> list[str]:
        value = workspace.get(key)
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    return strings("members"), strings("exclude")


def package_name(data: dict[str, Any]) -> str | None:
    """``[package] name`` of a parsed ``Cargo.toml``."""
    package = data.get("package")
    name = package.get("name") if isinstance(package, dict) else None
    return name if isinstance(name, str) and name else None


def path_dependencies(data: dict[str, Any]) -> list[str]:
    """The ``path`` of every path dependency of a parsed ``Cargo.toml`` (its own
    tables, per target, and ``[workspace.dependencies]``), as written: Cargo makes
    the crates they name members of the workspace that holds them."""
    from licensetier.readers.cargo_toml import DEPENDENCY_TABLES

    tables: list[Any] = [data.get(t) for t, _ in DEPENDENCY_TABLES]
    targets = data.get("target")
    if isinstance(targets, dict):
        for target in targets.values():
            if isinstance(target, dict):
                tables.extend(target.get(t) for t, _ in DEPENDENCY_TABLES)
    workspace = data.get("workspace")
    if isinstance(workspace, dict):
        tables.append(workspace.get("dependencies"))
    found: list[str] = []
    for table in tables:
        if not isinstance(table, dict):
            continue
        for entry in table.values():
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                found.append(entry["path"])
    return found
