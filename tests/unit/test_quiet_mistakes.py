"""Mistakes that used to pass quietly (issue 16, point 4): a size without its unit, a
misspelled configuration table or file name, an artifact path that is not there, a
kind or choice in the wrong case, and the names ``explain`` did not read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from licensetier.config import (
    SizeError,
    check_artifact_paths,
    did_you_mean,
    load_config,
    near_miss_config,
    one_edit_away,
    read_size,
)
from licensetier.errors import ConfigError
from licensetier.license_db import LicenseDB
from licensetier.tiers import load_tiers
from tests.conftest import Run


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


# -- sizes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "size"),
    [
        ("5MB", 5 * 1024**2),
        ("1.5MB", 3 * 512 * 1024),  # a fraction with its unit
        ("0.5g", 512 * 1024**2),
        ("500k", 500 * 1024),
        ("1MiB", 1024**2),
        ("2GB", 2 * 1024**3),
        ("300B", 300),  # bytes, said so
        ("5000000", 5_000_000),  # a bare number large enough to be meant as bytes
        (1024, 1024),
    ],
)
def test_a_size_with_its_unit_or_a_plausible_number_of_bytes(written: object, size: int) -> None:
    assert read_size(written) == size


@pytest.mark.parametrize("written", ["5", 5, "1023", "  20 "])
def test_a_bare_small_number_is_refused_saying_what_to_write(written: object) -> None:
    with pytest.raises(SizeError) as refused:
        read_size(written)
    number = str(written).strip()
    assert f"{number} bytes? A size without a unit is bytes; write {number}MB" in str(refused.value)


@pytest.mark.parametrize("written", ["lots", "-5MB", "0", True, 1.5, "1.5", "2.5B", "0.0MB"])
def test_what_is_not_a_size_is_refused(written: object) -> None:
    with pytest.raises(SizeError, match="is not a size"):
        read_size(written)


def test_the_config_key_max_file_size_needs_its_unit_too(tmp_path: Path, db: LicenseDB) -> None:
    (tmp_path / "licensetier.toml").write_text("exclude = []\nmax_file_size = 5\n")
    with pytest.raises(ConfigError) as refused:
        load_config(tmp_path, None, db, load_tiers())
    assert str(refused.value).startswith(f"{tmp_path / 'licensetier.toml'}:2: max_file_size: ")
    assert "5 bytes?" in str(refused.value)
    assert "write 5MB" in str(refused.value)


# -- did you mean ------------------------------------------------------------------------


def test_did_you_mean_case_first_then_a_slip() -> None:
    kinds = load_tiers().kinds
    assert did_you_mean("SDK", kinds) == " (did you mean 'sdk'?)"
    assert did_you_mean("Model-Weights", kinds) == " (did you mean 'model-weights'?)"
    assert did_you_mean("conector", kinds) == " (did you mean 'connector'?)"
    assert did_you_mean("spaceship", kinds) == ""
    assert did_you_mean(3, kinds) == ""


def test_a_kind_in_the_configuration_is_suggested(tmp_path: Path, db: LicenseDB) -> None:
    (tmp_path / "licensetier.toml").write_text('[[artifacts]]\npath = "."\nkind = "SDK"\n')
    with pytest.raises(ConfigError, match=r"artifacts\[0\]\.kind: unknown kind 'SDK' \(did you"):
        load_config(tmp_path, None, db, load_tiers())


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("licenstier", "licensetier", True),  # a letter left out
        ("license-tier", "licensetier", True),  # one added
        ("licencetier", "licensetier", True),  # one changed
        ("licesnetier", "licensetier", True),  # two swapped
        ("licensetier", "licensetier", False),  # itself
        ("license", "licensetier", False),
        ("ruff", "licensetier", False),
    ],
)
def test_one_edit_away(a: str, b: str, near: bool) -> None:
    assert one_edit_away(a, b) is near
    assert one_edit_away(b, a) is near


# -- configuration that is one slip away from being read ---------------------------------


def test_a_misspelled_tool_table_and_a_near_file_name_are_reported(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.ruff]\nline-length = 100\n\n'
        '[tool.licenstier]\nexclude = ["vendor/**"]\n'
    )
    (tmp_path / ".licensetier.toml").write_text("exclude = []\n")
    (tmp_path / "licensetier-notes.toml").write_text("")  # not one slip away
    found = near_miss_config(tmp_path)
    assert found == [
        (
            ".licensetier.toml",
            None,
            "not read as configuration: licensetier reads licensetier.toml (or "
            "[tool.licensetier] in pyproject.toml); rename it to licensetier.toml",
        ),
        ("pyproject.toml", 7, "[tool.licenstier] is not read: did you mean [tool.licensetier]?"),
    ]


def test_the_right_names_are_not_reported(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.licensetier]\nexclude = []\n")
    (tmp_path / "licensetier.toml").write_text("exclude = []\n")
    assert near_miss_config(tmp_path) == []


# -- artifact paths ----------------------------------------------------------------------


def test_an_artifact_path_that_is_not_there_names_its_key_and_line(
    tmp_path: Path, db: LicenseDB
) -> None:
    (tmp_path / "sdk").mkdir()
    (tmp_path / "NOTES").write_text("")
    (tmp_path / "licensetier.toml").write_text(
        '[[artifacts]]\npath = "sdk"\nkind = "sdk"\n\n'
        '[[artifacts]]\npath = "pkgs/cor"\nkind = "sdk"\n'
    )
    config = load_config(tmp_path, None, db, load_tiers())
    with pytest.raises(ConfigError) as refused:
        check_artifact_paths(config, tmp_path)
    assert str(refused.value) == (
        f"{tmp_path / 'licensetier.toml'}:6: artifacts[1].path: artifact path 'pkgs/cor' "
        f"does not exist under {tmp_path}"
    )
    (tmp_path / "licensetier.toml").write_text('[[artifacts]]\npath = "NOTES"\nkind = "sdk"\n')
    config = load_config(tmp_path, None, db, load_tiers())
    with pytest.raises(ConfigError, match="'NOTES' is a file, not a directory"):
        check_artifact_paths(config, tmp_path)


# -- on the command line (in-process) ----------------------------------------------------


def test_the_command_line_refuses_and_suggests(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    (tmp_path / "a.py").write_text("print(1)\n")
    tiny = run_cli("scan", tmp_path, "--no-deps", "--max-file-size", "5")
    assert tiny.exit_code == 2
    assert "--max-file-size" in tiny.stderr
    assert "5 bytes?" in tiny.stderr
    assert "write 5MB" in tiny.stderr
    memory = run_cli("scan", tmp_path, "--no-deps", "--max-memory", "4")
    assert memory.exit_code == 2
    assert "write 4MB" in memory.stderr
    kind = run_cli("scan", tmp_path, "--no-deps", "--kind", "SDK")
    assert kind.exit_code == 2
    assert "--kind: unknown kind 'SDK' (did you mean 'sdk'?)" in kind.stderr
    tier = run_cli("scan", tmp_path, "--no-deps", "--tier", "Typically-Open")
    assert tier.exit_code == 2
    assert "(did you mean 'typically-open'?)" in tier.stderr
    fmt = run_cli("scan", tmp_path, "--no-deps", "--format", "jsn")
    assert fmt.exit_code == 2
    assert "(did you mean 'json'?)" in fmt.stderr


def test_a_missing_artifact_path_exits_2_before_scanning(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.licensetier]\n\n'
        '[[tool.licensetier.artifacts]]\npath = "pakages/core"\nkind = "sdk"\n'
    )
    run = run_cli("scan", tmp_path, "--no-deps", "--format", "json")
    assert run.exit_code == 2
    assert run.stdout == ""  # no report with a declared-none error on the missing path
    assert run.stderr.strip() == (
        f"licensetier: configuration error: {tmp_path / 'pyproject.toml'}:7: "
        "tool.licensetier.artifacts[0].path: artifact path 'pakages/core' does not exist "
        f"under {tmp_path}"
    )


@pytest.mark.parametrize(
    ("name", "spdx"),
    [("Public Domain", "LicenseRef-scancode-public-domain"), ("CC0", "CC0-1.0")],
)
def test_explain_reads_the_names_a_manifest_may_give(
    name: str, spdx: str, run_cli: Callable[..., Run]
) -> None:
    run = run_cli("explain", name)
    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith(f"{spdx}  (read as a manifest's license string;")
    ambiguous = run_cli("explain", "BSD")
    assert ambiguous.exit_code == 0
    assert "low confidence: the name fits more than one license" in ambiguous.stdout


def test_a_scan_reports_a_misspelled_table_among_its_problems(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.licenstier]\nexclude = ["vendor/**"]\n'
    )
    # no file detected (ScanCode's index not needed): the manifests are still read
    scan = ("scan", tmp_path, "--no-deps", "--no-cache", "--max-file-size", "1B")
    run = run_cli(*scan, "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert {
        "path": "pyproject.toml",
        "line": 4,
        "message": "[tool.licenstier] is not read: did you mean [tool.licensetier]?",
    } in run.json()["errors"]
