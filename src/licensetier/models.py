"""Values that flow through a scan: frozen dataclasses and closed enums.

The pipeline is walk -> detect -> classify -> evaluate -> report; each stage takes
and returns these values and nothing else, so that a reporter only ever sees a
finished, immutable :class:`ScanResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

# 1.1: dependencies[], summary.dependencies*, tool.registries
# 1.2: summary.files_not_scanned and summary.complete
# 1.3: weights[] (model weights and model metadata files, read as far as their headers)
SCHEMA_VERSION = "1.3"


class Family(str, Enum):
    """What a license *is* (DOMAIN.md section 1)."""

    PERMISSIVE = "permissive"
    COPYLEFT = "copyleft"
    SOURCE_AVAILABLE = "source-available"
    CUSTOM = "custom"
    PROPRIETARY = "proprietary"
    UNKNOWN = "unknown"


class Strength(str, Enum):
    """How far a copyleft license reaches."""

    WEAK = "weak"
    STRONG = "strong"
    NETWORK = "network"


class Tier(str, Enum):
    """What an artifact is *meant* to be (DOMAIN.md section 2)."""

    TYPICALLY_OPEN = "typically-open"
    SOMETIMES_OPEN = "sometimes-open"
    RARELY_OPEN = "rarely-open"


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse: info 1, warning 2, error 3."""
        return {"info": 1, "warning": 2, "error": 3}[self.value]


@dataclass(frozen=True)
class Classification:
    """The family of one license key or of a whole expression.

    ``deciding`` is the license key that gave the family (for an expression, the
    chosen side of an OR or the worst part of an AND); ``category`` is ScanCode's
    category of that key; ``not_a_license_of_use`` marks patent grants and CLAs,
    which are reported as information only.
    """

    family: Family
    strength: Strength | None
    deciding: str
    category: str = ""
    not_a_license_of_use: bool = False
    notes: tuple[str, ...] = ()

    @property
    def row(self) -> str:
        """The row name in the component conflict matrix: ``copyleft-weak`` etc."""
        if self.family is Family.COPYLEFT and self.strength is not None:
            return f"copyleft-{self.strength.value}"
        return self.family.value


@dataclass(frozen=True)
class Match:
    """One match of one ScanCode rule in a file."""

    license: str  # ScanCode license expression (keys)
    license_spdx: str
    start_line: int
    end_line: int
    score: float
    matcher: str  # ScanCode's matcher: 1-hash, 1-spdx-id, 2-aho, 3-seq, ...
    rule: str  # ScanCode rule identifier


@dataclass(frozen=True)
class Detection:
    """One license detection in a file, as ScanCode's post-processing groups its matches.

    ``start_line``/``end_line`` span all its matches; ``score`` is the lowest match
    score; ``matcher`` and ``rule`` are those of the first match (all are in ``matches``).
    """

    license: str  # ScanCode license expression (keys)
    license_spdx: str
    start_line: int
    end_line: int
    score: float
    matcher: str
    rule: str
    matches: tuple[Match, ...] = ()
    # ScanCode's own expression when licensetier corrected a known misreading
    # (detect/corrections.py): ``license`` is then the correction's, ``matches`` ScanCode's
    corrected_from: str | None = None


@dataclass(frozen=True)
class Annotation:
    """A license a REUSE annotation gives a file from outside it (:mod:`licensetier.reuse`):
    an ``[[annotations]]`` entry of a ``REUSE.toml``, a ``Files:`` paragraph of
    ``.reuse/dep5``, or the ``<file>.license`` sidecar beside it. ScanCode's answer on
    the file is not changed; the tier check judges the file's effective license
    (:func:`licensetier.reuse.effective`)."""

    license: str  # ScanCode key expression
    license_spdx: str
    source: str  # the REUSE.toml, .reuse/dep5 or .license file, relative to the scan root
    line: int | None
    precedence: str  # closest, aggregate or override (REUSE's words; a sidecar: override)


