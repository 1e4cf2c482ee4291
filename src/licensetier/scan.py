"""The orchestrator: ``Scanner(config, ...).scan(root) -> ScanResult``.

walk -> detect -> declared licenses -> classify -> evaluate. Nothing here prints or
exits; progress is reported through a callback.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from licensetier import declared as declared_mod
from licensetier.config import Config
from licensetier.detect.engine import Engine, scancode_version
from licensetier.detect.references import follow_references
from licensetier.errors import ManifestError
from licensetier.license_db import LicenseDB
from licensetier.lineage import lineage_findings
from licensetier.models import (
    Artifact,
    DeclaredLicense,
    FileResult,
    Finding,
    ScanError,
    ScanResult,
    Severity,
)
from licensetier.policy import (
    Policy,
    apply_exceptions,
    evaluate_artifact,
    evaluate_files,
    owner_of,
    sort_findings,
)
from licensetier.tiers import TierData
from licensetier.walk import WalkedFile, walk

Progress = Callable[[int, int, str], None]

# The artifact's own license files, at its root: LICENSE, LICENCE.md, LICENSE-MIT,
# COPYING, COPYING.LESSER, UNLICENSE.
DECLARING_FILE_NAME = re.compile(r"^(un)?licen[cs]e([._-].*)?$|^copying([._-].*)?$", re.I)


class Scanner:
    def __init__(
        self,
        config: Config,
        db: LicenseDB,
        tiers: TierData,
        *,
        engine: Engine | None = None,
        today: dt.date | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.config = config
        self.db = db
        self.tiers = tiers
        self.engine = engine or Engine()
        self.today = today or dt.date.today()
        self.progress = progress
        self.policy = Policy(db, tiers, config)

    # -- stages ------------------------------------------------------------------------
    def _detect(
        self, files: Sequence[WalkedFile]
    ) -> tuple[list[FileResult], list[ScanError], dict[str, tuple[dict[str, Any], ...]]]:
        results: list[FileResult] = []
        errors: list[ScanError] = []
        raw: dict[str, tuple[dict[str, Any], ...]] = {}  # ScanCode's mappings, for references
        total = len(files)
        if files and self.progress and not self.engine.loaded:
            self.progress(0, total, "loading ScanCode's license index")
            self.engine.index()
        for n, item in enumerate(files, start=1):
            if self.progress:
                self.progress(n - 1, total, item.path)
            try:
                found = self.engine.detect_file(item.location)
            except Exception as exc:
                errors.append(ScanError(item.path, f"license detection failed: {exc!r}"))
                results.append(FileResult(item.path, None, None))
                continue
            if found.timed_out:
                errors.append(
                    ScanError(
                        item.path,
                        f"license detection stopped at the per-file deadline "
                        f"({self.engine.timeout:.0f} s); its result may be incomplete",
                    )
                )
            results.append(
                FileResult(
                    path=item.path,
                    license=found.license,
                    license_spdx=found.license_spdx,
                    detections=found.detections,
                    clues=found.clues,
                    engine=found.engine,
                )
            )
            if found.raw_detections:
                raw[item.path] = found.raw_detections
        if self.progress:
            self.progress(total, total, "")
        return results, errors, raw

    def _artifacts(self, root: Path, errors: list[ScanError]) -> list[Artifact]:
        specs = sorted(self.config.artifacts, key=lambda a: (a.path != ".", a.path))
        artifacts = [Artifact(s.path, s.kind, s.tier, s.license, origin=s.origin) for s in specs]
        if not artifacts or artifacts[0].path != ".":
            artifacts.insert(0, Artifact(".", None, None, None, origin="implicit"))
        for art in artifacts:
            if art.path != "." and not (root / art.path).is_dir():
                errors.append(
                    ScanError(
                        self.config.source or "configuration",
                        f'artifact path "{art.path}" is not a directory under {root}',
                    )
                )
        return artifacts

    def _declared(
        self,
        root: Path,
        art: Artifact,
        by_path: dict[str, FileResult],
        errors: list[ScanError],
    ) -> Artifact:
        statements: list[DeclaredLicense] = []
        prefix = "" if art.path == "." else art.path + "/"
        for path, result in sorted(by_path.items()):
            if not path.startswith(prefix) or "/" in path[len(prefix) :]:
                continue
            if not DECLARING_FILE_NAME.match(path[len(prefix) :]):
                continue
            first = result.detections[0] if result.detections else None
            statements.append(
                DeclaredLicense(
                    source=path,
                    field="file",
                    license=result.license,
                    license_spdx=result.license_spdx,
                    raw=result.license_spdx or "(no license text recognised)",
                    score=min((d.score for d in result.detections), default=0.0),
                    line=first.start_line if first else None,
                    low_confidence=result.license is None,
                )
            )
        directory = root if art.path == "." else root / art.path
        if directory.is_dir():
            found, problems = declared_mod.read_declared(
                directory, art.path, self.db, self.engine.detect_text
            )
            statements.extend(found)
            errors.extend(problems)
        spdx = _combine([d.license_spdx for d in statements if d.license_spdx])
        classification = None
        if spdx:
            classification = self.policy.classify(self.db.spdx_to_keys(spdx), art.tier, art.kind)
        return replace(
            art,
            declared=tuple(statements),
            declared_license=spdx,
            declared_classification=classification,
        )

    def _lineage(self, root: Path, art: Artifact) -> list[Finding]:
        directory = root if art.path == "." else root / art.path
        card_path = declared_mod.find_model_card(directory)
        if card_path is None:
            return []
        source = card_path.relative_to(root).as_posix()
        try:
            card = declared_mod.read_model_card(card_path, source)
        except ManifestError:
            return []  # already reported by the declared-license reader
        return lineage_findings(art, card, self.db) if card and card.base_model else []

    # -- the whole scan ----------------------------------------------------------------
    def scan(self, root: Path) -> ScanResult:
        root = root.resolve()
        walked = walk(root, max_size=self.config.max_file_size, exclude=self.config.exclude)
        errors: list[ScanError] = []
        artifacts = self._artifacts(root, errors)
        results, detect_errors, raw = self._detect(walked.files)
        errors.extend(detect_errors)
        # -- follow "see LICENSE"-style references as `scancode --license` does ----------
        try:
            followed = follow_references(raw, root.name)
        except Exception as exc:
            followed = {}
            errors.append(ScanError(".", f"following license references failed: {exc!r}"))
        results = [
            replace(r, license=u.license, license_spdx=u.license_spdx, detections=u.detections)
            if (u := followed.get(r.path))
            else r
            for r in results
        ]
        # -- end of reference following ------------------------------------------------
        by_path = {r.path: r for r in results}
        artifacts = [self._declared(root, a, by_path, errors) for a in artifacts]
        classified = []
        for r in results:
            if r.license:
                art = owner_of(r.path, artifacts)
                r = replace(r, classification=self.policy.classify(r.license, art.tier, art.kind))
            classified.append(r)
        findings: list[Finding] = []
        for art in artifacts:
            findings.extend(evaluate_artifact(self.policy, art))
            findings.extend(self._lineage(root, art))
        findings.extend(evaluate_files(self.policy, classified, artifacts))
        findings = apply_exceptions(findings, self.config, self.db, self.today)
        notes: list[str] = []
        if all(a.tier is None for a in artifacts):
            notes.append(
                "No tier was declared: licenses and families are reported, but nothing is "
                "checked against a tier. Declare artifacts in [tool.licensetier] or "
                "licensetier.toml, or pass --kind/--tier."
            )
            findings.append(
                Finding(
                    Severity.INFO, "no-tier-declared", notes[-1],
                    "Whether a license conflicts depends on what the artifact is meant to be.",
                    "Declare the artifact's kind or tier.",
                    None, None, None, None, None, ".", None,
                )
            )  # fmt: skip
        engine_info = {
            "scancode_toolkit": scancode_version(),
            "license_db": self.db.version,
            "detection": "fast" if self.engine.fast else "full",
        }
        if self.engine.index_load_seconds is not None:
            engine_info["index_load_seconds"] = f"{self.engine.index_load_seconds:.2f}"
        return ScanResult(
            root=str(root),
            artifacts=tuple(artifacts),
            files=tuple(classified),
            skipped=tuple(walked.skipped),
            findings=tuple(sort_findings(findings)),
            errors=tuple(errors),
            notes=tuple(notes),
            engine=engine_info,
        )


def _combine(expressions: Sequence[str]) -> str | None:
    distinct = list(dict.fromkeys(expressions))
    if not distinct:
        return None
    if len(distinct) == 1:
        return distinct[0]
    return " AND ".join(f"({e})" if " " in e else e for e in distinct)
