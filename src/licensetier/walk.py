"""Which files a scan reads: a git-aware listing, ignore rules, symlink and size guards.

In a git work tree: the tracked files plus the untracked files that git does not
ignore. Outside git: the file tree, less :data:`licensetier.paths.UNWALKED_DIRS`. Either way,
symlinks are never followed out of the root, and binary or oversized files are
skipped with a reason.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from licensetier import fs, vcs
from licensetier.models import SkippedFile
from licensetier.paths import UNWALKED_DIRS, globs, is_unwalked_dir

DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024  # bytes
SIZE_CAPPED = "larger than the size cap"  # how a skipped file too large to read starts
BINARY_SNIFF_BYTES = 8192

# Directories never walked outside git (inside git, .gitignore decides).
DEFAULT_IGNORED_DIRS = UNWALKED_DIRS


@dataclass(frozen=True)
class WalkedFile:
    path: str  # POSIX, relative to the root
    filename: str  # absolute path to read (a string: a Path per file costs a rescan)
    size: int
    blob: str | None = None  # git's blob id, when git vouches for the content


@dataclass
class Walk:
    files: list[WalkedFile]
    skipped: list[SkippedFile]
    in_git: bool
    # why the listing is not git's (a repository git refuses), and git's own warnings:
    # the scan reports each in its errors[]
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Candidates:
    names: dict[str, str | None]  # path relative to the root -> git's blob id
    in_git: bool
    skipped: list[SkippedFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def is_excluded(path: str, patterns: Iterable[str]) -> bool:
    """True when a POSIX relative path is excluded by the ``exclude`` globs: gitignore
    patterns, matched as ``.gitignore`` ignores (:meth:`licensetier.paths.Globs.excludes`).
    """
    return globs(tuple(patterns)).excludes(path)


def _candidates(root: Path) -> _Candidates:
    warnings: list[str] = []
    try:
        repo = vcs.find_repository(root)
        if repo is not None:
            listing = vcs.listed_files(repo, root)
            return _Candidates(dict(listing.files), True, listing.skipped, listing.warnings)
    except vcs.GitError as exc:
        # a defined outcome, not a crash: the files are still all read
        warnings.append(
            f"{exc}. Scanned as a plain directory instead: git's ignore rules and "
            "blob ids were not used."
        )
    names: dict[str, str | None] = {}
    skipped: list[SkippedFile] = []

    def unlistable(error: OSError) -> None:
        where = os.fsdecode(error.filename) if error.filename is not None else str(root)
        rel = os.path.relpath(where, root).replace(os.sep, "/")
        reason = error.strerror or str(error)
        skipped.append(
            SkippedFile(
                rel, f"directory could not be read ({reason}): the files below it are not listed"
            )
        )

    for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not is_unwalked_dir(d))
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        for d in list(dirnames):
            if os.path.islink(os.path.join(dirpath, d)):
                # os.walk does not descend into it; report it like a file link.
                names[d if rel_dir == "." else f"{rel_dir}/{d}"] = None
        for f in sorted(filenames):
            names[f if rel_dir == "." else f"{rel_dir}/{f}"] = None
    return _Candidates(names, False, skipped, warnings)


def looks_binary(head: bytes) -> bool:
    """True for content with a NUL byte in its first :data:`BINARY_SNIFF_BYTES`.

    Only :func:`walk`'s ``sniff_binary`` listing uses this guess. A scan does not: it
    reads what ScanCode reads, UTF-16 text and the strings of binaries included, and
    skips as binary only the files ScanCode reads no text from
    (:func:`licensetier.detect.prefilter.scancode_reading`)."""
    return b"\0" in head[:BINARY_SNIFF_BYTES]


def _looks_binary(location: Path) -> bool:
    with location.open("rb") as fh:
        return looks_binary(fh.read(BINARY_SNIFF_BYTES))


def _through_link(root: Path, rel: str, seen: dict[str, str | None]) -> str | None:
    """Why ``rel`` is not read when one of its directories is a symlink (git lists a
    tracked file below a directory that the work tree has since replaced by a link),
    else None. Each directory is resolved once per walk."""
    parent = rel.rpartition("/")[0]
    if not parent:
        return None
    if parent not in seen:
        try:
            real = fs.locate(parent, root)
        except fs.Refused:
            seen[parent] = f"{fs.OUTSIDE} (one of its directories)"
        else:
            linked = real != os.path.join(root, parent)
            seen[parent] = (
                "below a symlinked directory (its target is scanned in its own place)"
                if linked
                else None
            )
    return seen[parent]


def _classify(
    root: Path, rel: str, max_size: int, sniff_binary: bool, blob: str | None
) -> WalkedFile | SkippedFile | None:
    filename = os.path.join(root, rel)
    try:
        st = os.lstat(filename)
    except FileNotFoundError:
        return None  # listed by git, deleted from the work tree: nothing to read
    except OSError as exc:
        return SkippedFile(rel, f"unreadable: {exc.strerror or exc}")
    if stat.S_ISLNK(st.st_mode):
        try:
            target = Path(filename).resolve(strict=True)
        except (OSError, RuntimeError):
            return SkippedFile(rel, "broken symlink")
        if not target.is_relative_to(root):
            return SkippedFile(rel, fs.OUTSIDE)
        return SkippedFile(rel, "symlink inside the root (its target is scanned in its own place)")
    if stat.S_ISDIR(st.st_mode):
        return SkippedFile(rel, "directory entry (git submodule or nested repository)")
    if not stat.S_ISREG(st.st_mode):
        return SkippedFile(rel, "not a regular file")
    if st.st_size > max_size:
        return SkippedFile(rel, f"{SIZE_CAPPED} ({st.st_size} > {max_size} bytes)")
    if sniff_binary:
        try:
            if _looks_binary(Path(filename)):
                return SkippedFile(rel, "binary file")
        except OSError as exc:
            return SkippedFile(rel, f"unreadable: {exc.strerror or exc}")
    return WalkedFile(rel, filename, st.st_size, blob)


def walk(
    root: Path,
    *,
    max_size: int = DEFAULT_MAX_FILE_SIZE,
    exclude: Iterable[str] = (),
    sniff_binary: bool = True,
    listed: Mapping[str, str | None] | None = None,
) -> Walk:
    """List the files to scan. With ``sniff_binary=False`` no file is opened (the
    caller tells binaries apart itself, from content it reads anyway). ``listed``:
    the candidate paths (relative to ``root``) with their git blob ids, when the caller
    knows them (a tree written from git's index or a commit), instead of asking git or
    walking the directory."""
    root = root.resolve()
    candidates = _Candidates(dict(listed), True) if listed is not None else _candidates(root)
    names, in_git = candidates.names, candidates.in_git
    excluded = globs(tuple(exclude))
    files: list[WalkedFile] = []
    skipped: list[SkippedFile] = list(candidates.skipped)
    directories: dict[str, str | None] = {}
    for rel in sorted(names):
        if excluded.excludes(rel):
            skipped.append(SkippedFile(rel, "excluded by configuration"))
            continue
        linked = _through_link(root, rel, directories)
        if linked is not None:
            skipped.append(SkippedFile(rel, linked))
            continue
        item = _classify(root, rel, max_size, sniff_binary, names[rel])
        if item is None:
            continue
        if isinstance(item, WalkedFile):
            files.append(item)
        else:
            skipped.append(item)
    return Walk(files, skipped, in_git, candidates.warnings)
