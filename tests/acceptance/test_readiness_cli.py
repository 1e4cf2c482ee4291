"""`licensetier readiness` and the same items in `scan`, through the real CLI on a
git repository built in tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import REPO, Run, make_git_repo

APACHE = (REPO / "LICENSE").read_text(encoding="utf-8")  # licensetier's own: Apache-2.0
MPL_HEADER = (
    "# This Source Code Form is subject to the terms of the Mozilla Public\n"
    "# License, v. 2.0. If a copy of the MPL was not distributed with this\n"
    "# file, You can obtain one at http://mozilla.org/MPL/2.0/.\n"
)


def _repo(root: Path) -> Path:
    files = {
        "LICENSE": APACHE,
        "CONTRIBUTING.md": "# Contributing\n\nSign off every commit: `git commit -s`.\n",
        "README.md": "# Acme SDK\n\nA client.\n",
        "src/acme/client.py": "def call() -> None:\n    pass\n",
        "vendor/mplthing/a.py": MPL_HEADER + "A = 1\n",
        "vendor/mplthing/b.py": MPL_HEADER + "B = 2\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return make_git_repo(root)


def test_readiness_prints_the_checklist_and_scan_the_findings(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    repo = _repo(tmp_path / "acme")
    text = run_cli("readiness", repo, "--kind", "sdk")
    assert text.exit_code == 0, text.stderr
    assert 'artifact "." (sdk, typically-open): 2 of 5 ready' in text.stdout
    assert "[x] LICENSE file with the declared license: LICENSE (Apache-2.0)" in text.stdout
    assert "[x] Contribution terms (DCO sign-off or CLA) in CONTRIBUTING: CONTRIBUTING.md: " in (
        text.stdout
    )
    assert "[ ] NOTICE file where Apache-2.0 asks for one" in text.stdout
    assert "(readiness-notice-own)" in text.stdout
    assert '        path = "vendor/mplthing"\n' in text.stdout
    assert "1 typically-open artifact, 3 items to add;" in text.stdout

    strict = run_cli("readiness", repo, "--kind", "sdk", "--format", "json", "--strict")
    assert strict.exit_code == 1
    (checklist,) = strict.json()["checklists"]
    statuses = {i["check"]: i["status"] for i in checklist["sections"][0]["items"]}
    assert statuses == {
        "license-file": "pass",
        "notice": "fail",
        "contribution-terms": "pass",
        "trademark": "fail",
        "boundary": "fail",
    }

    scan = run_cli("scan", repo, "--kind", "sdk", "--format", "json", "--no-deps")
    assert scan.exit_code == 0  # info findings and a weak-copyleft warning do not fail
    rules = sorted(f["rule"] for f in scan.json()["findings"] if f["rule"].startswith("readiness"))
    assert rules == ["readiness-mixed-directory", "readiness-notice-own", "readiness-trademark"]


def test_a_path_exception_takes_its_files_out_of_the_boundary_check(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """Files whose licenses the configuration says are data (a path exception without a
    license) are no directory "under another license"; an expired one no longer says so."""
    repo = _repo(tmp_path / "acme")

    def boundary(config: str) -> list[str]:
        (repo / "licensetier.toml").write_text(config, encoding="utf-8")
        run = run_cli("scan", repo, "--kind", "sdk", "--format", "json", "--no-deps")
        assert run.exit_code in (0, 1), run.stderr
        return [
            f["path"] for f in run.json()["findings"] if f["rule"] == "readiness-mixed-directory"
        ]

    exception = '[[exceptions]]\npath = "vendor/**"\nreason = "Fixtures of MPL headers."\n'
    assert boundary(exception) == []
    assert boundary(exception + "expires = 2020-01-01\n") == ["vendor/mplthing/a.py"]
    # an exception that names a license downgrades those findings, not the boundary
    named = exception.replace("reason", 'license = "MPL-2.0"\nreason')
    assert boundary(named) == ["vendor/mplthing/a.py"]
