"""A persistent cache of per-file license detections, in one SQLite file.

Design
------
*Keys.* A file is identified by its content, not its path: :func:`blob_id` is git's blob id
(sha1 of ``b"blob <size>\\0" + data``), so a renamed or copied file is still a hit and git can
supply the id without reading the file.  A detection row is keyed by ``(engine version,
license_db version, mode, blob id)``: after an upgrade of ScanCode or of the license data,
rows of other versions are simply never returned.  Each version pair records when it was last
used (at most one small write a day); rows of a pair unused for :data:`STALE_AFTER_SECONDS`
are deleted at open.  The key order makes that a range delete, and two installed versions
used side by side (a pinned pre-commit hook and a newer CLI) do not wipe each other's rows.
A second table holds other cached answers (``namespace``, ``key``) with an optional expiry;
it is not scoped by version, so a namespace whose answers depend on the engine must embed
the version in its name.

*Concurrency.*  WAL mode (readers never wait for the writer), ``synchronous=NORMAL``, a
busy timeout of a few seconds and short write transactions (``BEGIN IMMEDIATE`` ... ``INSERT
OR REPLACE`` ... ``COMMIT``) let several scans share one cache.  Writes are buffered and
committed every :data:`BATCH_SIZE` entries or :data:`BATCH_SECONDS` seconds and at
``flush``/``close``: a scan that is killed keeps every committed batch, and SQLite's WAL
recovery makes the file usable again.  A lock that outlasts the timeout drops that batch
(one warning per run, however many batches); the entries are recomputed by a later scan.

*A cache file is only ever created complete.*  A new file is built (WAL mode, schema,
``PRAGMA user_version``) under a temporary name and hard-linked into place, which fails
rather than replacing a file another process created in the meantime.  Hence a file at the
cache path that is empty, not SQLite, shorter than its header says, or of another schema
version is damaged, never "being created".

*Damage.*  Opening checks, in this order: the 100-byte SQLite header (magic, page size,
and, when no WAL is pending, the page count against the file size), ``PRAGMA user_version``
and the table names, then ``PRAGMA quick_check`` if the file is at most
:data:`QUICK_CHECK_MAX_BYTES`.  The header and schema checks are O(1) and catch garbage,
truncated, empty and foreign files (open costs 0.5 ms without ``quick_check``).
``quick_check`` reads every page, so its cost grows with the file: measured at open, 10,000
rows took 3 ms (1.7 MB file) to 6 ms (8 MB, 500-byte payloads), 30,000 rows 18 ms (24 MB),
warm OS cache.  A user's cache holds the files of every repository they scan, so it is
skipped above the size cap; damage it would
have found surfaces as a ``sqlite3.DatabaseError`` when a damaged page is read, which is
handled like damage found at open.  A damaged file is renamed, with its ``-wal`` and ``-shm``
files, to ``cache.sqlite3.corrupt-<UTC timestamp>`` and a new cache is started.  This
happens at most once per run for damage found in use; the second time, or when the file
cannot be moved, the cache disables itself.  An uncreatable directory or an unreadable file
also disables it.

*Nothing raises for cache problems.*  They become strings in :attr:`DetectionCache.warnings`
(each names the cache file), and a disabled cache answers every lookup with a miss and
ignores writes: the scan goes on, only slower.  Passing a value that JSON cannot encode is
a programming error and does raise ``TypeError``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

CACHE_ENV = "LICENSETIER_CACHE_DIR"
CACHE_FILE = "cache.sqlite3"

#: ``PRAGMA user_version`` of the schema below; a file with another value is set aside.
SCHEMA_VERSION = 1
#: Buffered writes are committed when this many are pending ...
BATCH_SIZE = 200
#: ... or when the oldest pending write is this old (checked on each write).
BATCH_SECONDS = 2.0
#: Seconds to wait for another process's write lock before dropping a batch.
BUSY_TIMEOUT_SECONDS = 5.0
#: ``PRAGMA quick_check`` reads the whole file; above this size only the O(1) checks run.
QUICK_CHECK_MAX_BYTES = 16 * 1024 * 1024
#: Rows of an (engine, license_db) version pair unused for this long are deleted at open.
STALE_AFTER_SECONDS = 14 * 24 * 3600.0
#: A version pair's "last used" time is refreshed at most this often (it costs a write).
TOUCH_EVERY_SECONDS = 24 * 3600.0

# SQLite's IN (...) list is bound as parameters; 999 is the smallest limit in the wild.
_CHUNK = 900
_SQLITE_MAGIC = b"SQLite format 3\x00"

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS detections (
        engine TEXT NOT NULL,
        db TEXT NOT NULL,
        mode TEXT NOT NULL,
        blob TEXT NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (engine, db, mode, blob)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS versions (
        engine TEXT NOT NULL,
        db TEXT NOT NULL,
        last_used REAL NOT NULL,
        PRIMARY KEY (engine, db)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS kv (
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        expires REAL,
        PRIMARY KEY (namespace, key)
    ) WITHOUT ROWID""",
)
_TABLES = frozenset({"detections", "versions", "kv"})

