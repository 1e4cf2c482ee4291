"""Relicensed dependencies found offline (no license resolved), in a go.mod, a pom.xml
and a requirements file built in tmp_path: the JSON and SARIF reports name the event."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import FIXTURES, Run

GO_MOD = """module example.com/tool

go 1.21

require (
\tgithub.com/hashicorp/terraform v1.6.0
\tgithub.com/hashicorp/vault v1.14.8
\tgithub.com/hashicorp/vault/api v1.20.0
\tgithub.com/grafana/grafana v1.9.2-0.20230901120000-abcdefabcdef
)
"""

POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.example</groupId>
  <artifactId>tool</artifactId>
  <version>1.0.0</version>
  <dependencies>
    <dependency>
      <groupId>com.typesafe.akka</groupId>
      <artifactId>akka-actor_2.13</artifactId>
      <version>2.7.0</version>
    </dependency>
    <dependency>
      <groupId>org.elasticsearch.client</groupId>
      <artifactId>elasticsearch-rest-client</artifactId>
      <version>7.17.0</version>
    </dependency>
  </dependencies>
</project>
"""

REQUIREMENTS = "redis==5.0.1\nmatrix-synapse>=1.90\n"


def test_relicensed_dependencies_offline(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    repo = tmp_path / "tool"
    repo.mkdir()
    (repo / "LICENSE").write_bytes((FIXTURES / "sdk-npm-dependencies" / "LICENSE").read_bytes())
    (repo / "licensetier.toml").write_text(
        '[[artifacts]]\npath = "."\nkind = "sdk"\nlicense = "MIT"\n'
    )
    (repo / "go.mod").write_text(GO_MOD)
    (repo / "pom.xml").write_text(POM)
    (repo / "requirements.txt").write_text(REQUIREMENTS)

    run = run_cli("scan", repo, "--offline", "--format", "json")
    assert run.exit_code == 1
    report = run.json()
    found = {
        (f["rule"], f["dependency"].split("@")[0], f["severity"])
        for f in report["findings"]
        if "relicens" in f["rule"]
    }
    assert found == {
        ("dependency-relicensed", "pkg:golang/github.com/hashicorp/terraform", "error"),
        ("dependency-relicensed", "pkg:golang/github.com/grafana/grafana", "error"),
        ("dependency-relicensed", "pkg:maven/com.typesafe.akka/akka-actor_2.13", "error"),
        ("dependency-before-relicensing", "pkg:golang/github.com/hashicorp/vault", "warning"),
        ("dependency-before-relicensing", "pkg:pypi/matrix-synapse", "warning"),
    }
    terraform = next(
        f for f in report["findings"] if "hashicorp/terraform" in (f["dependency"] or "")
    )
    assert terraform["license"] == "BUSL-1.1"
    assert terraform["line"] == 6
    assert (
        "github.com/hashicorp/terraform v1.6.0 is BUSL-1.1 since 2023-08-10; v1.5.7 was the "
        "last MPL-2.0 release; OpenTofu is the MPL-2.0 fork" in terraform["message"]
    )
    # the relicensed dependency has one finding, not also dependency-unknown
    rules_of = [
        f["rule"] for f in report["findings"] if "hashicorp/terraform@" in (f["dependency"] or "")
    ]
    assert rules_of == ["dependency-relicensed"]
    # the clients that stayed open get only their own (unknown: offline) license finding
    for client in ("vault/api", "pkg:pypi/redis", "elasticsearch-rest-client"):
        assert all(
            f["rule"] == "dependency-unknown"
            for f in report["findings"]
            if client in (f["dependency"] or "")
        ), client

    sarif = run_cli("scan", repo, "--offline", "--format", "sarif").json()
    results = sarif["runs"][0]["results"]
    relicensed = [r for r in results if r["ruleId"] == "dependency-relicensed"]
    assert len(relicensed) == 3
    assert any("OpenTofu is the MPL-2.0 fork" in r["message"]["text"] for r in relicensed)
