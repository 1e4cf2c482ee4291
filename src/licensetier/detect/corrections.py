"""Known misreadings of ScanCode, corrected by the shape of the text
(``license_db/corrections.toml``).

A detection is corrected when ScanCode's license for it is one the table lists and
the text of its lines, normalised (:func:`normal`), begins with the table's shape. The
corrected detection keeps its lines and ScanCode's matches as they were, takes the
right key, says ``licensetier:<id>`` as its rule (matcher ``licensetier-correction``)
and keeps ScanCode's own expression in ``corrected_from`` (the file's too), so a report
shows both: ``scancode_license`` stays ScanCode's answer, ``license`` is licensetier's.
Applied to every file after detection, the cache and followed references, so a
correction table newer than the cache still applies.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from licensetier import formats, fs
from licensetier.errors import LicenseDBError, LicensetierError
from licensetier.expressions import combine
from licensetier.license_db import LicenseDB
from licensetier.models import Detection, FileResult, ScanError
from licensetier.paths import data_directory

CORRECTIONS_FILE = "corrections.toml"
MATCHER = "licensetier-correction"
MAX_CORRECTED_BYTES = 4 * 1024 * 1024  # a policy or a notice is far smaller

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


def normal(text: str) -> str:
    """``text`` compared loosely: lower-cased, typographic quotes plain, © as (c), the
    Markdown emphasis, heading marks and escapes of a copied text gone, spacing
    collapsed."""
    text = text.translate(_QUOTES).replace("\u00a9", "(c)").replace("\\", "")
    text = re.sub(r"[*_`#>]+", " ", text)
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass(frozen=True)
class Correction:
    id: str
    detected: frozenset[str]  # ScanCode's license expressions this corrects
    shape: re.Pattern[str]  # matched at the start of the detection's normalised text
    key: str
    reason: str

    def applies(self, detection: Detection, text: str) -> bool:
        return detection.license.lower() in self.detected and bool(self.shape.match(text))


def parse(data: object, db: LicenseDB) -> tuple[Correction, ...]:
    """The table, validated: known keys, compiling shapes, unique ids."""
    if not isinstance(data, dict) or set(data) - {"correction"}:
        raise LicenseDBError(f"{CORRECTIONS_FILE}: only [[correction]] entries are allowed")
    entries = data.get("correction", [])
    if not isinstance(entries, list):
        raise LicenseDBError(f"{CORRECTIONS_FILE}: [[correction]] entries expected")
    fields = {"id", "detected", "shape", "key", "reason"}
    out: list[Correction] = []
    for index, entry in enumerate(entries):
        where = f"{CORRECTIONS_FILE}: correction #{index + 1}"
        if not isinstance(entry, dict) or set(entry) != fields:
            raise LicenseDBError(f"{where}: needs exactly the fields {sorted(fields)}")
        ident, shape, key, reason = (entry[f] for f in ("id", "shape", "key", "reason"))
        detected = entry["detected"]
        if not all(isinstance(v, str) and v.strip() for v in (ident, shape, key, reason)):
            raise LicenseDBError(f"{where}: id, shape, key and reason are non-empty strings")
        if not isinstance(detected, list) or not detected:
            raise LicenseDBError(f"{where}: detected is a non-empty list of keys")
        for k in [*detected, key]:
            if not isinstance(k, str) or db.info(k) is None:
                raise LicenseDBError(f"{where}: {k!r} is not a known license key")
        try:
            pattern = re.compile(shape)
        except re.error as exc:
            raise LicenseDBError(f"{where}: shape: {exc}") from None
        if any(c.id == ident for c in out):
            raise LicenseDBError(f"{where}: id {ident!r} is given twice")
        out.append(Correction(ident, frozenset(k.lower() for k in detected), pattern, key, reason))
    return tuple(out)


@functools.lru_cache(maxsize=2)
def load_corrections(directory: Path | None = None) -> tuple[Correction, ...]:
    path = (directory or data_directory()) / CORRECTIONS_FILE
    try:
        data = formats.load_toml(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LicenseDBError(f"{path}: {exc}") from exc
    return parse(data, LicenseDB.load() if directory is None else LicenseDB.from_files(directory))


def _span(lines: list[str], detection: Detection) -> str:
    if detection.end_line > len(lines):
        return ""  # not all read: no shape to match
    return normal("\n".join(lines[max(detection.start_line - 1, 0) : detection.end_line]))


def corrected_detection(
    detection: Detection, lines: list[str], corrections: Sequence[Correction], db: LicenseDB
) -> Detection | None:
    """The detection as corrected, or None when no correction applies."""
    if not any(detection.license.lower() in c.detected for c in corrections):
        return None
    text = _span(lines, detection)
    for c in corrections:
        if c.applies(detection, text):
            spdx = db.keys_to_spdx(c.key)
            # ScanCode's matches are kept as they were (which rule of which license
            # matched where, and how well): the evidence; the detection's license is
            # the correction's, and ScanCode's own stays in ``corrected_from``
            return Detection(
                license=c.key,
                license_spdx=spdx,
                start_line=detection.start_line,
                end_line=detection.end_line,
                score=100.0,
                matcher=MATCHER,
                rule=f"licensetier:{c.id}",
                matches=detection.matches,
                corrected_from=detection.license,
            )
    return None


def correct(
    results: Sequence[FileResult],
    source: Path,
    db: LicenseDB,
    errors: list[ScanError],
    corrections: Sequence[Correction] | None = None,
) -> list[FileResult]:
    """``results`` with the known misreadings corrected. Only a file with a detection
    some correction names is read again (below ``source``)."""
    table = load_corrections() if corrections is None else corrections
    watched = frozenset().union(*(c.detected for c in table)) if table else frozenset()
    out: list[FileResult] = []
    for r in results:
        if not any(d.license.lower() in watched for d in r.detections):
            out.append(r)
            continue
        try:  # a span beyond the first bytes read is left as it is
            data = fs.read_head(source / r.path, source, MAX_CORRECTED_BYTES)
        except OSError as exc:
            errors.append(ScanError(r.path, f"not read again to check its detection: {exc}"))
            out.append(r)
            continue
        lines = data.decode("utf-8", errors="replace").splitlines()
        changed = False
        detections: list[Detection] = []
        for d in r.detections:
            fixed = corrected_detection(d, lines, table, db)
            changed = changed or fixed is not None
            detections.append(fixed or d)
        if not changed:
            out.append(r)
            continue
        license_ = combine([d.license for d in detections], "AND")
        try:
            spdx = db.keys_to_spdx(license_) if license_ else None
        except (LicensetierError, ValueError):
            spdx = combine([d.license_spdx for d in detections], "AND")
        out.append(
            replace(
                r,
                license=license_,
                license_spdx=spdx,
                detections=tuple(detections),
                corrected_from=r.license,
            )
        )
    return out
