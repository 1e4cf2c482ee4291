"""Configuration: ``[tool.licensetier]`` in pyproject.toml, or ``licensetier.toml``.

Everything is validated here, once, into a frozen :class:`Config`; a misspelled
key, tier, kind, severity or license is a :class:`ConfigError` naming the file and
the key (and the line, where it can be found), never a silent default.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from licensetier import formats, fs
from licensetier.errors import ConfigError, UnknownLicenseError
from licensetier.formats.lines import toml_line, toml_nearest_line
from licensetier.license_db import LicenseDB
from licensetier.models import Tier
from licensetier.paths import glob_error
from licensetier.tiers import TierData
from licensetier.walk import DEFAULT_MAX_FILE_SIZE

SEVERITIES = ("error", "warning", "info", "ok")
TOP_KEYS = {
    "artifacts",
    "exceptions",
    "matrix",
    "exclude",
    "max_file_size",
    "max_time",
    "dev_dependencies",
    "rules",
    "licenses",
}

# the families a user's own LicenseRef may be given ([tool.licensetier.licenses])
LICENSEREF_FAMILIES = (
    "permissive",
    "copyleft-weak",
    "copyleft-strong",
    "copyleft-network",
    "custom",
    "source-available",
    "proprietary",
    "unknown",
)
# The largest size cap a configuration file may set: a repository's own configuration
# must not make a scan read (and hand ScanCode) files of any size. Only the command
# line (--max-file-size) may go beyond it.
MAX_FILE_SIZE_CEILING = 20 * 1024 * 1024
# how findings on development-only dependencies are reported
DEV_DEPENDENCIES = ("lower", "same", "ignore")
ARTIFACT_KEYS = {"path", "kind", "tier", "license"}
EXCEPTION_KEYS = {"path", "license", "dependency", "reason", "expires"}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$", re.IGNORECASE)
# A size written without a unit is bytes; below this it is taken for a forgotten unit
# ("5" meant 5MB: every file would be skipped) and refused with what to write instead.
MIN_BARE_SIZE = 1024


@dataclass(frozen=True)
class ArtifactSpec:
    path: str  # "." or a POSIX path relative to the root, no trailing slash
    kind: str | None
    tier: Tier | None
    license: str | None  # SPDX expression as written
    origin: str
    key: str | None = None  # its key in the configuration: "tool.licensetier.artifacts[0]"
    line: int | None = None  # the line of its path in the configuration file


@dataclass(frozen=True)
class ExceptionSpec:
    reason: str
    origin: str
    path: str | None = None
    license: str | None = None  # ScanCode key expression
    license_raw: str | None = None
    dependency: str | None = None
    expires: dt.date | None = None
    line: int | None = None

    def describe(self) -> str:
        parts = []
        if self.path:
            parts.append(f"path {self.path}")
        if self.license_raw:
            parts.append(f"license {self.license_raw}")
        if self.dependency:
            parts.append(f"dependency {self.dependency}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Config:
    source: str | None = None  # the file it came from
    artifacts: tuple[ArtifactSpec, ...] = ()
    exceptions: tuple[ExceptionSpec, ...] = ()
    component_matrix: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    declared_matrix: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    # what the configuration file asked for, when it was above MAX_FILE_SIZE_CEILING
    max_file_size_refused: int | None = None
    max_time: float | None = None  # seconds for the whole scan; None: no limit
    dev_dependencies: str = "lower"  # one severity lower; "same"; "ignore"
    # rule id -> "error", "warning", "info" or "off" ([tool.licensetier.rules])
    rules: Mapping[str, str] = field(default_factory=dict)
    # a user's own LicenseRef id (lower-cased) -> its family row ([tool.licensetier.licenses]);
    # one not listed is proprietary
    licenses: Mapping[str, str] = field(default_factory=dict)


class _Reader:
    """Validates one configuration table; knows its file for messages."""

    def __init__(self, path: Path, text: str, db: LicenseDB, tiers: TierData) -> None:
        self.path = path
        self.text = text
        self.db = db
        self.tiers = tiers

    def fail(self, key: str, message: str) -> ConfigError:
        line = toml_nearest_line(self.text, key) if self.text else None
        where = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(message, path=where, key=key)

    def check_keys(self, table: dict[str, Any], allowed: set[str], prefix: str) -> None:
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise self.fail(
                f"{prefix}{unknown[0]}",
                f"unknown key; expected one of {', '.join(sorted(allowed))}",
            )

    def table(self, data: dict[str, Any], prefix: str) -> Config:
        self.check_keys(data, TOP_KEYS, prefix)
        artifacts = tuple(
            self.artifact(item, f"{prefix}artifacts[{i}]")
            for i, item in enumerate(self.list_of(data, "artifacts", prefix))
        )
        seen: set[str] = set()
        for art in artifacts:
            if art.path in seen:
                raise self.fail(f"{prefix}artifacts", f"artifact path {art.path!r} declared twice")
            seen.add(art.path)
        exceptions = tuple(
            self.exception(item, f"{prefix}exceptions[{i}]")
            for i, item in enumerate(self.list_of(data, "exceptions", prefix))
        )
        component, declared = self.matrix(data.get("matrix", {}), f"{prefix}matrix")
        size = self.size(data.get("max_file_size"), f"{prefix}max_file_size")
        exclude = data.get("exclude", [])
        if not isinstance(exclude, list) or not all(isinstance(x, str) for x in exclude):
            raise self.fail(f"{prefix}exclude", "must be a list of path globs")
        for i, pattern in enumerate(exclude):
            self.glob(pattern, f"{prefix}exclude[{i}]")
        return Config(
            source=str(self.path),
            artifacts=artifacts,
            exceptions=exceptions,
            component_matrix=component,
            declared_matrix=declared,
            exclude=tuple(exclude),
            max_file_size=min(size, MAX_FILE_SIZE_CEILING),
            max_file_size_refused=size if size > MAX_FILE_SIZE_CEILING else None,
            max_time=self.seconds(data.get("max_time"), f"{prefix}max_time"),
            dev_dependencies=self.dev_dependencies(data, prefix),
            rules=self.rules(data.get("rules", {}), f"{prefix}rules"),
            licenses=self.licenses(data.get("licenses", {}), f"{prefix}licenses"),
        )

    def dev_dependencies(self, data: dict[str, Any], prefix: str) -> str:
        value = data.get("dev_dependencies", "lower")
        if value not in DEV_DEPENDENCIES:
            raise self.fail(
                f"{prefix}dev_dependencies",
                f"unknown value {value!r}{did_you_mean(value, DEV_DEPENDENCIES)}; "
                f"expected one of {', '.join(DEV_DEPENDENCIES)}",
            )
        return str(value)

    def list_of(self, data: dict[str, Any], key: str, prefix: str) -> list[dict[str, Any]]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
            raise self.fail(f"{prefix}{key}", f"must be an array of tables ([[{key}]])")
        return value

    def artifact(self, item: dict[str, Any], key: str) -> ArtifactSpec:
        self.check_keys(item, ARTIFACT_KEYS, f"{key}.")
        raw_path = item.get("path")
        if not isinstance(raw_path, str) or not raw_path.strip():
            raise self.fail(f"{key}.path", 'every artifact needs a path (use "." for the root)')
        path = normalize_artifact_path(raw_path)
        if path is None:
            raise self.fail(f"{key}.path", f"{raw_path!r} must be a relative path inside the root")
        kind = item.get("kind")
        tier_raw = item.get("tier")
        if kind is None and tier_raw is None:
            raise self.fail(f"{key}", f"artifact {raw_path!r} needs a kind or a tier")
        kind = self.kind(kind, f"{key}.kind") if kind is not None else None
        tier = self.tier(tier_raw, f"{key}.tier") if tier_raw is not None else None
        lic = item.get("license")
        if lic is not None:
            self.license(lic, f"{key}.license")
        return ArtifactSpec(
            path,
            kind,
            tier or self.tiers.tier_of(kind),
            lic,
            str(self.path),
            key=key,
            line=toml_nearest_line(self.text, f"{key}.path") if self.text else None,
        )

    def kind(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or value not in self.tiers.kinds:
            raise self.fail(
                key,
                f"unknown kind {value!r}{did_you_mean(value, self.tiers.kinds)}; "
                f"expected one of {', '.join(self.tiers.kinds)}",
            )
        return value

    def tier(self, value: Any, key: str) -> Tier:
        try:
            return Tier(value)
        except ValueError:
            names = [t.value for t in Tier]
            raise self.fail(
                key,
                f"unknown tier {value!r}{did_you_mean(value, names)}; "
                f"expected one of {', '.join(names)}",
            ) from None

    def license(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, "must be an SPDX license expression (a string)")
        try:
            return self.db.spdx_to_keys(value)
        except UnknownLicenseError as exc:
            raise self.fail(key, f"not a known SPDX license expression: {exc}") from None

    def exception(self, item: dict[str, Any], key: str) -> ExceptionSpec:
        self.check_keys(item, EXCEPTION_KEYS, f"{key}.")
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise self.fail(f"{key}.reason", "every exception needs a reason")
        targets = [k for k in ("path", "license", "dependency") if k in item]
        if not targets:
            raise self.fail(key, "an exception needs a path glob, a license or a dependency")
        for k in targets:
            if not isinstance(item[k], str) or not item[k].strip():
                raise self.fail(f"{key}.{k}", "must be a non-empty string")
        if "path" in item:
            self.glob(item["path"], f"{key}.path")
        lic_raw = item.get("license")
        lic = self.license(lic_raw, f"{key}.license") if lic_raw is not None else None
        expires = item.get("expires")
        if expires is not None:
            if isinstance(expires, dt.datetime):
                expires = expires.date()
            elif isinstance(expires, str):
                try:
                    expires = dt.date.fromisoformat(expires)
                except ValueError:
                    raise self.fail(f"{key}.expires", "must be a date, YYYY-MM-DD") from None
            elif not isinstance(expires, dt.date):
                raise self.fail(f"{key}.expires", "must be a date, YYYY-MM-DD")
        return ExceptionSpec(
            reason=reason.strip(),
            origin=str(self.path),
            path=item.get("path"),
            license=lic,
            license_raw=lic_raw,
            dependency=item.get("dependency"),
            expires=expires,
            line=toml_nearest_line(self.text, key) if self.text else None,
        )

    def matrix(
        self, data: Any, key: str
    ) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
        if not isinstance(data, dict):
            raise self.fail(key, "must be a table with [matrix.component] and [matrix.declared]")
        unknown = sorted(set(data) - {"component", "declared"})
        if unknown:
            raise self.fail(f"{key}.{unknown[0]}", "unknown key; expected component or declared")
        result: list[dict[str, dict[str, str]]] = []
        for part, rows in (
            ("component", self.tiers.component_rows),
            ("declared", self.tiers.declared_rows),
        ):
            table = data.get(part, {})
            if not isinstance(table, dict):
                raise self.fail(f"{key}.{part}", "must be a table")
            out: dict[str, dict[str, str]] = {}
            for row, cells in table.items():
                if row not in rows:
                    raise self.fail(
                        f"{key}.{part}.{row}", f"unknown row; expected one of {', '.join(rows)}"
                    )
                if not isinstance(cells, dict):
                    raise self.fail(f"{key}.{part}.{row}", "must map tiers to severities")
                for tier, severity in cells.items():
                    self.tier(tier, f"{key}.{part}.{row}.{tier}")
                    if severity not in SEVERITIES:
                        raise self.fail(
                            f"{key}.{part}.{row}.{tier}",
                            f"unknown severity {severity!r}{did_you_mean(severity, SEVERITIES)}; "
                            f"expected one of {', '.join(SEVERITIES)}",
                        )
                    out.setdefault(row, {})[tier] = severity
            result.append(out)
        return result[0], result[1]

    def glob(self, pattern: str, key: str) -> None:
        """A path glob (gitignore syntax, docs/configuration.md) that can be read."""
        problem = glob_error(pattern)
        if problem is not None:
            raise self.fail(key, f"{problem} ({pattern!r}; the syntax of .gitignore)")

    def rules(self, data: Any, key: str) -> dict[str, str]:
        """``[rules]``: a rule of the catalogue -> error, warning, info or off."""
        from licensetier.rules import SETTINGS, load_catalogue

        if not isinstance(data, dict):
            raise self.fail(key, "must be a table of rule ids, each set to " + ", ".join(SETTINGS))
        catalogue = load_catalogue()
        out: dict[str, str] = {}
        for rule_id, setting in data.items():
            if rule_id not in catalogue:
                hint = catalogue.did_you_mean(rule_id)
                raise self.fail(
                    f"{key}.{rule_id}",
                    f"unknown rule {rule_id!r}{hint} (`licensetier rules` lists every rule)",
                )
            if setting not in SETTINGS:
                raise self.fail(
                    f"{key}.{rule_id}",
                    f"unknown setting {setting!r}; expected one of {', '.join(SETTINGS)}",
                )
            out[rule_id] = setting
        return out

    def licenses(self, data: Any, key: str) -> dict[str, str]:
        """``[licenses]``: a user's own ``LicenseRef-`` id -> its family."""
        from licensetier.license_db import is_user_licenseref

        if not isinstance(data, dict):
            raise self.fail(key, "must be a table of LicenseRef ids, each set to a family")
        out: dict[str, str] = {}
        for ident, family in data.items():
            where = f'{key}."{ident}"' if "." in ident else f"{key}.{ident}"
            if not is_user_licenseref(ident):
                raise self.fail(
                    where,
                    f"{ident!r} is not a LicenseRef id of your own (LicenseRef-<name>, or "
                    "DocumentRef-<doc>:LicenseRef-<name>; not LicenseRef-scancode-* or "
                    "LicenseRef-licensetier-*)",
                )
            if family not in LICENSEREF_FAMILIES:
                raise self.fail(
                    where,
                    f"unknown family {family!r}; expected one of {', '.join(LICENSEREF_FAMILIES)}",
                )
            out[ident.lower()] = family
        return out

    def size(self, value: Any, key: str) -> int:
        if value is None:
            return DEFAULT_MAX_FILE_SIZE
        try:
            return read_size(value)
        except SizeError as exc:
            raise self.fail(key, str(exc)) from None

    def seconds(self, value: Any, key: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return float(value)
        raise self.fail(key, "must be a number of seconds above 0, such as 600")


class SizeError(ValueError):
    """A size that cannot be read, or a bare number too small to be meant as bytes."""


def read_size(value: Any, minimum_bare: int = MIN_BARE_SIZE) -> int:
    """A size in bytes: a number with a unit (``5MB``, ``1.5MB``, ``500k``, ``1MiB``,
    ``2GB``, ``300B``; K, M and G are powers of 1024), or a bare whole number of bytes of
    at least ``minimum_bare``: ``5`` is refused, saying to write ``5MB``."""
    ok = isinstance(value, (str, int)) and not isinstance(value, bool)
    m = _SIZE.match(str(value)) if ok else None
    whole = m is not None and "." not in m.group(1)
    if not m or (not whole and (m.group(2) or "b").lower() == "b") or float(m.group(1)) <= 0:
        raise SizeError(f"{value!r} is not a size; write one such as 5MB, 500KB or 5000000")
    if not whole:
        factor = {"k": 1024, "m": 1024**2, "g": 1024**3}[m.group(2).lower()[0]]
        return int(float(m.group(1)) * factor)
    number, unit = int(m.group(1)), m.group(2)
    if unit is None and number < minimum_bare:
        raise SizeError(
            f"{number} bytes? A size without a unit is bytes; write {number}MB (or "
            f"{number}KB, {number}GB; {number}B if bytes are meant)"
        )
    factor = {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[(unit or "b").lower()[0]]
    return number * factor


def parse_size(value: Any, error: Any) -> int:
    """:func:`read_size`, its problem handed to ``error(message)``, which returns the
    exception to raise."""
    try:
        return read_size(value)
    except SizeError as exc:
        raise error(str(exc)) from None


def did_you_mean(value: Any, choices: Iterable[str]) -> str:
    """``" (did you mean 'sdk'?)"`` for a value that differs from a choice in case or
    by a slip of the keyboard; else ``""``."""
    if not isinstance(value, str):
        return ""
    options = list(choices)
    same = [c for c in options if c.lower() == value.lower()]
    close = same or difflib.get_close_matches(value.lower(), options, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def one_edit_away(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by one insertion, deletion, substitution or swap of
    two neighbours (and is not ``b``)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i, j = [*diff, 0, 0][:2]
        return len(diff) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def normalize_artifact_path(raw: str) -> str | None:
    text = raw.strip().replace("\\", "/")
    if text.startswith("/"):
        return None
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    return "/".join(parts) or "."


MAX_CONFIG_BYTES = 1024 * 1024


def _read_toml(path: Path, base: Path) -> tuple[dict[str, Any], str]:
    """A configuration file below ``base`` (the scanned root, or for --config the
    file's own directory), read through :mod:`licensetier.fs`."""
    try:
        text = fs.read_text(path, base, MAX_CONFIG_BYTES)
    except fs.Undecodable as exc:
        raise ConfigError(f"not UTF-8 text (line {exc.line})", path=str(path)) from None
    except OSError as exc:
        raise ConfigError(fs.reason(exc), path=str(path)) from None
    try:
        return formats.load_toml(text), text
    except formats.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=str(path)) from None


CONFIG_FILE_NAMES = ("licensetier.toml", "pyproject.toml")  # at the root, in this order


def find_config_file(root: Path) -> Path | None:
    """``licensetier.toml`` at the root, else a pyproject.toml with
    ``[tool.licensetier]``; only regular files inside the root (a link out of it is
    not read: :func:`unread_config_files` says so)."""
    for name in CONFIG_FILE_NAMES:
        candidate = root / name
        if fs.is_file(candidate, root):
            if name == "pyproject.toml":
                try:
                    text = fs.read_text(candidate, root, MAX_CONFIG_BYTES, errors="replace")
                except OSError:
                    continue  # reported by the manifest reader
                try:
                    data = formats.load_toml(text)
                except formats.TOMLDecodeError:
                    # A broken pyproject is reported by the manifest reader;
                    # it only counts as configuration if it says [tool.licensetier].
                    if "[tool.licensetier" in text:
                        return candidate
                    continue
                tool = data.get("tool", {})
                if not isinstance(tool, dict) or "licensetier" not in tool:
                    continue
            return candidate
    return None


def unread_config_files(root: Path) -> list[tuple[str, str]]:
    """The configuration file names at the root that were not read, each with why:
    a link out of the root, or something other than a regular file."""
    out: list[tuple[str, str]] = []
    for name in CONFIG_FILE_NAMES:
        what = fs.kind(root / name, root)
        if what == "outside":
            out.append((name, fs.OUTSIDE))
        elif what == "other":
            out.append((name, fs.NOT_REGULAR))
    return out


def load_config(root: Path, explicit: Path | None, db: LicenseDB, tiers: TierData) -> Config:
    """Read the configuration for a scan of ``root``.

    ``explicit`` (``--config``) wins; otherwise ``licensetier.toml`` at the root,
    then ``[tool.licensetier]`` in the root's pyproject.toml. No file: defaults.
    """
    path = explicit or find_config_file(root)
    if path is None:
        return Config()
    base = Path(os.path.realpath(path)).parent if explicit is not None else root
    data, text = _read_toml(path, base)
    reader = _Reader(path, text, db, tiers)
    if path.name == "pyproject.toml" or ("tool" in data and "licensetier" in data["tool"]):
        table = data.get("tool", {}).get("licensetier")
        if table is None:
            raise ConfigError("has no [tool.licensetier] table", path=str(path))
        if not isinstance(table, dict):
            raise reader.fail("tool.licensetier", "must be a table")
        return reader.table(table, "tool.licensetier.")
    return reader.table(data, "")


def check_artifact_paths(config: Config, root: Path) -> None:
    """An artifact whose path is not there, or is a file, is a mistake of the
    configuration (a misspelled or moved directory): a :class:`ConfigError` naming the
    key and its line, not a scan that reports the missing directory as unlicensed. A
    path that is a link out of the root is the repository's doing: the scan reports
    it and reads nothing of it."""
    for spec in config.artifacts:
        if spec.path == "." or spec.key is None:
            continue
        what = fs.kind(root / spec.path, root)
        if what in ("dir", "outside"):
            continue
        where = f"{spec.origin}:{spec.line}" if spec.line else spec.origin
        problem = "is a file, not a directory" if what == "file" else "does not exist"
        if what == "other":
            problem = "is not a directory"
        raise ConfigError(
            f"artifact path {spec.path!r} {problem} under {root}",
            path=where,
            key=f"{spec.key}.path",
        )


# the names a configuration file is read under, as a misspelling may write them
_CONFIG_STEM = "licensetier"


def near_miss_config(
    root: Path, pyproject_text: str | None = None
) -> list[tuple[str, int | None, str]]:
    """(file, line, message) for configuration that is one slip away from being read:
    a pyproject.toml table ``[tool.licenstier]`` (one edit from ``licensetier``), and a
    file at the root named like ``licenstier.toml`` or ``.licensetier.toml``. Such a
    file is ignored otherwise, and the scan would run with the defaults unsaid.
    ``pyproject_text``: the root's pyproject.toml as a reader read it already."""
    out: list[tuple[str, int | None, str]] = []
    for entry in fs.list_dir(root, root):
        name = entry.name
        if not entry.is_file or name in CONFIG_FILE_NAMES:
            continue
        stem, dot, ext = name.rpartition(".")
        if not dot or ext.lower() not in ("toml", "tml", "yaml", "yml", "json", "cfg", "ini"):
            continue
        bare = stem.lstrip(".").lower()
        if bare == _CONFIG_STEM or one_edit_away(bare, _CONFIG_STEM):
            out.append(
                (
                    name,
                    None,
                    "not read as configuration: licensetier reads licensetier.toml "
                    "(or [tool.licensetier] in pyproject.toml); rename it to licensetier.toml",
                )
            )
    pyproject = root / "pyproject.toml"
    if pyproject_text is None and not fs.is_file(pyproject, root):
        return out
    try:
        text = pyproject_text
        if text is None:
            text = fs.read_text(pyproject, root, MAX_CONFIG_BYTES, errors="replace")
        data = formats.load_toml(text)
    except (OSError, formats.TOMLDecodeError, RecursionError):
        return out  # the manifest reader reports it
    tool = data.get("tool")
    if not isinstance(tool, dict):
        return out
    for name in tool:
        if isinstance(name, str) and one_edit_away(name.lower(), _CONFIG_STEM):
            line = toml_line(text, ("tool", name))
            out.append(
                (
                    "pyproject.toml",
                    line,
                    f"[tool.{name}] is not read: did you mean [tool.licensetier]?",
                )
            )
    return out


def with_root_overrides(
    config: Config,
    *,
    kind: str | None,
    tier: str | None,
    license: str | None,
    db: LicenseDB,
    tiers: TierData,
) -> Config:
    """Apply --kind / --tier / --license to the root artifact."""
    if kind is None and tier is None and license is None:
        return config
    reader = _Reader(Path("command line"), "", db, tiers)
    existing = next((a for a in config.artifacts if a.path == "."), None)
    new_kind = reader.kind(kind, "--kind") if kind is not None else None
    new_tier = reader.tier(tier, "--tier") if tier is not None else None
    if license is not None:
        reader.license(license, "--license")
    if existing is None:
        if new_kind is None and new_tier is None:
            raise ConfigError(
                "--license needs --kind or --tier (or a root artifact in the configuration)"
            )
        root = ArtifactSpec(
            ".", new_kind, new_tier or tiers.tier_of(new_kind), license, "command line"
        )
        return replace(config, artifacts=(root, *config.artifacts))
    root = ArtifactSpec(
        ".",
        new_kind if new_kind is not None else existing.kind,
        new_tier or (tiers.tier_of(new_kind) if new_kind else existing.tier),
        license if license is not None else existing.license,
        "command line",
    )
    return replace(config, artifacts=tuple(root if a.path == "." else a for a in config.artifacts))
