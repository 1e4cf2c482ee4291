"""Git, behind a small interface, every git process through one hardened runner.

licensetier scans repositories it must not trust, and a repository's own configuration
(``.git/config``, the files it includes, ``.gitattributes``) can make git run programs
(``core.fsmonitor``, clean/smudge/process filters, textconv, external diff, hooks, pager,
ssh) and look at another directory (``core.worktree``). So:

- the repository is found here, not by git's discovery: walk up from the path to the
  first ``.git`` entry (a directory, or a ``gitdir:`` file), and pass ``GIT_DIR`` and
  ``GIT_WORK_TREE`` to every call (``core.worktree`` is never followed);
- git's own ``safe.directory`` check is kept: before anything else, git's discovery is
  run once from the top of the work tree, and a repository git refuses (dubious
  ownership) is an error that says what to do (:class:`GitError`), never overridden;
- every call goes through :func:`_run` / :func:`_start` with the environment of
  :meth:`Repository.environment`: the neutralised configuration (:data:`NEUTRALISED`,
  plus each filter and diff driver the configuration defines, emptied), no pager, no
  prompt, no network protocol, no optional locks, literal pathspecs, C messages;
- contents are read as stored (``git cat-file --batch``), never through filters, and
  written to a view as regular files only (:func:`write_blobs`).

Every path git prints is read from ``-z`` output and decoded with :func:`os.fsdecode`,
so a name that is not UTF-8 maps back to the file's real bytes.

GitPython was used here before and is not any more (nor declared): its ``Repo``
discovery follows ``core.worktree`` and reads the configuration itself, and its command
wrapper decodes output as text and sets an environment of its own; the runner needs the
bytes, the environment and the process's stdin under its own control, which plain
:mod:`subprocess` gives in a few lines.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from licensetier.errors import LicensetierError
from licensetier.models import SkippedFile


class GitError(LicensetierError):
    """A git operation licensetier needs failed, git refuses the repository, or the path
    is not in a git work tree; the message says which, why and what to do."""


# What a repository's configuration could make git run or read, set for every call at
# the command scope (which wins over the system, global, repository and worktree ones).
# Keys that none of the commands licensetier runs (ls-files, ls-tree, diff --cached
# --name-only, cat-file --batch, rev-parse, config) ever consults are not listed:
# core.alternateRefsCommand (fetch and receive-pack only), uploadpack.packObjectsHook
# (upload-pack only, and only from protected configuration), merge.<driver>.driver,
# core.editor / sequence.editor, gpg.program (signatures: log, verify-*), remote helpers.
NEUTRALISED: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),  # a hook program run by every index refresh
    ("core.hooksPath", os.devnull),  # no hook can be found below /dev/null
    ("core.pager", "cat"),
    ("core.sshCommand", "false"),
    ("core.askPass", ""),
    ("credential.helper", ""),  # an empty value clears the list of helpers
    ("diff.external", ""),
    ("protocol.allow", "never"),
    ("gc.auto", "0"),  # no auto-gc, so no pre-auto-gc hook, whatever a command does
    ("maintenance.auto", "false"),
    ("log.showSignature", "false"),  # would run gpg.program
    ("safe.bareRepository", "explicit"),  # discovery never takes a folder for a git dir
)

# Per driver name that the configuration defines: an empty command is no filter (git's
# convert.c runs a filter only when its command is non-empty), and a missing required
# filter would fail the read.
_FILTER_KEYS = (("clean", ""), ("smudge", ""), ("process", ""), ("required", "false"))
_DIFF_KEYS = (("textconv", ""), ("command", ""))

_DRIVERS = re.compile(r"^(filter|diff)\.(.+)\.([^.]+)$", re.DOTALL)

# Inherited variables that choose another repository or name a program to run; the
# user's own GIT_CONFIG_PARAMETERS (``git -c``) go too, because they would come after,
# and so win over, the neutralised values.
_DROPPED_ENV = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_COMMON_DIR",
        "GIT_PREFIX",
        "GIT_CEILING_DIRECTORIES",
        "GIT_DISCOVERY_ACROSS_FILESYSTEM",
        "GIT_EXTERNAL_DIFF",
        "GIT_DIFF_OPTS",
        "GIT_SSH",
        "GIT_ASKPASS",
        "SSH_ASKPASS",
        "GIT_EDITOR",
        "GIT_SEQUENCE_EDITOR",
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT",
        "LANGUAGE",
    }
)

_FIXED_ENV = {
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",  # a scan never writes the index
    "GIT_ALLOW_PROTOCOL": "",  # no transport at all (none is used)
    "GIT_PROTOCOL_FROM_USER": "0",
    "GIT_SSH_COMMAND": "false",
    "GIT_LITERAL_PATHSPECS": "1",  # a directory named '*' or ':(glob)x' is just a name
    "GIT_NO_REPLACE_OBJECTS": "1",  # blob ids and contents exactly as stored
    "GIT_NO_LAZY_FETCH": "1",  # a partial clone's missing blob is missing (git >= 2.44)
    "LC_ALL": "C",  # git's messages in English: the warnings are parsed
}

MAX_GITFILE = 4096  # bytes of a `.git` file read for its `gitdir:` line


@dataclass(frozen=True)
class Entry:
    """One file of git's index or of a commit's tree."""

    mode: str  # "100644", "100755", "120000" (symlink), "160000" (submodule)
    blob: str


SYMLINK = "120000"
SUBMODULE = "160000"


@dataclass(frozen=True)
class Listing:
    """The files of the work tree below a directory, as git lists them."""

    files: list[tuple[str, str | None]]  # (path relative to the directory, blob id)
    skipped: list[SkippedFile] = field(default_factory=list)  # what git could not list
    warnings: list[str] = field(default_factory=list)  # git's other warnings


@dataclass(frozen=True)
class Repository:
    """A git work tree and its git directory, with the configuration overrides that
    every call carries."""

    work_tree: Path
    git_dir: Path
    overrides: tuple[tuple[str, str], ...] = NEUTRALISED

    def environment(self, *, discover: bool = False) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in _DROPPED_ENV and not k.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"))
        }
        env.update(_FIXED_ENV)
        if discover:  # git's own discovery, from the top only: safe.directory applies
            parent = self.work_tree.parent
            if parent != self.work_tree:
                env["GIT_CEILING_DIRECTORIES"] = os.fsdecode(parent)
        else:
            env["GIT_DIR"] = os.fsdecode(self.git_dir)
        env["GIT_WORK_TREE"] = os.fsdecode(self.work_tree)  # never core.worktree
        env["GIT_CONFIG_COUNT"] = str(len(self.overrides))
        for i, (key, value) in enumerate(self.overrides):
            env[f"GIT_CONFIG_KEY_{i}"] = key
            env[f"GIT_CONFIG_VALUE_{i}"] = value
        return env


# -- the runner ----------------------------------------------------------------------


def _command(args: Sequence[str]) -> list[str]:
    return ["git", "--no-pager", *args]


def _run(
    repo: Repository,
    *args: str,
    stdin: bytes | None = None,
    discover: bool = False,
    extra_env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run git on ``repo`` (the one way licensetier runs git), capturing its output."""
    try:
        return subprocess.run(
            _command(args),
            cwd=repo.work_tree,
            env={**repo.environment(discover=discover), **(extra_env or {})},
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            check=False,
        )
    except OSError as exc:
        raise GitError(f"git could not be run: {exc.strerror or exc}") from None


