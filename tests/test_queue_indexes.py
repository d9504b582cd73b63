"""Issue 25: the queue's statements read the tickets through an index, never a scan.

A ticket request, a counter's ``next`` and every retained state built from
them are run with sqlite3's trace callback on; each statement seen is then
asked for its plan (``EXPLAIN QUERY PLAN``): none may read the whole
``tickets`` or ``ticket_events`` table, however many days the store holds.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from central.queue import api, commands, setup, state, tickets
from motcua.bus import Topics


@pytest.fixture
def centre(config):
    from central.store import Store

    store = Store(config.database)
    setup.load_file(store, setup.SAMPLE, actor="test")
    yield store
    store.close()


def _traced(store, work) -> list[str]:
    seen: list[str] = []
    store.db.conn.set_trace_callback(seen.append)
    try:
        work()
    finally:
        store.db.conn.set_trace_callback(None)
    return list(dict.fromkeys(seen))


def _plan(db, statement: str) -> list[str]:
    return [row[3] for row in db.execute(f"explain query plan {statement}").fetchall()]


def test_a_ticket_a_call_and_their_state_read_tickets_through_indexes(centre):
    topics = Topics("th")
    db = centre.db
    services = [s["code"] for s in setup.services(db)]
    priority = setup.priority_classes(db)[0]["code"]
    counter_number = setup.counters(db)[0]["number"]
    counter_services = setup.counters_services(db, setup.counters(db)[0]["id"])

    def work():
        outs = []
        with centre.write() as w:
            for i in range(6):
                outs += api.issue_ticket(w, topics, counter_services[i % len(counter_services)],
                                         priority if i == 3 else None, node_id="d-1")[1]
            for _ in range(3):
                counter = setup.counter_by_number(w, counter_number)
                outs += api.counter_command(w, topics, counter, "next")[1]
        for _, payload, _ in outs:
            if callable(payload):
                payload()
        for _, payload, _ in state.everything(db, topics):
            if callable(payload):
                payload()

    statements = [s for s in _traced(centre, work)
                  if re.search(r"\b(from|join|update|into)\s+tickets?\b|ticket_events", s, re.I)
                  and not s.lstrip().lower().startswith(("insert", "begin", "commit"))]
    assert len(statements) > 15, statements
    scans = {s: plan for s in statements for plan in [_plan(db, s)]
             if any(re.match(r"SCAN (tickets|t|ticket_events|e)$", step) for step in plan)}
    assert scans == {}
    assert services  # the sample has services


def test_the_people_ahead_are_counted_from_the_waiting_lines_index(centre):
    db = centre.db
    service = setup.services(db)[0]
    ticket = {"service_id": service["id"], "day": "2026-12-07", "issued_at": "x",
              "priority_class_id": None}
    for query in (tickets._AHEAD, tickets._AHEAD_PRIORITY):
        plan = " ".join(_plan(db, query.replace("?", "1")))
        assert "tickets_waiting_line" in plan, plan
    plan = " ".join(_plan(db, tickets._AHEAD_BOOKED.replace("?", "1")))
    assert "INDEX" in plan, plan
    assert tickets.people_ahead(db, ticket) == 0


def test_the_row_of_a_ticket_just_issued_is_the_row_the_store_holds(centre):
    now = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
    with centre.write() as db:
        code = setup.services(db)[0]["code"]
        first = tickets.issue(db, code, now=now)
        second = tickets.issue(db, code, now=now)
        assert tickets.issued_row(db, second["ticket_id"]) == tickets.get(db, second["ticket_id"])
        # Not the last one issued on this connection: read from the store.
        assert tickets.issued_row(db, first["ticket_id"]) == tickets.get(db, first["ticket_id"])
        assert second["people_ahead"] == first["people_ahead"] + 1
    assert commands  # imported for the handlers the work above runs


def _writes_of_a_status(centre) -> list[str]:
    """The statements that write a ticket's status on a day's hot path: an issue, a
    call (finishing the ticket before), a serve, a finish, a no-show."""
    topics = Topics("th")
    db = centre.db
    counter = setup.counters(db)[0]
    code = setup.counters_services(db, counter["id"])[0]

    def work():
        with centre.write() as w:
            for _ in range(4):
                api.issue_ticket(w, topics, code, node_id="d-1")
            for action in ("next", "next", "serve", "finish", "next", "no_show"):
                api.counter_command(w, topics, setup.counter_by_number(w, counter["number"]),
                                    action)

    return [s for s in _traced(centre, work)
            if re.match(r"\s*(insert into|update) tickets\b", s, re.I) and "status" in s]


def test_writing_a_tickets_status_builds_no_temporary_btree(centre):
    """Issue 25: the status check (six values) was tested against a temporary b-tree
    SQLite built for every statement writing a status (~35 K instructions each, two
    per call); as six equalities (migration 0159) it is tested in place."""
    writes = _writes_of_a_status(centre)
    assert len(writes) >= 5, writes  # issue, end, call, serve, no-show at least
    built = {s: ops for s in writes
             for ops in [[r[1] for r in centre.db.execute(f"explain {s}")]]
             if "OpenEphemeral" in ops}
    assert built == {}


def test_a_status_outside_the_six_is_still_refused_and_the_six_are_not(centre):
    import sqlite3

    _writes_of_a_status(centre)
    db = centre.db
    seen = {r[0] for r in db.execute("select distinct status from tickets")}
    assert seen == {"waiting", "done", "no_show"}
    ticket_id = db.execute("select id from tickets where status = 'waiting'").fetchone()[0]
    for bad in ("Waiting", "closed", "", None):
        with pytest.raises(sqlite3.IntegrityError), centre.write() as w:
            w.execute("update tickets set status = ? where id = ?", [bad, ticket_id])
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"), centre.write() as w:
        w.execute("insert into tickets (day, service_id, issued_service_id, number, display, "
                  "status, issued_at, token) select day, service_id, issued_service_id, 999, "
                  "'Z999', 'lost', issued_at, 'tok-999' from tickets where id = ?", [ticket_id])
    with centre.write() as w:  # each of the six is taken, and undone
        for good in ("waiting", "called", "serving", "done", "no_show", "cancelled"):
            w.execute("update tickets set status = ? where id = ?", [good, ticket_id])
        w.execute("update tickets set status = 'waiting' where id = ?", [ticket_id])
    assert db.execute("select status from tickets where id = ?", [ticket_id]).fetchone() == (
        "waiting",)
