"""The AI licenses as data: Hub ids and `license_name` values, licensetier's own
LicenseRef entries and the terms beside the family (license_db/ai_license_terms.toml)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest

from licensetier.ai_terms import ATTRIBUTES, load_terms, parse_terms
from licensetier.declared import load_hf_licenses, read_declared
from licensetier.errors import LicenseDBError
from licensetier.license_db import LicenseDB
from licensetier.models import Family

# The ids of the Hub's documentation page "Licenses" (issue 13's list).
HUB_IDS = [
    "apache-2.0", "mit", "openrail", "bigscience-openrail-m", "creativeml-openrail-m",
    "bigscience-bloom-rail-1.0", "bigcode-openrail-m", "afl-3.0", "artistic-2.0", "bsl-1.0",
    "bsd", "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear", "c-uda", "cc", "cc0-1.0",
    "cc-by-2.0", "cc-by-2.5", "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0",
    "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0",
    "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0",
    "cdla-sharing-1.0", "cdla-permissive-1.0", "cdla-permissive-2.0", "wtfpl", "ecl-2.0",
    "epl-1.0", "epl-2.0", "etalab-2.0", "eupl-1.1", "eupl-1.2", "agpl-3.0", "gfdl", "gpl",
    "gpl-2.0", "gpl-3.0", "lgpl", "lgpl-2.1", "lgpl-3.0", "isc", "h-research",
    "intel-research", "lppl-1.3c", "ms-pl", "apple-ascl", "apple-amlr", "mpl-2.0", "odc-by",
    "odbl", "openmdw-1.0", "openrail++", "osl-3.0", "postgresql", "ofl-1.1", "ncsa",
    "unlicense", "zlib", "pddl", "lgpl-lr", "deepfloyd-if-license",
    "fair-noncommercial-research-license", "llama2", "llama3", "llama3.1", "llama3.2",
    "llama3.3", "llama4", "gemma", "unknown",
]  # fmt: skip

LICENSE_NAMES = [
    "qwen", "tongyi-qianwen", "qwen-research", "deepseek", "deepseek-license", "mrl",
    "falcon-llm-license", "nvidia-open-model-license", "grok-2", "apple-amlr",
]  # fmt: skip


def _licenses_dir() -> Path:
    spec = importlib.util.find_spec("licensedcode")  # located, not imported
    assert spec is not None
    assert spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "licenses"


def _normal(text: str) -> str:
    text = text.translate(str.maketrans({"\u201c": '"', "\u201d": '"', "\u2019": "'"}))
    return re.sub(r"\s+", " ", text.replace("\\", "")).lower()


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


def test_every_hub_id_is_in_the_table() -> None:
    hf = load_hf_licenses()
    assert [i for i in HUB_IDS if not hf.knows(i)] == []
    # Only families and "unknown" stay without a license: every other id has a key.
    assert set(hf.unmapped) == {"openrail", "bsd", "cc", "gfdl", "gpl", "lgpl", "unknown"}


def test_licenseref_ids_and_names_resolve_to_known_keys(db: LicenseDB) -> None:
    hf = load_hf_licenses()
    licenses = _licenses_dir()
    for ident, key in hf.licenserefs.items():
        info = db.info(key)
        assert info is not None, (ident, key)
        assert info.is_licenseref, (ident, key)
        assert not (licenses / f"{key}.LICENSE").exists()
    assert set(LICENSE_NAMES) <= set(hf.names)
    for name, key in hf.names.items():
        info = db.info(key)
        assert info is not None, (name, key)
        assert info.is_licenseref or (licenses / f"{key}.LICENSE").is_file(), (name, key)
        assert info.family is Family.CUSTOM, (name, key)
    assert hf.resolve("llama3") == ("licensetier-llama-3", "Hugging Face license id")
    assert hf.resolve("Qwen") == ("qwen-2024", "Hugging Face license_name")
    assert hf.resolve("MRL") == ("licensetier-mistral-mrl", "Hugging Face license_name")
    assert hf.resolve("acme") is None


def test_licenseref_entries_are_classified_and_written_in_spdx(db: LicenseDB) -> None:
    refs = [info for key in sorted(db.licenseref_keys()) if (info := db.info(key))]
    assert len(refs) >= 10
    for info in refs:
        assert info.key.startswith("licensetier-")
        assert info.spdx_id == "LicenseRef-" + info.key
        assert (info.source or "").startswith("https://")
        assert db.spdx_to_keys(info.spdx_id) == info.key
        assert db.classify(info.key).family is info.family
    assert db.keys_to_spdx("licensetier-grok-2 OR mit") == "LicenseRef-licensetier-grok-2 OR MIT"


def test_every_term_has_a_known_key_and_a_source_found_in_the_text(db: LicenseDB) -> None:
    terms = load_terms()
    licenses = _licenses_dir()
    texts: dict[str, str] = {}
    for key in sorted(terms.keys()):
        assert db.info(key) is not None, key
        for term in terms.of(key):
            assert term.clause, (key, term)
            assert term.quote, (key, term)
            if term.verified:  # no ScanCode text to check it against: checked by hand
                info = db.info(key)
                assert info is not None, key
                assert info.is_licenseref, (key, term.attribute)
                assert term.verified.startswith("https://"), (key, term.attribute)
                continue
            path = licenses / f"{term.text}.LICENSE"
            assert path.is_file(), (key, term.text)
            text = texts.setdefault(term.text, _normal(path.read_text(encoding="utf-8")))
            assert _normal(term.quote) in text, (key, term.attribute, term.quote)


def test_the_real_cases() -> None:
    terms = load_terms()

    def values(key: str) -> dict[str, Any]:
        return {t.attribute: t.value for t in terms.of(key)}

    llama = values("llama-3.1-license-2024")
    assert llama["user_threshold"] == 700_000_000
    assert llama["attribution_text"] == "Built with Llama"
    assert llama["naming_rule"] == "Llama"
    assert llama["license_copy_must_ship"] is True
    assert llama["acceptable_use_policy"] is True
    assert values("qwen-2024")["user_threshold"] == 100_000_000
    assert "European Union" in values("llama-4-cla-2025")["regional_limits"]
    assert "improve any other" in values("tongyi-qianwen-2023")["output_restrictions"]
    # Non-commercial is one attribute wherever it appears.
    for key in ("cc-by-nc-4.0", "cc-by-nc-sa-3.0", "flux-1-nc", "stability-ai-nc-2023-12-06"):
        assert values(key)["non_commercial"] is True, key
    assert "non_commercial" not in values("llama-3.1-license-2024")
    assert terms.of("llama-3.1-license-2024 WITH foo") == terms.of("llama-3.1-license-2024")
    # what the obligation checks read (obligations.py)
    assert llama["notice_text"].startswith("Llama 3.1 is licensed under the Llama 3.1")
    llama3 = values("licensetier-llama-3")
    assert (llama3["naming_rule"], llama3["attribution_text"]) == (
        "Llama 3",
        "Built with Meta Llama 3",
    )
    assert "gemma/terms" in values("gemma-tou-2025-03-24")["notice_text"]
    for key in ("gemma-tou-2025-03-24", "stable-diffusion-2022-08-22", "bigcode-open-rail-m-v1"):
        assert values(key)["use_restrictions_flow_down"] is True, key
    # Llama's use policy is incorporated by reference: nothing says it must ship
    assert "use_restrictions_flow_down" not in llama
    copy = {t.attribute: t for t in terms.of("llama-3.2-license-2024")}["license_copy_must_ship"]
    assert "licensetier-llama-3" in copy.satisfied_by
    qwen = {t.attribute: t for t in terms.of("qwen-2024")}["attribution_text"]
    assert qwen.accepted == ("Built with Qwen", "Improved using Qwen")
    assert [t.attribute for t in terms.of("llama-3.1-license-2024")] == [
        a for a in ATTRIBUTES if a in llama
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"attribute": "free_lunch", "value": True}, "not one of"),
        ({"attribute": "user_threshold", "value": "many"}, "needs a int value"),
        ({"attribute": "user_threshold", "value": True}, "needs a int value"),
        ({"attribute": "non_commercial", "value": True, "quote": ""}, "`quote`"),
        ({"attribute": "acceptable_use_policy", "value": True}, "`name`"),
        ({"attribute": "naming_rule", "value": "Llama", "name": "x"}, "only acceptable_use_policy"),
        ({"attribute": "naming_rule", "value": "Llama", "keys": []}, "`keys`"),
        ({"attribute": "naming_rule", "value": "Llama", "source": "x"}, "unknown field"),
        ({"attribute": "naming_rule", "value": "L", "satisfied_by": ["mit"]}, "`satisfied_by`"),
        ({"attribute": "license_copy_must_ship", "value": True, "satisfied_by": []}, "non-empty"),
        ({"attribute": "naming_rule", "value": "L", "accepted": ["L"]}, "take `accepted`"),
        ({"attribute": "naming_rule", "value": "L", "verified": "x", "text": "mit"}, "no ScanCode"),
    ],
)
def test_terms_are_validated(entry: dict[str, Any], message: str) -> None:
    base = {"keys": ["mit"], "clause": "1", "quote": "a few words"}
    with pytest.raises(LicenseDBError, match=re.escape(message)):
        parse_terms({"term": [{**base, **entry}]})


def test_an_attribute_given_twice_is_refused() -> None:
    entry = {"keys": ["mit"], "attribute": "naming_rule", "value": "X", "clause": "1", "quote": "q"}
    with pytest.raises(LicenseDBError, match="given twice"):
        parse_terms({"term": [entry, entry]})


def test_licenseref_entries_are_validated(tmp_path: Path) -> None:
    data = Path(__file__).parents[2] / "license_db"
    for name in data.iterdir():
        if name.is_file():
            (tmp_path / name.name).write_bytes(name.read_bytes())
    refs = tmp_path / "licenserefs.toml"
    refs.write_text('[licenseref.x]\nname = "X"\nfamily = "custom"\nsource = "http://x"\n')
    with pytest.raises(LicenseDBError, match="https://"):
        LicenseDB.from_files(tmp_path)
    refs.write_text('[licenseref.x]\nname = "X"\nfamily = "copyleft"\nsource = "https://x"\n')
    with pytest.raises(LicenseDBError, match="copyleft"):
        LicenseDB.from_files(tmp_path)


def test_a_license_name_scancode_knows_is_understood_by_a_scan(
    tmp_path: Path, db: LicenseDB
) -> None:
    (tmp_path / "README.md").write_text("---\nlicense: other\nlicense_name: qwen\n---\n# m\n")
    declared, errors = read_declared(tmp_path, ".", db, None)
    assert errors == []
    (found,) = [d for d in declared if d.field == "license_name"]
    assert (found.license, found.low_confidence) == ("qwen-2024", False)


def test_the_docs_tables_are_current() -> None:
    from licensetier.ai_terms import markdown_tables

    doc = (Path(__file__).parents[2] / "docs" / "ai-licenses.md").read_text(encoding="utf-8")
    marker = "<!-- tables: python -m licensetier.ai_terms -->\n"
    assert marker in doc
    assert doc.split(marker, 1)[1] == markdown_tables(), (
        "docs/ai-licenses.md is stale: run python -m licensetier.ai_terms"
    )
