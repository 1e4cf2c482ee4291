"""Known relicensings (license_db/relicensing.toml) against dependencies: the data, the
matching on coordinates and version sets (Go pseudo-versions and +incompatible, Maven,
PEP 440 ranges), the findings, and --diff-base naming the event a version change crosses."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from licensetier import relicensing
from licensetier.compare import license_drift
from licensetier.config import Config
from licensetier.errors import LicenseDBError
from licensetier.license_db import LicenseDB, RelicensingEvent, _read_relicensing
from licensetier.models import Artifact, Dependency, Family, Severity, Tier
from licensetier.policy import Policy, classify_dependency, evaluate_dependencies
from licensetier.relicensing import CHANGED, LAST_OPEN, RANGE_ADMITS
from licensetier.tiers import load_tiers

SDK = Artifact(".", "sdk", Tier.TYPICALLY_OPEN, None)
TOOLING = Artifact(".", "commercial-tooling", Tier.RARELY_OPEN, None)


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


@pytest.fixture(scope="module")
def table(db: LicenseDB) -> relicensing.Table:
    return relicensing.table(db)


def dep(ecosystem: str, name: str, version: str | None, **kw: Any) -> Dependency:
    fields: dict[str, Any] = {
        "ecosystem": ecosystem,
        "name": name,
        "version": version,
        "purl": f"pkg:{ecosystem}/{name}@{version}",
        "direct": True,
        "scope": "runtime",
        "manifest": "go.mod",
        "artifact": ".",
        "line": 3,
        "reason": "not looked up online (--offline)",
    }
    fields.update(kw)
    return Dependency(**fields)


def coordinate(purl_text: str) -> tuple[str, str]:
    """A package URL of the table as a dependency's ecosystem and name (a Scala suffix
    for `*`)."""
    kind, name = relicensing._parse(purl_text)
    return kind, name.replace("*", "2.13")


def release(kind: str, version: str) -> str:
    plain = version.split(" (")[0]
    return f"v{plain}" if kind == "golang" else plain


def exact_versions(intervals: tuple[str, ...]) -> list[str]:
    return [v for v in intervals if v[:1].isdigit() and "|" not in v]


# -- the data -----------------------------------------------------------------------------


def test_every_event_has_a_source_dates_and_the_fields_messages_need(db: LicenseDB) -> None:
    events = db.relicensing
    assert len(events) >= 14
    for e in events:
        assert e.source.startswith("https://"), e.id
        assert isinstance(e.date, dt.date)
        assert dt.date(2015, 1, 1) < e.date < dt.date(2027, 1, 1)
        assert e.first_changed, e.id
        assert e.last_open_text, e.id
        assert e.packages, e.id
        assert e.changed or all(p.startswith("pkg:golang/") for p in e.packages), e.id
        for lic in (e.old_license, e.new_license):
            assert db.classify(lic, spdx=True).family is not Family.UNKNOWN, (e.id, lic)
        if e.follows is None:  # a relicensing: the new license ranks worse than the old
            old = db.classify(e.old_license, spdx=True)
            new = db.classify(e.new_license, spdx=True)
            assert db.default_rank(new) > db.default_rank(old), e.id
        if e.change_license is not None:
            assert db.is_spdx_id(e.change_license), e.id
        if e.fork is not None:
            assert db.classify(e.fork.license, spdx=True).family is Family.PERMISSIVE or (
                e.fork.license == "MPL-2.0"
            ), e.id


def test_every_version_set_is_read_by_univers_in_each_package_scheme(db: LicenseDB) -> None:
    for e in db.relicensing:
        for text in e.packages:
            kind, _ = coordinate(text)
            scheme = relicensing._scheme(kind)
            for interval in (*e.changed, *e.last_open):
                vrange = relicensing._range(scheme, interval)
                assert vrange.constraints, (e.id, interval)


def test_the_events_of_domain_section_5_are_all_there(db: LicenseDB) -> None:
    projects = {e.project for e in db.relicensing}
    assert {
        "Terraform",
        "Vault",
        "Consul",
        "Redis",
        "Elasticsearch",
        "MongoDB Community Server",
        "CockroachDB",
        "Akka",
        "Grafana",
        "Sentry",
        "Liquibase",
        "Synapse",
        "Fluent Assertions",
        "MinIO server",
    } <= projects


# -- the client/server distinction, for EVERY event -----------------------------------------


@pytest.mark.parametrize("event_id", [e.id for e in LicenseDB.load().relicensing])
def test_each_event_flags_its_server_packages_and_never_what_stayed_open(
    table: relicensing.Table, event_id: str
) -> None:
    e = next(x for x in table.events if x.id == event_id)
    for text in e.packages:
        kind, name = coordinate(text)
        if e.changed:
            for first in e.first_changed:
                found = table.match(dep(kind, name, release(kind, first)))
                assert found is not None, (text, first)
                assert found.state == CHANGED, (text, first)
                assert found.event.id == event_id
        else:  # MinIO: only commit dates tell
            after = (e.date + dt.timedelta(days=1)).strftime("%Y%m%d")
            found = table.match(dep(kind, name, f"v0.0.0-{after}120000-abcdefabcdef"))
            assert found is not None, text
            assert found.state == CHANGED, text
        for last in exact_versions(e.last_open):
            found = table.match(dep(kind, name, release(kind, last)))
            assert found is not None, (text, last)
            assert found.state == LAST_OPEN, (text, last)
    assert e.stayed_open or e.id in {"liquibase", "synapse", "fluentassertions"}
    forks = e.fork.packages if e.fork else ()
    for text in (*e.stayed_open, *forks):
        kind, name = coordinate(text)
        assert table.events_for(kind, name) == [], text
        for version in (*e.first_changed, "99.0.0"):
            assert table.match(dep(kind, name, release(kind, version))) is None, (text, version)


def test_clients_named_by_the_issue_are_never_flagged(table: relicensing.Table) -> None:
    clients = [
        ("pypi", "redis"),
        ("pypi", "pymongo"),
        ("pypi", "elasticsearch"),
        ("npm", "redis"),
        ("npm", "ioredis"),
        ("npm", "mongodb"),
        ("npm", "@elastic/elasticsearch"),
        ("golang", "github.com/hashicorp/vault/api"),
        ("golang", "github.com/hashicorp/consul/api"),
        ("golang", "github.com/redis/go-redis/v9"),
        ("maven", "redis.clients:jedis"),
        ("nuget", "Akka"),
    ]
    for kind, name in clients:
        assert table.stayed_open(kind, name), name
        version = "v9.9.0" if kind == "golang" else "9.9.0"
        assert table.match(dep(kind, name, version)) is None, name


# -- versions -------------------------------------------------------------------------------


def test_the_issue_sentence_for_terraform(table: relicensing.Table) -> None:
    found = table.match(dep("golang", "github.com/hashicorp/terraform", "v1.6.0"))
    assert found is not None
    assert found.describe("github.com/hashicorp/terraform") == (
        "github.com/hashicorp/terraform v1.6.0 is BUSL-1.1 since 2023-08-10; v1.5.7 was the "
        "last MPL-2.0 release; OpenTofu is the MPL-2.0 fork"
    )
    assert table.match(dep("golang", "github.com/hashicorp/terraform", "v0.12.29")) is None


def test_version_sets_hold_patch_releases_of_older_lines(table: relicensing.Table) -> None:
    def state(kind: str, name: str, version: str) -> str | None:
        found = table.match(dep(kind, name, version))
        return found.state if found else None

    vault = "github.com/hashicorp/vault"
    assert state("golang", vault, "v1.14.8") == LAST_OPEN
    assert state("golang", vault, "v1.14.9") == CHANGED
    assert state("golang", vault, "v1.13.12") is None
    mongo = "mongodb/mongo"
    for version, expected in [
        ("3.4.17", LAST_OPEN),
        ("3.4.18", CHANGED),
        ("3.6.8", LAST_OPEN),
        ("3.6.9", CHANGED),
        ("4.0.3", LAST_OPEN),
        ("4.0.4", CHANGED),
        ("3.2.22", None),
    ]:
        assert state("github", mongo, version) == expected, version


def test_go_pseudo_versions_are_judged_by_commit_date_and_incompatible_is_read(
    table: relicensing.Table,
) -> None:
    grafana = "github.com/grafana/grafana"
    after = table.match(dep("golang", grafana, "v1.9.2-0.20230901120000-abcdefabcdef"))
    assert after is not None
    assert after.state == CHANGED
    assert "a commit of 2023-09-01" in after.describe(grafana)
    before = "v0.0.0-20210301120000-abcdefabcdef"
    assert table.match(dep("golang", grafana, before)) is None
    tf = "github.com/hashicorp/terraform"
    # a main-branch commit after the change, before the 1.6.0 tag
    assert relicensing.pseudo_time("v1.6.0-alpha.0.20230815000000-0123456789ab") == dt.date(
        2023, 8, 15
    )
    pseudo = table.match(dep("golang", tf, "v1.5.8-0.20230815000000-0123456789ab"))
    assert pseudo is not None
    assert pseudo.state == CHANGED
    roach = "github.com/cockroachdb/cockroach"
    incompatible = table.match(dep("golang", roach, "v19.2.0+incompatible"))
    assert incompatible is not None
    assert incompatible.state == CHANGED
    old = table.match(dep("golang", roach, "v19.1.5+incompatible"))
    assert old is not None
    assert old.state == LAST_OPEN
    later = table.match(dep("golang", roach, "v24.3.1+incompatible"))
    assert later is not None
    assert later.event.id == "cockroachdb-csl"
    assert "the 19.1.x line was the last Apache-2.0 release" in later.describe(roach)


def test_maven_versions_scala_suffixes_and_ranges(table: relicensing.Table) -> None:
    for name in ("com.typesafe.akka:akka-actor_2.12", "com.typesafe.akka:akka-stream_3"):
        changed = table.match(dep("maven", name, "2.7.0"))
        assert changed is not None
        assert changed.state == CHANGED
        assert "Apache Pekko is the Apache-2.0 fork" in changed.describe(name)
        assert table.match(dep("maven", name, "2.6.19")) is None
    http = "com.typesafe.akka:akka-http_2.13"
    assert table.match(dep("maven", http, "10.2.10")).state == LAST_OPEN  # type: ignore[union-attr]
    assert table.match(dep("maven", http, "10.5.3")).state == CHANGED  # type: ignore[union-attr]
    milestone = table.match(dep("maven", "com.typesafe.akka:akka-actor_2.13", "2.7.0-M1"))
    assert milestone is None  # a pre-release of 2.7.0 sorts before it
    core = "org.liquibase:liquibase-core"
    ranged = table.match(dep("maven", core, "[4.20,)", exact=False))
    assert ranged is not None
    assert ranged.state == RANGE_ADMITS
    assert ranged.bound == "(,5.0.0)"
    assert table.match(dep("maven", core, "[4.20,5.0)", exact=False)) is None
    es = table.match(dep("maven", "org.elasticsearch:elasticsearch", "7.17.0"))
    assert es is not None
    assert es.event.new_license == "SSPL-1.0 OR Elastic-2.0"


def test_python_ranges_and_versions_chosen_for_them(table: relicensing.Table) -> None:
    synapse = "matrix-synapse"
    ranged = table.match(dep("pypi", synapse, ">=1.90", exact=False))
    assert ranged is not None
    assert ranged.state == RANGE_ADMITS
    assert "add the upper bound <1.99.0 to stay on Apache-2.0" in ranged.describe(synapse)
    for bounded in (">=1.90,<1.99", "~=1.98.0", "==1.98.0"):
        assert table.match(dep("pypi", synapse, bounded, exact=False)) is None, bounded
    chosen = table.match(dep("pypi", "Matrix_Synapse", "1.120.0", exact=False, requirement=">=1.0"))
    assert chosen is not None
    assert chosen.state == CHANGED


# -- findings -------------------------------------------------------------------------------


def policy(db: LicenseDB) -> Policy:
    return Policy(db, load_tiers(), Config())


def evaluate(db: LicenseDB, d: Dependency, art: Artifact = SDK) -> list[Any]:
    p = policy(db)
    d = replace(d, classification=classify_dependency(p, d, art))
    return evaluate_dependencies(p, [d], [art])


def test_an_unresolved_dependency_at_a_relicensed_version_is_one_finding(db: LicenseDB) -> None:
    (f,) = evaluate(db, dep("golang", "github.com/hashicorp/terraform", "v1.6.0"))
    assert (f.rule, f.severity, f.license) == ("dependency-relicensed", Severity.ERROR, "BUSL-1.1")
    assert "v1.5.7 was the last MPL-2.0 release; OpenTofu is the MPL-2.0 fork" in f.message
    assert "its license was not resolved" in f.message
    assert "the community fork OpenTofu (MPL-2.0)" in f.action
    assert "(v1.5.7)" in f.action


def test_a_resolved_worse_license_decides_the_severity(db: LicenseDB) -> None:
    d = dep(
        "golang",
        "github.com/grafana/grafana",
        "v1.9.2-0.20230901120000-abcdefabcdef",
        license="AGPL-3.0-only",
        license_keys="agpl-3.0",
        license_source="registry",
    )
    (f,) = evaluate(db, d)
    assert f.rule == "dependency-relicensed"
    assert f.family is Family.COPYLEFT
    assert "its license was not resolved" not in f.message


def test_the_last_open_release_warns_and_keeps_its_license_finding(db: LicenseDB) -> None:
    d = dep(
        "golang",
        "github.com/hashicorp/vault",
        "v1.14.8",
        license="MPL-2.0",
        license_keys="mpl-2.0",
        license_source="registry",
    )
    found = evaluate(db, d)
    warn = next(f for f in found if f.rule == "dependency-before-relicensing")
    assert warn.severity is Severity.WARNING
    assert warn.message.endswith(
        "github.com/hashicorp/vault v1.14.8 is the last MPL-2.0 release of Vault: 1.15.0 and "
        "later (also 1.14.9 on its line) are BUSL-1.1 (since 2023-08-10), so the next upgrade "
        "crosses the change; OpenBao is the MPL-2.0 fork"
    )
    assert "(<1.14.9)" in warn.action
    assert [f.rule for f in found if f is not warn] == ["dependency-copyleft-weak"]


def test_a_client_gets_only_its_own_license_finding(db: LicenseDB) -> None:
    found = evaluate(db, dep("golang", "github.com/hashicorp/vault/api", "v1.20.0"))
    assert [f.rule for f in found] == ["dependency-unknown"]


def test_a_tier_that_allows_the_new_license_notes_it(db: LicenseDB) -> None:
    d = dep("maven", "com.typesafe.akka:akka-actor_2.13", "2.8.5", manifest="pom.xml")
    (f,) = evaluate(db, d, TOOLING)
    cell = policy(db).component_cell(db.classify("bsl-1.1"), Tier.RARELY_OPEN, "commercial-tooling")
    assert f.rule == "dependency-relicensed"
    assert f.severity is (Severity.INFO if cell == "ok" else Severity(cell))


def test_diff_base_names_the_event_a_version_change_crosses(db: LicenseDB) -> None:
    p = policy(db)
    name = "github.com/hashicorp/terraform"
    base = [replace(dep("golang", name, "v1.5.7"), classification=None)]
    head = [replace(dep("golang", name, "v1.6.2"), classification=None)]
    (f,) = license_drift(p, head, base, [SDK], "main")
    assert f.rule == "dependency-license-drift"
    assert f.severity is Severity.ERROR
    assert "moved from v1.5.7 to v1.6.2 since main" in f.message
    assert "crosses the relicensing of Terraform from MPL-2.0 to BUSL-1.1 (2023-08-10" in f.message
    # within the relicensed versions: nothing new crossed
    same = [replace(dep("golang", name, "v1.6.0"), classification=None)]
    assert license_drift(p, head, same, [SDK], "main") == []


# -- the loader -----------------------------------------------------------------------------

GOOD: dict[str, Any] = {
    "project": "X",
    "date": dt.date(2024, 1, 2),
    "old_license": "Apache-2.0",
    "new_license": "BUSL-1.1",
    "packages": ["pkg:pypi/x"],
    "changed": [">=2.0.0"],
    "first_changed": ["2.0.0"],
    "last_open": ["1.9.0"],
    "last_open_text": "1.9.0",
    "stayed_open": ["pkg:pypi/x-client"],
    "source": "https://example.org/x",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"date": "2024-01-02"}, "`date` must be a TOML date"),
        ({"new_license": "Not-A-License-1.0"}, "`new_license`"),
        ({"source": "http://example.org"}, "https://"),
        ({"colour": "red"}, "unknown field"),
        ({"follows": "nothing"}, "follows 'nothing'"),
        ({"packages": []}, "`packages`"),
    ],
)
def test_bad_relicensing_data_is_named(db: LicenseDB, change: dict[str, Any], message: str) -> None:
    with pytest.raises(LicenseDBError, match=message):
        _read_relicensing(db, {"event": {"x": {**GOOD, **change}}})


def test_good_relicensing_data_loads(db: LicenseDB) -> None:
    (e,) = _read_relicensing(db, {"event": {"x": GOOD}})
    assert isinstance(e, RelicensingEvent)
    assert e.fork is None
    assert e.changed == (">=2.0.0",)


def test_an_artifact_without_a_tier_still_hears_of_the_relicensing(db: LicenseDB) -> None:
    untiered = Artifact(".", None, None, None)
    (f,) = evaluate(db, dep("golang", "github.com/hashicorp/vault", "v1.21.4"), untiered)
    assert (f.rule, f.severity, f.family) == (
        "dependency-relicensed",
        Severity.WARNING,
        Family.SOURCE_AVAILABLE,
    )
    assert "v1.14.8 was the last MPL-2.0 release; OpenBao is the MPL-2.0 fork" in f.message
    assert evaluate(db, dep("golang", "github.com/hashicorp/vault/api", "v1.23.0"), untiered) == []
