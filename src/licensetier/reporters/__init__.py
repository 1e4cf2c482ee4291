"""Reporters: each a pure ``render(result, ...) -> str``; the CLI writes the output."""

from __future__ import annotations

from collections.abc import Callable

from licensetier.models import ScanResult
from licensetier.reporters import json_report, text

Renderer = Callable[..., str]

REPORTER_BY_NAME: dict[str, Renderer] = {
    "text": text.render,
    "json": json_report.render,
}


def render(name: str, result: ScanResult, **options: object) -> str:
    return REPORTER_BY_NAME[name](result, **options)
