"""What a counter command publishes without reading it back (issue 25).

A `next` knows the page of the ticket it finished, the page of the one it
called and the call to announce: they are built from what the command read
and wrote, not read from the store again after the commit (two statements a
call fewer). Built that way, each must be what the store says once the
transaction committed, whatever the commands around it did: a ticket
transferred and called again, recalled, marked absent, called by number, a
command refused or failed and rolled back in the middle of a batch.
"""

from __future__ import annotations

import pytest

from central.bus.gateway import Gateway
from central.errors import Refused
from central.queue import api, setup, state, tickets
from motcua.bus import Topics

TOPICS = Topics("test")


def _check(db, out: list) -> int:
    """Every page and announcement in ``out`` built at once (not a function that
    reads the store when published) equals what the store gives now; how many.
    Of a retained topic, the last (the gateway publishes that one alone)."""
    checked = 0
    for topic, payload, _retain in Gateway._latest(out):
        if callable(payload):
            continue
        if "/state/ticket/" in topic:
            token = next(t for (t,) in db.execute("select token from tickets")
                         if TOPICS.ticket_state(t) == topic)
            assert payload == state.ticket_state(db, tickets.by_token(db, token)), topic
            checked += 1
        elif topic == TOPICS.hub_event("announce"):
            ticket_id, counter_id = db.execute(
                "select t.id, c.id from tickets t, counters c where t.display = ? and "
                "c.number = ?", [payload["display"], payload["counter"]]).fetchone()
            again = state.announcement(db, ticket_id, counter_id, payload["kind"])
            assert {k: v for k, v in payload.items() if k != "id"} == \
                {k: v for k, v in again.items() if k != "id"}
            checked += 1
    return checked


def _press(store, number: int, action: str, **kwargs) -> list:
    with store.write() as db:
        counter = setup.counter_by_number(db, number)
        _result, out = api.counter_command(db, TOPICS, counter, action, **kwargs)
    return out


def _issue(store, *codes, priority=None):
    with store.write() as db:
        return [api.issue_ticket(db, TOPICS, code, priority, node_id="dispenser-1")[0]
                for code in codes]


def test_what_a_call_publishes_at_once_is_what_the_store_says(sample_centre):
    store = sample_centre
    _issue(store, "ho-tich", "ho-tich", "lao-dong", "ho-tich", "dat-dai", "ho-tich", "ho-tich",
           "ho-tich", "dat-dai", "ho-tich", "ho-tich")
    _issue(store, "ho-tich", priority="elderly")
    checked = 0
    # Counter 3 serves ho-tich and lao-dong: its first next opens it and calls.
    for number, action, kwargs in [
        (3, "next", {}), (3, "next", {}), (1, "next", {}), (3, "serve", {}),
        (3, "next", {}), (1, "recall", {}), (1, "next", {}),
        (3, "transfer", {"target_service": "dat-dai", "reason": "Sai dịch vụ"}),
        (7, "next", {}), (7, "transfer", {"target_counter": 3, "reason": "Hỏi thêm"}),
        (3, "next", {}), (3, "no_show", {"reason": "Không có mặt"}), (2, "next", {}),
        (2, "finish", {}), (3, "next", {}), (1, "next", {}), (2, "next", {}),
    ]:
        out = _press(store, number, action, **kwargs)
        checked += _check(store.db, out)
    # Pages of tickets finished and called by `next`, and their announcements,
    # were built at once (the others are read after the commit, and checked too).
    assert checked >= 15


def test_a_batch_with_a_command_rolled_back_publishes_what_was_kept(sample_centre):
    store = sample_centre
    issued = _issue(store, "ho-tich", "ho-tich", "ho-tich", "ho-tich")
    out = []

    def press(db, number, action):
        # Each in its own savepoint, as the gateway applies each request of a batch.
        with store.write() as inner:
            out.extend(api.counter_command(inner, TOPICS, setup.counter_by_number(inner, number),
                                           action)[1])

    with store.write() as db:
        press(db, 1, "next")
        press(db, 2, "next")
        # A command that fails after its writes: its savepoint is rolled back, and
        # what it would have published is dropped with it, as the gateway does.
        with pytest.raises(RuntimeError), store.write() as inner:
            api.counter_command(inner, TOPICS, setup.counter_by_number(inner, 1), "next")
            raise RuntimeError("the handler failed after its writes")
        press(db, 1, "next")
        press(db, 1, "serve")
        with pytest.raises(Refused):
            press(db, 1, "serve")
    assert _check(store.db, out) == 5  # 3 calls announced, the pages of 1 done and 2 called
    statuses = [r[0] for r in store.db.execute(
        "select status from tickets where day = ? order by id", [issued[0]["day"]])]
    assert statuses == ["done", "called", "serving", "waiting"]
