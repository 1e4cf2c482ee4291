"""Regenerate ``license_db/scancode_licenses.json`` from the installed ScanCode.

Run ``python -m licensetier.gen_license_db`` after upgrading ScanCode, and
``python -m licensetier.gen_license_db --check`` in CI: it exits 1 when the committed
data differs from what the installed ScanCode would produce.

Only ScanCode's license *data* is read (``licensedcode.models.load_licenses``: the
YAML front matter of about 2,600 ``.LICENSE`` files); the match index is never built.
Every key gets a family and a strength from its ScanCode category through
:data:`CATEGORY_MAP`; a category missing from the map stops the generator. The
curated corrections live in ``license_db/overrides.toml`` and are applied when the
data is loaded, not here, so that the generated file stays a plain copy of ScanCode.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from licensetier.errors import LicenseDBError
from licensetier.models import Family, Strength

GENERATED_FILE = "scancode_licenses.json"
FORMAT = 1

# ScanCode category -> (family, strength, not a license of use). DOMAIN.md section 1.
CATEGORY_MAP: Mapping[str, tuple[Family, Strength | None, bool]] = {
    "Permissive": (Family.PERMISSIVE, None, False),
    "Public Domain": (Family.PERMISSIVE, None, False),
    "Copyleft Limited": (Family.COPYLEFT, Strength.WEAK, False),
    "Copyleft": (Family.COPYLEFT, Strength.STRONG, False),
    "Source-available": (Family.SOURCE_AVAILABLE, None, False),
    "Proprietary Free": (Family.CUSTOM, None, False),
    "Free Restricted": (Family.CUSTOM, None, False),
    "Commercial": (Family.PROPRIETARY, None, False),
    "Unstated License": (Family.UNKNOWN, None, False),
    # A patent grant or a contributor agreement is not a license to use the code:
    # reported as information; the family only matters if nothing else is there.
    "Patent License": (Family.PERMISSIVE, None, True),
    "CLA": (Family.PERMISSIVE, None, True),
}


def default_directory() -> Path:
    """The repository's ``license_db/`` (the generator runs from a source checkout)."""
    return Path(__file__).resolve().parents[2] / "license_db"


def scancode_version() -> str:
    from importlib.metadata import version

    return version("scancode-toolkit")


def _load_scancode_licenses() -> dict[str, Any]:
    """ScanCode's License objects by key, deprecated ones included."""
    if "SCANCODE_TEMP" not in os.environ:
        # ScanCode creates a temporary directory on import: keep it in one of ours.
        base = Path(tempfile.gettempdir()) / "licensetier-scancode"
        base.mkdir(parents=True, exist_ok=True)
        os.environ["SCANCODE_TEMP"] = str(base)
    from licensedcode.models import load_licenses

    licenses: dict[str, Any] = load_licenses(with_deprecated=True)
    return licenses


def _entry(lic: Any) -> dict[str, Any]:
    category = lic.category
    if category not in CATEGORY_MAP:
        raise LicenseDBError(
            f"ScanCode license {lic.key!r} has category {category!r}, which "
            "gen_license_db.CATEGORY_MAP does not map to a family: add it there "
            "(and to docs/families.md) before regenerating"
        )
    family, strength, not_of_use = CATEGORY_MAP[category]
    return {
        "category": category,
        "family": family.value,
        "is_deprecated": bool(lic.is_deprecated),
        "is_exception": bool(lic.is_exception),
        "is_generic": bool(lic.is_generic),
        "is_unknown": bool(lic.is_unknown),
        "name": lic.name or lic.short_name or lic.key,
        "not_a_license_of_use": not_of_use,
        "other_spdx": sorted(s.strip() for s in lic.other_spdx_license_keys if s and s.strip()),
        "replaced_by": list(lic.replaced_by or []) if lic.is_deprecated else [],
        "spdx": (lic.spdx_license_key or "").strip() or None,
        "strength": strength.value if strength else None,
    }


