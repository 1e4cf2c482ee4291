"""conda environments: ``environment.yml`` read as data, and the licenses an installed
conda environment records.

``environment.yml`` (and ``environment.yaml``, ``environment-<name>.yml``,
``conda.yml``...) is YAML: ``name``, ``channels`` and ``dependencies``. Each string
of ``dependencies`` is a conda match specification:

* ``numpy``, ``numpy=1.26`` (conda reads it as ``1.26.*``), ``numpy>=1.24,<2``,
  ``numpy 1.26.*``: a requirement, kept as written (``exact`` false);
* ``numpy==1.26.4``, ``numpy=1.26.4=py311h64a7726_0`` and ``numpy 1.26.4
  py311h64a7726_0`` (what ``conda env export`` writes): that exact version;
* ``pytorch::pytorch>=2.1``: the channel is kept as the package URL's ``channel``
  qualifier (``pkg:conda/pytorch?channel=pytorch``).

``python`` and ``pip`` are listed like any package: conda installs them into the
environment as packages, with their own licenses (pip-licenses leaves them out; see
docs/dependencies.md). The ``pip:`` entry's list is pip's requirement lines, read by
:func:`licensetier.deps.python.requirement_line` (a URL or VCS reference listed with
what it says, ``-r`` includes and options skipped): PyPI dependencies of the same
file. Every entry carries its line (PyYAML's node marks). A YAML file of such a name
without a ``dependencies`` list is no conda environment and states nothing.

Licenses: :class:`CondaMetaLocator` reads the ``conda-meta/<name>-<version>-<build>.json``
records of an installed environment, ``$CONDA_PREFIX`` (the active one) and every
``--python-env`` that holds a ``conda-meta/`` directory: their ``license`` field.
There is no online source for conda packages: without an installed environment they
are unresolved, and say so.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from licensetier import fs
from licensetier.deps.base import (
    Declared,
    Ecosystem,
    Entries,
    Environment,
    Evidence,
    Locator,
    Route,
    Scope,
    read_text,
)
from licensetier.errors import ManifestError
from licensetier.formats import not_valid
from licensetier.readers.routes import routes_for

CONDA = Ecosystem.CONDA
MAX_META_BYTES = 64 * 1024 * 1024  # a record lists every file of its package
NOT_INSTALLED = (
    "a conda package: its license is read only from an installed environment's conda-meta/ "
    "($CONDA_PREFIX, or a --python-env that holds one), where it was not found; conda "
    "packages are not looked up online"
)

_SPEC = re.compile(
    r"(?:(?P<channel>[^\s:\[\]]+)::)?(?P<name>[A-Za-z0-9_][A-Za-z0-9_.+-]*)"
    r"(?P<bracket>\[[^\]]*\])?\s*(?P<rest>.*)"
)
_STARTS = frozenset("<>=!~*0123456789")  # what a version constraint begins with
_PLAIN_VERSION = re.compile(r"[0-9A-Za-z_.+!]+")


def parse_spec(spec: str, source: str, line: int | None, scope: Scope = Scope.RUNTIME) -> Declared:
    """One conda match specification (see the module docstring)."""
    text = spec.split("#", 1)[0].strip()
    match = _SPEC.fullmatch(text)
    if match is None or not text or (match.group("rest") and match.group("rest")[0] not in _STARTS):
        raise ManifestError(
            f"{spec!r} is not a conda package specification", path=source, line=line
        )
    name, rest = match.group("name"), match.group("rest").strip()
    channel = match.group("channel")
    qualifiers = (("channel", channel.split("/", 1)[0]),) if channel else ()
    version: str | None = rest or match.group("bracket")
    exact = False
    if rest.startswith("==") and _PLAIN_VERSION.fullmatch(rest[2:].strip()):
        version, exact = rest[2:].strip(), True
    elif rest.startswith("=") and not rest.startswith("=="):
        parts = rest[1:].split("=")
        if len(parts) == 2 and _PLAIN_VERSION.fullmatch(parts[0]) and parts[1]:
            version, exact = parts[0], True  # name=version=build
    elif rest and rest[0].isalnum():
        words = rest.split()
        if len(words) == 2 and _PLAIN_VERSION.fullmatch(words[0]):
            version, exact = words[0], True  # name version build
    return Declared(
        CONDA, name, version, source, exact, True, scope, line,
        qualifiers=qualifiers, note=NOT_INSTALLED,
    )  # fmt: skip


def _nodes(text: str, source: str) -> Any:
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    try:
        return loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = int(mark.line) + 1 if mark is not None else None
        raise not_valid("YAML", getattr(exc, "problem", None) or str(exc), source, line) from None
    except RecursionError:
        raise not_valid("YAML", "nested too deeply", source) from None
    finally:
        loader.dispose()


def _key(node: Any, name: str) -> Any:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return None
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == name:
            return value
    return None


def parse_environment(path: Path, source: str) -> Entries:
    """The conda packages and the pip requirements of a conda environment file."""
    import yaml

    from licensetier.deps.python import requirement_line, requirements_scope

    text = read_text(path, source)
    root = _nodes(text, source)
    dependencies = _key(root, "dependencies")
    if dependencies is None:
        return Entries()  # a YAML file of that name that is no conda environment
    if not isinstance(dependencies, yaml.SequenceNode):
        raise ManifestError(
            "dependencies is not a list", path=source, line=dependencies.start_mark.line + 1
        )
    scope = requirements_scope(path.name)
    out = Entries()
    for item in dependencies.value:
        line = item.start_mark.line + 1
        if isinstance(item, yaml.ScalarNode):
            try:
                out.append(parse_spec(str(item.value), source, line, scope))
            except ManifestError as exc:
                out.notes.append(exc)
            continue
        pip = _key(item, "pip")
        if pip is None or not isinstance(pip, yaml.SequenceNode):
            out.notes.append(
                ManifestError(
                    "a dependencies entry that is neither a package nor a pip: list",
                    path=source,
                    line=line,
                )
            )
            continue
        for entry in pip.value:
            at = entry.start_mark.line + 1
            if not isinstance(entry, yaml.ScalarNode):
                out.notes.append(
                    ManifestError("a pip: entry that is not a string", path=source, line=at)
                )
                continue
            try:
                found = requirement_line(str(entry.value).strip(), source, at, scope)
            except ManifestError as exc:
                out.notes.append(exc)
                continue
            if found is not None:
                out.append(found)
    return out


MANIFESTS: tuple[Route, ...] = routes_for(CONDA)


# -- installed environments --------------------------------------------------------------


def _record_name(file_name: str) -> tuple[str, str] | None:
    """(name, version) of ``<name>-<version>-<build>.json`` (names may hold dashes,
    versions and builds may not)."""
    if not file_name.endswith(".json"):
        return None
    parts = file_name[: -len(".json")].rsplit("-", 2)
    return (parts[0], parts[1]) if len(parts) == 3 and all(parts) else None


class CondaMetaLocator:
    """Packages of installed conda environments, by their ``conda-meta`` records."""

    ecosystem = CONDA

    def __init__(self, env: Environment) -> None:
        self.env = env
        self._index: dict[str, list[tuple[str, Path]]] | None = None

    def prefixes(self) -> list[Path]:
        found = [self.env.conda_prefix] if self.env.conda_prefix is not None else []
        found += [p for p in self.env.python_envs if p not in found]
        return [p for p in found if fs.is_dir(p / "conda-meta", self.env.base(p))]

    def _build_index(self) -> dict[str, list[tuple[str, Path]]]:
        index: dict[str, list[tuple[str, Path]]] = {}
        for prefix in self.prefixes():
            meta = prefix / "conda-meta"
            base = self.env.base(prefix)
            for entry in fs.list_dir(meta, base):
                parsed = _record_name(entry.name)
                if parsed is None or entry.kind == "outside" or entry.is_dir:
                    continue
                index.setdefault(parsed[0].lower(), []).append((parsed[1], entry.path))
        return index

    def find(self, name: str, version: str | None) -> Evidence | None:
        if self._index is None:
            self._index = self._build_index()
        for found_version, record in self._index.get(name.lower(), []):
            if version is not None and found_version != version:
                continue
            try:
                data = json.loads(fs.read_bytes(record, self.env.base(record), MAX_META_BYTES))
            except (OSError, ValueError):
                continue
            if not isinstance(data, dict):
                continue
            license_ = data.get("license")
            license_ = license_.strip() if isinstance(license_, str) and license_.strip() else None
            stated = data.get("version")
            return Evidence(
                license_,
                source="installed",
                where=self.env.shown(record),
                version=stated if isinstance(stated, str) and stated else found_version,
                field="license" if license_ else "",
            )
        return None


def locators(env: Environment) -> list[Locator]:
    return [CondaMetaLocator(env)]
