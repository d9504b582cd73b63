"""A ticket printed offline says a range from the last line state heard, as the hub's rule
would with the counters' state unknown (motcua/ticketing/wait.py), or no estimate at all
when no line state was heard."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from escpos.printer import Dummy
from PIL import ImageChops

from central.queue import estimate
from motcua.ticketing.ticket import Paper, Ticket, footer_lines, preview, print_ticket
from motcua.ticketing.wait import offline_wait

NOW = dt.datetime(2026, 12, 7, 2, 30, tzinfo=dt.UTC)  # 09:30 in Thanh Hóa


def line_of(facts: estimate.LineFacts, bookings: dict | None = None) -> dict:
    """The state.line the hub would publish for ``facts`` (minutes per person unrounded)."""
    return {"open_counters": facts.open, "idle_counters": facts.idle,
            "minutes_per_person": facts.per / max(1, facts.open),
            "changes": estimate.announced_changes(facts, NOW), "bookings": bookings}


def random_facts(rng: random.Random) -> estimate.LineFacts:
    changes = sorted((rng.randrange(-20, 240), rng.choice([0, 1, 1, 2]), rng.choice([0, 0, 1]))
                     for _ in range(rng.choice([0, 0, 1, 2, 3])))
    open_ = rng.choice([0, 1, 1, 2, 3, 5])
    return estimate.LineFacts(per=rng.uniform(0.5, 30), known=True, open=open_,
                              idle=rng.randint(0, open_), settling=False,
                              changes=tuple((float(m), b, g) for m, b, g in changes))


def test_the_offline_range_is_the_hubs_own_with_the_counters_unknown():
    rng = random.Random(25)
    checked = ranges_the_hub_would_have_numbered = 0
    for _ in range(3000):
        facts = random_facts(rng)
        ahead = rng.randrange(0, 60)
        hub = estimate.wait_for(facts, ahead)
        unknown = estimate.wait_for(dataclasses.replace(facts, settling=True), ahead)
        assert not unknown.trusted
        assert offline_wait(line_of(facts), ahead, NOW) == (
            unknown.minutes, (unknown.low, unknown.high)), (facts, ahead)
        checked += 1
        ranges_the_hub_would_have_numbered += hub.trusted
    # The comparison covers lines the hub, online, would have given a number.
    assert checked == 3000 and ranges_the_hub_would_have_numbered > 100


def test_bookings_due_count_as_the_hub_counts_them():
    rng = random.Random(26)
    since = NOW - dt.timedelta(minutes=15)
    for _ in range(300):
        facts = dataclasses.replace(random_facts(rng), settling=True)
        ahead = rng.randrange(0, 30)
        slots = sorted({NOW + dt.timedelta(minutes=rng.randrange(-30, 180)) for _ in range(5)})
        rows = [(s.isoformat(timespec="milliseconds"), rng.randint(1, 3)) for s in slots]
        settings = {"booked_in_a_row": rng.choice([1, 2]), "checkin_late_min": 15,
                    "strategy": rng.choice(["mixed", "first_come"])}
        hub = estimate._with_bookings(
            facts, ahead, NOW, settings,
            lambda until, rows=rows: sum(n for at, n in rows
                                         if dt.datetime.fromisoformat(at) > since
                                         and at <= until))
        bookings = {"slots": [{"at": at, "count": n} for at, n in rows], "late_min": 15,
                    "in_a_row": settings["booked_in_a_row"],
                    "due_only": settings["strategy"] == "first_come"}
        assert offline_wait(line_of(facts, bookings), ahead, NOW) == (
            hub.minutes, (hub.low, hub.high))


def test_no_line_state_heard_means_no_estimate():
    assert offline_wait(None, 3, NOW) is None
    assert offline_wait({}, 3, NOW) is None


TICKET = Ticket(center_name="Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa",
                service_name="Hộ tịch – Chứng thực", number="A990", people_ahead=6,
                wait_minutes=None, issued_at=NOW, url="http://192.0.2.10:8080/t/Xy12abCD",
                offline=True)


def test_an_offline_ticket_prints_the_range_or_says_nothing_of_the_wait(tmp_path):
    # Six ahead, two counters of 8 minutes, one free: the range (its 90% interval).
    line = {"open_counters": 2, "idle_counters": 1, "minutes_per_person": 4.0}
    minutes, span = offline_wait(line, 6, NOW)
    ranged = dataclasses.replace(TICKET, wait_minutes=minutes, wait_range=span)
    texts = [x.text for x in footer_lines(ranged)]
    assert f"Dự kiến chờ khoảng {span[0]}–{span[1]} phút" in texts, texts
    assert not any(t.startswith("Dự kiến chờ") for t in
                   (x.text for x in footer_lines(TICKET)))
    for ticket in (ranged, TICKET):
        printer = Dummy()
        print_ticket(printer, ticket, Paper.MM80)
        assert b"\x1dV" in printer.output[-8:]  # printed to the cut
    # The ticket without an estimate is shorter by the wait's line, nothing else.
    with_range, without = preview(ranged, Paper.MM80), preview(TICKET, Paper.MM80)
    assert without.height < with_range.height
    assert ImageChops.difference(with_range.convert("L").crop((0, 0, without.width, 200)),
                                 without.convert("L").crop((0, 0, without.width, 200))
                                 ).getbbox() is None
    with_range.save(tmp_path / "offline-range.png")
    without.save(tmp_path / "offline-none.png")
