"""The provincial hub stores what the centres' bridges deliver, once.

Topics on the provincial broker (each centre's bridge maps its own
``motcua/<centre>/`` to ``province/<centre>/``; the provincial broker's ACL
lets each centre's bridge user write only there)::

    province/<centre>/up/ticket_events   batches of ticket events
    province/<centre>/up/dossiers        batches of dossier rows
    province/<centre>/up/dossier_events  batches of dossier events
    province/<centre>/up/ratings         batches of ratings
    province/<centre>/state/...          the centre's retained state (boards,
                                         counters, lines, statistics, nodes)
    province/<centre>/bridge/state       the bridge's notification: 1 or 0

::

    with store.write() as db:
        apply(db, "province/xa-a/up/ticket_events", payload, now=clock.iso())

Idempotent: ticket events and ratings are keyed by ``(centre, the centre's
id)`` and inserted once; a dossier row replaces the stored one only when its
``version`` (the centre's newest dossier event id) is not older. A message
that does not follow the catalogue is refused whole (logged, counted) and
changes nothing; one bad record in a batch is skipped alone.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import sqlite3
import sys

from motcua.bus.messages import (
    MAX_PAYLOAD_BYTES,
    UP_DOSSIER_EVENTS,
    UP_DOSSIERS,
    UP_RATINGS,
    UP_TICKET_EVENTS,
    InvalidMessage,
    decode,
)
from motcua.bus.topics import NAME_PATTERN

from . import checks

log = logging.getLogger(__name__)

# A record the database will not take (a constraint, a value of the wrong
# type): skipped alone. Anything else (a lost connection, a full disk) fails
# the whole batch, which is then not acknowledged and comes again.
_SQLITE_DATA_ERRORS = (sqlite3.IntegrityError, sqlite3.InterfaceError, sqlite3.ProgrammingError,
                       sqlite3.DataError)


def data_errors() -> tuple:
    """The exceptions that mean "this record, not the database": SQLite's, and
    PostgreSQL's where a store has loaded psycopg (a centre's hub never does)."""
    psycopg = sys.modules.get("psycopg")
    if psycopg is None:
        return _SQLITE_DATA_ERRORS
    return (*_SQLITE_DATA_ERRORS, psycopg.DataError, psycopg.IntegrityError)

ROOT = "province"
# The country above the provinces: each provincial broker bridges its centres'
# summaries up to the national broker under vn/<province>/<centre>/... (see
# broker-config/national-bridge.conf.template), and the national hub stores
# them with the same rules, the centre keyed as "<province>/<centre>".
NATIONAL_ROOT = "vn"


class Tier:
    """Where a hub above the centres reads: its topic root and how many levels name
    a centre (``province/<c>/...``: one; ``vn/<p>/<c>/...``: two)."""

    def __init__(self, root: str, depth: int):
        self.root, self.depth = root, depth
        self.centre = "/".join(["+"] * depth)

    def state_filters(self) -> tuple[str, ...]:
        """The ordered part (retained state, bridges' 1/0), read by the hub alone."""
        return (f"{self.root}/{self.centre}/state/#", f"{self.root}/{self.centre}/bridge/state")

    def up_filter(self) -> str:
        """The summaries, which the shared ingest group takes."""
        return f"{self.root}/{self.centre}/up/+"


TIERS = {"province": Tier(ROOT, 1), "national": Tier(NATIONAL_ROOT, 2)}


def tier(role: str) -> Tier:
    return TIERS.get(role, TIERS["province"])


# The ordered part, read by the provincial hub's gateway alone: each centre's
# retained floor state and its bridge's 1/0 (the newest wins, so one reader).
# The summaries (``up/+``) go to the shared ingest group (workers.py).
STATE_FILTERS = TIERS["province"].state_filters()

TICKET_EVENT_FIELDS = ("event_id", "at", "day", "action", "to_status", "ticket_id", "display",
                       "service", "counter", "officer", "officer_name")
DOSSIER_EVENT_FIELDS = ("event_id", "code", "at", "action", "from_status", "to_status",
                        "due_at", "classification")
RATING_FIELDS = ("rating_id", "counter", "officer", "officer_name", "level", "score",
                 "rated_at")
DOSSIER_FIELDS = (
    "code", "dossier_id", "procedure_code", "procedure_name", "procedure_field",
    "procedure_level", "department_code", "department_name", "channel", "status", "stage",
    "time_limit", "time_unit", "received_at", "received_by", "due_at", "apology_due_at",
    "paused_at", "supplement_count", "result_at", "classification", "returned_at",
    "closed_at", "updated_at", "version")
REQUIRED = {
    "ticket_events": ("event_id", "at", "day", "action", "to_status", "ticket_id", "display",
                      "service"),
    "dossiers": ("code", "dossier_id", "procedure_code", "procedure_name", "channel", "status",
                 "stage", "updated_at", "version"),
    "ratings": ("rating_id", "counter", "level", "score", "rated_at"),
    "dossier_events": ("event_id", "code", "at", "action", "to_status"),
}


class Refused(ValueError):
    """A message the province does not store; the text says why (``vi``: in Vietnamese,
    when the text's own reason is not one of ``_REASONS``)."""

    def __init__(self, text: str, vi: str | None = None):
        super().__init__(text)
        self.vi = vi


# A centre's refused messages, kept as one row of province_state under a name no
# centre's topic can give ('#' is never in a published topic): how many, the last
# one's time and its reason in Vietnamese, for the province's pages.
REFUSALS = "#refused"
_REASONS = (("payload larger than", "bản tin quá lớn"),
            ("not JSON", "bản tin không phải JSON"),
            ("unknown summary", "loại bản tin tỉnh không nhận"),
            ("not a topic", "loại bản tin tỉnh không nhận"),
            ("expected 0 or 1", "trạng thái kết nối không hợp lệ"))


def reason(refusal: Refused) -> str:
    """Why a message was refused, as a province's technician reads it."""
    if getattr(refusal, "vi", None):
        return refusal.vi
    text = str(refusal)
    return next((vi for key, vi in _REASONS if key in text),
                "bản tin sai cấu trúc (thiếu hoặc sai trường)")


def record_refusal(db, refusal: Refused, now: str) -> str | None:
    """Count a refused message against its centre (the one whose topic it came on);
    returns the centre, or None for a topic that names none."""
    where = _centre_of(str(refusal).split(": ", 1)[0])
    if where is None:
        return None
    center = where[0]
    old = db.execute("select payload from province_state where center = ? and name = ?",
                     [center, REFUSALS]).fetchone()
    count = (json.loads(old[0]).get("count", 0) if old else 0) + 1
    db.execute(
        "insert into province_state (center, name, payload, received_at) values (?, ?, ?, ?) "
        "on conflict(center, name) do update set payload = excluded.payload, "
        "received_at = excluded.received_at",
        [center, REFUSALS, json.dumps({"count": count, "at": now, "reason": reason(refusal)},
                                      ensure_ascii=False), now])
    return center


# What one centre may send: a burst, then a rate, in records (a summary's records;
# a retained state is one), kept in province_state under a name no topic can give.
# A stolen centre (its hub, or its bridge password) sending possible records as fast
# as its link carries otherwise fills the province's store until it is revoked.
# The busiest centres send ~11,000 records a day (a province's whole day is ~186,000
# for 166 centres: bench/province_ingest.py), so the burst holds some three weeks of
# a busy centre's catch-up after a cut, and the rate fifteen of its days a day.
# Over it: refused, counted against the centre with the reason (its page), logged.
BUDGET = "#budget"
BUDGET_BURST = 200_000
BUDGET_PER_S = 5.0
OVER_BUDGET_VI = ("trung tâm gửi quá nhiều bản ghi (quá hạn mức {burst} bản ghi, rồi {rate} "
                  "bản ghi/giây): kiểm tra trung tâm, mật khẩu cầu nối có thể đã bị lộ")


class Budget:
    """Each centre's records left to send in one batch (:func:`apply_many`): loaded
    with one statement, saved with one. Several ingest workers each read and write it
    in their own transaction; two batches of one centre at once may both spend the
    same allowance, so the bound is the workers' count times the budget at worst."""

    def __init__(self, db, now: str, burst: float | None = None,
                 per_s: float | None = None):
        self.db, self.now = db, now
        self.burst = BUDGET_BURST if burst is None else burst
        self.per_s = BUDGET_PER_S if per_s is None else per_s
        self.left: dict[str, float] = {}

    def load(self, centres: set[str]) -> None:
        centres = centres - self.left.keys()
        if not centres:
            return
        now = _moment(self.now)
        for c in centres:
            self.left[c] = float(self.burst)
        marks = ", ".join("?" * len(centres))
        for center, payload in self.db.execute(
                f"select center, payload from province_state where name = ? and center in "
                f"({marks})", [BUDGET, *sorted(centres)]).fetchall():
            try:
                kept = json.loads(payload)
                since = (now - dt.datetime.fromisoformat(kept["at"])).total_seconds()
                self.left[center] = min(float(self.burst),
                                        float(kept["left"]) + max(since, 0) * self.per_s)
            except (ValueError, KeyError, TypeError):
                pass  # unreadable: a full budget, as for a centre first heard

    def take(self, center: str, cost: int) -> bool:
        self.load({center})
        if self.left[center] < cost:
            return False
        self.left[center] -= cost
        return True

    def save(self) -> None:
        if self.left:
            _executemany(self.db, (
                "insert into province_state (center, name, payload, received_at) "
                "values (?, ?, ?, ?) on conflict(center, name) do update set "
                "payload = excluded.payload, received_at = excluded.received_at"),
                [[c, BUDGET, json.dumps({"left": round(left, 3), "at": self.now}), self.now]
                 for c, left in sorted(self.left.items())])

    def refusal(self, topic: str) -> Refused:
        return Refused(f"{topic}: over the centre's budget",
                       OVER_BUDGET_VI.format(burst=f"{self.burst:,.0f}".replace(",", "."),
                                             rate=f"{self.per_s:g}".replace(".", ",")))


def _record(kind: str, raw, fields, now: str) -> dict:
    if not isinstance(raw, dict):
        raise Refused(f"{kind}: a record is not an object")
    missing = [f for f in REQUIRED[kind] if raw.get(f) is None]
    if missing:
        raise Refused(f"{kind}: record without {', '.join(missing)}")
    for f in fields:
        if isinstance(raw.get(f), (dict, list)):
            raise Refused(f"{kind}: {f} is not a plain value")
    row = {f: raw.get(f) for f in fields}
    try:  # possible at all? (a broken or stolen centre's hub: checks.py)
        checks.check_record(kind, row, _moment(now))
    except checks.Implausible as exc:
        raise Refused(f"{kind}: implausible record: {exc}",
                      f"bản ghi không hợp lý: {exc.vi}") from None
    return row


@functools.lru_cache(maxsize=8)
def _moment(now: str) -> dt.datetime:
    """The time a batch is stored at (one ISO text for the whole batch), parsed once."""
    return dt.datetime.fromisoformat(now)


TOUCH = ("insert into province_centres (center, name, first_seen, last_message_at) "
         "values (?, ?, ?, ?) on conflict(center) do update set "
         "last_message_at = excluded.last_message_at, "
         "name = coalesce(excluded.name, province_centres.name)")


def _touch(db, center: str, now: str, name: str | None = None,
           replayed: bool = False, sent_at: str | None = None) -> None:
    """Note that ``center`` was heard at ``now``. A ``replayed`` message (a retained copy
    the broker hands the province's hub when it subscribes, at each start or
    reconnection) is no news of the centre: it moves ``last_message_at`` only to the
    time the centre itself put in it (``sent_at``, a nodes' state's ``updated_at``),
    and never forward of what was heard. Otherwise, after a provincial restart, every
    centre the broker ever kept a retained copy of read as heard that minute, the
    silent ones too (audit4)."""
    if not replayed:
        db.execute(TOUCH, [center, name, now, now])
        return
    row = db.execute("select last_message_at from province_centres where center = ?",
                     [center]).fetchone()
    sent = sent_at if sent_at and sent_at <= now else None
    if row is None:
        db.execute(TOUCH, [center, name, now, sent or now])
    else:
        if name:
            db.execute("update province_centres set name = ? where center = ?", [name, center])
        if sent and sent > row[0]:
            db.execute("update province_centres set last_message_at = ? where center = ?",
                       [sent, center])


def set_link(db, center: str, up: bool, now: str, replayed: bool = False) -> bool:
    """Record the bridge's state; True when it changed."""
    link = "up" if up else "down"
    _touch(db, center, now, replayed=replayed)
    old = db.execute("select link from province_centres where center = ?", [center]).fetchone()
    if old and old[0] == link:
        return False
    db.execute("update province_centres set link = ?, link_since = ? where center = ?",
               [link, now, center])
    db.execute("insert into province_link_log (center, link, at) values (?, ?, ?)",
               [center, link, now])
    return True


def apply(db, topic: str, payload: bytes, now: str, replayed: bool = False) -> int:
    """Store one message from the provincial broker; returns records newly stored.
    ``replayed``: a retained copy handed over at subscription (see :func:`_touch`).

    Raises :class:`Refused` (nothing changed) for a message the province does
    not take."""
    levels = topic.split("/")
    if (len(levels) == 4 and levels[0] == NATIONAL_ROOT and levels[2:] == ["bridge", "state"]
            and NAME_PATTERN.match(levels[1])):
        # A province's own bridge to the country: its link, under the province's name.
        if payload.strip() not in (b"0", b"1"):
            raise Refused(f"{topic}: expected 0 or 1, got {payload[:20]!r}")
        set_link(db, levels[1], payload.strip() == b"1", now)
        return 0
    where = _centre_of(topic)
    if where is None:
        raise Refused(f"{topic}: not a centre's topic")
    center, rest = where
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise Refused(f"{topic}: payload larger than {MAX_PAYLOAD_BYTES} bytes")
    if rest == ["bridge", "state"]:
        if payload.strip() not in (b"0", b"1"):
            raise Refused(f"{topic}: expected 0 or 1, got {payload[:20]!r}")
        set_link(db, center, payload.strip() == b"1", now, replayed)
        return 0
    if rest[0] == "state" and len(rest) >= 2:
        name = "/".join(rest[1:])
        if not payload:  # a retained topic cleared at the centre
            db.execute("delete from province_state where center = ? and name = ?",
                       [center, name])
            return 0
        try:
            data = decode(payload)
        except InvalidMessage as exc:
            raise Refused(f"{topic}: {exc}") from None
        try:
            checks.check_state(name, data, _moment(now))
        except checks.Implausible as exc:
            raise Refused(f"{topic}: implausible state: {exc}",
                          f"trạng thái không hợp lý: {exc.vi}") from None
        _touch(db, center, now, data.get("center_name") if name == "nodes" else None,
               replayed, data.get("updated_at") if name == "nodes" else None)
        db.execute(
            "insert into province_state (center, name, payload, received_at) values (?, ?, ?, ?) "
            "on conflict(center, name) do update set payload = excluded.payload, "
            "received_at = excluded.received_at",
            [center, name, json.dumps(data, ensure_ascii=False), now])
        return 0
    if rest[0] == "up" and len(rest) == 2:
        kind, records = _summary(topic, rest[1], payload)
        _touch(db, center, now)
        try:  # the whole batch in one savepoint: the usual case, and the cheap one
            with db.atomic():
                return _store_all(db, kind, center, records, now)
        except Exception:  # noqa: BLE001 - then record by record, each in its own savepoint
            pass  # (a failed statement aborts a PostgreSQL transaction up to its savepoint)
        stored = 0
        for raw in records:
            try:
                with db.atomic():
                    stored += _store(db, kind, center, raw, now)
            except (Refused, TypeError, *data_errors()) as exc:
                # Skipped alone, and counted against the centre with why (/province).
                log.warning("province: a record from %s skipped: %s", center, exc)
                with db.atomic():
                    record_refusal(db, Refused(f"{topic}: {exc}", getattr(exc, "vi", None)),
                                   now)
        return stored
    raise Refused(f"{topic}: not a topic the province stores")


SUMMARIES = {"ticket_events": (UP_TICKET_EVENTS, "events"),
             "dossiers": (UP_DOSSIERS, "dossiers"),
             "dossier_events": (UP_DOSSIER_EVENTS, "events"),
             "ratings": (UP_RATINGS, "ratings")}


def _summary(topic: str, kind: str, payload: bytes) -> tuple[str, list]:
    """A summary message's kind and records, checked against the catalogue."""
    mtype, field = SUMMARIES.get(kind, (None, None))
    if mtype is None:
        raise Refused(f"{topic}: unknown summary {kind!r}")
    try:
        data = mtype.validate(decode(payload))
    except InvalidMessage as exc:
        raise Refused(f"{topic}: {exc}") from None
    return kind, data[field]


def _centre_of(topic: str) -> tuple[str, list[str]] | None:
    """(centre key, the levels after it) of a centre's topic, or None."""
    levels = topic.split("/")
    depth = 2 if levels[0] == NATIONAL_ROOT else 1
    names = levels[1:1 + depth]
    if (len(levels) < 2 + depth or levels[0] not in (ROOT, NATIONAL_ROOT)
            or not all(NAME_PATTERN.match(n) for n in names)):
        return None
    return "/".join(names), levels[1 + depth:]


def apply_many(db, messages: list[tuple], now: str,
               budget: Budget | None = None) -> tuple[int, list[Refused]]:
    """Store a batch of messages, each ``(topic, payload)`` or ``(topic, payload,
    replayed)`` (a retained copy handed over at subscription: :func:`_touch`); returns
    (records newly stored, the refusals).

    Each centre's summaries and states are first held to its :class:`Budget`: what is
    over it is refused (counted as any refusal) before anything is parsed twice.

    The summaries of the whole batch go in as one statement per kind (and one for
    the centres heard from), whatever the number of messages and centres: at a
    province's ingest rate, round trips to PostgreSQL, not rows, are the cost.
    Anything else (retained state, links), or a batch a statement fails on, goes
    message by message through :func:`apply`, each in its own savepoint."""
    refused: list[Refused] = []
    rows: dict[str, list] = {}
    sql: dict[str, str] = {}
    centres: set[str] = set()
    others: list[tuple] = []
    budget = budget or Budget(db, now)
    budget.load({w[0] for w in map(_centre_of, (m[0] for m in messages))
                 if w and w[1][:1] in (["up"], ["state"])})
    kept: list[tuple] = []
    for message in messages:
        topic, payload = message[0], message[1]
        where = _centre_of(topic)
        summary = (where is not None and len(where[1]) == 2 and where[1][0] == "up"
                   and len(payload) <= MAX_PAYLOAD_BYTES)
        if not summary:
            if where is not None and where[1][:1] == ["state"] and not budget.take(where[0], 1):
                refused.append(budget.refusal(topic))
                continue
            kept.append(message)
            others.append(message)
            continue
        center, rest = where
        try:
            kind, records = _summary(topic, rest[1], payload)
        except Refused:
            kept.append(message)
            others.append(message)  # refused message by message, with its reason
            continue
        if not budget.take(center, max(len(records), 1)):
            refused.append(budget.refusal(topic))
            continue
        kept.append(message)
        try:
            statements = [_statement(kind, center, raw, now) for raw in records]
        except (Refused, TypeError):
            others.append(message)  # a bad record: message by message
            continue
        centres.add(center)
        for text, params in statements:
            sql[kind] = text
            rows.setdefault(kind, []).append(params)
    stored = 0
    try:
        with db.atomic():
            _executemany(db, TOUCH, [[c, None, now, now] for c in sorted(centres)])
            for kind in sorted(rows):
                stored += max(_executemany(db, sql[kind], rows[kind]).rowcount, 0)
    except Exception:  # noqa: BLE001 - then message by message
        stored = 0
        others = kept
    for message in others:
        topic, payload = message[0], message[1]
        try:
            with db.atomic():
                stored += apply(db, topic, payload, now, len(message) > 2 and bool(message[2]))
        except Refused as refusal:
            refused.append(refusal)
        except data_errors() as exc:  # the database would not take it: skipped, said
            refused.append(Refused(f"{topic}: {exc}"))
    with db.atomic():
        budget.save()
    return stored, refused


def _executemany(db, sql: str, rows: list):
    many = getattr(db, "executemany", None) or db.conn.executemany  # PostgreSQL's, or sqlite3's
    return many(sql, rows)


def _statement(kind: str, center: str, raw, now: str) -> tuple[str, list]:
    """The statement that stores one record, and its parameters (Refused when the
    record is not one). The SQL is the same for every record of a kind, so a batch
    runs as one ``executemany`` (one round trip to PostgreSQL in pipeline mode)."""
    if kind == "ticket_events":
        row = _record(kind, raw, TICKET_EVENT_FIELDS, now)
        return ("insert into province_ticket_events (center, stored_at, "
                + ", ".join(TICKET_EVENT_FIELDS) + ") values (?, ?, "
                + ", ".join("?" * len(TICKET_EVENT_FIELDS)) + ") on conflict do nothing",
                [center, now, *row.values()])
    if kind == "dossier_events":
        row = _record(kind, raw, DOSSIER_EVENT_FIELDS, now)
        return ("insert into province_dossier_events (center, "
                + ", ".join(DOSSIER_EVENT_FIELDS) + ") values (?, "
                + ", ".join("?" * len(DOSSIER_EVENT_FIELDS)) + ") on conflict do nothing",
                [center, *row.values()])
    if kind == "ratings":
        row = _record(kind, raw, RATING_FIELDS, now)
        return ("insert into province_ratings (center, " + ", ".join(RATING_FIELDS)
                + ") values (?, " + ", ".join("?" * len(RATING_FIELDS))
                + ") on conflict do nothing", [center, *row.values()])
    row = _record(kind, raw, DOSSIER_FIELDS, now)
    row["supplement_count"] = row["supplement_count"] or 0
    columns = ", ".join(DOSSIER_FIELDS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in DOSSIER_FIELDS if c != "code")
    return (f"insert into province_dossiers (center, stored_at, {columns}) values (?, ?, "
            + ", ".join("?" * len(DOSSIER_FIELDS)) + ") on conflict(center, code) do update set "
            f"{updates}, stored_at = excluded.stored_at "
            "where excluded.version >= province_dossiers.version",
            [center, now, *row.values()])


def _store(db, kind: str, center: str, raw, now: str) -> int:
    sql, params = _statement(kind, center, raw, now)
    return max(db.execute(sql, params).rowcount, 0)


def _store_all(db, kind: str, center: str, records: list, now: str) -> int:
    statements = [_statement(kind, center, raw, now) for raw in records]
    if not statements:
        return 0
    return max(_executemany(db, statements[0][0], [p for _, p in statements]).rowcount, 0)
