"""licensetier against the ScanCode CLI, side by side on one real corpus, in one run.

Usage::

    .venv/bin/python benchmarks/speed.py --corpus /tmp/lt-corpus --jobs 2 \
        [--limit N] [--out-dir DIR] [--json OUT]

The corpus (``benchmarks/build_corpus.py``: about 10,800 files of pinned npm packages
and unpacked pure-Python wheels, committed to git) is built at ``--corpus`` if it is
not there yet. ``--limit N`` runs on a separate git repository holding a fixed subset
of N of its files (``CORPUS-subsetN``), for a quick trial.

The runs, one after the other, each a fresh process:

a. ``scancode --license -n J --json OUT --quiet --ignore .git CORPUS``;
b. ``licensetier scan CORPUS --jobs J --cache-dir EMPTY --format json --output OUT
   --fail-on never``: cold, the cache directory empty;
c. the same again, nothing changed: warm;
d. after appending a line of code (no license text) to one ``.js`` file;
e. after putting a GPL-2.0-or-later notice at the top of the same file (d undone first).

The edits of d and e are left unstaged in the work tree (not committed) and undone
with ``git checkout`` afterwards, so the corpus is the same for the next run.
``--jobs`` and ``--cache-dir`` are passed only when ``licensetier scan --help`` lists
them. Every licensetier run also gets ``XDG_CACHE_HOME`` pointing at a directory of
this run's, empty before the cold run, so no cache from elsewhere can make it warm.

Before the runs, every corpus file is read once (all runs find it in the page cache),
and ScanCode and licensetier each scan a one-file directory once, so neither pays for
building its index cache or for a cold read of it.

Measured for each run:

* wall time (``time.perf_counter`` around the process);
* CPU time: user + system of the process and all its descendants it waited for
  (``os.wait4``);
* memory, sampled over the process tree (found through ``/proc/PID/task/TID/children``)
  by a thread of this script: every ``--interval`` seconds the RSS of each process
  (``/proc/PID/statm``), giving the peak of the sum of RSS and the largest RSS of a
  single process; the sum of PSS (``/proc/PID/smaps_rollup``: pages shared between
  forked workers are counted once between them) on as many of those samples as fit in
  ``--pss-budget`` of the run's time, since reading it walks the page tables (about
  25 ms for a 1.4 GB process) and would otherwise take a core's worth of time from
  the runs measured. Also the kernel's high-water RSS of the largest process of the
  tree (``ru_maxrss`` from ``os.wait4``).

Agreement: for every tracked file of the corpus, ScanCode's
``detected_license_expression`` against licensetier's ``scancode_license`` (the same
ScanCode license-key vocabulary) from the cold run, compared as strings; "no license"
on both sides agrees. Disagreements whose expressions are nonetheless equivalent
(``license_expression.Licensing().is_equivalent``) are marked as such. A file that
licensetier skips (one ScanCode reads no text from, such as an image or an archive;
over the size cap; a symlink) counts as "no license" for licensetier; a file missing
from ScanCode's output (ScanCode always ignores some VCS files, such as
``.gitignore``) counts as "no license" for ScanCode. Both are listed. The agreement
is also given by form of file (:func:`file_form`: binary, UTF-16/32 text with a BOM,
RTF, other text), so that binaries, whose strings ScanCode reads, are seen to agree.
UTF-16/32 text with a byte order mark is where licensetier differs on purpose: it
reads the decoded text (``prefilter.transcoded``), where ScanCode 32.5 reads one
letter per word and finds nothing; a disagreement in that form is that choice.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import build_corpus  # noqa: E402

MIB = 1024 * 1024
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

# Edit d: a line of code, no license text (and no word that looks like one).
CODE_LINE = "\nvar benchmarkEditedValue = 1;\n"
# Edit e: a license notice at the top of the file.
GPL_NOTICE = """\
/*
 * This program is free software; you can redistribute it and/or modify
 * it under the terms of the GNU General Public License as published by
 * the Free Software Foundation; either version 2 of the License, or
 * (at your option) any later version.
 *
 * This program is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
 * GNU General Public License for more details.
 */
