"""Where a province keeps what its centres send up: SQLite or PostgreSQL.

A centre is whole with its one SQLite file. The tiers above it (a province of
166 commune centres, the country) store far more and want several ingest
workers writing at once, which is what a server database is for. Both stores
hold the same ``province_*`` tables and answer the same calls, so
:mod:`central.province.ingest` and :mod:`central.province.reports` run on
either unchanged::

    store = open_store("postgresql://motcua@db.tinh/province", hub_store)
    with store.write() as db:                 # one transaction
        db.execute("insert into province_centres ... values (?, ?)", [a, b])
    rows = list(store.db.query("select * from province_centres where center = :c",
                               {"c": "xa-a"}))

``hub.toml``'s ``province_store`` names the database (empty: the hub's own
SQLite file, the default and all a small province needs).

The SQL both run is the common part of the two dialects: ``?`` and ``:name``
parameters (translated here for psycopg), ``insert ... on conflict``, ``case``
instead of summing booleans, times as ISO text in both.
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from collections.abc import Iterator
from importlib import resources

SCHEMA = "schema_postgresql.sql"


def open_store(url: str, hub_store):
    """The province's store: PostgreSQL for a ``postgresql://`` URL, else ``hub_store``
    (the hub's SQLite file, whose migrations already hold the ``province_*`` tables)."""
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(url)
    if url:
        raise ValueError(f"province_store: expected a postgresql:// URL or nothing, got {url!r}")
    return hub_store


_STRING = re.compile(r"'(?:[^']|'')*'")
_PARAM = re.compile(r"\?|(?<![:\w]):([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """SQLite's ``?`` / ``:name`` parameters as psycopg's ``%s`` / ``%(name)s``.

    >>> translate("select * from t where a = ? and b like 'x%' and c = :c")
    "select * from t where a = %s and b like 'x%%' and c = %(c)s"
    """
    out, last = [], 0
    for literal in _STRING.finditer(sql):
        out.append(_params(sql[last:literal.start()]))
        out.append(literal.group().replace("%", "%%"))
        last = literal.end()
    out.append(_params(sql[last:]))
    return "".join(out)


def _params(code: str) -> str:
    code = code.replace("%", "%%")
    return _PARAM.sub(lambda m: "%s" if m.group() == "?" else f"%({m.group(1)})s", code)


class PostgresDatabase:
    """One connection, with the calls the province's code makes on a sqlite-utils
    ``Database``: ``execute`` (a cursor: ``fetchone``, ``fetchall``, ``rowcount``),
    ``query`` (rows as dicts) and ``atomic`` (a savepoint inside a transaction)."""

    def __init__(self, conn, reconnect=None):
        self.conn = conn
        self._reconnect = reconnect  # a new connection, for a read the server cut

    def _idle(self) -> bool:
        """Outside any transaction: a statement that fails for a lost connection can
        run again on a new one (nothing else of the caller's went with it)."""
        # Only a server store has one, and a centre lacks psycopg:
        from psycopg.pq import TransactionStatus

        return self.conn.info.transaction_status == TransactionStatus.IDLE

    def _again(self, exc) -> bool:
        """The connection was cut (a server restarted, a failover): take a new one."""
        import psycopg  # only a server store reconnects: a centre lacks psycopg

        if self._reconnect is None or not isinstance(exc, psycopg.OperationalError) \
                or not self.conn.broken:
            return False
        self.conn = self._reconnect()
        return True

    def execute(self, sql: str, params=None):
        idle = self._idle()
        try:
            return self.conn.execute(translate(sql), params if params is not None else ())
        except Exception as exc:
            if not (idle and self._again(exc)):
                raise
        return self.conn.execute(translate(sql), params if params is not None else ())

    def executemany(self, sql: str, rows: list):
        """One statement for many rows: psycopg sends them in pipeline mode, so a batch
        of a centre's records is one round trip, not one per record."""
        cur = self.conn.cursor()
        cur.executemany(translate(sql), rows)
        return cur

    def query(self, sql: str, params=None) -> Iterator[dict]:
        from psycopg.rows import dict_row  # lazy: psycopg, as in __init__

        idle = self._idle()
        cur = self.conn.cursor(row_factory=dict_row)
        try:
            cur.execute(translate(sql), params if params is not None else ())
        except Exception as exc:
            cur.close()
            if not (idle and self._again(exc)):
                raise
            cur = self.conn.cursor(row_factory=dict_row)
            cur.execute(translate(sql), params if params is not None else ())
        with cur:
            yield from cur

    @contextlib.contextmanager
    def atomic(self):
        with self.conn.transaction():
            yield self


class PostgresStore:
    """The province's tables in PostgreSQL; one connection per thread, as for SQLite.

    Writes commit durably (PostgreSQL's default ``synchronous_commit = on``)
    before :meth:`write` returns, so an ingest worker acknowledges a message to
    the broker only once it is on disk."""

    kind = "postgresql"

    def __init__(self, url: str):
        import psycopg  # only the tiers above a centre need it

        self._psycopg = psycopg
        self.url = url
        self._local = threading.local()
        self._connections: list = []
        self._lock = threading.Lock()
        self.migrate()

    def _connect(self):
        return self._psycopg.connect(self.url, autocommit=True, application_name="motcua")

    @property
    def db(self) -> PostgresDatabase:
        """This thread's connection (made on first use, made again after it broke)."""
        db = getattr(self._local, "db", None)
        if db is None or db.conn.closed or db.conn.broken:
            db = PostgresDatabase(self._connect(), reconnect=self._reconnect)
            self._local.db = db
            with self._lock:
                self._connections.append(db.conn)
        return db

    def _reconnect(self):
        conn = self._connect()
        with self._lock:
            self._connections.append(conn)
        return conn

    @contextlib.contextmanager
    def write(self) -> Iterator[PostgresDatabase]:
        """One transaction; nested use is a savepoint of the outer one."""
        db = self.db
        with db.conn.transaction():
            yield db

    def migrate(self) -> None:
        """Create the tables once; a second hub or worker starting at the same time
        waits on the advisory lock instead of racing."""
        sql = resources.files(__package__).joinpath(SCHEMA).read_text(encoding="utf-8")
        with self.write() as db:
            db.conn.execute("select pg_advisory_xact_lock(4242001)")
            db.conn.execute(sql)

    def ping(self) -> bool:
        try:
            return self.db.execute("select 1").fetchone() == (1,)
        except self._psycopg.Error:
            return False

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                with contextlib.suppress(Exception):
                    conn.close()
            self._connections.clear()
        self._local = threading.local()
