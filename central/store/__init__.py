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
  "database is locked" when another connection committed in between;
- with :meth:`Store.checkpoint_in_background` (the hub's gateway), the WAL is
  copied into the database file by a thread of its own, not inside a commit
  that a node's request waits for.

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
import logging
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from .migrations import migrations

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000

# A connection that commits with the WAL this many pages long or more copies the
# WAL into the database file and syncs it ("checkpoint"), inside that COMMIT.
# SQLite's default is 1000 pages: with a ticket writing ~11 pages alone in its
# transaction, one ticket in ~90 paid the copy of 4 MiB and an fsync of the
# database on top of its own commit, about 1% of the tickets: a ticket's p99
# (issue 25, session 23). While a background checkpointer runs, writers do it
# only when it has fallen this far behind (a checkpoint that cannot finish: a
# reader holding an old snapshot, a stuck disk), which bounds the WAL (40 MiB).
AUTOCHECKPOINT_BEHIND = 10_000  # pages
CHECKPOINT_EVERY_S = 0.2


class Store:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._autocheckpoint: int | None = None  # SQLite's own (1000 pages) when None
        self._checkpointer: threading.Thread | None = None
        self._stop_checkpointing = threading.Event()
        self._committed = threading.Event()  # for the checkpointer: something to copy
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
            if self._autocheckpoint is not None:
                conn.execute(f"PRAGMA wal_autocheckpoint={self._autocheckpoint}")
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
                self._committed.set()
            except BaseException:
                # A COMMIT refused (full disk, read-only file) may leave the
                # transaction open: end it, or every later BEGIN would fail.
                if db.conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        db.conn.execute("ROLLBACK")
                raise

    def savepoints_in_memory(self) -> None:
        """This thread's connection keeps its temporary files in memory.

        For the thread that answers the bus's requests (the gateway): a batch
        applies each request in a savepoint of its own, and SQLite keeps the
        pages a savepoint changes in a sub-journal, written to a temporary file
        once it passes 64 KiB (an open, writes and an unlink per batch: 48
        `pwrite` a call, 15 without; issue 25). Nothing there needs to survive
        (the WAL holds what commits); what that thread sorts is small. Other
        threads (reports sorting a year of rows) keep SQLite's default."""
        if not getattr(self._local, "memory_temp", False):
            self.db.conn.execute("PRAGMA temp_store=MEMORY")
            self._local.memory_temp = True

    def checkpoint_in_background(self, every: float = CHECKPOINT_EVERY_S) -> None:
        """Copy the WAL into the database file from a thread of its own, ``every``
        seconds after a write transaction committed (asleep while none does),
        instead of inside the commit that makes the WAL long (see
        AUTOCHECKPOINT_BEHIND). Connections made from now on (the threads that
        start after, the gateway's among them) checkpoint themselves only when
        it falls that far behind. Durability is the commit's
        (``synchronous=FULL`` syncs the WAL); the checkpoint syncs the database
        file as before, from this thread."""
        if self.checkpointing:
            return
        self._autocheckpoint = AUTOCHECKPOINT_BEHIND
        self._stop_checkpointing.clear()
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000,
                               isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA synchronous=FULL")  # the checkpoint syncs the database file
        self._checkpointer = threading.Thread(target=self._checkpoint_loop,
                                              args=(conn, every), name="store-checkpoint",
                                              daemon=True)
        self._checkpointer.start()

    @property
    def checkpointing(self) -> bool:
        """The background checkpointer runs."""
        return self._checkpointer is not None and self._checkpointer.is_alive()

    def stop_checkpointing(self) -> None:
        """Stop the background checkpointer (writers checkpoint themselves again,
        at SQLite's default, on connections made from now on)."""
        self._stop_checkpointing.set()
        self._committed.set()  # wakes it
        if self._checkpointer is not None:
            self._checkpointer.join(10)
            self._checkpointer = None
        self._autocheckpoint = None

    def _checkpoint_loop(self, conn: sqlite3.Connection, every: float) -> None:
        # PASSIVE: copies what no reader still needs, never waits for a writer or
        # makes one wait (its own lock is the checkpointer's). Each statement is
        # read to its end (fetchall), so this connection holds no read snapshot
        # between two rounds (that would keep the WAL from starting over).
        failed = False
        try:
            while True:
                self._committed.wait()  # asleep while nothing is written
                if self._stop_checkpointing.wait(every):  # what a few commits wrote
                    return
                self._committed.clear()
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    failed = False
                except sqlite3.Error:
                    if not failed:  # a full or failing disk: said once, tried again
                        log.exception("background checkpoint failed")
                    failed = True
        finally:
            conn.close()

    def ping(self) -> bool:
        """True when the database answers (for /healthz)."""
        try:
            return self.db.execute("select 1").fetchone() == (1,)
        except sqlite3.Error:
            return False

    def close(self) -> None:
        self.stop_checkpointing()
        with self._lock:
            for conn in self._connections:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._connections.clear()
        self._local = threading.local()
