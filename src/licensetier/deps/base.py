"""The interface of the dependency readers: what a manifest or lockfile states, and
what an installed or vendored copy of a dependency says about its license.

One module per ecosystem (``python``, ``npm``, ``cargo``, ``golang``, ``maven``,
``ruby``, ``php``, ``nuget``) provides:

* ``MANIFESTS``: a tuple of :class:`Route` (which file name goes to which parser);
  each parser takes ``(path, source)`` and returns the :class:`Declared` entries of
  that file, or raises :class:`~licensetier.errors.ManifestError` naming ``source``
  and, where known, the line. Parsers read files as data: nothing from the scanned
  repository is imported, run or installed.
* ``locators(env)``: the :class:`Locator` objects that find installed or vendored
  copies of this ecosystem's packages (:class:`Environment` says where to look).

Everything here is a frozen value; the resolver (:mod:`licensetier.deps.resolve`)
combines them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import Protocol

from packageurl import PackageURL

MAX_MANIFEST_BYTES = 20 * 1024 * 1024  # a lockfile of a large monorepo is a few MB


class Ecosystem(str, Enum):
    """Package URL types of the ecosystems licensetier reads."""

    PYPI = "pypi"
    NPM = "npm"
    CARGO = "cargo"
    GOLANG = "golang"
    MAVEN = "maven"
    GEM = "gem"
    COMPOSER = "composer"
    NUGET = "nuget"


class Scope(str, Enum):
    RUNTIME = "runtime"
    DEVELOPMENT = "development"  # dev, test, build-only
    OPTIONAL = "optional"  # extras, optional and peer-optional dependencies


class Role(str, Enum):
    MANIFEST = "manifest"  # states direct dependencies and their requirements
    LOCKFILE = "lockfile"  # states exact versions, often the whole graph


@dataclass(frozen=True)
class Declared:
    """One dependency as one manifest or lockfile states it.

    ``version`` is the exact version when the file pins or locks one (``exact``
    True), else the requirement as written or None. ``direct`` is None when the file
    cannot tell (a lockfile without its graph roots). ``requires`` lists the names
    (as :func:`package_key` spells them) of this package's own dependencies, when the
    file records the graph. ``license`` is a license string the file itself carries
    (package-lock v2/v3 ``license``, composer.lock ``license`` joined with `` OR ``).
    """

    ecosystem: Ecosystem
    name: str
    version: str | None
    manifest: str  # POSIX path of the declaring file, relative to the scan root
    exact: bool = False
    direct: bool | None = None
    scope: Scope = Scope.RUNTIME
    line: int | None = None
    requires: tuple[str, ...] = ()
    license: str | None = None
    namespace: str | None = None  # Maven group id; npm scope and Go path are in name

    @property
    def key(self) -> str:
        return package_key(self.ecosystem, self.full_name)

    @property
    def full_name(self) -> str:
        """``group:artifact`` for Maven, the name elsewhere."""
        return f"{self.namespace}:{self.name}" if self.namespace else self.name


Parser = Callable[[Path, str], list[Declared]]


@dataclass(frozen=True)
class Route:
    """Files whose name matches ``pattern`` (the whole name) go to ``parser``."""

    pattern: re.Pattern[str]
    parser: Parser
    role: Role
    ecosystem: Ecosystem


@dataclass(frozen=True)
class Evidence:
    """What an installed or vendored copy of a package says about its license.

    ``license`` is the declared license string as written (several joined as the
    package's own format means them: OR for a choice, AND for all), ``texts`` the
    license files to detect with ScanCode when no string is given or it is not
    understood. ``readmes`` are read last, only when neither answers (as the npm peers
    do); an answer from them is of low confidence. ``where`` is shown to the user: a
    path relative to the scan root when inside it, else an absolute path.
    """

    license: str | None
    texts: tuple[Path, ...] = ()
    source: str = "installed"  # "installed" or "vendored"
    where: str = ""
    version: str | None = None
    field: str = ""  # which field answered: "License-Expression", "license", ...
    readmes: tuple[Path, ...] = ()


class Locator(Protocol):
    """Finds an installed or vendored copy of a package."""

    ecosystem: Ecosystem

    def find(self, name: str, version: str | None) -> Evidence | None:
        """``name`` as :attr:`Declared.full_name`; ``version`` exact or None."""
        ...


@dataclass(frozen=True)
class Environment:
    """Where installed packages may be found. Paths that do not exist are skipped.

    The defaults come from the user's environment (:func:`Environment.from_os`);
    tests build one pointing into ``tmp_path``.
    """

    root: Path  # the scan root
    manifest_dirs: tuple[Path, ...] = ()  # directories holding a discovered manifest
    python_envs: tuple[Path, ...] = ()  # virtual environments: .venv, venv, --python-env
    cargo_home: Path | None = None  # registry/src/*/<name>-<version>/
    go_mod_cache: Path | None = None  # <module>@<version>/ (case-escaped)
    maven_repo: Path | None = None  # ~/.m2/repository
    nuget_packages: Path | None = None  # ~/.nuget/packages/<id>/<version>/

    def shown(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def base(self, path: Path) -> Path:
        """The directory that reads of ``path`` must stay in (:mod:`licensetier.fs`):
        the scan root for anything below it (a ``.venv`` or ``node_modules`` that links
        out of the root is not followed), else the environment or cache that holds it
        (``--python-env``, Cargo's, Go's, Maven's or NuGet's), each its own base."""
        where = os.path.abspath(path)
        bases = (
            self.root,
            *self.python_envs,
            self.cargo_home,
            self.go_mod_cache,
            self.maven_repo,
            self.nuget_packages,
        )
        for base in bases:
            if base is None:
                continue
            top = os.path.abspath(base)
            if where == top or where.startswith(top.rstrip(os.sep) + os.sep):
                return base
        return path if path.is_dir() else path.parent


def normalize_pypi(name: str) -> str:
    """PEP 503: lower case, runs of ``-_.`` become one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def package_key(ecosystem: Ecosystem, name: str) -> str:
    """The name under which a package is the same package in its ecosystem."""
    if ecosystem is Ecosystem.PYPI:
        return normalize_pypi(name)
    if ecosystem in (Ecosystem.NUGET, Ecosystem.COMPOSER):
        return name.lower()
    return name


def purl(ecosystem: Ecosystem, name: str, version: str | None, namespace: str | None = None) -> str:
    """The package URL of a dependency (the version only when exact)."""
    if ecosystem is Ecosystem.NPM and name.startswith("@") and "/" in name:
        namespace, name = name.split("/", 1)
    elif ecosystem in (Ecosystem.GOLANG, Ecosystem.COMPOSER) and "/" in name:
        namespace, name = name.rsplit("/", 1)
    elif ecosystem is Ecosystem.PYPI:
        name = normalize_pypi(name)
    return PackageURL(ecosystem.value, namespace, name, version).to_string()


def first_line(text: str, needle: str, start: int = 0) -> int | None:
    """The 1-based number of the first line at or after ``start`` holding ``needle``."""
    at = text.find(needle, start)
    return None if at < 0 else text.count("\n", 0, at) + 1


def base_of(path: Path, source: str) -> Path:
    """The directory ``path`` must stay in when a caller does not say: the scan root
    when ``source`` is ``path`` relative to it (as a manifest's source is), else the
    file's own directory."""
    parts = PurePosixPath(source).parts
    if (
        parts
        and not PurePosixPath(source).is_absolute()
        and ".." not in parts
        and len(path.parts) > len(parts)
        and tuple(path.parts[-len(parts) :]) == parts
    ):
        return Path(*path.parts[: -len(parts)])
    return path.parent


def read_text(
    path: Path, source: str, limit: int = MAX_MANIFEST_BYTES, *, base: Path | None = None
) -> str:
    """A manifest's text, or a :class:`ManifestError` naming ``source`` (and the line
    of the first byte that is not UTF-8); a file above ``limit`` bytes is not read, nor
    one that is not a regular file inside ``base`` (default: :func:`base_of`)."""
    from licensetier import fs
    from licensetier.errors import ManifestError

    try:
        return fs.read_text(path, base if base is not None else base_of(path, source), limit)
    except fs.Undecodable as exc:
        raise ManifestError("not UTF-8 text", path=source, line=exc.line) from None
    except OSError as exc:
        raise ManifestError(fs.reason(exc), path=source) from None
