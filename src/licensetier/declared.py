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

import configparser
import contextlib
import functools
import json
import re
import reprlib
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from licensetier import formats, fs
from licensetier.deps.base import read_text
from licensetier.errors import LicenseDBError, LicensetierError, ManifestError, UnknownLicenseError
from licensetier.expressions import ExpressionTooDeep, check_nesting
from licensetier.models import DeclaredLicense, ScanError
from licensetier.paths import data_directory

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

if TYPE_CHECKING:
    from licensetier.license_db import LicenseDB

DetectText = Callable[[str], tuple[str | None, float]]
"""ScanCode's detection on a short string: :meth:`licensetier.detect.engine.Engine.detect_text`."""

LOW_CONFIDENCE_SCORE = 90.0
MAX_MANIFEST_BYTES = 5 * 1024 * 1024  # manifests are small; a bigger one is not a manifest
MAX_LICENSE_FILE_BYTES = 1024 * 1024  # a license file referenced by a manifest
MAX_MODEL_CARD_BYTES = 1024 * 1024  # front matter sits at the top of the card

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

_OPERATOR = re.compile(r"^(?:AND|OR|WITH)$", re.IGNORECASE)


def _keys_in(expression: str) -> list[str]:
    return [t for t in re.split(r"[\s()]+", expression) if t and not _OPERATOR.match(t)]


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
            yield " OR ".join(parts)


def from_detection(expression: str | None, score: float, db: LicenseDB) -> Normalized:
    """Turn ScanCode's answer on a string or a file into a :class:`Normalized`."""
    if not expression:
        return NOT_UNDERSTOOD
    partial = any(k in VAGUE_KEYS for k in _keys_in(expression))
    score = float(score)
    return Normalized(
        expression, _spdx_of(expression, db), score, partial or score < LOW_CONFIDENCE_SCORE
    )


AMBIGUOUS_NAME_SCORE = 50.0


