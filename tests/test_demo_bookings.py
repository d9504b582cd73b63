"""The demo books a share of its citizens (issue 26), who come and scan at a dispenser."""

import datetime as dt
import io
from types import SimpleNamespace

from central.calendar.working_time import VN
from demo.bookings import ARRIVAL_MINUTES, BookingDesk
from demo.floor import DISPENSER_BUTTONS
from dispenser.fake import KeyMap

MONDAY = dt.date(2026, 12, 7)


def at(hh, mm):
    return dt.datetime.combine(MONDAY, dt.time(hh, mm), VN)


def test_the_desk_books_a_share_ahead_and_its_citizens_scan_around_their_slot(
        sample_centre, hub_config):
    presses = []
    floor = SimpleNamespace(hour_of_day=lambda: 8.0, wait_minutes=lambda m: True)
    desk = BookingDesk(hub_config, floor, lambda node, key: presses.append((node, key)),
                       seed=7)
    made = desk.book_ahead(at(8, 0))
    # 15% of the 80 citizens expected from 09:00 to 10:00.
    assert 8 <= made <= 12 and desk.counts["booked"] == made
    starts = [dt.datetime.fromisoformat(r[0]) for r in sample_centre.db.execute(
        "select starts_at from appointments where status = 'booked'")]
    assert len(starts) == made and all(at(9, 0) <= s < at(10, 0) for s in starts)
    assert desk.book_ahead(at(8, 0)) == 0                       # those slots are done
    # Nobody is due before 08:35 (the earliest comes 25 min before a 09:00 slot).
    assert desk.arrive(at(8, 34)) == [] and presses == []
    arrived = desk.arrive(at(10, 30))
    assert len(arrived) == made - desk.counts["stayed_away"] == len(presses)
    assert {node for node, _ in presses} <= set(DISPENSER_BUTTONS)
    codes = {r[0] for r in sample_centre.db.execute("select code from appointments")}
    assert {key.split()[1] for _, key in presses} <= codes
    assert all(key.startswith("hen H") for _, key in presses)
    assert min(ARRIVAL_MINUTES) == -25 and desk.arrivals == []


def test_a_simulated_dispenser_takes_a_scan_from_its_keys():
    scans = []
    node = SimpleNamespace(config=SimpleNamespace(button_pins=lambda: [("ho-tich", 17)]),
                           scan=scans.append, printer=None)
    keys = KeyMap(node, stream=[], out=io.StringIO())
    keys.key("hen h7k3qx9m")
    assert scans == ["h7k3qx9m"]
