"""Declared-license reasoning: one answer from all the evidence of an artifact.

The evidence is the artifact's statements (:class:`~licensetier.models.DeclaredLicense`:
its license files as ScanCode read them, its manifests' fields) with ScanCode's
detections of those files. ScanCode's per-file answers are never changed: this step
works on top of them and decides what they mean together
(docs/declared-licenses.md):

1. **Clues are not grants.** A key that is not a license of use (a CLA, a trademark
   notice; ``not_a_license_of_use`` in the license database) or that only says "a
   license is referred to" (``unknown-license-reference``, ...) is kept as evidence
   but neither joins the declared expression nor decides its family. Patent grants
   are the exception: a PATENTS grant is part of the grant it accompanies. A license
   file that holds only R's license template (``YEAR:``, ``COPYRIGHT HOLDER:``, the
   parameters of the ``MIT + file LICENSE`` a DESCRIPTION names) is a clue too.
2. **Mentions are not grants.** A short match of another license inside or just after
   a full license text, in the region ScanCode detected with it (the CC0 named in
   Creative Commons' trademark notice, the Lesser GPL named in the GPL's preamble), is
   the text talking about a license.
3. **A choice is OR.** A file whose preamble says the user may choose ("the user's
   choice of", "at your option", "dual-licensed") between the licenses it holds
   declares their OR; a file or manifest that states one alternative of an OR stated
   elsewhere (``LICENSE-MIT`` beside a ``COPYING`` that says "MIT or Unlicense") is
   that alternative's text, not an addition.
4. **Companions.** The GPL-3.0 text beside the LGPL-3.0 text (COPYING and
   COPYING.LESSER) is the base the LGPL's additional permissions apply to: the
   artifact is LGPL-3.0. A PATENTS grant beside a license is kept in the expression
   (``BSD-3-Clause AND LicenseRef-scancode-facebook-patent-rights-2``); the family is
   the license's, since a patent grant is not a license of use.
5. **Business Source.** The parameters of a BUSL-1.1 text (Licensor, Licensed Work,
   Additional Use Grant, Change Date, Change License) are read into a
   :class:`~licensetier.models.BusinessSource`; the licenses named in them are
   parameters, not grants. From the Change Date on, the artifact is judged as its
   Change License.
6. **Confidence.** A declared license that rests on a match scored below 90, on
   statements that disagree, or on clues only is low confidence, with the reasons.
7. **A version's text under "or later".** A license file that holds one version's
   text (the GPL-2.0) beside a manifest that names that version "or later" (R's
   ``GPL (>= 2)``, ``GPL-2.0-or-later``) is the text of what the manifest names: one
   grant, the "or later" one, not a disagreement.
8. **REUSE ``LICENSES/``.** Alone, the folder's licenses together (AND) are the
   declared license; beside other statements, a folder license they state is its
   text, and the others are licenses of some files (companions, checked file by file).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from licensetier.declared import LOW_CONFIDENCE_SCORE, VAGUE_KEYS
from licensetier.errors import LicensetierError, UnknownLicenseError
from licensetier.expressions import Leaf, Node, Op, With, combine, parse, render, simplify
from licensetier.models import (
    BusinessSource,
    DeclaredLicense,
    DeclaredReasoning,
    Detection,
    FileResult,
    Match,
    ModifiedText,
)
from licensetier.readers.r_description import is_license_template
from licensetier.reuse import FIELD
from licensetier.textdiff import MIN_WORDS, changes, rule_text

if TYPE_CHECKING:
    from licensetier.license_db import LicenseDB

DetectText = Callable[[str], tuple[str | None, float]]

DISAGREE = "the statements name different licenses"  # a reason of its own finding
MODIFIED = "a license text is modified: "  # a reason of its own finding too
README_FIELD = "License section"  # readers.readme.FIELD: a README's License section
PATENT_CATEGORY = "Patent License"
OR_LATER_SUFFIX = "-plus"  # ScanCode's keys: gpl-2.0 and gpl-2.0-plus
R_TEMPLATE_NOTE = (
    "R's license template (YEAR:, COPYRIGHT HOLDER:): the year and holder of the license "
    "a DESCRIPTION names with '+ file LICENSE', not a license"
)
BUSL_KEY = "bsl-1.1"
MENTION_MAX_LINES = 3  # a mention is a short match ...
MENTION_AFTER_LINES = 12  # ... inside a full text, or this close after its end
FULL_TEXT_MIN_LINES = 15  # a match this long is a license text, not a notice
PREAMBLE_LINES = 40  # where a choice is looked for when the file holds no full text


_CHOICE = re.compile(
    r"\b(?:user'?s|your|licensee'?s|recipient'?s)\s+(?:choice|option)\b"
    r"|\bat\s+(?:your|the\s+user'?s|the\s+licensee'?s)\s+(?:option|choice|discretion)\b"
    r"|\bdual[\s-]+licen[cs]ed\b|\bdual[\s-]+licen[cs]ing\b|\btri[\s-]+licen[cs]ed\b"
    r"|\b(?:you|licensees?|users?)\s+(?:may|can)\s+(?:choose|elect|select)\b"
    r"|\bchoice\s+of\s+(?:one\s+of\s+)?(?:the\s+)?(?:following|these|either)\b",
    re.IGNORECASE,
)

# companions: the text that is the base of another's additional permissions
_LESSER = {"lgpl-3.0": "gpl-3.0", "lgpl-3.0-plus": "gpl-3.0"}
_GPL3 = frozenset({"gpl-3.0", "gpl-3.0-plus"})

_BUSL_FIELDS = {
    "licensor": "licensor",
    "licensed work": "licensed_work",
    "additional use grant": "additional_use_grant",
    "change date": "change_date",
    "change license": "change_license_raw",
}
_BUSL_LINE = re.compile(
    r"^\s*(licensor|licensed work|additional use grant|change date|change license)\s*:\s*(.*)$",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def is_patent_grant_name(name: str) -> bool:
    """``PATENTS``, ``PATENTS.txt``, ``PATENTS.md``: a patent grant beside a license."""
    return bool(re.fullmatch(r"PATENTS?(?:\.(?:txt|md|rst))?", name, re.IGNORECASE))


# -- keys ----------------------------------------------------------------------------


def is_clue(key: str, db: LicenseDB) -> bool:
    """Evidence that is not a grant: a CLA, a notice, a reference to some license."""
    info = db.info(key)
    if key in VAGUE_KEYS:
        return True
    if info is None:
        return False
    return info.is_unknown or (info.not_a_license_of_use and info.category != PATENT_CATEGORY)


def _keys(expression: str | None) -> list[str]:
    if not expression:
        return []
    try:
        node = parse(expression)
    except UnknownLicenseError:
        return []
    out: list[str] = []
    _collect(node, out)
    return list(dict.fromkeys(out))


def _collect(node: Node, out: list[str]) -> None:
    if isinstance(node, Leaf):
        out.append(node.key.lower())
    elif isinstance(node, With):
        out.append(node.license.key.lower())
    else:
        for child in node.children:
            _collect(child, out)


def _without(node: Node, drop: Callable[[str], bool]) -> Node | None:
    """``node`` without the licenses ``drop`` names (an exception goes with its license)."""
    if isinstance(node, Leaf):
        return None if drop(node.key.lower()) else node
    if isinstance(node, With):
        return None if drop(node.license.key.lower()) else node
    kept = [c for c in (_without(child, drop) for child in node.children) if c is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else Op(node.operator, tuple(kept))


def strip_keys(expression: str, drop: Callable[[str], bool]) -> str | None:
    """``expression`` (ScanCode keys) without the keys ``drop`` names."""
    try:
        node = parse(expression)
    except UnknownLicenseError:
        return expression
    kept = _without(node, drop)
    return render(simplify(kept)) if kept is not None else None


def _or_options(expression: str) -> frozenset[str] | None:
    """The keys of a top-level OR of simple licenses, else None."""
    try:
        node = simplify(parse(expression))
    except UnknownLicenseError:
        return None
    if isinstance(node, Op) and node.operator == "OR":
        keys = [_keys(render(c)) for c in node.children]
        if all(len(k) == 1 for k in keys):
            return frozenset(k[0] for k in keys)
    return None


def _same(expression: str) -> str:
    """A canonical form: operands sorted, so that ``a OR b`` and ``b OR a`` are one."""
    try:
        node = simplify(parse(expression))
    except UnknownLicenseError:
        return expression.lower()
    return _canonical(node)


def _canonical(node: Node) -> str:
    if isinstance(node, Leaf):
        return node.key.lower()
    if isinstance(node, With):
        return f"{node.license.key.lower()} with {node.exception.key.lower()}"
    parts = sorted(_canonical(c) for c in node.children)
    return "(" + f" {node.operator.lower()} ".join(parts) + ")"


# -- one file ------------------------------------------------------------------------


@dataclass
class _FileReading:
    expression: str | None  # what the file grants, clues and mentions set aside
    role: str  # grant, choice, clue
    score: float
    notes: list[str] = field(default_factory=list)
    weak: list[str] = field(default_factory=list)  # low-confidence reasons
    business: BusinessSource | None = None
    modified: list[ModifiedText] = field(default_factory=list)


def _span(start: int, end: int) -> str:
    return f"line {start}" if start == end else f"lines {start}-{end}"


def _read_file(
    result: FileResult,
    text: str | None,
    db: LicenseDB,
    detect_text: DetectText | None,
    today: dt.date,
) -> _FileReading:
    # a detection kept without its matches is its own match; each with its detection's
    # number (a mention is one of the region ScanCode detected with the full text)
    located: list[tuple[int, Match | Detection]] = [
        (n, m) for n, d in enumerate(result.detections) for m in (d.matches or (d,))
    ]
    matches = [m for _n, m in located]
    full_located = [
        (n, m)
        for n, m in located
        if m.end_line - m.start_line + 1 >= FULL_TEXT_MIN_LINES  # ScanCode's .LICENSE or a rule
    ]
    full_texts = [m for _n, m in full_located]
    full_keys = {k for m in full_texts for k in _keys(m.license)}
    lines = text.splitlines() if text is not None else []

    busl_block: tuple[int, int] | None = None
    business: BusinessSource | None = None
    if text is not None and any(BUSL_KEY in _keys(m.license) for m in matches):
        business, busl_block = _business_source(result.path, lines, matches, db, detect_text, today)

    # a detection licensetier corrected was matched to another license's text
    as_matched = [(n, m) for n, m in full_located if not result.detections[n].corrected_from]
    changed = _modifications(result.path, lines, as_matched, busl_block, db)
    added = [a for c in changed for a in c.added]
    why: dict[str, str] = {}  # key -> why it is not a grant of this file
    by_key: dict[str, list[str]] = {}  # key -> the kind of each of its matches
    for at, m in located:
        span = m.end_line - m.start_line + 1
        in_addition = any(a <= m.start_line and m.end_line <= b for a, b in added)
        for key in _keys(m.license):
            if busl_block and busl_block[0] <= m.start_line <= busl_block[1] and key != BUSL_KEY:
                kind = "parameter"
            elif in_addition and key not in full_keys and span <= MENTION_MAX_LINES:
                kind = "addition"
            elif (
                key not in full_keys
                and span <= MENTION_MAX_LINES
                and any(
                    n == at and f.start_line <= m.start_line <= f.end_line + MENTION_AFTER_LINES
                    for n, f in full_located
                )
            ):
                kind = "mention"
            elif is_clue(key, db):
                kind = "clue"
            else:
                kind = "grant"
            by_key.setdefault(key, []).append(f"{kind}@{_span(m.start_line, m.end_line)}")
    for key, kinds in by_key.items():
        if all(not k.startswith("grant@") for k in kinds):
            grouped: dict[str, list[str]] = {}
            for k in kinds:
                kind, _at, where = k.partition("@")
                grouped.setdefault(kind, []).append(where)
            why[key] = "; ".join(f"{KIND_WORDS[k]} ({', '.join(w)})" for k, w in grouped.items())

    units: list[str] = []
    scores: list[float] = []
    weak: list[str] = []
    for d in result.detections:
        kept = strip_keys(d.license, lambda k: k in why)
        if kept is None:
            continue
        units.append(kept)
        # the score of what is kept: the matches of its keys (a clue's match is not)
        own = [m.score for m in (d.matches or (d,)) if set(_keys(m.license)) - set(why)]
        score = min(own, default=d.score)
        scores.append(score)
        if score < LOW_CONFIDENCE_SCORE:
            weak.append(
                f"{result.path}: {db_spdx(kept, db)} at {_span(d.start_line, d.end_line)} "
                f"is a partial match (score {score:.0f})"
            )
    distinct = list(dict.fromkeys(units))
    notes = [f"{db_spdx(k, db)}: {v}" for k, v in why.items()]
    if not distinct:
        clue_expr = result.license
        return _FileReading(
            clue_expr, "clue", min((d.score for d in result.detections), default=0.0), notes
        )
    role = "grant"
    if len(distinct) > 1 and _says_choice(lines, full_texts):
        expression = combine(distinct, "OR")
        role = "choice"
        notes.insert(0, "the text lets the user choose: OR")
    else:
        expression = combine(distinct, "AND")
        if expression and _or_options(expression) is not None:
            role = "choice"
    assert expression is not None
    expression = _tidy(expression)
    modified = [
        replace(
            c,
            read_in_additions=tuple(
                dict.fromkeys(
                    db_spdx(k, db)
                    for m in matches
                    if any(a <= m.start_line and m.end_line <= b for a, b in c.added)
                    for k in _keys(m.license)
                )
            ),
        )
        for c in changed
    ]
    return _FileReading(expression, role, min(scores), notes, weak, business, modified)


def _modifications(
    source: str,
    lines: list[str],
    full_texts: Sequence[tuple[int, Match | Detection]],
    busl_block: tuple[int, int] | None,
    db: LicenseDB,
) -> list[ModifiedText]:
    """The full license texts of a file that change the text ScanCode matched: a
    match scored below 100 compared, word by word, with its rule's text. A BUSL's
    parameters are meant to differ and are not a change."""
    out: list[ModifiedText] = []
    for _n, m in full_texts:
        reference = rule_text(m.rule) if m.score < 100 and lines else None
        found = changes(lines, m.start_line, m.end_line, reference) if reference else None
        if not found:
            continue
        added = tuple(
            a for a in found.added if not (busl_block and busl_block[0] <= a[0] <= busl_block[1])
        )
        # a BUSL rule's own parameters are placeholders: what differs there is no change
        busl = BUSL_KEY in _keys(m.license)
        removed = found.removed_words if found.removed_words >= MIN_WORDS and not busl else 0
        if added or removed:
            out.append(
                ModifiedText(source, db_spdx(m.license, db), m.rule, m.score, added, removed)
            )
    return out


def describe_modified(c: ModifiedText) -> str:
    """One sentence on a modified text, naming the file and the lines."""
    said = [f"{c.source}: a modified {c.license} text (score {c.score:.0f} against {c.rule})"]
    if c.added:
        said.append(f"{', '.join(_span(a, b) for a, b in c.added)} added")
    if c.removed_words:
        said.append(f"about {c.removed_words} words of the license left out")
    if c.read_in_additions:
        said.append(f"ScanCode reads {', '.join(c.read_in_additions)} in the additions")
    return MODIFIED + ", ".join(said[:1]) + ": " + "; ".join(said[1:])


KIND_WORDS = {
    "parameter": "a parameter of the Business Source License",
    "addition": "read in lines a modified license text adds (declared-license-modified)",
    "mention": "named inside another license's text",
    "clue": "a clue, not a grant",
}


def db_spdx(keys: str, db: LicenseDB) -> str:
    try:
        return db.keys_to_spdx(keys)
    except LicensetierError:
        return keys


def says_choice(text: str) -> bool:
    """Whether ``text`` says the user may choose between licenses."""
    return bool(_CHOICE.search(" ".join(text.split())))


def _says_choice(lines: list[str], full_texts: Sequence[Match | Detection]) -> bool:
    """Whether the file's preamble (the lines before its first full license text, or
    its first lines) says the user may choose."""
    starts = [m.start_line for m in full_texts]
    end = min(starts) - 1 if starts else PREAMBLE_LINES
    return says_choice("\n".join(lines[: max(end, 0)]))


# -- Business Source -----------------------------------------------------------------


def _business_source(
    source: str,
    lines: list[str],
    matches: Sequence[Match | Detection],
    db: LicenseDB,
    detect_text: DetectText | None,
    today: dt.date,
) -> tuple[BusinessSource | None, tuple[int, int] | None]:
    """The parameters block of a BUSL text: each ``Name: value`` line, with its
    indented continuation lines."""
    values: dict[str, list[str]] = {}
    starts: dict[str, int] = {}
    current: str | None = None
    first: int | None = None
    last = 0
    for number, line in enumerate(lines, start=1):
        m = _BUSL_LINE.match(line)
        if m:
            current = _BUSL_FIELDS[m.group(1).lower()]
            values[current] = [m.group(2).strip()]
            starts[current] = number
            first = first or number
            last = number
        elif current is not None and line[:1].isspace() and line.strip():
            values[current].append(line.strip())
            last = number
        elif current is not None and line.strip():
            current = None
            if "change_license_raw" in values:
                break
    if first is None:
        return None, None
    fields = {k: " ".join(p for p in v if p) or None for k, v in values.items()}
    date_text = fields.get("change_date")
    iso = None
    changed = False
    if date_text:
        found = _ISO_DATE.search(date_text)
        if found:
            try:
                date = dt.date(int(found[1]), int(found[2]), int(found[3]))
            except ValueError:
                date = None
            if date is not None:
                iso = date.isoformat()
                changed = today >= date
    change_spdx = None
    raw = fields.get("change_license_raw")
    if raw:
        from licensetier.declared import normalize

        try:
            n = normalize(raw, db, detect_text)
        except LicensetierError:
            n = None
        if n is not None and n.license and not n.low_confidence:
            change_spdx = n.license_spdx
        else:  # as ScanCode read the parameter's own lines
            at = starts["change_license_raw"]
            keys = [
                m.license
                for m in matches
                if at <= m.start_line <= at + len(values["change_license_raw"])
                and BUSL_KEY not in _keys(m.license)
            ]
            found_keys = combine(list(dict.fromkeys(keys)), "AND")
            change_spdx = db_spdx(found_keys, db) if found_keys else None
    record = BusinessSource(
        source=source,
        line=first,
        licensor=fields.get("licensor"),
        licensed_work=fields.get("licensed_work"),
        additional_use_grant=fields.get("additional_use_grant"),
        change_date=date_text,
        change_date_iso=iso,
        change_license=change_spdx,
        change_license_raw=raw,
        changed=changed and change_spdx is not None,
    )
    return record, (first, last)


# -- the artifact --------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """The declared license of an artifact and how it was decided."""

    license: str | None  # ScanCode key expression
    statements: tuple[DeclaredLicense, ...]  # the evidence, each with its role
    reasoning: DeclaredReasoning


def decide(
    statements: Sequence[DeclaredLicense],
    files: Mapping[str, FileResult],
    texts: Mapping[str, str],
    db: LicenseDB,
    *,
    today: dt.date,
    detect_text: DetectText | None = None,
) -> Decision:
    """Weigh the evidence of one artifact (module docstring).

    ``files``: ScanCode's results of the statements that are files (by path);
    ``texts``: those files' texts, where they could be read (a choice is looked for
    in them and a BUSL's parameters read from them).
    """
    evidence: list[DeclaredLicense] = []
    units: list[tuple[tuple[int, ...], str]] = []  # (statement indexes, expression)
    weak: list[str] = []
    business: BusinessSource | None = None
    modified: list[ModifiedText] = []
    readmes = [s for s in statements if s.field == README_FIELD]
    for s in statements:
        if s.field == README_FIELD:
            continue  # weighed once the files and manifests are (_readme)
        result = files.get(s.source) if s.field == "file" else None
        if result is not None and result.detections:
            reading = _read_file(result, texts.get(s.source), db, detect_text, today)
            business = business or reading.business
            weak.extend(reading.weak)
            modified.extend(reading.modified)
            weak.extend(describe_modified(c) for c in reading.modified)
            note = "; ".join(reading.notes)
            evidence.append(
                replace(
                    s,
                    score=reading.score,
                    role=reading.role,
                    note=note,
                    low_confidence=s.low_confidence or bool(reading.weak),
                )
            )
            if reading.role != "clue" and reading.expression:
                units.append(((len(evidence) - 1,), reading.expression))
            continue
        if s.license and all(is_clue(k, db) for k in _keys(s.license)):
            evidence.append(replace(s, role="clue", note="a clue, not a grant"))
            continue
        if s.field == "file" and not s.license and is_license_template(texts.get(s.source)):
            evidence.append(replace(s, role="clue", note=R_TEMPLATE_NOTE))
            continue
        evidence.append(s)
        if s.license:
            units.append(((len(evidence) - 1,), s.license))
    units = _reuse_folder(evidence, units, db)

    for s in readmes:
        _readme(s, evidence, units, weak, db)

    # a PATENTS grant accompanies the license beside it
    patents = [(i, e) for i, e in units if _keys(e) and all(_is_patent(k, db) for k in _keys(e))]
    licenses = [(i, e) for i, e in units if (i, e) not in patents]
    for ids, _e in patents:
        for i in ids:
            if licenses:
                evidence[i] = replace(
                    evidence[i], role="companion", note="a patent grant beside the license: kept"
                )

    # a version's text beside a manifest's "that version or later": the text of it
    later = {
        e: ids[0]
        for ids, e in licenses
        if evidence[ids[0]].field != "file" and len(_keys(e)) == 1 and e.endswith(OR_LATER_SUFFIX)
    }
    for n, (ids, e) in enumerate(licenses):
        named = later.get(e + OR_LATER_SUFFIX)
        if evidence[ids[0]].field == "file" and len(_keys(e)) == 1 and named is not None:
            licenses[n] = (ids, e + OR_LATER_SUFFIX)
            spdx = db_spdx(e + OR_LATER_SUFFIX, db)
            for i in ids:
                evidence[i] = replace(
                    evidence[i],
                    note=_join(
                        evidence[i].note,
                        f"the text of the {spdx} that {evidence[named].source} names",
                    ),
                )

    # choices: a statement of one alternative of an OR stated elsewhere
    merged: list[tuple[list[int], str]] = []
    for ids, e in licenses:
        for group in merged:
            if _same(group[1]) == _same(e):
                group[0].extend(ids)
                break
        else:
            merged.append((list(ids), e))
    ors = [(g, _or_options(e)) for g, e in merged]
    absorbed: set[int] = set()
    for n, (members, expr) in enumerate(merged):
        mine = set(_keys(expr))
        for m, (other, options) in enumerate(ors):
            if m == n or options is None or not mine or not mine < options or m in absorbed:
                continue
            absorbed.add(n)
            for i in members:
                evidence[i] = replace(
                    evidence[i],
                    role="choice",
                    note=_join(
                        evidence[i].note, f"one of the alternatives of {db_spdx(merged[m][1], db)}"
                    ),
                )
            for i in other:
                if evidence[i].role == "grant":
                    evidence[i] = replace(evidence[i], role="choice")
            break
    kept = [(g, e) for n, (g, e) in enumerate(merged) if n not in absorbed]

    # companions: the GPL-3.0 text beside the LGPL-3.0 text
    lesser = {
        _LESSER[k]
        for g, e in kept
        for k in _keys(e)
        if k in _LESSER and any(evidence[i].field == "file" for i in g)
    }
    if lesser:
        companions = [
            n
            for n, (g, e) in enumerate(kept)
            if set(_keys(e)) <= _GPL3
            and all(evidence[i].field == "file" for i in g)
            and any(k.startswith(tuple(lesser)) for k in _keys(e))
        ]
        for n in companions:
            for i in kept[n][0]:
                evidence[i] = replace(
                    evidence[i],
                    role="companion",
                    note=_join(
                        evidence[i].note,
                        "the GPL-3.0 text the LGPL-3.0's additional permissions apply to",
                    ),
                )
        kept = [k for n, k in enumerate(kept) if n not in companions]

    disagree = len(kept) > 1
    expressions = [e for _g, e in kept] + [e for _i, e in patents]
    if not expressions:
        clues = [e.license for e in evidence if e.role == "clue" and e.license]
        expression = combine(clues, "AND")
        if clues:
            weak.append(
                "only clues, no license text or field: "
                + ", ".join(e.source for e in evidence if e.role == "clue")
            )
    else:
        joined = combine(expressions, "AND")
        assert joined is not None
        expression = _tidy(joined) if len(expressions) > 1 else joined
    if disagree:
        weak.append(
            DISAGREE
            + ": "
            + "; ".join(
                f"{', '.join(evidence[i].source for i in g)}: {db_spdx(e, db)}" for g, e in kept
            )
        )
    # a manifest field not understood: its own finding (declared-license-unclear)
    unclear = any(
        e.field != "file" and e.role != "clue" and (e.low_confidence or not e.license)
        for e in evidence
    )
    if business is not None and business.changed and business.change_license and expression:
        try:
            change_keys = db.spdx_to_keys(business.change_license)
            expression = _replace_key(expression, BUSL_KEY, change_keys)
        except LicensetierError:  # the Change License cannot be written: BUSL stays
            business = replace(business, changed=False)
    return Decision(
        expression,
        tuple(evidence),
        DeclaredReasoning(
            low_confidence=bool(weak) or unclear,
            why=tuple(dict.fromkeys(weak)),
            disagree=disagree,
            business_source=business,
            modified=tuple(modified),
        ),
    )


def _readme(
    s: DeclaredLicense,
    evidence: list[DeclaredLicense],
    units: list[tuple[tuple[int, ...], str]],
    weak: list[str],
    db: LicenseDB,
) -> None:
    """A README's License section: a grant when nothing else states a license; beside
    license files and manifests, it may repeat them or say which of them is a choice,
    but a license only it names is not added to theirs: a section that names theirs
    and others (the licenses of some files, in a monorepo's README) is noted, one that
    names none of theirs is a reason for low confidence."""
    kept = strip_keys(s.license, lambda k: is_clue(k, db)) if s.license else None
    if kept is None:
        note = "the section names no license" if not s.license else "a clue, not a grant"
        evidence.append(replace(s, role="clue", note=note))
        return
    # GPL-3.0 in a README's words and GPL-3.0-or-later in the files are one license
    stated = {k.removesuffix(OR_LATER_SUFFIX) for _i, e in units for k in _keys(e)}
    extra = [k for k in _keys(kept) if k.removesuffix(OR_LATER_SUFFIX) not in stated]
    if stated and extra:
        names = ", ".join(db_spdx(k, db) for k in extra)
        if len(extra) < len(_keys(kept)):  # it names theirs too: perhaps of some files
            note = f"names also {names} (of some of its files?), which the license files"
            evidence.append(replace(s, role="clue", note=note + " and manifests do not"))
            return
        note = f"names {names}, which the license files and manifests do not: not counted"
        evidence.append(replace(s, role="clue", note=note))
        others = combine([e for _i, e in units], "AND") or ""
        weak.append(
            f"{s.source}: the {README_FIELD} (line {s.line}) names {names}; "
            f"the license files and manifests state {db_spdx(others, db)}"
        )
        return
    note = "the README's License section"
    if kept != s.license:
        note += "; clues set aside"
    if stated and _or_options(kept) is None:
        note += ": it repeats what the license files and manifests state"
    evidence.append(replace(s, license=kept, license_spdx=db_spdx(kept, db), note=note))
    if not stated or _or_options(kept) is not None:  # alone, or saying which is a choice
        units.append(((len(evidence) - 1,), kept))
        if not stated and s.score < LOW_CONFIDENCE_SCORE:  # beside texts, they answer
            weak.append(
                f"{s.source}: the {README_FIELD} (line {s.line}) reads as {db_spdx(kept, db)}"
                f" from a partial match (score {s.score:.0f})"
            )


REUSE_ALL = "REUSE LICENSES/: the project's files are under these licenses together (AND)"
REUSE_SOME = "a license of some of the project's files (REUSE LICENSES/)"


def _reuse_folder(
    evidence: list[DeclaredLicense],
    units: list[tuple[tuple[int, ...], str]],
    db: LicenseDB,
) -> list[tuple[tuple[int, ...], str]]:
    """The statements of a REUSE ``LICENSES/`` folder weighed (their roles set in
    ``evidence``), and the units left to decide with.

    With no other statement, the folder's licenses together (AND) are one statement:
    what REUSE projects' own manifests say. Beside other statements, a folder license
    that they state agrees with them (it is their text); the others are licenses of
    some of the files, kept as ``companion`` and checked file by file - neither ANDed
    into the declared license nor a disagreement. An exception (``LLVM-exception``) is
    a companion: it is used with ``WITH`` in the files' own headers."""
    folder = [(ids, e) for ids, e in units if evidence[ids[0]].field == FIELD]
    if not folder:
        return units
    others = [(ids, e) for ids, e in units if evidence[ids[0]].field != FIELD]

    def mark(i: int, role: str, note: str) -> None:
        evidence[i] = replace(evidence[i], role=role, note=_join(evidence[i].note, note))

    licenses: list[tuple[tuple[int, ...], str]] = []
    for ids, e in folder:
        info = db.info(e)
        if info is not None and info.is_exception:
            mark(ids[0], "companion", "a license exception (REUSE LICENSES/), used with WITH")
        else:
            licenses.append((ids, e))
    if not others:
        for ids, _e in licenses:
            mark(ids[0], "grant", REUSE_ALL)
        joined = combine([e for _ids, e in licenses], "AND")
        together = [(tuple(i for ids, _e in licenses for i in ids), joined)] if joined else []
        return together
    for ids, e in licenses:
        stating = [(o, x) for o, x in others if e in _keys(x)]
        if stating:
            sources = ", ".join(dict.fromkeys(evidence[o[0]].source for o, _x in stating))
            chosen = any(" or " in x.lower() for _o, x in stating)
            mark(ids[0], "choice" if chosen else "grant", f"the text of a license {sources} states")
        else:
            mark(ids[0], "companion", REUSE_SOME)
    return others


def _tidy(expression: str) -> str:
    """Nested operators of one kind flattened, repeated operands dropped."""
    try:
        return render(simplify(parse(expression)))
    except UnknownLicenseError:
        return expression


def _is_patent(key: str, db: LicenseDB) -> bool:
    info = db.info(key)
    return info is not None and info.category == PATENT_CATEGORY


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b


def _replace_key(expression: str, key: str, replacement: str) -> str:
    try:
        node = parse(expression)
    except UnknownLicenseError:
        return expression
    new = parse(replacement)

    def walk(n: Node) -> Node:
        if isinstance(n, Leaf):
            return new if n.key.lower() == key else n
        if isinstance(n, With):
            return n
        return Op(n.operator, tuple(walk(c) for c in n.children))

    return render(simplify(walk(node)))
