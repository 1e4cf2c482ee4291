"""Git, behind a small interface (GitPython)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import git


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
