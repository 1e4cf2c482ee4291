"""The detection cache on real SQLite files, with real concurrent and killed processes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from licensetier.cache import (
    CACHE_ENV,
    CACHE_FILE,
    DetectionCache,
    blob_id,
    default_cache_dir,
)

ENGINE = "32.5.0"
DB = "2024.1"


def _open(directory: Path, engine: str = ENGINE, db: str = DB, **kw: float) -> DetectionCache:
    return DetectionCache.open(directory, engine_version=engine, db_version=db, **kw)


def _payload(i: int) -> dict[str, object]:
    return {"license_expression": "mit", "matches": [{"start": i, "end": i + 3}], "i": i}


def _keys(n: int, salt: str = "") -> list[str]:
    return [blob_id(f"{salt}{i}".encode()) for i in range(n)]


def _fill(directory: Path, n: int, *, size: int = 0) -> list[str]:
    """A closed cache holding n detections (payloads padded to about ``size`` bytes)."""
    keys = _keys(n)
    with _open(directory) as cache:
        assert cache.warnings == []
        for i, key in enumerate(keys):
            cache.put(key, "fast", {**_payload(i), "pad": "x" * size} if size else _payload(i))
    return keys


def _corrupt_files(directory: Path) -> list[Path]:
    moved = directory.glob(f"{CACHE_FILE}.corrupt-*")
    return sorted(path for path in moved if not path.name.endswith(("-wal", "-shm")))


def _assert_works(cache: DetectionCache) -> None:
    assert cache.enabled
    cache.put("k-new", "full", {"ok": True})
    cache.put_value("ns", "k", [1, 2])
    cache.flush()
    assert cache.get_many(["k-new"], "full") == {"k-new": {"ok": True}}
    assert cache.get_value("ns", "k") == [1, 2]


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def cache(cache_dir: Path) -> Iterator[DetectionCache]:
    opened = _open(cache_dir)
    yield opened
    opened.close()


# -- keys and locations ------------------------------------------------------------------


def test_blob_id_is_gits_blob_sha1() -> None:
    # `git hash-object` of an empty file and of "hello\n".
    assert blob_id(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    assert blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_default_cache_dir_honours_the_override(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "here"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "here"


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG applies to Linux and others")
def test_default_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "licensetier"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "licensetier"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # invalid per the XDG spec
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "licensetier"


# -- round trips and invalidation -----------------------------------------------------------


def test_round_trip_through_the_buffer_and_the_file(cache_dir: Path) -> None:
    with _open(cache_dir) as cache:
        assert cache.enabled
        assert cache.path == cache_dir.absolute() / CACHE_FILE
        cache.put("a", "fast", _payload(1))
        assert cache.get_many(["a", "b"], "fast") == {"a": _payload(1)}  # still buffered
    assert (cache_dir / CACHE_FILE).is_file()
    with _open(cache_dir) as cache:
        assert cache.get_many(["a", "b"], "fast") == {"a": _payload(1)}
        cache.put("a", "fast", _payload(2))  # replaces
    with _open(cache_dir) as cache:
        assert cache.get_many(["a"], "fast") == {"a": _payload(2)}
        assert cache.warnings == []


@pytest.mark.parametrize(
    ("engine", "db", "mode"),
    [("32.6.0", DB, "fast"), (ENGINE, "2025.1", "fast"), (ENGINE, DB, "full")],
)
def test_other_versions_and_modes_miss(cache_dir: Path, engine: str, db: str, mode: str) -> None:
    with _open(cache_dir) as cache:
        cache.put("a", "fast", _payload(1))
    with _open(cache_dir, engine, db) as other:
        assert other.get_many(["a"], mode) == {}
        other.put("a", mode, _payload(9))
    with _open(cache_dir) as cache:  # the original entry is untouched
        assert cache.get_many(["a"], "fast") == {"a": _payload(1)}


def test_rows_of_a_long_unused_version_are_deleted_at_open(cache_dir: Path) -> None:
    with _open(cache_dir, engine="old") as old:
        old.put("a", "fast", _payload(1))
    with _open(cache_dir, engine="recent") as recent:
        recent.put("a", "fast", _payload(2))
    with sqlite3.connect(cache_dir / CACHE_FILE) as conn:
        conn.execute("UPDATE versions SET last_used = 0 WHERE engine = 'old'")
    conn.close()
    with _open(cache_dir, engine="new") as new:
        assert new.warnings == []
    with sqlite3.connect(cache_dir / CACHE_FILE) as conn:
        engines = {row[0] for row in conn.execute("SELECT engine FROM detections")}
    conn.close()
    assert engines == {"recent"}


def test_get_many_with_ten_thousand_keys(cache_dir: Path) -> None:
    keys = _fill(cache_dir, 10_000)
    with _open(cache_dir) as cache:
        found = cache.get_many([*keys, *_keys(500, "absent")], "fast")
        assert len(found) == 10_000
        assert found[keys[1234]] == _payload(1234)


def test_get_many_without_json_support_queries_in_chunks(cache_dir: Path) -> None:
    keys = _fill(cache_dir, 2_500)
    with _open(cache_dir) as cache:
        cache._json_each = False  # as on an SQLite built without JSON functions
        # The limit of SQLite before 3.32 (settable from Python 3.11 on).
        setlimit = getattr(cache._conn, "setlimit", None)
        if setlimit is not None:
            setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)  # type: ignore[attr-defined,unused-ignore]
        found = cache.get_many(keys, "fast")
        assert len(found) == 2_500
        assert cache.warnings == []


def test_an_undecodable_payload_is_a_miss_and_is_deleted(cache_dir: Path) -> None:
    with _open(cache_dir) as cache:
        cache.put("good", "fast", _payload(1))
        cache.put("bad", "fast", _payload(2))
        cache.put("list", "fast", _payload(3))
    with sqlite3.connect(cache_dir / CACHE_FILE) as conn:
        conn.execute("UPDATE detections SET payload = '{not json' WHERE blob = 'bad'")
        conn.execute("UPDATE detections SET payload = '[1]' WHERE blob = 'list'")
    conn.close()
    with _open(cache_dir) as cache:
        assert cache.get_many(["good", "bad", "list"], "fast") == {"good": _payload(1)}
    with sqlite3.connect(cache_dir / CACHE_FILE) as conn:
        left = {row[0] for row in conn.execute("SELECT blob FROM detections")}
    conn.close()
    assert left == {"good"}


def test_values_round_trip_and_expire(cache_dir: Path) -> None:
    with _open(cache_dir) as cache:
        cache.put_value("pypi", "requests==2.31", {"license": "Apache-2.0"})
        cache.put_value("pypi", "short-lived", "x", ttl_seconds=0.01)
        cache.put_value("pypi", "long-lived", "y", ttl_seconds=3600)
        assert cache.get_value("pypi", "requests==2.31") == {"license": "Apache-2.0"}
        time.sleep(0.05)
        assert cache.get_value("pypi", "short-lived") is None  # expired while buffered
    with _open(cache_dir) as cache:
        assert cache.get_value("pypi", "requests==2.31") == {"license": "Apache-2.0"}
        assert cache.get_value("pypi", "long-lived") == "y"
        assert cache.get_value("pypi", "short-lived") is None  # expired on disk
        assert cache.get_value("other", "requests==2.31") is None


def test_writes_are_committed_in_batches(cache_dir: Path) -> None:
    with _open(cache_dir) as writer, _open(cache_dir) as reader:
        keys = _keys(450)
        for i, key in enumerate(keys):
            writer.put(key, "fast", _payload(i))
        # Two batches of 200 are committed; the last 50 are still buffered.
        assert len(reader.get_many(keys, "fast")) == 400
        writer.flush()
        assert len(reader.get_many(keys, "fast")) == 450


# -- concurrency and crashes ---------------------------------------------------------------

_WRITER = """
import sys, time
from pathlib import Path
from licensetier.cache import DetectionCache
directory, name, n, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
deadline = time.monotonic() + 20
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.005)
with DetectionCache.open(directory, engine_version="32.5.0", db_version="2024.1") as cache:
    for i in range(n):
        cache.put(f"{name}-{i}", "fast", {"by": name, "i": i})
        cache.put(f"shared-{i % 300}", "fast", {"i": i % 300})
        if i % 100 == 0:
            assert cache.get_many([f"shared-{i % 300}"], "fast")
    cache.flush()
