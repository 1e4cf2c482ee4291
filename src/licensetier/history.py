"""A repository's own license timeline, from git (``licensetier history``).

Each change of an artifact's declared license: a license file (the names of
:func:`licensetier.paths.is_license_file_name`), a manifest's license field or a model
card's ``license:`` (the files of the routing table that declare,
:func:`licensetier.readers.routes.is_declaring`), directly in one of the artifact
directories asked about (the repository's top by default).

How it stays fast on long histories:

1. one ``git log --raw`` limited by pathspecs to those file names
   (:func:`licensetier.vcs.log_changes`): only the commits that touch them are read,
   each change with its old and new blob ids, so a change is judged on its own (no
   state carried through a branchy history);
2. each distinct blob is judged once, by blob id: from the detection cache (license
   texts: the same entries a scan keeps; manifests: their declared license, under
   :data:`CACHE_NAMESPACE`), else its content is read through one ``git cat-file
   --batch`` (sizes checked first, :data:`MAX_TEXT_BYTES`), license texts detected by
   the scan's own detect stage (:class:`licensetier.detect.files.FileDetector`: the
   first pass and ScanCode's fast path), manifests read by their readers
   (:func:`licensetier.declared.read_declared`) from a private copy of the blob;
3. an old blob's problem (a manifest that does not parse, a binary license file, a
   blob too large) is a message naming the commit and the file; the run goes on.

Nothing the repository holds is run: every git call goes through :mod:`licensetier.vcs`.
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from licensetier import vcs
from licensetier.declared import MAX_LICENSE_FILE_BYTES, all_of, read_declared, spdx_or_none
from licensetier.errors import LicensetierError
from licensetier.models import DeclaredLicense, Family, FileResult, ScanError
from licensetier.paths import is_license_file_name
from licensetier.readers.routes import ROUTES, is_declaring, plain_name

if TYPE_CHECKING:
    from licensetier.detect.files import FileDetector
    from licensetier.license_db import LicenseDB

CACHE_NAMESPACE = "history/1"  # + the license data's and ScanCode's versions
MAX_TEXT_BYTES = 1024 * 1024  # a license file or a model card read from history
MAX_MANIFEST_BYTES = 5 * 1024 * 1024  # a manifest read from history

# a license as its text states it: a BUSL's Change Date is never reached
STATED_ON = dt.date(1970, 1, 1)

OPEN = frozenset({Family.PERMISSIVE, Family.COPYLEFT})
CLOSED = frozenset({Family.SOURCE_AVAILABLE, Family.CUSTOM, Family.PROPRIETARY})

LICENSE_FILE, MANIFEST, MODEL_CARD = "license-file", "manifest", "model-card"

# git glob pathspecs (case-insensitive) that hold every license file name
_LICENSE_GLOBS = ("*licen[cs]e*", "*copying*")


class NotARepository(vcs.GitError):
    """The path is not in a git work tree."""


@dataclass(frozen=True)
class Stated:
    """What one blob states: a license expression (ScanCode keys and SPDX), its
    family, or why nothing could be read."""

    keys: str | None = None
    spdx: str | None = None
    family: Family | None = None
    problem: str | None = None

    @property
    def shown(self) -> str:
        return self.spdx or self.keys or "none"

    def as_json(self) -> dict[str, Any]:
        return {
            "expression": self.spdx or self.keys,
            "scancode": self.keys,
            "family": self.family.value if self.family else None,
        }


NOTHING = Stated()


@dataclass(frozen=True)
class Event:
    """One change of a file's stated license, in one commit."""

    commit: vcs.Commit
    kind: str  # "added", "changed", "removed", "renamed"
    path: str
    file_kind: str  # LICENSE_FILE, MANIFEST, MODEL_CARD
    old: Stated | None
    new: Stated | None
    old_path: str | None = None  # a rename's or a replacement's former path
    warning: str | None = None


@dataclass(frozen=True)
class Problem:
    commit: vcs.Commit
    path: str
    message: str


@dataclass
class History:
    repository: str
    directories: list[str]
    events: list[Event] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    commits: int = 0  # commits that touched a watched file
    blobs: int = 0  # distinct blobs judged
    cached: int = 0  # of which answered from the cache
    seconds: float = 0.0

    @property
    def warnings(self) -> list[Event]:
        return [e for e in self.events if e.warning]


