"""Chains of ``// indirect`` Go modules from the go.mod files of the module cache.

The cache is laid out as the go command writes it (``cache/download/<path>/@v/<v>.mod``
and extracted ``<path>@<v>/go.mod``, upper case escaped with ``!``); the go command
itself cannot download modules on a machine without the module proxy, so the files
are written here in that layout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from licensetier.deps import discover, gochains
from licensetier.deps.base import Ecosystem, Environment, Role
from licensetier.deps.golang import parse_go_mod

MAIN = """module example.com/app

go 1.22

require (
\tgithub.com/spf13/cobra v1.8.0
\tgithub.com/BurntSushi/toml v1.3.2
)

require (
\tgithub.com/spf13/pflag v1.0.5 // indirect
\tgithub.com/inconshreveable/mousetrap v1.1.0 // indirect
\tgolang.org/x/sys v0.20.0 // indirect
\texample.com/orphan v0.1.0 // indirect
)
"""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _found(tmp_path: Path) -> list[discover.Found]:
    _write(tmp_path / "repo/go.mod", MAIN)
    entries = parse_go_mod(tmp_path / "repo/go.mod", "go.mod")
    group = discover.Group(".", Ecosystem.GOLANG, tuple((Role.MANIFEST, d) for d in entries))
    return discover.combine(group)


def _cache(tmp_path: Path) -> Path:
    cache = tmp_path / "gomodcache"
    download = cache / "cache/download"
    _write(
        download / "github.com/spf13/cobra/@v/v1.8.0.mod",
        "module github.com/spf13/cobra\n\nrequire (\n"
        "\tgithub.com/inconshreveable/mousetrap v1.1.0\n\tgithub.com/spf13/pflag v1.0.5\n)\n",
    )
    # pflag's go.mod from its extracted module directory, not the download cache
    _write(
        cache / "github.com/spf13/pflag@v1.0.5/go.mod",
        "module github.com/spf13/pflag\n\nrequire golang.org/x/sys v0.19.0\n",
    )
    # toml's module path is escaped in the cache; its go.mod does not parse
    _write(download / "github.com/!burnt!sushi/toml/@v/v1.3.2.mod", "modul github.com/x\n")
    return cache


def _chains(found: list[discover.Found]) -> dict[str, tuple[bool, tuple[str, ...]]]:
    return {f.declared.name: (f.direct, f.chain) for f in found}


def test_indirect_modules_get_their_chain_from_the_cached_go_mod_files(tmp_path: Path) -> None:
    env = Environment(root=tmp_path / "repo", go_mod_cache=_cache(tmp_path))
    got = _chains(gochains.chains(_found(tmp_path), env))
    assert got == {
        "github.com/spf13/cobra": (True, ()),
        "github.com/BurntSushi/toml": (True, ()),
        "github.com/spf13/pflag": (False, ("github.com/spf13/cobra@v1.8.0",)),
        "github.com/inconshreveable/mousetrap": (False, ("github.com/spf13/cobra@v1.8.0",)),
        # pflag asks for v0.19.0; the main go.mod selects v0.20.0, named in the chain's
        # steps at the selected versions
        "golang.org/x/sys": (
            False,
            ("github.com/spf13/cobra@v1.8.0", "github.com/spf13/pflag@v1.0.5"),
        ),
        # no cached go.mod leads to it: no chain, still not direct
        "example.com/orphan": (False, ()),
    }


def test_without_a_module_cache_nothing_changes(tmp_path: Path) -> None:
    found = _found(tmp_path)
    env = Environment(root=tmp_path / "repo", go_mod_cache=tmp_path / "absent")
    assert gochains.chains(found, env) == found


def test_a_cached_go_mod_that_links_out_of_the_cache_is_not_read(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    outside = tmp_path / "outside.mod"
    outside.write_text("module x\n\nrequire example.com/orphan v0.1.0\n", encoding="utf-8")
    link = cache / "cache/download/github.com/!burnt!sushi/toml/@v/v1.3.2.mod"
    link.unlink()
    link.symlink_to(outside)
    env = Environment(root=tmp_path / "repo", go_mod_cache=cache)
    got = _chains(gochains.chains(_found(tmp_path), env))
    # read, the link would make toml pull in the orphan
    assert got["example.com/orphan"] == (False, ())
    assert got["github.com/spf13/pflag"] == (False, ("github.com/spf13/cobra@v1.8.0",))


def test_deps_command_names_the_chain_from_the_module_cache_gomodcache_names(
    tmp_path: Path, monkeypatch: Any, run_cli: Callable[..., Any]
) -> None:
    _found(tmp_path)  # writes repo/go.mod
    monkeypatch.setenv("GOMODCACHE", str(_cache(tmp_path)))
    report = run_cli("deps", tmp_path / "repo", "--offline", "--format", "json").json()
    got = {d["name"]: (d["direct"], d["chain"]) for d in report["dependencies"]}
    assert got["golang.org/x/sys"] == (
        False,
        ["github.com/spf13/cobra@v1.8.0", "github.com/spf13/pflag@v1.0.5"],
    )
    assert got["example.com/orphan"] == (False, [])
