"""Composer: composer.json, composer.lock and vendored copies under vendor/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from licensetier.deps import php
from licensetier.deps.base import Declared, Ecosystem, Environment, Evidence, Role, Scope
from licensetier.errors import ManifestError
from licensetier.readers import composer_json

DATA = Path(__file__).resolve().parents[2] / "data" / "deps" / "php"

R, D = Scope.RUNTIME, Scope.DEVELOPMENT

Row = tuple[str, str | None, bool, bool | None, Scope, int | None, tuple[str, ...], str | None]


def rows(entries: list[Declared]) -> list[Row]:
    """(name, version, exact, direct, scope, line, requires, license), sorted."""
    for d in entries:
        assert d.ecosystem is Ecosystem.COMPOSER
        assert d.namespace is None
    return sorted(
        (d.name, d.version, d.exact, d.direct, d.scope, d.line, d.requires, d.license)
        for d in entries
    )


def error_of(tmp_path: Path, name: str, text: str) -> ManifestError:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    route = next(r for r in php.MANIFESTS if r.pattern.fullmatch(name))
    with pytest.raises(ManifestError) as caught:
        route.parser(path, f"shop/{name}")
    assert caught.value.path == f"shop/{name}"
    return caught.value


@pytest.mark.parametrize(
    ("name", "parser", "role"),
    [
        ("composer.json", composer_json.read_dependencies, Role.MANIFEST),
        ("composer.lock", php.parse_composer_lock, Role.LOCKFILE),
    ],
)
def test_routes(name: str, parser: object, role: Role) -> None:
    (route,) = [r for r in php.MANIFESTS if r.pattern.fullmatch(name)]
    assert route.parser is parser
    assert route.role is role
    assert route.ecosystem is Ecosystem.COMPOSER
    assert not [r for r in php.MANIFESTS if r.pattern.fullmatch(f"{name}.dist")]


# --- composer.json -------------------------------------------------------------------


def test_composer_json() -> None:
    # php, ext-*, lib-*, composer-runtime-api and composer-plugin-api are platform
    # requirements, not packages.
    entries = composer_json.read_dependencies(
        DATA / "project" / "composer.json", "shop/composer.json"
    )
    assert all(d.manifest == "shop/composer.json" for d in entries)
    assert rows(entries) == [
        ("Psr/Log", "~3.0", False, True, R, 16, (), None),
        ("acme/internal-tools", "dev-main", False, True, R, 15, (), None),
        ("guzzlehttp/guzzle", "7.8.1", True, True, R, 14, (), None),
        ("monolog/monolog", "^3.5", False, True, R, 12, (), None),
        ("phpunit/phpunit", "^10.5", False, True, D, 19, (), None),
        ("squizlabs/php_codesniffer", "3.*", False, True, D, 21, (), None),
        ("symfony/console", "v6.4.1", True, True, R, 13, (), None),
    ]
    assert {d.key for d in entries} >= {"psr/log"}


@pytest.mark.parametrize(
    ("constraint", "exact"),
    [
        ("1.2.3", True),
        ("v1.2.3", True),
        ("1.2", True),
        ("2.0.0-beta2", True),
        ("1.0.0-RC1", True),
        ("^1.2", False),
        ("~1.2.3", False),
        (">=1.0 <2.0", False),
        ("1.0.*", False),
        ("1.0 || 2.0", False),
        ("dev-main", False),
        ("*", False),
    ],
)
def test_composer_exact_versions(tmp_path: Path, constraint: str, exact: bool) -> None:
    path = tmp_path / "composer.json"
    path.write_text(json.dumps({"require": {"a/b": constraint}}), encoding="utf-8")
    (found,) = composer_json.read_dependencies(path, "composer.json")
    assert (found.version, found.exact) == (constraint, exact)


def test_composer_json_empty_require_written_as_array(tmp_path: Path) -> None:
    path = tmp_path / "composer.json"
    path.write_text('{"name": "a/b", "require": [], "require-dev": {}}', encoding="utf-8")
    assert composer_json.read_dependencies(path, "composer.json") == []


def test_composer_json_invalid_json(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        "composer.json",
        '{\n    "require": {\n        "monolog/monolog": "^3.5",\n    }\n}\n',
    )
    assert str(error) == "not valid JSON: Expecting property name enclosed in double quotes"
    assert error.line == 4


def test_composer_json_require_not_an_object(tmp_path: Path) -> None:
    error = error_of(tmp_path, "composer.json", '{\n    "require": ["monolog/monolog"]\n}\n')
    assert str(error) == ('"require" is an array, not an object of package names and constraints')
    assert error.line == 2


def test_composer_json_that_is_a_string(tmp_path: Path) -> None:
    error = error_of(tmp_path, "composer.json", '"monolog/monolog"\n')
    assert str(error) == "expected a JSON object, found a string"


# --- composer.lock -------------------------------------------------------------------


def test_composer_lock() -> None:
    # acme/internal-tools comes from a path repository: a folder of the project.
    entries = php.parse_composer_lock(DATA / "project" / "composer.lock", "shop/composer.lock")
    assert all(d.manifest == "shop/composer.lock" for d in entries)
    assert rows(entries) == [
        ("dual/licensed", "2.1.0", True, None, R, 114, (), "LGPL-2.1-only OR GPL-3.0-or-later"),
        ("ezyang/htmlpurifier", "v4.17.0", True, None, R, 103, (), "LGPL-2.1-or-later"),
        ("monolog/monolog", "3.5.0", True, None, R, 9, ("psr/log",), "MIT"),
        (
            "phpunit/phpunit",
            "10.5.5",
            True,
            None,
            D,
            126,
            ("sebastian/diff", "psr/log"),
            "BSD-3-Clause",
        ),
        ("psr/log", "3.0.0", True, None, R, 37, (), "MIT"),
        ("sebastian/diff", "5.1.0", True, None, D, 140, (), "BSD-3-Clause"),
        ("squizlabs/php_codesniffer", "3.8.0", True, None, D, 151, (), None),
        (
            "symfony/console",
            "v6.4.1",
            True,
            None,
            R,
            53,
            ("symfony/deprecation-contracts", "symfony/polyfill-mbstring"),
            "MIT",
        ),
        ("symfony/deprecation-contracts", "v3.4.0", True, None, R, 67, (), "MIT"),
        ("symfony/polyfill-mbstring", "v1.28.0", True, None, R, 78, (), "MIT"),
    ]


def test_composer_lock_license_as_a_string(tmp_path: Path) -> None:
    path = tmp_path / "composer.lock"
    path.write_text(
        json.dumps({"packages": [{"name": "a/b", "version": "1.0.0", "license": "ISC"}]}),
        encoding="utf-8",
    )
    (found,) = php.parse_composer_lock(path, "composer.lock")
    assert found.license == "ISC"


def test_composer_lock_invalid_json(tmp_path: Path) -> None:
    error = error_of(
        tmp_path, "composer.lock", '{\n    "packages": [\n        {"name": "a/b"}\n        {}\n'
    )
    assert str(error) == "not valid JSON: Expecting ',' delimiter"
    assert error.line == 4


def test_composer_lock_entry_without_version(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        "composer.lock",
        '{\n    "packages": [],\n    "packages-dev": [\n        {\n            "name": "a/b",\n'
        '            "version": "1.0.0"\n        },\n        {\n'
        '            "name": "c/d"\n        }\n    ]\n}\n',
    )
    assert str(error) == '"packages-dev" entry 2 (c/d) has no version'
    assert error.line == 9


def test_composer_lock_entry_without_name(tmp_path: Path) -> None:
    error = error_of(
        tmp_path, "composer.lock", '{\n    "packages": [\n        {"version": "1.0.0"}\n    ]\n}\n'
    )
    assert str(error) == '"packages" entry 1 has no name'
    assert error.line == 3


def test_composer_lock_packages_not_an_array(tmp_path: Path) -> None:
    error = error_of(tmp_path, "composer.lock", '{\n  "packages": {"a/b": "1.0.0"}\n}\n')
    assert str(error) == '"packages" is an object, not an array of packages'
    assert error.line == 2


# --- ComposerVendorLocator -------------------------------------------------------------


def locator(root: Path, *manifest_dirs: Path) -> php.ComposerVendorLocator:
    (found,) = php.locators(Environment(root=root, manifest_dirs=manifest_dirs))
    assert isinstance(found, php.ComposerVendorLocator)
    assert found.ecosystem is Ecosystem.COMPOSER
    return found


INSTALLED = DATA / "installed"
FOLDERS = DATA / "folders"


def test_installed_json_composer_2() -> None:
    found = locator(INSTALLED)
    assert found.find("monolog/monolog", "3.5.0") == Evidence(
        license="MIT",
        texts=(INSTALLED / "vendor/monolog/monolog/LICENSE",),
        source="vendored",
        where="vendor/composer/installed.json",
        version="3.5.0",
        field="license",
    )
    assert found.find("monolog/monolog", "3.4.0") is None
    assert found.find("Monolog/Monolog", None) is not None  # composer names are lower case


def test_installed_json_versions_with_and_without_v() -> None:
    found = locator(INSTALLED)
    console = found.find("symfony/console", "v6.4.1")
    assert console is not None
    assert console.version == "v6.4.1"
    assert found.find("symfony/console", "6.4.1") == console


def test_installed_json_license_list_and_empty_license() -> None:
    found = locator(INSTALLED)
    dual = found.find("dual/licensed", "2.1.0")
    assert dual is not None
    assert dual.license == "LGPL-2.1-only OR GPL-3.0-or-later"
    assert dual.texts == ()  # vendor/dual/licensed is not there
    sniffer = found.find("squizlabs/php_codesniffer", "3.8.0")
    assert sniffer == Evidence(
        license=None,
        texts=(INSTALLED / "vendor/squizlabs/php_codesniffer/licence.txt",),
        source="vendored",
        where="vendor/composer/installed.json",
        version="3.8.0",
        field="",
    )
    assert found.find("../escape", None) is None


def test_installed_json_composer_1_under_a_manifest_directory(tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "vendor" / "composer").mkdir(parents=True)
    (app / "vendor" / "composer" / "installed.json").write_text(
        json.dumps(
            [
                {"name": "psr/log", "version": "1.1.4", "license": ["MIT"]},
                {"name": "php", "version": "8.1.0"},
                "not a package",
            ]
        ),
        encoding="utf-8",
    )
    (app / "vendor" / "psr" / "log").mkdir(parents=True)
    (app / "vendor" / "psr" / "log" / "LICENSE").write_text("Copyright (c) 2012 PHP-FIG\n")
    assert locator(tmp_path).find("psr/log", None) is None
    found = locator(tmp_path, app).find("psr/log", "1.1.4")
    assert found == Evidence(
        license="MIT",
        texts=(app / "vendor/psr/log/LICENSE",),
        source="vendored",
        where="app/vendor/composer/installed.json",
        version="1.1.4",
        field="license",
    )


def test_installed_json_install_path(tmp_path: Path) -> None:
    # composer/installers puts some packages outside vendor/; an install-path that
    # leaves the project is not followed (vendor/<name> is used instead).
    root = tmp_path / "repo"
    (root / "vendor" / "composer").mkdir(parents=True)
    (root / "vendor" / "composer" / "installed.json").write_text(
        json.dumps(
            {
                "packages": [
                    {
                        "name": "wpackagist-plugin/akismet",
                        "version": "5.3",
                        "license": ["GPL-2.0-or-later"],
                        "install-path": "../../web/plugins/akismet",
                    },
                    {
                        "name": "evil/escape",
                        "version": "1.0.0",
                        "license": ["MIT"],
                        "install-path": "../../../outside",
                    },
                ]
            }
        ),
        encoding="utf-8",
    )
    plugin = root / "web" / "plugins" / "akismet"
    plugin.mkdir(parents=True)
    (plugin / "LICENSE.txt").write_text("GNU GENERAL PUBLIC LICENSE\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "LICENSE").write_text("not ours\n")
    found = locator(root)
    akismet = found.find("wpackagist-plugin/akismet", "5.3")
    assert akismet is not None
    assert akismet.license == "GPL-2.0-or-later"
    assert akismet.texts == (plugin / "LICENSE.txt",)
    escape = found.find("evil/escape", "1.0.0")
    assert escape is not None
    assert escape.license == "MIT"
    assert escape.texts == ()


def test_package_folders_without_installed_json() -> None:
    found = locator(FOLDERS)
    widgets = found.find("acme/widgets", "1.2.0")
    assert widgets == Evidence(
        license="MIT OR Apache-2.0",
        texts=(
            FOLDERS / "vendor/acme/widgets/LICENSE-APACHE",
            FOLDERS / "vendor/acme/widgets/LICENSE-MIT",
        ),
        source="vendored",
        where="vendor/acme/widgets/composer.json",
        version="1.2.0",
        field="license",
    )
    assert found.find("acme/widgets", "1.1.0") is None
    # No version in its composer.json: reported whatever the version asked.
    compat = found.find("paragonie/random_compat", "v9.99.100")
    assert compat is not None
    assert compat.license == "MIT"
    assert compat.version is None
    assert found.find("broken/pkg", None) is None


def test_broken_installed_json_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "vendor" / "composer").mkdir(parents=True)
    (tmp_path / "vendor" / "composer" / "installed.json").write_text('{"packages": [')
    assert locator(tmp_path).find("monolog/monolog", None) is None


def test_no_vendor_directory(tmp_path: Path) -> None:
    assert locator(tmp_path, tmp_path / "missing").find("monolog/monolog", None) is None
