"""The obligations of AI model licenses, checked against what an artifact ships.

For an artifact that holds model weights or has a model card, the licenses in effect
are those it declares (model card, LICENSE files, manifests, weights headers) and
those it inherits from its base models (:mod:`licensetier.lineage`). Each in-effect
license with terms in ``license_db/ai_license_terms.toml`` is checked where its
terms ask:

* ``obligation-license-copy`` (``license_copy_must_ship``): a file of the artifact is
  detected as the license (or as a key of its ``satisfied_by`` list);
* ``obligation-notice`` (``notice_text``): a file named ``Notice``/``NOTICE*`` of the
  artifact carries the notice (spacing, case, quotes, (c)/© and the version number
  aside);
* ``obligation-attribution`` (``attribution_text``): the model card (or README) shows
  the text;
* ``obligation-model-name`` (``naming_rule``), for derived models only (a base model
  under the license): the model's name begins with the prefix;
* ``obligation-use-policy`` (``use_restrictions_flow_down``): the use restrictions ship
  (a file detected as the policy or as the license that holds them, or a file named
  USE_POLICY*, ACCEPTABLE_USE*, PROHIBITED_USE*).

Each finding's why quotes the clause it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from licensetier import fs, rules
from licensetier.ai_terms import AITerms, Term, load_terms
from licensetier.detect.corrections import normal
from licensetier.errors import LicensetierError
from licensetier.expressions import keys_in
from licensetier.license_db import LicenseDB
from licensetier.lineage import base_models, resolve_base
from licensetier.models import Artifact, FileResult, Finding, ScanError, Weights
from licensetier.paths import owning_artifact
from licensetier.readers import Reading
from licensetier.readers.model_card import ModelCard, load_hf_licenses
from licensetier.weights import header_keys

# the rules of license_db/rules.toml these checks raise
COPY_RULE = "obligation-license-copy"
NOTICE_RULE = "obligation-notice"
ATTRIBUTION_RULE = "obligation-attribution"
NAME_RULE = "obligation-model-name"
USE_POLICY_RULE = "obligation-use-policy"

MAX_TEXT_BYTES = 1024 * 1024  # a Notice file or a model card: read this much at most
_POLICY_NAMES = re.compile(r"^(use[_-]?policy|acceptable[_-]?use|prohibited[_-]?use)", re.I)
_NOTICE_NAME = re.compile(r"^notice", re.I)
_README_NAME = re.compile(r"^readme(\.|$)", re.I)


@dataclass(frozen=True)
class InEffect:
    """A license in effect for an artifact, and why."""

    key: str
    origin: str  # "declared in README.md", "inherited from meta-llama/... (README.md)"
    base: str | None = None  # the base model it comes from, when inherited


@dataclass(frozen=True)
class Context:
    """What the checks look at for one artifact."""

    art: Artifact
    card: ModelCard | None
    weights: tuple[Weights, ...]  # the artifact's own weights and metadata files
    files: tuple[FileResult, ...]  # the artifact's files, as detected
    source: Path  # where the scanned content is
    root_name: str  # the repository's directory name

    @property
    def where(self) -> str:
        """The path a finding about the artifact as a whole points at."""
        if self.card is not None:
            return self.card.source
        held = [w.path for w in self.weights if w.role == "weights"]
        return held[0] if held else self.art.path

    @property
    def named(self) -> str:
        return "the repository" if self.art.path == "." else f"the artifact {self.art.path}"


def in_effect(
    art: Artifact, card: ModelCard | None, weights: Sequence[Weights], db: LicenseDB
) -> list[InEffect]:
    """The artifact's declared license keys, then those inherited from its base
    models, each once (the first reason kept)."""
    found: dict[str, InEffect] = {}
    for d in art.declared:
        for key in sorted(keys_in(d.license)):
            found.setdefault(key, InEffect(key, f"declared in {d.source}"))
    own = [w for w in weights if w.artifact == art.path]
    for w in own:
        stated = w.license_name if (w.license or "").lower() == "other" else w.license
        keys = header_keys(stated, db) if stated else None
        for key in sorted(keys_in(keys)):
            found.setdefault(key, InEffect(key, f"declared in {w.path}'s header"))
    hf = load_hf_licenses()
    for base in base_models(art, card, own):
        inherited = resolve_base(base.model)
        resolved = hf.resolve(inherited.hf_license) if inherited else None
        if resolved is None:
            continue
        key = resolved[0]
        origin = f"inherited from the base model {base.model} ({base.path})"
        # config.json's _name_or_path is often the model itself: no sign of a derived one
        derived = base.model if base.unverified_reported else None
        previous = found.get(key)
        if previous is None:
            found[key] = InEffect(key, origin, derived)
        elif previous.base is None and derived:  # declared, and derived from a base
            found[key] = InEffect(key, f"{previous.origin}, {origin}", derived)
    return list(found.values())


def obligation_findings(
    art: Artifact,
    card: ModelCard | None,
    weights: Sequence[Weights],
    files: Sequence[FileResult],
    artifacts: Sequence[Artifact],
    source: Path,
    db: LicenseDB,
    errors: list[ScanError],
    *,
    root_name: str = "",
    terms: AITerms | None = None,
    reading: Reading | None = None,
) -> list[Finding]:
    """The obligations of the artifact's licenses that what it ships does not meet.
    Only an artifact holding weights or with a model card is checked."""
    own = tuple(w for w in weights if w.artifact == art.path)
    if card is None and not any(w.role == "weights" for w in own):
        return []
    terms = terms or load_terms()
    mine = tuple(f for f in files if owning_artifact(f.path, artifacts).path == art.path)
    ctx = Context(art, card, own, mine, source, root_name or source.name)
    texts = _Texts(source, errors, reading)
    findings: list[Finding] = []
    for effect in in_effect(art, card, weights, db):
        for term in terms.of(effect.key):
            check = _CHECKS.get(term.attribute)
            if check is None or term.value is False:
                continue
            found = check(ctx, effect, term, texts, db)
            if found is not None:
                findings.append(found)
    return findings


# -- reading the artifact's texts -----------------------------------------------------


class _Texts:
    """The artifact's small text files, each read once (a file that cannot be read is
    a scan error, once)."""

    def __init__(
        self, source: Path, errors: list[ScanError], reading: Reading | None = None
    ) -> None:
        self.source = source
        self.errors = errors
        self.reading = reading  # the scan's reads: the model card was read already
        self._read: dict[str, str | None] = {}

    def __call__(self, path: str) -> str | None:
        if path not in self._read and self.reading is not None:
            known = self.reading.text_of(path)  # the same cap: MAX_MODEL_CARD_BYTES
            if known is not None:
                self._read[path] = known
        if path not in self._read:
            try:
                data = fs.read_head(self.source / path, self.source, MAX_TEXT_BYTES)
                self._read[path] = data.decode("utf-8", errors="replace")
            except OSError as exc:
                why = f"not read for the license obligations: {fs.reason(exc)}"
                self.errors.append(ScanError(path, why))
                self._read[path] = None
        return self._read[path]


def notice_pattern(notice: str) -> re.Pattern[str]:
    """The notice as a pattern over :func:`normal` text, any version number in place
    of its own ("Llama 3.2 is licensed under the Llama 3.2 Community License" for
    Llama 3.1's notice), and the final full stop optional."""
    parts = re.split(r"(\d+(?:\.\d+)*)", normal(notice).rstrip("."))
    pattern = "".join(
        r"\d+(?:\.\d+)*" if i % 2 else re.escape(part) for i, part in enumerate(parts)
    )
    return re.compile(pattern)


def _name_only(text: str) -> str:
    """Letters and digits, lower-cased: a model name's spacing and separators aside."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _name_of(path: str) -> str:
    return PurePosixPath(path).name


def _terms_name(key: str, db: LicenseDB) -> str:
    return db.name(key) or key


def _spdx(key: str, db: LicenseDB) -> str | None:
    try:
        return db.keys_to_spdx(key)
    except (LicensetierError, ValueError):
        return None


def _finding(
    rule: str, ctx: Context, effect: InEffect, term: Term, db: LicenseDB, message: str, **more: str
) -> Finding:
    parameters: dict[str, Any] = {
        "terms": _terms_name(effect.key, db),
        "clause": term.clause,
        "quote": term.quote,
        **more,
    }
    return rules.finding(
        rule,
        message=f"{message} ({_terms_name(effect.key, db)}, {effect.origin})",
        artifact=ctx.art,
        path=ctx.where,
        line=None,
        license=_spdx(effect.key, db),
        **parameters,
    )


# -- the checks ---------------------------------------------------------------------


def _detected_as(ctx: Context, keys: set[str]) -> FileResult | None:
    """The first file of the artifact that holds the text of one of ``keys``: a match
    to ScanCode's full text of the license (its rule ``<key>.LICENSE``, even a partial
    match), not a mention of its name (a notice or a reference rule)."""
    for f in ctx.files:
        for d in f.detections:
            for m in d.matches or (d,):
                if keys_in(m.license) & keys and m.rule.lower().endswith(".license"):
                    return f
    return None


def _license_copy(
    ctx: Context, effect: InEffect, term: Term, texts: _Texts, db: LicenseDB
) -> Finding | None:
    accepted = set(term.satisfied_by) or {effect.key}
    if _detected_as(ctx, accepted) is not None:
        return None
    return _finding(
        COPY_RULE,
        ctx,
        effect,
        term,
        db,
        f"no file of {ctx.named} is detected as the license's text ({', '.join(sorted(accepted))})",
    )


def _notice(
    ctx: Context, effect: InEffect, term: Term, texts: _Texts, db: LicenseDB
) -> Finding | None:
    pattern = notice_pattern(str(term.value))
    notices = [f.path for f in ctx.files if _NOTICE_NAME.match(_name_of(f.path))]
    for path in notices:
        text = texts(path)
        if text is not None and pattern.search(normal(text)):
            return None
    message = (
        f'none of {", ".join(notices)} carries the notice "{term.value}"'
        if notices
        else f'{ctx.named} ships no Notice file with the notice "{term.value}"'
    )
    return _finding(
        NOTICE_RULE,
        ctx,
        effect,
        term,
        db,
        message,
        notice=str(term.value),
    )


def _attribution(
    ctx: Context, effect: InEffect, term: Term, texts: _Texts, db: LicenseDB
) -> Finding | None:
    accepted = term.accepted or (str(term.value),)
    pages = [ctx.card.source] if ctx.card is not None else []
    prefix = "" if ctx.art.path == "." else ctx.art.path + "/"
    pages += [
        f.path
        for f in ctx.files
        if f.path.startswith(prefix)
        and "/" not in f.path[len(prefix) :]
        and _README_NAME.match(_name_of(f.path))
        and f.path not in pages
    ]
    for path in pages:
        text = texts(path)
        if text is not None and any(normal(a) in normal(text) for a in accepted):
            return None
    shown = " or ".join(f'"{a}"' for a in accepted)
    where = ", ".join(pages) if pages else "no README"
    return _finding(
        ATTRIBUTION_RULE,
        ctx,
        effect,
        term,
        db,
        f"{shown} is not displayed in {where}",
        text=shown,
    )


def model_name(ctx: Context) -> tuple[str, str]:
    """The model's name and where it was read: the card's ``model_name`` or
    ``model-index[0].name``, a GGUF header's ``general.name``, the artifact's
    directory name, the repository's directory name."""
    card = ctx.card
    if card is not None and card.model_name:
        return card.model_name, f"{card.source} {card.model_name_field}"
    for w in ctx.weights:
        name = dict(w.metadata).get("general.name")
        if name and name.strip():
            return name.strip(), f"{w.path} general.name"
    if ctx.art.path != ".":
        return PurePosixPath(ctx.art.path).name, "the artifact's directory name"
    return ctx.root_name, "the repository's directory name"


