"""Declared-license reasoning (licensetier.reasoning) on layouts built from the installed
ScanCode's own license texts: a choice is OR, companions are one grant, clues and
mentions are not grants, a Business Source License's parameters are read, weak
evidence is said to be weak; and the user's own LicenseRef ids are accepted."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import licensedcode

from tests.conftest import Run, make_git_repo

LICENSES = Path(licensedcode.__file__).parent / "data" / "licenses"


@cache
def text(key: str) -> str:
    """ScanCode's text of ``key``: its .LICENSE file after the YAML front matter."""
    raw = (LICENSES / f"{key}.LICENSE").read_text(encoding="utf-8")
    parts = raw.split("---\n", 2)
    return parts[2] if raw.startswith("---") and len(parts) == 3 else raw


def repo(tmp_path: Path, files: dict[str, str], name: str = "repo") -> Path:
    root = tmp_path / name
    root.mkdir()
    for path, content in files.items():
        (root / path).write_text(content, encoding="utf-8")
    make_git_repo(root)
    return root


def scan(run_cli: Callable[..., Run], root: Path, *args: str) -> tuple[Run, dict[str, Any]]:
    run = run_cli("scan", root, "--no-deps", "--no-cache", "--format", "json", *args)
    assert run.exit_code in (0, 1), run.stderr
    (artifact,) = run.json()["artifacts"]
    return run, artifact


def roles(artifact: dict[str, Any]) -> dict[str, str]:
    return {
        d["path"] if d["field"] == "file" else d["field"]: d["role"]
        for d in artifact["declared_by"]
    }


def rules_of(run: Run) -> list[str]:
    return [f["rule"] for f in run.json()["findings"]]


# -- a choice is OR, clues are not grants ---------------------------------------------


