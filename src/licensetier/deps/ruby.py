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

``Gemfile`` (and ``gems.rb``) and ``*.gemspec`` are Ruby programs: they are never run.
Their dependency statements are read as data by a small tokenizer of literals
(:func:`statement_args`), one statement a line (a line ending with a comma goes on):

* Gemfile: ``gem "name", "~> 1.2", ">= 1.2.1", group: :test``; ``group :development,
  :test do ... end`` blocks (and ``group:``/``groups:`` options) give the scope: a gem
  only in groups named for development (``development``, ``test``, ``dev``, ``ci``,
  ``lint``, ``doc``, ``docs``) is a development dependency, one of another group that
  Bundler installs only on request (``group :x, optional: true``) is optional. A
  ``git:``/``github:``/
  ``gist:``/``bitbucket:`` gem is listed with its source as the requirement and a note
  that no registry answers for it; a ``path:`` gem is the project's own code (skipped);
  so are the gems of ``path ... do`` and ``git ... do`` blocks.
* gemspec: ``add_dependency`` / ``add_runtime_dependency`` (runtime) and
  ``add_development_dependency`` (development), with the requirements as written.

A statement whose name is not a literal (``gem name``, ``gem "x#{y}"``) cannot be read
without running the file: it is reported as a problem naming the line, and the rest
of the file is read. With a ``Gemfile.lock`` beside it, the lockfile pins the versions
(:func:`licensetier.deps.discover.combine`) and the Gemfile gives the scope.

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
    Entries,
    Environment,
    Evidence,
    Locator,
    Route,
    Scope,
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


# -- Gemfile and gemspec statements, read as data ---------------------------------------

_TOKEN = re.compile(
    r"""[ \t]*(?:"((?:[^"\\#]|\\.|#(?!\{))*)"|'((?:[^'\\]|\\.)*)'"""
    r"""|([A-Za-z_]\w*):(?!:)|:([A-Za-z_]\w*[?!]?)|(=>)|([\[\](),])|(\#.*)|(\S+))"""
)
Value = str | list[str] | None  # a string or symbol, a list of them; None: not a literal


class _NotLiteral(Exception):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    at = 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            break
        at = match.end()
        kinds = ("str", "str", "key", "sym", "=>", "punct", "comment", "other")
        for kind, value in zip(kinds, match.groups(), strict=True):
            if value is not None:
                if kind == "comment":
                    return out
                out.append((kind, value))
                break
    return out


def statement_args(text: str) -> tuple[list[Value], dict[str, Value]]:
    """The positional arguments and the options of a Ruby call's argument list, as far
    as they are literals (strings, symbols, arrays of them); anything else is None."""
    tokens = _tokens(text)
    if tokens and tokens[0] == ("punct", "("):
        tokens = tokens[1:]
    positional: list[Value] = []
    options: dict[str, Value] = {}
    i = 0

    def value() -> Value:
        nonlocal i
        kind, tok = tokens[i] if i < len(tokens) else ("end", "")
        if kind in ("str", "sym") or (kind == "other" and tok in ("true", "false", "nil")):
            i += 1
            return tok
        if (kind, tok) == ("punct", "["):
            i += 1
            items: list[str] = []
            while i < len(tokens) and tokens[i] != ("punct", "]"):
                if tokens[i][0] in ("str", "sym"):
                    items.append(tokens[i][1])
                elif tokens[i] != ("punct", ","):
                    raise _NotLiteral
                i += 1
            i += 1
            return items
        raise _NotLiteral

    def skip() -> None:  # to the next top-level comma
        nonlocal i
        depth = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok == ("punct", ",") and depth == 0:
                return
            if tok in (("punct", "["), ("punct", "(")):
                depth += 1
            elif tok in (("punct", "]"), ("punct", ")")):
                depth -= 1
            i += 1

    while i < len(tokens):
        kind, tok = tokens[i]
        if kind == "key" or (
            kind in ("str", "sym") and i + 1 < len(tokens) and tokens[i + 1][0] == "=>"
        ):
            i += 1 if kind == "key" else 2
            try:
                options[tok] = value()
            except _NotLiteral:
                options[tok] = None
                skip()
        elif (kind, tok) == ("punct", ")"):
            break
        elif kind == "other" and tok in ("if", "unless", "do", "{"):
            break  # a modifier or a block: the arguments are over
        else:
            if options:
                break  # positional after options: not a call we read
            try:
                positional.append(value())
            except _NotLiteral:
                positional.append(None)
                skip()
        if i < len(tokens) and tokens[i] == ("punct", ","):
            i += 1
        elif i < len(tokens) and tokens[i] != ("punct", ")"):
            if tokens[i][0] == "other" and tokens[i][1] in ("if", "unless", "do", "{"):
                break
            positional.append(None)
            skip()
    return positional, options


