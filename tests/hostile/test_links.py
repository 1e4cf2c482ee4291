"""Nothing outside the scanned root is read, whatever links the repository holds; no
TOML or JSON a reader parses crashes a scan however deep it nests.

Every reader of repository content opens and lists through :mod:`licensetier.fs`
(resolve, stay under the base, regular files only, bounded sizes) and parses TOML and
JSON through :mod:`licensetier.formats`. The first test builds a tree full of links to
the ``outside`` directory and asserts, with Python's audit hook on ``open`` and the
directory listings (``opened``), that a scan (plain and ``--staged``) opens nothing
below it and reports nothing from it; the others assert each vector's exact outcome.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from licensetier import formats, fs
from licensetier.config import find_config_file
from licensetier.deps.base import Environment
from licensetier.deps.npm import NodeModulesLocator
from licensetier.deps.python import PythonEnvLocator
from tests.conftest import Run, git, make_git_repo
from tests.hostile.conftest import Opened

SCAN = ("scan", "--format", "json", "--offline", "--jobs", "1")
OUT = fs.OUTSIDE
DEEP = 100_000

METADATA = "Metadata-Version: 2.4\nName: {name}\nVersion: 1.0.0\nLicense-Expression: {lic}\n"


def errors(report: dict[str, Any]) -> dict[str, str]:
    return {e["path"]: e["message"] for e in report["errors"]}


def skipped(report: dict[str, Any]) -> dict[str, str]:
    return {s["path"]: s["reason"] for s in report["skipped"]}


def deps(report: dict[str, Any]) -> dict[str, tuple[str | None, str]]:
    return {d["name"]: (d["license"], d["license_source"]) for d in report["dependencies"]}


def link(at: Path, target: Path) -> None:
    at.parent.mkdir(parents=True, exist_ok=True)
    at.symlink_to(target)


def venv(place: Path, name: str, license_: str) -> Path:
    """A virtual environment holding ``name`` 1.0.0 under ``license_``."""
    (place / "pyvenv.cfg").parent.mkdir(parents=True, exist_ok=True)
    (place / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    info = place / "lib/python3.11/site-packages" / f"{name.replace('-', '_')}-1.0.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(METADATA.format(name=name, lic=license_), encoding="utf-8")
    return info / "METADATA"


def npm_package(folder: Path, name: str, license_: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "package.json"
    manifest.write_text(
        f'{{"name": "{name}", "version": "1.0.0", "license": "{license_}"}}', encoding="utf-8"
    )
    return manifest


@pytest.fixture
def furnished(outside: Path) -> Path:
    """``outside`` with more worth reading: a virtual environment, node_modules, one
    loose METADATA and package.json, manifests of every ecosystem, a model directory."""
    venv(outside / "venv", "secret", "AGPL-3.0-only")
    npm_package(outside / "node_modules" / "secret", "secret", "SSPL-1.0")
    (outside / "METADATA").write_text(
        METADATA.format(name="inner-py", lic="AGPL-3.0-only"), encoding="utf-8"
    )
    (outside / "inner.json").write_text(
        '{"name": "inner", "version": "1.0.0", "license": "SSPL-1.0"}', encoding="utf-8"
    )
    (outside / "COPYING").write_text(
        (outside / "LICENSE").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (outside / "Cargo.toml").write_text(
        '[package]\nname = "secret"\nversion = "1.0.0"\nlicense = "AGPL-3.0-only"\n'
        '[dependencies]\nsecret-crate = "=1.0.0"\n',
        encoding="utf-8",
    )
    (outside / "go.mod").write_text(
        "module example.com/secret\n\ngo 1.21\n\nrequire example.com/agpl v1.0.0\n",
        encoding="utf-8",
    )
    (outside / "pom.xml").write_text(
        "<project><groupId>s</groupId><artifactId>secret</artifactId><version>1</version>"
        "<licenses><license><name>AGPL-3.0-only</name></license></licenses>"
        "<dependencies><dependency><groupId>s</groupId><artifactId>agpl-lib</artifactId>"
        "<version>1.0</version></dependency></dependencies></project>",
        encoding="utf-8",
    )
    (outside / "composer.json").write_text(
        '{"name": "s/secret", "license": "AGPL-3.0-only", "require": {"s/agpl": "1.0.0"}}',
        encoding="utf-8",
    )
    (outside / "secret.csproj").write_text(
        '<Project><ItemGroup><PackageReference Include="Agpl.Lib" Version="1.0.0" />'
        "</ItemGroup></Project>",
        encoding="utf-8",
    )
    model = outside / "model"
    model.mkdir()
    (model / "README.md").write_text(
        "---\nlicense: agpl-3.0\nbase_model: meta-llama/Llama-3.1-8B\n---\n", encoding="utf-8"
    )
    (model / "LICENSE").write_text(
        (outside / "LICENSE").read_text(encoding="utf-8"), encoding="utf-8"
    )
    vendor = outside / "vendor" / "secret"
    vendor.mkdir(parents=True)
    (vendor / "LICENSE").write_text(
        (outside / "LICENSE").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return outside


def full_of_links(root: Path, outside: Path) -> Path:
    """A tree whose every interesting name links to ``outside``."""
    root.mkdir()
    (root / "main.py").write_text("print('hello')\n", encoding="utf-8")
    (root / "notes.txt").write_text(
        "For license information, see the COPYING file.\n", encoding="utf-8"
    )
    for name in (
        "pyproject.toml",
        "licensetier.toml",
        "LICENSE",
        "COPYING",
        "README.md",
        "package.json",
        "Cargo.toml",
        "go.mod",
        "pom.xml",
        "composer.json",
        "secret.csproj",
    ):
        link(root / name, outside / name)
    link(root / ".venv", outside / "venv")
    link(root / "venv", outside / "venv")
    link(root / "node_modules", outside / "node_modules")
    link(root / "vendor", outside / "vendor")
    link(root / "model", outside / "model")
    # real manifests that ask for the packages found outside
    (root / "requirements.txt").write_text("secret==1.0.0\n", encoding="utf-8")
    app = root / "app"
    app.mkdir()
    (app / "package.json").write_text(
        '{"name": "app", "version": "1.0.0", "license": "MIT",'
        ' "dependencies": {"secret": "1.0.0", "inner": "1.0.0"}}',
        encoding="utf-8",
    )
    link(app / "node_modules" / "inner" / "package.json", outside / "inner.json")
    py = root / "py"
    (py / "requirements.txt").parent.mkdir()
    (py / "requirements.txt").write_text("inner-py==1.0.0\n", encoding="utf-8")
    metadata = venv(py / ".venv", "inner-py", "MIT")
    metadata.unlink()
    link(metadata, outside / "METADATA")
    return root


def stage_changes(root: Path, *names: str) -> None:
    """A change to each of ``names``, staged (a staged scan reports what is staged)."""
    for name in names:
        with (root / name).open("a", encoding="utf-8") as handle:
            handle.write("\n")
    git(root, "add", *names)


def assert_nothing_from(outside: Path, run: Run, opened: Opened) -> dict[str, Any]:
    assert opened.under(outside) == []
    assert run.exit_code in (0, 1), run.stderr
    report: dict[str, Any] = run.json()
    text = run.stdout.lower()
    for word in ("agpl", "sspl", "llama", str(outside).lower()):
        assert word not in text, word
    assert "main.py" in {f["path"] for f in report["files"]}  # the outside config's
    # exclude = ["**"] was not applied
    assert {d["license_source"] for d in report["dependencies"]} == {"unresolved"}
    assert set(deps(report)) == {"secret", "inner", "inner-py"}
    assert errors(report)["licensetier.toml"] == f"not read as configuration: {OUT}"
    return report


def test_a_tree_full_of_links_out_opens_nothing_outside(
    tmp_path: Path, furnished: Path, opened: Opened, run_cli: Callable[..., Run]
) -> None:
    root = full_of_links(tmp_path / "repo", furnished)
    report = assert_nothing_from(furnished, run_cli(*SCAN, root), opened)
    for name in ("pyproject.toml", "LICENSE", "COPYING", "README.md", "Cargo.toml", "model"):
        assert skipped(report)[name] == OUT


def test_a_staged_scan_of_a_tree_full_of_links_out_opens_nothing_outside(
    tmp_path: Path, furnished: Path, opened: Opened, run_cli: Callable[..., Run]
) -> None:
    root = make_git_repo(full_of_links(tmp_path / "repo", furnished))
    stage_changes(root, "main.py", "requirements.txt", "app/package.json", "py/requirements.txt")
    assert_nothing_from(furnished, run_cli(*SCAN, "--staged", root), opened)


def test_the_notice_of_a_tree_full_of_links_out_opens_nothing_outside(
    tmp_path: Path, furnished: Path, opened: Opened, run_cli: Callable[..., Run]
) -> None:
    root = full_of_links(tmp_path / "repo", furnished)
    run = run_cli("notice", "--offline", root)
    assert run.exit_code == 0, run.stderr
    assert opened.under(furnished) == []
    for word in ("agpl", "sspl", "affero", str(furnished).lower()):
        assert word not in run.stdout.lower(), word


# -- each vector --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["licensetier.toml", "pyproject.toml"])
@pytest.mark.parametrize("staged", [False, True], ids=["work-tree", "staged"])
def test_a_configuration_file_that_links_out_is_not_applied(
    tmp_path: Path,
    outside: Path,
    opened: Opened,
    run_cli: Callable[..., Run],
    name: str,
    staged: bool,
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.py").write_text("print('hello')\n", encoding="utf-8")
    link(root / name, outside / name)
    if staged:
        make_git_repo(root)
        stage_changes(root, "main.py")
    assert find_config_file(root) is None
    run = run_cli(*SCAN, "--no-deps", *(["--staged"] if staged else []), root)
    assert opened.under(outside) == []
    assert run.exit_code == 0, run.stderr
    report = run.json()
    expected = [(name, f"not read as configuration: {OUT}")]
    if name == "pyproject.toml" and not staged:  # a manifest too: not read as one either
        expected.append((name, "a symbolic link to a file outside the scan root: not read"))
    assert [(e["path"], e["message"]) for e in report["errors"]] == expected
    assert [f["path"] for f in report["files"]] == ["main.py"]


def test_a_configuration_file_that_is_a_fifo_does_not_block(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.py").write_text("print('hello')\n", encoding="utf-8")
    os.mkfifo(root / "licensetier.toml")
    run = run_cli(*SCAN, "--no-deps", root)
    assert run.exit_code == 0, run.stderr
    assert errors(run.json())["licensetier.toml"] == "not read as configuration: not a regular file"


@pytest.mark.parametrize("name", [".venv", "venv"])
def test_a_virtual_environment_that_links_out_is_not_read(
    tmp_path: Path, furnished: Path, opened: Opened, run_cli: Callable[..., Run], name: str
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "requirements.txt").write_text("secret==1.0.0\n", encoding="utf-8")
    link(root / name, furnished / "venv")
    run = run_cli(*SCAN, root)
    assert opened.under(furnished) == []
    assert deps(run.json()) == {"secret": (None, "unresolved")}


def test_metadata_that_links_out_of_a_real_virtual_environment_is_not_read(
    tmp_path: Path, furnished: Path, opened: Opened, run_cli: Callable[..., Run]
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "requirements.txt").write_text("inner-py==1.0.0\nmine==1.0.0\n", encoding="utf-8")
    metadata = venv(root / ".venv", "inner-py", "MIT")
    metadata.unlink()
    link(metadata, furnished / "METADATA")
    venv_mine = root / ".venv/lib/python3.11/site-packages/mine-1.0.0.dist-info"
    venv_mine.mkdir()
    (venv_mine / "METADATA").write_text(METADATA.format(name="mine", lic="MIT"), encoding="utf-8")
    run = run_cli(*SCAN, root)
    assert opened.under(furnished) == []
    assert deps(run.json()) == {"inner-py": (None, "unresolved"), "mine": ("MIT", "installed")}


def test_node_modules_that_links_out_is_not_read(
    tmp_path: Path, furnished: Path, opened: Opened, run_cli: Callable[..., Run]
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "package.json").write_text(
        '{"name": "app", "dependencies": {"secret": "1.0.0"}}', encoding="utf-8"
    )
    link(root / "node_modules", furnished / "node_modules")
    run = run_cli(*SCAN, root)
    assert opened.under(furnished) == []
    assert deps(run.json()) == {"secret": (None, "unresolved")}


def test_a_package_json_that_links_out_of_a_real_node_modules_is_not_read(
    tmp_path: Path, furnished: Path, opened: Opened, run_cli: Callable[..., Run]
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "package.json").write_text(
        '{"name": "app", "dependencies": {"inner": "1.0.0", "mine": "1.0.0"}}', encoding="utf-8"
    )
    link(root / "node_modules" / "inner" / "package.json", furnished / "inner.json")
    npm_package(root / "node_modules" / "mine", "mine", "ISC")
    run = run_cli(*SCAN, root)
    assert opened.under(furnished) == []
    assert deps(run.json()) == {"inner": (None, "unresolved"), "mine": ("ISC", "installed")}


def test_a_model_card_that_links_out_is_read_by_no_reader(
    tmp_path: Path, outside: Path, opened: Opened, run_cli: Callable[..., Run]
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.py").write_text("print('hello')\n", encoding="utf-8")
    link(root / "README.md", outside / "README.md")
    run = run_cli(*SCAN, "--no-deps", "--kind", "model-weights", root)
    assert opened.under(outside) == []
    report = run.json()
    assert errors(report) == {
        "README.md": "a symbolic link to a file outside the scan root: not read"
    }
    assert not [f for f in report["findings"] if f["rule"].startswith("base-model")]
    assert report["artifacts"][0]["declared_by"] == []


def test_an_artifact_path_that_links_out_is_an_error_and_is_not_listed(
    tmp_path: Path, furnished: Path, opened: Opened, run_cli: Callable[..., Run]
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.py").write_text("print('hello')\n", encoding="utf-8")
    (root / "licensetier.toml").write_text(
        '[[artifacts]]\npath = "model"\nkind = "model-weights"\n', encoding="utf-8"
    )
    link(root / "model", furnished / "model")
    run = run_cli(*SCAN, "--no-deps", root)
    assert opened.under(furnished) == []
    report = run.json()
    assert errors(report) == {
        str(root / "licensetier.toml"): f'artifact path "model" is a {OUT}: not read',
    }
    model = next(a for a in report["artifacts"] if a["path"] == "model")
    assert model["declared_by"] == []
    assert not [f for f in report["findings"] if f["rule"].startswith("base-model")]


# -- deep nesting ---------------------------------------------------------------------


def deep_array(key: str = "x") -> str:
    return f"{key} = " + "[" * DEEP + "]" * DEEP + "\n"


def test_a_deeply_nested_configuration_file_is_a_configuration_error(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "licensetier.toml").write_text(deep_array("exclude"), encoding="utf-8")
    run = run_cli(*SCAN, "--no-deps", root)
    assert run.exit_code == 2
    assert "licensetier.toml: not valid TOML: nested too deeply to be read" in run.stderr
    assert "(at line 1, column " in run.stderr


def test_a_deeply_nested_pyproject_without_configuration_is_a_scan_problem(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\n' + deep_array(), encoding="utf-8"
    )
    (root / "main.py").write_text("print('hello')\n", encoding="utf-8")
    assert find_config_file(root) is None
    run = run_cli(*SCAN, root)
    assert run.exit_code == 0, run.stderr
    report = run.json()
    assert [(e["path"], e["line"]) for e in report["errors"]] == [("pyproject.toml", 4)]
    assert "nested too deeply" in report["errors"][0]["message"]
    assert "main.py" in {f["path"] for f in report["files"]}


def test_a_deeply_nested_pyproject_staged_is_a_scan_problem_of_the_commit(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """The commit hook compares a staged pyproject.toml's [tool.licensetier] with the
    last commit's: a file nested too deeply to be read is judged anew, not a crash."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n', encoding="utf-8")
    make_git_repo(root)
    with (root / "pyproject.toml").open("a", encoding="utf-8") as fh:
        fh.write(deep_array())
    git(root, "add", "pyproject.toml")
    run = run_cli(*SCAN, "--staged", root)
    assert run.exit_code == 0, run.stderr
    report = run.json()
    assert [(e["path"], e["line"]) for e in report["errors"]] == [("pyproject.toml", 4)]
    assert "nested too deeply" in report["errors"][0]["message"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("package.json", '{"name": "x", "dependencies": ' + "[" * DEEP + "]" * DEEP + "}"),
        ("composer.json", '{"name": "a/x", "license": ' + "[" * DEEP + "]" * DEEP + "}"),
        ("Cargo.toml", '[package]\nname = "x"\nversion = "1.0.0"\n' + deep_array()),
        ("uv.lock", "version = 1\n" + deep_array()),
        ("poetry.lock", deep_array()),
        ("packages.lock.json", '{"version": 1, "dependencies": ' + "[" * DEEP + "]" * DEEP + "}"),
    ],
)
def test_a_deeply_nested_manifest_is_a_scan_problem_and_the_scan_goes_on(
    tmp_path: Path, run_cli: Callable[..., Run], name: str, content: str
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / name).write_text(content, encoding="utf-8")
    (root / "main.py").write_text("print('hello')\n", encoding="utf-8")
    run = run_cli(*SCAN, root)
    assert run.exit_code == 0, run.stderr
    report = run.json()
    problems = [e for e in report["errors"] if e["path"] == name]
    assert problems, report["errors"]
    assert all("nested too deeply" in e["message"] for e in problems), problems
    assert "main.py" in {f["path"] for f in report["files"]}


