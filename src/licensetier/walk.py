"""Which files a scan reads: a git-aware listing, ignore rules, symlink and size guards.

In a git work tree: the tracked files plus the untracked files that git does not
ignore. Outside git: the file tree, less :data:`DEFAULT_IGNORED_DIRS`. Either way,
symlinks are never followed out of the root, and binary or oversized files are
skipped with a reason.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from licensetier import vcs
from licensetier.models import SkippedFile

DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024  # bytes
SIZE_CAPPED = "larger than the size cap"  # how a skipped file too large to read starts
BINARY_SNIFF_BYTES = 8192

# Directories never walked outside git (inside git, .gitignore decides).
DEFAULT_IGNORED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        "node_modules",
        ".idea",
        ".vscode",
    }
)


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


def is_excluded(path: str, patterns: Iterable[str]) -> bool:
    """True when a POSIX relative path matches one of the glob patterns.

    ``dir/**`` matches everything below ``dir``; a pattern without a slash also
    matches a file name in any directory.
    """
    name = path.rsplit("/", 1)[-1]
    for pattern in patterns:
        if fnmatch.fnmatchcase(path, pattern):
            return True
        if pattern.endswith("/**") and (path + "/").startswith(pattern[:-2]):
            return True
        if "/" not in pattern and fnmatch.fnmatchcase(name, pattern):
            return True
    return False


def _candidates(root: Path) -> tuple[dict[str, str | None], bool]:
    work_tree = vcs.find_work_tree(root)
    if work_tree is not None:
        return dict(vcs.listed_files(work_tree, root)), True
    names: dict[str, str | None] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in DEFAULT_IGNORED_DIRS)
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        for d in list(dirnames):
            if os.path.islink(os.path.join(dirpath, d)):
                # os.walk does not descend into it; report it like a file link.
                names[d if rel_dir == "." else f"{rel_dir}/{d}"] = None
        for f in sorted(filenames):
            names[f if rel_dir == "." else f"{rel_dir}/{f}"] = None
    return names, False


def looks_binary(head: bytes) -> bool:
    """True for content with a NUL byte in its first :data:`BINARY_SNIFF_BYTES`."""
    return b"\0" in head[:BINARY_SNIFF_BYTES]


def _looks_binary(location: Path) -> bool:
    with location.open("rb") as fh:
        return looks_binary(fh.read(BINARY_SNIFF_BYTES))


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
            return SkippedFile(rel, "symlink pointing outside the scanned root")
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
    if listed is not None:
        names, in_git = dict(listed), True
    else:
        names, in_git = _candidates(root)
    patterns = tuple(exclude)
    files: list[WalkedFile] = []
    skipped: list[SkippedFile] = []
    for rel in sorted(names):
        if patterns and is_excluded(rel, patterns):
            skipped.append(SkippedFile(rel, "excluded by configuration"))
            continue
        item = _classify(root, rel, max_size, sniff_binary, names[rel])
        if item is None:
            continue
        if isinstance(item, WalkedFile):
            files.append(item)
        else:
            skipped.append(item)
    return Walk(files, skipped, in_git)
