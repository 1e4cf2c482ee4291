"""Follow "see the LICENSE file"-style references to other files, as ``scancode --license`` does.

Per file, ``scancode.api.get_licenses`` is what ScanCode runs. The ``scancode
--license`` CLI then runs one codebase-level step more
(``licensedcode.plugin_license.LicenseScanner.process_codebase``): it walks the
codebase bottom-up and, for each file whose detections match a rule with
``referenced_filenames`` ("For license information see LICENSE."), looks the
referenced file up beside the file, then at the root, and folds the referenced
file's detections into the referencing one (``unknown-license-reference`` becomes
``apache-2.0``).

:func:`follow_references` runs that step with ScanCode's own functions
(``add_referenced_filenames_license_matches_for_detections`` and what it calls) on a
minimal stand-in for ScanCode's ``Codebase`` and ``Resource``, so that the result is
the CLI's. What the stand-in reproduces:

* resource paths as the CLI names them: the scanned directory's name, then the
  path relative to it (``myrepo/src/a.py``); the root resource's path is that name;
* the walk order of ``Codebase.walk(topdown=False)``: in each directory, files
  first, then subdirectories (each after its own contents), each group by
  case-insensitive name; the order matters when references chain;
* the state the CLI is in when the step runs: the matches' ``from_file`` is still
  empty (the CLI fills it in later, in ``collect_license_detections``), and every
  resource's mappings are its own, mutated in place as the CLI's in-memory
  codebase is.

Only files with a detection that matches a rule with ``referenced_filenames`` are
visited (one dictionary look-up per match decides it); the others cost nothing
more and are never changed by this step. Files the walk left out (binaries,
ignored, oversized files) are not resources: a reference to one is not followed.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from licensetier.detect.engine import _detection
from licensetier.models import Detection

# Rules that ScanCode builds from a match mapping instead of looking them up in the
# index (``licensedcode.models.Rule.from_match_data``); they reference no file.
_SYNTHETIC_RULE_PREFIXES = (
    "spdx-license-identifier",
    "license-detection-unknown",
    "package-manifest",
)


@dataclass(frozen=True)
class Updated:
    """A file's license after its references were followed."""

    license: str | None  # ScanCode's detected_license_expression
    license_spdx: str | None  # ...and its SPDX form
    detections: tuple[Detection, ...]


def has_references(detections: Sequence[Mapping[str, Any]], rules_by_id: Mapping[str, Any]) -> bool:
    """True when some match of ``detections`` is to a rule with ``referenced_filenames``."""
    for detection in detections:
        for match in detection.get("matches") or ():
            identifier = str(match.get("rule_identifier") or "")
            if identifier.startswith(_SYNTHETIC_RULE_PREFIXES):
                continue
            rule = rules_by_id.get(identifier)
            if rule is not None and rule.referenced_filenames:
                return True
    return False


def follow_references(
    raw: Mapping[str, Sequence[dict[str, Any]]],
    root_name: str,
    referencing: Sequence[str] | None = None,
    looked_up: dict[str, set[str]] | None = None,
) -> dict[str, Updated]:
    """Follow license references between files as ``scancode --license`` does.

    ``raw`` maps each walked file (a POSIX path relative to the scanned root) to
    ScanCode's ``license_detections`` mappings for it, as ``get_licenses`` returns
    them; files without detections may be left out. ``root_name`` is the name of the
    scanned directory, the first segment of the CLI's resource paths.

    Returns, for each file whose license changed, its new expression, SPDX
    expression and detections. ``raw`` is not modified. ``referencing`` lists the
    files known to hold a reference (:func:`has_references`, noted at detection time);
    without it they are found with the index. ``looked_up``, if given, receives for
    each referencing file the files ScanCode looked up for it (relative paths, found
    or not): what its outcome depends on, besides itself and what those files
    looked up in turn.
    """
    if not any(raw.values()):
        return {}
    if referencing is not None:
        candidates = [path for path in referencing if raw.get(path)]
    else:
        from licensedcode.cache import get_index

        rules_by_id = get_index().rules_by_id
        candidates = [
            path for path, found in raw.items() if found and has_references(found, rules_by_id)
        ]
    if not candidates:
        return {}

    from licensedcode.plugin_license import add_referenced_filenames_license_matches_for_detections

    codebase = _Codebase(raw, root_name, candidates)
    if looked_up is not None:
        codebase.looked_up = looked_up
    updated: dict[str, Updated] = {}
    for resource in codebase.walk(topdown=False):
        if add_referenced_filenames_license_matches_for_detections(resource, codebase):
            updated[resource.rel] = Updated(
                license=resource.detected_license_expression,
                license_spdx=resource.detected_license_expression_spdx,
                detections=tuple(_detection(d) for d in resource.license_detections),
            )
    return updated


