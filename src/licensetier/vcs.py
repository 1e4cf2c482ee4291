"""Git, behind a small interface (GitPython)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import git

from licensetier.errors import LicensetierError


def find_work_tree(path: Path) -> Path | None:
    """The top of the git work tree that holds ``path``, or None outside git."""
    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    if repo.bare or repo.working_tree_dir is None:
        return None
    return Path(repo.working_tree_dir).resolve()


def listed_files(work_tree: Path, under: Path) -> list[tuple[str, str | None]]:
    """Tracked files plus untracked files that are not ignored, below ``under``.

    Each path (POSIX, relative to ``under``) comes with the blob id that git's index
    holds for it when the file is tracked and unmodified in the work tree (git decides
    that from its own stat cache, so nothing is read or hashed here), else None.
    Tracked files deleted from the work tree are listed as modified (no blob id);
    the walk leaves them out when it finds nothing to read.
    """
    rel = under.resolve().relative_to(work_tree)
    spec = "." if str(rel) == "." else rel.as_posix()
    args = ("-z", "--full-name", "--", spec)
    command = git.Git(work_tree)
    # three independent listings, run side by side (they are most of a warm rescan)
    with ThreadPoolExecutor(max_workers=3) as pool:
        staged_f = pool.submit(command.ls_files, "--stage", *args)
        others_f = pool.submit(command.ls_files, "--others", "--exclude-standard", *args)
        modified_f = pool.submit(command.ls_files, "--modified", *args)
        staged: str = staged_f.result()
        others: str = others_f.result()
        modified = set(modified_f.result().split("\0"))
    blobs: dict[str, str | None] = {}
    for entry in staged.split("\0"):
        if not entry:
            continue
        info, _, name = entry.partition("\t")
        mode, blob, stage = info.split(" ")
        usable = stage == "0" and mode != "160000" and name not in modified
        if name in blobs:  # an unmerged path: one entry per stage
            blobs[name] = None
        else:
            blobs[name] = blob if usable else None
    for name in others.split("\0"):
        if name:
            blobs.setdefault(name, None)
    prefix = "" if spec == "." else spec + "/"
    return [
        (name[len(prefix) :], blob)
        for name, blob in blobs.items()
        if not prefix or name.startswith(prefix)
    ]


class GitError(LicensetierError):
    """A git operation licensetier needs failed, or the path is not in a git work
    tree; the message says which and why."""


def _prefix(work_tree: Path, under: Path) -> str:
    rel = under.resolve().relative_to(work_tree).as_posix()
    return "" if rel == "." else rel + "/"


def staged_paths(work_tree: Path, under: Path) -> list[str]:
    """The paths below ``under`` whose content in git's index differs from HEAD (added,
    copied, modified, renamed or changed type; not deleted), relative to ``under``."""
    prefix = _prefix(work_tree, under)
    command = git.Git(work_tree)
    args = ["--cached", "--name-only", "-z", "--no-renames", "--diff-filter=ACMT"]
    try:
        command.rev_parse("--verify", "HEAD")
        listed: str = command.diff(*args, "HEAD")
    except git.GitCommandError:  # no commit yet: everything in the index is staged
        listed = command.ls_files("-z", "--cached")
    return [p[len(prefix) :] for p in listed.split("\0") if p and p.startswith(prefix)]


def index_entries(work_tree: Path, under: Path) -> dict[str, str]:
    """Path (relative to ``under``) -> blob id of every file in git's index (stage 0)."""
    prefix = _prefix(work_tree, under)
    listed: str = git.Git(work_tree).ls_files("--stage", "-z")
    entries: dict[str, str] = {}
    for entry in listed.split("\0"):
        if not entry:
            continue
        info, _, name = entry.partition("\t")
        mode, blob, stage = info.split(" ")
        if stage == "0" and mode != "160000" and name.startswith(prefix):
            entries[name[len(prefix) :]] = blob
    return entries


def tree_entries(work_tree: Path, under: Path, commit: str) -> dict[str, str]:
    """Path (relative to ``under``) -> blob id of every file in ``commit``'s tree."""
    prefix = _prefix(work_tree, under)
    listed: str = git.Git(work_tree).ls_tree("-r", "-z", "--full-tree", commit)
    entries: dict[str, str] = {}
    for entry in listed.split("\0"):
        if not entry:
            continue
        info, _, name = entry.partition("\t")
        _mode, kind, blob = info.split(" ")
        if kind == "blob" and name.startswith(prefix):
            entries[name[len(prefix) :]] = blob
    return entries


def checkout_index(work_tree: Path, under: Path, paths: list[str], target: Path) -> None:
    """Write the index's content of ``paths`` (relative to ``under``) below ``target``,
    at the same relative paths."""
    if not paths:
        return
    prefix = _prefix(work_tree, under)
    staging = target / ".licensetier-index"
    _checkout(work_tree, [prefix + p for p in paths], staging)
    source = staging / prefix if prefix else staging
    for path in paths:
        written = source / path
        if written.is_file() or written.is_symlink():
            destination = target / path
            destination.parent.mkdir(parents=True, exist_ok=True)
            written.replace(destination)
    _remove_tree(staging)


def _checkout(work_tree: Path, full_paths: list[str], staging: Path) -> None:
    import subprocess

    done = subprocess.run(
        ["git", "checkout-index", "-z", "--stdin", f"--prefix={staging}/"],
        cwd=work_tree,
        input="\0".join(full_paths).encode(),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise GitError(f"git checkout-index failed: {done.stderr.decode(errors='replace').strip()}")


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def export_ref(work_tree: Path, under: Path, ref: str, target: Path) -> str:
    """Write the tree of ``ref`` below ``under`` into ``target``; return the commit id.

    Raises :class:`GitError` naming the ref when git does not know it."""
    import subprocess
    import tarfile

    command = git.Git(work_tree)
    try:
        commit: str = command.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}")
    except git.GitCommandError:
        raise GitError(f"{ref!r} is not a commit of the repository at {work_tree}") from None
    prefix = _prefix(work_tree, under)
    spec = f"{commit}:{prefix.rstrip('/')}" if prefix else commit
    process = subprocess.Popen(
        ["git", "archive", "--format=tar", spec],
        cwd=work_tree,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        with tarfile.open(fileobj=process.stdout, mode="r|") as archive:
            try:
                archive.extractall(target, filter="data")
            except TypeError:  # Python before 3.10.12: no extraction filters
                archive.extractall(target)  # our own repository's archive
    except tarfile.TarError as exc:
        raise GitError(f"git archive {ref} could not be read: {exc}") from None
    finally:
        # the tar reader stops at the end-of-archive marker: read git's padding after
        # it, so that git does not die of a broken pipe
        while process.stdout.read(65536):
            pass
        process.stdout.close()
        stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
        if process.wait() != 0:
            raise GitError(f"git archive {ref} failed ({process.returncode}): {stderr.strip()}")
    return commit.strip()
