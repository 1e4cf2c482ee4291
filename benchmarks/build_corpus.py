"""Build the speed benchmark's corpus: a git repository of pinned, unmodified packages.

Usage::

    .venv/bin/python benchmarks/build_corpus.py DEST [--force]

The corpus is a small npm project and a directory of unpacked Python wheels:

* ``package.json`` and ``node_modules/``: ``npm install --ignore-scripts --no-bin-links``
  of :data:`NPM_PINS`, exact versions of packages that have no dependencies outside the
  list, so the installed tree is fixed by the pins alone (no lock file needed: the
  build checks that ``node_modules`` holds exactly the pinned packages and versions).
  ``--no-bin-links`` leaves no ``node_modules/.bin`` symlinks. npm's lock files are
  removed after the install: they only name the registry each tarball came from.
* ``python/NAME-VERSION/``: the unpacked contents of each wheel of :data:`WHEEL_PINS`,
  fetched with ``pip download --no-deps --only-binary=:all:`` and checked against the
  pinned SHA-256. Every wheel is pure Python (``py3-none-any``); the build fails on
  any ``.so``, ``.pyd`` or ``.dylib``.

npm and pip use whatever registry or index they are configured with. Everything is
committed (``git add -f``: nothing is ignored) with a fixed author and date, so the
same pins give the same commit; :data:`EXPECTED_TREE` is the tree id the pins gave
when this file was written, and a build that differs says so.

A corpus already built at DEST from the same pins (marker file
``.git/licensetier-bench-pins``) is reused. A directory at DEST that is not such a
corpus is never deleted: the build stops instead.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Exact versions. None of these packages depends on a package outside this list.
NPM_PINS: dict[str, str] = {
    "acorn": "8.11.3",
    "core-js": "3.36.1",
    "highlight.js": "11.9.0",
    "jquery": "3.7.1",
    "lodash": "4.17.21",
    "moment": "2.30.1",
    "rxjs": "7.8.1",
    "tslib": "2.6.2",  # rxjs's only dependency
}

# (distribution, version, SHA-256 of its py3-none-any wheel)
WHEEL_PINS: tuple[tuple[str, str, str], ...] = (
    ("certifi", "2024.2.2", "dc383c07b76109f368f6106eee2b593b04a011ea4d55f652c6ca24a754d1cdd1"),
    ("chardet", "5.2.0", "e1cf59446890a00105fe7b7912492ea04b6e6f06d4b742b2c788469e34c82970"),
    ("docutils", "0.20.1", "96f387a2c5562db4476f09f13bbab2192e764cac08ebbf3a34a95d9b1e4a59d6"),
    ("idna", "3.6", "c05567e9c24a6b9faaa835c4821bad0590fbb9d5779e7caa6e1cc4978e7eb24f"),
    ("jinja2", "3.1.3", "7d6d50dd97d52cbc355597bd845fabfbac3f551e1f99619e39a35ce8c370b5fa"),
    ("networkx", "3.2.1", "f18c69adc97877c42332c170849c96cefa91881c99a7cb3e95b7c659ebdc1ec2"),
    ("packaging", "24.0", "2ddfb553fdf02fb784c234c7ba6ccc288296ceabec964ad2eae3777778130bc5"),
    ("pip", "24.0", "ba0d021a166865d2265246961bec0152ff124de910c5cc39f1156ce3fa7c69dc"),
    ("pygments", "2.17.2", "b27c2826c47d0f3219f29554824c30c5e8945175d888647acd804ddd04af846c"),
    ("requests", "2.31.0", "58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f"),
    ("six", "1.16.0", "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254"),
    ("urllib3", "2.2.1", "450b20ec296a467077128bff42b73080516e71b56ff59a60a02bef2232c4fa9d"),
)

# Bump when the layout of the corpus changes (not only the pins).
LAYOUT_VERSION = 1
# The tree id the pins above gave when this file was written (None: not recorded).
EXPECTED_TREE: str | None = "0f08217e193755f3abb85e714ed8f74f48725ab8"

MARKER = "licensetier-bench-pins"  # in .git/, so that no scan sees it
COMMIT_DATE = "2024-01-01T00:00:00+00:00"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "licensetier benchmark",
    "GIT_AUTHOR_EMAIL": "benchmark@licensetier.invalid",
    "GIT_COMMITTER_NAME": "licensetier benchmark",
    "GIT_COMMITTER_EMAIL": "benchmark@licensetier.invalid",
    "GIT_AUTHOR_DATE": COMMIT_DATE,
    "GIT_COMMITTER_DATE": COMMIT_DATE,
}
NATIVE_SUFFIXES = (".so", ".pyd", ".dylib", ".dll")


class CorpusError(RuntimeError):
    pass


@dataclass
class CorpusInfo:
    path: str
    pins: str  # hash of the pin set
    commit: str
    tree: str
    files: int  # tracked files (every file outside .git)
    by_package: dict[str, int] = field(default_factory=dict)
    built: bool = False  # False: an existing corpus was reused
    subset_of: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def pin_hash() -> str:
    spec = {"layout": LAYOUT_VERSION, "npm": NPM_PINS, "wheels": WHEEL_PINS}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


# -- git -------------------------------------------------------------------------------
def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    full_env = {**os.environ, **(env or {}), "GIT_CONFIG_NOSYSTEM": "1"}
    out = subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env=full_env,
    )
    return out.stdout


def tracked_files(repo: Path) -> list[str]:
    return sorted(p for p in git(repo, "ls-files", "-z").split("\0") if p)


def is_clean(repo: Path) -> bool:
    return git(repo, "status", "--porcelain", "--ignored", "--untracked-files=all") == ""


def restore(repo: Path) -> None:
    """Undo any change to the work tree (the corpus belongs to the benchmark)."""
    git(repo, "checkout", "--", ".")
    git(repo, "clean", "-ffdxq")


def commit_all(repo: Path, message: str) -> None:
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "core.autocrlf", "false")
    git(repo, "config", "core.fileMode", "true")
    git(repo, "config", "user.name", GIT_IDENTITY["GIT_AUTHOR_NAME"])
    git(repo, "config", "user.email", GIT_IDENTITY["GIT_AUTHOR_EMAIL"])
    git(repo, "add", "-A", "-f", ".")
    git(repo, "commit", "-q", "--no-gpg-sign", "-m", message, env=GIT_IDENTITY)
    if not is_clean(repo):
        raise CorpusError(f"{repo}: files left out of the commit:\n{git(repo, 'status')}")


def read_info(repo: Path, *, built: bool, subset_of: str | None = None) -> CorpusInfo:
    files = tracked_files(repo)
    by_package: dict[str, int] = {}
    for path in files:
        key = package_of(path)
        by_package[key] = by_package.get(key, 0) + 1
    marker = repo / ".git" / MARKER
    return CorpusInfo(
        path=str(repo),
        pins=marker.read_text().strip() if marker.exists() else "",
        commit=git(repo, "rev-parse", "HEAD").strip(),
        tree=git(repo, "rev-parse", "HEAD^{tree}").strip(),
        files=len(files),
        by_package=dict(sorted(by_package.items())),
        built=built,
        subset_of=subset_of,
    )


def package_of(path: str) -> str:
    """``node_modules/@scope/name/...`` -> ``npm:@scope/name``; ``python/x-1/...`` ->
    ``wheel:x-1``; anything else -> ``(root)``."""
    parts = path.split("/")
    if parts[0] == "node_modules" and len(parts) > 2:
        name = "/".join(parts[1:3]) if parts[1].startswith("@") else parts[1]
        return f"npm:{name}"
    if parts[0] == "python" and len(parts) > 2:
        return f"wheel:{parts[1]}"
    return "(root)"


# -- the parts ---------------------------------------------------------------------------
def install_npm(project: Path) -> None:
    package_json = {
        "name": "licensetier-benchmark-corpus",
        "version": "0.0.0",
        "private": True,
        "description": "Pinned packages for licensetier's speed benchmark.",
        "dependencies": NPM_PINS,
    }
    (project / "package.json").write_text(json.dumps(package_json, indent=2) + "\n")
    cmd = [
        "npm",
        "install",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--no-bin-links",
        "--no-update-notifier",
        "--loglevel=error",
    ]
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, cwd=project, check=True, stdout=sys.stderr)
    for lock in (project / "package-lock.json", project / "node_modules" / ".package-lock.json"):
        lock.unlink(missing_ok=True)
    installed = installed_npm(project / "node_modules")
    if installed != NPM_PINS:
        raise CorpusError(f"npm installed {installed}, not exactly the pins {NPM_PINS}")


def installed_npm(node_modules: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for manifest in sorted(node_modules.rglob("package.json")):
        rel = manifest.relative_to(node_modules).parts
        # a package's own manifest: name/package.json or @scope/name/package.json
        if len(rel) == 2 or (len(rel) == 3 and rel[0].startswith("@")):
            data = json.loads(manifest.read_text())
            name = "/".join(rel[:-1])
            if data.get("name") == name:
                found[name] = data.get("version", "")
    nested = [p for p in node_modules.glob("*/node_modules")]
    if nested:
        raise CorpusError(f"nested node_modules (an unpinned dependency?): {nested}")
    return dict(sorted(found.items()))


def unpack_wheels(dest: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="lt-wheels-") as tmp:
        for name, version, _sha in WHEEL_PINS:
            cmd = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--only-binary=:all:",
                "--dest",
                tmp,
                f"{name}=={version}",
            ]
            print("+", " ".join(cmd[2:]), file=sys.stderr)
            subprocess.run(cmd, check=True, stdout=sys.stderr)
        wheels = sorted(Path(tmp).glob("*.whl"))
        by_name = {w.name.split("-")[0].lower(): w for w in wheels}
        for name, version, sha in WHEEL_PINS:
            wheel = by_name.get(name.replace("-", "_").lower())
            if wheel is None or not wheel.name.startswith(f"{wheel.name.split('-')[0]}-{version}-"):
                raise CorpusError(f"no wheel of {name}=={version} among {[w.name for w in wheels]}")
            if not wheel.name.endswith("-none-any.whl"):
                raise CorpusError(f"{wheel.name} is not a pure-Python wheel")
            digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
            if digest != sha:
                raise CorpusError(f"{wheel.name}: sha256 {digest}, pinned {sha}")
            target = dest / "python" / f"{name}-{version}"
            with zipfile.ZipFile(wheel) as zf:
                native = [n for n in zf.namelist() if n.endswith(NATIVE_SUFFIXES)]
                if native:
                    raise CorpusError(f"{wheel.name} holds native code: {native}")
                zf.extractall(target)


def build(dest: Path, *, force: bool = False) -> CorpusInfo:
    """Build the corpus at ``dest``, or reuse the one there if it has the same pins."""
    dest = dest.resolve()
    pins = pin_hash()
    marker = dest / ".git" / MARKER
    if dest.exists() and any(dest.iterdir()):
        if not marker.exists():
            raise CorpusError(f"{dest} exists and is not a benchmark corpus: not touching it")
        if marker.read_text().strip() == pins and not force:
            if not is_clean(dest):
                print(f"{dest}: work tree changed; restoring it", file=sys.stderr)
                restore(dest)
            return read_info(dest, built=False)
        print(f"{dest}: built from other pins; rebuilding", file=sys.stderr)
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=dest.name + ".building-", dir=dest.parent))
    staging.chmod(0o755)
    try:
        install_npm(staging)
        unpack_wheels(staging)
        symlinks = [p for p in staging.rglob("*") if p.is_symlink()]
        if symlinks:
            raise CorpusError(f"symlinks in the corpus: {symlinks[:10]}")
        commit_all(staging, f"licensetier benchmark corpus (pins {pins})")
        (staging / ".git" / MARKER).write_text(pins + "\n")
        if dest.exists():
            dest.rmdir()  # empty, checked above
        staging.rename(dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    info = read_info(dest, built=True)
    on_disk = sum(len(fs) for d, _, fs in os.walk(dest) if ".git" not in Path(d).parts)
    if on_disk != info.files:
        raise CorpusError(f"{on_disk} files on disk but {info.files} committed")
    if EXPECTED_TREE and info.tree != EXPECTED_TREE:
        print(
            f"note: tree {info.tree} differs from the recorded {EXPECTED_TREE}: "
            "a pinned package's content is not what it was",
            file=sys.stderr,
        )
    return info


def subset(corpus: Path, n: int, dest: Path) -> CorpusInfo:
    """A separate git repository with ``n`` of the corpus's files, the same ``n`` every
    time: the files whose SHA-256 of the path sorts first, at the same paths."""
    corpus = corpus.resolve()
    dest = dest.resolve()
    head = git(corpus, "rev-parse", "HEAD").strip()
    key = f"{pin_hash()}:{head}:{n}"
    marker = dest / ".git" / MARKER
    if dest.exists() and any(dest.iterdir()):
        if not marker.exists():
            raise CorpusError(f"{dest} exists and is not a benchmark corpus: not touching it")
        if marker.read_text().strip() == key:
            if not is_clean(dest):
                restore(dest)
            return read_info(dest, built=False, subset_of=str(corpus))
        shutil.rmtree(dest)
    files = tracked_files(corpus)
    chosen = sorted(files, key=lambda p: hashlib.sha256(p.encode()).hexdigest())[:n]
    dest.mkdir(parents=True, exist_ok=True)
    for rel in sorted(chosen):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(corpus / rel, target)
    commit_all(dest, f"licensetier benchmark corpus subset: {n} files of {head}")
    marker.write_text(key + "\n")
    return read_info(dest, built=True, subset_of=str(corpus))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="where the corpus repository goes")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    try:
        info = build(args.dest, force=args.force)
    except (CorpusError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(info.to_dict(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
