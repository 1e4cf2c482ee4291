"""What already held when issue 11 was filed, and must keep holding: no build script,
package script, Gemfile or ``.venv/bin/python`` of the repository ever runs; the
repository's own ``.npmrc``, ``pip.conf`` and Maven ``settings.xml`` are never used;
XML entities (a billion laughs, an external entity naming /etc/passwd), YAML bombs and
``!!python`` tags are refused; links to /etc/passwd, /dev/zero, /proc and link loops are
skipped; the detection cache survives kill -9, corruption, a read-only file system and
a full one; ``--offline`` opens no socket.

One test per guarantee; docs/security.md names each.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from licensetier.cache import CACHE_FILE
from tests.acceptance.registry_server import RegistryServer
from tests.acceptance.test_cache_and_jobs import GPL_NOTICE, _cli, _committed
from tests.conftest import REPO, UNREACHABLE, Run, make_git_repo
from tests.hostile.conftest import Marker

# -- nothing of the repository runs -------------------------------------------------


def users_own_registries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's pip and npm configuration (outside the repository) name a registry on
    a closed port of 127.0.0.1; the package clients are asked, as a real scan asks them."""
    monkeypatch.delenv("PIP_INDEX_URL")
    monkeypatch.delenv("npm_config_registry")
    pip_conf = tmp_path / "user-pip.conf"
    pip_conf.write_text(f"[global]\nindex-url = {UNREACHABLE}/simple\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(pip_conf))
    npmrc = tmp_path / "user.npmrc"
    npmrc.write_text(f"registry={UNREACHABLE}/\n")
    monkeypatch.setenv("NPM_CONFIG_USERCONFIG", str(npmrc))


def test_no_build_script_package_script_gemfile_or_venv_python_ever_runs(
    tmp_path: Path, run_cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, marker: Marker
) -> None:
    """Every place where a package tool would run code of the repository (setup.py, a
    PEP 517 backend with ``backend-path``, npm and composer scripts, a Cargo build
    script, a Gemfile and gemspecs, ``.venv/bin/python``, a ``pip`` package and
    ``sitecustomize.py`` on the path, a conftest.py, an ``.npmrc`` onload-script) holds
    code that leaves the marker; a scan that reads the dependencies and the installed
    copies, and asks the package clients for their registries, leaves none."""
    repo = tmp_path / "evil"
    trace = marker.trace
    dist_info = ".venv/lib/python3.11/site-packages/evil_py-1.0.dist-info"
    python_payload = f"import pathlib; pathlib.Path({str(trace)!r}).write_text('ran')\n"
    shell_payload = f"#!/bin/sh\n{marker.program}\n"
    ruby_payload = f'File.write("{trace}", "ran")\n'
    files = {
        "package.json": json.dumps(
            {
                "name": "evil",
                "license": "MIT",
                "dependencies": {"evil-dep": "1.0.0"},
                "scripts": {
                    "preinstall": str(marker.program),
                    "postinstall": str(marker.program),
                    "prepare": str(marker.program),
                },
            }
        ),
        "package-lock.json": json.dumps(
            {
                "name": "evil",
                "lockfileVersion": 3,
                "packages": {
                    "": {"dependencies": {"evil-dep": "1.0.0"}},
                    "node_modules/evil-dep": {"version": "1.0.0", "hasInstallScript": True},
                },
            }
        ),
        "node_modules/evil-dep/package.json": json.dumps(
            {
                "name": "evil-dep",
                "version": "1.0.0",
                "license": "MIT",
                "scripts": {"install": str(marker.program)},
            }
        ),
        "pyproject.toml": '[project]\nname = "evil"\nversion = "1"\n'
        'dependencies = ["evil-py==1.0"]\ndynamic = ["license"]\n[build-system]\nrequires = []\n'
        'build-backend = "backend"\nbackend-path = ["."]\n',
        "setup.cfg": "[metadata]\nlicense = file: LICENSE\n",
        "backend.py": python_payload,
        "setup.py": python_payload,
        "conftest.py": python_payload,
        "sitecustomize.py": python_payload,
        "pip/__init__.py": python_payload,
        "pip/__main__.py": python_payload,
        "requirements.txt": "-e .\nevil-req==2.0\n",
        ".venv/pyvenv.cfg": "home = /usr/bin\n",
        ".venv/bin/python": shell_payload,
        f"{dist_info}/METADATA": "Metadata-Version: 2.4\nName: evil-py\nVersion: 1.0\n"
        "License-Expression: MIT\n",
        f"{dist_info}/entry_points.txt": "[console_scripts]\nevil = backend:main\n",
        "Gemfile": ruby_payload,
        "evil.gemspec": ruby_payload,
        "Gemfile.lock": "GEM\n  remote: http://gems.example.invalid/\n  specs:\n"
        "    evilgem (1.0)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  evilgem\n",
        "vendor/bundle/ruby/3.3.0/specifications/evilgem-1.0.gemspec": ruby_payload
        + 'Gem::Specification.new do |s|\n  s.licenses = ["MIT".freeze]\nend\n',
        "go.mod": "module example.invalid/evil\n\ngo 1.22\n\nrequire example.invalid/dep v1.0.0\n",
        "Cargo.toml": '[package]\nname = "evil"\nversion = "0.1.0"\nbuild = "build.rs"\n'
        '[dependencies]\nserde = "=1.0.0"\n',
        "build.rs": f'fn main() {{ std::fs::write("{trace}", "ran").unwrap(); }}\n',
        "composer.json": json.dumps(
            {
                "name": "evil/evil",
                "require": {"evil/dep": "1.0.0"},
                "scripts": {"post-install-cmd": str(marker.program)},
            }
        ),
        ".npmrc": f"registry={UNREACHABLE}/\nonload-script={tmp_path / 'hook.js'}\n",
    }
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (repo / ".venv/bin/python").chmod(0o755)
    (tmp_path / "hook.js").write_text(f"require('fs').writeFileSync({str(trace)!r}, 'ran')\n")
    (repo / ".gitignore").write_text("node_modules/\n.venv/\nvendor/\n")
    make_git_repo(repo)
    # the package clients are asked for their registries (pointing at a closed port)
    users_own_registries(tmp_path, monkeypatch)
    monkeypatch.chdir(repo)
    run = run_cli("scan", ".", "--kind", "sdk", "--format", "json")
    assert run.exit_code in (0, 1), run.stderr
    assert not marker.ran
    report = run.json()
    sources = {d["name"]: d["license_source"] for d in report["dependencies"]}
    assert sources["evil-dep"] == "installed"
    assert sources["evil-py"] == "installed"
    assert sources["evilgem"] == "vendored"
    registries = report["tool"]["registries"]
    assert f"Python packages: {UNREACHABLE}/simple (pip config" in registries
    assert f"npm packages: {UNREACHABLE}/ (npm config" in registries


def test_the_repositorys_own_npmrc_pip_conf_and_settings_xml_are_never_used(
    tmp_path: Path, run_cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The repository names a registry of its own (a server that records every
    request) in every place where npm, pip, yarn and Maven look for a project's
    configuration; the scan, run from inside the repository, asks the user's registries
    (a closed port) and never that server."""
    with RegistryServer() as trap:
        repo = tmp_path / "repo"
        files = {
            "package.json": json.dumps(
                {"name": "app", "version": "1.0.0", "dependencies": {"left-pad": "1.3.0"}}
            ),
            "package-lock.json": json.dumps(
                {
                    "name": "app",
                    "lockfileVersion": 3,
                    "packages": {
                        "": {"dependencies": {"left-pad": "1.3.0"}},
                        "node_modules/left-pad": {"version": "1.3.0"},
                    },
                }
            ),
            "requirements.txt": "requests==2.32.3\n",
            "pom.xml": "<project><modelVersion>4.0.0</modelVersion><groupId>g</groupId>"
            "<artifactId>a</artifactId><version>1</version><dependencies><dependency>"
            "<groupId>org.example</groupId><artifactId>lib</artifactId><version>1.0</version>"
            "</dependency></dependencies></project>\n",
            ".npmrc": f"registry={trap.url}/npmrc/\n",
            ".yarnrc.yml": f'npmRegistryServer: "{trap.url}/yarnrc"\n',
            "pip.conf": f"[global]\nindex-url = {trap.url}/pip.conf/simple\n",
            "pip.ini": f"[global]\nindex-url = {trap.url}/pip.ini/simple\n",
            ".pip/pip.conf": f"[global]\nindex-url = {trap.url}/dot-pip/simple\n",
            ".venv/pip.conf": f"[global]\nindex-url = {trap.url}/venv/simple\n",
            ".venv/pyvenv.cfg": "home = /usr/bin\n",
            "settings.xml": f"<settings><mirrors><mirror><id>m</id><mirrorOf>*</mirrorOf>"
            f"<url>{trap.url}/settings.xml</url></mirror></mirrors></settings>\n",
            ".mvn/settings.xml": f"<settings><mirrors><mirror><id>m</id><mirrorOf>*</mirrorOf>"
            f"<url>{trap.url}/mvn</url></mirror></mirrors></settings>\n",
            ".mvn/maven.config": "--settings .mvn/settings.xml\n",
        }
        for name, text in files.items():
            path = repo / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        users_own_registries(tmp_path, monkeypatch)
        monkeypatch.chdir(repo)
        run = run_cli("scan", ".", "--kind", "sdk", "--format", "json")
        assert run.exit_code in (0, 1), run.stderr
        assert trap.requests == []
    registries = run.json()["tool"]["registries"]
    assert trap.url not in registries
    assert f"Python packages: {UNREACHABLE}/simple (pip config" in registries
    if shutil.which("npm") is not None:
        assert f"npm packages: {UNREACHABLE}/ (npm config" in registries


# -- data formats --------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
    "<project><modelVersion>4.0.0</modelVersion><groupId>g</groupId>"
    "<artifactId>a</artifactId><version>1</version><licenses><license><name>&lol9;</name>"
    "</license></licenses></project>\n"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE p [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup>'
    "<PackageLicenseExpression>&xxe;</PackageLicenseExpression></PropertyGroup>"
    '<ItemGroup><PackageReference Include="Evil" Version="1.0.0" /></ItemGroup></Project>\n'
)


def test_xml_entities_are_refused(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    """A billion laughs in a pom.xml and an external entity naming /etc/passwd in a
    .csproj: each file is a scan problem at its DOCTYPE, nothing is expanded or read."""
    root = tmp_path / "r"
    root.mkdir()
    (root / "pom.xml").write_text(BILLION_LAUGHS, encoding="utf-8")
    (root / "app.csproj").write_text(EXTERNAL_ENTITY, encoding="utf-8")
    run = run_cli("scan", root, "--kind", "sdk", "--offline", "--format", "json")
    assert run.exit_code in (0, 1), run.stderr
    problems = {(e["path"], e["line"]): e["message"] for e in run.json()["errors"]}
    refused = "DOCTYPE declarations are not read (XML entities are refused)"
    assert problems == {("pom.xml", 2): refused, ("app.csproj", 2): refused}
    assert "root:" not in run.stdout
    assert "lollol" not in run.stdout


YAML_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)  # i: 9**9 strings, through aliases


def test_yaml_bombs_and_python_tags_are_refused(
    tmp_path: Path, run_cli: Callable[..., Run], marker: Marker
) -> None:
    """A model card whose license fields are a billion-element alias bomb, and a pnpm
    lockfile with a ``!!python/object/apply`` tag that would run the marker: each is a
    scan problem naming the file and the line, in well under a second of YAML."""
    root = tmp_path / "r"
    root.mkdir()
    (root / "README.md").write_text(
        f"---\n{YAML_BOMB}license: *i\nbase_model: *i\n---\n# a model\n", encoding="utf-8"
    )
    (root / "package.json").write_text('{"name": "app", "version": "1.0.0", "license": "MIT"}')
    (root / "pnpm-lock.yaml").write_text(
        "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n"
        f"      x: !!python/object/apply:os.system ['{marker.program}']\n",
        encoding="utf-8",
    )
    started = time.monotonic()
    run = run_cli("scan", root, "--kind", "model-weights", "--offline", "--format", "json")
    assert run.exit_code in (0, 1), run.stderr
    assert not marker.ran
    problems = {(e["path"], e["line"]): e["message"] for e in run.json()["errors"]}
    assert set(problems) == {("README.md", 11), ("README.md", 12), ("pnpm-lock.yaml", 5)}
    assert problems[("README.md", 11)].startswith("license: expected a string or a list")
    assert "python/object/apply" in problems[("pnpm-lock.yaml", 5)]
    assert time.monotonic() - started < 120


# -- links --------------------------------------------------------------------------


def test_links_to_system_files_and_link_loops_are_skipped(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = tmp_path / "r"
    (root / "sub").mkdir(parents=True)
    (root / "README.txt").write_text("hello\n", encoding="utf-8")
    links = {
        "passwd.txt": "/etc/passwd",
        "zero.bin": "/dev/zero",
        "proc": "/proc",
        "loop1": "loop2",
        "loop2": "loop1",
        "self": ".",
        "sub/up": "..",
    }
    for name, target in links.items():
        os.symlink(target, root / name)
    for git_repo in (False, True):
        if git_repo:
            make_git_repo(root)
        run = run_cli("scan", root, "--no-deps", "--format", "json")
        assert run.exit_code == 0, run.stderr
        report = run.json()
        assert [f["path"] for f in report["files"]] == ["README.txt"]
        skipped = {s["path"]: s["reason"] for s in report["skipped"]}
        outside = "symlink pointing outside the scanned root"
        inside = "symlink inside the root (its target is scanned in its own place)"
        assert skipped == {
            "passwd.txt": outside,
            "zero.bin": outside,
            "proc": outside,
            "loop1": "broken symlink",
            "loop2": "broken symlink",
            "self": inside,
            "sub/up": inside,
        }, git_repo
        assert "root:" not in run.stdout


# -- the cache -----------------------------------------------------------------------


def _gpl_tree(root: Path, n: int, salt: str = "") -> Path:
    root.mkdir()
    for i in range(n):
        (root / f"f{i}.py").write_text(f"# file {i}{salt}\n" + GPL_NOTICE, encoding="utf-8")
    return root


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_the_cache_survives_kill_9(tmp_path: Path) -> None:
    # Commits come every BATCH_SECONDS (2 s) of detection, and at the end. A scan whose
    # detection lasts less than that commits only as it ends, and is gone before the
    # kill (160 files took 1 s, on CI as here). 1,500 files take about 9 s at -j 1
    # (6 ms each, measured): the first commit comes while most are still to detect.
    n = 1500
    root = _gpl_tree(tmp_path / "many", n)
    make_git_repo(root)
    cache_dir = tmp_path / "c"
    args = ("scan", str(root), "--cache-dir", str(cache_dir), "-q", "-j", "1")
    victim = _cli(*args)
    deadline = time.monotonic() + 300
    # wait until the scan has committed detections to the cache, then kill it
    while time.monotonic() < deadline and _committed(cache_dir / CACHE_FILE) == 0:
        time.sleep(0.1)
    assert victim.poll() is None, "the scan ended before it could be killed"
    victim.send_signal(signal.SIGKILL)
    # its detection worker must not outlive it: a worker left waiting on its pipe
    # would hold the scan's standard output open, and this would never return
    victim.communicate(timeout=60)
    rerun = _cli(*args[:-3], "--format", "json")
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    report = json.loads(out)
    assert report["errors"] == []
    assert all(f["scancode_license"] == "gpl-2.0-plus" for f in report["files"])
    # what the killed scan committed was used
    assert int(report["tool"]["files_detected"]) < n
    assert len(report["files"]) == n


def _scan(run_cli: Callable[..., Run], root: Path, cache_dir: Path) -> dict[str, object]:
    run = run_cli("scan", root, "--no-deps", "--cache-dir", cache_dir, "--format", "json")
    assert run.exit_code == 0, run.stderr
    report: dict[str, object] = run.json()
    files = report["files"]
    assert isinstance(files, list)
    assert {f["scancode_license"] for f in files} == {"gpl-2.0-plus"}
    return report


def test_the_cache_survives_corruption(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    """The cache file overwritten with garbage between two scans: the second scan is
    right, says the cache was damaged, moves it aside and builds a new one."""
    root = _gpl_tree(tmp_path / "r", 3)
    cache_dir = tmp_path / "c"
    _scan(run_cli, root, cache_dir)
    (cache_dir / CACHE_FILE).write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    report = _scan(run_cli, root, cache_dir)
    assert any(CACHE_FILE in str(e) for e in report["errors"])  # type: ignore[attr-defined]
    assert _scan(run_cli, root, cache_dir)["errors"] == []
    assert len(list(cache_dir.glob(f"{CACHE_FILE}*corrupt*"))) >= 1


@pytest.fixture
def small_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of its own (64 MB), for a cache that a test fills or makes read-only;
    mounting needs root (CI runs the tests as root)."""
    place = tmp_path / "fs"
    place.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(place)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield place
    finally:
        subprocess.run(["umount", "-l", str(place)], check=False)


def test_the_cache_survives_a_read_only_file_system(
    tmp_path: Path, run_cli: Callable[..., Run], small_filesystem: Path
) -> None:
    root = _gpl_tree(tmp_path / "r", 3)
    cache_dir = small_filesystem / "c"
    _scan(run_cli, root, cache_dir)
    kept = (cache_dir / CACHE_FILE).read_bytes()
    subprocess.run(["mount", "-o", "remount,ro", str(small_filesystem)], check=True)
    other = _gpl_tree(tmp_path / "other", 2, salt=" (other)")
    report = _scan(run_cli, other, cache_dir)  # right, without the cache
    assert [e["path"] for e in report["errors"]] == [str(cache_dir / CACHE_FILE)]  # type: ignore[attr-defined]
    subprocess.run(["mount", "-o", "remount,rw", str(small_filesystem)], check=True)
    assert (cache_dir / CACHE_FILE).read_bytes() == kept
    again = _scan(run_cli, root, cache_dir)
    assert again["errors"] == []
    assert again["tool"]["files_detected"] == "0"  # type: ignore[index]


def test_the_cache_survives_a_full_file_system(
    tmp_path: Path, run_cli: Callable[..., Run], small_filesystem: Path
) -> None:
    root = _gpl_tree(tmp_path / "r", 3)
    cache_dir = small_filesystem / "c"
    _scan(run_cli, root, cache_dir)
    filler = small_filesystem / "filler"
    with filler.open("wb") as out:  # every block of the file system taken
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    other = _gpl_tree(tmp_path / "other", 2, salt=" (other)")
    report = _scan(run_cli, other, cache_dir)  # right, without the cache
    errors = report["errors"]
    assert isinstance(errors, list)
    assert all(e["path"] == str(cache_dir / CACHE_FILE) for e in errors)
    filler.unlink()
    again = _scan(run_cli, root, cache_dir)
    assert again["errors"] == []
    assert again["tool"]["files_detected"] == "0"  # type: ignore[index]


# -- --offline -----------------------------------------------------------------------

AUDITED_RUN = textwrap.dedent(
    """
    import sys

    log = open(sys.argv[1], "a")

    def audit(event, args):
        if event in ("socket.connect", "socket.getaddrinfo", "socket.sendto"):
            log.write(f"{event} {args[1:]!r}\\n")
            log.flush()

    sys.addaudithook(audit)
    from licensetier.cli.main import main

    sys.argv = ["licensetier", *sys.argv[2:]]
    main()
    """
)


def _audited(log: Path, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", AUDITED_RUN, str(log), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_offline_opens_no_socket(fixture_repo: Callable[..., Path], tmp_path: Path) -> None:
    repo = fixture_repo("tooling-python-deps")
    shutil.rmtree(repo / ".venv")  # nothing installed: every dependency would go online
    with RegistryServer() as server:
        registry_flags = [
            "--index-url",
            f"{server.url}/simple",
            "--npm-registry",
            server.url,
            "--deps-dev-url",
            f"{server.url}/v3",
        ]
        offline_log = tmp_path / "offline.log"
        done = _audited(
            offline_log, "scan", ".", "--format", "json", "--offline", *registry_flags, cwd=repo
        )
        assert done.returncode in (0, 1), done.stderr
        report = json.loads(done.stdout)
        assert {d["license_source"] for d in report["dependencies"]} == {"unresolved"}
        assert not offline_log.exists() or offline_log.read_text() == ""
        assert server.requests == []
        # the same scan online: the audit hook does see the connections, and the
        # server the lookups, so the assertions above can fail
        online_log = tmp_path / "online.log"
        done = _audited(online_log, "scan", ".", "--format", "json", *registry_flags, cwd=repo)
        assert done.returncode in (0, 1), done.stderr
        assert "socket.connect" in online_log.read_text()
        assert server.requests
