"""The hub's retained state: checked against its schema in the tests, not on
every publication (issue 25), and the same payload either way."""

from __future__ import annotations

import json

import pytest

from central.queue import state
from motcua.bus import Topics
from motcua.bus.messages import STATE_BOARD, STATE_COUNTER, STATE_LINE, STATE_TICKET
from motcua.bus.messages.base import InvalidMessage, encode


def test_the_tests_check_every_state_payload_they_build():
    assert state.CHECK, "tests/conftest.py sets HUB_STATE_CHECK=1"
    with pytest.raises(InvalidMessage):
        state._make(STATE_LINE, service="ho-tich")  # no name, no queue, …


def test_production_does_not_check_and_builds_the_same_bytes(sample_centre, store, monkeypatch):
    from central.queue import api

    topics = Topics("test")
    with store.write() as db:
        for code, priority in (("ho-tich", None), ("dat-dai", None), ("ho-tich", "elderly"),
                               ("ho-tich", None)):
            api.issue_ticket(db, topics, code, priority, node_id="dispenser-1")
    # The line as the builder before issue 25 listed it (`is not null` worked out by SQLite).
    sid = store.db.execute("select id from services where code = 'ho-tich'").fetchone()[0]
    before = [{"display": d, "priority": bool(p)} for d, p in store.db.execute(
        "select display, priority_class_id is not null from tickets where service_id = ? and "
        "status = 'waiting' order by issued_at, id", [sid])]
    assert [q["priority"] for q in before] == [False, True, False]
    assert state.line(store.db, "ho-tich")["queue"] == before
    out = state.everything(store.db, topics)
    built = {topic: encode(p()) for topic, p, _ in out if callable(p)}
    kinds = {STATE_BOARD: "board", STATE_COUNTER: "counter", STATE_LINE: "line",
             STATE_TICKET: "ticket"}
    # Each payload is what MessageType.make (which validates) builds from the same values.
    # The wire encoder (no circular-reference check) writes what json.dumps writes.
    for topic, p, _ in out:
        if callable(p):
            payload = p()
            assert encode(payload) == json.dumps(
                payload, ensure_ascii=False, separators=(",", ":")).encode(), topic
    checked = set()
    for topic, data in built.items():
        payload = json.loads(data)
        for kind in kinds:
            if f"/{kinds[kind]}/" in topic:
                values = {k: v for k, v in payload.items() if k != "v"}
                assert encode(kind.make(**values)) == data, topic
                checked.add(kinds[kind])
    assert checked == set(kinds.values())
    monkeypatch.setattr(state, "CHECK", False)
    again = {topic: encode(p()) for topic, p, _ in state.everything(store.db, topics)
             if callable(p)}
    assert again == built


def test_a_tickets_page_reads_what_the_whole_row_gives(sample_centre, store):
    # _ticket_by_id reads the columns it needs; ticket_state is given the whole row.
    from central.queue import commands, setup, tickets

    with store.write() as db:
        for code, priority in (("ho-tich", None), ("ho-tich", "elderly"), ("ho-tich", None),
                               ("dat-dai", None)):
            tickets.issue(db, code, priority)
        one = setup.counter_by_number(db, 1)
        commands.run(db, one, "next")  # called
        commands.run(db, setup.counter_by_number(db, 1), "next")  # done, and one called
    seen = set()
    for (tid,) in store.db.execute("select id from tickets"):
        row = tickets.get(store.db, tid)
        seen.add(row["status"])
        assert state._ticket_by_id(store.db, tid) == state.ticket_state(store.db, row), row
    assert {"waiting", "called", "done"} <= seen


def test_a_ticket_names_its_line_without_asking_the_store_and_the_same_topics(sample_centre,
                                                                               store):
    """A new ticket's publications name its line from the code it was issued for
    (no statement, issue 25): the same topics, in the same order, as when the
    store is asked for the code of the ticket's service."""
    from central.queue import api
    from central.queue.commands import Changes

    topics = Topics("test")
    with store.write() as db:
        for code in ("ho-tich", "dat-dai"):
            result, out = api.issue_ticket(db, topics, code, node_id="dispenser-1")
            ticket = db.execute("select service_id, token from tickets where id = ?",
                                [result["ticket_id"]]).fetchone()
            asked = state.publications(db, topics, Changes(
                services={ticket[0]}, halls=api._halls_for_service(db, ticket[0])))
            assert [t for t, _, _ in out] == [t for t, _, _ in asked] + [
                topics.ticket_state(ticket[1])]
            assert topics.state("line", code) in [t for t, _, _ in out]
