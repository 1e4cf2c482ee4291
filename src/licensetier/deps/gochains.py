"""The chains of the Go modules a ``go.mod`` marks ``// indirect``.

Since Go 1.17 a module's ``go.mod`` lists every module its build needs, the ones it
does not import itself marked ``// indirect``; which of its direct requirements pulls
one in is written only in the ``go.mod`` files of those requirements. The go command
keeps each one it read in its module cache (``$GOMODCACHE/cache/download/<escaped
path>/@v/<escaped version>.mod``, and in the extracted module's directory
``<escaped path>@<escaped version>/go.mod``), which is what ``go mod graph`` reads. Where
they are, each indirect module gets the shortest chain from a direct requirement,
breadth first over those files, every module at the version the main ``go.mod``
selects; its scope is the scope of that direct requirement. A module no file leads to
keeps no chain. The files are parsed as data, like the repository's own ``go.mod``
(:func:`licensetier.deps.golang.parse_go_mod`), through the guarded reads, with the
module cache as their base.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from licensetier import fs
from licensetier.deps.base import Ecosystem, Environment, Scope
from licensetier.deps.discover import Found
from licensetier.deps.golang import escape, parse_go_mod
from licensetier.deps.vendored import safe_child
from licensetier.errors import ManifestError

MAX_MODULES = 5000  # go.mod files read for one manifest's chains


def _label(f: Found) -> str:
    d = f.declared
    return f"{d.name}@{d.version}" if d.version else d.name


def _go_mod_of(cache: Path, env: Environment, name: str, version: str) -> Path | None:
    """The cached ``go.mod`` of ``name`` at ``version``, or None."""
    base = env.base(cache)
    for relative in (
        f"cache/download/{escape(name)}/@v/{escape(version)}.mod",
        f"{escape(name)}@{escape(version)}/go.mod",
    ):
        candidate = safe_child(cache, relative)
        if candidate is not None and fs.is_file(candidate, base):
            return candidate
    return None


def _requires(cache: Path, env: Environment, name: str, version: str) -> list[str]:
    path = _go_mod_of(cache, env, name, version)
    if path is None:
        return []
    source = path.relative_to(cache).as_posix()
    try:
        return [d.name for d in parse_go_mod(path, source)]
    except (ManifestError, RecursionError, MemoryError):
        return []  # a go.mod the go command would read differently: no edges from it


def chains(found: Sequence[Found], env: Environment) -> list[Found]:
    """``found`` (one directory's Go modules), with the chains of the indirect ones."""
    cache = env.go_mod_cache
    go = [f for f in found if f.declared.ecosystem is Ecosystem.GOLANG]
    if cache is None or not fs.is_dir(cache, env.base(cache)):
        return list(found)
    if not any(not f.direct for f in go):
        return list(found)
    by_name = {f.declared.name: f for f in go if f.declared.version}
    reached: dict[str, tuple[Found, str | None]] = {}  # name -> (root, parent name)
    queue: deque[str] = deque()
    for f in sorted((f for f in go if f.direct), key=lambda f: f.scope is not Scope.RUNTIME):
        if f.declared.name in by_name and f.declared.name not in reached:
            reached[f.declared.name] = (f, None)
            queue.append(f.declared.name)
    read = 0
    while queue and read < MAX_MODULES:
        name = queue.popleft()
        current = by_name[name]
        read += 1
        for child in _requires(cache, env, name, current.declared.version or ""):
            if child in by_name and child not in reached:
                reached[child] = (reached[name][0], name)
                queue.append(child)
    out: list[Found] = []
    for f in found:
        is_go = f.declared.ecosystem is Ecosystem.GOLANG
        via = reached.get(f.declared.name) if is_go and not f.direct else None
        if via is None or via[1] is None:
            out.append(f)
            continue
        steps: list[str] = []
        parent: str | None = via[1]
        while parent is not None:
            steps.append(_label(by_name[parent]))
            parent = reached[parent][1]
        out.append(replace(f, chain=tuple(reversed(steps)), scope=via[0].scope))
    return out