@dataclass(frozen=True)
class FileResult:
    """A scanned file: its detected license and every detection in it."""

    path: str  # POSIX path relative to the scan root
    license: str | None  # ScanCode's detected_license_expression
    license_spdx: str | None  # ...and its SPDX form
    detections: tuple[Detection, ...] = ()
    clues: int = 0  # license clues ScanCode kept apart from detections
    classification: Classification | None = None
    engine: str = ""  # "exact" or "full": which path of detection answered
    corrected_from: str | None = None  # ScanCode's expression, when a detection was corrected
    annotated: Annotation | None = None  # a REUSE annotation of the file (not ScanCode's)


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass(frozen=True)
class DeclaredLicense:
    """One statement of an artifact's own license: a LICENSE file or a manifest field."""

    source: str  # path relative to the scan root
    field: str  # "file", "project.license", "license" (package.json) ...
    license: str | None  # ScanCode expression (keys), None if not understood
    license_spdx: str | None
    raw: str  # the text as written, for messages
    score: float = 100.0
    line: int | None = None
    low_confidence: bool = False
    role: str = "grant"  # what the reasoning did with it: grant, choice, companion, clue
    note: str = ""  # why, and what of it was set aside (clues, mentions, parameters)


@dataclass(frozen=True)
class BusinessSource:
    """The parameters of a Business Source License (BUSL-1.1) text."""

    source: str  # the file, relative to the scan root
    line: int | None  # the line of the parameters block
    licensor: str | None = None
    licensed_work: str | None = None
    additional_use_grant: str | None = None
    change_date: str | None = None  # as written
    change_date_iso: str | None = None  # the date read from it (YYYY-MM-DD)
    change_license: str | None = None  # SPDX expression, when understood
    change_license_raw: str | None = None  # as written
    changed: bool = False  # the scan's day is on or after the Change Date


@dataclass(frozen=True)
class ModifiedText:
    """A license file that changes the license text ScanCode matched it to
    (licensetier.textdiff): the passages it adds, the words of the license it leaves
    out, and what ScanCode read in the added lines."""

    source: str  # the file, relative to the scan root
    license: str  # SPDX: the license whose text it modifies
    rule: str  # the ScanCode rule it was compared with
    score: float  # ScanCode's score of that match
    added: tuple[tuple[int, int], ...] = ()  # lines (1-based, inclusive) of each addition
    removed_words: int = 0
    read_in_additions: tuple[str, ...] = ()  # SPDX: what ScanCode found in the added lines


@dataclass(frozen=True)
class DeclaredReasoning:
    """How the declared license was decided from the evidence (licensetier.reasoning)."""

    low_confidence: bool = False
    why: tuple[str, ...] = ()  # why the answer is weak, naming the files
    disagree: bool = False  # statements that name different licenses, not explained
    business_source: BusinessSource | None = None
    modified: tuple[ModifiedText, ...] = ()  # license texts changed from the license's


@dataclass(frozen=True)
class Artifact:
    path: str  # "." for the root, else a POSIX path relative to the root
    kind: str | None
    tier: Tier | None
    intended_license: str | None  # SPDX expression from the configuration or --license
    declared: tuple[DeclaredLicense, ...] = ()
    declared_license: str | None = None  # SPDX expression combining ``declared``
    declared_classification: Classification | None = None
    origin: str = ""  # where it was declared: a config file, "--kind", or "implicit"
    reasoning: DeclaredReasoning | None = None  # how ``declared_license`` was decided
    # what its manifest says it is (readers' ``identity``): for SBOMs
    name: str | None = None
    version: str | None = None
    supplier: str | None = None
    identity_source: str | None = None  # the manifest that said it
    copyrights: tuple[str, ...] = ()  # in its own license files (gathered for SBOMs)

    def contains(self, path: str) -> bool:
        return self.path == "." or path == self.path or path.startswith(self.path + "/")


