"""A ticket-issuing node's memory that survives a lost link and a power cut (stdlib sqlite3).

It keeps the number blocks the hub leased and every ticket printed from them
until the hub has it. A number is taken from a block and its ticket recorded
in one durable transaction *before* the ticket is printed, so a restart, a
crash or a repeated press can never print the same number twice::

    outbox = Outbox("var/dispenser-outbox.db")
    outbox.add_block({"block": 7, "service": "ho-tich", "first": 21, "last": 30, ...})
    row = outbox.take("ho-tich", priority=None)     # None: no number left
    for row in outbox.pending():                    # oldest first, once the link is back
        ...deliver...; outbox.mark(row["id"], "delivered")
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import uuid
from pathlib import Path

from motcua.bus.messages import now_iso
from motcua.tickets import display_number

SCHEMA = """
create table if not exists blocks (
    id integer primary key,          -- the hub's block id
    service text not null,
    service_name text not null,
    prefix text not null,
    range_end integer not null,
    first integer not null,
    last integer not null,
    next integer not null,           -- the next number to print
    day text not null,
    valid_until text not null        -- UTC ISO: numbers restart at the next business day
);
create table if not exists tickets (
    id text primary key,             -- also the delivery's message id: applied once
    service text not null,
    block integer not null references blocks(id),
    number integer not null,
    display text not null,
    issued_at text not null,
    token text not null,
    priority text,
    state text not null default 'pending' check (state in ('pending', 'delivered', 'rejected')),
    error text,
    unique (block, number)
);
create table if not exists meta (key text primary key, value text not null);
-- Ticket requests this dispenser gave up waiting for (it printed offline
-- instead): the hub is told, once, so a late copy leaves no ghost ticket.
create table if not exists abandoned (
    request text primary key,        -- the request/ticket's id
    at text not null,
    state text not null default 'pending' check (state in ('pending', 'delivered')),
    outcome text
);
"""



class Outbox:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by the worker and status readers, behind a lock.
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("pragma journal_mode = wal")
        self._db.execute("pragma synchronous = full")  # a printed number survives power loss
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # Blocks ------------------------------------------------------------------
    def add_block(self, block: dict) -> None:
        with self._lock:
            self._db.execute(
                "insert or ignore into blocks (id, service, service_name, prefix, range_end, "
                "first, last, next, day, valid_until) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [block["block"], block["service"], block["service_name"], block["prefix"],
                 block["range_end"], block["first"], block["last"], block["first"],
                 block["day"], block["valid_until"]])

    def remaining(self, service: str, now: str | None = None) -> int:
        """Numbers still printable offline for a service."""
        with self._lock:
            return self._db.execute(
                "select coalesce(sum(last - next + 1), 0) from blocks where service = ? "
                "and next <= last and valid_until > ?", [service, now or now_iso()]).fetchone()[0]

    def service_name(self, service: str) -> str | None:
        with self._lock:
            row = self._db.execute("select service_name from blocks where service = ? "
                                   "order by id desc limit 1", [service]).fetchone()
        return row[0] if row else None

    # Tickets -----------------------------------------------------------------
    def take(self, service: str, priority: str | None = None,
             now: str | None = None) -> dict | None:
        """Take the next number of a valid block and record its ticket, durably."""
        now = now or now_iso()
        with self._lock:
            self._db.execute("begin immediate")
            try:
                block = self._db.execute(
                    "select * from blocks where service = ? and next <= last and valid_until > ? "
                    "order by id limit 1", [service, now]).fetchone()
                if block is None:
                    self._db.execute("rollback")
                    return None
                number = block["next"]
                row = {
                    "id": uuid.uuid4().hex, "service": service, "block": block["id"],
                    "number": number,
                    "display": display_number(block["prefix"], number, block["range_end"]),
                    "issued_at": now, "token": secrets.token_hex(10), "priority": priority,
                }
                self._db.execute("update blocks set next = next + 1 where id = ?", [block["id"]])
                self._db.execute(
                    "insert into tickets (id, service, block, number, display, issued_at, "
                    "token, priority) values (:id, :service, :block, :number, :display, "
                    ":issued_at, :token, :priority)", row)
                self._db.execute("commit")
            except BaseException:
                self._db.execute("rollback")
                raise
        row["service_name"] = block["service_name"]
        return row

    def services(self) -> list[tuple[str, str]]:
        """(code, name) of every service this node holds a block for (offline menus)."""
        with self._lock:
            return [tuple(r) for r in self._db.execute(
                "select service, max(service_name) from blocks where valid_until > ? "
                "group by service order by service", [now_iso()])]

    def pending(self) -> list[dict]:
        """Tickets printed offline that the hub does not have yet, oldest first."""
        with self._lock:
            return [dict(r) for r in self._db.execute(
                "select * from tickets where state = 'pending' order by issued_at, rowid")]

    def pending_count(self) -> int:
        """Offline tickets and given-up requests the hub has not heard of yet."""
        with self._lock:
            return self._db.execute(
                "select (select count(*) from tickets where state = 'pending') + "
                "(select count(*) from abandoned where state = 'pending')").fetchone()[0]

    def mark(self, ticket_id: str, state: str, error: str | None = None) -> None:
        with self._lock:
            self._db.execute("update tickets set state = ?, error = ? where id = ?",
                             [state, error, ticket_id])

    def tickets(self) -> list[dict]:
        with self._lock:
            return [dict(r) for r in self._db.execute(
                "select * from tickets order by issued_at, rowid")]

    # Requests given up -------------------------------------------------------
    def abandon(self, request_id: str) -> None:
        """Record, durably and before printing offline, that a ticket request was given up."""
        with self._lock:
            self._db.execute("insert or ignore into abandoned (request, at) values (?, ?)",
                             [request_id, now_iso()])

    def abandoned(self, state: str = "pending") -> list[dict]:
        with self._lock:
            return [dict(r) for r in self._db.execute(
                "select * from abandoned where state = ? order by at, rowid", [state])]

    def abandon_delivered(self, request_id: str, outcome: str) -> None:
        with self._lock:
            self._db.execute("update abandoned set state = 'delivered', outcome = ? "
                             "where request = ?", [outcome, request_id])

    # Small facts kept across restarts (the centre's name) --------------------
    def get(self, key: str, default: str | None = None) -> str | None:
        with self._lock:
            row = self._db.execute("select value from meta where key = ?", [key]).fetchone()
        return row[0] if row else default

    def put(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("insert or replace into meta (key, value) values (?, ?)",
                             [key, value])
