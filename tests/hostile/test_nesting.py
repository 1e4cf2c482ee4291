"""License expressions nested thousands of levels deep: in ``licensetier explain``, in a
manifest's license field (package.json, pyproject.toml), in a dependency's declared
license, and in a source file's ``SPDX-License-Identifier:`` line.

Every expression passes :func:`licensetier.expressions.check_nesting` before it is
parsed: deeper than 64 levels of parentheses it is "too deeply nested: not parsed".
``explain`` exits 2 with that message; a manifest's field is a scan problem naming the
file and the line; a dependency's is an unresolved license; a source file's is a scan
problem naming the file and the line of the detection. Never a RecursionError (exit 3).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from licensetier.expressions import MAX_NESTING, ExpressionTooDeep, check_nesting, nesting
from tests.conftest import Run

DEPTH = 5000


def chain(depth: int, inner: str = "MIT") -> str:
    """``(MIT OR (MIT OR (... inner ...)))``, ``depth`` levels deep."""
    return "(MIT OR " * depth + inner + ")" * depth


def test_the_guard_counts_parentheses() -> None:
    assert nesting("MIT OR (Apache-2.0 AND (BSD-2-Clause OR ISC))") == 2
    assert nesting(")(") == 1
    check_nesting(chain(MAX_NESTING))
    with pytest.raises(ExpressionTooDeep, match=r"65 levels of parentheses, at most 64"):
        check_nesting(chain(MAX_NESTING + 1))
    with pytest.raises(ExpressionTooDeep):
        check_nesting("(" * DEPTH + "MIT")  # never closed


@pytest.mark.parametrize(
    "expression",
    [chain(DEPTH), "(" * DEPTH + "MIT" + ")" * DEPTH],
    ids=["or-chain", "parentheses"],
)
def test_explain_refuses_a_deeply_nested_expression(
    expression: str, run_cli: Callable[..., Run]
) -> None:
    run = run_cli("explain", expression)
    assert run.exit_code == 2, run.stderr
    assert "too deeply nested (5000 levels of parentheses, at most 64): not parsed" in run.stderr
    assert "Traceback" not in run.stderr


def test_manifest_license_fields_nested_deeply_are_scan_problems(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = tmp_path / "r"
    (root / "web").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "x"\nversion = "1"\nlicense = "{chain(DEPTH)}"\n', encoding="utf-8"
    )
    (root / "web" / "package.json").write_text(
        '{\n  "name": "web",\n  "version": "1.0.0",\n'
        f'  "license": "{chain(DEPTH, "Apache-2.0")}"\n}}\n',
        encoding="utf-8",
    )
    (root / "licensetier.toml").write_text(
        '[[artifacts]]\npath = "web"\nkind = "sdk"\n', encoding="utf-8"
    )
    run = run_cli("scan", root, "--kind", "sdk", "--no-deps", "--format", "json")
    assert run.exit_code in (0, 1), run.stderr
    problems = {(e["path"], e["line"]): e["message"] for e in run.json()["errors"]}
    message = "license expression too deeply nested (5000 levels of parentheses, at most 64)"
    assert set(problems) == {("pyproject.toml", 4), ("web/package.json", 4)}
    assert all(m.startswith(message) for m in problems.values())


def test_a_dependency_license_nested_deeply_is_unresolved(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    root = tmp_path / "r"
    (root / "node_modules" / "dep").mkdir(parents=True)
    (root / "package.json").write_text(
        json.dumps(
            {"name": "app", "version": "1.0.0", "license": "MIT", "dependencies": {"dep": "1"}}
        ),
        encoding="utf-8",
    )
    (root / "node_modules" / "dep" / "package.json").write_text(
        json.dumps({"name": "dep", "version": "1.0.0", "license": chain(DEPTH)}),
        encoding="utf-8",
    )
    run = run_cli("scan", root, "--kind", "sdk", "--offline", "--format", "json")
    assert run.exit_code in (0, 1), run.stderr
    (dep,) = [d for d in run.json()["dependencies"] if d["name"] == "dep"]
    assert dep["license"] is None
    assert dep["license_source"] == "unresolved"


def test_spdx_lines_nested_deeply_in_source_files(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """ScanCode parses a line a hundred or a few hundred levels deep: licensetier does
    not parse what it found, and names the file and the line in ``errors[]``. Deeper,
    ScanCode's own SPDX matcher fails to parse the line and reads it leniently, every
    identifier joined with AND (the strictest reading), which licensetier reports as
    found. No depth ends the scan, in any format."""
    root = tmp_path / "r"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\nlicense = "MIT"\n', encoding="utf-8"
    )
    for depth in (100, 300, DEPTH):
        (root / f"d{depth}.c").write_text(
            f"// SPDX-License-Identifier: {chain(depth, 'Apache-2.0')}\nint x;\n",
            encoding="utf-8",
        )
    run = run_cli("scan", root, "--kind", "sdk", "--no-deps", "--format", "json")
    assert run.exit_code in (0, 1), run.stderr
    report = run.json()
    problems = {(e["path"], e["line"]): e["message"] for e in report["errors"]}
    assert set(problems) == {("d100.c", 1), ("d300.c", 1)}
    assert "too deeply nested (99 levels" in problems[("d100.c", 1)]
    files = {f["path"]: f for f in report["files"]}
    assert set(files) == {"pyproject.toml", "d100.c", "d300.c", f"d{DEPTH}.c"}  # none dropped
    deepest = files[f"d{DEPTH}.c"]["license"]
    assert "MIT" in deepest
    assert "Apache-2.0" in deepest
    assert " OR " not in deepest
    for fmt in ("text", "markdown", "sarif", "spdx", "cyclonedx", "github"):
        other = run_cli("scan", root, "--kind", "sdk", "--no-deps", "--format", fmt)
        assert other.exit_code in (0, 1), (fmt, other.stderr)
