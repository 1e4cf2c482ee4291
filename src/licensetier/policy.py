"""Tiers and policy: the conflict matrices, their overrides and the exceptions -> findings.

Pure: takes the artifacts and the files of a scan, returns findings. The defaults
of both matrices are data (license_db/tiers.toml); the configuration overrides
single cells; exceptions downgrade matching findings to information until they
expire.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from licensetier import relicensing, rules
from licensetier.config import Config, ExceptionSpec
from licensetier.errors import UnknownLicenseError
from licensetier.expressions import ExpressionTooDeep, keys_in
from licensetier.license_db import LicenseDB, RankFn, is_user_licenseref
from licensetier.models import (
    Artifact,
    Classification,
    Dependency,
    Family,
    FileResult,
    Finding,
    Severity,
    Tier,
)
from licensetier.paths import globs, owning_artifact
from licensetier.reasoning import DISAGREE, MODIFIED, describe_modified
from licensetier.reuse import effective
from licensetier.tiers import TierData

CELL_RANK = {"ok": 0, "info": 1, "warning": 2, "error": 3}


keys_of = keys_in  # the license keys (and exception keys) in a ScanCode expression


@dataclass(frozen=True)
class Policy:
    db: LicenseDB
    tiers: TierData
    config: Config

    # -- the matrices, with the configuration's overrides ----------------------------
    def component_cell(self, c: Classification, tier: Tier, kind: str | None) -> str:
        override = self.config.component_matrix.get(c.row, {}).get(tier.value)
        if override is not None:
            return override
        for o in self.tiers.component_overrides:
            if o.kind == kind and c.deciding in o.licenses:
                return o.severity
        return self.tiers.component[c.row][tier]

    def declared_cell(self, row: str, tier: Tier) -> str:
        override = self.config.declared_matrix.get(row, {}).get(tier.value)
        return override if override is not None else self.tiers.declared[row][tier]

    def rank_for(self, tier: Tier | None, kind: str | None) -> RankFn:
        """The order in which OR picks its favourite and AND its worst, for a tier."""
        if tier is None:
            return self.db.default_rank

        def rank(c: Classification) -> tuple[int, ...]:
            return (CELL_RANK[self.component_cell(c, tier, kind)], *self.db.default_rank(c))

        return rank

    def classify(
        self, expression: str, tier: Tier | None, kind: str | None, *, spdx: bool = False
    ) -> Classification:
        return self.db.classify(
            expression, spdx=spdx, rank=self.rank_for(tier, kind), families=self.config.licenses
        )


def declared_row(c: Classification | None) -> str:
    if c is None:
        return "none"
    if c.not_a_license_of_use:
        return "unknown"
    return c.family.value


def _severity(cell: str) -> Severity | None:
    return None if cell == "ok" else Severity(cell)


def _describe(c: Classification) -> str:
    if c.family is Family.COPYLEFT and c.strength is not None:
        return f"copyleft ({c.strength.value})"
    return c.family.value


def _deciding(db: LicenseDB, c: Classification, expression: str) -> str:
    """The license that decided, named in SPDX; the whole expression follows when longer."""
    try:
        name = db.keys_to_spdx(c.deciding)
    except Exception:
        name = c.deciding
    if name == expression:
        return name
    shown = expression if len(expression) <= 120 else expression[:117] + "..."
    return f"{name} (in the detected expression {shown})"


def _artifact_label(a: Artifact) -> str:
    what = a.kind or (a.tier.value if a.tier else "no tier")
    return f'artifact "{a.path}" ({what}, {a.tier.value if a.tier else "no tier"})'


artifact_label = _artifact_label  # 'artifact "." (sdk, typically-open)', for messages

# the deepest artifact whose path contains a path
owner_of = owning_artifact


def _line_for(result: FileResult, deciding: str) -> int | None:
    for det in result.detections:
        if deciding in keys_of(det.license):
            return det.start_line
    if result.annotated is not None and deciding in keys_of(result.annotated.license):
        return None  # the annotation decided: the message names its file and line
    return result.detections[0].start_line if result.detections else None


def _annotated_by(result: FileResult, expression: str | None) -> str:
    """`` (REUSE annotation: REUSE.toml line 7, aggregate)`` when the file's license is
    not ScanCode's alone."""
    a = result.annotated
    if a is None or expression == result.license:
        return ""
    where = f"{a.source} line {a.line}" if a.line else a.source
    return f" (REUSE annotation: {where}, {a.precedence})"


