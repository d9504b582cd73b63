"""The queue's retained state for the floor and the live pages.

Built from the database alone, so a retained message can always be checked
against (or rebuilt from) the store::

    board(db, "main")          # -> motcua/<c>/state/board/main
    counter_state(db, 5)       # -> motcua/<c>/state/counter/5
    line(db, "ho-tich")        # -> motcua/<c>/state/line/ho-tich
    stats(db)                  # -> motcua/<c>/state/queue_stats
    ticket_state(db, ticket)   # -> motcua/<c>/state/ticket/<sha256(token)[:32]>

:func:`publications` turns a command's :class:`~.commands.Changes` into the
list of ``(topic, payload, retain)`` to publish once the transaction commits.
"""

from __future__ import annotations

import json
import os
from functools import partial

from motcua import clock
from motcua.bus import Topics
from motcua.bus.messages import (
    ANNOUNCE,
    STATE_BOARD,
    STATE_COUNTER,
    STATE_LINE,
    STATE_QUEUE_STATS,
    STATE_TICKET,
)
from motcua.bus.messages.base import SCHEMA_VERSION, MessageType

from . import estimate, setup, tickets
from .commands import _VIEW, Changes, view_result

# Waiting tickets listed in a line's state (the count is always whole): keeps
# the message small; a ticket further back shows its own `people_ahead`.
LINE_LENGTH = 200

# The payloads built here come from the hub's own store, not from a node: they
# are not checked against their schema on every publication (1.7–3.4 µs a payload,
# several per request; issue 25) but wherever the tests run them (tests/conftest.py
# sets HUB_STATE_CHECK=1, inherited by every hub the tests start; not a MOTCUA_*
# name: those are config overrides, refused when unknown). Everything
# a node sends is still validated on receipt.
CHECK = os.environ.get("HUB_STATE_CHECK") == "1"


def _make(kind: MessageType, /, **values) -> dict:
    """``kind.make(**values)`` for a retained state payload (no ``id``/``ts``):
    the same dict, key for key, checked only when :data:`CHECK`."""
    payload = {"v": SCHEMA_VERSION}
    payload.update({k: v for k, v in values.items() if v is not None})
    if CHECK:
        kind.validate(payload)
    return payload


def _day(db) -> str:
    return tickets.today(db)


def board(db, hall: str, day: str | None = None) -> dict:
    """A hall's board: the newest calls with their counters, and who waits per service."""
    day = day or _day(db)
    limit = setup.setting_int(db, "board_calls")
    calls = [
        {"display": r[0], "counter": r[1], "counter_name": r[2], "service_name": r[3],
         "status": r[4], "called_at": r[5]}
        for r in db.execute(
            """
            select t.display, c.number, c.name, s.name, t.status, t.called_at
            from tickets t join counters c on c.id = t.counter_id
            join services s on s.id = t.service_id
            where t.day = ? and c.hall = ? and t.called_at is not null
              and t.status in ('called', 'serving', 'done', 'no_show')
            order by t.called_at desc, t.id desc limit ?
            """, [day, hall, limit])
    ]
    waiting = [
        {"service": r[0], "name": r[1], "waiting": r[2]}
        for r in db.execute(
            """
            select s.code, s.name, coalesce((select q.waiting from queue_lines q
                                             where q.service_id = s.id and q.day = ?), 0)
            from services s where s.active = 1 and s.id in (
                select cs.service_id from counter_services cs
                join counters c on c.id = cs.counter_id where c.hall = ?)
            order by s.sort_order, s.id
            """, [day, hall])
    ]
    counters = [
        {"counter": r[0], "name": r[1], "status": r[2], "display": r[3]}
        for r in db.execute(
            """
            select c.number, c.name, c.status,
                   (select t.display from tickets t where t.id = c.current_ticket_id
                     and t.status in ('called', 'serving'))
            from counters c where c.hall = ? and c.active = 1 order by c.number
            """, [hall])
    ]
    return _make(STATE_BOARD, hall=hall, day=day, calls=calls, waiting=waiting, counters=counters)


# A counter's state in one statement (issue 25; was three): the counter as
# :data:`~.commands._VIEW` reads it, its services' codes in order (a JSON array),
# and the ticket it finished last (issue 5: the rating keypad lights for it),
# found through `tickets_done_by_counter`.
_COUNTER_STATE = _VIEW.replace(
    " from counters c ",
    ", (select json_group_array(code) from (select s.code from counter_services cs "
    "join services s on s.id = cs.service_id where cs.counter_id = c.id "
    "order by s.sort_order, s.id)), f.id, f.display, f.finished_at, "
    "(select started_at from counter_sessions where counter_id = c.id and ended_at is null "
    "order by id desc limit 1) from counters c ", 1
).replace(" where c.number = ?",
          " left join tickets f on f.id = (select id from tickets where counter_id = c.id "
          "and status = 'done' order by finished_at desc, id desc limit 1) "
          "where c.number = ?", 1)