@functools.cache
def declared_names(path: Path | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """``license_db/declared_names.toml``: names ScanCode does not read on their own ->
    SPDX, certain and ambiguous."""
    path = path or data_directory() / "declared_names.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LicenseDBError(f"{path}: {exc}") from None
    return dict(data.get("names", {})), dict(data.get("ambiguous", {}))


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
UNKNOWN_KEY = "unknown"  # ScanCode's key for a license that is named but not identified
MAX_LIST_WORDS = 6  # a part of a joined list is a name, not a sentence


def _joined_list(text: str, db: LicenseDB, detect_text: DetectText | None) -> Normalized | None:
    """A short list of names joined with one operator and no parentheses, each part
    understood on its own. A part that is not understood becomes ScanCode's
    ``unknown`` (low confidence) rather than being dropped; None when no part is."""
    operators = {o.upper() for o in _TOP_LEVEL_OPERATOR.findall(text)}
    if len(operators) != 1 or "(" in text:
        return None
    raw_parts = _TOP_LEVEL_OPERATOR.split(text)[::2]
    if any(len(p.split()) > MAX_LIST_WORDS for p in raw_parts):
        return None
    parts = [normalize(p, db, detect_text) for p in raw_parts]
    if not any(p.license for p in parts):
        return None
    keys = f" {operators.pop()} ".join(
        UNKNOWN_KEY if p.license is None else f"({p.license})" if " " in p.license else p.license
        for p in parts
    )
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
    for candidate in _spdx_candidates(text):
        try:
            keys = db.spdx_to_keys(candidate)
        except UnknownLicenseError:
            continue
        return Normalized(keys, _spdx_of(keys, db) or candidate, 100.0, False)
    named = _by_name(text, db)
    if named is not None:
        return named
    with contextlib.suppress(LicensetierError):  # ScanCode's own keys ("bsd-simplified")
        keys = db.spdx_to_keys(db.keys_to_spdx(text))
        return Normalized(keys, _spdx_of(keys, db), 100.0, False)
    listed = _joined_list(text, db, detect_text)
    if listed is not None:
        return listed
    if detect_text is None:
        return NOT_UNDERSTOOD
    expression, score = detect_text(raw.strip())
    return from_detection(expression, score, db)


def all_of(expressions: Iterable[str]) -> str | None:
    """The distinct expressions joined with AND (each parenthesised when compound)."""
    distinct = list(dict.fromkeys(expressions))
    if not distinct:
        return None
    if len(distinct) == 1:
        return distinct[0]
    return " AND ".join(f"({e})" if " " in e else e for e in distinct)


def _proprietary(db: LicenseDB) -> Normalized:
    return Normalized(PROPRIETARY_KEY, _spdx_of(PROPRIETARY_KEY, db), 100.0, False)


# -- Hugging Face license ids --------------------------------------------------------


@dataclass(frozen=True)
class HFLicenses:
    """``license_db/hf_licenses.toml``: Hub license id -> ScanCode key."""

    keys: Mapping[str, str]
    unmapped: Mapping[str, str]  # id -> why it has no key

    def lookup(self, ident: str) -> str | None:
        return self.keys.get(ident.strip().lower())

    def knows(self, ident: str) -> bool:
        ident = ident.strip().lower()
        return ident in self.keys or ident in self.unmapped


@functools.lru_cache(maxsize=4)
def load_hf_licenses(path: Path | None = None) -> HFLicenses:
    """Load the Hub id table (our shipped data: a problem in it is a bug, raised loudly)."""
    path = path or data_directory() / "hf_licenses.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LicenseDBError(f"{path}: {exc}") from None
    tables: list[dict[str, str]] = []
    for name in ("keys", "unmapped"):
        table = data.get(name, {})
        if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in table.items()
        ):
            raise LicenseDBError(f"{path}: [{name}] must map ids to non-empty strings")
        tables.append({k.lower(): v for k, v in table.items()})
    keys, unmapped = tables
    both = sorted(set(keys) & set(unmapped))
    if both:
        raise LicenseDBError(f"{path}: ids both mapped and unmapped: {', '.join(both)}")
    return HFLicenses(keys, unmapped)


# -- model cards ---------------------------------------------------------------------

MODEL_CARD_NAMES = ("README.md", "readme.md", "README")
_FRONT_MATTER_OPEN = re.compile(r"^---[ \t]*$")
_FRONT_MATTER_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
_YAML_TOP_KEY = re.compile(r"""^(["']?)([^\s#:"'][^:"']*?)\1[ \t]*:(?:[ \t]|$)""")


@dataclass(frozen=True)
class ModelCard:
    """The YAML front matter of a Hugging Face model card, as far as licenses go.

    ``license`` holds the Hub ids as written (a card may list several);
    ``base_model`` the models this one was derived from (its terms are inherited).
    Lines are 1-based lines of the card. ``errors`` are fields of the wrong type,
    reported without losing the rest of the card.
    """

    source: str
    license: tuple[str, ...] = ()
    license_line: int | None = None
    license_name: str | None = None
    license_name_line: int | None = None
    license_link: str | None = None
    license_link_line: int | None = None
    base_model: tuple[str, ...] = ()
    base_model_line: int | None = None
    base_model_relation: str | None = None
    errors: tuple[ScanError, ...] = ()


def find_model_card(directory: Path, base: Path | None = None) -> Path | None:
    """The card file directly in ``directory`` (it may not have front matter), a
    regular file inside ``base`` (default: ``directory``): a card that links out of
    it is not one."""
    names = {e.name for e in fs.list_dir(directory, base or directory) if e.is_file}
    for name in MODEL_CARD_NAMES:
        if name in names:
            return directory / name
    return None


def _front_matter(text: str) -> tuple[str, bool] | None:
    """The YAML between ``---`` lines at the very top (it starts on line 2), and
    whether it is closed; None when the text does not open with ``---``."""
    lines = text.splitlines()
    if not lines or not _FRONT_MATTER_OPEN.match(lines[0]):
        return None
    for number, line in enumerate(lines[1:], start=1):
        if _FRONT_MATTER_CLOSE.match(line):
            return "\n".join(lines[1:number]), True
    return "\n".join(lines[1:]), False