def _model_name(
    ctx: Context, effect: InEffect, term: Term, texts: _Texts, db: LicenseDB
) -> Finding | None:
    if effect.base is None:
        return None  # the original model, not a derived one
    prefix = str(term.value)
    name, where = model_name(ctx)
    if _name_only(name).startswith(_name_only(prefix)):
        return None
    return _finding(
        NAME_RULE,
        ctx,
        effect,
        term,
        db,
        f'the derived model\'s name "{name}" ({where}) does not begin with "{prefix}"',
        prefix=prefix,
    )


def _use_policy(
    ctx: Context, effect: InEffect, term: Term, texts: _Texts, db: LicenseDB
) -> Finding | None:
    accepted = set(term.satisfied_by) or {effect.key}
    if _detected_as(ctx, accepted) is not None:
        return None
    if any(_POLICY_NAMES.match(_name_of(f.path)) for f in ctx.files):
        return None
    return _finding(
        USE_POLICY_RULE,
        ctx,
        effect,
        term,
        db,
        f"no file of {ctx.named} carries the use restrictions (a file detected as "
        f"{', '.join(sorted(accepted))}, or named USE_POLICY*, ACCEPTABLE_USE*, "
        "PROHIBITED_USE*)",
        restrictions=", ".join(sorted(db.name(k) or k for k in accepted)),
    )


_CHECKS = {
    "license_copy_must_ship": _license_copy,
    "notice_text": _notice,
    "attribution_text": _attribution,
    "naming_rule": _model_name,
    "use_restrictions_flow_down": _use_policy,
}