def test_two_texts_offered_at_the_users_choice_are_an_or_and_the_cla_is_a_clue(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    preamble = (
        "Example Server is offered under two licenses, at the user's choice: the\n"
        "Redis Source Available License 2.0 (RSALv2) or the Server Side Public License\n"
        "v1 (SSPLv1). Contributions are accepted under the Example Contributor License\n"
        "Agreement.\n\n"
    )
    license_txt = (
        preamble + "1. RSALv2\n\n" + text("rsalv2") + "\n\n2. SSPLv1\n\n" + text("mongodb-sspl-1.0")
    )
    root = repo(tmp_path, {"LICENSE.txt": license_txt})
    run, artifact = scan(run_cli, root)
    assert artifact["declared_license"] in (
        "LicenseRef-scancode-rsalv2 OR SSPL-1.0",
        "SSPL-1.0 OR LicenseRef-scancode-rsalv2",
    )
    assert artifact["declared_family"] == "source-available"
    assert "generic-cla" not in artifact["declared_license"]
    assert "unknown" not in artifact["declared_license"]
    assert roles(artifact) == {"LICENSE.txt": "choice"}
    # ScanCode's own answer on the file is kept as it is
    (entry,) = [f for f in run.json()["files"] if f["path"] == "LICENSE.txt"]
    assert entry["license"] == artifact["declared_by"][0]["raw"]
    assert artifact["declared_low_confidence"] is False


def test_the_texts_of_each_alternative_beside_an_or_are_that_or(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = repo(
        tmp_path,
        {
            "COPYING": "This project is dual-licensed under the Unlicense and MIT.\n",
            "LICENSE-MIT": text("mit"),
            "UNLICENSE": text("unlicense"),
            "Cargo.toml": (
                '[package]\nname = "x"\nversion = "1.0.0"\nlicense = "Unlicense OR MIT"\n'
            ),
        },
    )
    run, artifact = scan(run_cli, root)
    assert artifact["declared_license"] in ("MIT OR Unlicense", "Unlicense OR MIT")
    assert artifact["declared_family"] == "permissive"
    assert set(roles(artifact).values()) == {"choice"}
    assert "declared-licenses-disagree" not in rules_of(run)
    assert artifact["declared_low_confidence"] is False


# -- companions -------------------------------------------------------------------------


def test_gpl_text_beside_the_lgpl_text_is_lgpl(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    root = repo(tmp_path, {"COPYING": text("gpl-3.0"), "COPYING.LESSER": text("lgpl-3.0")})
    run, artifact = scan(run_cli, root)
    assert artifact["declared_license"] == "LGPL-3.0-only"
    assert (artifact["declared_family"], artifact["declared_strength"]) == ("copyleft", "weak")
    assert roles(artifact) == {"COPYING": "companion", "COPYING.LESSER": "grant"}
    assert "declared-licenses-disagree" not in rules_of(run)
    assert artifact["declared_low_confidence"] is False


def test_a_patents_grant_beside_a_bsd_license_is_kept_and_the_family_is_the_licenses(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = repo(tmp_path, {"LICENSE": text("bsd-new"), "PATENTS": text("facebook-patent-rights-2")})
    _run, artifact = scan(run_cli, root)
    assert artifact["declared_license"] == (
        "BSD-3-Clause AND LicenseRef-scancode-facebook-patent-rights-2"
    )
    assert artifact["declared_family"] == "permissive"
    assert roles(artifact) == {"LICENSE": "grant", "PATENTS": "companion"}
    assert artifact["declared_low_confidence"] is False


def test_a_license_named_inside_another_licenses_text_is_not_added(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    footer = (
        "\n\nNote from the publisher: the text of this public license is itself\n"
        "dedicated to the public domain under the CC0 Public Domain Dedication.\n"
    )
    root = repo(tmp_path, {"LICENSE": text("cc-by-sa-4.0") + footer})
    run, artifact = scan(run_cli, root)
    (entry,) = [f for f in run.json()["files"] if f["path"] == "LICENSE"]
    assert "CC0-1.0" in entry["license"]  # ScanCode's per-file answer is untouched
    assert artifact["declared_license"] == "CC-BY-SA-4.0"
    assert artifact["declared_family"] == "copyleft"
    assert "CC0-1.0" in artifact["declared_by"][0]["note"]
    assert artifact["declared_low_confidence"] is False


# -- Business Source --------------------------------------------------------------------


def busl(change_date: str) -> str:
    head, _sep, rest = text("bsl-1.1").partition("Terms")
    parameters = (
        "Parameters\n\n"
        "Licensor:             Example Data Inc.\n"
        "Licensed Work:        Example Store 3.2\n"
        "                      The Licensed Work is (c) 2026 Example Data Inc.\n"
        "Additional Use Grant: None\n"
        f"Change Date:          {change_date}\n"
        "Change License:       Apache License, Version 2.0\n\n"
        "-----------------------------------------------------------------------------\n\n"
    )
    return head + parameters + "Terms" + rest


def test_busl_parameters_are_read_and_the_change_license_is_not_a_second_license(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = repo(tmp_path, {"LICENSE": busl("2031-06-30")})
    run, artifact = scan(run_cli, root, "--tier", "typically-open")
    assert artifact["declared_license"] == "BUSL-1.1"
    assert artifact["declared_family"] == "source-available"
    b = artifact["business_source"]
    assert b["licensor"] == "Example Data Inc."
    assert b["licensed_work"].startswith("Example Store 3.2")
    assert b["additional_use_grant"] == "None"
    assert (b["change_date_iso"], b["change_license"], b["changed"]) == (
        "2031-06-30",
        "Apache-2.0",
        False,
    )
    assert "declared-source-available" in rules_of(run)
    report = run_cli("scan", root, "--no-deps", "--no-cache").stdout
    assert "Business Source License, licensor Example Data Inc." in report
    assert "change license Apache-2.0" in report


def test_after_the_change_date_a_busl_artifact_is_judged_as_its_change_license(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = repo(tmp_path, {"LICENSE": busl("2024-01-01")})
    run, artifact = scan(run_cli, root, "--tier", "typically-open")
    assert artifact["declared_license"] == "Apache-2.0"
    assert artifact["declared_family"] == "permissive"
    assert artifact["business_source"]["changed"] is True
    assert "declared-source-available" not in rules_of(run)


# -- confidence -------------------------------------------------------------------------


def test_a_declared_license_from_a_partial_match_is_low_confidence_and_says_why(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    lines = text("gpl-2.0").splitlines()
    mangled = "\n".join(lines[:60] + [ln.replace("Program", "Work") for ln in lines[80:300]])
    root = repo(tmp_path, {"COPYING": mangled})
    run, artifact = scan(run_cli, root)
    assert artifact["declared_family"] == "copyleft"
    assert artifact["declared_low_confidence"] is True
    assert any("COPYING" in why and "partial match" in why for why in artifact["declared_why"])
    (finding,) = [f for f in run.json()["findings"] if f["rule"] == "declared-low-confidence"]
    assert finding["severity"] == "warning"
    assert finding["path"] == "COPYING"


# -- LicenseRef ids -----------------------------------------------------------------------

EULA = (
    "ACME CORPORATION END USER LICENSE AGREEMENT\n\n"
    "Copyright (c) 2026 Acme Corporation. All rights reserved.\n\n"
    "This software and its documentation are the confidential and proprietary\n"
    "information of Acme Corporation. You may use this software only in accordance\n"
    "with the terms of the license agreement you entered into with Acme Corporation.\n"
    "You may not copy, modify, distribute, sublicense or reverse engineer the\n"
    "software, in whole or in part, without the prior written permission of Acme\n"
    "Corporation.\n"
)


def test_license_option_takes_a_licenseref(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    root = repo(tmp_path, {"LICENSE": EULA})
    run = run_cli(
        "scan", root, "--no-deps", "--no-cache", "--format", "json",
        "--license", "LicenseRef-Proprietary", "--tier", "rarely-open",
    )  # fmt: skip
    assert run.exit_code == 0, run.stdout + run.stderr
    (artifact,) = run.json()["artifacts"]
    assert artifact["intended_license"] == "LicenseRef-Proprietary"
    assert artifact["declared_family"] == "proprietary"


def test_a_rarely_open_artifact_declared_with_its_own_eula_passes(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    config = (
        '[[artifacts]]\npath = "."\nkind = "commercial-tooling"\nlicense = "LicenseRef-Acme-EULA"\n'
    )
    root = repo(tmp_path, {"LICENSE": EULA, "licensetier.toml": config})
    run = run_cli("scan", root, "--no-deps", "--no-cache", "--format", "json")
    assert run.exit_code == 0, run.stdout + run.stderr
    report = run.json()
    assert [f["rule"] for f in report["findings"] if f["severity"] in ("error", "warning")] == []
    assert report["artifacts"][0]["intended_license"] == "LicenseRef-Acme-EULA"


def test_a_licenseref_family_is_configured_and_checked(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    config = (
        '[[artifacts]]\npath = "."\nkind = "commercial-tooling"\n'
        'license = "LicenseRef-Acme-Community"\n\n'
        '[licenses]\n"LicenseRef-Acme-Community" = "source-available"\n'
    )
    root = repo(tmp_path, {"LICENSE": busl("2031-06-30"), "licensetier.toml": config})
    run = run_cli("scan", root, "--no-deps", "--no-cache", "--format", "json")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert "declared-license-mismatch" not in rules_of(run)
    # the same text, meant to be under the owner's proprietary terms: a mismatch
    (root / "licensetier.toml").write_text(config.split("[licenses]")[0], encoding="utf-8")
    run = run_cli("scan", root, "--no-deps", "--no-cache", "--format", "json")
    assert run.exit_code == 1
    assert "declared-license-mismatch" in rules_of(run)


def test_a_bad_licenseref_family_names_the_file_and_line(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    config = '[licenses]\n"LicenseRef-Acme-Community" = "open"\n'
    root = repo(tmp_path, {"LICENSE": text("mit"), "licensetier.toml": config})
    run = run_cli("scan", root, "--no-deps", "--no-cache")
    assert run.exit_code == 2
    assert "licensetier.toml:2" in run.stderr
    assert "unknown family 'open'" in run.stderr
    (root / "licensetier.toml").write_text('[licenses]\nMIT = "permissive"\n', encoding="utf-8")
    run = run_cli("scan", root, "--no-deps", "--no-cache")
    assert run.exit_code == 2
    assert "licensetier.toml:2" in run.stderr
    assert "not a LicenseRef id of your own" in run.stderr


# -- a README's License section -------------------------------------------------------


def test_a_readme_license_section_alone_declares_the_license(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    readme = (
        "# Example\n\nAn example library.\n\n## Usage\n\nImport it.\n\n"
        "## License\n\nThis project is licensed under the terms of the MIT license.\n"
    )
    root = repo(tmp_path, {"README.md": readme, "lib.py": "x = 1\n"})
    _run, artifact = scan(run_cli, root)
    assert artifact["declared_license"] == "MIT"
    assert artifact["declared_family"] == "permissive"
    (statement,) = artifact["declared_by"]
    assert (statement["path"], statement["field"], statement["line"]) == (
        "README.md",
        "License section",
        9,
    )
    assert statement["role"] == "grant"
    assert "MIT license" in statement["raw"]


def test_a_readme_section_that_offers_a_choice_makes_the_license_files_an_or(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    readme = (
        "Example\n=======\n\nA crate.\n\nLicense\n-------\n\n"
        "Licensed under either of\n\n"
        " * Apache License, Version 2.0\n"
        "   ([LICENSE-APACHE](LICENSE-APACHE) or http://www.apache.org/licenses/LICENSE-2.0)\n"
        " * MIT license\n"
        "   ([LICENSE-MIT](LICENSE-MIT) or http://opensource.org/licenses/MIT)\n\n"
        "at your option.\n\nContribution\n------------\n\n"
        "Contributions are accepted under the GPL-2.0 only.\n"
    )
    root = repo(
        tmp_path,
        {"README.md": readme, "LICENSE-APACHE": text("apache-2.0"), "LICENSE-MIT": text("mit")},
    )
    run, artifact = scan(run_cli, root)
    assert artifact["declared_license"] in ("Apache-2.0 OR MIT", "MIT OR Apache-2.0")
    assert roles(artifact) == {
        "LICENSE-APACHE": "choice",
        "LICENSE-MIT": "choice",
        "License section": "choice",
    }
    assert not artifact["declared_low_confidence"]
    assert "declared-licenses-disagree" not in rules_of(run)


def test_a_readme_section_naming_another_license_is_not_added_but_said(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    readme = "Example\n\nLICENSE\n\nThis program is licensed under the GNU GPL version 3.\n"
    root = repo(tmp_path, {"README.txt": readme, "LICENSE": text("mit")})
    run, artifact = scan(run_cli, root)
    assert artifact["declared_license"] == "MIT"
    assert roles(artifact) == {"LICENSE": "grant", "License section": "clue"}
    assert artifact["declared_low_confidence"]
    (why,) = artifact["declared_why"]
    assert why.startswith("README.txt: the License section (line 3) names GPL-3.0")
    assert "declared-low-confidence" in rules_of(run)


def test_a_readme_section_naming_the_license_and_those_of_some_files_is_noted_only(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    readme = (
        "## Licensing\n\nThis project is licensed under the MIT license.\n"
        "The files in `vendor/` are licensed under the GNU GPL version 3.\n"
    )
    root = repo(tmp_path, {"README.md": readme, "LICENSE": text("mit")})
    _run, artifact = scan(run_cli, root)
    assert artifact["declared_license"] == "MIT"
    assert roles(artifact) == {"LICENSE": "grant", "License section": "clue"}
    (section,) = [d for d in artifact["declared_by"] if d["field"] == "License section"]
    assert section["note"].startswith("names also ")
    assert "GPL-3.0-only" in section["note"]
    assert not artifact["declared_low_confidence"], artifact["declared_why"]


def test_a_readme_section_repeating_the_license_agrees(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    readme = "Example\n\nLicense\n=======\n\nMIT License. See LICENSE.\n"
    root = repo(tmp_path, {"README.rst": readme, "LICENSE": text("mit")})
    run, artifact = scan(run_cli, root)
    assert artifact["declared_license"] == "MIT"
    assert roles(artifact)["License section"] == "grant"
    assert not artifact["declared_low_confidence"], artifact["declared_why"]
    assert rules_of(run) == ["no-tier-declared"]


def test_a_readme_choice_read_partially_beside_the_full_texts_is_not_low_confidence(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    readme = (
        "# Crate\n\n#### License\n\n<sup>\n"
        'This crate is licensed under either of <a href="LICENSE-APACHE">Apache License, '
        'Version\n2.0</a> or <a href="LICENSE-MIT">MIT license</a>, at your option.\n</sup>\n'
    )
    root = repo(
        tmp_path,
        {"README.md": readme, "LICENSE-APACHE": text("apache-2.0"), "LICENSE-MIT": text("mit")},
    )
    _run, artifact = scan(run_cli, root)
    assert artifact["declared_license"] in ("Apache-2.0 OR MIT", "MIT OR Apache-2.0")
    (section,) = [d for d in artifact["declared_by"] if d["field"] == "License section"]
    assert section["score"] < 90  # ScanCode reads the HTML-wrapped sentence partly
    # the license files answer at 100; the section only says they are a choice
    assert not artifact["declared_low_confidence"], artifact["declared_why"]


def test_a_readme_section_read_from_a_partial_match_is_low_confidence(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    readme = (
        "## License\n\n"
        "Licensed under either of the Apache License, Version 2.0 or the MIT license,\n"
        "at your option.\n"
    )
    root = repo(tmp_path, {"README.md": readme})
    _run, artifact = scan(run_cli, root)
    assert artifact["declared_low_confidence"]
    assert any(
        w.startswith("README.md: the License section (line 1) reads as") and "partial match" in w
        for w in artifact["declared_why"]
    ), artifact["declared_why"]


# -- a modified well-known text --------------------------------------------------------

ADDED_CLAUSE = (
    "   10. Additional Restriction. Notwithstanding anything to the contrary in this\n"
    "   License, You may not use the Work or any Derivative Works thereof for any\n"
    "   commercial purpose without the prior written permission of the Licensor. All\n"
    "   rights not expressly granted herein are reserved by the Licensor.\n\n"
)


def test_an_apache_text_with_an_added_clause_is_reported_as_modified(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    apache = text("apache-2.0")
    at = apache.index("END OF TERMS AND CONDITIONS")
    modified = apache[:at] + ADDED_CLAUSE + apache[at:]
    first = modified[:at].count("\n") + 1  # the clause's first line
    root = repo(tmp_path, {"LICENSE": modified})
    run, artifact = scan(run_cli, root, "--kind", "sdk")
    # the base license, not proprietary; but not silently either
    assert artifact["declared_license"] == "Apache-2.0"
    assert artifact["declared_low_confidence"]
    (change,) = artifact["declared_modified"]
    assert change["path"] == "LICENSE"
    assert change["license"] == "Apache-2.0"
    assert change["rule"] == "apache-2.0.LICENSE"
    assert change["added_lines"] == [[first, first + 3]]
    assert change["removed_words"] == 0
    (finding,) = [f for f in run.json()["findings"] if f["rule"] == "declared-license-modified"]
    assert finding["severity"] == "warning"
    assert (finding["path"], finding["line"]) == ("LICENSE", first)
    assert f"lines {first}-{first + 3} added" in finding["message"]
    # ScanCode's own answer on the file is kept, and what it read in the addition named
    (file_result,) = run.json()["files"]
    assert file_result["scancode_license"] == "apache-2.0 AND proprietary-license"
    assert change["read_in_additions"] == ["LicenseRef-scancode-proprietary-license"]


def test_a_verbatim_text_is_not_modified(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    notice = "Copyright 2026 Example Corp. All rights reserved.\n\n"
    root = repo(tmp_path, {"LICENSE": notice + text("apache-2.0")})
    run, artifact = scan(run_cli, root)
    assert artifact["declared_license"] == "Apache-2.0"
    assert artifact["declared_modified"] == []
    assert "declared-license-modified" not in rules_of(run)
