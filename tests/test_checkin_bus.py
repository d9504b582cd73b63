"""Booked citizens on the floor through a real broker (issue 26, part B).

A citizen who booked 09:00 on Monday checks in at the kiosk (the QR scanned) or
at a dispenser's serial scanner; the hub answers with a booked ticket, printed
with "Đã đặt lịch" and the slot's time; counter 1 calls it within the window
ahead of the walk-ins who waited longer, then walk-ins again. Early, late and
offline check-ins say so in Vietnamese, and walk-in tickets keep working.

Time: every process here follows one demo clock (motcua.clock) set to Monday
7 December 2026, a minute or two after 09:00, running at the wall clock's speed;
nothing depends on today's date.
"""

from __future__ import annotations

import datetime as dt
import os
import time

import pygame
import pytest

from central.appointments import bookings, slots
from central.calendar.working_time import VN
from central.queue import api, tickets
from motcua import clock
from motcua.bus import Topics
from motcua.ticketing.printer import FolderPrinter
from motcua.ticketing.ticket import footer_lines

from .conftest import wait_until
from .test_queue_bus import press

BOOKED_ON = dt.datetime(2026, 12, 4, 9, 0, tzinfo=VN)   # the Friday before
MONDAY = dt.date(2026, 12, 7)


def at(hh, mm):
    return dt.datetime.combine(MONDAY, dt.time(hh, mm), VN)


@pytest.fixture
def monday_at():
    """Run the hub and the nodes in this process on Monday's clock from ``hh:mm``."""

    def set_clock(hh, mm):
        clock.use_demo(clock.DemoClock(MONDAY, start_hour=hh + mm / 60, speed=1,
                                       since=time.time()))

    yield set_clock
    clock.use_demo(None)


def book(store, config, hh, mm, phone, service="ho-tich"):
    sid = store.db.execute("select id from services where code = ?", [service]).fetchone()[0]
    slot = next(s for s in slots.plan(store.db, config, [sid], MONDAY, MONDAY, BOOKED_ON)[sid]
                if s.start == at(hh, mm))
    return bookings.book(store, config, service_code=service, starts_at=slot.starts_at,
                         name="Trần Văn Bình", phone=phone, client_key=f"ip:{phone}",
                         now=BOOKED_ON)


def walk_ins(store, center, *times):
    with store.write() as db:
        return [api.issue_ticket(db, Topics(center), "ho-tich", now=at(hh, mm))[0]["display"]
                for hh, mm in times]


