"""action.yml's steps in a simulated GitHub Actions runner, on real git repositories built
in tmp_path.

`run_action` below reads the composite action's `runs.steps` and does for each what the
runner does, within the little this action uses: it evaluates `if:` (only comparisons of
an input with a string, `inputs.X == 'true'`; anything else fails the test), substitutes
`${{ inputs.NAME }}` in `env:` and `run:`, runs `run:` with `bash --noprofile --norc -eo
pipefail` as `shell: bash` does, in the workspace, with GITHUB_ACTION_PATH (this
checkout), GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and RUNNER_TEMP set,
and then reads the step's outputs from GITHUB_OUTPUT and the action's outputs from
`outputs.*.value`. Input defaults are evaluated against a simulated event payload
(`github.event...`): a push by default, or a pull request with a base commit.

The input `install` is 'false' in every run: installing would pip-install licensetier
and ScanCode from the package index (the network); the licensetier console script of
this virtualenv is first on PATH instead, as setup-python and the install step would
leave it. The tests assert that the install steps are then skipped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import FIXTURES, REPO, git

ACTION_FILE = REPO / "action.yml"
AGPL_FILE = FIXTURES / "sdk-vendors-agpl" / "vendor" / "tracker" / "tracker.py"
BIN = Path(sys.executable).parent

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
INPUT_COMPARISON = re.compile(r"^inputs\.([A-Za-z0-9_-]+)\s*(==|!=)\s*'([^']*)'$")


def load_action() -> dict[str, Any]:
    action = yaml.safe_load(ACTION_FILE.read_text(encoding="utf-8"))
    assert isinstance(action, dict)
    assert action["runs"]["using"] == "composite"
    return action


# -- the simulated runner ------------------------------------------------------------------


@dataclass
class ActionRun:
    exit_code: int
    stdout: str
    stderr: str
    inputs: dict[str, str]
    outputs: dict[str, str]  # the action's, from outputs.*.value
    step_outputs: dict[str, dict[str, str]]  # by step id
    summary: str  # what the steps appended to GITHUB_STEP_SUMMARY
    ran: list[str] = field(default_factory=list)  # step names
    skipped: list[str] = field(default_factory=list)


def lookup(expression: str, context: Mapping[str, Any]) -> str:
    """The value of `inputs.X`, `github.event.A.B...` or `steps.ID.outputs.X`; a property
    of a missing object is '' as in GitHub's expressions. Anything else fails the test."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)+", expression):
        pytest.fail(f"the simulated runner does not evaluate ${{{{ {expression} }}}}")
    root, *names = expression.split(".")
    if root == "inputs" and len(names) == 1:
        if names[0] not in context["inputs"]:
            pytest.fail(f"action.yml uses an input it does not declare: {expression}")
        return str(context["inputs"][names[0]])
    if root == "steps" and len(names) == 3 and names[1] == "outputs":
        return str(context["steps"].get(names[0], {}).get(names[2], ""))
    if root == "github" and names[0] == "event":
        value: Any = context["github"]["event"]
        for name in names[1:]:
            value = value.get(name) if isinstance(value, dict) else None
        return "" if value is None else str(value)
    pytest.fail(f"the simulated runner does not evaluate ${{{{ {expression} }}}}")


def substitute(text: str, context: Mapping[str, Any]) -> str:
    return EXPRESSION.sub(lambda m: lookup(m.group(1), context), text)


def condition(expression: str, inputs: Mapping[str, str]) -> bool:
    """`if:` of a step: only `inputs.X == 'v'` or `inputs.X != 'v'`, with or without ${{ }}."""
    bare = expression.strip()
    wrapped = re.fullmatch(r"\$\{\{\s*(.*?)\s*\}\}", bare)
    if wrapped:
        bare = wrapped.group(1)
    match = INPUT_COMPARISON.fullmatch(bare)
    if not match:
        pytest.fail(f"the simulated runner does not evaluate `if: {expression}`")
    name, operator, literal = match.groups()
    if name not in inputs:
        pytest.fail(f"`if: {expression}` names an input action.yml does not declare")
    return (inputs[name] == literal) is (operator == "==")