def _strings(value: Any) -> tuple[str, ...] | None:
    """A string or a list of strings as a tuple; None for anything else."""
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v for v in value if v.strip())
    return None


def parse_model_card(text: str, source: str) -> ModelCard | None:
    """Read a card's front matter; None when the text has none (then it is no model card).

    Raises :class:`ManifestError` when the front matter is not valid YAML, is not a
    mapping, or is never closed.
    """
    found = _front_matter(text.lstrip("\ufeff"))
    if found is None:
        return None
    body, closed = found
    first = 2  # the file line of the first line of ``body``
    if not closed:
        raise ManifestError(
            "YAML front matter opened with '---' on line 1 is never closed", path=source, line=1
        )
    try:
        import yaml

        data = yaml.safe_load(body)
    except yaml.YAMLError as exc:
        line = None
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            line = int(mark.line) + first
        problem = getattr(exc, "problem", None) or str(exc)
        raise ManifestError(
            f"invalid YAML front matter: {problem}", path=source, line=line
        ) from None
    except RecursionError:
        raise ManifestError("invalid YAML front matter: nested too deeply", path=source) from None
    if data is None:
        return ModelCard(source)
    if not isinstance(data, dict):
        raise ManifestError(
            f"YAML front matter must be a mapping, got {_describe(data)}", path=source, line=first
        )
    lines: dict[str, int] = {}
    for number, text_line in enumerate(body.splitlines(), start=first):
        match = _YAML_TOP_KEY.match(text_line)
        if match:
            lines.setdefault(match.group(2).strip(), number)

    errors: list[ScanError] = []

    def strings(key: str) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        items = _strings(value)
        if items is None:
            errors.append(
                ScanError(
                    source,
                    f"{key}: expected a string or a list of strings, got {_describe(value)}",
                    lines.get(key),
                )
            )
            return ()
        return items

    def string(key: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            errors.append(
                ScanError(
                    source, f"{key}: expected a string, got {_describe(value)}", lines.get(key)
                )
            )
            return None
        return value.strip() or None

    return ModelCard(
        source=source,
        license=strings("license"),
        license_line=lines.get("license"),
        license_name=string("license_name"),
        license_name_line=lines.get("license_name"),
        license_link=string("license_link"),
        license_link_line=lines.get("license_link"),
        base_model=strings("base_model"),
        base_model_line=lines.get("base_model"),
        base_model_relation=string("base_model_relation"),
        errors=tuple(errors),
    )


def read_model_card(
    path: Path, source: str | None = None, base: Path | None = None
) -> ModelCard | None:
    """Read a README's front matter. ``source`` names it in errors (default: ``path``);
    the card must be a regular file inside ``base`` (default: its own directory).

    None when the file has no front matter. Raises :class:`ManifestError` when it
    cannot be read or its front matter is malformed.
    """
    source = source or str(path)
    text = _read_manifest(path, source, head_only=True, base=base or path.parent)
    return parse_model_card(text, source)


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

    def error(self, message: str, line: int | None = None, source: str | None = None) -> None:
        self.errors.append(ScanError(source or self.source, message, line))

    def normalize(self, raw: str, line: int | None = None) -> Normalized:
        try:
            return normalize(raw, self.db, self.detect_text)
        except ExpressionTooDeep as exc:  # a scan problem naming the file and the line
            raise ManifestError(str(exc), path=self.source, line=line) from None

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


_SHOW = reprlib.Repr()
_SHOW.maxlevel, _SHOW.maxlist, _SHOW.maxdict, _SHOW.maxstring, _SHOW.maxother = 2, 3, 3, 40, 40


def _describe(value: Any) -> str:
    """``an integer (3)``: the kind of a value and a short, bounded view of it
    (YAML aliases can make huge or self-referencing structures)."""
    kinds = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        list: "a list",
        str: "a string",
    }
    kind = kinds.get(type(value))
    if kind is None:
        kind = "a table" if isinstance(value, dict) else f"a {type(value).__name__}"
    return f"{kind} ({_SHOW.repr(value)})"