def test_a_booked_citizen_checks_in_at_the_kiosk_and_is_called_ahead_of_walk_ins(
        queue_hub, hub_config, store, center, make_node, monday_at, tmp_path, state_watcher):
    mine = book(store, hub_config, 9, 0, "0912000001")
    early = book(store, hub_config, 10, 0, "0912000002")
    assert walk_ins(store, center, (8, 40), (8, 45), (8, 50)) == ["A001", "A002", "A003"]
    monday_at(9, 1)
    kiosk = make_node("kiosk", "kiosk-1", camera=-1, public_url="http://hub.test",
                      ticket_services=["ho-tich"], request_timeout=3.0,
                      printer={"kind": "folder", "path": str(tmp_path / "kiosk-tickets")})
    surface = pygame.Surface((1080, 1920))
    ui = kiosk.open_screen(surface)
    wait_until(lambda: kiosk.hub_online, timeout=10)

    # The booking's QR in front of the camera (or a USB scanner's burst): a booked ticket.
    ui.scanned(f"MOTCUA-HEN:{mine['code']}")
    ui.step(surface)
    assert ui.screen.name == "check_in_result"
    ui.wait_ticket()
    ui.step(surface)
    assert ui.screen.name == "ticket_result"
    printed = ui.screen.printed
    assert printed.display == "A004" and printed.on_paper
    assert printed.ticket.booked_slot == "09:00"
    assert printed.check_in["outcome"] == "checked_in"
    assert bookings.find(store.db, mine["code"])["status"] == "checked_in"
    # On paper, under the number: "Đã đặt lịch – giờ hẹn 09:00".
    assert "Đã đặt lịch – giờ hẹn 09:00" in [line.text for line in footer_lines(printed.ticket)]
    assert len(kiosk.issuer.printer.tickets) == 1

    # Too early for the 10:00 booking: the hub's words, and a walk-in ticket offered.
    ui.scanned(early["code"].lower())
    ui.wait_ticket()
    ui.step(surface)
    assert ui.screen.name == "check_in_result"
    assert ui.screen.printed.check_in["outcome"] == "early"
    assert "Bạn đến sớm: lịch hẹn lúc 10:00" in ui.screen.printed.message
    ui.tap_button("walk_in")
    ui.step(surface)
    ui.wait_ticket()
    ui.step(surface)
    assert ui.screen.name == "ticket_result" and ui.screen.printed.display == "A005"
    assert ui.screen.printed.ticket.booked_slot is None
    assert bookings.find(store.db, early["code"])["status"] == "booked"

    # Counter 1 calls: the booked ticket first although three walk-ins waited longer,
    # then the walk-ins in their order.
    counter = make_node("counter", "counter-1")
    calls = [press(counter, "next")["result"]["current"]["display"] for _ in range(3)]
    assert calls == ["A004", "A001", "A002"]
    called_at = store.db.execute(
        "select first_called_at from tickets where display = 'A004'").fetchone()[0]
    assert at(9, 0) <= clock.from_iso(called_at) <= at(9, 10)   # within the window
    # Today's figures, retained for the dashboards and bridged to the province.
    wait_until(lambda: state_watcher.state.get("booking_stats", {}).get("booked_called") == 1
               and state_watcher.state["booking_stats"]["walk_in_called"] == 2, timeout=10)
    stats = state_watcher.state["booking_stats"]
    assert stats["day"] == "2026-12-07" and stats["bookings"] == 2 and stats["checked_in"] == 1
    assert stats["booked_within_window"] == 1.0 and stats["no_show_rate"] == 0.0


def test_a_dispenser_scanner_checks_in_and_an_offline_one_keeps_to_walk_ins(
        queue_hub, hub_config, store, center, make_dispenser, monday_at, tmp_path):
    mine = book(store, hub_config, 9, 0, "0912000001")
    late = book(store, hub_config, 8, 30, "0912000002")
    monday_at(9, 2)
    master, slave = os.openpty()
    node = make_dispenser(scanner=os.ttyname(slave))
    wait_until(lambda: node.link_up and node.outbox.remaining("ho-tich") >= 3, timeout=10)
    os.write(master, f"MOTCUA-HEN:{mine['code']}\r\n".encode())
    wait_until(lambda: len(node.printed) == 1, timeout=10)
    done = node.printed[0]
    assert done.display == "A001" and done.on_paper and done.ticket.booked_slot == "09:00"
    assert tickets.get(store.db, done.check_in["ticket"]["ticket_id"])["booking_code"] == \
        mine["code"]
    # Late: a slip says so (printed, no number), and the seat is freed.
    node.scan(late["code"])
    node.wait_idle()
    assert node.printed[-1].display is None and node.printed[-1].on_paper
    assert node.printed[-1].check_in["outcome"] == "late"
    assert bookings.find(store.db, late["code"])["status"] == "no_show"
    assert len(node.printer.tickets) == 2   # the ticket and the slip

    # The hub goes away: a scan says a check-in needs it; a button still prints a number.
    queue_hub.stop()
    wait_until(lambda: not node.link_up, timeout=15)
    node.scan(late["code"])
    node.wait_idle()
    assert node.printed[-1].error == "needs_hub" and node.printed[-1].on_paper
    assert "cần kết nối với máy chủ" in node.printed[-1].message
    node.press("ho-tich")
    node.wait_idle()
    assert node.printed[-1].offline and node.printed[-1].display
    assert isinstance(node.printer, FolderPrinter)
    node.scanner.close()   # before its port goes away
    os.close(master)
    os.close(slave)


