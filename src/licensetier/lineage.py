"""Model lineage: weights derived from a base model inherit its terms.

A Hugging Face model card names its parents in ``base_model:`` (with
``base_model_relation:`` saying how: adapter, merge, quantized, finetune); weights
files and model metadata name them too (GGUF ``general.base_model.{i}.*``, a PEFT
``adapter_config.json``'s ``base_model_name_or_path``, ``config.json``'s
``_name_or_path``). When a parent's license is well known
(license_db/base_models.toml) and restricts derived weights, the artifact must carry
that license; declaring, say, Apache-2.0 for weights fine-tuned from Llama is an error
whatever the tier. A base model re-published by a well-known mirror or quantizer
(``TheBloke/Llama-2-7B-GGUF``) is matched by its model name, with the quantization
suffix stripped, against the original families (the ``[mirrors]`` table).
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from licensetier import rules
from licensetier.declared import ModelCard, load_hf_licenses
from licensetier.errors import LicenseDBError, UnknownLicenseError
from licensetier.formats import tomllib
from licensetier.license_db import LicenseDB
from licensetier.models import Artifact, Family, Finding, Weights
from licensetier.paths import data_directory
from licensetier.policy import keys_of


@dataclass(frozen=True)
class BaseModelRule:
    ids: tuple[str, ...]
    hf_license: str


@dataclass(frozen=True)
class Mirrors:
    """Organisations that re-publish others' models (``organisations``, lower-cased)
    and the suffixes they append to the model name (``suffixes``, regular expressions
    matched case-insensitively at the end of the name)."""

    organisations: frozenset[str] = frozenset()
    suffixes: tuple[re.Pattern[str], ...] = ()

    def original_name(self, model_id: str) -> str | None:
        """The model name of a mirror's re-publication, its quantization suffixes
        stripped; None when ``model_id`` is not a mirror's."""
        org, slash, name = model_id.partition("/")
        if not slash or not name or "/" in name or org.lower() not in self.organisations:
            return None
        stripped = True
        while stripped:
            stripped = False
            for suffix in self.suffixes:
                shorter = suffix.sub("", name)
                if shorter != name and shorter:
                    name, stripped = shorter, True
        return name


@dataclass(frozen=True)
class BaseModels:
    rules: tuple[BaseModelRule, ...]
    mirrors: Mirrors


@functools.lru_cache(maxsize=2)
def load_table(path: Path | None = None) -> BaseModels:
    path = path or data_directory() / "base_models.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        found = tuple(
            BaseModelRule(tuple(entry["ids"]), entry["license"]) for entry in data["base_model"]
        )
        mirrors = data.get("mirrors", {})
        return BaseModels(
            found,
            Mirrors(
                frozenset(str(o).lower() for o in mirrors.get("organisations", ())),
                tuple(re.compile(f"(?:{s})$", re.IGNORECASE) for s in mirrors.get("suffixes", ())),
            ),
        )
    except (OSError, KeyError, TypeError, AttributeError, re.error, tomllib.TOMLDecodeError) as exc:
        raise LicenseDBError(f"{path}: {exc}") from None


def load_base_models(path: Path | None = None) -> tuple[BaseModelRule, ...]:
    return load_table(path).rules


_HUB_URL = re.compile(r"^https?://(www\.)?(huggingface\.co|hf\.co)/", re.IGNORECASE)


def normalized(model_id: str) -> str:
    """A base model as a Hub id: no Hub URL prefix, no trailing slash."""
    return _HUB_URL.sub("", model_id.strip()).rstrip("/")


@dataclass(frozen=True)
class Inherited:
    hf_license: str
    original: str | None = None  # the model name matched, when re-published by a mirror


def resolve_base(model_id: str) -> Inherited | None:
    """The Hugging Face license id of a well-known base model, directly or through a
    mirror's re-publication; None when not known."""
    table = load_table()
    lowered = normalized(model_id).lower()
    for rule in table.rules:
        if any(fnmatch.fnmatchcase(lowered, pattern.lower()) for pattern in rule.ids):
            return Inherited(rule.hf_license)
    name = table.mirrors.original_name(normalized(model_id))
    if name is None:
        return None
    for rule in table.rules:
        for pattern in rule.ids:
            _, _, pattern_name = pattern.lower().rpartition("/")
            if fnmatch.fnmatchcase(name.lower(), pattern_name):
                return Inherited(rule.hf_license, name)
    return None


def local_base(model_id: str, art: Artifact, artifacts: Sequence[Artifact]) -> Artifact | None:
    """The artifact of this scan that ``model_id`` names, when its model name (the part
    after the organisation) is the name of another artifact's directory, compared
    case-insensitively: a quantization or an adapter published beside the fine-tune it
    is made from (``acme/Llama-3.1-Acme-8B`` for ``models/Llama-3.1-Acme-8B``). None
    when no other artifact has that name, or when two have."""
    name = normalized(model_id).rpartition("/")[2].lower()
    if not name:
        return None
    found = [
        other
        for other in artifacts
        if other.path not in (".", art.path) and other.path.rpartition("/")[2].lower() == name
    ]
    return found[0] if len(found) == 1 else None


def inherited_license(model_id: str) -> str | None:
    """The Hugging Face license id of a well-known base model, or None."""
    found = resolve_base(model_id)
    return found.hf_license if found else None


# how the derived model relates to its base, in a finding's message
_RELATIONS = {
    "adapter": "an adapter on",
    "merge": "merged from",
    "quantized": "a quantization of",
    "finetune": "fine-tuned from",
}
_METADATA_RELATIONS = {"peft-adapter-config": "an adapter on"}


