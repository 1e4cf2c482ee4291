r"""The one routing table: which file goes to which reader.

Data, not code: each row names a file by its whole name (a regular expression, with
an example above it), the reader that parses it, and what licensetier reads from it:

* ``declares``: the file may declare the license of the artifact whose directory
  holds it (only files directly in that directory count). Most such rows are plain
  names (``setup\.py``); a pattern (``.+\.gemspec``) reads every file of the
  directory it matches, in name order;
* ``role`` and ``ecosystem``: the file states dependencies, as a manifest (direct
  dependencies and requirements) or a lockfile (exact versions, often the graph).

A reader is a module of :mod:`licensetier.readers` (``load``, ``declared``,
``dependencies``, ``read_dependencies``; see that package), or ``module:function``
for a dependency file read by its ecosystem's module in :mod:`licensetier.deps`
(``function(path, source) -> list[Declared]``). Readers are imported when a scan
meets their first file. The rows are tried in order; the first match wins; the
declared-license readers run in this order too.

Adding a file: a row here, and its reader (docs/architecture.md, "Adding a reader").
Model weights and model metadata files, which declare neither, are routed by their own
table, :data:`licensetier.readers.weights.WEIGHTS_FILES` (headers read, bounded).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from licensetier.deps.base import Ecosystem, Role, Route

if TYPE_CHECKING:
    from licensetier.declared import ManifestContext
    from licensetier.models import DeclaredLicense

MANIFEST, LOCKFILE = Role.MANIFEST, Role.LOCKFILE
PYPI, NPM, COMPOSER, CARGO = Ecosystem.PYPI, Ecosystem.NPM, Ecosystem.COMPOSER, Ecosystem.CARGO
GOLANG, MAVEN, GEM, NUGET = Ecosystem.GOLANG, Ecosystem.MAVEN, Ecosystem.GEM, Ecosystem.NUGET
CONDA = Ecosystem.CONDA


@dataclass(frozen=True)
class Row:
    pattern: str  # the whole file name
    reader: str  # a module of licensetier.readers, or "licensetier.deps.<module>:<function>"
    role: Role | None = None  # None: the file states no dependencies
    ecosystem: Ecosystem | None = None
    declares: bool = False  # it may declare the artifact's own license


R = "licensetier.readers."
D = "licensetier.deps."

ROUTES: tuple[Row, ...] = (
    # -- files that declare the artifact's license (in this order), and its dependencies
    # pyproject.toml
    Row(r"pyproject\.toml", R + "pyproject", MANIFEST, PYPI, declares=True),
    # setup.cfg ([metadata] license; [options] install_requires, [options.extras_require])
    Row(r"setup\.cfg", R + "setup_cfg", MANIFEST, PYPI, declares=True),
    # setup.py (setup(license=..., install_requires=...) read as data with ast: never run)
    Row(r"setup\.py", R + "setup_py", MANIFEST, PYPI, declares=True),
    # package.json
    Row(r"package\.json", R + "package_json", MANIFEST, NPM, declares=True),
    # Cargo.toml
    Row(r"Cargo\.toml", R + "cargo_toml", MANIFEST, CARGO, declares=True),
    # composer.json
    Row(r"composer\.json", R + "composer_json", MANIFEST, COMPOSER, declares=True),
    # DESCRIPTION (an R package's: Debian-control fields with a Package: field)
    Row(r"DESCRIPTION", R + "r_description", declares=True),
    # rails.gemspec, rack.gemspec (read as text, never run; add_dependency lines too)
    Row(r".+\.gemspec", R + "gemspec", MANIFEST, GEM, declares=True),
    # Newtonsoft.Json.nuspec
    Row(r".+\.nuspec", R + "nuspec", declares=True),
    # pom.xml (<licenses>, and the dependencies)
    Row(r"pom\.xml", R + "pom_xml", MANIFEST, MAVEN, declares=True),
    # build.gradle, build.gradle.kts (the maven-publish pom's licenses, read as text)
    Row(r"build\.gradle(?:\.kts)?", R + "gradle", declares=True),
    # gradle.properties (POM_LICENSE_NAME, POM_LICENCE_URL... of the publishing plugins)
    Row(r"gradle\.properties", R + "gradle", declares=True),
    # README.md (a Hugging Face model card when it opens with YAML front matter)
    Row(r"README\.md", R + "model_card", declares=True),
    # readme.md
    Row(r"readme\.md", R + "model_card", declares=True),
    # README
    Row(r"README", R + "model_card", declares=True),
    # -- Python
    # requirements.txt, requirements-dev.txt, requirements_test.txt, dev-requirements.txt,
    # requirements.in, requirements-docs.in
    Row(
        r"(?:[^/]*[-_.])?requirements(?:[-_.][^/]*)?\.(?:txt|in)",
        D + "python:parse_requirements",
        MANIFEST,
        PYPI,
    ),
    # poetry.lock
    Row(r"poetry\.lock", D + "python:parse_poetry_lock", LOCKFILE, PYPI),
    # uv.lock
    Row(r"uv\.lock", D + "python:parse_uv_lock", LOCKFILE, PYPI),
    # Pipfile.lock
    Row(r"Pipfile\.lock", D + "python:parse_pipfile_lock", LOCKFILE, PYPI),
    # pylock.toml, pylock.dev.toml
    Row(r"pylock(?:\.[A-Za-z0-9_-]+)?\.toml", D + "python:parse_pylock", LOCKFILE, PYPI),
    # -- npm
    # package-lock.json, npm-shrinkwrap.json
    Row(r"package-lock\.json|npm-shrinkwrap\.json", D + "npm:parse_package_lock", LOCKFILE, NPM),
    # yarn.lock (classic and Berry)
    Row(r"yarn\.lock", D + "npm:parse_yarn_lock", LOCKFILE, NPM),
    # pnpm-lock.yaml
    Row(r"pnpm-lock\.yaml", D + "npm:parse_pnpm_lock", LOCKFILE, NPM),
    # -- PHP
    # composer.lock
    Row(r"composer\.lock", D + "php:parse_composer_lock", LOCKFILE, COMPOSER),
    # -- Rust
    # Cargo.lock
    Row(r"Cargo\.lock", D + "cargo:parse_cargo_lock", LOCKFILE, CARGO),
    # -- Go
    # go.mod
    Row(r"go\.mod", D + "golang:parse_go_mod", MANIFEST, GOLANG),
    # go.sum
    Row(r"go\.sum", D + "golang:parse_go_sum", LOCKFILE, GOLANG),
    # -- Ruby
    # Gemfile.lock, gems.locked
    Row(r"Gemfile\.lock|gems\.locked", D + "ruby:parse_gemfile_lock", LOCKFILE, GEM),
    # Gemfile, gems.rb (gem lines read as data, never evaluated)
    Row(r"Gemfile|gems\.rb", D + "ruby:parse_gemfile", MANIFEST, GEM),
    # -- conda
    # environment.yml, environment.yaml, environment-dev.yml, env/gpu_environment.yml,
    # conda.yml, conda-cpu.yaml (the dependencies and their pip: section)
    Row(
        r"(?:[^/]*[-_.])?environment(?:[-_.][^/]*)?\.ya?ml|conda(?:[-_.][^/]*)?\.ya?ml",
        D + "conda:parse_environment",
        MANIFEST,
        CONDA,
    ),
    # -- NuGet
    # packages.lock.json
    Row(r"packages\.lock\.json", D + "nuget:parse_packages_lock", LOCKFILE, NUGET),
    # App.csproj, Lib.fsproj, Tool.vbproj
    Row(r".+\.(?:csproj|fsproj|vbproj)", D + "nuget:parse_project_file", MANIFEST, NUGET),
    # packages.config
    Row(r"packages\.config", D + "nuget:parse_packages_config", LOCKFILE, NUGET),
)


@functools.cache
def dependency_routes() -> tuple[Route, ...]:
    """The rows that state dependencies, as :class:`~licensetier.deps.base.Route`."""
    return tuple(
        Route(re.compile(row.pattern), row.reader, row.role, row.ecosystem)
        for row in ROUTES
        if row.role is not None and row.ecosystem is not None
    )


def routes_for(ecosystem: Ecosystem) -> tuple[Route, ...]:
    """One ecosystem's routes (an ecosystem module's ``MANIFESTS``)."""
    return tuple(r for r in dependency_routes() if r.ecosystem is ecosystem)


@functools.cache
def _any_dependency_file() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{r.pattern.pattern})" for r in dependency_routes()))


def dependency_route(name: str) -> Route | None:
    """The route of a file name, or None when it states no dependencies."""
    if not _any_dependency_file().fullmatch(name):
        return None
    return next((r for r in dependency_routes() if r.pattern.fullmatch(name)), None)


def plain_name(pattern: str) -> str | None:
    """The file name a row's pattern matches when it matches only one, else None."""
    name = re.sub(r"\\(.)", r"\1", pattern)
    return name if re.escape(name) == pattern else None


