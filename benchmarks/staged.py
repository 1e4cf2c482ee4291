"""A pre-commit run: ``licensetier scan --staged`` on a large repository after one
changed file is staged, beside ScanCode's CLI on that one file, in one run.

Usage::

    .venv/bin/python benchmarks/staged.py --corpus /tmp/lt-corpus [--repeat 3]

The corpus is the speed benchmark's (``benchmarks/build_corpus.py``, about 10,800
files); it is built if missing. The cache directory is this run's own: one cold
``licensetier scan`` fills it first (as the developer's earlier scans would have),
then each case stages a change, times the runs, and undoes the change:

a. a line of code appended to a ``.js`` file whose words match no rule;
b. a line of code appended to a ``.js`` file that holds enough legalese words to be a
   candidate of ScanCode's approximate matcher (the speed benchmark's edited file),
   which the first pass rules out with the query runs and the gate's test;
c. a GPL-2.0-or-later notice put at the top of that file: ScanCode's index is needed;
d. an ``SPDX-License-Identifier: MIT`` header put at the top of the first file (what
   every commit of a REUSE-style repository stages): answered from the SPDX line
   reader's tables (``licensetier.detect.spdx_light``), without the index; its target
   is 1 s and 300 MB.

For each case: ``licensetier scan --staged`` (fresh process, warm cache) ``--repeat``
times with content new to the cache (what a commit meets: each run's change ends with
a line of its own), then ``--repeat`` times more on the last of them (answered from the
cache); and ``scancode --license -n 1 FILE`` on the changed file alone, ``--repeat``
times. Each figure is the median of its runs, and each run's peak memory (maximum
resident set size) is given beside its time. licensetier's modules are compiled to
bytecode first, as an installed package's are (``pip install .``, pre-commit's own
environment): an editable install under ``PYTHONDONTWRITEBYTECODE`` would otherwise
compile some 180 modules again in every run. The incremental targets of the speed
issue are 1 s for a change without license text and the index load plus 1 s with one.
For the index load it prints two figures: licensetier's, as its report gives it (it
pauses Python's garbage collector while it loads), and ScanCode's own, ``get_index()``
as ScanCode calls it, timed in a separate process.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import speed  # noqa: E402

RULED_OUT = "node_modules/core-js/internals/add-disposable-resource.js"
CANDIDATE = "node_modules/acorn/dist/bin.js"
GPL_NOTICE = (
    "/*\n * This program is free software; you can redistribute it and/or modify it under\n"
    " * the terms of the GNU General Public License as published by the Free Software\n"
    " * Foundation; either version 2 of the License, or (at your option) any later\n"
    " * version.\n */\n"
)


SPDX_HEADER = "// SPDX-License-Identifier: MIT\n"
PEAK_MB: list[float] = []  # the peak memory of each timed run, in order


def timed(cmd: list[str], cwd: Path) -> tuple[float, int]:
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        PEAK_MB.append(usage.ru_maxrss / 1024)  # kilobytes on Linux
        if child.returncode not in (0, 1):
            err.seek(0)
            tail = err.read()[-2000:].decode(errors="replace")
            sys.exit(f"{' '.join(cmd)} failed ({child.returncode}):\n{tail}")
    return elapsed, child.returncode


def git(corpus: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=corpus, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--cache",
        type=Path,
        help="a cache directory to fill and keep (default: a temporary one); one already "
        "filled by this script is reused without the cold scan",
    )
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    if not (corpus / ".git").is_dir():
        subprocess.run([sys.executable, str(HERE / "build_corpus.py"), str(corpus)], check=True)
    spec = importlib.util.find_spec("licensetier")
    if spec is None or spec.origin is None:
        sys.exit("licensetier is not installed in this Python")
    compileall.compile_dir(str(Path(spec.origin).parent), quiet=1)
    # ScanCode's CLI, started so that it loads under pluggy 1.6+ (its console script does not)
    scancode = [sys.executable, "-m", "licensetier.detect.plugin_compat"]
    with tempfile.TemporaryDirectory() as temporary, tempfile.TemporaryDirectory() as out:
        cache = str(args.cache.resolve()) if args.cache else temporary
        filled = args.cache is not None and (args.cache / "cache.sqlite3").is_file()
        licensetier = [
            sys.executable,
            "-m",
            "licensetier",
            "scan",
            ".",
            "--cache-dir",
            cache,
            "--format",
            "json",
            "--fail-on",
            "never",
            "--offline",
        ]
        if not filled:
            cold, _ = timed([*licensetier, "-o", f"{out}/cold.json"], corpus)
            print(f"cold scan to fill the cache: {cold:.1f} s")
        cases = {
            "code only, a file whose words match no rule": (RULED_OUT, ""),
            "code only, a candidate of the approximate matcher": (CANDIDATE, ""),
            "a GPL notice added": (CANDIDATE, GPL_NOTICE),
            "an SPDX header added": (RULED_OUT, SPDX_HEADER),
        }
        targets: list[str] = []
        print(
            "| case | licensetier --staged, new content | peak memory | index loaded in "
            "| again, cached | scancode on the file | its peak memory |"
        )
        print("|---|---|---|---|---|---|---|")
        for case, (changed, notice) in cases.items():
            original = (corpus / changed).read_text(encoding="utf-8")
            try:
                PEAK_MB.clear()
                runs = []
                for n in range(args.repeat):
                    marker = f"console.log('bench {n} {time.time_ns()}');\n"
                    text = notice + original + marker if notice else original + "\n" + marker
                    (corpus / changed).write_text(text, encoding="utf-8")
                    git(corpus, "add", changed)
                    runs.append(
                        timed([*licensetier, "--staged", "-o", f"{out}/s{n}.json"], corpus)[0]
                    )
                cached = [
                    timed([*licensetier, "--staged", "-o", f"{out}/c{n}.json"], corpus)[0]
                    for n in range(args.repeat)
                ]
                peer = [
                    timed(
                        [
                            *scancode,
                            "--license",
                            "-n",
                            "1",
                            "--json",
                            f"{out}/sc.json",
                            "--quiet",
                            changed,
                        ],
                        corpus,
                    )[0]
                    for _ in range(args.repeat)
                ]
            finally:
                git(corpus, "reset", "-q", "--", changed)
                git(corpus, "checkout", "--", changed)
            first, again, theirs = (statistics.median(x) for x in (runs, cached, peer))
            first_mb = statistics.median(PEAK_MB[: len(runs)])
            peer_mb = statistics.median(PEAK_MB[len(runs) + len(cached) :])
            reports = [
                json.loads(Path(f"{out}/s{n}.json").read_text(encoding="utf-8"))
                for n in range(len(runs))
            ]
            loads = [r["tool"].get("index_load_seconds") for r in reports]
            load = statistics.median(float(x) for x in loads) if None not in loads else None
            found = [f["scancode_license"] for f in reports[0]["files"] if f["path"] == changed]
            loaded = f"{load:.2f} s" if load is not None else "not loaded"
            print(
                f"| {case} | {first:.2f} s ({theirs / first:.1f}x faster) | {first_mb:.0f} MB "
                f"| {loaded} | {again:.2f} s | {theirs:.2f} s | {peer_mb:.0f} MB |"
            )
            print(
                f"<!-- {case}: licensetier {runs}, cached {cached}, scancode {peer}, "
                f"found {found} -->"
            )
            if notice == SPDX_HEADER:
                targets.append(
                    f"- {case}: {first:.2f} s and {first_mb:.0f} MB against 1 s and 300 MB"
                    f" (index {'loaded' if load is not None else 'not loaded'})"
                )
            elif notice and load is not None:
                own = speed.scancode_index_load(sys.executable)
                targets.append(
                    f"- {case}: {first:.2f} s; licensetier's index load {load:.2f} s + 1 s = "
                    f"{load + 1:.2f} s; ScanCode's own index load {own:.2f} s + 1 s = "
                    f"{own + 1:.2f} s"
                )
            else:
                targets.append(f"- {case}: {first:.2f} s against 1 s")
        print("\nAgainst the incremental targets:")
        print("\n".join(targets))


if __name__ == "__main__":
    main()
