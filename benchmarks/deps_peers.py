"""licensetier's dependency licenses against two peers, side by side on the same trees.

Usage::

    .venv/bin/python benchmarks/deps_peers.py --work /tmp/lt-peers [--json OUT]

a. **Python**, two environments: one of 110 distributions installed from
   ``benchmarks/peers/python-requirements.txt`` (pinned, binary wheels only), and the
   environment this script runs in (licensetier's own, ScanCode's dependencies among
   them). Each is read by pip-licenses 5.5.5 (``--python ENV --from mixed --format
   json``) and by ``licensetier deps`` on a directory whose ``requirements.txt`` pins
   every distribution of that environment (``--python-env ENV --offline``).
b. **npm:** ``node_modules`` of ``benchmarks/peers/npm`` (a pinned package-lock.json of
   496 packages) from ``npm ci --ignore-scripts``, read by license-checker-rseidelsohn
   4.4.2 (the maintained fork of license-checker; ``--json --start DIR``) and by
   ``licensetier deps DIR --offline``.
c. **ScanCode's package detection** (``scancode --package --json OUT -n 1 TREE``, the
   ScanCode installed beside licensetier) on the same trees: the pinned environment's
   directory and the npm tree. Its ``packages[]`` (an installed distribution's
   ``METADATA``, each ``node_modules`` ``package.json``) are compared by purl name and
   version with licensetier's; its ``declared_license_expression_spdx`` is its answer,
   unknown when empty or when it is only ScanCode's unknown-license reference.

Both sides run offline on the same tree in one run; licensetier runs twice, with an
empty cache and then warm. The environments and tools are built under ``--work`` the
first time (with this machine's pip and npm and their configured registries) and reused.

For each package both list, the two licenses are compared as SPDX expressions
(``license_expression``'s SPDX licensing, simplified, so that ``(MIT OR Apache-2.0)``
and ``Apache-2.0 OR MIT`` are equal). The peers' strings are read as follows:
pip-licenses' ``mixed`` mode gives either the ``License-Expression``/``License`` field
or the names of the license classifiers joined with ``; ``; a classifier name is mapped
to SPDX with the same table licensetier uses (``license_db/python_classifiers.toml``),
and one of its ``[ambiguous]`` names (``BSD License``, an unversioned ``GPL``) counts as
vague, not as an SPDX answer. license-checker marks a license it guessed from a file
with ``*``, which is dropped; ``UNKNOWN``, ``Custom: ...`` and an empty answer are
unknown. A package is unknown for licensetier when its ``license_source`` is
``unresolved``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import tomllib
from license_expression import ExpressionError, get_spdx_licensing

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PIP_LICENSES = "pip-licenses==5.5.5"
LICENSE_CHECKER = "license-checker-rseidelsohn@4.4.2"
LICENSETIER = [sys.executable, "-m", "licensetier"]
SPDX = get_spdx_licensing()
LOW = "licensetier low confidence"  # counted beside the outcomes, not as one


def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)


def timed(cmd: list[str], **kwargs: Any) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = run(cmd, **kwargs)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed, done


# -- setting up the trees and the peers -----------------------------------------------


def _venv(env: Path, *pip_args: str) -> None:
    """A virtual environment at ``env`` with ``pip install -q ARGS`` run in it, unless
    it is there already."""
    if (env / "pyvenv.cfg").exists():
        return
    run([sys.executable, "-m", "venv", str(env)])
    done = run([str(env / "bin/pip"), "install", "-q", *pip_args])
    if done.returncode:
        sys.exit(done.stderr)


def setup_python(work: Path) -> tuple[Path, Path]:
    env = work / "pyenv"
    tools = work / "toolsenv"
    requirements = str(HERE / "peers/python-requirements.txt")
    _venv(env, "--only-binary", ":all:", "--no-deps", "-r", requirements)
    if not (tools / "bin/pip-licenses").exists():
        _venv(tools, PIP_LICENSES)
    return env, tools


def setup_sdk(work: Path) -> Path:
    """An SDK's environment as pip builds it: ``python-sdk.txt``'s two packages and what
    they require, pinned by ``python-sdk-constraints.txt``."""
    env = work / "sdkenv"
    sdk, pins = HERE / "peers/python-sdk.txt", HERE / "peers/python-sdk-constraints.txt"
    _venv(env, "--only-binary", ":all:", "-r", str(sdk), "-c", str(pins))
    return env


def setup_npm(work: Path) -> tuple[Path, Path]:
    tree = work / "npm"
    tools = work / "tools"
    if not (tree / "node_modules").is_dir():
        tree.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(HERE / "peers/npm" / name, tree / name)
        done = run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=tree)
        if done.returncode:
            sys.exit(done.stderr)
    checker = tools / "node_modules/.bin/license-checker-rseidelsohn"
    if not checker.exists():
        tools.mkdir(parents=True, exist_ok=True)
        (tools / "package.json").write_text('{"name": "peers", "private": true}\n')
        done = run(
            ["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", LICENSE_CHECKER],
            cwd=tools,
        )
        if done.returncode:
            sys.exit(done.stderr)
    return tree, checker


# -- reading the answers ----------------------------------------------------------------


def classifier_tables() -> tuple[dict[str, str], dict[str, str]]:
    data = tomllib.loads((REPO / "license_db/python_classifiers.toml").read_text())

    def by_last(table: dict[str, str]) -> dict[str, str]:
        return {k.rsplit("::", 1)[-1].strip(): v for k, v in table.items()}

    return by_last(data["classifiers"]), by_last(data["ambiguous"])


def canonical(expression: str) -> str | None:
    """The SPDX expression, simplified, or None when it is not one."""
    try:
        parsed = SPDX.parse(expression, validate=True, strict=False)
    except ExpressionError:
        return None
    if parsed is None:
        return None
    return str(parsed.simplify())


def peer_python(raw: str, certain: dict[str, str], vague: dict[str, str]) -> tuple[str, str]:
    """(kind, SPDX) of pip-licenses' answer: kind is ``spdx``, ``vague`` or ``unknown``."""
    text = raw.strip()
    if not text or text.upper() == "UNKNOWN":
        return "unknown", ""
    as_spdx = canonical(text)
    if as_spdx:
        return "spdx", as_spdx
    parts = [p.strip() for p in text.split(";") if p.strip()]
    mapped: list[str] = []
    kind = "spdx"
    for part in parts:
        if part in certain:
            mapped.append(certain[part])
        elif part in vague:
            mapped.append(vague[part])
            kind = "vague"
        else:
            return "other", ""
    joined = canonical(" OR ".join(f"({m})" for m in mapped))
    return (kind, joined) if joined else ("other", "")