@functools.cache
def declaring() -> tuple[tuple[str, str], ...]:
    r"""``(file name or pattern, reader module)`` of the files that declare an
    artifact's license, in the order they are read: the plain name of a row that
    names one file (``setup.py``), else the row's pattern (``.+\.gemspec``)."""
    return tuple(
        (plain_name(row.pattern) or row.pattern, row.reader) for row in ROUTES if row.declares
    )


@functools.cache
def _declaring_patterns() -> tuple[tuple[str, re.Pattern[str] | None], ...]:
    return tuple(
        (key, None if plain_name(row.pattern) else re.compile(row.pattern))
        for (key, _), row in zip(declaring(), (r for r in ROUTES if r.declares), strict=True)
    )


def declaring_files(names: Iterable[str]) -> list[tuple[str, str]]:
    """``(file name, key of declaring())`` of the ``names`` (the files of one
    directory) that declare: in the table's order, a pattern's files in name order."""
    present = set(names)
    out: list[tuple[str, str]] = []
    for key, pattern in _declaring_patterns():
        if pattern is None:
            if key in present:
                out.append((key, key))
        else:
            out.extend((n, key) for n in sorted(present) if pattern.fullmatch(n))
    return out


def is_declaring(name: str) -> bool:
    """Whether a file of this name may declare its directory's artifact's license."""
    return bool(declaring_files([name]))


def declared_reader(module: str) -> Callable[[ManifestContext], list[DeclaredLicense]]:
    """What reads the declared license of a file of ``module``, given its context (the
    context holds the :class:`~licensetier.readers.Reading` the file is read through)."""

    def read(ctx: ManifestContext) -> list[DeclaredLicense]:
        import importlib

        reader = importlib.import_module(module)
        document = ctx.reading.document(reader, ctx.path, ctx.source, ctx.scan_root)
        if document is None:
            return []  # it did not parse: reported where it was first read
        ctx.text = document.text
        found: list[DeclaredLicense] = reader.declared(document, ctx)
        return found

    read.__qualname__ = read.__name__ = f"{module.rsplit('.', 1)[-1]}.declared"
    return read
