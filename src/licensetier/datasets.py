"""Training data: the datasets a model was trained on, and the dataset cards in the scan.

A model card's ``datasets:`` (and a GGUF header's ``general.dataset.*``) names the data
the model was trained on. Each name is resolved, first against the dataset cards in the
scan (a README whose front matter describes a dataset: its directory's name or its
``pretty_name`` against the name's last part), then against the table of well-known
datasets (``license_db/datasets.toml``). Whether a dataset is non-commercial is the
``non_commercial`` attribute of its license in ``ai_license_terms.toml`` (or the
table's explicit word, for data under terms of use rather than a license).

* ``training-data-non-commercial``: a model trained on non-commercial data declares a
  license that allows commercial use;
* ``dataset-unverified``: a dataset of such a model is neither a dataset card in the
  scan nor in the table (its license is not known offline);
* ``dataset-kind-undeclared``: a dataset card sits in an artifact that declares no kind,
  or in a directory that is no artifact of kind ``training-data``.

It also gathers what the report says of models and datasets (:class:`ModelInfo`,
:class:`DatasetInfo`).
"""

from __future__ import annotations

import fnmatch
import functools
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from licensetier import rules
from licensetier.ai_terms import load_terms
from licensetier.errors import LicenseDBError, LicensetierError, ManifestError
from licensetier.expressions import keys_in
from licensetier.formats import tomllib
from licensetier.license_db import LicenseDB
from licensetier.lineage import base_models, local_base, resolve_base
from licensetier.models import (
    Artifact,
    BaseModelRef,
    DatasetInfo,
    DatasetRef,
    Family,
    Finding,
    ModelInfo,
    Weights,
)
from licensetier.paths import data_directory, owning_artifact
from licensetier.readers import Reading, model_card
from licensetier.readers.model_card import MODEL_CARD_NAMES, ModelCard, load_hf_licenses

TABLE_FILE = "datasets.toml"
TRAINING_DATA = "training-data"

# -- the table of well-known datasets ------------------------------------------------


@dataclass(frozen=True)
class KnownDataset:
    """One entry of ``datasets.toml``: ``keys`` is the license as a ScanCode key
    expression (None for data under ``terms``)."""

    ids: tuple[str, ...]
    source: str
    license: str | None = None  # as written: a Hub id or a ScanCode key
    keys: str | None = None
    terms: str | None = None
    non_commercial: bool = False
    note: str | None = None


@dataclass(frozen=True)
class DatasetTable:
    entries: tuple[KnownDataset, ...]

    def lookup(self, name: str) -> KnownDataset | None:
        """The entry whose ids match ``name`` (a Hub id, a URL or a bare name)."""
        lowered = normalized(name).lower()
        for entry in self.entries:
            if any(fnmatch.fnmatchcase(lowered, pattern.lower()) for pattern in entry.ids):
                return entry
        return None


def non_commercial_keys(keys: str | None) -> bool:
    """Whether any license of a key expression is non-commercial (its
    ``non_commercial`` attribute in ``ai_license_terms.toml``)."""
    terms = load_terms()
    return any(
        t.attribute == "non_commercial" and t.value is True
        for key in keys_in(keys)
        for t in terms.of(key)
    )


def _entry(raw: object, index: int, path: Path) -> KnownDataset:
    where = f"{path}: dataset #{index + 1}"
    if not isinstance(raw, dict):
        raise LicenseDBError(f"{where}: must be a table")
    unknown = sorted(set(raw) - {"ids", "license", "terms", "non_commercial", "source", "note"})
    if unknown:
        raise LicenseDBError(f"{where}: unknown field(s) {unknown}")
    ids = raw.get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        raise LicenseDBError(f"{where}: `ids` must be a non-empty list of dataset ids")
    for name in ("license", "terms", "source", "note"):
        value = raw.get(name)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise LicenseDBError(f"{where}: `{name}` must be a non-empty string")
    if not raw.get("source"):
        raise LicenseDBError(f"{where}: `source` (where the license is stated) is required")
    license_, terms = raw.get("license"), raw.get("terms")
    if (license_ is None) == (terms is None):
        raise LicenseDBError(f"{where}: give either `license` or `terms`")
    flag = raw.get("non_commercial")
    if license_ is not None:
        if flag is not None:
            raise LicenseDBError(
                f"{where}: `non_commercial` is the license's attribute "
                "(ai_license_terms.toml), not written here"
            )
        found = load_hf_licenses().resolve(license_)
        keys = found[0] if found else license_.strip().lower()
        return KnownDataset(
            tuple(ids),
            raw["source"],
            license=license_,
            keys=keys,
            non_commercial=non_commercial_keys(keys),
            note=raw.get("note"),
        )
    if not isinstance(flag, bool):
        raise LicenseDBError(f"{where}: data under `terms` states `non_commercial` (true/false)")
    return KnownDataset(
        tuple(ids), raw["source"], terms=terms, non_commercial=flag, note=raw.get("note")
    )


