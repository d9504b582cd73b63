"""Issue 25: each line's length kept by SQLite (``queue_lines``, migration 0153).

A new ticket's people ahead, a line's length in its state and the board's
counts read it instead of counting the line's index. Whatever path changes
a ticket — issued online or offline, called, recalled to a no-show, served,
finished, transferred to a service or a counter, cancelled for a dispenser,
cancelled by the day's closing — the kept lengths must equal a count of the
tickets themselves, and a new ticket's people ahead the count it replaced.
"""

from __future__ import annotations

import datetime as dt
import random

from central.bus.reliability import abandon_ticket
from central.errors import Refused
from central.queue import api, commands, leases, setup, state, tickets
from motcua.bus import Topics

T = Topics("th")
START = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)  # 08:00 in Hà Nội


def kept(db) -> dict:
    return {(s, d): (w, p) for s, d, w, p in db.execute(
        "select service_id, day, waiting, priority from queue_lines") if w or p}


def counted(db) -> dict:
    return {(s, d): (w, p) for s, d, w, p in db.execute(
        "select service_id, day, count(*), count(priority_class_id) from tickets "
        "where status = 'waiting' group by service_id, day")}


def counted_ahead(db, ticket_id: int) -> int:
    """The people ahead of a waiting ticket as counted before migration 0153."""
    row = tickets.get(db, ticket_id)
    query = tickets._AHEAD if row["priority_class_id"] is None else tickets._AHEAD_PRIORITY
    return db.execute(query, [row["service_id"], row["day"], row["issued_at"],
                              row["id"]]).fetchone()[0]


def test_the_kept_lengths_follow_every_path_that_changes_a_ticket(sample_centre):
    rng = random.Random(25)
    db = sample_centre.db
    codes = [s["code"] for s in setup.services(db)]
    numbers = [c["number"] for c in setup.counters(db)]
    priority = setup.priority_classes(db)[0]["code"]
    moment = START
    issued, done = [], set()
    for step in range(600):
        moment += dt.timedelta(seconds=rng.randint(1, 40))
        if step == 400:  # the next business day: yesterday's waiting are cancelled
            moment += dt.timedelta(days=1)
        kind = rng.random()
        with sample_centre.write() as w:
            try:
                if kind < 0.45:
                    # Now and then a ticket issued as if the clock went back a minute:
                    # those issued after it are not ahead of it.
                    at = moment - dt.timedelta(minutes=1) if rng.random() < 0.05 else moment
                    result, _ = api.issue_ticket(
                        w, T, rng.choice(codes), priority if rng.random() < 0.2 else None,
                        node_id="dispenser-1", now=at)
                    done.add("issue")
                    assert result["people_ahead"] == counted_ahead(w, result["ticket_id"])
                    issued.append((result["ticket_id"], "dispenser-1"))
                else:
                    counter = setup.counter_by_number(w, rng.choice(numbers))
                    action = rng.choice(["next", "next", "next", "recall", "serve", "finish",
                                         "transfer_service", "transfer_counter", "abandon",
                                         "offline"])
                    if action == "transfer_service":
                        commands.run(w, counter, "transfer", target_service=rng.choice(codes),
                                     now=moment)
                    elif action == "transfer_counter":
                        commands.run(w, counter, "transfer", now=moment,
                                     target_counter=rng.choice(numbers))
                    elif action == "abandon" and issued:
                        abandon_ticket(w, T, *reversed(rng.choice(issued)))
                    elif action == "offline":
                        block = leases.lease_block(w, "dispenser-2", rng.choice(codes), 1,
                                                   now=moment)
                        leases.apply_offline(w, T, "dispenser-2", {
                            "service": block["service"], "block": block["block"],
                            "number": block["first"], "token": f"{step:020d}",
                            "issued_at": (moment - dt.timedelta(minutes=2)).isoformat()},
                            now=moment)
                    else:
                        commands.run(w, counter, action, now=moment)
                    done.add(action)
            except Refused:
                pass
            assert kept(w) == counted(w), (step, kind)
    assert done >= {"issue", "next", "recall", "serve", "finish", "transfer_service",
                    "transfer_counter", "abandon", "offline"}, done
    cancelled = db.execute("select count(*) from ticket_events where action = 'day_closed'"
                           ).fetchone()[0]
    assert cancelled > 0  # the day's closing was one of the paths


def test_a_line_longer_than_its_state_shows_says_its_whole_length(sample_centre):
    db = sample_centre.db
    code = setup.services(db)[0]["code"]
    with sample_centre.write() as w:
        for i in range(state.LINE_LENGTH + 7):
            last = tickets.issue(w, code, now=START + dt.timedelta(seconds=i))
    assert last["people_ahead"] == state.LINE_LENGTH + 6
    line = state.line(db, code, day=last["day"])
    assert line["waiting"] == state.LINE_LENGTH + 7 and len(line["queue"]) == state.LINE_LENGTH
    hall = setup.counters(db)[0]["hall"]
    board = {w["service"]: w["waiting"] for w in state.board(db, hall, day=last["day"])["waiting"]}
    assert board[code] == state.LINE_LENGTH + 7