def _is_blank(value: str) -> bool:
    return not value.strip()


# -- TOML ----------------------------------------------------------------------------

_TOML_HEADER = re.compile(r"^\s*\[\[?([^\[\]]+)\]\]?\s*(?:#.*)?$")
_TOML_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _dotted(name: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in name.split("."))


def _toml_line(text: str, dotted_key: str) -> int | None:
    """1-based line where ``dotted_key`` (``project.license``) is set, if it can be found."""
    table = ""
    in_multiline: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        header = _TOML_HEADER.match(line)
        if header:
            table = _dotted(header.group(1))
            if table == dotted_key or table.startswith(dotted_key + "."):
                return number
            continue
        key = _TOML_KEY.match(line)
        if key:
            full = _dotted(key.group(1))
            full = f"{table}.{full}" if table else full
            if full == dotted_key or full.startswith(dotted_key + "."):
                return number
        for quote in ('"""', "'''"):
            if line.count(quote) % 2 == 1:
                in_multiline = quote
                break
    return None


def _load_toml(ctx: ManifestContext) -> dict[str, Any]:
    data: dict[str, Any] = formats.load_manifest_toml(ctx.text, ctx.source, wording="invalid TOML")
    return data


def _table(ctx: ManifestContext, data: Mapping[str, Any], dotted_key: str) -> dict[str, Any] | None:
    value: Any = data
    for part in dotted_key.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if value is None:
        return None
    if not isinstance(value, dict):
        ctx.error(
            f"[{dotted_key}]: expected a table, got {_describe(value)}",
            _toml_line(ctx.text, dotted_key),
        )
        return None
    return value


# -- pyproject.toml ------------------------------------------------------------------


def parse_pyproject(ctx: ManifestContext) -> list[DeclaredLicense]:
    """``[project] license`` (PEP 639 string, or the legacy ``{text}``/``{file}`` table)
    and ``[tool.poetry] license``."""
    data = _load_toml(ctx)
    out: list[DeclaredLicense] = []
    project = _table(ctx, data, "project")
    if project is not None and "license" in project:
        line = _toml_line(ctx.text, "project.license")
        value = project["license"]
        if isinstance(value, str):
            if not _is_blank(value):
                out.append(ctx.declare("project.license", value, line))
        elif isinstance(value, dict):
            if set(value) == {"text"} and isinstance(value["text"], str):
                if not _is_blank(value["text"]):
                    out.append(ctx.declare("project.license.text", value["text"].strip(), line))
            elif set(value) == {"file"} and isinstance(value["file"], str):
                found = ctx.license_file("project.license.file", value["file"], line)
                if found is not None:
                    out.append(ctx.declare("project.license.file", value["file"], line, found))
            else:
                ctx.error(
                    "project.license: a table must have exactly one key, 'text' or 'file', "
                    f"holding a string; got {_describe(value)}",
                    line,
                )
        else:
            ctx.error(
                "project.license: expected a string (an SPDX expression) or a table, "
                f"got {_describe(value)}",
                line,
            )
    poetry = _table(ctx, data, "tool.poetry")
    if poetry is not None and "license" in poetry:
        line = _toml_line(ctx.text, "tool.poetry.license")
        value = poetry["license"]
        if not isinstance(value, str):
            ctx.error(f"tool.poetry.license: expected a string, got {_describe(value)}", line)
        elif value.strip().lower() == "proprietary":  # Poetry's word for "no license"
            out.append(ctx.declare("tool.poetry.license", value, line, _proprietary(ctx.db)))
        elif not _is_blank(value):
            out.append(ctx.declare("tool.poetry.license", value, line))
    return out


# -- setup.cfg -----------------------------------------------------------------------

