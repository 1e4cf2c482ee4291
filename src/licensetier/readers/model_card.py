"""``README.md``: a Hugging Face model card's YAML front matter, read once for the
artifact's declared license, for its lineage (``base_model``) and for its training
data (``datasets``).

Declared license: ``license:`` (Hub ids mapped through ``license_db/hf_licenses.toml``;
a card may list several); for ``other``, ``license_name:`` and ``license_link:``. A
README without front matter is no model card. The same front matter describes a
dataset on a Hugging Face dataset card: :attr:`ModelCard.is_dataset` tells the two
apart by their keys (:data:`DATASET_KEYS`, :data:`MODEL_KEYS`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from licensetier import formats, fs
from licensetier.errors import LicenseDBError, ManifestError
from licensetier.license_db import LICENSEREF_KEY_PREFIX
from licensetier.models import ScanError
from licensetier.paths import data_directory
from licensetier.readers import Document

if TYPE_CHECKING:
    from licensetier.declared import ManifestContext, Normalized
    from licensetier.models import DeclaredLicense

MODEL_CARD_NAMES = ("README.md", "readme.md", "README")
MAX_MODEL_CARD_BYTES = 1024 * 1024  # front matter sits at the top of the card
_FRONT_MATTER_OPEN = re.compile(r"^---[ \t]*$")
_FRONT_MATTER_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")

# Keys of the front matter only a dataset card has, and only a model card has
# (the Hub's documented card metadata); ``license``, ``language``, ``tags`` are both's.
DATASET_KEYS = frozenset(
    {
        "task_categories",
        "task_ids",
        "size_categories",
        "dataset_info",
        "configs",
        "source_datasets",
        "annotations_creators",
        "language_creators",
        "pretty_name",
        "multilinguality",
        "paperswithcode_id",
        "train-eval-index",
        "viewer",
    }
)
MODEL_KEYS = frozenset(
    {
        "base_model",
        "base_model_relation",
        "pipeline_tag",
        "library_name",
        "model-index",
        "model_name",
        "widget",
        "inference",
        "new_version",
    }
)


# -- Hugging Face license ids ----------------------------------------------------------


@dataclass(frozen=True)
class HFLicenses:
    """``license_db/hf_licenses.toml``: Hub license id -> ScanCode key; Hub id ->
    licensetier's own entry (``licensetier-<name>``); ``license_name`` -> either."""

    keys: Mapping[str, str]
    unmapped: Mapping[str, str]  # id -> why it has no key
    licenserefs: Mapping[str, str] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)

    def lookup(self, ident: str) -> str | None:
        """The ScanCode key of a Hub id (None for a LicenseRef, a family or unknown)."""
        return self.keys.get(ident.strip().lower())

    def resolve(self, text: str) -> tuple[str, str] | None:
        """(license key, how it was read) for a Hub id or a ``license_name`` value,
        licensetier's own entries included; None when the table does not know it."""
        low = text.strip().lower()
        if low in self.keys:
            return self.keys[low], "Hugging Face license id"
        if low in self.licenserefs:
            return self.licenserefs[low], "Hugging Face license id"
        if low in self.names:
            return self.names[low], "Hugging Face license_name"
        return None

    def knows(self, ident: str) -> bool:
        ident = ident.strip().lower()
        return ident in self.keys or ident in self.unmapped or ident in self.licenserefs


@functools.lru_cache(maxsize=4)
def load_hf_licenses(path: Path | None = None) -> HFLicenses:
    """Load the Hub id table (our shipped data: a problem in it is a bug, raised loudly)."""
    path = path or data_directory() / "hf_licenses.toml"
    try:
        data = formats.load_toml(path.read_text(encoding="utf-8"))
    except (OSError, formats.TOMLDecodeError) as exc:
        raise LicenseDBError(f"{path}: {exc}") from None
    tables: list[dict[str, str]] = []
    for name in ("keys", "unmapped", "licenseref", "names"):
        table = data.get(name, {})
        if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in table.items()
        ):
            raise LicenseDBError(f"{path}: [{name}] must map ids to non-empty strings")
        tables.append({k.lower(): v for k, v in table.items()})
    keys, unmapped, licenserefs, names = tables
    both = sorted(
        (set(keys) & set(unmapped))
        | (set(keys) & set(licenserefs))
        | (set(unmapped) & set(licenserefs))
    )
    if both:
        raise LicenseDBError(f"{path}: ids in more than one table: {', '.join(both)}")
    if not all(v.startswith(LICENSEREF_KEY_PREFIX) for v in licenserefs.values()):
        raise LicenseDBError(f"{path}: [licenseref] values must be {LICENSEREF_KEY_PREFIX}<name>")
    return HFLicenses(keys, unmapped, licenserefs, names)


