"""The manifests AI repositories use, read as data: a conda environment file (its
conda packages and its pip: section), setup.py (never run) and setup.cfg, a Gemfile and
a gemspec's dependencies, and pip's URL and VCS requirements (listed, with a note)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from licensetier.deps import discover
from licensetier.deps.base import Declared, Ecosystem, Environment, Scope, purl
from licensetier.deps.conda import CondaMetaLocator, parse_environment, parse_spec
from licensetier.deps.python import DIRECT_REFERENCE, requirement_line
from licensetier.deps.ruby import gemspec_dependencies, parse_gemfile
from licensetier.errors import ManifestError
from licensetier.readers.routes import dependency_route
from licensetier.readers.setup_cfg import read_dependencies as read_setup_cfg
from licensetier.readers.setup_py import read_dependencies as read_setup_py
from tests.conftest import Run

RUN, DEV, OPT = Scope.RUNTIME, Scope.DEVELOPMENT, Scope.OPTIONAL


def rows(found: list[Declared]) -> list[tuple[object, ...]]:
    return [(d.ecosystem.value, d.name, d.version, d.exact, d.scope, d.line) for d in found]


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# -- routing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ecosystem"),
    [
        ("environment.yml", Ecosystem.CONDA),
        ("environment.yaml", Ecosystem.CONDA),
        ("environment-cuda.yml", Ecosystem.CONDA),
        ("gpu_environment.yaml", Ecosystem.CONDA),
        ("conda.yml", Ecosystem.CONDA),
        ("conda-cpu.yaml", Ecosystem.CONDA),
        ("setup.py", Ecosystem.PYPI),
        ("setup.cfg", Ecosystem.PYPI),
        ("Gemfile", Ecosystem.GEM),
        ("gems.rb", Ecosystem.GEM),
        ("demo.gemspec", Ecosystem.GEM),
        ("environments.yml", None),
        ("Gemfile.bak", None),
    ],
)
def test_routes(name: str, ecosystem: Ecosystem | None) -> None:
    route = dependency_route(name)
    assert (route.ecosystem if route else None) is ecosystem


# -- conda -------------------------------------------------------------------------------

ENVIRONMENT = """\
name: ldm
channels:
  - pytorch
  - defaults
dependencies:
  - python=3.8.5
  - pytorch::pytorch>=2.1
  - numpy==1.26.4
  - scipy=1.11.4=py311h64a7726_0
  - libgcc 13.2.0 h807b86a_5
  - cudatoolkit
  - pip:
    - albumentations==0.4.3
    - -e git+https://github.com/CompVis/taming-transformers.git@master#egg=taming-transformers
    - git+https://github.com/openai/CLIP.git
    - -e .
    - -r requirements.txt
    - transformers>=4.19