# -- which files -----------------------------------------------------------------------


def file_kind(name: str) -> str | None:
    """LICENSE_FILE, MANIFEST or MODEL_CARD for a file name that states a license."""
    if is_license_file_name(name):
        return LICENSE_FILE
    if is_declaring(name):
        return MODEL_CARD if _reader_of(name).endswith(".model_card") else MANIFEST
    return None


def _reader_of(name: str) -> str:
    for row in ROUTES:
        if row.declares and re.fullmatch(row.pattern, name):
            return row.reader
    return ""


def _globs_of(pattern: str) -> list[str]:
    """git glob patterns for a routing-table row's name pattern: ``.+\\.gemspec`` ->
    ``*.gemspec``; an optional group gives two (``build\\.gradle(?:\\.kts)?``)."""
    optional = re.search(r"\(\?:([^()]*)\)\?", pattern)
    if optional:
        with_it = pattern[: optional.start()] + optional[1] + pattern[optional.end() :]
        without = pattern[: optional.start()] + pattern[optional.end() :]
        return _globs_of(with_it) + _globs_of(without)
    glob = pattern.replace(".+", "*").replace(".*", "*")
    return [re.sub(r"\\(.)", r"\1", glob)]


def pathspecs(directories: Sequence[str]) -> list[str]:
    """The pathspecs of the files that state a license directly in ``directories``
    (``""`` for the top, else ``a/b/``); the names are checked again in Python."""
    specs: list[str] = []
    for directory in directories:
        specs.extend(vcs.glob_pathspec(directory, g, icase=True) for g in _LICENSE_GLOBS)
        for row in ROUTES:
            if not row.declares:
                continue
            name = plain_name(row.pattern)
            if name is not None:
                specs.append(vcs.literal_pathspec(directory + name))
            else:
                specs.extend(vcs.glob_pathspec(directory, g) for g in _globs_of(row.pattern))
    return list(dict.fromkeys(specs))


def _watched(path: str, directories: frozenset[str]) -> str | None:
    directory, name = posixpath.split(path)
    if (directory + "/" if directory else "") not in directories:
        return None
    return file_kind(name)


# -- judging blobs -----------------------------------------------------------------------


