"""git never runs the scanned repository's code, and never crashes a scan.

Each case builds a repository in ``tmp_path`` with real git whose own configuration
names the ``marker`` program (fsmonitor, clean/smudge/process filters, textconv,
external diff, hooks) or points somewhere else (``core.worktree``), then runs the real
CLI and asserts that the marker never ran and the exact outcome: the exit code, the
files listed, the entry in ``errors[]`` or ``skipped[]``. Every git call goes through
:mod:`licensetier.vcs`'s one hardened runner.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import licensetier
from licensetier import vcs
from tests.conftest import Run, git, make_git_repo
from tests.hostile.conftest import Marker, Opened

AGPL_NOTICE = """\
Copyright (C) 2024 Example Author

This program is free software: you can redistribute it and/or modify
it under the terms of the GNU Affero General Public License as published
by the Free Software Foundation, either version 3 of the License, or
(at your option) any later version.
"""

SCAN = ("scan", "--no-deps", "--format", "json")


def files(report: dict[str, Any]) -> list[str]:
    return sorted(f["path"] for f in report["files"])


def skipped(report: dict[str, Any]) -> dict[str, str]:
    return {s["path"]: s["reason"] for s in report["skipped"]}


def messages(report: dict[str, Any]) -> list[str]:
    return [e["message"] for e in report["errors"]]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A committed repository: a MIT LICENSE and one Python file."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "LICENSE").write_text("SPDX-License-Identifier: MIT\n", encoding="utf-8")
    (root / "app.py").write_text("print('hello')\n", encoding="utf-8")
    return make_git_repo(root)


def stat_dirty(path: Path) -> None:
    """Change the file's stat data (not its content): git must look at the content."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


def with_filter(
    repo: Path, marker: Marker, keys: tuple[str, ...], *, stage: tuple[str, ...] = ()
) -> None:
    """Every ``*.py`` goes through the filter driver ``evil``, whose ``keys`` name the
    marker; configured after the commit and after staging ``stage`` (so that the
    test's own git commands do not run it)."""
    (repo / ".gitattributes").write_text("*.py filter=evil diff=evil\n", encoding="utf-8")
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-q", "-m", "attributes")
    if stage:
        git(repo, "add", *stage)
    for key in keys:
        git(repo, "config", f"filter.evil.{key}", marker.shell())
    git(repo, "config", "filter.evil.required", "true")


# -- core.fsmonitor ------------------------------------------------------------------


def test_fsmonitor_never_runs_on_a_plain_scan(
    repo: Path, marker: Marker, run_cli: Callable[..., Run]
) -> None:
    git(repo, "config", "core.fsmonitor", marker.shell())
    run = run_cli(*SCAN, repo)
    assert not marker.ran
    assert run.exit_code == 0
    assert files(run.json()) == ["LICENSE", "app.py"]
    assert run.json()["errors"] == []


def test_fsmonitor_never_runs_on_a_staged_scan(
    repo: Path, marker: Marker, run_cli: Callable[..., Run]
) -> None:
    (repo / "app.py").write_text("print('changed')\n", encoding="utf-8")
    git(repo, "add", "app.py")
    git(repo, "config", "core.fsmonitor", marker.shell())
    run = run_cli(*SCAN, "--staged", repo)
    assert not marker.ran
    assert run.exit_code == 0
    assert files(run.json()) == ["app.py"]


def test_fsmonitor_never_runs_when_git_is_a_gitdir_file(
    repo: Path, marker: Marker, run_cli: Callable[..., Run]
) -> None:
    # the git directory lives inside the tree, and .git is a file that points at it
    (repo / ".git").rename(repo / "gitdir")
    (repo / ".git").write_text("gitdir: gitdir\n", encoding="utf-8")
    (repo / ".gitignore").write_text("gitdir/\n", encoding="utf-8")
    git(repo, "config", "core.fsmonitor", marker.shell())
    run = run_cli(*SCAN, repo)
    assert not marker.ran
    assert run.exit_code == 0
    assert files(run.json()) == [".gitignore", "LICENSE", "app.py"]
    staged = run_cli(*SCAN, "--staged", repo)
    assert not marker.ran
    assert (staged.exit_code, files(staged.json())) == (0, [])