# -- licensetier.fs itself ---------------------------------------------------------------


def test_fs_refuses_a_link_out_without_opening_it(
    tmp_path: Path, outside: Path, opened: Opened
) -> None:
    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    link(root / "LICENSE", outside / "LICENSE")
    link(root / "sub" / "up", outside)
    (root / "inside.txt").write_text("ok\n", encoding="utf-8")
    link(root / "sub" / "again.txt", root / "inside.txt")
    for path in (root / "LICENSE", root / "sub" / "up" / "LICENSE", root / "sub/../../x"):
        with pytest.raises(fs.Refused) as refused:
            fs.read_bytes(path, root)
        assert refused.value.reason == OUT
        assert fs.kind(path, root) == "outside"
        assert not fs.is_file(path, root)
        assert not fs.exists(path, root)
    with pytest.raises(fs.Refused):
        fs.entries(root / "sub" / "up", root)
    assert fs.read_text(root / "sub" / "again.txt", root) == "ok\n"  # a link that stays in
    kinds = {e.name: (e.kind, e.link) for e in fs.entries(root / "sub", root)}
    assert kinds == {"up": ("outside", True), "again.txt": ("file", True)}
    assert fs.glob(root, "*/*", root) == [root / "sub" / "again.txt"]
    assert opened.under(outside) == []