def read_outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT: `key=value` lines, and `key<<DELIMITER` ... `DELIMITER` blocks."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            body = []
            for next_line in lines:
                if next_line == delimiter:
                    break
                body.append(next_line)
            else:
                pytest.fail(f"GITHUB_OUTPUT: {key} is not closed by {delimiter}")
            outputs[key] = "\n".join(body)
            continue
        assert "=" in line, f"GITHUB_OUTPUT line without '=': {line!r}"
        key, value = line.split("=", 1)
        outputs[key] = value
    return outputs


def run_action(
    workspace: Path,
    runner_dir: Path,
    inputs: Mapping[str, str] | None = None,
    *,
    event: Mapping[str, Any] | None = None,
) -> ActionRun:
    action = load_action()
    declared = action["inputs"]
    unknown = set(inputs or {}) - set(declared)
    assert not unknown, f"inputs action.yml does not declare: {sorted(unknown)}"
    github = {"event": dict(event or {})}
    defaults = {
        name: substitute(str(spec.get("default", "")), {"github": github, "inputs": {}})
        for name, spec in declared.items()
    }
    resolved = {**defaults, **(inputs or {})}

    runner_dir.mkdir()
    temp = runner_dir / "temp"
    temp.mkdir()
    base_env = {
        **os.environ,  # keeps LICENSETIER_CACHE_DIR and the unreachable registries of conftest
        "HOME": str(runner_dir),
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_ACTION_PATH": str(REPO),
        "GITHUB_WORKSPACE": str(workspace),
        "RUNNER_TEMP": str(temp),
        "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
    }
    context: dict[str, Any] = {"inputs": resolved, "github": github, "steps": {}}
    stdout, stderr, summaries, ran, skipped = [], [], [], [], []
    exit_code = 0
    for number, step in enumerate(action["runs"]["steps"]):
        name = step.get("name", f"step {number}")
        # after a failure, a step runs only with always() or failure(), which this
        # action does not use: the rest is skipped
        if exit_code != 0 or ("if" in step and not condition(str(step["if"]), resolved)):
            skipped.append(name)
            continue
        if "uses" in step:
            pytest.fail(f"step {name!r} would run {step['uses']}: not simulated")
        assert step.get("shell") == "bash", f"step {name!r}: shell {step.get('shell')!r}"
        output_file = runner_dir / f"output-{number}"
        summary_file = runner_dir / f"summary-{number}"
        output_file.touch()
        summary_file.touch()
        env = {
            **base_env,
            **{k: substitute(str(v), context) for k, v in step.get("env", {}).items()},
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary_file),
        }
        script = temp / f"step-{number}.sh"
        script.write_text(substitute(step["run"], context), encoding="utf-8")
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        ran.append(name)
        stdout.append(done.stdout)
        stderr.append(done.stderr)
        summaries.append(summary_file.read_text(encoding="utf-8"))
        if "id" in step:
            context["steps"][step["id"]] = read_outputs(output_file)
        exit_code = done.returncode
    outputs = {
        name: substitute(str(spec["value"]), context) for name, spec in action["outputs"].items()
    }
    return ActionRun(
        exit_code,
        "".join(stdout),
        "".join(stderr),
        resolved,
        outputs,
        context["steps"],
        "".join(summaries),
        ran,
        skipped,
    )


# -- repositories --------------------------------------------------------------------------


@dataclass
class Branch:
    """sdk-npm-dependencies (an AGPL transitive dependency, a dev GPL one), then a branch
    whose commit adds src/tracker.py under the AGPL."""

    repo: Path
    base: str
    runner: Path


@pytest.fixture
def branch(tmp_path: Path) -> Branch:
    repo = tmp_path / "workspace"
    shutil.copytree(FIXTURES / "sdk-npm-dependencies", repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "feature")
    shutil.copyfile(AGPL_FILE, repo / "src" / "tracker.py")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "add a tracker")
    return Branch(repo, base, tmp_path / "runner")


# actions/cache is not simulated: the cache steps are skipped, the keys step still runs
OFFLINE = {"install": "false", "offline": "true", "cache": "false"}
PUSH: dict[str, Any] = {}  # a push event: no pull_request in the payload


