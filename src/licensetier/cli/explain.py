"""``licensetier explain LICENSE_OR_EXPRESSION``: family, strength and the verdict per tier."""

from __future__ import annotations

import json
import sys

import click

from licensetier.ai_terms import LABELS, Term, load_terms
from licensetier.cli.common import Choice, translate_errors
from licensetier.config import Config
from licensetier.errors import UnknownLicenseError
from licensetier.expressions import ExpressionTooDeep, check_nesting, keys_in
from licensetier.license_db import LicenseDB, LicenseInfo
from licensetier.models import Classification, Tier
from licensetier.policy import Policy, declared_row
from licensetier.rules import Rule
from licensetier.tiers import TierData, load_tiers


def _resolve(db: LicenseDB, text: str) -> tuple[str, str, str]:
    """(license key expression, SPDX expression, how it was read).

    A Hugging Face license id or ``license_name`` value is read through
    license_db/hf_licenses.toml (where it is also an SPDX id of the same license,
    "mit", it reads as SPDX); then SPDX, a ScanCode key expression, ScanCode's
    detection."""
    try:
        check_nesting(text)
    except ExpressionTooDeep as exc:  # not handed to ScanCode's detection either
        raise click.BadParameter(str(exc), param_hint="LICENSE_OR_EXPRESSION") from None
    from licensetier.declared import load_hf_licenses

    hub = load_hf_licenses().resolve(text)
    if hub is not None and db.info(hub[0]) is None:
        hub = None
    spdx_error: UnknownLicenseError | None = None
    try:
        keys = db.spdx_to_keys(text)
    except UnknownLicenseError as error:
        spdx_error = error
    else:
        if hub is None or hub[0] == keys:
            return keys, db.keys_to_spdx(keys), "SPDX expression"
    if hub is not None:
        key, how = hub
        return key, db.keys_to_spdx(key), f"{how} {text.strip().lower()!r}"
    lowered = text.strip().lower()
    try:
        spdx = db.keys_to_spdx(lowered)
        db.spdx_to_keys(spdx)
        return lowered, spdx, "ScanCode license expression"
    except UnknownLicenseError:
        pass
    from licensetier.declared import normalize

    # as a manifest's license string is read: the names of license_db/declared_names.toml
    # ("Public Domain", "CC0", "BSD"), legacy syntax ("MIT/Apache-2.0"), short lists
    named = normalize(text, db, None)
    if named.license is not None:
        how = "a manifest's license string"
        if named.low_confidence:
            how += "; low confidence: the name fits more than one license"
        return named.license, named.license_spdx or db.keys_to_spdx(named.license), how
    from licensetier.detect.engine import Engine

    keys_found, score = Engine().detect_text(text)
    if keys_found is None:
        raise click.BadParameter(
            f"{text!r} is neither an SPDX nor a ScanCode license expression, and "
            f"ScanCode's detection found no license in it ({spdx_error})",
            param_hint="LICENSE_OR_EXPRESSION",
        ) from None
    return keys_found, db.keys_to_spdx(keys_found), f"ScanCode detection (score {score:.0f})"


def _declared_why(rule: Rule, cell: str) -> str:
    """The rule's reason; where the tier allows the license, its ``allowed_`` texts."""
    if cell == "ok" and rule.allowed_why and rule.allowed_action:
        return f"{rule.allowed_why} {rule.allowed_action}"
    return rule.why


def _verdicts(policy: Policy, tiers: TierData, keys: str) -> list[dict[str, object]]:
    from licensetier.rules import load_catalogue

    catalogue = load_catalogue()
    out: list[dict[str, object]] = []
    for tier in Tier:
        kinds: list[str | None] = [None]
        kinds += [o.kind for o in tiers.component_overrides if tiers.tier_of(o.kind) is tier]
        for kind in kinds:
            c = policy.classify(keys, tier, kind)
            component = policy.component_cell(c, tier, kind)
            row = declared_row(c)
            declared = policy.declared_cell(row, tier)
            entry: dict[str, object] = {
                "tier": tier.value,
                "kind": kind,
                "chosen": c.deciding,
                "family": c.family.value,
                "strength": c.strength.value if c.strength else None,
                "as_component": component,
                "as_component_why": catalogue[f"component-{c.row}"].why,
                "as_declared_license": declared,
                "as_declared_why": _declared_why(catalogue[f"declared-{row}"], declared),
                "obligations": list(policy.db.obligations(c.deciding)),
            }
            override = next(
                (
                    o
                    for o in tiers.component_overrides
                    if o.kind == kind and c.deciding in o.licenses
                ),
                None,
            )
            if kind is not None and override is None:
                continue  # nothing special for this kind
            if override is not None:
                entry["as_component_why"] = override.why
            out.append(entry)
    return out


