"""Where the data in license_db/ lives: inside the installed wheel, or the source tree."""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path

from licensetier.errors import LicenseDBError


@functools.lru_cache(maxsize=1)
def data_directory() -> Path:
    """``licensetier/license_db`` in a wheel; the repository's ``license_db/`` in a
    source tree or an editable install."""
    packaged = Path(str(files("licensetier"))) / "license_db"
    if (packaged / "scancode_licenses.json").is_file():
        return packaged
    source = Path(__file__).resolve().parents[2] / "license_db"
    if (source / "scancode_licenses.json").is_file():
        return source
    raise LicenseDBError(f"license data not found in {packaged} nor in {source}")