# -- filters, textconv, external diff, hooks ----------------------------------------


@pytest.mark.parametrize("key", ["clean", "smudge", "process"])
def test_filter_never_runs_on_stat_dirty_files(
    key: str, repo: Path, marker: Marker, run_cli: Callable[..., Run]
) -> None:
    with_filter(repo, marker, (key,))
    stat_dirty(repo / "app.py")
    run = run_cli(*SCAN, repo)
    assert not marker.ran
    assert run.exit_code == 0
    assert files(run.json()) == [".gitattributes", "LICENSE", "app.py"]
    assert run.json()["errors"] == []


def test_staged_view_reads_blobs_as_stored(
    repo: Path, marker: Marker, run_cli: Callable[..., Run]
) -> None:
    (repo / "new.py").write_text(AGPL_NOTICE, encoding="utf-8")
    with_filter(repo, marker, ("clean", "smudge", "process"), stage=("new.py",))
    (repo / "new.py").write_text("print('not staged')\n", encoding="utf-8")
    stat_dirty(repo / "app.py")
    run = run_cli(*SCAN, "--staged", repo)
    assert not marker.ran
    assert run.exit_code == 0
    report = run.json()
    # the AGPL notice, read from the stored blob (not the work tree's copy)
    assert [(f["path"], f["license"]) for f in report["files"]] == [("new.py", "AGPL-3.0-or-later")]


def test_diff_base_view_reads_blobs_as_stored(
    repo: Path, marker: Marker, run_cli: Callable[..., Run]
) -> None:
    with_filter(repo, marker, ("clean", "smudge", "process"))
    stat_dirty(repo / "app.py")
    run = run_cli(*SCAN, "--diff-base", "HEAD~1", repo)
    assert not marker.ran
    assert run.exit_code == 0
    assert files(run.json()) == [".gitattributes", "LICENSE", "app.py"]


def test_textconv_and_external_diff_never_run(
    repo: Path, marker: Marker, run_cli: Callable[..., Run]
) -> None:
    (repo / ".gitattributes").write_text("*.py diff=evil\n", encoding="utf-8")
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-q", "-m", "attributes")
    for key in ("diff.evil.textconv", "diff.evil.command", "diff.external"):
        git(repo, "config", key, marker.shell())
    (repo / "app.py").write_text("print('changed')\n", encoding="utf-8")
    git(repo, "add", "app.py")
    staged = run_cli(*SCAN, "--staged", "--diff-base", "HEAD~1", repo)
    assert not marker.ran
    assert (staged.exit_code, files(staged.json())) == (0, ["app.py"])


HOOKS = (
    "pre-commit",
    "post-checkout",
    "post-index-change",
    "reference-transaction",
    "pre-auto-gc",
    "post-rewrite",
    "fsmonitor-watchman",
)