@dataclass(frozen=True)
class Dependency:
    """A dependency of an artifact, with its license and where the answer came from.

    ``license_source`` says which step of the resolution answered: ``lockfile``,
    ``installed``, ``vendored``, ``cache`` (an earlier online answer), ``registry``
    or ``unresolved`` (then ``reason`` says why). ``chain`` leads from a direct
    dependency to this one, as ``name@version`` steps, for a transitive dependency.
    """

    ecosystem: str  # package URL type: pypi, npm, cargo, golang, maven, gem, composer, nuget, conda
    name: str  # Maven: group:artifact
    version: str | None  # the exact version, or the requirement as written when not locked
    purl: str
    direct: bool
    scope: str  # runtime, development, optional
    manifest: str  # the file that declared it, relative to the scan root
    artifact: str
    line: int | None = None
    exact: bool = True
    license: str | None = None  # SPDX expression
    license_keys: str | None = None  # ScanCode key expression
    license_raw: str | None = None  # the declared string as found
    license_source: str = "unresolved"
    license_where: str | None = None  # the file or URL that answered
    score: float = 0.0
    low_confidence: bool = False
    reason: str | None = None
    chain: tuple[str, ...] = ()
    classification: Classification | None = None
    # the range as written, when ``version`` was chosen for it online (``exact`` False)
    requirement: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}" if self.version else self.name


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One finding. Made through :func:`licensetier.rules.finding`, which takes the
    rule's why and action from the catalogue."""

    severity: Severity
    rule: str
    message: str
    why: str
    action: str
    path: str | None
    line: int | None
    license: str | None  # SPDX expression
    family: Family | None
    strength: Strength | None
    artifact: str
    tier: Tier | None
    dependency: str | None = None
    excepted: str | None = None  # the reason of the exception that downgraded it
    existing: bool = False  # present at --diff-base or in the baseline: does not fail
    # the per-file findings a rolled-up finding stands for (licensetier.rollup: files
    # under the artifact's own license), in path order; empty for any other finding
    members: tuple[Finding, ...] = ()

    @property
    def count(self) -> int:
        """The files a rolled-up finding stands for (1 for any other finding)."""
        return len(self.members) or 1


@dataclass(frozen=True)
class ScanError:
    path: str
    message: str
    line: int | None = None


LFS_POINTER = "git_lfs_pointer"  # the metadata key of a Git LFS pointer's object id


#: The weights formats whose header is read (readers/weights.py); the others are
#: recognised by name only.
HEADER_FORMATS = frozenset({"safetensors", "gguf"})


@dataclass(frozen=True)
class Weights:
    """A model weights file, or a model metadata file (``role="metadata"``:
    ``adapter_config.json``, ``config.json``, ``model_index.json``), as far as its
    header says (:mod:`licensetier.readers.weights`). ``license`` is the header's
    license statement as written; ``metadata`` a bounded subset of the header's
    metadata, as ``(key, value)`` pairs."""

    path: str  # POSIX path relative to the scan root
    format: str  # safetensors, gguf, pytorch, onnx, ... or the metadata file's kind
    role: str = "weights"  # "weights" or "metadata"
    artifact: str = "."
    license: str | None = None
    license_name: str | None = None
    license_link: str | None = None
    base_models: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()

    @property
    def header_read(self) -> bool:
        """Its header was read: a metadata file, or weights of a format with a header
        licensetier reads (pickles, ONNX, Keras... are recognised by name only)."""
        return self.role == "metadata" or self.format in HEADER_FORMATS

    @property
    def lfs_pointer(self) -> str | None:
        """The object id when the file is a Git LFS pointer, not the weights."""
        return next((value for key, value in self.metadata if key == LFS_POINTER), None)


@dataclass(frozen=True)
class BaseModelRef:
    """A base model an artifact's weights derive from, as the card or a weights or
    metadata file names it (:mod:`licensetier.lineage`)."""

    model: str  # as named: a Hub id, or a mirror's re-publication of one
    source: str  # the file that names it, relative to the scan root
    relation: str | None = None  # adapter, merge, quantized, finetune (the card's word)
    license: str | None = None  # the base's SPDX expression, when licensetier knows it
    original: str | None = None  # the original a mirror or quantizer re-publishes