@functools.lru_cache(maxsize=2)
def load_table(path: Path | None = None) -> DatasetTable:
    """The shipped table (or ``path``); a problem in it is a bug, raised loudly."""
    path = path or data_directory() / TABLE_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LicenseDBError(f"{path}: {exc}") from None
    extra = sorted(set(data) - {"dataset"})
    if extra:
        raise LicenseDBError(f"{path}: unknown table(s) {extra}")
    entries = data.get("dataset", [])
    if not isinstance(entries, list):
        raise LicenseDBError(f"{path}: [[dataset]] entries expected")
    return DatasetTable(tuple(_entry(raw, i, path) for i, raw in enumerate(entries)))


# -- dataset cards in the scan ---------------------------------------------------------

_HUB_URL = re.compile(r"^https?://(www\.)?(huggingface\.co|hf\.co)/(datasets/)?", re.IGNORECASE)


def normalized(name: str) -> str:
    """A dataset as a Hub id: no Hub URL prefix, no trailing slash."""
    return _HUB_URL.sub("", name.strip()).rstrip("/")


@dataclass(frozen=True)
class DatasetCard:
    """A README in the scan whose front matter describes a dataset."""

    path: str  # relative to the scan root
    directory: str  # "." for the root
    name: str  # ``pretty_name``, else the directory's name
    card: ModelCard
    keys: str | None = None  # its license, as ScanCode keys (None: none understood)
    license: str | None = None  # ...as SPDX
    non_commercial: bool = False

    def matches(self, name: str) -> bool:
        """Whether a model card's dataset name means this card: the name's last part
        is the card's directory name or its ``pretty_name`` (case-insensitively)."""
        wanted = normalized(name).lower()
        last = wanted.rpartition("/")[2]
        directory = PurePosixPath(self.directory).name.lower() if self.directory != "." else ""
        pretty = (self.card.pretty_name or "").lower()
        return bool(last) and (last in (directory, pretty, self.name.lower()) or wanted == pretty)


def card_keys(card: ModelCard, db: LicenseDB) -> str | None:
    """A card's ``license:`` as a ScanCode key expression: each Hub id (or, for
    ``other``, the ``license_name``) through the Hub table, else as an SPDX
    expression; None when none is understood."""
    hf = load_hf_licenses()
    found: list[str] = []
    for ident in card.license:
        value = card.license_name if ident.strip().lower() == "other" else ident
        if not value:
            continue
        resolved = hf.resolve(value)
        if resolved is not None:
            found.append(resolved[0])
            continue
        if hf.knows(value):
            continue  # a family, or documented without a key
        try:
            found.append(db.spdx_to_keys(value))
        except (LicensetierError, ValueError):
            continue
    distinct = list(dict.fromkeys(found))
    if not distinct:
        return None
    return " AND ".join(f"({k})" if " " in k else k for k in distinct)


def _spdx(keys: str | None, db: LicenseDB) -> str | None:
    if not keys:
        return None
    try:
        return db.keys_to_spdx(keys)
    except (LicensetierError, ValueError):
        return None


def dataset_cards(
    source: Path, files: Iterable[str], reading: Reading, db: LicenseDB, root_name: str
) -> list[DatasetCard]:
    """The dataset cards among ``files`` (paths below ``source``), in path order. A
    README whose front matter does not parse is no dataset card here: the artifact's
    own card reports its problems where it is read as the artifact's."""
    found: list[DatasetCard] = []
    for path in sorted(files):
        posix = PurePosixPath(path)
        if posix.name not in MODEL_CARD_NAMES:
            continue
        try:
            document = reading.document(model_card, source / path, path, source, own=False)
        except ManifestError:
            continue
        card: ModelCard | None = document.data if document is not None else None
        if card is None or not card.is_dataset:
            continue
        directory = str(posix.parent)
        name = card.pretty_name or (posix.parent.name if directory != "." else root_name)
        keys = card_keys(card, db)
        found.append(
            DatasetCard(
                path=path,
                directory=directory,
                name=name,
                card=card,
                keys=keys,
                license=_spdx(keys, db),
                non_commercial=non_commercial_keys(keys),
            )
        )
    return found


