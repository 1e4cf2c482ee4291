"""The license data in ``license_db/``: the family of a key, and of a whole expression.

Four files, read together:

* ``scancode_licenses.json`` - generated from the installed ScanCode by
  :mod:`licensetier.gen_license_db`: every key, its SPDX ids, its category and the
  family that category maps to;
* ``overrides.toml`` - curated corrections where the category is wrong for us
  (network copyleft, AI model licenses, source-available licenses, the traps), and
  extra SPDX-style ids;
* ``exceptions.toml`` - what a ``WITH`` exception does to the license on its left;
* ``obligations.toml`` - the obligations of the custom AI licenses;
* ``licenserefs.toml`` - licensetier's own entries for AI licenses ScanCode has no
  key for: key ``licensetier-<name>``, SPDX ``LicenseRef-licensetier-<name>``;
* ``relicensing.toml`` - known relicensings (DOMAIN.md section 5): the package
  coordinates and version sets of each event (:class:`RelicensingEvent`; matched
  against dependencies by :mod:`licensetier.relicensing`).

ScanCode keys and SPDX ids live in two separate namespaces: ``BSL-1.0`` (SPDX) is the
Boost license, ScanCode key ``boost-1.0``, while the ScanCode key ``bsl-1.0`` is the
Business Source License 1.0. An SPDX id is always resolved through the SPDX table,
never by lower-casing it into a key.

Loading reads only these files: ScanCode is never imported here.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from licensetier.errors import LicenseDBError, UnknownLicenseError
from licensetier.expressions import Leaf as _Leaf
from licensetier.expressions import Node as _Node
from licensetier.expressions import Op as _Op
from licensetier.expressions import With as _With
from licensetier.expressions import leaves as _leaves
from licensetier.expressions import parse, render
from licensetier.formats import tomllib
from licensetier.models import Classification, Family, Strength
from licensetier.paths import data_directory

RankFn = Callable[[Classification], tuple[int, ...]]

GENERATED_FILE = "scancode_licenses.json"
OVERRIDES_FILE = "overrides.toml"
EXCEPTIONS_FILE = "exceptions.toml"
OBLIGATIONS_FILE = "obligations.toml"
LICENSEREFS_FILE = "licenserefs.toml"
RELICENSING_FILE = "relicensing.toml"
LICENSEREF_PREFIX = "LicenseRef-licensetier-"
LICENSEREF_KEY_PREFIX = "licensetier-"
LICENSEREF_CATEGORY = "licensetier"
VERSION_FILE = "VERSION"
SCANCODE_PREFIX = "LicenseRef-scancode-"
_PARSE_CACHE_SIZE = 4096

# Effects an exception may have on the license on its left. The first three relax a
# copyleft license; the next three restrict whatever is on the left.
RELAXING_EFFECTS = frozenset({"permissive", "copyleft-weak", "copyleft-strong"})
RESTRICTING_EFFECTS = frozenset({"source-available", "custom", "proprietary"})
EXCEPTION_EFFECTS = RELAXING_EFFECTS | RESTRICTING_EFFECTS | {"unchanged"}

_DEFAULT_ORDER: Mapping[str, int] = {
    "permissive": 0,
    "copyleft-weak": 1,
    "copyleft-strong": 2,
    "copyleft-network": 3,
    "custom": 4,
    "source-available": 5,
    "unknown": 6,
    "proprietary": 7,
}


@dataclass(frozen=True)
class LicenseInfo:
    """One ScanCode key, with the family after the curated overrides."""

    key: str
    name: str
    spdx: str | None  # ScanCode's spdx_license_key (None for some deprecated keys)
    other_spdx: tuple[str, ...]
    category: str
    family: Family
    strength: Strength | None
    not_a_license_of_use: bool = False
    is_exception: bool = False
    is_unknown: bool = False
    is_generic: bool = False
    is_deprecated: bool = False
    replaced_by: tuple[str, ...] = ()
    override_reason: str | None = None  # why the family differs from the category's
    source: str | None = None  # where the text is published (licensetier's own entries)
    note: str | None = None

    @property
    def is_licenseref(self) -> bool:
        """One of licensetier's own entries, not a ScanCode key."""
        return self.category == LICENSEREF_CATEGORY

    @property
    def spdx_id(self) -> str:
        """The id to write in an SPDX expression."""
        return self.spdx or f"{SCANCODE_PREFIX}{self.key}"


@dataclass(frozen=True)
class ExceptionRule:
    """What ``<license> WITH <key>`` does to the license on the left."""

    key: str
    effect: str  # one of EXCEPTION_EFFECTS
    reason: str


