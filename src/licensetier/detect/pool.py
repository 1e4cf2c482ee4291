"""Parallel detection: worker processes forked after ScanCode's index is loaded.

The index (about 1.4 GB) is loaded once, in the parent; the workers are forked from
it, so they share its pages copy-on-write instead of each loading a copy (the
garbage collector is told to leave those objects alone, ``gc.freeze``, so that it does
not touch and copy them: the engine freezes the index as it loads it, and the pool
freezes what else the parent holds before a longer run). Each worker takes one file
at a time over a pipe and sends back the detection as a plain mapping.

A per-file deadline guards the scan: ScanCode is given the engine's timeout and
stops matching by itself when it passes; a worker that still has not answered some
seconds later (a file ScanCode's own checks do not reach) is killed, the file is
reported with an error, and a new worker is forked in its place. No file is dropped.

Two more bounds hold whatever the files are. Each worker's address space is capped
(``RLIMIT_AS``) at what it had when it was forked plus ``memory`` bytes: a file that
needs more (a long single line of license words can take ScanCode many gigabytes) ends
in an error for that file, not in the host's OOM killer, and a new worker takes its
place. A whole-run ``deadline`` (``--max-time``) stops handing out files when it
passes and stops the workers still busy; the files not detected by then come back
as :attr:`Outcome.unscanned`.

Where ``fork`` does not exist (Windows), detection runs in the scanning process, and
neither the memory bound nor the kill at the deadline applies.

:func:`map_forked` runs the first pass (:mod:`licensetier.detect.files`) on many files
in forked workers too. Its workers are a second set, forked at another moment and for
another reason, which is why one pool cannot serve both: the first pass runs *before*
ScanCode's index is loaded (it decides whether the index is needed at all, and most
scans of a warm cache never load it), while detection workers must be forked *after*
it is loaded, to share its pages. Its work is plain reading of bounded files (no
per-file deadline to enforce, no memory a file can blow up), so a standard
``multiprocessing`` pool with the run's deadline serves it.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from licensetier.detect.engine import Engine, FileDetection
from licensetier.detect.prefilter import RuleSieve

# How long past the engine's own deadline a worker may go before it is killed.
GRACE_SECONDS = 5.0
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

# From this many files, the parent's objects are frozen before the workers fork.
FREEZE_FROM = 16
# What a worker may allocate beyond what it shares with the parent (the index).
DEFAULT_WORKER_MEMORY = 4 * 1024**3


@dataclass(frozen=True)
class Outcome:
    """The detection of one file, or why there is none."""

    index: int  # position in the list of files handed to detect_all
    detection: FileDetection | None
    error: str | None = None
    unscanned: bool = False  # not detected: the run's deadline passed first


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


# the function the workers of map_forked run (inherited through fork, never pickled)
_FORKED: Callable[[Any], Any] | None = None


def map_forked(
    function: Callable[[Any], Any],
    items: Sequence[Any],
    jobs: int,
    *,
    deadline: float | None = None,
    chunk: int = 64,
) -> Iterator[Any]:
    """``function(item)`` of every item, computed in ``jobs`` forked workers and yielded
    in the order the chunks finish. ``function`` reaches the workers through ``fork``
    (a closure will do); items and answers are pickled. At ``deadline`` (a
    ``time.monotonic()`` value) the workers are stopped and nothing more is yielded:
    the caller tells what is missing from what came back."""
    global _FORKED
    _FORKED = function
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            # chunks of files, each one task: the pool's own chunking hands back a plain
            # generator, which cannot wait with a timeout
            chunks = [items[at : at + chunk] for at in range(0, len(items), chunk)]
            done = pool.imap_unordered(_run_chunk, chunks)
            while True:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                try:
                    yield from done.next(left)
                except StopIteration:
                    return
                except multiprocessing.TimeoutError:
                    return  # leaving the block stops the workers
    finally:
        _FORKED = None


def _run_chunk(chunk: Sequence[Any]) -> list[Any]:
    assert _FORKED is not None
    function = _FORKED
    return [function(item) for item in chunk]


def detect_all(
    engine: Engine,
    locations: Sequence[str],
    jobs: int,
    on_done: Callable[[Outcome], None] | None = None,
    rule_sieve: RuleSieve | None = None,
    *,
    memory: int = DEFAULT_WORKER_MEMORY,
    deadline: float | None = None,
) -> Iterator[Outcome]:
    """Detect licenses in every file, with ``jobs`` worker processes; yields one
    :class:`Outcome` per file, in the order they finish. ``rule_sieve``: the first
    pass's table, if it is loaded (the gate's tables are built faster from it).
    ``memory``: the bytes each worker may allocate beyond the parent's; ``deadline``:
    a ``time.monotonic()`` value after which no file is detected."""
    if not locations:
        return
    if deadline is not None and time.monotonic() >= deadline:
        yield from (Outcome(i, None, unscanned=True) for i in range(len(locations)))
        return
    idx = engine.index()
    if engine.fast or engine.narrow:
        from licensetier.detect.fastpath import prepare

        # the gate's tables, built once and shared with the workers
        prepare(idx, rule_sieve)
    if not can_fork():
        for i, location in enumerate(locations):
            if deadline is not None and time.monotonic() >= deadline:
                yield Outcome(i, None, unscanned=True)
            else:
                yield _in_process(engine, i, location)
        return
    yield from _Pool(engine, min(jobs, len(locations)), memory, deadline).run(locations)


def _in_process(engine: Engine, i: int, location: str) -> Outcome:
    try:
        return Outcome(i, engine.detect_file(location))
    except Exception as exc:  # one bad file must not end the scan
        return Outcome(i, None, f"license detection failed: {exc!r}")


def _address_space() -> int | None:
    """This process's virtual memory size in bytes (Linux), or None."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _bound_memory(memory: int) -> None:
    """Cap this (worker) process's address space at its current size plus ``memory``:
    past it, allocations fail (MemoryError, or the worker dies) instead of the host
    running out of memory."""
    try:
        import resource
    except ImportError:  # not on a POSIX system
        return
    current = _address_space()
    if current is None:
        return
    limit = current + memory
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _die_with_parent(parent: int) -> None:
    """On Linux, ask the kernel to kill this worker when the scan that forked it dies
    (``prctl(PR_SET_PDEATHSIG, SIGKILL)``; no library wraps this one system call): a
    scan killed with SIGKILL while its worker detects a large file must not leave the
    worker running. Elsewhere, the closed pipe (see :func:`_worker`) ends it at its
    next read."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the scan died before the request was made
        os._exit(1)


def _worker(
    engine: Engine,
    conn: Connection,
    memory: int,
    inherited: Sequence[Connection] = (),
    parent: int = 0,
) -> None:
    """A worker's loop: read (index, location), answer (index, payload, error).

    ``inherited``: the scan's ends of this worker's pipe and of the workers' forked
    before it, which fork copied into this one; they are closed first, or a scan that
    is killed would leave this worker waiting for ever on a pipe it holds both ends of
    (and holding the scan's standard output open)."""
    for other in inherited:
        other.close()
    if parent:
        _die_with_parent(parent)
    _bound_memory(memory)
    try:
        while True:
            task = conn.recv()
            if task is None:
                break
            i, location = task
            try:
                payload = engine.detect_file(location).to_payload()
                conn.send((i, payload, None))
            except MemoryError:
                gc.collect()
                conn.send((i, None, _out_of_memory(memory)))
            except Exception as exc:
                last = traceback.format_exception_only(type(exc), exc)[-1].strip()
                conn.send((i, None, f"license detection failed: {last}"))
    except (EOFError, KeyboardInterrupt, BrokenPipeError):
        pass
    finally:
        conn.close()


@dataclass
class _Slot:
    process: Any  # multiprocessing.Process
    conn: Connection
    task: tuple[int, str] | None = None
    started: float = 0.0


def shown_size(size: int) -> str:
    """A size as --max-memory and --max-file-size take it: 4GB, 300MB, 512KB (powers of
    1024), else bytes."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    return f"{size} bytes"


def _out_of_memory(memory: int) -> str:
    return (
        f"license detection needed more memory than a worker may take "
        f"({shown_size(memory)} beyond the shared license index, --max-memory) and was stopped"
    )


class _Pool:
    def __init__(self, engine: Engine, jobs: int, memory: int, deadline: float | None) -> None:
        self.engine = engine
        self.jobs = jobs
        self.memory = memory
        self.deadline = deadline
        self.context = multiprocessing.get_context("fork")
        self.hard_deadline = engine.timeout + GRACE_SECONDS

    def _spawn(self, others: Sequence[_Slot] = ()) -> _Slot:
        """A new worker; ``others``: the live workers, whose pipes' scan-side ends
        the new one inherits and closes."""
        parent, child = self.context.Pipe()
        inherited = [s.conn for s in others if not s.conn.closed] + [parent]
        process = self.context.Process(
            target=_worker,
            args=(self.engine, child, self.memory, inherited, os.getpid()),
            daemon=True,
        )
        process.start()
        child.close()
        return _Slot(process, parent)

    def run(self, locations: Sequence[str]) -> Iterator[Outcome]:
        # Keep the parent's pages shared with the workers: the collector would touch
        # (and so copy) every object. A third of a second: only for longer runs. Not
        # undone afterwards, which would hand the index back to the collector too.
        if len(locations) > FREEZE_FROM:
            gc.collect()
            gc.freeze()
        pending = deque(enumerate(locations))
        slots: list[_Slot] = []
        for _ in range(self.jobs):
            slots.append(self._spawn(slots))
        remaining = len(locations)
        try:
            for slot in slots:
                self._give(slot, pending)
            while remaining:
                busy = [s for s in slots if s.task is not None]
                if not busy:  # every worker died without a task: should not happen
                    raise RuntimeError("no detection worker is running")
                if self.deadline is not None and time.monotonic() >= self.deadline:
                    # the run's time is up: what is being detected and what waits
                    # is reported as not scanned
                    for slot in busy:
                        yield self._kill(slot, unscanned=True)
                    yield from (Outcome(i, None, unscanned=True) for i, _ in pending)
                    return
                ready = self._wait(busy)
                for slot in busy:
                    outcome = self._answer(slot, ready)
                    if outcome is None:
                        continue
                    if slot.conn.closed:
                        slots[slots.index(slot)] = slot = self._spawn(slots)
                    remaining -= 1
                    yield outcome
                    self._give(slot, pending)
        finally:
            for slot in slots:
                self._stop(slot)

    def _wait(self, busy: list[_Slot]) -> list[Any]:
        """The connections of ``busy`` with an answer, waiting at most until the first
        per-file deadline or the run's deadline."""
        until = min(s.started + self.hard_deadline for s in busy)
        if self.deadline is not None:
            until = min(until, self.deadline)
        return wait([s.conn for s in busy], timeout=max(0.0, until - time.monotonic()))

    def _answer(self, slot: _Slot, ready: list[Any]) -> Outcome | None:
        """The busy slot's outcome: its answer, or its kill past the per-file deadline;
        None while it is still within it."""
        if slot.conn in ready:
            return self._receive(slot)
        if time.monotonic() - slot.started > self.hard_deadline:
            return self._kill(slot)
        return None

    def _give(self, slot: _Slot, pending: deque[tuple[int, str]]) -> None:
        if not pending:
            slot.task = None
            return
        slot.task = pending.popleft()
        slot.started = time.monotonic()
        slot.conn.send(slot.task)

    def _receive(self, slot: _Slot) -> Outcome:
        assert slot.task is not None
        i, _location = slot.task
        try:
            got_i, payload, error = slot.conn.recv()
        except (EOFError, OSError):
            # the worker died on this file (killed by the system, a crash in C code)
            slot.conn.close()
            slot.process.join(timeout=1)
            code = slot.process.exitcode
            if isinstance(code, int) and code < 0:
                # C code whose allocation fails at the memory bound dies of a signal
                return Outcome(
                    i,
                    None,
                    f"license detection failed: the worker died of signal {-code}, most "
                    f"likely at its memory bound ({shown_size(self.memory)} beyond the shared "
                    f"license index, --max-memory)",
                )
            return Outcome(i, None, f"license detection failed: the worker exited ({code})")
        if payload is None:
            return Outcome(got_i, None, error)
        return Outcome(got_i, FileDetection.from_payload(payload))

    def _kill(self, slot: _Slot, *, unscanned: bool = False) -> Outcome:
        assert slot.task is not None
        i, _ = slot.task
        slot.process.kill()
        slot.process.join(timeout=5)
        slot.conn.close()
        slot.task = None
        if unscanned:
            return Outcome(i, None, unscanned=True)
        return Outcome(
            i,
            None,
            f"license detection did not finish within the per-file deadline "
            f"({self.engine.timeout:g} s, then {GRACE_SECONDS:g} s of grace) and was stopped",
        )

    def _stop(self, slot: _Slot) -> None:
        if not slot.conn.closed:
            with contextlib.suppress(BrokenPipeError, OSError):
                slot.conn.send(None)
            slot.conn.close()
        slot.process.join(timeout=2)
        if slot.process.is_alive():
            slot.process.kill()
            slot.process.join(timeout=2)
