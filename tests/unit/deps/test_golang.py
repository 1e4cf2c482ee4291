"""Go modules: go.mod (blocks, indirect, replace), go.sum, the module cache, vendor/."""

from __future__ import annotations

from pathlib import Path

import pytest

from licensetier.deps.base import Declared, Ecosystem, Environment, Evidence, Role, Scope
from licensetier.deps.golang import (
    MANIFESTS,
    GoModCacheLocator,
    GoVendorLocator,
    escape,
    locators,
    parse_go_mod,
    parse_go_sum,
    read_modules_txt,
)
from licensetier.errors import ManifestError

DATA = Path(__file__).resolve().parents[2] / "data" / "deps" / "golang"
CACHE = DATA / "gomodcache"


def rows(found: list[Declared]) -> list[tuple[object, ...]]:
    return [(d.name, d.version, d.exact, d.direct, d.line) for d in found]


def test_routes() -> None:
    roles = {r.pattern.pattern: r.role for r in MANIFESTS}
    assert roles == {r"go\.mod": Role.MANIFEST, r"go\.sum": Role.LOCKFILE}
    assert all(r.ecosystem is Ecosystem.GOLANG for r in MANIFESTS)


def test_go_mod_blocks_indirect_and_replace() -> None:
    found = parse_go_mod(DATA / "service" / "go.mod", "service/go.mod")
    assert rows(found) == [
        ("github.com/BurntSushi/toml", "v1.4.0", True, True, 8),
        ("github.com/google/uuid", "v1.6.0", True, True, 9),
        # replace github.com/sirupsen/logrus v1.9.3 => github.com/example/logrus-fork v1.9.4
        ("github.com/example/logrus-fork", "v1.9.4", True, True, 10),
        ("gopkg.in/yaml.v3", "v3.0.1", True, True, 11),
        # example.com/internal/shared is replaced by ../shared: local code, skipped
        ("github.com/davecgh/go-spew", "v1.1.1", True, False, 16),
        ("github.com/pmezard/go-difflib", "v1.0.0", True, False, 17),
        ("github.com/stretchr/testify", "v1.9.0", True, False, 18),  # "// indirect; ..."
        ("github.com/example/Mixed-Case", "v0.2.0", True, True, 19),  # another comment
        ("github.com/pkg/errors", "v0.9.1", True, True, 22),
    ]
    assert all(d.scope is Scope.RUNTIME and d.requires == () for d in found)
    assert {d.manifest for d in found} == {"service/go.mod"}


def test_go_mod_quoted_paths_and_empty_blocks(tmp_path: Path) -> None:
    go_mod = tmp_path / "go.mod"
    go_mod.write_text(
        'module "example.com/m"\n\ngo 1.21\n\nrequire ()\n\n'
        'require "github.com/a/b" v1.0.0\nrequire `github.com/c/d` v2.0.0+incompatible\n'
        "godebug default=go1.21\ntool github.com/a/b/cmd/gen\n",
        encoding="utf-8",
    )
    assert rows(parse_go_mod(go_mod, "go.mod")) == [
        ("github.com/a/b", "v1.0.0", True, True, 7),
        ("github.com/c/d", "v2.0.0+incompatible", True, True, 8),
    ]


def test_go_mod_unknown_directive(tmp_path: Path) -> None:
    go_mod = tmp_path / "go.mod"
    go_mod.write_text(
        "module example.com/m\n\ngo 1.22\n\nrequires github.com/a/b v1.0.0\n", encoding="utf-8"
    )
    with pytest.raises(ManifestError) as caught:
        parse_go_mod(go_mod, "go.mod")
    assert str(caught.value) == "unknown directive 'requires'"
    assert (caught.value.path, caught.value.line) == ("go.mod", 5)


