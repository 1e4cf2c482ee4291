"""Helpers for the hostile-repository tests: a marker program that must never run, a
directory outside the scanned root that must never be opened, and an audit hook that
records every path Python opens or lists.

Each test builds its hostile case in ``tmp_path`` and asserts the exact outcome (no
marker, nothing opened outside the root, the exit code, the entry in ``errors[]`` or
``skipped[]``); docs/security.md names the test that proves each guarantee.
"""

from __future__ import annotations

import os
import stat
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass
class Marker:
    """A program that, if it ever runs, leaves ``trace`` behind."""

    program: Path
    trace: Path

    @property
    def ran(self) -> bool:
        return self.trace.exists()

    def shell(self) -> str:
        """The program as a git config value (``sh -c`` style command line)."""
        return str(self.program)


@pytest.fixture
def marker(tmp_path_factory: pytest.TempPathFactory) -> Marker:
    place = tmp_path_factory.mktemp("marker")
    trace = place / "RAN"
    program = place / "marker.sh"
    program.write_text(f'#!/bin/sh\necho "$0 $*" >> "{trace}"\ncat\n', encoding="utf-8")
    program.chmod(program.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return Marker(program, trace)


@pytest.fixture
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory outside every scanned root, full of things worth reading: license
    texts, manifests, metadata. Nothing below it may be opened or listed by a scan."""
    place = tmp_path_factory.mktemp("outside")
    (place / "LICENSE").write_text(
        "GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November 2007\n", encoding="utf-8"
    )
    (place / "pyproject.toml").write_text(
        '[project]\nname = "secret"\nlicense = "AGPL-3.0-only"\n'
        '[tool.licensetier]\nexclude = ["**"]\n',
        encoding="utf-8",
    )
    (place / "licensetier.toml").write_text('exclude = ["**"]\n', encoding="utf-8")
    (place / "package.json").write_text(
        '{"name": "secret", "version": "1.0.0", "license": "SSPL-1.0"}', encoding="utf-8"
    )
    (place / "README.md").write_text(
        "---\nlicense: apache-2.0\nbase_model: meta-llama/Llama-3.1-8B\n---\n", encoding="utf-8"
    )
    return place


@dataclass
class Opened:
    """Paths that Python opened or listed while the recorder was on."""

    paths: list[str] = field(default_factory=list)

    def under(self, directory: Path) -> list[str]:
        real = os.path.realpath(directory)
        return [p for p in self.paths if p == real or p.startswith(real + os.sep)]


_RECORDERS: list[Opened] = []
_HOOKED = False

_EVENTS = {"open", "os.listdir", "os.scandir", "os.chdir", "shutil.copyfile"}
_BUSY = threading.local()


def _hook(event: str, args: tuple[object, ...]) -> None:
    if not _RECORDERS or event not in _EVENTS or not args:
        return
    target = args[0]
    if isinstance(target, int) or target is None:
        return  # a file descriptor: its path was recorded when it was opened
    try:
        path = os.fsdecode(target)  # type: ignore[arg-type]
    except TypeError:
        return
    if getattr(_BUSY, "on", False):
        return
    _BUSY.on = True
    try:
        real = os.path.realpath(path)  # through links: where the bytes really come from
    finally:
        _BUSY.on = False
    for recorder in _RECORDERS:
        recorder.paths.append(real)


@pytest.fixture
def opened() -> Iterator[Opened]:
    """Record, with Python's audit hook, every path opened or listed in this process.
    (An audit hook cannot be removed: it is added once and does nothing while no test
    records.)"""
    global _HOOKED
    if not _HOOKED:
        sys.addaudithook(_hook)
        _HOOKED = True
    recorder = Opened()
    _RECORDERS.append(recorder)
    try:
        yield recorder
    finally:
        _RECORDERS.remove(recorder)