# How an sqlite3.Error is handled.
_BUSY = "busy"  # another process holds the lock: drop this operation, warn once
_CORRUPT = "corrupt"  # the file is damaged: move it aside, start a new one (once)
_FATAL = "fatal"  # I/O error, disk full, read-only...: disable the cache

_T = TypeVar("_T")


def default_cache_dir() -> Path:
    """Where the cache lives unless the caller names a directory.

    ``$LICENSETIER_CACHE_DIR`` if set; otherwise the platform's per-user cache directory:
    ``%LOCALAPPDATA%\\licensetier\\Cache`` on Windows, ``~/Library/Caches/licensetier`` on
    macOS, ``$XDG_CACHE_HOME/licensetier`` or ``~/.cache/licensetier`` elsewhere (a relative
    ``XDG_CACHE_HOME`` is ignored, as the XDG specification says).  When no home directory
    can be determined, a per-user directory under the system's temporary directory.
    """
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    try:
        home = Path.home()
    except (RuntimeError, KeyError, OSError):
        uid = os.getuid() if hasattr(os, "getuid") else "user"
        return Path(tempfile.gettempdir()) / f"licensetier-cache-{uid}"
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        base = Path(local) if local else home / "AppData" / "Local"
        return base / "licensetier" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "licensetier"
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "licensetier"
    return home / ".cache" / "licensetier"


def blob_id(data: bytes) -> str:
    """git's blob id of ``data`` (what ``git hash-object`` prints), as 40 hex digits."""
    digest = hashlib.sha1(b"blob %d\0" % len(data), usedforsecurity=False)
    digest.update(data)
    return digest.hexdigest()


def _classify(exc: sqlite3.Error) -> str:
    code = getattr(exc, "sqlite_errorcode", None)  # Python >= 3.11
    message = str(exc).lower()
    if isinstance(code, int):
        primary = code & 0xFF
        if primary in (5, 6):  # SQLITE_BUSY, SQLITE_LOCKED
            return _BUSY
        if primary in (11, 26):  # SQLITE_CORRUPT, SQLITE_NOTADB
            return _CORRUPT
        if primary == 1 and "no such" in message:  # a table or column is missing
            return _CORRUPT
        return _FATAL
    if "locked" in message or "busy" in message:
        return _BUSY
    if any(s in message for s in ("malformed", "not a database", "no such table", "no such col")):
        return _CORRUPT
    return _FATAL