@dataclass
class Judge:
    """Judges blobs by id: the detection cache first, then the content."""

    repo: vcs.Repository
    db: LicenseDB
    detector: FileDetector
    workdir: Path
    stated: dict[tuple[str, str], Stated] = field(default_factory=dict)
    cached: int = 0
    namespace: str = CACHE_NAMESPACE

    def __post_init__(self) -> None:
        from licensetier.detect.engine import scancode_version

        # a family or a detection may change with the license data or ScanCode
        self.namespace = f"{CACHE_NAMESPACE}/{self.db.version}/{scancode_version()}"

    def judge(self, wanted: dict[tuple[str, str], str]) -> None:
        """``(blob, file name) -> kind`` of the blobs to judge; the answers go to
        :attr:`stated`."""
        cache = self.detector.cache
        to_read: dict[tuple[str, str], str] = {}
        for key, kind in wanted.items():
            if key in self.stated:
                continue
            value = cache.get_value(self.namespace, f"{key[0]}:{key[1]}") if cache else None
            if isinstance(value, dict):
                self.stated[key] = self._from_json(value)
                self.cached += 1
            else:
                to_read[key] = kind
        contents = self._read(to_read)
        self._manifests({k: v for k, v in to_read.items() if v != LICENSE_FILE}, contents)
        self._texts([k for k, v in to_read.items() if v == LICENSE_FILE], contents)
        if cache is not None:
            for key in to_read:
                cache.put_value(
                    self.namespace, f"{key[0]}:{key[1]}", self._to_json(self.stated[key])
                )
            cache.flush()

    def _read(self, wanted: dict[tuple[str, str], str]) -> dict[str, bytes]:
        """The contents of the blobs to read, bounded; a blob too large, missing or not
        a blob is answered here with its problem."""
        sizes = vcs.blob_sizes(self.repo, {b for b, _ in wanted})
        readable: set[str] = set()
        for (blob, name), kind in wanted.items():
            size = sizes.get(blob)
            cap = MAX_MANIFEST_BYTES if kind == MANIFEST else MAX_TEXT_BYTES
            if size is None:
                self.stated[(blob, name)] = Stated(problem="blob missing from the repository")
            elif size > cap:
                self.stated[(blob, name)] = Stated(
                    problem=f"{size} bytes, larger than the {cap} bytes read: not read"
                )
            else:
                readable.add(blob)
        return {
            blob: data for blob, data in vcs.read_blobs(self.repo, readable) if data is not None
        }

    def _write(self, blob: str, name: str, data: bytes, where: str) -> Path:
        directory = self.workdir / where / blob
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / name
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
        with os.fdopen(os.open(target, flags, 0o600), "wb") as out:
            out.write(data)
        return target

    def _texts(self, keys: Sequence[tuple[str, str]], contents: dict[str, bytes]) -> None:
        from licensetier.walk import WalkedFile

        files: list[WalkedFile] = []
        for blob, name in keys:
            if (blob, name) in self.stated:
                continue  # too large, missing
            data = contents.get(blob)
            filename = str(self.workdir / "t" / blob / name)
            if data is not None:
                try:
                    filename = str(self._write(blob, name, data, "t"))
                except OSError as exc:  # a name longer than the system allows...
                    self.stated[(blob, name)] = Stated(problem=f"not read: {_reason(exc)}")
                    continue
            files.append(WalkedFile(f"{blob}/{name}", filename, len(data or b""), blob))
        if not files:
            return
        from licensetier.detect.corrections import correct

        detected = self.detector.detect(files)
        errors: list[ScanError] = []
        results = correct(detected.results, self.workdir / "t", self.db, errors)
        for skipped in detected.skipped:
            blob, _, name = skipped.path.partition("/")
            self.stated[(blob, name)] = Stated(problem=skipped.reason)
        for error in detected.errors:
            blob, _, name = error.path.partition("/")
            self.stated[(blob, name)] = Stated(problem=error.message)
        for result in results:
            blob, _, name = result.path.partition("/")
            if (blob, name) not in self.stated:
                decided = self._decided(result, contents.get(blob))
                spdx = spdx_or_none(decided, self.db)
                self.stated[(blob, name)] = self._classified(decided, spdx)
        for item in files:
            blob, _, name = item.path.partition("/")
            self.stated.setdefault((blob, name), NOTHING)

    def _manifests(self, wanted: dict[tuple[str, str], str], contents: dict[str, bytes]) -> None:
        for blob, name in wanted:
            if (blob, name) in self.stated:
                continue
            data = contents.get(blob)
            if data is None:
                self.stated[(blob, name)] = Stated(problem="blob missing from the repository")
                continue
            try:
                directory = self._write(blob, name, data, "m").parent
            except OSError as exc:
                self.stated[(blob, name)] = Stated(problem=f"not read: {_reason(exc)}")
                continue
            declared, errors = read_declared(directory, ".", self.db, self._detect_text)
            problems = [
                f"line {e.line}: {e.message}" if e.line else e.message
                for e in errors
                if not _license_file_reference(e.message)
            ]
            expression = all_of(d.license for d in declared if d.license)
            stated = self._classified(expression, spdx_or_none(expression, self.db))
            if problems:
                stated = Stated(stated.keys, stated.spdx, stated.family, "; ".join(problems))
            self.stated[(blob, name)] = stated

    def _decided(self, result: FileResult, data: bytes | None) -> str | None:
        """The license a license file declares, as a scan's reasoning reads it alone
        (clues set aside, a stated choice as OR, a BUSL as BUSL whatever its Change
        Date); ScanCode's expression when the reasoning cannot say."""
        from licensetier.reasoning import decide

        if not result.detections:
            return result.license
        statement = DeclaredLicense(
            source=result.path,
            field="file",
            license=result.license,
            license_spdx=result.license_spdx,
            raw=result.license_spdx or "",
            score=min(d.score for d in result.detections),
        )
        text = data[:MAX_LICENSE_FILE_BYTES].decode("utf-8", "replace") if data else None
        try:
            decision = decide(
                [statement],
                {result.path: result},
                {result.path: text} if text is not None else {},
                self.db,
                today=STATED_ON,
                detect_text=self._detect_text,
            )
        except LicensetierError:
            return result.license
        return decision.license or result.license

    def _detect_text(self, text: str) -> tuple[str | None, float]:
        return self.detector.engine.detect_text(text)

    def _classified(self, keys: str | None, spdx: str | None) -> Stated:
        if not keys:
            return NOTHING
        try:
            family = self.db.classify(keys).family
        except Exception:  # an expression licensetier cannot parse: unknown
            family = Family.UNKNOWN
        return Stated(keys, spdx, family)

    @staticmethod
    def _to_json(stated: Stated) -> dict[str, Any]:
        return {
            "keys": stated.keys,
            "spdx": stated.spdx,
            "family": stated.family.value if stated.family else None,
            "problem": stated.problem,
        }

    @staticmethod
    def _from_json(value: dict[str, Any]) -> Stated:
        family = value.get("family")
        return Stated(
            value.get("keys"),
            value.get("spdx"),
            Family(family) if family in {f.value for f in Family} else None,
            value.get("problem"),
        )


