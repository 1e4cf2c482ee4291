"""The shared path rules: license file names, ownership, directory lists, globs."""

from __future__ import annotations

from pathlib import Path

import pytest

from licensetier import paths
from licensetier.deps import vendored
from licensetier.models import Artifact
from licensetier.paths import (
    INSTALLED_DIRS,
    UNWALKED_DIRS,
    VENDOR_DIRS,
    Globs,
    glob_error,
    in_installed_dir,
    is_license_file_name,
    owner,
    owning_artifact,
)
from licensetier.walk import walk

# -- license file names ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "LICENSE",
        "license",
        "LICENSE.md",
        "license.txt",
        "LICENCE",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "LICENSES.txt",
        "COPYING",
        "COPYING.LESSER",
        "UNLICENSE",
        "MIT-LICENSE",
        "MIT-LICENSE.txt",
        "BSD_LICENSE.md",
        "foo.LICENSE",
    ],
)
def test_license_file_names(name: str) -> None:
    assert is_license_file_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "license.py",  # source files named like a license
        "license.go",
        "License.java",
        "license.json",
        "no.license.nuspec",
        "THIRD-PARTY-LICENSES.txt",  # the licenses of others
        "NOTICE",
        "README.md",
        "COPYRIGHT",
        "licensing.md",
    ],
)
def test_other_file_names(name: str) -> None:
    assert not is_license_file_name(name)


def test_the_vendored_locator_uses_the_one_definition(tmp_path: Path) -> None:
    for name in ("MIT-LICENSE", "license.py", "COPYING", "NOTICE"):
        (tmp_path / name).write_text("x\n", encoding="utf-8")
    assert [p.name for p in vendored.license_files(tmp_path)] == ["COPYING", "MIT-LICENSE"]
    assert vendored.is_license_file is is_license_file_name


# -- ownership ---------------------------------------------------------------------------


def test_owner_is_the_deepest_containing_directory() -> None:
    directories = [".", "a", "a/b", "ab"]
    assert owner("a/b/c.py", directories) == "a/b"
    assert owner("a/b", directories) == "a/b"
    assert owner("a/bc/d", directories) == "a"
    assert owner("ab/c", reversed(directories)) == "ab"
    assert owner("x/y", directories) == "."
    assert owner("x/y", ["a", "a/b"]) is None


def test_owning_artifact() -> None:
    arts = [Artifact(p, None, None, None) for p in (".", "a", "a/b")]
    assert owning_artifact("a/b/c.py", arts) is arts[2]
    assert owning_artifact("README", arts) is arts[0]
    with pytest.raises(ValueError, match="no artifact contains"):
        owning_artifact("x", arts[1:])


# -- directories --------------------------------------------------------------------------


def test_directory_lists() -> None:
    assert set(VENDOR_DIRS) <= INSTALLED_DIRS
    # the environments a walk outside git skips are directories of installed packages
    assert UNWALKED_DIRS - paths.VCS_DIRS - paths.TOOL_DIRS <= INSTALLED_DIRS
    assert in_installed_dir("web/node_modules/x/package.json")
    assert in_installed_dir("third_party/zlib/CMakeLists.txt")
    assert not in_installed_dir("vendor")  # the last part is the file itself
    assert not in_installed_dir("src/vendors/package.json")


# -- globs ----------------------------------------------------------------------------------

EXCLUDES = [
    # pattern, path, excluded
    ("src/*.py", "src/a.py", True),
    ("src/*.py", "src/a/b/c.py", False),  # fnmatch's * crossed directories
    ("*.min.js", "a/b/c.min.js", True),  # no slash: at any depth
    ("/a.c", "a.c", True),
    ("/a.c", "x/a.c", False),
    ("docs/**", "docs/a/b.md", True),
    ("docs/**", "docs", True),  # a directory entry (submodule, link) named so
    ("docs/**", "docsx/a.md", False),
    ("**/gen/*.py", "a/b/gen/x.py", True),
    ("a/**/b.txt", "a/b.txt", True),
    ("a/**/b.txt", "a/x/y/b.txt", True),
    ("vendor/", "vendor/lib/x.c", True),
    ("vendor/", "src/vendor/x.c", True),
    ("vendor/*", "vendor/x.c", True),
    ("vendor/*", "vendor/lib/x.c", True),  # as .gitignore: vendor/lib is ignored
    ("build", "build/x.o", True),
    ("build", "src/build/x.o", True),
    ("b[0-9].txt", "b1.txt", True),
    ("b?.txt", "b/.txt", False),
]


@pytest.mark.parametrize(("pattern", "path", "expected"), EXCLUDES)
def test_exclude_globs_match_as_gitignore_does(pattern: str, path: str, expected: bool) -> None:
    assert Globs([pattern]).excludes(path) is expected


def test_a_later_negation_re_includes() -> None:
    globs = Globs(["*.txt", "!keep.txt"])
    assert globs.excludes("a.txt")
    assert not globs.excludes("d/keep.txt")


COVERS = [
    # pattern, path, covered
    ("src/*.py", "src/a.py", True),
    ("src/*.py", "src/a/b/c.py", False),
    ("vendor/*", "vendor/x.c", True),
    ("vendor/*", "vendor/lib/x.c", False),  # fnmatch covered the whole subtree
    ("vendor/", "vendor/lib/x.c", True),
    ("vendor/**", "vendor/lib/x.c", True),
    ("vendor/*/", "vendor/lib/x.c", True),
    ("vendor/*/", "vendor/x.c", False),
    ("*.c", "a/b/x.c", True),
    ("vendor", "vendor/x.c", False),  # a name: files of that name
    ("vendor", "a/vendor", True),
    ("**/test/*", "a/test/x.py", True),
    ("**/test/*", "a/test/sub/x.py", False),
]


@pytest.mark.parametrize(("pattern", "path", "expected"), COVERS)
def test_exception_globs_cover_files(pattern: str, path: str, expected: bool) -> None:
    assert Globs([pattern]).covers(path) is expected


def test_invalid_globs() -> None:
    assert glob_error("[z-a]") is not None
    assert glob_error("!") is not None
    assert glob_error("src/**/*.py") is None
    assert not Globs(["[z-a]"]).excludes("b")  # matches nothing, never raises


def test_the_walk_excludes_with_gitignore_globs(tmp_path: Path) -> None:
    for rel in ("src/a.py", "src/a/b/c.py", "vendor/x.c", "vendor/lib/y.c", "README"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x\n", encoding="utf-8")
    result = walk(tmp_path, exclude=["src/*.py", "vendor/*"])
    assert [f.path for f in result.files] == ["README", "src/a/b/c.py"]


def test_the_listing_glob_and_its_escape(tmp_path: Path) -> None:
    # fs.glob is for licensetier's own patterns: one fnmatch pattern per directory level
    from licensetier import fs

    for rel in ("lib/python3.11/site-packages/x", "lib/a/b/site-packages/y", "v/n[1]-1.0/z"):
        (tmp_path / rel).mkdir(parents=True)
    found = fs.glob(tmp_path, "lib/python*/site-packages", tmp_path)
    assert found == [tmp_path / "lib/python3.11/site-packages"]
    assert fs.glob(tmp_path, "lib/*/site-packages", tmp_path) == found  # not lib/a/b/...
    assert fs.glob(tmp_path / "v", f"{fs.glob_escape('n[1]')}-[0-9]*", tmp_path) == [
        tmp_path / "v/n[1]-1.0"
    ]
