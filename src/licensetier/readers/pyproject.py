"""``pyproject.toml``: the artifact's declared license and its Python dependencies.

Declared license: ``[project] license`` (a PEP 639 SPDX string, or the legacy PEP 621
``{text}``/``{file}`` table) and ``[tool.poetry] license``.

Dependencies: ``[project].dependencies``, ``[project.optional-dependencies]``
(PEP 621), ``[dependency-groups]`` (PEP 735, includes expanded), ``[tool.uv]
dev-dependencies`` and Poetry's ``[tool.poetry.dependencies]``,
``dev-dependencies`` and ``group.<name>.dependencies``. The project naming itself
(``pkg[test]`` in an extra) is no dependency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from licensetier import formats
from licensetier.deps.base import Declared, Ecosystem, Scope, normalize_pypi
from licensetier.errors import ManifestError
from licensetier.formats.lines import first_line, line_at, offset_of_line, quoted_line, toml_line
from licensetier.readers import Document, Identity, Reading, toml_table

if TYPE_CHECKING:
    from licensetier.declared import ManifestContext
    from licensetier.models import DeclaredLicense

PYPI = Ecosystem.PYPI


def load(path: Path, source: str, base: Path) -> Document:
    text = formats.read_text(path, source, base=base)
    return Document(path, source, text, formats.parse_toml(text, source), base)


# -- the declared license --------------------------------------------------------------


def declared(doc: Document, ctx: ManifestContext) -> list[DeclaredLicense]:
    """``[project] license`` and ``[tool.poetry] license``."""
    text = doc.text
    out: list[DeclaredLicense] = []
    project = toml_table(ctx, doc, "project")
    if project is not None and "license" in project:
        line = toml_line(text, "project.license")
        value = project["license"]
        if isinstance(value, str):
            if value.strip():
                out.append(ctx.declare("project.license", value, line))
        elif isinstance(value, dict):
            if set(value) == {"text"} and isinstance(value["text"], str):
                if value["text"].strip():
                    out.append(ctx.declare("project.license.text", value["text"].strip(), line))
            elif set(value) == {"file"} and isinstance(value["file"], str):
                found = ctx.license_file("project.license.file", value["file"], line)
                if found is not None:
                    out.append(ctx.declare("project.license.file", value["file"], line, found))
            else:
                ctx.error(
                    "project.license: a table must have exactly one key, 'text' or 'file', "
                    f"holding a string; got {formats.describe(value)}",
                    line,
                )
        else:
            ctx.error(
                "project.license: expected a string (an SPDX expression) or a table, "
                f"got {formats.describe(value)}",
                line,
            )
    poetry = toml_table(ctx, doc, "tool.poetry")
    if poetry is not None and "license" in poetry:
        line = toml_line(text, "tool.poetry.license")
        value = poetry["license"]
        if not isinstance(value, str):
            ctx.error(
                f"tool.poetry.license: expected a string, got {formats.describe(value)}", line
            )
        elif value.strip().lower() == "proprietary":  # Poetry's word for "no license"
            out.append(ctx.declare("tool.poetry.license", value, line, ctx.proprietary()))
        elif value.strip():
            out.append(ctx.declare("tool.poetry.license", value, line))
    return out


def identity(doc: Document) -> Identity | None:
    """``[project]`` name, version and first author; else ``[tool.poetry]``'s."""
    data = doc.data if isinstance(doc.data, dict) else {}
    tables = [data.get("project"), (data.get("tool") or {}).get("poetry")]
    return next(
        (i for t in tables if (i := Identity.of(doc.source, t, "authors", "maintainers"))), None
    )


# -- the dependencies ------------------------------------------------------------------


def _start(text: str, *key: str, default: int = 0) -> int:
    """The offset of the line where ``key`` is set (``default`` when not written out):
    requirement strings are looked for from there."""
    line = toml_line(text, key)
    return default if line is None else offset_of_line(text, line)


def _string_list(value: Any, source: str, where: str, line: int | None) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ManifestError(f"{where} is not an array of strings", path=source, line=line)
    return value


