# SPDX-License-Identifier: Apache-2.0
"""Opening the store, its transactions, and the locks that order writers across processes.

`open_db` migrates (through `store.schema`, the only importer of it, under a lock so that two
processes starting at once do not race), sets WAL mode and a busy timeout. `transaction` wraps
one unit of work in `BEGIN IMMEDIATE`: a deferred transaction that reads first cannot upgrade
to a write once another connection has committed, and SQLite then fails it at once, without
waiting for `busy_timeout`. An immediate one takes the write lock up front, waits its turn,
and is retried a bounded number of times. `exclusive` and `run_lock` are flocks beside the
database file, which the kernel releases when their holder dies, even by SIGKILL.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from ..errors import StoreError, UsageError
from .schema import migrations

__all__ = ["exclusive", "open_db", "run_lock", "transaction"]


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the database, in WAL mode with a busy timeout.

    Raises:
        StoreError: the file is not a database, is read-only, or cannot be migrated.
    """
    path = Path(path)
    try:
        if path.parent and not path.parent.exists():
            raise StoreError(f"folder {path.parent} does not exist", db_path=str(path))
        conn = sqlite3.connect(str(path), timeout=10, isolation_level=None, check_same_thread=True)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA busy_timeout = 10000")
        db.execute("PRAGMA journal_mode = wal")
        db.execute("PRAGMA synchronous = normal")
        db.execute("PRAGMA foreign_keys = on")
        if migrations.pending(db):
            with exclusive(db, "migrate"):
                migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open database {path}: {exc}", db_path=str(path)) from exc
    return db


# Attempts to take the write lock; each waits up to busy_timeout (10 s) inside SQLite first.
BEGIN_ATTEMPTS = 4


def _begin_immediate(db: sqlite_utils.Database) -> None:
    for attempt in range(BEGIN_ATTEMPTS):
        try:
            db.conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if attempt == BEGIN_ATTEMPTS - 1:
                raise StoreError(
                    f"the database stayed locked by another writer for "
                    f"{BEGIN_ATTEMPTS} × the busy timeout; try again ({exc})"
                ) from exc
            time.sleep(0.05 * 2**attempt)


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """One write transaction for one unit of work: a feed's fetch, an analyst's correction, a
    queued digest, an archived brief, a partner's bundle. Everything in it lands, or nothing.

    It takes the write lock at once (`BEGIN IMMEDIATE`), so keep it short: compute first,
    then write. Inside another transaction it is a savepoint of that one.

    Raises:
        StoreError: SQLite refused the write, or the lock could not be had.
    """
    if db.conn.in_transaction:
        try:
            with db.atomic():
                yield
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"database write failed: {exc}") from exc
        return
    try:
        _begin_immediate(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"database write failed: {exc}") from exc
    try:
        yield
        db.conn.execute("COMMIT")
    except BaseException as exc:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.DatabaseError):
            raise StoreError(f"database write failed: {exc}") from exc
        raise


def _db_file(db: sqlite_utils.Database) -> str:
    """The database's file name; "" for an in-memory database."""
    return str(db.execute("pragma database_list").fetchone()[2] or "")


_MEMORY_LOCKS: dict[str, threading.Lock] = {}


@contextlib.contextmanager
def exclusive(db: sqlite_utils.Database, name: str) -> Iterator[None]:
    """Wait for, then hold, the lock `name` of this database: one holder at a time across
    threads and processes. It is an flock on `<db>.<name>.lock`, so the kernel releases it when
    its holder dies, even by SIGKILL; anything the holder left half-done may then be resumed."""
    path = _db_file(db)
    if not path:  # an in-memory database lives in one process
        with _MEMORY_LOCKS.setdefault(name, threading.Lock()):
            yield
        return
    with open(f"{path}.{name}.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def run_lock(db_path: str | Path) -> Iterator[None]:
    """Hold an exclusive lock on the database for `threatbrief run`; a second run refuses.

    Raises:
        UsageError: another process holds the lock.
    """
    with open(f"{db_path}.run.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise UsageError(
                f"another `threatbrief run` is already using {db_path} "
                f"(pid {holder}); stop it first"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
