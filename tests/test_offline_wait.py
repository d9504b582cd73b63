"""The wait a ticket says, worked out by hand (motcua/waits.py: the one calculation the
hub's estimate and a node's offline ticket call), and a ticket printed offline: a range
from the last line state heard (motcua/ticketing/wait.py), or no estimate at all when
no line state was heard.

Worked by hand: ``wait_quantile(k, gap, z) = k·gap·(1 − 1/(9k) + z/(3√k))³``
(Wilson–Hilferty), ``z = 0`` for the number, ``∓1.6449`` for the 90% interval's ends.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pytest
from escpos.printer import Dummy
from PIL import ImageChops

from central.queue import commands, estimate, setup, state, tickets
from motcua import clock
from motcua.ticketing.ticket import Paper, Ticket, footer_lines, preview, print_ticket
from motcua.ticketing.wait import line_of, offline_wait
from motcua.waits import Line, wait_at, wait_quantile, wait_spread, with_bookings

from .test_live_waits_bookings import add_bookings

NOW = dt.datetime(2026, 12, 7, 2, 30, tzinfo=dt.UTC)  # 09:30 in Thanh Hóa


def test_the_wait_until_k_finishes_by_hand():
    # One finish of 6 min: 6·(8/9)³ = 4.214; none: 0.
    assert wait_quantile(1, 6.0, 0.0) == pytest.approx(4.2140, abs=1e-4)
    assert wait_quantile(0, 6.0, 1.6449) == 0.0
    # Three finishes of 6 min: 18·(26/27)³ = 16.074; the 95% end 18·(1.27952)³ = 37.71.
    assert wait_quantile(3, 6.0, 0.0) == pytest.approx(16.0732, abs=1e-4)
    assert wait_quantile(3, 6.0, 1.6449) == pytest.approx(37.707, abs=1e-3)


@pytest.mark.parametrize("line, ahead, said", [
    # Two counters of 12 min, one free, three ahead: the free one takes the first,
    # three finishes of 12/2 = 6 min each: 16.07; ends 4.86 → 5 and 37.71 → 40.
    (Line(per=12.0, open=2, idle=1), 3, (16, 5, 40)),
    # Nobody ahead and a counter free: called now.
    (Line(per=12.0, open=2, idle=1), 0, (0, 0, 5)),
    # No counter open and none coming back: as if one of 10 min opened now, two
    # finishes: 20·(17/18)³ = 16.85; ends 20·(0.55673)³ = 3.45 → 5, 47.28 → 45.
    (Line(per=10.0, open=0, idle=0), 1, (17, 5, 45)),
    # No counter open, one back from its pause in 30 min: it calls the ticket on its
    # return, whatever the service times.
    (Line(per=10.0, open=0, idle=0, changes=((30.0, 1, 0),)), 0, (30, 30, 35)),
    # One counter of 10 min and a second back at 10 min, three ahead: four calls.
    # By 10 min one finish's worth (1.0) of the 4·(35/36)³ = 3.676 needed; the one
    # back calls at once, then two counters (0.2 a minute) serve the 3·(26/27)³ =
    # 2.679 needed: 10 + (2.679 − 1.0)/0.2 = 18.39.
    (Line(per=10.0, open=1, idle=0, changes=((10.0, 1, 0),)), 3, (18, 10, 35)),
])
def test_waits_worked_by_hand(line, ahead, said):
    spread = wait_spread(line, ahead)
    assert (spread.minutes, spread.low, spread.high) == said
    assert spread.as_announced


def test_a_line_no_counter_will_serve_as_announced_says_the_counters_open_now():
    # Both counters of 10 min (one free) leave in 5 min with six to call: never, as
    # announced.
    leaving = Line(per=10.0, open=2, idle=1, changes=((5.0, 0, 2),))
    assert math.isinf(wait_at(leaving, 5, 1.6449))
    # So the wait the counters open now give, staying: the free one takes the first,
    # five finishes of 5 min: 25·(44/45)³ = 23.37; ends 9.83 → 10 and 45.73 → 45.
    spread = wait_spread(leaving, 5)
    assert not spread.as_announced
    assert (spread.minutes, spread.low, spread.high) == (23, 10, 45)
    # No counter open and the only one coming back leaving before its turn: as if one
    # counter opened now (four finishes of 10 min: 40·(35/36)³ = 36.76).
    assert wait_spread(Line(per=10.0, open=0, idle=0,
                            changes=((5.0, 1, 0), (6.0, 0, 1))), 3).minutes == \
        37
    # The hub never numbers it, however steady the line looked.
    facts = estimate.LineFacts(per=10.0, open=2, idle=1, changes=((5.0, 0, 2),),
                               known=True, settling=False)
    assert facts.steady and not estimate.wait_for(facts, 5).trusted


@pytest.mark.parametrize("in_a_row, due_only, minutes", [
    # One counter of 10 min, nobody ahead: 7.02 min. Two bookings of NOW + 5 min fall
    # due before then; at most ``in_a_row`` go first per walk-in call.
    (1, False, 17),   # one goes first: two finishes, 16.85; no more due by then
    (2, False, 27),   # both: three finishes, 30·(26/27)³ = 26.79
    (1, True, 7),     # first come: only bookings due already go first, none is
])
def test_bookings_due_before_the_call_go_first_by_hand(in_a_row, due_only, minutes):
    line = Line(per=10.0, open=1, idle=0)
    slot = NOW + dt.timedelta(minutes=5)
    wait = with_bookings(lambda people: wait_spread(line, people), 0, NOW,
                         in_a_row=in_a_row, due_only=due_only,
                         due_by=lambda until: 2 if slot <= until else 0)
    assert wait.minutes == minutes


def test_one_booking_a_row_for_each_walk_in_call_up_to_this_one():
    # One ahead, three bookings at NOW + 5 min, one in a row: 16.85 min → two of them
    # (one for each of the two walk-in calls) → four finishes: 40·(35/36)³ = 36.76.
    line = Line(per=10.0, open=1, idle=0)
    slot = NOW + dt.timedelta(minutes=5)
    wait = with_bookings(lambda people: wait_spread(line, people), 1, NOW,
                         in_a_row=1, due_only=False,
                         due_by=lambda until: 3 if slot <= until else 0)
    assert wait.minutes == 37


def test_a_booking_due_within_the_longer_wait_counts_too():
    # Nobody ahead, three in a row: two bookings at NOW + 5 min make 7.02 min 26.79
    # (three finishes), and within that the one at NOW + 20 min goes first too: 36.76.
    line = Line(per=10.0, open=1, idle=0)
    slots = [(NOW + dt.timedelta(minutes=5), 2), (NOW + dt.timedelta(minutes=20), 1)]
    wait = with_bookings(lambda people: wait_spread(line, people), 0, NOW,
                         in_a_row=3, due_only=False,
                         due_by=lambda until: sum(n for at, n in slots if at <= until))
    assert wait.minutes == 37


def test_a_node_reads_the_line_the_hub_published():
    facts = estimate.LineFacts(per=9.0, open=3, idle=1, known=True, settling=False,
                               changes=((12.5, 1, 0), (40.0, 0, 2)))
    message = {"open_counters": 3, "idle_counters": 1, "minutes_per_person": 3.0,
               "changes": estimate.announced_changes(facts, NOW)}
    read = line_of(message, NOW)
    assert (read.per, read.open, read.idle) == (9.0, 3, 1)
    assert [(pytest.approx(m), b, g) for m, b, g in read.changes] == list(facts.changes)


def test_an_offline_ticket_says_the_hubs_range_for_the_line_it_last_heard(sample_centre,
                                                                          monkeypatch):
    """The line state the hub publishes, read back by a node, gives the range the hub
    itself says for that line when a counter just changed unannounced (a walk-in's
    wait with the bookings due first)."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    with sample_centre.write() as db:
        commands.run(db, setup.counter_by_number(db, 1), "open",
                     now=NOW - dt.timedelta(minutes=5))
        for i in range(4):
            tickets.issue(db, "ho-tich", now=NOW - dt.timedelta(minutes=4 - i))
        add_bookings(db, "ho-tich", NOW + dt.timedelta(minutes=10), 2)
        line = state.line(db, "ho-tich")
    assert line["waiting"] == 4 and line["bookings"] and line["estimate_range"]
    assert not line["steady"]
    assert offline_wait(line, line["waiting"], NOW) == (line["estimate_min"],
                                                        tuple(line["estimate_range"]))


