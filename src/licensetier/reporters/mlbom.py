"""What the ML-BOM says of a scan's models and datasets, for the CycloneDX and SPDX
reporters alike (docs/ai-artifacts.md, "ML-BOM").

- **One model per artifact** with a model card (``ModelInfo.card``), or with weights
  (``role="weights"``) of one checkpoint: the card describes the artifact, and the
  files of one model (shards, quantizations, adapter and configuration files) are its
  parts, not models of their own. An artifact **without a card** that holds several
  checkpoints (a directory of test models, say) has one model per checkpoint (the
  shards ``-00001-of-00004`` of one are one), each with the metadata files of its
  directory and what ``ModelInfo`` says of its files (by ``source``).
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

A pure function of the :class:`ScanResult`: no file is read. Every text that comes
from the repository (names, paths, header values) is :func:`printable`.
"""

from __future__ import annotations

import re
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
from licensetier.printable import printable

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
    """A model: of one artifact, or of one checkpoint of an artifact without a model
    card that holds several."""

    key: str  # unique among the models: the artifact's path, or the checkpoint's first file
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
        return printable(w.license_name)
    return printable(w.license) if w.license is not None else None


def _metadata(w: Weights, key: str) -> str | None:
    return next((v for k, v in w.metadata if k == key and v.strip()), None)


def _architecture(files: Iterable[Weights]) -> str | None:
    for key in _ARCHITECTURE_KEYS:
        for w in files:
            if w.lfs_pointer is None:
                value = _metadata(w, key)
                if value:
                    return printable(value)
    return None


def _name(
    artifact: str,
    root_name: str,
    info: ModelInfo | None,
    files: Iterable[Weights],
    fallback: str | None = None,
) -> str:
    """The card's model name, else a GGUF header's ``general.name``, else ``fallback``
    or the artifact's directory."""
    if info is not None and info.name:
        return printable(info.name)
    for w in files:
        if w.format == "gguf":
            name = _metadata(w, "general.name")
            if name:
                return printable(name)
    if fallback is not None:
        return printable(fallback)
    return root_name if artifact == "." else printable(PurePosixPath(artifact).name or artifact)


def _license(
    info: ModelInfo | None, weights: Iterable[Weights]
) -> tuple[str | None, tuple[str, ...]]:
    if info is not None and info.license:
        return info.license, (printable(info.card),) if info.card else ()
    stated: dict[str, list[str]] = {}
    for w in weights:
        said = header_license(w)
        if said:
            stated.setdefault(said, []).append(printable(w.path))
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
            out.append(
                BaseModelRef(
                    printable(ref.model),
                    printable(ref.source),
                    printable(ref.relation) if ref.relation else None,
                    ref.license,
                    printable(ref.original) if ref.original else None,
                )
            )
    return tuple(out)


class _Datasets:
    """The datasets of the document, each once, in order of first mention (the dataset
    cards of the scan first)."""

    def __init__(self, cards: Iterable[DatasetInfo]) -> None:
        self.by_key: dict[str, Dataset] = {}
        self.by_name: dict[str, str] = {}  # lower-cased name -> key
        for info in cards:
            path = printable(info.path)
            key = f"dataset-card:{path}"
            name = printable(info.name or PurePosixPath(info.path).parent.name or info.path)
            self.by_key[key] = Dataset(
                key, name, info.license, info.non_commercial, path, info.artifact
            )

    def named(self, ref: DatasetRef) -> str:
        """The key of the dataset ``ref`` names, with what ``ref`` tells of it."""
        name = printable(ref.name.strip())
        card = printable(ref.card) if ref.card is not None else None
        if card is not None and f"dataset-card:{card}" in self.by_key:
            key = f"dataset-card:{card}"
        else:
            key = self.by_name.get(name.lower(), f"dataset:{name}")
        known = self.by_key.get(key) or Dataset(key, name, card=card)
        self.by_key[key] = Dataset(
            key,
            known.name,
            known.license or ref.license,
            known.non_commercial or ref.non_commercial,
            known.card,
            known.artifact,
            tuple(dict.fromkeys((*known.named_by, printable(ref.source)))),
        )
        self.by_name.setdefault(name.lower(), key)
        return key


_SHARD = re.compile(r"-\d{5}-of-\d{5}(?=\.[^./]+$)")  # model-00001-of-00004.safetensors


def _checkpoints(weights: Iterable[Weights]) -> list[list[Weights]]:
    """The weights files grouped by checkpoint: the shards of one are one group."""
    groups: dict[str, list[Weights]] = {}
    for w in weights:
        groups.setdefault(_SHARD.sub("", w.path), []).append(w)
    return list(groups.values())


def _parent(path: str) -> str:
    return str(PurePosixPath(path).parent)


def _part(info: ModelInfo | None, paths: set[str]) -> ModelInfo | None:
    """What ``info`` (of the whole artifact) says of the files ``paths``."""
    if info is None:
        return None
    return ModelInfo(
        info.artifact,
        base_models=tuple(b for b in info.base_models if b.source in paths),
        datasets=tuple(d for d in info.datasets if d.source in paths),
    )


def collect(result: ScanResult, root_name: str) -> tuple[list[Model], list[Dataset]]:
    """The models (in the order of the artifacts, then of their files) and datasets of
    ``result``."""
    from licensetier.reporters.spdx import artifacts_of  # spdx imports this module

    infos = {m.artifact: m for m in result.models}
    files: dict[str, list[Weights]] = {}
    for w in sorted(result.weights, key=lambda w: w.path):
        files.setdefault(w.artifact, []).append(w)
    datasets = _Datasets(result.datasets)
    models: list[Model] = []

    def add(key: str, a: Artifact, info: ModelInfo | None, own: list[Weights], name: str) -> None:
        weights = [w for w in own if w.role == "weights"]
        license_, license_from = _license(info, weights)
        refs = list(info.datasets) if info is not None else []
        refs += [DatasetRef(n, w.path) for w in weights for n in w.datasets if n.strip()]
        models.append(
            Model(
                key=key,
                artifact=a.path,
                name=name,
                info=info,
                files=tuple(own),
                license=license_,
                license_from=license_from,
                architecture=_architecture(own),
                base_models=_base_models(a, info, own),
                datasets=tuple(dict.fromkeys(datasets.named(ref) for ref in refs)),
            )
        )

    for a in artifacts_of(result):
        info = infos.get(a.path)
        own = files.get(a.path, [])
        checkpoints = _checkpoints(w for w in own if w.role == "weights")
        if info is None and not checkpoints:
            continue
        if (info is not None and info.card) or len(checkpoints) <= 1:
            add(a.path, a, info, own, _name(a.path, root_name, info, own))
            continue
        # no model card, several checkpoints: as many models, each with the metadata
        # files of its directory
        for checkpoint in checkpoints:
            directory = _parent(checkpoint[0].path)
            part = checkpoint + [
                w for w in own if w.role == "metadata" and _parent(w.path) == directory
            ]
            part.sort(key=lambda w: w.path)
            paths = {w.path for w in part}
            name = _name(a.path, root_name, None, part, fallback=checkpoint[0].path)
            add(checkpoint[0].path, a, _part(info, paths), part, name)
    return models, list(datasets.by_key.values())
