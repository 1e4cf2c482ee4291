"""The terms of AI model licenses beside the family, from ``license_db/ai_license_terms.toml``.

Each attribute of a license key (non-commercial, a user threshold, an acceptable use
policy, a naming rule, attribution text, the license copy, regional limits, output
restrictions) comes with its source: the clause and a few words quoted from the text
of the license in the installed ScanCode. Loading reads only the TOML file; the
quotes are checked against ScanCode's texts by the tests.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from licensetier.errors import LicenseDBError
from licensetier.formats import tomllib
from licensetier.paths import data_directory

TERMS_FILE = "ai_license_terms.toml"

# attribute -> the type of its value
ATTRIBUTES: Mapping[str, type] = {
    "non_commercial": bool,
    "user_threshold": int,
    "acceptable_use_policy": bool,
    "use_restrictions_flow_down": bool,
    "naming_rule": str,
    "attribution_text": str,
    "notice_text": str,
    "license_copy_must_ship": bool,
    "regional_limits": str,
    "output_restrictions": str,
}

# How each attribute reads in a sentence, for explain's text output.
LABELS: Mapping[str, str] = {
    "non_commercial": "non-commercial",
    "user_threshold": "user threshold (monthly active users)",
    "acceptable_use_policy": "acceptable use policy",
    "use_restrictions_flow_down": "the use restrictions must be passed on",
    "naming_rule": "a derived model's name must begin with",
    "attribution_text": "attribution text",
    "notice_text": "the notice a Notice file must carry",
    "license_copy_must_ship": "the license copy must ship",
    "regional_limits": "regional limits",
    "output_restrictions": "output restrictions",
}


@dataclass(frozen=True)
class Term:
    """One attribute of one license key, with its source."""

    attribute: str
    value: bool | int | str
    clause: str
    quote: str
    text: str  # the ScanCode key whose text holds the quote
    name: str | None = None  # the acceptable use policy's name
    # license_copy_must_ship, use_restrictions_flow_down: the keys a file may be
    # detected as to satisfy the check (empty: the key itself)
    satisfied_by: tuple[str, ...] = ()
    accepted: tuple[str, ...] = ()  # attribution_text: the texts that satisfy it
    verified: str | None = None  # no ScanCode text: where the quote was checked by hand

    def describe(self) -> str:
        """The value as shown to a person."""
        if isinstance(self.value, bool):
            shown = "yes" if self.value else "no"
            return f"{shown} ({self.name})" if self.name else shown
        if isinstance(self.value, int):
            return f"{self.value:,}"
        return self.value

    def source(self) -> str:
        if self.verified:
            return f'{self.clause}: "{self.quote}" (checked by hand against {self.verified})'
        return f'{self.text}, {self.clause}: "{self.quote}"'

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {"value": self.value}
        if self.name:
            out["name"] = self.name
        source: dict[str, object] = {"clause": self.clause, "quote": self.quote}
        if self.verified:
            source["verified"] = self.verified
        else:
            source["license"] = self.text
        out["source"] = source
        return out


@dataclass(frozen=True)
class AITerms:
    """Every license key's attributes, in the order of :data:`ATTRIBUTES`."""

    terms: Mapping[str, tuple[Term, ...]]

    def of(self, key: str) -> tuple[Term, ...]:
        """The attributes of a key (``()`` when none); ``<key> WITH <exc>`` gives those
        of ``<key>``."""
        base = key.strip().split()[0].lower() if key.strip() else ""
        return self.terms.get(base, ())

    def keys(self) -> frozenset[str]:
        return frozenset(self.terms)


def _fail(where: str, message: str) -> LicenseDBError:
    return LicenseDBError(f"{TERMS_FILE}: {where}: {message}")


def _text(entry: Mapping[str, Any], name: str, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"`{name}` must be a non-empty string")
    return value.strip()


# the attributes whose check a file detected as another key may satisfy
_SATISFIABLE = {"license_copy_must_ship", "use_restrictions_flow_down"}


def _listed(
    entry: Mapping[str, Any], name: str, where: str, attributes: set[str]
) -> tuple[str, ...]:
    """An optional non-empty list of strings, allowed on ``attributes`` only."""
    value = entry.get(name)
    if value is None:
        return ()
    if entry.get("attribute") not in attributes:
        raise _fail(where, f"only {' and '.join(sorted(attributes))} take `{name}`")
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise _fail(where, f"`{name}` must be a non-empty list of strings")
    return tuple(v.strip() for v in value)