def walk_order_key(path: str) -> tuple[tuple[bool, str, str], ...]:
    """Sort key that puts relative file paths in ``Codebase.walk(topdown=False)`` order.

    ScanCode sorts the children of a directory by ``(has_children, name.lower(),
    name)`` and yields each child after its own descendants; for files alone, that
    is this order on their path segments (every directory on a file's path has
    children).
    """
    *dirs, name = path.split("/")
    return (*((True, d.lower(), d) for d in dirs), (False, name.lower(), name))


class _Resource:
    """What ScanCode's reference step reads and writes of a file ``Resource``."""

    is_file = True
    is_root = False

    def __init__(self, rel: str, path: str, detections: list[dict[str, Any]]) -> None:
        self.rel = rel  # relative to the scanned root, as licensetier names files
        self.path = path  # as the CLI names resources: root name first
        self.license_detections = detections
        self.license_clues: list[dict[str, Any]] = []
        self.detected_license_expression: str | None = None
        self.detected_license_expression_spdx: str | None = None

    def parent_path(self) -> str:
        from commoncode.fileutils import parent_directory

        return str(parent_directory(self.path, with_trail=False))

    def __repr__(self) -> str:
        return f"Resource(path={self.path!r})"


class _Root:
    is_file = False
    is_root = True

    def __init__(self, path: str) -> None:
        self.path = path

    def parent_path(self) -> None:
        return None


class _Codebase:
    """What ScanCode's reference step reads and writes of a ``Codebase``.

    Resources are built on first use, each with its own deep copy of the file's
    mappings, and then kept: ScanCode mutates them in place (a referenced file's
    matches get their ``from_file``; a referencing file's detection gets the
    referenced matches), and later look-ups see those changes, as in the CLI.
    """

    has_single_resource = False

    def __init__(
        self, raw: Mapping[str, Sequence[dict[str, Any]]], root_name: str, candidates: list[str]
    ) -> None:
        self._raw = raw
        self._candidates = candidates
        self.root = _Root(root_name)
        self._prefix = root_name + "/"
        self._resources: dict[str, _Resource] = {}
        # what each referencing file's step looked up (see follow_references)
        self.looked_up: dict[str, set[str]] = {}
        self._current: str | None = None

    def _resource(self, rel: str) -> _Resource:
        resource = self._resources.get(rel)
        if resource is None:
            detections = copy.deepcopy(list(self._raw[rel]))
            resource = self._resources[rel] = _Resource(rel, self._prefix + rel, detections)
        return resource

    def get_resource(self, path: str) -> _Resource | None:
        from commoncode.resource import clean_path

        path = clean_path(path)
        if not path.startswith(self._prefix):
            return None
        rel = path[len(self._prefix) :]
        if self._current is not None:
            self.looked_up.setdefault(self._current, set()).add(rel)
        if not self._raw.get(rel):
            # Not walked, a directory, or no detections: to the reference step,
            # a resource without license_detections is as good as none.
            return None
        return self._resource(rel)

    def save_resource(self, resource: _Resource) -> None:
        """Resources are kept in memory and changed in place: nothing to save."""

    def walk(self, topdown: bool = True) -> Iterator[_Resource]:
        if topdown:
            raise NotImplementedError("only the bottom-up walk of the reference step")
        for rel in sorted(self._candidates, key=walk_order_key):
            self._current = rel
            self.looked_up.setdefault(rel, set())
            yield self._resource(rel)
        self._current = None