def evaluate_files(
    policy: Policy,
    files: Iterable[FileResult],
    artifacts: Sequence[Artifact],
    data_files: Iterable[str] = (),
) -> list[Finding]:
    """Component findings for the licenses of files: each file's effective license
    (ScanCode's, with a REUSE annotation applied: :func:`licensetier.reuse.effective`).
    The artifacts' own declarations and ``data_files`` (lockfiles: the licenses they
    name are their dependencies', checked as dependencies; REUSE.toml, dep5 and
    sidecars: their licenses are other files') are not components."""
    findings: list[Finding] = []
    not_components = {d.source for a in artifacts for d in a.declared} | set(data_files)
    for result in files:
        expression, expression_spdx = effective(result)
        if not expression or result.path in not_components:
            continue
        art = owner_of(result.path, artifacts)
        try:
            c = policy.classify(expression, art.tier, art.kind)
        except ExpressionTooDeep:
            continue  # not parsed: the scan reports it in errors[], naming the file
        spdx = expression_spdx or expression
        line = _line_for(result, c.deciding)
        annotated_by = _annotated_by(result, expression)
        why, also = _reasons(policy, c, art)
        if c.not_a_license_of_use:
            findings.append(
                rules.finding(
                    "not-a-license-of-use",
                    message=f"{result.path}: {spdx} is a {c.category or 'patent grant or CLA'}, "
                    f"not a license of use{annotated_by}",
                    artifact=art,
                    path=result.path,
                    line=line,
                    license=spdx,
                    classification=c,
                )
            )
            continue
        if art.tier is None:
            continue
        sev = _severity(policy.component_cell(c, art.tier, art.kind))
        if sev is None:
            continue
        findings.append(
            rules.finding(
                f"component-{c.row}",
                severity=sev,
                message=(
                    f"{result.path}: {_deciding(policy.db, c, spdx)} is {_describe(c)}, which "
                    + (
                        "conflicts with"
                        if sev is not Severity.INFO
                        else "comes with obligations in"
                    )
                    + f" the {art.tier.value} tier of {_artifact_label(art)}{annotated_by}"
                ),
                artifact=art,
                path=result.path,
                line=line,
                license=spdx,
                classification=c,
                why=why,
                also=also,
            )
        )
    return findings


def _reasons(policy: Policy, c: Classification, art: Artifact) -> tuple[str | None, str]:
    """A tier override's own reason, and the obligations of a custom license, for
    :func:`licensetier.rules.finding`."""
    override_why = next(
        (
            o.why
            for o in policy.tiers.component_overrides
            if o.kind == art.kind and c.deciding in o.licenses
        ),
        None,
    )
    obligations = policy.db.obligations(c.deciding) if c.family is Family.CUSTOM else ()
    return override_why, "Obligations: " + " ".join(obligations) if obligations else ""


LOWER = {Severity.ERROR: Severity.WARNING, Severity.WARNING: Severity.INFO}
UNKNOWN_KEY = "unknown"  # ScanCode's key for a license that could not be identified


def _dependency_label(dep: Dependency) -> str:
    where = "direct" if dep.direct else "transitive"
    if dep.chain:
        where += ", via " + " > ".join(dep.chain)
    scope = "" if dep.scope == "runtime" else f", {dep.scope}"
    return f"dependency {dep.label} ({dep.ecosystem}, {where}{scope})"


def classify_dependency(policy: Policy, dep: Dependency, art: Artifact) -> Classification:
    """The family of a dependency's license; ``unknown`` when it was not resolved."""
    return policy.classify(dep.license_keys or UNKNOWN_KEY, art.tier, art.kind)