def _start(repo: Repository, *args: str, stderr: IO[bytes]) -> subprocess.Popen[bytes]:
    """Start git on ``repo`` with pipes to its standard input and output."""
    try:
        return subprocess.Popen(
            _command(args),
            cwd=repo.work_tree,
            env=repo.environment(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    except OSError as exc:
        raise GitError(f"git could not be run: {exc.strerror or exc}") from None


def _message(done: subprocess.CompletedProcess[bytes]) -> str:
    text = done.stderr.decode("utf-8", "backslashreplace").strip()
    lines = [line.removeprefix("fatal: ").removeprefix("error: ") for line in text.splitlines()]
    return "; ".join(line for line in lines if line) or f"exit status {done.returncode}"


def _failure(repo: Repository, what: str, done: subprocess.CompletedProcess[bytes]) -> GitError:
    """The error for a failed git call, with what to do when that is known."""
    message = f"{what} {repo.work_tree}: {_message(done)}"
    if "index file" in message:  # "index file smaller than expected", "bad signature"...
        message += (
            f". git's index is unreadable; rebuild it from HEAD with: rm {repo.git_dir}/index "
            f"&& git -C {repo.work_tree} reset"
        )
    return GitError(message)


def _output(repo: Repository, *args: str) -> bytes:
    done = _run(repo, *args)
    if done.returncode != 0:
        raise _failure(repo, f"git {args[0]} failed in", done)
    return done.stdout


def _names(output: bytes) -> list[str]:
    return [os.fsdecode(name) for name in output.split(b"\0") if name]


def _records(output: bytes) -> Iterator[tuple[list[str], bytes]]:
    """The ``<fields> TAB <path>`` records of ``ls-files --stage -z`` and ``ls-tree
    -z``: the space-separated fields and the path's raw bytes."""
    for record in output.split(b"\0"):
        if record:
            info, _, raw = record.partition(b"\t")
            yield info.decode("ascii").split(" "), raw


# -- finding the repository ----------------------------------------------------------


def _is_git_dir(path: Path) -> bool:
    """What git's is_git_directory() looks at: HEAD, and objects and refs (or a
    commondir file naming where they are, as a linked worktree's git directory has)."""
    if not (path / "HEAD").is_file():
        return False
    return (path / "commondir").is_file() or (
        (path / "objects").is_dir() and (path / "refs").is_dir()
    )


def _git_dir_of(entry: Path) -> Path | None:
    """The git directory that a ``.git`` entry stands for, if it is a valid one."""
    try:
        if entry.is_dir():
            return entry.resolve() if _is_git_dir(entry) else None
        if not entry.is_file():
            return None
        with entry.open("rb") as fh:
            first = fh.read(MAX_GITFILE).split(b"\n", 1)[0].rstrip(b"\r")
    except OSError:
        return None
    if not first.startswith(b"gitdir: "):
        return None
    target = entry.parent / os.fsdecode(first[len(b"gitdir: ") :])
    try:
        return target.resolve() if _is_git_dir(target) else None
    except OSError:
        return None


DUBIOUS_OWNERSHIP = "dubious ownership"


def find_repository(path: Path) -> Repository | None:
    """The git repository whose work tree holds ``path`` (a directory), or None outside
    git. Raises :class:`GitError` when there is one but git refuses to read it."""
    start = path.resolve()
    for directory in (start, *start.parents):
        git_dir = _git_dir_of(directory / ".git")
        if git_dir is not None:
            break
    else:
        return None
    repo = Repository(directory, git_dir)
    # git's own safe.directory check happens in its discovery, which an explicit
    # GIT_DIR skips: run the discovery once, from the top, and compare. Reading the
    # configuration runs nothing, so it goes side by side (its answer is only used
    # once git has accepted the repository).
    with ThreadPoolExecutor(max_workers=1) as pool:
        drivers = pool.submit(_driver_overrides, repo)
        found = _run(repo, "rev-parse", "--absolute-git-dir", discover=True)
        wait([drivers])
    if found.returncode != 0:
        message = _message(found)
        if DUBIOUS_OWNERSHIP in message:
            raise GitError(
                f"git refuses to read the repository at {directory}: it is owned by "
                "another user (git's 'dubious ownership' check, which licensetier keeps). "
                "If you trust this checkout, run: git config --global --add "
                f"safe.directory {directory}"
            )
        raise GitError(f"git cannot read the repository at {directory}: {message}")
    seen = os.fsdecode(found.stdout.rstrip(b"\n"))
    if Path(seen).resolve() != git_dir:
        raise GitError(
            f"git finds the repository of {directory} at {seen}, not at {git_dir}; "
            "licensetier does not guess which one to read"
        )
    return Repository(directory, git_dir, NEUTRALISED + drivers.result())


def _driver_overrides(repo: Repository) -> tuple[tuple[str, str], ...]:
    """Each filter and diff driver that some configuration file defines, emptied.
    Reading the configuration runs nothing."""
    done = _run(repo, "config", "-z", "--name-only", "--get-regexp", r"^(filter|diff)\.")
    if done.returncode == 1:  # no such key
        return ()
    if done.returncode != 0:
        raise GitError(f"git cannot read the configuration of {repo.work_tree}: {_message(done)}")
    drivers: dict[str, None] = {}
    for name in _names(done.stdout):
        if match := _DRIVERS.match(name):
            drivers[f"{match[1]}.{match[2]}"] = None
    overrides: list[tuple[str, str]] = []
    for driver in drivers:
        keys = _FILTER_KEYS if driver.startswith("filter.") else _DIFF_KEYS
        overrides.extend((f"{driver}.{key}", value) for key, value in keys)
    return tuple(overrides)


def _prefix(repo: Repository, under: Path) -> str:
    rel = under.resolve().relative_to(repo.work_tree).as_posix()
    return "" if rel == "." else rel + "/"


# -- the work tree -------------------------------------------------------------------

# git's warning for a directory it cannot read (a path longer than the OS allows, no
# permission): its files are not listed, and git still exits 0. git cuts its messages
# at 4096 bytes, so the warning for a path longer than PATH_MAX never holds the whole
# path: the last complete directory of it is reported.
_UNREADABLE_DIR = b"warning: could not open directory '"
_UNREADABLE_REASON = re.compile(rb"^(.*)': ([^']*)$")
_TOO_LONG = "a path below it is longer than the OS allows"


def _unreadable(line: bytes, prefix: str) -> SkippedFile | None:
    """The skipped entry for git's warning about a directory it could not open, or None
    for another warning (or one outside the listed directory)."""
    if not line.startswith(_UNREADABLE_DIR):
        return None
    rest = line[len(_UNREADABLE_DIR) :]
    if complete := _UNREADABLE_REASON.match(rest):
        path = os.fsdecode(complete[1]).rstrip("/")
        reason = complete[2].decode("utf-8", "backslashreplace")
    else:  # cut: keep the complete directories only
        path = os.fsdecode(rest.rpartition(b"/")[0])
        reason = _TOO_LONG
    if not (path + "/").startswith(prefix):
        return None
    return SkippedFile(
        path[len(prefix) :] or ".",
        f"directory git could not read ({reason}): the files below it are not listed",
    )


def listed_files(repo: Repository, under: Path) -> Listing:
    """Tracked files plus untracked files that are not ignored, below ``under``.

    Each path (POSIX, relative to ``under``) comes with the blob id that git's index
    holds for it when the file is tracked and unmodified in the work tree (git decides
    that from its own stat cache, or by hashing the file as stored: no filter runs),
    else None. Tracked files deleted from the work tree are listed as modified (no
    blob id); the walk leaves them out when it finds nothing to read. Directories git
    could not read are in ``skipped``.
    """
    prefix = _prefix(repo, under)
    spec = prefix.rstrip("/") or "."
    args = ("-z", "--full-name", "--", spec)
    # three independent listings, run side by side (they are most of a warm rescan)
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = [
            pool.submit(_run, repo, "ls-files", *options, *args)
            for options in (("--stage",), ("--others", "--exclude-standard"), ("--modified",))
        ]
        staged_run, others_run, modified_run = (f.result() for f in runs)
    for done in (staged_run, others_run, modified_run):
        if done.returncode != 0:
            raise _failure(repo, "git cannot list the files of", done)
    modified = set(modified_run.stdout.split(b"\0"))
    blobs: dict[str, str | None] = {}
    for (mode, blob, stage), raw in _records(staged_run.stdout):
        name = os.fsdecode(raw)
        usable = stage == "0" and mode != SUBMODULE and raw not in modified
        if name in blobs:  # an unmerged path: one entry per stage
            blobs[name] = None
        else:
            blobs[name] = blob if usable else None
    for name in _names(others_run.stdout):
        blobs.setdefault(name, None)
    skipped: list[SkippedFile] = []
    warnings: list[str] = []
    for done in (staged_run, others_run, modified_run):
        for line in done.stderr.splitlines():
            if line.startswith(_UNREADABLE_DIR):
                if (unread := _unreadable(line, prefix)) and unread not in skipped:
                    skipped.append(unread)
            elif line.strip():
                warnings.append(f"git: {line.decode('utf-8', 'backslashreplace').strip()}")
    files = [
        (name[len(prefix) :], blob)
        for name, blob in blobs.items()
        if not prefix or name.startswith(prefix)
    ]
    return Listing(files, skipped, warnings)


# -- the index and commits -----------------------------------------------------------


def staged_paths(repo: Repository, under: Path) -> list[str]:
    """The paths below ``under`` whose content in git's index differs from HEAD (added,
    copied, modified, renamed or changed type; not deleted), relative to ``under``."""
    prefix = _prefix(repo, under)
    if _run(repo, "rev-parse", "--verify", "--quiet", "HEAD").returncode == 0:
        listed = _output(
            repo,
            "diff",
            "--cached",
            "--name-only",
            "-z",
            "--no-renames",
            "--no-ext-diff",
            "--no-textconv",
            "--diff-filter=ACMT",
            "HEAD",
        )
    else:  # no commit yet: everything in the index is staged
        listed = _output(repo, "ls-files", "-z", "--cached")
    return [p[len(prefix) :] for p in _names(listed) if p.startswith(prefix)]


def index_entries(repo: Repository, under: Path) -> dict[str, Entry]:
    """Path (relative to ``under``) -> entry of every path in git's index (stage 0)."""
    prefix = _prefix(repo, under)
    entries: dict[str, Entry] = {}
    for (mode, blob, stage), raw in _records(_output(repo, "ls-files", "--stage", "-z")):
        name = os.fsdecode(raw)
        if stage == "0" and name.startswith(prefix):
            entries[name[len(prefix) :]] = Entry(mode, blob)
    return entries


def resolve_commit(repo: Repository, ref: str) -> str:
    """The commit id that ``ref`` names. Raises :class:`GitError` naming the ref when
    git does not know it."""
    done = (
        None
        if ref.startswith("-")
        else _run(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    )
    if done is None or done.returncode != 0:
        raise GitError(f"{ref!r} is not a commit of the repository at {repo.work_tree}")
    return done.stdout.decode("ascii").strip()


# -- fetching a missing base commit -------------------------------------------------

# A shallow checkout (actions/checkout's default: one commit) does not hold a pull
# request's base. It is fetched from the repository's ``origin``, one commit deep, with
# the runner's neutralised configuration and, for this one call, what a fetch could
# otherwise run: only the https, http and file transports (no ``ext::`` command, no ssh,
# no remote helper of ``remote.origin.vcs``), ``git-upload-pack`` as the local upload
# program (``--upload-pack``: git takes the first ``remote.origin.uploadpack`` it reads,
# the repository's before one given with -c), ``true`` as the alternates' refs command,
# no submodule fetched (a submodule's own configuration would apply), no tags, no gc.
FETCH_TRANSPORTS = "https:http:file"
FETCH_OVERRIDES: tuple[tuple[str, str], ...] = (
    ("core.alternateRefsCommand", "true"),
    ("fetch.recurseSubmodules", "false"),
    ("submodule.recurse", "false"),
    ("fetch.writeCommitGraph", "false"),
)
FETCH_DEPTH = 1
_COMMIT_ID = re.compile(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}")


def is_shallow(repo: Repository) -> bool:
    done = _run(repo, "rev-parse", "--is-shallow-repository")
    return done.returncode == 0 and done.stdout.strip() == b"true"


def _fetch(repo: Repository, refspec: str, depth: int) -> subprocess.CompletedProcess[bytes]:
    """``git fetch`` of ``refspec`` from ``origin``, ``depth`` commits deep, with the
    fetch's own overrides: no tags, submodules, gc or upload-pack of the repository's
    choosing, and only the transports :data:`FETCH_TRANSPORTS` allows."""
    fetching = Repository(repo.work_tree, repo.git_dir, repo.overrides + FETCH_OVERRIDES)
    return _run(
        fetching,
        "fetch",
        "--quiet",
        "--no-tags",
        "--no-recurse-submodules",
        "--no-auto-gc",
        "--upload-pack=git-upload-pack",
        f"--depth={depth}",
        "origin",
        refspec,
        extra_env={"GIT_ALLOW_PROTOCOL": FETCH_TRANSPORTS},
    )


def fetch_commit(repo: Repository, commit: str, *, depth: int = FETCH_DEPTH) -> str | None:
    """Fetch ``commit`` (a full commit id) from ``origin``, ``depth`` commits deep;
    None when it is there now, else what git said."""
    if not _COMMIT_ID.fullmatch(commit):
        return "only a full commit id is fetched"
    done = _fetch(repo, commit, depth)
    if done.returncode != 0:
        return _message(done)
    return None


# a branch or tag name a shallow checkout may lack, as a diff base names it: ``main``,
# ``origin/main``, ``refs/heads/main``, ``refs/remotes/origin/main``, ``refs/tags/v1``
_BRANCH_FORMS = ("refs/remotes/origin/", "refs/heads/", "origin/")


def _remote_ref(repo: Repository, ref: str) -> tuple[str, str] | None:
    """(what to fetch from origin, where to keep it) for a named ``ref``; None when it
    is not a name git accepts for a ref (so nothing is fetched for it)."""
    if ref.startswith("refs/tags/"):
        source = ref
        target = ref
    else:
        name = next((ref[len(f) :] for f in _BRANCH_FORMS if ref.startswith(f)), ref)
        source = f"refs/heads/{name}"
        target = f"refs/remotes/origin/{name}"
    # git's own rules for a ref's name (no "..", ":", "~", "^", spaces, leading "-"...)
    if ref.startswith("-"):
        return None
    done = _run(repo, "check-ref-format", source)
    return (source, target) if done.returncode == 0 else None


def fetch_ref(repo: Repository, ref: str, *, depth: int = FETCH_DEPTH) -> tuple[str | None, str]:
    """Fetch the branch or tag that ``ref`` names from ``origin``, ``depth`` commits
    deep, into its remote-tracking ref (a tag into itself): (its commit id, "") or
    (None, what went wrong)."""
    remote = _remote_ref(repo, ref)
    if remote is None:
        return None, "not a branch or tag name"
    source, target = remote
    done = _fetch(repo, f"+{source}:{target}", depth)
    if done.returncode != 0:
        return None, _message(done)
    return resolve_commit(repo, target), ""


def base_commit(repo: Repository, ref: str) -> str:
    """The commit id that ``ref`` names, fetched from ``origin`` first when a shallow
    checkout does not hold it: a full commit id, or a branch or tag name (``main``,
    ``origin/main``, ``refs/tags/v1``...). Raises :class:`GitError` naming the ref, and
    saying what to do, when there is none."""
    try:
        return resolve_commit(repo, ref)
    except GitError as missing:
        if not is_shallow(repo):
            raise
        if _COMMIT_ID.fullmatch(ref):
            problem = fetch_commit(repo, ref)
            if problem is None:
                return resolve_commit(repo, ref)
        else:
            commit, problem = fetch_ref(repo, ref)
            if commit is not None:
                return commit
        raise GitError(
            f"{missing}: the checkout is shallow (actions/checkout fetches one commit by "
            f"default) and fetching it from origin failed ({problem}). Check out the "
            "history: actions/checkout with `fetch-depth: 0`, or fetch the base first: "
            f"git fetch --depth=1 origin {ref}"
        ) from None


def tree_entries(
    repo: Repository, under: Path, commit: str, only: Sequence[str] = ()
) -> dict[str, Entry]:
    """Path (relative to ``under``) -> entry of every file, symlink and submodule in
    ``commit``'s tree; with ``only``, of those paths alone (git lists nothing else)."""
    prefix = _prefix(repo, under)
    spec = ["--", *(prefix + p for p in only)] if only else []  # literal: GIT_LITERAL_PATHSPECS
    entries: dict[str, Entry] = {}
    for (mode, _kind, blob), raw in _records(
        _output(repo, "ls-tree", "-r", "-z", "--full-tree", commit, *spec)
    ):
        name = os.fsdecode(raw)
        if name.startswith(prefix):
            entries[name[len(prefix) :]] = Entry(mode, blob)
    return entries


# -- writing a view ------------------------------------------------------------------


def _unsafe(path: str) -> str | None:
    """Why a path from git's index or a tree may not be written below a view, if so."""
    parts = path.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return "path leaves the scanned tree ('..', '.', an absolute or empty component)"
    if any(p.casefold() == ".git" for p in parts):
        return "path has a '.git' component"
    return None


def _not_written(path: str, entry: Entry) -> SkippedFile | None:
    if entry.mode == SYMLINK:
        return SkippedFile(path, "symlink in git (never followed, its target is not read)")
    if entry.mode == SUBMODULE:
        return SkippedFile(path, "git submodule (its files are not in this repository)")
    if not entry.mode.startswith("100"):
        return SkippedFile(path, f"not a regular file in git (mode {entry.mode})")
    if reason := _unsafe(path):
        return SkippedFile(path, reason)
    return None


def write_blobs(
    repo: Repository, entries: Mapping[str, Entry], target: Path
) -> tuple[dict[str, str], list[SkippedFile]]:
    """Write the stored content of each regular file of ``entries`` below ``target`` at
    its path, read with one streaming ``git cat-file --batch`` (no filter runs).
    Symlinks, submodules and paths that would leave ``target`` are not written.
    Returns the written paths with their blob ids, and the entries not written."""
    skipped: list[SkippedFile] = []
    wanted: list[tuple[str, Entry]] = []
    for path, entry in sorted(entries.items()):
        problem = _not_written(path, entry)
        if problem is None:
            wanted.append((path, entry))
        else:
            skipped.append(problem)
    written: dict[str, str] = {}
    if not wanted:
        return written, skipped
    with tempfile.TemporaryFile() as errors:
        process = _start(repo, "cat-file", "--batch", "--buffer", stderr=errors)
        assert process.stdin is not None
        assert process.stdout is not None
        feeder = threading.Thread(
            target=_feed, args=(process.stdin, (e.blob for _, e in wanted)), daemon=True
        )
        feeder.start()
        try:
            for path, entry in wanted:
                failure = _copy_one(process.stdout, entry.blob, target, path)
                if failure is None:
                    written[path] = entry.blob
                else:
                    skipped.append(SkippedFile(path, failure))
        finally:
            process.stdout.close()
            feeder.join()
            status = process.wait()
        if status != 0:
            errors.seek(0)
            message = errors.read().decode("utf-8", "backslashreplace").strip()
            raise GitError(f"git cat-file failed in {repo.work_tree}: {message or status}")
    return written, sorted(skipped, key=lambda s: s.path)


def _feed(stdin: IO[bytes], blobs: Iterable[str]) -> None:
    try:
        for blob in blobs:
            stdin.write(blob.encode("ascii") + b"\n")
        stdin.close()
    except (BrokenPipeError, ValueError):  # git ended early: the reader reports it
        pass


CHUNK = 1 << 20


def _copy_one(stream: IO[bytes], blob: str, target: Path, path: str) -> str | None:
    """Read one ``cat-file --batch`` answer and write it at ``target/path``; None, or
    why it was not written. The answer is always read to its end."""
    header = stream.readline()
    parts = header.split()
    if len(parts) != 3 or parts[1] != b"blob":
        if len(parts) == 2 and parts[1] == b"missing":
            return "git object missing from the repository"
        raise GitError(f"git cat-file answered {header!r} for {blob}")
    remaining = int(parts[2])
    problem: str | None = None
    out: IO[bytes] | None = None
    try:
        destination = target / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        out = os.fdopen(os.open(destination, flags, 0o644), "wb")
    except OSError as exc:
        problem = f"not written to the view: {exc.strerror or exc} (a crafted or duplicate path)"
    try:
        while remaining:
            chunk = stream.read(min(CHUNK, remaining))
            if not chunk:
                raise GitError(f"git cat-file ended in the middle of {blob}")
            remaining -= len(chunk)
            if out is not None:
                out.write(chunk)
    finally:
        if out is not None:
            out.close()
    stream.read(1)  # the newline after the content
    return problem


# -- history -------------------------------------------------------------------------

# What a repository's configuration could change in ``git log``'s output that licensetier
# parses: following one path's renames, mailmap, the commit encoding. The format, the
# diff options and the paths are all given on the command line.
LOG_OVERRIDES: tuple[tuple[str, str], ...] = (
    ("log.follow", "false"),
    ("log.mailmap", "false"),
    ("log.showRoot", "true"),
    ("diff.relative", "false"),
)

_LOG_FIELDS = ("%H", "%h", "%aI", "%cI", "%an", "%ae", "%s")


@dataclass(frozen=True)
class Change:
    """One path a commit changed, as ``git log --raw`` reports it (against the first
    parent; a root commit's files are additions). Blob ids are None where there is
    none (an addition's old side, a deletion's new side)."""

    status: str  # "A", "M", "D", "T", "R" (renamed), "C" (copied)
    path: str  # the path after the commit (the deleted path, for "D")
    old_path: str  # the path before (the same as path, except for renames and copies)
    old_blob: str | None
    new_blob: str | None
    old_mode: str
    new_mode: str


@dataclass(frozen=True)
class Commit:
    """A commit of the history with the changes it made to the paths asked about."""

    id: str
    short: str
    author_date: str  # ISO 8601 with the author's offset
    committer_date: str
    author: str
    email: str
    subject: str
    changes: tuple[Change, ...]


def glob_pathspec(directory: str, pattern: str, *, icase: bool = False) -> str:
    """A ``:(glob)`` pathspec of ``pattern`` (git's glob: ``*`` stays in one directory)
    below ``directory`` (``""`` for the top, else ending in ``/``), whose name is taken
    literally (its wildcard characters escaped)."""
    literal = re.sub(r"([*?\[\]\\])", r"\\\1", directory)
    magic = "glob,icase" if icase else "glob"
    return f":({magic}){literal}{pattern}"


def literal_pathspec(path: str) -> str:
    return f":(literal){path}"


def _blob_or_none(blob: str) -> str | None:
    return None if set(blob) <= {"0"} else blob


def log_changes(
    repo: Repository,
    pathspecs: Sequence[str],
    *,
    revisions: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
) -> list[Commit]:
    """The commits (oldest first) that changed a path matching one of ``pathspecs``
    (magic pathspecs built by the caller, see :func:`glob_pathspec`), each with those
    changes and their blob ids: one ``git log --raw`` (renames detected; merges are
    not diffed, the commits they bring are). ``revisions``: what to walk (HEAD by
    default; a range such as ``v1.0..HEAD``), each checked by the caller."""
    # each commit's record starts with a mark no commit message can know in advance
    mark = f"\x01licensetier-{secrets.token_hex(8)}\x01"
    args = [
        "log",
        "--reverse",
        "--raw",
        "-z",
        "--no-abbrev",
        "-M",
        "--root",
        "--diff-merges=off",
        "--no-ext-diff",
        "--no-textconv",
        "--no-show-signature",
        "--no-relative",
        "--encoding=UTF-8",
        "--no-color",
        f"--format={mark}" + "%x00".join(_LOG_FIELDS) + "%x00",
    ]
    if since:
        args.append(f"--since={since}")
    if until:
        args.append(f"--until={until}")
    args.extend(["--end-of-options", *(revisions or ["HEAD"]), "--", *pathspecs])
    if not revisions and _run(repo, "rev-parse", "--verify", "--quiet", "HEAD").returncode != 0:
        return []  # no commit yet
    logging = Repository(repo.work_tree, repo.git_dir, repo.overrides + LOG_OVERRIDES)
    # the pathspecs are licensetier's own: their magic is wanted here
    done = _run(logging, *args, extra_env={"GIT_LITERAL_PATHSPECS": "0"})
    if done.returncode != 0:
        raise _failure(repo, "git log failed in", done)
    return _parse_log(done.stdout, mark.encode())


def _parse_log(output: bytes, mark: bytes) -> list[Commit]:
    commits: list[Commit] = []
    for record in output.split(mark)[1:]:
        fields = record.split(b"\0")
        head = [f.decode("utf-8", "replace") for f in fields[: len(_LOG_FIELDS)]]
        rest = [f for f in fields[len(_LOG_FIELDS) :]]
        changes: list[Change] = []
        i = 0
        while i < len(rest):
            item = rest[i].lstrip(b"\n")
            i += 1
            if not item.startswith(b":"):
                continue
            fields_of = item[1:].decode("ascii", "replace").split(" ")
            if len(fields_of) != 5 or not fields_of[4]:
                continue
            old_mode, new_mode, old_blob, new_blob, status = fields_of
            kind = status[0]
            if kind in "RC":
                old_path, path = os.fsdecode(rest[i]), os.fsdecode(rest[i + 1])
                i += 2
            else:
                old_path = path = os.fsdecode(rest[i])
                i += 1
            changes.append(
                Change(
                    kind,
                    path,
                    old_path,
                    _blob_or_none(old_blob),
                    _blob_or_none(new_blob),
                    old_mode,
                    new_mode,
                )
            )
        if len(head) < len(_LOG_FIELDS):
            continue
        commit_id, _short, author_date, committer_date, author, email, subject = head[:7]
        # --no-abbrev (for the blob ids) makes %h whole: the short id is its first 10
        commits.append(
            Commit(
                commit_id,
                commit_id[:10],
                author_date,
                committer_date,
                author,
                email,
                subject,
                tuple(changes),
            )
        )
    return commits


def blob_sizes(repo: Repository, blobs: Iterable[str]) -> dict[str, int | None]:
    """The size of each blob (None: not a blob, or missing from the repository), from
    one ``git cat-file --batch-check``."""
    wanted = list(dict.fromkeys(blobs))
    if not wanted:
        return {}
    done = _run(repo, "cat-file", "--batch-check", stdin="".join(b + "\n" for b in wanted).encode())
    if done.returncode != 0:
        raise _failure(repo, "git cat-file failed in", done)
    sizes: dict[str, int | None] = {}
    for blob, line in zip(wanted, done.stdout.splitlines(), strict=False):
        parts = line.split()
        sizes[blob] = int(parts[2]) if len(parts) == 3 and parts[1] == b"blob" else None
    return sizes


def read_blobs(repo: Repository, blobs: Iterable[str]) -> Iterator[tuple[str, bytes | None]]:
    """The stored content of each blob (None when missing), read with one streaming
    ``git cat-file --batch`` (no filter runs). The caller bounds the sizes first
    (:func:`blob_sizes`): each content is held whole."""
    wanted = list(dict.fromkeys(blobs))
    if not wanted:
        return
    with tempfile.TemporaryFile() as errors:
        process = _start(repo, "cat-file", "--batch", "--buffer", stderr=errors)
        assert process.stdin is not None
        assert process.stdout is not None
        feeder = threading.Thread(target=_feed, args=(process.stdin, wanted), daemon=True)
        feeder.start()
        try:
            for blob in wanted:
                header = process.stdout.readline()
                parts = header.split()
                if len(parts) == 2 and parts[1] == b"missing":
                    yield blob, None
                    continue
                if len(parts) != 3:
                    raise GitError(f"git cat-file answered {header!r} for {blob}")
                size = int(parts[2])
                data = process.stdout.read(size)
                if len(data) != size:
                    raise GitError(f"git cat-file ended in the middle of {blob}")
                process.stdout.read(1)  # the newline after the content
                yield blob, data if parts[1] == b"blob" else None
        finally:
            process.stdout.close()
            feeder.join()
            process.wait()
