"""`licensetier rules` and [tool.licensetier.rules], through the real CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from licensetier.rules import load_catalogue
from tests.conftest import Run


def _set_rules(repo: Path, table: str) -> None:
    pyproject = repo / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[tool.licensetier.rules]\n" + table)


def test_rules_lists_the_catalogue(run_cli: Callable[..., Run]) -> None:
    listed = run_cli("rules", "--format", "json")
    assert listed.exit_code == 0
    rules = listed.json()
    assert [r["id"] for r in rules] == [r.id for r in load_catalogue()]
    network = next(r for r in rules if r["id"] == "component-copyleft-network")
    assert network["severity"] == "tier"
    assert network["docs"] == "docs/rules.md#component-copyleft-network"
    one = run_cli("rules", "exception-expired")
    assert one.exit_code == 0
    assert one.stdout.startswith("exception-expired\n")
    assert "severity:   warning" in one.stdout
    assert "component-" not in one.stdout
    typo = run_cli("rules", "exception-expird")
    assert typo.exit_code == 2
    assert "did you mean exception-expired?" in typo.stderr


@pytest.mark.parametrize("setting", ["warning", "off"])
def test_a_rule_turned_off_or_lowered_changes_the_verdict(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run], setting: str
) -> None:
    repo = fixture_repo("sdk-vendors-agpl")
    before = run_cli("scan", repo, "--format", "json")
    assert before.exit_code == 1
    _set_rules(repo, f'component-copyleft-network = "{setting}"\n')
    run = run_cli("scan", repo, "--format", "json", "--fail-on", "error")
    assert run.exit_code == 0
    network = [f for f in run.json()["findings"] if f["rule"] == "component-copyleft-network"]
    if setting == "off":
        assert network == []
    else:
        (warning,) = network
        assert warning["severity"] == "warning"
        assert warning["path"] == "vendor/tracker/tracker.py"


def test_an_unknown_rule_in_the_configuration_exits_2_naming_file_and_line(
    fixture_repo: Callable[..., Path], run_cli: Callable[..., Run]
) -> None:
    repo = fixture_repo("sdk-vendors-agpl")
    lines = (repo / "pyproject.toml").read_text().count("\n")
    _set_rules(repo, 'component-copyleft-netwrk = "off"\n')
    run = run_cli("scan", repo)
    assert run.exit_code == 2
    assert f"pyproject.toml:{lines + 3}" in run.stderr
    assert "tool.licensetier.rules.component-copyleft-netwrk" in run.stderr
    assert "did you mean component-copyleft-network?" in run.stderr