def workflow_commands(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("::")]


def lockfile_line(repo: Path, key: str) -> int:
    lines = (repo / "package-lock.json").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.strip().startswith(f'"{key}"'))


TRACKER_ERROR = "::error file=src/tracker.py,line=3,title=component-copyleft-network::"


def netcore_error(repo: Path) -> str:
    line = lockfile_line(repo, "node_modules/netcore")
    return f"::error file=package-lock.json,line={line},title=dependency-copyleft-network::"


def sarif_ok(path: Path) -> dict[str, Any]:
    assert path.is_file(), path
    sarif = json.loads(path.read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    return sarif  # type: ignore[no-any-return]


# -- the action's shape ------------------------------------------------------------------


def test_the_actions_used_are_setup_python_and_cache_and_the_runner_handles_every_step() -> None:
    action = load_action()
    steps = action["runs"]["steps"]
    uses = sorted(step["uses"].split("@")[0] for step in steps if "uses" in step)
    assert uses == ["actions/cache", "actions/cache", "actions/setup-python"]
    for step in steps:
        assert ("uses" in step) != ("run" in step), step
        if "if" in step:  # the simulated runner evaluates it, or fails
            condition(str(step["if"]), {name: "" for name in action["inputs"]})
    # every output comes from the scan step
    for spec in action["outputs"].values():
        assert re.fullmatch(r"\$\{\{ steps\.scan\.outputs\.[a-z-]+ \}\}", spec["value"])
    assert [step.get("id") for step in steps].count("scan") == 1


def test_the_diff_base_defaults_to_the_pull_request_base() -> None:
    declared = load_action()["inputs"]
    context = {"inputs": {}, "github": {"event": {"pull_request": {"base": {"sha": "abc123"}}}}}
    assert substitute(declared["diff-base"]["default"], context) == "abc123"
    assert (
        substitute(declared["diff-base"]["default"], {"inputs": {}, "github": {"event": {}}}) == ""
    )


# -- runs -----------------------------------------------------------------------------------


def assert_install_skipped(run: ActionRun) -> None:
    steps = load_action()["runs"]["steps"]
    install = [
        step.get("name") for step in steps if "uses" in step or "pip install" in step.get("run", "")
    ]
    assert install, "action.yml has no install steps any more: update this test"
    assert set(install) <= set(run.skipped), (install, run.skipped)
    assert run.ran == ["Cache keys", "Scan"]


def test_whole_repository_fails_with_annotations_summary_outputs_and_sarif(
    branch: Branch,
) -> None:
    # a push: the default diff-base (the pull request's base) is empty
    run = run_action(branch.repo, branch.runner, OFFLINE, event=PUSH)

    assert run.inputs["diff-base"] == ""
    assert_install_skipped(run)
    assert run.exit_code == 1, run.stderr
    found = workflow_commands(run.stdout)
    assert sum(line.startswith(TRACKER_ERROR) for line in found) == 1, found
    assert sum(line.startswith(netcore_error(branch.repo)) for line in found) == 1, found
    assert [line.split(" ", 1)[0] for line in found].count("::error") == 2
    assert any(
        line.startswith("::warning file=package.json,")
        and "title=dependency-copyleft-strong::" in line
        for line in found
    ), found

    # the job summary is the Markdown report, with its counts
    assert "licensetier: 2 errors, 1 warning" in run.summary
    assert "| errors | 2 |" in run.summary
    assert "| warnings | 1 |" in run.summary
    assert "| dependencies | 5 |" in run.summary
    assert "src/tracker.py" in run.summary

    assert run.outputs == {
        "errors": "2",
        "warnings": "1",
        "existing": "0",
        "dependencies": "5",
        "sarif-file": "licensetier.sarif",
        "exit-code": "1",
    }
    sarif = sarif_ok(branch.repo / "licensetier.sarif")
    results = [r for run_ in sarif["runs"] for r in run_["results"]]
    rule_ids = sorted(r["ruleId"] for r in results if r.get("level", "warning") == "error")
    assert rule_ids == ["component-copyleft-network", "dependency-copyleft-network"]


def test_with_a_diff_base_only_the_new_file_fails(branch: Branch) -> None:
    # a pull request: diff-base defaults to its base commit
    event = {"pull_request": {"base": {"sha": branch.base}}}
    run = run_action(branch.repo, branch.runner, OFFLINE, event=event)

    assert run.inputs["diff-base"] == branch.base
    assert_install_skipped(run)
    assert run.exit_code == 1, run.stderr
    found = workflow_commands(run.stdout)
    errors = [line for line in found if line.startswith("::error ")]
    assert len(errors) == 1, found
    assert errors[0].startswith(TRACKER_ERROR)
    assert not any(line.startswith("::error file=package-lock.json") for line in found), found
    assert not any(line.startswith("::warning file=package.json") for line in found), found
    assert run.outputs["errors"] == "1"
    assert run.outputs["warnings"] == "0"
    assert int(run.outputs["existing"]) >= 1
    # the AGPL dependency error, the dev GPL warning and the open-readiness infos (no
    # CONTRIBUTING, no trademark statement)
    assert run.outputs["existing"] == "4"
    assert run.outputs["exit-code"] == "1"
    # the job summary counts what fails and folds what existed before
    assert "licensetier: 1 error, 0 warnings, 4 existing before" in run.summary
    assert "Existing before: listed, not failing (4)" in run.summary


def test_fail_on_never_passes_with_the_same_findings(branch: Branch) -> None:
    run = run_action(branch.repo, branch.runner, {**OFFLINE, "fail-on": "never"}, event=PUSH)

    assert_install_skipped(run)
    assert run.exit_code == 0, run.stderr
    found = workflow_commands(run.stdout)
    assert sum(line.startswith(TRACKER_ERROR) for line in found) == 1, found
    assert sum(line.startswith(netcore_error(branch.repo)) for line in found) == 1, found
    assert run.outputs["errors"] == "2"
    assert run.outputs["warnings"] == "1"
    assert run.outputs["exit-code"] == "0"
    assert "licensetier: 2 errors, 1 warning" in run.summary


def test_no_sarif_when_it_is_turned_off(branch: Branch) -> None:
    run = run_action(branch.repo, branch.runner, {**OFFLINE, "sarif": "false"}, event=PUSH)

    assert_install_skipped(run)
    assert run.exit_code == 1, run.stderr
    assert not (branch.repo / "licensetier.sarif").exists()
    assert list(branch.repo.rglob("*.sarif")) == []
    assert run.outputs["sarif-file"] == ""
    assert run.step_outputs["scan"]["sarif-file"] == ""  # set, and empty
    assert run.outputs["errors"] == "2"


def test_a_bad_diff_base_is_a_usage_error(branch: Branch) -> None:
    inputs = {**OFFLINE, "diff-base": "no-such-ref"}
    run = run_action(branch.repo, branch.runner, inputs, event=PUSH)

    assert_install_skipped(run)
    assert run.exit_code == 2, run.stdout + run.stderr
    assert "no-such-ref" in run.stderr
    assert "'no-such-ref' is not a commit" in run.stderr
    assert run.outputs["exit-code"] == "2"
    assert run.outputs["errors"] == ""  # no report was written
    assert run.outputs["sarif-file"] == ""
    assert not (branch.repo / "licensetier.sarif").exists()
    assert workflow_commands(run.stdout) == []


# -- caches ------------------------------------------------------------------------------


def test_pip_and_the_detection_cache_are_cached_per_licensetier_version(tmp_path: Path) -> None:
    steps = load_action()["runs"]["steps"]
    caches = {step["name"]: step for step in steps if "uses" in step and "cache" in step["uses"]}
    assert set(caches) == {"Cache pip downloads", "Cache license detection"}
    pip, detection = caches["Cache pip downloads"], caches["Cache license detection"]
    assert pip["if"] == "inputs.install == 'true'"
    assert detection["if"] == "inputs.cache == 'true'"
    names = [step.get("name") for step in steps]
    # pip's cache is restored before the install, the detection cache before the scan
    assert names.index("Cache pip downloads") < names.index("Install licensetier")
    assert names.index("Cache license detection") < names.index("Scan")
    scan_step = next(step for step in steps if step.get("id") == "scan")
    assert scan_step["env"]["LICENSETIER_CACHE_DIR"] == "${{ steps.keys.outputs.cache-dir }}"

    # the keys step, run as the runner runs it
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    run = run_action(
        workspace,
        tmp_path / "runner",
        {**OFFLINE, "python-version": "3.12"},
        event=PUSH,
    )
    keys = run.step_outputs["keys"]
    from licensetier import __version__

    assert keys["version"] == __version__
    assert keys["pip-key"].startswith(f"licensetier-{__version__}-")
    assert keys["pip-key"].endswith("-py3.12-pip")
    restore = keys["cache-restore"]
    assert restore.startswith(f"licensetier-{__version__}-")
    assert keys["cache-key"].startswith(restore)
    assert keys["cache-key"] != restore
    assert keys["cache-dir"] == os.environ["LICENSETIER_CACHE_DIR"]
    # with the cache step's inputs, the step's `with:` resolves to these values
    context = {"inputs": run.inputs, "github": {"event": {}}, "steps": run.step_outputs}
    assert substitute(detection["with"]["key"], context) == keys["cache-key"]
    assert substitute(detection["with"]["path"], context) == keys["cache-dir"]
    assert substitute(pip["with"]["key"], context) == keys["pip-key"]


# -- a sub-folder, and a shallow checkout of a pull request ---------------------------------


@dataclass
class Shallow:
    """A repository whose SDK is the sub-folder pkg/ (a package.json without a license),
    and a pull request adding pkg/src/vendor/tracker.py under the AGPL, checked out as
    actions/checkout does by default: `git clone --depth 1`, without the base commit."""

    origin: Path
    workspace: Path
    base: str
    tmp: Path
    base_branch: str = "master"


@pytest.fixture(scope="module")
def shallow(tmp_path_factory: pytest.TempPathFactory) -> Shallow:
    tmp = tmp_path_factory.mktemp("shallow")
    origin = tmp / "origin"
    (origin / "pkg" / "src" / "vendor").mkdir(parents=True)
    (origin / "pkg" / "package.json").write_text(
        '{"name": "pkg", "version": "1.0.0"}\n', encoding="utf-8"
    )
    (origin / "pkg" / "src" / "app.js").write_text("export const x = 1;\n", encoding="utf-8")
    git(origin, "init", "-q")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "base")
    base = git(origin, "rev-parse", "HEAD").strip()
    base_branch = git(origin, "rev-parse", "--abbrev-ref", "HEAD").strip()
    git(origin, "tag", "v1.0")
    git(origin, "checkout", "-q", "-b", "feature")
    shutil.copyfile(AGPL_FILE, origin / "pkg" / "src" / "vendor" / "tracker.py")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "add a tracker")
    workspace = tmp / "workspace"
    git(tmp, "clone", "-q", "--depth", "1", "--branch", "feature", origin.as_uri(), str(workspace))
    assert git(workspace, "rev-parse", "--is-shallow-repository").strip() == "true"
    missing = subprocess.run(
        ["git", "cat-file", "-e", f"{base}^{{commit}}"], cwd=workspace, check=False
    )
    assert missing.returncode != 0  # the base is not in the checkout
    return Shallow(origin, workspace, base, tmp, base_branch)