"""


def test_conda_environment_and_its_pip_section(tmp_path: Path) -> None:
    path = write(tmp_path, {"environment.yml": ENVIRONMENT}) / "environment.yml"
    found = parse_environment(path, "environment.yml")
    assert rows(found) == [
        ("conda", "python", "=3.8.5", False, RUN, 6),  # conda reads =3.8.5 as 3.8.5.*
        ("conda", "pytorch", ">=2.1", False, RUN, 7),
        ("conda", "numpy", "1.26.4", True, RUN, 8),
        ("conda", "scipy", "1.11.4", True, RUN, 9),  # conda env export: name=version=build
        ("conda", "libgcc", "13.2.0", True, RUN, 10),  # name version build
        ("conda", "cudatoolkit", None, False, RUN, 11),
        ("pypi", "albumentations", "0.4.3", True, RUN, 13),
        (
            "pypi",
            "taming-transformers",
            "git+https://github.com/CompVis/taming-transformers.git@master#egg=taming-transformers",
            False,
            RUN,
            14,
        ),
        ("pypi", "CLIP", "git+https://github.com/openai/CLIP.git", False, RUN, 15),
        ("pypi", "transformers", ">=4.19", False, RUN, 18),
    ]
    pytorch = found[1]
    assert pytorch.qualifiers == (("channel", "pytorch"),)
    assert purl(Ecosystem.CONDA, "pytorch", "2.1.0", None, pytorch.qualifiers) == (
        "pkg:conda/pytorch@2.1.0?channel=pytorch"
    )
    assert found[7].note == DIRECT_REFERENCE
    assert found[8].note == DIRECT_REFERENCE + "; its name is read from the URL"
    assert found[0].note is not None
    assert "not looked up online" in found[0].note


def test_conda_file_named_for_development_and_files_that_are_no_environment(
    tmp_path: Path,
) -> None:
    write(tmp_path, {"environment-dev.yml": "dependencies:\n  - pytest\n"})
    (found,) = parse_environment(tmp_path / "environment-dev.yml", "environment-dev.yml")
    assert (found.name, found.scope) == ("pytest", DEV)
    write(tmp_path, {"environment.yml": "production:\n  url: https://example.invalid\n"})
    assert parse_environment(tmp_path / "environment.yml", "environment.yml") == []


def test_conda_bad_input_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, {"environment.yml": "dependencies:\n  - numpy\n  - [oops\n"})
    with pytest.raises(ManifestError) as caught:
        parse_environment(tmp_path / "environment.yml", "environment.yml")
    assert caught.value.path == "environment.yml"
    assert caught.value.line is not None
    assert str(caught.value).startswith("not valid YAML")
    # a bad entry is a note; the other entries are kept
    text = "dependencies:\n  - numpy\n  - {conda: x}\n  - pip:\n    - flask>=>3\n  - 'bad spec!'\n"
    write(tmp_path, {"environment.yml": text})
    found = parse_environment(tmp_path / "environment.yml", "environment.yml")
    assert [d.name for d in found] == ["numpy"]
    notes = getattr(found, "notes", [])
    assert [(n.path, n.line) for n in notes] == [
        ("environment.yml", 3),
        ("environment.yml", 5),
        ("environment.yml", 6),
    ]


def test_conda_spec_forms() -> None:
    spec = parse_spec("conda-forge/linux-64::cudnn 8.9.*", "e.yml", 1)
    assert (spec.name, spec.version, spec.exact, spec.qualifiers) == (
        "cudnn",
        "8.9.*",
        False,
        (("channel", "conda-forge"),),
    )
    assert parse_spec("numpy>=1.24,<2  # comment", "e.yml", 1).version == ">=1.24,<2"


def conda_env(root: Path) -> Path:
    meta = root / "conda-meta"
    meta.mkdir(parents=True)
    record = {"name": "numpy", "version": "1.26.4", "build": "py311_0", "license": "BSD-3-Clause"}
    (meta / "numpy-1.26.4-py311_0.json").write_text(json.dumps(record))
    record = {"name": "python-dateutil", "version": "2.9.0", "build": "pyhd8ed1ab_0"}
    (meta / "python-dateutil-2.9.0-pyhd8ed1ab_0.json").write_text(json.dumps(record))
    (meta / "history").write_text("")
    return root


def test_conda_meta_locator(tmp_path: Path) -> None:
    prefix = conda_env(tmp_path / "envs" / "ldm")
    for env in (
        Environment(root=tmp_path / "repo", conda_prefix=prefix),
        Environment(root=tmp_path / "repo", python_envs=(prefix,)),
    ):
        locator = CondaMetaLocator(env)
        evidence = locator.find("NumPy", None)
        assert evidence is not None
        assert (evidence.license, evidence.version, evidence.field) == (
            "BSD-3-Clause",
            "1.26.4",
            "license",
        )
        assert locator.find("numpy", "1.26.4") is not None
        assert locator.find("numpy", "2.0.0") is None  # another version: not this one
        dateutil = locator.find("python-dateutil", None)
        assert dateutil is not None
        assert dateutil.license is None
    assert CondaMetaLocator(Environment(root=tmp_path)).find("numpy", None) is None


# -- setup.py and setup.cfg --------------------------------------------------------------


def setup_py(marker: Path) -> str:
    return f"""\
