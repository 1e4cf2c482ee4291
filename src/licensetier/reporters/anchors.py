"""Where an annotation or a code-scanning alert is placed: a finding's file and line,
relative to the top of the git repository (``prefix``: the scanned directory's path
from there, so that ``licensetier scan src`` puts ``src/vendor/x.py``, not
``vendor/x.py``, where GitHub looks for it).

A finding about an artifact as a whole (no license declared, a declared license that
conflicts with its tier) has no file of its own; GitHub's code scanning drops an alert
without a file. Such a finding is anchored on the file that should carry the fix: the
statement that declared the license (its file and line), else the artifact's manifest,
else the path of the artifact's root ``LICENSE`` (the file to add).
"""

from __future__ import annotations

from collections.abc import Iterable

from licensetier.models import Artifact, Finding, ScanResult
from licensetier.paths import is_license_file_name
from licensetier.readers.routes import is_declaring

LICENSE_FILE = "LICENSE"


def join(prefix: str, path: str) -> str:
    """``path`` (relative to the scanned directory) relative to the repository's top."""
    if not prefix or path.startswith("/"):
        return path
    if path in ("", "."):
        return prefix.rstrip("/") or "."
    return prefix + path


def _in(artifact: str, path: str) -> str | None:
    """``path`` relative to ``artifact``'s directory, if it is directly in it."""
    if artifact == ".":
        return path if "/" not in path else None
    head, _slash, name = path.rpartition("/")
    return name if head == artifact else None


def _manifest(artifact: str, files: Iterable[str]) -> str | None:
    names = sorted(
        p
        for p in files
        if (name := _in(artifact, p)) is not None
        and is_declaring(name)
        and not is_license_file_name(name)
    )
    return names[0] if names else None


def _artifact_file(artifact: str, name: str) -> str:
    return name if artifact == "." else f"{artifact}/{name}"


def anchor(finding: Finding, result: ScanResult) -> tuple[str | None, int | None]:
    """The finding's file and line relative to the scanned directory; for a finding
    about a whole artifact, the file that should carry the fix (see the module)."""
    if finding.path:
        return finding.path, finding.line
    artifact: Artifact | None = next(
        (a for a in result.artifacts if a.path == finding.artifact), None
    )
    if artifact is None:
        return None, None
    declared = [d for d in artifact.declared if d.source and not d.source.startswith("/")]
    if declared and finding.rule.startswith("declared-"):
        first = declared[0]
        return first.source, first.line
    manifest = _manifest(artifact.path, (f.path for f in result.files))
    if manifest is not None:
        return manifest, None
    return _artifact_file(artifact.path, LICENSE_FILE), None


def located(finding: Finding, result: ScanResult, prefix: str) -> tuple[str | None, int | None]:
    """:func:`anchor`, relative to the repository's top."""
    path, line = anchor(finding, result)
    return (join(prefix, path) if path is not None else None), line