def test_fs_reads_only_regular_files_within_their_limit(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(fs.Refused) as refused:
        fs.read_bytes(tmp_path / "fifo", tmp_path)
    assert refused.value.reason == fs.NOT_REGULAR
    with pytest.raises(fs.Refused) as refused:
        fs.read_bytes("/dev/zero", "/")
    assert refused.value.reason == fs.NOT_REGULAR
    (tmp_path / "big").write_bytes(b"x" * 101)
    with pytest.raises(fs.Refused) as refused:
        fs.read_bytes(tmp_path / "big", tmp_path, limit=100)
    assert refused.value.errno == errno.EFBIG
    assert str(refused.value) == "101 bytes: larger than 100 bytes, not read"
    (tmp_path / "latin1").write_bytes(b"one\ntwo \xe9\n")
    with pytest.raises(fs.Undecodable) as undecodable:
        fs.read_text(tmp_path / "latin1", tmp_path)
    assert (undecodable.value.reason, undecodable.value.line) == ("not UTF-8 text", 2)
    assert fs.read_text(tmp_path / "latin1", tmp_path, errors="replace") == "one\ntwo \ufffd\n"


def test_formats_turn_deep_nesting_into_their_own_errors() -> None:
    with pytest.raises(formats.TOMLDecodeError, match=r"nested too deeply .*at line 2"):
        formats.load_toml("a = 1\n" + deep_array())
    with pytest.raises(formats.JSONDecodeError, match="nested too deeply") as deep:
        formats.load_json('{"a":\n' + "[" * DEEP + "]" * DEEP + "}")
    assert deep.value.lineno == 2
    assert formats.load_toml("a = [[1]]") == {"a": [[1]]}


def test_installed_copies_are_read_with_the_right_base(tmp_path: Path, furnished: Path) -> None:
    """A --python-env outside the root is its own base; a .venv under the root is not."""
    root = tmp_path / "repo"
    root.mkdir()
    link(root / ".venv", furnished / "venv")
    inside = Environment(root=root, python_envs=(root / ".venv",))
    assert PythonEnvLocator(inside).find("secret", "1.0.0") is None
    given = Environment(root=root, python_envs=(furnished / "venv",))
    found = PythonEnvLocator(given).find("secret", "1.0.0")
    assert found is not None
    assert found.license == "AGPL-3.0-only"
    link(root / "node_modules", furnished / "node_modules")
    assert NodeModulesLocator(Environment(root=root)).find("secret", "1.0.0") is None


def test_a_tracked_file_below_a_directory_replaced_by_a_link_out_is_not_read(
    tmp_path: Path, outside: Path, run_cli: Callable[..., Run], opened: Opened
) -> None:
    """git's index still lists ``sub/LICENSE``; the work tree's ``sub`` is now a link to
    a directory outside: the file git lists is reached through the link, so it is not
    read, and says why."""
    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "LICENSE").write_text("SPDX-License-Identifier: MIT\n", encoding="utf-8")
    make_git_repo(root)
    for entry in (root / "sub").iterdir():
        entry.unlink()
    (root / "sub").rmdir()
    (root / "sub").symlink_to(outside, target_is_directory=True)
    run = run_cli("scan", root, "--no-deps", "--format", "json", "--jobs", "1")
    report = run.json()
    assert opened.under(outside) == []
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert skipped["sub/LICENSE"] == (
        "symlink pointing outside the scanned root (one of its directories)"
    )
    assert [f["path"] for f in report["files"]] == []
