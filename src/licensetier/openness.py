"""Model openness: the Model Openness Framework's class of a model artifact and the
Open Source AI Definition 1.0's checklist, from the files actually in the repository.

The components, their classes and content types, the path globs that find them and
the licenses acceptable for each content type are data: ``license_db/openness.toml``
(sources there and in docs/strategy.md section 5). This module only reads what the scan
already has: the paths it walked, the licenses ScanCode detected in them, the artifact's
declared license, the weights headers, the model card's parsed front matter (and the
text the scan read of it, for arXiv links) and the dataset cards. Nothing is read
again and no header is read beyond the bounded readers of :mod:`licensetier.readers.weights`.

A component's license is, for each of its files: the license detected in the file,
else that of the closest dataset card (for a data file) or license file in a directory
above it inside the artifact, else the artifact's declared license. A weights file's
is its header's license, else the artifact's. A dataset named by the model card has
the license of its dataset card or of ``license_db/datasets.toml``. A component is
acceptable when it is present and every one of its licenses is acceptable for one of
its content types (``OR``: one side; ``AND``: every part). A Git LFS pointer counts as
the file it points to: the repository holds the pointer, its server the content.

The class reached is the highest whose required components (and those of the classes
below it) are all present and acceptable; the optional ones are shown, never blocking.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from licensetier import fs
from licensetier.datasets import DatasetCard, Resolved, non_commercial_keys
from licensetier.errors import LicenseDBError, LicensetierError, UnknownLicenseError
from licensetier.expressions import Leaf, Node, Op, With, parse
from licensetier.formats import tomllib
from licensetier.license_db import LicenseDB
from licensetier.models import (
    Artifact,
    FileResult,
    Openness,
    OpennessComponent,
    OsaidItem,
    Weights,
)
from licensetier.paths import (
    data_directory,
    globs,
    in_installed_dir,
    is_license_file_name,
    owning_artifact,
)
from licensetier.readers.model_card import MAX_MODEL_CARD_BYTES, ModelCard
from licensetier.weights import header_keys

TABLE_FILE = "openness.toml"
MODEL_KINDS = frozenset({"model-weights", "frontier-weights"})
TYPES = ("code", "data", "document")
ROMAN = {3: "III", 2: "II", 1: "I"}
CLASS_NAMES = {3: "open model", 2: "open tooling", 1: "open science"}
MAX_SHOWN = 5  # files named per component (the count says how many more)

# -- the table -------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentSpec:
    id: str
    name: str
    mof_class: int
    types: tuple[str, ...]
    required: bool
    found_by: str
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class OsaidSpec:
    id: str
    name: str
    components: tuple[str, ...]
    any: bool  # one of the components suffices (else all are needed)
    licenses: tuple[str, ...]  # the groups of [licenses] acceptable for it
    asks: str


@dataclass(frozen=True)
class OpennessTable:
    components: tuple[ComponentSpec, ...]
    intermediate: tuple[str, ...]
    licenses: Mapping[str, frozenset[str]]  # group -> lower-cased SPDX ids
    osaid: tuple[OsaidSpec, ...]

    def accepted(self, groups: Iterable[str]) -> frozenset[str]:
        out: set[str] = set(self.licenses["all"])
        for group in groups:
            out |= self.licenses[group]
        return frozenset(out)


def _strings(raw: dict[str, object], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise LicenseDBError(f"{where}: `{key}` must be a list of non-empty strings")
    return tuple(value)


def _text(raw: dict[str, object], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise LicenseDBError(f"{where}: `{key}` must be a non-empty string")
    return value


@functools.lru_cache(maxsize=2)
def load_table(path: Path | None = None) -> OpennessTable:
    """The shipped table (or ``path``); a problem in it is a bug, raised loudly."""
    path = path or data_directory() / TABLE_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LicenseDBError(f"{path}: {exc}") from None
    extra = sorted(set(data) - {"component", "intermediate", "licenses", "osaid"})
    if extra:
        raise LicenseDBError(f"{path}: unknown table(s) {extra}")
    components: list[ComponentSpec] = []
    for index, raw in enumerate(data.get("component", [])):
        where = f"{path}: component #{index + 1}"
        if not isinstance(raw, dict):
            raise LicenseDBError(f"{where}: must be a table")
        unknown = sorted(
            set(raw) - {"id", "name", "class", "types", "required", "found_by", "patterns"}
        )
        if unknown:
            raise LicenseDBError(f"{where}: unknown field(s) {unknown}")
        types = _strings(raw, "types", where)
        if not set(types) <= set(TYPES):
            raise LicenseDBError(f"{where}: `types` must be among {list(TYPES)}")
        mof_class = raw.get("class")
        if mof_class not in (1, 2, 3):
            raise LicenseDBError(f"{where}: `class` must be 1, 2 or 3")
        patterns = raw.get("patterns")
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise LicenseDBError(f"{where}: `patterns` must be a list of path globs")
        components.append(
            ComponentSpec(
                id=_text(raw, "id", where),
                name=_text(raw, "name", where),
                mof_class=int(mof_class),
                types=types,
                required=bool(raw.get("required", True)),
                found_by=_text(raw, "found_by", where),
                patterns=tuple(patterns),
            )
        )
    ids = [c.id for c in components]
    if len(set(ids)) != len(ids):
        raise LicenseDBError(f"{path}: component ids must be unique")
    licenses_raw = data.get("licenses")
    if not isinstance(licenses_raw, dict) or set(licenses_raw) != {*TYPES, "all"}:
        raise LicenseDBError(f"{path}: [licenses] must give code, data, document and all")
    licenses = {
        group: frozenset(s.lower() for s in _strings(licenses_raw, group, f"{path}: [licenses]"))
        for group in licenses_raw
    }
    osaid: list[OsaidSpec] = []
    for index, raw in enumerate(data.get("osaid", [])):
        where = f"{path}: osaid #{index + 1}"
        if not isinstance(raw, dict):
            raise LicenseDBError(f"{where}: must be a table")
        unknown = sorted(set(raw) - {"id", "name", "components", "any", "licenses", "asks"})
        if unknown:
            raise LicenseDBError(f"{where}: unknown field(s) {unknown}")
        named = _strings(raw, "components", where)
        if not set(named) <= set(ids):
            raise LicenseDBError(f"{where}: unknown component(s) {sorted(set(named) - set(ids))}")
        groups = _strings(raw, "licenses", where)
        if not set(groups) <= set(licenses):
            raise LicenseDBError(f"{where}: `licenses` must be groups of [licenses]")
        osaid.append(
            OsaidSpec(
                id=_text(raw, "id", where),
                name=_text(raw, "name", where),
                components=named,
                any=bool(raw.get("any", False)),
                licenses=groups,
                asks=_text(raw, "asks", where),
            )
        )
    intermediate = data.get("intermediate", {})
    patterns = intermediate.get("patterns", []) if isinstance(intermediate, dict) else None
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise LicenseDBError(f"{path}: [intermediate] patterns must be a list of path globs")
    return OpennessTable(tuple(components), tuple(patterns), licenses, tuple(osaid))


# -- which artifacts ---------------------------------------------------------------------


def files_by_artifact(paths: Iterable[str], artifacts: Sequence[Artifact]) -> dict[str, list[str]]:
    """Each artifact's files: the deepest artifact whose directory holds the path, found
    by walking up the path's directories (not by trying every artifact on every path)."""
    declared = {a.path for a in artifacts}
    out: dict[str, list[str]] = {a.path: [] for a in artifacts}
    for path in paths:
        parent = PurePosixPath(path).parent
        while str(parent) not in declared and str(parent) != ".":
            parent = parent.parent
        out.setdefault(str(parent), []).append(path)
    return out


