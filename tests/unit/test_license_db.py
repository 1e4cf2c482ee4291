"""license_db: the generated data, the curated overrides, and expression evaluation."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from licensetier import gen_license_db
from licensetier.errors import LicenseDBError, UnknownLicenseError
from licensetier.license_db import LicenseDB
from licensetier.models import Classification, Family, Strength

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "license_db"


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


@pytest.fixture(scope="module")
def scancode_licenses() -> dict[str, Any]:
    """The installed ScanCode's license data, deprecated keys included."""
    return gen_license_db._load_scancode_licenses()


# ------------------------------------------------------------------ the data


def test_every_installed_scancode_key_has_a_family(
    db: LicenseDB, scancode_licenses: dict[str, Any]
) -> None:
    from licensedcode.models import load_licenses

    current = load_licenses()  # what detection can return
    missing = sorted(set(current) - db.keys())
    assert not missing, f"ScanCode keys without a family: run gen_license_db ({missing[:10]})"
    assert set(scancode_licenses) == db.keys()
    for key in scancode_licenses:
        c = db.classify_key(key)
        assert isinstance(c.family, Family)
        assert c.deciding == key
        assert (c.strength is not None) == (c.family is Family.COPYLEFT), key


def test_generator_check_passes_on_committed_data() -> None:
    assert gen_license_db.main(["--check"]) == 0


