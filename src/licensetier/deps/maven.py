"""Maven: ``pom.xml`` and the local repository (``~/.m2/repository``).

A ``pom.xml`` (XML, in the namespace ``http://maven.apache.org/POM/4.0.0`` or in
none) lists the project's direct dependencies under ``<project><dependencies>``;
the ``<dependency>`` elements of ``<dependencyManagement>`` only pin versions for
whoever uses the artifact, those of ``<build><plugins>`` are build tools, and those
of ``<profiles>`` apply only when a profile is active: none of them is a dependency
here (a managed version is used when a dependency gives none). ``${name}``
references are replaced from ``<properties>`` and from the project's and its
parent's coordinates. Scopes ``test`` and ``provided`` are development-only,
``<optional>true`` is optional, ``system`` and ``import`` are not packages. The
Maven name is the artifactId, its namespace the groupId. A version is exact when it
is a plain version (``1.2.3``, ``2.0-SNAPSHOT``) or the one-version range
``[1.2.3]``; a range or an unresolved ``${...}`` is a requirement.

:class:`M2RepositoryLocator` reads the POM that Maven downloaded next to each
artifact, ``<repo>/<group as path>/<artifact>/<version>/<artifact>-<version>.pom``.
Its ``<licenses>`` lists ``<license><name>`` (or ``<url>`` when the name is empty).
Several ``<license>`` entries are joined with `` OR ``: in Maven practice a project
lists several licenses when it offers a choice (the POM reference says the element
lists "the licenses for this project", and dual-licensed projects such as those
under "CDDL or GPL with Classpath Exception" list one entry per alternative);
joining them with AND, as ScanCode does, would demand the obligations of all of
them. A POM without ``<licenses>`` inherits them from its ``<parent>``: the parent
POMs are followed in the same repository, up to 10 levels.

Files are read as data: XML with a ``<!DOCTYPE`` or ``<!ENTITY`` declaration is
refused (entity expansion is never needed for a POM).
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from licensetier import fs
from licensetier.deps.base import (
    Declared,
    Ecosystem,
    Environment,
    Evidence,
    Locator,
    Route,
    Scope,
    read_text,
)
from licensetier.deps.vendored import read_xml_quietly as read_xml_file
from licensetier.errors import ManifestError
from licensetier.formats import child_text, parse_xml
from licensetier.readers.routes import routes_for

MAX_PARENT_LEVELS = 10
MAX_EXPANDED = 4096  # characters of an interpolated value
PROPERTY_RE = re.compile(r"\$\{([^}]+)\}")
PLAIN_VERSION_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._+-]*")
SINGLE_VERSION_RANGE_RE = re.compile(r"\[\s*([0-9A-Za-z][0-9A-Za-z._+-]*)\s*\]")
COORDINATE_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")
# Parts of a POM whose <dependency> elements are not the project's dependencies.


def _properties(root: ET.Element) -> dict[str, str]:
    properties: dict[str, str] = {}
    for element in root.findall("properties/*"):
        properties[element.tag] = (element.text or "").strip()
    parent_group = child_text(root, "parent", "groupId")
    parent_version = child_text(root, "parent", "version")
    coordinates = {
        "groupId": child_text(root, "groupId") or parent_group,
        "artifactId": child_text(root, "artifactId"),
        "version": child_text(root, "version") or parent_version,
    }
    for key, value in coordinates.items():
        if value is not None:
            properties[f"project.{key}"] = value
            properties[f"pom.{key}"] = value  # the Maven 2 spelling
    if "project.version" in properties:
        properties.setdefault("version", properties["project.version"])
    for key, value in (
        ("groupId", parent_group),
        ("artifactId", child_text(root, "parent", "artifactId")),
        ("version", parent_version),
    ):
        if value is not None:
            properties[f"project.parent.{key}"] = value
    return properties


def _interpolate(value: str | None, properties: dict[str, str]) -> str | None:
    """``${name}`` replaced from ``properties``, ten levels deep at most; an expansion
    that grows past a few kilobytes (properties that multiply each other) stops."""
    if value is None:
        return None
    for _ in range(10):  # properties may refer to properties
        expanded = PROPERTY_RE.sub(lambda m: properties.get(m.group(1).strip(), m.group(0)), value)
        if expanded == value or len(expanded) > MAX_EXPANDED:
            break
        value = expanded
    return value


def _version(value: str | None) -> tuple[str | None, bool]:
    """``(version, exact)`` of a dependency's version as written (interpolated)."""
    if value is None:
        return None, False
    single = SINGLE_VERSION_RANGE_RE.fullmatch(value)
    if single:
        return single.group(1), True
    exact = PLAIN_VERSION_RE.fullmatch(value) is not None and value not in ("LATEST", "RELEASE")
    return value, exact