import pathlib
from setuptools import setup
pathlib.Path({str(marker)!r}).write_text("setup.py ran")

REQUIRED = [
    "numpy>=1.20",
    "torch==2.1.0",
]
BASE: list[str] = ["tqdm"]

def reqs():
    return open("requirements.txt").read().splitlines()

if __name__ == "__main__":
    setup(
        name="demo",
        license="MIT",
        install_requires=REQUIRED + BASE + ["clip @ git+https://github.com/openai/CLIP.git"],
        extras_require={{
            "dev": ["pytest>=7", "demo[all]"],
            "onnx": "onnxruntime\\nonnx>=1.14",
            ":python_version<'3.8'": ["importlib-metadata"],
            "all": reqs(),
        }},
        tests_require=reqs(),
        setup_requires=["cython", 42],
    )
"""


def test_setup_py_read_from_the_syntax_tree_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    root = write(tmp_path / "repo", {"setup.py": setup_py(marker)})
    groups, errors = discover.read_manifests(root, ["setup.py"])
    assert not marker.exists()  # never executed
    (group,) = groups
    assert rows([d for _, d in group.entries]) == [
        ("pypi", "numpy", ">=1.20", False, RUN, 6),
        ("pypi", "torch", "2.1.0", True, RUN, 7),
        ("pypi", "tqdm", None, False, RUN, 9),
        ("pypi", "clip", "git+https://github.com/openai/CLIP.git", False, RUN, 18),
        ("pypi", "pytest", ">=7", False, DEV, 20),  # "demo[all]" is the project itself
        ("pypi", "onnxruntime", None, False, OPT, 21),
        ("pypi", "onnx", ">=1.14", False, OPT, 22),
        ("pypi", "importlib-metadata", None, False, RUN, 22),
        ("pypi", "cython", None, False, DEV, 26),
    ]
    assert [(e.path, e.line, e.message.split(" could")[0]) for e in errors] == [
        ("setup.py", 23, "extras_require['all'] of setup(...)"),
        ("setup.py", 25, "tests_require of setup(...)"),
        ("setup.py", 26, "setup_requires of setup(...)"),
    ]
    assert "licensetier never runs setup.py" in errors[0].message


def test_setup_py_names_assigned_twice_are_not_static(tmp_path: Path) -> None:
    text = "from setuptools import setup\nR = ['a']\nR = ['b']\nsetup(install_requires=R)\n"
    path = write(tmp_path, {"setup.py": text}) / "setup.py"
    found = read_setup_py(path, "setup.py")
    assert list(found) == []
    assert [(n.line, "'R' is not a module-level literal" in str(n)) for n in found.notes] == [
        (4, True)
    ]


def test_setup_py_not_python(tmp_path: Path) -> None:
    path = write(tmp_path, {"setup.py": "setup(\n  install_requires=[\n"}) / "setup.py"
    with pytest.raises(ManifestError) as caught:
        read_setup_py(path, "setup.py")
    assert caught.value.path == "setup.py"
    assert caught.value.line is not None


SETUP_CFG = """\
[metadata]
name = demo-cfg
license = MIT

[options]
packages = find:
install_requires =
    requests>=2.0
    # a comment
    tqdm ; python_version >= "3.8"
tests_require = pytest
setup_requires = file: requirements-build.txt

[options.extras_require]
docs =
    sphinx==7.2.0