def evaluate_dependencies(
    policy: Policy, deps: Iterable[Dependency], artifacts: Sequence[Artifact]
) -> list[Finding]:
    """The component matrix applied to each dependency, as to a file. Development-only
    dependencies are one severity lower by default (``dev_dependencies``)."""
    findings: list[Finding] = []
    dev_rule = policy.config.dev_dependencies
    by_path = {a.path: a for a in artifacts}
    for dep in deps:
        art = by_path.get(dep.artifact) or owner_of(dep.manifest, artifacts)
        development = dep.scope == "development"
        if development and dev_rule == "ignore":
            continue
        known = relicensing.table(policy.db).match(dep)
        if art.tier is None:  # a known relicensing is a fact whatever the tier
            if known is not None:
                findings.append(_untiered_relicensing(policy, dep, art, known))
            continue
        c = dep.classification or classify_dependency(policy, dep, art)
        if known is not None:
            found = _relicensing_finding(policy, dep, art, c, known)
            if found is not None:
                findings.append(found)
            if known.state == relicensing.CHANGED:
                continue  # the finding above is this dependency's license finding
        if c.not_a_license_of_use:
            continue
        sev = _severity(policy.component_cell(c, art.tier, art.kind))
        if dep.low_confidence and sev is None:
            sev = Severity.INFO
        if sev is None:
            continue
        if development and dev_rule == "lower":
            sev = LOWER.get(sev, sev)
        label = _dependency_label(dep)
        why, also = _reasons(policy, c, art)
        if dep.license is None:
            message = (
                f"{dep.manifest}: {label}: its license could not be found ({dep.reason}); "
                f"an unknown license is a risk in the {art.tier.value} tier of "
                f"{_artifact_label(art)}"
            )
        else:
            verdict = "conflicts with" if sev is not Severity.INFO else "is noted in"
            message = (
                f"{dep.manifest}: {label} is {_deciding(policy.db, c, dep.license)}, which is "
                f"{_describe(c)} and {verdict} the {art.tier.value} tier of {_artifact_label(art)}"
            )
            if dep.low_confidence:
                message += f" ({dep.reason})"
        if development and dev_rule == "lower":
            message += " [one severity lower: a development-only dependency]"
        findings.append(
            rules.finding(
                f"dependency-{c.row}",
                severity=sev,
                message=message,
                artifact=art,
                path=dep.manifest,
                line=dep.line,
                license=dep.license,
                classification=c,
                dependency=dep.purl,
                why=why,
                also=also,
            )
        )
    return findings


def _untiered_relicensing(
    policy: Policy, dep: Dependency, art: Artifact, known: relicensing.Match
) -> Finding:
    """A known relicensing in an artifact without a tier: ``dependency-relicensed`` is a
    warning, ``dependency-before-relicensing`` information (no matrix to decide)."""
    label = _dependency_label(dep)
    message = f"{dep.manifest}: {label}: {known.describe(dep.name)}"
    if known.state == relicensing.CHANGED:
        return rules.finding(
            "dependency-relicensed",
            severity=Severity.WARNING,
            message=message + " (the artifact declares no tier: a warning)",
            artifact=art,
            path=dep.manifest,
            line=dep.line,
            license=dep.license or known.event.new_license,
            classification=policy.classify(
                policy.db.spdx_to_keys(known.event.new_license), None, art.kind
            ),
            dependency=dep.purl,
            last_open=known.root.last_open_text,
            fork=known.fork_text(),
        )
    return rules.finding(
        "dependency-before-relicensing",
        severity=Severity.INFO,
        message=message,
        artifact=art,
        path=dep.manifest,
        line=dep.line,
        license=dep.license,
        dependency=dep.purl,
        bound=known.bound or f"below {known.event.first_changed[0]}",
        fork=known.fork_text(),
    )


def _relicensing_finding(
    policy: Policy,
    dep: Dependency,
    art: Artifact,
    c: Classification,
    known: relicensing.Match,
) -> Finding | None:
    """The finding for a dependency a known relicensing concerns
    (:mod:`licensetier.relicensing`): ``dependency-relicensed`` at a relicensed version,
    with the severity of the worse of the new license and the resolved one for the
    artifact's tier (information where the tier allows both); ``dependency-before-
    relicensing`` at the last open release or for a range that admits the relicensed
    versions: a warning where the new license would be one, else information."""
    assert art.tier is not None
    event = known.event
    new = policy.classify(policy.db.spdx_to_keys(event.new_license), art.tier, art.kind)
    rank = policy.rank_for(art.tier, art.kind)
    label = _dependency_label(dep)
    cell = policy.component_cell(new, art.tier, art.kind)
    if known.state == relicensing.CHANGED:
        worst = c if dep.license is not None and rank(c) > rank(new) else new
        sev = _severity(policy.component_cell(worst, art.tier, art.kind)) or Severity.INFO
        if dep.scope == "development" and policy.config.dev_dependencies == "lower":
            sev = LOWER.get(sev, sev)
        verdict = "conflicts with" if sev is not Severity.INFO else "is noted in"
        message = (
            f"{dep.manifest}: {label}: {known.describe(dep.name)}. "
            f"{_deciding(policy.db, worst, dep.license or event.new_license)} is "
            f"{_describe(worst)}, which {verdict} the {art.tier.value} tier of "
            f"{_artifact_label(art)}"
        )
        if dep.license is None:
            message += (
                f" (its license was not resolved: {dep.reason}; the relicensing table answers)"
            )
        return rules.finding(
            "dependency-relicensed",
            severity=sev,
            message=message,
            artifact=art,
            path=dep.manifest,
            line=dep.line,
            license=dep.license or event.new_license,
            classification=worst,
            dependency=dep.purl,
            last_open=known.root.last_open_text,
            fork=known.fork_text(),
        )
    sev = Severity.WARNING if cell in ("warning", "error") else Severity.INFO
    return rules.finding(
        "dependency-before-relicensing",
        severity=sev,
        message=f"{dep.manifest}: {label}: {known.describe(dep.name)}",
        artifact=art,
        path=dep.manifest,
        line=dep.line,
        license=dep.license,
        classification=c,
        dependency=dep.purl,
        bound=known.bound or f"below {event.first_changed[0]}",  # no `>=` bound: MinIO
        fork=known.fork_text(),
    )