def counter_state(db, number: int) -> dict:
    """One counter: open or not, since when someone is signed in at it (not who: the
    state is public, see :func:`officer_names`), the number it serves now."""
    row = db.execute(_COUNTER_STATE, [number]).fetchone()
    result = view_result(row)
    return _make(STATE_COUNTER,
        counter=number, name=row[9], hall=row[10],
        status=result["status"], status_name=result["status_name"],
        back_at=row[13] if result["status"] == "paused" else None,
        signed_in=row[18] if row[11] is not None else None, current=result["current"],
        services=json.loads(row[14]),
        finished={"ticket_id": row[15], "display": row[16], "finished_at": row[17]}
        if row[15] is not None else None)


def officer_names(db) -> dict[int, str]:
    """Who is signed in at each counter, by number: for staff pages only. The
    counters' retained state leaves names out (the live pages' relay serves it to
    anyone on the hall's Wi-Fi)."""
    return dict(db.execute("select c.number, u.full_name from counters c join users u "
                           "on u.id = c.officer_id"))


# A line's service: the columns the line and its estimate read (not `*` made a
# dict), and its departments' names in order (a JSON array): one statement, was two.
_LINE_SERVICE = (
    "select s.id, s.name, s.target_wait_min, s.default_service_min, "
    "(select json_group_array(name) from (select d.name from service_departments sd "
    "join departments d on d.id = sd.department_id where sd.service_id = s.id "
    "order by d.name)) from services s where s.code = ?")


def line(db, code: str, day: str | None = None) -> dict:
    """A service's waiting line, first-come order (priority tickets marked)."""
    day = day or _day(db)
    row = db.execute(_LINE_SERVICE, [code]).fetchone()
    if row is None:
        raise IndexError(f"no service {code!r}")
    service = {"id": row[0], "name": row[1], "target_wait_min": row[2],
               "default_service_min": row[3]}
    rows = db.execute(
        "select display, priority_class_id from tickets where service_id = ? "
        "and status = 'waiting' and day = ? order by issued_at, id limit ?",
        [service["id"], day, LINE_LENGTH]).fetchall()
    # The class read as it is and tested here: ~10 µs less than an `is not null`
    # worked out by SQLite and turned into a bool per row (200 rows, issue 25).
    queue = [{"display": d, "priority": p is not None} for d, p in rows]
    waiting = len(rows)
    if waiting == LINE_LENGTH:  # longer than the message shows: its length as kept
        waiting = db.execute("select waiting from queue_lines where service_id = ? and day = ?",
                             [service["id"], day]).fetchone()[0]
    now = clock.now()
    facts = estimate.line_facts(db, service, now)
    # A walk-in also waits for the bookings due before its call: the board, and the
    # ticket pages that read `bookings`, say what the paper ticket says.
    wait, bookings = estimate.line_wait(db, service, facts, waiting, now)
    return _make(STATE_LINE,
        service=code, name=service["name"], waiting=waiting, queue=queue,
        open_counters=facts.open, idle_counters=facts.idle,
        minutes_per_person=round(facts.minutes_per_person, 2),
        estimate_min=wait.minutes, estimate_range=wait.range, steady=facts.steady,
        changes=estimate.announced_changes(facts, now), bookings=bookings,
        target_wait_min=service["target_wait_min"], departments=json.loads(row[4]))


