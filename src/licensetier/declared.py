"""The artifact's own declared license, read from its manifests as data.

Manifests are parsed, never run: ``setup.py`` is not imported, ``package.json``
scripts are not executed, nothing is fetched. Only the manifests that sit directly in
the artifact's directory count (:data:`MANIFEST_PARSERS` says which file goes to which
parser).

A declared string is normalised in two steps (:func:`normalize`): an SPDX parse
through the license database first, with a few repairs of well-known legacy syntax;
then ScanCode's detection on the string, whose score is kept. Only the second step
needs ScanCode's index, so it runs only when the first one failed.

A malformed manifest becomes a :class:`~licensetier.models.ScanError` naming the file
and, where the parser gives one, the line; the other manifests are still read.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from licensetier import formats, fs
from licensetier.errors import LicenseDBError, LicensetierError, ManifestError, UnknownLicenseError
from licensetier.expressions import ExpressionTooDeep, check_nesting, combine, keys_in
from licensetier.models import DeclaredLicense, ScanError
from licensetier.paths import data_directory
from licensetier.readers import Identity, Reading
from licensetier.readers.model_card import (
    MODEL_CARD_NAMES,
    HFLicenses,
    ModelCard,
    find_model_card,
    load_hf_licenses,
    parse_model_card,
    read_model_card,
)
from licensetier.readers.routes import declared_reader, declaring, declaring_files

if TYPE_CHECKING:
    from licensetier.license_db import LicenseDB

__all__ = [
    "MODEL_CARD_NAMES",
    "HFLicenses",
    "ModelCard",
    "find_model_card",
    "load_hf_licenses",
    "parse_model_card",
    "read_model_card",
]

DetectText = Callable[[str], tuple[str | None, float]]
"""ScanCode's detection on a short string: :meth:`licensetier.detect.engine.Engine.detect_text`."""

LOW_CONFIDENCE_SCORE = 90.0
MAX_LICENSE_FILE_BYTES = 1024 * 1024  # a license file referenced by a manifest

PROPRIETARY_KEY = "proprietary-license"  # ScanCode: "Proprietary License", category Commercial

# ScanCode keys that say "a license is referred to, but not which one": a detection
# made of these is only a partial understanding.
VAGUE_KEYS = frozenset(
    {
        "unknown",
        "unknown-license-reference",
        "unknown-spdx",
        "free-unknown",
        "other-permissive",
        "other-copyleft",
        "see-license",
        "license-file-reference",
        "unstated",
        "no-license",
    }
)


# -- normalisation -------------------------------------------------------------------


@dataclass(frozen=True)
class Normalized:
    """A declared string, understood."""

    license: str | None  # ScanCode key expression
    license_spdx: str | None
    score: float  # 100 for a clean SPDX parse; ScanCode's match score for the detection
    low_confidence: bool  # score < 90 or only a partial understanding


NOT_UNDERSTOOD = Normalized(None, None, 0.0, True)


def _spdx_of(keys: str, db: LicenseDB) -> str | None:
    try:
        return db.keys_to_spdx(keys)
    except LicensetierError:
        return None


def _spdx_candidates(text: str) -> Iterable[str]:
    """The string itself, then repairs of well-known legacy syntax.

    ``MIT/Apache-2.0``: Cargo's legacy syntax (and common usage elsewhere) for
    ``MIT OR Apache-2.0``; only when every part is one identifier, so that a URL or
    a sentence is left to the detection step.
    """
    yield text
    if "/" in text and "://" not in text:
        parts = [p.strip() for p in text.split("/")]
        if len(parts) > 1 and all(p and not re.search(r"\s", p) for p in parts):
            yield combine(parts, "OR", unique=False) or text


def from_detection(expression: str | None, score: float, db: LicenseDB) -> Normalized:
    """Turn ScanCode's answer on a string or a file into a :class:`Normalized`."""
    if not expression:
        return NOT_UNDERSTOOD
    partial = any(k in VAGUE_KEYS for k in keys_in(expression))
    score = float(score)
    return Normalized(
        expression, _spdx_of(expression, db), score, partial or score < LOW_CONFIDENCE_SCORE
    )


AMBIGUOUS_NAME_SCORE = 50.0


