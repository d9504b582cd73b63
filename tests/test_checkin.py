"""A booking checked in on the floor (issue 26, part B), through the hub's services:
the window, the booked ticket, early and late arrivals, no-shows that free the seat,
and the calling order with bookings and walk-ins in one real store.

The days are in December 2026 (sessions 07:00–11:30, 13:30–17:00), every "now" fixed.
"""

import datetime as dt

import pytest

from central.appointments import bookings, checkin, rules, slots
from central.calendar.working_time import VN
from central.errors import Refused
from central.queue import api, setup, tickets
from motcua.bus import Topics

BOOKED_ON = dt.datetime(2026, 12, 4, 9, 0, tzinfo=VN)   # Friday: the citizen books
MONDAY = dt.date(2026, 12, 7)
# The centre of `centre` (tests/conftest.py).
CENTRE = {
    "departments": [{"code": "stp", "name": "Sở Tư pháp"}],
    "services": [
        {"code": "ho-tich", "name": "Hộ tịch", "prefix": "A", "range": [1, 999],
         "default_service_min": 10, "departments": ["stp"]},
        {"code": "dat-dai", "name": "Đất đai", "prefix": "B", "range": [1, 999],
         "default_service_min": 10, "departments": ["stp"]},
    ],
    "counters": [{"number": 1, "services": {"ho-tich": 1}},
                 {"number": 2, "services": {"ho-tich": 1, "dat-dai": 1}}],
}
TOPICS = Topics("th")


def at(hh, mm, day=MONDAY):
    return dt.datetime.combine(day, dt.time(hh, mm), VN)


def slot_at(store, config, hh, mm, code="ho-tich"):
    sid = store.db.execute("select id from services where code = ?", [code]).fetchone()[0]
    for s in slots.plan(store.db, config, [sid], MONDAY, MONDAY, BOOKED_ON)[sid]:
        if s.starts_at == at(hh, mm).astimezone(dt.UTC).isoformat(timespec="milliseconds") \
                or dt.datetime.fromisoformat(s.starts_at) == at(hh, mm):
            return s
    raise AssertionError(f"no slot at {hh}:{mm}")


def book(store, config, hh=9, mm=0, phone="0912000001", name="Nguyễn Thị Lan"):
    return bookings.book(store, config, service_code="ho-tich",
                         starts_at=slot_at(store, config, hh, mm).starts_at, name=name,
                         phone=phone, client_key=f"ip:{phone}", now=BOOKED_ON)


def check_in(store, text, now):
    with store.write() as db:
        result, _ = checkin.check_in(db, TOPICS, text, node_id="kiosk-1", now=now)
    return result


def test_a_booking_checked_in_within_its_window_gets_a_booked_ticket(centre, config):
    b = book(centre, config)
    result = check_in(centre, f"MOTCUA-HEN:{b['code']}", at(8, 47))   # 13 min early
    assert result["outcome"] == "checked_in" and result["slot_time"] == "09:00"
    ticket = result["ticket"]
    assert ticket["booked"] and ticket["display"] == "A001" and ticket["service"] == "ho-tich"
    # Not called ahead before its slot: the estimate is at least the 13 minutes to it.
    assert ticket["estimate_min"] >= 13
    found = bookings.find(centre.db, b["code"])
    assert found["status"] == "checked_in" and found["ticket_id"] == ticket["ticket_id"]
    row = tickets.get(centre.db, ticket["ticket_id"])
    assert row["booking_code"] == b["code"] and row["slot_at"] == b["starts_at"]
    # A second scan issues nothing and says which number it already has.
    with pytest.raises(Refused, match="đã nhận số A001"):
        check_in(centre, b["code"].lower(), at(8, 50))
    assert tickets.count(centre.db) == 1


@pytest.mark.parametrize("minutes, outcome", [(-16, "early"), (-15, "checked_in"),
                                              (10, "checked_in"), (11, "late")])
def test_the_window_is_15_minutes_before_to_10_after_by_default(centre, config, minutes,
                                                                 outcome):
    b = book(centre, config)
    result = check_in(centre, b["code"], at(9, 0) + dt.timedelta(minutes=minutes))
    assert result["outcome"] == outcome
    assert tickets.count(centre.db) == (outcome == "checked_in")


