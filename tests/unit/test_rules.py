"""The rule catalogue: complete, the only source of rule text, documented, configurable."""

from __future__ import annotations

import ast
import datetime as dt
import json
from pathlib import Path

import pytest

from licensetier.config import Config, ExceptionSpec
from licensetier.license_db import LicenseDB
from licensetier.models import Artifact, Finding, ScanResult, Severity, Tier
from licensetier.policy import apply_exceptions
from licensetier.reporters import markdown, sarif
from licensetier.reporters.rules import render_markdown
from licensetier.rules import configured, finding, load_catalogue
from licensetier.tiers import load_tiers
from tests.conftest import REPO

SRC = REPO / "src" / "licensetier"
SDK = Artifact(".", "sdk", Tier.TYPICALLY_OPEN, None)


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


def _rule_ids_in_source() -> tuple[set[str], set[str]]:
    """The literal rule ids passed to ``rules.finding`` (or bound to a ``*_RULE`` name)
    and the prefixes of the f-string ones (``component-{c.row}`` -> ``component-``)."""
    literal: set[str] = set()
    prefixes: set[str] = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            named = isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id.endswith("_RULE") for t in node.targets
            )
            if named and isinstance(node.value, ast.Constant):
                literal.add(str(node.value.value))
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "finding"
                and node.args
            ):
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                literal.add(first.value)
            elif isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
                prefixes.add(str(first.values[0].value))
    return literal, prefixes


def test_every_rule_raised_is_in_the_catalogue_and_every_entry_is_raised() -> None:
    catalogue = load_catalogue()
    tiers = load_tiers()
    literal, prefixes = _rule_ids_in_source()
    assert prefixes == {"component-", "dependency-", "declared-"}
    rows = {
        "component-": tiers.component_rows,
        "dependency-": tiers.component_rows,
        "declared-": tiers.declared_rows,
    }
    raised = literal | {prefix + row for prefix, names in rows.items() for row in names}
    assert raised == {r.id for r in catalogue}


def test_no_finding_is_built_outside_the_catalogue() -> None:
    """``Finding(...)`` is constructed only by ``rules.finding`` (replace() of an
    existing one is fine): no rule text can come from anywhere else."""
    builders = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Finding"
            ):
                builders.append(path.relative_to(SRC).as_posix())
    assert builders == ["rules/__init__.py"]


def test_docs_rules_md_is_the_rendered_catalogue() -> None:
    """docs/rules.md is `licensetier rules --format markdown`: a rule added to the
    catalogue and not to the docs fails here."""
    docs = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert docs == render_markdown(list(load_catalogue())), (
        "docs/rules.md is stale: licensetier rules --format markdown > docs/rules.md"
    )
    for rule in load_catalogue():
        assert f"\n### {rule.id}\n" in docs
    formats = (REPO / "docs" / "formats.md").read_text(encoding="utf-8")
    assert "rules.md" in formats


def test_a_finding_takes_its_text_from_the_catalogue() -> None:
    made = finding(
        "base-model-license",
        message="m",
        artifact=SDK,
        base_license="`license: llama3`",
        also="Obligations: x.",
    )
    entry = load_catalogue()["base-model-license"]
    assert made.severity is Severity.ERROR
    assert made.why == f"{entry.why} Obligations: x."
    assert "`license: llama3`" in made.action
    assert (made.artifact, made.tier) == (".", Tier.TYPICALLY_OPEN)


@pytest.mark.parametrize(
    ("rule_id", "kwargs", "error"),
    [
        ("no-such-rule", {}, KeyError),
        ("component-copyleft-strong", {}, ValueError),  # the tier decides: give it
        ("no-tier-declared", {"severity": Severity.ERROR}, ValueError),  # fixed
        ("base-model-license", {}, ValueError),  # its parameter is missing
    ],
)
def test_a_finding_must_fit_its_rule(
    rule_id: str, kwargs: dict[str, Severity], error: type[Exception]
) -> None:
    with pytest.raises(error):
        finding(rule_id, message="m", artifact=".", **kwargs)


def _made(rule_id: str, severity: Severity | None = None, path: str = "a.py") -> Finding:
    return finding(rule_id, severity=severity, message="m", artifact=SDK, path=path)