def peer_npm(value: Any) -> tuple[str, str]:
    if isinstance(value, list):
        value = " OR ".join(f"({v})" for v in value)
    text = str(value or "").strip()
    guessed = text.endswith("*")
    text = text.rstrip("*").strip()
    if not text or text.upper() == "UNKNOWN" or text.startswith("Custom:"):
        return "unknown", ""
    as_spdx = canonical(text)
    if as_spdx is None:
        return "other", ""
    return ("guessed" if guessed else "spdx"), as_spdx


def ours(report: dict[str, Any], *, key_name: Any) -> dict[str, dict[str, Any]]:
    return {key_name(d["name"], d["version"]): d for d in report["dependencies"]}


def compare(
    peer: dict[str, tuple[str, str, str]], mine: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """``peer``: key -> (kind, SPDX, raw). Counts and the list of every difference."""
    both = sorted(set(peer) & set(mine))
    counts: Counter[str] = Counter()
    differences: list[dict[str, Any]] = []
    for key in both:
        kind, theirs, raw = peer[key]
        d = mine[key]
        mine_known = d["license_source"] != "unresolved"
        mine_spdx = canonical(d["license"]) if mine_known and d["license"] else None
        if d["low_confidence"]:
            counts[LOW] += 1
        if kind == "unknown" and not mine_known:
            counts["both unknown"] += 1
            verdict = "both unknown"
        elif kind == "unknown":
            counts["only licensetier resolves"] += 1
            verdict = "only licensetier resolves"
        elif not mine_known:
            counts["only the peer resolves"] += 1
            verdict = "only the peer resolves"
        elif mine_spdx is not None and mine_spdx.lower() == theirs.lower():
            counts[
                "same expression"
                + (" (the peer guessed it from a file)" if kind == "guessed" else "")
            ] += 1
            continue
        elif kind == "other":
            counts["peer not SPDX, licensetier SPDX"] += 1
            verdict = "peer not SPDX, licensetier SPDX"
        elif kind == "vague":
            counts["peer vague, licensetier specific"] += 1
            verdict = "peer vague, licensetier specific"
        else:
            counts["different expression"] += 1
            verdict = "different expression"
        differences.append(
            {
                "package": key,
                "verdict": verdict,
                "peer": raw,
                "peer_spdx": theirs,
                "licensetier": d["license"],
                "source": d["license_source"],
                "where": d["license_where"],
                "raw": d["license_raw"],
                "reason": d["reason"],
            }
        )
    return {
        "peer_packages": len(peer),
        "licensetier_packages": len(mine),
        "compared": len(both),
        "only_peer_lists": sorted(set(peer) - set(mine)),
        "only_licensetier_lists": sorted(set(mine) - set(peer)),
        "peer_unknown": sum(1 for k in both if peer[k][0] == "unknown"),
        "licensetier_unknown": sum(1 for k in both if mine[k]["license_source"] == "unresolved"),
        "counts": dict(counts),
        "licensetier_sources": dict(Counter(mine[k]["license_source"] for k in both)),
        "differences": differences,
    }


def licensetier_deps(project: Path, *extra: str) -> tuple[float, float, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as cache:
        cmd = [
            *LICENSETIER,
            "deps",
            str(project),
            "--offline",
            "--format",
            "json",
            "--cache-dir",
            cache,
            *extra,
        ]
        cold, done = timed(cmd)
        warm, _ = timed(cmd)
    return cold, warm, json.loads(done.stdout)


def python_side(
    work: Path, env: Path, tools: Path, label: str, *, declared: list[str] | None = None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """pip-licenses on ``env`` against ``licensetier deps`` on a project that pins every
    distribution of ``env``, or, given ``declared``, a pyproject.toml that asks for
    only those ranges (an SDK without a lockfile: the rest is its closure)."""
    peer_time, done = timed(
        [
            str(tools / "bin/pip-licenses"),
            "--python",
            str(env / "bin/python"),
            "--from",
            "mixed",
            "--format",
            "json",
        ]
    )
    certain, vague = classifier_tables()
    norm = lambda name: name.lower().replace("_", "-").replace(".", "-")  # noqa: E731
    peer = {}
    for row in json.loads(done.stdout):
        kind, spdx = peer_python(row["License"], certain, vague)
        peer[f"{norm(row['Name'])}@{row['Version']}"] = (kind, spdx, row["License"])
    project = work / f"py-project-{label}"
    project.mkdir(exist_ok=True)
    listed = json.loads(
        run(
            [str(env / "bin/python"), "-m", "pip", "list", "--format", "json"],
            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        ).stdout
    )
    if declared is None:
        pins = sorted(f"{p['name']}=={p['version']}" for p in listed)
        (project / "requirements.txt").write_text("\n".join(pins) + "\n")
    else:
        ranges = ", ".join(json.dumps(r) for r in declared)
        (project / "pyproject.toml").write_text(
            f'[project]\nname = "sdk"\nversion = "1.0"\ndependencies = [{ranges}]\n'
        )
    cold, warm, report = licensetier_deps(project, "--python-env", str(env))
    mine = ours(report, key_name=lambda n, v: f"{norm(n)}@{v}")
    result = compare(peer, mine)
    result.update(
        peer_seconds=peer_time,
        licensetier_cold=cold,
        licensetier_warm=warm,
        distributions=len(listed),
    )
    return result, mine


def npm_side(work: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    tree, checker = setup_npm(work)
    peer_time, done = timed([str(checker), "--json", "--start", str(tree)])
    root = json.loads((tree / "package.json").read_text())
    peer = {}
    for key, row in json.loads(done.stdout).items():
        if key == f"{root['name']}@{root['version']}":
            continue  # the project itself
        kind, spdx = peer_npm(row.get("licenses"))
        peer[key] = (kind, spdx, str(row.get("licenses")))
    cold, warm, report = licensetier_deps(tree)
    mine = ours(report, key_name=lambda n, v: f"{n}@{v}")
    result = compare(peer, mine)
    result.update(
        peer_seconds=peer_time,
        licensetier_cold=cold,
        licensetier_warm=warm,
        installed=len(list((tree / "node_modules").glob("**/package.json"))),
    )
    return result, mine


def scancode_side(tree: Path, mine: dict[str, dict[str, Any]], key_name: Any) -> dict[str, Any]:
    """ScanCode's package detection on ``tree``, against licensetier's answers."""
    from packageurl import PackageURL

    with tempfile.TemporaryDirectory() as out:
        target = Path(out) / "scan.json"
        peer_time, _ = timed(
            [
                # ScanCode's CLI, loading under pluggy 1.6+ (its console script does not)
                sys.executable,
                "-m",
                "licensetier.detect.plugin_compat",
                "--package",
                "--json",
                str(target),
                "-n",
                "1",
                "--quiet",
                str(tree),
            ]
        )
        packages = json.loads(target.read_text())["packages"]
    peer = {}
    for row in packages:
        url = PackageURL.from_string(row["purl"])
        installed = any(
            "node_modules/" in path or "site-packages/" in path
            for path in row.get("datafile_paths", ())
        )
        if url.type not in ("pypi", "npm") or not url.version or not installed:
            continue  # the tree's own project, a bower.json
        name = f"{url.namespace}/{url.name}" if url.namespace else url.name
        raw = row.get("declared_license_expression_spdx") or ""
        if not raw or raw.startswith("LicenseRef-scancode-unknown"):
            kind, spdx = "unknown", ""
        else:
            spdx = canonical(raw) or ""
            kind = "spdx" if spdx else "other"
        peer[key_name(name, url.version)] = (kind, spdx, raw)
    result = compare(peer, mine)
    result.update(peer_seconds=peer_time)
    return result


def markdown(name: str, peer_name: str, r: dict[str, Any]) -> str:
    lines = [
        f"### {name}: licensetier against {peer_name}",
        "",
        f"- packages listed: {peer_name} {r['peer_packages']}, licensetier "
        f"{r['licensetier_packages']}; compared (listed by both): {r['compared']}",
        f"- unknown: {peer_name} {r['peer_unknown']}, licensetier {r['licensetier_unknown']}",
        f"- licensetier's sources: {r['licensetier_sources']}",
        f"- time: {peer_name} {r['peer_seconds']:.2f} s; licensetier {r['licensetier_cold']:.2f} s "
        f"with an empty cache ({r['licensetier_cold'] / r['peer_seconds']:.1f}x), "
        f"{r['licensetier_warm']:.2f} s warm ({r['licensetier_warm'] / r['peer_seconds']:.1f}x)",
        "",
        f"- answered by licensetier with low confidence (it says so, and why): "
        f"{r['counts'].get(LOW, 0)}",
        "",
        "| outcome | packages |",
        "|---|---|",
    ]
    for outcome, n in sorted(r["counts"].items(), key=lambda kv: -kv[1]):
        if outcome != LOW:
            lines.append(f"| {outcome} | {n} |")
    if r["only_peer_lists"]:
        lines.append(f"\nListed only by {peer_name}: {', '.join(r['only_peer_lists'])}")
    if r["only_licensetier_lists"]:
        lines.append(f"\nListed only by licensetier: {', '.join(r['only_licensetier_lists'])}")
    if r["differences"]:
        lines += [
            "",
            f"| package | outcome | {peer_name} | licensetier | answered by |",
            "|---|---|---|---|---|",
        ]
        for d in r["differences"]:
            lines.append(
                f"| {d['package']} | {d['verdict']} | {d['peer']} | {_cut(d['licensetier'])} | "
                f"{d['source']}: {_cut(repr(d['raw']), 50)} |"
            )
    return "\n".join(lines) + "\n"


def _cut(text: str | None, limit: int = 110) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/lt-peers"))
    parser.add_argument("--json", type=Path, help="write the full comparison here")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    env, tools = setup_python(args.work)
    sdk_env = setup_sdk(args.work)
    norm = lambda n, v: f"{n.lower().replace('_', '-').replace('.', '-')}@{v}"  # noqa: E731
    pinned, pinned_mine = python_side(args.work, env, tools, "pinned")
    own, _ = python_side(args.work, Path(sys.prefix), tools, "own")
    sdk, _ = python_side(
        args.work, sdk_env, tools, "sdk", declared=["anthropic>=2", "huggingface-hub"]
    )
    npm, npm_mine = npm_side(args.work)
    sc_pinned = scancode_side(env, pinned_mine, norm)
    sc_pinned.update(
        licensetier_cold=pinned["licensetier_cold"], licensetier_warm=pinned["licensetier_warm"]
    )
    sc_npm = scancode_side(args.work / "npm", npm_mine, lambda n, v: f"{n}@{v}")
    sc_npm.update(
        licensetier_cold=npm["licensetier_cold"], licensetier_warm=npm["licensetier_warm"]
    )
    print(markdown("Python, the pinned environment", "pip-licenses", pinned))
    print(markdown("Python, licensetier's own environment", "pip-licenses", own))
    print(markdown("Python, an SDK's ranges and its environment", "pip-licenses", sdk))
    print(markdown("npm", "license-checker-rseidelsohn", npm))
    print(markdown("Python, the pinned environment", "ScanCode --package", sc_pinned))
    print(markdown("npm", "ScanCode --package", sc_npm))
    if args.json:
        report = {
            "python_pinned": pinned,
            "python_own": own,
            "python_sdk": sdk,
            "npm": npm,
            "scancode_python_pinned": sc_pinned,
            "scancode_npm": sc_npm,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
