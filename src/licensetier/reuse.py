"""REUSE data (the REUSE Specification 3.3): the ``LICENSES/`` folder, ``REUSE.toml``
and ``.reuse/dep5`` annotations, and ``<file>.license`` sidecars.

* :func:`licenses_statement` - a file of an artifact's ``LICENSES/`` folder as a
  statement of the declared license: the SPDX id is the file's *name* (REUSE's own
  statement); ScanCode's detection of its text is a check, and a note when it reads
  another license (the name wins). The reasoning (:mod:`licensetier.reasoning`) weighs
  these statements against the artifact's license files and manifests.
* :func:`annotate` - the licenses ``REUSE.toml`` (at the root and nested), the root's
  ``.reuse/dep5`` and sidecars give files, as :class:`~licensetier.models.Annotation`
  beside ScanCode's answer (which is never changed). :func:`effective` is the license
  the tier check judges a file by.

The parsers are our own, small and line-keeping: the ``reuse`` package is
GPL-3.0-or-later and ``python-debian`` GPL-2.0-or-later, and licensetier (Apache-2.0)
loads its libraries in-process. TOML goes through :mod:`licensetier.formats`; every
read goes through :mod:`licensetier.fs`, bounded.

Globbing. ``REUSE.toml``: ``*`` matches any characters but ``/``, ``**`` any
characters including ``/``, ``\\*`` is a literal ``*`` and ``\\\\`` a backslash; a
pattern matches the whole path relative to the ``REUSE.toml``'s directory.
``.reuse/dep5`` (Debian's copyright format 1.0): ``*`` matches any characters, ``/``
included, ``?`` any one character, ``\\*``, ``\\?`` and ``\\\\`` escape; relative
to the root.

Precedence, for one file. In one ``REUSE.toml`` (and in ``dep5``) the last matching
entry wins. Of several ``REUSE.toml`` above a file, the outermost whose entry is
``override`` wins; else the closest (deepest) one that has a matching entry. ``dep5``
is read as one root ``REUSE.toml`` whose entries are ``aggregate``; beside a root
``REUSE.toml`` it is an error (REUSE's) and not read. A sidecar ``x.license`` is the
file's own information, read instead of the file: an ``override`` that only a
``REUSE.toml`` ``override`` beats.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from licensetier import formats
from licensetier.declared import spdx_or_none
from licensetier.errors import LicensetierError, ManifestError
from licensetier.expressions import combine, keys_in
from licensetier.formats.lines import toml_line
from licensetier.models import Annotation, DeclaredLicense, FileResult, ScanError

if TYPE_CHECKING:
    from licensetier.license_db import LicenseDB

LICENSES_DIR = "LICENSES"
FIELD = "LICENSES/"  # the ``field`` of a LICENSES/ statement in ``declared_by[]``
REUSE_TOML = "REUSE.toml"
DEP5 = ".reuse/dep5"
SIDECAR = ".license"
PRECEDENCES = ("closest", "aggregate", "override")
MAX_REUSE_BYTES = 4 * 1024 * 1024  # a REUSE.toml or dep5 of a very large project
MAX_PATTERN_CHARS = 4096


# -- LICENSES/ -------------------------------------------------------------------------


_TEXT_EXTENSIONS = frozenset({"txt", "md", "markdown", "rst", "html", "htm", "adoc", "org", "tex"})


def license_id(name: str, db: LicenseDB) -> tuple[str, str] | None:
    """The SPDX id a ``LICENSES/`` file's name states, and its ScanCode key: the name
    without a text extension (``GPL-3.0-or-later.txt``, ``LicenseRef-Acme-1.0.md``),
    else the whole name (``GPL-3.0-or-later``: ids hold dots); None when neither is
    one known id or LicenseRef."""
    stem, dot, ext = name.rpartition(".")
    order = (stem, name) if dot and ext.lower() in _TEXT_EXTENSIONS else (name, stem if dot else "")
    for candidate in order:
        if not candidate or not re.fullmatch(r"[A-Za-z0-9.+:-]+", candidate):
            continue
        try:
            keys = db.spdx_to_keys(candidate)
        except LicensetierError:
            continue
        if len(keys_in(keys)) == 1 and " " not in keys:
            return candidate, keys
    return None


def _base_key(key: str) -> str:
    """GPL-3.0-or-later's text is GPL-3.0's: ``gpl-3.0-plus`` -> ``gpl-3.0``."""
    return key.removesuffix("-plus")


def licenses_statement(
    path: str, result: FileResult | None, db: LicenseDB
) -> DeclaredLicense | ScanError | None:
    """A file of a ``LICENSES/`` folder as a statement (or the error of its name; None
    for a sidecar ``.license`` file there)."""
    name = PurePosixPath(path).name
    if name.endswith(SIDECAR) and name != SIDECAR:
        return None
    found = license_id(name, db)
    if found is None:
        return ScanError(
            path,
            "a file of a REUSE LICENSES/ folder must be named after an SPDX license id "
            "or a LicenseRef- id (GPL-3.0-or-later.txt, LicenseRef-Acme.txt): "
            f"{name!r} is not one; not read as a statement of the license",
        )
    ident, key = found
    note = ""
    if db.spdx_to_keys(ident).lower().startswith("licenseref-"):
        pass  # the user's own terms: ScanCode cannot check them
    elif result is None or not result.license:
        note = "ScanCode recognises no license text in it; the name is REUSE's statement"
    else:
        detected = {_base_key(k) for k in keys_in(result.license)}
        if _base_key(key) not in detected:
            spdx = result.license_spdx or result.license
            note = f"ScanCode reads the text as {spdx}; the file's name ({ident}) is kept"
    first = result.detections[0].start_line if result and result.detections else None
    return DeclaredLicense(
        source=path,
        field=FIELD,
        license=key,
        license_spdx=spdx_or_none(key, db) or ident,
        raw=name,
        score=100.0,
        line=first,
        note=note,
    )


def is_sidecar(path: str, paths: Iterable[str] | Mapping[str, object]) -> bool:
    """``x.license`` beside a file ``x``: REUSE's sidecar, holding ``x``'s license (not a
    license file of the project, though its name looks like one)."""
    return path.endswith(SIDECAR) and path != SIDECAR and path[: -len(SIDECAR)] in paths


# -- globbing --------------------------------------------------------------------------


@dataclass(frozen=True)
class Glob:
    """Path patterns matched by walking them along the path, never by backtracking:
    a regular expression of many wildcards (``**a**a**a...``) takes exponential time
    on a path that almost matches, and a hostile ``REUSE.toml`` must not stall the
    scan. Each pattern is a tuple of steps: a literal character, ``?`` (one
    character), ``*`` (any run) - the wildcards crossing ``/`` or not; a path matches
    when one pattern reaches its end with the path (time: path length x pattern
    length)."""

    patterns: tuple[tuple[tuple[str, str, bool], ...], ...]  # (kind, char, crosses "/")

    def fullmatch(self, path: str) -> bool:
        return any(_walk(steps, path) for steps in self.patterns)


def _walk(steps: tuple[tuple[str, str, bool], ...], path: str) -> bool:
    def closure(states: set[int]) -> set[int]:
        out = set(states)
        for p in sorted(states):
            while p < len(steps) and steps[p][0] == "*":
                p += 1
                out.add(p)
        return out

    states = closure({0})
    for ch in path:
        reached: set[int] = set()
        for p in states:
            if p == len(steps):
                continue
            kind, char, crosses = steps[p]
            if (kind == "=" and char == ch) or (kind == "?" and (crosses or ch != "/")):
                reached.add(p + 1)
            elif kind == "*" and (crosses or ch != "/"):
                reached.add(p)
        states = closure(reached)
        if not states:
            return False
    return len(steps) in states


def reuse_glob(pattern: str) -> tuple[tuple[str, str, bool], ...]:
    """A ``REUSE.toml`` path pattern's steps: ``*`` stays within a directory, ``**``
    crosses ``/``, ``\\`` escapes the next character."""
    out: list[tuple[str, str, bool]] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(("=", pattern[i + 1], False))
            i += 2
        elif pattern.startswith("**", i):
            out.append(("*", "", True))
            i += 2
        elif c == "*":
            out.append(("*", "", False))
            i += 1
        else:
            out.append(("=", c, False))
            i += 1
    return tuple(out)


def dep5_glob(pattern: str) -> tuple[tuple[str, str, bool], ...]:
    """A ``Files:`` pattern of ``.reuse/dep5``'s steps: ``*`` and ``?`` match ``/``
    too (Debian's copyright format)."""
    out: list[tuple[str, str, bool]] = []
    i = 0
    if pattern.startswith("./"):
        pattern = pattern[2:]
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(("=", pattern[i + 1], False))
            i += 2
            continue
        out.append((c, "", True) if c in "*?" else ("=", c, False))
        i += 1
    return tuple(out)


# -- the annotations -------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One annotation: its paths (one regular expression), license and place."""

    matcher: Glob
    license: str  # ScanCode keys
    license_spdx: str
    source: str
    line: int | None
    precedence: str

    def annotation(self) -> Annotation:
        return Annotation(self.license, self.license_spdx, self.source, self.line, self.precedence)


def _expression(raw: Any, db: LicenseDB) -> tuple[str, str] | str:
    """An ``SPDX-License-Identifier`` value (a string, or a list ANDed) as
    ``(keys, spdx)``, else why not."""
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        return "SPDX-License-Identifier must be a string or a list of strings"
    parts: list[str] = []
    for value in values:
        try:
            parts.append(db.spdx_to_keys(value.strip()))
        except LicensetierError as exc:
            return f"SPDX-License-Identifier: {exc}"
    keys = combine(parts, "AND")
    if keys is None:
        return "SPDX-License-Identifier is empty"
    return keys, spdx_or_none(keys, db) or " AND ".join(values)


def parse_reuse_toml(text: str, source: str, db: LicenseDB) -> tuple[list[Entry], list[ScanError]]:
    """The annotations of a ``REUSE.toml`` (paths relative to its directory), each with
    the line of its ``[[annotations]]``; a bad entry is an error, the others are read."""
    errors: list[ScanError] = []
    try:
        data = formats.parse_toml(text, source)
    except ManifestError as exc:
        return [], [ScanError(source, str(exc), exc.line)]
    version = data.get("version")
    if version is None:
        errors.append(ScanError(source, "no version (REUSE.toml needs version = 1)", None))
    elif version != 1:
        line = toml_line(text, ("version",))
        return [], [ScanError(source, f"version {version!r} is not supported (1 is)", line)]
    annotations = data.get("annotations", [])
    if not isinstance(annotations, list):
        line = toml_line(text, ("annotations",))
        return [], [*errors, ScanError(source, "annotations must be an array of tables", line)]
    entries: list[Entry] = []
    for n, item in enumerate(annotations):
        line = toml_line(text, ("annotations", n)) or toml_line(text, ("annotations",))
        entry = _toml_entry(item, source, line, db)
        if isinstance(entry, str):
            errors.append(ScanError(source, f"annotation {n + 1}: {entry}", line))
        elif entry is not None:
            entries.append(entry)
    return entries, errors


def _toml_entry(item: Any, source: str, line: int | None, db: LicenseDB) -> Entry | str | None:
    if not isinstance(item, dict):
        return "an annotation must be a table"
    paths = item.get("path")
    if isinstance(paths, str):
        paths = [paths]
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
        return "path must be a string or a non-empty list of strings"
    if any(len(p) > MAX_PATTERN_CHARS for p in paths):
        return f"a path pattern longer than {MAX_PATTERN_CHARS} characters"
    precedence = item.get("precedence", "closest")
    if precedence not in PRECEDENCES:
        return f"precedence {precedence!r} is not one of {', '.join(PRECEDENCES)}"
    if "SPDX-License-Identifier" not in item:
        return None  # copyright only: nothing about the license
    found = _expression(item["SPDX-License-Identifier"], db)
    if isinstance(found, str):
        return found
    matcher = Glob(tuple(reuse_glob(p) for p in paths))
    return Entry(matcher, found[0], found[1], source, line, str(precedence))


_FIELD = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*):(.*)$")


