"""A finding's identity across runs: what a baseline records, what --diff-base
compares, and what SARIF's ``partialFingerprints`` carry so that code scanning tracks
a finding from one run to the next.

It is made of the rule, the path, the license, the dependency without its version and
the artifact: not the line (a finding stays the same finding when lines move above it),
not the message (its wording may change between releases), not the dependency's version
(an update that keeps the license keeps the finding).
"""

from __future__ import annotations

import hashlib

from licensetier.models import Finding

FINGERPRINT_VERSION = "v1"


def unversioned(purl: str | None) -> str:
    """A package URL without its version (and qualifiers)."""
    if not purl:
        return ""
    base = purl.split("?", 1)[0].split("#", 1)[0]
    name_at = base.rfind("@")
    return base[:name_at] if name_at > base.rfind("/") else base


def fingerprint(finding: Finding) -> str:
    parts = (
        finding.rule,
        finding.path or "",
        finding.license or "",
        unversioned(finding.dependency),
        finding.artifact,
    )
    # a path that is not UTF-8 is hashed as its raw bytes (os.fsdecode's surrogates)
    digest = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()
    return f"{FINGERPRINT_VERSION}:{digest}"
