"""Rust crates: Cargo.toml, Cargo.lock (v3, v4 with a workspace), the registry, vendor/."""

from __future__ import annotations

from pathlib import Path

import pytest

from licensetier.deps.base import Declared, Ecosystem, Environment, Evidence, Role, Scope
from licensetier.deps.cargo import (
    MANIFESTS,
    CargoRegistryLocator,
    CargoVendorLocator,
    locators,
    parse_cargo_lock,
    split_name_version,
)
from licensetier.errors import ManifestError
from licensetier.readers.cargo_toml import read_dependencies as parse_cargo_toml

DATA = Path(__file__).resolve().parents[2] / "data" / "deps" / "cargo"
REGISTRY = DATA / "cargo_home" / "registry" / "src" / "index.example.invalid-6f17d22bba15001f"


def rows(found: list[Declared]) -> list[tuple[object, ...]]:
    return [(d.name, d.version, d.exact, d.direct, d.scope, d.line) for d in found]


def test_routes_match_whole_file_names() -> None:
    by_name = {r.pattern.pattern: r for r in MANIFESTS}
    toml, lock = by_name[r"Cargo\.toml"], by_name[r"Cargo\.lock"]
    assert toml.role is Role.MANIFEST
    assert lock.role is Role.LOCKFILE
    assert all(r.ecosystem is Ecosystem.CARGO for r in MANIFESTS)
    assert toml.pattern.fullmatch("Cargo.toml")
    assert not toml.pattern.fullmatch("xCargo.toml")


def test_member_manifest_declares_registry_crates_only() -> None:
    found = parse_cargo_toml(
        DATA / "workspace" / "crates" / "app" / "Cargo.toml", "crates/app/Cargo.toml"
    )
    assert rows(found) == [
        # serde and anyhow come from [workspace.dependencies] of the workspace root
        ("serde", "1.0.203", False, True, Scope.RUNTIME, 13),
        ("anyhow", "1.0", False, True, Scope.RUNTIME, 14),
        # demo-core is a workspace member (path): not a dependency
        ("tokio", "1.38", False, True, Scope.RUNTIME, 16),
        ("regex", "1.10.5", True, True, Scope.RUNTIME, 17),
        ("openssl", "0.10", False, True, Scope.OPTIONAL, 18),
        ("log", "0.4.21", False, True, Scope.RUNTIME, 19),  # renamed: package = "log"
        # local-helper (path) and patched (git, no version) are skipped
        ("tagged", "0.3", False, True, Scope.RUNTIME, 22),
        ("criterion", "0.5", False, True, Scope.DEVELOPMENT, 25),
        ("cc", "1.0.98", False, True, Scope.DEVELOPMENT, 28),
        ("winapi", "0.3.9", False, True, Scope.RUNTIME, 31),
        ("libc", "0.2.155", False, True, Scope.RUNTIME, 33),
    ]
    assert {d.manifest for d in found} == {"crates/app/Cargo.toml"}
    assert all(d.ecosystem is Ecosystem.CARGO and d.license is None for d in found)


def test_workspace_only_manifest_declares_nothing() -> None:
    assert parse_cargo_toml(DATA / "workspace" / "Cargo.toml", "Cargo.toml") == []


def test_workspace_entry_without_a_workspace_root_has_no_version(tmp_path: Path) -> None:
    manifest = tmp_path / "Cargo.toml"
    manifest.write_text(
        '[package]\nname = "lonely"\nversion = "0.1.0"\n\n'
        "[dependencies]\nserde = { workspace = true, optional = true }\n"
        '\n[dependencies.rand]\nversion = "=0.8.5"\n',
        encoding="utf-8",
    )
    assert rows(parse_cargo_toml(manifest, "Cargo.toml")) == [
        ("serde", None, False, True, Scope.OPTIONAL, 6),
        ("rand", "0.8.5", True, True, Scope.RUNTIME, 8),
    ]


def test_lock_v4_workspace_members_are_roots_not_dependencies() -> None:
    found = parse_cargo_lock(DATA / "workspace" / "Cargo.lock", "Cargo.lock")
    assert rows(found) == [
        ("aho-corasick", "1.1.3", True, False, Scope.RUNTIME, 5),
        ("anyhow", "1.0.86", True, True, Scope.RUNTIME, 14),
        ("log", "0.4.21", True, True, Scope.RUNTIME, 40),
        ("memchr", "2.7.4", True, False, Scope.RUNTIME, 46),
        ("old-macro", "0.1.0", True, True, Scope.RUNTIME, 52),
        ("proc-macro2", "1.0.85", True, False, Scope.RUNTIME, 60),
        ("quote", "1.0.36", True, False, Scope.RUNTIME, 69),
        ("regex", "1.10.5", True, True, Scope.RUNTIME, 78),
        ("regex-syntax", "0.8.4", True, False, Scope.RUNTIME, 89),
        ("serde", "1.0.203", True, True, Scope.RUNTIME, 95),
        ("serde_derive", "1.0.203", True, False, Scope.RUNTIME, 104),
        # "syn 2.0.66" is named by demo-app; syn 1 only by old-macro
        ("syn", "1.0.109", True, False, Scope.RUNTIME, 115),
        ("syn", "2.0.66", True, True, Scope.RUNTIME, 126),
        ("unicode-ident", "1.0.12", True, False, Scope.RUNTIME, 137),
    ]
    requires = {(d.name, d.version): d.requires for d in found}
    assert requires["regex", "1.10.5"] == ("aho-corasick", "memchr", "regex-syntax")
    assert requires["serde_derive", "1.0.203"] == ("proc-macro2", "quote", "syn")
    assert requires["old-macro", "0.1.0"] == ("syn",)
    assert requires["anyhow", "1.0.86"] == ()
    assert not {"demo-app", "demo-core"} & {d.name for d in found}


