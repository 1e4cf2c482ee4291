"""The one guarded way to open and list the paths of a repository.

Every reader of repository content (configuration, manifests and lockfiles, installed
and vendored copies, model cards, license and notice files, the staged and base views)
opens and lists through this module, each time against a *base*: the directory the
path must stay in. A base is the scanned root, a view directory, or a directory the
user named or trusts (``--python-env``, ``~/.m2``, Cargo's registry, Go's module cache,
NuGet's folder), each its own base.

What it guarantees, for a path and its base:

* **Nothing outside the base is opened or listed.** The path is resolved (every
  symbolic link in it followed, ``..`` included) before anything is opened, and
  refused unless its real location is the base's real location or below it. A link
  that stays inside the base is followed; a link out is refused without being opened,
  listed or stat'ed beyond ``readlink``.
* **Only regular files are read.** The real path is ``lstat``'ed and refused unless it
  is a regular file, then opened with ``O_NOFOLLOW | O_NONBLOCK`` and ``fstat``'ed
  again: a FIFO, a socket or a device (``/dev/zero``) behind a name never blocks or
  streams, and a file swapped for a link in between is refused by the kernel.
* **Sizes are bounded.** A file above the limit is refused (by its size, and by
  reading at most ``limit + 1`` bytes whatever the size says).
* **Text decodes or says where it does not:** :class:`Undecodable` names the file and
  the line of the first byte that is not UTF-8.
* **Refusals are values a reader can report:** :class:`Refused` is an ``OSError``
  (readers that already turn ``OSError`` into an entry of ``errors[]`` keep doing so)
  whose ``reason`` is a sentence for ``skipped[]`` / ``errors[]``.

Not covered: a repository that changes *while* it is scanned (a race between the
check and the open of an intermediate directory); the threat model is the content
of the repository, not a concurrent process on the scanning machine.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

OUTSIDE = "symlink pointing outside the scanned root"
NOT_REGULAR = "not a regular file"
DEFAULT_LIMIT = 20 * 1024 * 1024

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
)

Kind = Literal["file", "dir", "other", "outside", "missing"]


class Refused(OSError):
    """A path this module will not open or list; ``reason`` says why."""

    def __init__(self, path: str | os.PathLike[str], reason: str, code: int = errno.EACCES) -> None:
        super().__init__(code, reason, os.fspath(path))
        self.path = os.fspath(path)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class Undecodable(Refused):
    """A file that is not UTF-8 text; ``line`` holds its first byte that is not."""

    def __init__(self, path: str | os.PathLike[str], line: int) -> None:
        super().__init__(path, "not UTF-8 text", errno.EILSEQ)
        self.line = line


def reason(exc: BaseException) -> str:
    """A sentence for ``skipped[]`` / ``errors[]`` about why a path was not read."""
    if isinstance(exc, Refused):
        return exc.reason
    if isinstance(exc, OSError):
        return f"cannot read: {exc.strerror or exc}"
    return f"cannot read: {exc}"


def _inside(real: str, real_base: str) -> bool:
    if real == real_base:
        return True
    prefix = real_base if real_base.endswith(os.sep) else real_base + os.sep
    return real.startswith(prefix)


def _joined(path: str | os.PathLike[str], base: str | os.PathLike[str]) -> str:
    return os.path.join(os.fspath(base), os.fspath(path))  # an absolute path stays itself


def locate(path: str | os.PathLike[str], base: str | os.PathLike[str]) -> str:
    """The real location of ``path`` (absolute, or relative to ``base``), or
    :class:`Refused` when it is not ``base``'s real location or below it."""
    full = _joined(path, base)
    real = os.path.realpath(full)
    if not _inside(real, os.path.realpath(base)):
        raise Refused(full, OUTSIDE)
    return real


def _kind_of(mode: int) -> Kind:
    return "file" if stat.S_ISREG(mode) else "dir" if stat.S_ISDIR(mode) else "other"


def kind(path: str | os.PathLike[str], base: str | os.PathLike[str]) -> Kind:
    """What ``path`` is once resolved inside ``base``: ``outside`` for a link out."""
    try:
        real = locate(path, base)
    except Refused:
        return "outside"
    try:
        return _kind_of(os.stat(real).st_mode)
    except (OSError, ValueError):
        return "missing"


def is_file(path: str | os.PathLike[str], base: str | os.PathLike[str]) -> bool:
    """A regular file, inside ``base`` (through links that stay inside)."""
    return kind(path, base) == "file"


def is_dir(path: str | os.PathLike[str], base: str | os.PathLike[str]) -> bool:
    """A directory, inside ``base`` (through links that stay inside)."""
    return kind(path, base) == "dir"


def exists(path: str | os.PathLike[str], base: str | os.PathLike[str]) -> bool:
    """Something (file, directory or other) inside ``base``."""
    return kind(path, base) not in ("outside", "missing")