def test_no_line_state_heard_means_no_estimate():
    assert offline_wait(None, 3, NOW) is None
    assert offline_wait({}, 3, NOW) is None
    # A line state without a service time (the calculation needs one above zero).
    assert offline_wait({"open_counters": 1, "minutes_per_person": 0}, 3, NOW) is None


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


# --- The range widens with the line state's age (nodefix) -----------------------------
# One counter, 4 minutes a person, two ahead: three finishes of 4 min (k = 3, gap 4):
#   the number 12·(26/27)³ = 12·0.892951 = 10.72 → 11;
#   the 5% end 12·(0.962963 − 1.6449/(3√3))³ = 12·0.646397³ = 12·0.270087 = 3.24 → 5;
#   the 95% end 12·1.279529³ = 12·2.094847 = 25.14 → 25.                    (11, (5, 25))
# 12 minutes old: low, the line moved on ⌊12/4⌋ = 3 people, none left ahead: one finish,
#   4·(8/9 − 1.6449/3)³ = 4·0.340589³ = 0.16 → 0 (the number 4·(8/9)³ = 2.81 → 0);
#   high, the counter at 1 − 12/60 = 0.8 of its pace, 5 min a person: 15·2.094847
#   = 31.42 → 30 (the number 15·0.892951 = 13.39, up to 15).                 (11, (0, 30))
# 30 minutes old: the pace halved, 8 min a person: 24·2.094847 = 50.28 → 50. (11, (0, 50))
# Two counters, 3 minutes a person (6 each), seven ahead: eight finishes of 3 min:
#   24·(1 − 1/72)³ = 24·0.958913 = 23.01 → 23; 24·(0.986111 − 0.193853)³ = 24·0.497281
#   = 11.93 → 10; 24·1.179964³ = 24·1.642907 = 39.43 → 40.                   (23, (10, 40))
# 12 minutes old: ⌊12/3⌋ = 4 called, three ahead: four finishes of 3 min, 12·0.698072³
#   = 12·0.340177 = 4.08 → 5 (the number 12·0.918957 = 11.03: 5 stays the lower);
#   high at 0.8 pace, 3.75 min a person: 30·1.642907 = 49.29 → 50.           (23, (5, 50))
# 30 minutes old: ten called, none ahead: 3·0.039509 → 0; the pace halved, 6 min a person:
#   48·1.642907 = 78.86 → 80.                                                 (23, (0, 80))
ONE = {"open_counters": 1, "idle_counters": 0, "minutes_per_person": 4.0}
TWO = {"open_counters": 2, "idle_counters": 0, "minutes_per_person": 3.0}