def stats(db, day: str | None = None) -> dict:
    """Today's queue figures (DOMAIN.md: waiting now, waits, no-show rate, …)."""
    day = day or _day(db)
    # Kept by SQLite on every write of a ticket (`ticket_counts`, migration 0155).
    counts = dict(db.execute("select status, n from ticket_counts where day = ? and n > 0",
                             [day]).fetchall())
    # Wait = issue to first call (a recall or a transfer does not reset it),
    # in whole milliseconds (the store's precision), kept at the first call
    # (`wait_ms`, migration 0154) in an index of the day's waits in order: this
    # runs several times a second over the whole day, read from the index alone.
    target = db.execute("select coalesce(avg(target_wait_min), 15) from services").fetchone()[0]
    called, total_ms, within = db.execute(
        "select count(*), sum(wait_ms), sum(wait_ms <= ?2) from tickets "
        "where day = ?1 and wait_ms is not null", [day, target * 60000]).fetchone()
    p90_ms = db.execute(
        "select wait_ms from tickets where day = ? and wait_ms is not null "
        "order by wait_ms limit 1 offset ?", [day, int(0.9 * (called - 1))]
    ).fetchone()[0] if called else None
    out_of_order = db.execute(
        "select count(*) from ticket_events e join tickets t on t.id = e.ticket_id where "
        "t.day = ? and e.action = 'call' and json_extract(e.detail, '$.out_of_order')",
        [day]).fetchone()[0]
    finished = counts.get("done", 0) + counts.get("no_show", 0)
    return _make(STATE_QUEUE_STATS,
        day=day, issued=sum(counts.values()), waiting=counts.get("waiting", 0),
        serving=counts.get("called", 0) + counts.get("serving", 0),
        done=counts.get("done", 0), no_show=counts.get("no_show", 0),
        cancelled=counts.get("cancelled", 0),
        # Nothing to divide by: no figure (absent), never a made-up 0 or 1 (issue 23).
        avg_wait_min=round(total_ms / called / 60000, 1) if called else None,
        p90_wait_min=round(p90_ms / 60000, 1) if called else None,
        within_target=round(within / called, 3) if called else None,
        no_show_rate=round(counts.get("no_show", 0) / finished, 3) if finished else None,
        out_of_order=out_of_order)


def ticket_state(db, ticket: dict) -> dict:
    """One ticket as its public live page shows it: no personal data."""
    service = db.execute("select code, name from services where id = ?",
                         [ticket["service_id"]]).fetchone()
    counter = None
    if ticket["counter_id"] is not None and ticket["status"] in ("called", "serving"):
        row = db.execute("select number, name from counters where id = ?",
                         [ticket["counter_id"]]).fetchone()
        counter = (row[0], row[1])
    return _ticket_payload(db, ticket, service, counter)


def _ticket_payload(db, ticket: dict, service, counter) -> dict:
    ahead = tickets.people_ahead(db, ticket) if ticket["status"] == "waiting" else 0
    return _make(STATE_TICKET,
        display=ticket["display"], service=service[0], service_name=service[1],
        priority=ticket["priority_class_id"] is not None, status=ticket["status"],
        status_name=tickets.STATUS_NAMES[ticket["status"]], issued_at=ticket["issued_at"],
        called_at=ticket["called_at"],
        counter={"counter": counter[0], "name": counter[1]} if counter else None,
        people_ahead=ahead, estimate_min=ticket["estimate_min"])


def issued_ticket_state(ticket: dict, issued: dict) -> dict:
    """:func:`ticket_state` of a ticket just issued, from its row and
    :func:`.tickets.issue`'s answer alone (no query: one is published per ticket)."""
    return _make(STATE_TICKET,
        display=ticket["display"], service=issued["service"],
        service_name=issued["service_name"], priority=ticket["priority_class_id"] is not None,
        status=ticket["status"], status_name=tickets.STATUS_NAMES[ticket["status"]],
        issued_at=ticket["issued_at"], called_at=ticket["called_at"], counter=None,
        people_ahead=issued["people_ahead"], estimate_min=ticket["estimate_min"])


_ANNOUNCED = ("select t.display, t.number, s.code, s.name, c.number, c.name, c.hall, t.called_at "
              "from tickets t join services s on s.id = t.service_id, counters c "
              "where t.id = ? and c.id = ?")


def _new_id() -> str:
    """What :func:`motcua.bus.messages.new_id` writes (``uuid.uuid4().hex``: 16 random
    bytes, the version and variant bits set), without making a ``uuid.UUID`` (its
    checks and conversions: ~5× the time; one announcement a call, issue 25)."""
    b = bytearray(os.urandom(16))
    b[6] = b[6] & 0x0F | 0x40
    b[8] = b[8] & 0x3F | 0x80
    return b.hex()


def announcement(db, ticket_id: int, counter_id: int, kind: str, known: tuple = ()) -> dict:
    """A call to announce. ``known``: the row :data:`_ANNOUNCED` would read, when the
    command knows all of it (a `next` calling a ticket of the counter's own
    services: one statement less per call, issue 25)."""
    row = known[0] if known else db.execute(_ANNOUNCED, [ticket_id, counter_id]).fetchone()
    # Built from the hub's own store: checked against its schema where the tests
    # run (:data:`CHECK`), as the retained state is; ``ANNOUNCE.make``'s dict.
    return _make(ANNOUNCE, id=_new_id(), kind=kind, display=row[0], number=row[1],
                 service=row[2], service_name=row[3], counter=row[4], counter_name=row[5],
                 hall=row[6], ts=row[7] or clock.iso())


