"""Ruby gems: ``Gemfile.lock`` and gems installed into ``vendor/bundle``.

``Gemfile.lock`` is Bundler's lockfile, a text file of sections. The source sections
``GEM`` (a gem server), ``GIT`` (a git checkout) and ``PATH`` (a local directory)
each list ``specs:``: a gem at four spaces of indentation, ``name (version)`` or
``name (version-platform)``, followed by its own dependencies at six spaces,
``name`` or ``name (requirement)``. ``DEPENDENCIES`` lists the gems the Gemfile
names (``name``, ``name (requirement)``, each followed by ``!`` for a gem from a GIT,
PATH or another source than the default one): these are direct, every other gem is
not. ``PATH`` gems are the project's own code (a ``gemspec`` line): they are not
dependencies, but the gems they depend on are direct. ``PLATFORMS``, ``RUBY
VERSION``, ``BUNDLED WITH``, ``CHECKSUMS`` and unknown sections are skipped. A gem's
platform variants (several ``nokogiri (1.16.0-<platform>)`` lines) are one dependency.

``Gemfile`` and ``*.gemspec`` are Ruby programs: they are never run (a gemspec's
license literals are read by :mod:`licensetier.readers.gemspec`'s tokenizer).

:class:`VendorBundleLocator` reads gems installed with ``bundle install --path
vendor/bundle`` (or ``BUNDLE_PATH=vendor/bundle``):
``vendor/bundle/ruby/<ruby version>/specifications/<name>-<version>.gemspec``, a
file RubyGems generates. It is read by the gemspec tokenizer, never evaluated:
``s.licenses = ["MIT".freeze]`` or ``s.license = "MIT"``; several licenses are a
choice in RubyGems (the specification says "the license(s) for the library"; each
one is a license the gem may be used under), so they are joined with `` OR ``. The
gem's ``LICENSE*`` files in ``vendor/bundle/ruby/<ruby version>/gems/<name>-<version>/``
are given for ScanCode as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from licensetier import fs
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
from licensetier.deps.vendored import is_real_dir, license_files, search_roots
from licensetier.errors import ManifestError
from licensetier.readers.routes import routes_for

SOURCE_SECTIONS = frozenset({"GEM", "GIT", "PATH", "PLUGIN SOURCE"})
SPEC_RE = re.compile(r"    (?! )(\S+) \(([^-)\s]+)(?:-([^)\s]+))?\)")
SPEC_DEPENDENCY_RE = re.compile(r"      (?! )(\S+)(?: \(([^)]*)\))?")
# "name", "name!", "name (requirement)", "name (requirement)!": Bundler writes the "!" of
# a gem from a git, path or other source after the requirement (Dependency#to_lock)
DEPENDENCY_RE = re.compile(r"  (?! )([^\s!]+)(?: \(([^)]*)\))?(!)?")
GEM_FILE_RE = re.compile(r"(.+?)-(\d+(?:\.[0-9A-Za-z]+)*)(?:-(.+))?")


@dataclass
class _Spec:
    name: str
    version: str
    line: int
    requires: list[str] = field(default_factory=list)


def parse_gemfile_lock(path: Path, source: str) -> list[Declared]:
    """The gems a ``Gemfile.lock`` locks (see the module docstring)."""
    text = read_text(path, source)
    specs: dict[tuple[str, str], _Spec] = {}
    direct: set[str] = set()
    has_dependencies = False
    section: str | None = None
    in_specs = False
    current: _Spec | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if not line.startswith(" "):
            section, in_specs, current = line.strip(), False, None
            has_dependencies = has_dependencies or section == "DEPENDENCIES"
            continue
        if section == "DEPENDENCIES":
            match = DEPENDENCY_RE.fullmatch(line.rstrip())
            if match is None:
                raise ManifestError(
                    f"DEPENDENCIES line does not parse: {line.strip()!r} "
                    "(expected 'name' or 'name (requirement)')",
                    path=source,
                    line=number,
                )
            direct.add(match.group(1))
            continue
        if section not in SOURCE_SECTIONS:
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent == 2:
            in_specs, current = line.strip() == "specs:", None
            continue
        if not in_specs:
            continue
        if indent == 4:
            match = SPEC_RE.fullmatch(line.rstrip())
            if match is None:
                raise ManifestError(
                    f"spec line does not parse: {line.strip()!r} "
                    "(expected 'name (version)' or 'name (version-platform)')",
                    path=source,
                    line=number,
                )
            if section == "PATH":
                current = _Spec(match.group(1), match.group(2), number)  # the project's own
                continue
            key = (match.group(1), match.group(2))
            current = specs.setdefault(key, _Spec(key[0], key[1], number))
        elif indent == 6:
            match = SPEC_DEPENDENCY_RE.fullmatch(line.rstrip())
            if match is None or current is None:
                raise ManifestError(
                    f"dependency line does not parse: {line.strip()!r} "
                    "(expected 'name' or 'name (requirement)' under a spec)",
                    path=source,
                    line=number,
                )
            name = package_key(Ecosystem.GEM, match.group(1))
            if section == "PATH":
                direct.add(name)
            elif name not in current.requires:
                current.requires.append(name)
        else:
            raise ManifestError(
                f"unexpected indentation of {indent} spaces in specs", path=source, line=number
            )
    return [
        Declared(
            ecosystem=Ecosystem.GEM,
            name=spec.name,
            version=spec.version,
            manifest=source,
            exact=True,
            direct=(spec.name in direct) if has_dependencies else None,
            line=spec.line,
            requires=tuple(spec.requires),
        )
        for spec in specs.values()
    ]


MANIFESTS: tuple[Route, ...] = routes_for(Ecosystem.GEM)


def gemspec_licenses(text: str) -> tuple[str | None, str]:
    """``(license, field)`` of a generated gemspec, read by the gemspec tokenizer of
    :mod:`licensetier.readers.gemspec` (the last literal ``s.licenses = [...]`` or
    ``s.license = "..."``): several licenses joined with " OR "; ``(None, "")`` when
    it names none, or none as a literal."""
    from licensetier.readers.gemspec import assignments

    try:
        found = assignments(text, "")
    except ManifestError:
        return None, ""
    if not found or found[-1].values is None:
        return None, ""
    values = list(dict.fromkeys(v.strip() for v in found[-1].values if v.strip()))
    if not values:
        return None, ""
    return " OR ".join(values), found[-1].field


class VendorBundleLocator:
    """Gems installed into ``vendor/bundle`` next to the scan root or a manifest."""

    ecosystem = Ecosystem.GEM

    def __init__(self, env: Environment) -> None:
        self.env = env
        # name -> [(version without platform, gemspec path)]
        self._index: dict[str, list[tuple[str, Path]]] | None = None

    def _build_index(self) -> dict[str, list[tuple[str, Path]]]:
        index: dict[str, list[tuple[str, Path]]] = {}
        for root in search_roots(self.env):
            rubies = root / "vendor" / "bundle" / "ruby"
            base = self.env.base(rubies)
            if not is_real_dir(rubies, base):
                continue
            for gemspec in fs.glob(rubies, "*/specifications/*.gemspec", base):
                match = GEM_FILE_RE.fullmatch(gemspec.name[: -len(".gemspec")])
                if match:
                    index.setdefault(match.group(1), []).append((match.group(2), gemspec))
        return index

    def _evidence(self, gemspec: Path, version: str) -> Evidence | None:
        base = self.env.base(gemspec)
        try:
            text = fs.read_text(gemspec, base, MAX_MANIFEST_BYTES, errors="replace")
        except OSError:
            return None
        license_string, license_field = gemspec_licenses(text)
        gem_dir = gemspec.parent.parent / "gems" / gemspec.name[: -len(".gemspec")]
        texts = license_files(gem_dir, base) if is_real_dir(gem_dir, base) else ()
        if license_string is None and not texts:
            return None
        return Evidence(
            license=license_string,
            texts=texts,
            source="vendored",
            where=self.env.shown(gemspec),
            version=version,
            field=license_field or "license files",
        )

    def find(self, name: str, version: str | None) -> Evidence | None:
        if self._index is None:
            self._index = self._build_index()
        for found_version, gemspec in self._index.get(name, []):
            if version is None or found_version == version:
                evidence = self._evidence(gemspec, found_version)
                if evidence is not None:
                    return evidence
        return None


def locators(env: Environment) -> list[Locator]:
    return [VendorBundleLocator(env)]