def parse_pom(path: Path, source: str) -> list[Declared]:
    """The direct dependencies a ``pom.xml`` declares (see the module docstring)."""
    text = read_text(path, source)
    root, lines = parse_project(text, source)
    return pom_dependencies(root, lines, source)


def parse_project(text: str, source: str) -> tuple[ET.Element, dict[int, int]]:
    """A POM's ``<project>`` element and the line of each element (by ``id``)."""
    root, lines = parse_xml(text, source)
    if root.tag != "project":
        raise ManifestError(f"the root element is <{root.tag}>, not <project>", path=source)
    return root, lines


def pom_dependencies(
    root: ET.Element,
    lines: dict[int, int],
    source: str,
    *,
    properties: dict[str, str] | None = None,
    managed: dict[tuple[str | None, str | None], tuple[str | None, str | None]] | None = None,
    modules: frozenset[tuple[str, str]] = frozenset(),
) -> list[Declared]:
    """The direct dependencies of a parsed POM (:func:`parse_project`).

    ``properties`` and ``managed`` (``(group, artifact)`` -> ``(version, scope)``) are
    the POM's effective ones when its parents and imported BOMs were read
    (:class:`Reactor`), else its own; dependencies on ``modules`` (the repository's
    own artifacts) are left out."""
    if properties is None:
        properties = _properties(root)
    if managed is None:
        managed = _own_managed(root, properties)
    found: list[Declared] = []
    for number, element in enumerate(root.findall("dependencies/dependency"), start=1):
        raw_artifact = child_text(element, "artifactId")
        written = element.find("artifactId")
        line = lines.get(id(written if written is not None else element))
        if raw_artifact is None:
            raise ManifestError(f"<dependency> {number} has no <artifactId>", path=source)
        artifact = _interpolate(raw_artifact, properties) or raw_artifact
        group = _interpolate(child_text(element, "groupId"), properties)
        if group is None:
            raise ManifestError(f"<dependency> {artifact} has no <groupId>", path=source, line=line)
        if (group, artifact) in modules:
            continue  # a module of the same repository: the project's own code
        managed_version, managed_scope = managed.get((group, artifact), (None, None))
        raw_version = child_text(element, "version") or managed_version
        scope_name = (
            _interpolate(child_text(element, "scope") or managed_scope, properties) or "compile"
        ).lower()
        if scope_name in ("system", "import"):
            continue
        optional = (_interpolate(child_text(element, "optional"), properties) or "").lower()
        if scope_name in ("test", "provided"):
            scope = Scope.DEVELOPMENT
        elif optional == "true":
            scope = Scope.OPTIONAL
        else:
            scope = Scope.RUNTIME
        version, exact = _version(_interpolate(raw_version, properties))
        found.append(
            Declared(
                ecosystem=Ecosystem.MAVEN,
                name=artifact,
                namespace=group,
                version=version,
                manifest=source,
                exact=exact,
                direct=True,
                scope=scope,
                line=line,
            )
        )
    return found


def _own_managed(
    root: ET.Element, properties: dict[str, str]
) -> dict[tuple[str | None, str | None], tuple[str | None, str | None]]:
    managed: dict[tuple[str | None, str | None], tuple[str | None, str | None]] = {}
    for element in root.findall("dependencyManagement/dependencies/dependency"):
        group = _interpolate(child_text(element, "groupId"), properties)
        artifact = _interpolate(child_text(element, "artifactId"), properties)
        entry = (child_text(element, "version"), child_text(element, "scope"))
        managed.setdefault((group, artifact), entry)
    return managed


MANIFESTS: tuple[Route, ...] = routes_for(Ecosystem.MAVEN)


# --- the reactor: the repository's own modules, parents and BOMs ----------------------

MAX_IMPORT_LEVELS = 5


