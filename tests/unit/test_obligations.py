"""The obligations of AI model licenses, checked against what an artifact ships
(licensetier.obligations): each check failing and passing, on files written here
(detections given as ScanCode would give them; test_corrections.py runs ScanCode)."""

from __future__ import annotations

from pathlib import Path

import pytest

from licensetier.license_db import LicenseDB
from licensetier.models import (
    Artifact,
    DeclaredLicense,
    Detection,
    FileResult,
    Finding,
    Match,
    ScanError,
    Severity,
    Tier,
    Weights,
)
from licensetier.obligations import in_effect, normal, notice_pattern, obligation_findings
from licensetier.readers.model_card import ModelCard, parse_model_card

LLAMA3_NOTICE = (
    "Meta Llama 3 is licensed under the Meta Llama 3 Community License, "
    "Copyright © Meta Platforms, Inc. All Rights Reserved."
)
WEIGHTS = Weights(path="model.safetensors", format="safetensors")


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


def card(front: str, body: str = "# A model\n") -> tuple[str, ModelCard]:
    text = f"---\n{front}---\n{body}"
    parsed = parse_model_card(text, "README.md")
    assert parsed is not None
    return text, parsed


def declared(key: str, raw: str, source: str = "README.md") -> DeclaredLicense:
    return DeclaredLicense(source=source, field="license", license=key, license_spdx=None, raw=raw)


def run(
    root: Path,
    db: LicenseDB,
    files: dict[str, tuple[str, str | None]],
    *,
    model_card: ModelCard | None,
    licenses: tuple[DeclaredLicense, ...] = (),
    weights: tuple[Weights, ...] = (WEIGHTS,),
    art_path: str = ".",
) -> list[Finding]:
    """The obligation findings of an artifact whose files are ``files`` (path ->
    (content, the key whose full text ScanCode matched in it))."""
    results = []
    for path, (content, key) in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(content, encoding="utf-8")
        results.append(FileResult(path, key, None, (full_text(key),) if key else ()))
    arts = [Artifact(".", None, None, None)]
    art = Artifact(art_path, "model-weights", Tier.SOMETIMES_OPEN, None, declared=licenses)
    if art_path != ".":
        arts.append(art)
    else:
        arts = [art]
    errors: list[ScanError] = []
    found = obligation_findings(
        art, model_card, weights, results, arts, root, db, errors, root_name="repo"
    )
    assert errors == []
    return found


def full_text(key: str, rule: str = "") -> Detection:
    """A detection of ``key`` as ScanCode reports a match to its license text (or to
    another ``rule``)."""
    rule = rule or f"{key}.LICENSE"
    return Detection(
        key, "", 1, 40, 95.0, "3-seq", rule, (Match(key, "", 1, 40, 95.0, "3-seq", rule),)
    )


def rules_of(found: list[Finding]) -> list[str]:
    return sorted(f.rule for f in found)


def fine_tune(front_extra: str = "", body: str = "# A model\n") -> tuple[str, ModelCard]:
    return card(f"license: llama3\nbase_model: meta-llama/Meta-Llama-3-8B\n{front_extra}", body)


# -- which licenses are in effect --------------------------------------------------------


def test_licenses_in_effect_are_declared_and_inherited(db: LicenseDB) -> None:
    _, parsed = card("license: apache-2.0\nbase_model: google/gemma-2b\n")
    art = Artifact(".", None, None, None, declared=(declared("apache-2.0", "apache-2.0"),))
    effects = {e.key: e for e in in_effect(art, parsed, (), db)}
    assert set(effects) == {"apache-2.0", "gemma-tou-2025-03-24"}
    assert effects["apache-2.0"].base is None
    assert effects["gemma-tou-2025-03-24"].base == "google/gemma-2b"
    assert "inherited from the base model google/gemma-2b" in effects["gemma-tou-2025-03-24"].origin
    # a weights header's license is declared too (a Hub id or license_name)
    gguf = Weights("m.gguf", "gguf", license="other", license_name="qwen")
    (effect,) = in_effect(Artifact(".", None, None, None), None, (gguf,), db)
    assert (effect.key, effect.origin) == ("qwen-2024", "declared in m.gguf's header")