@dataclass(frozen=True)
class Fork:
    """The community fork that kept a relicensed project open."""

    name: str
    license: str  # SPDX
    packages: tuple[str, ...] = ()  # package URLs without a version


@dataclass(frozen=True)
class RelicensingEvent:
    """One known relicensing (``relicensing.toml``): which versions of which packages
    came out under a new license. Version sets are ``vers`` constraint lists, read by
    :mod:`licensetier.relicensing` with the ``univers`` library."""

    id: str
    project: str
    date: dt.date
    old_license: str  # SPDX
    new_license: str  # SPDX
    packages: tuple[str, ...]  # package URLs without a version; `*` in the name
    changed: tuple[str, ...]  # intervals, each a vers constraint list (">=3.6.9|<3.7.0")
    first_changed: tuple[str, ...]  # as shown
    last_open: tuple[str, ...]  # versions or intervals, as ``changed``
    last_open_text: str
    stayed_open: tuple[str, ...]
    source: str
    fork: Fork | None = None
    change_date: str | None = None
    change_license: str | None = None
    follows: str | None = None
    note: str | None = None


def _row(family: Family, strength: Strength | None) -> str:
    if family is Family.COPYLEFT:
        return f"copyleft-{(strength or Strength.STRONG).value}"
    return str(family.value)


def _family_of_row(row: str) -> tuple[Family, Strength | None]:
    if row.startswith("copyleft-"):
        return Family.COPYLEFT, Strength(row.removeprefix("copyleft-"))
    return Family(row), None