def test_lock_v3_with_source_qualified_dependency() -> None:
    found = parse_cargo_lock(DATA / "single" / "Cargo.lock", "Cargo.lock")
    assert rows(found) == [
        ("cfg-if", "1.0.0", True, False, Scope.RUNTIME, 5),
        ("getrandom", "0.2.15", True, True, Scope.RUNTIME, 11),
        ("libc", "0.2.155", True, False, Scope.RUNTIME, 22),
        ("wasi", "0.11.0+wasi-snapshot-preview1", True, False, Scope.RUNTIME, 35),
    ]
    assert found[1].requires == ("cfg-if", "libc", "wasi")


def test_malformed_lock_names_entry_and_line(tmp_path: Path) -> None:
    lock = tmp_path / "Cargo.lock"
    lock.write_text(
        'version = 3\n\n[[package]]\nname = "a"\nversion = "1.0.0"\n\n'
        '[[package]]\nname = "b"\nsource = "registry+https://registry.example.invalid/index"\n',
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as caught:
        parse_cargo_lock(lock, "sub/Cargo.lock")
    assert str(caught.value) == "[[package]] entry 2 (b) has no version"
    assert (caught.value.path, caught.value.line) == ("sub/Cargo.lock", 7)


def test_malformed_manifest_is_invalid_toml_with_line(tmp_path: Path) -> None:
    manifest = tmp_path / "Cargo.toml"
    manifest.write_text('[package]\nname = "x"\n\n[dependencies]\nserde = "1.0\n', encoding="utf-8")
    with pytest.raises(ManifestError) as caught:
        parse_cargo_toml(manifest, "Cargo.toml")
    assert str(caught.value).startswith("not valid TOML: ")
    assert (caught.value.path, caught.value.line) == ("Cargo.toml", 5)


def test_manifest_with_a_bad_entry_type(tmp_path: Path) -> None:
    manifest = tmp_path / "Cargo.toml"
    manifest.write_text('[package]\nname = "x"\n\n[dependencies]\nserde = 1\n', encoding="utf-8")
    with pytest.raises(ManifestError) as caught:
        parse_cargo_toml(manifest, "Cargo.toml")
    assert str(caught.value) == "[dependencies] serde: expected a version string or a table"
    assert caught.value.line == 5


def test_split_name_version() -> None:
    assert split_name_version("serde-json-core-0.5.1") == ("serde-json-core", "0.5.1")
    assert split_name_version("wasi-0.11.0+wasi-snapshot-preview1") == (
        "wasi",
        "0.11.0+wasi-snapshot-preview1",
    )
    assert split_name_version("x25519-dalek-2.0.0-rc.3") == ("x25519-dalek", "2.0.0-rc.3")
    assert split_name_version("not-a-crate") is None


def env() -> Environment:
    return Environment(root=DATA / "project", cargo_home=DATA / "cargo_home")


def test_registry_license_string_and_files() -> None:
    found = CargoRegistryLocator(env()).find("serde", "1.0.203")
    assert found == Evidence(
        license="MIT OR Apache-2.0",
        texts=(
            REGISTRY / "serde-1.0.203" / "LICENSE-APACHE",
            REGISTRY / "serde-1.0.203" / "LICENSE-MIT",
        ),
        source="installed",
        where=str(REGISTRY / "serde-1.0.203" / "Cargo.toml"),
        version="1.0.203",
        field="license",
    )


def test_registry_license_file_only() -> None:
    found = CargoRegistryLocator(env()).find("ring", None)
    assert found is not None
    assert (found.license, found.texts, found.field, found.version) == (
        None,
        (REGISTRY / "ring-0.17.8" / "LICENSE",),
        "license-file",
        "0.17.8",
    )


def test_registry_other_version_missing_and_broken_are_none() -> None:
    locator = CargoRegistryLocator(env())
    assert locator.find("serde", "1.0.100") is None
    assert locator.find("tokio", None) is None
    assert locator.find("broken", "1.0.0") is None  # unreadable Cargo.toml: skipped
    hyphenated = locator.find("serde-json-core", "0.5.1")
    assert hyphenated is not None
    assert hyphenated.license == "MIT OR Apache-2.0"
    assert hyphenated.texts == ()


def test_no_cargo_home_means_nothing_installed(tmp_path: Path) -> None:
    assert CargoRegistryLocator(Environment(root=tmp_path)).find("serde", None) is None
    missing = Environment(root=tmp_path, cargo_home=tmp_path / "nowhere")
    assert CargoRegistryLocator(missing).find("serde", "1.0.203") is None


def test_vendored_crates_checked_against_their_version() -> None:
    locator = CargoVendorLocator(env())
    libc = locator.find("libc", "0.2.155")
    assert libc == Evidence(
        license="MIT OR Apache-2.0",
        texts=(DATA / "project" / "vendor" / "libc" / "LICENSE-MIT",),
        source="vendored",
        where="vendor/libc/Cargo.toml",
        version="0.2.155",
        field="license",
    )
    assert locator.find("libc", "0.2.100") is None
    syn = locator.find("syn", "1.0.109")
    assert syn is not None
    assert (syn.where, syn.source) == ("vendor/syn-1.0.109/Cargo.toml", "vendored")
    any_syn = locator.find("syn", None)
    assert any_syn is not None
    assert any_syn.version == "1.0.109"


def test_locators_vendor_first() -> None:
    found = locators(env())
    assert [type(x) for x in found] == [CargoVendorLocator, CargoRegistryLocator]
    assert all(x.ecosystem is Ecosystem.CARGO for x in found)
