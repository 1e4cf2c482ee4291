"""An artifact's own license, rolled up: the per-file findings that only say the
artifact's own license is wrong for its tier become one finding.

A repository whose every file carries its license in an SPDX header (terraform's
``SPDX-License-Identifier: BUSL-1.1`` on some two thousand files) declared with a tier
that license conflicts with gets one component finding per file, each saying the
same thing as the artifact's ``declared-*`` finding. :func:`roll_up` folds them into
one ``declared-own-files`` finding per artifact, component rule, severity and state
(new, existing, excepted by one exception), with the count and a sample of paths in
its message; the finding keeps every per-file finding it stands for
(:attr:`~licensetier.models.Finding.members`: the JSON report lists every path).

A file's finding is the artifact's own when the file's license keys that are not the
artifact's own (its declared license, and the licenses of the statements that granted
it) would raise nothing on their own for the artifact's tier: a BUSL-1.1 header beside
a permissive snippet's notice is rolled up, a vendored file under another license
that conflicts stays its own finding, and so does a file whose license could not be
parsed.

The roll-up is the last step before a report: exceptions, ``[tool.licensetier.rules]``
settings, ``--diff-base`` and baselines are applied to the per-file findings first,
so an exception or a baseline entry that names one path keeps working, and a newly
added file is rolled up apart from those that existed before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from licensetier import rules
from licensetier.errors import LicensetierError
from licensetier.expressions import keys_in
from licensetier.models import Artifact, FileResult, Finding, ScanResult, Severity
from licensetier.policy import Policy, artifact_label, sort_findings
from licensetier.reasoning import OR_LATER_SUFFIX
from licensetier.reuse import effective

OWN_FILES_RULE = "declared-own-files"
COMPONENT = "component-"
SAMPLE = 5  # the paths a rolled-up finding's message names (and the JSON's ``sample``)
GRANTING = ("grant", "choice")  # the roles of the statements that state the own license


def _version(key: str) -> str:
    """A key without its "or later": one version's text in the LICENSE (AGPL-3.0-only
    as ScanCode reads a bare text) and "version 3 or later" in the headers
    (AGPL-3.0-or-later) are one license, as the declared reasoning takes them."""
    return key.removesuffix(OR_LATER_SUFFIX)


def own_keys(policy: Policy, art: Artifact) -> frozenset[str]:
    """The license keys the artifact declares as its own, without their "or later":
    those of its declared license and of the statements that granted it (a BUSL-1.1
    whose Change Date has passed is judged as its Change License, and its files still
    say BUSL-1.1)."""
    keys: set[str] = set()
    if art.declared_license:
        with contextlib.suppress(LicensetierError):  # not parsed: the statements count
            keys |= keys_in(policy.db.spdx_to_keys(art.declared_license))
    for d in art.declared:
        if d.role in GRANTING and d.license and not d.low_confidence:
            keys |= keys_in(d.license)
    return frozenset(_version(k) for k in keys)


def is_own(policy: Policy, art: Artifact, own: frozenset[str], file: FileResult) -> bool:
    """Whether the file's finding says only that the artifact's own license is wrong
    for its tier: the file names an own license, and every other license in it would
    raise nothing for the artifact's tier."""
    keys, _spdx = effective(file)
    found = keys_in(keys)
    if not {_version(k) for k in found} & own or art.tier is None:
        return False
    for key in (k for k in found if _version(k) not in own):
        try:
            c = policy.classify(key, art.tier, art.kind)
        except LicensetierError:
            return False
        if not c.not_a_license_of_use and policy.component_cell(c, art.tier, art.kind) != "ok":
            return False  # another license that conflicts: a component of its own
    return True


def _anchor(art: Artifact) -> tuple[str | None, int | None]:
    """The statement that declared the own license (its LICENSE file first): where the
    fix is, and where SARIF and GitHub place the rolled-up finding."""
    stated = [d for d in art.declared if d.role in GRANTING and not d.source.startswith("/")]
    files = [d for d in stated if d.field == "file"]
    if not (files or stated):
        return (art.path if art.path != "." else None), None
    first = (files or stated)[0]
    return first.source, first.line


def _sample(paths: Sequence[str], total: int) -> str:
    shown = ", ".join(paths[:SAMPLE])
    rest = total - min(total, SAMPLE)
    return shown + (f" and {rest:,} more (the JSON report lists every path)" if rest else "")