def _dedupe(notes: Iterator[str] | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(notes))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
            return data
    except FileNotFoundError:
        raise LicenseDBError(f"{path}: missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise LicenseDBError(f"{path}: {exc}") from exc


def _str(table: Mapping[str, Any], name: str, where: str) -> str:
    value = table.get(name)
    if not isinstance(value, str) or not value.strip():
        raise LicenseDBError(f"{where}: `{name}` must be a non-empty string")
    return value.strip()


def _str_list(table: Mapping[str, Any], name: str, where: str) -> list[str]:
    value = table.get(name)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise LicenseDBError(f"{where}: `{name}` must be a non-empty list of strings")
    return [v.strip() for v in value]


def _check_fields(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise LicenseDBError(f"{where}: unknown field(s) {extra}; allowed: {sorted(allowed)}")


USER_LICENSEREF_CATEGORY = "User LicenseRef"
_LICENSEREF = re.compile(
    r"(?:DocumentRef-[A-Za-z0-9.\-]+:)?LicenseRef-([A-Za-z0-9.\-]+)", re.IGNORECASE
)
_OWN_PREFIXES = ("scancode-", "licensetier-")


def is_user_licenseref(ident: str) -> bool:
    """An SPDX ``LicenseRef-<idstring>`` (or ``DocumentRef-<id>:LicenseRef-<idstring>``)
    that is neither ScanCode's (``LicenseRef-scancode-``) nor licensetier's own."""
    m = _LICENSEREF.fullmatch(ident.strip())
    return m is not None and not m.group(1).lower().startswith(_OWN_PREFIXES)


class LicenseDB:
    """Families of ScanCode keys and of license expressions. Build with :meth:`load`."""

    version: str
    scancode_version: str

    def __init__(
        self,
        *,
        version: str,
        scancode_version: str,
        licenses: Mapping[str, LicenseInfo],
        exceptions: Mapping[str, ExceptionRule],
        obligations: Mapping[str, tuple[str, ...]],
        spdx_aliases: Mapping[str, str],
        relicensing: tuple[RelicensingEvent, ...] = (),
    ) -> None:
        self.version = version
        self._relicensing: tuple[RelicensingEvent, ...] | None = relicensing
        self._relicensing_file: Path | None = None
        self.scancode_version = scancode_version
        self._licenses = dict(licenses)
        self._exceptions = dict(exceptions)
        self._obligations = dict(obligations)
        self._keys = frozenset(k for k, i in self._licenses.items() if not i.is_licenseref)
        self._licenserefs = frozenset(self._licenses) - self._keys
        self._spdx = self._build_spdx_table(spdx_aliases)
        self._key_licensing: Any = None
        self._spdx_licensing: Any = None
        self._parsed: dict[tuple[str, bool], _Node] = {}

    # ----------------------------------------------------------------- loading

    @classmethod
    def load(cls, directory: Path | None = None) -> LicenseDB:
        """The data in ``directory``, or the installed data (cached) by default."""
        if directory is None:
            return _load_default()
        return cls.from_files(Path(directory))

    @classmethod
    def from_files(
        cls, directory: Path, *, generated: Mapping[str, Any] | None = None
    ) -> LicenseDB:
        """Read ``directory``; ``generated`` replaces its ``scancode_licenses.json``
        (the generator validates the curated files against data not yet written)."""
        version_path = directory / VERSION_FILE
        try:
            version = version_path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise LicenseDBError(f"{version_path}: missing") from None
        if not version:
            raise LicenseDBError(f"{version_path}: empty")
        if generated is None:
            path = directory / GENERATED_FILE
            try:
                generated = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise LicenseDBError(
                    f"{path}: missing; run `python -m licensetier.gen_license_db`"
                ) from None
            except ValueError as exc:
                raise LicenseDBError(f"{path}: {exc}") from exc
        assert generated is not None
        raw = generated.get("licenses")
        if not isinstance(raw, dict) or not raw:
            raise LicenseDBError(f"{directory / GENERATED_FILE}: no licenses")
        licenses = {key: _license_info(key, entry) for key, entry in raw.items()}
        licenses.update(_read_licenserefs(licenses, _read_toml(directory / LICENSEREFS_FILE)))
        spdx_aliases = _apply_overrides(licenses, _read_toml(directory / OVERRIDES_FILE))
        exceptions = _read_exceptions(licenses, _read_toml(directory / EXCEPTIONS_FILE))
        obligations = _read_obligations(licenses, _read_toml(directory / OBLIGATIONS_FILE))
        db = cls(
            version=version,
            scancode_version=str(generated.get("scancode_version", "")),
            licenses=licenses,
            exceptions=exceptions,
            obligations=obligations,
            spdx_aliases=spdx_aliases,
        )
        path = directory / RELICENSING_FILE
        if path.is_file():  # optional: a test's own data directory may leave it out
            db._relicensing, db._relicensing_file = None, path
        return db

    @property
    def relicensing(self) -> tuple[RelicensingEvent, ...]:
        """The known relicensings, oldest first. ``relicensing.toml`` is read and
        checked on first use: checking it parses its SPDX expressions against
        3,500 ids (50 ms), which a scan that finds no dependency never needs."""
        if self._relicensing is None:
            assert self._relicensing_file is not None
            self._relicensing = _read_relicensing(self, _read_toml(self._relicensing_file))
        return self._relicensing

    def _build_spdx_table(self, aliases: Mapping[str, str]) -> dict[str, str]:
        """Lower-cased SPDX id -> key: ScanCode's SPDX ids (current keys first, then
        deprecated ones where no current key claims the id), every
        ``LicenseRef-scancode-<key>``, and the curated aliases."""
        table: dict[str, str] = {}
        ordered = sorted(self._licenses.values(), key=lambda i: (i.is_deprecated, i.key))
        for info in ordered:
            ids = [info.spdx, *info.other_spdx] if info.spdx else list(info.other_spdx)
            for ident in ids:
                low = ident.lower()
                owner = table.get(low)
                if owner is None:
                    table[low] = info.key
                elif owner != info.key and not info.is_deprecated:
                    raise LicenseDBError(f"SPDX id {ident!r} names both {owner!r} and {info.key!r}")
        for info in ordered:
            table.setdefault(f"{SCANCODE_PREFIX}{info.key}".lower(), info.key)
        for ident, key in aliases.items():
            owner = table.get(ident.lower())
            if owner is not None and owner != key:
                raise LicenseDBError(
                    f"{OVERRIDES_FILE}: alias {ident!r} -> {key!r} shadows the SPDX id of {owner!r}"
                )
            table[ident.lower()] = key
        return table

    # ------------------------------------------------------------------ lookup

    def keys(self) -> frozenset[str]:
        """Every ScanCode key in the data, deprecated ones included."""
        return self._keys

    def licenseref_keys(self) -> frozenset[str]:
        """licensetier's own entries (``licensetier-<name>``, licenserefs.toml)."""
        return self._licenserefs

    def info(self, key: str) -> LicenseInfo | None:
        return self._licenses.get(key.lower())

    def name(self, key: str) -> str:
        info = self.info(key)
        return info.name if info else key

    def obligations(self, key: str) -> tuple[str, ...]:
        """The obligations of a custom AI license (``()`` for any other key). A
        ``deciding`` of the form ``<key> WITH <exception>`` gives those of ``<key>``."""
        base = key.strip().split()[0].lower() if key.strip() else ""
        return self._obligations.get(base, ())

    def exception_rule(self, key: str) -> ExceptionRule | None:
        return self._exceptions.get(key.lower())

    def is_spdx_id(self, ident: str) -> bool:
        """Whether ``ident`` resolves as an SPDX id (``LicenseRef-scancode-<key>``,
        deprecated ids and ``<id>+`` included), case-insensitively."""
        return self._resolve_spdx_id(ident) is not None

    def classify_key(self, key: str) -> Classification:
        """The family of one ScanCode key; an unknown key is ``unknown``, with a note."""
        info = self.info(key)
        if info is None:
            return Classification(
                family=Family.UNKNOWN,
                strength=None,
                deciding=key,
                notes=(f"{key!r} is not a ScanCode license key known to licensetier",),
            )
        notes: tuple[str, ...] = ()
        if info.not_a_license_of_use:
            notes = (f"{info.key} ({info.name}) is not a license of use ({info.category})",)
        return Classification(
            family=info.family,
            strength=info.strength,
            deciding=info.key,
            category=info.category,
            not_a_license_of_use=info.not_a_license_of_use,
            notes=notes,
        )

    # ------------------------------------------------------------- expressions

    def default_rank(self, c: Classification) -> tuple[int, ...]:
        """General favourability, lower is better: permissive < copyleft weak < strong
        < network < custom < source-available < unknown < proprietary."""
        return (_DEFAULT_ORDER[_row(c.family, c.strength)],)

    def classify(
        self,
        expression: str,
        *,
        spdx: bool = False,
        rank: RankFn | None = None,
        families: Mapping[str, str] | None = None,
    ) -> Classification:
        """The family of a ScanCode key expression (or, with ``spdx=True``, an SPDX one).

        ``A OR B`` gives the option with the lowest ``rank`` (the licensee chooses),
        ``A AND B`` the highest, ``A WITH exc`` what the exception catalogue says.
        Patent grants and CLAs are set aside when there is a license of use beside
        them. An identifier that is not known counts as ``unknown`` (with a note);
        an expression that cannot be parsed raises :class:`UnknownLicenseError`.
        """
        rank_fn = rank or self.default_rank
        node = self._modernise(self._parse(expression, spdx=spdx))
        return self._evaluate(node, rank_fn, families or {})

    def spdx_to_keys(self, spdx_expression: str) -> str:
        """An SPDX expression as a ScanCode key expression.

        Ids are case-insensitive; ScanCode's deprecated and alternative SPDX ids are
        accepted, as are ``LicenseRef-scancode-<key>`` and ``<id>+``. A deprecated key
        that ScanCode replaced by one expression is written as that expression.
        Raises :class:`UnknownLicenseError` naming any id that is not known, or when
        the expression cannot be parsed.
        """
        node = self._parse(spdx_expression, spdx=True)
        unknown = [leaf.raw for leaf in _leaves(node) if not leaf.known]
        if unknown:
            ids = ", ".join(repr(u) for u in dict.fromkeys(unknown))
            raise UnknownLicenseError(f"unknown SPDX license id {ids} in {spdx_expression!r}")
        return render(self._modernise(node))

    def keys_to_spdx(self, key_expression: str) -> str:
        """A ScanCode key expression as SPDX; keys without an SPDX id become
        ``LicenseRef-scancode-<key>``. Raises :class:`UnknownLicenseError` on an
        unknown key or a syntax error."""
        node = self._parse(key_expression, spdx=False)
        unknown = [leaf.raw for leaf in _leaves(node) if not leaf.known]
        if unknown:
            keys = ", ".join(repr(u) for u in dict.fromkeys(unknown))
            raise UnknownLicenseError(f"unknown license key {keys} in {key_expression!r}")
        return render(node, lambda leaf: self._licenses[leaf.key].spdx_id)

    # --------------------------------------------------------------- internals

    def _modernise(self, node: _Node) -> _Node:
        """Replace each deprecated key that ScanCode replaced by exactly one expression
        of current keys with that expression (``ecos`` -> ``gpl-2.0-plus WITH
        ecos-exception-2.0``), so that the exception catalogue applies to it."""
        if isinstance(node, _Op):
            return _Op(node.operator, tuple(self._modernise(c) for c in node.children))
        if isinstance(node, _With) or not node.known:
            return node
        info = self._licenses[node.key]
        if not info.is_deprecated or len(info.replaced_by) != 1:
            return node
        try:
            replacement = self._parse(info.replaced_by[0], spdx=False)
        except UnknownLicenseError:
            return node
        current = all(
            leaf.known and not self._licenses[leaf.key].is_deprecated
            for leaf in _leaves(replacement)
        )
        lone_exception = isinstance(replacement, _Leaf) and (
            self._licenses[replacement.key].is_exception
        )
        return replacement if current and not lone_exception else node

    def _resolve_spdx_id(self, ident: str) -> str | None:
        low = ident.strip().lower()
        key = self._spdx.get(low)
        if key is None and is_user_licenseref(ident):
            return self._user_licenseref(ident.strip())
        if key is not None or not low.endswith("+"):
            return key
        # `<id>+` ("or any later version") where ScanCode lists no such id.
        base = low[:-1]
        for candidate in (base.removesuffix("-only") + "-or-later", base):
            key = self._spdx.get(candidate)
            if key is not None:
                break
        if key is None:
            return None
        plus = f"{key}-plus"
        return plus if plus in self._licenses else key

    def _licensing(self, spdx: bool) -> Any:
        """A ``license_expression.Licensing`` per namespace, built on first use."""
        if spdx and self._spdx_licensing is not None:
            return self._spdx_licensing
        if not spdx and self._key_licensing is not None:
            return self._key_licensing
        from license_expression import LicenseSymbol, Licensing

        if spdx:
            exception_ids = {
                ident for ident, key in self._spdx.items() if self._licenses[key].is_exception
            }
            symbols = [LicenseSymbol(i, is_exception=i in exception_ids) for i in self._spdx]
            self._spdx_licensing = Licensing(symbols)
            return self._spdx_licensing
        # ScanCode keys need no symbol table to be parsed (they hold no spaces and no
        # aliases), and building one for 2,600 keys costs a warm rescan 0.15 s; keys
        # are resolved against the database in _convert.
        self._key_licensing = Licensing()
        return self._key_licensing

    def _parse(self, expression: str, *, spdx: bool) -> _Node:
        """The parsed, resolved expression; parsed trees are immutable and cached."""
        cached = self._parsed.get((expression, spdx))
        if cached is not None:
            return cached
        node = self._parse_uncached(expression, spdx=spdx)
        if len(self._parsed) >= _PARSE_CACHE_SIZE:
            self._parsed.clear()
        self._parsed[(expression, spdx)] = node
        return node

    def _parse_uncached(self, expression: str, *, spdx: bool) -> _Node:
        node = parse(
            expression,
            resolve=self._resolve_spdx_id if spdx else self._resolve_key,
            licensing=self._licensing(spdx),
        )
        for pair in _pairs(node):
            right = pair.exception
            if right.known and not self._licenses[right.key].is_exception:
                raise UnknownLicenseError(
                    f"{right.raw!r} is not a license exception, in {expression!r}"
                )
        return node

    def _resolve_key(self, raw: str) -> str | None:
        low = raw.lower()
        if low not in self._licenses and is_user_licenseref(raw):
            return self._user_licenseref(raw)
        return low if low in self._licenses else None

    def _user_licenseref(self, ident: str) -> str:
        """A user's own ``LicenseRef-`` id (or ``DocumentRef-...:LicenseRef-``): its own
        key (the id, lower-cased), a company's own terms: proprietary unless the
        configuration says otherwise (``[tool.licensetier.licenses]``)."""
        key = ident.lower()
        if key not in self._licenses:
            self._licenses[key] = LicenseInfo(
                key=key,
                name=ident,
                spdx=ident,
                other_spdx=(),
                category=USER_LICENSEREF_CATEGORY,
                family=Family.PROPRIETARY,
                strength=None,
                note="a LicenseRef of the user's own: proprietary unless configured",
            )
        return key

    def _evaluate(self, node: _Node, rank: RankFn, families: Mapping[str, str]) -> Classification:
        if isinstance(node, _Leaf):
            return self._classify_leaf(node, families)
        if isinstance(node, _With):
            return self._classify_with(node, families)
        results = [self._evaluate(child, rank, families) for child in node.children]
        of_use = [r for r in results if not r.not_a_license_of_use]
        candidates = of_use or results
        pick = min if node.operator == "OR" else max
        chosen = pick(candidates, key=rank)
        return replace(chosen, notes=_dedupe(n for r in results for n in r.notes))

    def _classify_leaf(
        self, leaf: _Leaf, families: Mapping[str, str] | None = None
    ) -> Classification:
        if leaf.known:
            c = self.classify_key(leaf.key)
            row = (families or {}).get(leaf.key)
            if row is not None and c.category == USER_LICENSEREF_CATEGORY:
                family, strength = _family_of_row(row)
                note = f"{leaf.raw} is {row}, as the configuration says"
                return replace(c, family=family, strength=strength, notes=(note,))
            return c
        return Classification(
            family=Family.UNKNOWN,
            strength=None,
            deciding=leaf.raw,
            notes=(f"{leaf.raw!r} is not a license identifier known to licensetier",),
        )

    def _classify_with(
        self, node: _With, families: Mapping[str, str] | None = None
    ) -> Classification:
        left = self._classify_leaf(node.license, families)
        exc_key = node.exception.key
        deciding = f"{left.deciding} WITH {exc_key}"
        notes = list(left.notes)
        rule = self._exceptions.get(exc_key) if node.exception.known else None
        family, strength = left.family, left.strength
        if not node.exception.known:
            notes.append(f"{node.exception.raw!r} is not a license exception known to licensetier")
        elif rule is None:
            notes.append(
                f"{exc_key} is not in the exception catalogue: {left.deciding} is "
                "classified as if the exception were absent"
            )
        elif rule.effect == "unchanged":
            notes.append(f"{exc_key} does not change the family of {left.deciding}: {rule.reason}")
        else:
            current = _DEFAULT_ORDER[_row(left.family, left.strength)]
            target = _DEFAULT_ORDER[rule.effect]
            if rule.effect in RELAXING_EFFECTS:
                if left.family not in (Family.COPYLEFT, Family.PERMISSIVE):
                    notes.append(
                        f"{exc_key} relaxes copyleft only; {left.deciding} is {left.row}: unchanged"
                    )
                elif left.family is Family.COPYLEFT and target < current:
                    family, strength = _family_of_row(rule.effect)
                    notes.append(f"{exc_key} makes {left.deciding} {rule.effect}: {rule.reason}")
            elif target > current:
                family, strength = _family_of_row(rule.effect)
                notes.append(f"{exc_key} makes {left.deciding} {rule.effect}: {rule.reason}")
        return Classification(
            family=family,
            strength=strength,
            deciding=deciding,
            category=left.category,
            not_a_license_of_use=left.not_a_license_of_use,
            notes=_dedupe(notes),
        )


# ---------------------------------------------------------------------- helpers


def _pairs(node: _Node) -> Iterator[_With]:
    """The ``WITH`` pairs of ``node``, in order."""
    if isinstance(node, _With):
        yield node
    elif isinstance(node, _Op):
        for child in node.children:
            yield from _pairs(child)


def _license_info(key: str, entry: Mapping[str, Any]) -> LicenseInfo:
    where = f"{GENERATED_FILE}: {key}"
    try:
        strength = entry.get("strength")
        return LicenseInfo(
            key=key,
            name=str(entry.get("name") or key),
            spdx=entry.get("spdx") or None,
            other_spdx=tuple(entry.get("other_spdx") or ()),
            category=str(entry["category"]),
            family=Family(entry["family"]),
            strength=Strength(strength) if strength else None,
            not_a_license_of_use=bool(entry.get("not_a_license_of_use", False)),
            is_exception=bool(entry.get("is_exception", False)),
            is_unknown=bool(entry.get("is_unknown", False)),
            is_generic=bool(entry.get("is_generic", False)),
            is_deprecated=bool(entry.get("is_deprecated", False)),
            replaced_by=tuple(entry.get("replaced_by") or ()),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise LicenseDBError(f"{where}: {exc!r}") from exc


def _apply_overrides(licenses: dict[str, LicenseInfo], data: Mapping[str, Any]) -> dict[str, str]:
    """Apply ``[[override]]`` entries to ``licenses`` in place; return the aliases."""
    _check_fields(data, {"override", "spdx_alias"}, OVERRIDES_FILE)
    seen: dict[str, int] = {}
    for index, table in enumerate(data.get("override", [])):
        where = f"{OVERRIDES_FILE}: override #{index + 1}"
        if not isinstance(table, dict):
            raise LicenseDBError(f"{where}: must be a table")
        _check_fields(
            table, {"keys", "family", "strength", "not_a_license_of_use", "reason"}, where
        )
        reason = _str(table, "reason", where)
        try:
            family = Family(_str(table, "family", where))
        except ValueError:
            raise LicenseDBError(
                f"{where}: family {table['family']!r} is not one of {[f.value for f in Family]}"
            ) from None
        strength_text = table.get("strength")
        strength: Strength | None = None
        if family is Family.COPYLEFT:
            try:
                strength = Strength(strength_text)
            except ValueError:
                raise LicenseDBError(
                    f"{where}: copyleft needs a strength, one of {[s.value for s in Strength]}"
                ) from None
        elif strength_text is not None:
            raise LicenseDBError(f"{where}: only copyleft has a strength")
        not_of_use = table.get("not_a_license_of_use")
        if not_of_use is not None and not isinstance(not_of_use, bool):
            raise LicenseDBError(f"{where}: not_a_license_of_use must be true or false")
        for key in _str_list(table, "keys", where):
            if key not in licenses:
                raise LicenseDBError(f"{where}: {key!r} is not a ScanCode key in the data")
            if key in seen:
                raise LicenseDBError(f"{where}: {key!r} is already in override #{seen[key]}")
            seen[key] = index + 1
            old = licenses[key]
            licenses[key] = LicenseInfo(
                key=old.key,
                name=old.name,
                spdx=old.spdx,
                other_spdx=old.other_spdx,
                category=old.category,
                family=family,
                strength=strength,
                not_a_license_of_use=old.not_a_license_of_use if not_of_use is None else not_of_use,
                is_exception=old.is_exception,
                is_unknown=old.is_unknown,
                is_generic=old.is_generic,
                is_deprecated=old.is_deprecated,
                replaced_by=old.replaced_by,
                override_reason=reason,
            )
    aliases: dict[str, str] = {}
    for index, table in enumerate(data.get("spdx_alias", [])):
        where = f"{OVERRIDES_FILE}: spdx_alias #{index + 1}"
        if not isinstance(table, dict):
            raise LicenseDBError(f"{where}: must be a table")
        _check_fields(table, {"id", "key", "reason"}, where)
        _str(table, "reason", where)
        ident, key = _str(table, "id", where), _str(table, "key", where)
        if key not in licenses:
            raise LicenseDBError(f"{where}: {key!r} is not a ScanCode key in the data")
        aliases[ident] = key
    return aliases


def _read_exceptions(
    licenses: Mapping[str, LicenseInfo], data: Mapping[str, Any]
) -> dict[str, ExceptionRule]:
    _check_fields(data, {"exception"}, EXCEPTIONS_FILE)
    table = data.get("exception", {})
    if not isinstance(table, dict):
        raise LicenseDBError(f"{EXCEPTIONS_FILE}: [exception.<key>] tables expected")
    rules: dict[str, ExceptionRule] = {}
    for key, entry in table.items():
        where = f"{EXCEPTIONS_FILE}: exception.{key}"
        if not isinstance(entry, dict):
            raise LicenseDBError(f"{where}: must be a table")
        _check_fields(entry, {"effect", "reason"}, where)
        info = licenses.get(key)
        if info is None:
            raise LicenseDBError(f"{where}: {key!r} is not a ScanCode key in the data")
        if not info.is_exception:
            raise LicenseDBError(f"{where}: ScanCode does not flag {key!r} as an exception")
        effect = _str(entry, "effect", where)
        if effect not in EXCEPTION_EFFECTS:
            raise LicenseDBError(f"{where}: effect {effect!r} not in {sorted(EXCEPTION_EFFECTS)}")
        rules[key] = ExceptionRule(key, effect, _str(entry, "reason", where))
    return rules


def _read_obligations(
    licenses: Mapping[str, LicenseInfo], data: Mapping[str, Any]
) -> dict[str, tuple[str, ...]]:
    _check_fields(data, {"obligation"}, OBLIGATIONS_FILE)
    result: dict[str, tuple[str, ...]] = {}
    for index, table in enumerate(data.get("obligation", [])):
        where = f"{OBLIGATIONS_FILE}: obligation #{index + 1}"
        if not isinstance(table, dict):
            raise LicenseDBError(f"{where}: must be a table")
        _check_fields(table, {"keys", "items", "source"}, where)
        items = tuple(_str_list(table, "items", where))
        for key in _str_list(table, "keys", where):
            info = licenses.get(key)
            if info is None:
                raise LicenseDBError(f"{where}: {key!r} is not a ScanCode key in the data")
            if info.family is not Family.CUSTOM:
                raise LicenseDBError(f"{where}: {key!r} is {info.family.value}, not custom")
            if key in result:
                raise LicenseDBError(f"{where}: {key!r} appears twice")
            result[key] = items
    return result


def _read_licenserefs(
    licenses: Mapping[str, LicenseInfo], data: Mapping[str, Any]
) -> dict[str, LicenseInfo]:
    """licensetier's own entries, as :class:`LicenseInfo` keyed ``licensetier-<name>``."""
    _check_fields(data, {"licenseref"}, LICENSEREFS_FILE)
    table = data.get("licenseref", {})
    if not isinstance(table, dict):
        raise LicenseDBError(f"{LICENSEREFS_FILE}: [licenseref.<name>] tables expected")
    out: dict[str, LicenseInfo] = {}
    for name, entry in table.items():
        where = f"{LICENSEREFS_FILE}: licenseref.{name}"
        if not isinstance(entry, dict):
            raise LicenseDBError(f"{where}: must be a table")
        _check_fields(entry, {"name", "family", "source", "note"}, where)
        key = f"{LICENSEREF_KEY_PREFIX}{name}".lower()
        if not all(c.isalnum() or c in ".-" for c in name) or key in licenses:
            raise LicenseDBError(f"{where}: the name must be [a-z0-9.-] and not a ScanCode key")
        try:
            family = Family(_str(entry, "family", where))
        except ValueError:
            raise LicenseDBError(f"{where}: family {entry['family']!r} is not valid") from None
        if family is Family.COPYLEFT:
            raise LicenseDBError(f"{where}: a copyleft entry needs a ScanCode key")
        source = _str(entry, "source", where)
        if not source.startswith("https://"):
            raise LicenseDBError(f"{where}: `source` must be an https:// address")
        note = entry.get("note")
        out[key] = LicenseInfo(
            key=key,
            name=_str(entry, "name", where),
            spdx=f"{LICENSEREF_PREFIX}{name}",
            other_spdx=(),
            category=LICENSEREF_CATEGORY,
            family=family,
            strength=None,
            source=source,
            note=note.strip() if isinstance(note, str) and note.strip() else None,
        )
    return out


_EVENT_FIELDS = {
    "project",
    "date",
    "old_license",
    "new_license",
    "packages",
    "changed",
    "first_changed",
    "last_open",
    "last_open_text",
    "stayed_open",
    "fork",
    "source",
    "change_date",
    "change_license",
    "follows",
    "note",
}


def _list(table: Mapping[str, Any], name: str, where: str) -> tuple[str, ...]:
    """A list of strings that may be empty (``_str_list`` for a non-empty one)."""
    value = table.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LicenseDBError(f"{where}: `{name}` must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _optional(table: Mapping[str, Any], name: str, where: str) -> str | None:
    return _str(table, name, where) if name in table else None


def _read_relicensing(db: LicenseDB, data: Mapping[str, Any]) -> tuple[RelicensingEvent, ...]:
    """``[event.<id>]`` tables as :class:`RelicensingEvent`, oldest first. The licenses
    must parse as SPDX expressions of known ids, ``follows`` must name another event."""
    _check_fields(data, {"event"}, RELICENSING_FILE)
    table = data.get("event", {})
    if not isinstance(table, dict):
        raise LicenseDBError(f"{RELICENSING_FILE}: [event.<id>] tables expected")
    events: list[RelicensingEvent] = []
    for ident, entry in table.items():
        where = f"{RELICENSING_FILE}: event.{ident}"
        if not isinstance(entry, dict):
            raise LicenseDBError(f"{where}: must be a table")
        _check_fields(entry, _EVENT_FIELDS, where)
        date = entry.get("date")
        if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
            raise LicenseDBError(f"{where}: `date` must be a TOML date (2023-08-10)")
        for name in ("old_license", "new_license"):
            expression = _str(entry, name, where)
            try:
                c = db.classify(expression, spdx=True)
            except Exception as exc:  # UnknownLicenseError, a parse error
                raise LicenseDBError(f"{where}: `{name}` {expression!r}: {exc}") from exc
            if c.family is Family.UNKNOWN:
                raise LicenseDBError(f"{where}: `{name}` {expression!r} is not known: {c.notes}")
        source = _str(entry, "source", where)
        if not source.startswith("https://"):
            raise LicenseDBError(f"{where}: `source` must be an https:// address")
        fork = entry.get("fork")
        if fork is not None:
            if not isinstance(fork, dict):
                raise LicenseDBError(f"{where}: `fork` must be a table")
            _check_fields(fork, {"name", "license", "packages"}, f"{where}.fork")
            fork = Fork(
                _str(fork, "name", where),
                _str(fork, "license", where),
                _list(fork, "packages", f"{where}.fork"),
            )
        events.append(
            RelicensingEvent(
                id=ident,
                project=_str(entry, "project", where),
                date=date,
                old_license=_str(entry, "old_license", where),
                new_license=_str(entry, "new_license", where),
                packages=tuple(_str_list(entry, "packages", where)),
                changed=_list(entry, "changed", where),
                first_changed=tuple(_str_list(entry, "first_changed", where)),
                last_open=_list(entry, "last_open", where),
                last_open_text=_str(entry, "last_open_text", where),
                stayed_open=_list(entry, "stayed_open", where),
                source=source,
                fork=fork,
                change_date=_optional(entry, "change_date", where),
                change_license=_optional(entry, "change_license", where),
                follows=_optional(entry, "follows", where),
                note=_optional(entry, "note", where),
            )
        )
    ids = {e.id for e in events}
    for e in events:
        if e.follows is not None and (e.follows not in ids or e.follows == e.id):
            raise LicenseDBError(
                f"{RELICENSING_FILE}: event.{e.id}: follows {e.follows!r}, not another event"
            )
    return tuple(sorted(events, key=lambda e: (e.date, e.id)))


@functools.lru_cache(maxsize=1)
def _load_default() -> LicenseDB:
    return LicenseDB.from_files(data_directory())