def test_settings_change_a_severity_or_turn_a_rule_off() -> None:
    findings = [
        _made("component-copyleft-weak", Severity.WARNING),
        _made("not-a-license-of-use"),
        _made("component-unknown", Severity.WARNING),
    ]
    out = configured(findings, {"component-copyleft-weak": "error", "not-a-license-of-use": "off"})
    assert [(f.rule, f.severity) for f in out] == [
        ("component-copyleft-weak", Severity.ERROR),
        ("component-unknown", Severity.WARNING),
    ]


def test_settings_apply_before_exceptions_and_to_expired_ones(db: LicenseDB) -> None:
    config = Config(
        rules={"component-copyleft-weak": "error", "exception-expired": "info"},
        exceptions=(
            ExceptionSpec("vendored", "cfg.toml", path="vendor/**"),
            ExceptionSpec("old", "cfg.toml", path="old/**", expires=dt.date(2020, 1, 1)),
        ),
    )
    out = apply_exceptions(
        [
            _made("component-copyleft-weak", Severity.WARNING, "vendor/x.c"),
            _made("component-copyleft-weak", Severity.WARNING, "src/y.c"),
        ],
        config,
        db,
        dt.date(2026, 12, 4),
    )
    by_path = {f.path: f for f in out}
    assert by_path["vendor/x.c"].severity is Severity.INFO  # raised, then excepted
    assert by_path["vendor/x.c"].excepted == "vendored"
    assert by_path["src/y.c"].severity is Severity.ERROR
    assert by_path["cfg.toml"].rule == "exception-expired"
    assert by_path["cfg.toml"].severity is Severity.INFO


def test_sarif_describes_the_drift_rule_from_the_catalogue() -> None:
    """The SARIF reporter used to invent 'A dependency under a license drift license'."""
    drift = finding(
        "dependency-license-drift",
        severity=Severity.ERROR,
        message="m",
        artifact=SDK,
        path="package.json",
        earlier="left-pad@1.0.0",
    )
    result = ScanResult("/r", (SDK,), (), (), (drift,), ())
    descriptor = sarif.to_dict(result)["runs"][0]["tool"]["driver"]["rules"][0]
    entry = load_catalogue()["dependency-license-drift"]
    assert descriptor["shortDescription"]["text"] == entry.summary
    assert "license drift license" not in json.dumps(descriptor)
    assert descriptor["fullDescription"]["text"] == entry.why
    assert "<earlier>" in descriptor["help"]["text"]  # the rule, not one finding
    assert "(left-pad@1.0.0)" in drift.action
    summary = markdown.render(result)
    assert entry.summary in summary
    assert entry.anchor in summary


def test_every_rule_has_real_text() -> None:
    for rule in load_catalogue():
        for text in (rule.summary, rule.why, rule.action):
            assert len(text.split()) >= 4, (rule.id, text)
        assert not rule.summary.endswith("."), rule.id  # a summary line, not a sentence
        assert rule.why.endswith("."), rule.id


def test_the_catalogue_data_is_checked(tmp_path: Path) -> None:
    from licensetier.errors import LicenseDBError
    from licensetier.rules import parse

    good = {"severity": "info", "subject": "scan", "summary": "s", "why": "w", "action": "a"}
    assert parse({"rules": {"x": good}})["x"].summary == "s"
    for broken in (
        {**good, "severity": "loud"},
        {**good, "subject": "weather"},
        {k: v for k, v in good.items() if k != "why"},
        {**good, "colour": "red"},
    ):
        with pytest.raises(LicenseDBError):
            parse({"rules": {"x": broken}})


def test_allowed_texts_go_together_on_tier_rules() -> None:
    from licensetier.errors import LicenseDBError
    from licensetier.rules import parse

    base = {"subject": "declared", "summary": "s", "why": "w", "action": "a"}
    allowed = {"allowed_why": "aw", "allowed_action": "aa"}
    rule = parse({"rules": {"r": {**base, "severity": "tier", **allowed}}})["r"]
    assert (rule.allowed_why, rule.allowed_action) == ("aw", "aa")
    for entry in (
        {**base, "severity": "error", **allowed},
        {**base, "severity": "tier", "allowed_why": "aw"},
    ):
        with pytest.raises(LicenseDBError, match="go together"):
            parse({"rules": {"r": entry}})
