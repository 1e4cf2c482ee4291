"""The open-readiness of a typically-open artifact (DOMAIN.md section 6; docs/strategy.md
section 4): the community basics an artifact meant to be open should carry.

Five items, each checked from what the scan already holds (the artifacts' declared
licenses, every file's detection, the findings on the artifacts' own licenses) and a
few bounded reads of small community files (CONTRIBUTING, README, NOTICE), all through
:mod:`licensetier.fs`:

1. ``license-file``: a LICENSE file whose license is the declared (or intended) one;
2. ``notice``: a NOTICE file where Apache-2.0 asks for one;
3. ``contribution-terms``: CONTRIBUTING stating a DCO sign-off or a CLA;
4. ``trademark``: a trademark statement;
5. ``boundary``: no directory under another license mixed into the artifact.

:func:`check` returns each typically-open artifact's :class:`Checklist` (one section,
``open-readiness``; other sections, such as a model's openness, can sit beside it) and
the findings of the items that fail. An item an existing rule already reports (no
license at all, a LICENSE that says another license than intended) names that rule and
raises no second finding.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from licensetier import fs, reuse, rules
from licensetier.errors import UnknownLicenseError
from licensetier.expressions import ExpressionTooDeep, keys_in
from licensetier.license_db import LicenseDB
from licensetier.models import (
    Artifact,
    CheckItem,
    Checklist,
    ChecklistSection,
    FileResult,
    Finding,
    ScanError,
    Tier,
)
from licensetier.notice import NOTICE_NAME_RE, is_apache
from licensetier.paths import is_license_file_name, owning_artifact
from licensetier.readers.readme import README_NAME, preference
from licensetier.reasoning import is_clue
from licensetier.reporters import plural

# the rules of the catalogue the failed items are reported under
LICENSE_FILE_RULE = "readiness-license-file"
NOTICE_OWN_RULE = "readiness-notice-own"
NOTICE_VENDORED_RULE = "readiness-notice-vendored"
CONTRIBUTING_RULE = "readiness-contributing"
TERMS_RULE = "readiness-contribution-terms"
TRADEMARK_RULE = "readiness-trademark"
MIXED_RULE = "readiness-mixed-directory"

SECTION = "open-readiness"
SECTION_TITLE = "Open-readiness (typically-open artifact)"

MAX_READ = 256 * 1024  # the bytes read of a CONTRIBUTING, README or NOTICE file
ROLLUP = 5  # sibling directories under other licenses shown as their parent, from this many
SHOWN = 5  # the paths a message names before "and N more"

# the files a project states its community terms in, at the artifact's root, in
# .github/ or docs/ (GitHub's places)
COMMUNITY_DIRS = ("", ".github/", "docs/")
_TEXT_EXT = r"(?:\.(?:md|markdown|rst|txt|adoc|org))?"
CONTRIBUTING_NAME = re.compile(rf"contributing{_TEXT_EXT}", re.IGNORECASE)
DCO_NAME = re.compile(rf"dco{_TEXT_EXT}", re.IGNORECASE)
TRADEMARK_NAME = re.compile(rf"(?:[\w-]*[-_])?trade[-_]?marks?(?:[-_][\w-]*)?{_TEXT_EXT}", re.I)
# a file that carries other components' notices (checked for a vendored NOTICE's lines)
NOTICES_NAME = re.compile(rf"(?:third[-_ ]?party[-_ ]?)?notices?{_TEXT_EXT}", re.IGNORECASE)
THIRD_PARTY_NAME = re.compile(r"(?:third|3rd)[-_ ]?party", re.IGNORECASE)

DCO_TEXT = re.compile(
    r"(?i:signed-off-by|developer certificate of origin|git commit\s+(?:-\w*s\b|--signoff)"
    r"|--signoff)|\bDCO\b"
)
CLA_TEXT = re.compile(
    r"(?i:contributor(?:'s)? license agreement|cla\.developers\.google\.com|cla-assistant"
    r"|easycla|cla\.\w+\.(?:com|org|io))|\b[IC]?CLA\b"
)
TRADEMARK_TEXT = re.compile(r"(?i)\btrade[- ]?marks?\b")
# the ASF's license header ("Licensed to the Apache Software Foundation (ASF) under one
# or more contributor license agreements"), which heads every file of an ASF project and
# states no terms of its own
ASF_HEADER = re.compile(r"(?i)under\s+one\s+or\s+more\s+contributor\s+license\s+agreements")

# the findings on the artifact's own license that already say item 1 fails
_LICENSE_RULES = (
    "declared-license-mismatch",
    "declared-licenses-disagree",
    "declared-unknown",
    "declared-low-confidence",
)


@dataclass
class _Context:
    """One scan's inputs to the checks."""

    root: Path  # where the content is read (the work tree, or the view of --staged)
    artifacts: Sequence[Artifact]
    files: Sequence[FileResult]
    db: LicenseDB
    findings: Sequence[Finding]
    errors: list[ScanError]
    not_components: frozenset[str] = frozenset()
    paths: frozenset[str] = frozenset()
    texts: dict[str, str | None] = field(default_factory=dict)

    def text(self, path: str) -> str | None:
        """A small file's text, read once (its first :data:`MAX_READ` bytes); None,
        with a problem named, when it cannot be read."""
        if path not in self.texts:
            try:
                self.texts[path] = fs.read_text(
                    self.root / path, self.root, MAX_READ, errors="replace"
                )
            except OSError as exc:
                self.errors.append(
                    ScanError(path, f"not read for open-readiness: {fs.reason(exc)}")
                )
                self.texts[path] = None
        return self.texts[path]


