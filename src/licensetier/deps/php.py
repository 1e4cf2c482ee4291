"""Composer's manifest and lockfile, and vendored copies under ``vendor/``.

Files read (as data: composer is not run, no plugin or script of the project):

* ``composer.json``: the ``require`` (runtime) and ``require-dev`` (development)
  objects, ``"vendor/package": "constraint"``. Platform requirements (``php``,
  ``hhvm``, ``ext-*``, ``lib-*``, ``composer-plugin-api``, ``composer-runtime-api``,
  ``composer``: any name without a ``/``) are not packages and are left out.
* ``composer.lock``: the ``packages`` (runtime) and ``packages-dev`` (development)
  arrays of locked packages, each with ``name``, ``version`` (as composer writes it,
  ``v5.4.0`` or ``5.4.0``), a ``license`` array (several licenses are a choice:
  joined with `` OR ``) and its own ``require`` object. The lockfile does not say
  which packages the project requires directly. Packages installed from a ``path``
  repository (folders of the project itself) are left out.

:class:`ComposerVendorLocator` reads ``vendor/composer/installed.json`` (Composer 1:
an array; Composer 2: ``{"packages": [...]}``), else each
``vendor/<vendor>/<package>/composer.json``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from licensetier import fs
from licensetier.deps.base import (
    MAX_MANIFEST_BYTES,
    Declared,
    Ecosystem,
    Environment,
    Evidence,
    Locator,
    Route,
    Scope,
    join_or,
    package_key,
    read_text,
)
from licensetier.deps.vendored import (
    is_real_dir,
    license_files,
    read_json_quietly,
    safe_child,
    search_roots,
)
from licensetier.errors import ManifestError
from licensetier.formats import kind_of, parse_json_object
from licensetier.formats.lines import json_key_lines
from licensetier.readers.routes import routes_for

COMPOSER = Ecosystem.COMPOSER

PLATFORM_NAMES = frozenset(
    {"php", "hhvm", "composer", "composer-plugin-api", "composer-runtime-api"}
)
PLATFORM_PREFIXES = ("php-", "ext-", "lib-")

# An exact composer version: 1, 1.2, 1.2.3 or 1.2.3.4, optionally with a v and a
# stability suffix (-beta2, -RC1, -p1). Ranges, wildcards and dev- branches are not.
EXACT_VERSION = re.compile(
    r"v?\d+(?:\.\d+){0,3}(?:-?(?:stable|beta|b|alpha|a|rc|RC|patch|pl|p)\.?\d*)?"
)


def is_platform(name: str) -> bool:
    """A platform requirement (the PHP runtime, an extension, a library of the
    system, composer's own APIs) rather than a package: every package is
    ``vendor/name``."""
    lower = name.lower()
    return lower in PLATFORM_NAMES or lower.startswith(PLATFORM_PREFIXES) or "/" not in lower


def composer_license(value: object) -> str | None:
    """Composer's ``license``: a string, or an array of them meaning a choice."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        return join_or(v for v in value if isinstance(v, str))
    return None


def constraints(value: object, what: str, source: str, line: int | None) -> Mapping[str, Any]:
    """A name-to-constraint object; composer writes an empty one as ``[]``."""
    if value is None or value == []:
        return {}
    if not isinstance(value, dict):
        raise ManifestError(
            f"{what} is {kind_of(value)}, not an object of package names and constraints",
            path=source,
            line=line,
        )
    return value


def _requires(entry: Mapping[str, Any]) -> tuple[str, ...]:
    table = entry.get("require")
    if not isinstance(table, Mapping):
        return ()
    return tuple(
        dict.fromkeys(
            package_key(COMPOSER, name)
            for name in table
            if isinstance(name, str) and not is_platform(name)
        )
    )


def _is_path_package(entry: Mapping[str, Any]) -> bool:
    dist = entry.get("dist")
    return isinstance(dist, Mapping) and dist.get("type") == "path"


def parse_composer_lock(path: Path, source: str) -> list[Declared]:
    """The packages a ``composer.lock`` locks (see the module docstring)."""
    text = read_text(path, source)
    data = parse_json_object(text, source)
    lines = json_key_lines(text, max_depth=3)
    out: list[Declared] = []
    seen: set[tuple[str, str]] = set()
    for section, scope in (("packages", Scope.RUNTIME), ("packages-dev", Scope.DEVELOPMENT)):
        entries = data.get(section)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise ManifestError(
                f'"{section}" is {kind_of(entries)}, not an array of packages',
                path=source,
                line=lines.get((section,)),
            )
        for number, entry in enumerate(entries, 1):
            line = lines.get((section, number - 1, "name"))
            if not isinstance(entry, dict):
                raise ManifestError(
                    f'"{section}" entry {number} is {kind_of(entry)}, not an object',
                    path=source,
                    line=line,
                )
            name = entry.get("name")
            if not isinstance(name, str) or not name.strip():
                raise ManifestError(
                    f'"{section}" entry {number} has no name',
                    path=source,
                    line=lines.get((section, number - 1, "version")),
                )
            version = entry.get("version")
            if not isinstance(version, str) or not version.strip():
                raise ManifestError(
                    f'"{section}" entry {number} ({name}) has no version', path=source, line=line
                )
            if _is_path_package(entry):
                continue
            node = (package_key(COMPOSER, name), version)
            if node in seen:  # packages before packages-dev: runtime wins
                continue
            seen.add(node)
            out.append(
                Declared(
                    COMPOSER,
                    name,
                    version,
                    source,
                    exact=True,
                    direct=None,
                    scope=scope,
                    line=line,
                    requires=_requires(entry),
                    license=composer_license(entry.get("license")),
                )
            )
    return out


MANIFESTS: tuple[Route, ...] = routes_for(COMPOSER)  # composer.json: readers.composer_json


# --- vendored copies: vendor/ --------------------------------------------------------


def _strip_v(version: str) -> str:
    return version[1:] if version[:1] in ("v", "V") and version[1:2].isdigit() else version


class _Copy:
    __slots__ = ("directory", "license", "metadata", "version")

    def __init__(
        self, directory: Path, metadata: Path, version: str | None, license: str | None
    ) -> None:
        self.directory = directory
        self.metadata = metadata
        self.version = version
        self.license = license


class ComposerVendorLocator:
    """Packages composer installed in ``vendor/`` next to the scan root or a
    manifest: ``vendor/composer/installed.json`` lists them with their versions and
    licenses; without it each ``vendor/<vendor>/<package>/composer.json`` is read
    (such a copy usually states no version: it is reported whatever the version
    asked). The texts are the ``LICENSE*``, ``LICENCE*`` and ``COPYING*`` files of
    the package's folder. Unreadable metadata is skipped."""

    ecosystem = COMPOSER

    def __init__(self, env: Environment) -> None:
        self.env = env
        self._index: dict[str, list[_Copy]] | None = None

    def _build(self) -> dict[str, list[_Copy]]:
        index: dict[str, list[_Copy]] = {}
        for root in search_roots(self.env):
            vendor = root / "vendor"
            base = self.env.base(vendor)
            if not is_real_dir(vendor, base):
                continue
            installed = vendor / "composer" / "installed.json"
            copies = (
                _from_installed(vendor, installed, base)
                if fs.is_file(installed, base)
                else _from_package_folders(vendor, base)
            )
            for name, copy in copies:
                index.setdefault(package_key(COMPOSER, name), []).append(copy)
        return index

    def _texts(self, directory: Path) -> tuple[Path, ...]:
        """The license files of a package folder that lies inside the scan root (a
        path repository's folder may be a symbolic link to anywhere)."""
        try:
            real = directory.resolve(strict=True)
            root = self.env.root.resolve(strict=True)
        except (OSError, RuntimeError):
            return ()
        if real != root and not real.is_relative_to(root):
            return ()
        return license_files(directory, self.env.base(directory))

    def find(self, name: str, version: str | None) -> Evidence | None:
        if self._index is None:
            self._index = self._build()
        for copy in self._index.get(package_key(COMPOSER, name), ()):
            if (
                version is not None
                and copy.version is not None
                and _strip_v(copy.version) != _strip_v(version)
            ):
                continue
            return Evidence(
                license=copy.license,
                texts=self._texts(copy.directory),
                source="vendored",
                where=self.env.shown(copy.metadata),
                version=copy.version,
                field="license" if copy.license is not None else "",
            )
        return None


def _installed_entries(data: object) -> list[Any]:
    if isinstance(data, list):  # Composer 1
        return data
    if isinstance(data, dict) and isinstance(data.get("packages"), list):  # Composer 2
        packages: list[Any] = data["packages"]
        return packages
    return []


def _from_installed(vendor: Path, installed: Path, base: Path) -> Iterator[tuple[str, _Copy]]:
    for entry in _installed_entries(read_json_quietly(installed, MAX_MANIFEST_BYTES, base)):
        if not isinstance(entry, dict):
            continue
        name = entry.get("name")
        if not isinstance(name, str) or is_platform(name):
            continue
        directory = safe_child(vendor, name)
        if directory is None:
            continue
        install_path = entry.get("install-path")  # Composer 2, relative to vendor/composer
        if isinstance(install_path, str) and install_path and "\0" not in install_path:
            moved = Path(os.path.normpath(vendor / "composer" / install_path))
            if moved.is_relative_to(vendor.parent):
                directory = moved
        version = entry.get("version")
        yield (
            name,
            _Copy(
                directory,
                installed,
                version if isinstance(version, str) and version else None,
                composer_license(entry.get("license")),
            ),
        )


def _from_package_folders(vendor: Path, base: Path) -> Iterator[tuple[str, _Copy]]:
    for owner_entry in fs.list_dir(vendor, base):
        owner = owner_entry.path
        if owner.name in ("composer", "bin") or owner_entry.link or not owner_entry.is_dir:
            continue
        for entry in fs.list_dir(owner, base):
            if entry.link or not entry.is_dir:
                continue
            folder = entry.path
            metadata = folder / "composer.json"
            data = read_json_quietly(metadata, base=base)
            if not isinstance(data, dict):
                continue
            name = data.get("name")
            if not isinstance(name, str) or "/" not in name:
                name = f"{owner.name}/{folder.name}"
            version = data.get("version")
            yield (
                name,
                _Copy(
                    folder,
                    metadata,
                    version if isinstance(version, str) and version else None,
                    composer_license(data.get("license")),
                ),
            )


def locators(env: Environment) -> list[Locator]:
    """The composer locators: packages installed in ``vendor/``."""
    return [ComposerVendorLocator(env)]