def publications(db, topics: Topics, changes: Changes, with_stats: bool = False,
                 service_codes: dict | None = None) -> list:
    """``(topic, payload, retain)`` for everything ``changes`` touched.

    Retained state is given as a function that builds the payload when it is
    published (after the commit): a batch of commands touching the same board
    builds it once, from what the store holds then. Announcements are built
    at once: each is one call, as it happened.
    """
    # The order they go out in: what the floor sees first (the halls' boards,
    # the counters' numbers, the call to announce), then the lines and the
    # tickets' own pages.
    out = []
    for hall in sorted(changes.halls):
        out.append((topics.state("board", hall), partial(board, db, hall), True))
    for _cid, number in _named(db, _COUNTER_NUMBER, changes.counters, changes.numbers):
        out.append((topics.state("counter", str(number)), partial(counter_state, db, number),
                    True))
    for ticket_id, counter_id, kind, *known in changes.announce:
        out.append((topics.hub_event("announce"),
                    announcement(db, ticket_id, counter_id, kind, known), False))
    # ``service_codes`` (id -> code) when the caller knows them: no statement.
    codes = changes.codes if service_codes is None else {**changes.codes, **service_codes}
    for _sid, code in _named(db, _SERVICE_CODE, changes.services, codes):
        out.append((topics.state("line", code), partial(line, db, code), True))
    pages = changes.pages
    for tid, token in _named(db, _TICKET_TOKEN, changes.tickets, changes.tokens):
        page = pages.get(tid)
        out.append((topics.ticket_state(token),
                    partial(_ticket_by_id, db, tid) if page is None else
                    _ticket_payload(db, *page), True))
    if with_stats:
        # Statistics scan the whole day: the gateway's ticker publishes them
        # (at most once a second, when they changed) instead of every command.
        out.append((topics.state("queue_stats"), partial(stats, db), True))
    return out


_COUNTER_NUMBER = "select number from counters where id = ?"
_SERVICE_CODE = "select code from services where id = ?"
_TICKET_TOKEN = "select token from tickets where id = ?"


def _named(db, query: str, ids, known: dict) -> list[tuple]:
    """``(id, name)`` of ``ids`` in id order: from ``known`` (id -> name, what the
    command read already), else one fixed statement per id (``query``), so the
    store compiles no new statement for each count of ids (issue 25). An id the
    store no longer holds is left out."""
    out = []
    for i in sorted(ids):
        name = known.get(i)
        if name is None:
            row = db.execute(query, [i]).fetchone()
            if row is None:
                continue
            name = row[0]
        out.append((i, name))
    return out


# A ticket's page with its service and counter: one statement, the columns the
# page and people_ahead read (not `t.*`: ~35 columns turned into a dict, issue 25).
_TICKET_COLUMNS = ("id", "display", "status", "priority_class_id", "issued_at", "called_at",
                   "estimate_min", "service_id", "day", "slot_at")
_TICKET = (f"select {', '.join('t.' + c for c in _TICKET_COLUMNS)}, s.code, s.name, c.number, "
           "c.name from tickets t "
           "join services s on s.id = t.service_id "
           "left join counters c on c.id = t.counter_id and t.status in ('called', 'serving') "
           "where t.id = ?")


def _ticket_by_id(db, ticket_id: int) -> dict:
    row = db.execute(_TICKET, [ticket_id]).fetchone()
    ticket = dict(zip(_TICKET_COLUMNS, row[:-4], strict=True))
    return _ticket_payload(db, ticket, row[-4:-2], row[-2:] if row[-2] is not None else None)


def everything(db, topics: Topics) -> list:
    """The whole retained picture (published when the hub connects), today's
    tickets' own pages included: a broker that lost its snapshot gets every
    open ticket page back, as docs/mqtt.md promises."""
    changes = Changes(
        counters={r[0] for r in db.execute("select id from counters")},
        halls={r[0] for r in db.execute("select distinct hall from counters")},
        services={r[0] for r in db.execute("select id from services")},
        tickets={r[0] for r in db.execute("select id from tickets where day = ?", [_day(db)])},
    )
    return publications(db, topics, changes, with_stats=True)