def test_a_shallow_pull_request_in_a_sub_folder(shallow: Shallow) -> None:
    event = {"pull_request": {"base": {"sha": shallow.base}}}
    inputs = {**OFFLINE, "path": "pkg", "kind": "sdk", "fail-on": "error"}
    run = run_action(shallow.workspace, shallow.tmp / "runner-pr", inputs, event=event)

    assert run.exit_code == 1, run.stdout + run.stderr
    # the base was fetched (one commit), and the new file is the only new error
    assert git(shallow.workspace, "cat-file", "-t", shallow.base).strip() == "commit"
    found = workflow_commands(run.stdout)
    errors = [line for line in found if line.startswith("::error ")]
    assert len(errors) == 1, found
    # paths from the repository's top, not from pkg/
    assert errors[0].startswith(
        "::error file=pkg/src/vendor/tracker.py,line=3,title=component-copyleft-network::"
    ), errors
    # no license declared: there at the base already, with the open-readiness infos (no
    # CONTRIBUTING, no trademark statement)
    assert run.outputs["existing"] == "3"

    sarif = sarif_ok(shallow.workspace / "licensetier.sarif")
    [sarif_run] = sarif["runs"]
    top = sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert top == shallow.workspace.resolve().as_uri() + "/"
    located = {
        r["ruleId"]: r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif_run["results"]
    }
    assert located == {
        "component-copyleft-network": "pkg/src/vendor/tracker.py",
        # the artifact without a license: anchored on its manifest, where the fix goes
        "declared-none": "pkg/package.json",
        # its open-readiness items (docs/strategy.md section 4), placed the same way
        "readiness-contributing": "pkg/package.json",
        "readiness-trademark": "pkg/package.json",
    }