def _reason(exc: OSError) -> str:
    return str(exc.strerror or exc)


def _license_file_reference(message: str) -> bool:
    """A manifest's ``SEE LICENSE IN <file>``: the file is not beside the blob's copy
    (it has its own timeline when it is a license file)."""
    return "license file" in message and "not found" in message


# -- the timeline -----------------------------------------------------------------------


def _warning(old: Stated | None, new: Stated | None) -> str | None:
    if old is None or new is None or old.family not in OPEN or new.family not in CLOSED:
        return None
    assert old.family is not None
    assert new.family is not None
    return (
        f"the license moved from open ({old.family.value}) to {new.family.value}: "
        f"{old.shown} -> {new.shown}"
    )


def _states(stated: Stated | None) -> bool:
    return stated is not None and stated.keys is not None


def _events_of(
    commit: vcs.Commit,
    directories: frozenset[str],
    stated: dict[tuple[str, str], Stated],
) -> list[Event]:
    events: list[Event] = []
    for change in commit.changes:
        kind = _watched(change.path, directories)
        old_kind = _watched(change.old_path, directories)
        old = _side(change.old_blob, change.old_mode, change.old_path, stated, old_kind)
        new = _side(change.new_blob, change.new_mode, change.path, stated, kind)
        if change.status == "D":
            new, kind = None, old_kind
        elif change.status == "C" or old_kind is None:
            old = None
        if kind is None and old_kind is None:
            continue
        if kind is None:  # moved out of the watched names: a removal of the old path
            event = _event(commit, old_kind or MANIFEST, change.old_path, old, None)
        elif new is None and change.status == "D":
            event = _event(commit, kind, change.old_path, old, None)
        else:
            moved = change.old_path if change.old_path != change.path and old is not None else None
            event = _event(commit, kind, change.path, old, new, moved)
        if event is not None:
            events.append(event)
    return _paired(events)


def _side(
    blob: str | None,
    mode: str,
    path: str,
    stated: dict[tuple[str, str], Stated],
    kind: str | None,
) -> Stated | None:
    if blob is None or kind is None:
        return None
    if not mode.startswith("100"):
        return Stated(problem=f"not a regular file in git (mode {mode}): not read")
    return stated.get((blob, posixpath.basename(path)), NOTHING)


def _event(
    commit: vcs.Commit,
    kind: str,
    path: str,
    old: Stated | None,
    new: Stated | None,
    moved: str | None = None,
) -> Event | None:
    text = kind == LICENSE_FILE  # a license file is an event even when nothing is detected
    if old is None and new is None:
        return None
    if old is None:
        if not (text or _states(new)):
            return None
        return Event(commit, "added", path, kind, None, new)
    if new is None:
        if not (text or _states(old)):
            return None
        return Event(commit, "removed", path, kind, old, None)
    if (old.keys, old.spdx) == (new.keys, new.spdx):
        if moved is None or not (text or _states(new)):
            return None
        return Event(commit, "renamed", path, kind, old, new, moved)
    if not _states(old) and not _states(new):
        return None
    if not _states(old):
        return Event(commit, "added", path, kind, None, new, moved)
    if not _states(new):
        return Event(commit, "removed", path, kind, old, None, moved)
    return Event(commit, "changed", path, kind, old, new, moved, _warning(old, new))


