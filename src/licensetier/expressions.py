"""License expressions, in one place: parse, walk, render, combine, simplify.

Everything is built on ``license-expression`` (ScanCode's own parser), and every
expression licensetier handles goes through here:

* :func:`parse` - the text as a tree of :class:`Leaf`, :class:`With` and :class:`Op`
  nodes, each identifier resolved by the caller's ``resolve`` (the SPDX ids or the
  ScanCode keys of :class:`licensetier.license_db.LicenseDB`, or none at all). It
  refuses an empty text, a syntax error and an expression nested deeper than
  :data:`MAX_NESTING` with :class:`~licensetier.errors.UnknownLicenseError`.
* :func:`render` - a tree as text, with the one rule for parentheses (below);
  :func:`leaves`; :func:`keys_in`, the identifiers of an expression.
* :func:`combine` - several expressions joined with ``AND`` or ``OR`` as text (they
  need not parse: registries and manifests give names such as ``Apache 2.0``), with
  the same rule; :func:`simplify` - a tree with nested operators of the same kind
  flattened and repeated operands dropped.
* :func:`spdx_list_symbol` - the SPDX License List as ``license-expression`` ships it
  (what SPDX validators use), for output that must be valid SPDX.

Converting between SPDX ids and ScanCode keys is :meth:`LicenseDB.spdx_to_keys
<licensetier.license_db.LicenseDB.spdx_to_keys>` and :meth:`~licensetier.license_db.
LicenseDB.keys_to_spdx`: :func:`parse` with the database's resolver, :func:`render` with
the other namespace's names. (``licensetier.detect.engine`` keeps ScanCode's own
``combine_expressions`` and ``build_spdx_license_expression`` where it reproduces
``scancode.api.get_licenses`` byte for byte.)

**Parentheses.** One rule, the one ``license-expression`` renders with: an operand of
``AND`` or ``OR`` is put in parentheses exactly when it is itself an ``AND`` or ``OR``
expression at its top level. A single license and ``X WITH Y`` never are (``WITH``
binds tighter than ``AND`` and ``OR``), and neither is an operand that is already
parenthesised as a whole. Nested operators are kept as written: ``(a AND b) AND c``
stays so (:func:`simplify` flattens it).

**Nesting.** ``license_expression`` parses parentheses without recursion, but what it
builds is walked recursively (rendering, simplifying, listing keys): an expression
nested a few thousand levels deep, which a repository can put in an
``SPDX-License-Identifier:`` line or a manifest's license field, would end in a
``RecursionError``. Real expressions nest two or three levels; anything deeper than
:data:`MAX_NESTING` is refused, with a message that says so, before it is parsed
(:func:`check_nesting`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeAlias

from licensetier.errors import UnknownLicenseError

MAX_NESTING = 64
"""The deepest nesting of parentheses parsed; real expressions use two or three."""

OPERATORS = ("AND", "OR")


class ExpressionTooDeep(UnknownLicenseError):
    """An expression nested deeper than :data:`MAX_NESTING`: not parsed."""


def nesting(expression: str) -> int:
    """The deepest nesting of parentheses in ``expression`` (unbalanced ones count as
    they open)."""
    depth = deepest = 0
    for char in expression:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")" and depth:
            depth -= 1
    return deepest


def check_nesting(expression: str) -> None:
    """Raise :class:`ExpressionTooDeep` when ``expression`` nests parentheses deeper than
    :data:`MAX_NESTING`."""
    if expression.count("(") <= MAX_NESTING:
        return  # the common case, without a walk over the text
    depth = nesting(expression)
    if depth > MAX_NESTING:
        raise ExpressionTooDeep(
            f"license expression too deeply nested ({depth} levels of parentheses, at most "
            f"{MAX_NESTING}): not parsed"
        )


# --- the tree ----------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """One identifier: ``key`` is what the resolver made of it (the identifier as
    written when it is not known), ``raw`` the identifier as written."""

    key: str
    known: bool
    raw: str


@dataclass(frozen=True)
class With:
    """``license WITH exception``."""

    license: Leaf
    exception: Leaf


@dataclass(frozen=True)
class Op:
    """``AND`` or ``OR`` of two or more operands."""

    operator: str  # "AND" or "OR"
    children: tuple[Node, ...]


Node: TypeAlias = "Leaf | With | Op"

Resolve = Callable[[str], "str | None"]
"""An identifier as written -> what it names (None when it is not known)."""


def _as_written(raw: str) -> str:
    return raw


@functools.cache
def _plain_licensing() -> Any:
    from license_expression import Licensing

    return Licensing()


def parse(expression: str, *, resolve: Resolve | None = None, licensing: Any = None) -> Node:
    """The tree of ``expression``.

    ``resolve`` names each identifier (default: each stands for itself, known);
    ``licensing`` is the ``license_expression.Licensing`` to parse with (default: one
    without a symbol table, which takes any identifier). Raises
    :class:`~licensetier.errors.UnknownLicenseError` for an empty text or a syntax
    error, and :class:`ExpressionTooDeep` (one of them) for one nested too deeply.
    """
    from license_expression import ExpressionError

    if not isinstance(expression, str) or not expression.strip():
        raise UnknownLicenseError("empty license expression")
    check_nesting(expression)  # a few thousand levels would end in a RecursionError
    licensing = licensing if licensing is not None else _plain_licensing()
    try:
        parsed = licensing.parse(expression, validate=False)
    except ExpressionError as exc:
        raise UnknownLicenseError(f"cannot parse license expression {expression!r}: {exc}") from exc
    if parsed is None:
        raise UnknownLicenseError(f"empty license expression {expression!r}")
    return _convert(parsed, licensing, resolve or _as_written, expression)


def _convert(parsed: Any, licensing: Any, resolve: Resolve, expression: str) -> Node:
    from license_expression import LicenseSymbol, LicenseWithExceptionSymbol

    if isinstance(parsed, LicenseWithExceptionSymbol):
        return With(
            _leaf(str(parsed.license_symbol.key), resolve),
            _leaf(str(parsed.exception_symbol.key), resolve),
        )
    if isinstance(parsed, LicenseSymbol):
        return _leaf(str(parsed.key), resolve)
    if isinstance(parsed, licensing.AND):
        operator = "AND"
    elif isinstance(parsed, licensing.OR):
        operator = "OR"
    else:  # pragma: no cover - the parser builds nothing else
        raise UnknownLicenseError(f"cannot parse license expression {expression!r}")
    return Op(operator, tuple(_convert(a, licensing, resolve, expression) for a in parsed.args))


def _leaf(raw: str, resolve: Resolve) -> Leaf:
    key = resolve(raw)
    return Leaf(key if key is not None else raw, key is not None, raw)


def leaves(node: Node) -> Iterator[Leaf]:
    """The identifiers of ``node`` in order, exceptions included."""
    if isinstance(node, Leaf):
        yield node
    elif isinstance(node, With):
        yield node.license
        yield node.exception
    else:
        for child in node.children:
            yield from leaves(child)


def _key(leaf: Leaf) -> str:
    return leaf.key


def render(
    node: Node,
    name: Callable[[Leaf], str] = _key,
    with_name: Callable[[With], str] | None = None,
) -> str:
    """``node`` as text: each identifier as ``name`` gives it (default: its key), each
    ``WITH`` pair as ``with_name`` gives it (default: ``<name> WITH <name>``), and an
    ``AND``/``OR`` operand in parentheses exactly when it is itself an ``AND``/``OR``."""
    if isinstance(node, Leaf):
        return name(node)
    if isinstance(node, With):
        if with_name is not None:
            return with_name(node)
        return f"{name(node.license)} WITH {name(node.exception)}"
    parts = []
    for child in node.children:
        text = render(child, name, with_name)
        parts.append(f"({text})" if isinstance(child, Op) else text)
    return f" {node.operator} ".join(parts)


@functools.lru_cache(maxsize=4096)
def keys_in(expression: str | None) -> frozenset[str]:
    """The identifiers (licenses and exceptions) of ``expression``, lower-cased; none for
    no expression or one that cannot be parsed."""
    if not expression:
        return frozenset()
    try:
        return frozenset(leaf.raw.lower() for leaf in leaves(parse(expression)))
    except UnknownLicenseError:
        return frozenset()


def simplify(node: Node) -> Node:
    """``node`` with nested operators of the same kind flattened (``(a AND b) AND c`` is
    ``a AND b AND c``) and repeated operands dropped (the first kept, by their keys:
    ``mit OR MIT`` resolved to one key is one operand); order is kept."""
    if not isinstance(node, Op):
        return node
    children: dict[str, Node] = {}
    for child in node.children:
        child = simplify(child)
        flat = (
            child.children
            if isinstance(child, Op) and child.operator == node.operator
            else (child,)
        )
        for part in flat:
            children.setdefault(render(part), part)
    unique = tuple(children.values())
    return unique[0] if len(unique) == 1 else Op(node.operator, unique)


# --- text --------------------------------------------------------------------------

_TOKENS = re.compile(r"[()]|[^\s()]+")


def is_compound(expression: str) -> bool:
    """Whether ``expression`` has an ``AND`` or ``OR`` (any case, as the parser reads
    them) outside parentheses: then it goes in parentheses as an operand. The text
    need not parse."""
    depth = 0
    for token in _TOKENS.findall(expression):
        if token == "(":
            depth += 1
        elif token == ")":
            depth = max(depth - 1, 0)
        elif depth == 0 and token.upper() in OPERATORS:
            return True
    return False


def combine(
    expressions: Iterable[str], operator: str = "AND", *, unique: bool = True
) -> str | None:
    """``expressions`` joined with ``operator`` (``AND`` or ``OR``), each in parentheses
    when :func:`is_compound`; blank ones left out and, with ``unique``, repeated ones
    (as written; the first kept). None for none; a single one unchanged. The texts
    need not parse."""
    if operator not in OPERATORS:
        raise ValueError(f"operator must be AND or OR, not {operator!r}")
    parts = [e for e in expressions if e and e.strip()]
    if unique:
        parts = list(dict.fromkeys(parts))
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return f" {operator} ".join(f"({p})" if is_compound(p) else p for p in parts)


# --- the SPDX License List -----------------------------------------------------------


@dataclass(frozen=True)
class SpdxListed:
    """An identifier of the SPDX License List: its canonical spelling, and whether it
    is an exception (to be written after ``WITH``)."""

    id: str
    is_exception: bool


@functools.cache
def _spdx_list() -> dict[str, SpdxListed]:
    from license_expression import get_spdx_licensing

    symbols = get_spdx_licensing().known_symbols.values()
    table: dict[str, SpdxListed] = {}
    for symbol in symbols:
        table[symbol.key.lower()] = SpdxListed(symbol.key, bool(symbol.is_exception))
    for symbol in symbols:
        for alias in symbol.aliases:
            if alias.lower().startswith("licenseref-"):
                continue
            table.setdefault(alias.lower(), SpdxListed(symbol.key, bool(symbol.is_exception)))
    return table


def spdx_list_symbol(ident: str) -> SpdxListed | None:
    """``ident`` (any case, or one of its aliases) on the SPDX License List as
    ``license-expression`` ships it, the table SPDX validators use; None when it is not
    listed. Its ``LicenseRef-`` aliases of listed ids (``LicenseRef-MIT-Bootstrap`` for
    ``MIT``) are left out: a LicenseRef stays what it was written as."""
    return _spdx_list().get(ident.lower())
