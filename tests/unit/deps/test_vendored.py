"""Generic vendored directories: vendor/, third_party/, third-party/, 3rdparty/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from licensetier.deps.base import Ecosystem, Environment, Evidence
from licensetier.deps.vendored import (
    MANIFESTS,
    VendoredDirLocator,
    is_license_file,
    license_files,
    locators,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "deps" / "vendored" / "repo"


def env() -> Environment:
    return Environment(root=DATA, manifest_dirs=(DATA, DATA / "services" / "api"))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("LICENSE", True),
        ("LICENSE-MIT", True),
        ("licence.txt", True),
        ("COPYING.LESSER", True),
        ("UNLICENSE", True),
        ("MIT-LICENSE", True),
        ("LICENSE.md", True),
        ("NOTICE", False),
        ("README.md", False),
        ("license.go", False),
        ("no.license.nuspec", False),
        ("THIRD-PARTY-LICENSES.txt", False),
    ],
)
def test_license_file_names(name: str, expected: bool) -> None:
    assert is_license_file(name) is expected


def test_third_party_directory() -> None:
    found = VendoredDirLocator(env(), Ecosystem.PYPI).find("zlib", "1.3.1")
    assert found == Evidence(
        license=None,
        texts=(DATA / "third_party" / "zlib" / "LICENSE",),
        source="vendored",
        where="third_party/zlib",
        version=None,
        field="license files",
    )


def test_name_version_directory() -> None:
    found = VendoredDirLocator(env(), Ecosystem.NPM).find("fmt", "10.2.1")
    assert found is not None
    assert (found.where, found.texts) == (
        "third-party/fmt-10.2.1",
        (DATA / "third-party" / "fmt-10.2.1" / "LICENSE",),
    )
    # without the version only fmt/ itself would match, and there is none
    assert VendoredDirLocator(env(), Ecosystem.NPM).find("fmt", None) is None


def test_go_module_path_and_last_segment() -> None:
    locator = VendoredDirLocator(env(), Ecosystem.GOLANG)
    nested = locator.find("github.com/owner/repo", "v1.2.0")
    assert nested is not None
    assert nested.where == "vendor/github.com/owner/repo"
    composer = VendoredDirLocator(env(), Ecosystem.COMPOSER).find("acme/zlib", None)
    assert composer is not None
    assert composer.where == "third_party/zlib"  # the last segment of the name


def test_case_insensitive_names_and_manifest_dirs() -> None:
    nuget = VendoredDirLocator(env(), Ecosystem.NUGET).find("acme.widgets", "2.0.0")
    assert nuget is not None
    assert nuget.texts == (DATA / "vendor" / "Acme.Widgets" / "LICENSE.txt",)  # not NOTICE
    upper = VendoredDirLocator(env(), Ecosystem.PYPI).find("upper", None)
    assert upper is not None
    assert upper.texts == (DATA / "third_party" / "Upper" / "COPYING",)
    nested = VendoredDirLocator(env(), Ecosystem.NPM).find("left-pad", "1.3.0")
    assert nested is not None
    assert nested.where == "services/api/vendor/left-pad"
    maven = VendoredDirLocator(env(), Ecosystem.MAVEN).find("org.example:left-pad", None)
    assert maven is not None
    assert maven.where == "services/api/vendor/left-pad"


def test_no_license_file_no_evidence_and_no_escape() -> None:
    locator = VendoredDirLocator(env(), Ecosystem.PYPI)
    assert locator.find("nolicense", None) is None
    assert locator.find("absent", "1.0") is None
    assert locator.find("../../../unit", None) is None
    assert locator.find("..", None) is None
    assert (
        VendoredDirLocator(Environment(root=DATA / "nowhere"), Ecosystem.PYPI).find("zlib", None)
        is None
    )


def test_symlinked_license_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("not yours\n", encoding="utf-8")
    package = tmp_path / "root" / "vendor" / "pkg"
    package.mkdir(parents=True)
    try:
        os.symlink(outside, package / "LICENSE")
    except OSError:
        pytest.skip("symbolic links are not available here")
    assert license_files(package) == ()
    assert (
        VendoredDirLocator(Environment(root=tmp_path / "root"), Ecosystem.NPM).find("pkg", None)
        is None
    )


def test_one_locator_per_ecosystem() -> None:
    assert MANIFESTS == ()
    found = locators(env())
    assert [x.ecosystem for x in found] == list(Ecosystem)
    assert all(isinstance(x, VendoredDirLocator) for x in found)
