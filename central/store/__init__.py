"""The hub's one source of truth: a SQLite file through sqlite-utils.

- WAL, so readers (web pages) never wait for the writer (the MQTT gateway);
- ``synchronous=FULL``: a ticket or dossier acknowledged to a node survives a
  power cut, not just a crash;
- foreign keys on; numbered migrations (:mod:`central.store.migrations`) applied
  at open;
- one connection per thread (sqlite's same-thread rule; the web server and
  the gateway each have their own threads);
- every write inside :meth:`Store.write`, which opens ``BEGIN IMMEDIATE``: a
  deferred transaction that reads and then writes fails at once with
  "database is locked" when another connection committed in between.

::

    store = Store("var/motcua.db")
    with store.write() as db:
        db["nodes"].upsert({"node_id": "kiosk-1", ...}, pk="node_id")
    rows = list(store.db.query("select * from nodes"))

Plain SQL helpers for hot paths (rows as dicts, one INSERT, one UPDATE) are
in :mod:`.sql`.

May import: its migrations only (:mod:`.migrations`, frozen SQL). Every room
may import it.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from .migrations import migrations

BUSY_TIMEOUT_MS = 10_000


class Store:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        migrations.apply(self.db)

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection (made on first use)."""
        db = getattr(self._local, "db", None)
        if db is None:
            # isolation_level=None: no implicit transactions; ours are explicit.
            # check_same_thread=False only so close() can reach every thread's
            # connection; each connection is still used by its own thread alone.
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            db = sqlite_utils.Database(conn)
            self._local.db = db
            with self._lock:
                self._connections.append(conn)
        return db

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """A write transaction that takes the write lock up front (``BEGIN IMMEDIATE``).

        Nested use joins the outer transaction as a savepoint: an error inside
        undoes the inner block alone.
        """
        db = self.db
        if db.conn.in_transaction:
            # A savepoint of one fixed name (SQLite releases or rolls back the
            # newest of that name): sqlite-utils' atomic() names each one anew,
            # and each new name is a statement SQLite compiles again, per request.
            db.conn.execute("SAVEPOINT motcua_write")
            try:
                yield db
            except BaseException:
                # An error that ended the whole transaction took the savepoint with it.
                if db.conn.in_transaction:
                    db.conn.execute("ROLLBACK TO motcua_write")
                    db.conn.execute("RELEASE motcua_write")
                raise
            else:
                db.conn.execute("RELEASE motcua_write")
            return
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.rollback()
            raise
        else:
            try:
                db.conn.execute("COMMIT")
            except BaseException:
                # A COMMIT refused (full disk, read-only file) may leave the
                # transaction open: end it, or every later BEGIN would fail.
                if db.conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        db.conn.execute("ROLLBACK")
                raise

    def ping(self) -> bool:
        """True when the database answers (for /healthz)."""
        try:
            return self.db.execute("select 1").fetchone() == (1,)
        except sqlite3.Error:
            return False

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._connections.clear()
        self._local = threading.local()