def check(
    root: Path,
    artifacts: Sequence[Artifact],
    files: Sequence[FileResult],
    db: LicenseDB,
    findings: Sequence[Finding],
    errors: list[ScanError],
    not_components: Iterable[str] = (),
) -> tuple[list[Checklist], list[Finding]]:
    """The checklist of each typically-open artifact and the findings of its failed
    items. ``files``: the scan's files (every file walked, with its detection);
    ``findings``: those already made on the artifacts' own licenses; ``not_components``:
    files whose licenses are data (lockfiles, files a path exception covers). Problems
    reading a file go to ``errors``."""
    ctx = _Context(
        root,
        artifacts,
        files,
        db,
        findings,
        errors,
        frozenset(not_components),
        frozenset(f.path for f in files),
    )
    checklists: list[Checklist] = []
    out: list[Finding] = []
    for art in artifacts:
        if art.tier is not Tier.TYPICALLY_OPEN:
            continue
        items, found = _open_readiness(ctx, art)
        checklists.append(
            Checklist(
                artifact=art.path,
                kind=art.kind,
                tier=art.tier,
                sections=(ChecklistSection(SECTION, SECTION_TITLE, tuple(items)),),
            )
        )
        out.extend(found)
    return checklists, out


def _open_readiness(ctx: _Context, art: Artifact) -> tuple[list[CheckItem], list[Finding]]:
    mine = [f for f in ctx.files if owning_artifact(f.path, ctx.artifacts).path == art.path]
    items: list[CheckItem] = []
    findings: list[Finding] = []
    for step in (_license_file, _notice, _contribution_terms, _trademark, _boundary):
        item, found = step(ctx, art, mine)
        items.append(item)
        findings.extend(found)
    return items, findings


# -- helpers ---------------------------------------------------------------------------


def _prefix(art: Artifact) -> str:
    return "" if art.path == "." else art.path + "/"


def _directory(art: Artifact) -> str:
    return "the repository's root" if art.path == "." else f"{art.path}/"


def _shown(paths: Sequence[str]) -> str:
    head = ", ".join(paths[:SHOWN])
    return head + (f" and {len(paths) - SHOWN} more" if len(paths) > SHOWN else "")


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _community_files(ctx: _Context, art: Artifact, name: re.Pattern[str]) -> list[str]:
    """The files named ``name`` at the artifact's root, in its .github/ and docs/, then
    (for an artifact below the root) the repository's: the first place that has one."""
    prefixes = [_prefix(art)]
    if art.path != ".":
        prefixes.append("")
    for prefix in prefixes:
        for place in COMMUNITY_DIRS:
            folder = prefix + place
            found = sorted(
                (p for p in ctx.paths if _in_folder(p, folder) and name.fullmatch(_name(p))),
                key=_by_extension,
            )
            if found:
                return found
    return []


