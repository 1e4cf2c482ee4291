"""Fast path vs. full ScanCode engine, side by side on the same files.

Usage::

    .venv/bin/python benchmarks/fastpath_agreement.py CORPUS_DIR \
        [--repo PATH ...] [--package NAME ...] [--limit N] [--json OUT] [--first-pass-only]

With ``--first-pass-only``, only the first pass is checked, in minutes rather than
the better part of an hour: every file goes through it, in its sound form and with
the gate's test (as ``licensetier scan`` runs it by default), and every file it rules
out goes through the full engine, which must find no license in it (nor, for a file
only the gate's test rules out, the fast engine).

``CORPUS_DIR`` holds ScanCode's data-driven license tests: each test file sits
beside a ``.yml`` file whose ``license_expressions:`` list is what the full
engine is expected to find. ``--repo`` walks a real source tree (``.git`` and files
over 5 MB skipped; binaries, UTF-16 text and RTF included, as ScanCode reads them);
``--package`` does the same for the directory of an installed Python package
(``--package pip`` is ``site-packages/pip`` of the interpreter running this).

The full engine is ScanCode's pipeline exactly as shipped (``get_licenses``). The
fast one is licensetier's: its first pass (the witness tokens, then the rule sieve,
without the index), and for the files that pass it the exact matchers, the gate and,
where the gate says so, ScanCode's pipeline with the approximate matcher handed only
the rules that can be its candidates. A file the first pass rules out counts as "no
license" for the fast engine, so that a first pass that dropped a licensed file
would show as a disagreement; so does a file it skips as ScanCode reads no text from
it (an image, an archive), on ScanCode's own type detection. The first pass reads
each file as the scanner does (``prefilter.first_pass``): the strings of a binary and
UTF-16 text as ScanCode reads them.

ScanCode's index is loaded once, before any timing, and shared by both engines.
Each file goes through both engines, the full one first on even-numbered files
and the fast one first on odd-numbered ones; each call is timed on its own with
``time.perf_counter`` (wall) and ``time.process_time`` (CPU).

For every set of files the report gives: the number of files, the per-file
agreement of ``detected_license_expression`` between the engines, the files
where they differ (``less`` when the fast path found a strict subset of the
full engine's license keys, nothing included), the share of files the fast path
sent to the full pipeline, each engine's total time and their ratio and, for the
corpus, each engine's agreement with the expectations.

Two comparisons with the expectations are given. ``scancode`` is ScanCode's own
data-driven test: the expected list against the license expressions of the
matches, in order (here: the matches kept in detections, so matches that
ScanCode reports only as license clues are left out). ``keys`` compares the sets
of license keys of the expected and the detected expressions.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from licensetier.detect import fastpath, prefilter  # noqa: E402
from licensetier.detect.engine import Engine, FileDetection, scancode_version  # noqa: E402
from licensetier.paths import data_directory  # noqa: E402

MAX_SIZE = 5 * 1024 * 1024


# -- which files -----------------------------------------------------------------------
def corpus_cases(corpus: Path) -> list[tuple[Path, Path]]:
    """(test file, .yml expectations) pairs, sorted by path."""
    cases = []
    for data_file in sorted(corpus.rglob("*.yml")):
        test_file = data_file.with_suffix("")
        if test_file.is_file():
            cases.append((test_file, data_file))
    return cases


def repository_files(root: Path) -> Iterator[Path]:
    """Regular files of a source tree: no ``.git``, nothing over 5 MB. Binaries are
    kept: ScanCode reads their strings, and the scanner reads what ScanCode reads."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            if path.stat().st_size > MAX_SIZE:
                continue
            yield path


def package_directory(name: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"no installed package named {name!r}")
    return Path(next(iter(spec.submodule_search_locations)))