def _check_spdx_ids(entries: Mapping[str, Mapping[str, Any]]) -> None:
    """No SPDX id may name two keys (case-insensitively), else resolution is ambiguous."""
    owner: dict[str, str] = {}
    problems: list[str] = []
    for key in sorted(entries):
        entry = entries[key]
        ids = [entry["spdx"], *entry["other_spdx"]] if entry["spdx"] else entry["other_spdx"]
        for ident in ids:
            low = ident.lower()
            if low in owner and owner[low] != key:
                problems.append(f"{ident!r} is listed by both {owner[low]!r} and {key!r}")
            owner[low] = key
    if problems:
        raise LicenseDBError("ambiguous SPDX ids in ScanCode's data: " + "; ".join(problems))


def build_data(licenses: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The content of ``scancode_licenses.json`` for the installed ScanCode."""
    if licenses is None:
        licenses = _load_scancode_licenses()
    unmapped = sorted({lic.category for lic in licenses.values()} - set(CATEGORY_MAP), key=str)
    if unmapped:
        keys = sorted(k for k, lic in licenses.items() if lic.category in unmapped)
        raise LicenseDBError(
            f"ScanCode categories not mapped to a family: {unmapped} (keys: {keys[:20]}); "
            "add them to gen_license_db.CATEGORY_MAP"
        )
    entries = {key: _entry(licenses[key]) for key in sorted(licenses)}
    _check_spdx_ids(entries)
    categories = {
        name: {
            "family": family.value,
            "not_a_license_of_use": not_of_use,
            "strength": strength.value if strength else None,
        }
        for name, (family, strength, not_of_use) in sorted(CATEGORY_MAP.items())
    }
    return {
        "categories": categories,
        "format": FORMAT,
        "generated_by": "python -m licensetier.gen_license_db",
        "licenses": entries,
        "scancode_version": scancode_version(),
    }


def render(data: Mapping[str, Any]) -> str:
    """Stable text: sorted keys, one license per line, so that diffs stay readable."""

    def dump(value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    lines = ["{"]
    top = sorted(k for k in data if k != "licenses")
    for name in top:
        lines.append(f"  {dump(name)}: {dump(data[name])},")
    licenses = data["licenses"]
    lines.append('  "licenses": {')
    keys = sorted(licenses)
    for i, key in enumerate(keys):
        comma = "," if i < len(keys) - 1 else ""
        lines.append(f"    {dump(key)}: {dump(licenses[key])}{comma}")
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _validate_curated(directory: Path, text: str) -> None:
    """Load the curated TOML files against the data about to be written: an override
    or exception naming a key that ScanCode dropped fails here."""
    from licensetier.license_db import LicenseDB

    db = LicenseDB.from_files(directory, generated=json.loads(text))
    db.relicensing  # noqa: B018 - read on first use: checked here too


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m licensetier.gen_license_db",
        description="Regenerate license_db/scancode_licenses.json from the installed ScanCode.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the committed data is stale",
    )
    parser.add_argument(
        "--directory",
        type=Path,
        default=None,
        help="the license_db directory (default: the repository's license_db/)",
    )
    args = parser.parse_args(argv)
    directory: Path = args.directory or default_directory()
    target = directory / GENERATED_FILE
    try:
        text = render(build_data())
        _validate_curated(directory, text)
    except LicenseDBError as exc:
        print(f"gen_license_db: error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current != text:
            print(
                f"gen_license_db: {target} is stale for ScanCode {scancode_version()}: "
                "run `python -m licensetier.gen_license_db` and bump license_db/VERSION",
                file=sys.stderr,
            )
            return 1
        print(f"gen_license_db: {target} is up to date")
        return 0
    target.write_text(text, encoding="utf-8")
    count = len(json.loads(text)["licenses"])
    print(f"gen_license_db: wrote {count} licenses to {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