def test_hooks_never_run(
    repo: Path, marker: Marker, run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for name in HOOKS:
        for place in (hooks, repo / ".git" / "hooks"):
            (place / name).symlink_to(marker.program)
    git(repo, "config", "core.hooksPath", str(hooks))
    (repo / "app.py").write_text("print('changed')\n", encoding="utf-8")
    git(repo, "-c", "core.hooksPath=/dev/null", "add", "app.py")
    (repo / "untracked.py").write_text("print('new')\n", encoding="utf-8")
    plain = run_cli(*SCAN, repo)
    staged = run_cli(*SCAN, "--staged", "--diff-base", "HEAD", repo)
    assert not marker.ran
    assert (plain.exit_code, files(plain.json())) == (0, ["LICENSE", "app.py", "untracked.py"])
    assert (staged.exit_code, files(staged.json())) == (0, ["app.py"])


# -- where git looks -----------------------------------------------------------------


def test_core_worktree_outside_is_not_followed(
    repo: Path, outside: Path, opened: Opened, run_cli: Callable[..., Run]
) -> None:
    git(repo, "config", "core.worktree", str(outside))
    # listed only when git's work tree is the scanned directory, not the outside one
    (repo / "untracked.py").write_text("print('new')\n", encoding="utf-8")
    run = run_cli(*SCAN, repo)
    assert run.exit_code == 0
    assert files(run.json()) == ["LICENSE", "app.py", "untracked.py"]
    assert run.json()["errors"] == []
    assert opened.under(outside) == []


def test_git_dir_shaped_folder_scanned_as_path(
    repo: Path, outside: Path, marker: Marker, run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    # a committed folder that git's discovery would take for a git directory, with a
    # config that points elsewhere and names the marker
    fake = repo / "fake"
    (fake / "objects").mkdir(parents=True)
    (fake / "refs" / "heads").mkdir(parents=True)
    (fake / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (fake / "objects" / "README").write_text("objects\n", encoding="utf-8")
    (fake / "refs" / "heads" / "README").write_text("refs\n", encoding="utf-8")
    (fake / "config").write_text(
        f"[core]\n\tbare = false\n\tworktree = {outside}\n\tfsmonitor = {marker.shell()}\n",
        encoding="utf-8",
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "fake git dir")
    expected = ["HEAD", "config", "objects/README", "refs/heads/README"]
    inside = run_cli(*SCAN, fake)
    assert (inside.exit_code, files(inside.json()), inside.json()["errors"]) == (0, expected, [])
    # the same folder outside any repository: a plain directory
    alone = tmp_path / "alone"
    fake.rename(alone)
    outside_git = run_cli(*SCAN, alone)
    assert not marker.ran
    assert (outside_git.exit_code, files(outside_git.json())) == (0, expected)
    assert outside_git.json()["errors"] == []


# -- git refuses, or cannot read -----------------------------------------------------


@pytest.fixture
def dubious(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The repository owned by another user (a CI container mounting the workspace), and
    no global or system configuration that would mark it safe."""
    if os.geteuid() != 0:
        pytest.skip("chown to another user needs root")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    (repo / ".gitignore").write_text("ignored.py\n", encoding="utf-8")
    (repo / "ignored.py").write_text("print('ignored')\n", encoding="utf-8")
    subprocess.run(["chown", "-R", "12345:12345", str(repo)], check=True)
    return repo


def test_dubious_ownership_falls_back_to_a_plain_walk(
    dubious: Path, marker: Marker, run_cli: Callable[..., Run]
) -> None:
    config = str(dubious / ".git" / "config")
    git(dubious.parent, "config", "--file", config, "core.fsmonitor", marker.shell())
    run = run_cli(*SCAN, dubious)
    assert not marker.ran
    assert run.exit_code == 0
    report = run.json()
    # a plain directory walk: .gitignore is not applied
    assert files(report) == [".gitignore", "LICENSE", "app.py", "ignored.py"]
    [warning] = messages(report)
    assert "dubious ownership" in warning
    assert f"git config --global --add safe.directory {dubious}" in warning
    assert "Scanned as a plain directory" in warning


@pytest.mark.parametrize("flag", [("--staged",), ("--diff-base", "HEAD")])
def test_dubious_ownership_with_a_git_view_exits_2(
    flag: tuple[str, ...], dubious: Path, run_cli: Callable[..., Run]
) -> None:
    run = run_cli(*SCAN, *flag, dubious)
    assert run.exit_code == 2
    assert "dubious ownership" in run.stderr
    assert f"git config --global --add safe.directory {dubious}" in run.stderr


def test_corrupt_index(repo: Path, run_cli: Callable[..., Run]) -> None:
    (repo / ".git" / "index").write_bytes(b"garbage, not an index\n")
    run = run_cli(*SCAN, repo)
    assert run.exit_code == 0
    assert files(run.json()) == ["LICENSE", "app.py"]
    [warning] = messages(run.json())
    assert "index file" in warning
    assert "Scanned as a plain directory" in warning
    staged = run_cli(*SCAN, "--staged", repo)
    assert staged.exit_code == 2
    assert "index file" in staged.stderr
    assert f"rm {repo / '.git' / 'index'} && git -C {repo} reset" in staged.stderr


# -- what a tree may hold ------------------------------------------------------------


def test_diff_base_with_an_absolute_symlink_in_the_base(
    repo: Path, run_cli: Callable[..., Run]
) -> None:
    (repo / "passwd").symlink_to("/etc/passwd")
    git(repo, "add", "passwd")
    git(repo, "commit", "-q", "-m", "link")
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "app.py").write_text(AGPL_NOTICE, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "agpl")
    run = run_cli(*SCAN, "--diff-base", "HEAD~1", repo)
    assert run.exit_code == 0
    report = run.json()
    assert files(report) == ["LICENSE", "app.py"]
    assert skipped(report) == {"passwd": "symlink pointing outside the scanned root"}
    # the base's view: the link is not written, and says why
    found = vcs.find_repository(repo)
    assert found is not None
    entries = vcs.tree_entries(found, repo, base)
    written, not_written = vcs.write_blobs(found, entries, repo.parent / "view")
    assert sorted(written) == ["LICENSE", "app.py"]
    assert [(s.path, s.reason) for s in not_written] == [
        ("passwd", "symlink in git (never followed, its target is not read)")
    ]


def test_staged_symlink_to_outside_is_not_written(
    repo: Path, outside: Path, opened: Opened, run_cli: Callable[..., Run]
) -> None:
    (repo / "LICENSE").unlink()
    (repo / "LICENSE").symlink_to(outside / "LICENSE")
    git(repo, "add", "LICENSE")
    run = run_cli(*SCAN, "--staged", repo)
    assert run.exit_code == 0
    report = run.json()
    assert files(report) == []
    assert skipped(report) == {"LICENSE": "symlink in git (never followed, its target is not read)"}
    assert opened.under(outside) == []


def test_view_writer_refuses_paths_that_leave_the_view(repo: Path, tmp_path: Path) -> None:
    """A crafted tree can hold '..', '.git' and empty components, which git's own
    checks would refuse: none is written, each is skipped with its reason."""
    blob = git(repo, "rev-parse", "HEAD:app.py").strip()
    tree = b"".join(
        f"{mode} ".encode() + name + b"\0" + bytes.fromhex(sha)
        for mode, name, sha in sorted(
            [
                ("100644", b"..", blob),
                ("40000", b".git", git(repo, "rev-parse", "HEAD^{tree}").strip()),
                ("100644", b"ok.py", blob),
            ],
            key=lambda e: e[1],
        )
    )
    crafted = (
        subprocess.run(
            ["git", "hash-object", "-t", "tree", "--literally", "-w", "--stdin"],
            cwd=repo,
            input=tree,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    found = vcs.find_repository(repo)
    assert found is not None
    view = tmp_path / "view"
    view.mkdir()
    entries = vcs.tree_entries(found, repo, crafted)
    entries["/etc/absolute"] = entries["ok.py"]
    entries["a//b"] = entries["ok.py"]
    written, not_written = vcs.write_blobs(found, entries, view)
    assert written == {"ok.py": blob}
    assert {s.path for s in not_written} == {
        "..",
        ".git/LICENSE",
        ".git/app.py",
        "/etc/absolute",
        "a//b",
    }
    assert sorted(p.name for p in view.iterdir()) == ["ok.py"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["repo", "view"])


# -- names git lists -----------------------------------------------------------------


def test_non_utf8_file_name_is_listed_and_scanned(repo: Path, run_cli: Callable[..., Run]) -> None:
    name = os.fsdecode(b"caf\xe9.py")
    (repo / name).write_text(AGPL_NOTICE, encoding="utf-8")
    plain = run_cli(*SCAN, repo)
    assert plain.exit_code == 0
    [agpl] = [f for f in plain.json()["files"] if f["path"] not in ("LICENSE", "app.py")]
    # JSON writes the name as Python reads it (os.fsdecode: the byte as a surrogate)
    assert agpl["path"].startswith("caf")
    assert agpl["path"].endswith(".py")
    assert agpl["license"] == "AGPL-3.0-or-later"
    git(repo, "add", "-A")
    staged = run_cli(*SCAN, "--staged", repo)
    assert staged.exit_code == 0
    assert [(f["path"], f["license"]) for f in staged.json()["files"]] == [
        (agpl["path"], "AGPL-3.0-or-later")
    ]


PATH_MAX = 4096  # bytes, the terminating NUL included: a path of 4096 characters is too long


def nest_too_deep(top: Path, segment: str) -> None:
    """Nested directories below ``top`` whose full path is longer than the OS allows,
    with an AGPL file at the bottom (made through directory descriptors)."""
    fd = os.open(top, os.O_RDONLY)
    depth = 0
    try:
        while len(str(top)) + depth * (len(segment) + 1) <= PATH_MAX + 100:
            os.mkdir(segment, dir_fd=fd)
            inner = os.open(segment, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
            depth += 1
        with open(os.open("deep.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as fh:
            fh.write(AGPL_NOTICE)
    finally:
        os.close(fd)


def test_untracked_files_under_a_too_long_path_are_skipped(
    repo: Path, run_cli: Callable[..., Run]
) -> None:
    # git warns on stderr that it cannot open the deepest directory, and exits 0
    segment = "d" * 200
    nest_too_deep(repo, segment)
    run = run_cli(*SCAN, repo)
    assert run.exit_code == 0
    report = run.json()
    assert files(report) == ["LICENSE", "app.py"]
    [(path, reason)] = skipped(report).items()
    assert path.startswith(f"{segment}/{segment}/")
    assert set(path.split("/")) == {segment}
    assert reason == (
        "directory git could not read (a path below it is longer than the OS allows): "
        "the files below it are not listed"
    )
    assert report["errors"] == []


def test_files_under_a_too_long_path_are_skipped_outside_git(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "app.py").write_text("print('hello')\n", encoding="utf-8")
    segment = "d" * 200
    nest_too_deep(plain, segment)
    run = run_cli(*SCAN, plain)
    assert run.exit_code == 0
    report = run.json()
    assert files(report) == ["app.py"]
    [(path, reason)] = skipped(report).items()
    assert set(path.split("/")) == {segment}
    assert len(str(plain / path)) >= PATH_MAX  # the first directory too long to open
    assert len(str((plain / path).parent)) < PATH_MAX  # its parent was read
    assert reason == (
        "directory could not be read (File name too long): the files below it are not listed"
    )
    assert report["errors"] == []


def test_runner_fails_closed_on_what_scans_never_ask(repo: Path, marker: Marker) -> None:
    """The commands a scan runs never consult textconv, external diff or hooks; the
    runner neutralises them anyway, so that a content diff or an index write through it
    fails or runs nothing rather than running the repository's programs."""
    (repo / ".gitattributes").write_text("*.py diff=evil\n", encoding="utf-8")
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-q", "-m", "attributes")
    hooks = repo / ".git" / "hooks"
    for name in ("post-index-change", "reference-transaction", "pre-auto-gc"):
        (hooks / name).symlink_to(marker.program)
    for key in ("diff.evil.textconv", "diff.evil.command", "diff.external", "core.pager"):
        git(repo, "config", key, marker.shell())
    (repo / "app.py").write_text("print('changed')\n", encoding="utf-8")
    found = vcs.find_repository(repo)
    assert found is not None
    diff = vcs._run(found, "diff", "HEAD")
    assert diff.returncode == 128  # git cannot run the emptied external diff
    textconv = vcs._run(found, "diff", "--no-ext-diff", "HEAD")
    assert textconv.returncode == 128  # nor the emptied textconv
    assert vcs._run(found, "update-index", "--add", "app.py").returncode == 0
    assert vcs._run(found, "gc", "--auto").returncode == 0
    assert not marker.ran


RUNS_GIT = re.compile(r"^\s*(import git\b|from git\b)|\[\s*[\"']git[\"']", re.MULTILINE)


def test_only_vcs_runs_git() -> None:
    """No module but vcs.py starts git or imports GitPython (whose discovery follows
    core.worktree): every git process goes through the hardened runner."""
    package = Path(licensetier.__file__).parent
    running = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*.py"))
        if RUNS_GIT.search(path.read_text(encoding="utf-8"))
    ]
    assert running == ["vcs.py"]