def test_a_shallow_checkout_whose_base_cannot_be_fetched_says_what_to_do(
    shallow: Shallow,
) -> None:
    gone = "0123456789abcdef0123456789abcdef01234567"  # in no repository
    event = {"pull_request": {"base": {"sha": gone}}}
    inputs = {**OFFLINE, "path": "pkg", "kind": "sdk"}
    run = run_action(shallow.workspace, shallow.tmp / "runner-gone", inputs, event=event)

    assert run.exit_code == 2, run.stdout + run.stderr
    assert f"'{gone}' is not a commit" in run.stderr
    assert "the checkout is shallow" in run.stderr
    assert "fetch-depth: 0" in run.stderr
    assert run.outputs["errors"] == ""  # no scan ran: the base was checked first
    assert workflow_commands(run.stdout) == []


def test_the_base_fetch_runs_nothing_the_repository_configures(shallow: Shallow) -> None:
    from licensetier import vcs

    clone = shallow.tmp / "configured"
    git(
        shallow.tmp,
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "feature",
        shallow.origin.as_uri(),
        str(clone),
    )
    marker = shallow.tmp / "ran"
    # a local upload program and a reference-transaction hook of the repository's own
    git(clone, "config", "remote.origin.uploadpack", f"touch {marker}; git-upload-pack")
    hooks = clone / ".git" / "hooks"
    (hooks / "reference-transaction").write_text(f"#!/bin/sh\ntouch {marker}\n")
    (hooks / "reference-transaction").chmod(0o755)
    repo = vcs.find_repository(clone)
    assert repo is not None

    assert vcs.base_commit(repo, shallow.base) == shallow.base
    assert not marker.exists()