_EXTENSIONS = (".md", ".rst", "", ".txt")  # the one a forge shows first, first


def _by_extension(path: str) -> tuple[int, str]:
    suffix = PurePosixPath(path).suffix.lower()
    rank = _EXTENSIONS.index(suffix) if suffix in _EXTENSIONS else len(_EXTENSIONS)
    return rank, path


def _in_folder(path: str, folder: str) -> bool:
    return path.startswith(folder) and "/" not in path[len(folder) :]


def _name(path: str) -> str:
    return path.rpartition("/")[2]


def _finding(
    rule_id: str, art: Artifact, message: str, path: str | None = None, **more: str
) -> Finding:
    parameters: dict[str, Any] = dict(more)  # the rule's {names}, beside finding()'s own
    if path is None and art.declared:  # about the whole artifact: placed as declared-* are
        path = art.declared[0].source
    return rules.finding(
        rule_id,
        message=message,
        artifact=art,
        path=path,
        license=art.declared_license,
        **parameters,
    )


# -- 1. a LICENSE file whose license is the declared one ------------------------------

_TITLE_LICENSE = "LICENSE file with the declared license"


def _license_file(
    ctx: _Context, art: Artifact, _mine: Sequence[FileResult]
) -> tuple[CheckItem, list[Finding]]:
    files = [d for d in art.declared if d.field in ("file", reuse.FIELD) and d.role != "clue"]
    said = art.intended_license or art.declared_license
    if not files:
        if art.declared_license is None:
            what = f"the text of {said}" if said else "a license text (MIT, Apache-2.0)"
            return CheckItem(
                "license-file",
                _TITLE_LICENSE,
                "fail",
                f"no license is declared: add LICENSE at {_directory(art)} with {what}",
                rule="declared-none",
            ), []
        where = ", ".join(sorted({d.source for d in art.declared if d.role != "clue"}))
        detail = (
            f"{art.declared_license} is stated in {where} only: add LICENSE at "
            f"{_directory(art)} with the text of {said}"
        )
        return CheckItem("license-file", _TITLE_LICENSE, "fail", detail, rule=LICENSE_FILE_RULE), [
            _finding(
                LICENSE_FILE_RULE,
                art,
                f'artifact "{art.path}" states {art.declared_license} in {where} but has no '
                f"LICENSE file",
                path=art.declared[0].source if art.declared else None,
                directory=_directory(art),
                expression=said or art.declared_license,
            )
        ]
    first = files[0]
    for existing in ctx.findings:
        if existing.artifact == art.path and existing.rule in _LICENSE_RULES:
            return CheckItem(
                "license-file",
                _TITLE_LICENSE,
                "fail",
                existing.message,
                path=existing.path,
                line=existing.line,
                rule=existing.rule,
            ), []
    stated = ", ".join(f"{d.source} ({d.license_spdx or d.raw})" for d in files)
    agreed = ", the intended license" if art.intended_license else ""
    return CheckItem(
        "license-file",
        _TITLE_LICENSE,
        "pass",
        f"{stated}{agreed}",
        path=first.source,
        line=first.line,
    ), []


# -- 2. a NOTICE file where Apache-2.0 asks for one -----------------------------------

_TITLE_NOTICE = "NOTICE file where Apache-2.0 asks for one"