def _statements(text: str) -> list[tuple[int, str]]:
    """(first line, text) of each line, a line ending with a comma or an opening
    parenthesis joined with the next."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        code = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if code.endswith((",", "(")) and len(pending) < 50:
            pending.append(code)
            continue
        pending.append(code)
        out.append((start, " ".join(p.strip() for p in pending)))
        pending = []
    if pending:
        out.append((start, " ".join(p.strip() for p in pending)))
    return out


_GEM = re.compile(r"^\s*gem[\s(]")
_GROUP = re.compile(r"^\s*(?:group|groups)[\s(]")
_OPENS = re.compile(
    r"^\s*(?:if|unless|case|while|until|begin|def|class|module)\b|\bdo\s*(?:\|[^|]*\|)?\s*$"
)
_END = re.compile(r"^\s*end\b")
_SOURCE_BLOCK = re.compile(r"^\s*(path|git|github|gist|bitbucket)\b[\s(]*")
_DEV_GROUPS = frozenset({"development", "test", "dev", "ci", "lint", "doc", "docs"})
_SOURCES = ("git", "github", "gist", "bitbucket")


def _words(value: Value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _not_literal(source: str, line: int, what: str) -> ManifestError:
    return ManifestError(
        f"{what} is not a literal: it cannot be read without running the file, which "
        "licensetier never does",
        path=source,
        line=line,
    )


def _requirement(values: list[Value]) -> str | None:
    parts = [w for v in values for w in _words(v)]
    return ", ".join(parts) or None


def parse_gemfile(path: Path, source: str) -> Entries:
    """The gems a ``Gemfile`` names (see the module docstring)."""
    text = read_text(path, source)
    out = Entries()
    # the open blocks: a group's names, a source block's (path, git...) options, or
    # nothing (another block)
    stack: list[tuple[list[str], dict[str, Value]]] = []
    for number, statement in _statements(text):
        if not statement.strip():
            continue
        if _END.match(statement):
            if stack:
                stack.pop()
            continue
        if _GROUP.match(statement):
            rest = statement.split(None, 1)[1] if " " in statement else ""
            args, group_options = statement_args(rest)
            marker: dict[str, Value] = {}
            if group_options.get("optional") == "true":
                marker["optional"] = "true"
            stack.append(([w for a in args for w in _words(a)], marker))
            continue
        block = _SOURCE_BLOCK.match(statement)
        if block and _OPENS.search(statement):
            args, _ = statement_args(statement[block.end() :])
            stack.append(([], {block.group(1): args[0] if args else None}))
            continue
        if _GEM.match(statement):
            args, options = statement_args(statement.strip()[3:])
            if not args or not isinstance(args[0], str):
                out.notes.append(_not_literal(source, number, "the gem's name"))
                continue
            for _, block_options in stack:
                options = {**block_options, **options}
            if "path" in options:
                continue  # the project's own code, as local dependencies elsewhere
            groups = [w for g, _ in stack for w in g]
            groups += _words(options.get("group")) + _words(options.get("groups"))
            dev = bool(groups) and all(g in _DEV_GROUPS for g in groups)
            on_request = options.pop("optional", None) == "true"  # Bundler's optional group
            scope = Scope.DEVELOPMENT if dev else Scope.OPTIONAL if on_request else Scope.RUNTIME
            origin = next((k for k in _SOURCES if k in options), None)
            if origin is not None:
                where = _words(options[origin])
                ref = next(
                    (f"@{w}" for k in ("tag", "ref", "branch") for w in _words(options.get(k))), ""
                )
                requirement = f"{origin}: {where[0] if where else '?'}{ref}"
                note = f"a {origin} source: not a registry package"
                out.append(
                    Declared(Ecosystem.GEM, args[0], requirement, source, False, True, scope,
                             number, note=note)
                )  # fmt: skip
                continue
            version = _requirement(args[1:])
            out.append(
                Declared(Ecosystem.GEM, args[0], version, source, False, True, scope, number)
            )
            continue
        if _OPENS.search(statement):
            stack.append(([], {}))
    return out


_GEMSPEC_DEPENDENCY = re.compile(r"^\s*[A-Za-z_]\w*\.add_(runtime_|development_)?dependency\b(.*)$")


def gemspec_dependencies(text: str, source: str) -> Entries:
    """``add_dependency``, ``add_runtime_dependency`` and ``add_development_dependency``
    statements of a gemspec, read as data."""
    out = Entries()
    for number, statement in _statements(text):
        match = _GEMSPEC_DEPENDENCY.match(statement)
        if match is None:
            continue
        args, _ = statement_args(match.group(2))
        if not args or not isinstance(args[0], str):
            out.notes.append(_not_literal(source, number, "the dependency's name"))
            continue
        dev = match.group(1) == "development_"
        scope = Scope.DEVELOPMENT if dev else Scope.RUNTIME
        out.append(
            Declared(Ecosystem.GEM, args[0], _requirement(args[1:]), source, False, True, scope,
                     number)
        )  # fmt: skip
    return out


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