@dataclass(frozen=True)
class DatasetRef:
    """A dataset a model was trained on, as its card (``datasets:``) or a GGUF header
    names it, resolved against the dataset cards in the scan and the table of
    well-known datasets."""

    name: str  # as named: a Hub id, a URL or a name
    source: str  # the file that names it
    card: str | None = None  # the dataset card in the scan that describes it
    license: str | None = None  # SPDX expression, when known
    non_commercial: bool = False


@dataclass(frozen=True)
class ModelInfo:
    """What is known of one artifact's model: its card and lineage; for ML-BOMs."""

    artifact: str  # the artifact's path
    card: str | None = None  # the model card, relative to the scan root
    name: str | None = None  # the model's name (card ``model_name``/``model-index``, GGUF)
    license: str | None = None  # the card's license, as an SPDX expression
    task: str | None = None  # the card's ``pipeline_tag``
    library: str | None = None  # the card's ``library_name``
    base_models: tuple[BaseModelRef, ...] = ()
    datasets: tuple[DatasetRef, ...] = ()


@dataclass(frozen=True)
class DatasetInfo:
    """A dataset card in the scan (a README whose front matter describes a dataset)."""

    path: str  # the card, relative to the scan root
    artifact: str
    name: str | None = None  # ``pretty_name``, or the directory's name
    license: str | None = None  # SPDX expression
    non_commercial: bool = False


@dataclass(frozen=True)
class OpennessComponent:
    """One component of the Model Openness Framework, as the repository shows it
    (:mod:`licensetier.openness`): whether it is present, which files or facts showed
    it, its license and whether that license is acceptable for the component's type."""

    id: str  # licensetier's id: model-architecture, final-parameters, ...
    name: str  # the Model Openness Tool's name
    mof_class: int  # 3, 2 or 1: the lowest-ranked class that needs it
    required: bool  # False for the MOT's optional components
    types: tuple[str, ...]  # code, data, document
    present: bool = False
    found: tuple[str, ...] = ()  # the files (or the card's fields) that showed it
    license: str | None = None  # SPDX expression of its license(s), when known
    acceptable: bool = False  # present under a license acceptable for its type
    why: str = ""  # what decided it, in words


@dataclass(frozen=True)
class OsaidItem:
    """One element of the Open Source AI Definition 1.0's checklist."""

    id: str  # data-information, code, parameters
    name: str
    met: bool
    why: str


@dataclass(frozen=True)
class Openness:
    """The openness of one model artifact: the Model Openness Framework class reached
    (3 open model, 2 open tooling, 1 open science; None: none), its components, what
    keeps it from the next classes, and the Open Source AI Definition's checklist."""

    artifact: str
    mof_class: int | None
    components: tuple[OpennessComponent, ...]
    missing: tuple[str, ...] = ()  # each component short of Class I, with why
    osaid: tuple[OsaidItem, ...] = ()

    @property
    def osaid_met(self) -> bool:
        return bool(self.osaid) and all(i.met for i in self.osaid)


@dataclass(frozen=True)
class NoticeText:
    """A NOTICE file reproduced in full (``text`` is None when it could not be read)."""

    path: str  # as shown: relative to the scan root, ``~/...`` or absolute
    text: str | None


@dataclass(frozen=True)
class Section:
    """One third-party component of a notice: a dependency or a vendored directory."""

    kind: str  # "dependency" or "vendored"
    title: str  # "tiny-http 2.1.0 (npm)", or the vendored directory
    purl: str | None
    license: str  # an SPDX expression, or "license unknown: <reason>"
    copyrights: tuple[str, ...]  # as ScanCode finds them, deduplicated, in reading order
    files: tuple[str, ...]  # the license and NOTICE files read
    notices: tuple[NoticeText, ...] = ()  # reproduced in full
    file_licenses: tuple[tuple[str, str], ...] = ()  # repository files with a license
    notes: tuple[str, ...] = ()  # what could not be read, and why
    # the license texts passed on: the component's own license files, else the
    # standard text of each license of its SPDX expression (``path`` says which)
    license_texts: tuple[NoticeText, ...] = ()