# -- the card --------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelCard:
    """The YAML front matter of a Hugging Face model or dataset card, as far as
    licenses go.

    ``license`` holds the Hub ids as written (a card may list several);
    ``base_model`` the models this one was derived from (its terms are inherited);
    ``datasets`` the datasets it was trained on (Hub ids or names). Lines are 1-based
    lines of the card. ``errors`` are fields of the wrong type, reported without
    losing the rest of the card. ``dataset_keys``/``model_keys``: how many of the
    keys only a dataset card (:data:`DATASET_KEYS`) or only a model card
    (:data:`MODEL_KEYS`) has.
    """

    source: str
    license: tuple[str, ...] = ()
    license_line: int | None = None
    license_name: str | None = None
    license_name_line: int | None = None
    license_link: str | None = None
    license_link_line: int | None = None
    base_model: tuple[str, ...] = ()
    base_model_line: int | None = None
    base_model_relation: str | None = None
    errors: tuple[ScanError, ...] = ()
    # the model's name: ``model_name``, else ``model-index``'s first ``name``
    model_name: str | None = None
    model_name_field: str | None = None  # "model_name" or "model-index[0].name"
    model_name_line: int | None = None
    datasets: tuple[str, ...] = ()
    datasets_line: int | None = None
    dataset_lines: tuple[tuple[str, int], ...] = ()  # each block-list item's own line
    pipeline_tag: str | None = None
    library_name: str | None = None
    pretty_name: str | None = None
    dataset_keys: int = 0
    model_keys: int = 0
    # for the model's openness (licensetier.openness): the results of ``model-index``
    # (each entry of each model's ``results`` with ``metrics``), and the ``arxiv:`` ids
    # of ``tags`` (the Hub's link to a paper)
    eval_results: int = 0
    eval_results_line: int | None = None
    arxiv: tuple[str, ...] = ()

    @property
    def is_dataset(self) -> bool:
        """A dataset card: more of the keys only a dataset card has than of those only
        a model card has (a model card may borrow ``task_categories``)."""
        return self.dataset_keys > self.model_keys


def find_model_card(directory: Path, base: Path | None = None) -> Path | None:
    """The card file directly in ``directory`` (it may not have front matter), a
    regular file inside ``base`` (default: ``directory``): a card that links out of
    it is not one."""
    names = {e.name for e in fs.list_dir(directory, base or directory) if e.is_file}
    for name in MODEL_CARD_NAMES:
        if name in names:
            return directory / name
    return None


def _front_matter(text: str) -> tuple[str, bool] | None:
    """The YAML between ``---`` lines at the very top (it starts on line 2), and
    whether it is closed; None when the text does not open with ``---``."""
    lines = text.splitlines()
    if not lines or not _FRONT_MATTER_OPEN.match(lines[0]):
        return None
    for number, line in enumerate(lines[1:], start=1):
        if _FRONT_MATTER_CLOSE.match(line):
            return "\n".join(lines[1:number]), True
    return "\n".join(lines[1:]), False


def _strings(value: Any) -> tuple[str, ...] | None:
    """A string or a list of strings as a tuple; None for anything else."""
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v for v in value if v.strip())
    return None