def test_the_console_and_live_show_the_next_hours_bookings(
        client, sample_centre, hub_config, center, monday_at):
    from .signing import login

    came = book(sample_centre, hub_config, 9, 0, "0912000001")
    book(sample_centre, hub_config, 9, 30, "0912000002")
    book(sample_centre, hub_config, 11, 0, "0912000003")     # beyond the hour
    monday_at(8, 50)
    with sample_centre.write() as db:
        from central.appointments import checkin

        checkin.check_in(db, Topics(center), came["code"], now=at(8, 50))
    token = login(client, "lan.nt", "officer", sample_centre)
    client.post("/console/counter", data={"csrf_token": token, "counter": "1"})
    page = client.get("/console").get_data(as_text=True)
    assert "Lịch hẹn trong một giờ tới" in page
    rows = page.split('<table class="next-hour">')[1].split("</table>")[0]
    assert rows.count("<tr class=") == 2 and "11:00" not in rows
    assert "09:00" in rows and "Trần V. B." in rows and "Đã nhận số A001 – đang chờ" in rows
    assert "09:30" in rows and "Chưa đến" in rows
    assert "0912000001" not in page and came["code"] not in page
    # The fragment the page redraws when a line moves; /live shows the same for all.
    # The citizen's own ticket page (the QR on the booked ticket) says it is booked.
    token = sample_centre.db.execute("select token from tickets where booking_code = ?",
                                     [came["code"]]).fetchone()[0]
    assert "Đã đặt lịch – giờ hẹn 09:00" in client.get(f"/t/{token}").get_data(as_text=True)
    fragment = client.get("/console/lich-hen?services=ho-tich").get_data(as_text=True)
    assert "Đã nhận số A001" in fragment and "Chưa đến" in fragment
    assert "Không có lịch hẹn nào" in client.get(
        "/console/lich-hen?services=dat-dai").get_data(as_text=True)
    login(client, "giamsat", "supervisor", sample_centre)
    assert "Đã nhận số A001" in client.get("/live").get_data(as_text=True)


def test_statistics_and_the_dashboard_show_booked_against_walk_in(
        client, sample_centre, hub_config, center, monday_at):
    from central.appointments import checkin
    from central.queue import setup

    from .signing import login

    login(client, "giamsat", "supervisor", sample_centre)
    monday_at(9, 40)
    page = client.get("/statistics").get_data(as_text=True)
    table = page.split('id="booking-figures"')[1].split("</table>")[0]
    assert table.count("—") == 5          # nothing called yet: no waits to average
    rates = page.split('id="booking-rates"')[1].split("</p>")[0]
    assert rates.count("—") == 1          # no booking ended; the seats are there
    came = book(sample_centre, hub_config, 9, 0, "0912000001")
    book(sample_centre, hub_config, 9, 0, "0912000002")
    walk_ins(sample_centre, center, (8, 40))
    with sample_centre.write() as db:
        checkin.check_in(db, Topics(center), came["code"], now=at(8, 55))
        counter = setup.counter_by_number(db, 1)
        api.counter_command(db, Topics(center), counter, "next", now=at(9, 3))
        api.counter_command(db, Topics(center), counter, "next", now=at(9, 10))
        checkin.release_no_shows(db, at(9, 30))
    page = client.get("/statistics").get_data(as_text=True)
    table = page.split('id="booking-figures"')[1].split("</table>")[0]
    # Booked: called 3 min after its slot; walk-in: 30 min after 08:40.
    assert "<td>3,0</td>" in table and "<td>30,0</td>" in table and "100,0%" in table
    rates = page.split('id="booking-rates"')[1].split("</p>")[0]
    assert "50,0%" in rates and "—" not in rates
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Đặt lịch hẹn hôm nay" in dashboard and "50,0%" in dashboard
