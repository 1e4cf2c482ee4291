"""The interface of the dependency readers: what a manifest or lockfile states, and
what an installed or vendored copy of a dependency says about its license.

One module per ecosystem (``python``, ``npm``, ``cargo``, ``golang``, ``maven``,
``ruby``, ``php``, ``nuget``, ``conda``) provides:

* ``MANIFESTS``: its rows of the one routing table
  (:data:`licensetier.readers.routes.ROUTES`) as :class:`Route` values; each route's
  parser takes ``(path, source)`` and returns the :class:`Declared` entries of that
  file, or raises :class:`~licensetier.errors.ManifestError` naming ``source`` and,
  where known, the line. Parsers read files as data: nothing from the scanned
  repository is imported, run or installed. A manifest that also declares the
  artifact's own license (pyproject.toml, package.json, composer.json, Cargo.toml) is
  read by its module in :mod:`licensetier.readers`, the module the route names.
* ``locators(env)``: the :class:`Locator` objects that find installed or vendored
  copies of this ecosystem's packages (:class:`Environment` says where to look).

Everything here is a frozen value; the resolver (:mod:`licensetier.deps.resolve`)
combines them.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from packageurl import PackageURL

from licensetier.expressions import combine
from licensetier.formats import MAX_MANIFEST_BYTES, base_of, read_text
from licensetier.formats.lines import first_line

__all__ = ["MAX_MANIFEST_BYTES", "base_of", "first_line", "read_text"]


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
    CONDA = "conda"


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
    # package URL qualifiers the file states (conda's ``channel::name``: channel)
    qualifiers: tuple[tuple[str, str], ...] = ()
    # why no registry can answer for it, whatever else is tried (a direct URL or VCS
    # reference); the resolver adds it to the dependency's reason
    note: str | None = None
    url: str | None = None  # a direct reference (pip ``name @ url``): no registry version
    # a Python requirement as PEP 508 reads it (``name[extras] spec; marker``): what
    # the closure of an installed environment matches and evaluates (deps.pyclosure)
    requirement: str | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        return package_key(self.ecosystem, self.full_name)

    @property
    def full_name(self) -> str:
        """``group:artifact`` for Maven, the name elsewhere."""
        return f"{self.namespace}:{self.name}" if self.namespace else self.name


Parser = Callable[[Path, str], list[Declared]]


class Entries(list[Declared]):
    """A parser's entries with its ``notes``: what the file states that could not be
    read as data (``install_requires=compute()`` in a setup.py), each a
    :class:`~licensetier.errors.ManifestError` naming the file and line that the scan
    reports as a problem while it keeps the other entries."""

    def __init__(self, entries: Iterable[Declared] = (), notes: Iterable[Any] = ()) -> None:
        super().__init__(entries)
        self.notes: list[Any] = list(notes)


@dataclass(frozen=True)
class Route:
    """Files whose name matches ``pattern`` (the whole name) go to ``target``: a reader
    module of :mod:`licensetier.readers` (its ``read_dependencies``), or
    ``module:function``. The module is imported on first use."""

    pattern: re.Pattern[str]
    target: str
    role: Role
    ecosystem: Ecosystem

    @property
    def parser(self) -> Parser:
        module, _, name = self.target.partition(":")
        found: Parser = getattr(importlib.import_module(module), name or "read_dependencies")
        return found

    @property
    def reader(self) -> ModuleType | None:
        """The reader module, when the file is read by one (it is read once per scan,
        through a :class:`~licensetier.readers.Reading`)."""
        return None if ":" in self.target else importlib.import_module(self.target)


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
    conda_prefix: Path | None = None  # $CONDA_PREFIX: an active conda environment
    # what locators read once and share across the environments of one resolution
    # (an installed folder's index): keyed by the locator, not part of the identity
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

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
            self.conda_prefix,
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


def join_or(items: Iterable[str]) -> str | None:
    """Several licenses offered as a choice, as one ``A OR B`` expression (an item
    that is itself an expression is parenthesized); None when there are none."""
    return combine((i.strip() for i in items if i), "OR")


def package_key(ecosystem: Ecosystem, name: str) -> str:
    """The name under which a package is the same package in its ecosystem."""
    if ecosystem is Ecosystem.PYPI:
        return normalize_pypi(name)
    if ecosystem in (Ecosystem.NUGET, Ecosystem.COMPOSER, Ecosystem.CONDA):
        return name.lower()
    return name


def purl(
    ecosystem: Ecosystem,
    name: str,
    version: str | None,
    namespace: str | None = None,
    qualifiers: Iterable[tuple[str, str]] = (),
) -> str:
    """The package URL of a dependency (the version only when exact)."""
    if ecosystem is Ecosystem.NPM and name.startswith("@") and "/" in name:
        namespace, name = name.split("/", 1)
    elif ecosystem in (Ecosystem.GOLANG, Ecosystem.COMPOSER) and "/" in name:
        namespace, name = name.rsplit("/", 1)
    elif ecosystem is Ecosystem.PYPI:
        name = normalize_pypi(name)
    elif ecosystem is Ecosystem.CONDA:
        name = name.lower()
    return PackageURL(
        ecosystem.value, namespace, name, version, dict(qualifiers) or None
    ).to_string()
