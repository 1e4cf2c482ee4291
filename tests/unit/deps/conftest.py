"""Fixtures of the dependency tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from licensetier.cache import DetectionCache


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[DetectionCache]:
    """A real, empty detection cache (online answers are kept in it)."""
    opened = DetectionCache.open(tmp_path / "cache", engine_version="x", db_version="y")
    assert opened.enabled, opened.warnings
    yield opened
    opened.close()