# -- expectations ----------------------------------------------------------------------
def expected_expressions(data_file: Path) -> list[str]:
    import saneyaml
    from license_expression import Licensing

    data = saneyaml.load(data_file.read_text(encoding="utf-8")) or {}
    licensing = Licensing()
    return [licensing.parse(e).render() for e in data.get("license_expressions") or []]


def license_keys(expressions: Iterable[str | None]) -> set[str]:
    from license_expression import Licensing

    licensing = Licensing()
    keys: set[str] = set()
    for expression in expressions:
        if expression:
            keys.update(licensing.license_keys(expression))
    return keys


def match_expressions(result: FileDetection) -> list[str]:
    from license_expression import Licensing

    licensing = Licensing()
    return [
        licensing.parse(m.license).render()
        for d in result.detections
        for m in d.matches
        if m.license
    ]


# -- running ---------------------------------------------------------------------------
@dataclass
class Timed:
    license: str | None
    engine: str
    wall: float
    cpu: float
    timed_out: bool
    matches: list[str]


@dataclass
class FileRecord:
    path: str
    full: Timed
    fast: Timed
    expected: list[str] | None = None

    @property
    def agree(self) -> bool:
        return self.full.license == self.fast.license

    def difference(self) -> str:
        full_keys = license_keys([self.full.license])
        fast_keys = license_keys([self.fast.license])
        if fast_keys < full_keys:
            return "less"
        if fast_keys > full_keys:
            return "more"
        return "other"


class FirstPass:
    """licensetier's first pass, as the scanner runs it before ScanCode's index in its
    default (fast) mode: the witness tokens, then the rule sieve, then the query runs
    with the gate's test."""

    def __init__(self, index: Any) -> None:
        self.witnesses = prefilter.load_witnesses(data_directory(), scancode_version())
        self.sieve = prefilter.RuleSieve.build(index, scancode_version())

    def could_hold_license(self, path: Path, data: bytes, gate: bool = True) -> bool | None:
        """The scanner's first pass (None: ScanCode reads no text from the file)."""
        return prefilter.first_pass(
            str(path), data, path.name, self.witnesses, self.sieve, gate=gate
        )


def run_one(engine: Engine, path: Path, first_pass: FirstPass | None = None) -> Timed:
    wall, cpu = time.perf_counter(), time.process_time()
    verdict = True if first_pass is None else first_pass.could_hold_license(path, path.read_bytes())
    if not verdict:
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        label = "prefilter" if verdict is False else "no-text"
        return Timed(None, label, wall, cpu, False, [])
    result = engine.detect_file(path)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return Timed(
        license=result.license,
        engine=result.engine,
        wall=wall,
        cpu=cpu,
        timed_out=result.timed_out,
        matches=match_expressions(result),
    )


def run_both(
    full: Engine,
    fast: Engine,
    files: list[tuple[Path, Path | None]],
    label: str,
    first_pass: FirstPass,
) -> list[FileRecord]:
    records = []
    started = time.perf_counter()
    for number, (path, data_file) in enumerate(files):
        if number % 2 == 0:
            full_result = run_one(full, path)
            fast_result = run_one(fast, path, first_pass)
        else:
            fast_result = run_one(fast, path, first_pass)
            full_result = run_one(full, path)
        expected = expected_expressions(data_file) if data_file else None
        records.append(FileRecord(str(path), full_result, fast_result, expected))
        if (number + 1) % 50 == 0:
            elapsed = time.perf_counter() - started
            print(f"  {label}: {number + 1}/{len(files)} files, {elapsed:.0f} s", file=sys.stderr)
    return records


# -- figures ---------------------------------------------------------------------------
@dataclass
class Summary:
    label: str
    root: str
    files: int
    agreement: float
    fallback_share: float
    prefilter_share: float
    full_wall: float
    fast_wall: float
    full_cpu: float
    fast_cpu: float
    ratio_wall: float
    ratio_cpu: float
    timeouts_full: int
    timeouts_fast: int
    disagreements: list[dict[str, Any]] = field(default_factory=list)
    expectations: dict[str, dict[str, float]] | None = None


def percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def summarize(label: str, root: Path, records: list[FileRecord]) -> Summary:
    n = len(records)
    full_wall = sum(r.full.wall for r in records)
    fast_wall = sum(r.fast.wall for r in records)
    full_cpu = sum(r.full.cpu for r in records)
    fast_cpu = sum(r.fast.cpu for r in records)
    summary = Summary(
        label=label,
        root=str(root),
        files=n,
        agreement=percent(sum(r.agree for r in records), n),
        fallback_share=percent(sum(r.fast.engine == "full" for r in records), n),
        prefilter_share=percent(sum(r.fast.engine == "prefilter" for r in records), n),
        full_wall=full_wall,
        fast_wall=fast_wall,
        full_cpu=full_cpu,
        fast_cpu=fast_cpu,
        ratio_wall=full_wall / fast_wall if fast_wall else 0.0,
        ratio_cpu=full_cpu / fast_cpu if fast_cpu else 0.0,
        timeouts_full=sum(r.full.timed_out for r in records),
        timeouts_fast=sum(r.fast.timed_out for r in records),
        disagreements=[
            {
                "path": os.path.relpath(r.path, root),
                "kind": r.difference(),
                "full": r.full.license,
                "fast": r.fast.license,
                "fast_engine": r.fast.engine,
            }
            for r in records
            if not r.agree
        ],
    )
    with_expectations = [r for r in records if r.expected is not None]
    if with_expectations:
        m = len(with_expectations)
        summary.expectations = {}
        for name in ("full", "fast"):
            results = [(r.expected or [], getattr(r, name)) for r in with_expectations]
            scancode = sum(expected == timed.matches for expected, timed in results)
            keys = sum(
                license_keys(expected) == license_keys([timed.license])
                for expected, timed in results
            )
            summary.expectations[name] = {
                "scancode": percent(scancode, m),
                "keys": percent(keys, m),
            }
    return summary