def _header_problem(path: Path) -> str | None:
    """What is wrong with the file's SQLite header, if anything (reads 100 bytes)."""
    size = path.stat().st_size
    if size == 0:
        return "the file is empty"
    with path.open("rb") as handle:
        header = handle.read(100)
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        return "not an SQLite database"
    page_size = int.from_bytes(header[16:18], "big")
    if page_size == 1:
        page_size = 65536
    if page_size < 512 or page_size & (page_size - 1):
        return "invalid SQLite header (page size)"
    wal = path.with_name(path.name + "-wal")
    try:
        wal_pending = wal.stat().st_size > 32  # more than a WAL header: frames
    except OSError:
        wal_pending = False
    # With frames in the WAL (a live writer, or a killed one), the main file may legitimately
    # lag behind its header until the next checkpoint; SQLite's recovery sorts that out.
    if not wal_pending:
        pages = int.from_bytes(header[28:32], "big")
        header_valid = pages > 0 and header[24:28] == header[92:96]
        if size % page_size or (header_valid and size < pages * page_size):
            return f"truncated ({size} bytes)"
    return None


_UNDECODABLE: Any = object()


def _decode(text: object) -> Any:
    if not isinstance(text, str):
        return _UNDECODABLE
    try:
        return json.loads(text)
    except ValueError:
        return _UNDECODABLE


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


