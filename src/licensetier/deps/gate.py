"""The license gate of ``licensetier deps``: ``--fail-on-license`` and ``--allow-only``.

A dependency's license is an SPDX expression; the gate reads it as the ways it can be
complied with (its choices: ``MIT OR GPL-3.0-only`` is two, ``MIT AND Zlib`` one of
two licenses). A name of a list (``MIT``, ``GPL-3.0``) names a license term when it is
the term, the term's license before ``WITH``, or its ``-only``/``-or-later``/``+``
form without the suffix (``GPL-3.0`` names ``GPL-3.0-only`` and ``GPL-3.0-or-later``);
case does not count.

- ``--fail-on-license LIST``: a dependency offends when every choice holds a named
  license (``MIT OR GPL-3.0-only`` passes ``--fail-on-license GPL-3.0``: MIT can be
  chosen; ``MIT AND GPL-3.0-only`` does not).
- ``--allow-only LIST``: a dependency offends when no choice is made of named licenses
  only (``MIT OR GPL-3.0-only`` passes ``--allow-only MIT``); a dependency whose license
  is unknown offends too (it cannot be shown to be allowed).

A LIST is names separated by commas or semicolons; an SPDX expression is read as its
licenses (``"GPL-3.0-only OR AGPL-3.0-only"`` is the list of both).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from licensetier.errors import UnknownLicenseError
from licensetier.expressions import Leaf, Node, With, leaves, parse
from licensetier.models import Dependency

MAX_CHOICES = 256  # an expression with more ways to comply is read as all its terms at once
_SUFFIX = re.compile(r"(?:-only|-or-later|\+)$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[,;]")


def names(text: str) -> frozenset[str]:
    """The license names of a LIST option (lower-cased)."""
    out: set[str] = set()
    for item in _SEPARATORS.split(text):
        item = item.strip()
        if not item:
            continue
        try:
            out.update(leaf.raw.lower() for leaf in leaves(parse(item)))
        except UnknownLicenseError:
            out.add(item.lower())
    return frozenset(out)


def _term(node: Leaf | With) -> tuple[str, ...]:
    """The names a term answers to: the term itself, its license before WITH, and the
    license without its -only/-or-later/+ suffix."""
    if isinstance(node, Leaf):
        license_ = node.raw.lower()
        forms = [license_]
    else:
        license_ = node.license.raw.lower()
        forms = [f"{license_} with {node.exception.raw.lower()}", license_]
    bare = _SUFFIX.sub("", license_)
    if bare != license_:
        forms.append(bare)
    return tuple(forms)


def _choices(node: Node) -> list[list[tuple[str, ...]]]:
    """The ways to comply with ``node``: each a list of terms that together do."""
    if isinstance(node, (Leaf, With)):
        return [[_term(node)]]
    parts = [_choices(child) for child in node.children]
    if node.operator == "OR":
        return [c for part in parts for c in part]
    product = 1
    for part in parts:
        product *= len(part)
    if product > MAX_CHOICES:
        return [[t for part in parts for c in part for t in c]]
    return [[t for c in combo for t in c] for combo in itertools.product(*parts)]


def choices(expression: str) -> list[list[tuple[str, ...]]]:
    try:
        node: Node = parse(expression)
    except UnknownLicenseError:
        return [[(expression.lower(),)]]
    return _choices(node)


def _named(term: tuple[str, ...], listed: frozenset[str]) -> bool:
    return any(form in listed for form in term)


@dataclass(frozen=True)
class Offence:
    dependency: Dependency
    why: str


def check(
    dependencies: Iterable[Dependency],
    *,
    fail_on: frozenset[str] = frozenset(),
    allow_only: frozenset[str] | None = None,
) -> list[Offence]:
    """The dependencies the gate refuses, each once per package version, with why."""
    out: list[Offence] = []
    seen: set[tuple[str, str, str]] = set()
    for d in dependencies:
        key = (d.ecosystem, d.name, d.version or "")
        if key in seen:
            continue
        why = _offence(d, fail_on, allow_only)
        if why is not None:
            seen.add(key)
            out.append(Offence(d, why))
    return out


def _offence(
    d: Dependency, fail_on: frozenset[str], allow_only: frozenset[str] | None
) -> str | None:
    if not d.license:
        return "license unknown" if allow_only is not None else None
    ways = choices(d.license)
    if fail_on and all(any(_named(t, fail_on) for t in way) for way in ways):
        return f"{d.license}: a license of --fail-on-license"
    if allow_only is not None and not any(all(_named(t, allow_only) for t in way) for way in ways):
        return f"{d.license}: not within --allow-only"
    return None


def describe(offences: Sequence[Offence]) -> list[str]:
    """Lines for the user: how many, then each package and why."""
    n = len(offences)
    lines = [f"license gate: {n} {'dependency' if n == 1 else 'dependencies'} refused:"]
    for o in offences:
        d = o.dependency
        lines.append(f"  {d.label} ({d.ecosystem}, {d.manifest}): {o.why}")
    return lines
