"""SARIF 2.1.0 report (``--format sarif``), for code scanning (GitHub's and others').

One run; one ``reportingDescriptor`` per distinct finding rule, one ``result`` per
finding. A pure function of the :class:`ScanResult`: no clock, no file of the scan
read, the same result gives the same bytes. Each rule's descriptor (summary, why, what
to do) is the rule catalogue's entry (:mod:`licensetier.rules`).

- ``partialFingerprints["licensetierFinding/v1"]`` is the SHA-256 of the finding's rule,
  path, license, dependency and artifact: neither its line nor its message, so that an
  alert survives a line moving and a rewording.
- An excepted finding (``Finding.excepted``) carries an external suppression with the
  exception's reason, so that code scanning shows it as dismissed.
- ``%SRCROOT%`` is the top of the git repository as a ``file://`` URI (option
  ``repo_prefix``: the scanned directory's path from there; without it, ``result.root``);
  the findings' paths are relative to it, as code scanning needs them.
- A finding about a whole artifact is placed on the file that should carry the fix
  (:mod:`licensetier.reporters.anchors`), with the artifact as its logical location.
- A finding that rolls up the files under the artifact's own license
  (:mod:`licensetier.rollup`) is one result on the statement that declared that license,
  with its count in the message and ``properties.count``, and its first
  :data:`RELATED` files as ``relatedLocations``.
- The scan's problems (``result.errors``) are the invocation's
  ``toolExecutionNotifications``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from licensetier.fingerprint import fingerprint
from licensetier.models import Finding, ScanResult, Severity
from licensetier.printable import path_uri, printable, without_surrogates
from licensetier.reporters.anchors import join, located
from licensetier.reporters.json_report import summary
from licensetier.rules import Rule, load_catalogue

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
FINGERPRINT = "licensetierFinding/v1"

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# the related locations of a rolled-up finding (one per file under the artifact's own
# license): GitHub's code scanning shows 100 locations of a result and rejects a file
# with more than 1,000; the JSON report lists every path
RELATED = 100


def _name(rule: str) -> str:
    """``component-copyleft-network`` -> ``ComponentCopyleftNetwork``."""
    return "".join(part[:1].upper() + part[1:] for part in rule.replace("_", "-").split("-"))


def _tags(rule: Rule, findings: list[Finding]) -> list[str]:
    tags = ["license", rule.subject]
    first = findings[0]
    if first.family is not None:
        tags.append(first.family.value)
    if first.strength is not None:
        tags.append(f"copyleft-{first.strength.value}")
    return tags


def _rule(rule: Rule, findings: list[Finding]) -> dict[str, Any]:
    """The rule's reporting descriptor, its text from the catalogue."""
    why, action = rule.text("why"), rule.text("action")
    text = f"{why}\n\nWhat to do: {action}"
    markdown = (
        f"**Why it matters.** {why}\n\n**What to do.** {action}\n\n"
        f"`licensetier rules {rule.id}` explains the rule ({rule.anchor})."
    )
    # a rule the tier decides: the level of its worst finding that no exception downgraded
    standing = [f for f in findings if not f.excepted] or findings
    worst = max(standing, key=lambda f: f.severity.rank).severity
    return {
        "id": rule.id,
        "name": _name(rule.id),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": why},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVEL[worst]},
        "properties": {"tags": _tags(rule, findings)},
    }


def _is_absolute(path: str) -> bool:
    return PurePosixPath(path).is_absolute() or PureWindowsPath(path).is_absolute()


def _file_uri(path: str, *, directory: bool = False) -> str:
    """An absolute path as a ``file://`` URI (pure: nothing is resolved on disk)."""
    windows = PureWindowsPath(path)
    uri = windows.as_uri() if windows.drive else PurePosixPath(path).as_uri()
    if directory and not uri.endswith("/"):
        uri += "/"
    return uri


def _artifact_location(path: str) -> dict[str, Any]:
    if _is_absolute(path):  # outside the tree: the cache file, a --config file
        return {"uri": _file_uri(path)}
    # a name that is not UTF-8 or holds control characters: its raw bytes percent-encoded
    return {"uri": path_uri(path), "uriBaseId": SRCROOT}


def _physical(path: str, line: int | None) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": _artifact_location(path)}
    if line is not None and line >= 1:
        location["region"] = {"startLine": line}
    return {"physicalLocation": location}