def test_early_and_late_arrivals_are_told_in_vietnamese_and_late_frees_the_seat(centre,
                                                                                 config):
    early = book(centre, config, phone="0912000001")
    late = book(centre, config, phone="0912000002")
    # The day before: early, with the date said.
    answer = check_in(centre, early["code"], at(9, 0, dt.date(2026, 12, 5)))
    assert answer["outcome"] == "early" and "ngày 07/12/2026" in answer["message"]
    answer = check_in(centre, early["code"], at(8, 30))
    assert answer["outcome"] == "early" and answer["service"] == "ho-tich"
    assert "Bạn đến sớm: lịch hẹn lúc 09:00" in answer["message"]
    assert "từ 08:45" in answer["message"] and "lấy số thường" in answer["message"]
    assert bookings.find(centre.db, early["code"])["status"] == "booked"   # may come back
    answer = check_in(centre, late["code"], at(9, 25))
    assert answer["outcome"] == "late" and "chỉ nhận số đến 09:10" in answer["message"]
    assert bookings.find(centre.db, late["code"])["status"] == "no_show"
    assert tickets.count(centre.db) == 0


def test_the_window_is_a_setting(centre, config):
    b = book(centre, config)
    with centre.write() as db:
        setup.save_settings(db, {"checkin_early_min": "30", "checkin_late_min": "0"})
    assert check_in(centre, b["code"], at(8, 31))["outcome"] == "checked_in"
    with centre.write() as db, pytest.raises(Refused, match="từ 0 đến 240"):
        setup.save_settings(db, {"checkin_late_min": "-1"})


@pytest.mark.parametrize("text, code, message", [
    ("", "bad_code", "Mã lịch hẹn không đúng"),
    ("000.00.14.H56-200203-0118", "bad_code", "Mã lịch hẹn không đúng"),
    ("H2222222", "unknown_booking", "Không tìm thấy lịch hẹn mã H2222222"),
])
def test_a_wrong_code_is_refused_in_vietnamese_and_issues_nothing(centre, config, text, code,
                                                                  message):
    book(centre, config)
    with pytest.raises(Refused, match=message) as refused:
        check_in(centre, text, at(9, 0))
    assert refused.value.code == code
    assert tickets.count(centre.db) == 0


def test_a_cancelled_booking_is_refused(centre, config):
    b = book(centre, config)
    bookings.cancel(centre, b["code"], "0912000001", now=BOOKED_ON)
    with pytest.raises(Refused, match="đã bị hủy"):
        check_in(centre, b["code"], at(9, 0))


def test_no_shows_free_the_seat_when_the_window_closes_or_the_call_goes_unanswered(
        centre, config):
    absent = book(centre, config, phone="0912000001")
    called = book(centre, config, phone="0912000002")
    sid = centre.db.execute("select id from services where code = 'ho-tich'").fetchone()[0]

    def seats_taken():
        return slots.plan(centre.db, config, [sid], MONDAY, MONDAY, BOOKED_ON)[sid][4].booked

    assert slot_at(centre, config, 9, 0) == slots.plan(
        centre.db, config, [sid], MONDAY, MONDAY, BOOKED_ON)[sid][4]
    assert seats_taken() == 2
    ticket = check_in(centre, called["code"], at(8, 55))["ticket"]
    with centre.write() as db:
        assert checkin.release_no_shows(db, at(9, 10)) == 0   # the window is still open
        assert checkin.release_no_shows(db, at(9, 11)) == 1
    assert bookings.find(centre.db, absent["code"])["status"] == "no_show"
    assert seats_taken() == 1
    # The booked ticket is called at 09:01 and recalled until it is a no-show.
    with centre.write() as db:
        counter = setup.counter_by_number(db, 1)
        api.counter_command(db, TOPICS, counter, "next", now=at(9, 1))
        assert counter["current_ticket_id"] == ticket["ticket_id"]
        api.counter_command(db, TOPICS, counter, "no_show", now=at(9, 5))
        assert checkin.release_no_shows(db, at(9, 6)) == 1
        assert checkin.release_no_shows(db, at(9, 7)) == 0   # once
    assert bookings.find(centre.db, called["code"])["status"] == "no_show"
    assert seats_taken() == 0
    events = [r[0] for r in centre.db.execute(
        "select action from appointment_events where appointment_id = ? order by id",
        [called["id"]])]
    assert events == ["book", "check_in", "no_show"]


def test_a_check_in_before_opening_time_belongs_to_its_slots_day(centre, config):
    b = book(centre, config, 7, 0)
    # A walk-in of the day before is still waiting (never closed).
    with centre.write() as db:
        api.issue_ticket(db, TOPICS, "ho-tich", now=at(16, 0, dt.date(2026, 12, 4)))
    ticket = check_in(centre, b["code"], at(6, 50))["ticket"]
    assert ticket["day"] == "2026-12-07" and ticket["display"] == "A001"
    with centre.write() as db:
        api.issue_ticket(db, TOPICS, "ho-tich", now=at(7, 5))
    assert tickets.get(centre.db, ticket["ticket_id"])["status"] == "waiting"

