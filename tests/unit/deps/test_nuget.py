""".NET: packages.lock.json (two frameworks), project files, packages.config, nuspecs."""

from __future__ import annotations

from pathlib import Path

import pytest

from licensetier.deps.base import Declared, Ecosystem, Environment, Evidence, Role, Scope
from licensetier.deps.nuget import (
    MANIFESTS,
    NuGetPackagesLocator,
    locators,
    normalize_version,
    parse_packages_config,
    parse_packages_lock,
    parse_project_file,
)
from licensetier.errors import ManifestError

DATA = Path(__file__).resolve().parents[2] / "data" / "deps" / "nuget"
API = DATA / "src" / "Demo.Api"
LEGACY = DATA / "src" / "Legacy.App"
PACKAGES = DATA / "nuget_packages"


def rows(found: list[Declared]) -> list[tuple[object, ...]]:
    return [(d.name, d.version, d.exact, d.direct, d.scope, d.line) for d in found]


def test_routes() -> None:
    def route_of(name: str) -> Role | None:
        roles = [r.role for r in MANIFESTS if r.pattern.fullmatch(name)]
        return roles[0] if roles else None

    assert route_of("packages.lock.json") is Role.LOCKFILE
    assert route_of("Demo.Api.csproj") is Role.MANIFEST
    assert route_of("Tool.fsproj") is Role.MANIFEST
    assert route_of("Old.vbproj") is Role.MANIFEST
    assert route_of("packages.config") is Role.LOCKFILE
    assert route_of("Directory.Packages.props") is None
    assert all(r.ecosystem is Ecosystem.NUGET for r in MANIFESTS)


def test_lockfile_two_frameworks_deduplicated() -> None:
    found = parse_packages_lock(API / "packages.lock.json", "src/Demo.Api/packages.lock.json")
    assert rows(found) == [
        ("Newtonsoft.Json", "13.0.3", True, True, Scope.RUNTIME, 5),
        ("Serilog", "3.1.1", True, True, Scope.RUNTIME, 11),
        ("Microsoft.NETFramework.ReferenceAssemblies", "1.0.3", True, True, Scope.RUNTIME, 17),
        (
            "Microsoft.NETFramework.ReferenceAssemblies.net48",
            "1.0.3",
            True,
            False,
            Scope.RUNTIME,
            26,
        ),
        ("System.Memory", "4.5.5", True, False, Scope.RUNTIME, 31),  # CentralTransitive
        ("Serilog.Sinks.Console", "5.0.1", True, True, Scope.RUNTIME, 62),  # net8.0 only
    ]
    # demo.core is a "Project" entry: another project of the repository
    requires = {d.name: d.requires for d in found}
    assert requires["System.Memory"] == (
        "system.buffers",
        "system.numerics.vectors",
        "system.runtime.compilerservices.unsafe",
    )
    assert requires["Serilog.Sinks.Console"] == ("serilog",)
    assert found[0].key == "newtonsoft.json"


