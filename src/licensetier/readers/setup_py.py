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

Dependencies: the same call's ``install_requires`` (runtime), ``extras_require``
(each extra optional, or development when named for it: ``test``, ``dev``, ``docs``;
a ``":marker"`` key is runtime), ``tests_require`` and ``setup_requires``
(development). A value is read when it is a literal - a list or tuple of strings, a
string of requirement lines, a dict of those - or a module-level name assigned once
to such a literal, or lists joined with ``+``. Anything else (``install_requires=
read_requirements()``, a comprehension, an element that is not a string) cannot be
known without running the file: it is reported as a problem naming the file and the
line, and the rest is read.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from licensetier import formats
from licensetier.deps.base import Entries, Scope, normalize_pypi
from licensetier.errors import ManifestError
from licensetier.readers import Document, Identity, Reading

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


def identity(doc: Document) -> Identity | None:
    """``setup(name=..., version=..., author=...)`` (or ``maintainer``), each a string
    literal or a module-level name assigned one once; anything computed is left out."""
    call = setup_call(doc.data)
    if call is None or not isinstance(doc.data, ast.Module):
        return None
    values = _Values(doc.data)
    table: dict[str, str] = {}
    for keyword in call.keywords:
        if keyword.arg not in ("name", "version", "author", "maintainer"):
            continue
        try:
            value = values.resolve(keyword.value)
        except _NotStatic:
            continue
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            table[keyword.arg] = value.value
    return Identity.of(doc.source, table, "author", "maintainer")


# -- dependencies --------------------------------------------------------------------

REQUIREMENT_KEYWORDS = {
    "install_requires": Scope.RUNTIME,
    "tests_require": Scope.DEVELOPMENT,
    "setup_requires": Scope.DEVELOPMENT,
}


class _NotStatic(Exception):
    def __init__(self, node: ast.AST, what: str) -> None:
        super().__init__(what)
        self.line: int | None = getattr(node, "lineno", None)


class _Values:
    """Module-level names assigned once (``REQUIRED = [...]``), to resolve a keyword
    that names one; a name assigned twice, augmented or mutated is not static."""

    def __init__(self, tree: ast.Module) -> None:
        assigned: dict[str, list[ast.expr]] = {}
        for statement in tree.body:
            if isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).append(statement.value)
            elif (
                isinstance(statement, ast.AnnAssign)
                and isinstance(statement.target, ast.Name)
                and statement.value is not None
            ):
                assigned.setdefault(statement.target.id, []).append(statement.value)
        changed: set[str] = set()
        top = set(map(id, tree.body))
        for node in ast.walk(tree):
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                changed.add(node.target.id)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.attr in ("append", "extend", "insert", "update", "setdefault")
            ):
                changed.add(node.func.value.id)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and id(node) not in top:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                changed.update(t.id for t in targets if isinstance(t, ast.Name))
        self.names = {k: v[0] for k, v in assigned.items() if len(v) == 1 and k not in changed}
        self.skipped: list[ast.expr] = []  # list elements that are not string literals

    def resolve(self, node: ast.expr, depth: int = 0) -> ast.expr:
        if isinstance(node, ast.Name) and depth < 8:
            if node.id not in self.names:
                raise _NotStatic(node, f"the name {node.id!r} is not a module-level literal")
            return self.resolve(self.names[node.id], depth + 1)
        return node

    def strings(self, node: ast.expr) -> list[tuple[str, int]]:
        """(requirement, line) of a list, tuple or string of requirement lines."""
        value = self.resolve(node)
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return [
                (line.strip(), value.lineno + i)
                for i, line in enumerate(value.value.splitlines())
                if line.strip() and not line.strip().startswith("#")
            ]
        if isinstance(value, (ast.List, ast.Tuple)):
            out: list[tuple[str, int]] = []
            for element in value.elts:
                if isinstance(element, ast.Constant) and isinstance(element.value, str):
                    out.append((element.value.strip(), element.lineno))
                else:  # the others are still read
                    self.skipped.append(element)
            return out
        if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
            return self.strings(value.left) + self.strings(value.right)
        raise _NotStatic(value, "the value is computed when setup.py runs")


def dependencies(doc: Document, reading: Reading | None = None) -> Entries:
    """``install_requires``, ``extras_require``, ``tests_require`` and
    ``setup_requires`` of the ``setup(...)`` call, read from the syntax tree."""
    from licensetier.deps.python import add_requirement_lines, extra_scope

    call = setup_call(doc.data)
    if call is None:
        return Entries()
    values = _Values(doc.data)
    source = doc.source
    out = Entries()
    own = None
    for keyword in call.keywords:
        if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
            own = normalize_pypi(str(keyword.value.value))

    def add(requirements: list[tuple[str, int]], scope: Scope, name: str) -> None:
        skipped, values.skipped = values.skipped, []
        for element in skipped:
            not_static(name, _NotStatic(element, "an element is not a string literal"), 0)
        add_requirement_lines(out, requirements, source, scope, own)

    def not_static(name: str, exc: _NotStatic, fallback: int) -> None:
        values.skipped = []  # of a value not read
        out.notes.append(
            ManifestError(
                f"{name} of setup(...) could not be read statically ({exc}); licensetier never "
                "runs setup.py, so what it holds is not listed",
                path=source,
                line=exc.line or fallback,
            )
        )

    for keyword in call.keywords:
        name = keyword.arg
        if name in REQUIREMENT_KEYWORDS:
            try:
                add(values.strings(keyword.value), REQUIREMENT_KEYWORDS[name], name)
            except _NotStatic as exc:
                not_static(name, exc, keyword.value.lineno)
        elif name == "extras_require":
            try:
                table = values.resolve(keyword.value)
                if not isinstance(table, ast.Dict):
                    raise _NotStatic(table, "the value is computed when setup.py runs")
                for key, value in zip(table.keys, table.values, strict=True):
                    if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                        raise _NotStatic(key or value, "a key is not a string literal")
                    extra = key.value.split(":", 1)[0].strip()
                    scope = extra_scope(extra) if extra else Scope.RUNTIME
                    try:
                        add(values.strings(value), scope, f"extras_require[{key.value!r}]")
                    except _NotStatic as exc:
                        not_static(f"extras_require[{key.value!r}]", exc, value.lineno)
            except _NotStatic as exc:
                not_static(name, exc, keyword.value.lineno)
    return out


def read_dependencies(path: Path, source: str) -> Entries:
    """``setup.py``'s dependencies, read on its own (its route's parser)."""
    return dependencies(load(path, source, formats.base_of(path, source)))