def dataset_infos(cards: Sequence[DatasetCard], artifacts: Sequence[Artifact]) -> list[DatasetInfo]:
    return [
        DatasetInfo(
            path=c.path,
            artifact=owning_artifact(c.path, artifacts).path,
            name=c.name,
            license=c.license,
            non_commercial=c.non_commercial,
        )
        for c in cards
    ]


def kind_findings(cards: Sequence[DatasetCard], artifacts: Sequence[Artifact]) -> list[Finding]:
    """``dataset-kind-undeclared``: a dataset card whose artifact declares no kind, or
    that sits in a directory that is no artifact (inside one not of kind
    ``training-data``). Cards in several directories below one artifact that share a
    parent directory other than the artifact's (``datasets/a``, ``datasets/b``) make
    one finding, for that parent."""
    findings: list[Finding] = []
    below: dict[str, list[DatasetCard]] = {}
    by_path = {a.path: a for a in artifacts}
    for card in cards:
        art = owning_artifact(card.path, artifacts)
        if art.path != card.directory:
            if art.kind != TRAINING_DATA:
                below.setdefault(art.path, []).append(card)
            continue
        if art.kind is not None:
            continue
        where = "the repository" if art.path == "." else art.path
        findings.append(
            rules.finding(
                "dataset-kind-undeclared",
                message=f"{where} has a dataset card ({card.path}) but declares no kind: "
                f"declare it {TRAINING_DATA}",
                artifact=art,
                path=card.path,
            )
        )
    for path, held in below.items():
        art = by_path[path]
        common = posixpath.commonpath([c.directory for c in held]) if len(held) > 1 else ""
        if common and common not in (".", path):
            first = held[0]
            findings.append(
                rules.finding(
                    "dataset-kind-undeclared",
                    message=f"{common} holds {len(held)} dataset cards ({first.path}, ...) "
                    f"but is no artifact: declare it one, of kind {TRAINING_DATA}",
                    artifact=art,
                    path=first.path,
                )
            )
            continue
        findings.extend(
            rules.finding(
                "dataset-kind-undeclared",
                message=f"{card.directory} has a dataset card ({card.path}) but is no "
                f"artifact: declare it one, of kind {TRAINING_DATA}",
                artifact=art,
                path=card.path,
            )
            for card in held
        )
    return findings


# -- a model's datasets ----------------------------------------------------------------


@dataclass(frozen=True)
class Named:
    """A dataset as a model card or a weights header names it."""

    name: str
    source: str
    line: int | None = None


def named_datasets(
    art: Artifact, card: ModelCard | None, weights: Iterable[Weights]
) -> list[Named]:
    """The artifact's training datasets, the card's first, each named once."""
    found: list[Named] = []
    if card is not None and not card.is_dataset:
        own = dict(card.dataset_lines)
        found.extend(Named(d, card.source, own.get(d, card.datasets_line)) for d in card.datasets)
    for w in weights:
        if w.artifact == art.path:
            found.extend(Named(d, w.path) for d in w.datasets if d.strip())
    seen: set[str] = set()
    out: list[Named] = []
    for named in found:
        key = normalized(named.name).lower()
        if key and key not in seen:
            seen.add(key)
            out.append(named)
    return out


@dataclass(frozen=True)
class Resolved:
    named: Named
    card: DatasetCard | None = None
    known: KnownDataset | None = None

    @property
    def keys(self) -> str | None:
        if self.card is not None:
            return self.card.keys
        return self.known.keys if self.known is not None else None

    @property
    def non_commercial(self) -> bool:
        if self.card is not None:
            return self.card.non_commercial
        return self.known.non_commercial if self.known is not None else False

    @property
    def verified(self) -> bool:
        """Whether what it may be used for is known: a dataset card with a license
        licensetier understands, or an entry of the table."""
        return self.known is not None or (self.card is not None and self.card.keys is not None)

    def ref(self, db: LicenseDB) -> DatasetRef:
        return DatasetRef(
            name=self.named.name,
            source=self.named.source,
            card=self.card.path if self.card is not None else None,
            license=_spdx(self.keys, db),
            non_commercial=self.non_commercial,
        )


def resolve(named: Named, cards: Sequence[DatasetCard]) -> Resolved:
    """A dataset name against the dataset cards in the scan, then the table."""
    for card in cards:
        if card.matches(named.name):
            return Resolved(named, card=card)
    return Resolved(named, known=load_table().lookup(named.name))