def _notice(
    ctx: _Context, art: Artifact, mine: Sequence[FileResult]
) -> tuple[CheckItem, list[Finding]]:
    prefix = _prefix(art)
    carriers = sorted(
        f.path for f in mine if _in_folder(f.path, prefix) and NOTICES_NAME.fullmatch(_name(f.path))
    )
    own_apache = is_apache(art.intended_license) or is_apache(art.declared_license)
    vendored = _vendored_notices(art, mine)
    if not own_apache and not vendored:
        return CheckItem(
            "notice",
            _TITLE_NOTICE,
            "n/a",
            "not required: the artifact is not under Apache-2.0 and holds no Apache-2.0 "
            "component with a NOTICE of its own",
        ), []
    if not carriers:
        if vendored:
            detail = (
                f"add NOTICE at {_directory(art)} reproducing the attribution notices of "
                f"{_shown(vendored)}"
            )
            return CheckItem("notice", _TITLE_NOTICE, "fail", detail, rule=NOTICE_VENDORED_RULE), [
                _finding(
                    NOTICE_VENDORED_RULE,
                    art,
                    f'artifact "{art.path}" includes Apache-2.0 components with NOTICE files '
                    f"({_shown(vendored)}) but has no NOTICE file of its own",
                    path=vendored[0],
                    directory=_directory(art),
                    notices=_shown(vendored),
                )
            ]
        detail = (
            f"the artifact is {art.intended_license or art.declared_license}: add NOTICE at "
            f"{_directory(art)} with its copyright line"
        )
        return CheckItem("notice", _TITLE_NOTICE, "fail", detail, rule=NOTICE_OWN_RULE), [
            _finding(
                NOTICE_OWN_RULE,
                art,
                f'artifact "{art.path}" is under Apache-2.0 and has no NOTICE file',
                directory=_directory(art),
            )
        ]
    missing = [v for v in vendored if not _carried(ctx, v, carriers)]
    if missing:
        detail = (
            f"{', '.join(carriers)} does not carry the notices of {_shown(missing)}: "
            "reproduce their attribution notices in it"
        )
        return CheckItem(
            "notice",
            _TITLE_NOTICE,
            "fail",
            detail,
            path=carriers[0],
            rule=NOTICE_VENDORED_RULE,
        ), [
            _finding(
                NOTICE_VENDORED_RULE,
                art,
                f"{', '.join(carriers)} does not reproduce the NOTICE files of the vendored "
                f"Apache-2.0 components {_shown(missing)}",
                path=missing[0],
                directory=_directory(art),
                notices=_shown(missing),
            )
        ]
    why = []
    if own_apache:
        why.append("the artifact is Apache-2.0")
    if vendored:
        why.append(f"it carries the notices of {_shown(vendored)}")
    return CheckItem(
        "notice",
        _TITLE_NOTICE,
        "pass",
        f"{', '.join(carriers)} ({'; '.join(why)})",
        path=carriers[0],
    ), []


def _vendored_notices(art: Artifact, mine: Sequence[FileResult]) -> list[str]:
    """The NOTICE files of Apache-2.0 components below the artifact's root: a NOTICE
    whose directory holds a license file ScanCode read as Apache-2.0, or that ScanCode
    read as naming Apache-2.0 itself."""
    prefix = _prefix(art)
    by_dir: dict[str, list[FileResult]] = {}
    for f in mine:
        by_dir.setdefault(str(PurePosixPath(f.path).parent), []).append(f)
    found = []
    for f in mine:
        if _in_folder(f.path, prefix) or not NOTICE_NAME_RE.fullmatch(_name(f.path)):
            continue
        siblings = by_dir.get(str(PurePosixPath(f.path).parent), [])
        licensed = any(
            is_license_file_name(_name(s.path)) and is_apache(reuse.effective(s)[1])
            for s in siblings
        )
        if licensed or is_apache(f.license_spdx):
            found.append(f.path)
    return sorted(found)


def _carried(ctx: _Context, notice: str, carriers: Sequence[str]) -> bool:
    """Whether one of ``carriers`` reproduces the vendored ``notice``: holds its first
    line of text (the component's name, as Apache projects' NOTICE files begin)."""
    text = ctx.text(notice)
    first = next((_words(line) for line in (text or "").splitlines() if _words(line)), "")
    if not first:
        return True  # an empty NOTICE has nothing to pass on
    return any(first in _words(ctx.text(c) or "") for c in carriers)


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


# -- 3. contribution terms: a DCO sign-off or a CLA -----------------------------------

_TITLE_TERMS = "Contribution terms (DCO sign-off or CLA) in CONTRIBUTING"


