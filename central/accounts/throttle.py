"""Limits on sign-in attempts, per user name and client address.

A few wrong passwords are free (people mistype); after that each failure
locks the key for twice as long as the one before (15 s, 30 s, 1 min, … at
most 15 minutes), during which even the right password is refused without
being checked. Counters live in the database, so restarting the hub does not
reset them, and are forgotten 15 minutes after the last failure::

    wait = throttle.wait_seconds(store, "lan.nt", "10.20.0.50")
    if wait: refuse, say "try again in {wait} s"
    ... wrong password:  throttle.failed(store, "lan.nt", "10.20.0.50")
    ... right password:  throttle.succeeded(store, "lan.nt", "10.20.0.50")

Four keys, so that guessing is bounded and a stranger cannot lock an officer
out of her own desk (the hall's Wi-Fi reaches the sign-in page):

- ``place:<name>@<address>``: one name from one address, 5 free failures (the
  person who mistypes, or one guesser).
- ``addr:<address>``: one address, whatever names it tries, 20 free (several
  officers may sit behind one address).
- ``user:<name>``: one name from every address together, 30 free: guessing one
  name from many addresses. This lock is not applied at a *known place*.
- ``known:<name>@<address>``: an address this name signed in from in the last
  90 days (a row with ``failures = 0``; ``last_failure_at`` holds the last
  sign-in). Someone guessing ``lan.nt`` from a phone locks that phone's place
  and, past 30 failures, ``lan.nt`` everywhere new, but not her desk.

Those four hold a stranger at another address. In a small centre the hall's
Wi-Fi and the officers' PCs often leave through one NAT (one address): a phone
failing for ``lan.nt`` then locks ``place:lan.nt@<the NAT>`` and, past 20, the
address itself, for every officer. So a browser that signed in as a name before
carries a *device cookie* for it (signed by the hub, OWASP's "device cookies"):
its attempts at that name count only on its own key,

- ``device:<name>/<nonce>``: 5 free, then the locks. None of the four keys
  above applies to it, and its failures do not count on them. (The name is in
  the key so that an administrator's unlock of a name finds its browsers.)

A stranger cannot lock Lan's own browsers out (he has no cookie of hers); a
thief of one cookie gets that cookie's 5 guesses and its locks, nothing more.
Booking look-ups (code and phone) use the same rule with the booking's code as
the name (``per_place=False``: the name over all addresses only, 30 free; see
``appointments.lookup``).
"""

from __future__ import annotations

import datetime as dt
import logging
import math

from motcua import clock

from ..store import Store
from . import audit

log = logging.getLogger(__name__)

FREE = {"place": 5, "addr": 20, "user": 30, "name": 30, "device": 5, "lookup": 30}
# "lookup:<address>" counts every public look-up from an address, found or not
# (dossier codes are a day and a sequence number: guessing them mostly finds one).
FIRST_LOCK = dt.timedelta(seconds=15)
LONGEST_LOCK = dt.timedelta(minutes=15)
FORGET_AFTER = dt.timedelta(minutes=15)
KNOWN_FOR = dt.timedelta(days=90)


def name_key(username: str) -> str:
    """A user name as the throttle counts it (case and spaces aside)."""
    return (username or "").strip().lower()[:64]


_name = name_key


def _keys(username: str, address: str | None, per_place: bool = True,
          device: str | None = None) -> list[str]:
    if device:
        # A browser the hub trusted for this name: its own count, nothing shared.
        return [_device_key(username, device)]
    name = _name(username)
    if not per_place:
        # A booking code's look-ups: one key per code at every address, 30 free. No
        # key per address: the hall's Wi-Fi is one address, and one citizen's mistakes
        # (or a stranger's) must not hold every other citizen's look-up there.
        return [f"name:{name}"]
    keys = [f"place:{name}@{address or ''}", f"user:{name}"]
    if address:
        keys.append(f"addr:{address}")
    return keys


def _device_key(username: str, device: str) -> str:
    return f"device:{_name(username)}/{device[:64]}"


def _known(db, username: str, address: str | None, now: dt.datetime) -> bool:
    """Has this name signed in from this address lately?"""
    if not address:
        return False
    row = db.execute("select last_failure_at from sign_in_failures where key = ?",
                     [f"known:{_name(username)}@{address}"]).fetchone()
    return bool(row) and now - clock.from_iso(row[0]) < KNOWN_FOR


def lock_for(failures: int, kind: str) -> dt.timedelta:
    """How long the ``failures``-th failure locks a key of this kind (0 while free)."""
    over = failures - FREE[kind]
    if over < 0:
        return dt.timedelta(0)
    return min(FIRST_LOCK * (2 ** min(over, 20)), LONGEST_LOCK)


def wait_seconds(store: Store, username: str, address: str | None, now=None,
                 per_place: bool = True, device: str | None = None) -> int:
    """Seconds before this name, from this address (or this trusted browser,
    ``device``), may try again (0: now)."""
    now = now or clock.now()
    known = per_place and not device and _known(store.db, username, address, now)
    longest = 0.0
    for key in _keys(username, address, per_place, device):
        if known and key.startswith("user:"):
            continue
        row = store.db.execute(
            "select locked_until from sign_in_failures where key = ?", [key]).fetchone()
        if row and row[0]:
            longest = max(longest, (clock.from_iso(row[0]) - now).total_seconds())
    return math.ceil(longest) if longest > 0 else 0