def _requirements(
    text: str,
    values: Sequence[str],
    source: str,
    scope: Scope,
    start: int,
    where: str,
    own: str | None,
) -> list[Declared]:
    from licensetier.deps.python import from_requirement, parse_requirement

    out = []
    for value in values:
        line = quoted_line(text, value, start)
        req = parse_requirement(value, source, line, where)
        if line is None:
            line = first_line(text, req.name, start)
        if own is not None and normalize_pypi(req.name) == own:
            continue  # the project naming itself, e.g. "pkg[test]" in an extra
        found = from_requirement(req, value, source, scope, line)
        if found is not None:
            out.append(found)
    return out


def _expand_group(
    groups: Mapping[str, Any],
    name: str,
    source: str,
    line_of: Mapping[str, int | None],
    trail: tuple[str, ...] = (),
) -> list[str]:
    """The requirement strings of a PEP 735 dependency group, includes expanded."""
    by_norm = {normalize_pypi(k): k for k in groups}
    key = by_norm.get(normalize_pypi(name))
    if key is None:
        raise ManifestError(
            f"[dependency-groups]: group {trail[-1]!r} includes {name!r}, which is not defined",
            path=source,
            line=line_of.get(trail[-1]) if trail else None,
        )
    if normalize_pypi(key) in (normalize_pypi(t) for t in trail):
        raise ManifestError(
            f"[dependency-groups]: group {key!r} includes itself ({' -> '.join((*trail, key))})",
            path=source,
            line=line_of.get(key),
        )
    items = groups[key]
    if not isinstance(items, list):
        raise ManifestError(
            f"[dependency-groups].{key} is not an array", path=source, line=line_of.get(key)
        )
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and isinstance(item.get("include-group"), str):
            out.extend(_expand_group(groups, item["include-group"], source, line_of, (*trail, key)))
        else:
            raise ManifestError(
                f"[dependency-groups].{key} has an entry that is neither a requirement string "
                "nor {include-group = ...}",
                path=source,
                line=line_of.get(key),
            )
    return out


def _poetry_constraint(value: Any) -> tuple[str | None, bool, bool]:
    """(version, exact, optional) of a Poetry dependency value."""
    if isinstance(value, str):
        return (*_poetry_version(value), False)
    if isinstance(value, dict):
        optional = value.get("optional") is True
        version = value.get("version")
        if isinstance(version, str) and not any(k in value for k in ("git", "path", "url")):
            return (*_poetry_version(version), optional)
        return None, False, optional
    if isinstance(value, list):  # several constraints, one per python version or platform
        versions = [v for v in (_poetry_constraint(x)[0] for x in value) if v]
        optional = all(_poetry_constraint(x)[2] for x in value) if value else False
        return (" || ".join(dict.fromkeys(versions)) or None), False, optional
    return None, False, False


def _poetry_version(text: str) -> tuple[str | None, bool]:
    """Poetry reads a bare ``1.2.3`` (and ``==1.2.3``) as exactly that version."""
    import re

    text = text.strip()
    match = re.fullmatch(r"(?:===?\s*)?(\d[0-9A-Za-z.+!-]*)", text)
    if match and "*" not in text:
        return match.group(1), True
    return (text or None), False


def _poetry_table(
    text: str,
    table: Any,
    source: str,
    scope: Scope,
    parts: tuple[str, ...],
    own: str | None,
    skip: set[str],
) -> list[Declared]:
    where = "[" + ".".join(parts) + "]"
    if not isinstance(table, dict):
        raise ManifestError(f"{where} is not a table", path=source)
    out = []
    for name, value in table.items():
        norm = normalize_pypi(name)
        if norm == "python" or norm == own or norm in skip:
            continue
        version, exact, optional = _poetry_constraint(value)
        line = toml_line(text, (*parts, name))
        entry_scope = Scope.OPTIONAL if optional and scope is Scope.RUNTIME else scope
        out.append(Declared(PYPI, name, version, source, exact, True, entry_scope, line))
    return out