def _contribution_terms(
    ctx: _Context, art: Artifact, _mine: Sequence[FileResult]
) -> tuple[CheckItem, list[Finding]]:
    found = _community_files(ctx, art, CONTRIBUTING_NAME)
    dco = _community_files(ctx, art, DCO_NAME)
    if not found:
        if dco:  # a DCO file and no CONTRIBUTING: the terms are stated, where is another matter
            return CheckItem(
                "contribution-terms", _TITLE_TERMS, "pass", f"{dco[0]}: DCO", path=dco[0]
            ), []
        detail = "no CONTRIBUTING file: add CONTRIBUTING.md stating a DCO sign-off or a CLA"
        return CheckItem(
            "contribution-terms", _TITLE_TERMS, "fail", detail, rule=CONTRIBUTING_RULE
        ), [
            _finding(
                CONTRIBUTING_RULE,
                art,
                f'artifact "{art.path}" has no CONTRIBUTING file (looked for at '
                f"{_directory(art)}, in .github/ and docs/)",
            )
        ]
    by_path = {f.path: f for f in ctx.files}
    for path in found:
        terms = _terms(ctx, path, by_path.get(path))
        if terms is not None:
            what, line = terms
            return CheckItem(
                "contribution-terms",
                _TITLE_TERMS,
                "pass",
                f"{path}: {what}" + (f" (line {line})" if line else ""),
                path=path,
                line=line,
            ), []
    if dco:
        return CheckItem(
            "contribution-terms", _TITLE_TERMS, "pass", f"{dco[0]}: DCO", path=dco[0]
        ), []
    path = found[0]
    detail = f"{path} states no DCO sign-off and no CLA: add the terms to it"
    return CheckItem(
        "contribution-terms",
        _TITLE_TERMS,
        "fail",
        detail,
        path=path,
        rule=TERMS_RULE,
    ), [
        _finding(
            TERMS_RULE,
            art,
            f"{path} states no contribution terms: no DCO sign-off, no CLA",
            path=path,
            file=path,
        )
    ]


def _terms(ctx: _Context, path: str, result: FileResult | None) -> tuple[str, int | None] | None:
    """What contribution terms a CONTRIBUTING file states, and the first line that says
    it: ScanCode's detections in it (the DCO's text is its ``dco-1.1``, a CLA its
    ``generic-cla`` or a named CLA), and the words of a DCO or a CLA."""
    found: dict[str, int] = {}
    for detection in result.detections if result is not None else ():
        for key in keys_in(detection.license):
            if _is_cla(key, ctx.db):
                what = "DCO sign-off" if key.startswith("dco-") else "CLA"
                found[what] = min(found.get(what, detection.start_line), detection.start_line)
    text = ctx.text(path)
    if text is not None:  # the header blanked out, the lines kept
        text = ASF_HEADER.sub(lambda m: re.sub(r"\S", " ", m.group()), text)
    for what, pattern in (("DCO sign-off", DCO_TEXT), ("CLA", CLA_TEXT)):
        match = pattern.search(text or "")
        if match and text is not None:
            line = _line_of(text, match.start())
            found[what] = min(found.get(what, line), line)
    if not found:
        return None
    names = [w for w in ("DCO sign-off", "CLA") if w in found]
    return " and ".join(names), min(found.values())


def _is_cla(key: str, db: LicenseDB) -> bool:
    info = db.info(key)
    return info is not None and info.category == "CLA"


# -- 4. a trademark statement ---------------------------------------------------------

_TITLE_TRADEMARK = "Trademark statement"


def _trademark(
    ctx: _Context, art: Artifact, _mine: Sequence[FileResult]
) -> tuple[CheckItem, list[Finding]]:
    named = _community_files(ctx, art, TRADEMARK_NAME)
    if named:
        return CheckItem("trademark", _TITLE_TRADEMARK, "pass", f"{named[0]}", path=named[0]), []
    prefix = _prefix(art)
    here = [p for p in ctx.paths if _in_folder(p, prefix)]
    readmes = sorted(
        (p for p in here if README_NAME.fullmatch(_name(p))), key=lambda p: preference(_name(p))
    )
    notices = sorted(p for p in here if NOTICE_NAME_RE.fullmatch(_name(p)))
    contributing = _community_files(ctx, art, CONTRIBUTING_NAME)
    for path in [*readmes[:1], *notices, *contributing[:1]]:
        text = ctx.text(path)
        # prose only: a command in a code block ("licensetier readiness  # ... trademark")
        # states nothing
        found = TRADEMARK_TEXT.search(_without_code_blocks(text or ""))
        if found and text is not None:
            line = _line_of(text, found.start())
            return CheckItem(
                "trademark",
                _TITLE_TRADEMARK,
                "pass",
                f"{path} (line {line}): {_sentence(text, found.start())}",
                path=path,
                line=line,
            ), []
    detail = "add TRADEMARKS.md, or a Trademarks section in the README or NOTICE"
    return CheckItem("trademark", _TITLE_TRADEMARK, "fail", detail, rule=TRADEMARK_RULE), [
        _finding(
            TRADEMARK_RULE,
            art,
            f'artifact "{art.path}" has no trademark statement (no TRADEMARKS file, no word of '
            "trademarks in its README, NOTICE or CONTRIBUTING)",
        )
    ]


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _without_code_blocks(text: str) -> str:
    """``text`` with the lines of its fenced code blocks (Markdown's ``` and ~~~, the
    fences included) blanked, so that offsets and line numbers stay those of ``text``."""
    out: list[str] = []
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if fence is None:
            opened = _FENCE.match(line)
            if opened is None:
                out.append(line)
                continue
            fence = opened.group(1)
        elif body.strip().startswith(fence):
            fence = None
        out.append(" " * len(body) + line[len(body) :])
    return "".join(out)


