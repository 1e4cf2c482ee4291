"""Vendored copies of dependencies in generic directories, for any ecosystem.

Many repositories carry the source of a dependency in a directory of their own:
``vendor/<name>``, ``third_party/<name>``, ``third-party/<name>`` or
``3rdparty/<name>``, next to the scan root or to a manifest. Such a copy has no
metadata licensetier can read in a uniform way, so a :class:`VendoredDirLocator`
only reports the license files it finds directly in that directory
(:func:`licensetier.paths.is_license_file_name`: ``LICENSE*``, ``LICENCE*``,
``COPYING*``, ``UNLICENSE``, also ``MIT-LICENSE``) for ScanCode to detect; a directory
without any of them gives no evidence.

One locator is built per ecosystem (:func:`locators` builds one for each of
:class:`~licensetier.deps.base.Ecosystem`); the search is the same for all of them,
only the ``ecosystem`` attribute differs, which tells the resolver whose packages it
answers for. :func:`license_files` is shared with the ecosystem modules.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from licensetier import formats, fs
from licensetier.deps.base import Ecosystem, Environment, Evidence, Locator, Route
from licensetier.errors import ManifestError
from licensetier.paths import VENDOR_DIRS as VENDOR_DIRS
from licensetier.paths import is_license_file_name

MANIFESTS: tuple[Route, ...] = ()  # vendored directories are not manifests

# the names of license files, and of vendor directories, are defined in licensetier.paths
is_license_file = is_license_file_name

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET


def license_files(directory: Path, base: Path | None = None) -> tuple[Path, ...]:
    """The license files directly in ``directory``, sorted by name.

    Symbolic links are left out (a vendored tree must not make licensetier read a file
    outside it); a missing or unreadable directory has none, and so has one that is
    not inside ``base`` (:mod:`licensetier.fs`; default: the directory itself).
    """
    return tuple(
        e.path
        for e in fs.list_dir(directory, base or directory)
        if e.is_file and not e.link and is_license_file_name(e.name)
    )


README_NAME_RE = re.compile(r"readme(?:\.(?:md|markdown|txt|rst))?", re.IGNORECASE)


def readme_files(directory: Path, base: Path | None = None) -> tuple[Path, ...]:
    """The README files directly in ``directory`` (a last resort for a package that
    states no license and ships no license file); as :func:`license_files`."""
    return tuple(
        e.path
        for e in fs.list_dir(directory, base or directory)
        if e.is_file and not e.link and README_NAME_RE.fullmatch(e.name)
    )


def search_roots(env: Environment) -> tuple[Path, ...]:
    """The scan root and the manifest directories, each once, in that order."""
    seen: dict[Path, None] = {}
    for directory in (env.root, *env.manifest_dirs):
        seen.setdefault(directory, None)
    return tuple(seen)


MAX_INSTALLED_JSON_BYTES = 5 * 1024 * 1024  # an installed package.json, a few KB usually


def read_json_quietly(
    path: Path, max_bytes: int = MAX_INSTALLED_JSON_BYTES, base: Path | None = None
) -> Any:
    """The JSON value of an installed metadata file, or None when it is missing,
    too large, not UTF-8, not valid JSON, or not a regular file inside ``base``
    (default: its own directory) (locators skip such packages)."""
    try:
        return formats.load_json(fs.read_text(path, base or path.parent, max_bytes))
    except (OSError, ValueError):
        return None


def read_xml_quietly(path: Path, base: Path | None = None) -> ET.Element | None:
    """An installed XML file's root (namespaces removed), or None when it is missing,
    too large, not well-formed, declares a DOCTYPE or is not a regular file inside
    ``base`` (default: its own directory)."""
    try:
        data = fs.read_bytes(path, base or path.parent, formats.MAX_MANIFEST_BYTES)
        return formats.parse_xml(data, str(path))[0]
    except (OSError, ManifestError):
        return None


def is_real_dir(path: Path, base: Path | None = None) -> bool:
    """A directory that is not a symbolic link (and, given ``base``, is inside it:
    no directory on the way links out); False when it cannot be looked at."""
    try:
        if base is not None and not fs.is_dir(path, base):
            return False
        return path.is_dir() and not path.is_symlink()
    except OSError:
        return False


def safe_child(base: Path, relative: str) -> Path | None:
    """``base / relative`` when ``relative`` is a plain relative path (no ``..``, not
    absolute, no empty segment), else None: package names never walk out of ``base``."""
    parts = relative.split("/")
    if not relative or relative.startswith("/") or "\\" in relative:
        return None
    if any(part in ("", ".", "..") for part in parts):
        return None
    return base.joinpath(*parts)


class VendoredDirLocator:
    """Finds ``vendor/<name>``, ``third_party/<name>``, ``third-party/<name>`` and
    ``3rdparty/<name>`` under the scan root and each manifest directory.

    ``<name>`` is tried as the package name (a Go module path or a composer
    ``vendor/package`` name is tried as a nested path), as its last segment (after
    ``/``, or after ``:`` for Maven's ``group:artifact``), and as
    ``<name>-<version>`` for either when a version is given. Directory names are
    compared case-insensitively. The version of a vendored directory is not known
    (``Evidence.version`` is None), so a copy is reported whatever the version asked.
    """

    def __init__(self, env: Environment, ecosystem: Ecosystem) -> None:
        self.env = env
        self.ecosystem = ecosystem
        self._index: dict[str, list[Path]] | None = None  # lower-case name -> dirs

    def _bases(self) -> list[Path]:
        bases = []
        for root in search_roots(self.env):
            for name in VENDOR_DIRS:
                candidate = root / name
                if is_real_dir(candidate, self.env.base(candidate)):
                    bases.append(candidate)
        return bases

    def _build_index(self) -> dict[str, list[Path]]:
        index: dict[str, list[Path]] = {}
        for base in self._bases():
            for child in fs.list_dir(base, self.env.base(base)):
                if child.is_dir and not child.link:
                    index.setdefault(child.name.lower(), []).append(child.path)
        return index

    def _candidates(self, name: str, version: str | None) -> list[str]:
        names = [name]
        for separator in ("/", ":"):
            if separator in name:
                last = name.rsplit(separator, 1)[1]
                if last and last not in names:
                    names.append(last)
        if version:
            names += [f"{n}-{version}" for n in list(names)]
        return names

    def _directories(self, name: str, version: str | None) -> list[Path]:
        if self._index is None:
            self._index = self._build_index()
        found: list[Path] = []
        for candidate in self._candidates(name, version):
            if "/" in candidate:  # a nested path: vendor/github.com/owner/repo
                for base in self._bases():
                    directory = safe_child(base, candidate)
                    if directory is not None and is_real_dir(directory, self.env.base(base)):
                        found.append(directory)
            elif candidate not in (".", ".."):
                found.extend(self._index.get(candidate.lower(), []))
        return found

    def find(self, name: str, version: str | None) -> Evidence | None:
        for directory in self._directories(name, version):
            texts = license_files(directory, self.env.base(directory))
            if texts:
                return Evidence(
                    license=None,
                    texts=texts,
                    source="vendored",
                    where=self.env.shown(directory),
                    version=None,
                    field="license files",
                )
        return None


def locators(env: Environment) -> list[Locator]:
    """One :class:`VendoredDirLocator` per ecosystem."""
    return [VendoredDirLocator(env, ecosystem) for ecosystem in Ecosystem]
