"""Policy: matrices and their overrides, OR/AND for a tier, declared licenses, exceptions."""

from __future__ import annotations

import datetime as dt

import pytest

from licensetier.config import Config, ExceptionSpec
from licensetier.license_db import LicenseDB
from licensetier.models import (
    Artifact,
    DeclaredLicense,
    Detection,
    Family,
    FileResult,
    Finding,
    Severity,
    Strength,
    Tier,
)
from licensetier.policy import (
    Policy,
    apply_exceptions,
    evaluate_artifact,
    evaluate_files,
    owner_of,
)
from licensetier.tiers import load_tiers

TODAY = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


def policy(db: LicenseDB, config: Config | None = None) -> Policy:
    return Policy(db, load_tiers(), config or Config())


def art(path: str, kind: str | None, tier: Tier | None, **kw: object) -> Artifact:
    return Artifact(path, kind, tier, None, **kw)  # type: ignore[arg-type]


def file(path: str, keys: str, spdx: str, line: int = 1) -> FileResult:
    det = Detection(keys, spdx, line, line, 100.0, "1-spdx-id", "spdx-license-identifier")
    return FileResult(path, keys, spdx, (det,))


SDK = art(".", "sdk", Tier.TYPICALLY_OPEN)
TOOLING = art(".", "commercial-tooling", Tier.RARELY_OPEN)
WEIGHTS = art(".", "model-weights", Tier.SOMETIMES_OPEN)


def test_owner_is_the_deepest_artifact() -> None:
    arts = [
        art(".", None, None),
        art("a", "sdk", None),
        art("a/b", "docs", None),
        art("ab", "x", None),
    ]
    assert owner_of("a/b/c.py", arts).path == "a/b"
    assert owner_of("a/c.py", arts).path == "a"
    assert owner_of("ab/c.py", arts).path == "ab"
    assert owner_of("abc/c.py", arts).path == "."
    assert owner_of("README", arts).path == "."


@pytest.mark.parametrize(
    ("artifact", "keys", "spdx", "severity", "rule"),
    [
        (SDK, "agpl-3.0", "AGPL-3.0-only", Severity.ERROR, "component-copyleft-network"),
        (SDK, "lgpl-2.1", "LGPL-2.1-only", Severity.WARNING, "component-copyleft-weak"),
        (SDK, "mit", "MIT", None, None),
        (SDK, "mit OR gpl-3.0", "MIT OR GPL-3.0-only", None, None),
        (SDK, "mit AND gpl-3.0", "MIT AND GPL-3.0-only", Severity.ERROR,
         "component-copyleft-strong"),
        (SDK, "gpl-2.0 WITH classpath-exception-2.0", "GPL-2.0-only WITH Classpath-exception-2.0",
         Severity.WARNING, "component-copyleft-weak"),
        (WEIGHTS, "gpl-3.0", "GPL-3.0-only", Severity.WARNING, "component-copyleft-strong"),
        (TOOLING, "bsl-1.1", "BUSL-1.1", Severity.WARNING, "component-source-available"),
        (TOOLING, "mongodb-sspl-1.0", "SSPL-1.0", Severity.ERROR, "component-source-available"),
        (TOOLING, "commercial-license", "LicenseRef-scancode-commercial-license", None, None),
        (SDK, "commercial-license", "LicenseRef-scancode-commercial-license", Severity.ERROR,
         "component-proprietary"),
        (WEIGHTS, "llama-2-license-2023", "LicenseRef-scancode-llama-2-license-2023",
         Severity.INFO, "component-custom"),
    ],
)  # fmt: skip
def test_component_matrix(
    db: LicenseDB,
    artifact: Artifact,
    keys: str,
    spdx: str,
    severity: Severity | None,
    rule: str | None,
) -> None:
    found = evaluate_files(policy(db), [file("x/f.py", keys, spdx, line=7)], [artifact])
    if severity is None:
        assert found == []
        return
    (finding,) = found
    assert (finding.severity, finding.rule) == (severity, rule)
    assert finding.path == "x/f.py"
    assert finding.line == 7
    assert finding.license == spdx
    assert finding.why
    assert finding.action


def test_custom_license_in_sometimes_open_lists_its_obligations(db: LicenseDB) -> None:
    (finding,) = evaluate_files(
        policy(db), [file("w/README", "llama-2-license-2023", "LicenseRef-llama2")], [WEIGHTS]
    )
    assert "700 million" in finding.why


