"""The obligations of a Llama 3 fine-tune through the CLI: real safetensors weights
and a model card, first without the license, the Notice, the attribution and a
Llama name, then with all of them (the license text is the installed ScanCode's, the
Notice and the use policy have the shapes of Meta's, written for the test)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from licensetier.detect.corrections import load_corrections
from tests.conftest import Run
from tests.unit.test_corrections import NOTICE, example, scancode_text
from tests.weights_files import write_safetensors

SCAN = ("scan", "--format", "json", "--no-deps", "--jobs", "1", "--kind", "model-weights")
LLAMA_3_LICENSE = next(c for c in load_corrections() if c.id == "llama-3-license")
CARD = "---\nlicense: llama3\nbase_model: meta-llama/Meta-Llama-3-8B\n{extra}---\n\n{body}"


def obligations(report: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return sorted(
        (f["rule"], f["severity"], f["path"])
        for f in report["findings"]
        if f["rule"].startswith("obligation-")
    )


def test_a_llama_3_fine_tune(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    root = tmp_path / "acme-support-8b"
    write_safetensors(root / "model.safetensors", {"format": "pt"})
    card = root / "README.md"
    card.write_text(CARD.format(extra="", body="# Acme support\n"), encoding="utf-8")

    run = run_cli(*SCAN, root)
    report = run.json()
    assert run.exit_code == 0, run.stderr  # warnings: --fail-on error passes
    assert obligations(report) == [
        ("obligation-attribution", "info", "README.md"),
        ("obligation-license-copy", "warning", "README.md"),
        ("obligation-model-name", "warning", "README.md"),
        ("obligation-notice", "warning", "README.md"),
    ]
    by_rule = {f["rule"]: f for f in report["findings"]}
    name = by_rule["obligation-model-name"]
    assert '"acme-support-8b" (the repository\'s directory name)' in name["message"]
    assert 'does not begin with "Llama 3"' in name["message"]
    assert "1.b.i" in name["why"]
    assert "Meta Llama 3 is licensed under" in by_rule["obligation-notice"]["action"]
    assert "--fail-on" not in run.stderr
    assert run_cli(*SCAN, "--fail-on", "warning", root).exit_code == 1

    # everything the license asks for
    card.write_text(
        CARD.format(
            extra="model_name: Llama-3-Acme-Support-8B\n",
            body="# Acme support\n\nBuilt with Meta Llama 3\n",
        ),
        encoding="utf-8",
    )
    (root / "LICENSE").write_text(example(LLAMA_3_LICENSE), encoding="utf-8")
    (root / "NOTICE").write_text(NOTICE.format(v="Meta Llama 3") + "\n", encoding="utf-8")
    policy = scancode_text("llama-4-license-2025").replace("Llama 4", "Meta Llama 3")
    (root / "USE_POLICY.md").write_text("# " + policy, encoding="utf-8")
    run = run_cli(*SCAN, root)
    report = run.json()
    assert obligations(report) == []
    files = {f["path"]: f for f in report["files"]}
    # Meta's Notice line is the Notice, the Llama 3 use policy Llama 3's (not Llama 4's)
    assert files["NOTICE"]["license"] == "LicenseRef-licensetier-llama-3"
    assert files["NOTICE"]["detections"][0]["rule"] == "licensetier:llama-3-notice"
    assert files["USE_POLICY.md"]["license"] == "LicenseRef-licensetier-llama-3-aup"
    # ... and the Llama 3 license is Llama 3's, not Llama 3.1's
    assert files["LICENSE"]["license"] == "LicenseRef-licensetier-llama-3"
    assert report["artifacts"][0]["declared_license"] == "LicenseRef-licensetier-llama-3"
