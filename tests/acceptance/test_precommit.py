"""The hooks of .pre-commit-hooks.yaml under the real pre-commit framework, on real git
repositories built in tmp_path: `pre-commit install` writes .git/hooks/pre-commit, and a
real `git commit` runs the hook.

One substitution: the manifest says `language: python`, and a repository that installs
the hooks the normal way (`repo: <url>`) makes pre-commit pip-install licensetier and
ScanCode into a fresh environment from the package index, which a test must not do (no
network). So each test repository's .pre-commit-config.yaml is `repo: local` with the
manifest's hooks copied field by field, only `language` changed to `system` (pre-commit
runs the entry as a command on PATH; 4.x calls this language `unsupported` and keeps
`system` as its name), and PATH starts with this virtualenv's bin, where the
licensetier console script is. `local_hooks` asserts that every field but `language`
was copied, so a change in the manifest's shape breaks these tests until they follow it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import FIXTURES, GIT_ENV, REPO

MANIFEST = REPO / ".pre-commit-hooks.yaml"
AGPL_FILE = FIXTURES / "sdk-vendors-agpl" / "vendor" / "tracker" / "tracker.py"
MIT_LICENSE = FIXTURES / "sdk-npm-dependencies" / "LICENSE"
BIN = Path(sys.executable).parent  # this virtualenv's scripts: licensetier, pre-commit
PRE_COMMIT = str(BIN / "pre-commit")

# every field the manifest's hooks may have that the local copy carries over unchanged
COPIED_FIELDS = (
    "id",
    "name",
    "entry",
    "pass_filenames",
    "always_run",
    "require_serial",
    "stages",
    "description",
)

SDK_CONFIG = '[[artifacts]]\npath = "."\nkind = "sdk"\nlicense = "MIT"\n'
CLEAN_FILE = '# SPDX-License-Identifier: MIT\n\n\ndef greet() -> str:\n    return "hello"\n'
AGPL_REASONS = ("component-copyleft-network", "copyleft (network)")


def manifest_hooks() -> list[dict[str, Any]]:
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    assert all(isinstance(hook, dict) for hook in hooks)
    return hooks


def local_hooks() -> list[dict[str, Any]]:
    """The manifest's hooks as `repo: local` hooks run from PATH (see the docstring)."""
    local = []
    for hook in manifest_hooks():
        assert hook["language"] == "python", hook
        copy: dict[str, Any] = {field: hook[field] for field in COPIED_FIELDS if field in hook}
        copy["language"] = "system"
        # nothing of the manifest is left behind but its language
        assert set(hook) - {"language"} == set(copy) - {"language"}, sorted(set(hook))
        assert all(copy[field] == hook[field] for field in hook if field != "language")
        local.append(copy)
    return local


def hook(hook_id: str) -> dict[str, Any]:
    return next(h for h in manifest_hooks() if h["id"] == hook_id)


def hook_env(tmp_path: Path) -> dict[str, str]:
    # the caller's GIT_* variables (a git hook running pytest sets GIT_DIR, GIT_INDEX_FILE)
    # would point git and pre-commit at another repository
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return {
        **inherited,  # keeps LICENSETIER_CACHE_DIR and the unreachable registries of conftest
        **GIT_ENV,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / ".config"),
        "PRE_COMMIT_HOME": str(tmp_path / "pc-home"),
        "PRE_COMMIT_COLOR": "never",
        "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
    }