def test_or_takes_the_side_favourable_for_the_tier(db: LicenseDB) -> None:
    p = policy(db)
    # For held-back tooling, proprietary is "ok" and copyleft an error: OR picks proprietary.
    c = p.classify("gpl-3.0 OR commercial-license", Tier.RARELY_OPEN, "commercial-tooling")
    assert c.family is Family.PROPRIETARY
    # For an SDK, the permissive side is the one without a conflict.
    c = p.classify("mit OR commercial-license", Tier.TYPICALLY_OPEN, "sdk")
    assert c.family is Family.PERMISSIVE


def test_matrix_override_from_config(db: LicenseDB) -> None:
    config = Config(component_matrix={"copyleft-weak": {"typically-open": "ok"}})
    assert (
        evaluate_files(policy(db, config), [file("a.c", "lgpl-2.1", "LGPL-2.1-only")], [SDK]) == []
    )
    config = Config(component_matrix={"copyleft-weak": {"typically-open": "error"}})
    (f,) = evaluate_files(policy(db, config), [file("a.c", "lgpl-2.1", "LGPL-2.1-only")], [SDK])
    assert f.severity is Severity.ERROR


def test_no_tier_means_no_conflicts(db: LicenseDB) -> None:
    root = art(".", None, None)
    assert evaluate_files(policy(db), [file("a.py", "agpl-3.0", "AGPL-3.0-only")], [root]) == []


def declared(spdx: str, keys: str, source: str = "LICENSE") -> DeclaredLicense:
    return DeclaredLicense(source, "file", keys, spdx, spdx, 100.0, 1)


def with_declared(
    db: LicenseDB, base: Artifact, *stmts: DeclaredLicense, intended: str | None = None
) -> Artifact:
    spdx = " AND ".join(sorted({s.license_spdx for s in stmts if s.license_spdx})) or None
    c = policy(db).classify(db.spdx_to_keys(spdx), base.tier, base.kind) if spdx else None
    return Artifact(base.path, base.kind, base.tier, intended, tuple(stmts), spdx, c)


@pytest.mark.parametrize(
    ("base", "spdx", "keys", "severity", "rule"),
    [
        (SDK, "Apache-2.0", "apache-2.0", None, None),
        (SDK, "BUSL-1.1", "bsl-1.1", Severity.ERROR, "declared-source-available"),
        (SDK, "GPL-3.0-only", "gpl-3.0", Severity.WARNING, "declared-copyleft"),
        (TOOLING, "MIT", "mit", Severity.ERROR, "declared-permissive"),
        (TOOLING, "BUSL-1.1", "bsl-1.1", None, None),
        (WEIGHTS, "LicenseRef-scancode-llama-2-license-2023", "llama-2-license-2023", Severity.INFO,
         "declared-custom"),
    ],
)  # fmt: skip
def test_declared_matrix(
    db: LicenseDB, base: Artifact, spdx: str, keys: str, severity: Severity | None, rule: str | None
) -> None:
    found = evaluate_artifact(policy(db), with_declared(db, base, declared(spdx, keys)))
    assert [(f.severity, f.rule) for f in found] == ([(severity, rule)] if severity else [])


def test_nothing_declared(db: LicenseDB) -> None:
    (f,) = evaluate_artifact(policy(db), SDK)
    assert (f.severity, f.rule) == (Severity.ERROR, "declared-none")
    assert evaluate_artifact(policy(db), TOOLING) == []


def test_intended_license_mismatch_and_disagreement(db: LicenseDB) -> None:
    a = with_declared(
        db, SDK, declared("MIT", "mit"), declared("Apache-2.0", "apache-2.0", "package.json"),
        intended="MIT",
    )  # fmt: skip
    rules = {f.rule: f for f in evaluate_artifact(policy(db), a)}
    assert rules["declared-licenses-disagree"].severity is Severity.WARNING
    assert rules["declared-license-mismatch"].severity is Severity.ERROR
    ok = with_declared(db, SDK, declared("MIT", "mit"), intended="MIT")
    assert evaluate_artifact(policy(db), ok) == []


def _finding(path: str, spdx: str) -> Finding:
    return Finding(
        severity=Severity.ERROR,
        rule="component-copyleft-network",
        message="m",
        why="w",
        action="a",
        path=path,
        line=1,
        license=spdx,
        family=Family.COPYLEFT,
        strength=Strength.NETWORK,
        artifact=".",
        tier=Tier.TYPICALLY_OPEN,
    )


