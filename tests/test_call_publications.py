"""Issue 25: a counter command republishes the lines whose state it moved, and
only those; the counter's state is read in one statement; its answer is built
from what the command read (the same as reading it back).

A `next` from one ticket to the next leaves the counter open and busy: the
lines of its other services (their open and idle counters, their waiting
tickets) are as they were, and rebuilding them (the dearest state to build)
for nothing cost a call ~100 µs each. Whatever the command, every line and
counter state left out must read the same as when it was last published.
"""

from __future__ import annotations

import datetime as dt
import random

from central.errors import Refused
from central.queue import api, commands, setup, state
from motcua import clock
from motcua.bus import Topics

T = Topics("th")
START = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)  # 08:00 in Hà Nội


def _built(out) -> dict:
    return {topic: (p() if callable(p) else p) for topic, p, retain in out if retain}


def test_what_a_command_leaves_out_reads_as_last_published(sample_centre, monkeypatch):
    # The estimates read the clock: one fixed moment, so that a line rebuilt later
    # differs from its last publication only if a command changed it.
    monkeypatch.setattr(clock, "now", lambda: START)
    db = sample_centre.db
    rng = random.Random(7)
    codes = [s["code"] for s in setup.services(db)]
    numbers = [c["number"] for c in setup.counters(db)]
    published = _built(state.everything(db, T))
    lines = {T.state("line", code): code for code in codes}
    counters = {T.state("counter", str(n)): n for n in numbers}
    moment, actions = START, set()
    for step in range(400):
        moment += dt.timedelta(seconds=rng.randint(1, 30))
        with sample_centre.write() as w:
            if rng.random() < 0.45:
                _, out = api.issue_ticket(w, T, rng.choice(codes), node_id="dispenser-1",
                                          now=moment)
            else:
                counter = setup.counter_by_number(w, rng.choice(numbers))
                action = rng.choice(["next", "next", "next", "next", "recall", "serve",
                                     "finish", "no_show", "transfer", "pause", "resume"])
                kwargs = {"target_service": rng.choice(codes)} if action == "transfer" else {}
                try:
                    result, out = api.counter_command(w, T, counter, action, now=moment,
                                                      **kwargs)
                except Refused:
                    continue
                actions.add(action)
                # The answer, built from what the command knows, reads as the store says.
                assert result == commands.answer(w, counter, result["message"]), (step, action)
        published.update(_built(out))
        for topic, code in lines.items():
            assert state.line(db, code) == published[topic], (step, action, code)
        for topic, number in counters.items():
            assert state.counter_state(db, number) == published[topic], (step, number)
    assert actions >= {"next", "recall", "serve", "finish", "no_show", "transfer", "pause",
                       "resume"}, actions


def test_next_from_one_ticket_to_the_next_republishes_only_its_tickets_lines(sample_centre):
    db = sample_centre.db
    # A counter serving several services, open and calling.
    counter = max(setup.counters(db), key=lambda c: db.execute(
        "select count(*) from counter_services where counter_id = ?", [c["id"]]).fetchone()[0])
    served = [r[0] for r in db.execute(
        "select s.code from counter_services cs join services s on s.id = cs.service_id "
        "where cs.counter_id = ? order by s.id", [counter["id"]])]
    assert len(served) >= 3, served
    with sample_centre.write() as w:
        for code in served:
            api.issue_ticket(w, T, code, node_id="dispenser-1")
            api.issue_ticket(w, T, code, node_id="dispenser-1")
        first, out = api.counter_command(w, T, setup.counter_by_number(w, counter["number"]),
                                         "next")
    # From idle to busy: every line the counter serves (one fewer counter idle).
    assert {t for t, _, _ in out if "/state/line/" in t} == {
        T.state("line", code) for code in served}
    with sample_centre.write() as w:
        second, out = api.counter_command(w, T, setup.counter_by_number(w, counter["number"]),
                                          "next")
    touched = {first["current"]["service"], second["current"]["service"]}
    assert {t for t, _, _ in out if "/state/line/" in t} == {
        T.state("line", code) for code in touched}
    assert len(touched) < len(served)
    # Finished, the counter is idle again: every line it serves.
    with sample_centre.write() as w:
        _, out = api.counter_command(w, T, setup.counter_by_number(w, counter["number"]),
                                     "finish")
    assert {t for t, _, _ in out if "/state/line/" in t} == {
        T.state("line", code) for code in served}