@pytest.mark.parametrize("form", ["{b}", "origin/{b}", "refs/heads/{b}", "refs/tags/v1.0"])
def test_a_named_base_missing_from_a_shallow_checkout_is_fetched(
    shallow: Shallow, tmp_path: Path, form: str
) -> None:
    """`diff-base: main` (or origin/main, a tag) in a workflow whose checkout holds one
    commit of one branch: the branch or tag is fetched from origin, one commit deep."""
    from licensetier import vcs

    clone = tmp_path / "clone"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "feature",
        shallow.origin.as_uri(),
        str(clone),
    )
    repo = vcs.find_repository(clone)
    assert repo is not None
    ref = form.format(b=shallow.base_branch)
    with pytest.raises(vcs.GitError):
        vcs.resolve_commit(repo, ref)  # not in the checkout

    assert vcs.base_commit(repo, ref) == shallow.base


def test_a_base_that_is_no_ref_name_is_not_fetched(shallow: Shallow, tmp_path: Path) -> None:
    from licensetier import vcs

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", shallow.origin.as_uri(), str(clone))
    repo = vcs.find_repository(clone)
    assert repo is not None
    for bad in ("main..feature", "a:b", "--upload-pack=touch x", "no such branch"):
        with pytest.raises(vcs.GitError, match="not a branch or tag name"):
            vcs.base_commit(repo, bad)