def failed(store: Store, username: str, address: str | None, now=None,
           per_place: bool = True, device: str | None = None) -> int:
    """Count a failure; returns the seconds of the lock it now puts on this name at
    this address, or on this trusted browser (0: none)."""
    now = now or clock.now()
    locked = 0.0
    with store.write() as db:
        known = per_place and not device and _known(db, username, address, now)
        for key in _keys(username, address, per_place, device):
            lock = _count(db, key, now)
            if lock and not (known and key.startswith("user:")):
                locked = max(locked, lock.total_seconds())
    return math.ceil(locked)


def _count(db, key: str, now: dt.datetime) -> dt.timedelta:
    """One more on ``key`` (its kind is the part before the first colon); the lock it
    now has (0 while free)."""
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
        log.warning("locked for %s s: %s after %d", lock.seconds, key, failures)
        audit.record(db, None, "lookup.locked" if kind == "lookup" else "signin.locked", key,
                     {"failures": failures, "seconds": int(lock.total_seconds())})
    return lock


def looked_up(store: Store, address: str | None, now=None) -> int:
    """One public look-up from ``address`` (a dossier's status by its code): the
    seconds it must now wait before the next (0: none). 30 free, then the locks."""
    if not address:
        return 0
    now = now or clock.now()
    with store.write() as db:
        return math.ceil(_count(db, f"lookup:{address}", now).total_seconds())


def lookup_wait(store: Store, address: str | None, now=None) -> int:
    """Seconds before ``address`` may look up again (0: now)."""
    if not address:
        return 0
    now = now or clock.now()
    row = store.db.execute("select locked_until from sign_in_failures where key = ?",
                           [f"lookup:{address}"]).fetchone()
    left = (clock.from_iso(row[0]) - now).total_seconds() if row and row[0] else 0
    return math.ceil(left) if left > 0 else 0


def succeeded(store: Store, username: str, address: str | None = None, now=None,
              device: str | None = None) -> None:
    """A right password: the name starts afresh at this address and in this trusted
    browser (the address and the name's count over all addresses do not), and the
    address becomes a known place for this name."""
    now = now or clock.now()
    name = _name(username)
    with store.write() as db:
        db.execute("delete from sign_in_failures where key = ?", [f"place:{name}@{address or ''}"])
        if device:
            db.execute("delete from sign_in_failures where key = ?",
                       [_device_key(username, device)])
        if address:
            db.execute(
                "insert into sign_in_failures (key, failures, last_failure_at, locked_until) "
                "values (?, 0, ?, null) on conflict(key) do update set "
                "last_failure_at = excluded.last_failure_at",
                [f"known:{name}@{address}", clock.iso(now)])


LOCKED_KINDS = ("place", "user", "addr", "device")


def locks(store: Store, now=None) -> list[dict]:
    """The sign-in locks in force now, longest first: ``kind`` (place, user, addr,
    device), ``name`` (None for an address's lock), ``address`` (None for a name
    over every address and for a browser), ``until`` (ISO), ``seconds`` left,
    ``failures``."""
    now = now or clock.now()
    found = []
    for key, failures, until in store.db.execute(
            "select key, failures, locked_until from sign_in_failures "
            "where locked_until is not null"):
        kind, _, rest = key.partition(":")
        left = (clock.from_iso(until) - now).total_seconds()
        if kind not in LOCKED_KINDS or left <= 0:
            continue
        name = address = None
        if kind == "place":
            name, _, address = rest.rpartition("@")
        elif kind == "addr":
            address = rest
        else:                                   # user:<name>, device:<name>/<nonce>
            name = rest.split("/", 1)[0] if kind == "device" else rest
        found.append({"kind": kind, "name": name, "address": address or None,
                      "until": until, "seconds": math.ceil(left), "failures": failures})
    return sorted(found, key=lambda lock: (-lock["seconds"], lock["name"] or "",
                                           lock["address"] or ""))


def unlock_name(store: Store, username: str, actor: str) -> int:
    """An administrator lifts every lock and count on this name: at every address,
    over all addresses, in every browser that carries a cookie for it. The next
    failures count from zero (and lock again past the free ones); a known place
    stays known. Recorded in the audit log with ``actor``. Returns the keys lifted."""
    name = _name(username)
    with store.write() as db:
        lifted = db.execute(
            "delete from sign_in_failures where key = ? "
            "or substr(key, 1, length(?)) = ? or substr(key, 1, length(?)) = ?",
            [f"user:{name}", f"place:{name}@", f"place:{name}@",
             f"device:{name}/", f"device:{name}/"]).rowcount
        audit.record(db, actor, "signin.unlocked", name, {"keys": lifted})
    return lifted


def unlock_address(store: Store, address: str, actor: str) -> int:
    """An administrator lifts the lock on an address as a whole (``addr:``: every
    name tried from it); the names' own locks there stay. Audited with ``actor``."""
    with store.write() as db:
        lifted = db.execute("delete from sign_in_failures where key = ?",
                            [f"addr:{address}"]).rowcount
        audit.record(db, actor, "signin.address_unlocked", address, {"keys": lifted})
    return lifted
