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


def walk(sample_centre, steps: int, seed: int, check=None) -> set:
    """``steps`` random requests through every path that changes a ticket, the
    next business day from step 400; ``check(db, step)`` after each. The paths taken."""
    rng = random.Random(seed)
    db = sample_centre.db
    codes = [s["code"] for s in setup.services(db)]
    numbers = [c["number"] for c in setup.counters(db)]
    priority = setup.priority_classes(db)[0]["code"]
    moment = START
    issued, done = [], set()
    for step in range(steps):
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
                    assert result["people_ahead"] == counted_ahead(w, result["ticket_id"]), step
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
            if check:
                check(w, step)
    return done


def kept_per_status(db) -> dict:
    return {(d, s): n for d, s, n in db.execute("select day, status, n from ticket_counts") if n}


def counted_per_status(db) -> dict:
    return {(d, s): n for d, s, n in db.execute(
        "select day, status, count(*) from tickets group by day, status")}


def test_the_kept_lengths_follow_every_path_that_changes_a_ticket(sample_centre):
    def check(db, step):
        assert kept(db) == counted(db), step
        assert kept_per_status(db) == counted_per_status(db), step

    done = walk(sample_centre, 600, 25, check)
    assert done >= {"issue", "next", "recall", "serve", "finish", "transfer_service",
                    "transfer_counter", "abandon", "offline"}, done
    cancelled = sample_centre.db.execute(
        "select count(*) from ticket_events where action = 'day_closed'").fetchone()[0]
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


def figures_reckoned_from_dates(db, day: str, target_ms: int) -> tuple:
    """Today's waits as ``state.stats`` worked them out before migration 0154."""
    return db.execute(
        """
        with w(ms) as materialized (
            select cast(round((julianday(first_called_at) - julianday(issued_at)) * 86400000)
                        as integer)
            from tickets where day = ? and first_called_at is not null)
        select count(*), sum(ms), sum(ms <= ?),
               (select ms from w order by ms limit 1
                offset (select cast(0.9 * (count(*) - 1) as integer) from w))
        from w
        """, [day, target_ms]).fetchone()


def test_todays_waits_kept_at_the_first_call_are_the_waits_reckoned_from_dates(sample_centre):
    """``wait_ms`` is written once, at a ticket's first call (a recall, a transfer and
    a second call keep it), and today's figures read from it are those reckoned from
    the issue and first call times."""
    seen = []

    def check(db, step):
        if step % 50 == 49 or step == 399:
            day = db.execute("select max(day) from tickets").fetchone()[0]
            figures = state.stats(db, day)
            target = db.execute("select coalesce(avg(target_wait_min), 15) from services"
                                ).fetchone()[0]
            called, total, within, p90 = figures_reckoned_from_dates(db, day, target * 60000)
            assert db.execute("select count(*) from tickets where (wait_ms is null) != "
                              "(first_called_at is null) or wait_ms != cast(round(("
                              "julianday(first_called_at) - julianday(issued_at)) * 86400000) "
                              "as integer)").fetchone()[0] == 0, step
            per_status = dict(db.execute("select status, count(*) from tickets where day = ? "
                                         "group by status", [day]).fetchall())
            assert (figures["issued"], figures["waiting"], figures["done"],
                    figures["cancelled"]) == (sum(per_status.values()),
                                              per_status.get("waiting", 0),
                                              per_status.get("done", 0),
                                              per_status.get("cancelled", 0)), step
            if called:
                assert figures["avg_wait_min"] == round(total / called / 60000, 1), step
                assert figures["p90_wait_min"] == round(p90 / 60000, 1), step
                assert figures["within_target"] == round(within / called, 3), step
            else:
                assert "avg_wait_min" not in figures and "p90_wait_min" not in figures
            seen.append(called)

    done = walk(sample_centre, 600, 26, check)
    assert {"recall", "transfer_service", "transfer_counter"} <= done
    recalled_or_moved = sample_centre.db.execute(
        "select count(*) from tickets where wait_ms is not null and "
        "(recalls > 0 or id in (select ticket_id from ticket_events where action = 'transfer'))"
    ).fetchone()[0]
    assert recalled_or_moved > 0 and max(seen) > 20
