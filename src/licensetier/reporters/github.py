"""GitHub Actions workflow commands (``--format github``): one ``::error`` or
``::warning`` annotation per error or warning that is not excepted and not existing,
with its file and line, so that a pull request shows it on the diff. Information and
existing findings are not annotated; a notice line sums them up.
"""

from __future__ import annotations

import re

from licensetier.models import ScanResult, Severity
from licensetier.printable import printable

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


def render(result: ScanResult, **_options: object) -> str:
    lines: list[str] = []
    quiet = 0
    for f in result.findings:
        command = COMMAND.get(f.severity)
        if command is None or f.excepted or f.existing:
            quiet += 1
            continue
        properties = [f"title={_property(f.rule)}"]
        if f.path:
            properties.insert(0, f"file={_property(f.path)}")
            if f.line:
                properties.insert(1, f"line={f.line}")
        lines.append(f"::{command} {','.join(properties)}::{_data(f.message)}")
    for e in result.errors:
        where = [f"file={_property(e.path)}"] + ([f"line={e.line}"] if e.line else [])
        lines.append(f"::warning {','.join(where)},title=scan problem::{_data(e.message)}")
    if quiet:
        lines.append(
            f"::notice title=licensetier::{quiet} findings are information, excepted by the "
            "configuration, or existed before; see the job summary"
        )
    return "\n".join(lines) + ("\n" if lines else "")
