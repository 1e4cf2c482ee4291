"""The third-party notices of a repository, for ``licensetier notice``.

From a finished :class:`~licensetier.models.ScanResult` (its dependencies and its
files), :func:`collect` builds a :class:`Notice`: one :class:`Section` per third-party
component, in a fixed order (dependencies by ecosystem, name and version, then the
vendored directories by path). A scan gathers it when asked
(:class:`licensetier.scan.Extras`) and carries it as ``ScanResult.notice``;
:mod:`licensetier.reporters.notice` writes it as plain text or Markdown.

Unlike a reporter this reads files: the license and NOTICE files of each dependency's
installed or vendored copy (found with the same locators as the resolution of its
license, :mod:`licensetier.deps`), and the NOTICE files of the repository's vendored
directories. Copyright statements are found with ScanCode's copyright engine
(``scancode.api.get_copyrights``), in-process. At most :data:`MAX_READ_BYTES` of a file
are read; a file that cannot be read is left out with a note in its section. No clock,
no network: the same repository gives the same notice, byte for byte.
"""

from __future__ import annotations

import functools
import re
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from licensetier import fs, paths
from licensetier.deps.base import Ecosystem, Environment, Evidence, Locator, Scope
from licensetier.deps.resolve import Options, environment, locators_for
from licensetier.deps.vendored import is_real_dir, license_files, safe_child
from licensetier.expressions import combine
from licensetier.models import Dependency, FileResult, Notice, NoticeText, ScanResult, Section

MAX_READ_BYTES = 1024 * 1024  # per file: the rest of a larger file is not read
COPYRIGHT_SECONDS = 60.0  # ScanCode's copyright deadline, per file
NOTICE_NAME_RE = re.compile(r"notice(?:\.(?:txt|md))?", re.IGNORECASE)
APACHE_RE = re.compile(r"(?<![\w.+-])Apache-2\.0(?![\w.+-])")


# -- reading files ---------------------------------------------------------------------


