"""Scans of another state of the repository than its work tree: the content of git's
index (``--staged``: what the next commit will hold) and a commit's tree
(``--diff-base REF``). Each is written to a temporary directory, as git stores it (no
filter runs; symlinks, submodules and paths that would leave the directory are not
written, and are in ``skipped[]`` with their reason), and scanned there at the same
relative paths (:meth:`licensetier.scan.Scanner.scan` with ``view``);
installed copies of dependencies are still looked up in the work tree, and the
detection cache, keyed by content, answers for every file whose content it has seen.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from licensetier import reuse, vcs
from licensetier.compare import against_base
from licensetier.config import CONFIG_FILE_NAMES, MAX_CONFIG_BYTES
from licensetier.deps import discover
from licensetier.formats import TOMLDecodeError, load_toml
from licensetier.models import ScanResult, SkippedFile
from licensetier.paths import is_license_file_name
from licensetier.readers import readme
from licensetier.readers.routes import is_declaring
from licensetier.scan import Scanner


def _repository(root: Path, flag: str) -> vcs.Repository:
    try:
        repo = vcs.find_repository(root)
    except vcs.GitError as exc:
        raise vcs.GitError(f"{flag} needs git's view of the repository: {exc}") from None
    if repo is None:
        raise vcs.GitError(f"{flag} needs a git repository, and {root} is not in one")
    return repo


def _with_skipped(result: ScanResult, skipped: list[SkippedFile]) -> ScanResult:
    """The result with the entries of git that were not written to the view."""
    if not skipped:
        return result
    every = sorted([*result.skipped, *skipped], key=lambda s: s.path)
    return replace(result, skipped=tuple(every))


def _parent(path: str) -> str:
    """The directory of a path as git lists it ("." at the top), without pathlib: a
    staged scan asks it of every entry of git's index."""
    parent, slash, _name = path.rpartition("/")
    return parent if slash else "."


def _is_readme(name: str) -> bool:
    return bool(readme.README_NAME.fullmatch(name))


def _reuse_data(path: str, parent: str, artifact_dirs: set[str], staged: set[str]) -> bool:
    """What REUSE says of the staged paths: an artifact's ``LICENSES/`` texts (its
    declared license), every ``REUSE.toml`` and ``.reuse/dep5`` (the annotations), and
    the sidecar of a staged file."""
    name = path.rpartition("/")[2]
    if name == reuse.REUSE_TOML or path == reuse.DEP5:
        return True
    folder, _slash, last = parent.rpartition("/")
    if last == reuse.LICENSES_DIR and (folder or ".") in artifact_dirs:
        return True
    return path.endswith(reuse.SIDECAR) and path[: -len(reuse.SIDECAR)] in staged


def _needed(scanner: Scanner, paths: set[str], available: Iterable[str]) -> set[str]:
    """``paths`` and what they are judged with: the artifacts' license files,
    manifests, READMEs and REUSE ``LICENSES/``, the configuration, the REUSE
    annotations, and the other manifests and lockfiles of a manifest's directory."""
    needed = set(paths)
    artifact_dirs = {"." if a.path == "." else a.path for a in scanner.config.artifacts} | {"."}
    touched = {_parent(p) for p, _ in discover.routed(paths)}
    available = list(available)
    for path in available:
        name = path.rpartition("/")[2]
        parent = _parent(path)
        if (
            (
                parent in artifact_dirs
                and (is_license_file_name(name) or is_declaring(name) or _is_readme(name))
            )
            or (parent == "." and name in CONFIG_FILE_NAMES)
            or _reuse_data(path, parent, artifact_dirs, paths)
        ):
            needed.add(path)
    needed.update(p for p, _ in discover.routed(available) if _parent(p) in touched)
    return needed


def staged_scan(scanner: Scanner, root: Path) -> ScanResult:
    """The staged paths, with what they affect: a staged manifest or lockfile re-checks
    the dependencies of its directory; a staged LICENSE or manifest the declared license
    of its artifact. They are judged with what a full scan judges them with: the
    artifacts' license files, manifests, READMEs and REUSE ``LICENSES/``, and the REUSE
    annotations. Findings elsewhere in the repository are not reported."""
    root = root.resolve()
    repo = _repository(root, "--staged")
    staged = set(vcs.staged_paths(repo, root))
    index = vcs.index_entries(repo, root)
    if _configuration_changed(repo, root, staged, index):
        # every verdict may change with the configuration: the whole index is checked
        written = sorted(index)
        only: set[str] | None = None
    else:
        written = sorted(p for p in _needed(scanner, staged, index) if p in index)
        only = staged
    with tempfile.TemporaryDirectory(prefix="licensetier-staged-") as tmp:
        listed, skipped = vcs.write_blobs(repo, {p: index[p] for p in written}, Path(tmp))
        result = scanner.scan(root, view=Path(tmp), listed=dict(listed), only=only)
    return _with_skipped(result, [s for s in skipped if only is None or s.path in only])