@dataclass(frozen=True, eq=False)
class Pom:
    """A parsed POM: in the scanned repository (``source`` relative to the scan root)
    or in Maven's local repository (``source`` its absolute path)."""

    source: str
    root: ET.Element
    lines: dict[int, int]

    def coordinates(self) -> tuple[str | None, str | None, str | None]:
        """``(groupId, artifactId, version)``, the group and version inherited from
        ``<parent>`` when not given."""
        return (
            child_text(self.root, "groupId") or child_text(self.root, "parent", "groupId"),
            child_text(self.root, "artifactId"),
            child_text(self.root, "version") or child_text(self.root, "parent", "version"),
        )


class Reactor:
    """The POMs of one scan, read together as Maven builds a multi-module project.

    * The repository's own artifacts (the ``groupId:artifactId`` of each of its POMs)
      are its modules: a dependency on one is the project's own code, not an outside
      dependency.
    * A POM inherits ``<properties>`` and ``<dependencyManagement>`` from its
      ``<parent>``: the POM at ``<relativePath>`` (default ``../pom.xml``, an empty
      element means none) when its coordinates match, else the repository's POM of
      those coordinates, else the one in Maven's local repository; up to 10 levels.
    * ``<dependencyManagement>`` entries of scope ``import`` bring in a BOM's managed
      versions (after the POM's own and its parents'), the BOM read from the
      repository or from Maven's local repository, up to 5 levels of imports.

    Versions and scopes are interpolated with the properties of the POM that uses
    them, as Maven does after inheritance.
    """

    def __init__(self, poms: list[Pom], m2: Path | None) -> None:
        self.poms = {pom.source: pom for pom in poms}
        self.by_coordinates: dict[tuple[str, str], Pom] = {}
        for pom in poms:
            group, artifact, _ = pom.coordinates()
            if group and artifact:
                self.by_coordinates.setdefault((group, artifact), pom)
        self.modules = frozenset(self.by_coordinates)
        self.m2 = m2
        self._m2_read: dict[Path, Pom | None] = {}

    def _local(self, group: str, artifact: str, version: str | None) -> Pom | None:
        if self.m2 is None or not version:
            return None
        path = pom_path(self.m2, group, artifact, version)
        if path is None:
            return None
        if path not in self._m2_read:
            root = read_xml_file(path, self.m2) if fs.is_file(path, self.m2) else None
            self._m2_read[path] = None if root is None else Pom(str(path), root, {})
        return self._m2_read[path]

    def find(self, group: str | None, artifact: str | None, version: str | None) -> Pom | None:
        """The POM of these coordinates: the repository's (any version), else Maven's
        local repository's."""
        if not group or not artifact:
            return None
        return self.by_coordinates.get((group, artifact)) or self._local(group, artifact, version)

    def parent(self, pom: Pom) -> Pom | None:
        group = child_text(pom.root, "parent", "groupId")
        artifact = child_text(pom.root, "parent", "artifactId")
        version = child_text(pom.root, "parent", "version")
        if not group or not artifact:
            return None
        if pom.source in self.poms:
            written = pom.root.find("parent/relativePath")
            relative = "../pom.xml" if written is None else (written.text or "").strip()
            if relative:
                target = posixpath.normpath(
                    posixpath.join(posixpath.dirname(pom.source), relative.replace("\\", "/"))
                )
                if not target.endswith(".xml"):
                    target = posixpath.join(target, "pom.xml")
                candidate = self.poms.get(target)
                if candidate is not None and candidate.coordinates()[:2] == (group, artifact):
                    return candidate
        return self.find(group, artifact, version)

    def chain(self, pom: Pom) -> list[Pom]:
        """``pom`` and its parents, nearest first."""
        out = [pom]
        while len(out) <= MAX_PARENT_LEVELS:
            parent = self.parent(out[-1])
            if parent is None or parent in out:
                break
            out.append(parent)
        return out

    def properties(self, pom: Pom) -> dict[str, str]:
        merged: dict[str, str] = {}
        for each in reversed(self.chain(pom)):
            merged.update(_properties(each.root))
        return merged

    def managed(
        self, pom: Pom, levels: int = 0
    ) -> dict[tuple[str | None, str | None], tuple[str | None, str | None]]:
        """``(group, artifact)`` -> ``(version, scope)`` managed for ``pom``."""
        properties = self.properties(pom)
        managed: dict[tuple[str | None, str | None], tuple[str | None, str | None]] = {}
        imports: list[tuple[str | None, str | None, str | None]] = []
        for each in self.chain(pom):
            for element in each.root.findall("dependencyManagement/dependencies/dependency"):
                group = _interpolate(child_text(element, "groupId"), properties)
                artifact = _interpolate(child_text(element, "artifactId"), properties)
                version = _interpolate(child_text(element, "version"), properties)
                scope = _interpolate(child_text(element, "scope"), properties)
                if (scope or "").lower() == "import":
                    imports.append((group, artifact, version))
                else:
                    managed.setdefault((group, artifact), (version, scope))
        if levels < MAX_IMPORT_LEVELS:
            for group, artifact, version in imports:
                bom = self.find(group, artifact, version)
                if bom is None or bom is pom:
                    continue
                for key, value in self.managed(bom, levels + 1).items():
                    managed.setdefault(key, value)
        return managed

    def dependencies(self, pom: Pom) -> list[Declared]:
        """The outside dependencies of one of the repository's POMs."""
        return pom_dependencies(
            pom.root,
            pom.lines,
            pom.source,
            properties=self.properties(pom),
            managed=self.managed(pom),
            modules=self.modules,
        )