def dependencies(doc: Document, reading: Reading | None = None) -> list[Declared]:
    """The PEP 621, PEP 735, Poetry and uv dependency tables."""
    from licensetier.deps.python import dedupe, extra_scope

    text, source, data = doc.text, doc.source, doc.data
    project = data.get("project", {})
    tool = data.get("tool", {})
    if not isinstance(project, dict):
        raise ManifestError("[project] is not a table", path=source)
    if not isinstance(tool, dict):
        raise ManifestError("[tool] is not a table", path=source)
    poetry = tool.get("poetry", {})
    uv = tool.get("uv", {})
    poetry = poetry if isinstance(poetry, dict) else {}
    uv = uv if isinstance(uv, dict) else {}
    own_name = project.get("name") or poetry.get("name")
    own = normalize_pypi(own_name) if isinstance(own_name, str) else None

    out: list[Declared] = []
    project_at = _start(text, "project")
    if "dependencies" in project:
        start = _start(text, "project", "dependencies", default=project_at)
        where = "[project].dependencies"
        values = _string_list(project["dependencies"], source, where, line_at(text, start))
        out += _requirements(text, values, source, Scope.RUNTIME, start, where, own)
    extras = project.get("optional-dependencies", {})
    if not isinstance(extras, dict):
        raise ManifestError("[project.optional-dependencies] is not a table", path=source)
    extras_at = _start(text, "project", "optional-dependencies", default=project_at)
    for extra, values in extras.items():
        where = f"[project.optional-dependencies].{extra}"
        start = _start(text, "project", "optional-dependencies", extra, default=extras_at)
        values = _string_list(values, source, where, line_at(text, start))
        out += _requirements(text, values, source, extra_scope(extra), start, where, own)

    groups = data.get("dependency-groups", {})
    if not isinstance(groups, dict):
        raise ManifestError("[dependency-groups] is not a table", path=source)
    groups_at = _start(text, "dependency-groups")
    group_starts = {g: _start(text, "dependency-groups", g, default=groups_at) for g in groups}
    group_lines = {g: line_at(text, at) for g, at in group_starts.items()}
    for group in groups:
        values = _expand_group(groups, group, source, group_lines)
        where = f"[dependency-groups].{group}"
        out += _requirements(
            text, values, source, Scope.DEVELOPMENT, group_starts[group], where, own
        )

    uv_dev = uv.get("dev-dependencies")
    if uv_dev is not None:
        start = _start(text, "tool", "uv", "dev-dependencies", default=_start(text, "tool", "uv"))
        where = "[tool.uv].dev-dependencies"
        values = _string_list(uv_dev, source, where, line_at(text, start))
        out += _requirements(text, values, source, Scope.DEVELOPMENT, start, where, own)

    # Poetry 2 may keep [project].dependencies and use [tool.poetry.dependencies] only
    # to add sources or markers to them: those names are already declared.
    stated = {d.key for d in out if d.scope is not Scope.DEVELOPMENT}
    if "dependencies" in poetry:
        parts = ("tool", "poetry", "dependencies")
        out += _poetry_table(
            text, poetry["dependencies"], source, Scope.RUNTIME, parts, own, stated
        )
    if "dev-dependencies" in poetry:
        parts = ("tool", "poetry", "dev-dependencies")
        out += _poetry_table(
            text, poetry["dev-dependencies"], source, Scope.DEVELOPMENT, parts, own, set()
        )
    poetry_groups = poetry.get("group", {})
    if not isinstance(poetry_groups, dict):
        raise ManifestError("[tool.poetry.group] is not a table", path=source)
    for group, body in poetry_groups.items():
        if not isinstance(body, dict) or "dependencies" not in body:
            continue
        scope = Scope.RUNTIME if group == "main" else Scope.DEVELOPMENT
        out += _poetry_table(
            text,
            body["dependencies"],
            source,
            scope,
            ("tool", "poetry", "group", group, "dependencies"),
            own,
            stated if scope is Scope.RUNTIME else set(),
        )
    return dedupe(out)


def read_dependencies(path: Path, source: str) -> list[Declared]:
    """``pyproject.toml``'s dependencies, read on its own (its route's parser)."""
    return dependencies(load(path, source, formats.base_of(path, source)))