# -- everything missing, everything present -------------------------------------------------


def test_a_llama_3_fine_tune_without_anything(tmp_path: Path, db: LicenseDB) -> None:
    text, parsed = fine_tune()
    found = run(
        tmp_path,
        db,
        {"README.md": (text, None)},
        model_card=parsed,
        licenses=(declared("licensetier-llama-3", "llama3"),),
    )
    assert rules_of(found) == [
        "obligation-attribution",
        "obligation-license-copy",
        "obligation-model-name",
        "obligation-notice",
    ]
    by_rule = {f.rule: f for f in found}
    assert by_rule["obligation-attribution"].severity is Severity.INFO
    assert by_rule["obligation-license-copy"].severity is Severity.WARNING
    for f in found:
        assert f.path == "README.md"
        assert f.artifact == "."
        assert f.license == "LicenseRef-licensetier-llama-3"
        assert "inherited from the base model meta-llama/Meta-Llama-3-8B" in f.message
    name = by_rule["obligation-model-name"]
    assert '"repo" (the repository\'s directory name)' in name.message
    assert '1.b.i: "include "Llama 3" at the beginning of any such AI model name"' in name.why
    notice = by_rule["obligation-notice"]
    assert "the repository ships no Notice file with the notice" in notice.message
    assert LLAMA3_NOTICE in notice.action
    assert "website" in by_rule["obligation-attribution"].why  # why it is only information


def test_a_llama_3_fine_tune_with_everything(tmp_path: Path, db: LicenseDB) -> None:
    text, parsed = fine_tune(
        "model_name: Llama-3-acme-support-8B\n", "# Acme support\n\nBuilt with Meta Llama 3.\n"
    )
    files = {
        "README.md": (text, None),
        # ScanCode reads the Llama 3 text as Llama 3.1's: any Llama 3.x text counts
        "LICENSE": ("(the license text)", "llama-3.1-license-2024"),
        "NOTICE": ("Notice\n\n  “" + LLAMA3_NOTICE.replace(" ", "\n", 3) + "”\n", None),
    }
    licenses = (declared("licensetier-llama-3", "llama3"),)
    assert run(tmp_path, db, files, model_card=parsed, licenses=licenses) == []


# -- each check, failing and passing ----------------------------------------------------------


def test_license_copy_is_any_file_detected_as_the_license(tmp_path: Path, db: LicenseDB) -> None:
    text, parsed = card("license: gemma\n")
    licenses = (declared("gemma-tou-2025-03-24", "gemma"),)
    base = {
        "README.md": (text, None),
        "NOTICE.txt": (
            "Gemma is provided under and subject to the Gemma Terms of Use found at "
            "ai.google.dev/gemma/terms\n",
            None,
        ),
    }
    found = run(tmp_path, db, base, model_card=parsed, licenses=licenses)
    assert rules_of(found) == ["obligation-license-copy", "obligation-use-policy"]
    (copy,) = [f for f in found if f.rule == "obligation-license-copy"]
    assert "gemma-tou-2024-04-01, gemma-tou-2025-03-24" in copy.message
    assert '3.1 Distribution and Redistribution: "a copy of this Agreement"' in copy.why
    # the Terms, anywhere in the artifact, carry both the copy and the restrictions
    terms = {**base, "docs/GEMMA_TERMS.txt": ("(the terms)", "gemma-tou-2024-04-01")}
    assert run(tmp_path, db, terms, model_card=parsed, licenses=licenses) == []


def test_a_use_policy_file_passes_the_restrictions_on(tmp_path: Path, db: LicenseDB) -> None:
    text, parsed = card("license: creativeml-openrail-m\n")
    licenses = (declared("stable-diffusion-2022-08-22", "creativeml-openrail-m"),)
    files = {"README.md": (text, None)}
    found = run(tmp_path, db, files, model_card=parsed, licenses=licenses)
    assert rules_of(found) == ["obligation-license-copy", "obligation-use-policy"]
    (policy,) = [f for f in found if f.rule == "obligation-use-policy"]
    assert "MUST be included as an enforceable provision" in policy.why
    assert "as the Llama licenses do their Acceptable Use Policy" in policy.why
    files["USE_POLICY.md"] = ("# Use restrictions\n", None)
    assert rules_of(run(tmp_path, db, files, model_card=parsed, licenses=licenses)) == [
        "obligation-license-copy"
    ]
    files["LICENSE"] = ("(the license with its Attachment A)", "stable-diffusion-2022-08-22")
    del files["USE_POLICY.md"]
    (tmp_path / "USE_POLICY.md").unlink()
    assert run(tmp_path, db, files, model_card=parsed, licenses=licenses) == []


