"""The artifact's own declared license: every manifest form, read as data, never run."""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from licensetier.declared import (
    MANIFEST_PARSERS,
    DetectText,
    Normalized,
    _spdx_candidates,
    declared_names,
    find_model_card,
    load_hf_licenses,
    normalize,
    read_declared,
    read_model_card,
)
from licensetier.detect.engine import Engine
from licensetier.errors import UnknownLicenseError
from licensetier.license_db import LicenseDB
from licensetier.models import DeclaredLicense, ScanError

MIT_TEXT = """MIT License

Copyright (c) 2024 Example Corp

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


@pytest.fixture(scope="session")
def db() -> LicenseDB:
    return LicenseDB.load()


@pytest.fixture(scope="session")
def detect() -> DetectText:
    """ScanCode's detection on strings; its index loads once, on first use."""
    return Engine().detect_text


def forbidden(text: str) -> tuple[str | None, float]:
    """A detect_text that must not be called: the SPDX step should have answered."""
    raise AssertionError(f"ScanCode detection was called for {text!r}")


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


Read = Callable[..., tuple[list[DeclaredLicense], list[ScanError]]]


@pytest.fixture
def read(tmp_path: Path, db: LicenseDB) -> Read:
    """read_declared on tmp_path (the scan root) or a subdirectory of it."""

    def run(
        rel_dir: str = ".", detect_text: DetectText | None = forbidden
    ) -> tuple[list[DeclaredLicense], list[ScanError]]:
        directory = tmp_path if rel_dir == "." else tmp_path / rel_dir
        return read_declared(directory, rel_dir, db, detect_text)

    return run


def only(declared: list[DeclaredLicense], field: str) -> DeclaredLicense:
    matches = [d for d in declared if d.field == field]
    assert len(matches) == 1, declared
    return matches[0]


# -- normalisation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "keys"),
    [
        ("MIT", "mit"),
        ("Apache-2.0 OR MIT", "apache-2.0 OR mit"),
        ("MIT/Apache-2.0", "mit OR apache-2.0"),  # Cargo's legacy syntax for OR
        ("MIT / Apache-2.0", "mit OR apache-2.0"),
        ("BSL-1.0", "boost-1.0"),  # the SPDX id is Boost, not Business Source
        ("GPL-2.0-or-later WITH Classpath-exception-2.0", None),
    ],
)
def test_spdx_step_answers_without_scancode(raw: str, keys: str | None, db: LicenseDB) -> None:
    result = normalize(raw, db, forbidden)
    assert result.license is not None
    if keys is not None:
        assert result.license == keys
    assert result.score == 100.0
    assert result.low_confidence is False
    assert result.license_spdx is not None
    assert db.spdx_to_keys(result.license_spdx) == result.license


def test_spdx_form_is_canonical(db: LicenseDB) -> None:
    result = normalize("mit/apache-2.0", db, forbidden)
    assert result.license_spdx == "MIT OR Apache-2.0"


def test_messy_strings_go_to_scancode_with_its_score(db: LicenseDB, detect: DetectText) -> None:
    apache = normalize("Apache 2", db, detect)
    assert apache.license == "apache-2.0"
    assert apache.license_spdx == "Apache-2.0"
    assert 0 < apache.score < 90
    assert apache.low_confidence is True

    gpl = normalize("GPLv3+", db, detect)
    assert gpl.license == "gpl-3.0-plus"
    assert gpl.license_spdx == "GPL-3.0-or-later"
    assert gpl.score >= 90
    assert gpl.low_confidence is False

    # "BSD" alone names a family, not a license: ScanCode does not read it; the table of
    # declared names gives its most common reading, with low confidence
    assert normalize("BSD", db, detect) == Normalized("bsd-new", "BSD-3-Clause", 50.0, True)


def test_a_reference_to_an_unnamed_license_is_low_confidence(
    db: LicenseDB, detect: DetectText
) -> None:
    result = normalize("see LICENSE", db, detect)
    assert result.license == "unknown-license-reference"
    assert result.low_confidence is True


