"""Go modules: ``go.mod``, ``go.sum``, the module cache and ``vendor/``.

``go.mod`` is a line-oriented file of directives, each either on one line
(``require golang.org/x/text v0.14.0``) or as a block (``require (`` ... ``)``);
``//`` starts a comment, and the comment ``// indirect`` marks a requirement the
main module does not import itself. Go versions are exact (minimal version
selection builds exactly the listed version or a higher one listed elsewhere in the
graph, which is then also in ``go.mod`` since Go 1.17), so every requirement is
exact. ``replace old [v] => new v`` swaps a module for another module version;
``replace old [v] => ../dir`` swaps it for local code, which is not a dependency.
``module``, ``go``, ``toolchain``, ``godebug``, ``exclude``, ``retract``, ``tool``
and ``ignore`` say nothing about which modules are built and are skipped; any other
directive is an error.

``go.sum`` holds one line per checksum, ``module version[/go.mod] h1:hash``. A
``/go.mod`` line only records that the module's ``go.mod`` was read during version
selection; a line without it means the module's code was downloaded, so only those
modules are listed (exact, ``direct`` unknown).

Go modules carry no license field: the license is whatever ``LICENSE``, ``LICENCE``
or ``COPYING`` file the module ships. :class:`GoModCacheLocator` reads them from
``$GOMODCACHE/<escaped path>@<escaped version>/`` (upper-case letters become ``!``
and the lower-case letter), :class:`GoVendorLocator` from ``vendor/<module path>/``
with the versions of ``vendor/modules.txt``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from licensetier import fs
from licensetier.deps.base import (
    MAX_MANIFEST_BYTES,
    Declared,
    Ecosystem,
    Environment,
    Evidence,
    Locator,
    Route,
    read_text,
)
from licensetier.deps.vendored import (
    is_real_dir,
    license_files,
    safe_child,
    search_roots,
)
from licensetier.errors import ManifestError
from licensetier.readers.routes import routes_for

KNOWN_DIRECTIVES = frozenset(
    {
        "module",
        "go",
        "toolchain",
        "godebug",
        "require",
        "replace",
        "exclude",
        "retract",
        "tool",
        "ignore",
    }
)
# A token is a quoted string, a comment, a parenthesis at the start of a token, or a word.
TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`|//.*|[()]|\S+')
INDIRECT_RE = re.compile(r"//\s*indirect\s*(?:;.*)?")


@dataclass(frozen=True)
class _Require:
    path: str
    version: str
    indirect: bool
    line: int


def _tokens(code: str, source: str, line: int) -> tuple[list[str], str]:
    """The tokens of one line (quotes removed) and its comment (``//...`` or "")."""
    tokens: list[str] = []
    for match in TOKEN_RE.finditer(code):
        token = match.group(0)
        if token.startswith("//"):
            return tokens, token
        if token[0] in '"`':
            if len(token) < 2 or token[-1] != token[0]:
                raise ManifestError("unterminated quoted string", path=source, line=line)
            if token[0] == "`":
                token = token[1:-1]
            else:
                try:
                    token = json.loads(token)
                except ValueError:
                    raise ManifestError(
                        f"bad quoted string {token}", path=source, line=line
                    ) from None
        tokens.append(token)
    return tokens, ""


def _is_local(target: str) -> bool:
    """A ``replace`` target that is a directory, not a module path."""
    return (
        target.startswith(("./", "../", "/", ".\\", "..\\"))
        or target in (".", "..")
        or re.match(r"[A-Za-z]:[\\/]", target) is not None
    )


def parse_go_mod(path: Path, source: str) -> list[Declared]:
    """The modules a ``go.mod`` requires, after its ``replace`` directives."""
    text = read_text(path, source)
    requires: list[_Require] = []
    # (old path, old version or None) -> (new path, new version) or None for local code
    replaces: dict[tuple[str, str | None], tuple[str, str] | None] = {}
    block: tuple[str, int] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        tokens, comment = _tokens(raw, source, number)
        if not tokens:
            continue
        if block is not None:
            if tokens == [")"]:
                block = None
                continue
            verb, args = block[0], tokens
        else:
            verb, args = tokens[0], tokens[1:]
            if verb not in KNOWN_DIRECTIVES:
                raise ManifestError(f"unknown directive {verb!r}", path=source, line=number)
            if args == ["("]:
                block = (verb, number)
                continue
            if args == ["(", ")"]:
                continue
        if "(" in args or ")" in args:
            raise ManifestError(f"unexpected parenthesis in {verb}", path=source, line=number)
        if verb == "require":
            if len(args) != 2:
                raise ManifestError(
                    "require needs a module path and a version", path=source, line=number
                )
            indirect = INDIRECT_RE.fullmatch(comment.strip()) is not None
            requires.append(_Require(args[0], args[1], indirect, number))
        elif verb == "replace":
            if "=>" not in args:
                raise ManifestError("replace needs '=>'", path=source, line=number)
            arrow = args.index("=>")
            old, new = args[:arrow], args[arrow + 1 :]
            if len(old) not in (1, 2) or len(new) not in (1, 2):
                raise ManifestError(
                    "replace needs 'module [version] => module version' or "
                    "'module [version] => directory'",
                    path=source,
                    line=number,
                )
            key = (old[0], old[1] if len(old) == 2 else None)
            replaces[key] = (new[0], new[1]) if len(new) == 2 and not _is_local(new[0]) else None
    if block is not None:
        raise ManifestError(
            f"{block[0]} block opened here is never closed with ')'", path=source, line=block[1]
        )
    found: list[Declared] = []
    for require in requires:
        target: tuple[str, str] | None = (require.path, require.version)
        for key in ((require.path, require.version), (require.path, None)):
            if key in replaces:
                target = replaces[key]
                break
        if target is None:
            continue  # replaced by local code
        found.append(
            Declared(
                ecosystem=Ecosystem.GOLANG,
                name=target[0],
                version=target[1],
                manifest=source,
                exact=True,
                direct=not require.indirect,
                line=require.line,
            )
        )
    return found


def parse_go_sum(path: Path, source: str) -> list[Declared]:
    """The modules whose code ``go.sum`` has a checksum for (not only their go.mod)."""
    text = read_text(path, source)
    seen: dict[tuple[str, str], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 3:
            raise ManifestError(
                f"expected 'module version hash', found {len(fields)} field"
                f"{'' if len(fields) == 1 else 's'}",
                path=source,
                line=number,
            )
        module, version, _hash = fields
        if version.endswith("/go.mod"):
            continue
        seen.setdefault((module, version), number)
    return [
        Declared(
            ecosystem=Ecosystem.GOLANG,
            name=module,
            version=version,
            manifest=source,
            exact=True,
            direct=None,
            line=line,
        )
        for (module, version), line in seen.items()
    ]


MANIFESTS: tuple[Route, ...] = routes_for(Ecosystem.GOLANG)


def escape(text: str) -> str:
    """Go's case-escaping of module paths and versions in the module cache:
    ``github.com/BurntSushi/toml`` is stored as ``github.com/!burnt!sushi/toml``."""
    return re.sub(r"[A-Z]", lambda m: "!" + m.group(0).lower(), text)


def _module_evidence(
    directory: Path, env: Environment, source: str, version: str | None
) -> Evidence | None:
    texts = license_files(directory, env.base(directory))
    if not texts:
        return None
    return Evidence(
        license=None,
        texts=texts,
        source=source,
        where=env.shown(directory),
        version=version,
        field="license files",
    )


class GoModCacheLocator:
    """Modules extracted by the go command in ``$GOMODCACHE/<path>@<version>/``."""

    ecosystem = Ecosystem.GOLANG

    def __init__(self, env: Environment) -> None:
        self.env = env

    def find(self, name: str, version: str | None) -> Evidence | None:
        cache = self.env.go_mod_cache
        if cache is None:
            return None
        if version is not None:
            directory = safe_child(cache, f"{escape(name)}@{escape(version)}")
            if directory is None or not is_real_dir(directory, self.env.base(cache)):
                return None
            return _module_evidence(directory, self.env, "installed", version)
        parent_path, _, last = escape(name).rpartition("/")
        parent = safe_child(cache, parent_path) if parent_path else cache
        if parent is None or not last:
            return None
        base = self.env.base(cache)
        candidates = sorted(fs.glob(parent, f"{fs.glob_escape(last)}@*", base), reverse=True)
        for directory in candidates:
            if is_real_dir(directory, base):
                found = _module_evidence(
                    directory, self.env, "installed", _unescape(directory.name.split("@", 1)[1])
                )
                if found is not None:
                    return found
        return None


def _unescape(text: str) -> str:
    return re.sub(r"!([a-z])", lambda m: m.group(1).upper(), text)


def read_modules_txt(path: Path, base: Path | None = None) -> dict[str, tuple[str, str]]:
    """``vendor/modules.txt``: module path -> (version, vendored directory's module path).

    ``# path version`` names a vendored module; ``# old [version] => new version``
    one replaced by another module (vendored under the old path; both names are
    recorded); ``# old [version] => ./dir`` local code (left out). Unreadable files
    and lines that do not parse are skipped.
    """
    try:
        text = fs.read_text(path, base or path.parent, MAX_MANIFEST_BYTES)
    except OSError:
        return {}
    modules: dict[str, tuple[str, str]] = {}
    for line in text.splitlines():
        if not line.startswith("# "):
            continue
        fields = line[2:].split()
        if "=>" in fields:
            arrow = fields.index("=>")
            old, new = fields[:arrow], fields[arrow + 1 :]
            if len(new) != 2 or not old or _is_local(new[0]):
                continue
            modules.setdefault(new[0], (new[1], old[0]))
            if len(old) == 2:
                modules.setdefault(old[0], (old[1], old[0]))
        elif len(fields) == 2:
            modules.setdefault(fields[0], (fields[1], fields[0]))
    return modules


class GoVendorLocator:
    """Modules copied by ``go mod vendor`` into ``vendor/<module path>/`` next to the
    scan root or a manifest; ``vendor/modules.txt`` says which version was vendored."""

    ecosystem = Ecosystem.GOLANG

    def __init__(self, env: Environment) -> None:
        self.env = env
        self._index: list[tuple[Path, dict[str, tuple[str, str]]]] | None = None

    def _build_index(self) -> list[tuple[Path, dict[str, tuple[str, str]]]]:
        index = []
        for root in search_roots(self.env):
            vendor = root / "vendor"
            listing = vendor / "modules.txt"
            base = self.env.base(vendor)
            if is_real_dir(vendor, base) and fs.is_file(listing, base):
                index.append((vendor, read_modules_txt(listing, base)))
        return index

    def find(self, name: str, version: str | None) -> Evidence | None:
        if self._index is None:
            self._index = self._build_index()
        for vendor, modules in self._index:
            entry = modules.get(name)
            if entry is None or (version is not None and entry[0] != version):
                continue
            directory = safe_child(vendor, entry[1])
            if directory is None or not is_real_dir(directory, self.env.base(vendor)):
                continue
            found = _module_evidence(directory, self.env, "vendored", entry[0])
            if found is not None:
                return found
        return None


def locators(env: Environment) -> list[Locator]:
    """The vendored copy first (``-mod=vendor`` builds it), then the module cache."""
    return [GoVendorLocator(env), GoModCacheLocator(env)]