class Shower:
    """How a path is shown: relative to the scan root, else under ``~``, else absolute."""

    def __init__(self, root: Path, home: Path | None) -> None:
        self.root = root
        self.home = home

    def __call__(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            pass
        if self.home is not None:
            try:
                return "~/" + path.relative_to(self.home).as_posix()
            except ValueError:
                pass
        return path.as_posix()


@dataclass
class _Read:
    data: bytes | None
    truncated: bool = False
    note: str | None = None
    copyrights: tuple[str, ...] | None = None


@dataclass
class FileReader:
    """Reads each file once (at most :data:`MAX_READ_BYTES`) and finds its copyright
    statements with ScanCode; remembers both per path."""

    shown: Shower
    _seen: dict[Path, _Read] = field(default_factory=dict)

    def _read(self, path: Path) -> _Read:
        known = self._seen.get(path)
        if known is not None:
            return known
        where = self.shown(path)
        try:
            if path.is_symlink():
                read = _Read(None, note=f"{where} is a symbolic link: not followed, not read")
            else:
                data = fs.read_head(path, _base(path, self.shown.root), MAX_READ_BYTES + 1)
                truncated = len(data) > MAX_READ_BYTES
                note = f"{where}: larger than 1 MB, only its first 1 MB read" if truncated else None
                read = _Read(data[:MAX_READ_BYTES], truncated, note)
        except fs.Refused as exc:
            read = _Read(None, note=f"{where} could not be read ({exc.reason}): skipped")
        except OSError as exc:
            read = _Read(None, note=f"{where} could not be read ({exc.strerror or exc}): skipped")
        self._seen[path] = read
        return read

    def text(self, path: Path) -> tuple[str | None, str | None]:
        """The file's text (UTF-8, undecodable bytes replaced, line ends made ``\\n``)
        and a note when it could not be read in full."""
        read = self._read(path)
        if read.data is None:
            return None, read.note
        text = read.data.decode("utf-8-sig", errors="replace")
        return text.replace("\r\n", "\n").replace("\r", "\n"), read.note

    def copyrights(self, path: Path) -> tuple[tuple[str, ...], str | None]:
        """ScanCode's copyright statements in the file, in the order of their lines."""
        read = self._read(path)
        if read.data is None:
            return (), read.note
        if read.copyrights is None:
            try:
                found = _copyrights(path, read.data if read.truncated else None)
                read.copyrights = whole_lines(found, read.data.decode("utf-8", errors="replace"))
            except Exception as exc:  # ScanCode's own failure must not end the notice
                read.copyrights = ()
                problem = f"{self.shown(path)}: copyright detection failed ({exc})"
                read.note = f"{read.note}; {problem}" if read.note else problem
        return read.copyrights, read.note


MAX_COPYRIGHT_LINE = 240  # a longer line is a paragraph: ScanCode's statement is kept
_COMMENT_LEAD = re.compile(r"^\s*(?:#+|//+|/\*+|\*+|--|;+|%+|<!--|\.\.)?\s*")


def whole_lines(found: Sequence[tuple[str, int, int]], text: str) -> tuple[str, ...]:
    """Each copyright statement as the whole line(s) it was found on: ScanCode ends a
    statement where its grammar stops ("Copyright (c) 2017" of "Copyright (c) 2017 to
    present Pydantic Services Inc. and individual contributors."), a notice passes
    the line on. From where the statement starts to the end of its last line, comment
    markers and runs of spaces removed; ScanCode's statement when the lines do not hold
    it as it stands, or are longer than :data:`MAX_COPYRIGHT_LINE`. Deduplicated, in
    order."""
    lines = text.split("\n")
    out: dict[str, None] = {}
    for statement, start, end in found:
        chosen = statement
        if 1 <= start <= end <= len(lines):
            joined = " ".join(
                " ".join(_COMMENT_LEAD.sub("", line).split()) for line in lines[start - 1 : end]
            ).strip()
            at = joined.find(statement)
            if at >= 0 and len(joined) - at <= MAX_COPYRIGHT_LINE:
                chosen = joined[at:].removesuffix("*/").removesuffix("-->").strip()
        out.setdefault(chosen, None)
    return tuple(out)


@functools.cache
def _licensedcode_texts() -> Path | None:
    try:
        import licensedcode
    except ImportError:  # pragma: no cover - ScanCode is a dependency
        return None
    return Path(licensedcode.__file__).parent / "data" / "licenses"


def standard_texts(license_spdx: str | None) -> tuple[NoticeText, ...]:
    """The text of each license of an SPDX expression, from ScanCode's license data
    (installed with licensetier, not the scanned repository), for a component whose
    own license file is not at hand; none for a license ScanCode has no text of."""
    if not license_spdx:
        return ()
    from licensetier.expressions import keys_in
    from licensetier.license_db import LicenseDB

    directory = _licensedcode_texts()
    if directory is None:
        return ()
    db = LicenseDB.load()
    try:
        keys = keys_in(db.spdx_to_keys(license_spdx))
    except Exception:  # an expression the database cannot read: no standard text
        return ()
    out = []
    for key in sorted(keys):
        path = directory / f"{key}.LICENSE"
        try:
            raw = path.read_text(encoding="utf-8")
        except OSError:
            continue
        body = raw.split("\n---\n", 1)[1] if raw.startswith("---\n") and "\n---\n" in raw else raw
        body = body.strip("\n")
        if body:
            spdx = db.keys_to_spdx(key)
            out.append(
                NoticeText(f"standard text of {spdx} (ScanCode's license data)", body + "\n")
            )
    return tuple(out)


def _copyrights(path: Path, prefix: bytes | None) -> tuple[tuple[str, int, int], ...]:
    """ScanCode's copyright statements of ``path``; of ``prefix`` instead when given
    (the first megabyte of a larger file, written to a temporary file)."""
    from licensetier.detect.engine import _prepare_scancode_environment

    _prepare_scancode_environment()
    from scancode.api import get_copyrights

    deadline = time.time() + COPYRIGHT_SECONDS
    if prefix is None:
        found = get_copyrights(str(path), deadline=deadline)
    else:
        with tempfile.TemporaryDirectory(prefix="licensetier-notice-") as directory:
            copy = Path(directory) / path.name
            copy.write_bytes(prefix)
            found = get_copyrights(str(copy), deadline=deadline)
    entries = sorted(
        (e for e in found.get("copyrights", []) if isinstance(e.get("copyright"), str)),
        key=lambda e: (int(e.get("start_line") or 0), int(e.get("end_line") or 0)),
    )
    return tuple(
        (
            " ".join(str(e["copyright"]).split()),
            int(e.get("start_line") or 0),
            int(e.get("end_line") or 0),
        )
        for e in entries
    )


# -- where a dependency's files are -----------------------------------------------------


def notice_files(directory: Path) -> tuple[Path, ...]:
    """``NOTICE``, ``NOTICE.txt`` and ``NOTICE.md`` (any case) directly in ``directory``,
    sorted by name (symbolic links too: reading them is refused with a note)."""
    return tuple(
        entry.path
        for entry in fs.list_dir(directory, directory)
        if NOTICE_NAME_RE.fullmatch(entry.name) and (entry.link or entry.is_file)
    )


def _base(path: Path, root: Path) -> Path:
    """What reads of ``path`` stay in: the scan root for a path below it, else (a
    package manager's cache) the file's own directory."""
    return root if path == root or root in path.parents else path.parent


def package_dir(where: str, root: Path, ecosystem: str, name: str) -> Path | None:
    """The directory of the installed or vendored copy that ``where`` (a locator's
    answer: a metadata file or a directory) names; None for a URL, for Maven (its
    repository holds POMs and jars, not license files) or when it does not exist."""
    if "://" in where or ecosystem == Ecosystem.MAVEN.value:
        return None
    path = Path(where) if Path(where).is_absolute() else root / where
    if _usable_dir(path, root):
        return path
    parent = path.parent
    if path.name in ("METADATA", "PKG-INFO"):  # Python: the *.dist-info directory
        found: Path | None = parent if parent.name.endswith((".dist-info", ".egg-info")) else None
    elif path.suffix == ".gemspec" and parent.name == "specifications":
        found = parent.parent / "gems" / path.stem
    elif path.name == "installed.json" and parent.name == "composer":
        found = safe_child(parent.parent, name.lower())
    else:  # package.json, Cargo.toml, *.nuspec, composer.json
        found = parent
    return found if found is not None and _usable_dir(found, root) else None


def _usable_dir(path: Path, root: Path) -> bool:
    """A directory, not a symbolic link unless it leads to a place inside the root (a
    pnpm or workspace link, as the npm locator follows them)."""
    if path == root or root in path.parents:
        return fs.is_dir(path, root)  # through links that stay in the root, never out
    return is_real_dir(path)


@dataclass(frozen=True)
class _Located:
    directory: Path | None
    licenses: tuple[Path, ...]
    notices: tuple[Path, ...]


class PackageFinder:
    """Finds the local copy of each dependency with the resolution's own locators;
    the copy that answered its license (``license_where``) is preferred."""

    def __init__(self, root: Path, dependencies: Sequence[Dependency], options: Options) -> None:
        self.root = root
        known = {e.value for e in Ecosystem}
        ecosystems = {Ecosystem(d.ecosystem) for d in dependencies if d.ecosystem in known}
        self.env: Environment = environment(
            root, sorted({(root / d.manifest).parent for d in dependencies}), options
        )
        self.locators: dict[Ecosystem, list[Locator]] = (
            locators_for(self.env, ecosystems) if ecosystems else {}
        )

    def _evidence(self, dep: Dependency) -> Evidence | None:
        if dep.ecosystem not in {e.value for e in Ecosystem}:
            return None
        first: Evidence | None = None
        for locator in self.locators.get(Ecosystem(dep.ecosystem), ()):
            try:
                evidence = locator.find(dep.name, dep.version if dep.exact else None)
            except (OSError, ValueError, KeyError, TypeError, UnicodeError):
                continue
            if evidence is None:
                continue
            if dep.license_where is not None and evidence.where == dep.license_where:
                return evidence
            first = first or evidence
        return first

    def locate(self, dep: Dependency) -> _Located:
        evidence = self._evidence(dep)
        where = evidence.where if evidence is not None else None
        if where is None and dep.license_source in ("installed", "vendored"):
            where = dep.license_where
        directory = (
            package_dir(where, self.root, dep.ecosystem, dep.name) if where is not None else None
        )
        texts: dict[Path, None] = dict.fromkeys(evidence.texts if evidence is not None else ())
        notices: dict[Path, None] = {}
        if directory is not None:
            texts.update(dict.fromkeys(license_files(directory)))
            notices.update(dict.fromkeys(notice_files(directory)))
            if directory.name.endswith(".dist-info"):  # PEP 639: in licenses/
                texts.update(dict.fromkeys(license_files(directory / "licenses")))
                notices.update(dict.fromkeys(notice_files(directory / "licenses")))
        for text in list(texts):  # a License-File entry may name the NOTICE file
            if NOTICE_NAME_RE.fullmatch(text.name):
                del texts[text]
                notices.setdefault(text, None)
        return _Located(directory, tuple(texts), tuple(sorted(notices, key=_path_key)))


def _path_key(path: Path) -> tuple[str, str]:
    return (path.parent.as_posix(), path.name)


# -- the notice ------------------------------------------------------------------------


def is_apache(license_spdx: str | None) -> bool:
    """The expression names Apache-2.0 (alone, in a choice or with an exception)."""
    return bool(license_spdx and APACHE_RE.search(license_spdx))


def vendored_dir(path: str) -> str | None:
    """The vendored directory a repository file belongs to: ``<...>/vendor/<name>``
    (also ``third_party``, ``third-party``, ``3rdparty``, at any depth), the vendor
    directory itself for a file directly in it, None outside one or in node_modules."""
    parts = path.split("/")
    if "node_modules" in parts[:-1]:
        return None
    for i, part in enumerate(parts[:-1]):
        if part in paths.VENDOR_DIRS:
            return "/".join(parts[: i + 2] if i + 2 < len(parts) else parts[: i + 1])
    return None


def _components(
    dependencies: Iterable[Dependency],
) -> list[tuple[Dependency, bool]]:
    """Each package version once (the occurrence with a license first), and whether
    every occurrence is development-only; sorted by ecosystem, name, version."""
    groups: dict[tuple[str, str, str], list[Dependency]] = {}
    for dep in dependencies:
        groups.setdefault((dep.ecosystem, dep.name, dep.version or ""), []).append(dep)
    out = []
    for key in sorted(groups):
        occurrences = groups[key]
        chosen = next((d for d in occurrences if d.license), occurrences[0])
        dev_only = all(d.scope == Scope.DEVELOPMENT.value for d in occurrences)
        out.append((chosen, dev_only))
    return out


def _has_files(directory: Path, root: Path) -> bool:
    """``directory`` holds a regular file (True when it cannot be looked at)."""
    try:
        return any(entry.is_file for entry in fs.entries(directory, root))
    except OSError:
        return True


def vendored_group(root: Path, path: str) -> str | None:
    """The vendored directory of a repository file, as :func:`vendored_dir` says, but
    through directories that hold only directories: ``vendor/github.com/owner/repo``
    rather than ``vendor/github.com``."""
    group = vendored_dir(path)
    if group is None:
        return None
    below = path[len(group) + 1 :].split("/")[:-1]  # the directories down to the file
    for part in below:
        if _has_files(root / group, root):
            break
        group = f"{group}/{part}"
    return group


def _dependency_title(dep: Dependency) -> str:
    version = f" {dep.version}" if dep.version else ""
    return f"{dep.name}{version} ({dep.ecosystem})"


def _license_line(license_spdx: str | None, reason: str | None) -> str:
    if license_spdx:
        return license_spdx
    # the resolver's reason joins one reason per step; two locators may give the same
    steps = dict.fromkeys(r.strip() for r in (reason or "").split("; ") if r.strip())
    return f"license unknown: {'; '.join(steps) or 'no source answered'}"


def license_texts(reader: FileReader, licenses: Sequence[Path]) -> tuple[NoticeText, ...]:
    """The texts of a component's license files (those that could be read), each once."""
    out: dict[str, NoticeText] = {}
    for path in licenses:
        text, _ = reader.text(path)
        if text is not None and text.strip() and text not in out:
            out[text] = NoticeText(reader.shown(path), text)
    return tuple(out.values())


def _read_component(
    reader: FileReader, licenses: Sequence[Path], notices: Sequence[Path], reproduce: bool
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[NoticeText, ...], tuple[str, ...]]:
    """(copyrights, files read, notices reproduced, notes) of a component's files."""
    copyrights: dict[str, None] = {}
    files: list[str] = []
    texts: list[NoticeText] = []
    notes: dict[str, None] = {}
    for path in (*licenses, *notices):
        found, note = reader.copyrights(path)
        copyrights.update(dict.fromkeys(found))
        files.append(reader.shown(path))
        if note:
            notes.setdefault(note, None)
    if reproduce:
        for path in notices:
            text, note = reader.text(path)
            texts.append(NoticeText(reader.shown(path), text))
            if note:
                notes.setdefault(note, None)
    return tuple(copyrights), tuple(files), tuple(texts), tuple(notes)


def collect(
    result: ScanResult,
    root: Path,
    options: Options,
    *,
    include_dev: bool = False,
    project: str | None = None,
) -> Notice:
    """The notice of the repository at ``root`` whose scan is ``result``."""
    home_value = options.environ.get("HOME")
    shower = Shower(root, Path(home_value) if home_value else None)
    reader = FileReader(shower)
    components = _components(result.dependencies)
    finder = PackageFinder(root, [d for d, _ in components], options)
    located = {id(d): finder.locate(d) for d, _ in components}
    files_of, vendored = _files_by_component(result.files, root, shower, components, located)
    sections: list[Section] = []
    left_out = 0
    for dep, dev_only in components:
        if dev_only and not include_dev:
            left_out += 1
            continue
        own_files = files_of.get(id(dep), [])
        sections.append(_dependency_section(dep, located[id(dep)], own_files, root, reader))
    for group in sorted(vendored):
        section = _vendored_section(group, vendored[group], root, reader)
        if section is not None:
            sections.append(section)
    return Notice(
        project=project or root.name,
        sections=tuple(sections),
        include_dev=include_dev,
        dev_left_out=left_out,
    )


def _files_by_component(
    files: Iterable[FileResult],
    root: Path,
    shower: Shower,
    components: Sequence[tuple[Dependency, bool]],
    located: dict[int, _Located],
) -> tuple[dict[int, list[FileResult]], dict[str, list[FileResult]]]:
    """The repository files with a license inside each dependency's copy (by the
    dependency's id: they belong to its section), and every file of each vendored
    directory."""
    dep_dirs: dict[str, Dependency] = {}
    for dep, _ in components:
        directory = located[id(dep)].directory
        if directory is None or directory == root:
            continue
        relative = shower(directory)
        if relative != directory.as_posix() and not relative.startswith("~/"):
            dep_dirs.setdefault(relative, dep)
    files_of: dict[int, list[FileResult]] = {}
    vendored: dict[str, list[FileResult]] = {}
    for file in sorted(files, key=lambda f: f.path):
        owner = paths.owner(file.path, dep_dirs)
        if owner is not None:
            if file.license:
                files_of.setdefault(id(dep_dirs[owner]), []).append(file)
            continue
        group = vendored_group(root, file.path)
        if group is not None:
            vendored.setdefault(group, []).append(file)
    return files_of, vendored


def _dependency_section(
    dep: Dependency,
    place: _Located,
    own_files: Sequence[FileResult],
    root: Path,
    reader: FileReader,
) -> Section:
    copyrights, files, notices, notes = _read_component(
        reader, place.licenses, place.notices, is_apache(dep.license)
    )
    copyrights = _merge(copyrights, own_files, root, reader)
    notes = (*notes, *_notes_of(own_files, root, reader))
    license_text = _license_line(dep.license, dep.reason)
    if dep.license and dep.low_confidence and dep.reason:
        license_text = f"{dep.license} ({dep.reason})"
    texts = license_texts(reader, place.licenses) or standard_texts(dep.license)
    return Section(
        kind="dependency",
        title=_dependency_title(dep),
        purl=dep.purl,
        license=license_text,
        copyrights=copyrights,
        files=files,
        notices=notices,
        file_licenses=tuple((f.path, _file_license(f)) for f in own_files),
        notes=tuple(dict.fromkeys(notes)),
        license_texts=texts,
    )


def _vendored_section(
    group: str, walked: Sequence[FileResult], root: Path, reader: FileReader
) -> Section | None:
    """The section of a vendored directory; None when nothing in it says a license or
    asks for attribution."""
    members = [f for f in walked if f.license]
    directory = root / group
    own = license_files(directory) if is_real_dir(directory) else ()
    notice_paths = notice_files(directory) if is_real_dir(directory) else ()
    if not (members or own or notice_paths):
        return None
    from_files = _merge((), members, root, reader)
    member_paths = {root / f.path for f in members}
    texts = [p for p in own if p not in member_paths]
    copyrights, _files, notices, notes = _read_component(reader, texts, notice_paths, True)
    licenses = tuple(dict.fromkeys(_file_license(f) for f in members))
    license_text = combine(licenses, "AND", unique=False) or (
        "license unknown: ScanCode finds no license in the directory's files"
    )
    return Section(
        kind="vendored",
        title=group,
        purl=None,
        license=license_text,
        copyrights=tuple(dict.fromkeys((*from_files, *copyrights))),
        files=tuple(reader.shown(p) for p in (*own, *notice_paths)),
        notices=notices,
        file_licenses=tuple((f.path, _file_license(f)) for f in members),
        notes=tuple(dict.fromkeys((*_notes_of(members, root, reader), *notes))),
        license_texts=license_texts(reader, own),
    )


def _file_license(file: FileResult) -> str:
    return file.license_spdx or file.license or ""


def _merge(
    copyrights: tuple[str, ...], files: Sequence[FileResult], root: Path, reader: FileReader
) -> tuple[str, ...]:
    found: dict[str, None] = dict.fromkeys(copyrights)
    for file in files:
        lines, _ = reader.copyrights(root / file.path)
        found.update(dict.fromkeys(lines))
    return tuple(found)


def _notes_of(files: Sequence[FileResult], root: Path, reader: FileReader) -> tuple[str, ...]:
    notes = []
    for file in files:
        _, note = reader.copyrights(root / file.path)
        if note:
            notes.append(note)
    return tuple(notes)


__all__ = [
    "MAX_READ_BYTES",
    "FileReader",
    "Notice",
    "NoticeText",
    "PackageFinder",
    "Section",
    "collect",
    "is_apache",
    "notice_files",
    "package_dir",
    "vendored_dir",
    "vendored_group",
]