def _excepted_suffix(member: Finding) -> str:
    """`` [was error; excepted by ...]``, as the exception wrote it on the member."""
    if member.excepted is None:
        return ""
    head, sep, tail = member.message.rpartition(" [was ")
    return f"{sep}{tail}" if head else ""


def _deciding(policy: Policy, art: Artifact, file: FileResult) -> str:
    """The own license that makes the file's finding, in SPDX."""
    keys, _spdx = effective(file)
    key = policy.classify(keys or "", art.tier, art.kind).deciding
    try:
        return policy.db.keys_to_spdx(key)
    except LicensetierError:
        return key


def _rolled(policy: Policy, art: Artifact, members: list[Finding], licenses: set[str]) -> Finding:
    """``licenses``: the own licenses that made the members' findings (SPDX)."""
    first = members[0]
    severity = first.severity
    was = severity
    if first.excepted is not None:  # the severity it had before its exception
        text = _excepted_suffix(first)
        word = text.removeprefix(" [was ").split(";", 1)[0]
        was = Severity(word) if word in {s.value for s in Severity} else severity
    paths = sorted(m.path or "" for m in members)
    count = len(paths)
    files = f"{count:,} file" + ("s" if count != 1 else "")
    verb = "carry" if count != 1 else "carries"
    row = first.rule.removeprefix(COMPONENT)  # source-available, copyleft-network, ...
    verdict = (
        "which conflicts with" if was is not Severity.INFO else "which comes with obligations in"
    )
    tier = art.tier.value if art.tier else "no"
    # one of a REUSE project's LICENSES/ (declared as their AND), or the declared one
    license_ = " AND ".join(sorted(licenses)) or art.declared_license
    declared = f", declared {art.declared_license}" if license_ != art.declared_license else ""
    message = (
        f"{files} of {artifact_label(art)} {verb} its own license {license_}{declared} "
        f"({row}; {first.rule} on each), {verdict} its {tier} tier: {_sample(paths, count)}"
        f"{_excepted_suffix(first)}"
    )
    path, line = _anchor(art)
    finding = rules.finding(
        OWN_FILES_RULE,
        severity=severity,
        message=message,
        artifact=art,
        path=path,
        line=line,
        license=license_,
        family=first.family,
        allowed=was is Severity.INFO,
    )
    members_sorted = tuple(sorted(members, key=lambda m: (m.path or "", m.line or 0)))
    return replace(
        finding,
        strength=first.strength,
        excepted=first.excepted,
        existing=first.existing,
        members=members_sorted,
    )


def roll_up(result: ScanResult, policy: Policy) -> ScanResult:
    """``result`` with each artifact's findings on files under its own license folded
    into one ``declared-own-files`` finding per component rule, severity and state;
    every other finding as it was. The rule's ``[tool.licensetier.rules]`` setting
    applies to what it makes (``off`` leaves the files' findings out, as it says)."""
    by_path = {a.path: a for a in result.artifacts}
    files = {f.path: f for f in result.files}
    own: dict[str, frozenset[str]] = {}
    groups: dict[tuple[str, str, Severity, bool, str], list[Finding]] = {}
    licenses: dict[tuple[str, str, Severity, bool, str], set[str]] = {}
    kept: list[Finding] = []
    for f in result.findings:
        art = by_path.get(f.artifact)
        file = files.get(f.path) if f.path else None
        if art is None or file is None or f.dependency is not None or f.members:
            kept.append(f)
            continue
        if not f.rule.startswith(COMPONENT):
            kept.append(f)
            continue
        if art.path not in own:
            own[art.path] = own_keys(policy, art)
        if not is_own(policy, art, own[art.path], file):
            kept.append(f)
            continue
        state = (f.existing, _excepted_suffix(f))  # new, existing, excepted by one exception
        key = (art.path, f.rule, f.severity, *state)
        groups.setdefault(key, []).append(f)
        licenses.setdefault(key, set()).add(_deciding(policy, art, file))
    if not groups:
        return result
    rolled = [
        _rolled(policy, by_path[key[0]], members, licenses[key]) for key, members in groups.items()
    ]
    return replace(
        result, findings=tuple(sort_findings([*kept, *_configured(rolled, policy.config.rules)]))
    )


def _configured(findings: Iterable[Finding], settings: Mapping[str, str]) -> list[Finding]:
    """The rule's setting on the rolled-up findings; an excepted one stays information
    (its exception already had the last word), unless the rule is off."""
    out: list[Finding] = []
    for f in findings:
        if f.excepted is not None and settings.get(f.rule) != rules.OFF:
            out.append(f)
        else:
            out.extend(rules.configured([f], settings))
    return out