_GRANTING = {Family.PERMISSIVE, Family.COPYLEFT, Family.CUSTOM, Family.SOURCE_AVAILABLE}


def commercial_license(art: Artifact, db: LicenseDB) -> str | None:
    """The artifact's license (declared, else intended) when it allows commercial use:
    understood, none of its licenses non-commercial, and at least one of a family that
    grants use (permissive, copyleft, custom, source-available); None otherwise."""
    spdx = art.declared_license or art.intended_license
    if not spdx:
        return None
    try:
        keys = db.spdx_to_keys(spdx)
    except (LicensetierError, ValueError):
        return None
    if non_commercial_keys(keys):
        return None
    if not any(db.classify_key(k).family in _GRANTING for k in keys_in(keys)):
        return None
    return spdx


def _what(r: Resolved, db: LicenseDB) -> str:
    """What is known of a non-commercial dataset, and where it is stated."""
    spdx = _spdx(r.keys, db)
    if r.card is not None:
        return f"its dataset card {r.card.path} declares {spdx}"
    assert r.known is not None
    stated = r.known.terms if r.known.terms else f"it is under {spdx}"
    return f"{stated} (stated at {r.known.source})"


def training_data_findings(
    art: Artifact,
    card: ModelCard | None,
    cards: Sequence[DatasetCard],
    db: LicenseDB,
    weights: Sequence[Weights] = (),
) -> tuple[list[Finding], list[Resolved]]:
    """The findings on the artifact's training data, and each dataset resolved."""
    resolved = [resolve(n, cards) for n in named_datasets(art, card, weights)]
    licensed = commercial_license(art, db)
    findings: list[Finding] = []
    if licensed is None:
        return findings, resolved
    for r in resolved:
        n = r.named
        if r.non_commercial:
            findings.append(
                rules.finding(
                    "training-data-non-commercial",
                    message=(
                        f"{n.source}: trained on {n.name}, which is for non-commercial use "
                        f"only: {_what(r, db)}; but the artifact's license, {licensed}, "
                        "allows commercial use"
                    ),
                    artifact=art,
                    path=n.source,
                    line=n.line,
                    license=_spdx(r.keys, db),
                )
            )
        elif not r.verified:
            why = (
                f"its dataset card {r.card.path} declares no license licensetier understands"
                if r.card is not None
                else "it is neither a dataset card in the scan nor a dataset whose license "
                "licensetier knows offline"
            )
            findings.append(
                rules.finding(
                    "dataset-unverified",
                    message=f"{n.source}: trained on {n.name}: {why}",
                    artifact=art,
                    path=n.source,
                    line=n.line,
                )
            )
    return findings, resolved


def model_info(
    art: Artifact,
    card: ModelCard | None,
    resolved: Sequence[Resolved],
    db: LicenseDB,
    weights: Sequence[Weights],
    artifacts: Sequence[Artifact] = (),
) -> ModelInfo | None:
    """What the report says of the artifact's model; None when it has neither a
    model card (a card with a model's keys, or naming datasets or base models) nor
    weights or model metadata files. A base model that is another artifact of the
    scan (:func:`licensetier.lineage.local_base`) has that artifact's declared license."""
    own = [w for w in weights if w.artifact == art.path]
    if card is not None and card.is_dataset:
        card = None
    is_card = card is not None and bool(card.model_keys or card.datasets or card.base_model)
    if not is_card and not own:
        return None
    hf = load_hf_licenses()
    refs: list[BaseModelRef] = []
    for base in base_models(art, card, own):
        inherited = resolve_base(base.model)
        found = hf.resolve(inherited.hf_license) if inherited else None
        sibling = local_base(base.model, art, artifacts) if inherited is None else None
        refs.append(
            BaseModelRef(
                model=base.model,
                source=base.path,
                relation=base.relation,
                license=_spdx(found[0], db)
                if found
                else (sibling.declared_license if sibling else None),
                original=inherited.original if inherited else None,
            )
        )
    name = card.model_name if card is not None else None
    if name is None:
        name = next(
            (value for w in own for key, value in w.metadata if key == "general.name"), None
        )
    return ModelInfo(
        artifact=art.path,
        card=card.source if is_card and card is not None else None,
        name=name,
        license=_spdx(card_keys(card, db), db) if card is not None else None,
        task=card.pipeline_tag if card is not None else None,
        library=card.library_name if card is not None else None,
        base_models=tuple(refs),
        datasets=tuple(r.ref(db) for r in resolved),
    )