def test_the_notice_must_be_in_a_notice_file(tmp_path: Path, db: LicenseDB) -> None:
    text, parsed = card("license: llama3.1\n", "Built with Llama\n\n" + LLAMA3_NOTICE)
    licenses = (declared("llama-3.1-license-2024", "llama3.1"),)
    files = {
        "README.md": (text, None),
        "LICENSE": ("(text)", "llama-3.1-license-2024"),
        "Notice.txt": ("Copyright Acme\n", None),
    }
    (found,) = run(tmp_path, db, files, model_card=parsed, licenses=licenses)
    assert found.rule == "obligation-notice"
    assert "none of Notice.txt carries the notice" in found.message  # the README does not count
    # the Llama version may differ (a 3.2 notice on a 3.1 model): spacing, case, (c)
    files["Notice.txt"] = (
        "LLAMA 3.2 is licensed under the Llama 3.2 Community License,\n"
        "Copyright (c) Meta Platforms, Inc.  All rights reserved\n",
        None,
    )
    assert run(tmp_path, db, files, model_card=parsed, licenses=licenses) == []


def test_notice_pattern() -> None:
    pattern = notice_pattern(LLAMA3_NOTICE)
    assert pattern.search(
        normal("“**" + LLAMA3_NOTICE.replace("Meta Llama", "Meta  *Llama*") + "**”")
    )
    assert pattern.search(normal(LLAMA3_NOTICE.replace("©", "(C)")))
    assert not pattern.search(normal("Meta Llama 3 is licensed under the MIT License"))
    assert pattern.search(normal(LLAMA3_NOTICE.replace("3", "3.3")))


def test_attribution_accepts_any_of_its_texts(tmp_path: Path, db: LicenseDB) -> None:
    text, parsed = card("license: other\nlicense_name: qwen\n", "# Qwen fine-tune\n")
    licenses = (declared("qwen-2024", "qwen"),)
    files = {"README.md": (text, None), "LICENSE": ("(text)", "qwen-2024")}
    (found,) = run(tmp_path, db, files, model_card=parsed, licenses=licenses)
    assert found.rule == "obligation-attribution"
    assert '"Built with Qwen" or "Improved using Qwen" is not displayed in README.md' in (
        found.message
    )
    text, parsed = card("license: other\nlicense_name: qwen\n", "IMPROVED  USING\nqwen\n")
    files["README.md"] = (text, None)
    assert run(tmp_path, db, files, model_card=parsed, licenses=licenses) == []


@pytest.mark.parametrize(
    ("front", "weights_name", "art_path", "checked", "ok"),
    [
        ("model_name: acme-8b\n", None, ".", "README.md model_name", False),
        ("model_name: llama_3-acme-8b\n", None, ".", "", True),
        (
            "model-index:\n- name: Llama3 acme\n  results: []\n",
            "acme",
            ".",
            "",
            True,
        ),
        ("", "Acme 8B", ".", "model.gguf general.name", False),
        ("", "Llama 3 Acme 8B", ".", "", True),
        ("", None, "models/llama-3-acme", "", True),
        ("", None, "models/acme", "the artifact's directory name", False),
    ],
)
def test_model_name_of_a_derived_model(
    tmp_path: Path,
    db: LicenseDB,
    front: str,
    weights_name: str | None,
    art_path: str,
    checked: str,
    ok: bool,
) -> None:
    prefix = "" if art_path == "." else art_path + "/"
    text, parsed = card(f"license: llama3\nbase_model: meta-llama/Meta-Llama-3-8B\n{front}")
    parsed = parse_model_card(text, prefix + "README.md")
    metadata = (("general.name", weights_name),) if weights_name else ()
    weights = (Weights(prefix + "model.gguf", "gguf", artifact=art_path, metadata=metadata),)
    files = {prefix + "README.md": (text, None)}
    found = run(
        tmp_path,
        db,
        files,
        model_card=parsed,
        weights=weights,
        art_path=art_path,
        licenses=(declared("licensetier-llama-3", "llama3", prefix + "README.md"),),
    )
    named = [f for f in found if f.rule == "obligation-model-name"]
    assert (named == []) is ok
    if not ok:
        assert checked in named[0].message


