"""The SPDX 2.3 and CycloneDX 1.6 reporters, checked with the official validators
(spdx-tools and cyclonedx-python-lib) on real scans of the fixture repositories and on
results built by hand for the licenses SPDX 2.3 cannot say as they stand."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from beartype.roar import BeartypeCallHintViolation
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_tools.spdx.parser.error import SPDXParsingError
from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from licensetier.cli.scan import prepared_scanner
from licensetier.deps.resolve import Options
from licensetier.models import (
    Artifact,
    Classification,
    Dependency,
    Family,
    FileResult,
    ScanResult,
    SkippedFile,
    Strength,
    Tier,
)
from licensetier.reporters import cyclonedx, spdx
from tests.conftest import FIXTURES, UNREACHABLE, make_git_repo

CDX = JsonStrictValidator(SchemaVersion.V1_6)


# --- the validators ----------------------------------------------------------------


def spdx_problems(document: dict[str, Any] | str) -> list[str]:
    """What spdx-tools says about a document: its parse errors, else its validation
    messages; empty when the document is valid SPDX 2.3."""
    data = json.loads(document) if isinstance(document, str) else document
    try:
        parsed = JsonLikeDictParser().parse(data)
    except SPDXParsingError as exc:
        return [f"parse: {m}" for m in exc.get_messages()]
    except BeartypeCallHintViolation as exc:  # spdx-tools' model refuses a missing field
        return [f"parse: {str(exc).splitlines()[0]}"]
    return [m.validation_message for m in validate_full_spdx_document(parsed, "SPDX-2.3")]


def cdx_problems(bom: dict[str, Any] | str) -> list[str]:
    text = bom if isinstance(bom, str) else json.dumps(bom)
    errors = CDX.validate_str(text, all_errors=True)
    return [] if errors is None else [str(e).splitlines()[0] for e in errors]


def spec_problems(document: dict[str, Any]) -> list[str]:
    """What SPDX 2.3 requires and spdx-tools does not check: every LicenseRef used is
    declared in hasExtractedLicensingInfos (license-expression knows ScanCode's
    LicenseRef-scancode-* ids, so the validator lets them pass undeclared), and only
    exceptions of the SPDX list follow WITH."""
    declared = {e["licenseId"] for e in document.get("hasExtractedLicensingInfos", [])}
    used: list[str] = []
    for element in document["packages"] + document.get("files", []):
        for field in ("licenseDeclared", "licenseConcluded"):
            if field in element:
                used.append(element[field])
        used += element.get("licenseInfoInFiles", []) + element.get("licenseInfoFromFiles", [])
    problems = []
    for expression in used:
        for ref in re.findall(r"LicenseRef-[A-Za-z0-9.-]+", expression):
            if ref not in declared:
                problems.append(f"{ref} is not declared")
        if re.search(r"WITH LicenseRef-", expression):
            problems.append(f"a LicenseRef after WITH: {expression}")
    return problems


# --- real scans ------------------------------------------------------------------


def _scan(name: str, parent: Path, cache: Path) -> tuple[ScanResult, dict[str, str]]:
    root = parent / name
    shutil.copytree(FIXTURES / name, root)
    make_git_repo(root)
    with pytest.MonkeyPatch.context() as mp:
        # as tests/conftest.py's autouse fixtures do, for a module-scoped scan
        mp.setenv("LICENSETIER_CACHE_DIR", str(cache))
        mp.setenv("PIP_INDEX_URL", f"{UNREACHABLE}/simple")
        mp.setenv("npm_config_registry", f"{UNREACHABLE}/")
        mp.setenv("LICENSETIER_DEPS_DEV_URL", f"{UNREACHABLE}/v3")
        with prepared_scanner(
            root, None, Options(offline=True), cache_dir=cache, no_cache=False, jobs=1
        ) as scanner:
            result = scanner.scan(root)
    sha1s = {f.path: hashlib.sha1((root / f.path).read_bytes()).hexdigest() for f in result.files}
    return result, sha1s


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Each fixture scanned once for the module; npm twice, at two different paths."""
    out: dict[str, Any] = {}
    cache = tmp_path_factory.mktemp("cache")
    for name in ("sdk-npm-dependencies", "tooling-python-deps"):
        out[name] = _scan(name, tmp_path_factory.mktemp("a"), cache)
    out["npm-again"] = _scan("sdk-npm-dependencies", tmp_path_factory.mktemp("b"), cache)
    return out


REAL = ["sdk-npm-dependencies", "tooling-python-deps"]