def run(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """A command in the repository; stderr folded into stdout, as a terminal shows it."""
    return subprocess.run(
        args,
        cwd=repo,
        env=env,
        check=False,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )


def git(repo: Path, env: dict[str, str], *args: str) -> str:
    done = run(repo, env, "git", *args)
    assert done.returncode == 0, done.stdout
    return done.stdout


def head(repo: Path, env: dict[str, str]) -> str:
    return git(repo, env, "rev-parse", "HEAD").strip()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return hook_env(tmp_path)


@pytest.fixture
def sdk(tmp_path: Path, env: dict[str, str]) -> Path:
    """An MIT SDK, committed, with the hooks installed by `pre-commit install`."""
    repo = tmp_path / "sdk"
    repo.mkdir()
    shutil.copyfile(MIT_LICENSE, repo / "LICENSE")
    (repo / "licensetier.toml").write_text(SDK_CONFIG, encoding="utf-8")
    config = {"repos": [{"repo": "local", "hooks": local_hooks()}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (repo / "src").mkdir()
    git(repo, env, "-c", "init.defaultBranch=main", "init", "-q")
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "initial")  # no hook installed yet: no scan
    installed = run(repo, env, PRE_COMMIT, "install")
    assert installed.returncode == 0, installed.stdout
    assert (repo / ".git" / "hooks" / "pre-commit").is_file()
    return repo


def hook_line(output: str, hook_id: str) -> str:
    """pre-commit's status line of a hook: `<name>......Passed` (or Failed, Skipped)."""
    name = hook(hook_id)["name"]
    return next(line for line in output.splitlines() if line.startswith(name + "."))


# -- the manifest and its local copy ----------------------------------------------------


def test_the_local_copy_keeps_every_field_of_the_manifest_but_language() -> None:
    hooks = manifest_hooks()
    copies = local_hooks()
    assert [h["id"] for h in hooks] == ["licensetier", "licensetier-repo"]
    for original, copy in zip(hooks, copies, strict=True):
        assert {k: v for k, v in copy.items() if k != "language"} == {
            k: v for k, v in original.items() if k != "language"
        }
        assert copy["language"] == "system"
    # the commit hook takes the file names pre-commit passes: the staged files in a
    # commit, the given ones under `run --all-files` / `--files`
    files_hook = hook("licensetier")
    assert files_hook["entry"].split()[:2] == ["licensetier", "pre-commit"]
    assert files_hook["pass_filenames"] is True
    assert files_hook["stages"] == ["pre-commit"]
    repo_hook = hook("licensetier-repo")
    assert "--staged" not in repo_hook["entry"].split()
    assert repo_hook["always_run"] is True
    assert "manual" in repo_hook["stages"]


# -- the commit hook, through a real `git commit` ------------------------------------------


def test_a_commit_adding_an_agpl_file_is_refused(sdk: Path, env: dict[str, str]) -> None:
    before = head(sdk, env)
    shutil.copyfile(AGPL_FILE, sdk / "src" / "tracker.py")
    git(sdk, env, "add", "src/tracker.py")

    commit = run(sdk, env, "git", "commit", "-m", "add a tracker")

    assert commit.returncode != 0, commit.stdout
    assert head(sdk, env) == before  # no commit was made
    assert git(sdk, env, "diff", "--cached", "--name-only").split() == ["src/tracker.py"]
    assert "Failed" in hook_line(commit.stdout, "licensetier")
    assert "src/tracker.py" in commit.stdout
    assert any(reason in commit.stdout for reason in AGPL_REASONS), commit.stdout
    assert "AGPL-3.0" in commit.stdout


def test_a_clean_commit_passes(sdk: Path, env: dict[str, str]) -> None:
    before = head(sdk, env)
    (sdk / "src" / "greet.py").write_text(CLEAN_FILE, encoding="utf-8")
    git(sdk, env, "add", "src/greet.py")

    commit = run(sdk, env, "git", "commit", "-m", "add greet")

    assert commit.returncode == 0, commit.stdout
    assert "Passed" in hook_line(commit.stdout, "licensetier")  # it ran, and passed
    # the whole-repository hook is for pushes and manual runs, not commits
    assert hook("licensetier-repo")["name"] not in commit.stdout
    assert head(sdk, env) != before
    assert git(sdk, env, "show", "--name-only", "--format=", "HEAD").split() == ["src/greet.py"]


def test_only_staged_content_counts(sdk: Path, env: dict[str, str]) -> None:
    before = head(sdk, env)
    shutil.copyfile(AGPL_FILE, sdk / "src" / "tracker.py")  # in the work tree, not staged
    (sdk / "src" / "greet.py").write_text(CLEAN_FILE, encoding="utf-8")
    git(sdk, env, "add", "src/greet.py")

    commit = run(sdk, env, "git", "commit", "-m", "add greet")

    assert commit.returncode == 0, commit.stdout
    assert "Passed" in hook_line(commit.stdout, "licensetier")
    assert "src/tracker.py" not in commit.stdout
    assert head(sdk, env) != before
    assert git(sdk, env, "show", "--name-only", "--format=", "HEAD").split() == ["src/greet.py"]
    # pre-commit leaves untracked files alone: the hook saw the AGPL file and ignored it
    assert (sdk / "src" / "tracker.py").read_bytes() == AGPL_FILE.read_bytes()
    assert git(sdk, env, "status", "--porcelain").split() == ["??", "src/tracker.py"]


# -- the whole-repository hook --------------------------------------------------------------


def test_the_repository_hook_fails_on_a_committed_agpl_file(sdk: Path, env: dict[str, str]) -> None:
    shutil.copyfile(AGPL_FILE, sdk / "src" / "tracker.py")
    git(sdk, env, "add", "src/tracker.py")
    git(sdk, env, "commit", "-q", "--no-verify", "-m", "add a tracker, unchecked")
    assert git(sdk, env, "status", "--porcelain") == ""  # nothing staged: only the repo counts

    done = run(
        sdk,
        env,
        PRE_COMMIT,
        "run",
        "licensetier-repo",
        "--all-files",
        "--hook-stage",
        "manual",
    )

    assert done.returncode != 0, done.stdout
    assert "Failed" in hook_line(done.stdout, "licensetier-repo")
    assert "src/tracker.py" in done.stdout
    assert any(reason in done.stdout for reason in AGPL_REASONS), done.stdout


# -- `pre-commit run --all-files` / `--files`: how CI jobs and pre-commit.ci run hooks ---------


@pytest.fixture(scope="module")
def committed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """An MIT SDK with an AGPL file and a clean one committed without the hook, and
    nothing staged: what a CI job checks out."""
    tmp = tmp_path_factory.mktemp("committed")
    env = hook_env(tmp)
    repo = tmp / "sdk"
    repo.mkdir()
    shutil.copyfile(MIT_LICENSE, repo / "LICENSE")
    (repo / "licensetier.toml").write_text(SDK_CONFIG, encoding="utf-8")
    config = {"repos": [{"repo": "local", "hooks": local_hooks()}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (repo / "src").mkdir()
    shutil.copyfile(AGPL_FILE, repo / "src" / "tracker.py")
    (repo / "src" / "greet.py").write_text(CLEAN_FILE, encoding="utf-8")
    git(repo, env, "-c", "init.defaultBranch=main", "init", "-q")
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "initial")
    assert git(repo, env, "status", "--porcelain") == ""
    return repo, env


def test_run_all_files_fails_on_a_committed_agpl_file(
    committed: tuple[Path, dict[str, str]],
) -> None:
    repo, env = committed
    done = run(repo, env, PRE_COMMIT, "run", "--all-files")

    assert done.returncode != 0, done.stdout
    assert "Failed" in hook_line(done.stdout, "licensetier")
    assert "src/tracker.py" in done.stdout
    assert any(reason in done.stdout for reason in AGPL_REASONS), done.stdout
    # the whole-repository hook runs on push or by hand only
    assert hook("licensetier-repo")["name"] not in done.stdout


def test_run_files_checks_the_given_files_from_the_work_tree(
    committed: tuple[Path, dict[str, str]],
) -> None:
    repo, env = committed
    agpl = run(repo, env, PRE_COMMIT, "run", "licensetier", "--files", "src/tracker.py")
    assert agpl.returncode != 0, agpl.stdout
    assert "Failed" in hook_line(agpl.stdout, "licensetier")
    assert "src/tracker.py" in agpl.stdout
    assert "AGPL-3.0" in agpl.stdout

    # another file: the AGPL one is not among the given files, and is not reported
    clean = run(repo, env, PRE_COMMIT, "run", "licensetier", "--files", "src/greet.py")
    assert clean.returncode == 0, clean.stdout
    assert "Passed" in hook_line(clean.stdout, "licensetier")
    assert "src/tracker.py" not in clean.stdout