@dataclass(frozen=True)
class Notice:
    """The third-party notices of a repository (:func:`licensetier.notice.collect`)."""

    project: str
    sections: tuple[Section, ...]
    include_dev: bool
    dev_left_out: int = 0

    @property
    def dependencies(self) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.kind == "dependency")

    @property
    def vendored(self) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.kind == "vendored")


@dataclass(frozen=True)
class CheckItem:
    """One item of an artifact's checklist (:mod:`licensetier.readiness`): whether it
    holds, the file that satisfies it, or what to add."""

    check: str  # a short id: license-file, notice, contribution-terms, trademark, boundary
    title: str  # what is checked, as the checklist prints it
    status: str  # "pass", "fail" or "n/a" (not required for this artifact)
    detail: str  # the file and what in it satisfies the item, or what to add
    path: str | None = None  # the file that satisfies it (or that the failure is about)
    line: int | None = None
    rule: str | None = None  # the catalogue's rule of the finding when it fails
    suggestion: str = ""  # what to add, as written (configuration), when it fails


@dataclass(frozen=True)
class ChecklistSection:
    """A section of an artifact's checklist: ``open-readiness`` for a typically-open
    artifact; other sections (model openness) sit beside it."""

    name: str
    title: str
    items: tuple[CheckItem, ...]


@dataclass(frozen=True)
class Checklist:
    """The checklist of one artifact, section by section."""

    artifact: str
    kind: str | None
    tier: Tier | None
    sections: tuple[ChecklistSection, ...] = ()

    @property
    def failed(self) -> int:
        return sum(1 for s in self.sections for i in s.items if i.status == "fail")


@dataclass(frozen=True)
class ScanResult:
    """What a scan found: everything every command and format renders.

    ``checksums`` (path -> SHA-1 of the content scanned) and ``notice`` are gathered
    only when asked for (:class:`licensetier.scan.Extras`), and are not in the JSON
    report."""

    root: str
    artifacts: tuple[Artifact, ...]
    files: tuple[FileResult, ...]
    skipped: tuple[SkippedFile, ...]
    findings: tuple[Finding, ...]
    errors: tuple[ScanError, ...]
    notes: tuple[str, ...] = ()
    engine: dict[str, str] = field(default_factory=dict)
    dependencies: tuple[Dependency, ...] = ()
    schema_version: str = SCHEMA_VERSION
    not_scanned: int = 0  # files left undetected when the time budget ran out
    checksums: dict[str, str] = field(default_factory=dict)  # path -> SHA-1, for SBOMs
    notice: Notice | None = None  # for ``licensetier notice``
    weights: tuple[Weights, ...] = ()  # weights and model metadata files, in path order
    models: tuple[ModelInfo, ...] = ()  # per artifact with a model card or weights
    datasets: tuple[DatasetInfo, ...] = ()  # dataset cards, in path order
    openness: tuple[Openness, ...] = ()  # per model artifact (licensetier.openness)
    # each artifact's checklist (open-readiness of a typically-open one); not in the
    # JSON report, which has the findings of its failed items
    checklists: tuple[Checklist, ...] = ()

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def worst(self) -> int:
        """The :attr:`Severity.rank` that decides whether the scan fails: of its worst
        finding that did not exist before (at --diff-base or in the baseline); a file
        that could not be read counts as a warning, an incomplete scan (out of its time
        budget) as an error."""
        worst = max((f.severity.rank for f in self.findings if not f.existing), default=0)
        if self.errors:
            worst = max(worst, Severity.WARNING.rank)
        if self.not_scanned:  # an incomplete scan must not pass as a clean one
            worst = max(worst, Severity.ERROR.rank)
        return worst