gpu = cupy
all = demo-cfg[gpu]
"""


def test_setup_cfg(tmp_path: Path) -> None:
    path = write(tmp_path, {"setup.cfg": SETUP_CFG}) / "setup.cfg"
    found = read_setup_cfg(path, "setup.cfg")
    assert rows(found) == [
        ("pypi", "requests", ">=2.0", False, RUN, 8),
        ("pypi", "tqdm", None, False, RUN, 10),
        ("pypi", "pytest", None, False, DEV, 11),
        ("pypi", "sphinx", "7.2.0", True, DEV, 16),
        ("pypi", "cupy", None, False, OPT, 17),
    ]
    (note,) = found.notes
    assert (note.path, note.line) == ("setup.cfg", 12)
    assert "'file: requirements-build.txt' is not followed" in str(note)


# -- pip URL and VCS requirements ---------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name", "guessed"),
    [
        ("git+https://github.com/openai/CLIP.git", "CLIP", True),
        ("-e git+https://github.com/x/y.git@v1#egg=devtool", "devtool", False),
        ("--editable=git+ssh://git@github.com/x/tool.git@main#egg=tool", "tool", False),
        ("https://example.invalid/whl/torch-2.1.0%2Bcu118-cp310-linux_x86_64.whl", "torch", False),
        ("https://example.invalid/pkg-1.2.3.tar.gz", "pkg", False),
        ("clip @ git+https://github.com/openai/CLIP.git@a1d0717", "clip", False),
        ("-e .", None, False),
        ("./libs/local", None, False),
        ("git+file:///srv/checkouts/x", None, False),
        ("x @ file:///opt/x", None, False),
    ],
)  # fmt: skip
def test_url_and_vcs_requirements(line: str, name: str | None, guessed: bool) -> None:
    found = requirement_line(line, "requirements.txt", 3, RUN)
    if name is None:
        assert found is None
        return
    assert found is not None
    assert (found.name, found.exact, found.line) == (name, False, 3)
    assert found.version is not None
    assert "://" in found.version
    assert found.note == DIRECT_REFERENCE + ("; its name is read from the URL" if guessed else "")


# -- Gemfile and gemspec ------------------------------------------------------------------

GEMFILE = """\
source "https://gems.example.invalid"
git_source(:github) { |repo| "https://github.com/#{repo}.git" }
ruby "3.3.0"
gemspec

gem "rails", "~> 7.1.0"
gem 'pg', '>= 0.18', '< 2.0' # database
gem "puma", require: false
gem "sidekiq", github: "sidekiq/sidekiq", branch: "main"
gem "local_thing", path: "../local"
gem "bootsnap", ">= 1.4.4",
    require: false
gem name_from_var

group :development, :test do
  gem "rspec-rails"
  if ENV["X"]
    gem "pry"
  end
end
group :production do
  gem "lograge"
end
path "vendor/gems" do
  gem "vendored_one"
end
group :maintenance, optional: true do
  gem "rubocop-packaging", require: false
end
gem "rubocop", group: :development
gem "tzinfo-data", platforms: %i[ windows jruby ]
"""


def test_gemfile_read_as_data(tmp_path: Path) -> None:
    path = write(tmp_path, {"Gemfile": GEMFILE}) / "Gemfile"
    found = parse_gemfile(path, "Gemfile")
    assert rows(found) == [
        ("gem", "rails", "~> 7.1.0", False, RUN, 6),
        ("gem", "pg", ">= 0.18, < 2.0", False, RUN, 7),
        ("gem", "puma", None, False, RUN, 8),
        ("gem", "sidekiq", "github: sidekiq/sidekiq@main", False, RUN, 9),
        ("gem", "bootsnap", ">= 1.4.4", False, RUN, 11),
        ("gem", "rspec-rails", None, False, DEV, 16),
        ("gem", "pry", None, False, DEV, 18),
        ("gem", "lograge", None, False, RUN, 22),
        ("gem", "rubocop-packaging", None, False, OPT, 28),
        ("gem", "rubocop", None, False, DEV, 30),
        ("gem", "tzinfo-data", None, False, RUN, 31),
    ]
    assert found[3].note == "a github source: not a registry package"
    (note,) = found.notes
    assert (note.path, note.line) == ("Gemfile", 13)
    assert str(note).startswith("the gem's name is not a literal")


def test_gemspec_dependencies() -> None:
    text = """\
