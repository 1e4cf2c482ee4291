"""Maven: pom.xml (properties, dependencyManagement, scopes) and ~/.m2 with parent POMs."""

from __future__ import annotations

from pathlib import Path

import pytest

from licensetier.deps.base import Declared, Ecosystem, Environment, Evidence, Role, Scope
from licensetier.deps.maven import MANIFESTS, M2RepositoryLocator, locators, parse_pom
from licensetier.errors import ManifestError

DATA = Path(__file__).resolve().parents[2] / "data" / "deps" / "maven"
REPO = DATA / "m2" / "repository"


def rows(found: list[Declared]) -> list[tuple[object, ...]]:
    return [(d.namespace, d.name, d.version, d.exact, d.scope, d.line) for d in found]


def test_route() -> None:
    (route,) = MANIFESTS
    assert (route.role, route.ecosystem) == (Role.MANIFEST, Ecosystem.MAVEN)
    assert route.pattern.fullmatch("pom.xml")
    assert not route.pattern.fullmatch("demo-lib-2.1.0.pom")


def test_pom_with_namespace_properties_and_management() -> None:
    found = parse_pom(DATA / "app" / "pom.xml", "app/pom.xml")
    assert rows(found) == [
        # no version: managed in <dependencyManagement> as ${jackson.version}
        ("com.fasterxml.jackson.core", "jackson-databind", "2.17.1", True, Scope.RUNTIME, 52),
        ("org.apache.commons", "commons-lang3", "3.14.0", True, Scope.RUNTIME, 56),
        # a property that refers to a property
        ("com.google.guava", "guava", "33.2.1-jre", True, Scope.RUNTIME, 61),
        ("org.slf4j", "slf4j-api", "[2.0,3.0)", False, Scope.RUNTIME, 72),
        # its line is the dependency's, not the exclusion's of guava (line 66)
        ("commons-logging", "commons-logging", "1.3.2", True, Scope.RUNTIME, 77),
        # ${project.groupId} and ${project.version} come from <parent>
        ("com.example", "demo-core", "1.4.0", True, Scope.RUNTIME, 82),
        ("com.h2database", "h2", "2.2.224", True, Scope.OPTIONAL, 87),
        ("jakarta.servlet", "jakarta.servlet-api", "6.0.0", True, Scope.DEVELOPMENT, 93),
        ("org.junit.jupiter", "junit-jupiter", "5.10.2", True, Scope.DEVELOPMENT, 99),
        # com.sun:tools has scope system: not a package
        ("io.example", "mystery", "${mystery.version}", False, Scope.RUNTIME, 112),
        ("io.example", "pinned", "4.1.0", True, Scope.RUNTIME, 117),  # [4.1.0]
    ]
    names = {d.name for d in found}
    # the BOM import, build plugins' dependencies and profiles' dependencies are not listed
    assert not names & {"jackson-bom", "plexus-compiler-javac", "postgresql", "tools"}
    assert all(d.direct is True and d.ecosystem is Ecosystem.MAVEN for d in found)
    assert found[0].full_name == "com.fasterxml.jackson.core:jackson-databind"
    assert found[0].key == "com.fasterxml.jackson.core:jackson-databind"


def test_pom_without_namespace() -> None:
    found = parse_pom(DATA / "plain" / "pom.xml", "plain/pom.xml")
    assert rows(found) == [
        ("log4j", "log4j", "1.2.17", True, Scope.RUNTIME, 10),
        ("junit", "junit", "4.13.2", True, Scope.DEVELOPMENT, 15),
    ]


def test_malformed_pom_gives_parser_line(tmp_path: Path) -> None:
    pom = tmp_path / "pom.xml"
    pom.write_text(
        "<project>\n  <dependencies>\n    <dependency>\n"
        "      <artifactId>x</artifact>\n    </dependency>\n  </dependencies>\n</project>\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as caught:
        parse_pom(pom, "svc/pom.xml")
    assert str(caught.value) == "not valid XML: mismatched tag"
    assert (caught.value.path, caught.value.line) == ("svc/pom.xml", 4)


def test_doctype_is_refused(tmp_path: Path) -> None:
    pom = tmp_path / "pom.xml"
    pom.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE project [\n  <!ENTITY x "y">\n]>\n'
        "<project><artifactId>&x;</artifactId></project>\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as caught:
        parse_pom(pom, "pom.xml")
    assert str(caught.value) == "DOCTYPE declarations are not read (XML entities are refused)"
    assert caught.value.line == 2


def test_dependency_without_group(tmp_path: Path) -> None:
    pom = tmp_path / "pom.xml"
    pom.write_text(
        "<project>\n  <dependencies>\n    <dependency>\n      <artifactId>lonely</artifactId>\n"
        "    </dependency>\n  </dependencies>\n</project>\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as caught:
        parse_pom(pom, "pom.xml")
    assert str(caught.value) == "<dependency> lonely has no <groupId>"
    assert caught.value.line == 4


def test_not_a_pom(tmp_path: Path) -> None:
    pom = tmp_path / "pom.xml"
    pom.write_text("<settings/>\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=r"the root element is <settings>, not <project>"):
        parse_pom(pom, "pom.xml")


def env() -> Environment:
    return Environment(root=DATA / "app", maven_repo=REPO)


def test_parent_chain_with_two_licenses_is_a_choice() -> None:
    found = M2RepositoryLocator(env()).find("com.example:demo-lib", "2.1.0")
    assert found == Evidence(
        license="Eclipse Public License - v 2.0 OR "
        "GNU General Public License, version 2 with the GNU Classpath Exception",
        texts=(),
        source="installed",
        where=str(REPO / "com" / "example" / "demo-root" / "3" / "demo-root-3.pom"),
        version="2.1.0",
        field="licenses (parent com.example:demo-root:3)",
    )


def test_own_licenses_and_versions() -> None:
    locator = M2RepositoryLocator(env())
    old = locator.find("com.example:demo-lib", "2.0.0")
    assert old is not None
    assert (old.license, old.field, old.version) == (
        "Apache License, Version 2.0",
        "licenses",
        "2.0.0",
    )
    newest = locator.find("com.example:demo-lib", None)
    assert newest is not None
    assert newest.version == "2.1.0"
    assert locator.find("com.example:demo-lib", "3.0.0") is None


def test_unnamed_license_uses_its_url() -> None:
    found = M2RepositoryLocator(env()).find("org.example:urlonly", "1.0")
    assert found is not None
    assert found.license == "https://opensource.org/licenses/BSD-3-Clause"


def test_missing_parent_cycle_and_bad_pom_give_nothing() -> None:
    locator = M2RepositoryLocator(env())
    assert locator.find("org.example:orphan", "1.0") is None
    assert locator.find("org.example:loop", "1.0") is None
    assert locator.find("org.example:broken", "1.0") is None
    assert locator.find("no-colon", None) is None
    assert locator.find("org.example:../../etc", "1.0") is None
    assert M2RepositoryLocator(Environment(root=DATA)).find("com.example:demo-lib", None) is None


def test_locators() -> None:
    (locator,) = locators(env())
    assert isinstance(locator, M2RepositoryLocator)
    assert locator.ecosystem is Ecosystem.MAVEN