def test_generator_check_detects_stale_data(
    tmp_path: Path, scancode_licenses: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "license_db"
    shutil.copytree(DATA, directory)
    monkeypatch.setattr(gen_license_db, "_load_scancode_licenses", lambda: scancode_licenses)
    target = directory / "scancode_licenses.json"
    data = json.loads(target.read_text(encoding="utf-8"))
    del data["licenses"]["mit"]
    target.write_text(gen_license_db.render(data), encoding="utf-8")
    assert gen_license_db.main(["--check", "--directory", str(directory)]) == 1
    assert gen_license_db.main(["--directory", str(directory)]) == 0
    assert gen_license_db.main(["--check", "--directory", str(directory)]) == 0


def test_generator_fails_on_an_unmapped_category(scancode_licenses: dict[str, Any]) -> None:
    class Fake:
        key = "new-key"
        category = "Brand New Category"

    licenses = {**scancode_licenses, "new-key": Fake()}
    with pytest.raises(LicenseDBError, match="Brand New Category"):
        gen_license_db.build_data(licenses)


def test_output_is_stable(scancode_licenses: dict[str, Any]) -> None:
    first = gen_license_db.render(gen_license_db.build_data(scancode_licenses))
    second = gen_license_db.render(
        gen_license_db.build_data(dict(reversed(scancode_licenses.items())))
    )
    assert first == second


def test_versions(db: LicenseDB) -> None:
    assert db.version == (DATA / "VERSION").read_text(encoding="utf-8").strip()
    from importlib.metadata import version

    assert db.scancode_version == version("scancode-toolkit")


def test_load_is_fast_and_does_not_import_scancode() -> None:
    started = time.perf_counter()
    LicenseDB.from_files(DATA)
    assert time.perf_counter() - started < 0.5
    code = (
        "import sys\n"
        "from licensetier.license_db import LicenseDB\n"
        "db = LicenseDB.load()\n"
        "db.classify('mit OR gpl-2.0 WITH classpath-exception-2.0')\n"
        "db.classify('MIT OR GPL-3.0-only', spdx=True)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('licensedcode', 'scancode', 'commoncode', 'packagedcode')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_relicensing_data_is_read_on_first_use_and_checked_by_the_generator(
    tmp_path: Path, scancode_licenses: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checking relicensing.toml parses its SPDX expressions (the SPDX symbol table):
    a load that needs no relicensing leaves it unread; its errors still name the file,
    on first use and in the generator's check."""
    directory = tmp_path / "license_db"
    shutil.copytree(DATA, directory)
    relicensing = directory / "relicensing.toml"
    good = LicenseDB.from_files(directory)
    assert good._spdx_licensing is None  # nothing was parsed as SPDX
    assert len(good.relicensing) == len(LicenseDB.load().relicensing)
    text = relicensing.read_text(encoding="utf-8")
    relicensing.write_text(
        text.replace('new_license = "BUSL-1.1"', 'new_license = "Not-A-License-9"', 1),
        encoding="utf-8",
    )
    db = LicenseDB.from_files(directory)  # the rest of the data is usable
    assert db.classify("mit").family is Family.PERMISSIVE
    with pytest.raises(LicenseDBError, match=r"relicensing.toml: event\.\w+: `new_license`"):
        db.relicensing  # noqa: B018
    monkeypatch.setattr(gen_license_db, "_load_scancode_licenses", lambda: scancode_licenses)
    assert gen_license_db.main(["--check", "--directory", str(directory)]) == 2


def test_default_load_is_cached() -> None:
    assert LicenseDB.load() is LicenseDB.load()


# -------------------------------------------------------------------- traps


def test_spdx_bsl_1_0_is_boost(db: LicenseDB) -> None:
    assert db.spdx_to_keys("BSL-1.0") == "boost-1.0"
    assert db.spdx_to_keys("bsl-1.0") == "boost-1.0"
    c = db.classify("BSL-1.0", spdx=True)
    assert c.family is Family.PERMISSIVE
    assert c.deciding == "boost-1.0"


def test_scancode_bsl_1_0_is_business_source(db: LicenseDB) -> None:
    assert db.classify_key("bsl-1.0").family is Family.SOURCE_AVAILABLE
    assert db.classify("bsl-1.0").family is Family.SOURCE_AVAILABLE
    assert db.keys_to_spdx("bsl-1.0") == "LicenseRef-scancode-bsl-1.0"
    assert db.keys_to_spdx("boost-1.0") == "BSL-1.0"
    assert db.spdx_to_keys("LicenseRef-scancode-bsl-1.0") == "bsl-1.0"


def test_busl_and_sspl_are_source_available(db: LicenseDB) -> None:
    assert db.classify("BUSL-1.1", spdx=True).family is Family.SOURCE_AVAILABLE
    sspl = db.classify("SSPL-1.0", spdx=True)
    assert sspl.family is Family.SOURCE_AVAILABLE
    assert sspl.deciding == "mongodb-sspl-1.0"
    assert db.classify("Elastic-2.0", spdx=True).family is Family.SOURCE_AVAILABLE
    assert db.classify_key("rsalv2").family is Family.SOURCE_AVAILABLE
    assert db.classify_key("commons-clause").family is Family.SOURCE_AVAILABLE
    assert db.classify("CC-BY-NC-4.0", spdx=True).family is Family.SOURCE_AVAILABLE


def test_ms_sspl_is_permissive(db: LicenseDB) -> None:
    assert db.classify_key("ms-sspl").family is Family.PERMISSIVE


@pytest.mark.parametrize(
    "ident",
    [
        "FSL-1.1-MIT",
        "LicenseRef-scancode-fsl-1.1-mit",
        "FSL-1.1-ALv2",
        "FSL-1.1-Apache-2.0",
        "LicenseRef-scancode-fsl-1.1-apache-2.0",
    ],
)
def test_both_fsl_ids_resolve(db: LicenseDB, ident: str) -> None:
    assert db.is_spdx_id(ident)
    assert db.spdx_to_keys(ident) in {"fsl-1.1-mit", "fsl-1.1-apache-2.0"}
    assert db.classify(ident, spdx=True).family is Family.SOURCE_AVAILABLE


@pytest.mark.parametrize(
    "key",
    ["agpl-1.0", "agpl-1.0-plus", "agpl-3.0", "agpl-3.0-plus", "osl-3.0", "rpl-1.5", "eupl-1.2"],
)
def test_network_copyleft(db: LicenseDB, key: str) -> None:
    c = db.classify_key(key)
    assert (c.family, c.strength) == (Family.COPYLEFT, Strength.NETWORK)


def test_copyleft_strengths(db: LicenseDB) -> None:
    assert db.classify("AGPL-3.0-or-later", spdx=True).row == "copyleft-network"
    assert db.classify("LGPL-2.1-only", spdx=True).row == "copyleft-weak"
    assert db.classify("MPL-2.0", spdx=True).row == "copyleft-weak"
    assert db.classify("GPL-3.0-only", spdx=True).row == "copyleft-strong"
    assert db.classify("GPL-2.0+", spdx=True).row == "copyleft-strong"


@pytest.mark.parametrize(
    "key",
    [
        "llama-2-license-2023",
        "llama-3.1-license-2024",
        "llama-3.2-license-2024",
        "llama-3.3-license-2024",
        "llama-4-cla-2025",
        "gemma-tou-2024-04-01",
        "bigscience-open-rail-m",
        "stable-diffusion-2022-08-22",
        "deepseek-la-1.0",
        "qwen-2024",
        "falcon-2-11b-1.0",
    ],
)
def test_ai_model_licenses_are_custom(db: LicenseDB, key: str) -> None:
    assert db.classify_key(key).family is Family.CUSTOM


def test_obligations(db: LicenseDB) -> None:
    assert any("700 million" in o for o in db.obligations("llama-2-license-2023"))
    assert any("Built with Llama" in o for o in db.obligations("llama-3.1-license-2024"))
    assert any("Prohibited Use Policy" in o for o in db.obligations("gemma-tou-2024-04-01"))
    assert db.obligations("bigscience-open-rail-m")
    assert db.obligations("mit") == ()
    assert db.obligations("llama-2-license-2023 WITH generic-exception") == db.obligations(
        "llama-2-license-2023"
    )


def test_unknown_keys(db: LicenseDB) -> None:
    for key in ["unknown", "unknown-license-reference", "unknown-spdx", "free-unknown"]:
        assert db.classify_key(key).family is Family.UNKNOWN
    c = db.classify_key("no-such-key")
    assert c.family is Family.UNKNOWN
    assert c.notes


def test_patent_grants_are_not_licenses_of_use(db: LicenseDB) -> None:
    assert db.classify_key("google-patent-license").not_a_license_of_use
    c = db.classify("gpl-3.0 AND google-patent-license")
    assert c.deciding == "gpl-3.0"
    assert not c.not_a_license_of_use
    c = db.classify("mit AND dco-1.1")
    assert c.deciding == "mit"


# -------------------------------------------------------------- expressions


def test_or_picks_the_favourable_side(db: LicenseDB) -> None:
    c = db.classify("gpl-3.0 OR mit")
    assert c.family is Family.PERMISSIVE
    assert c.deciding == "mit"
    c = db.classify("SSPL-1.0 OR AGPL-3.0-only", spdx=True)
    assert c.row == "copyleft-network"


def test_or_with_a_custom_rank(db: LicenseDB) -> None:
    # A rarely-open artifact prefers to hold: source-available over permissive.
    order = ["proprietary", "source-available", "custom", "permissive"]

    def rank(c: Classification) -> tuple[int, ...]:
        return (order.index(c.row) if c.row in order else len(order),)

    c = db.classify("mit OR bsl-1.1", rank=rank)
    assert c.deciding == "bsl-1.1"
    assert db.classify("mit OR bsl-1.1").deciding == "mit"


def test_and_picks_the_worst(db: LicenseDB) -> None:
    c = db.classify("mit AND gpl-2.0 AND lgpl-2.1")
    assert c.deciding == "gpl-2.0"
    assert c.row == "copyleft-strong"
    c = db.classify("MIT AND (Apache-2.0 OR GPL-3.0-only)", spdx=True)
    assert c.family is Family.PERMISSIVE


def test_with_classpath_is_weak(db: LicenseDB) -> None:
    c = db.classify("gpl-2.0 WITH classpath-exception-2.0")
    assert c.row == "copyleft-weak"
    assert c.deciding == "gpl-2.0 WITH classpath-exception-2.0"
    assert db.classify("GPL-2.0-only WITH Classpath-exception-2.0", spdx=True).row == (
        "copyleft-weak"
    )


def test_with_llvm_is_permissive(db: LicenseDB) -> None:
    assert db.classify("Apache-2.0 WITH LLVM-exception", spdx=True).family is Family.PERMISSIVE
    assert db.classify("gpl-3.0 WITH llvm-exception").family is Family.PERMISSIVE


def test_with_bison_and_gcc(db: LicenseDB) -> None:
    assert db.classify("gpl-3.0-plus WITH bison-exception-2.2").family is Family.PERMISSIVE
    assert db.classify("GPL-3.0-or-later WITH GCC-exception-3.1", spdx=True).row == "copyleft-weak"


def test_unknown_exception_keeps_the_left_side(db: LicenseDB) -> None:
    assert db.exception_rule("xenomai-gpl-exception") is None
    c = db.classify("gpl-2.0 WITH xenomai-gpl-exception")
    assert c.row == "copyleft-strong"
    assert any("not in the exception catalogue" in n for n in c.notes)


def test_with_commons_clause_restricts(db: LicenseDB) -> None:
    assert db.classify("apache-2.0 WITH commons-clause").family is Family.SOURCE_AVAILABLE


def test_deprecated_spdx_ids_use_scancode_replacement(db: LicenseDB) -> None:
    assert db.spdx_to_keys("GPL-3.0-with-GCC-exception") == "gpl-3.0-plus WITH gcc-exception-3.1"
    assert db.spdx_to_keys("AGPL-3.0") == "agpl-3.0"
    assert db.spdx_to_keys("GPL-2.0") == "gpl-2.0"


def test_spdx_to_keys_forms(db: LicenseDB) -> None:
    assert db.spdx_to_keys("mit or apache-2.0") == "mit OR apache-2.0"
    assert db.spdx_to_keys("GPL-2.0-or-later") == "gpl-2.0-plus"
    assert db.spdx_to_keys("GPL-2.0+") == "gpl-2.0-plus"
    assert db.spdx_to_keys("GPL-2.0-only") == "gpl-2.0"
    assert db.spdx_to_keys("MIT OR (Apache-2.0 AND BSD-3-Clause)") == (
        "mit OR (apache-2.0 AND bsd-new)"
    )


def test_keys_to_spdx(db: LicenseDB) -> None:
    assert db.keys_to_spdx("mit OR gpl-2.0-plus WITH classpath-exception-2.0") == (
        "MIT OR GPL-2.0-or-later WITH Classpath-exception-2.0"
    )
    assert db.keys_to_spdx("llama-2-license-2023") == "LicenseRef-scancode-llama-2-license-2023"
    with pytest.raises(UnknownLicenseError, match="no-such-key"):
        db.keys_to_spdx("mit AND no-such-key")


def test_unknown_spdx_id_raises_naming_it(db: LicenseDB) -> None:
    with pytest.raises(UnknownLicenseError, match=re.escape("Foo-1.0")):
        db.spdx_to_keys("MIT OR Foo-1.0")
    assert not db.is_spdx_id("Foo-1.0")
    assert db.is_spdx_id("mit")
    assert not db.is_spdx_id("boost-1.0")  # a ScanCode key, not an SPDX id


def test_classify_counts_unknown_ids_as_unknown(db: LicenseDB) -> None:
    c = db.classify("Foo-1.0", spdx=True)
    assert c.family is Family.UNKNOWN
    assert any("Foo-1.0" in n for n in c.notes)
    assert db.classify("MIT OR Foo-1.0", spdx=True).family is Family.PERMISSIVE


@pytest.mark.parametrize("text", ["MIT/Apache-2.0", "MIT Apache-2.0", "MIT OR", "(MIT", ""])
def test_syntax_errors_raise(db: LicenseDB, text: str) -> None:
    with pytest.raises(UnknownLicenseError):
        db.spdx_to_keys(text)
    with pytest.raises(UnknownLicenseError):
        db.classify(text, spdx=True)


def test_slash_error_names_the_string(db: LicenseDB) -> None:
    with pytest.raises(UnknownLicenseError, match=re.escape("MIT/Apache-2.0")):
        db.spdx_to_keys("MIT/Apache-2.0")


def test_default_rank_order(db: LicenseDB) -> None:
    rows = [
        ("mit", "permissive"),
        ("lgpl-2.1", "copyleft-weak"),
        ("gpl-2.0", "copyleft-strong"),
        ("agpl-3.0", "copyleft-network"),
        ("llama-2-license-2023", "custom"),
        ("bsl-1.1", "source-available"),
        ("unknown", "unknown"),
        ("proprietary-license", "proprietary"),
    ]
    ranks = [db.default_rank(db.classify_key(key)) for key, _ in rows]
    assert ranks == sorted(ranks)
    assert len(set(ranks)) == len(ranks)
    assert [db.classify_key(k).row for k, _ in rows] == [row for _, row in rows]


def test_name(db: LicenseDB) -> None:
    assert db.name("mit") == "MIT License"
    assert db.name("no-such-key") == "no-such-key"


# ----------------------------------------------------- curated files fail loudly


def _copy(tmp_path: Path) -> Path:
    directory = tmp_path / "license_db"
    shutil.copytree(DATA, directory)
    return directory


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "overrides.toml",
            '[[override]]\nkeys = ["no-such-key"]\nfamily = "custom"\nreason = "x"\n',
            "no-such-key",
        ),
        (
            "overrides.toml",
            '[[override]]\nkeys = ["mit"]\nfamily = "copyleft"\nreason = "x"\n',
            "strength",
        ),
        (
            "overrides.toml",
            '[[override]]\nkeys = ["mit"]\nfamily = "permisive"\nreason = "x"\n',
            "permisive",
        ),
        (
            "overrides.toml",
            '[[override]]\nkeys = ["mit"]\nfamily = "permissive"\n',
            "reason",
        ),
        (
            "exceptions.toml",
            '[exception.mit]\neffect = "permissive"\nreason = "x"\n',
            "not flag",
        ),
        (
            "exceptions.toml",
            '[exception."classpath-exception-2.0"]\neffect = "weak"\nreason = "x"\n',
            "effect",
        ),
        (
            "obligations.toml",
            '[[obligation]]\nkeys = ["mit"]\nitems = ["x"]\n',
            "not custom",
        ),
    ],
)
def test_curated_files_fail_loudly(tmp_path: Path, name: str, text: str, message: str) -> None:
    directory = _copy(tmp_path)
    (directory / name).write_text(text, encoding="utf-8")
    with pytest.raises(LicenseDBError, match=message):
        LicenseDB.load(directory)