@pytest.mark.parametrize("hh, mm, outcome", [(2, 59, "early"), (3, 0, "checked_in"),
                                              (6, 59, "checked_in")])
def test_a_check_in_at_the_edges_of_a_4_hour_window_belongs_to_the_slots_day(
        centre, config, hh, mm, outcome):
    """The widest window (240 min) before an 07:00 slot opens at 03:00, when the slot's
    business day starts: the booked ticket is that day's, and a walk-in taken at the
    same moment is too (one day at a time, no day closed under anyone)."""
    b = book(centre, config, 7, 0)
    with centre.write() as db:
        setup.save_settings(db, {"checkin_early_min": "240"})
    result = check_in(centre, b["code"], at(hh, mm))
    assert result["outcome"] == outcome
    with centre.write() as db:
        walk_in = api.issue_ticket(db, TOPICS, "ho-tich", now=at(hh, mm))[0]
    if outcome == "early":
        assert "từ 03:00" in result["message"] and walk_in["day"] == "2026-12-06"
        return
    ticket = result["ticket"]
    assert ticket["day"] == walk_in["day"] == "2026-12-07"
    with centre.write() as db:
        api.issue_ticket(db, TOPICS, "ho-tich", now=at(7, 5))
    assert tickets.get(centre.db, ticket["ticket_id"])["status"] == "waiting"


def test_the_evening_before_is_early_whatever_the_window(centre, config):
    b = book(centre, config, 7, 0)
    with centre.write() as db:
        setup.save_settings(db, {"checkin_early_min": "240"})
    result = check_in(centre, b["code"], at(23, 30, dt.date(2026, 12, 6)))
    assert result["outcome"] == "early" and tickets.count(centre.db) == 0
    assert "nhận số theo lịch hẹn từ 03:00 ngày 07/12/2026" in result["message"]
    assert bookings.find(centre.db, b["code"])["status"] == "booked"


def test_a_window_reaching_back_before_the_business_day_opens_with_the_day(centre, config):
    """Numbers restart at 04:00 when the centre opens at 08:00, but slots follow the
    working sessions (from 07:00): a 240-min window for the 07:00 slot would open at
    03:00, in the day before. It opens at 04:00 instead: a check-in at 03:30 is early
    (a ticket then would have closed the day before while its walk-ins still came)."""
    b = book(centre, config, 7, 0)
    with centre.write() as db:
        setup.save_settings(db, {"checkin_early_min": "240", "opening_time": "08:00"})
    result = check_in(centre, b["code"], at(3, 30))
    assert result["outcome"] == "early" and "từ 04:00" in result["message"]
    assert result["window_from"] == "2026-12-06T21:00:00.000+00:00"
    with centre.write() as db:
        night = api.issue_ticket(db, TOPICS, "ho-tich", now=at(3, 30))[0]
    assert night["day"] == "2026-12-06"
    ticket = check_in(centre, b["code"], at(4, 0))["ticket"]
    assert ticket["day"] == "2026-12-07" and ticket["display"] == "A001"
    # The day before is closed by the day after, once, and the night's walk-in with it.
    assert tickets.get(centre.db, night["ticket_id"])["status"] == "cancelled"



def test_a_counter_calls_due_bookings_first_but_at_most_k_in_a_row(centre, config):
    """Four bookings of 09:00 checked in, two walk-ins who came at 08:30; K = 3 (default):
    counter 1 calls three bookings, one walk-in, the last booking, the other walk-in. A
    booking checked in for 09:30 waits as a walk-in by its check-in time until 09:30."""
    with centre.write() as db:   # 4 seats a half hour: none kept for walk-ins
        rules.save_service_rule(db, "ho-tich", bookable=True, walk_in_share="0")
    codes = [book(centre, config, 9, 0, phone=f"091200000{i}")["code"] for i in range(4)]
    later = book(centre, config, 9, 30, phone="0912000009")["code"]
    with centre.write() as db:
        walk = [api.issue_ticket(db, TOPICS, "ho-tich", now=at(8, 30))[0]["display"]
                for _ in range(2)]
    booked = [check_in(centre, c, at(8, 50))["ticket"]["display"] for c in codes]
    early = check_in(centre, later, at(9, 20))["ticket"]["display"]
    calls = []
    with centre.write() as db:
        counter = setup.counter_by_number(db, 1)
        for minute in range(1, 8):
            calls.append(api.counter_command(db, TOPICS, counter, "next",
                                             now=at(9, minute))[0]["current"]["display"])
    assert calls == booked[:3] + walk[:1] + booked[3:] + walk[1:] + [early]
    with centre.write() as db:
        setup.save_settings(db, {"booked_in_a_row": "1"})
    assert setup.settings(centre.db)["booked_in_a_row"] == "1"