def _result(finding: Finding, index: int, result: ScanResult, prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVEL[finding.severity],
        "message": {"text": printable(finding.message)},
    }
    path, line = located(finding, result, prefix)
    if finding.path and path:
        out["locations"] = [_physical(path, line)]
    else:
        logical = {"logicalLocations": [{"name": finding.artifact, "kind": "module"}]}
        out["locations"] = [{**_physical(path, line), **logical} if path else logical]
    if finding.members:  # the files under the artifact's own license, as related locations
        out["relatedLocations"] = [
            {
                "id": n,
                **_physical(join(prefix, m.path or ""), m.line),
                "message": {"text": printable(f"{m.license or 'its license'} in this file")},
            }
            for n, m in enumerate(finding.members[:RELATED], start=1)
        ]
    out["partialFingerprints"] = {FINGERPRINT: fingerprint(finding)}  # as baselines use it
    if finding.excepted is not None:
        out["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": finding.excepted}
        ]
    properties: dict[str, Any] = {"severity": finding.severity.value}
    for key, value in (
        ("license", finding.license),
        ("family", finding.family.value if finding.family else None),
        ("strength", finding.strength.value if finding.strength else None),
        ("artifact", finding.artifact),
        ("tier", finding.tier.value if finding.tier else None),
        ("dependency", finding.dependency),
        ("count", finding.count if finding.members else None),
    ):
        if value is not None:
            properties[key] = value
    out["properties"] = properties
    return out


def _rules(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    return {rule: by_rule[rule] for rule in sorted(by_rule)}


def _top(root: str, prefix: str) -> str:
    """The repository's top: ``root`` without the ``prefix`` path components."""
    depth = len([part for part in prefix.split("/") if part])
    if not depth:
        return root
    windows = PureWindowsPath(root)
    if windows.drive:
        return str(windows.parents[depth - 1])
    return str(PurePosixPath(root).parents[depth - 1])


def to_dict(result: ScanResult, repo_prefix: str = "") -> dict[str, Any]:
    from licensetier import __version__

    catalogue = load_catalogue()
    by_rule = _rules(result.findings)
    index = {rule: i for i, rule in enumerate(by_rule)}
    driver: dict[str, Any] = {
        "name": "licensetier",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [_rule(catalogue[rule], findings) for rule, findings in by_rule.items()],
    }
    run: dict[str, Any] = {"tool": {"driver": driver}}
    if "scancode_toolkit" in result.engine:
        run["tool"]["extensions"] = [
            {"name": "scancode-toolkit", "version": result.engine["scancode_toolkit"]}
        ]
    # a scan cut short by its time budget did not do what it was asked
    invocation: dict[str, Any] = {"executionSuccessful": result.not_scanned == 0}
    if result.errors:
        invocation["toolExecutionNotifications"] = [
            {
                "level": "warning",
                "message": {"text": printable(e.message)},
                "locations": [_physical(join(repo_prefix, e.path), e.line)],
            }
            for e in result.errors
        ]
    run["invocations"] = [invocation]
    if _is_absolute(result.root):
        described = "The top of the git repository." if repo_prefix else "The scanned directory."
        run["originalUriBaseIds"] = {
            SRCROOT: {
                "uri": _file_uri(_top(result.root, repo_prefix), directory=True),
                "description": {"text": described},
            }
        }
    run["results"] = [_result(f, index[f.rule], result, repo_prefix) for f in result.findings]
    if any(f.existing for f in result.findings):  # compared with --diff-base or a baseline
        for f, res in zip(result.findings, run["results"], strict=True):
            res["baselineState"] = "unchanged" if f.existing else "new"
    run["properties"] = {
        "summary": {
            **summary(result),
            "excepted": sum(1 for f in result.findings if f.excepted is not None),
        },
        "notes": list(result.notes),
    }
    if "license_db" in result.engine:
        run["properties"]["license_db"] = result.engine["license_db"]
    log = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    document: dict[str, Any] = without_surrogates(log)
    return document


def render(result: ScanResult, *, repo_prefix: str = "", **_options: object) -> str:
    return json.dumps(to_dict(result, repo_prefix), indent=2, ensure_ascii=False) + "\n"