def local_repository() -> Path | None:
    """Maven's local repository of the user (``~/.m2/repository``)."""
    try:
        return Path.home() / ".m2" / "repository"
    except RuntimeError:
        return None


def pom_path(repository: Path, group: str, artifact: str, version: str) -> Path | None:
    """Where Maven stores the POM of ``group:artifact:version``; None for coordinates
    that are not plain names (they could walk out of the repository)."""
    parts = [*group.split("."), artifact, version]
    if not all(COORDINATE_RE.fullmatch(part) and part not in (".", "..") for part in parts):
        return None
    return repository.joinpath(*parts, f"{artifact}-{version}.pom")


def pom_licenses(root: ET.Element) -> str | None:
    """``<licenses>`` of a POM joined with " OR " (names, or URLs for unnamed ones)."""
    names: list[str] = []
    for element in root.findall("licenses/license"):
        name = child_text(element, "name") or child_text(element, "url")
        if name:
            name = " ".join(name.split())
            if name not in names:
                names.append(name)
    return " OR ".join(names) or None


class M2RepositoryLocator:
    """Artifacts in Maven's local repository, read from their POMs (and their parents')."""

    ecosystem = Ecosystem.MAVEN

    def __init__(self, env: Environment) -> None:
        self.env = env

    def _versions(self, repository: Path, group: str, artifact: str) -> list[str]:
        directory = pom_path(repository, group, artifact, "0")
        if directory is None:
            return []
        entries = fs.list_dir(directory.parent.parent, self.env.base(repository))
        return [e.name for e in reversed(entries) if e.is_dir and not e.link]

    def _answer(self, repository: Path, pom: Path, version: str) -> Evidence | None:
        current, via = pom, ""
        seen: set[Path] = set()
        for _ in range(MAX_PARENT_LEVELS + 1):
            seen.add(current)
            root = read_xml_file(current, self.env.base(repository))
            if root is None:
                return None
            found = pom_licenses(root)
            if found:
                return Evidence(
                    license=found,
                    texts=(),
                    source="installed",
                    where=self.env.shown(current),
                    version=version,
                    field=f"licenses (parent {via})" if via else "licenses",
                )
            group = child_text(root, "parent", "groupId")
            artifact = child_text(root, "parent", "artifactId")
            parent_version = child_text(root, "parent", "version")
            if group is None or artifact is None or parent_version is None:
                return None
            parent = pom_path(repository, group, artifact, parent_version)
            known = parent is not None and fs.is_file(parent, self.env.base(repository))
            if parent is None or parent in seen or not known:
                return None
            current, via = parent, f"{group}:{artifact}:{parent_version}"
        return None

    def find(self, name: str, version: str | None) -> Evidence | None:
        repository = self.env.maven_repo
        if repository is None or ":" not in name:
            return None
        group, artifact = name.split(":", 1)
        versions = [version] if version is not None else self._versions(repository, group, artifact)
        for candidate in versions:
            pom = pom_path(repository, group, artifact, candidate)
            if pom is None or not fs.is_file(pom, self.env.base(repository)):
                continue
            found = self._answer(repository, pom, candidate)
            if found is not None:
                return found
        return None


def locators(env: Environment) -> list[Locator]:
    return [M2RepositoryLocator(env)]