def parse_terms(data: Mapping[str, Any]) -> AITerms:
    """Validate the file's content: known attributes, values of the right type, a
    clause and a quote for each, an AUP with its name, no attribute given twice."""
    extra = sorted(set(data) - {"term"})
    if extra:
        raise LicenseDBError(f"{TERMS_FILE}: unknown table(s) {extra}")
    entries = data.get("term", [])
    if not isinstance(entries, list):
        raise LicenseDBError(f"{TERMS_FILE}: [[term]] entries expected")
    found: dict[str, dict[str, Term]] = {}
    allowed = {"keys", "attribute", "value", "name", "clause", "quote", "text"}
    allowed |= {"satisfied_by", "accepted", "verified"}
    for index, entry in enumerate(entries):
        where = f"term #{index + 1}"
        if not isinstance(entry, dict):
            raise _fail(where, "must be a table")
        unknown = sorted(set(entry) - allowed)
        if unknown:
            raise _fail(where, f"unknown field(s) {unknown}; allowed: {sorted(allowed)}")
        attribute = _text(entry, "attribute", where)
        kind = ATTRIBUTES.get(attribute)
        if kind is None:
            raise _fail(where, f"attribute {attribute!r} is not one of {sorted(ATTRIBUTES)}")
        raw = entry.get("value")
        if type(raw) is not kind or not isinstance(raw, bool | int | str):
            raise _fail(where, f"{attribute} needs a {kind.__name__} value, got {raw!r}")
        value: bool | int | str = raw.strip() if isinstance(raw, str) else raw
        if value == "" or (kind is int and isinstance(value, int) and value <= 0):
            raise _fail(where, f"{attribute} needs a non-empty or positive value")
        name = entry.get("name")
        if attribute == "acceptable_use_policy":
            name = _text(entry, "name", where)
        elif name is not None:
            raise _fail(where, "only acceptable_use_policy takes a `name`")
        keys = entry.get("keys")
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            raise _fail(where, "`keys` must be a non-empty list of license keys")
        clause, quote = _text(entry, "clause", where), _text(entry, "quote", where)
        text = entry.get("text")
        if text is not None and (not isinstance(text, str) or not text.strip()):
            raise _fail(where, "`text` must be a license key")
        satisfied_by = _listed(entry, "satisfied_by", where, _SATISFIABLE)
        accepted = _listed(entry, "accepted", where, {"attribution_text"})
        verified = entry.get("verified")
        if verified is not None:
            verified = _text(entry, "verified", where)
            if text is not None:
                raise _fail(where, "a `verified` quote has no ScanCode `text`")
        for key in keys:
            key = key.strip().lower()
            own = found.setdefault(key, {})
            if attribute in own:
                raise _fail(where, f"{key}: {attribute} is given twice")
            own[attribute] = Term(
                attribute=attribute,
                value=value,
                clause=clause,
                quote=quote,
                text=(text or key).strip().lower(),
                name=name,
                satisfied_by=tuple(k.lower() for k in satisfied_by),
                accepted=accepted,
                verified=verified,
            )
    order = list(ATTRIBUTES)
    return AITerms(
        {
            key: tuple(sorted(own.values(), key=lambda t: order.index(t.attribute)))
            for key, own in found.items()
        }
    )


def load_terms(path: Path | None = None) -> AITerms:
    """The shipped file (cached) or ``path``; a problem in it raises :class:`LicenseDBError`."""
    if path is None:
        return _load_default()
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
    except OSError as exc:
        raise LicenseDBError(f"{path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise LicenseDBError(f"{path}: {exc}") from exc
    return parse_terms(data)


@functools.lru_cache(maxsize=1)
def _load_default() -> AITerms:
    return load_terms(data_directory() / TERMS_FILE)


def markdown_tables() -> str:
    """The tables of docs/ai-licenses.md's last section, from the data (``python -m
    licensetier.ai_terms``; tests/unit/test_ai_licenses.py fails while the doc is stale)."""
    from licensetier.declared import load_hf_licenses
    from licensetier.license_db import LicenseDB

    db, hf, terms = LicenseDB.load(), load_hf_licenses(), load_terms()

    def name(key: str) -> str:
        info = db.info(key)
        return info.name if info else key

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        "### Hub ids without a ScanCode key",
        "",
        "| Hub id | licensetier key (SPDX `LicenseRef-licensetier-…`) | name | source |",
        "|---|---|---|---|",
    ]
    for ident, key in hf.licenserefs.items():
        info = db.info(key)
        source = f"<{info.source}>" if info and info.source else ""
        lines.append(f"| `{ident}` | `{key}` | {name(key)} | {source} |")
    lines += [
        "",
        "### `license_name` values (with `license: other`)",
        "",
        "| license_name | key | name |",
        "|---|---|---|",
    ]
    lines += [f"| `{ident}` | `{key}` | {name(key)} |" for ident, key in hf.names.items()]
    lines += [
        "",
        "### The terms, with their sources",
        "",
        "| license key | attribute | value | source (clause: quote) |",
        "|---|---|---|---|",
    ]
    for key in sorted(terms.keys()):
        for t in terms.of(key):
            where = t.clause + (f" of `{t.text}`" if t.text != key else "")
            if t.verified:
                where = f"{t.clause} (checked by hand against <{t.verified}>)"
            lines.append(
                f'| `{key}` | {t.attribute} | {cell(t.describe())} | {cell(where)}: "{t.quote}" |'
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_tables(), end="")
