"""One root error and a base per extension point.

The engine raises these; only the CLI turns them into messages and exit codes.
"""

from __future__ import annotations


class LicensetierError(Exception):
    """Root of every error licensetier raises on purpose."""


class ConfigError(LicensetierError):
    """A configuration file, or a flag, is wrong. Names the file and the key."""

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None) -> None:
        self.path = path
        self.key = key
        where = ""
        if path and key:
            where = f"{path}: {key}: "
        elif path:
            where = f"{path}: "
        elif key:
            where = f"{key}: "
        super().__init__(f"{where}{message}")


class LicenseDBError(LicensetierError):
    """The data in license_db/ is missing or inconsistent."""


class UnknownLicenseError(LicensetierError):
    """A license identifier or expression that neither SPDX nor ScanCode knows."""


class ManifestError(LicensetierError):
    """A manifest could not be read; carries the file and, where known, the line."""

    def __init__(self, message: str, *, path: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        super().__init__(message)
