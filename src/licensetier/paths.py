"""Paths: where licensetier's own data lives, and the few rules about the paths of a
scanned repository that several modules share, each written once.

* :func:`data_directory` - the ``license_db/`` data, in a wheel or a source tree.
* :func:`is_license_file_name` - the names under which a license text is shipped
  (``LICENSE``, ``COPYING.LESSER``, ``MIT-LICENSE``; not ``license.py``).
* :func:`owner` and :func:`owning_artifact` - which directory, or which artifact, a
  path belongs to: the deepest one that contains it.
* The directory lists: :data:`VCS_DIRS`, :data:`TOOL_DIRS` and :data:`UNWALKED_DIRS`
  (never walked outside git), :data:`VENDOR_DIRS` and :data:`INSTALLED_DIRS` (copies of
  other packages), with :func:`in_installed_dir`.
* :class:`Globs` - user-given path globs (``exclude``, an exception's ``path``), with the
  pattern syntax of ``.gitignore`` (through ``pathspec``, matched by RE2 in linear
  time); ``docs/configuration.md`` describes them for users.

Paths are POSIX and relative to the scanned root; ``"."`` is the root itself.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from licensetier.errors import LicenseDBError

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

    from licensetier.models import Artifact


# --- licensetier's data ------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def data_directory() -> Path:
    """``licensetier/license_db`` in a wheel; the repository's ``license_db/`` in a
    source tree or an editable install."""
    packaged = Path(str(files("licensetier"))) / "license_db"
    if (packaged / "scancode_licenses.json").is_file():
        return packaged
    source = Path(__file__).resolve().parents[2] / "license_db"
    if (source / "scancode_licenses.json").is_file():
        return source
    raise LicenseDBError(f"license data not found in {packaged} nor in {source}")


# --- license file names ------------------------------------------------------------

# LICENSE, LICENCE.txt, COPYING.LESSER, LICENSE-MIT, UNLICENSE: a license word first ...
_LICENSE_FIRST = re.compile(r"(?:LICEN[CS]E|COPYING|UNLICENSE)S?(?:[-_.]?[A-Z0-9][A-Z0-9.+_-]*)?")
# ... or last, before an optional document extension: MIT-LICENSE, BSD_LICENSE.md.
_LICENSE_LAST = re.compile(
    r"[A-Z0-9][A-Z0-9.+_-]*[-_.](?:LICEN[CS]E|COPYING)S?(?:\.(?:TXT|MD|RST|MARKDOWN|HTML?|ADOC))?"
)
# Source and metadata files named like a license (license.py, license.go, no.license.nuspec).
_CODE_SUFFIX = re.compile(
    r"\.(?:go|py|rb|rs|m?js|cjs|ts|java|kt|cs|fs|vb|c|h|cc|cpp|hpp|php|sh"
    r"|json|toml|ya?ml|xml|lock|gemspec|nuspec|pom|sum|mod|csproj|props)",
    re.IGNORECASE,
)


def is_license_file_name(name: str) -> bool:
    """Whether a file called ``name`` (a base name, any case) is a license file: the
    name under which a project or a package ships its license text.

    A license word (``LICENSE``/``LICENCE``, ``COPYING``, ``UNLICENSE``, optionally
    plural) first, with an optional suffix (``LICENSE``, ``LICENSE.md``,
    ``LICENSE-MIT``, ``COPYING.LESSER``, ``licence.txt``), or last, after a name and
    before an optional document extension (``MIT-LICENSE``, ``BSD_LICENSE.md``,
    ``foo.LICENSE``). Not a license file: a source or metadata file named like one
    (``license.py``, ``license.go``, ``no.license.nuspec``), the licenses of others
    (``THIRD-PARTY-LICENSES.txt``), ``NOTICE``, ``README``.
    """
    if _CODE_SUFFIX.fullmatch(Path(name).suffix):
        return False
    upper = name.upper()
    if upper.startswith(("THIRD", "3RD")):  # THIRD-PARTY-LICENSES: the licenses of others
        return False
    return bool(_LICENSE_FIRST.fullmatch(upper) or _LICENSE_LAST.fullmatch(upper))


# --- ownership ---------------------------------------------------------------------


def contains(directory: str, path: str) -> bool:
    """Whether ``directory`` (``"."`` for the root) is ``path`` or one of its parents."""
    return directory == "." or path == directory or path.startswith(directory + "/")


def owner(path: str, directories: Iterable[str]) -> str | None:
    """The deepest of ``directories`` that contains ``path`` (:func:`contains`), in
    any order; None when none does. The directories that contain one path are nested,
    so the deepest is the longest, and ``"."`` the shallowest."""
    best: str | None = None
    for directory in directories:
        if contains(directory, path) and (best is None or _deeper(directory, best)):
            best = directory
    return best


def _deeper(a: str, b: str) -> bool:
    return b == "." or (a != "." and len(a) > len(b))


_A = TypeVar("_A", bound="Artifact")


def owning_artifact(path: str, artifacts: Iterable[_A]) -> _A:
    """The artifact ``path`` belongs to: the deepest one whose path contains it (the
    first of equal paths). Raises ValueError when none does (the root artifact ``.``
    contains every path)."""
    by_path: dict[str, _A] = {}
    for artifact in artifacts:
        by_path.setdefault(artifact.path, artifact)
    found = owner(path, by_path)
    if found is None:
        raise ValueError(f"no artifact contains {path!r}")
    return by_path[found]


# --- directories -------------------------------------------------------------------

VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr"})
"""The metadata directories of version control systems."""

TOOL_DIRS = frozenset(
    {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".idea", ".vscode"}
)
"""Caches and editor settings that tools write into a checkout."""

VENDOR_DIRS = ("vendor", "third_party", "third-party", "3rdparty")
"""Directories where a repository keeps copies of other projects' source, by hand
(searched in this order for a vendored dependency)."""

INSTALL_DIRS = frozenset(
    {
        "node_modules",
        "bower_components",
        ".venv",
        "venv",
        "site-packages",
        "dist-packages",
        ".tox",
        ".nox",
        "__pypackages__",
    }
)
"""Directories where package managers and environment tools install packages."""

INSTALLED_DIRS = frozenset(VENDOR_DIRS) | INSTALL_DIRS
"""Directories holding copies of other packages, vendored or installed: a manifest in
them describes that package, not the repository's own dependencies."""