def is_model_artifact(art: Artifact, card: ModelCard | None, weights: Iterable[Weights]) -> bool:
    """A model artifact: declared of a model kind, or holding a model card (front matter
    with a model's keys, base models or datasets) or weights or model metadata."""
    if art.kind in MODEL_KINDS:
        return True
    if card is not None and not card.is_dataset and (card.model_keys or card.datasets):
        return True
    if card is not None and not card.is_dataset and card.base_model:
        return True
    return any(w.artifact == art.path for w in weights)


# -- licenses ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Licensed:
    """A file or fact of a component with its license (None: none found) and where
    the license was read."""

    what: str  # a path, or a description ("README.md (model-index: 3 results)")
    license: str | None  # SPDX expression
    source: str  # "detected in the file", "LICENSE", "declared", "header"...


def _verdict(spdx: str, accepted: frozenset[str], db: LicenseDB) -> tuple[bool, str | None]:
    """Whether ``spdx`` is acceptable (every AND part, one OR side), and the first
    license that is not, with its family, when it is not."""
    try:
        node = parse(spdx)
    except UnknownLicenseError:
        return False, f"{spdx} (not understood)"

    def walk(n: Node) -> tuple[bool, str | None]:
        if isinstance(n, With):
            n = n.license
        if isinstance(n, Leaf):
            if n.raw.lower() in accepted:
                return True, None
            return False, _described(n.raw, db)
        assert isinstance(n, Op)
        results = [walk(c) for c in n.children]
        if n.operator == "AND":
            bad = next((r for r in results if not r[0]), None)
            return (True, None) if bad is None else bad
        good = any(ok for ok, _ in results)
        return (True, None) if good else results[0]

    return walk(node)