def test_without_detection_a_messy_string_is_not_understood(db: LicenseDB) -> None:
    assert normalize("Apache 2", db, None) == Normalized(None, None, 0.0, True)
    assert normalize("   ", db, forbidden) == Normalized(None, None, 0.0, True)


# -- pyproject.toml -------------------------------------------------------------------


def test_pyproject_pep639_string(tmp_path: Path, read: Read) -> None:
    path = write(
        tmp_path,
        "sdk/pyproject.toml",
        '[project]\nname = "sdk"\nversion = "1.0"\nlicense = "MIT OR Apache-2.0"\n',
    )
    declared, errors = read("sdk")
    assert errors == []
    assert declared == [
        DeclaredLicense(
            source="sdk/pyproject.toml",
            field="project.license",
            license="mit OR apache-2.0",
            license_spdx="MIT OR Apache-2.0",
            raw="MIT OR Apache-2.0",
            score=100.0,
            line=line_of(path, "license ="),
            low_confidence=False,
        )
    ]


def test_pyproject_legacy_text_table(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\nlicense = {text = "Apache-2.0"}\n')
    declared, errors = read()
    assert errors == []
    found = only(declared, "project.license.text")
    assert (found.license, found.raw, found.line, found.source) == (
        "apache-2.0",
        "Apache-2.0",
        3,
        "pyproject.toml",
    )


def test_pyproject_legacy_file_table_detects_the_file(
    tmp_path: Path, read: Read, detect: DetectText
) -> None:
    write(tmp_path, "LICENSE.txt", MIT_TEXT)
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n\nlicense = {file = "LICENSE.txt"}\n')
    declared, errors = read(detect_text=detect)
    assert errors == []
    found = only(declared, "project.license.file")
    assert found.license == "mit"
    assert found.raw == "LICENSE.txt"
    assert found.line == 4
    assert found.low_confidence is False


def test_pyproject_license_as_a_subtable(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n\n[project.license]\ntext = "MIT"\n')
    declared, errors = read()
    assert errors == []
    assert only(declared, "project.license.text").line == 4


def test_poetry_license_and_proprietary(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "pyproject.toml", '[tool.poetry]\nname = "x"\nlicense = "BSD-3-Clause"\n')
    declared, _ = read()
    found = only(declared, "tool.poetry.license")
    assert (found.license, found.line) == ("bsd-new", 3)

    write(tmp_path, "pyproject.toml", '[tool.poetry]\nname = "x"\nlicense = "Proprietary"\n')
    declared, _ = read()
    assert only(declared, "tool.poetry.license").license == "proprietary-license"


def test_pyproject_without_a_license_declares_nothing(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\ndynamic = ["license"]\n')
    assert read() == ([], [])


# -- setup.cfg and setup.py -----------------------------------------------------------


def test_setup_cfg_metadata(tmp_path: Path, read: Read) -> None:
    path = write(
        tmp_path,
        "setup.cfg",
        "[options]\nlicense = not-this-one\n\n[metadata]\nname = x\n"
        "license = MIT\nlicense_expression = MIT OR Apache-2.0\n",
    )
    declared, errors = read()
    assert errors == []
    assert [(d.field, d.license, d.line) for d in declared] == [
        ("metadata.license", "mit", line_of(path, "license = MIT")),
        ("metadata.license_expression", "mit OR apache-2.0", line_of(path, "license_expression")),
    ]


def test_setup_py_is_read_as_data_never_run(tmp_path: Path, read: Read) -> None:
    """setup(license=...) is read from the syntax tree; the file's code never runs
    (the marker it would write stays absent), and a computed value is left out."""
    marker = tmp_path / "setup_py_was_run"
    path = write(
        tmp_path,
        "setup.py",
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n"
        "import setuptools\nabout = {'__license__': 'MIT'}\n\n"
        "if __name__ == '__main__':\n    setuptools.setup(\n        name='x',\n"
        "        license='GPL-3.0'\n        ' WITH Classpath-exception-2.0',\n"
        "        license_expression=about['__license__'],\n    )\n"
        "setup(license='not the first call')\n",
    )
    write(tmp_path, "setup.cfg", "[metadata]\nname = x\nlicense = Apache-2.0\n")
    declared, errors = read()
    assert not marker.exists()
    assert errors == []
    assert [(d.source, d.field, d.license, d.line) for d in declared] == [
        ("setup.cfg", "metadata.license", "apache-2.0", 3),
        (
            "setup.py",
            "setup(license)",
            "gpl-3.0 WITH classpath-exception-2.0",
            line_of(path, "license='GPL-3.0'"),
        ),
    ]


def test_setup_py_that_is_not_python_is_an_error_naming_the_line(
    tmp_path: Path, read: Read
) -> None:
    write(tmp_path, "setup.py", "from setuptools import setup\nsetup(license='MIT'\n")
    declared, errors = read()
    assert declared == []
    assert [(e.path, e.line) for e in errors] == [("setup.py", 2)]
    assert "not valid Python" in errors[0].message
    write(tmp_path, "setup.py", "setup(license='MIT')\x00\n")
    declared, errors = read()
    assert declared == []
    assert [e.path for e in errors] == ["setup.py"]


def test_setup_py_without_a_setup_call_declares_nothing(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "setup.py", "license = 'MIT'\nprint(license)\n")
    assert read() == ([], [])


# -- package.json ---------------------------------------------------------------------


def test_package_json_string(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "package.json", json.dumps({"name": "x", "license": "ISC"}, indent=2))
    declared, errors = read()
    assert errors == []
    found = only(declared, "license")
    assert (found.license, found.license_spdx, found.line, found.raw) == ("isc", "ISC", 3, "ISC")


def test_package_json_deprecated_object_and_array(tmp_path: Path, read: Read) -> None:
    write(
        tmp_path,
        "package.json",
        json.dumps(
            {
                "name": "x",
                "license": {"type": "MIT", "url": "https://example.invalid/mit"},
                "licenses": [
                    {"type": "MIT", "url": "https://example.invalid/mit"},
                    {"type": "Apache-2.0", "url": "https://example.invalid/apache"},
                ],
            },
            indent=2,
        ),
    )
    declared, errors = read()
    assert errors == []
    assert only(declared, "license.type").license == "mit"
    licenses = only(declared, "licenses")
    assert licenses.license == "mit OR apache-2.0"  # the array lists alternatives
    assert licenses.license_spdx == "MIT OR Apache-2.0"
    assert json.loads(licenses.raw) == ["MIT", "Apache-2.0"]
    assert licenses.low_confidence is False


def test_package_json_unlicensed_is_proprietary_not_the_unlicense(
    tmp_path: Path, read: Read, db: LicenseDB
) -> None:
    write(tmp_path, "package.json", '{"name": "x", "private": true, "license": "UNLICENSED"}')
    declared, errors = read()
    assert errors == []
    found = only(declared, "license")
    assert found.license == "proprietary-license"
    assert found.raw == "UNLICENSED"
    assert found.license_spdx == db.keys_to_spdx("proprietary-license")
    assert found.low_confidence is False

    write(tmp_path, "package.json", '{"name": "x", "license": "Unlicense"}')
    declared, _ = read()
    assert only(declared, "license").license == "unlicense"


def test_package_json_see_license_in_file(tmp_path: Path, read: Read, detect: DetectText) -> None:
    write(tmp_path, "web/LICENSE.md", MIT_TEXT)
    write(
        tmp_path,
        "web/package.json",
        '{\n  "name": "x",\n  "license": "SEE LICENSE IN LICENSE.md"\n}',
    )
    declared, errors = read("web", detect_text=detect)
    assert errors == []
    found = only(declared, "license")
    assert (found.source, found.license, found.raw, found.line) == (
        "web/package.json",
        "mit",
        "SEE LICENSE IN LICENSE.md",
        3,
    )


def test_package_json_line_is_the_top_level_key(tmp_path: Path, read: Read) -> None:
    text = (
        '{\n  "name": "x",\n  "config": {"license": "not this"},\n'
        '  "dependencies": {"license": "1.0"},\n  "license": "MIT"\n}\n'
    )
    write(tmp_path, "package.json", "\ufeff" + text)  # a byte-order mark is tolerated
    declared, errors = read()
    assert errors == []
    assert only(declared, "license").line == 5


# -- Cargo.toml -----------------------------------------------------------------------


@pytest.mark.parametrize("written", ["MIT/Apache-2.0", "MIT OR Apache-2.0"])
def test_cargo_license(tmp_path: Path, read: Read, written: str) -> None:
    write(
        tmp_path,
        "crates/core/Cargo.toml",
        f'[package]\nname = "core"\nversion = "0.1.0"\nlicense = "{written}"\n\n'
        '[dependencies]\nlicense = "1"\n',
    )
    declared, errors = read("crates/core")
    assert errors == []
    assert declared == [
        DeclaredLicense(
            source="crates/core/Cargo.toml",
            field="package.license",
            license="mit OR apache-2.0",
            license_spdx="MIT OR Apache-2.0",
            raw=written,
            score=100.0,
            line=4,
            low_confidence=False,
        )
    ]


def test_cargo_license_file(tmp_path: Path, read: Read, detect: DetectText) -> None:
    write(tmp_path, "COPYING", MIT_TEXT)
    write(tmp_path, "Cargo.toml", '[package]\nname = "x"\nlicense-file = "COPYING"\n')
    declared, errors = read(detect_text=detect)
    assert errors == []
    found = only(declared, "package.license-file")
    assert (found.license, found.raw, found.line) == ("mit", "COPYING", 3)


def test_cargo_license_inherited_from_the_workspace(tmp_path: Path, read: Read) -> None:
    write(
        tmp_path,
        "Cargo.toml",
        '[workspace]\nmembers = ["crates/*"]\n\n[workspace.package]\nlicense = "Apache-2.0"\n',
    )
    write(tmp_path, "crates/a/Cargo.toml", '[package]\nname = "a"\nlicense.workspace = true\n')
    declared, errors = read("crates/a")
    assert errors == []
    assert [(d.source, d.field, d.license, d.line) for d in declared] == [
        ("Cargo.toml", "workspace.package.license", "apache-2.0", 5)
    ]


def test_cargo_workspace_root_that_is_also_a_package(tmp_path: Path, read: Read) -> None:
    write(
        tmp_path,
        "Cargo.toml",
        '[package]\nname = "root"\nlicense = { workspace = true }\n\n'
        '[workspace]\n\n[workspace.package]\nlicense = "MIT"\n',
    )
    declared, errors = read()
    assert errors == []
    assert [(d.source, d.field, d.license, d.line) for d in declared] == [
        ("Cargo.toml", "workspace.package.license", "mit", 8)
    ]


def test_cargo_workspace_inheritance_without_a_root_is_an_error(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "a/Cargo.toml", '[package]\nname = "a"\nlicense.workspace = true\n')
    declared, errors = read("a")
    assert declared == []
    assert [(e.path, e.line) for e in errors] == [("a/Cargo.toml", 3)]
    assert "workspace" in errors[0].message


# -- composer.json --------------------------------------------------------------------


def test_composer_array_means_or(tmp_path: Path, read: Read) -> None:
    write(
        tmp_path,
        "composer.json",
        '{\n    "name": "acme/x",\n    "license": ["LGPL-2.1-only", "GPL-3.0-or-later"]\n}\n',
    )
    declared, errors = read()
    assert errors == []
    found = only(declared, "license")
    assert found.license == "lgpl-2.1 OR gpl-3.0-plus"
    assert found.line == 3


def test_composer_proprietary(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "composer.json", '{"name": "acme/x", "license": "proprietary"}')
    declared, _ = read()
    assert only(declared, "license").license == "proprietary-license"


# -- Hugging Face model cards ---------------------------------------------------------


def card(front_matter: str, body: str = "# A model\n\nSome words.\n") -> str:
    return f"---\n{front_matter}---\n\n{body}"


def test_model_card_apache(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "models/small/README.md", card("language: en\nlicense: apache-2.0\n"))
    declared, errors = read("models/small")
    assert errors == []
    assert declared == [
        DeclaredLicense(
            source="models/small/README.md",
            field="license",
            license="apache-2.0",
            license_spdx="Apache-2.0",
            raw="apache-2.0",
            score=100.0,
            line=3,
            low_confidence=False,
        )
    ]


def test_model_card_llama_3_1(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "README.md", card("license: llama3.1\ntags:\n  - llama\n"))
    declared, errors = read()
    assert errors == []
    found = only(declared, "license")
    assert found.license == "llama-3.1-license-2024"
    assert found.license_spdx == "LicenseRef-scancode-llama-3.1-license-2024"
    assert found.low_confidence is False


def test_model_card_id_without_a_scancode_key_reads_as_licensetier_s_own_entry(
    tmp_path: Path, read: Read
) -> None:
    """``llama3`` has no ScanCode key: it is licensetier's own entry (licenserefs.toml),
    understood with certainty, not a license to review."""
    write(tmp_path, "README.md", card("license: llama3\n"))
    declared, errors = read()
    assert errors == []
    found = only(declared, "license")
    assert (found.license, found.raw, found.low_confidence) == (
        "licensetier-llama-3",
        "llama3",
        False,
    )
    assert found.license_spdx == "LicenseRef-licensetier-llama-3"


def test_model_card_other_with_license_name(tmp_path: Path, read: Read, detect: DetectText) -> None:
    write(
        tmp_path,
        "README.md",
        card(
            "license: other\nlicense_name: acme-model-license\nlicense_link: https://example.invalid/l\n"
        ),
    )
    declared, errors = read(detect_text=detect)
    assert errors == []
    found = only(declared, "license_name")
    assert (found.license, found.raw, found.line, found.low_confidence) == (
        None,
        "acme-model-license",
        3,
        True,
    )

    write(tmp_path, "README.md", card("license: other\nlicense_name: MIT License\n"))
    declared, _ = read(detect_text=detect)
    assert only(declared, "license_name").license == "mit"


def test_model_card_other_with_a_local_license_link(
    tmp_path: Path, read: Read, detect: DetectText
) -> None:
    write(tmp_path, "LICENSE", MIT_TEXT)
    write(
        tmp_path, "README.md", card("license: other\nlicense_name: custom\nlicense_link: LICENSE\n")
    )
    declared, errors = read(detect_text=detect)
    assert errors == []
    found = only(declared, "license_link")
    assert (found.license, found.raw, found.line) == ("mit", "LICENSE", 4)


def test_model_card_base_model(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "README.md",
        card(
            "license: llama3.1\nbase_model:\n  - meta-llama/Llama-3.1-8B\n"
            "  - example/adapter\nbase_model_relation: finetune\n"
        ),
    )
    found = read_model_card(path)
    assert found is not None
    assert found.license == ("llama3.1",)
    assert found.license_line == 2
    assert found.base_model == ("meta-llama/Llama-3.1-8B", "example/adapter")
    assert found.base_model_line == 3
    assert found.base_model_relation == "finetune"
    assert found.errors == ()

    write(tmp_path, "README.md", card("base_model: google/gemma-2-9b\nlicense: gemma\n"))
    single = read_model_card(path)
    assert single is not None
    assert single.base_model == ("google/gemma-2-9b",)


def test_readme_without_front_matter_is_not_a_model_card(tmp_path: Path, read: Read) -> None:
    path = write(tmp_path, "README.md", "# Project\n\nlicense: apache-2.0\n\n---\n")
    assert read_model_card(path) is None
    assert read() == ([], [])


def test_find_model_card(tmp_path: Path) -> None:
    assert find_model_card(tmp_path) is None
    write(tmp_path, "README", card("license: mit\n"))
    assert find_model_card(tmp_path) == tmp_path / "README"


def test_readme_in_another_encoding_is_not_an_error(tmp_path: Path, read: Read) -> None:
    (tmp_path / "README.md").write_bytes("# Caf\u00e9\n".encode("latin-1"))
    assert read() == ([], [])


# -- malformed manifests: an error naming file and line; the others still read -------


def test_bad_toml_is_an_error_and_the_rest_is_read(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\nlicense = "MIT\n')
    write(tmp_path, "package.json", '{"license": "MIT"}')
    declared, errors = read()
    assert [(e.path, e.line) for e in errors] == [("pyproject.toml", 3)]
    assert errors[0].message.startswith("not valid TOML: ")
    assert [(d.source, d.license) for d in declared] == [("package.json", "mit")]


def test_bad_json_is_an_error_and_the_rest_is_read(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "sub/package.json", '{\n  "name": "x",\n  "license": "MIT",,\n}\n')
    write(tmp_path, "sub/Cargo.toml", '[package]\nname = "x"\nlicense = "MIT"\n')
    declared, errors = read("sub")
    assert [(e.path, e.line) for e in errors] == [("sub/package.json", 3)]
    assert errors[0].message.startswith("not valid JSON: ")
    assert [(d.source, d.license) for d in declared] == [("sub/Cargo.toml", "mit")]


def test_bad_yaml_front_matter_is_an_error(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "README.md", card("license: apache-2.0\ntags: [a, b\nbase_model: x\n"))
    write(tmp_path, "composer.json", '{"license": "MIT"}')
    declared, errors = read()
    assert len(errors) == 1
    assert errors[0].path == "README.md"
    assert errors[0].message.startswith("not valid YAML: ")
    assert errors[0].line is not None
    assert 3 <= errors[0].line <= 5
    assert [d.source for d in declared] == ["composer.json"]


def test_unclosed_front_matter_is_an_error(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "README.md", "---\nlicense: mit\n\n# Model\n")
    declared, errors = read()
    assert declared == []
    assert [(e.path, e.line) for e in errors] == [("README.md", 1)]


def test_bad_setup_cfg_is_an_error(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "setup.cfg", "[metadata]\nname = x\nname = y\n")
    write(tmp_path, "Cargo.toml", '[package]\nlicense = "MIT"\n')
    declared, errors = read()
    assert [(e.path, e.line) for e in errors] == [("setup.cfg", 3)]
    assert [d.source for d in declared] == ["Cargo.toml"]


def test_setup_cfg_parse_error_names_the_line(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "setup.cfg", "[metadata]\nname = x\n  continued\nthis is not an option\n")
    _, errors = read()
    assert [(e.path, e.line) for e in errors] == [("setup.cfg", 4)]
    assert "this is not an option" in errors[0].message


def test_self_referencing_yaml_is_an_error_not_a_hang(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "README.md", card("license: &a [*a]\n"))
    declared, errors = read()
    assert declared == []
    assert [(e.path, e.line) for e in errors] == [("README.md", 2)]


@pytest.mark.parametrize(
    ("name", "text", "line", "words"),
    [
        ("pyproject.toml", '[project]\nname = "x"\nlicense = 3\n', 3, "project.license"),
        ("pyproject.toml", '[project]\nlicense = {text = "MIT", file = "L"}\n', 2, "exactly one"),
        ("pyproject.toml", "[tool.poetry]\nlicense = ['MIT']\n", 2, "tool.poetry.license"),
        ("package.json", '{\n"license": 3\n}', 2, "license"),
        ("package.json", '{\n"licenses": "MIT"\n}', 2, "licenses"),
        ("composer.json", '{\n"license": {"a": 1}\n}', 2, "license"),
        ("Cargo.toml", "[package]\nlicense = true\n", 2, "package.license"),
        ("Cargo.toml", "package = 3\n", 1, "[package]"),
        ("README.md", card("license: 3\n"), 2, "license"),
        ("README.md", card("base_model: {a: 1}\n"), 2, "base_model"),
        ("README.md", "---\n- a\n- b\n---\n", 2, "mapping"),
        ("package.json", "[1, 2]", 1, "object"),
    ],
)
def test_wrong_types_are_errors_with_the_line(
    tmp_path: Path, read: Read, name: str, text: str, line: int, words: str
) -> None:
    write(tmp_path, name, text)
    declared, errors = read()
    assert declared == []
    assert len(errors) == 1, errors
    assert (errors[0].path, errors[0].line) == (name, line)
    assert words in errors[0].message


@pytest.mark.parametrize(
    ("manifest", "text"),
    [
        ("pyproject.toml", '[project]\nlicense = {file = "../LICENSE"}\n'),
        ("Cargo.toml", '[package]\nlicense-file = "../LICENSE"\n'),
        ("package.json", '{\n"license": "SEE LICENSE IN ../LICENSE"\n}'),
    ],
)
def test_license_file_outside_the_artifact_is_an_error(
    tmp_path: Path, read: Read, manifest: str, text: str
) -> None:
    write(tmp_path, "LICENSE", MIT_TEXT)  # exists, but in the parent directory
    write(tmp_path, f"sdk/{manifest}", text)
    declared, errors = read("sdk")
    assert declared == []
    assert [(e.path, e.line) for e in errors] == [(f"sdk/{manifest}", 2)]
    assert "outside" in errors[0].message


def test_license_file_through_a_symlink_outside_is_an_error(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "secret.txt", MIT_TEXT)
    (tmp_path / "sdk").mkdir()
    (tmp_path / "sdk" / "LICENSE").symlink_to(tmp_path / "secret.txt")
    write(tmp_path, "sdk/Cargo.toml", '[package]\nlicense-file = "LICENSE"\n')
    declared, errors = read("sdk")
    assert declared == []
    assert "outside" in errors[0].message


def test_manifest_linked_from_outside_the_scan_root_is_not_read(
    tmp_path: Path, db: LicenseDB
) -> None:
    outside = write(tmp_path, "elsewhere/package.json", '{"license": "GPL-3.0-only"}')
    root = tmp_path / "repo"
    root.mkdir()
    (root / "package.json").symlink_to(outside)
    write(root, "Cargo.toml", '[package]\nlicense = "MIT"\n')
    declared, errors = read_declared(root, ".", db, forbidden)
    assert [d.source for d in declared] == ["Cargo.toml"]
    assert [e.path for e in errors] == ["package.json"]
    assert "outside the scan root" in errors[0].message


def test_missing_license_file_is_an_error(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\nlicense = {file = "LICENSE"}\n')
    declared, errors = read()
    assert declared == []
    assert [(e.path, e.line) for e in errors] == [("pyproject.toml", 3)]
    assert "not found" in errors[0].message


def test_non_utf8_manifest_is_an_error(tmp_path: Path, read: Read) -> None:
    (tmp_path / "package.json").write_bytes(b'{\n"license": "MIT \xff"\n}')
    declared, errors = read()
    assert declared == []
    assert [(e.path, e.line) for e in errors] == [("package.json", 2)]


def test_missing_directory_is_an_error_not_an_exception(tmp_path: Path, db: LicenseDB) -> None:
    declared, errors = read_declared(tmp_path / "nope", "nope", db, forbidden)
    assert declared == []
    assert [e.path for e in errors] == ["nope"]


def test_only_manifests_directly_in_the_artifact_count(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "sub/package.json", '{"license": "GPL-3.0-only"}')
    write(tmp_path, "node_modules/x/package.json", '{"license": "GPL-3.0-only"}')
    write(tmp_path, "package.json", '{"license": "MIT"}')
    declared, _ = read()
    assert [(d.source, d.license) for d in declared] == [("package.json", "mit")]


# -- the data -------------------------------------------------------------------------


def test_routing_table_names_a_parser_for_each_manifest() -> None:
    expected = {"pyproject.toml", "setup.cfg", "package.json", "Cargo.toml", "composer.json"}
    assert expected <= set(MANIFEST_PARSERS)
    assert {"README.md", "readme.md", "README"} <= set(MANIFEST_PARSERS)
    assert all(callable(parser) for parser in MANIFEST_PARSERS.values())


def test_every_hf_id_maps_to_an_installed_scancode_key(db: LicenseDB) -> None:
    """A ScanCode upgrade that renames a key fails here, not silently in a scan."""
    spec = importlib.util.find_spec("licensedcode")  # located, not imported
    assert spec is not None
    assert spec.submodule_search_locations
    licenses_dir = Path(next(iter(spec.submodule_search_locations))) / "data" / "licenses"
    assert licenses_dir.is_dir()
    table = load_hf_licenses()
    assert {"apache-2.0", "mit", "llama2", "llama3.1", "gemma", "openrail++"} <= set(table.keys)
    for ident, key in table.keys.items():
        assert re.fullmatch(r"[a-z0-9.+-]+", ident), ident
        assert (licenses_dir / f"{key}.LICENSE").is_file(), (ident, key)
        assert db.keys_to_spdx(key)  # and licensetier's data knows it
    assert table.keys["bsl-1.0"] == "boost-1.0"  # Boost, not Business Source
    assert "other" not in table.keys
    assert "other" not in table.unmapped


# -- names ScanCode does not read, and lists joined with one operator -----------------


def test_declared_names_table_is_sound(db: LicenseDB, detect: DetectText) -> None:
    """Every value parses; every name is still not understood by the SPDX step or by
    ScanCode's detection on the string, or is misread by the SPDX step's repairs
    (else the table entry is not needed)."""
    certain, ambiguous = declared_names()
    assert certain
    assert ambiguous
    for name, spdx in {**certain, **ambiguous}.items():
        assert db.spdx_to_keys(spdx)
        with pytest.raises(UnknownLicenseError):
            db.spdx_to_keys(name)
        repaired = [c for c in list(_spdx_candidates(name))[1:] if _parses(db, c)]
        assert detect(name) == (None, 0.0) or repaired, name
        assert normalize(name, db, detect).license_spdx == spdx


def _parses(db: LicenseDB, expression: str) -> bool:
    try:
        db.spdx_to_keys(expression)
    except UnknownLicenseError:
        return False
    return True


@pytest.mark.parametrize(
    ("raw", "spdx", "score", "low"),
    [
        ("Public Domain", "LicenseRef-scancode-public-domain", 100.0, False),
        ("BSD", "BSD-3-Clause", 50.0, True),
        ("LGPL", "LGPL-2.0-or-later", 50.0, True),
        # npm's legacy `licenses` list, joined with OR: each part on its own
        ("AFLv2.1 OR BSD", "AFL-2.1 OR BSD-3-Clause", 50.0, True),
        ("GPLv2 AND MIT", "GPL-2.0-only AND MIT", 100.0, False),
        (
            "BSD-3-Clause and Public-Domain",
            "BSD-3-Clause AND LicenseRef-scancode-public-domain",
            100.0,
            False,
        ),
        # ScanCode's own keys, as ScanCode's own packages declare them
        ("apache-2.0 AND bsd-simplified", "Apache-2.0 AND BSD-2-Clause", 100.0, False),
        # "or later" is part of one name, not a list (a POM's <name>)
        ("GNU Lesser General Public License v2.1 or later", "LGPL-2.1-or-later", 100.0, False),
        # a part nobody understands is kept as unknown, not dropped
        ("MIT and Frobnitz Community Terms", "MIT AND LicenseRef-scancode-unknown", 0.0, True),
        # messy strings of package metadata
        ("UNLICENSED", "LicenseRef-scancode-proprietary-license", 100.0, False),
        ("Commercial", "LicenseRef-scancode-commercial-license", 100.0, False),
        ("CC0", "CC0-1.0", 100.0, False),
        ("MIT/X11", "MIT", 100.0, False),  # one license's name, not MIT OR X11
        ("Apache2", "Apache-2.0", 100.0, False),  # npm's foreachasync@3.0.0
        ("MIT/Apache-2.0", "MIT OR Apache-2.0", 100.0, False),  # Cargo's legacy syntax
        # ScanCode reads this as EPL-1.0 at 98; asked again without the "v"
        ("Eclipse Public License v2.0", "EPL-2.0", 100.0, False),
        # "or later" is not a second license of a list
        ("GPL v2 or later", "GPL-2.0-or-later", 90.0, False),
        # read without its later versions: a guessed variant
        ("GNU GPL v3 or any later version", "GPL-3.0-only", 100.0, True),
    ],
)
def test_names_and_joined_lists(
    db: LicenseDB, detect: DetectText, raw: str, spdx: str, score: float, low: bool
) -> None:
    n = normalize(raw, db, detect)
    assert (n.license_spdx, n.score, n.low_confidence) == (spdx, score, low)


def test_a_known_name_needs_no_index(db: LicenseDB) -> None:
    assert normalize("public domain", db, forbidden).license == "public-domain"