@functools.cache
def _names_tables(path: Path | None = None) -> dict[str, dict[str, str]]:
    """``license_db/declared_names.toml``, read once: its tables by name."""
    path = path or data_directory() / "declared_names.toml"
    try:
        data = formats.load_toml(path.read_text(encoding="utf-8"))
    except (OSError, formats.TOMLDecodeError) as exc:
        raise LicenseDBError(f"{path}: {exc}") from None
    return {name: dict(table) for name, table in data.items() if isinstance(table, dict)}


def declared_names(path: Path | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """``license_db/declared_names.toml``: names ScanCode does not read on their own ->
    SPDX, certain and ambiguous."""
    tables = _names_tables(path)
    return tables.get("names", {}), tables.get("ambiguous", {})


def r_license_names(path: Path | None = None) -> dict[str, str]:
    """``license_db/declared_names.toml``'s ``[r]``: R's license names (its
    ``share/licenses/license.db``, lower case) -> SPDX, read only in an R package's
    ``DESCRIPTION``."""
    return _names_tables(path).get("r", {})


def _by_name(text: str, db: LicenseDB) -> Normalized | None:
    certain, ambiguous = declared_names()
    name = text.lower()
    for table, score, low in ((certain, 100.0, False), (ambiguous, AMBIGUOUS_NAME_SCORE, True)):
        spdx = table.get(name)
        if spdx is not None:
            keys = db.spdx_to_keys(spdx)
            return Normalized(keys, _spdx_of(keys, db) or spdx, score, low)
    return None


_TOP_LEVEL_OPERATOR = re.compile(r"\s+(OR|AND)\s+", re.IGNORECASE)
# "GPL v2 or later": one license and its later versions, not a list of two
_OR_LATER = re.compile(
    r"\bor\s+(?:\(?at\s+your\s+option\)?\s+)?(?:any\s+)?(?:later|newer|greater|higher|above)\b",
    re.IGNORECASE,
)
UNKNOWN_KEY = "unknown"  # ScanCode's key for a license that is named but not identified
MAX_LIST_WORDS = 6  # a part of a joined list is a name, not a sentence


def _joined_list(text: str, db: LicenseDB, detect_text: DetectText | None) -> Normalized | None:
    """A short list of names joined with one operator and no parentheses, each part
    understood on its own. A part that is not understood becomes ScanCode's
    ``unknown`` (low confidence) rather than being dropped; None when no part is."""
    operators = {o.upper() for o in _TOP_LEVEL_OPERATOR.findall(text)}
    if len(operators) != 1 or "(" in text or _OR_LATER.search(text):
        return None
    raw_parts = _TOP_LEVEL_OPERATOR.split(text)[::2]
    if any(len(p.split()) > MAX_LIST_WORDS for p in raw_parts):
        return None
    parts = [normalize(p, db, detect_text) for p in raw_parts]
    if not any(p.license for p in parts):
        return None
    keys = combine(
        (UNKNOWN_KEY if p.license is None else p.license for p in parts),
        operators.pop(),
        unique=False,
    )
    assert keys is not None  # there are two parts at least
    low = any(p.low_confidence or p.license is None for p in parts)
    return Normalized(keys, _spdx_of(keys, db), min(p.score for p in parts), low)


def normalize(raw: str, db: LicenseDB, detect_text: DetectText | None) -> Normalized:
    """Understand a declared license string.

    1. SPDX parse through ``db.spdx_to_keys`` (and the repairs of
       :func:`_spdx_candidates`): score 100.
    2. A name of ``license_db/declared_names.toml`` ("Public Domain"; "BSD" or "LGPL",
       ambiguous, read with low confidence), or an expression of ScanCode's own keys.
    3. A short list joined with one operator and no parentheses (``AFLv2.1 OR BSD``, as
       npm's and composer's license lists are joined; ``MIT and MPL-2.0``): each part
       understood on its own (:func:`_joined_list`).
    4. Otherwise ScanCode's detection on the string, when ``detect_text`` is given
       (it loads ScanCode's index on first use): ScanCode's score, low confidence
       below 90 or when the detection only found a reference to an unnamed license.

    Nothing understood: license None, score 0, low confidence.
    """
    text = " ".join(raw.split())
    if not text:
        return NOT_UNDERSTOOD
    check_nesting(text)  # ExpressionTooDeep: neither parsed nor handed to ScanCode
    candidates = iter(_spdx_candidates(text))
    with contextlib.suppress(UnknownLicenseError):  # the string itself
        keys = db.spdx_to_keys(next(candidates))
        return Normalized(keys, _spdx_of(keys, db) or text, 100.0, False)
    named = _by_name(text, db)  # before the repairs: "MIT/X11" is one license's name
    if named is not None:
        return named
    for candidate in candidates:
        try:
            keys = db.spdx_to_keys(candidate)
        except UnknownLicenseError:
            continue
        return Normalized(keys, _spdx_of(keys, db) or candidate, 100.0, False)
    with contextlib.suppress(LicensetierError):  # ScanCode's own keys ("bsd-simplified")
        keys = db.spdx_to_keys(db.keys_to_spdx(text))
        return Normalized(keys, _spdx_of(keys, db), 100.0, False)
    listed = _joined_list(text, db, detect_text)
    if listed is not None:
        return listed
    if detect_text is None:
        return NOT_UNDERSTOOD
    found = from_detection(*detect_text(raw.strip()), db)
    if found.license_spdx and not _same_version(text, found.license_spdx):
        # "Eclipse Public License v2.0" reads as EPL-1.0: asked again without the "v"
        again = from_detection(*detect_text(_VERSION_V.sub("", text)), db)
        if again.license_spdx and _same_version(text, again.license_spdx):
            return again
        return replace(found, low_confidence=True)  # a guessed variant
    if found.license_spdx and _OR_LATER.search(text) and not _LATER_ID.search(found.license_spdx):
        return replace(found, low_confidence=True)  # "GPL v3 or any later version" as GPL-3.0
    return found


_LATER_ID = re.compile(r"-or-later\b|\+")
_VERSION_V = re.compile(r"(?<=\s)[vV]\.?\s?(?=\d)")
_TEXT_VERSION = re.compile(r"(?<![\w.])[vV]?\.?(\d+(?:\.\d+)?)(?![\w.])")
_ID_VERSION = re.compile(r"-(\d+(?:\.\d+)*)")


def _same_version(text: str, spdx: str) -> bool:
    """Whether the versions a declared string names (``2.0``, ``v3``) and those of the
    licenses it was read as agree; True when either names none."""
    said = {float(v) for v in _TEXT_VERSION.findall(text) if len(v) < 5}
    read = {float(".".join([*v.split("."), "0"][:2])) for v in _ID_VERSION.findall(spdx)}
    return not said or not read or bool(said & read)


def all_of(expressions: Iterable[str]) -> str | None:
    """The distinct expressions joined with AND (each parenthesised when compound)."""
    return combine(expressions, "AND")


def spdx_or_none(keys: str | None, db: LicenseDB) -> str | None:
    """A key expression as SPDX; None for none or one that cannot be written."""
    return _spdx_of(keys, db) if keys else None


def _proprietary(db: LicenseDB) -> Normalized:
    return Normalized(PROPRIETARY_KEY, _spdx_of(PROPRIETARY_KEY, db), 100.0, False)


# -- the context a parser works in ----------------------------------------------------


@dataclass
class ManifestContext:
    """One manifest being read: its text, where it is, and where problems go."""

    path: Path  # the manifest file
    source: str  # its POSIX path relative to the scan root
    artifact_dir: Path
    scan_root: Path
    text: str
    db: LicenseDB
    detect_text: DetectText | None
    errors: list[ScanError] = field(default_factory=list)
    reading: Reading = field(default_factory=Reading)  # the scan's reads (Cargo's workspace)

    def error(self, message: str, line: int | None = None, source: str | None = None) -> None:
        self.errors.append(ScanError(source or self.source, message, line))

    def normalize(self, raw: str, line: int | None = None) -> Normalized:
        try:
            return normalize(raw, self.db, self.detect_text)
        except ExpressionTooDeep as exc:  # a scan problem naming the file and the line
            raise ManifestError(str(exc), path=self.source, line=line) from None

    def name_or_url(self, name: str | None, url: str | None, line: int | None) -> Normalized:
        """A license given by a name and a URL (Maven's ``<license>``, Gradle's pom
        block, NuGet's ``<licenseUrl>``): the name first; the URL when the name is
        missing or not understood for certain. A URL is understood by ScanCode's
        detection, which knows the license pages of opensource.org, apache.org,
        gnu.org and the like; a URL of a project's own file is not understood."""
        by_name = self.normalize(name, line) if name else NOT_UNDERSTOOD
        if (by_name.license and not by_name.low_confidence) or not url:
            return by_name
        by_url = self.normalize(url, line)
        if by_url.license and (not by_url.low_confidence or not by_name.license):
            return by_url
        return by_name

    def proprietary(self) -> Normalized:
        """All rights reserved: ScanCode's ``proprietary-license``."""
        return _proprietary(self.db)

    def understood(self, key: str) -> Normalized:
        """A ScanCode key known for certain (a Hub id's)."""
        return Normalized(key, _spdx_of(key, self.db), 100.0, False)

    def not_understood(self) -> Normalized:
        return NOT_UNDERSTOOD

    def choice(self, alternatives: list[str], line: int | None) -> Normalized:
        """Alternatives (OR) normalised one by one and joined (:meth:`any_of`)."""
        return self.any_of([self.normalize(a, line) for a in alternatives])

    def any_of(self, parts: list[Normalized]) -> Normalized:
        """Alternatives (OR), each already understood, joined.

        An alternative that is not understood is left out of the choice, and the whole
        is marked low confidence: dropping an option of an OR never makes the result
        look more favourable than what was declared.
        """
        if len(parts) == 1:
            return parts[0]
        understood = [p for p in parts if p.license]
        if not understood:
            return NOT_UNDERSTOOD
        keys = list(dict.fromkeys(p.license for p in understood if p.license))
        expression = combine(keys, "OR") or ""
        return Normalized(
            expression,
            _spdx_of(expression, self.db),
            min(p.score for p in understood),
            any(p.low_confidence for p in parts),
        )

    def declare(
        self,
        field_name: str,
        raw: str,
        line: int | None,
        normalized: Normalized | None = None,
        source: str | None = None,
    ) -> DeclaredLicense:
        n = normalized if normalized is not None else self.normalize(raw, line)
        return DeclaredLicense(
            source=source or self.source,
            field=field_name,
            license=n.license,
            license_spdx=n.license_spdx,
            raw=raw,
            score=n.score,
            line=line,
            low_confidence=n.low_confidence,
        )

    def relative(self, path: Path) -> str:
        """``path`` as a POSIX path relative to the scan root (symlinks resolved)."""
        try:
            return path.resolve().relative_to(self.scan_root.resolve()).as_posix()
        except (OSError, RuntimeError, ValueError):
            return path.as_posix()

    def license_file(
        self, field_name: str, reference: str, line: int | None, base: Path | None = None
    ) -> Normalized | None:
        """Detect the license of a file a manifest points to.

        The file must stay inside ``base`` (the artifact's directory unless given);
        a problem is reported as an error and gives None.
        """
        base = base or self.artifact_dir
        where = self.source if base == self.artifact_dir else self.relative(base)
        if not reference.strip():
            self.error(f"{field_name}: empty file name", line)
            return None
        if PurePosixPath(reference).is_absolute() or Path(reference).is_absolute():
            self.error(f"{field_name}: {reference!r} is an absolute path", line)
            return None
        target = base / reference
        if not _inside(target, base) or not _inside(target, self.scan_root):
            self.error(f"{field_name}: {reference!r} points outside the directory of {where}", line)
            return None
        if not fs.is_file(target, self.scan_root):
            self.error(f"{field_name}: license file {reference!r} not found", line)
            return None
        try:
            head = fs.read_head(target, self.scan_root, MAX_LICENSE_FILE_BYTES)
        except OSError as exc:
            self.error(f"{field_name}: cannot read {reference!r}: {fs.reason(exc)}", line)
            return None
        content = head.decode("utf-8", errors="replace")
        if self.detect_text is None:
            return NOT_UNDERSTOOD
        expression, score = self.detect_text(content)
        return from_detection(expression, score, self.db)


ManifestParser = Callable[[ManifestContext], list[DeclaredLicense]]

MANIFEST_PARSERS: Mapping[str, ManifestParser] = {
    name: declared_reader(module) for name, module in declaring()
}
"""File name (exact, directly in the artifact's directory), or the pattern of a row that
reads several (``.+\\.gemspec``) -> what reads its declared license: the rows of the one
routing table (:data:`licensetier.readers.routes.ROUTES`) that declare, in their order.
Which files of a directory they read: :func:`licensetier.readers.routes.declaring_files`."""


def _inside(path: Path, directory: Path) -> bool:
    try:
        return path.resolve().is_relative_to(directory.resolve())
    except (OSError, RuntimeError, ValueError):
        return False


def _clean_rel_dir(rel_dir: str) -> str:
    parts = [p for p in PurePosixPath(rel_dir.replace("\\", "/")).parts if p not in ("", ".")]
    return "/".join(parts) or "."


def read_declared(
    artifact_dir: Path,
    rel_dir: str,
    db: LicenseDB,
    detect_text: DetectText | None,
    reading: Reading | None = None,
) -> tuple[list[DeclaredLicense], list[ScanError]]:
    """The licenses the manifests directly in ``artifact_dir`` declare, and the problems.

    ``rel_dir`` is the artifact's path relative to the scan root ("." for the root);
    sources in the results are POSIX paths relative to the scan root. Never raises
    on bad input: each malformed manifest is a :class:`ScanError`, and the others are
    still read. ``detect_text`` (ScanCode on a string) is called only where the SPDX
    parse failed or a license file must be read; None skips that step. ``reading``:
    the scan's reads, so that a manifest the dependency reader (or the lineage) reads
    too is read and parsed once, and a malformed one is one problem.
    """
    reading = reading if reading is not None else Reading()
    rel = _clean_rel_dir(rel_dir)
    artifact_dir = Path(artifact_dir)
    scan_root = _scan_root_of(artifact_dir, rel)
    try:
        listing = fs.entries(artifact_dir, scan_root)
    except OSError as exc:
        return [], [ScanError(rel, f"cannot list the artifact directory: {fs.reason(exc)}")]
    names = {e.name for e in listing if e.is_file or e.kind == "outside"}

    declared: list[DeclaredLicense] = []
    errors: list[ScanError] = []
    for name, key in declaring_files(names):
        parser = MANIFEST_PARSERS[key]
        source = name if rel == "." else f"{rel}/{name}"
        path = artifact_dir / name
        if not _inside(path, scan_root):
            errors.append(
                ScanError(source, "a symbolic link to a file outside the scan root: not read")
            )
            continue
        ctx = ManifestContext(
            path, source, artifact_dir, scan_root, "", db, detect_text, reading=reading
        )
        try:
            declared.extend(parser(ctx))
        except ManifestError as exc:
            ctx.error(str(exc), exc.line, exc.path)
        errors.extend(ctx.errors)
    return declared, errors


def _scan_root_of(artifact_dir: Path, rel: str) -> Path:
    """The scan root of an artifact directory ``rel`` below it (the directory itself
    for ``.`` or a path that climbs out)."""
    scan_root = artifact_dir
    if ".." not in rel.split("/") and rel != ".":
        for _ in rel.split("/"):
            scan_root = scan_root.parent
    return scan_root


def read_identity(artifact_dir: Path, rel_dir: str, reading: Reading) -> Identity | None:
    """The project's name, version and supplier, from the first manifest directly in
    ``artifact_dir`` whose reader has an ``identity`` (in the routing table's order) and
    that names the project; None when none does. Read through ``reading``: a manifest
    the declared-license step read is not read again, one that did not parse is
    skipped (its problem is reported there)."""
    import importlib

    rel = _clean_rel_dir(rel_dir)
    scan_root = _scan_root_of(artifact_dir, rel)
    try:
        listing = fs.entries(artifact_dir, scan_root)
    except OSError:
        return None
    names = {e.name for e in listing if e.is_file}
    modules = dict(declaring())
    for name, key in declaring_files(names):
        reader = importlib.import_module(modules[key])
        identity = getattr(reader, "identity", None)
        if identity is None:
            continue
        source = name if rel == "." else f"{rel}/{name}"
        path = artifact_dir / name
        if not _inside(path, scan_root):
            continue
        try:
            document = reading.document(reader, path, source, scan_root)
        except ManifestError:
            continue
        if document is None:
            continue
        found: Identity | None = identity(document)
        if found is not None:
            return found
    return None