@pytest.mark.parametrize("line, ahead, age, said", [
    (ONE, 2, 0, (11, (5, 25))),
    (ONE, 2, 12, (11, (0, 30))),
    (ONE, 2, 30, (11, (0, 50))),
    (TWO, 7, 0, (23, (10, 40))),
    (TWO, 7, 12, (23, (5, 50))),
    (TWO, 7, 30, (23, (0, 80))),
    # Past half an hour, or of unknown age: nothing said.
    (ONE, 2, 30.5, None),
    (TWO, 7, 31, None),
    (TWO, 7, None, None),
])
def test_an_older_line_state_gives_a_wider_range_by_hand(line, ahead, age, said):
    assert offline_wait(line, ahead, NOW, age) == said


def test_the_range_never_narrows_as_the_state_ages():
    import random

    rng = random.Random(25)
    for _ in range(300):
        line = {"open_counters": rng.randint(1, 5), "idle_counters": 0,
                "minutes_per_person": rng.choice([1.5, 3.0, 4.0, 7.5, 12.0])}
        line["idle_counters"] = rng.randint(0, line["open_counters"])
        ahead = rng.randint(0, 40)
        spans = [offline_wait(line, ahead, NOW, age)[1] for age in range(0, 31, 2)]
        for (low0, high0), (low1, high1) in zip(spans, spans[1:], strict=False):
            assert low1 <= low0 and high1 >= high0, (line, ahead, spans)
        # At age 0 it is what the state said.
        assert offline_wait(line, ahead, NOW, 0) == offline_wait(line, ahead, NOW)
