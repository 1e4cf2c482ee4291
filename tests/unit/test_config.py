"""Configuration: both file forms, validation that names the file and key, CLI overrides."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from licensetier.config import Config, load_config, with_root_overrides
from licensetier.errors import ConfigError
from licensetier.license_db import LicenseDB
from licensetier.models import Tier
from licensetier.tiers import load_tiers


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


def test_no_file_means_defaults(tmp_path: Path, db: LicenseDB) -> None:
    config = load_config(tmp_path, None, db, load_tiers())
    assert config.artifacts == ()
    assert config.source is None


def test_pyproject_table(tmp_path: Path, db: LicenseDB) -> None:
    (tmp_path / "pyproject.toml").write_text(
        """
[project]
name = "x"

[tool.licensetier]
exclude = ["build/**"]
max_file_size = "2MB"

[[tool.licensetier.artifacts]]
path = "./sdk/"
kind = "sdk"
license = "Apache-2.0"

[[tool.licensetier.artifacts]]
path = "serving"
tier = "rarely-open"

[tool.licensetier.matrix.component]
copyleft-weak = { typically-open = "ok" }

[[tool.licensetier.exceptions]]
path = "sdk/vendor/**"
reason = "replacing it"
expires = 2027-01-31
"""
    )
    config = load_config(tmp_path, None, db, load_tiers())
    sdk, serving = config.artifacts
    assert (sdk.path, sdk.kind, sdk.tier, sdk.license) == (
        "sdk",
        "sdk",
        Tier.TYPICALLY_OPEN,
        "Apache-2.0",
    )
    assert (serving.path, serving.kind, serving.tier) == ("serving", None, Tier.RARELY_OPEN)
    assert config.exclude == ("build/**",)
    assert config.max_file_size == 2 * 1024 * 1024
    assert config.component_matrix == {"copyleft-weak": {"typically-open": "ok"}}
    (exc,) = config.exceptions
    assert exc.expires == dt.date(2027, 1, 31)
    assert exc.reason == "replacing it"


def test_licensetier_toml_wins_over_pyproject(tmp_path: Path, db: LicenseDB) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[[tool.licensetier.artifacts]]\npath = "."\nkind = "sdk"\n'
    )
    (tmp_path / "licensetier.toml").write_text('[[artifacts]]\npath = "."\nkind = "benchmark"\n')
    config = load_config(tmp_path, None, db, load_tiers())
    assert config.artifacts[0].kind == "benchmark"
    assert config.source == str(tmp_path / "licensetier.toml")


def test_pyproject_without_table_is_not_configuration(tmp_path: Path, db: LicenseDB) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_config(tmp_path, None, db, load_tiers()).artifacts == ()


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ('[[artifacts]]\npath = "."\ntier = "mostly-open"\n', "artifacts[0].tier", "unknown tier"),
        ('[[artifacts]]\npath = "."\nkind = "sdkk"\n', "artifacts[0].kind", "unknown kind"),
        (
            '[[artifacts]]\npath = "."\nkind = "sdk"\ncolour = 1\n',
            "artifacts[0].colour",
            "unknown key",
        ),
        ('[[artifacts]]\npath = "."\n', "artifacts[0]", "needs a kind or a tier"),
        ('[[artifacts]]\npath = "../up"\nkind = "sdk"\n', "artifacts[0].path", "inside the root"),
        (
            '[[artifacts]]\npath = "."\nkind = "sdk"\nlicense = "NOT-A-LICENSE"\n',
            "artifacts[0].license",
            "not a known SPDX",
        ),
        ("artefacts = []\n", "artefacts", "unknown key"),
        ('[[exceptions]]\npath = "x/**"\n', "exceptions[0].reason", "needs a reason"),
        ('[[exceptions]]\nreason = "r"\n', "exceptions[0]", "needs a path glob"),
        (
            '[[exceptions]]\npath = "x"\nreason = "r"\nexpires = "soon"\n',
            "exceptions[0].expires",
            "YYYY-MM-DD",
        ),
        (
            '[matrix.component]\ncopyleft-weak = { typically-open = "fine" }\n',
            "matrix.component.copyleft-weak.typically-open",
            "unknown severity",
        ),
        (
            '[matrix.component]\ncopyleft = { typically-open = "ok" }\n',
            "matrix.component.copyleft",
            "unknown row",
        ),
        ('max_file_size = "huge"\n', "max_file_size", "size"),
        (
            '[rules]\ncomponent-copyleft-netwrk = "off"\n',
            "rules.component-copyleft-netwrk",
            "did you mean component-copyleft-network?",
        ),
        ('[rules]\nno-tier-declared = "loud"\n', "rules.no-tier-declared", "unknown setting"),
        ('rules = ["no-tier-declared"]\n', "rules", "table of rule ids"),
        ('exclude = ["build/**", "x/[z-a]"]\n', "exclude[1]", "bad character range"),
        (
            '[[exceptions]]\npath = "src\\\\"\nreason = "r"\n',
            "exceptions[0].path",
            "invalid path glob",
        ),
    ],
)
def test_errors_name_file_and_key(
    tmp_path: Path, db: LicenseDB, text: str, key: str, words: str
) -> None:
    (tmp_path / "licensetier.toml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, None, db, load_tiers())
    message = str(info.value)
    assert str(tmp_path / "licensetier.toml") in message
    assert info.value.key == key
    assert words in message


def test_error_carries_the_line(tmp_path: Path, db: LicenseDB) -> None:
    (tmp_path / "licensetier.toml").write_text('# c\n[[artifacts]]\npath = "."\ntier = "nope"\n')
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, None, db, load_tiers())
    assert f"{tmp_path / 'licensetier.toml'}:4:" in str(info.value)


def test_an_unknown_rule_is_named_with_its_line(tmp_path: Path, db: LicenseDB) -> None:
    (tmp_path / "licensetier.toml").write_text(
        '[rules]\nbase-model-unverified = "off"\n\ncomponent-unkown = "error"\n'
    )
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, None, db, load_tiers())
    assert f"{tmp_path / 'licensetier.toml'}:4:" in str(info.value)
    assert "unknown rule 'component-unkown'" in str(info.value)


def test_rule_settings_are_read(tmp_path: Path, db: LicenseDB) -> None:
    (tmp_path / "licensetier.toml").write_text(
        '[rules]\nbase-model-unverified = "off"\ncomponent-copyleft-weak = "error"\n'
    )
    config = load_config(tmp_path, None, db, load_tiers())
    assert config.rules == {"base-model-unverified": "off", "component-copyleft-weak": "error"}


def test_the_line_is_that_of_the_entry_named(tmp_path: Path, db: LicenseDB) -> None:
    """The second artifact's kind, not the first ``kind =`` of the file; an inline
    table's key: the line of the table's key."""
    text = '[[artifacts]]\npath = "."\nkind = "sdk"\n\n[[artifacts]]\npath = "x"\nkind = "sdkk"\n'
    (tmp_path / "licensetier.toml").write_text(text)
    with pytest.raises(ConfigError, match=r"licensetier\.toml:7: artifacts\[1\]\.kind"):
        load_config(tmp_path, None, db, load_tiers())
    (tmp_path / "licensetier.toml").write_text(
        '[matrix.component]\ncopyleft-weak = { typically-open = "fine" }\n'
    )
    with pytest.raises(ConfigError, match=r"licensetier\.toml:2: "):
        load_config(tmp_path, None, db, load_tiers())


def test_each_exception_has_its_own_line(tmp_path: Path, db: LicenseDB) -> None:
    (tmp_path / "licensetier.toml").write_text(
        '[[exceptions]]\npath = "a/**"\nreason = "one"\n\n'
        '[[exceptions]]\npath = "b/**"\nreason = "two"\n'
    )
    config = load_config(tmp_path, None, db, load_tiers())
    assert [e.line for e in config.exceptions] == [1, 5]


def test_invalid_toml(tmp_path: Path, db: LicenseDB) -> None:
    (tmp_path / "licensetier.toml").write_text("[[artifacts]\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path, None, db, load_tiers())


def test_cli_overrides_apply_to_the_root(tmp_path: Path, db: LicenseDB) -> None:
    (tmp_path / "licensetier.toml").write_text(
        '[[artifacts]]\npath = "."\nkind = "sdk"\nlicense = "MIT"\n'
        '[[artifacts]]\npath = "x"\nkind = "docs"\n'
    )
    tiers = load_tiers()
    config = load_config(tmp_path, None, db, tiers)
    changed = with_root_overrides(
        config, kind="commercial-tooling", tier=None, license=None, db=db, tiers=tiers
    )
    root = changed.artifacts[0]
    assert (root.kind, root.tier, root.license) == ("commercial-tooling", Tier.RARELY_OPEN, "MIT")
    assert changed.artifacts[1].kind == "docs"
    fresh = with_root_overrides(
        Config(), kind=None, tier="sometimes-open", license="Apache-2.0", db=db, tiers=tiers
    )
    assert fresh.artifacts[0].tier is Tier.SOMETIMES_OPEN
    assert fresh.artifacts[0].license == "Apache-2.0"
    with pytest.raises(ConfigError, match="--kind"):
        with_root_overrides(config, kind="nope", tier=None, license=None, db=db, tiers=tiers)


def test_licenseref_ids_and_their_families_are_read(tmp_path: Path, db: LicenseDB) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[[tool.licensetier.artifacts]]\n"
        'path = "."\nkind = "commercial-tooling"\n'
        'license = "LicenseRef-Acme-EULA OR DocumentRef-acme-1:LicenseRef-Acme-Community"\n\n'
        "[tool.licensetier.licenses]\n"
        '"DocumentRef-acme-1:LicenseRef-Acme-Community" = "source-available"\n'
    )
    config = load_config(tmp_path, None, db, load_tiers())
    assert config.artifacts[0].license is not None
    assert config.licenses == {"documentref-acme-1:licenseref-acme-community": "source-available"}


def test_a_wrong_licenseref_entry_is_named_with_its_line(tmp_path: Path, db: LicenseDB) -> None:
    (tmp_path / "licensetier.toml").write_text(
        '[licenses]\n"LicenseRef-A" = "custom"\n\n"LicenseRef-scancode-mit" = "permissive"\n'
    )
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, None, db, load_tiers())
    assert f"{tmp_path / 'licensetier.toml'}:4:" in str(info.value)
    assert "not a LicenseRef id of your own" in str(info.value)