def test_a_walk_ins_estimate_counts_the_bookings_due_before_its_call(centre, config):
    """Four bookings of 09:00 and one of 09:30; no counter open (one as if opened now:
    10 min a citizen; the wait of k citizens' services 10k - 3 min at the median,
    7 for one). The bookings that fall due before a walk-in's call are called
    first, so they count as people ahead, at most K (booked_in_a_row) per walk-in call."""
    with centre.write() as db:   # 4 seats a half hour: none kept for walk-ins
        rules.save_service_rule(db, "ho-tich", bookable=True, walk_in_share="0")
    codes = [book(centre, config, 9, 0, phone=f"091200000{i}")["code"] for i in range(4)]
    book(centre, config, 9, 30, phone="0912000009")

    def walk_in(hh, mm):
        with centre.write() as db:
            return api.issue_ticket(db, TOPICS, "ho-tich", now=at(hh, mm))[0]["estimate_min"]

    with centre.write() as db:
        setup.save_settings(db, {"booked_in_a_row": "1"})
    assert walk_in(8, 55) == 17      # nobody ahead: 7 min, to 09:02; K = 1 booking; itself
    with centre.write() as db:
        setup.save_settings(db, {"booked_in_a_row": "3"})
    walk_in(8, 30), walk_in(8, 30)
    # Two walk-ins ahead at 08:40: 27 min, to 09:07; the four of 09:00 go first: 67 min,
    # to 09:47, which lets in the one of 09:30 too: 77 min.
    assert walk_in(8, 40) == 77
    with centre.write() as db:
        setup.save_settings(db, {"strategy": "first_come"})   # only the bookings due now
    assert walk_in(8, 40) == 37      # 3 ahead, none due
    assert walk_in(9, 5) == 97       # 5 ahead, the four of 09:00 due, itself
    check_in(centre, codes[0], at(9, 6))
    assert walk_in(9, 7) == 107      # 6 ahead and the one checked in; 3 still to come
    assert walk_in(9, 11) == 87      # 8 ahead; the window of 09:00 closed at 09:10


def test_a_walk_ins_ticket_page_says_the_same_wait_with_the_bookings_due(centre, config,
                                                                         monkeypatch):
    from central import create_app
    from motcua import clock

    with centre.write() as db:   # 4 seats a half hour: none kept for walk-ins
        rules.save_service_rule(db, "ho-tich", bookable=True, walk_in_share="0")
    for i in range(4):
        book(centre, config, 9, 0, phone=f"091200000{i}")
    with centre.write() as db:
        ticket = api.issue_ticket(db, TOPICS, "ho-tich", now=at(8, 55))[0]
    # 7 min (median of one 10-min service), to 09:02; then three of the four bookings
    # (K = 3) go first: 37 min, a range as no counter is open (15–75), not the
    # "dưới 25 phút" of the walk-in alone (what one counter opened now would give).
    assert ticket["estimate_min"] == 37 and ticket["estimate_range"] == [15, 75]
    # No counter is open: the page (and the paper) say so, not that range (smallfix).
    assert ticket["no_counter_open"] is True
    monkeypatch.setattr(clock, "now", lambda: at(8, 55).astimezone(dt.UTC))
    page = create_app(config, store=centre).test_client().get(ticket["live_path"])
    html = page.get_data(as_text=True)
    assert "Chưa có quầy nào mở cho dịch vụ này" in html and "15–75" not in html


def test_booked_in_a_row_is_a_setting_and_bad_values_are_refused(centre):
    with centre.write() as db, pytest.raises(Refused, match="từ 1 đến 1000"):
        setup.save_settings(db, {"booked_in_a_row": "0"})
    with centre.write() as db:
        setup.save_settings(db, {"booked_in_a_row": "2"})
    assert setup.settings(centre.db)["booked_in_a_row"] == "2"