def parse_dep5(text: str, source: str, db: LicenseDB) -> tuple[list[Entry], list[ScanError]]:
    """The ``Files:`` paragraphs of a ``.reuse/dep5`` (deb822): each with its
    patterns and the first line of its ``License:``, as ``aggregate`` entries."""
    entries: list[Entry] = []
    errors: list[ScanError] = []
    for paragraph in _paragraphs(text, source, errors):
        if "files" not in paragraph:
            continue
        files_line, files_value = paragraph["files"]
        patterns = files_value.split()
        if not patterns:
            errors.append(ScanError(source, "Files: names no pattern", files_line))
            continue
        if "license" not in paragraph:
            errors.append(ScanError(source, "a Files paragraph without License:", files_line))
            continue
        license_line, license_value = paragraph["license"]
        synopsis = license_value.split("\n", 1)[0].strip()
        found = _expression(synopsis, db) if synopsis else "License: is empty"
        if isinstance(found, str):
            errors.append(
                ScanError(source, found.replace("SPDX-License-Identifier", "License"), license_line)
            )
            continue
        if any(len(p) > MAX_PATTERN_CHARS for p in patterns):
            errors.append(ScanError(source, "a pattern too long", files_line))
            continue
        matcher = Glob(tuple(dep5_glob(p) for p in patterns))
        entries.append(Entry(matcher, found[0], found[1], source, files_line, "aggregate"))
    return entries, errors


