"""``licensetier explain`` speaks the Hub's language: Hub ids and ``license_name``
values, the AI license terms with their sources, the obligations, the tier's advice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Run


def _json(run_cli: Callable[..., Run], *args: str) -> Any:
    run = run_cli("explain", *args, "--format", "json")
    assert run.exit_code == 0, run.stderr
    return run.json()


def test_explain_a_hub_id_with_a_scancode_key(run_cli: Callable[..., Run]) -> None:
    payload = _json(run_cli, "llama3.1")
    assert payload["read_as"] == "Hugging Face license id 'llama3.1'"
    assert payload["scancode_license"] == "llama-3.1-license-2024"
    assert payload["family"] == "custom"
    terms = payload["terms"]["llama-3.1-license-2024"]
    assert terms["user_threshold"]["value"] == 700_000_000
    assert terms["user_threshold"]["source"] == {
        "license": "llama-3.1-license-2024",
        "clause": "2. Additional Commercial Terms",
        "quote": "700 million monthly active users",
    }
    assert terms["naming_rule"]["value"] == "Llama"
    assert terms["attribution_text"]["value"] == "Built with Llama"
    assert any("Built with Llama" in o for o in payload["obligations"]["llama-3.1-license-2024"])


@pytest.mark.parametrize(
    ("text", "key", "how"),
    [
        ("llama3", "licensetier-llama-3", "Hugging Face license id"),
        ("apple-amlr", "licensetier-apple-amlr", "Hugging Face license id"),
        ("gemma", "gemma-tou-2025-03-24", "Hugging Face license id"),
        ("qwen", "qwen-2024", "Hugging Face license_name"),
        ("MRL", "licensetier-mistral-mrl", "Hugging Face license_name"),
    ],
)
def test_explain_resolves_hub_ids_and_license_names(
    run_cli: Callable[..., Run], text: str, key: str, how: str
) -> None:
    payload = _json(run_cli, text)
    assert payload["scancode_license"] == key
    assert payload["read_as"].startswith(how)
    assert payload["family"] == "custom"
    if key.startswith("licensetier-"):
        assert payload["license"] == "LicenseRef-" + key
        entry = payload["licensetier_entries"][key]
        assert entry["source"].startswith("https://")
        if key == "licensetier-llama-3":  # quotes checked by hand against Meta's text
            naming = payload["terms"][key]["naming_rule"]
            assert naming["value"] == "Llama 3"
            assert naming["source"]["verified"].endswith("meta-llama/llama3/blob/main/LICENSE")
        else:
            assert payload["terms"] == {}  # no ScanCode text to cite


def test_explain_text_shows_terms_sources_and_obligations(run_cli: Callable[..., Run]) -> None:
    run = run_cli("explain", "qwen")
    assert run.exit_code == 0, run.stderr
    out = run.stdout
    assert "read as Hugging Face license_name 'qwen'" in out
    assert "user threshold (monthly active users): 100,000,000" in out
    assert 'qwen-2024, 4. Restrictions: "more than 100 million monthly active users"' in out
    gemma = run_cli("explain", "gemma").stdout
    assert "acceptable use policy: yes (Gemma Prohibited Use Policy)" in gemma
    assert "the use restrictions must be passed on: yes" in gemma
    assert "obligations of gemma-tou-2025-03-24:" in gemma
    own = run_cli("explain", "apple-amlr").stdout
    assert "licensetier's own entry" in own
    assert "terms: none recorded" in own
    assert "ScanCode category" not in own
    assert "ScanCode:" not in own  # licensetier's own entry, not a ScanCode key
    assert "; key: licensetier-apple-amlr)" in own


def test_non_commercial_is_one_attribute(run_cli: Callable[..., Run]) -> None:
    for text in ("CC-BY-NC-4.0", "flux-1-dev-non-commercial-license"):
        (terms,) = _json(run_cli, text)["terms"].values()
        assert terms["non_commercial"]["value"] is True, text


def test_explain_fits_the_tier(run_cli: Callable[..., Run]) -> None:
    verdicts = {(v["tier"], v["kind"]): v for v in _json(run_cli, "llama3.1")["tiers"]}
    for tier in ("sometimes-open", "rarely-open"):
        v = verdicts[(tier, None)]
        assert v["as_declared_license"] == "ok"
        assert "allows a custom license" in v["as_declared_why"]
        assert "widest adoption" not in v["as_declared_why"]
    assert "widest adoption" in verdicts[("typically-open", None)]["as_declared_why"]


def test_spdx_and_scancode_inputs_read_as_before(run_cli: Callable[..., Run]) -> None:
    assert _json(run_cli, "MIT OR GPL-3.0-only")["read_as"] == "SPDX expression"
    # A Hub id that is also an SPDX id of the same license reads as SPDX.
    assert _json(run_cli, "mit")["read_as"] == "SPDX expression"
    boost = _json(run_cli, "bsl-1.0")  # Boost on the Hub and in SPDX alike
    assert (boost["read_as"], boost["scancode_license"]) == ("SPDX expression", "boost-1.0")
    odbl = _json(run_cli, "odbl")  # a Hub id only
    assert (odbl["read_as"], odbl["scancode_license"]) == (
        "Hugging Face license id 'odbl'",
        "odbl-1.0",
    )
    business = _json(run_cli, "LicenseRef-scancode-bsl-1.0")
    assert business["family"] == "source-available"
