"""Reporters: each a pure ``render(result, ...) -> str``; the CLI writes the output.

A reporter's module is imported when it is used (the text reporter pulls in rich,
which a JSON run does not need).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from licensetier.models import ScanResult

Renderer = Callable[..., str]

# format name -> the module (under licensetier.reporters) whose `render` writes it
REPORTER_BY_NAME: dict[str, str] = {
    "text": "text",
    "json": "json_report",
    "github": "github",
    "sarif": "sarif",
    "markdown": "markdown",
    "spdx": "spdx",
    "cyclonedx": "cyclonedx",
}


def renderer(name: str) -> Renderer:
    module = importlib.import_module(f"licensetier.reporters.{REPORTER_BY_NAME[name]}")
    function: Renderer = module.render
    return function


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 file``, ``2 files``; ``many`` where adding an s is wrong."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def render(name: str, result: ScanResult, **options: object) -> str:
    return renderer(name)(result, **options)