def test_the_original_model_is_not_renamed(tmp_path: Path, db: LicenseDB) -> None:
    """Meta's own Llama 3.1 (no base model): the naming rule is for derived models."""
    text, parsed = card("license: llama3.1\nmodel_name: Meta-Llama-3.1-8B\n", "Built with Llama")
    files = {"README.md": (text, None), "LICENSE": ("(text)", "llama-3.1-license-2024")}
    found = run(
        tmp_path,
        db,
        files,
        model_card=parsed,
        licenses=(declared("llama-3.1-license-2024", "llama3.1"),),
    )
    assert rules_of(found) == ["obligation-notice"]


def test_only_artifacts_with_weights_or_a_model_card_are_checked(
    tmp_path: Path, db: LicenseDB
) -> None:
    """Code that merely carries a Llama license (no card, no weights) is not a model."""
    licenses = (declared("llama-3.1-license-2024", "LICENSE", "LICENSE"),)
    files = {"LICENSE": ("(text)", "llama-3.1-license-2024"), "app.py": ("print()", None)}
    assert run(tmp_path, db, files, model_card=None, licenses=licenses, weights=()) == []
    # a README without front matter is no model card; a weights file makes it a model
    found = run(tmp_path, db, files, model_card=None, licenses=licenses)
    assert rules_of(found) == ["obligation-attribution", "obligation-notice"]
    (attribution,) = [f for f in found if f.rule == "obligation-attribution"]
    assert attribution.path == "model.safetensors"


def test_a_license_without_obligations_checks_nothing(tmp_path: Path, db: LicenseDB) -> None:
    text, parsed = card("license: apache-2.0\n")
    licenses = (declared("apache-2.0", "apache-2.0"),)
    assert (
        run(tmp_path, db, {"README.md": (text, None)}, model_card=parsed, licenses=licenses) == []
    )


def test_a_mention_of_the_license_is_not_its_copy(tmp_path: Path, db: LicenseDB) -> None:
    """A README saying "licensed under the Llama 3.1 Community License" is detected as
    the license by a notice rule: it is no copy of the license."""
    text, parsed = card("license: llama3.1\n", "Built with Llama\n")
    licenses = (declared("llama-3.1-license-2024", "llama3.1"),)
    notice = LLAMA3_NOTICE.replace("Meta Llama 3", "Llama 3.1")
    (tmp_path / "README.md").write_text(text, encoding="utf-8")
    (tmp_path / "NOTICE").write_text(notice, encoding="utf-8")
    mention = full_text("llama-3.1-license-2024", "licensetier:llama-3.1-notice")
    results = [FileResult("README.md", None, None), FileResult("NOTICE", None, None, (mention,))]
    art = Artifact(".", "model-weights", None, None, declared=licenses)
    found = obligation_findings(art, parsed, (WEIGHTS,), results, [art], tmp_path, db, [])
    assert rules_of(found) == ["obligation-license-copy"]


def test_config_json_naming_a_model_is_no_sign_of_a_derived_one(db: LicenseDB) -> None:
    """config.json's _name_or_path is often the model's own name (Meta's own repository
    says meta-llama/Llama-3.1-8B): the license is in effect, the naming rule is not."""
    config = Weights(
        "config.json",
        "transformers-config",
        role="metadata",
        base_models=("meta-llama/Llama-3.1-8B",),
    )
    art = Artifact(".", None, None, None)
    (effect,) = in_effect(art, None, (config,), db)
    assert (effect.key, effect.base) == ("llama-3.1-license-2024", None)