def test_booked_and_walk_in_figures_count_by_hand_and_say_none_when_empty(centre, config):
    from central.appointments import figures

    came = book(centre, config, 9, 0, phone="0912000001")
    book(centre, config, 9, 0, phone="0912000002")                  # never comes
    gone = book(centre, config, 9, 30, phone="0912000003")
    bookings.cancel(centre, gone["code"], "0912000003", now=BOOKED_ON)
    with centre.write() as db:
        for hh, mm in ((8, 40), (8, 45)):
            api.issue_ticket(db, TOPICS, "ho-tich", now=at(hh, mm))
    check_in(centre, came["code"], at(8, 50))
    with centre.write() as db:
        counter = setup.counter_by_number(db, 1)
        for minute in (4, 5, 6):   # the booking at 09:04, the walk-ins at 09:05 and 09:06
            api.counter_command(db, TOPICS, counter, "next", now=at(9, minute))
        checkin.release_no_shows(db, at(9, 30))
    f = figures.figures(centre.db, config, "2026-12-07", "2026-12-07")
    assert f["booked"] == {"called": 1, "wait_sum_min": 4.0, "avg_wait_min": 4.0,
                           "p90_wait_min": 4.0, "within_window": 1.0}
    # 09:05 − 08:40 = 25 min, 09:06 − 08:45 = 21 min.
    assert f["walk_in"] == {"called": 2, "wait_sum_min": 46.0, "avg_wait_min": 23.0,
                            "p90_wait_min": 25.0}
    assert (f["bookings"], f["checked_in"], f["no_show"], f["cancelled"]) == (2, 1, 1, 1)
    assert f["no_show_rate"] == 0.5
    # Hộ tịch: 16 half hours × 2 seats (half kept for walk-ins); Đất đai: none.
    assert f["seats"] == 32 and f["share_booked"] == round(2 / 32, 3)
    # A Sunday: nothing called, no booking, no seat: nothing to divide, so None ("—").
    empty = figures.figures(centre.db, config, "2026-12-06", "2026-12-06")
    assert empty["booked"]["avg_wait_min"] is None and empty["walk_in"]["called"] == 0
    assert empty["no_show_rate"] is None and empty["seats"] == 0
    assert empty["share_booked"] is None
    # As the bus carries it: a figure with nothing to divide is left out.
    message = figures.as_message(empty, "2026-12-06")
    assert "booked_avg_wait_min" not in message and "share_booked" not in message
    assert message["seats"] == 0 and message["walk_in_called"] == 0
    message = figures.as_message(f, "2026-12-07")
    assert message["no_show_rate"] == 0.5 and message["booked_wait_sum_min"] == 4.0


def test_the_kiosk_takes_a_typed_code_shows_why_not_and_offers_a_walk_in(tmp_path):
    """The kiosk's check-in screens alone (the bus and the hub: tests/test_checkin_bus.py):
    "Lấy số thứ tự" → "Nhận số theo lịch hẹn", the code typed, the hub's no, a walk-in."""
    import pygame

    from kiosk.replica import Replica
    from kiosk.ui import KioskUI
    from motcua.ticketing.issuer import Printed

    asked, walk_ins = [], []

    def check_in(code, done):
        asked.append(code)
        done(Printed("ho-tich", None, False, 0.0, 0.0, check_in={
            "outcome": "early", "service": "ho-tich", "service_name": "Hộ tịch"},
            message="Bạn đến sớm: lịch hẹn lúc 10:00, nhận số theo lịch hẹn từ 09:45."))

    surface = pygame.Surface((1080, 1920))
    ui = KioskUI((1080, 1920), Replica(), check_in=check_in,
                 take_ticket=lambda s, p, done: walk_ins.append(s),
                 services=lambda: [{"code": "ho-tich", "name": "Hộ tịch"}],
                 monotonic=lambda: 0.0)
    ui.go_home()
    ui.step(surface)
    ui.tap_button("tickets")
    ui.step(surface)
    ui.tap_button("check_in")
    ui.step(surface)
    assert ui.screen.name == "check_in"
    for ch in "H7K3-QX9M":
        ui.tap_button(f"key:{ch}")
        ui.step(surface)
    ui.tap_button("check_in_go")
    ui.step(surface)
    ui.wait_ticket()
    ui.step(surface)
    assert asked == ["H7K3-QX9M"] and ui.screen.name == "check_in_result"
    assert ui.screen.printed.message.startswith("Bạn đến sớm")
    ui.tap_button("walk_in")
    ui.step(surface)
    assert walk_ins == ["ho-tich"]                 # a walk-in ticket of the same service