def dependency_matches(wanted: str, purl_text: str) -> bool:
    """An exception's ``dependency`` against a finding's package URL: the package URL
    with or without its version, ``name`` or ``name@version``."""
    if wanted in (purl_text, purl_text.rsplit("@", 1)[0]):
        return True
    from packageurl import PackageURL

    try:
        p = PackageURL.from_string(purl_text)
    except ValueError:
        return False
    name = f"{p.namespace}/{p.name}" if p.namespace else p.name
    names = {name, name.replace("/", ":")} if p.type == "maven" else {name}
    return any(wanted in (n, f"{n}@{p.version}") for n in names)


def _own_terms(policy: Policy, art: Artifact) -> bool:
    """The artifact is meant to be under the owner's own terms (its intended license is
    made of the user's own LicenseRef ids), and its files hold a license of that family
    (a company's EULA reads as ScanCode's proprietary-license): the text is theirs."""
    if not art.intended_license or art.declared_classification is None:
        return False
    ids = keys_of(policy.db.spdx_to_keys(art.intended_license))
    if not ids or not all(is_user_licenseref(i) for i in ids):
        return False
    intended = policy.classify(policy.db.spdx_to_keys(art.intended_license), art.tier, art.kind)
    return intended.row == art.declared_classification.row


def evaluate_artifact(policy: Policy, art: Artifact) -> list[Finding]:
    findings: list[Finding] = []
    first_source = art.declared[0] if art.declared else None
    reasoning = art.reasoning
    if reasoning is None:  # not weighed by licensetier.reasoning: every statement counts
        disagree = len({d.license_spdx for d in art.declared if d.license_spdx}) > 1
    else:
        disagree = reasoning.disagree
    if disagree:
        findings.append(
            rules.finding(
                "declared-licenses-disagree",
                message=f"{_artifact_label(art)} declares different licenses: "
                + "; ".join(f"{d.source}: {d.license_spdx or d.raw}" for d in art.declared),
                artifact=art,
                path=first_source.source if first_source else None,
                line=first_source.line if first_source else None,
                license=art.declared_license,
            )
        )
    own_terms = _own_terms(policy, art)
    for mod in reasoning.modified if reasoning else ():
        findings.append(
            rules.finding(
                "declared-license-modified",
                message=describe_modified(mod).removeprefix(MODIFIED),
                artifact=art,
                path=mod.source,
                line=mod.added[0][0] if mod.added else None,
                license=mod.license,
            )
        )
    # a disagreement and a modified text have their own findings (above)
    weak = [w for w in reasoning.why if not w.startswith((DISAGREE, MODIFIED))] if reasoning else []
    if weak and not own_terms:
        findings.append(
            rules.finding(
                "declared-low-confidence",
                message=f"{_artifact_label(art)} is declared {art.declared_license or 'nothing'}"
                " with low confidence: " + "; ".join(weak),
                artifact=art,
                path=first_source.source if first_source else None,
                line=first_source.line if first_source else None,
                license=art.declared_license,
            )
        )
    for d in art.declared:
        if d.role == "clue":
            continue
        if d.license is None or (d.low_confidence and (d.field != "file" or reasoning is None)):
            findings.append(
                rules.finding(
                    "declared-license-unclear",
                    message=f"{d.source}: the declared license {d.raw!r} could not be "
                    "identified "
                    + ("with confidence" if d.license else "")
                    + (f" (read as {d.license_spdx}, score {d.score:.0f})" if d.license else ""),
                    artifact=art,
                    path=d.source,
                    line=d.line,
                    license=d.license_spdx,
                )
            )
    if art.tier is None:
        return findings
    c = art.declared_classification
    row = declared_row(c)
    if art.intended_license and art.declared_license:
        intended = policy.db.spdx_to_keys(art.intended_license)
        declared_keys = policy.db.spdx_to_keys(art.declared_license)
        if keys_of(intended) != keys_of(declared_keys) and not own_terms:
            findings.append(
                rules.finding(
                    "declared-license-mismatch",
                    message=f"{_artifact_label(art)} is meant to be licensed "
                    f"{art.intended_license}, but its files declare {art.declared_license}",
                    artifact=art,
                    path=first_source.source if first_source else None,
                    line=first_source.line if first_source else None,
                    license=art.declared_license,
                    classification=c,
                )
            )
    cell = policy.declared_cell(row, art.tier)
    sev = _severity(cell)
    obligations = policy.db.obligations(c.deciding) if c and c.family is Family.CUSTOM else ()
    allowed = sev is None  # the tier allows it: shown for its obligations only
    if sev is None and obligations:
        sev = Severity.INFO
    if sev is None:
        return findings
    if row == "none":
        message = f"{_artifact_label(art)} declares no license"
        if art.intended_license:
            message += f" (the configuration intends {art.intended_license}: add its LICENSE file)"
    else:
        message = (
            f"{_artifact_label(art)} is declared {art.declared_license}, which is "
            f"{_describe(c) if c else row}: "
            + ("a conflict with" if sev is not Severity.INFO else "allowed in")
            + f" the {art.tier.value} tier ({policy.tiers.intended[art.tier]})"
        )
    findings.append(
        rules.finding(
            f"declared-{row}",
            severity=sev,
            message=message,
            artifact=art,
            path=first_source.source if first_source else (art.path if art.path != "." else None),
            line=first_source.line if first_source else None,
            license=art.declared_license,
            classification=c,
            also="Obligations: " + " ".join(obligations) if obligations else "",
            allowed=allowed,
        )
    )
    return findings