def print_summary(s: Summary) -> None:
    print(f"\n== {s.label}: {s.root}")
    print(f"files                          {s.files}")
    print(f"agreement fast vs full         {s.agreement:.2f} %")
    print(f"ruled out by the first pass    {s.prefilter_share:.1f} % of files")
    print(f"fast path fell back to full    {s.fallback_share:.1f} % of files")
    print(f"time full  (wall / CPU)        {s.full_wall:9.1f} s / {s.full_cpu:9.1f} s")
    print(f"time fast  (wall / CPU)        {s.fast_wall:9.1f} s / {s.fast_cpu:9.1f} s")
    print(f"ratio full / fast (wall / CPU) {s.ratio_wall:9.2f} x / {s.ratio_cpu:9.2f} x")
    print(f"timeouts (full / fast)         {s.timeouts_full} / {s.timeouts_fast}")
    if s.expectations:
        for name, figures in s.expectations.items():
            print(
                f"{name:4} vs expectations          scancode test {figures['scancode']:.2f} %,"
                f" license keys {figures['keys']:.2f} %"
            )
    less = [d for d in s.disagreements if d["kind"] == "less"]
    print(
        f"disagreements                  {len(s.disagreements)} ({len(less)} where fast found less)"
    )
    for d in s.disagreements:
        print(f"  [{d['kind']}] {d['path']}\n      full: {d['full']}\n      fast: {d['fast']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="ScanCode data-driven test directory")
    parser.add_argument("--repo", type=Path, action="append", default=[], help="a source tree")
    parser.add_argument(
        "--package", action="append", default=[], help="an installed Python package, by name"
    )
    parser.add_argument("--limit", type=int, help="at most N files from each set")
    parser.add_argument("--json", type=Path, help="write the figures and per-file results here")
    parser.add_argument(
        "--first-pass-only",
        action="store_true",
        help="check only the files the first pass rules out, against the full engine",
    )
    args = parser.parse_args(argv)

    sets: list[tuple[str, Path, list[tuple[Path, Path | None]]]] = []
    cases: list[tuple[Path, Path | None]] = list(corpus_cases(args.corpus))
    sets.append(("corpus", args.corpus, cases[: args.limit]))
    trees = [(str(p), p) for p in args.repo]
    trees += [(f"package {name}", package_directory(name)) for name in args.package]
    for label, root in trees:
        files: list[tuple[Path, Path | None]] = [(p, None) for p in repository_files(root)]
        sets.append((label, root, files[: args.limit]))

    full = Engine(fast=False, narrow=False)  # ScanCode's pipeline exactly as shipped
    fast = Engine(fast=True)
    index = full.index()
    load_seconds = full.index_load_seconds
    fast.index()  # the same cached index
    started = time.perf_counter()
    fastpath.prepare(index)  # the gate's own tables, once per process
    gate_setup_seconds = time.perf_counter() - started
    first_pass = FirstPass(index)

    machine = {
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "scancode": scancode_version(),
        "index_load_seconds": load_seconds,
        "gate_setup_seconds": gate_setup_seconds,
    }
    print(
        f"machine: {machine['nproc']} CPUs, {machine['cpu']}, Python {machine['python']}, "
        f"ScanCode {machine['scancode']}, index loaded in {load_seconds:.1f} s, "
        f"gate tables built in {gate_setup_seconds:.1f} s (both outside the timings below)"
    )
    if args.first_pass_only:
        checked = [check_first_pass(full, fast, first_pass, *entry) for entry in sets]
        if args.json:
            args.json.write_text(
                json.dumps({"machine": machine, "first_pass": checked}, indent=1),
                encoding="utf-8",
            )
        return 1 if any(c["wrong"] for c in checked) else 0
    summaries = []
    all_records = {}
    for label, root, files in sets:
        records = run_both(full, fast, files, label, first_pass)
        summary = summarize(label, root, records)
        print_summary(summary)
        summaries.append(summary)
        all_records[label] = [asdict(r) for r in records]
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine,
                    "summaries": [asdict(s) for s in summaries],
                    "files": all_records,
                },
                indent=1,
            ),
            encoding="utf-8",
        )
    return 0


def check_first_pass(
    full: Engine,
    fast: Engine,
    first_pass: FirstPass,
    label: str,
    root: Path,
    files: list[tuple[Path, Path | None]],
) -> dict[str, Any]:
    """The first pass on every file; the engines on the files it rules out."""
    sound: list[str] = []
    gated: list[str] = []
    wrong: list[dict[str, Any]] = []
    started = time.perf_counter()
    for path, _data in files:
        data = path.read_bytes()
        if first_pass.could_hold_license(path, data, gate=True):
            continue
        relative = os.path.relpath(path, root)
        kept = bool(first_pass.could_hold_license(path, data, gate=False))
        (gated if kept else sound).append(relative)
        found = full.detect_file(path).license
        quick = fast.detect_file(path).license if kept else None
        if found is not None or quick is not None:
            wrong.append({"path": relative, "full": found, "fast": quick, "gate_only": kept})
    seconds = time.perf_counter() - started
    n = len(files)
    print(f"\n== {label}: {root}")
    print(f"files                                   {n}")
    print(f"ruled out by the sound stages           {len(sound)} ({percent(len(sound), n):.1f} %)")
    print(f"... and by the gate's test only         {len(gated)} ({percent(len(gated), n):.1f} %)")
    print(f"ruled out, with a license in an engine  {len(wrong)}")
    for w in wrong:
        print(f"  {w['path']}: full {w['full']}, fast {w['fast']}, gate only {w['gate_only']}")
    print(f"time                                    {seconds:.0f} s")
    return {"label": label, "files": n, "sound": sound, "gated": gated, "wrong": wrong}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
