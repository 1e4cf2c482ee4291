"""A pre-commit run: ``licensetier scan --staged`` on a large repository after one
changed file is staged, beside ScanCode's CLI on that one file, in one run.

Usage::

    .venv/bin/python benchmarks/staged.py --corpus /tmp/lt-corpus [--repeat 3]

The corpus is the speed benchmark's (``benchmarks/build_corpus.py``, about 10,800
files); it is built if missing. The cache directory is this run's own: one cold
``licensetier scan`` fills it first (as the developer's earlier scans would have),
then each case stages a change, times the runs, and undoes the change:

a. a line of code appended to one ``.js`` file (no license text);
b. a GPL-2.0-or-later notice put at the top of the same file.

For each case: ``licensetier scan --staged`` (fresh process, warm cache) and
``scancode --license -n 1 FILE`` on the changed file alone; the median of
``--repeat`` runs of each, and their ratio. The incremental targets of the speed
issue are 1 s for a change without license text and the index load plus 1 s with one.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHANGED = "node_modules/acorn/dist/bin.js"
GPL_NOTICE = (
    "/*\n * This program is free software; you can redistribute it and/or modify it under\n"
    " * the terms of the GNU General Public License as published by the Free Software\n"
    " * Foundation; either version 2 of the License, or (at your option) any later\n"
    " * version.\n */\n"
)


def timed(cmd: list[str], cwd: Path) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed, done.returncode


def git(corpus: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=corpus, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    if not (corpus / ".git").is_dir():
        subprocess.run([sys.executable, str(HERE / "build_corpus.py"), str(corpus)], check=True)
    scancode = Path(sys.executable).parent / "scancode"
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as out:
        licensetier = [sys.executable, "-m", "licensetier", "scan", ".", "--cache-dir", cache,
                       "--format", "json", "--fail-on", "never", "--offline"]  # fmt: skip
        cold, _ = timed([*licensetier, "-o", f"{out}/cold.json"], corpus)
        print(f"cold scan to fill the cache: {cold:.1f} s")
        original = (corpus / CHANGED).read_text(encoding="utf-8")
        cases = {
            "code only": original + "\nconsole.log('licensetier benchmark');\n",
            "GPL notice": GPL_NOTICE + original,
        }
        print("| case | licensetier --staged | scancode on the file | ratio |")
        print("|---|---|---|---|")
        for case, text in cases.items():
            (corpus / CHANGED).write_text(text, encoding="utf-8")
            git(corpus, "add", CHANGED)
            try:
                ours = [timed([*licensetier, "--staged", "-o", f"{out}/s.json"], corpus)[0]
                        for _ in range(args.repeat)]  # fmt: skip
                peer = [timed([str(scancode), "--license", "-n", "1", "--json", f"{out}/sc.json",
                               "--quiet", CHANGED], corpus)[0]
                        for _ in range(args.repeat)]  # fmt: skip
            finally:
                git(corpus, "reset", "-q", "--", CHANGED)
                git(corpus, "checkout", "--", CHANGED)
            a, b = statistics.median(ours), statistics.median(peer)
            print(f"| {case} | {a:.2f} s | {b:.2f} s | {b / a:.1f}x faster |")
            print(f"<!-- {case}: licensetier {ours}, scancode {peer} -->")


if __name__ == "__main__":
    main()