def _open(real: str, shown: str) -> int:
    try:
        before = os.lstat(real)
    except ValueError:  # a NUL byte in the name
        raise Refused(shown, "cannot read: invalid name") from None
    if not stat.S_ISREG(before.st_mode):
        raise Refused(shown, NOT_REGULAR)
    try:
        fd = os.open(real, _FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Refused(shown, "a symlink appeared while it was read") from None
        raise
    after = os.fstat(fd)
    if not stat.S_ISREG(after.st_mode) or (after.st_dev, after.st_ino) != (
        before.st_dev,
        before.st_ino,
    ):
        os.close(fd)
        raise Refused(shown, NOT_REGULAR)
    return fd


def read_bytes(
    path: str | os.PathLike[str],
    base: str | os.PathLike[str],
    limit: int | None = DEFAULT_LIMIT,
) -> bytes:
    """The bytes of a regular file inside ``base``; :class:`Refused` for a link out,
    a file that is not regular, or one above ``limit`` bytes (None: no limit)."""
    shown = _joined(path, base)
    fd = _open(locate(path, base), shown)
    try:
        size = os.fstat(fd).st_size
        if limit is not None and size > limit:
            raise Refused(shown, f"{size} bytes: larger than {limit} bytes, not read", errno.EFBIG)
        data = _read(fd, None if limit is None else limit + 1)
        if limit is not None and len(data) > limit:
            raise Refused(shown, f"larger than {limit} bytes, not read", errno.EFBIG)
        return data
    finally:
        os.close(fd)


def _read(fd: int, count: int | None) -> bytes:
    """At most ``count`` bytes (None: all) from ``fd``, a megabyte at a time."""
    chunks: list[bytes] = []
    total = 0
    while count is None or total < count:
        chunk = os.read(fd, 1 << 20 if count is None else min(1 << 20, count - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def open_binary(path: str | os.PathLike[str], base: str | os.PathLike[str]) -> BinaryIO:
    """A regular file inside ``base``, open for reading in binary (the caller closes
    it; ``with fs.open_binary(...) as handle``)."""
    return os.fdopen(_open(locate(path, base), _joined(path, base)), "rb")


def read_head(path: str | os.PathLike[str], base: str | os.PathLike[str], count: int) -> bytes:
    """At most the first ``count`` bytes of a regular file inside ``base``."""
    fd = _open(locate(path, base), _joined(path, base))
    try:
        return _read(fd, count)
    finally:
        os.close(fd)


def decode(data: bytes, path: str | os.PathLike[str], encoding: str = "utf-8-sig") -> str:
    """``data`` as text, or :class:`Undecodable` with the line of the first bad byte."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise Undecodable(path, data[: exc.start].count(b"\n") + 1) from None


def read_text(
    path: str | os.PathLike[str],
    base: str | os.PathLike[str],
    limit: int | None = DEFAULT_LIMIT,
    *,
    errors: str = "strict",
) -> str:
    """A regular file's text (UTF-8, a BOM dropped); ``errors="replace"`` never
    raises :class:`Undecodable`."""
    data = read_bytes(path, base, limit)
    if errors != "strict":
        return data.decode("utf-8-sig", errors=errors)
    return decode(data, _joined(path, base))


@dataclass(frozen=True)
class Entry:
    """One name in a listed directory. ``path`` is the directory's path joined with
    the name (not resolved); ``kind`` is what it is once resolved inside the base
    (``outside`` for a link out, ``missing`` for a broken link); ``link`` tells that
    the name itself is a symbolic link."""

    name: str
    path: Path
    kind: Kind
    link: bool

    @property
    def is_file(self) -> bool:
        return self.kind == "file"

    @property
    def is_dir(self) -> bool:
        return self.kind == "dir"


def entries(directory: str | os.PathLike[str], base: str | os.PathLike[str]) -> list[Entry]:
    """The entries of a directory inside ``base``, sorted by name; :class:`Refused`
    when the directory is a link out (nothing of it is listed), ``OSError`` when it
    cannot be listed."""
    shown = Path(_joined(directory, base))
    real = locate(directory, base)
    if not os.path.isdir(real):
        raise Refused(shown, "not a directory", errno.ENOTDIR)
    out: list[Entry] = []
    with os.scandir(real) as listing:
        for item in listing:
            link = item.is_symlink()
            # a link: where it leads, inside the base; else the entry itself (from the
            # directory listing's own type, without a stat per entry)
            what: Kind
            if link:
                what = kind(item.path, base)
            elif item.is_dir(follow_symlinks=False):
                what = "dir"
            else:
                what = "file" if item.is_file(follow_symlinks=False) else "other"
            out.append(Entry(item.name, shown / item.name, what, link))
    out.sort(key=lambda e: e.name)
    return out


def list_dir(directory: str | os.PathLike[str], base: str | os.PathLike[str]) -> list[Entry]:
    """:func:`entries`, or nothing when the directory cannot be listed (missing, a
    link out, not a directory, unreadable)."""
    try:
        return entries(directory, base)
    except (OSError, ValueError):
        return []


def glob_escape(text: str) -> str:
    """``text`` as a :func:`glob` pattern part that matches only itself (a package name
    holding ``*``, ``?`` or ``[``)."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def glob(
    directory: str | os.PathLike[str], pattern: str, base: str | os.PathLike[str]
) -> list[Path]:
    """The paths below ``directory`` matching ``pattern`` (``/``-separated parts, each
    an ``fnmatch`` pattern, so ``*`` never crosses a ``/``; no ``**``), sorted; links
    out and unlistable directories are left out. For licensetier's own patterns (where
    package managers install); the globs users write are
    :class:`licensetier.paths.Globs`."""
    parts = [p for p in pattern.split("/") if p]

    def walk(at: Path, rest: list[str]) -> Iterator[Path]:
        for entry in list_dir(at, base):
            if not fnmatch.fnmatchcase(entry.name, rest[0]):
                continue
            if len(rest) == 1:
                if entry.kind in ("file", "dir"):
                    yield entry.path
            elif entry.kind == "dir":
                yield from walk(entry.path, rest[1:])

    return sorted(walk(Path(_joined(directory, base)), parts)) if parts else []
