"""ScanCode's reference step (:func:`licensetier.detect.references.follow_references`),
remembered in the detection cache file by file, so that a rescan of unchanged files,
or a staged scan that sees only some of them, does not load ScanCode's index for it.

A referencing file's outcome depends on its own detections and on the files ScanCode
looks up for it (beside it and at the root,
``licensedcode.detection.find_referenced_resource``), found or not, and on what those
looked up in turn. The cache keeps, under the file's path and content, that list of
files with the content each had, and the outcome; it is reused while every one of them
is as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from licensetier.cache import DetectionCache
from licensetier.detect.engine import (
    Engine,
    detection_from_payload,
    detection_payload,
    scancode_version,
)
from licensetier.detect.references import Updated, follow_references

REFERENCES_NAMESPACE = "references-3"


class RememberedReferences:
    """Follows the references of one scan's files, through the cache.

    ``raw``: ScanCode's detection mappings of each file that has some; ``content``:
    each such file's content key (git blob id, or the hash of what was read)."""

    def __init__(
        self,
        engine: Engine,
        cache: DetectionCache | None,
        db_version: str,
        raw: Mapping[str, tuple[dict[str, Any], ...]],
        content: Mapping[str, str],
    ) -> None:
        self.engine = engine
        self.cache = cache if cache is not None and cache.enabled else None
        self.db_version = db_version
        self.raw = raw
        self.content = content

    def follow(self, referencing: Sequence[str], root_name: str) -> dict[str, Updated]:
        """The files of ``referencing`` whose license the references change, with their
        new license; ``root_name`` is the scanned directory's name, as ScanCode's
        resource paths begin with it."""
        referencing = [path for path in referencing if self.raw.get(path)]
        if not referencing:
            return {}
        keys = {path: self._key(root_name, path) for path in referencing}
        found: dict[str, Updated] = {}
        missing = False
        for path in referencing:
            known, updated = self._remembered(keys[path])
            if not known:
                missing = True
            elif updated is not None:
                found[path] = updated
        if not missing:
            return found
        self.engine.index()  # loaded as the engine loads it, before ScanCode asks for it
        looked_up: dict[str, set[str]] = {}
        followed = follow_references(self.raw, root_name, referencing, looked_up)
        if self.cache is not None:
            for path in referencing:
                self._remember(keys[path], _depends(path, looked_up), followed.get(path))
        return followed

    def _of(self, path: str) -> str | None:
        """The content key of a file with detections; None for any other (a file the
        scan did not read, or without detections, is looked up as absent)."""
        return self.content.get(path) if self.raw.get(path) else None

    def _key(self, root_name: str, path: str) -> str:
        digest = hashlib.sha256()
        for part in (scancode_version(), self.db_version, root_name, self.engine.fast, path):
            digest.update(f"{part}\0".encode("utf-8", "surrogateescape"))  # a non-UTF-8 name
        digest.update(f"{self._of(path)}\0".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def _remembered(self, key: str) -> tuple[bool, Updated | None]:
        """(whether the cache answers, and its answer) for one referencing file."""
        if self.cache is None:
            return False, None
        remembered = self.cache.get_value(REFERENCES_NAMESPACE, key)
        try:
            if not isinstance(remembered, dict) or not isinstance(remembered["depends"], dict):
                return False, None
            if any(self._of(p) != c for p, c in remembered["depends"].items()):
                return False, None  # a file it looked up changed
            updated = remembered["updated"]
            return True, None if updated is None else _updated(updated)
        except (KeyError, TypeError, ValueError):
            return False, None  # an entry of another shape: compute it again

    def _remember(self, key: str, depends: set[str], updated: Updated | None) -> None:
        assert self.cache is not None
        self.cache.put_value(
            REFERENCES_NAMESPACE,
            key,
            {
                "depends": {p: self._of(p) for p in sorted(depends)},
                "updated": None
                if updated is None
                else {
                    "license": updated.license,
                    "license_spdx": updated.license_spdx,
                    "detections": [detection_payload(d) for d in updated.detections],
                },
            },
        )


def _depends(path: str, looked_up: Mapping[str, set[str]]) -> set[str]:
    """What ``path`` looked up, and what those looked up in turn."""
    depends: set[str] = set()
    todo = [path]
    while todo:
        for other in looked_up.get(todo.pop(), ()):
            if other not in depends:
                depends.add(other)
                todo.append(other)
    return depends


def _updated(value: dict[str, Any]) -> Updated:
    return Updated(
        license=value["license"],
        license_spdx=value["license_spdx"],
        detections=tuple(detection_from_payload(d) for d in value["detections"]),
    )