def _described(spdx_id: str, db: LicenseDB) -> str:
    """``LicenseRef-...-llama-3.1`` (custom: use restricted above thresholds or by a
    policy)."""
    try:
        keys = db.spdx_to_keys(spdx_id)
        family = db.classify_key(keys).family.value
    except (LicensetierError, ValueError):
        return f"{spdx_id} (not a license licensetier knows)"
    if non_commercial_keys(keys):
        return f"{spdx_id} (non-commercial)"
    what = {
        "custom": "custom: restricted by thresholds or a use policy",
        "source-available": "source-available: not an open license",
        "proprietary": "proprietary",
        "unknown": "not identified",
    }.get(family, family)
    return f"{spdx_id} ({what})"


# -- the assessment ----------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What the scan has on one artifact, for :func:`assess`."""

    art: Artifact
    artifacts: Sequence[Artifact]
    paths: Sequence[str]  # the artifact's files (walked, and too large to detect)
    files: Mapping[str, FileResult]  # the detections, by path
    weights: Sequence[Weights]
    card: ModelCard | None = None  # the artifact's model card
    card_text: str | None = None  # what the scan read of it
    root: Path | None = None  # the tree scanned (to read a MODEL_CARD.md beside the card)
    dataset_cards: Sequence[DatasetCard] = ()
    datasets: Sequence[Resolved] = ()  # the datasets the card (or a GGUF) names


_ARXIV_LINK = re.compile(
    r"arxiv\.org/(?:abs|pdf|html)/((?:\d{4}\.\d{4,5}|[a-z-]+/\d{7})(?:v\d+)?)", re.IGNORECASE
)
_ARCHITECTURE_FILES = ("transformers-config", "diffusers-model-index")
_REPORT_WORDS = re.compile(r"tech(?:nical)?\.?\s*report", re.IGNORECASE)
_ANY_LINK = re.compile(r"https?://[^\s)>\]\"']+")


