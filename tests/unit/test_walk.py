"""Which files a scan reads: git-aware listing, ignores, symlinks, binaries, the size cap."""

from __future__ import annotations

import os
from pathlib import Path

from licensetier.walk import is_excluded, walk
from tests.conftest import git, make_git_repo


def _write(root: Path, rel: str, data: bytes | str = "x\n") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data)
    else:
        path.write_bytes(data)
    return path


def test_git_tree_lists_tracked_and_untracked_but_not_ignored(tmp_path: Path) -> None:
    _write(tmp_path, "tracked.py")
    _write(tmp_path, ".gitignore", "build/\n*.log\n")
    _write(tmp_path, "deleted.py")
    make_git_repo(tmp_path)
    (tmp_path / "deleted.py").unlink()
    _write(tmp_path, "new_untracked.py")
    _write(tmp_path, "build/out.py")
    _write(tmp_path, "debug.log")
    result = walk(tmp_path)
    assert result.in_git
    assert [f.path for f in result.files] == [".gitignore", "new_untracked.py", "tracked.py"]
    assert result.skipped == []


def test_subdirectory_of_a_git_tree_is_walked_relative_to_itself(tmp_path: Path) -> None:
    _write(tmp_path, "top.py")
    _write(tmp_path, "pkg/inner.py")
    _write(tmp_path, "pkg/deeper/more.py")
    make_git_repo(tmp_path)
    result = walk(tmp_path / "pkg")
    assert [f.path for f in result.files] == ["deeper/more.py", "inner.py"]


def test_outside_git_default_ignores_apply(tmp_path: Path) -> None:
    _write(tmp_path, "a.py")
    _write(tmp_path, "node_modules/dep/index.js")
    _write(tmp_path, ".venv/lib/site.py")
    _write(tmp_path, "__pycache__/a.cpython-311.pyc", b"\0\1")
    _write(tmp_path, "sub/b.txt")
    result = walk(tmp_path)
    assert not result.in_git
    assert [f.path for f in result.files] == ["a.py", "sub/b.txt"]


def test_binary_and_oversized_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    _write(tmp_path, "image.png", b"\x89PNG\r\n\x1a\n\0\0\0")
    _write(tmp_path, "big.txt", "y" * 2000)
    _write(tmp_path, "small.txt", "ok\n")
    result = walk(tmp_path, max_size=1000)
    assert [f.path for f in result.files] == ["small.txt"]
    reasons = {s.path: s.reason for s in result.skipped}
    assert reasons["image.png"] == "binary file"
    assert reasons["big.txt"].startswith("larger than the size cap (2000 > 1000")


def test_symlinks_are_never_followed_out_of_the_root(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _write(outside, "secret/LICENSE", "GPL")
    root = tmp_path / "root"
    _write(root, "real.txt")
    os.symlink(outside / "secret" / "LICENSE", root / "escape.txt")
    os.symlink(outside / "secret", root / "escape_dir")
    os.symlink(root / "real.txt", root / "alias.txt")
    os.symlink(root / "missing", root / "dangling")
    for in_git in (False, True):
        if in_git:
            make_git_repo(root)
        result = walk(root)
        assert [f.path for f in result.files] == ["real.txt"], in_git
        reasons = {s.path: s.reason for s in result.skipped}
        assert reasons["escape.txt"] == "symlink pointing outside the scanned root"
        assert reasons["escape_dir"] == "symlink pointing outside the scanned root"
        assert reasons["alias.txt"].startswith("symlink inside the root")
        assert reasons["dangling"] == "broken symlink"


def test_configured_excludes(tmp_path: Path) -> None:
    _write(tmp_path, "docs/a.md")
    _write(tmp_path, "src/a.py")
    _write(tmp_path, "src/gen/b_pb2.py")
    result = walk(tmp_path, exclude=["docs/**", "*_pb2.py"])
    assert [f.path for f in result.files] == ["src/a.py"]
    assert {s.path for s in result.skipped} == {"docs/a.md", "src/gen/b_pb2.py"}


def test_is_excluded_patterns() -> None:
    assert is_excluded("fixtures/x/LICENSE", ["fixtures/**"])
    assert is_excluded("fixtures", ["fixtures/**"])
    assert not is_excluded("fixturesx/a", ["fixtures/**"])
    assert is_excluded("a/b/c.min.js", ["*.min.js"])
    assert not is_excluded("a/b/c.js", ["*.min.js", "a/c.js"])


def test_git_submodule_like_entries_are_reported(tmp_path: Path) -> None:
    inner = tmp_path / "inner"
    _write(inner, "f.txt")
    make_git_repo(inner)
    _write(tmp_path, "top.txt")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "top.txt")
    git(tmp_path, "update-index", "--add", "--cacheinfo", "160000",
        git(inner, "rev-parse", "HEAD").strip(), "inner")  # fmt: skip
    result = walk(tmp_path)
    assert [f.path for f in result.files] == ["top.txt"]
    assert {s.path: s.reason for s in result.skipped}["inner"].startswith("directory entry")


def test_blob_ids_come_from_git_only_for_unmodified_tracked_files(tmp_path: Path) -> None:
    """A rescan keys its cache on these ids without reading the files: an id may only
    be given where git vouches that the work tree holds exactly that content."""
    from licensetier.cache import blob_id

    _write(tmp_path, "same.py", "a = 1\n")
    _write(tmp_path, "edited.py", "b = 1\n")
    _write(tmp_path, "staged.py", "c = 1\n")
    _write(tmp_path, "gone.py", "d = 1\n")
    make_git_repo(tmp_path)
    _write(tmp_path, "edited.py", "b = 2\n")  # unstaged change
    _write(tmp_path, "staged.py", "c = 2\n")
    git(tmp_path, "add", "staged.py")  # staged: the index holds the new content
    (tmp_path / "gone.py").unlink()
    _write(tmp_path, "new.py", "e = 1\n")
    files = {f.path: f for f in walk(tmp_path, sniff_binary=False).files}
    assert set(files) == {"same.py", "edited.py", "staged.py", "new.py"}
    assert files["same.py"].blob == git(tmp_path, "hash-object", "same.py").strip()
    assert files["same.py"].blob == blob_id(b"a = 1\n")
    assert files["staged.py"].blob == blob_id(b"c = 2\n")
    assert files["edited.py"].blob is None
    assert files["new.py"].blob is None


def test_without_the_binary_sniff_no_file_is_opened(tmp_path: Path) -> None:
    _write(tmp_path, "image.png", b"\x89PNG\r\n\x1a\n\0\0")
    os.chmod(_write(tmp_path, "secret.txt", "x"), 0)
    walked = walk(tmp_path, sniff_binary=False)
    assert sorted(f.path for f in walked.files) == ["image.png", "secret.txt"]
    assert walked.skipped == []