def _paragraphs(
    text: str, source: str, errors: list[ScanError]
) -> Iterable[dict[str, tuple[int, str]]]:
    """deb822 paragraphs: field name (lower case) -> (its line, its value with the
    continuation lines joined by newlines). ``#`` lines are comments."""
    paragraph: dict[str, tuple[int, str]] = {}
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#"):
            continue
        if not line.strip():
            if paragraph:
                yield paragraph
            paragraph, current = {}, None
            continue
        if line[0] in " \t":
            if current is None:
                errors.append(ScanError(source, "a continuation line outside a field", number))
                continue
            at, value = paragraph[current]
            paragraph[current] = (at, value + "\n" + line.strip())
            continue
        field = _FIELD.match(line)
        if field is None:
            errors.append(ScanError(source, f"not a field: {line[:60]!r}", number))
            current = None
            continue
        current = field.group(1).lower()
        paragraph[current] = (number, field.group(2).strip())
    if paragraph:
        yield paragraph


# -- applying them ---------------------------------------------------------------------


@dataclass(frozen=True)
class Annotated:
    results: list[FileResult]
    data_files: set[str]  # REUSE.toml, dep5, the sidecars: their licenses are others'
    annotated: int  # files with an annotation


def _read(root: Path, source: str, errors: list[ScanError]) -> str | None:
    try:
        return formats.read_text(root / source, source, MAX_REUSE_BYTES, base=root)
    except ManifestError as exc:
        errors.append(ScanError(source, str(exc), exc.line))
        return None