def _exception_matches(exc: ExceptionSpec, finding: Finding, db: LicenseDB) -> bool:
    if exc.path and not (finding.path and globs((exc.path,)).covers(finding.path)):
        return False
    if exc.license:
        if not finding.license:
            return False
        try:
            finding_keys = keys_of(db.spdx_to_keys(finding.license))
        except UnknownLicenseError:  # a finding whose license cannot be parsed cannot match
            return False
        if not keys_of(exc.license) <= finding_keys:
            return False
    return not exc.dependency or (
        finding.dependency is not None and dependency_matches(exc.dependency, finding.dependency)
    )


def excepted_paths(paths: Iterable[str], config: Config, today: dt.date) -> set[str]:
    """The paths an active exception covers by its ``path`` alone (no ``license``, no
    ``dependency``): files whose licenses the configuration says are not the code's
    (tests that copy license texts as data, documentation that names licenses)."""
    specs = [
        e.path
        for e in config.exceptions
        if e.path
        and not e.license
        and not e.dependency
        and (e.expires is None or e.expires >= today)
    ]
    if not specs:
        return set()
    covering = globs(tuple(specs))
    return {p for p in paths if covering.covers(p)}


def apply_exceptions(
    findings: Sequence[Finding], config: Config, db: LicenseDB, today: dt.date
) -> list[Finding]:
    """The configuration's say on the findings: each rule's setting
    (``[tool.licensetier.rules]``: a severity, or off), then the exceptions, which
    downgrade what they match to information until they expire."""
    findings = rules.configured(findings, config.rules)
    out: list[Finding] = []
    expired = [e for e in config.exceptions if e.expires is not None and e.expires < today]
    active = [e for e in config.exceptions if e not in expired]
    for finding in findings:
        if finding.severity is Severity.INFO:
            out.append(finding)
            continue
        exc = next((e for e in active if _exception_matches(e, finding, db)), None)
        if exc is None:
            out.append(finding)
            continue
        until = f", until {exc.expires.isoformat()}" if exc.expires else ""
        out.append(
            replace(
                finding,
                severity=Severity.INFO,
                excepted=exc.reason,
                message=f"{finding.message} [was {finding.severity.value}; excepted by "
                f"{exc.origin}: {exc.reason}{until}]",
            )
        )
    for exc in expired:
        assert exc.expires is not None
        out += rules.configured(
            [
                rules.finding(
                    "exception-expired",
                    message=f"the exception for {exc.describe()} expired on "
                    f"{exc.expires.isoformat()} and no longer applies ({exc.reason})",
                    artifact=".",
                    path=exc.origin,
                    line=exc.line,
                    license=exc.license_raw,
                )
            ],
            config.rules,
        )
    return out


SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (SEVERITY_ORDER[f.severity], f.artifact, f.path or "", f.line or 0, f.rule),
    )