def test_malformed_lockfile(tmp_path: Path) -> None:
    lock = tmp_path / "packages.lock.json"
    lock.write_text(
        '{\n  "version": 1,\n  "dependencies": {\n    "net8.0": {\n'
        '      "Serilog": {"type": "Direct" "resolved": "3.1.1"}\n    }\n  }\n}\n',
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as caught:
        parse_packages_lock(lock, "packages.lock.json")
    assert str(caught.value) == "not valid JSON: Expecting ',' delimiter"
    assert (caught.value.path, caught.value.line) == ("packages.lock.json", 5)


def test_lockfile_entry_without_resolved_version(tmp_path: Path) -> None:
    lock = tmp_path / "packages.lock.json"
    lock.write_text(
        '{\n  "version": 2,\n  "dependencies": {\n    "net8.0": {\n'
        '      "Serilog": {\n        "type": "Direct",\n        "requested": "[3.1.1, )"\n'
        "      }\n    }\n  }\n}\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as caught:
        parse_packages_lock(lock, "packages.lock.json")
    assert str(caught.value) == "net8.0: Serilog has no resolved version"
    assert caught.value.line == 5


def test_sdk_project_with_central_versions() -> None:
    found = parse_project_file(API / "Demo.Api.csproj", "src/Demo.Api/Demo.Api.csproj")
    assert rows(found) == [
        ("Newtonsoft.Json", "13.0.3", True, True, Scope.RUNTIME, 10),
        ("Serilog", "3.1.1", True, True, Scope.RUNTIME, 11),  # $(SerilogVersion)
        ("Serilog.Sinks.Console", "5.0.1", True, True, Scope.RUNTIME, 12),  # child element
        ("Polly", "[8.0.0,9.0.0)", False, True, Scope.RUNTIME, 15),
        ("Dapper", "2.1.*", False, True, Scope.RUNTIME, 16),
        # no Version: Directory.Packages.props in the same directory, $(StjVersion)
        ("System.Text.Json", "8.0.4", True, True, Scope.RUNTIME, 17),
        ("StyleCop.Analyzers", "1.2.0-beta.556", True, True, Scope.DEVELOPMENT, 18),
        ("Microsoft.SourceLink.GitHub", "8.0.0", True, True, Scope.DEVELOPMENT, 22),
        # the Update item is not a second reference
        ("Microsoft.NETFramework.ReferenceAssemblies", "1.0.3", True, True, Scope.RUNTIME, 27),
    ]


def test_old_project_in_the_msbuild_namespace() -> None:
    found = parse_project_file(LEGACY / "Legacy.App.csproj", "src/Legacy.App/Legacy.App.csproj")
    assert rows(found) == [("log4net", "2.0.17", True, True, Scope.RUNTIME, 15)]


def test_packages_config() -> None:
    found = parse_packages_config(LEGACY / "packages.config", "src/Legacy.App/packages.config")
    assert rows(found) == [
        ("EntityFramework", "6.4.4", True, None, Scope.RUNTIME, 3),
        (
            "Microsoft.CodeDom.Providers.DotNetCompilerPlatform",
            "2.0.1",
            True,
            None,
            Scope.RUNTIME,
            4,
        ),
        ("StyleCop.Analyzers", "1.1.118", True, None, Scope.DEVELOPMENT, 5),
    ]


def test_malformed_project_file(tmp_path: Path) -> None:
    project = tmp_path / "App.csproj"
    project.write_text(
        '<Project Sdk="Microsoft.NET.Sdk">\n  <ItemGroup>\n'
        '    <PackageReference Include="Serilog" Version="3.1.1">\n  </ItemGroup>\n</Project>\n',
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as caught:
        parse_project_file(project, "App/App.csproj")
    assert str(caught.value) == "not valid XML: mismatched tag"
    assert (caught.value.path, caught.value.line) == ("App/App.csproj", 4)


def test_entity_in_project_file_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "App.csproj"
    project.write_text(
        '<!DOCTYPE Project [<!ENTITY v "1.0.0">]>\n<Project>\n'
        '  <ItemGroup><PackageReference Include="X" Version="&v;"/></ItemGroup>\n</Project>\n',
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as caught:
        parse_project_file(project, "App.csproj")
    assert str(caught.value) == "DOCTYPE declarations are not read (XML entities are refused)"
    assert caught.value.line == 1


def test_normalize_version() -> None:
    assert normalize_version("1.0") == "1.0.0"
    assert normalize_version("1.2.3.0") == "1.2.3"
    assert normalize_version("1.2.3.4") == "1.2.3.4"
    assert normalize_version("01.2.3-Beta+sha.1") == "1.2.3-Beta"
    assert normalize_version("1.*") == "1.*"


def env() -> Environment:
    return Environment(root=API, nuget_packages=PACKAGES)


def test_nuspec_license_expression() -> None:
    found = NuGetPackagesLocator(env()).find("Newtonsoft.Json", "13.0.3")
    assert found == Evidence(
        license="MIT",
        texts=(),
        source="installed",
        where=str(PACKAGES / "newtonsoft.json" / "13.0.3" / "newtonsoft.json.nuspec"),
        version="13.0.3",
        field="license",
    )


def test_nuspec_license_file() -> None:
    found = NuGetPackagesLocator(env()).find("Demo.FileLicensed", "2.0.0")
    assert found is not None
    assert (found.license, found.texts, found.field) == (
        None,
        (PACKAGES / "demo.filelicensed" / "2.0.0" / "docs" / "LICENSE.txt",),
        "license",
    )


def test_nuspec_license_url_with_a_normalised_version_folder() -> None:
    found = NuGetPackagesLocator(env()).find("Old.UrlOnly", "1.0")
    assert found is not None
    assert (found.license, found.field, found.version) == (
        "http://www.apache.org/licenses/LICENSE-2.0",
        "licenseUrl",
        "1.0.0",
    )


def test_nuget_packages_misses() -> None:
    locator = NuGetPackagesLocator(env())
    assert locator.find("Newtonsoft.Json", "13.0.1") is None
    newest = locator.find("newtonsoft.json", None)
    assert newest is not None
    assert newest.version == "13.0.3"
    assert locator.find("Broken.Nuspec", "1.0.0") is None
    assert locator.find("No.License", "0.1.0") is None
    assert locator.find("../etc", None) is None
    assert NuGetPackagesLocator(Environment(root=API)).find("Newtonsoft.Json", None) is None


def test_locators() -> None:
    (locator,) = locators(env())
    assert isinstance(locator, NuGetPackagesLocator)
    assert locator.ecosystem is Ecosystem.NUGET