def test_exceptions_downgrade_and_expire(db: LicenseDB) -> None:
    active = ExceptionSpec(
        "vendored until Q1", "cfg.toml", path="vendor/**", expires=dt.date(2027, 1, 1)
    )
    by_license = ExceptionSpec(
        "approved by legal", "cfg.toml", license="agpl-3.0", license_raw="AGPL-3.0-only"
    )
    expired = ExceptionSpec("old", "cfg.toml", path="old/**", expires=dt.date(2026, 1, 1))
    config = Config(exceptions=(active, by_license, expired))
    findings = [
        _finding("vendor/x.py", "GPL-3.0-only"),
        _finding("src/y.py", "AGPL-3.0-only"),
        _finding("old/z.py", "GPL-3.0-only"),
        _finding("src/w.py", "GPL-3.0-only"),
    ]
    out = apply_exceptions(findings, config, db, TODAY)
    by_path = {f.path: f for f in out}
    assert by_path["vendor/x.py"].severity is Severity.INFO
    assert by_path["vendor/x.py"].excepted == "vendored until Q1"
    assert "2027-01-01" in by_path["vendor/x.py"].message
    assert by_path["src/y.py"].severity is Severity.INFO
    assert by_path["old/z.py"].severity is Severity.ERROR
    assert by_path["src/w.py"].severity is Severity.ERROR
    (gone,) = [f for f in out if f.rule == "exception-expired"]
    assert gone.severity is Severity.WARNING
    assert "2026-01-01" in gone.message
    assert "old/**" in gone.message


def test_exception_paths_are_gitignore_globs_over_file_paths(db: LicenseDB) -> None:
    # `*` stays within a directory: `src/*.py` is not `src/a/b/c.py`, and `vendor/*`
    # covers the files directly in vendor/ (`vendor/` or `vendor/**` the whole tree)
    config = Config(
        exceptions=(
            ExceptionSpec("top-level scripts", "cfg.toml", path="src/*.py"),
            ExceptionSpec("vendored files", "cfg.toml", path="vendor/*"),
            ExceptionSpec("third-party tree", "cfg.toml", path="third_party/"),
        )
    )
    paths = ["src/a.py", "src/a/b/c.py", "vendor/x.c", "vendor/lib/y.c", "third_party/z/w.c"]
    out = apply_exceptions([_finding(p, "GPL-3.0-only") for p in paths], config, db, TODAY)
    severity = {f.path: f.severity for f in out}
    assert severity == {
        "src/a.py": Severity.INFO,
        "src/a/b/c.py": Severity.ERROR,
        "vendor/x.c": Severity.INFO,
        "vendor/lib/y.c": Severity.ERROR,
        "third_party/z/w.c": Severity.INFO,
    }


@pytest.mark.parametrize(
    ("base", "spdx", "keys"),
    [
        (WEIGHTS, "LicenseRef-scancode-llama-3.1-license-2024", "llama-3.1-license-2024"),
        (TOOLING, "LicenseRef-scancode-gemma-tou-2025-03-24", "gemma-tou-2025-03-24"),
    ],
)
def test_a_custom_license_the_tier_allows_is_not_told_to_change_tier(
    db: LicenseDB, base: Artifact, spdx: str, keys: str
) -> None:
    """Shown for its obligations only: no "declare the artifact as sometimes-open" to an
    artifact that already is sometimes-open (or rarely-open)."""
    (found,) = evaluate_artifact(policy(db), with_declared(db, base, declared(spdx, keys)))
    assert (found.severity, found.rule) == (Severity.INFO, "declared-custom")
    assert "sometimes-open" not in found.action
    assert "Publish under a permissive license" not in found.action
    assert "widest adoption" not in found.why
    assert "allows a custom license" in found.why
    assert "Obligations:" in found.why  # the obligations still follow
    assert "licensetier explain" in found.action


def test_a_custom_license_the_tier_refuses_keeps_the_rule_s_advice(db: LicenseDB) -> None:
    sdk_llama = declared("LicenseRef-scancode-llama-3.1-license-2024", "llama-3.1-license-2024")
    (found,) = evaluate_artifact(policy(db), with_declared(db, SDK, sdk_llama))
    assert (found.severity, found.rule) == (Severity.ERROR, "declared-custom")
    assert "declare the artifact as sometimes-open" in found.action
