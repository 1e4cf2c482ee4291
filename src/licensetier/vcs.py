"""Git, behind a small interface (GitPython)."""

from __future__ import annotations

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


def listed_files(work_tree: Path, under: Path) -> list[str]:
    """Tracked files plus untracked files that are not ignored, below ``under``.

    Paths are POSIX, relative to ``under``. Tracked files deleted from the work
    tree are left out (there is nothing to read).
    """
    repo = git.Repo(work_tree)
    rel = under.resolve().relative_to(work_tree)
    spec = "." if str(rel) == "." else rel.as_posix()
    out: str = repo.git.ls_files(
        "-z", "--cached", "--others", "--exclude-standard", "--full-name", "--", spec
    )
    deleted = set(repo.git.ls_files("-z", "--deleted", "--full-name", "--", spec).split("\0"))
    seen: dict[str, None] = {}
    prefix = "" if spec == "." else spec + "/"
    for name in out.split("\0"):
        if not name or name in deleted:
            continue
        if prefix and not name.startswith(prefix):
            continue
        seen.setdefault(name[len(prefix) :], None)
    return list(seen)
