"""What the ML-BOM says of a scan's models and datasets, for the CycloneDX and SPDX
reporters alike (docs/ai-artifacts.md, "ML-BOM").

- **One model per artifact** that has weights (``role="weights"``) or a
  :class:`ModelInfo` (a model card): the card describes the artifact, and the files of
  one model (shards, quantizations, adapter and configuration files) are its parts,
  not models of their own. Its weights and metadata files are kept with it.
- **Its license**: the card's (``ModelInfo.license``); without one, the weights
  headers' when they all say the same (a header's ``other`` is replaced by its
  ``license_name``); else none (each file keeps its own).
- **Its base models**: ``ModelInfo.base_models``, then those the weights and metadata
  files name (:func:`licensetier.lineage.base_models`: GGUF ``general.base_model``,
  a PEFT adapter's base; a transformers ``config.json``'s ``_name_or_path`` is left
  out, being most often the model itself), each once.
- **Its datasets**: ``ModelInfo.datasets``, then those the weights headers name (GGUF
  ``general.dataset``), each once. A dataset described by a dataset card in the scan
  (:class:`DatasetInfo`) is that card's dataset; the others are known by name.

A pure function of the :class:`ScanResult`: no file is read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from licensetier import lineage
from licensetier.models import (
    Artifact,
    BaseModelRef,
    DatasetInfo,
    DatasetRef,
    ModelInfo,
    ScanResult,
    Weights,
)

# keys of weights and metadata headers that name the model's architecture
_ARCHITECTURE_KEYS = ("general.architecture", "architectures", "model_type")


@dataclass(frozen=True)
class Dataset:
    """A dataset of the ML-BOM: described by a dataset card in the scan (``card``), or
    known by the name a model card or weights header gives it."""

    key: str  # unique in the document: "dataset-card:<card path>" or "dataset:<name>"
    name: str
    license: str | None = None  # SPDX expression, when known
    non_commercial: bool = False
    card: str | None = None
    artifact: str | None = None  # the artifact holding the card
    named_by: tuple[str, ...] = ()  # the files that name it (model cards, weights)


@dataclass(frozen=True)
class Model:
    """The model of one artifact."""

    artifact: str
    name: str
    info: ModelInfo | None
    files: tuple[Weights, ...]  # its weights and metadata files, in path order
    license: str | None  # SPDX expression (the card's), or as the headers write it
    license_from: tuple[str, ...]  # the files that state it
    architecture: str | None
    base_models: tuple[BaseModelRef, ...]
    datasets: tuple[str, ...]  # Dataset.key, in order of mention

    @property
    def weights(self) -> tuple[Weights, ...]:
        return tuple(w for w in self.files if w.role == "weights")

    @property
    def formats(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(w.format for w in self.weights))


def header_license(w: Weights) -> str | None:
    """A weights header's license as written; its ``license_name`` when the license
    is ``other``."""
    if w.license_name and (w.license is None or w.license.strip().lower() == "other"):
        return w.license_name
    return w.license


def _metadata(w: Weights, key: str) -> str | None:
    return next((v for k, v in w.metadata if k == key and v.strip()), None)


def _architecture(files: Iterable[Weights]) -> str | None:
    for key in _ARCHITECTURE_KEYS:
        for w in files:
            if w.lfs_pointer is None:
                value = _metadata(w, key)
                if value:
                    return value
    return None


def _name(artifact: str, root_name: str, info: ModelInfo | None, files: Iterable[Weights]) -> str:
    if info is not None and info.name:
        return info.name
    for w in files:
        if w.format == "gguf":
            name = _metadata(w, "general.name")
            if name:
                return name
    return root_name if artifact == "." else PurePosixPath(artifact).name or artifact


def _license(
    info: ModelInfo | None, weights: Iterable[Weights]
) -> tuple[str | None, tuple[str, ...]]:
    if info is not None and info.license:
        return info.license, (info.card,) if info.card else ()
    stated: dict[str, list[str]] = {}
    for w in weights:
        said = header_license(w)
        if said:
            stated.setdefault(said, []).append(w.path)
    if len(stated) == 1:
        ((said, paths),) = stated.items()
        return said, tuple(paths)
    return None, ()


def _base_models(
    artifact: Artifact, info: ModelInfo | None, weights: Iterable[Weights]
) -> tuple[BaseModelRef, ...]:
    found: list[BaseModelRef] = list(info.base_models) if info is not None else []
    for base in lineage.base_models(artifact, None, weights):
        if base.unverified_reported:  # not config.json's _name_or_path
            relation = "adapter" if base.how == "an adapter on" else None
            found.append(BaseModelRef(lineage.normalized(base.model), base.path, relation))
    seen: set[str] = set()
    out: list[BaseModelRef] = []
    for ref in found:
        key = lineage.normalized(ref.model).lower()
        if key and key not in seen:
            seen.add(key)
            out.append(ref)
    return tuple(out)


class _Datasets:
    """The datasets of the document, each once, in order of first mention (the dataset
    cards of the scan first)."""

    def __init__(self, cards: Iterable[DatasetInfo]) -> None:
        self.by_key: dict[str, Dataset] = {}
        self.by_name: dict[str, str] = {}  # lower-cased name -> key
        for info in cards:
            key = f"dataset-card:{info.path}"
            name = info.name or PurePosixPath(info.path).parent.name or info.path
            self.by_key[key] = Dataset(
                key, name, info.license, info.non_commercial, info.path, info.artifact
            )

    def named(self, ref: DatasetRef) -> str:
        """The key of the dataset ``ref`` names, with what ``ref`` tells of it."""
        if ref.card is not None and f"dataset-card:{ref.card}" in self.by_key:
            key = f"dataset-card:{ref.card}"
        else:
            key = self.by_name.get(ref.name.strip().lower(), f"dataset:{ref.name.strip()}")
        known = self.by_key.get(key) or Dataset(key, ref.name.strip(), card=ref.card)
        self.by_key[key] = Dataset(
            key,
            known.name,
            known.license or ref.license,
            known.non_commercial or ref.non_commercial,
            known.card,
            known.artifact,
            tuple(dict.fromkeys((*known.named_by, ref.source))),
        )
        self.by_name.setdefault(ref.name.strip().lower(), key)
        return key


def collect(result: ScanResult, root_name: str) -> tuple[list[Model], list[Dataset]]:
    """The models (in the order of the artifacts) and datasets of ``result``."""
    from licensetier.reporters.spdx import artifacts_of  # spdx imports this module

    artifacts = artifacts_of(result)
    infos = {m.artifact: m for m in result.models}
    files: dict[str, list[Weights]] = {}
    for w in result.weights:
        files.setdefault(w.artifact, []).append(w)
    datasets = _Datasets(result.datasets)
    models: list[Model] = []
    for a in artifacts:
        info = infos.get(a.path)
        own = sorted(files.get(a.path, []), key=lambda w: w.path)
        weights = [w for w in own if w.role == "weights"]
        if info is None and not weights:
            continue
        license_, license_from = _license(info, weights)
        refs = list(info.datasets) if info is not None else []
        refs += [DatasetRef(name, w.path) for w in weights for name in w.datasets if name.strip()]
        keys = tuple(dict.fromkeys(datasets.named(ref) for ref in refs))
        models.append(
            Model(
                artifact=a.path,
                name=_name(a.path, root_name, info, own),
                info=info,
                files=tuple(own),
                license=license_,
                license_from=license_from,
                architecture=_architecture(own),
                base_models=_base_models(a, info, own),
                datasets=keys,
            )
        )
    return models, list(datasets.by_key.values())