def _describe(c: Classification) -> str:
    return c.family.value + (f" ({c.strength.value})" if c.strength else "")


def _terms(db: LicenseDB, keys: str) -> list[tuple[str, tuple[Term, ...]]]:
    """(key, its AI license terms) for each license key of the expression that has any."""
    terms = load_terms()
    return [(k, terms.of(k)) for k in sorted(keys_in(keys)) if terms.of(k)]


def _own_entries(db: LicenseDB, keys: str) -> list[LicenseInfo]:
    """licensetier's own LicenseRef entries among the keys (no ScanCode text for them)."""
    infos = (db.info(k) for k in sorted(keys_in(keys)))
    return [i for i in infos if i is not None and i.is_licenseref]


@click.command()
@click.argument("expression", metavar="LICENSE_OR_EXPRESSION")
@click.option("--format", "fmt", type=Choice(["text", "json"]), default="text", show_default=True)
@translate_errors
def explain(expression: str, fmt: str) -> None:
    """Explain a license or an expression: its family and its verdict in each tier.

    LICENSE_OR_EXPRESSION is a Hugging Face license id ("llama3", "gemma") or
    `license_name` value ("qwen"), an SPDX expression ("MIT OR GPL-3.0-only"), a
    ScanCode license key ("bsl-1.1"), or free text that ScanCode's detection
    understands. The terms of AI model licenses (user threshold, non-commercial,
    naming rule, ...) are shown with the clause each comes from.
    """
    db = LicenseDB.load()
    tiers = load_tiers()
    policy = Policy(db, tiers, Config())
    keys, spdx, how = _resolve(db, expression)
    general = db.classify(keys)
    verdicts = _verdicts(policy, tiers, keys)
    terms = _terms(db, keys)
    own = _own_entries(db, keys)
    obligations = {k: list(db.obligations(k)) for k in sorted(keys_in(keys)) if db.obligations(k)}
    if fmt == "json":
        payload = {
            "input": expression,
            "read_as": how,
            "license": spdx,
            "scancode_license": keys,
            "family": general.family.value,
            "strength": general.strength.value if general.strength else None,
            "category": general.category,
            "notes": list(general.notes),
            "terms": {k: {t.attribute: t.as_json() for t in ts} for k, ts in terms},
            "obligations": obligations,
            "licensetier_entries": {
                i.key: {"name": i.name, "source": i.source, "note": i.note} for i in own
            },
            "tiers": verdicts,
        }
        click.echo(json.dumps(payload, indent=2))
        sys.exit(0)
    click.echo(f"{spdx}  (read as {how}; {'key' if own else 'ScanCode'}: {keys})")
    click.echo(
        f"family: {_describe(general)}"
        + (f"; ScanCode category: {general.category}" if general.category and not own else "")
    )
    for note in general.notes:
        click.echo(f"note: {note}")
    for info in own:
        click.echo(f"{info.key}: {info.name}, licensetier's own entry; text at {info.source}")
        if info.note:
            click.echo(f"  {info.note}")
        if not any(k == info.key for k, _ in terms):
            click.echo("  terms: none recorded (ScanCode has no text of it to cite)")
    for key, key_terms in terms:
        click.echo(f"terms of {key}:")
        for t in key_terms:
            click.echo(f"  {LABELS[t.attribute]}: {t.describe()}  [{t.source()}]")
    for key, items in obligations.items():
        click.echo(f"obligations of {key}:")
        for item in items:
            click.echo(f"  - {item}")
    for v in verdicts:
        label = str(v["tier"]) + (f", kind {v['kind']}" if v["kind"] else "")
        click.echo(f"\n{label}:")
        if " OR " in keys.upper():
            click.echo(f"  the favourable choice here: {v['chosen']} ({v['family']})")
        click.echo(
            f"  inside an artifact of this tier: {v['as_component']}. {v['as_component_why']}"
        )
        click.echo(
            f"  as the artifact's own license:   {v['as_declared_license']}. {v['as_declared_why']}"
        )