def _sentence(text: str, offset: int, width: int = 100) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    line = " ".join(text[start : end if end >= 0 else len(text)].split())
    return line if len(line) <= width else line[: width - 3] + "..."


# -- 5. directories under another license ---------------------------------------------

_TITLE_BOUNDARY = "No directory under another license mixed in"


@dataclass
class _Mixed:
    directory: str
    path: str  # its license file, or its first file under another license
    licenses: Counter[str] = field(default_factory=Counter)  # expression -> files
    directories: int = 1  # directories it stands for (rolled up)
    # each license other than the artifact's, by SPDX id -> the files that name it: what
    # a message lists (a file's whole expression can run to dozens of licenses)
    ids: Counter[str] = field(default_factory=Counter)


def _boundary(
    ctx: _Context, art: Artifact, mine: Sequence[FileResult]
) -> tuple[CheckItem, list[Finding]]:
    said = art.declared_license or art.intended_license
    if said is None:
        return CheckItem(
            "boundary",
            _TITLE_BOUNDARY,
            "n/a",
            "the artifact states no license to compare its directories with",
        ), []
    try:
        reference = keys_in(ctx.db.spdx_to_keys(said))
    except (UnknownLicenseError, ExpressionTooDeep):
        reference = frozenset()
    mixed = _mixed_directories(ctx, art, mine, reference)
    if not mixed:
        return CheckItem(
            "boundary",
            _TITLE_BOUNDARY,
            "pass",
            f"every directory's files are under {said} (or name no license)",
        ), []
    findings = []
    for m in mixed:
        unit = ("directory", "directories") if m.directories > 1 else ("file", "files")
        licenses = _listed(m.ids, unit)
        what = (
            f"{m.directories} directories under other licenses"
            if m.directories > 1
            else "files under another license"
        )
        findings.append(
            _finding(
                MIXED_RULE,
                art,
                f"{m.directory}/ holds {what} than the artifact's {said}: {licenses}; it is not "
                "declared as an artifact of its own",
                path=m.path,
                directory=f"{m.directory}/",
                snippet=snippet(m.directory, art.tier, _single(m.licenses)),
            )
        )
    names = [f"{m.directory}/ ({_listed(m.ids)})" for m in mixed]
    blocks = [snippet(m.directory, art.tier, _single(m.licenses), lines=True) for m in mixed]
    detail = f"declare as their own artifacts: {_shown(names)}"
    return CheckItem(
        "boundary",
        _TITLE_BOUNDARY,
        "fail",
        detail,
        path=mixed[0].path,
        rule=MIXED_RULE,
        suggestion="\n\n".join(blocks),
    ), findings


def snippet(directory: str, tier: Tier | None, license: str | None, *, lines: bool = False) -> str:
    """The configuration that declares ``directory`` as an artifact of its own: on one
    line for a finding's action, else as written in licensetier.toml."""
    parts = [f'path = "{directory}"', f'tier = "{(tier or Tier.TYPICALLY_OPEN).value}"']
    if license:
        parts.append(f'license = "{license}"')
    if lines:
        return "\n".join(["[[artifacts]]", *parts])
    return "[[artifacts]] " + ", ".join(parts)


