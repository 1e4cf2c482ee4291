"""The scenarios of fixtures/, each driven through the real CLI on a real git repository."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import Run


def findings(report: dict[str, Any], severity: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["severity"] == severity]


def file_entry(report: dict[str, Any], path: str) -> dict[str, Any]:
    return next(f for f in report["files"] if f["path"] == path)


def test_clean_sdk_passes(fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]) -> None:
    repo = fixture_repo("clean-sdk")
    run = run_cli("scan", repo, "--format", "json")
    report = run.json()
    assert run.exit_code == 0, report["findings"]
    assert findings(report, "error") == []
    assert findings(report, "warning") == []
    (root,) = report["artifacts"]
    assert root["kind"] == "sdk"
    assert root["tier"] == "typically-open"
    assert root["declared_license"] == "Apache-2.0"
    assert root["declared_family"] == "permissive"
    retry = file_entry(report, "src/sdk/retry.py")
    assert retry["license"] == "MIT"
    assert retry["family"] == "permissive"
    assert retry["detections"][0]["start_line"] == 2
    assert file_entry(report, "src/sdk/client.py")["license"] == "Apache-2.0"
    assert report["summary"]["files_scanned"] == 5
    assert report["summary"]["errors"] == 0


def test_sdk_vendoring_agpl_fails_on_that_file(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("sdk-vendors-agpl")
    run = run_cli("scan", repo, "--format", "json")
    report = run.json()
    assert run.exit_code == 1
    (error,) = findings(report, "error")
    assert error["path"] == "vendor/tracker/tracker.py"
    assert error["license"] == "AGPL-3.0-or-later"
    assert error["family"] == "copyleft"
    assert error["strength"] == "network"
    assert error["tier"] == "typically-open"
    assert error["artifact"] == "."
    assert error["line"] == 3
    assert error["dependency"] is None
    assert "network" in error["why"]


def test_sdk_with_busl_license_fails_on_the_artifact(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("sdk-busl-license")
    run = run_cli("scan", repo, "--format", "json")
    report = run.json()
    assert run.exit_code == 1
    errors = findings(report, "error")
    assert [e["rule"] for e in errors] == ["declared-source-available"]
    assert errors[0]["license"] == "BUSL-1.1"
    assert errors[0]["family"] == "source-available"
    assert report["artifacts"][0]["declared_family"] == "source-available"


def test_commercial_tooling_with_mit_license_fails(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("tooling-mit-license")
    run = run_cli("scan", repo, "--format", "json")
    report = run.json()
    assert run.exit_code == 1
    (error,) = findings(report, "error")
    assert error["rule"] == "declared-permissive"
    assert error["path"] == "LICENSE"
    assert error["license"] == "MIT"
    assert error["tier"] == "rarely-open"


def test_commercial_tooling_with_lgpl_component_warns(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("tooling-lgpl-component")
    run = run_cli("scan", repo, "--format", "json")
    report = run.json()
    assert run.exit_code == 0, report["findings"]
    assert findings(report, "error") == []
    (warning,) = findings(report, "warning")
    assert warning["path"] == "third_party/libchart/chart.c"
    assert warning["strength"] == "weak"
    assert warning["license"] == "LGPL-2.1-or-later"
    assert run_cli("scan", repo, "--fail-on", "warning").exit_code == 1
    assert run_cli("scan", repo, "--fail-on", "never").exit_code == 0


def test_or_expression_takes_the_favourable_side(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("sdk-dual-licensed-file")
    run = run_cli("scan", repo, "--format", "json")
    report = run.json()
    assert run.exit_code == 0, report["findings"]
    parser = file_entry(report, "src/sdk/parser.py")
    assert parser["license"] == "MIT OR GPL-3.0-only"
    assert parser["family"] == "permissive"
    assert findings(report, "error") == []


def test_monorepo_declares_two_artifacts(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("monorepo")
    run = run_cli("scan", repo, "--format", "json")
    report = run.json()
    assert run.exit_code == 1
    artifacts = {a["path"]: a for a in report["artifacts"]}
    assert set(artifacts) == {".", "sdk", "serving"}
    assert artifacts["sdk"]["tier"] == "typically-open"
    assert artifacts["sdk"]["declared_license"] == "MIT"
    assert artifacts["serving"]["tier"] == "rarely-open"
    assert artifacts["."]["tier"] is None
    errors = {(e["path"], e["artifact"], e["rule"]) for e in findings(report, "error")}
    assert errors == {
        ("sdk/acme/gplhelper.js", "sdk", "component-copyleft-strong"),
        # SSPL forbids offering commercial tooling as a service: error, not warning.
        ("serving/vendor/docdb/store.py", "serving", "component-source-available"),
    }


def test_unknown_tier_is_a_configuration_error(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("bad-tier")
    run = run_cli("scan", repo)
    assert run.exit_code == 2
    assert "licensetier.toml" in run.stderr
    assert "tier" in run.stderr
    assert "mostly-open" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout


def test_weights_fine_tuned_from_llama_cannot_be_apache(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("weights-from-llama")
    run = run_cli("scan", repo, "--format", "json")
    report = run.json()
    assert run.exit_code == 1
    (error,) = findings(report, "error")
    assert error["rule"] == "base-model-license"
    assert error["path"] == "README.md"
    assert error["line"] == 3
    assert error["family"] == "custom"
    assert "meta-llama/Llama-3.1-8B" in error["message"]
    assert "700 million" in error["why"]
    # the obligations of Llama 3.1 the fine-tune does not meet
    checked = {f["rule"]: f for f in report["findings"] if f["rule"].startswith("obligation-")}
    assert sorted(checked) == [
        "obligation-attribution",
        "obligation-license-copy",
        "obligation-model-name",
        "obligation-notice",
    ]
    assert '"acme-support-8b" (README.md model_name)' in checked["obligation-model-name"]["message"]
    # Declaring the base model's license fixes it; its obligations are still listed.
    card = repo / "README.md"
    card.write_text(card.read_text().replace("license: apache-2.0", "license: llama3.1"))
    run = run_cli("scan", repo, "--format", "json")
    report = run.json()
    assert run.exit_code == 0, report["findings"]
    assert report["artifacts"][0]["declared_family"] == "custom"
    (info,) = [f for f in findings(report, "info") if f["rule"] == "declared-custom"]
    assert "Built with Llama" in info["why"]