Gem::Specification.new do |spec|
  spec.name = "demo"
  spec.license = "MIT"
  spec.add_dependency "rack", ">= 2.0", "< 4"
  spec.add_runtime_dependency("json", ["~> 2.0"])
  spec.add_development_dependency "minitest", "~> 5.0"
  # spec.add_dependency "commented"
  spec.add_dependency(name)
end
"""
    found = gemspec_dependencies(text, "demo.gemspec")
    assert rows(found) == [
        ("gem", "rack", ">= 2.0, < 4", False, RUN, 4),
        ("gem", "json", "~> 2.0", False, RUN, 5),
        ("gem", "minitest", "~> 5.0", False, DEV, 6),
    ]
    assert [n.line for n in found.notes] == [8]


GEMFILE_LOCK = """\
PATH
  remote: .
  specs:
    demo (1.0.0)
      rack (>= 2.0)

GEM
  remote: https://gems.example.invalid/
  specs:
    minitest (5.22.3)
    rack (3.0.11)
    rake (13.2.1)

PLATFORMS
  ruby

DEPENDENCIES
  demo!
  minitest (~> 5.0)
  rake

BUNDLED WITH
   2.5.9
"""


def test_gemfile_and_gemspec_pinned_by_the_lock(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "Gemfile": 'source "https://gems.example.invalid"\ngemspec\n'
            'group :test do\n  gem "rake"\nend\n',
            "demo.gemspec": 'Gem::Specification.new do |s|\n  s.add_dependency "rack", ">= 2.0"\n'
            '  s.add_development_dependency "minitest", "~> 5.0"\nend\n',
            "Gemfile.lock": GEMFILE_LOCK,
        },
    )
    groups, errors = discover.read_manifests(root, ["Gemfile", "Gemfile.lock", "demo.gemspec"])
    assert errors == []
    (group,) = groups
    found = sorted(
        (f.declared.name, f.declared.version, f.locked, f.direct, f.scope, f.manifest)
        for f in discover.combine(group)
    )
    assert found == [
        ("minitest", "5.22.3", True, True, DEV, "demo.gemspec"),
        ("rack", "3.0.11", True, True, RUN, "demo.gemspec"),
        ("rake", "13.2.1", True, True, DEV, "Gemfile"),
    ]


# -- through the CLI -----------------------------------------------------------------------


def test_cli_lists_every_manifest_kind_and_reads_conda_meta(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    marker = tmp_path / "ran.txt"
    root = write(
        tmp_path / "repo",
        {
            "environment.yml": ENVIRONMENT,
            "setup.py": setup_py(marker),
            "Gemfile": 'gem "rails", "~> 7.1"\n',
        },
    )
    prefix = conda_env(tmp_path / "envs" / "ldm")
    run = run_cli("deps", root, "--offline", "--format", "json", "--python-env", prefix)
    assert run.exit_code == 0, run.stderr
    assert not marker.exists()
    report = run.json()
    by_name = {(d["ecosystem"], d["name"]): d for d in report["dependencies"]}
    numpy = by_name[("conda", "numpy")]
    assert (numpy["license"], numpy["license_source"], numpy["purl"]) == (
        "BSD-3-Clause",
        "installed",
        "pkg:conda/numpy@1.26.4",
    )
    assert numpy["license_where"].endswith("conda-meta/numpy-1.26.4-py311_0.json")
    pytorch = by_name[("conda", "pytorch")]
    assert pytorch["license_source"] == "unresolved"
    assert pytorch["purl"] == "pkg:conda/pytorch?channel=pytorch"
    assert "conda packages are not looked up online" in pytorch["reason"]
    clip = by_name[("pypi", "CLIP")]
    assert (clip["version"], clip["exact"]) == ("git+https://github.com/openai/CLIP.git", False)
    assert clip["reason"].startswith(DIRECT_REFERENCE)
    assert by_name[("gem", "rails")]["version"] == "~> 7.1"
    assert by_name[("pypi", "torch")]["manifest"] == "setup.py"
    assert {e["path"] for e in report["errors"]} == {"setup.py"}
