"""Limits on sign-in attempts, per user name and per client address.

A few wrong passwords are free (people mistype); after that each failure
locks the key for twice as long as the one before (15 s, 30 s, 1 min, … at
most 15 minutes), during which even the right password is refused without
being checked. Counters live in the database, so restarting the hub does not
reset them, and are forgotten 15 minutes after the last failure::

    wait = throttle.wait_seconds(store, "lan.nt", "10.20.0.50")
    if wait: refuse, say "try again in {wait} s"
    ... wrong password:  throttle.failed(store, "lan.nt", "10.20.0.50")
    ... right password:  throttle.succeeded(store, "lan.nt")

An address gets more free failures than a name: several officers may sit
behind one address, while a name is one person.
"""

from __future__ import annotations

import datetime as dt
import logging
import math

from motcua import clock

from ..store import Store
from . import audit

log = logging.getLogger(__name__)

FREE = {"user": 5, "addr": 20}
FIRST_LOCK = dt.timedelta(seconds=15)
LONGEST_LOCK = dt.timedelta(minutes=15)
FORGET_AFTER = dt.timedelta(minutes=15)


def _keys(username: str, address: str | None) -> list[str]:
    keys = [f"user:{(username or '').strip().lower()[:64]}"]
    if address:
        keys.append(f"addr:{address}")
    return keys


def lock_for(failures: int, kind: str) -> dt.timedelta:
    """How long the ``failures``-th failure locks a key of this kind (0 while free)."""
    over = failures - FREE[kind]
    if over < 0:
        return dt.timedelta(0)
    return min(FIRST_LOCK * (2 ** min(over, 20)), LONGEST_LOCK)


def wait_seconds(store: Store, username: str, address: str | None, now=None) -> int:
    """Seconds before this name, from this address, may try again (0: now)."""
    now = now or clock.now()
    longest = 0.0
    for key in _keys(username, address):
        row = store.db.execute(
            "select locked_until from sign_in_failures where key = ?", [key]).fetchone()
        if row and row[0]:
            longest = max(longest, (clock.from_iso(row[0]) - now).total_seconds())
    return math.ceil(longest) if longest > 0 else 0


def failed(store: Store, username: str, address: str | None, now=None) -> int:
    """Count a failure; returns the seconds of the lock it caused (0: none)."""
    now = now or clock.now()
    locked = 0.0
    with store.write() as db:
        for key in _keys(username, address):
            kind = key.split(":", 1)[0]
            row = db.execute("select failures, last_failure_at from sign_in_failures "
                             "where key = ?", [key]).fetchone()
            failures = 1
            if row and now - clock.from_iso(row[1]) < FORGET_AFTER:
                failures = row[0] + 1
            lock = lock_for(failures, kind)
            db.execute(
                "insert into sign_in_failures (key, failures, last_failure_at, locked_until) "
                "values (?, ?, ?, ?) on conflict(key) do update set failures = excluded.failures,"
                " last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until",
                [key, failures, clock.iso(now), clock.iso(now + lock) if lock else None],
            )
            if lock:
                locked = max(locked, lock.total_seconds())
                log.warning("sign-in locked for %s s: %s after %d failures", lock.seconds, key,
                            failures)
                audit.record(db, None, "signin.locked", key,
                             {"failures": failures, "seconds": int(lock.total_seconds())})
    return math.ceil(locked)


def succeeded(store: Store, username: str) -> None:
    """A right password: the name starts afresh (the address does not)."""
    with store.write() as db:
        db.execute("delete from sign_in_failures where key = ?", _keys(username, None))