def parse_model_card(text: str, source: str) -> ModelCard | None:
    """Read a card's front matter; None when the text has none (then it is no model card).

    Raises :class:`ManifestError` when the front matter is not valid YAML, is not a
    mapping, or is never closed.
    """
    found = _front_matter(text.lstrip("\ufeff"))
    if found is None:
        return None
    body, closed = found
    first = 2  # the file line of the first line of ``body``
    if not closed:
        raise ManifestError(
            "YAML front matter opened with '---' on line 1 is never closed", path=source, line=1
        )
    data, key_lines = formats.parse_yaml(body, source, first_line=first, key_depth=1)
    if data is None:
        return ModelCard(source)
    if not isinstance(data, dict):
        raise ManifestError(
            f"YAML front matter must be a mapping, got {formats.describe(data)}",
            path=source,
            line=first,
        )
    lines = {key[0]: line for key, line in key_lines.items()}
    errors: list[ScanError] = []

    def strings(key: str) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        items = _strings(value)
        if items is None:
            errors.append(
                ScanError(
                    source,
                    f"{key}: expected a string or a list of strings, got {formats.describe(value)}",
                    lines.get(key),
                )
            )
            return ()
        return items

    def string(key: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            errors.append(
                ScanError(
                    source,
                    f"{key}: expected a string, got {formats.describe(value)}",
                    lines.get(key),
                )
            )
            return None
        return value.strip() or None

    model_name, name_field = string("model_name"), "model_name"
    if model_name is None:
        model_name, name_field = _model_index_name(data.get("model-index")), "model-index[0].name"
    name_line = lines.get("model_name" if name_field == "model_name" else "model-index")

    return ModelCard(
        source=source,
        license=strings("license"),
        license_line=lines.get("license"),
        license_name=string("license_name"),
        license_name_line=lines.get("license_name"),
        license_link=string("license_link"),
        license_link_line=lines.get("license_link"),
        base_model=strings("base_model"),
        base_model_line=lines.get("base_model"),
        base_model_relation=string("base_model_relation"),
        datasets=strings("datasets"),
        datasets_line=lines.get("datasets"),
        dataset_lines=_item_lines(body, first, lines.get("datasets")),
        pipeline_tag=string("pipeline_tag"),
        library_name=string("library_name"),
        pretty_name=string("pretty_name"),
        dataset_keys=len(DATASET_KEYS.intersection(data)),
        model_keys=len(MODEL_KEYS.intersection(data)),
        errors=tuple(errors),
        model_name=model_name,
        model_name_field=name_field if model_name else None,
        model_name_line=name_line if model_name else None,
        eval_results=_eval_results(data.get("model-index")),
        eval_results_line=lines.get("model-index"),
        arxiv=_arxiv_tags(data.get("tags")),
    )


def _eval_results(value: Any) -> int:
    """How many results ``model-index`` holds: entries of a model's ``results`` that
    give ``metrics`` (anything else is not counted, and not an error)."""
    if not isinstance(value, list):
        return 0
    count = 0
    for model in value:
        results = model.get("results") if isinstance(model, dict) else None
        if isinstance(results, list):
            count += sum(1 for r in results if isinstance(r, dict) and r.get("metrics"))
    return count


def _arxiv_tags(value: Any) -> tuple[str, ...]:
    """The ``arxiv:<id>`` entries of ``tags`` (the Hub links the paper from them)."""
    items = _strings(value) or ()
    return tuple(t.strip()[6:] for t in items if t.strip().lower().startswith("arxiv:"))


def _model_index_name(value: Any) -> str | None:
    """``model-index``'s first entry's ``name`` (the Hub's evaluation results), if it
    is a string; anything else is not a name (and not an error: the card's license
    does not depend on it)."""
    if not isinstance(value, list) or not value or not isinstance(value[0], dict):
        return None
    name = value[0].get("name")
    return name.strip() or None if isinstance(name, str) else None


_ITEM = re.compile(r"^\s+-\s+(.*?)\s*$|^-\s+(.*?)\s*$")


def _item_lines(body: str, first: int, key_line: int | None) -> tuple[tuple[str, int], ...]:
    """The file line of each item of a block list under the key on ``key_line`` (a
    flow list ``[a, b]`` stays on the key's line); items as written, unquoted."""
    if key_line is None:
        return ()
    found: list[tuple[str, int]] = []
    lines = body.splitlines()
    for index in range(key_line - first + 1, len(lines)):
        text = lines[index]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        item = _ITEM.match(text)
        if item is None:
            break  # the next key: the list is over
        value = (item.group(1) if item.group(1) is not None else item.group(2)).strip("'\"")
        found.append((value, index + first))
    return tuple(found)


def load(path: Path, source: str, base: Path) -> Document:
    """The card (``data``: a :class:`ModelCard`, or None for a README without front
    matter). Only its beginning is read, in any encoding: a README need not be a
    model card at all."""
    try:
        head = fs.read_head(path, base, MAX_MODEL_CARD_BYTES)
    except OSError as exc:
        raise ManifestError(fs.reason(exc), path=source) from None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    return Document(path, source, text, parse_model_card(text, source), base)


def read_model_card(
    path: Path, source: str | None = None, base: Path | None = None
) -> ModelCard | None:
    """Read a README's front matter. ``source`` names it in errors (default: ``path``);
    the card must be a regular file inside ``base`` (default: its own directory).

    None when the file has no front matter. Raises :class:`ManifestError` when it
    cannot be read or its front matter is malformed.
    """
    card: ModelCard | None = load(path, source or str(path), base or path.parent).data
    return card


# -- the declared license --------------------------------------------------------------


def declared(doc: Document, ctx: ManifestContext) -> list[DeclaredLicense]:
    """A Hub model card's ``license:`` (mapped through ``hf_licenses.toml``); for
    ``other``, ``license_name:`` and ``license_link:``."""
    card: ModelCard | None = doc.data
    if card is None:
        return []
    ctx.errors.extend(card.errors)
    hf = load_hf_licenses()
    out: list[DeclaredLicense] = []
    for ident in card.license:
        if ident.strip().lower() == "other":
            out.append(_other_license(ctx, card, hf))
        else:
            line = card.license_line
            out.append(ctx.declare("license", ident, line, _hf_id(ctx, hf, ident, line)))
    return out


def _hf_id(ctx: ManifestContext, hf: HFLicenses, ident: str, line: int | None) -> Normalized:
    found = hf.resolve(ident)  # a ScanCode key, or licensetier's own entry
    if found is not None:
        return ctx.understood(found[0])
    if hf.knows(ident):  # documented, but a family or without a ScanCode key
        return ctx.not_understood()
    return ctx.normalize(ident, line)  # not a Hub id: perhaps an SPDX expression or a name


def _other_license(ctx: ManifestContext, card: ModelCard, hf: HFLicenses) -> DeclaredLicense:
    name, link = card.license_name, card.license_link
    if link and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//", link):
        found = ctx.license_file("license_link", link, card.license_link_line)
        if found is not None and found.license:
            return ctx.declare("license_link", link, card.license_link_line, found)
    if name:
        line = card.license_name_line or card.license_line
        found = _hf_id(ctx, hf, name, line)
        return ctx.declare("license_name", name, line, found)
    raw = f"other ({link})" if link else "other"
    return ctx.declare("license", raw, card.license_line, ctx.not_understood())