def test_alias_may_not_shadow_an_spdx_id(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    with (directory / "overrides.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[[spdx_alias]]\nid = "BSL-1.0"\nkey = "bsl-1.0"\nreason = "wrong"\n')
    with pytest.raises(LicenseDBError, match="shadows"):
        LicenseDB.load(directory)


# -- the user's own LicenseRef ids --------------------------------------------------


def test_a_users_own_licenseref_is_an_spdx_id_and_proprietary_by_default(db: LicenseDB) -> None:
    keys = db.spdx_to_keys("LicenseRef-Acme-EULA OR MIT")
    assert db.keys_to_spdx(keys) == "LicenseRef-Acme-EULA OR MIT"
    assert db.is_spdx_id("DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2")
    c = db.classify("LicenseRef-Acme-EULA", spdx=True)
    assert (c.family, c.category) == (Family.PROPRIETARY, "User LicenseRef")
    assert db.classify("LicenseRef-Acme-EULA AND MIT", spdx=True).family is Family.PROPRIETARY


def test_a_configured_family_applies_to_that_licenseref_only(db: LicenseDB) -> None:
    families = {"licenseref-acme-community": "copyleft-weak"}
    c = db.classify("LicenseRef-Acme-Community", spdx=True, families=families)
    assert (c.family, c.strength) == (Family.COPYLEFT, Strength.WEAK)
    other = db.classify("LicenseRef-Acme-Other", spdx=True, families=families)
    assert other.family is Family.PROPRIETARY
    # a ScanCode key is never given a family by the configuration
    assert db.classify("MIT", spdx=True, families={"mit": "proprietary"}).family is (
        Family.PERMISSIVE
    )


def test_scancode_and_licensetier_licenserefs_are_not_the_users(db: LicenseDB) -> None:
    for ident in ("LicenseRef-scancode-no-such-key", "LicenseRef-licensetier-no-such-name"):
        with pytest.raises(UnknownLicenseError):
            db.spdx_to_keys(ident)
    with pytest.raises(UnknownLicenseError):
        db.spdx_to_keys("LicenseRef-")