def test_go_mod_unterminated_block(tmp_path: Path) -> None:
    go_mod = tmp_path / "go.mod"
    go_mod.write_text(
        "module example.com/m\n\nrequire (\n\tgithub.com/a/b v1.0.0\n\tgithub.com/c/d v1.1.0\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as caught:
        parse_go_mod(go_mod, "cmd/go.mod")
    assert str(caught.value) == "require block opened here is never closed with ')'"
    assert (caught.value.path, caught.value.line) == ("cmd/go.mod", 3)


def test_go_mod_require_without_version(tmp_path: Path) -> None:
    go_mod = tmp_path / "go.mod"
    go_mod.write_text("module example.com/m\n\nrequire (\n\tgithub.com/a/b\n)\n", encoding="utf-8")
    with pytest.raises(ManifestError) as caught:
        parse_go_mod(go_mod, "go.mod")
    assert str(caught.value) == "require needs a module path and a version"
    assert caught.value.line == 4


def test_go_sum_lists_modules_whose_code_is_needed() -> None:
    found = parse_go_sum(DATA / "service" / "go.sum", "service/go.sum")
    assert rows(found) == [
        ("github.com/BurntSushi/toml", "v1.4.0", True, None, 1),
        ("github.com/davecgh/go-spew", "v1.1.1", True, None, 4),
        ("github.com/example/logrus-fork", "v1.9.4", True, None, 6),
        ("github.com/google/uuid", "v1.6.0", True, None, 8),
        ("github.com/pkg/errors", "v0.9.1", True, None, 10),
        ("github.com/pmezard/go-difflib", "v1.0.0", True, None, 12),
        ("github.com/stretchr/testify", "v1.9.0", True, None, 15),
        ("gopkg.in/yaml.v3", "v3.0.1", True, None, 19),
    ]
    # go-spew v1.1.0, objx, check.v1 and yaml.v3's pseudo-version only have /go.mod lines
    assert "github.com/stretchr/objx" not in {d.name for d in found}


def test_go_sum_malformed_line(tmp_path: Path) -> None:
    go_sum = tmp_path / "go.sum"
    go_sum.write_text(
        "github.com/pkg/errors v0.9.1 h1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4=\n"
        "github.com/pkg/errors v0.9.1/go.mod\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as caught:
        parse_go_sum(go_sum, "go.sum")
    assert str(caught.value) == "expected 'module version hash', found 2 fields"
    assert (caught.value.path, caught.value.line) == ("go.sum", 2)


def test_escape() -> None:
    assert escape("github.com/BurntSushi/toml") == "github.com/!burnt!sushi/toml"
    assert escape("v1.0.0-RC1") == "v1.0.0-!r!c1"


def env() -> Environment:
    return Environment(root=DATA / "service", go_mod_cache=CACHE)


def test_module_cache_license_files() -> None:
    locator = GoModCacheLocator(env())
    toml = locator.find("github.com/BurntSushi/toml", "v1.4.0")
    directory = CACHE / "github.com" / "!burnt!sushi" / "toml@v1.4.0"
    assert toml == Evidence(
        license=None,
        texts=(directory / "COPYING",),
        source="installed",
        where=str(directory),
        version="v1.4.0",
        field="license files",
    )
    yaml = locator.find("gopkg.in/yaml.v3", "v3.0.1")
    assert yaml is not None
    assert yaml.texts == (CACHE / "gopkg.in" / "yaml.v3@v3.0.1" / "LICENSE",)  # not NOTICE


def test_module_cache_versions() -> None:
    locator = GoModCacheLocator(env())
    assert locator.find("github.com/google/uuid", "v1.5.0") is None
    newest = locator.find("github.com/google/uuid", None)
    assert newest is not None
    assert newest.version == "v1.6.0"
    # a module without any license file gives no evidence
    assert locator.find("github.com/example/Mixed-Case", "v0.2.0") is None
    assert locator.find("github.com/absent/module", None) is None
    assert locator.find("../../etc", "v1.0.0") is None
    assert GoModCacheLocator(Environment(root=DATA)).find("gopkg.in/yaml.v3", None) is None


def test_modules_txt() -> None:
    modules = read_modules_txt(DATA / "service" / "vendor" / "modules.txt")
    assert modules == {
        "github.com/BurntSushi/toml": ("v1.4.0", "github.com/BurntSushi/toml"),
        "github.com/pkg/errors": ("v0.9.1", "github.com/pkg/errors"),
        "github.com/example/logrus-fork": ("v1.9.4", "github.com/sirupsen/logrus"),
        "github.com/sirupsen/logrus": ("v1.9.3", "github.com/sirupsen/logrus"),
        "gopkg.in/yaml.v3": ("v3.0.1", "gopkg.in/yaml.v3"),
    }


def test_vendored_modules() -> None:
    locator = GoVendorLocator(env())
    errors = locator.find("github.com/pkg/errors", "v0.9.1")
    assert errors == Evidence(
        license=None,
        texts=(DATA / "service" / "vendor" / "github.com" / "pkg" / "errors" / "LICENSE",),
        source="vendored",
        where="vendor/github.com/pkg/errors",
        version="v0.9.1",
        field="license files",
    )
    fork = locator.find("github.com/example/logrus-fork", "v1.9.4")
    assert fork is not None
    assert (fork.where, fork.version) == ("vendor/github.com/sirupsen/logrus", "v1.9.4")
    assert locator.find("github.com/pkg/errors", "v0.8.0") is None
    assert locator.find("gopkg.in/yaml.v3", "v3.0.1") is None  # vendored without a license
    assert locator.find("github.com/BurntSushi/toml", None) is None  # listed, not copied


def test_locators_vendor_first() -> None:
    assert [type(x) for x in locators(env())] == [GoVendorLocator, GoModCacheLocator]
