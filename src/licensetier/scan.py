"""The orchestrator: ``Scanner(config).scan(root) -> ScanResult``.

walk -> detect (:mod:`licensetier.detect.files`) -> references
(:mod:`licensetier.detect.reference_cache`) -> declared licenses -> classify ->
evaluate -> dependencies -> exceptions; then what the formats and commands ask for
beyond that (:class:`Extras`: file checksums for SBOMs, the notice's data). Every
command renders the one :class:`~licensetier.models.ScanResult` this returns. Nothing
here prints or exits; progress is reported through a callback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from licensetier import declared as declared_mod
from licensetier import fs, readiness, reuse, rules
from licensetier.cache import DetectionCache
from licensetier.config import (
    MAX_FILE_SIZE_CEILING,
    Config,
    near_miss_config,
    unread_config_files,
)
from licensetier.datasets import (
    DatasetCard,
    dataset_cards,
    dataset_infos,
    kind_findings,
    model_info,
    training_data_findings,
)
from licensetier.deps import discover
from licensetier.deps.base import Role
from licensetier.deps.resolve import Options as DepsOptions
from licensetier.deps.resolve import Resolver
from licensetier.detect.corrections import correct
from licensetier.detect.engine import Engine, scancode_version
from licensetier.detect.files import NOT_SCANNED, Detected, FileDetector, Progress
from licensetier.detect.pool import DEFAULT_WORKER_MEMORY
from licensetier.detect.reference_cache import RememberedReferences
from licensetier.errors import ManifestError
from licensetier.expressions import MAX_NESTING, ExpressionTooDeep, nesting
from licensetier.license_db import LicenseDB
from licensetier.lineage import lineage_findings
from licensetier.models import (
    Artifact,
    DatasetInfo,
    DeclaredLicense,
    Dependency,
    FileResult,
    Finding,
    ModelInfo,
    Openness,
    ScanError,
    ScanResult,
    SkippedFile,
    Weights,
)
from licensetier.obligations import obligation_findings
from licensetier.openness import Inputs as OpennessInputs
from licensetier.openness import assess, files_by_artifact, is_model_artifact
from licensetier.paths import is_license_file_name
from licensetier.policy import (
    Policy,
    apply_exceptions,
    classify_dependency,
    evaluate_artifact,
    evaluate_dependencies,
    evaluate_files,
    excepted_paths,
    owner_of,
    sort_findings,
)
from licensetier.readers import Reading, model_card, readme
from licensetier.readers.model_card import ModelCard, find_model_card
from licensetier.readers.weights import read_weights
from licensetier.reasoning import db_spdx, decide, is_clue, is_patent_grant_name
from licensetier.tiers import TierData, load_tiers
from licensetier.walk import SIZE_CAPPED, Walk, walk
from licensetier.weights import owned, weights_findings

__all__ = ["NOT_SCANNED", "OWN_DATA_FILES", "Extras", "Progress", "Scanner"]

# Files licensetier writes into a repository, which name licenses as data
OWN_DATA_FILES = frozenset({"licensetier-baseline.json"})


@dataclass(frozen=True)
class Extras:
    """What a scan gathers beyond files, findings and dependencies, for the formats
    and commands that need it (nothing by default: a scan answered from the cache
    reads no file)."""

    checksums: bool = False  # each reported file's SHA-1, of the content scanned (SBOMs)
    notice: bool = False  # the third-party notice's data (``licensetier notice``)
    include_dev: bool = False  # ... with the development-only dependencies
    openness_root: bool = False  # assess the root's openness even when it is no model


class Scanner:
    def __init__(
        self,
        config: Config,
        db: LicenseDB | None = None,
        tiers: TierData | None = None,
        *,
        engine: Engine | None = None,
        today: dt.date | None = None,
        progress: Progress | None = None,
        cache: DetectionCache | None = None,
        jobs: int = 1,
        deps: DepsOptions | None = None,
        max_memory: int = DEFAULT_WORKER_MEMORY,
        extras: Extras = Extras(),
    ) -> None:
        self.config = config
        self.db = db if db is not None else LicenseDB.load()
        self.tiers = tiers if tiers is not None else load_tiers()
        self.engine = engine or Engine()
        self.deps = deps  # None: dependencies are not read
        self.cache = cache
        self.today = today or dt.date.today()
        self.progress = progress
        self.extras = extras
        self.policy = Policy(self.db, self.tiers, config)
        # the whole run's time budget (--max-time, max_time): from now, for every scan
        # this scanner makes (the work tree and --diff-base's commit together)
        deadline = time.monotonic() + config.max_time if config.max_time else None
        self.detector = FileDetector(
            self.engine,
            cache,
            jobs=jobs,
            memory=max_memory,
            deadline=deadline,
            progress=progress,
        )

    # -- the whole scan ----------------------------------------------------------------
    def scan(
        self,
        root: Path,
        *,
        view: Path | None = None,
        listed: Mapping[str, str | None] | None = None,
        only: set[str] | None = None,
        compared: bool = False,
    ) -> ScanResult:
        """Scan ``root``. ``view``: read the files from this tree instead (the index's
        content for --staged, a commit's for --diff-base), at the same relative paths;
        installed copies of dependencies are still looked up below ``root``. ``only``:
        report only the files and findings of these paths, and the dependencies of the
        manifests and lockfiles among them (their directories' groups). ``listed``: the
        files of ``view`` with their git blob ids. ``compared``: the scan is only
        compared with another (--diff-base's commit): no :class:`Extras` are gathered."""
        root = root.resolve()
        source = view.resolve() if view is not None else root
        walked = self._walk(source, listed)
        errors: list[ScanError] = [ScanError(".", w) for w in walked.warnings]
        artifacts = self._artifacts(root, errors)
        detected = self.detector.detect(walked.files)
        errors.extend(detected.errors)
        if detected.unscanned:
            errors.append(ScanError(".", self._incomplete(len(detected.unscanned))))
        results = self._with_references(detected, root.name, errors)
        results = correct(results, source, self.db, errors)  # ScanCode's known misreadings
        annotated = reuse.annotate(source, results, [f.path for f in walked.files], self.db, errors)
        results = annotated.results  # REUSE annotations beside ScanCode's answers
        by_path = {r.path: r for r in results}
        reading = Reading()  # each manifest and model card read and parsed once
        artifacts = [self._declared(source, a, by_path, errors, reading) for a in artifacts]
        # the root's pyproject.toml as the manifest reader read it (not read twice)
        pyproject = reading.text_of("pyproject.toml") if source == root else None
        misses = near_miss_config(root, pyproject)
        errors.extend(ScanError(name, why, line) for name, line, why in misses)
        lockfiles = _not_components(results) | annotated.data_files
        classified = [self._classified(r, artifacts, lockfiles, errors) for r in results]
        weights = self._weights(source, walked, artifacts, errors)
        findings = self._findings(
            source, artifacts, classified, lockfiles, reading, errors, weights, root.name
        )
        findings.extend(weights_findings(weights, artifacts, self.db))
        # readiness's boundary check leaves out, as it does lockfiles, the files whose
        # licenses the configuration's path exceptions say are not the code's
        data = lockfiles | excepted_paths(by_path, self.config, self.today)
        checklists, ready = readiness.check(
            source, artifacts, classified, self.db, findings, errors, data
        )
        findings.extend(ready)
        cards = dataset_cards(source, [f.path for f in walked.files], reading, self.db, root.name)
        paths = [f.path for f in walked.files] + [
            s.path for s in walked.skipped if s.reason.startswith(SIZE_CAPPED)
        ]
        models, openness = self._models(
            source, artifacts, reading, errors, weights, cards, findings, paths, classified
        )
        findings.extend(kind_findings(cards, artifacts))
        datasets = dataset_infos(cards, artifacts)
        engine_info: dict[str, str] = {}
        dependencies: list[Dependency] = []
        if self.deps is not None:
            dependencies = self._dependencies(
                root, walked, artifacts, errors, engine_info, source=source, reading=reading
            )
            findings.extend(evaluate_dependencies(self.policy, dependencies, artifacts))
        findings = apply_exceptions(findings, self.config, self.db, self.today)
        notes = self._notes(artifacts, findings)
        capped = sum(1 for s in walked.skipped if s.reason.startswith(SIZE_CAPPED))
        if capped and not walked.files:
            notes.append(
                f"Every file was skipped: {capped} larger than the size cap of "
                f"{self.config.max_file_size} bytes (--max-file-size, max_file_size). "
                "Nothing was checked for licenses: write the cap with its unit, such as 5MB."
            )
        engine_info.update(self._tool(detected.detected))
        if self.cache is not None:
            errors.extend(ScanError(str(self.cache.path), w) for w in self.cache.warnings)
        if only is not None:
            classified, findings, dependencies = _only(only, classified, findings, dependencies)
            weights = tuple(w for w in weights if w.path in only)
            models, datasets = _only_models(only, models, datasets, weights)
            kept = {m.artifact for m in models}
            openness = [o for o in openness if o.artifact in kept]
        result = ScanResult(
            root=str(root),
            artifacts=tuple(artifacts),
            files=tuple(classified),
            skipped=_skipped(walked, detected),
            findings=tuple(sort_findings(findings)),
            errors=tuple(errors),
            notes=tuple(notes),
            engine=engine_info,
            dependencies=tuple(dependencies),
            not_scanned=len(detected.unscanned),
            weights=weights,
            models=tuple(models),
            datasets=tuple(datasets),
            openness=tuple(openness),
            checklists=tuple(checklists),
        )
        return result if compared else self._with_extras(result, root, source)

    def scan_dependencies(self, root: Path) -> ScanResult:
        """Only the artifacts and their dependencies: no file is read but the manifests,
        lockfiles and the installed copies' metadata (``files``, ``findings`` are empty)."""
        root = root.resolve()
        walked = self._walk(root)
        errors: list[ScanError] = [ScanError(".", w) for w in walked.warnings]
        engine_info: dict[str, str] = {}
        artifacts = self._artifacts(root, errors)
        found = self._dependencies(root, walked, artifacts, errors, engine_info)
        return ScanResult(
            root=str(root),
            artifacts=tuple(artifacts),
            files=(),
            skipped=(),
            findings=(),
            errors=tuple(errors),
            engine=engine_info,
            dependencies=tuple(found),
        )

    # -- the steps ---------------------------------------------------------------------
    def _with_references(
        self, detected: Detected, root_name: str, errors: list[ScanError]
    ) -> list[FileResult]:
        """The results with "see LICENSE"-style references followed, as
        ``scancode --license`` follows them."""
        references = RememberedReferences(
            self.engine, self.cache, self.db.version, detected.raw, detected.content
        )
        try:
            followed = references.follow(detected.referencing, root_name)
        except Exception as exc:
            followed = {}
            errors.append(ScanError(".", f"following license references failed: {exc!r}"))
        return [
            replace(r, license=u.license, license_spdx=u.license_spdx, detections=u.detections)
            if (u := followed.get(r.path))
            else r
            for r in detected.results
        ]

    def _classified(
        self,
        r: FileResult,
        artifacts: Sequence[Artifact],
        lockfiles: set[str],
        errors: list[ScanError],
    ) -> FileResult:
        """The file's license classified for its artifact (a lockfile's are not)."""
        if not r.license or r.path in lockfiles:
            return r
        art = owner_of(r.path, artifacts)
        try:
            c = self.policy.classify(r.license, art.tier, art.kind)
        except ExpressionTooDeep as exc:  # an SPDX line nested a hundred levels deep
            deep = (d for d in r.detections if nesting(d.license) > MAX_NESTING)
            line = next((d.start_line for d in deep), None)
            errors.append(ScanError(r.path, f"the license detected here: {exc}", line))
            c = None
        return replace(r, classification=c)

    def _findings(
        self,
        source: Path,
        artifacts: Sequence[Artifact],
        classified: Sequence[FileResult],
        lockfiles: set[str],
        reading: Reading,
        errors: list[ScanError],
        weights: Sequence[Weights] = (),
        root_name: str = "",
    ) -> list[Finding]:
        findings: list[Finding] = []
        for art in artifacts:
            findings.extend(evaluate_artifact(self.policy, art))
            card = self._model_card(source, art, reading, errors)
            findings.extend(lineage_findings(art, card, self.db, weights, artifacts))
            findings.extend(
                obligation_findings(
                    art,
                    card,
                    weights,
                    classified,
                    artifacts,
                    source,
                    self.db,
                    errors,
                    root_name=root_name or source.name,
                    reading=reading,
                )
            )
        findings.extend(evaluate_files(self.policy, classified, artifacts, lockfiles))
        return findings

    def _notes(self, artifacts: Sequence[Artifact], findings: list[Finding]) -> list[str]:
        """The notes on the scan as a whole; a scan without a tier also gets a finding
        (after the exceptions: none applies to it)."""
        notes: list[str] = []
        if self.config.max_file_size_refused is not None:
            notes.append(
                f"{self.config.source} sets max_file_size to "
                f"{self.config.max_file_size_refused} bytes; a configuration file may set at "
                f"most {MAX_FILE_SIZE_CEILING} bytes, which was used. Only --max-file-size "
                f"on the command line may go beyond it."
            )
        if all(a.tier is None for a in artifacts):
            notes.append(
                "No tier was declared: licenses and families are reported, but nothing is "
                "checked against a tier. Declare artifacts in [tool.licensetier] or "
                "licensetier.toml, or pass --kind/--tier."
            )
            findings.append(rules.finding("no-tier-declared", message=notes[-1], artifact="."))
        return notes

    def _tool(self, files_detected: int) -> dict[str, str]:
        """What the report's ``tool`` says of the engine, its data and this run."""
        info = {
            "scancode_toolkit": scancode_version(),
            "license_db": self.db.version,
            "detection": "fast" if self.engine.fast else "full",
            "files_detected": str(files_detected),
        }
        if self.cache is not None:
            info["cache"] = str(self.cache.path) if self.cache.enabled else "disabled"
        if self.engine.index_load_seconds is not None:
            info["index_load_seconds"] = f"{self.engine.index_load_seconds:.2f}"
        return info

    def _with_extras(self, result: ScanResult, root: Path, source: Path) -> ScanResult:
        """The result with what :attr:`extras` asks for; ``source``: where the scanned
        content is (the work tree, or the view of --staged)."""
        if self.extras.checksums:
            result = replace(
                result,
                checksums=file_checksums(source, result.files),
                artifacts=_with_copyrights(result.artifacts, source),
            )
        if self.extras.notice:
            from licensetier.notice import collect

            options = self.deps if self.deps is not None else DepsOptions()
            notice = collect(result, root, options, include_dev=self.extras.include_dev)
            result = replace(result, notice=notice)
        return result

    def _artifacts(self, root: Path, errors: list[ScanError]) -> list[Artifact]:
        specs = sorted(self.config.artifacts, key=lambda a: (a.path != ".", a.path))
        artifacts = [Artifact(s.path, s.kind, s.tier, s.license, origin=s.origin) for s in specs]
        if not artifacts or artifacts[0].path != ".":
            artifacts.insert(0, Artifact(".", None, None, None, origin="implicit"))
        for art in artifacts:
            if art.path == ".":
                continue
            what = fs.kind(root / art.path, root)
            if what == "outside":
                errors.append(
                    ScanError(
                        self.config.source or "configuration",
                        f'artifact path "{art.path}" is a {fs.OUTSIDE}: not read',
                    )
                )
            elif what != "dir":
                errors.append(
                    ScanError(
                        self.config.source or "configuration",
                        f'artifact path "{art.path}" is not a directory under {root}',
                    )
                )
        errors.extend(
            ScanError(name, f"not read as configuration: {why}")
            for name, why in unread_config_files(root)
        )
        return artifacts

    def _declared(
        self,
        root: Path,
        art: Artifact,
        by_path: dict[str, FileResult],
        errors: list[ScanError],
        reading: Reading,
    ) -> Artifact:
        statements: list[DeclaredLicense] = []
        texts: dict[str, str] = {}
        prefix = "" if art.path == "." else art.path + "/"
        mine = sorted(p for p in by_path if p.startswith(prefix))  # the artifact's files
        here = [p for p in mine if "/" not in p[len(prefix) :]]  # those at its root
        for path in here:
            result = by_path[path]
            name = path[len(prefix) :]
            if not is_license_file_name(name) and not is_patent_grant_name(name):
                continue
            if name.endswith(reuse.SIDECAR) and fs.is_file(
                root / path[: -len(reuse.SIDECAR)], root
            ):
                continue  # logo.png.license: REUSE's sidecar, holding the logo's license
            if is_patent_grant_name(name) and not result.detections:
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
            with contextlib.suppress(OSError):  # the reasoning does without the text
                texts[path] = fs.read_text(
                    root / path, root, declared_mod.MAX_LICENSE_FILE_BYTES, errors="replace"
                )
        folder = f"{prefix}{reuse.LICENSES_DIR}/"
        for path in mine:  # REUSE: LICENSES/<SPDX id>.<ext>
            if path.startswith(folder) and "/" not in path[len(folder) :]:
                statement = reuse.licenses_statement(path, by_path[path], self.db)
                if isinstance(statement, ScanError):
                    errors.append(statement)
                elif statement is not None:
                    statements.append(statement)
        directory = root if art.path == "." else root / art.path
        if fs.is_dir(directory, root):
            found, problems = declared_mod.read_declared(
                directory, art.path, self.db, self.engine.detect_text, reading
            )
            statements.extend(found)
            errors.extend(problems)
        statements.extend(self._readme_section(root, here, by_path, reading))
        decision = decide(
            statements,
            by_path,
            texts,
            self.db,
            today=self.today,
            detect_text=self.engine.detect_text,
        )
        spdx = declared_mod.spdx_or_none(decision.license, self.db)
        identity = (
            declared_mod.read_identity(directory, art.path, reading)
            if fs.is_dir(directory, root)
            else None
        )
        classification = None
        if spdx:
            classification = self.policy.classify(self.db.spdx_to_keys(spdx), art.tier, art.kind)
        return replace(
            art,
            declared=decision.statements,
            declared_license=spdx,
            declared_classification=classification,
            reasoning=decision.reasoning,
            name=identity.name if identity else None,
            version=identity.version if identity else None,
            supplier=identity.supplier if identity else None,
            identity_source=identity.source if identity else None,
        )

    def _readme_section(
        self,
        root: Path,
        here: Sequence[str],
        by_path: Mapping[str, FileResult],
        reading: Reading,
    ) -> list[DeclaredLicense]:
        """The License section of the artifact's README (``here``: the paths of the
        files at the artifact's root), as ScanCode read those lines."""
        named = {p.rpartition("/")[2]: p for p in here}
        for name in sorted(named, key=readme.preference):
            if not readme.README_NAME.fullmatch(name):
                continue
            source = named[name]
            text = reading.text_of(source)
            if text is None:
                try:
                    text = fs.read_text(
                        root / source, root, declared_mod.MAX_LICENSE_FILE_BYTES, errors="replace"
                    )
                except OSError:
                    continue  # a README that cannot be read states nothing
            found = readme.statement(
                source,
                text,
                by_path.get(source),
                lambda k: db_spdx(k, self.db),
                lambda k: is_clue(k, self.db),
            )
            return [found] if found is not None else []
        return []

    def _models(
        self,
        root: Path,
        artifacts: Sequence[Artifact],
        reading: Reading,
        errors: list[ScanError],
        weights: Sequence[Weights],
        cards: Sequence[DatasetCard],
        findings: list[Finding],
        paths: Sequence[str] = (),
        files: Sequence[FileResult] = (),
    ) -> tuple[list[ModelInfo], list[Openness]]:
        """Each artifact's model (its card, weights, base models and training data),
        with the findings on its training data added to ``findings``; and the openness
        of each model artifact (with :attr:`Extras.openness_root`, of the root when no
        artifact is one)."""
        models: list[ModelInfo] = []
        openness: list[Openness] = []
        by_path = {f.path: f for f in files}
        root_forced = False
        grouped: dict[str, list[str]] | None = None  # the artifacts' files, when needed
        for art in artifacts:
            card = self._model_card(root, art, reading, errors)
            found, resolved = training_data_findings(art, card, cards, self.db, weights)
            findings.extend(found)
            info = model_info(art, card, resolved, self.db, weights, artifacts)
            if info is not None:
                models.append(info)
            model = is_model_artifact(art, card, weights)
            forced = self.extras.openness_root and art.path == "." and not model
            if forced or model:
                if grouped is None:
                    grouped = files_by_artifact(paths, artifacts)
                inputs = OpennessInputs(
                    art=art,
                    artifacts=artifacts,
                    paths=grouped.get(art.path, []),
                    files=by_path,
                    weights=weights,
                    card=card,
                    card_text=reading.text_of(card.source) if card is not None else None,
                    dataset_cards=cards,
                    datasets=resolved,
                    root=root,
                )
                openness.append(assess(inputs, self.db))
                root_forced = root_forced or forced
        if root_forced and len(openness) > 1:  # the models are the other artifacts
            openness = [o for o in openness if o.artifact != "."]
        return models, openness

    def _model_card(
        self, root: Path, art: Artifact, reading: Reading, errors: list[ScanError]
    ) -> ModelCard | None:
        """The artifact's card when it describes a model (a dataset card has no base
        model to inherit from, nor a model's obligations)."""
        card = self._card(root, art, reading, errors)
        return None if card is None or card.is_dataset else card

    def _card(
        self, root: Path, art: Artifact, reading: Reading, errors: list[ScanError]
    ) -> ModelCard | None:
        directory = root if art.path == "." else root / art.path
        if not fs.is_dir(directory, root):
            return None
        card_path = find_model_card(directory, root)
        if card_path is None:
            return None
        source = card_path.relative_to(root).as_posix()
        try:
            document = reading.document(model_card, card_path, source, root)
        except ManifestError as exc:  # read here first: reported here
            errors.append(ScanError(exc.path, str(exc), exc.line))
            return None
        return document.data if document is not None else None  # the one read of the card

    def _weights(
        self, source: Path, walked: Walk, artifacts: Sequence[Artifact], errors: list[ScanError]
    ) -> tuple[Weights, ...]:
        """The weights and model metadata files, read as far as their headers, each with
        the artifact that owns it. The size cap of license detection does not apply (a
        multi-gigabyte weights file still has its header read), and a link out of the
        root is named as a problem, not read."""
        unread = [
            s.path
            for s in walked.skipped
            if s.reason.startswith(SIZE_CAPPED) or s.reason == fs.OUTSIDE
        ]
        found, problems = read_weights(source, [f.path for f in walked.files] + unread)
        errors.extend(problems)
        return owned(found, artifacts)

    def _dependencies(
        self,
        root: Path,
        walked: Walk,
        artifacts: Sequence[Artifact],
        errors: list[ScanError],
        engine_info: dict[str, str],
        *,
        source: Path | None = None,
        reading: Reading | None = None,
    ) -> list[Dependency]:
        """Every manifest's and lockfile's dependencies, their licenses resolved and
        classified for the artifact that holds the manifest. The manifests are read
        below ``source`` (default: ``root``); installed copies are looked up below
        ``root``."""
        assert self.deps is not None
        if self.progress:
            self.progress(0, 0, "reading manifests and lockfiles")
        # a lockfile above the size cap of license detection is still read
        capped = [s.path for s in walked.skipped if s.reason.startswith(SIZE_CAPPED)]
        groups, problems = discover.read_manifests(
            source or root, [f.path for f in walked.files] + capped, reading
        )
        errors.extend(problems)
        resolver = Resolver(
            root,
            self.db,
            self.engine,
            cache=self.cache,
            options=self.deps,
            mode="fast" if self.engine.fast else "full",
        )
        found = [f for g in groups for f in resolver.combine(g)]
        errors.extend(resolver.problems)
        if not found:
            return []
        if self.progress:
            self.progress(0, len(found), "resolving dependency licenses")
        resolved = resolver.resolve(found, lambda manifest: owner_of(manifest, artifacts).path)
        if resolver.online_sources:
            engine_info["registries"] = "; ".join(resolver.online_sources)
        by_path = {a.path: a for a in artifacts}
        return [
            replace(d, classification=classify_dependency(self.policy, d, by_path[d.artifact]))
            for d in resolved
        ]

    def _walk(self, root: Path, listed: Mapping[str, str | None] | None = None) -> Walk:
        return walk(
            root,
            max_size=self.config.max_file_size,
            exclude=self.config.exclude,
            sniff_binary=False,
            listed=listed,
        )

    def _incomplete(self, count: int) -> str:
        budget = self.config.max_time or 0.0
        return (
            f"the scan is incomplete: {count} files were not scanned within its time budget "
            f"({budget:g} s, --max-time or max_time) and are listed as skipped; raise the "
            f"budget to scan them (what was detected is kept in the cache)."
        )


def _with_copyrights(artifacts: Sequence[Artifact], source: Path) -> tuple[Artifact, ...]:
    """The artifacts with the copyright statements of their own license files (the
    statements the reasoning kept), for SBOMs' copyright text."""
    from licensetier.notice import FileReader, Shower

    reader = FileReader(Shower(source, None))
    out = []
    for a in artifacts:
        found: dict[str, None] = {}
        for statement in a.declared:
            if statement.field == "file" and statement.role != "clue":
                lines, _ = reader.copyrights(source / statement.source)
                found.update(dict.fromkeys(lines))
        out.append(replace(a, copyrights=tuple(found)) if found else a)
    return tuple(out)


def file_checksums(source: Path, files: Iterable[FileResult]) -> dict[str, str]:
    """Path -> SHA-1 of each file's content below ``source``: the tree that was scanned
    (the work tree, or the view of --staged), so that an SBOM describes what was
    scanned. A file that cannot be read now is left out (SPDX then excludes it from the
    package's verification code)."""
    checksums: dict[str, str] = {}
    for f in files:
        digest = hashlib.sha1()
        try:
            with fs.open_binary(source / f.path, source) as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
        except OSError:
            continue  # gone (or now a link out): left out of the document
        checksums[f.path] = digest.hexdigest()
    return checksums


def _not_components(results: Sequence[FileResult]) -> set[str]:
    """The files whose licenses are data, not theirs: the licenses a lockfile names
    are its dependencies', checked as dependencies (and a baseline's are findings'):
    such a file keeps what ScanCode detected in it, but it is not a component."""
    return {
        path
        for path, route in discover.routed(r.path for r in results if r.license)
        if route.role is Role.LOCKFILE
    } | {r.path for r in results if PurePosixPath(r.path).name in OWN_DATA_FILES}


def _skipped(walked: Walk, detected: Detected) -> tuple[SkippedFile, ...]:
    not_read = [SkippedFile(p, NOT_SCANNED) for p in detected.unscanned]
    return tuple(sorted([*walked.skipped, *detected.skipped, *not_read], key=lambda s: s.path))


def _only_models(
    paths: set[str],
    models: Sequence[ModelInfo],
    datasets: Sequence[DatasetInfo],
    weights: Sequence[Weights],
) -> tuple[list[ModelInfo], list[DatasetInfo]]:
    """The models whose card or one of whose (kept) weights files is among ``paths``,
    and the dataset cards among them."""
    holding = {w.artifact for w in weights}
    kept = [m for m in models if m.card in paths or m.artifact in holding]
    return kept, [d for d in datasets if d.path in paths]


def _only(
    paths: set[str],
    files: list[FileResult],
    findings: list[Finding],
    dependencies: list[Dependency],
) -> tuple[list[FileResult], list[Finding], list[Dependency]]:
    """What concerns ``paths``: their files and findings, and the dependencies of the
    manifests and lockfiles among them (every dependency of their directories)."""
    touched = {str(PurePosixPath(p).parent) for p, _ in discover.routed(paths)}

    def concerned(f: Finding) -> bool:
        if f.rule == "no-tier-declared":
            return True
        if f.dependency is not None and f.path is not None:
            return str(PurePosixPath(f.path).parent) in touched
        return f.path in paths

    kept = [d for d in dependencies if str(PurePosixPath(d.manifest).parent) in touched]
    return [r for r in files if r.path in paths], [f for f in findings if concerned(f)], kept