def _paired(events: list[Event]) -> list[Event]:
    """A license file removed and another added in the same directory by one commit
    (``COPYING`` replaced by ``LICENSE.txt``): one change."""
    removed = {
        posixpath.dirname(e.path): e
        for e in events
        if e.kind == "removed" and e.file_kind == LICENSE_FILE
    }
    out: list[Event] = []
    used: set[int] = set()
    for event in events:
        gone = removed.get(posixpath.dirname(event.path))
        if (
            event.kind == "added"
            and event.file_kind == LICENSE_FILE
            and gone
            and id(gone) not in used
        ):
            used.add(id(gone))
            out.append(
                Event(
                    event.commit,
                    "changed",
                    event.path,
                    LICENSE_FILE,
                    gone.old,
                    event.new,
                    gone.path,
                    _warning(gone.old, event.new),
                )
            )
        else:
            out.append(event)
    return [e for e in out if id(e) not in used]


# -- the whole run ------------------------------------------------------------------------


def directories_of(repo: vcs.Repository, paths: Iterable[Path]) -> list[str]:
    """Each path as a directory of the repository (``""`` for the top, else ``a/b/``)."""
    out: list[str] = []
    for path in paths:
        try:
            rel = path.resolve().relative_to(repo.work_tree).as_posix()
        except ValueError:
            raise vcs.GitError(f"{path} is not inside the repository at {repo.work_tree}") from None
        out.append("" if rel == "." else rel + "/")
    return list(dict.fromkeys(out))


def open_repository(path: Path) -> vcs.Repository:
    repo = vcs.find_repository(path)
    if repo is None:
        raise NotARepository(f"{path} is not in a git repository: the history is read from git")
    return repo


def history(
    repo: vcs.Repository,
    directories: Sequence[str],
    db: LicenseDB,
    detector: FileDetector,
    *,
    revisions: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> History:
    """The license timeline of the files that state a license directly in
    ``directories`` (see :func:`directories_of`)."""
    started = time.monotonic()
    watched = frozenset(directories)
    for revision in revisions:
        for end in re.split(r"\.\.\.?", revision.removeprefix("^")):
            if end:
                vcs.resolve_commit(repo, end)
    commits = vcs.log_changes(
        repo, pathspecs(directories), revisions=revisions, since=since, until=until
    )
    commits = [
        vcs.Commit(
            c.id,
            c.short,
            c.author_date,
            c.committer_date,
            c.author,
            c.email,
            c.subject,
            tuple(
                ch
                for ch in c.changes
                if _watched(ch.path, watched) or _watched(ch.old_path, watched)
            ),
        )
        for c in commits
    ]
    commits = [c for c in commits if c.changes]
    wanted: dict[tuple[str, str], str] = {}
    for commit in commits:
        for change in commit.changes:
            for blob, path, mode in (
                (change.old_blob, change.old_path, change.old_mode),
                (change.new_blob, change.path, change.new_mode),
            ):
                kind = _watched(path, watched)
                if blob and kind and mode.startswith("100"):
                    wanted[(blob, posixpath.basename(path))] = kind
    if progress:
        progress(f"{len(commits)} commits, {len(wanted)} file versions to judge")
    with tempfile.TemporaryDirectory(prefix="licensetier-history-") as workdir:
        judge = Judge(repo, db, detector, Path(workdir))
        judge.judge(wanted)
    result = History(str(repo.work_tree), list(directories), commits=len(commits))
    result.blobs, result.cached = len(wanted), judge.cached
    reported: set[tuple[str, str]] = set()
    for commit in commits:
        result.events.extend(_events_of(commit, watched, judge.stated))
        for change in commit.changes:
            if change.new_blob is None or not _watched(change.path, watched):
                continue
            key = (change.new_blob, posixpath.basename(change.path))
            found = judge.stated.get(key)
            if not change.new_mode.startswith("100"):  # a symbolic link, a submodule
                found = _side(change.new_blob, change.new_mode, change.path, {}, "")
            if found is not None and found.problem and key not in reported:
                reported.add(key)
                result.problems.append(Problem(commit, change.path, found.problem))
    result.seconds = time.monotonic() - started
    return result