def annotate(
    root: Path,
    results: Sequence[FileResult],
    walked: Iterable[str],
    db: LicenseDB,
    errors: list[ScanError],
) -> Annotated:
    """``results`` with the annotation each file gets (``annotated``), ScanCode's
    answers unchanged. ``walked``: every path the scan walked (a ``REUSE.toml`` is
    found among them; one excluded from the scan is not read)."""
    paths = set(walked)
    configs: dict[str, list[Entry]] = {}  # directory ("." for the root) -> entries
    for path in sorted(p for p in paths if PurePosixPath(p).name == REUSE_TOML):
        text = _read(root, path, errors)
        if text is None:
            continue
        entries, problems = parse_reuse_toml(text, path, db)
        errors.extend(problems)
        configs[str(PurePosixPath(path).parent)] = entries
    data_files = {p for p in paths if PurePosixPath(p).name == REUSE_TOML}
    if DEP5 in paths:
        data_files.add(DEP5)
        if "." in configs:
            errors.append(
                ScanError(DEP5, f"a project has {REUSE_TOML} or .reuse/dep5, not both: not read")
            )
        else:
            text = _read(root, DEP5, errors)
            if text is not None:
                entries, problems = parse_dep5(text, DEP5, db)
                errors.extend(problems)
                configs["."] = entries
    by_path = {r.path: r for r in results}
    # a sidecar of a file that is not scanned (a binary file: skipped) keeps its own
    # result, so that its license is still checked, on the sidecar
    sidecars = {p[: -len(SIDECAR)]: p for p in paths if is_sidecar(p, by_path)}
    data_files.update(sidecars.values())
    ordered = sorted(configs, key=lambda d: (d != ".", d.count("/"), d))  # outermost first
    out: list[FileResult] = []
    count = 0
    for r in results:
        found = _annotation(r.path, ordered, configs, sidecars, by_path)
        if found is not None:
            count += 1
            r = replace(r, annotated=found)
        out.append(r)
    return Annotated(out, data_files, count)


def _annotation(
    path: str,
    ordered: Sequence[str],
    configs: Mapping[str, Sequence[Entry]],
    sidecars: Mapping[str, str],
    by_path: Mapping[str, FileResult],
) -> Annotation | None:
    matches: list[Entry] = []  # the last matching entry of each config, outermost first
    for directory in ordered:
        if directory != "." and not path.startswith(directory + "/"):
            continue
        relative = path if directory == "." else path[len(directory) + 1 :]
        last = next(
            (e for e in reversed(configs[directory]) if e.matcher.fullmatch(relative)), None
        )
        if last is not None:
            matches.append(last)
    override = next((e for e in matches if e.precedence == "override"), None)
    if override is not None:
        return override.annotation()
    sidecar = by_path.get(sidecars.get(path, ""))
    if sidecar is not None and sidecar.license and sidecar.license_spdx:
        line = sidecar.detections[0].start_line if sidecar.detections else None
        return Annotation(sidecar.license, sidecar.license_spdx, sidecar.path, line, "override")
    return matches[-1].annotation() if matches else None


def effective(result: FileResult) -> tuple[str | None, str | None]:
    """The license (keys, SPDX) a file is judged by: ScanCode's, with its annotation
    applied - ``closest`` when ScanCode found nothing, ``aggregate`` ANDed with
    ScanCode's, ``override`` instead of it."""
    a = result.annotated
    if a is None or (a.precedence == "closest" and result.license):
        return result.license, result.license_spdx
    if a.precedence == "aggregate" and result.license:
        keys = combine([result.license, a.license], "AND")
        spdx = combine([result.license_spdx or result.license, a.license_spdx], "AND")
        return keys, spdx
    return a.license, a.license_spdx


def from_annotation(result: FileResult) -> bool:
    """Whether the file's effective license is not ScanCode's alone."""
    return result.annotated is not None and effective(result)[0] != result.license
