"""GitHub Actions workflow commands (``--format github``): one ``::error`` or
``::warning`` annotation per error or warning that is not excepted and not existing,
with its file and line, so that a pull request shows it on the diff. Information and
existing findings are not annotated; a notice line sums them up.

Paths are relative to the top of the git repository (option ``repo_prefix``: the
scanned directory's path from there), where GitHub looks for them; a finding about a
whole artifact is placed on the file that should carry the fix
(:mod:`licensetier.reporters.anchors`).
"""

from __future__ import annotations

import re

from licensetier.models import ScanResult, Severity
from licensetier.printable import printable
from licensetier.reporters.anchors import join, located

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning"}


def _data(text: str) -> str:
    """A workflow command's message: printable (a file name's control characters and
    undecodable bytes escaped, so that no ESC reaches the log), then %, CR and LF
    escaped as GitHub's workflow commands require: a line break stays a line break of
    the annotation (%0A), every other control character is shown escaped."""
    lines = "\n".join(printable(line) for line in re.split(r"\r\n|\r|\n", text))
    return lines.replace("%", "%25").replace("\n", "%0A")


def _property(text: str) -> str:
    """A workflow command's property value (a file name): printable on one line (a
    line break in a name is shown as ``\\n``), then %, :, and , escaped."""
    escaped = printable(text).replace("%", "%25")
    return escaped.replace(":", "%3A").replace(",", "%2C")


def render(result: ScanResult, *, repo_prefix: str = "", **_options: object) -> str:
    lines: list[str] = []
    quiet = 0
    for f in result.findings:
        command = COMMAND.get(f.severity)
        if command is None or f.excepted or f.existing:
            quiet += 1
            continue
        properties = [f"title={_property(f.rule)}"]
        path, line = located(f, result, repo_prefix)
        if path:
            properties.insert(0, f"file={_property(path)}")
            if line:
                properties.insert(1, f"line={line}")
        lines.append(f"::{command} {','.join(properties)}::{_data(f.message)}")
    for e in result.errors:
        where = [f"file={_property(join(repo_prefix, e.path))}"] + (
            [f"line={e.line}"] if e.line else []
        )
        lines.append(f"::warning {','.join(where)},title=scan problem::{_data(e.message)}")
    if quiet:
        lines.append(
            f"::notice title=licensetier::{quiet} findings are information, excepted by the "
            "configuration, or existed before; see the job summary"
        )
    return "\n".join(lines) + ("\n" if lines else "")