"""
EXPECTED_GPL_KEY = "gpl-2.0-plus"

RUN_LABELS = {
    "scancode": "a. scancode --license -n J",
    "cold": "b. licensetier cold (empty cache)",
    "warm": "c. licensetier warm (nothing changed)",
    "edit-code": "d. licensetier, 1 file changed (code)",
    "edit-license": "e. licensetier, 1 file changed (license text)",
}


# -- measuring one process tree ----------------------------------------------------------
def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                found.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return found


def _tree(root: int) -> list[int]:
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(_children(pid))
    return pids


def _rss(pid: int) -> int | None:
    """RSS in bytes (cheap: /proc/PID/statm), or None if the process is gone."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return None


def _pss(pid: int) -> int | None:
    """PSS in bytes (/proc/PID/smaps_rollup: walks the page tables, about 25 ms for a
    1.4 GB process), or None if unavailable."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        return None
    return None


class Sampler(threading.Thread):
    """Samples the memory of a process tree until stopped.

    RSS every ``interval`` seconds. PSS costs far more to read, so it is read on a
    sample only while the time spent reading it stays within ``pss_budget`` of the
    time elapsed (always on the first sample): every sample for small processes, about
    one in ten for ScanCode-sized ones at the default 5 %.
    """

    def __init__(self, pid: int, interval: float, pss_budget: float) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.pss_budget = pss_budget
        self.done = threading.Event()
        self.started = time.perf_counter()
        self.pss_spent = 0.0
        self.peak_rss_sum = 0
        self.peak_pss_sum: int | None = None
        self.max_single_rss = 0
        self.max_processes = 0
        self.samples = 0
        self.pss_samples = 0
        self.cpu_s = 0.0  # this thread's own CPU time

    def sample(self) -> None:
        sizes = {pid: rss for pid in _tree(self.pid) if (rss := _rss(pid)) is not None}
        if not sizes:
            return
        self.samples += 1
        self.max_processes = max(self.max_processes, len(sizes))
        self.peak_rss_sum = max(self.peak_rss_sum, sum(sizes.values()))
        self.max_single_rss = max(self.max_single_rss, *sizes.values())
        now = time.perf_counter()
        if self.pss_spent > self.pss_budget * (now - self.started):
            return
        pss = [_pss(pid) for pid in sizes]
        self.pss_spent += time.perf_counter() - now
        if all(p is not None for p in pss):
            self.pss_samples += 1
            self.peak_pss_sum = max(self.peak_pss_sum or 0, sum(p or 0 for p in pss))

    def run(self) -> None:
        while not self.done.is_set():
            self.sample()
            self.done.wait(self.interval)
        self.cpu_s = time.thread_time()

    def stop(self) -> None:
        self.done.set()
        self.join()


@dataclass
class Run:
    name: str
    label: str
    cmd: list[str]
    exit_code: int
    wall_s: float
    cpu_user_s: float
    cpu_sys_s: float
    peak_rss_sum: int
    peak_pss_sum: int | None
    max_single_rss: int
    kernel_maxrss: int  # ru_maxrss from wait4: the largest process of the tree
    max_processes: int
    samples: int
    pss_samples: int
    sampler_cpu_s: float
    load_before: tuple[float, float, float]
    output: str
    log: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cpu_s(self) -> float:
        return self.cpu_user_s + self.cpu_sys_s


def measure(
    name: str,
    cmd: list[str],
    *,
    output: Path,
    log: Path,
    env: dict[str, str],
    interval: float,
    pss_budget: float,
) -> Run:
    print(f"[{name}] {' '.join(cmd)}", file=sys.stderr, flush=True)
    load = os.getloadavg()
    with log.open("w") as log_fh:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=log_fh, stderr=subprocess.STDOUT, env=env)
        sampler = Sampler(proc.pid, interval, pss_budget)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        sampler.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    run = Run(
        name=name,
        label=RUN_LABELS.get(name, name),
        cmd=cmd,
        exit_code=proc.returncode,
        wall_s=wall,
        cpu_user_s=usage.ru_utime,
        cpu_sys_s=usage.ru_stime,
        peak_rss_sum=sampler.peak_rss_sum,
        peak_pss_sum=sampler.peak_pss_sum,
        max_single_rss=sampler.max_single_rss,
        kernel_maxrss=usage.ru_maxrss * 1024,
        max_processes=sampler.max_processes,
        samples=sampler.samples,
        pss_samples=sampler.pss_samples,
        sampler_cpu_s=sampler.cpu_s,
        load_before=load,
        output=str(output),
        log=str(log),
    )
    print(
        f"[{name}] exit {run.exit_code}, wall {wall:.2f} s, CPU {run.cpu_s:.2f} s",
        file=sys.stderr,
        flush=True,
    )
    return run


# -- the tools ---------------------------------------------------------------------------
def tool(name: str, given: str | None) -> str:
    if given:
        return given
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def licensetier_options(licensetier: str) -> set[str]:
    out = subprocess.run(
        [licensetier, "scan", "--help"], capture_output=True, text=True, check=True
    ).stdout
    return {opt for opt in ("--jobs", "--cache-dir") if opt in out}


def version_of(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else ""


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))}, Linux {platform.release()}"
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "memory": mem,
        "os": os_name,
        "python": platform.python_version(),
    }


def licensetier_source() -> str:
    try:
        head = build_corpus.git(REPO, "rev-parse", "--short", "HEAD").strip()
        dirty = build_corpus.git(REPO, "status", "--porcelain", "--", "src").strip()
    except (subprocess.CalledProcessError, OSError):
        return "unknown"
    return f"{head}{' + uncommitted changes in src/' if dirty else ''}"


# -- reading the results -----------------------------------------------------------------
def scancode_results(path: Path) -> tuple[dict[str, str | None], dict[str, list[str]]]:
    data = json.loads(path.read_text())
    licenses: dict[str, str | None] = {}
    errors: dict[str, list[str]] = {}
    for item in data.get("files", []):
        if item.get("type") != "file":
            continue
        rel = item["path"].split("/", 1)[1] if "/" in item["path"] else item["path"]
        licenses[rel] = item.get("detected_license_expression")
        if item.get("scan_errors"):
            errors[rel] = item["scan_errors"]
    return licenses, errors


@dataclass
class TierResults:
    licenses: dict[str, str | None]
    skipped: dict[str, str]
    field: str
    tool: dict[str, Any]
    errors: list[dict[str, Any]]


def licensetier_results(path: Path) -> TierResults:
    data = json.loads(path.read_text())
    files = data.get("files", [])
    key = "scancode_license" if any("scancode_license" in f for f in files) else "license"
    return TierResults(
        licenses={f["path"]: f.get(key) for f in files},
        skipped={s["path"]: s.get("reason", "") for s in data.get("skipped", [])},
        field=key,
        tool=data.get("tool", {}),
        errors=data.get("errors", []),
    )


def equivalent(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    try:
        from license_expression import Licensing

        return bool(Licensing().is_equivalent(a, b))
    except Exception:
        return False


def file_form(path: Path) -> str:
    """How ScanCode has to read a file: ``utf-16/32`` (a byte-order mark), ``binary``
    (a NUL byte: it reads the strings, unless it reads no text at all), ``rtf``, or
    ``text``."""
    try:
        data = path.read_bytes()
    except OSError:
        return "unreadable"
    if data[:4] in (b"\xff\xfe\0\0", b"\0\0\xfe\xff") or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16/32"
    if b"\0" in data:
        return "binary"
    if data.lstrip()[:5] == b"{\\rtf":
        return "rtf"
    return "text"


def agreement(
    paths: list[str],
    sc: dict[str, str | None],
    sc_errors: dict[str, list[str]],
    lt: TierResults,
    forms: dict[str, str] | None = None,
) -> dict[str, Any]:
    disagreements: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    not_in_scancode: list[dict[str, Any]] = []
    not_in_licensetier: list[str] = []
    agree = 0
    by_form: dict[str, dict[str, int]] = {}
    for path in paths:
        sc_expr = sc.get(path)
        lt_expr = lt.licenses.get(path)
        reason = lt.skipped.get(path)
        form = by_form.setdefault((forms or {}).get(path, "text"), {"files": 0, "identical": 0})
        form["files"] += 1
        form["identical"] += sc_expr == lt_expr
        if path not in sc:
            not_in_scancode.append({"path": path, "licensetier": lt_expr})
        if path not in lt.licenses and reason is None:
            not_in_licensetier.append(path)
        if reason is not None:
            skipped.append({"path": path, "reason": reason, "scancode": sc_expr})
        if sc_expr == lt_expr:
            agree += 1
            continue
        disagreements.append(
            {
                "path": path,
                "scancode": sc_expr,
                "licensetier": lt_expr,
                "licensetier_skipped": reason,
                "equivalent": equivalent(sc_expr, lt_expr),
                "scancode_errors": sc_errors.get(path, []),
            }
        )
    total = len(paths)
    equiv = sum(1 for d in disagreements if d["equivalent"])
    return {
        "files": total,
        "compared": f"scancode detected_license_expression vs licensetier {lt.field}",
        "identical": agree,
        "identical_pct": 100.0 * agree / total if total else 0.0,
        "equivalent_after_normalising": agree + equiv,
        "equivalent_pct": 100.0 * (agree + equiv) / total if total else 0.0,
        "with_license_scancode": sum(1 for p in paths if sc.get(p)),
        "with_license_licensetier": sum(1 for p in paths if lt.licenses.get(p)),
        "disagreements": disagreements,
        "licensetier_skipped": skipped,
        "not_in_scancode_output": not_in_scancode,
        "not_in_licensetier_output": not_in_licensetier,
        "scancode_scan_errors": {p: e for p, e in sc_errors.items()},
        "by_form": dict(sorted(by_form.items())),
    }


def differences(a: TierResults, b: TierResults) -> list[str]:
    paths = sorted(set(a.licenses) | set(b.licenses) | set(a.skipped) | set(b.skipped))
    return [
        p
        for p in paths
        if a.licenses.get(p) != b.licenses.get(p) or a.skipped.get(p) != b.skipped.get(p)
    ]


# -- the benchmark -----------------------------------------------------------------------
def warm_page_cache(corpus: Path, paths: list[str]) -> None:
    for rel in paths:
        with (corpus / rel).open("rb") as fh:
            while fh.read(1 << 20):
                pass


def warm_up(scancode: str, licensetier: str, options: set[str], work: Path) -> None:
    """One tiny scan with each tool: index caches built and read once, outside timing."""
    tiny = work / "warm-up" / "tiny"
    tiny.mkdir(parents=True, exist_ok=True)
    (tiny / "a.js").write_text("// SPDX-License-Identifier: MIT\nvar a = 1;\n")
    print("[warm-up] one-file scans with both tools", file=sys.stderr, flush=True)
    out = work / "warm-up"
    subprocess.run(
        [scancode, "--license", "-n", "1", "--json", str(out / "sc.json"), "--quiet", str(tiny)],
        check=True,
        capture_output=True,
    )
    cmd = [licensetier, "scan", str(tiny), "--format", "json", "--output", str(out / "lt.json")]
    cmd += ["--fail-on", "never"]
    if "--cache-dir" in options:
        cmd += ["--cache-dir", str(out / "cache")]
    env = {**os.environ, "XDG_CACHE_HOME": str(out / "xdg-cache")}
    subprocess.run(cmd, check=True, capture_output=True, env=env)


def pick_file(paths: list[str], corpus: Path, sc: dict[str, str | None], lt: TierResults) -> str:
    """The first .js file (by path) of 2-64 KB with no license for either tool."""
    candidates = [p for p in paths if p.endswith(".js")]
    for path in candidates:
        if path not in lt.licenses or sc.get(path) or lt.licenses.get(path):
            continue
        if 2048 <= (corpus / path).stat().st_size <= 65536:
            return path
    if not candidates:
        raise SystemExit("no .js file in the corpus to edit")
    return candidates[0]


def fmt_mib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / MIB:,.0f}"


def table(runs: list[Run], sc_wall: float | None) -> str:
    lines = [
        "| run | wall s | CPU s | peak RSS sum MiB | peak PSS sum MiB | max single RSS MiB "
        "| ScanCode wall / wall |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        ratio = f"{sc_wall / r.wall_s:,.1f}x" if sc_wall and r.name != "scancode" else "1x"
        if sc_wall is None:
            ratio = "n/a"
        lines.append(
            f"| {r.label} | {r.wall_s:.2f} | {r.cpu_s:.2f} | {fmt_mib(r.peak_rss_sum)} "
            f"| {fmt_mib(r.peak_pss_sum)} | {fmt_mib(r.max_single_rss)} | {ratio} |"
        )
    return "\n".join(lines)


def scancode_index_load(python: str) -> float:
    """ScanCode's index load as ScanCode does it (``get_index()``, Python's garbage
    collector on), in a fresh process of ``python``: the median of three."""
    # plugin_compat first (it imports nothing of ScanCode): ScanCode's plugin modules
    # do not import under pluggy 1.6+ without it
    code = (
        "from licensetier.detect import plugin_compat; plugin_compat.install(); "
        "import time; t = time.perf_counter(); "
        "from licensedcode.cache import get_index; get_index(); "
        "print(time.perf_counter() - t)"
    )
    times = [
        float(
            subprocess.run(
                [python, "-c", code], capture_output=True, text=True, check=True
            ).stdout.strip()
        )
        for _ in range(3)
    ]
    return sorted(times)[1]


def targets(
    runs: dict[str, Run],
    agree: dict[str, Any],
    index_load: float | None,
    jobs: int,
    scancode_load: float | None = None,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(name: str, value: str, target: str, ok: bool | None) -> None:
        verdict = "n/a" if ok is None else ("met" if ok else "NOT met")
        out.append({"target": name, "measured": value, "goal": target, "verdict": verdict})

    sc, cold = runs.get("scancode"), runs["cold"]
    if sc is not None:
        ratio = sc.wall_s / cold.wall_s
        add(
            f"cold scan vs scancode -n {jobs}, wall",
            f"{ratio:.1f}x faster",
            ">= 30x (for -n 2)",
            ratio >= 30 if jobs == 2 else None,
        )
    pct = agree["identical_pct"]
    add("per-file expressions identical", f"{pct:.3f} %", ">= 99.9 %", pct >= 99.9)
    warm = runs["warm"].wall_s
    add("warm rescan, nothing changed", f"{warm:.2f} s", "<= 0.5 s", warm <= 0.5)
    code = runs["edit-code"].wall_s
    add("rescan, 1 file changed without license text", f"{code:.2f} s", "<= 1 s", code <= 1.0)
    lic = runs["edit-license"].wall_s
    if index_load is None:
        add("rescan, 1 file changed with license text", f"{lic:.2f} s", "<= index load + 1 s", None)
    else:
        add(
            "rescan, 1 file changed with license text",
            f"{lic:.2f} s (index load {index_load:.2f} s)",
            f"<= {index_load + 1:.2f} s",
            lic <= index_load + 1.0,
        )
    if scancode_load is not None:
        add(
            "the same, against ScanCode's own index load (get_index as ScanCode calls it)",
            f"{lic:.2f} s (ScanCode's load {scancode_load:.2f} s)",
            f"<= {scancode_load + 1:.2f} s",
            lic <= scancode_load + 1.0,
        )
    if sc is not None:
        worker = sc.max_single_rss
        mine = max(
            (r.peak_pss_sum or r.peak_rss_sum) for name, r in runs.items() if name != "scancode"
        )
        add(
            f"licensetier peak memory (PSS sum, --jobs {jobs}) vs one ScanCode process (RSS)",
            f"{fmt_mib(mine)} MiB vs {fmt_mib(worker)} MiB",
            "<=",
            mine <= worker,
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="built here if missing")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for both tools")
    parser.add_argument("--limit", type=int, help="run on a fixed subset of N files")
    parser.add_argument("--out-dir", type=Path, help="reports and logs (default: a temp dir)")
    parser.add_argument("--json", type=Path, help="all figures (default: OUT_DIR/speed.json)")
    parser.add_argument("--interval", type=float, default=0.1, help="memory sampling, seconds")
    parser.add_argument(
        "--pss-budget",
        type=float,
        default=0.05,
        help="share of the run's wall time the sampler may spend reading PSS (default 0.05)",
    )
    parser.add_argument("--scancode", help="the scancode command (default: beside python)")
    parser.add_argument("--licensetier", help="the licensetier command (default: beside python)")
    parser.add_argument(
        "--reuse-scancode",
        type=Path,
        metavar="JSON",
        help="take ScanCode's results from an earlier run's output instead of running it "
        "(no ScanCode timing then; for trying licensetier changes only)",
    )
    parser.add_argument("--no-warm-up", action="store_true", help="skip the warm-up scans")
    args = parser.parse_args(argv)

    scancode = tool("scancode", args.scancode)
    licensetier = tool("licensetier", args.licensetier)
    options = licensetier_options(licensetier)
    notes: list[str] = []
    for opt in ("--jobs", "--cache-dir"):
        if opt not in options:
            notes.append(f"`licensetier scan` has no {opt}: the runs are made without it.")

    info = build_corpus.build(args.corpus)
    print(f"corpus: {info.path}, {info.files} files, commit {info.commit}", file=sys.stderr)
    if args.limit:
        sub_dest = info.path + f"-subset{args.limit}"
        info = build_corpus.subset(Path(info.path), args.limit, Path(sub_dest))
        print(f"subset: {info.path}, {info.files} files", file=sys.stderr)
    corpus = Path(info.path)
    paths = build_corpus.tracked_files(corpus)

    out_dir = args.out_dir or Path(tempfile.mkdtemp(prefix="lt-speed-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    work = out_dir / "work"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    cache_dir = work / "licensetier-cache"
    xdg_cache = work / "xdg-cache"
    cache_dir.mkdir()
    xdg_cache.mkdir()

    env = dict(os.environ)
    lt_env = {**env, "XDG_CACHE_HOME": str(xdg_cache)}
    versions = {
        "scancode": version_of([scancode, "--version"]),
        "licensetier": version_of([licensetier, "--version"]),
        "licensetier_source": licensetier_source(),
    }

    if not args.no_warm_up:
        warm_up(scancode, licensetier, options, work)
    warm_page_cache(corpus, paths)

    runs: dict[str, Run] = {}
    # a. ScanCode
    if args.reuse_scancode:
        sc_json = args.reuse_scancode
        notes.append(f"ScanCode was not run: its results were taken from {sc_json}.")
    else:
        sc_json = out_dir / "scancode.json"
        cmd = [scancode, "--license", "-n", str(args.jobs), "--json", str(sc_json), "--quiet"]
        cmd += ["--ignore", ".git", str(corpus)]
        runs["scancode"] = measure(
            "scancode",
            cmd,
            output=sc_json,
            log=out_dir / "scancode.log",
            env=env,
            interval=args.interval,
            pss_budget=args.pss_budget,
        )
    sc, sc_errors = scancode_results(sc_json)
    in_git = sorted(p for p in sc if p == ".git" or p.startswith(".git/"))
    if in_git:
        raise SystemExit(f"ScanCode scanned .git: {in_git[:5]}")

    def lt_cmd(output: Path) -> list[str]:
        cmd = [licensetier, "scan", str(corpus), "--format", "json", "--output", str(output)]
        cmd += ["--fail-on", "never"]
        if "--jobs" in options:
            cmd += ["--jobs", str(args.jobs)]
        if "--cache-dir" in options:
            cmd += ["--cache-dir", str(cache_dir)]
        return cmd

    def lt_run(name: str) -> tuple[Run, TierResults]:
        output = out_dir / f"licensetier-{name}.json"
        run = measure(
            name,
            lt_cmd(output),
            output=output,
            log=out_dir / f"licensetier-{name}.log",
            env=lt_env,
            interval=args.interval,
            pss_budget=args.pss_budget,
        )
        if run.exit_code != 0 or not output.exists():
            raise SystemExit(f"licensetier failed ({run.exit_code}): see {run.log}")
        results = licensetier_results(output)
        run.extra["tool"] = results.tool
        run.extra["scan_errors"] = len(results.errors)
        runs[name] = run
        return run, results

    checks: dict[str, Any] = {}
    _, cold = lt_run("cold")
    _, warm = lt_run("warm")
    checks["warm_same_as_cold"] = differences(cold, warm)

    edited = pick_file(paths, corpus, sc, cold)
    target = corpus / edited
    original = target.read_bytes()
    checks["edited_file"] = edited
    checks["edits"] = "left unstaged in the work tree, undone with git checkout"
    try:
        target.write_bytes(original + CODE_LINE.encode())
        _, code = lt_run("edit-code")
        build_corpus.git(corpus, "checkout", "--", edited)
        target.write_bytes(GPL_NOTICE.encode() + original)
        _, lic = lt_run("edit-license")
    finally:
        build_corpus.git(corpus, "checkout", "--", edited)
    checks["edit_code_result"] = code.licenses.get(edited)
    checks["edit_code_others_same_as_cold"] = [p for p in differences(cold, code) if p != edited]
    checks["edit_license_result"] = lic.licenses.get(edited)
    checks["edit_license_detected"] = EXPECTED_GPL_KEY in (lic.licenses.get(edited) or "")
    checks["edit_license_others_same_as_cold"] = [p for p in differences(cold, lic) if p != edited]
    if not build_corpus.is_clean(corpus):
        status = build_corpus.git(corpus, "status", "--porcelain", "--ignored")
        checks["corpus_left_dirty"] = status.splitlines()
        notes.append("The runs left files in the corpus (restored): " + status.strip())
        build_corpus.restore(corpus)

    index_load = None
    for name in ("edit-license", "cold"):
        value = runs[name].extra.get("tool", {}).get("index_load_seconds")
        if value is not None:
            index_load = float(value)
            break

    agree = agreement(paths, sc, sc_errors, cold, {p: file_form(corpus / p) for p in paths})
    sc_wall = runs["scancode"].wall_s if "scancode" in runs else None
    beside = Path(scancode).parent / "python"
    scancode_load = scancode_index_load(str(beside) if beside.exists() else sys.executable)
    goal = targets(runs, agree, index_load, args.jobs, scancode_load)
    if args.limit:
        notes.append(
            f"--limit {args.limit}: a {info.files}-file subset; the targets are meant for "
            "the full corpus and are indicative only here."
        )

    report = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions,
        "corpus": info.to_dict(),
        "jobs": args.jobs,
        "interval": args.interval,
        "pss_budget": args.pss_budget,
        "licensetier_options_used": sorted(options),
        "runs": [{**asdict(r), "cpu_s": r.cpu_s} for r in runs.values()],
        "index_load_seconds": index_load,
        "scancode_index_load_seconds": scancode_load,
        "targets": goal,
        "checks": checks,
        "agreement": agree,
        "notes": notes,
    }
    json_path = args.json or out_dir / "speed.json"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    text = render(report, list(runs.values()), sc_wall)
    (out_dir / "speed.md").write_text(text)
    print(text)
    print(f"\nfull results: {json_path}; outputs and logs: {out_dir}", file=sys.stderr)
    return 0


def render(report: dict[str, Any], runs: list[Run], sc_wall: float | None) -> str:
    m, v, c, a = report["machine"], report["versions"], report["corpus"], report["agreement"]
    lines = [
        "## licensetier vs ScanCode CLI",
        "",
        f"- machine: {m['cpu']}, {m['cores']} cores ({m['cores_usable']} usable), "
        f"{m['memory']} RAM, {m['os']}, Python {m['python']}",
        f"- {v['scancode']}; {v['licensetier']} ({v['licensetier_source']})",
        f"- corpus: {c['path']}, {c['files']} files, commit {c['commit'][:12]}"
        + (f" (subset of {c['subset_of']})" if c["subset_of"] else ""),
        f"- jobs: {report['jobs']}; licensetier options used: "
        f"{', '.join(report['licensetier_options_used']) or 'neither --jobs nor --cache-dir'}",
        f"- ScanCode's index load, as licensetier reports it: "
        f"{report['index_load_seconds'] if report['index_load_seconds'] is not None else 'n/a'} s"
        f" (licensetier pauses Python's garbage collector while it loads); ScanCode's own, "
        f"get_index() in a fresh process: {report['scancode_index_load_seconds']:.2f} s",
        "",
        table(runs, sc_wall),
        "",
        "CPU: user + system of the whole process tree. Memory: peaks of samples of the "
        f"process tree, RSS every {report['interval']} s, PSS on "
        + ", ".join(f"{r.pss_samples} of {r.samples}" for r in runs)
        + f" samples ({report['pss_budget']:.0%} time budget); "
        "kernel high-water RSS of the largest process: "
        + ", ".join(f"{r.name} {fmt_mib(r.kernel_maxrss)} MiB" for r in runs)
        + "; load average (1 min) before each run: "
        + ", ".join(f"{r.name} {r.load_before[0]:.2f}" for r in runs)
        + ".",
        "",
        "### Targets",
        "",
        "| target | measured | goal | verdict |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {t['target']} | {t['measured']} | {t['goal']} | {t['verdict']} |"
        for t in report["targets"]
    ]
    ch = report["checks"]
    lines += [
        "",
        "### Checks",
        "",
        f"- warm run's results differ from the cold run's on {len(ch['warm_same_as_cold'])} "
        f"files{': ' + ', '.join(ch['warm_same_as_cold'][:20]) if ch['warm_same_as_cold'] else ''}",
        f"- edited file: `{ch['edited_file']}` ({ch['edits']})",
        f"- d (code line): its license is {ch['edit_code_result']!r}; other files differing "
        f"from the cold run: {len(ch['edit_code_others_same_as_cold'])}",
        f"- e (GPL notice): its license is {ch['edit_license_result']!r} "
        f"({'found' if ch['edit_license_detected'] else 'NOT found'}: {EXPECTED_GPL_KEY}); "
        f"other files differing from the cold run: {len(ch['edit_license_others_same_as_cold'])}",
        "",
        "### Agreement (cold run)",
        "",
        f"{a['compared']}, exact string equality, no license on both sides counted as "
        f"agreement: **{a['identical']} of {a['files']} files identical "
        f"({a['identical_pct']:.3f} %)**; equivalent after normalising with "
        f"license_expression: {a['equivalent_after_normalising']} "
        f"({a['equivalent_pct']:.3f} %). Files with a license: ScanCode "
        f"{a['with_license_scancode']}, licensetier {a['with_license_licensetier']}.",
        "",
        "By form of file: "
        + "; ".join(
            f"{form} {f['identical']} of {f['files']} identical"
            for form, f in a.get("by_form", {}).items()
        )
        + ".",
        "",
        f"Disagreements ({len(a['disagreements'])}):",
        "",
    ]
    if a["disagreements"]:
        lines += [
            "| path | scancode | licensetier | licensetier skipped | equivalent |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| `{d['path']}` | {d['scancode']} | {d['licensetier']} "
            f"| {d['licensetier_skipped'] or ''} | {'yes' if d['equivalent'] else ''} |"
            for d in a["disagreements"]
        ]
    else:
        lines.append("none")
    lines += ["", f"Skipped by licensetier ({len(a['licensetier_skipped'])}):", ""]
    lines += [
        f"- `{s['path']}`: {s['reason']} (ScanCode: {s['scancode']})"
        for s in a["licensetier_skipped"]
    ] or ["none"]
    lines += ["", f"Not in ScanCode's output ({len(a['not_in_scancode_output'])}):", ""]
    lines += [
        f"- `{s['path']}` (licensetier: {s['licensetier']})" for s in a["not_in_scancode_output"]
    ] or ["none"]
    if a["not_in_licensetier_output"]:
        lines += ["", f"Not in licensetier's output ({len(a['not_in_licensetier_output'])}):", ""]
        lines += [f"- `{p}`" for p in a["not_in_licensetier_output"]]
    if a["scancode_scan_errors"]:
        lines += ["", f"ScanCode scan errors ({len(a['scancode_scan_errors'])}):", ""]
        lines += [f"- `{p}`: {' / '.join(e)[:300]}" for p, e in a["scancode_scan_errors"].items()]
    if report["notes"]:
        lines += ["", "### Notes", ""] + [f"- {n}" for n in report["notes"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
