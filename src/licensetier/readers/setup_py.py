"""``setup.py``: the artifact's declared license, read as data, never run.

The file is parsed with :mod:`ast`: nothing of it is executed, imported or evaluated.
The first ``setup(...)`` call (``setup`` or ``<module>.setup``, at any depth: many
files call it under ``if __name__ == "__main__":``) is looked at, and its
``license=`` and ``license_expression=`` keywords are read when their value is a
string literal (implicitly concatenated literals included). A value computed when the
file runs (``license=about["__license__"]``, a variable, a call) cannot be known
without running it, which licensetier never does: it is left out, as a
``[project] dynamic`` license is. Writing our own reader rather than using a library:
the packages that read ``setup.py`` (setuptools, ``pip``'s metadata preparation) run
it.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from licensetier import formats
from licensetier.errors import ManifestError
from licensetier.readers import Document

if TYPE_CHECKING:
    from licensetier.declared import ManifestContext
    from licensetier.models import DeclaredLicense

KEYWORDS = ("license", "license_expression")


def load(path: Path, source: str, base: Path) -> Document:
    text = formats.read_text(path, source, base=base)
    try:
        tree = ast.parse(text, filename=source)
    except SyntaxError as exc:  # also "too many nested parentheses" and the like
        raise ManifestError(f"not valid Python: {exc.msg}", path=source, line=exc.lineno) from None
    except ValueError as exc:  # a NUL byte in the source
        raise ManifestError(f"not valid Python: {exc}", path=source) from None
    return Document(path, source, text, tree, base)


def setup_call(tree: ast.AST) -> ast.Call | None:
    """The first ``setup(...)``/``<module>.setup(...)`` call of the module, in source
    order."""
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "setup")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "setup")
        )
    ]
    return min(calls, key=lambda c: (c.lineno, c.col_offset), default=None)


def declared(doc: Document, ctx: ManifestContext) -> list[DeclaredLicense]:
    call = setup_call(doc.data)
    if call is None:
        return []
    out: list[DeclaredLicense] = []
    for keyword in call.keywords:
        if keyword.arg not in KEYWORDS:
            continue
        value = keyword.value
        literal = value.value if isinstance(value, ast.Constant) else None
        if isinstance(literal, str) and literal.strip():
            out.append(ctx.declare(f"setup({keyword.arg})", literal.strip(), value.lineno))
    return out