_INI_SECTION = re.compile(r"^\s*\[([^\]]+)\]")
_INI_OPTION = re.compile(r"^([^\s=:#;][^=:]*?)\s*[=:]")


def _ini_line(text: str, section: str, option: str) -> int | None:
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _INI_SECTION.match(line)
        if header:
            current = header.group(1).strip()
            continue
        match = _INI_OPTION.match(line)
        if current == section and match and match.group(1).strip().lower() == option:
            return number
    return None


def _ini_problem(exc: configparser.Error) -> tuple[str, int | None]:
    """configparser's error in our words, without its "While reading from" preamble."""
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return "an option before any [section] header", exc.lineno
    if isinstance(exc, configparser.ParsingError) and exc.errors:
        line, text = exc.errors[0]
        return f"neither a [section], an option nor a comment: {text.strip()!r}", line
    if isinstance(exc, configparser.DuplicateOptionError):
        return f"option {exc.option!r} appears twice in [{exc.section}]", exc.lineno
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"section [{exc.section}] appears twice", exc.lineno
    return str(exc).splitlines()[0], getattr(exc, "lineno", None)


def parse_setup_cfg(ctx: ManifestContext) -> list[DeclaredLicense]:
    """``[metadata] license`` and ``license_expression``. ``setup.py`` is never run."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(ctx.text, source=ctx.source)
    except configparser.Error as exc:
        message, line = _ini_problem(exc)
        raise ManifestError(f"invalid setup.cfg: {message}", path=ctx.source, line=line) from None
    out: list[DeclaredLicense] = []
    if not parser.has_section("metadata"):
        return out
    for option in ("license", "license_expression"):
        if parser.has_option("metadata", option):
            value = parser.get("metadata", option)
            if not _is_blank(value):
                line = _ini_line(ctx.text, "metadata", option)
                out.append(ctx.declare(f"metadata.{option}", value.strip(), line))
    return out


# -- JSON ----------------------------------------------------------------------------


def _json_key_lines(text: str) -> dict[str, int]:
    """1-based lines of the keys of the top-level JSON object."""
    lines: dict[str, int] = {}
    depth = 0
    line = 1
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            line += 1
        elif char == '"':
            start_line = line
            j = i + 1
            while j < n and text[j] != '"':
                if text[j] == "\\":
                    j += 1
                elif text[j] == "\n":
                    line += 1
                j += 1
            key = text[i + 1 : j]
            k = j + 1
            while k < n and text[k] in " \t\r\n":
                k += 1
            if depth == 1 and k < n and text[k] == ":":
                lines.setdefault(key, start_line)
            i = j
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        i += 1
    return lines


def _load_json(ctx: ManifestContext) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        data = formats.load_json(ctx.text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"invalid JSON: {exc.msg}", path=ctx.source, line=exc.lineno) from None
    except RecursionError:
        raise ManifestError("invalid JSON: nested too deeply", path=ctx.source) from None
    if not isinstance(data, dict):
        raise ManifestError(
            f"expected a JSON object at the top, got {_describe(data)}", path=ctx.source, line=1
        )
    return data, _json_key_lines(ctx.text)


_SEE_LICENSE_IN = re.compile(r"^\s*SEE\s+LICEN[CS]E\s+IN\s+(.+?)\s*$", re.IGNORECASE)


def parse_package_json(ctx: ManifestContext) -> list[DeclaredLicense]:
    """npm: ``license`` (an SPDX expression, ``UNLICENSED``, ``SEE LICENSE IN <file>``,
    or the deprecated ``{"type": ...}`` object) and the deprecated ``licenses`` array,
    whose entries are alternatives (OR)."""
    data, lines = _load_json(ctx)
    out: list[DeclaredLicense] = []
    if "license" in data:
        line = lines.get("license")
        value = data["license"]
        if isinstance(value, dict) and isinstance(value.get("type"), str):
            if not _is_blank(value["type"]):
                out.append(ctx.declare("license.type", value["type"], line))
        elif isinstance(value, str):
            see = _SEE_LICENSE_IN.match(value)
            if value.strip().upper() == "UNLICENSED":
                # npm: "you do not grant others the right to use a private or
                # unpublished package" - all rights reserved, not the Unlicense.
                out.append(ctx.declare("license", value, line, _proprietary(ctx.db)))
            elif see:
                found = ctx.license_file("license", see.group(1), line)
                if found is not None:
                    out.append(ctx.declare("license", value, line, found))
            elif not _is_blank(value):
                out.append(ctx.declare("license", value, line))
        elif value is not None:
            ctx.error(
                "license: expected a string (an SPDX expression) or an object with a "
                f'"type", got {_describe(value)}',
                line,
            )
    if "licenses" in data:
        line = lines.get("licenses")
        value = data["licenses"]
        entries: list[str] = []
        if isinstance(value, list):
            for entry in value:
                if isinstance(entry, dict) and isinstance(entry.get("type"), str):
                    entries.append(entry["type"])
                elif isinstance(entry, str):
                    entries.append(entry)
                else:
                    ctx.error(
                        'licenses: each entry must be a string or an object with a "type", '
                        f"got {_describe(entry)}",
                        line,
                    )
                    entries = []
                    break
        elif value is not None:
            ctx.error(f"licenses: expected a list, got {_describe(value)}", line)
        entries = [e for e in entries if not _is_blank(e)]
        if entries:
            out.append(
                ctx.declare("licenses", json.dumps(entries), line, _choice(ctx, entries, line))
            )
    return out


def _choice(ctx: ManifestContext, alternatives: list[str], line: int | None) -> Normalized:
    """Alternatives (OR) normalised one by one and joined.

    An alternative that is not understood is left out of the choice, and the whole
    is marked low confidence: dropping an option of an OR never makes the result
    look more favourable than what was declared.
    """
    parts = [ctx.normalize(a, line) for a in alternatives]
    understood = [p for p in parts if p.license]
    if not understood:
        return NOT_UNDERSTOOD
    keys = list(dict.fromkeys(p.license for p in understood if p.license))
    expression = " OR ".join(f"({k})" if " " in k else k for k in keys)
    return Normalized(
        expression,
        _spdx_of(expression, ctx.db),
        min(p.score for p in understood),
        any(p.low_confidence for p in parts),
    )


# -- composer.json -------------------------------------------------------------------


def parse_composer_json(ctx: ManifestContext) -> list[DeclaredLicense]:
    """Composer: ``license`` as a string or an array of alternatives (OR);
    ``proprietary`` means closed source."""
    data, lines = _load_json(ctx)
    if "license" not in data:
        return []
    line = lines.get("license")
    value = data["license"]
    if isinstance(value, str):
        value = [value]
        raw = data["license"]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        raw = json.dumps(value)
    else:
        if value is not None:
            ctx.error(
                f"license: expected a string or a list of strings, got {_describe(value)}", line
            )
        return []
    entries = [v for v in value if not _is_blank(v)]
    if not entries:
        return []
    if any(e.strip().lower() == "proprietary" for e in entries):
        return [ctx.declare("license", raw, line, _proprietary(ctx.db))]
    normalized = (
        ctx.normalize(entries[0], line) if len(entries) == 1 else _choice(ctx, entries, line)
    )
    return [ctx.declare("license", raw, line, normalized)]


# -- Cargo.toml ----------------------------------------------------------------------


def parse_cargo_toml(ctx: ManifestContext) -> list[DeclaredLicense]:
    """``[package] license`` (SPDX; the legacy ``/`` means OR) and ``license-file``,
    each possibly inherited from the workspace (``license.workspace = true``).
    A virtual workspace manifest declares through ``[workspace.package]``."""
    data = _load_toml(ctx)
    package = _table(ctx, data, "package")
    if package is not None:
        return _cargo_fields(ctx, package, "package")
    workspace_package = _table(ctx, data, "workspace.package")
    if workspace_package is not None:
        return _cargo_fields(ctx, workspace_package, "workspace.package")
    return []


def _cargo_fields(
    ctx: ManifestContext, table: dict[str, Any], prefix: str
) -> list[DeclaredLicense]:
    out: list[DeclaredLicense] = []
    for key in ("license", "license-file"):
        if key not in table:
            continue
        name = f"{prefix}.{key}"
        line = _toml_line(ctx.text, name)
        value = table[key]
        if isinstance(value, dict) and value.get("workspace") is True and prefix == "package":
            out.extend(_cargo_inherited(ctx, key, name, line))
        elif not isinstance(value, str):
            ctx.error(f"{name}: expected a string, got {_describe(value)}", line)
        elif key == "license":
            if not _is_blank(value):
                out.append(ctx.declare(name, value, line))
        else:
            found = ctx.license_file(name, value, line)
            if found is not None:
                out.append(ctx.declare(name, value, line, found))
    return out


def _cargo_inherited(
    ctx: ManifestContext, key: str, name: str, line: int | None
) -> list[DeclaredLicense]:
    """``license.workspace = true``: the value of the nearest workspace root, searched
    upwards no further than the scan root."""
    directory = ctx.path.parent.resolve()
    root = ctx.scan_root.resolve()
    for parent in (directory, *directory.parents):
        if not parent.is_relative_to(root):
            break
        manifest = parent / "Cargo.toml"
        if not fs.is_file(manifest, root):
            continue
        source = ctx.relative(manifest)
        try:
            text = fs.read_text(manifest, root, MAX_MANIFEST_BYTES)
            data = formats.load_toml(text)
        except (OSError, formats.TOMLDecodeError) as exc:
            ctx.error(
                f"{name}: inherited from the workspace, but {source} is unreadable: {exc}", line
            )
            return []
        workspace = data.get("workspace")
        if not isinstance(workspace, dict):
            continue  # a package that is not a workspace root: Cargo looks further up
        inherited = workspace.get("package", {})
        value = inherited.get(key) if isinstance(inherited, dict) else None
        field_name = f"workspace.package.{key}"
        where = _toml_line(text, field_name)
        if not isinstance(value, str):
            ctx.error(
                f"{name}: inherited from the workspace, but {source} has no string "
                f"[workspace.package] {key}",
                line,
            )
            return []
        if key == "license":
            return [ctx.declare(field_name, value, where, source=source)] if value.strip() else []
        found = ctx.license_file(field_name, value, where, base=parent)
        return [] if found is None else [ctx.declare(field_name, value, where, found, source)]
    ctx.error(
        f"{name}: inherited from the workspace, but no Cargo.toml with [workspace] was "
        "found above it within the scan root",
        line,
    )
    return []


# -- README.md (Hugging Face model card) ---------------------------------------------


def parse_model_card_manifest(ctx: ManifestContext) -> list[DeclaredLicense]:
    """A Hub model card's ``license:`` (mapped through ``hf_licenses.toml``); for
    ``other``, ``license_name:`` and ``license_link:``. A README without front matter
    is not a model card."""
    card = parse_model_card(ctx.text, ctx.source)
    if card is None:
        return []
    ctx.errors.extend(card.errors)
    hf = load_hf_licenses()
    out: list[DeclaredLicense] = []
    for ident in card.license:
        if ident.strip().lower() == "other":
            out.append(_other_license(ctx, card, hf))
        else:
            line = card.license_line
            out.append(ctx.declare("license", ident, line, _hf_id(ctx, hf, ident, line)))
    return out


def _hf_id(ctx: ManifestContext, hf: HFLicenses, ident: str, line: int | None) -> Normalized:
    key = hf.lookup(ident)
    if key is not None:
        return Normalized(key, _spdx_of(key, ctx.db), 100.0, False)
    if hf.knows(ident):  # documented, but a family or without a ScanCode key
        return NOT_UNDERSTOOD
    return ctx.normalize(ident, line)  # not a Hub id: perhaps an SPDX expression or a name


def _other_license(ctx: ManifestContext, card: ModelCard, hf: HFLicenses) -> DeclaredLicense:
    name, link = card.license_name, card.license_link
    if link and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//", link):
        found = ctx.license_file("license_link", link, card.license_link_line)
        if found is not None and found.license:
            return ctx.declare("license_link", link, card.license_link_line, found)
    if name:
        line = card.license_name_line or card.license_line
        return ctx.declare("license_name", name, line, _hf_id(ctx, hf, name, line))
    raw = f"other ({link})" if link else "other"
    return ctx.declare("license", raw, card.license_line, NOT_UNDERSTOOD)


# -- the routing table ---------------------------------------------------------------

MANIFEST_PARSERS: dict[str, ManifestParser] = {
    "pyproject.toml": parse_pyproject,  # [project] license (PEP 639 / PEP 621), [tool.poetry]
    "setup.cfg": parse_setup_cfg,  # [metadata] license; setup.py is never run
    "package.json": parse_package_json,  # npm: license, licenses
    "Cargo.toml": parse_cargo_toml,  # [package] license, license-file
    "composer.json": parse_composer_json,  # license: string or array (OR)
    "README.md": parse_model_card_manifest,  # Hugging Face model card front matter
    "readme.md": parse_model_card_manifest,
    "README": parse_model_card_manifest,
}
"""File name (exact, directly in the artifact's directory) -> its parser."""


def _read_manifest(path: Path, source: str, *, base: Path, head_only: bool = False) -> str:
    """The manifest's text, a regular file inside ``base``. ``head_only``: a README,
    of which only the top matters and which need not be a manifest at all (read its
    beginning, tolerate any encoding)."""
    if not head_only:
        return read_text(path, source, MAX_MANIFEST_BYTES, base=base)
    try:
        head = fs.read_head(path, base, MAX_MODEL_CARD_BYTES)
    except OSError as exc:
        raise ManifestError(fs.reason(exc), path=source) from None
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


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
) -> tuple[list[DeclaredLicense], list[ScanError]]:
    """The licenses the manifests directly in ``artifact_dir`` declare, and the problems.

    ``rel_dir`` is the artifact's path relative to the scan root ("." for the root);
    sources in the results are POSIX paths relative to the scan root. Never raises
    on bad input: each malformed manifest is a :class:`ScanError`, and the others are
    still read. ``detect_text`` (ScanCode on a string) is called only where the SPDX
    parse failed or a license file must be read; None skips that step.
    """
    rel = _clean_rel_dir(rel_dir)
    artifact_dir = Path(artifact_dir)
    scan_root = artifact_dir
    if ".." not in rel.split("/") and rel != ".":
        for _ in rel.split("/"):
            scan_root = scan_root.parent
    try:
        listing = fs.entries(artifact_dir, scan_root)
    except OSError as exc:
        return [], [ScanError(rel, f"cannot list the artifact directory: {fs.reason(exc)}")]
    names = {e.name for e in listing if e.is_file or e.kind == "outside"}

    declared: list[DeclaredLicense] = []
    errors: list[ScanError] = []
    for name, parser in MANIFEST_PARSERS.items():
        if name not in names:
            continue
        source = name if rel == "." else f"{rel}/{name}"
        path = artifact_dir / name
        if not _inside(path, scan_root):
            errors.append(
                ScanError(source, "a symbolic link to a file outside the scan root: not read")
            )
            continue
        try:
            text = _read_manifest(
                path, source, base=scan_root, head_only=parser is parse_model_card_manifest
            )
        except ManifestError as exc:
            errors.append(ScanError(exc.path, str(exc), exc.line))
            continue
        ctx = ManifestContext(path, source, artifact_dir, scan_root, text, db, detect_text)
        try:
            declared.extend(parser(ctx))
        except ManifestError as exc:
            ctx.error(str(exc), exc.line, exc.path)
        errors.extend(ctx.errors)
    return declared, errors