UNWALKED_DIRS = VCS_DIRS | TOOL_DIRS | {"node_modules", ".venv", "venv", ".tox", ".nox"}
"""Directories never walked outside git (inside git, ``.gitignore`` decides): version
control metadata, tool caches, and the environments tools create in a checkout."""


def is_unwalked_dir(name: str) -> bool:
    """A directory (by its name) that a walk outside git does not enter."""
    return name in UNWALKED_DIRS


def in_installed_dir(path: str) -> bool:
    """Whether one of the directories of ``path`` (not its last part) is one of
    :data:`INSTALLED_DIRS`."""
    return any(part in INSTALLED_DIRS for part in path.split("/")[:-1])


# --- globs -------------------------------------------------------------------------


class Globs:
    """User-given path globs, with the pattern syntax of ``.gitignore``.

    ``*``, ``?`` and ``[...]`` never match ``/``; ``**`` matches across directories
    (``**/x``, ``a/**/b``, ``a/**``); a pattern with a ``/`` at its start or in its
    middle is anchored at the root (``src/*.py`` is ``src/a.py``, never
    ``src/a/b/c.py``), one without matches at any depth (``*.min.js``); a trailing
    ``/`` matches directories only. ``#`` starts a comment and ``!`` re-includes, as in
    ``.gitignore``; ``\\`` escapes. Paths are POSIX, relative to the root.

    Two ways to match a file's path:

    * :meth:`excludes` - as ``.gitignore`` ignores: the path matches, or one of its
      directories does (``vendor/*`` and ``vendor/`` cover all of ``vendor/``; a
      later ``!pattern`` re-includes). The path may be a directory entry (a
      submodule, a symbolic link to a directory), so a directory pattern also
      matches an entry of that name.
    * :meth:`covers` - for a rule about files (an exception): the pattern matches
      the file's path and not the directory the file is in. ``vendor/*`` covers
      ``vendor/x.c``, not ``vendor/lib/x.c``; a pattern that ends in ``/`` or
      ``/**`` covers everything below the directories it matches (``vendor/``,
      ``vendor/**``). Each pattern is taken on its own (``!`` has no use there).

    An invalid pattern (``[z-a]``) matches nothing; :func:`glob_error` says why it is
    invalid, for the configuration to refuse it when it is read.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        self.valid = tuple(p for p in self.patterns if glob_error(p) is None)
        self._spec = _spec(self.valid)
        self._each = tuple((p, _spec((p,))) for p in self.valid)
        # only a pattern for directories matches `path/` where it does not match `path`
        self._for_dirs = any(_names_subtree(p) for p in self.valid)

    def excludes(self, path: str) -> bool:
        if not self.valid:
            return False
        if self._spec.match_file(path):
            return True
        return self._for_dirs and bool(self._spec.match_file(path + "/"))

    def covers(self, path: str) -> bool:
        parent = path.rpartition("/")[0]
        for pattern, spec in self._each:
            if not spec.match_file(path):
                continue
            if _names_subtree(pattern) or not (parent and spec.match_file(parent)):
                return True
        return False


def _names_subtree(pattern: str) -> bool:
    return pattern.rstrip().endswith(("/", "/**"))


@functools.lru_cache(maxsize=256)
def _spec(patterns: tuple[str, ...]) -> GitIgnoreSpec:
    from pathspec import GitIgnoreSpec

    try:
        # RE2 matches in linear time: a backtracking engine takes minutes per path on a
        # glob of many wildcards ("*a*a*a*a*a*b"), and the configuration may come from
        # the repository being scanned
        return GitIgnoreSpec.from_lines(patterns, backend="re2")
    except (ValueError, re.error) as exc:  # pathspec's GitIgnorePatternError, or a range
        raise ValueError(f"invalid path glob: {exc}") from None


@functools.lru_cache(maxsize=256)
def globs(patterns: tuple[str, ...]) -> Globs:
    """:class:`Globs` of ``patterns``, compiled once."""
    return Globs(patterns)


def glob_error(pattern: str) -> str | None:
    """Why ``pattern`` is not a valid path glob, or None when it is."""
    try:
        _spec((pattern,))
    except ValueError as exc:
        return str(exc)
    return None