print("\\n".join(cache.warnings))
"""


def test_two_processes_write_at_once(cache_dir: Path, tmp_path: Path) -> None:
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(cache_dir), name, "1500", str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("one", "two")
    ]
    time.sleep(0.3)  # let both import and reach the starting line
    go.touch()
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert out.strip() == "", out  # no warnings
    with _open(cache_dir) as cache:
        keys = [f"{name}-{i}" for name in ("one", "two") for i in range(1500)]
        found = cache.get_many(keys + [f"shared-{i}" for i in range(300)], "fast")
        assert len(found) == 3300
        assert found["two-1499"] == {"by": "two", "i": 1499}
        assert cache.warnings == []


_ENDLESS_WRITER = """
import sys, time
from pathlib import Path
from licensetier.cache import DetectionCache
cache = DetectionCache.open(Path(sys.argv[1]), engine_version="32.5.0", db_version="2024.1")
i = 0
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    cache.put(f"k-{i}", "fast", {"i": i, "pad": "x" * 500})
    i += 1
    if i % 200 == 0:  # the put above committed a batch
        print(i, flush=True)
"""


def test_a_killed_writer_leaves_a_usable_cache(cache_dir: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _ENDLESS_WRITER, str(cache_dir)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    committed = 0
    while committed < 1000:
        line = proc.stdout.readline()
        assert line, "the writer stopped before committing five batches"
        committed = int(line)
    proc.kill()  # SIGKILL on POSIX: no cleanup, mid-way through the next batches
    proc.wait(timeout=10)
    proc.stdout.close()
    with _open(cache_dir) as cache:
        assert cache.warnings == []
        found = cache.get_many([f"k-{i}" for i in range(committed)], "fast")
        assert len(found) == committed
        _assert_works(cache)
    assert _corrupt_files(cache_dir) == []


def test_a_lock_held_too_long_drops_the_batch_with_one_warning(cache_dir: Path) -> None:
    with _open(cache_dir, busy_timeout=0.05) as cache:
        blocker = sqlite3.connect(cache_dir / CACHE_FILE, isolation_level=None)
        try:
            blocker.execute("BEGIN IMMEDIATE")
            cache.put("a", "fast", _payload(1))
            cache.flush()
            cache.put("b", "fast", _payload(2))
            cache.flush()
            assert cache.get_many(["a", "b"], "fast") == {}  # reads still work
            blocker.execute("ROLLBACK")
        finally:
            blocker.close()
        assert len(cache.warnings) == 1
        assert "locked" in cache.warnings[0]
        assert str(cache.path) in cache.warnings[0]
        assert cache.enabled
        cache.put("c", "fast", _payload(3))
        cache.flush()
        assert cache.get_many(["a", "b", "c"], "fast") == {"c": _payload(3)}


# -- damaged files -------------------------------------------------------------------------


def _overwrite_pages(path: Path) -> None:
    """Garbage over everything after the first page (the header stays valid)."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(4096)
        handle.write(os.urandom(size - 4096))


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def _truncated(path: Path) -> None:
    _fill(path.parent, 3000, size=200)
    assert not path.with_name(CACHE_FILE + "-wal").exists()  # checkpointed on close
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _foreign_schema(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE detections (id INTEGER PRIMARY KEY, data BLOB)")
    conn.execute("PRAGMA user_version = 7")
    conn.commit()
    conn.close()


def _garbage_pages(path: Path) -> None:
    _fill(path.parent, 2000, size=200)
    _overwrite_pages(path)  # the header is intact: PRAGMA quick_check finds this


def _right_version_missing_tables(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE detections (x)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("damage", "seen_in_header"),
    [
        (_random_bytes, True),
        (_truncated, True),
        (_empty, True),
        (_garbage_pages, False),
        (_foreign_schema, False),
        (_right_version_missing_tables, False),
    ],
)
def test_a_damaged_file_is_moved_aside_and_rebuilt(
    cache_dir: Path, damage: Callable[[Path], None], seen_in_header: bool
) -> None:
    cache_dir.mkdir()
    path = cache_dir / CACHE_FILE
    damage(path)
    path.with_name(CACHE_FILE + "-wal").write_bytes(b"stale")
    with _open(cache_dir) as cache:
        assert len(cache.warnings) == 1, cache.warnings
        assert str(path) in cache.warnings[0]
        _assert_works(cache)
    moved = _corrupt_files(cache_dir)
    assert len(moved) == 1
    if seen_in_header:  # found before SQLite opened the file: its -wal goes along
        assert moved[0].with_name(moved[0].name + "-wal").read_bytes() == b"stale"
    with _open(cache_dir) as cache:  # the rebuilt cache is fine, and kept what was written
        assert cache.warnings == []
        assert cache.get_many(["k-new"], "full") == {"k-new": {"ok": True}}


def _checkpoint(path: Path) -> None:
    """Move everything from the WAL into the main file, as SQLite does from time to time."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    finally:
        conn.close()


def test_damage_while_open_is_caught_on_read(cache_dir: Path) -> None:
    keys = _fill(cache_dir, 4000, size=1000)  # 4 MB: more than SQLite's page cache
    path = cache_dir / CACHE_FILE
    with _open(cache_dir) as cache:
        assert cache.warnings == []
        _overwrite_pages(path)
        found = cache.get_many(keys, "fast")
        assert len(found) < len(keys)
        assert len(cache.warnings) == 1, cache.warnings
        assert str(path) in cache.warnings[0]
        assert len(_corrupt_files(cache_dir)) == 1
        _assert_works(cache)
    with _open(cache_dir) as cache:
        assert cache.warnings == []
        assert cache.get_many(["k-new"], "full") == {"k-new": {"ok": True}}


def test_damage_while_open_is_caught_on_write(cache_dir: Path) -> None:
    _fill(cache_dir, 4000, size=1000)
    path = cache_dir / CACHE_FILE
    with _open(cache_dir) as cache:
        _overwrite_pages(path)
        new_keys = _keys(300, "new")
        for i, key in enumerate(new_keys):
            cache.put(key, "fast", _payload(i))
        cache.flush()
        assert len(cache.warnings) == 1, cache.warnings
        assert str(path) in cache.warnings[0]
        assert len(_corrupt_files(cache_dir)) == 1
        # The batch that met the damage was written to the new file instead.
        assert len(cache.get_many(new_keys, "fast")) == 300
        _assert_works(cache)


def test_damage_found_twice_disables_the_cache(cache_dir: Path) -> None:
    _fill(cache_dir, 4000, size=1000)
    path = cache_dir / CACHE_FILE
    with _open(cache_dir) as cache:
        _overwrite_pages(path)
        cache.get_many(_keys(4000), "fast")
        assert cache.enabled
        new_keys = _keys(4000, "again")
        for key in new_keys:
            cache.put(key, "fast", {"pad": "y" * 1000})
        cache.flush()
        _checkpoint(path)
        _overwrite_pages(path)
        cache.get_many(new_keys, "fast")
        assert not cache.enabled
        assert len(cache.warnings) == 2, cache.warnings
        assert all(str(path) in warning for warning in cache.warnings)
        assert cache.get_many(new_keys, "fast") == {}
        cache.put("x", "fast", {})
        cache.flush()


def test_an_uncreatable_directory_disables_the_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    with _open(blocker / "cache") as cache:
        assert not cache.enabled
        assert len(cache.warnings) == 1
        assert str(blocker / "cache" / CACHE_FILE) in cache.warnings[0]
        cache.put("a", "fast", _payload(1))
        cache.put_value("ns", "k", 1)
        cache.flush()
        assert cache.get_many(["a"], "fast") == {}
        assert cache.get_value("ns", "k") is None
    assert blocker.read_text() == "not a directory\n"