def _listed(ids: Counter[str], unit: tuple[str, str] | None = None) -> str:
    """The most named licenses first, with ``unit``, each with the number of files (or
    directories) that name it; then how many more."""
    shown = [f"{lic} ({plural(n, *unit)})" if unit else lic for lic, n in ids.most_common(SHOWN)]
    more = len(ids) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _single(licenses: Mapping[str, int]) -> str | None:
    return next(iter(licenses)) if len(licenses) == 1 else None


def _mixed_directories(
    ctx: _Context, art: Artifact, mine: Sequence[FileResult], reference: frozenset[str]
) -> list[_Mixed]:
    """The topmost directories below the artifact's root whose license file, or every
    file with a license, says another license than ``reference``; sibling directories
    from :data:`ROLLUP` on stand as their parent."""
    declared = {d.source for a in ctx.artifacts for d in a.declared}
    prefix = _prefix(art)
    by_dir: dict[str, list[tuple[FileResult, str | None]]] = {}
    for f in mine:
        name = _name(f.path)
        if (
            _in_folder(f.path, prefix)
            or f.path in declared
            or f.path in ctx.not_components
            or NOTICES_NAME.fullmatch(name)
            or THIRD_PARTY_NAME.search(name)
        ):
            continue
        folder = str(PurePosixPath(f.path).parent)
        if folder == f"{prefix}{reuse.LICENSES_DIR}":
            continue  # REUSE's LICENSES/: the texts of the licenses the files name
        by_dir.setdefault(folder, []).append((f, _other(f, reference, ctx.db)))
    candidates: dict[str, _Mixed] = {}
    for folder, entries in by_dir.items():
        licensed = [(f, o) for f, o in entries if reuse.effective(f)[0]]
        license_files = [(f, o) for f, o in licensed if is_license_file_name(_name(f.path))]
        if license_files and all(o for _, o in license_files):
            chosen = license_files
        elif not license_files and len(licensed) >= 2 and all(o for _, o in licensed):
            chosen = licensed
        else:
            continue
        counts = Counter(o for _, o in chosen if o)
        named = Counter(i for f, o in chosen if o for i in _other_ids(f, reference, ctx.db))
        candidates[folder] = _Mixed(folder, chosen[0][0].path, counts, ids=named)
    top: dict[str, _Mixed] = {}
    for folder in sorted(candidates):
        parent = next((t for t in top if folder.startswith(t + "/")), None)
        if parent is None:
            top[folder] = candidates[folder]
        else:
            top[parent].licenses.update(candidates[folder].licenses)
            top[parent].ids.update(candidates[folder].ids)
    by_parent: dict[str, list[_Mixed]] = {}
    for m in top.values():
        by_parent.setdefault(str(PurePosixPath(m.directory).parent), []).append(m)
    out: list[_Mixed] = []
    for parent, group in sorted(by_parent.items()):
        if len(group) < ROLLUP or parent in (".", art.path):
            out.extend(group)
            continue
        licenses: Counter[str] = Counter()
        ids: Counter[str] = Counter()
        for m in group:  # counted in directories
            licenses.update(dict.fromkeys(m.licenses, 1))
            ids.update(dict.fromkeys(m.ids, 1))
        out.append(_Mixed(parent, group[0].path, licenses, len(group), ids))
    return sorted(out, key=lambda m: m.directory)


def _other_ids(result: FileResult, reference: frozenset[str], db: LicenseDB) -> list[str]:
    """The SPDX ids of a file's licenses other than ``reference`` (clues aside)."""
    keys, _spdx = reuse.effective(result)
    other = sorted(k for k in keys_in(keys) if k not in reference and not is_clue(k, db))
    return [db.keys_to_spdx(k) for k in other]


def _other(result: FileResult, reference: frozenset[str], db: LicenseDB) -> str | None:
    """The SPDX expression of a file's license when it is another than ``reference``
    (clues, such as a CLA or a reference to some license, set aside); else None."""
    keys, spdx = reuse.effective(result)
    found = {k for k in keys_in(keys) if not is_clue(k, db)}
    if not found or found <= reference:
        return None
    return spdx or keys
