"""License expressions: the guard every expression passes before it is parsed.

``license_expression`` parses parentheses without recursion, but what it builds is
walked recursively (rendering, simplifying, listing keys), and so are licensetier's
own trees: an expression nested a few thousand levels deep, which a repository can
put in an ``SPDX-License-Identifier:`` line or a manifest's license field, would end
in a ``RecursionError``. Real expressions nest two or three levels; anything deeper
than :data:`MAX_NESTING` is refused, with a message that says so, before it is parsed.
"""

from __future__ import annotations

from licensetier.errors import UnknownLicenseError

MAX_NESTING = 64
"""The deepest nesting of parentheses parsed; real expressions use two or three."""


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