@dataclass(frozen=True)
class BaseModel:
    """A base model named by the card or by a weights or metadata file."""

    model: str
    path: str
    line: int | None = None
    relation: str | None = None  # the card's base_model_relation, as declared
    how: str = "derived from"  # the relation, in words
    unverified_reported: bool = True  # False: config.json's _name_or_path (often itself)


def _local_path(value: str) -> bool:
    """A filesystem path rather than a Hub id (config.json's ``_name_or_path`` is
    often the directory the model was saved from)."""
    return (
        value.startswith(("/", ".", "~"))
        or "\\" in value
        or re.match(r"^[A-Za-z]:", value) is not None
        or ("://" not in value and value.count("/") > 1)
    )


def base_models(
    art: Artifact, card: ModelCard | None, weights: Iterable[Weights] = ()
) -> list[BaseModel]:
    """The artifact's base models, the card's first, each named once (the first file
    that names it)."""
    found: list[BaseModel] = []
    if card is not None:
        relation = card.base_model_relation
        how = _RELATIONS.get((relation or "").strip().lower(), "fine-tuned from")
        found.extend(
            BaseModel(b, card.source, card.base_model_line, relation, how) for b in card.base_model
        )
    for w in weights:
        if w.artifact != art.path:
            continue
        for b in w.base_models:
            if not b.strip() or _local_path(b.strip()):
                continue
            how = _METADATA_RELATIONS.get(w.format, "derived from")
            reported = w.format != "transformers-config"
            found.append(BaseModel(b, w.path, None, None, how, reported))
    seen: set[str] = set()
    out: list[BaseModel] = []
    for base in found:
        key = normalized(base.model).lower()
        if key not in seen:
            seen.add(key)
            out.append(base)
    return out


def _declaration(hf_id: str, resolved: tuple[str, str] | None) -> str:
    """How a model card declares the license ``hf_id``: a Hub id as ``license:``, a
    ``license_name`` value (qwen-research, mrl) as ``license: other`` with it."""
    if resolved is not None and resolved[1].endswith("license_name"):
        return f"`license: other` with `license_name: {hf_id}`"
    return f"`license: {hf_id}`"


def lineage_findings(
    art: Artifact,
    card: ModelCard | None,
    db: LicenseDB,
    weights: Sequence[Weights] = (),
    artifacts: Sequence[Artifact] = (),
) -> list[Finding]:
    """The findings on the artifact's base models: a base whose license carries over
    (a well-known model, or another artifact of this scan, see :func:`local_base`)
    while the artifact declares another; a base whose license is not known."""
    findings: list[Finding] = []
    hf = load_hf_licenses()
    declared = art.declared_license
    declared_keys = keys_of(db.spdx_to_keys(declared)) if declared else frozenset()
    for base in base_models(art, card, weights):
        inherited = resolve_base(base.model)
        sibling = local_base(base.model, art, artifacts) if inherited is None else None
        if sibling is not None and sibling.declared_license is not None:
            findings.extend(_local_finding(art, base, sibling, declared_keys, db))
            continue
        if inherited is None:
            if base.unverified_reported:
                findings.append(
                    rules.finding(
                        "base-model-unverified",
                        message=f"{base.path}: base model {base.model} is not one whose "
                        "license licensetier knows offline",
                        artifact=art,
                        path=base.path,
                        line=base.line,
                    )
                )
            continue
        hf_id = inherited.hf_license
        resolved = hf.resolve(hf_id)  # a Hub id or a license_name (qwen-research, mrl)
        key = resolved[0] if resolved else None
        c = db.classify_key(key) if key else None
        if c is not None and c.family is Family.PERMISSIVE:
            continue
        if key is not None and key in declared_keys:
            continue
        name = db.name(key) if key else hf_id
        obligations = " ".join(db.obligations(key)) if key else ""
        said = [f"base_model_relation: {base.relation}"] if base.relation else []
        if inherited.original:
            said.append(f"a re-publication of {inherited.original}")
        notes = f" ({'; '.join(said)})" if said else ""
        findings.append(
            rules.finding(
                "base-model-license",
                message=(
                    f"{base.path}: {base.how} {base.model}{notes}, whose {name} carries over "
                    "to derived weights, but the artifact declares "
                    f"{declared or 'no license'}"
                ),
                artifact=art,
                path=base.path,
                line=base.line,
                license=db.keys_to_spdx(key) if key else None,
                classification=c,
                family=Family.UNKNOWN,
                also=f"Obligations: {obligations}" if obligations else "",
                base_license=_declaration(hf_id, resolved),
            )
        )
    return findings


def _local_finding(
    art: Artifact,
    base: BaseModel,
    sibling: Artifact,
    declared_keys: frozenset[str],
    db: LicenseDB,
) -> list[Finding]:
    """A base model that is another artifact of this scan: its declared license
    carries over unless it is permissive or the artifact declares it too."""
    c = sibling.declared_classification
    if c is not None and c.family is Family.PERMISSIVE:
        return []
    spdx = sibling.declared_license or ""
    try:
        keys = keys_of(db.spdx_to_keys(spdx))
    except UnknownLicenseError:
        keys = frozenset()
    if keys and keys <= declared_keys:
        return []
    relation = f"base_model_relation: {base.relation}; " if base.relation else ""
    return [
        rules.finding(
            "base-model-license",
            message=(
                f"{base.path}: {base.how} {base.model} ({relation}the artifact {sibling.path} "
                f"of this scan), whose {spdx} carries over to derived weights, but the "
                f"artifact declares {art.declared_license or 'no license'}"
            ),
            artifact=art,
            path=base.path,
            line=base.line,
            license=spdx,
            classification=c,
            family=Family.UNKNOWN,
            base_license=f"the license of {sibling.path}, `{spdx}`,",
        )
    ]