def _spdx(result: ScanResult, sha1s: dict[str, str] | None = None, **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(spdx.render(result, file_checksums=sha1s, **kw))
    return out


def _cdx(result: ScanResult, sha1s: dict[str, str] | None = None, **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(cyclonedx.render(result, file_checksums=sha1s, **kw))
    return out


def _packages_by_purl(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for p in document["packages"]:
        for ref in p.get("externalRefs", []):
            if ref["referenceType"] == "purl":
                out[ref["referenceLocator"]] = p
    return out


def _relations(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    """Relationships with packages named by purl (or their SPDX id otherwise)."""
    names = {p["SPDXID"]: ident for ident, p in _packages_by_purl(document).items()}
    return {
        (
            names.get(r["spdxElementId"], r["spdxElementId"]),
            r["relationshipType"],
            names.get(r["relatedSpdxElement"], r["relatedSpdxElement"]),
        )
        for r in document["relationships"]
    }


@pytest.mark.parametrize("name", REAL)
def test_spdx_of_real_scans_is_valid(scans: dict[str, Any], name: str) -> None:
    result, sha1s = scans[name]
    text = spdx.render(result, file_checksums=sha1s, created="2025-06-01T12:00:00Z")
    assert spdx_problems(text) == []
    document = json.loads(text)
    assert spec_problems(document) == []
    assert document["spdxVersion"] == "SPDX-2.3"
    assert document["name"] == name
    assert document["creationInfo"]["created"] == "2025-06-01T12:00:00Z"
    assert document["creationInfo"]["creators"][0].startswith("Tool: licensetier-")
    # every scanned file is listed, with its SHA-1, in the root artifact
    assert {f["fileName"]: f["checksums"][0]["checksumValue"] for f in document["files"]} == {
        f"./{path}": sha1 for path, sha1 in sha1s.items()
    }
    root = document["packages"][0]
    assert root["SPDXID"] == "SPDXRef-Artifact-0"
    assert root["filesAnalyzed"] is True
    expected_code = hashlib.sha1("".join(sorted(sha1s.values())).encode()).hexdigest()
    assert root["packageVerificationCode"]["packageVerificationCodeValue"] == expected_code


@pytest.mark.parametrize("name", REAL)
def test_cyclonedx_of_real_scans_is_valid(scans: dict[str, Any], name: str) -> None:
    result, sha1s = scans[name]
    text = cyclonedx.render(result, file_checksums=sha1s, created="2025-06-01T12:00:00Z")
    assert cdx_problems(text) == []
    bom = json.loads(text)
    assert (bom["bomFormat"], bom["specVersion"], bom["version"]) == ("CycloneDX", "1.6", 1)
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", bom["serialNumber"])
    assert bom["metadata"]["timestamp"] == "2025-06-01T12:00:00Z"
    # the root component is the project its manifest names, not the folder
    project = {"sdk-npm-dependencies": "acme-js-sdk", "tooling-python-deps": "acme-serving"}
    assert bom["metadata"]["component"]["name"] == project[name]
    assert bom["metadata"]["tools"]["components"][0]["name"] == "licensetier"
    refs = [c["bom-ref"] for c in bom["components"]] + ["artifact:."]
    assert len(refs) == len(set(refs))
    for entry in bom["dependencies"]:  # the graph names only components of the BOM
        assert entry["ref"] in refs
        assert set(entry["dependsOn"]) <= set(refs)


def test_spdx_npm_packages_licenses_and_graph(scans: dict[str, Any]) -> None:
    document = _spdx(*scans["sdk-npm-dependencies"])
    packages = _packages_by_purl(document)
    assert {purl: p["licenseDeclared"] for purl, p in packages.items()} == {
        "pkg:npm/netcore@1.4.0": "AGPL-3.0-only",
        "pkg:npm/chartkit@1.2.3": "MIT OR GPL-3.0-only",
        "pkg:npm/mystery-lib@0.1.4": "BSD-3-Clause",
        "pkg:npm/tiny-http@2.1.0": "MIT",
        "pkg:npm/gpl-test-runner@3.0.0": "GPL-3.0-only",
    }
    netcore = packages["pkg:npm/netcore@1.4.0"]
    assert (netcore["name"], netcore["versionInfo"]) == ("netcore", "1.4.0")
    assert netcore["SPDXID"] == "SPDXRef-Package-npm-netcore-1.4.0"
    assert netcore["filesAnalyzed"] is False
    # the lockfile's license, as licensetier's resolution concluded it
    assert netcore["licenseConcluded"] == "AGPL-3.0-only"
    assert "license from lockfile (package-lock.json)" in netcore["comment"]
    relations = _relations(document)
    root = "SPDXRef-Artifact-0"
    assert relations == {
        ("SPDXRef-DOCUMENT", "DESCRIBES", root),
        *{(root, "CONTAINS", f["SPDXID"]) for f in document["files"]},
        # netcore is reached from tiny-http, not from the artifact
        ("pkg:npm/tiny-http@2.1.0", "DEPENDS_ON", "pkg:npm/netcore@1.4.0"),
        (root, "DEPENDS_ON", "pkg:npm/tiny-http@2.1.0"),
        (root, "DEPENDS_ON", "pkg:npm/chartkit@1.2.3"),
        (root, "DEPENDS_ON", "pkg:npm/mystery-lib@0.1.4"),
        ("pkg:npm/gpl-test-runner@3.0.0", "DEV_DEPENDENCY_OF", root),
    }
    files = {f["fileName"]: f for f in document["files"]}
    assert files["./LICENSE"]["licenseInfoInFiles"] == ["MIT"]
    assert files["./src/index.js"]["licenseInfoInFiles"] == ["NONE"]
    assert files["./LICENSE"]["licenseConcluded"] == "MIT"
    # the licenses a lockfile or licensetier's configuration names are not theirs
    for name in ("./package-lock.json", "./licensetier.toml"):
        assert files[name]["licenseInfoInFiles"] == ["NONE"]
        assert files[name]["licenseConcluded"] == "NOASSERTION"
        assert "not the file's own" in files[name]["licenseComments"]
    project = document["packages"][0]
    assert (project["name"], project["versionInfo"]) == ("acme-js-sdk", "2.0.0")
    assert project["primaryPackagePurpose"] == "LIBRARY"  # kind sdk
    assert project["licenseDeclared"] == project["licenseConcluded"] == "MIT"
    assert project["licenseInfoFromFiles"] == ["MIT"]
    assert "named by package.json" in project["comment"]


def test_cyclonedx_npm_components_and_graph(scans: dict[str, Any]) -> None:
    bom = _cdx(*scans["sdk-npm-dependencies"])
    libraries = {c["purl"]: c for c in bom["components"] if c["type"] == "library"}
    assert {purl: (c["bom-ref"], c["scope"], c["licenses"]) for purl, c in libraries.items()} == {
        purl: (purl, scope, [{"expression": expression, "acknowledgement": "declared"}])
        for purl, scope, expression in [
            ("pkg:npm/netcore@1.4.0", "required", "AGPL-3.0-only"),
            ("pkg:npm/chartkit@1.2.3", "required", "MIT OR GPL-3.0-only"),
            ("pkg:npm/mystery-lib@0.1.4", "required", "BSD-3-Clause"),
            ("pkg:npm/tiny-http@2.1.0", "required", "MIT"),
            ("pkg:npm/gpl-test-runner@3.0.0", "excluded", "GPL-3.0-only"),
        ]
    }
    props = {p["name"]: p["value"] for p in libraries["pkg:npm/mystery-lib@0.1.4"]["properties"]}
    assert props == {
        "licensetier:license_source": "installed",
        "licensetier:family": "permissive",
        "licensetier:manifest": "package.json",
        "licensetier:artifact": ".",
    }
    netcore = {p["name"]: p["value"] for p in libraries["pkg:npm/netcore@1.4.0"]["properties"]}
    assert netcore["licensetier:family"] == "copyleft-network"
    assert netcore["licensetier:manifest"] == "package-lock.json"
    graph = {d["ref"]: d["dependsOn"] for d in bom["dependencies"]}
    assert graph == {
        "artifact:.": [
            "pkg:npm/chartkit@1.2.3",
            "pkg:npm/mystery-lib@0.1.4",
            "pkg:npm/tiny-http@2.1.0",
            "pkg:npm/gpl-test-runner@3.0.0",
        ],
        "pkg:npm/tiny-http@2.1.0": ["pkg:npm/netcore@1.4.0"],
    }
    root = bom["metadata"]["component"]
    assert root["bom-ref"] == "artifact:."
    assert root["type"] == "library"  # an SDK is built on, not run
    assert (root["name"], root["version"]) == ("acme-js-sdk", "2.0.0")
    assert root["licenses"] == [{"expression": "MIT", "acknowledgement": "declared"}]
    files = {c["name"]: c for c in bom["components"] if c["type"] == "file"}
    assert set(files) == {"LICENSE", "package.json"}  # not the lockfile, not the config
    sha1 = scans["sdk-npm-dependencies"][1]["LICENSE"]
    assert files["LICENSE"]["hashes"] == [{"alg": "SHA-1", "content": sha1}]
    assert files["LICENSE"]["licenses"] == [{"expression": "MIT"}]


def test_python_scan_licenserefs_unresolved_and_dev(scans: dict[str, Any]) -> None:
    result, sha1s = scans["tooling-python-deps"]
    document = _spdx(result, sha1s)
    packages = _packages_by_purl(document)
    assert packages["pkg:pypi/fastserve@1.0.2"]["licenseDeclared"] == "SSPL-1.0"
    pytest_package = packages["pkg:pypi/pytest@8.3.4"]
    assert pytest_package["licenseDeclared"] == "NOASSERTION"
    assert "license unresolved: not looked up online (--offline)" in pytest_package["comment"]
    relations = _relations(document)
    root = "SPDXRef-Artifact-0"
    assert ("pkg:pypi/pytest@8.3.4", "DEV_DEPENDENCY_OF", root) in relations
    assert ("pkg:pypi/requests@2.32.3", "DEPENDS_ON", "pkg:pypi/certifi@2024.8.30") in relations
    assert ("pkg:pypi/requests@2.32.3", "DEPENDS_ON", "pkg:pypi/urllib3@2.2.3") in relations
    assert (root, "DEPENDS_ON", "pkg:pypi/certifi@2024.8.30") not in relations
    # the LICENSE's ScanCode LicenseRef is declared, with a pointer to the LicenseDB; its
    # "unknown license reference" is a clue, not a grant (docs/declared-licenses.md)
    declared = document["packages"][0]["licenseDeclared"]
    assert declared == "LicenseRef-scancode-proprietary-license"
    extracted = {e["licenseId"]: e for e in document["hasExtractedLicensingInfos"]}
    assert extracted["LicenseRef-scancode-proprietary-license"]["extractedText"] == (
        "See ScanCode LicenseDB: proprietary-license"
    )
    assert extracted["LicenseRef-scancode-unknown-license-reference"]["seeAlsos"] == [
        "https://scancode-licensedb.aboutcode.org/unknown-license-reference.html"
    ]

    bom = _cdx(result, sha1s)
    pytest_component = next(c for c in bom["components"] if c["name"] == "pytest")
    assert pytest_component["scope"] == "excluded"
    assert "licenses" not in pytest_component
    assert {"name": "licensetier:reason", "value": "not looked up online (--offline)"} in (
        pytest_component["properties"]
    )
    graph = {d["ref"]: d["dependsOn"] for d in bom["dependencies"]}
    assert graph["pkg:pypi/requests@2.32.3"] == [
        "pkg:pypi/certifi@2024.8.30",
        "pkg:pypi/urllib3@2.2.3",
    ]
    assert bom["metadata"]["component"]["licenses"] == [{"expression": declared, **_DECLARED}]


_DECLARED = {"acknowledgement": "declared"}


# --- determinism and options -------------------------------------------------------


def test_same_result_same_bytes_and_no_absolute_path(scans: dict[str, Any]) -> None:
    result, sha1s = scans["sdk-npm-dependencies"]
    again, sha1s_again = scans["npm-again"]
    assert result.root != again.root  # scanned at two paths, with different timings
    for reporter in (spdx, cyclonedx):
        first = reporter.render(result, file_checksums=sha1s)
        assert reporter.render(result, file_checksums=sha1s) == first
        assert reporter.render(copy.deepcopy(result), file_checksums=dict(sha1s)) == first
        assert reporter.render(again, file_checksums=sha1s_again) == first
        assert result.root not in first
        assert str(Path(result.root).parent) not in first


def test_namespace_and_serial_follow_the_content(scans: dict[str, Any]) -> None:
    result, sha1s = scans["sdk-npm-dependencies"]
    a = _spdx(result, sha1s)
    b = _spdx(result, sha1s, created="2025-06-01T12:00:00Z")
    assert a["creationInfo"]["created"] == spdx.DEFAULT_CREATED
    assert re.fullmatch(
        r"https://spdx\.example\.invalid/licensetier/sdk-npm-dependencies-[0-9a-f]{64}",
        a["documentNamespace"],
    )
    assert a["documentNamespace"] != b["documentNamespace"]
    # the namespace is the hash of the document rendered without one
    unnamed = spdx.to_dict(result, file_checksums=sha1s)
    digest = hashlib.sha256(
        (json.dumps(unnamed, indent=2, ensure_ascii=False) + "\n").encode()
    ).hexdigest()
    assert a["documentNamespace"].endswith(digest)
    given = _spdx(result, sha1s, namespace="https://example.invalid/spdx/doc-1")
    assert given["documentNamespace"] == "https://example.invalid/spdx/doc-1"

    x, y = _cdx(result, sha1s), _cdx(result, sha1s, created="2025-06-01T12:00:00Z")
    assert "timestamp" not in x["metadata"]
    assert x["serialNumber"] != y["serialNumber"]
    serial = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
    assert _cdx(result, sha1s, serial_number=serial)["serialNumber"] == serial
    with pytest.raises(ValueError, match="serial_number"):
        cyclonedx.render(result, serial_number="not-a-urn")


def test_created_option(scans: dict[str, Any]) -> None:
    result, _ = scans["tooling-python-deps"]
    when = datetime(2025, 6, 1, 14, 0, 0, tzinfo=timezone(timedelta(hours=2)))
    assert _spdx(result, created=when)["creationInfo"]["created"] == "2025-06-01T12:00:00Z"
    assert _cdx(result, created=when)["metadata"]["timestamp"] == "2025-06-01T12:00:00Z"
    for bad in ("2025-06-01", "2025-06-01T12:00:00+02:00", datetime(2025, 6, 1), 5):
        with pytest.raises(ValueError, match="created"):
            spdx.render(result, created=bad)
    with pytest.raises(ValueError, match="file_checksums"):
        spdx.render(result, file_checksums={"LICENSE": "xyz"})


def test_without_checksums_no_files_and_still_valid(scans: dict[str, Any]) -> None:
    result, _ = scans["sdk-npm-dependencies"]
    # the CLI's other options reach every reporter; these ignore them
    text = spdx.render(result, verbose=True, quiet=False, color=False, width=100)
    document = json.loads(text)
    assert "files" not in document
    assert document["packages"][0]["filesAnalyzed"] is False
    assert "packageVerificationCode" not in document["packages"][0]
    assert spdx_problems(text) == []
    assert spec_problems(document) == []
    bom = cyclonedx.render(result, verbose=True, color=False)
    assert cdx_problems(bom) == []
    assert all("hashes" not in c for c in json.loads(bom)["components"])


# --- licenses SPDX 2.3 cannot say as they stand, several artifacts -----------------


def _dependency(name: str, license: str | None, **kw: Any) -> Dependency:
    fields: dict[str, Any] = {
        "ecosystem": "pypi",
        "name": name,
        "version": "1.0",
        "purl": f"pkg:pypi/{name}@1.0",
        "direct": True,
        "scope": "runtime",
        "manifest": "pyproject.toml",
        "artifact": ".",
        "license": license,
        "license_source": "installed" if license else "unresolved",
    }
    fields.update(kw)
    return Dependency(**fields)


OPENSSL = "LGPL-3.0-or-later WITH LicenseRef-scancode-openssl-exception-lgpl3.0plus"
COMBINED = "LicenseRef-licensetier-LGPL-3.0-or-later-WITH-scancode-openssl-exception-lgpl3.0plus"
COPYLEFT = Classification(Family.COPYLEFT, Strength.WEAK, "lgpl-3.0-plus")


@pytest.fixture
def made() -> tuple[ScanResult, dict[str, str]]:
    """Three nested artifacts; dependencies with LicenseRefs, exceptions, strange
    strings, an optional one, a package met in two artifacts."""
    artifacts = (
        Artifact(".", None, None, None, origin="implicit"),
        Artifact("sdk", "sdk", Tier.TYPICALLY_OPEN, "Apache-2.0", declared_license="Apache-2.0"),
        Artifact("sdk/plugins", "sdk", Tier.TYPICALLY_OPEN, None),
    )
    files = (
        FileResult("README.md", None, None, engine="prefilter"),
        FileResult("sdk/LICENSE", "apache-2.0", "Apache-2.0", engine="exact"),
        FileResult(
            "sdk/vendor/ssl.c",
            "gpl-2.0 WITH classpath-exception-2.0 AND public-domain",
            "GPL-2.0-only WITH Classpath-exception-2.0 AND LicenseRef-scancode-public-domain",
            engine="full",
        ),
        FileResult("sdk/plugins/p.py", "lgpl-3.0-plus WITH openssl", OPENSSL, engine="full"),
        FileResult("sdk/plugins/broken.bin.txt", None, None, engine="failed"),
        FileResult("sdk/no-checksum.py", "mit", "MIT", engine="exact"),
    )
    skipped = (SkippedFile("sdk/logo.png", "binary"),)
    deps = (
        _dependency("psycopg", OPENSSL, classification=COPYLEFT),
        _dependency("pdlib", "LicenseRef-scancode-public-domain"),
        _dependency("classy", "GPL-2.0-only WITH Classpath-exception-2.0 OR mit"),
        _dependency("vague", "Foo Bar License AND BSD", license_raw="Foo Bar / BSD"),
        _dependency("nolicense", None, reason="not looked up online (--offline)"),
        _dependency("plugin-host", "MIT", direct=False, chain=("psycopg@1.0",)),
        _dependency("orphan", "MIT", direct=False, chain=("gone@2.0",)),
        _dependency("extra", "MIT", direct=False, scope="optional", chain=("classy@1.0",)),
        _dependency("shared", "MIT", scope="development", artifact="sdk", manifest="sdk/req.txt"),
        _dependency("shared", "MIT", artifact="sdk/plugins", manifest="sdk/plugins/req.txt"),
    )
    result = ScanResult("/somewhere/made", artifacts, files, skipped, (), (), dependencies=deps)
    sha1s = {
        f.path: hashlib.sha1(f.path.encode()).hexdigest()
        for f in files
        if f.path != "sdk/no-checksum.py"
    }
    return result, sha1s


def test_spdx_names_what_spdx_cannot_say(made: tuple[ScanResult, dict[str, str]]) -> None:
    result, sha1s = made
    text = spdx.render(result, file_checksums=sha1s)
    assert spdx_problems(text) == []
    document = json.loads(text)
    assert spec_problems(document) == []
    declared = {p["name"]: p["licenseDeclared"] for p in document["packages"]}
    assert declared["psycopg"] == COMBINED
    assert declared["pdlib"] == "LicenseRef-scancode-public-domain"
    assert declared["classy"] == "GPL-2.0-only WITH Classpath-exception-2.0 OR MIT"
    assert (
        declared["vague"] == "LicenseRef-licensetier-Foo-Bar-License AND LicenseRef-licensetier-BSD"
    )
    assert declared["nolicense"] == "NOASSERTION"
    extracted = {e["licenseId"]: e for e in document["hasExtractedLicensingInfos"]}
    assert extracted[COMBINED]["name"] == OPENSSL
    assert extracted[COMBINED]["seeAlsos"] == [
        "https://scancode-licensedb.aboutcode.org/openssl-exception-lgpl3.0plus.html"
    ]
    assert extracted["LicenseRef-licensetier-Foo-Bar-License"]["name"] == "Foo Bar License"
    assert extracted["LicenseRef-scancode-public-domain"]["extractedText"] == (
        "See ScanCode LicenseDB: public-domain"
    )
    files = {f["fileName"]: f for f in document["files"]}
    assert files["./sdk/vendor/ssl.c"]["licenseInfoInFiles"] == [
        "GPL-2.0-only WITH Classpath-exception-2.0",
        "LicenseRef-scancode-public-domain",
    ]
    assert files["./sdk/plugins/p.py"]["licenseInfoInFiles"] == [COMBINED]
    assert OPENSSL in files["./sdk/plugins/p.py"]["licenseComments"]
    assert files["./README.md"]["licenseInfoInFiles"] == ["NONE"]
    assert files["./sdk/plugins/broken.bin.txt"]["licenseInfoInFiles"] == ["NOASSERTION"]
    assert "./sdk/no-checksum.py" not in files


def test_spdx_artifacts_files_and_edges(made: tuple[ScanResult, dict[str, str]]) -> None:
    result, sha1s = made
    document = _spdx(result, sha1s)
    ids = {p["name"]: p["SPDXID"] for p in document["packages"]}
    assert [p["name"] for p in document["packages"][:3]] == ["made", "sdk", "sdk/plugins"]
    root, sdk, plugins = ids["made"], ids["sdk"], ids["sdk/plugins"]
    by_name = {f["SPDXID"]: f["fileName"] for f in document["files"]}
    relations = {
        (r["spdxElementId"], r["relationshipType"], by_name.get(r["relatedSpdxElement"]))
        for r in document["relationships"]
    }
    relations |= {
        (r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"])
        for r in document["relationships"]
    }
    assert {("SPDXRef-DOCUMENT", "DESCRIBES", a) for a in (root, sdk, plugins)} <= relations
    assert (root, "CONTAINS", sdk) in relations
    assert (sdk, "CONTAINS", plugins) in relations
    # a file belongs to the deepest artifact that contains it
    assert (root, "CONTAINS", "./README.md") in relations
    assert (sdk, "CONTAINS", "./sdk/vendor/ssl.c") in relations
    assert (plugins, "CONTAINS", "./sdk/plugins/p.py") in relations
    assert (sdk, "CONTAINS", "./sdk/plugins/p.py") not in relations
    packages = {p["name"]: p for p in document["packages"]}
    code = packages["sdk"]["packageVerificationCode"]
    sdk_sums = [sha1s["sdk/LICENSE"], sha1s["sdk/vendor/ssl.c"]]
    assert code == {
        "packageVerificationCodeValue": hashlib.sha1(
            "".join(sorted(sdk_sums)).encode()
        ).hexdigest(),
        "packageVerificationCodeExcludedFiles": ["./sdk/logo.png", "./sdk/no-checksum.py"],
    }
    assert packages["sdk"]["licenseDeclared"] == "Apache-2.0"
    assert packages["made"]["licenseDeclared"] == "NOASSERTION"
    # dependencies: by scope from their artifact, else from the step of the chain
    edges = _relations(document)
    assert ("pkg:pypi/psycopg@1.0", "DEPENDS_ON", "pkg:pypi/plugin-host@1.0") in edges
    assert (root, "DEPENDS_ON", "pkg:pypi/orphan@1.0") in edges  # its parent is not listed
    assert ("pkg:pypi/extra@1.0", "OPTIONAL_DEPENDENCY_OF", "pkg:pypi/classy@1.0") in edges
    assert ("pkg:pypi/shared@1.0", "DEV_DEPENDENCY_OF", sdk) in edges
    assert (plugins, "DEPENDS_ON", "pkg:pypi/shared@1.0") in edges
    shared = [p for p in document["packages"] if p["name"] == "shared"]
    assert len(shared) == 1  # one package per purl


def test_cyclonedx_of_licenses_and_artifacts(made: tuple[ScanResult, dict[str, str]]) -> None:
    result, sha1s = made
    text = cyclonedx.render(result, file_checksums=sha1s)
    assert cdx_problems(text) == []
    bom = json.loads(text)
    components = {c["bom-ref"]: c for c in bom["components"]}
    assert components["pkg:pypi/psycopg@1.0"]["licenses"] == [
        {"license": {"name": OPENSSL, "acknowledgement": "declared"}}
    ]
    assert components["pkg:pypi/pdlib@1.0"]["licenses"] == [
        {"expression": "LicenseRef-scancode-public-domain", "acknowledgement": "declared"}
    ]
    assert components["pkg:pypi/classy@1.0"]["licenses"] == [
        {"expression": "GPL-2.0-only WITH Classpath-exception-2.0 OR MIT", **_DECLARED}
    ]
    assert components["pkg:pypi/vague@1.0"]["licenses"] == [
        {"license": {"name": "Foo Bar License AND BSD", "acknowledgement": "declared"}}
    ]
    assert "licenses" not in components["pkg:pypi/nolicense@1.0"]
    assert components["pkg:pypi/extra@1.0"]["scope"] == "optional"
    shared = components["pkg:pypi/shared@1.0"]
    assert shared["scope"] == "required"  # development in sdk, runtime in sdk/plugins
    assert [p["value"] for p in shared["properties"] if p["name"] == "licensetier:manifest"] == [
        "sdk/req.txt",
        "sdk/plugins/req.txt",
    ]
    family = {p["name"]: p["value"] for p in components["pkg:pypi/psycopg@1.0"]["properties"]}
    assert family["licensetier:family"] == "copyleft-weak"
    assert components["artifact:sdk"]["type"] == "library"  # kind sdk
    assert components["artifact:sdk"]["licenses"] == [{"expression": "Apache-2.0", **_DECLARED}]
    assert components["file:sdk/plugins/p.py"]["licenses"] == [{"license": {"name": OPENSSL}}]
    assert "file:README.md" not in components  # no license: not a component
    graph = {d["ref"]: d["dependsOn"] for d in bom["dependencies"]}
    assert graph["pkg:pypi/psycopg@1.0"] == ["pkg:pypi/plugin-host@1.0"]
    assert graph["pkg:pypi/classy@1.0"] == ["pkg:pypi/extra@1.0"]
    assert "pkg:pypi/orphan@1.0" in graph["artifact:."]
    assert graph["artifact:sdk"] == ["pkg:pypi/shared@1.0"]
    assert graph["artifact:sdk/plugins"] == ["pkg:pypi/shared@1.0"]


# --- the validators reject what is wrong --------------------------------------------


def test_spdx_validator_rejects_broken_documents(scans: dict[str, Any]) -> None:
    result, sha1s = scans["sdk-npm-dependencies"]
    document = _spdx(result, sha1s)
    assert spdx_problems(document) == []

    no_sha1 = copy.deepcopy(document)
    md5 = hashlib.md5(b"x").hexdigest()  # a file must have a SHA-1
    no_sha1["files"][0]["checksums"] = [{"algorithm": "MD5", "checksumValue": md5}]
    assert any("SHA1" in p for p in spdx_problems(no_sha1))

    no_name = copy.deepcopy(document)
    del no_name["packages"][1]["name"]
    assert any(p.startswith("parse:") for p in spdx_problems(no_name))

    undeclared = copy.deepcopy(document)
    undeclared["packages"][1]["licenseDeclared"] = "LicenseRef-licensetier-Nowhere"
    assert any("Unrecognized license reference" in p for p in spdx_problems(undeclared))

    dangling = copy.deepcopy(document)
    dangling["relationships"][0]["relatedSpdxElement"] = "SPDXRef-Missing"
    assert spdx_problems(dangling)

    # and what spdx-tools lets through, spec_problems catches
    made_up = copy.deepcopy(document)
    made_up["packages"][1]["licenseDeclared"] = OPENSSL
    assert spec_problems(made_up) == [
        "LicenseRef-scancode-openssl-exception-lgpl3.0plus is not declared",
        f"a LicenseRef after WITH: {OPENSSL}",
    ]


def test_cyclonedx_validator_rejects_broken_boms(scans: dict[str, Any]) -> None:
    result, sha1s = scans["sdk-npm-dependencies"]
    bom = _cdx(result, sha1s)
    assert cdx_problems(bom) == []

    no_format = copy.deepcopy(bom)
    del no_format["bomFormat"]
    assert cdx_problems(no_format)

    bad_scope = copy.deepcopy(bom)
    bad_scope["components"][0]["scope"] = "development"
    assert cdx_problems(bad_scope)

    both = copy.deepcopy(bom)
    both["components"][0]["licenses"].append({"license": {"name": "MIT"}})
    assert cdx_problems(both)

    unknown_field = copy.deepcopy(bom)
    unknown_field["components"][0]["license_source"] = "lockfile"
    assert cdx_problems(unknown_field)


# --- issue 16: SBOMs a reviewer can use -------------------------------------------


CLA = Classification(
    Family.PERMISSIVE, None, "generic-cla", category="CLA", not_a_license_of_use=True
)


@pytest.fixture
def project() -> tuple[ScanResult, dict[str, str]]:
    """A project whose manifest names it, an SDK, with a CLA file, a lockfile, an
    unpinned dependency and one whose version was chosen online for a range."""
    root = Artifact(
        ".",
        "sdk",
        Tier.TYPICALLY_OPEN,
        None,
        declared_license="Apache-2.0",
        name="acme-sdk",
        version="3.1.0",
        supplier="Acme Corp",
        identity_source="pyproject.toml",
        copyrights=("Copyright (c) 2017 to present Acme Corp and individual contributors.",),
    )
    files = (
        FileResult("LICENSE", "apache-2.0", "Apache-2.0", engine="exact"),
        FileResult(
            "CLA.md",
            "generic-cla",
            "LicenseRef-scancode-generic-cla",
            classification=CLA,
            engine="full",
        ),
        FileResult("poetry.lock", "mit AND gpl-3.0", "MIT AND GPL-3.0-only", engine="full"),
    )
    deps = (
        _dependency("loose", None, version=">=2", exact=False, purl="pkg:pypi/loose"),
        _dependency(
            "chosen",
            "MIT",
            version="2.5.0",
            exact=False,
            requirement="^2",
            license_source="registry",
        ),
        _dependency("guess", "BSD-3-Clause", low_confidence=True, reason="from a URL"),
    )
    result = ScanResult("/x/checkout", (root,), files, (), (), (), dependencies=deps)
    sha1s = {f.path: hashlib.sha1(f.path.encode()).hexdigest() for f in files}
    return result, sha1s


def test_spdx_root_is_the_project_with_concluded_licenses(
    project: tuple[ScanResult, dict[str, str]],
) -> None:
    result, sha1s = project
    text = spdx.render(result, file_checksums=sha1s)
    assert spdx_problems(text) == []
    document = json.loads(text)
    assert spec_problems(document) == []
    root = document["packages"][0]
    assert (root["name"], root["versionInfo"]) == ("acme-sdk", "3.1.0")
    assert root["supplier"] == "Organization: Acme Corp"
    assert root["copyrightText"] == (
        "Copyright (c) 2017 to present Acme Corp and individual contributors."
    )
    assert root["licenseConcluded"] == "Apache-2.0"
    assert root["primaryPackagePurpose"] == "LIBRARY"
    # the CLA and the lockfile add nothing to the licenses found in the files
    assert root["licenseInfoFromFiles"] == ["Apache-2.0"]
    files = {f["fileName"]: f for f in document["files"]}
    assert files["./LICENSE"]["licenseConcluded"] == "Apache-2.0"
    cla = files["./CLA.md"]
    assert cla["licenseConcluded"] == "NOASSERTION"
    assert "not a license of use (CLA)" in cla["licenseComments"]
    assert files["./poetry.lock"]["licenseInfoInFiles"] == ["NONE"]
    packages = {p["name"]: p for p in document["packages"]}
    assert "versionInfo" not in packages["loose"]  # a range is not a version
    assert "not pinned: asked for >=2" in packages["loose"]["comment"]
    assert "versionInfo" not in packages["chosen"]
    assert "asked for ^2 (version 2.5.0 chosen for it online)" in packages["chosen"]["comment"]
    assert packages["chosen"]["licenseConcluded"] == "MIT"
    assert packages["guess"]["licenseConcluded"] == "NOASSERTION"  # low confidence
    assert packages["guess"]["licenseDeclared"] == "BSD-3-Clause"


def test_cyclonedx_root_is_the_project_and_a_cla_is_no_license(
    project: tuple[ScanResult, dict[str, str]],
) -> None:
    result, sha1s = project
    text = cyclonedx.render(result, file_checksums=sha1s)
    assert cdx_problems(text) == []
    bom = json.loads(text)
    root = bom["metadata"]["component"]
    assert (root["type"], root["name"], root["version"]) == ("library", "acme-sdk", "3.1.0")
    assert root["supplier"] == {"name": "Acme Corp"}
    assert root["copyright"].startswith("Copyright (c) 2017 to present Acme Corp")
    components = {c["bom-ref"]: c for c in bom["components"]}
    cla = {p["name"]: p["value"] for p in components["file:CLA.md"]["properties"]}
    assert cla["licensetier:family"] == "not-a-license"
    assert cla["licensetier:category"] == "CLA"
    assert "file:poetry.lock" not in components
    loose = components["pkg:pypi/loose"]
    assert "version" not in loose
    props = {p["name"]: p["value"] for p in loose["properties"]}
    assert props["licensetier:requirement"] == ">=2"
    chosen = {p["name"]: p["value"] for p in components["pkg:pypi/chosen@1.0"]["properties"]}
    assert "version" not in components["pkg:pypi/chosen@1.0"]
    assert chosen["licensetier:requirement"] == "^2"
    assert chosen["licensetier:version_chosen_online"] == "2.5.0"
