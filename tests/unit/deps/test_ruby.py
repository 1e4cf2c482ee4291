"""Ruby gems: Gemfile.lock (GIT, PATH, GEM sections) and vendor/bundle gemspecs."""

from __future__ import annotations

from pathlib import Path

import pytest

from licensetier.deps.base import Declared, Ecosystem, Environment, Evidence, Role, Scope
from licensetier.deps.ruby import (
    MANIFESTS,
    VendorBundleLocator,
    gemspec_licenses,
    locators,
    parse_gemfile_lock,
)
from licensetier.errors import ManifestError

DATA = Path(__file__).resolve().parents[2] / "data" / "deps" / "ruby"
RUBY = DATA / "app" / "vendor" / "bundle" / "ruby" / "3.3.0"


def rows(found: list[Declared]) -> list[tuple[object, ...]]:
    return [(d.name, d.version, d.exact, d.direct, d.line, d.requires) for d in found]


@pytest.mark.parametrize(
    ("name", "target", "role"),
    [
        ("Gemfile.lock", "licensetier.deps.ruby:parse_gemfile_lock", Role.LOCKFILE),
        ("gems.locked", "licensetier.deps.ruby:parse_gemfile_lock", Role.LOCKFILE),
        ("Gemfile", "licensetier.deps.ruby:parse_gemfile", Role.MANIFEST),
        ("gems.rb", "licensetier.deps.ruby:parse_gemfile", Role.MANIFEST),
        ("demo.gemspec", "licensetier.readers.gemspec", Role.MANIFEST),
        ("Gemfile.orig", None, None),
    ],
)
def test_routes(name: str, target: str | None, role: Role | None) -> None:
    matched = [(r.target, r.role, r.ecosystem) for r in MANIFESTS if r.pattern.fullmatch(name)]
    assert matched == ([(target, role, Ecosystem.GEM)] if target else [])


def test_gemfile_lock_sections() -> None:
    found = parse_gemfile_lock(DATA / "app" / "Gemfile.lock", "app/Gemfile.lock")
    assert rows(found) == [
        # GIT source: kept; "rails-extras (~> 0.4)!" in DEPENDENCIES (the "!" after the requirement)
        ("rails-extras", "0.4.0", True, True, 6, ("activesupport",)),
        # PATH demo_app is the project itself: not listed, its puma and rack are direct
        (
            "activesupport",
            "7.1.3.4",
            True,
            False,
            19,
            ("base64", "bigdecimal", "concurrent-ruby", "i18n", "minitest", "tzinfo"),
        ),
        ("base64", "0.2.0", True, False, 26, ()),
        ("bigdecimal", "3.1.8", True, False, 27, ()),
        ("concurrent-ruby", "1.3.3", True, False, 28, ()),
        ("i18n", "1.14.5", True, False, 29, ("concurrent-ruby",)),
        ("minitest", "5.24.0", True, False, 31, ()),
        ("nio4r", "2.7.3", True, False, 32, ()),
        # two platform variants are one gem
        ("nokogiri", "1.16.6", True, True, 33, ("racc",)),
        ("puma", "6.4.2", True, True, 37, ("nio4r",)),
        ("racc", "1.8.0", True, False, 39, ()),
        ("rack", "3.0.11", True, True, 40, ()),
        ("rspec", "3.13.0", True, True, 41, ("rspec-core",)),
        ("rspec-core", "3.13.0", True, False, 43, ()),
        ("tzinfo", "2.0.6", True, False, 44, ("concurrent-ruby",)),
    ]
    assert all(d.scope is Scope.RUNTIME and d.manifest == "app/Gemfile.lock" for d in found)


def test_lock_without_dependencies_section_does_not_know_roots(tmp_path: Path) -> None:
    lock = tmp_path / "Gemfile.lock"
    lock.write_text(
        "GEM\n  remote: https://gems.example.invalid/\n  specs:\n    rake (13.2.1)\n",
        encoding="utf-8",
    )
    assert rows(parse_gemfile_lock(lock, "Gemfile.lock")) == [("rake", "13.2.1", True, None, 4, ())]


def test_malformed_spec_line(tmp_path: Path) -> None:
    lock = tmp_path / "Gemfile.lock"
    lock.write_text(
        "GEM\n  remote: https://gems.example.invalid/\n  specs:\n"
        "    rake (13.2.1)\n    rack 3.0.11\n\nDEPENDENCIES\n  rake\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as caught:
        parse_gemfile_lock(lock, "Gemfile.lock")
    assert str(caught.value) == (
        "spec line does not parse: 'rack 3.0.11' "
        "(expected 'name (version)' or 'name (version-platform)')"
    )
    assert (caught.value.path, caught.value.line) == ("Gemfile.lock", 5)


def test_gemspec_licenses_are_read_not_run() -> None:
    assert gemspec_licenses('  s.licenses = ["MIT".freeze]\n') == ("MIT", "licenses")
    assert gemspec_licenses("s.licenses = ['Ruby'.freeze, 'BSD-2-Clause'.freeze]") == (
        "Ruby OR BSD-2-Clause",
        "licenses",
    )
    assert gemspec_licenses('s.license = "Apache-2.0".freeze') == ("Apache-2.0", "license")
    assert gemspec_licenses('s.name = "x"\ns.licenses = []\n') == (None, "")


def env() -> Environment:
    return Environment(root=DATA / "app")


def test_vendor_bundle_gemspec_and_license_files() -> None:
    locator = VendorBundleLocator(env())
    assert locator.find("rack", "3.0.11") == Evidence(
        license="MIT",
        texts=(RUBY / "gems" / "rack-3.0.11" / "MIT-LICENSE",),
        source="vendored",
        where="vendor/bundle/ruby/3.3.0/specifications/rack-3.0.11.gemspec",
        version="3.0.11",
        field="licenses",
    )
    racc = locator.find("racc", None)
    assert racc is not None
    assert (racc.license, racc.texts) == (
        "Ruby OR BSD-2-Clause",
        (RUBY / "gems" / "racc-1.8.0" / "COPYING",),
    )


def test_vendor_bundle_platform_gem_and_files_only() -> None:
    locator = VendorBundleLocator(env())
    nokogiri = locator.find("nokogiri", "1.16.6")
    assert nokogiri is not None
    gem = RUBY / "gems" / "nokogiri-1.16.6-x86_64-linux"
    assert (nokogiri.license, nokogiri.field, nokogiri.texts) == (
        "MIT",
        "license",
        (gem / "LICENSE-DEPENDENCIES.md", gem / "LICENSE.md"),
    )
    rspec_core = locator.find("rspec-core", "3.13.0")  # a hyphenated name, no license field
    assert rspec_core is not None
    assert (rspec_core.license, rspec_core.field) == (None, "license files")
    assert rspec_core.texts == (RUBY / "gems" / "rspec-core-3.13.0" / "LICENSE.md",)


def test_vendor_bundle_misses() -> None:
    locator = VendorBundleLocator(env())
    assert locator.find("rack", "2.2.9") is None
    assert locator.find("rspec", None) is None
    assert locator.find("nolicense", "0.1.0") is None
    assert VendorBundleLocator(Environment(root=DATA)).find("rack", None) is None


def test_locators() -> None:
    (locator,) = locators(env())
    assert isinstance(locator, VendorBundleLocator)
    assert locator.ecosystem is Ecosystem.GEM
