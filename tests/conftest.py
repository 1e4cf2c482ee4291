"""Shared fixtures: fixture repositories copied into tmp_path, real git, the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV, "HOME": str(cwd)}
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def make_git_repo(path: Path) -> Path:
    git(path, "init", "-q")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "initial")
    return path


@pytest.fixture(autouse=True)
def isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own detection cache: none reads or fills the user's."""
    directory = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("LICENSETIER_CACHE_DIR", str(directory))
    return directory


UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens, a connection is refused


@pytest.fixture(autouse=True)
def no_public_registries(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test asks a public registry: pip's and npm's configured registries and the
    deps.dev API point at a port of 127.0.0.1 where nothing listens. Tests of online
    lookups start their own server and pass its address with the CLI's flags."""
    monkeypatch.setenv("PIP_INDEX_URL", f"{UNREACHABLE}/simple")
    monkeypatch.setenv("npm_config_registry", f"{UNREACHABLE}/")
    monkeypatch.setenv("LICENSETIER_DEPS_DEV_URL", f"{UNREACHABLE}/v3")


@pytest.fixture
def fixture_repo(tmp_path: Path) -> Callable[..., Path]:
    """Copy a scenario from fixtures/ into tmp_path; a real git repository by default."""

    def copy(name: str, *, git_repo: bool = True) -> Path:
        target = tmp_path / name
        shutil.copytree(FIXTURES / name, target)
        if git_repo:
            make_git_repo(target)
        return target

    return copy


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def run_cli() -> Callable[..., Run]:
    """Invoke the real click command in-process (ScanCode's index loads once per session)."""

    from licensetier.cli.main import cli

    def invoke(*args: str | Path) -> Run:
        runner = CliRunner()
        result = runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke
