""".NET packages: ``packages.lock.json``, project files, ``packages.config`` and the
NuGet global packages folder.

``packages.lock.json`` (JSON, version 1 or 2, written by ``dotnet restore`` with
``RestorePackagesWithLockFile``) maps each target framework (``net8.0``, also
``net8.0/win-x64``) to the packages restored for it: ``{"<id>": {"type":
"Direct"|"Transitive"|"CentralTransitive"|"Project", "requested", "resolved",
"dependencies": {"<id>": "<range>"}}}``. ``Project`` entries are other projects of
the repository and are not dependencies; the same package under several frameworks
is one dependency.

Project files (``*.csproj``, ``*.fsproj``, ``*.vbproj``: MSBuild XML, without a
namespace or, in old projects, in ``http://schemas.microsoft.com/developer/msbuild/2003``)
declare ``<PackageReference Include="Id" Version="1.2.3"/>`` (the version may be a
child element, a ``VersionOverride``, or, with central package management, come from
``<PackageVersion Include= Version=>`` of a ``Directory.Packages.props`` in the same
directory). ``$(Property)`` references are replaced from the project's own
``<PropertyGroup>``. ``PrivateAssets="all"`` marks a development-only package (an
analyzer or a build tool that does not flow to consumers). A version is exact when
it is a plain version (``1.2.3``) or the one-version range ``[1.2.3]``; a floating
version (``1.*``) or a range is a requirement.

``packages.config`` (the older NuGet format) lists every package of a project with
its exact ``version`` (direct and transitive alike, so ``direct`` is unknown);
``developmentDependency="true"`` marks development-only packages.

:class:`NuGetPackagesLocator` reads ``<id>.nuspec`` in the global packages folder,
``~/.nuget/packages/<id lower>/<version lower>/``: ``<license
type="expression">`` is an SPDX expression, ``<license type="file">`` names a file in
the package, and the deprecated ``<licenseUrl>`` is returned as the license string
(the resolver knows the usual license URLs).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath

from licensetier import fs
from licensetier.deps.base import (
    Declared,
    Ecosystem,
    Environment,
    Evidence,
    Locator,
    Route,
    Scope,
    base_of,
    package_key,
    read_text,
)
from licensetier.deps.vendored import is_real_dir, license_files, read_xml_quietly, safe_child
from licensetier.errors import ManifestError
from licensetier.formats import child_text, parse_json_object, parse_xml
from licensetier.formats.lines import json_key_lines
from licensetier.readers.routes import routes_for

PLAIN_VERSION_RE = re.compile(r"\d+(?:\.\d+){0,3}(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")
SINGLE_VERSION_RANGE_RE = re.compile(r"\[\s*([^,\[\]()\s]+)\s*\]")
MSBUILD_PROPERTY_RE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
MAX_EXPANDED = 4096  # characters of an expanded property
PACKAGE_ID_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
# The placeholder NuGet writes into <licenseUrl> when a package has a <license> element.
DEPRECATED_LICENSE_URL = "https://aka.ms/deprecateLicenseUrl"


def _version(value: str | None) -> tuple[str | None, bool]:
    if value is None:
        return None, False
    single = SINGLE_VERSION_RANGE_RE.fullmatch(value)
    if single and PLAIN_VERSION_RE.fullmatch(single.group(1)):
        return single.group(1), True
    return value, PLAIN_VERSION_RE.fullmatch(value) is not None


def parse_packages_lock(path: Path, source: str) -> list[Declared]:
    """The packages a ``packages.lock.json`` locks, once each across frameworks."""
    text = read_text(path, source)
    data = parse_json_object(text, source)
    lines = json_key_lines(text, max_depth=3)
    frameworks = data.get("dependencies", {})
    if not isinstance(frameworks, dict):
        raise ManifestError('"dependencies" is not an object', path=source)
    merged: dict[tuple[str, str], Declared] = {}
    for framework, packages in frameworks.items():
        if not isinstance(packages, dict):
            raise ManifestError(
                f'"dependencies"."{framework}" is not an object',
                path=source,
                line=lines.get(("dependencies", framework)),
            )
        for package_id, info in packages.items():
            line = lines.get(("dependencies", framework, package_id))
            if not isinstance(info, dict):
                raise ManifestError(
                    f"{framework}: {package_id} is not an object", path=source, line=line
                )
            kind = info.get("type")
            if kind == "Project":
                continue  # another project of the repository
            resolved = info.get("resolved")
            if not isinstance(resolved, str) or not resolved:
                raise ManifestError(
                    f"{framework}: {package_id} has no resolved version", path=source, line=line
                )
            dependencies = info.get("dependencies", {})
            if not isinstance(dependencies, dict):
                raise ManifestError(
                    f"{framework}: {package_id}: dependencies is not an object",
                    path=source,
                    line=line,
                )
            requires = tuple(package_key(Ecosystem.NUGET, d) for d in dependencies)
            key = (package_key(Ecosystem.NUGET, package_id), resolved.lower())
            previous = merged.get(key)
            if previous is not None:
                requires = tuple(dict.fromkeys(previous.requires + requires))
            merged[key] = Declared(
                ecosystem=Ecosystem.NUGET,
                name=previous.name if previous else package_id,
                version=resolved,
                manifest=source,
                exact=True,
                direct=kind == "Direct" or bool(previous and previous.direct),
                line=previous.line if previous else line,
                requires=requires,
            )
    return list(merged.values())


def _attribute_or_child(element: ET.Element, name: str) -> str | None:
    value = element.get(name)
    if value is not None and value.strip():
        return value.strip()
    return child_text(element, name)


def _msbuild_properties(root: ET.Element) -> dict[str, str]:
    properties: dict[str, str] = {}
    for element in root.findall("PropertyGroup/*"):
        properties[element.tag] = (element.text or "").strip()
    return properties


def _expand(value: str | None, properties: dict[str, str]) -> str | None:
    if value is None:
        return None
    for _ in range(10):
        expanded = MSBUILD_PROPERTY_RE.sub(lambda m: properties.get(m.group(1), m.group(0)), value)
        if expanded == value or len(expanded) > MAX_EXPANDED:
            break
        value = expanded
    return value


def _central_versions(path: Path, source: str) -> dict[str, str]:
    """``<PackageVersion>`` items of the ``Directory.Packages.props`` next to ``path``."""
    props = path.parent / "Directory.Packages.props"
    if not fs.is_file(props, base_of(path, source)):
        return {}
    props_source = str(PurePosixPath(source).parent / "Directory.Packages.props")
    root, _ = parse_xml(read_text(props, props_source), props_source)
    properties = _msbuild_properties(root)
    versions: dict[str, str] = {}
    for element in root.iter("PackageVersion"):
        package_id = element.get("Include") or element.get("Update")
        version = _expand(_attribute_or_child(element, "Version"), properties)
        if package_id and version:
            versions[package_id.strip().lower()] = version
    return versions


def parse_project_file(path: Path, source: str) -> list[Declared]:
    """The ``<PackageReference>`` items of an MSBuild project file."""
    text = read_text(path, source)
    root, lines = parse_xml(text, source)
    if root.tag != "Project":
        raise ManifestError(f"the root element is <{root.tag}>, not <Project>", path=source)
    properties = _msbuild_properties(root)
    central: dict[str, str] | None = None
    found: list[Declared] = []
    for element in root.iter("PackageReference"):
        package_id = (element.get("Include") or "").strip()
        if not package_id:
            continue  # an Update or Remove item changes a reference made elsewhere
        line = lines.get(id(element))
        package_id = _expand(package_id, properties) or package_id
        raw = _attribute_or_child(element, "VersionOverride") or _attribute_or_child(
            element, "Version"
        )
        if raw is None:
            if central is None:
                central = _central_versions(path, source)
            raw = central.get(package_id.lower())
        version, exact = _version(_expand(raw, properties))
        private = (_attribute_or_child(element, "PrivateAssets") or "").lower()
        found.append(
            Declared(
                ecosystem=Ecosystem.NUGET,
                name=package_id,
                version=version,
                manifest=source,
                exact=exact,
                direct=True,
                scope=Scope.DEVELOPMENT if private == "all" else Scope.RUNTIME,
                line=line,
            )
        )
    return found


def parse_packages_config(path: Path, source: str) -> list[Declared]:
    """The packages of a ``packages.config`` (every package, exact versions)."""
    text = read_text(path, source)
    root, lines = parse_xml(text, source)
    if root.tag != "packages":
        raise ManifestError(f"the root element is <{root.tag}>, not <packages>", path=source)
    found: list[Declared] = []
    for number, element in enumerate(root.findall("package"), start=1):
        package_id = (element.get("id") or "").strip()
        line = lines.get(id(element))
        if not package_id:
            raise ManifestError(f"<package> {number} has no id", path=source, line=line)
        version = (element.get("version") or "").strip()
        if not version:
            raise ManifestError(f"<package> {package_id} has no version", path=source, line=line)
        development = (element.get("developmentDependency") or "").lower() == "true"
        found.append(
            Declared(
                ecosystem=Ecosystem.NUGET,
                name=package_id,
                version=version,
                manifest=source,
                exact=True,
                direct=None,
                scope=Scope.DEVELOPMENT if development else Scope.RUNTIME,
                line=line,
            )
        )
    return found


MANIFESTS: tuple[Route, ...] = routes_for(Ecosystem.NUGET)


def normalize_version(version: str) -> str:
    """NuGet's normalised version, which names the folder: ``1.0`` -> ``1.0.0``,
    ``1.2.3.0`` -> ``1.2.3``, ``01.2.3`` -> ``1.2.3``, build metadata dropped."""
    version = version.split("+", 1)[0]
    release, dash, label = version.partition("-")
    parts = release.split(".")
    if not all(part.isdigit() for part in parts) or not 1 <= len(parts) <= 4:
        return version
    numbers = [str(int(part)) for part in parts]
    numbers += ["0"] * (3 - len(numbers))
    if len(numbers) == 4 and numbers[3] == "0":
        numbers.pop()
    return ".".join(numbers) + dash + label


class NuGetPackagesLocator:
    """Packages in NuGet's global packages folder (``~/.nuget/packages``)."""

    ecosystem = Ecosystem.NUGET

    def __init__(self, env: Environment) -> None:
        self.env = env

    def _evidence(self, directory: Path, package_id: str, version: str) -> Evidence | None:
        nuspec = directory / f"{package_id.lower()}.nuspec"
        base = self.env.base(directory)
        if not fs.is_file(nuspec, base):
            others = fs.glob(directory, "*.nuspec", base)
            if not others:
                return None
            nuspec = others[0]
        root = read_xml_quietly(nuspec, base)
        metadata = root.find("metadata") if root is not None else None
        if metadata is None:
            return None
        found_version = child_text(metadata, "version") or version
        license_element = metadata.find("license")
        license_string: str | None = None
        texts: tuple[Path, ...] = ()
        field = ""
        if license_element is not None and (license_element.text or "").strip():
            value = " ".join((license_element.text or "").split())
            kind = (license_element.get("type") or "").lower()
            if kind == "expression":
                license_string, field = value, "license"
            elif kind == "file":
                licensed = safe_child(directory, value.replace("\\", "/"))
                if licensed is not None and fs.is_file(licensed, base):
                    texts, field = (licensed,), "license"
        if not field:
            url = child_text(metadata, "licenseUrl")
            if url and url.rstrip("/") != DEPRECATED_LICENSE_URL:
                license_string, field = url, "licenseUrl"
            texts = license_files(directory, base)
            if texts and not field:
                field = "license files"
        if license_string is None and not texts:
            return None
        return Evidence(
            license=license_string,
            texts=texts,
            source="installed",
            where=self.env.shown(nuspec),
            version=found_version,
            field=field,
        )

    def find(self, name: str, version: str | None) -> Evidence | None:
        folder = self.env.nuget_packages
        if folder is None or not PACKAGE_ID_RE.fullmatch(name):
            return None
        base = folder / name.lower()
        if version is not None:
            candidates = list(dict.fromkeys([version.lower(), normalize_version(version).lower()]))
        else:
            listed = fs.list_dir(base, self.env.base(folder))
            candidates = [e.name for e in reversed(listed) if e.is_dir]
        for candidate in candidates:
            directory = safe_child(base, candidate)
            if directory is None or not is_real_dir(directory, self.env.base(folder)):
                continue
            found = self._evidence(directory, name, version or candidate)
            if found is not None:
                return found
        return None


def locators(env: Environment) -> list[Locator]:
    return [NuGetPackagesLocator(env)]