class DetectionCache:
    """Cached detections, keyed by content id and versions; see the module docstring.

    Build with :meth:`open`.  Safe to share between threads (one lock serialises calls).
    """

    path: Path
    warnings: list[str]
    enabled: bool

    def __init__(
        self, path: Path, *, engine_version: str, db_version: str, busy_timeout: float
    ) -> None:
        self.path = path
        self.warnings = []
        self.enabled = False
        self._engine = engine_version
        self._db = db_version
        self._busy_timeout = busy_timeout
        self._conn: sqlite3.Connection | None = None
        self._ident: tuple[int, int] | None = None
        self._lock = threading.RLock()
        self._recovered = False
        self._busy_warned = False
        self._pending: dict[tuple[str, str], str] = {}
        self._pending_values: dict[tuple[str, str], tuple[str, float | None]] = {}
        self._pending_deletes: set[tuple[str, str]] = set()
        self._pending_value_deletes: set[tuple[str, str]] = set()
        self._pending_since: float | None = None
        self._json_each = True  # SQLite has JSON support (until it says otherwise)

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        directory: Path,
        *,
        engine_version: str,
        db_version: str,
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
    ) -> DetectionCache:
        """Open (or create) ``directory/cache.sqlite3``.  Never raises for cache problems:
        look at :attr:`enabled` and :attr:`warnings`."""
        try:
            path = Path(os.path.abspath(Path(directory).expanduser())) / CACHE_FILE
        except (OSError, ValueError, RuntimeError):
            path = Path(directory) / CACHE_FILE
        cache = cls(
            path, engine_version=engine_version, db_version=db_version, busy_timeout=busy_timeout
        )
        with cache._lock:
            cache._open()
        return cache

    def _open(self) -> None:
        self.enabled = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except (OSError, ValueError) as exc:
            self._disable(f"cannot create the directory of cache {self.path}: {exc}")
            return
        for _attempt in range(3):
            try:
                if not self.path.exists():
                    self._create()
                problem = self._connect_and_check()
            except sqlite3.Error as exc:
                self._close_connection()
                if _classify(exc) != _CORRUPT:
                    self._disable(f"cannot open cache {self.path}: {exc}")
                    return
                problem = str(exc)
            except (OSError, ValueError) as exc:
                self._close_connection()
                self._disable(f"cannot open cache {self.path}: {exc}")
                return
            if problem is None:
                self.enabled = True
                self._housekeeping()
                return
            self._close_connection()
            if not self._still_ours():
                continue  # another process replaced the file meanwhile: look again
            moved = self._move_aside()
            if moved is None:
                return
            self.warnings.append(
                f"cache {self.path} was unusable ({problem}); moved it to {moved.name} "
                "and started a new cache"
            )
        self._disable(f"cannot open cache {self.path}: it is damaged again after a rebuild")

    def _create(self) -> None:
        """Build a complete new cache under a temporary name, then link it into place."""
        tmp = self.path.with_name(f"{CACHE_FILE}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("BEGIN IMMEDIATE")
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.execute("COMMIT")
            finally:
                conn.close()
            # No cleanup of a -wal lying here without its main file: it may belong to a
            # file another process has just linked into place.  A stale one is replayed by
            # SQLite; entries are content-addressed, so that is harmless or shows as damage.
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                pass  # another process created it first: use theirs
            except OSError:
                # No hard links on this file system.  os.rename does not replace an
                # existing file on Windows; elsewhere the race is narrow.
                if not self.path.exists():
                    os.rename(tmp, self.path)
        finally:
            for leftover in (tmp, *_sidecars(tmp)):
                _unlink_quietly(leftover)

    def _connect_and_check(self) -> str | None:
        stat = self.path.stat()
        self._ident = (stat.st_dev, stat.st_ino)
        problem = _header_problem(self.path)
        if problem is not None:
            return problem
        conn = sqlite3.connect(
            self.path.as_uri() + "?mode=rw",
            uri=True,
            timeout=self._busy_timeout,
            isolation_level=None,
            check_same_thread=False,
        )
        self._conn = conn
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            return f"schema version {version}, expected {SCHEMA_VERSION}"
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if not tables >= _TABLES:
            return f"missing tables {', '.join(sorted(_TABLES - tables))}"
        if stat.st_size <= QUICK_CHECK_MAX_BYTES:
            verdict = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
            if verdict != "ok":
                return f"quick_check: {verdict}"
        try:
            conn.execute("PRAGMA journal_mode=WAL")  # persistent; a no-op on our files
        except sqlite3.OperationalError as exc:
            if _classify(exc) != _BUSY:
                raise
        conn.execute("PRAGMA synchronous=NORMAL")
        return None

    def _still_ours(self) -> bool:
        """Whether the cache path still names the file that was opened and checked."""
        try:
            current = self.path.stat()
        except OSError:
            return False
        return (current.st_dev, current.st_ino) == self._ident

    def _housekeeping(self) -> None:
        """Note that this version pair is in use; drop rows of pairs unused for long."""

        def run(conn: sqlite3.Connection) -> None:
            now = time.time()
            rows = conn.execute("SELECT engine, db, last_used FROM versions").fetchall()
            mine = [r[2] for r in rows if (r[0], r[1]) == (self._engine, self._db)]
            stale = [
                (r[0], r[1])
                for r in rows
                if (r[0], r[1]) != (self._engine, self._db) and r[2] < now - STALE_AFTER_SECONDS
            ]
            if mine and mine[0] >= now - TOUCH_EVERY_SECONDS and not stale:
                return
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT OR REPLACE INTO versions (engine, db, last_used) VALUES (?, ?, ?)",
                (self._engine, self._db, now),
            )
            for engine, db in stale:
                conn.execute("DELETE FROM detections WHERE engine = ? AND db = ?", (engine, db))
                conn.execute("DELETE FROM versions WHERE engine = ? AND db = ?", (engine, db))
            conn.execute("DELETE FROM kv WHERE expires IS NOT NULL AND expires < ?", (now,))
            conn.execute("COMMIT")

        # Housekeeping is optional: if another scan holds the lock, skip it silently.
        self._run("housekeeping", run, None, quiet_busy=True)

    # -- failure handling --------------------------------------------------------------

    def _run(
        self,
        action: str,
        operation: Callable[[sqlite3.Connection], _T],
        default: _T,
        *,
        quiet_busy: bool = False,
    ) -> _T:
        conn = self._conn
        if conn is None or not self.enabled:
            return default
        try:
            return operation(conn)
        except sqlite3.Error as exc:
            self._rollback(conn)
            if not (quiet_busy and _classify(exc) == _BUSY):
                self._failed(action, exc)
            return default

    def _failed(self, action: str, exc: sqlite3.Error) -> None:
        kind = _classify(exc)
        if kind == _BUSY:
            if not self._busy_warned:
                self._busy_warned = True
                self.warnings.append(
                    f"cache {self.path} stayed locked by another process ({exc}); "
                    f"{action} was skipped (those results will be recomputed next time)"
                )
        elif kind == _CORRUPT:
            self._recover(action, exc)
        else:
            self._disable(f"cache {self.path} failed while {action} ({exc}); cache disabled")

    def _recover(self, action: str, exc: sqlite3.Error) -> None:
        self._close_connection()
        self.enabled = False
        if self._recovered:
            self._disable(f"cache {self.path} is damaged again ({exc}); cache disabled")
            return
        self._recovered = True
        if self._still_ours():
            moved = self._move_aside()
            if moved is None:
                return
            self.warnings.append(
                f"cache {self.path} is damaged ({exc}, while {action}); moved it to "
                f"{moved.name} and started a new cache"
            )
        else:
            # Another process already replaced the damaged file: use its new one.
            self.warnings.append(
                f"cache {self.path} was damaged ({exc}, while {action}) and has been "
                "replaced; reopened it"
            )
        self._open()

    def _move_aside(self) -> Path | None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        counter = 1
        while os.path.lexists(target):
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{counter}")
            counter += 1
        try:
            os.rename(self.path, target)
        except FileNotFoundError:
            return target  # another process moved it (and its -wal) already
        except OSError as exc:
            self._disable(f"cache {self.path} is damaged and cannot be moved aside: {exc}")
            return None
        for sidecar, moved in zip(_sidecars(self.path), _sidecars(target), strict=True):
            if not os.path.lexists(sidecar):
                continue
            try:
                os.rename(sidecar, moved)
            except OSError:
                try:
                    sidecar.unlink()
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    self._disable(f"cache {self.path}: cannot remove {sidecar.name}: {exc}")
                    return None
        return target

    def _disable(self, message: str) -> None:
        self.enabled = False
        self._close_connection()
        self.warnings.append(message + "; the scan goes on without it")
        self._pending.clear()
        self._pending_values.clear()
        self._pending_deletes.clear()
        self._pending_value_deletes.clear()

    @staticmethod
    def _rollback(conn: sqlite3.Connection) -> None:
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def _close_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    # -- detections --------------------------------------------------------------------

    def get_many(self, keys: Iterable[str], mode: str) -> dict[str, dict[str, Any]]:
        """Cached payloads for those of ``keys`` that have one under the current versions
        and ``mode``.  Absent, undecodable and (when the cache is disabled) all keys are
        simply missing from the result. Equal payloads are one shared object: do not
        modify them."""
        with self._lock:
            found: dict[str, dict[str, Any]] = {}
            if self._conn is None:
                return found
            wanted: list[str] = []
            for key in dict.fromkeys(keys):
                text = self._pending.get((mode, key))
                if text is None:
                    wanted.append(key)
                else:
                    found[key] = json.loads(text)

            # Most files share a handful of payloads ("nothing found"): decode each
            # distinct text once; the payloads returned are shared, read-only.
            decoded: dict[object, Any] = {}

            def select(conn: sqlite3.Connection) -> None:
                for key, text in self._select_detections(conn, wanted, mode):
                    payload = decoded.get(text, _UNDECODABLE)
                    if payload is _UNDECODABLE:
                        payload = decoded[text] = _decode(text)
                    if isinstance(payload, dict):
                        found[key] = payload
                    else:
                        self._pending_deletes.add((mode, key))

            self._run("reading detections", select, None)
            return found

    def _select_detections(
        self, conn: sqlite3.Connection, keys: list[str], mode: str
    ) -> list[tuple[str, str]]:
        """One SELECT with the keys as a JSON array (no limit on their number), or, where
        SQLite lacks JSON support, SELECTs of at most _CHUNK bound keys each."""
        where = "engine = ? AND db = ? AND mode = ? AND blob IN"
        if self._json_each and keys:
            try:
                return conn.execute(
                    f"SELECT blob, payload FROM detections WHERE {where} "
                    "(SELECT value FROM json_each(?))",
                    (self._engine, self._db, mode, json.dumps(keys)),
                ).fetchall()
            except sqlite3.OperationalError as exc:
                if "json_each" not in str(exc):
                    raise
                self._json_each = False
        rows: list[tuple[str, str]] = []
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows += conn.execute(
                f"SELECT blob, payload FROM detections WHERE {where} ({marks})",
                (self._engine, self._db, mode, *chunk),
            ).fetchall()
        return rows

    def put(self, key: str, mode: str, payload: dict[str, Any]) -> None:
        """Buffer ``payload`` (JSON-encoded now) for ``key``; committed in batches."""
        text = json.dumps(payload, separators=(",", ":"))
        with self._lock:
            if self._conn is None:
                return
            self._pending[(mode, key)] = text
            self._pending_deletes.discard((mode, key))
            self._written()

    # -- other cached answers ----------------------------------------------------------

    def get_value(self, namespace: str, key: str) -> Any | None:
        """The cached value, or None when absent, expired or undecodable."""
        with self._lock:
            if self._conn is None:
                return None
            entry: tuple[str, float | None] | None = self._pending_values.get((namespace, key))
            if entry is None:

                def select(conn: sqlite3.Connection) -> tuple[str, float | None] | None:
                    row = conn.execute(
                        "SELECT value, expires FROM kv WHERE namespace = ? AND key = ?",
                        (namespace, key),
                    ).fetchone()
                    return None if row is None else (row[0], row[1])

                entry = self._run("reading a cached value", select, None)
            if entry is None:
                return None
            text, expires = entry
            if expires is not None and expires <= time.time():
                return None
            value = _decode(text)
            if value is _UNDECODABLE:
                self._pending_value_deletes.add((namespace, key))
                return None
            return value

    def put_value(
        self, namespace: str, key: str, value: Any, ttl_seconds: float | None = None
    ) -> None:
        """Buffer ``value`` (JSON-encoded now); it expires after ``ttl_seconds`` if given."""
        text = json.dumps(value, separators=(",", ":"))
        expires = None if ttl_seconds is None else time.time() + ttl_seconds
        with self._lock:
            if self._conn is None:
                return
            self._pending_values[(namespace, key)] = (text, expires)
            self._pending_value_deletes.discard((namespace, key))
            self._written()

    # -- writing -----------------------------------------------------------------------

    def _written(self) -> None:
        now = time.monotonic()
        if self._pending_since is None:
            self._pending_since = now
        pending = len(self._pending) + len(self._pending_values)
        if pending >= BATCH_SIZE or now - self._pending_since >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Commit the buffered writes in one short transaction."""
        with self._lock:
            self._pending_since = None
            rows = [(self._engine, self._db, m, k, t) for (m, k), t in self._pending.items()]
            values = [(n, k, t, e) for (n, k), (t, e) in self._pending_values.items()]
            deletes = [(self._engine, self._db, m, k) for m, k in self._pending_deletes]
            value_deletes = list(self._pending_value_deletes)
            self._pending.clear()
            self._pending_values.clear()
            self._pending_deletes.clear()
            self._pending_value_deletes.clear()
            if not (rows or values or deletes or value_deletes):
                return

            def write(conn: sqlite3.Connection) -> bool:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(
                    "DELETE FROM detections WHERE engine = ? AND db = ? AND mode = ? AND blob = ?",
                    deletes,
                )
                conn.executemany("DELETE FROM kv WHERE namespace = ? AND key = ?", value_deletes)
                conn.executemany(
                    "INSERT OR REPLACE INTO detections (engine, db, mode, blob, payload) "
                    "VALUES (?, ?, ?, ?, ?)",
                    rows,
                )
                conn.executemany(
                    "INSERT OR REPLACE INTO kv (namespace, key, value, expires) "
                    "VALUES (?, ?, ?, ?)",
                    values,
                )
                conn.execute("COMMIT")
                return True

            action = f"saving {len(rows) + len(values)} entries"
            recovered_before = self._recovered
            if self._run(action, write, False):
                return
            if self._recovered and not recovered_before and self.enabled:
                # The file was damaged and replaced by a new one: write the batch there.
                self._run(action, write, False)

    def close(self) -> None:
        """Flush, then close the database.  Later calls are misses and no-ops."""
        with self._lock:
            self.flush()
            self._close_connection()

    def __enter__(self) -> DetectionCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
