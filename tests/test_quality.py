"""The project's own quality gates run with the tests: ruff and mypy --strict on src/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, check=False)


def test_ruff_is_clean() -> None:
    lint = _run(str(BIN / "ruff"), "check", ".")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_mypy_strict_on_src() -> None:
    typed = _run(str(BIN / "mypy"))
    assert typed.returncode == 0, typed.stdout + typed.stderr


def test_scancode_engine_imports_with_the_pinned_pluggy() -> None:
    # scancode-toolkit 32.5.0 fails to import with pluggy >= 1.6: a bad resolve fails here.
    done = _run(
        sys.executable,
        "-c",
        "import scancode.api, licensedcode.cache, pluggy; print(pluggy.__version__)",
    )
    assert done.returncode == 0, done.stderr
    major, minor = (int(x) for x in done.stdout.strip().split(".")[:2])
    assert (major, minor) < (1, 6)