class _Assessor:
    def __init__(self, inputs: Inputs, db: LicenseDB, table: OpennessTable) -> None:
        self.i = inputs
        self.db = db
        self.table = table
        art = inputs.art
        self.prefix = "" if art.path == "." else art.path + "/"
        # the artifact's own files: copies of other projects (vendor/, third_party/,
        # node_modules/...) are theirs, not components of this model
        self.own = sorted(p for p in inputs.paths if not in_installed_dir(p))
        self.weights = [w for w in inputs.weights if w.artifact == art.path]
        self.intermediate = globs(table.intermediate)
        self.cards_by_dir = {
            c.directory: c
            for c in inputs.dataset_cards
            if owning_artifact(c.path, inputs.artifacts).path == art.path
        }

    def rel(self, path: str) -> str:
        return path[len(self.prefix) :]

    def matching(self, patterns: Sequence[str]) -> list[str]:
        if not patterns:
            return []
        g = globs(tuple(patterns))
        return [p for p in self.own if g.excludes(_matchable(self.rel(p)))]

    # the license of one file ------------------------------------------------------
    def file_license(self, path: str, data: bool = False, own: bool = True) -> Licensed:
        """``own``: the license detected in the file is its own (a dataset card's is
        the dataset's, read from its front matter, not the card's)."""
        found = self.i.files.get(path)
        if own and found is not None and found.license_spdx:
            return Licensed(path, found.license_spdx, "detected in the file")
        parent = PurePosixPath(path).parent
        top = PurePosixPath(self.i.art.path)
        while str(parent) not in (".", "") and parent != top:
            directory = str(parent)
            card = self.cards_by_dir.get(directory)
            if data and card is not None and card.license:
                return Licensed(path, card.license, f"its dataset card {card.path}")
            for name in self._license_files(directory):
                r = self.i.files.get(name)
                if r is not None and r.license_spdx:
                    return Licensed(path, r.license_spdx, name)
            parent = parent.parent
        if self.i.art.declared_license:
            return Licensed(path, self.i.art.declared_license, "the artifact's declared license")
        return Licensed(path, None, "no license found")

    @functools.cached_property
    def _license_files_by_dir(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for p in self.own:
            pp = PurePosixPath(p)
            if is_license_file_name(pp.name):
                out.setdefault(str(pp.parent), []).append(p)
        return out

    def _license_files(self, directory: str) -> list[str]:
        return self._license_files_by_dir.get(directory, [])

    def card_license(self) -> Licensed | None:
        card = self.i.card
        if card is None:
            return None
        return self.file_license(card.source)

    def weights_license(self, w: Weights) -> Licensed:
        stated = w.license
        if stated and stated.lower() == "other" and w.license_name:
            stated = w.license_name
        if stated:
            keys = header_keys(stated, self.db)
            spdx = None
            if keys is not None:
                try:
                    spdx = self.db.keys_to_spdx(keys)
                except (LicensetierError, ValueError):
                    spdx = None
            return Licensed(w.path, spdx or stated, f"its {w.format} header")
        return self.file_license(w.path)

    # the components ---------------------------------------------------------------
    def found(self, spec: ComponentSpec) -> tuple[list[Licensed], list[str]]:
        """The component's files and facts with their licenses, and notes on what
        cannot be judged (a paper only linked)."""
        data = "data" in spec.types
        items = [self.file_license(p, data) for p in self.matching(spec.patterns)]
        notes: list[str] = []
        special: Callable[[], tuple[list[Licensed], list[str]]] | None = getattr(
            self, "_" + spec.id.replace("-", "_"), None
        )
        if special is not None:
            more, notes = special()
            seen = {i.what for i in items}
            items = [m for m in more if m.what not in seen] + items
        return items, notes

    def _model_architecture(self) -> tuple[list[Licensed], list[str]]:
        out = []
        for w in self.weights:
            if w.role == "metadata" and w.format in _ARCHITECTURE_FILES:
                named = dict(w.metadata)
                what = (
                    named.get("architectures")
                    or named.get("model_type")
                    or named.get("_class_name")
                )
                label = f"{w.path} ({what})" if what else w.path
                item = self.file_license(w.path)
                out.append(Licensed(label, item.license, item.source))
        return out, []

    def _is_intermediate(self, w: Weights) -> bool:
        return self.intermediate.excludes(_matchable(self.rel(w.path)))

    def _weights_items(self, intermediate: bool) -> list[Licensed]:
        out = []
        for w in self.weights:
            if w.role != "weights" or self._is_intermediate(w) != intermediate:
                continue
            item = self.weights_license(w)
            label = f"{w.path} (Git LFS pointer)" if w.lfs_pointer else w.path
            out.append(Licensed(label, item.license, item.source))
        return out

    def _final_parameters(self) -> tuple[list[Licensed], list[str]]:
        return self._weights_items(False), []

    def _intermediate_parameters(self) -> tuple[list[Licensed], list[str]]:
        return self._weights_items(True), []

    def _model_card(self) -> tuple[list[Licensed], list[str]]:
        card = self.i.card
        if card is None or card.is_dataset:
            return [], []
        item = self.file_license(card.source)
        return [Licensed(f"{card.source} (front matter)", item.license, item.source)], []

    def _data_card(self) -> tuple[list[Licensed], list[str]]:
        paths = list(
            dict.fromkeys(
                [c.path for c in self.cards_by_dir.values()]
                + [r.card.path for r in self.i.datasets if r.card is not None]
            )
        )
        return [self.file_license(p, own=False) for p in paths], []

    @functools.cached_property
    def card_texts(self) -> list[tuple[str, str]]:
        """(path, text) of the model card the scan read, and of the README (when it is
        no model card: for its links and tables only) and the Markdown model cards
        beside it (``MODEL_CARD.md``: the model-card patterns), read here through
        :mod:`licensetier.fs`, bounded as the card reader is."""
        out: list[tuple[str, str]] = []
        card = self.i.card
        if card is not None and not card.is_dataset and self.i.card_text:
            out.append((card.source, self.i.card_text))
        if self.i.root is None:
            return out
        readme = [
            p for p in self.own if p == f"{self.prefix}README.md" and (not out or out[0][0] != p)
        ]
        for path in readme + self.matching(self._spec("model-card").patterns):
            if not path.lower().endswith(".md"):
                continue
            try:
                head = fs.read_head(self.i.root / path, self.i.root, MAX_MODEL_CARD_BYTES)
            except OSError:
                continue  # unreadable now: only its name counts
            out.append((path, head.decode("utf-8", errors="replace")))
        return out

    def _evaluation_results(self) -> tuple[list[Licensed], list[str]]:
        out: list[Licensed] = []
        card = self.i.card
        if card is not None and card.eval_results:
            item = self.file_license(card.source)
            label = f"{card.source} (model-index: {card.eval_results} results)"
            out.append(Licensed(label, item.license, item.source))
        for path, text in self.card_texts:
            heading = _results_table(text)
            if heading is not None:
                item = self.file_license(path)
                out.append(
                    Licensed(f"{path} (a table under {heading!r})", item.license, item.source)
                )
        return out, []

    def _research_paper(self) -> tuple[list[Licensed], list[str]]:
        out: list[Licensed] = []
        card = self.i.card
        ids: dict[str, str] = {}
        if card is not None and not card.is_dataset:
            ids.update((ident, card.source) for ident in card.arxiv)
        for path, text in self.card_texts:
            for ident in _ARXIV_LINK.findall(text):
                ids.setdefault(ident, path)
        out = [
            Licensed(f"arXiv:{ident} ({path})", None, "linked, not in the repository")
            for ident, path in ids.items()
        ]
        notes = (
            [
                "a paper only linked from the card: its license is stated where it is "
                "published, not in the repository (licensetier does not look it up)"
            ]
            if out
            else []
        )
        return out, notes

    def _technical_report(self) -> tuple[list[Licensed], list[str]]:
        out = []
        for path, text in self.card_texts:
            for line in text.splitlines():
                if _REPORT_WORDS.search(line) and (link := _ANY_LINK.search(line)):
                    label = f"{link.group(0)} ({path})"
                    out.append(Licensed(label, None, "linked, not in the repository"))
        notes = (
            [
                "a report only linked from the card: its license is stated where it is "
                "published, not in the repository"
            ]
            if out
            else []
        )
        return out[:MAX_SHOWN], notes

    def _datasets(self) -> tuple[list[Licensed], list[str]]:
        out = [
            Licensed(c.path, c.license, "its dataset card")
            for c in self.cards_by_dir.values()
            if not _is_evaluation(self.rel(c.directory))
        ]
        for r in self.i.datasets:
            if r.card is not None and r.card.directory in self.cards_by_dir:
                continue
            ref = r.ref(self.db)
            if r.non_commercial:
                source = "non-commercial"
            elif r.card is not None:
                source = f"its dataset card {r.card.path}"
            elif r.known is not None:
                source = f"licensetier's table of datasets ({r.known.source})"
            else:
                source = "its license is not known offline"
            out.append(Licensed(f"{r.named.name} (named by {r.named.source})", ref.license, source))
        return out, []

    def _evaluation_data(self) -> tuple[list[Licensed], list[str]]:
        return [], []

    # judging ------------------------------------------------------------------------
    def component(self, spec: ComponentSpec) -> OpennessComponent:
        items, notes = self.found(spec)
        for other in _NOT_ALSO.get(spec.id, ()):  # result files are no data, ...
            theirs = set(self.matching(self._spec(other).patterns))
            items = [i for i in items if i.what not in theirs]
        base = OpennessComponent(
            id=spec.id,
            name=spec.name,
            mof_class=spec.mof_class,
            required=spec.required,
            types=spec.types,
        )
        if not items:
            return _replace(base, why=f"not found: {spec.found_by}")
        shown = [i.what for i in items[:MAX_SHOWN]]
        if len(items) > MAX_SHOWN:
            shown.append(f"... and {len(items) - MAX_SHOWN} more")
        licenses = list(dict.fromkeys(i.license for i in items if i.license))
        license_ = " AND ".join(f"({x})" if " " in x else x for x in licenses) or None
        accepted = self.table.accepted(spec.types)
        problems: list[str] = []
        for item in items:
            if item.license is None:
                problems.append(f"{item.what}: no license ({item.source})")
                continue
            ok, bad = _verdict(item.license, accepted, self.db)
            if item.source == "non-commercial" and ok:
                ok, bad = False, f"{item.license} (non-commercial)"
            if not ok:
                problems.append(f"{item.what}: {bad} ({item.source})")
        types = "/".join(spec.types)
        if problems:
            why = f"not acceptable for {types}: " + "; ".join(problems[:3])
            if len(problems) > 3:
                why += f"; and {len(problems) - 3} more"
            if notes:
                why += " (" + "; ".join(notes) + ")"
            return _replace(
                base, present=True, found=tuple(shown), license=license_, acceptable=False, why=why
            )
        sources = ", ".join(dict.fromkeys(i.source for i in items))
        return _replace(
            base,
            present=True,
            found=tuple(shown),
            license=license_,
            acceptable=True,
            why=f"{license_} ({sources}) is acceptable for {types}",
        )

    def _spec(self, ident: str) -> ComponentSpec:
        return next(c for c in self.table.components if c.id == ident)


# the files of a component that are another's: evaluation results are no evaluation
# data, evaluation data are no training data, and a requirements.txt is neither
_NOT_ALSO = {
    "evaluation-data": ("evaluation-results", "supporting-libraries"),
    "datasets": ("evaluation-data", "supporting-libraries"),
}


def _is_evaluation(directory: str) -> bool:
    """A directory of evaluation data (``eval/``, ``evals/``, ``benchmarks/`` ...)."""
    return any(p.lower().startswith(("eval", "benchmark")) for p in directory.split("/"))


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_RESULTS_HEADING = re.compile(r"evaluat|benchmark|results", re.IGNORECASE)
_TABLE = re.compile(r"^\s*(?:\|.*\|.*\||<table\b)", re.IGNORECASE)


def _results_table(text: str) -> str | None:
    """The heading of the first table (Markdown or HTML) in a section about
    evaluation, benchmarks or results (its subsections included); None when none."""
    heading: str | None = None
    level = 0
    for line in text.splitlines():
        found = _HEADING.match(line)
        if found is not None:
            depth, title = len(found.group(1)), found.group(2)
            if heading is not None and depth > level:
                continue  # a subsection of the results section
            heading, level = (title, depth) if _RESULTS_HEADING.search(title) else (None, 0)
            continue
        if heading is not None and _TABLE.match(line):
            return heading
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _matchable(path: str) -> str:
    """``path`` as the glob matcher takes it: a name that is not UTF-8 (its bytes kept
    as lone surrogates) with each such character as U+FFFD."""
    return _SURROGATE.sub("\ufffd", path)


def _replace(c: OpennessComponent, **changes: object) -> OpennessComponent:
    from dataclasses import replace

    return replace(c, **changes)  # type: ignore[arg-type]


def reached(components: Sequence[OpennessComponent]) -> int | None:
    """The highest class (3, then 2, then 1) whose required components, and those of
    the classes below it, are all present and acceptable; None when not even III."""
    best: int | None = None
    for level in (3, 2, 1):
        needed = [c for c in components if c.required and c.mof_class >= level]
        if not all(c.acceptable for c in needed):
            break
        best = level
    return best


def assess(inputs: Inputs, db: LicenseDB, table: OpennessTable | None = None) -> Openness:
    """The openness of ``inputs.art``: its components, the class reached, what keeps
    it from Class I, and the Open Source AI Definition's checklist."""
    table = table or load_table()
    assessor = _Assessor(inputs, db, table)
    components = tuple(assessor.component(spec) for spec in table.components)
    level = reached(components)
    missing = tuple(
        f"{c.name} (Class {ROMAN[c.mof_class]}): {c.why}"
        for c in sorted(components, key=lambda c: -c.mof_class)
        if c.required and not c.acceptable
    )
    by_id = {c.id: c for c in components}
    osaid = tuple(_osaid(spec, by_id, table, db) for spec in table.osaid)
    return Openness(
        artifact=inputs.art.path,
        mof_class=level,
        components=components,
        missing=missing,
        osaid=osaid,
    )


def _osaid(
    spec: OsaidSpec, by_id: Mapping[str, OpennessComponent], table: OpennessTable, db: LicenseDB
) -> OsaidItem:
    accepted = table.accepted(spec.licenses)
    good: list[str] = []
    bad: list[str] = []
    for ident in spec.components:
        c = by_id[ident]
        if not c.present:
            bad.append(f"{c.name}: not found")
            continue
        if c.license is None:
            bad.append(f"{c.name}: no license found")
            continue
        ok, why = _verdict(c.license, accepted, db)
        if ok and c.acceptable:
            good.append(f"{c.name} under {c.license}")
        else:
            bad.append(f"{c.name}: {why or c.why}")
    met = bool(good) if spec.any else not bad
    if met:
        why = "met: " + "; ".join(good)
    else:
        why = f"not met: it asks for {spec.asks}; " + "; ".join(bad)
    return OsaidItem(id=spec.id, name=spec.name, met=met, why=why)


def class_label(level: int | None) -> str:
    if level is None:
        return "no class"
    return f"Class {ROMAN[level]} ({CLASS_NAMES[level]})"