def _configuration_changed(
    repo: vcs.Repository, root: Path, staged: set[str], index: dict[str, vcs.Entry]
) -> bool:
    """Whether the commit changes licensetier's configuration: a staged
    ``licensetier.toml``, or a staged ``pyproject.toml`` whose ``[tool.licensetier]``
    table differs from the last commit's (a dependency bump is not a change of it)."""
    changed = [name for name in CONFIG_FILE_NAMES if name in staged]
    if not changed:
        return False
    if changed != ["pyproject.toml"]:
        return True
    try:
        head = vcs.tree_entries(repo, root, "HEAD", only=["pyproject.toml"]).get("pyproject.toml")
    except vcs.GitError:  # no commit yet: everything is new
        return True
    now = index.get("pyproject.toml")
    blobs = [e.blob for e in (head, now) if e is not None]
    sizes = vcs.blob_sizes(repo, blobs)
    if any((sizes.get(b) or 0) > MAX_CONFIG_BYTES for b in blobs):
        return True  # too large to compare: judged anew, as a change would be
    texts = dict(vcs.read_blobs(repo, blobs))

    def table(entry: vcs.Entry | None) -> object:
        data = texts.get(entry.blob) if entry is not None else None
        if data is None:
            return None
        try:
            return load_toml(data.decode("utf-8")).get("tool", {}).get("licensetier")
        except (UnicodeDecodeError, TOMLDecodeError, AttributeError):
            return data  # unreadable: compared as bytes (the scan reports the error)

    return table(head) != table(now)


def _hook_paths(root: Path, names: Iterable[str]) -> set[str]:
    """The file names a hook was given (relative to the repository's top, where
    pre-commit runs hooks), relative to ``root``; names outside ``root`` are left out."""
    top = Path.cwd().resolve()
    paths: set[str] = set()
    for name in names:
        try:
            rel = (top / name).resolve().relative_to(root).as_posix()
        except ValueError:
            continue
        if rel != ".":
            paths.add(rel)
    return paths


def hook_scan(scanner: Scanner, root: Path, names: Sequence[str]) -> ScanResult:
    """What pre-commit asks a hook that it passes file names to. In a commit (and a
    bare ``pre-commit run``) the names are the staged files: the staged scan, of git's
    index. Otherwise (``run --all-files``, ``run --files``, ``--from-ref/--to-ref``,
    CI, pre-commit.ci) the names are files of the work tree, staged or not: the scan
    of those files as the work tree holds them, judged as the staged scan judges; and
    when they are every tracked file (``--all-files``), the whole repository."""
    root = root.resolve()
    repo = _repository(root, "the pre-commit hook")
    paths = _hook_paths(root, names)
    staged = set(vcs.staged_paths(repo, root))
    if staged and paths <= staged:
        return staged_scan(scanner, root)
    tracked = {
        p for p, entry in vcs.index_entries(repo, root).items() if entry.mode.startswith("100")
    }
    if tracked <= paths:
        return scanner.scan(root)
    listing = vcs.listed_files(repo, root)
    present = dict(listing.files)
    needed = _needed(scanner, paths, present)
    listed = {p: present[p] for p in needed if p in present}
    return scanner.scan(root, listed=listed, only=paths)


def base_scan(
    scanner: Scanner, root: Path, ref: str, commit: str | None = None
) -> tuple[ScanResult, str]:
    """The scan of ``ref``'s tree (``commit``, when it was resolved already), with the
    configuration of the work tree (so that the two are judged alike), and a label
    naming the commit."""
    root = root.resolve()
    repo = _repository(root, "--diff-base")
    if commit is None:
        commit = vcs.base_commit(repo, ref)
    entries = vcs.tree_entries(repo, root, commit)
    with tempfile.TemporaryDirectory(prefix="licensetier-base-") as tmp:
        listed, skipped = vcs.write_blobs(repo, entries, Path(tmp))
        scanned = scanner.scan(root, view=Path(tmp), listed=dict(listed), compared=True)
        result = _with_skipped(scanned, skipped)
    label = ref if commit.startswith(ref) else f"{ref} ({commit[:12]})"
    return result, label


def scan_repository(
    scanner: Scanner,
    root: Path,
    *,
    staged: bool = False,
    diff_base: str | None = None,
    hook_files: Sequence[str] | None = None,
) -> ScanResult:
    """The work tree (or with ``staged`` git's index), compared with ``diff_base``'s
    commit when one is given: what ``licensetier scan`` reports. Raises
    :class:`~licensetier.vcs.GitError` when git cannot give the view asked for."""
    # the base first: a missing one (a shallow checkout) is fetched, or said, before
    # the scan spends its time
    commit = None
    if diff_base is not None:
        commit = vcs.base_commit(_repository(root.resolve(), "--diff-base"), diff_base)
    if hook_files is not None:
        result = hook_scan(scanner, root, hook_files)
    elif staged:
        result = staged_scan(scanner, root)
    else:
        result = scanner.scan(root)
    if diff_base is not None:
        base, label = base_scan(scanner, root, diff_base, commit)
        result = against_base(scanner.policy, result, base, label)
    return result
