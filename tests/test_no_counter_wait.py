"""No counter open for a ticket's service: its paper and its page say so, not a wait.

Before opening, over lunch, after hours: the hub's figure for such a line is what one
counter opened now would give ("dưới 20 phút"), a wait nobody has, while the dashboard
said "Chưa có quầy nào mở" for the same line. Issue 25: an estimate that cannot be
trusted says a range or that it cannot estimate. Now the ticket (page, paper, kiosk
screen) says "Chưa có quầy nào mở cho dịch vụ này", with the people ahead, and when a
counter opens if the counters' working hours or a pause say so.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from central.queue import api, estimate, setup
from motcua import clock
from motcua.bus import Topics
from motcua.ticketing.ticket import Ticket, expected_wait, footer_lines, header_lines

from .test_queue_browser import issue, queue_site  # noqa: F401 (a fixture)

NO_COUNTER = "Chưa có quầy nào mở cho dịch vụ này"
LOCAL = ZoneInfo(clock.LOCAL_ZONE)


def paper(reply: dict) -> Ticket:
    """The ticket a dispenser prints from the hub's reply (as ``issuer`` builds it)."""
    from motcua.ticketing.issuer import _local_hm

    return Ticket(center_name="Trung tâm", service_name=reply["service_name"],
                  number=reply["display"], people_ahead=reply["people_ahead"],
                  wait_minutes=reply["estimate_min"],
                  wait_range=tuple(reply["estimate_range"]) if reply.get("estimate_range")
                  else None,
                  issued_at=dt.datetime.fromisoformat(reply["issued_at"]), url="http://x/t/1",
                  no_counter=bool(reply.get("no_counter_open")),
                  opens_at=_local_hm(reply.get("opens_at")))


def printed(ticket: Ticket) -> list[str]:
    return [line.text for line in header_lines(ticket) + footer_lines(ticket)]


def test_with_no_counter_open_the_paper_says_so_not_a_wait(sample_centre, monkeypatch):
    now = dt.datetime(2026, 12, 7, 1, 50, tzinfo=dt.UTC)  # 08:50 in Thanh Hóa
    monkeypatch.setattr(clock, "now", lambda: now)
    topics = Topics("th")
    with sample_centre.write() as db:
        api.issue_ticket(db, topics, "ho-tich", now=now)
        reply = api.issue_ticket(db, topics, "ho-tich", now=now)[0]
    assert reply["no_counter_open"] is True and reply["opens_at"] is None
    ticket = paper(reply)
    assert expected_wait(ticket) == NO_COUNTER
    lines = printed(ticket)
    assert NO_COUNTER in lines and "Trước bạn còn 1 người" in lines
    assert not any("phút" in line for line in lines), lines

    # A counter of the service opens: a wait again, and the reply carries no flag.
    with sample_centre.write() as db:
        counter = next(c for c in setup.counters(db)
                       if "ho-tich" in setup.counters_services(db, c["id"]))
        api.counter_command(db, topics, setup.counter_by_number(db, counter["number"]), "open",
                            now=now)
        reply = api.issue_ticket(db, topics, "ho-tich", now=now)[0]
    assert "no_counter_open" not in reply
    assert expected_wait(paper(reply)).startswith("Dự kiến chờ ")


def test_over_lunch_the_ticket_says_when_the_counters_open(sample_centre, monkeypatch):
    """Counters of the service with working hours 07:00–11:30 and 13:30–17:00, closed
    at 11:30: a ticket at 12:10 says they open at 13:30 (paper and page alike)."""
    now = dt.datetime(2026, 12, 7, 12, 10, tzinfo=LOCAL).astimezone(dt.UTC)
    monkeypatch.setattr(clock, "now", lambda: now)
    closed_at = clock.iso(dt.datetime(2026, 12, 7, 11, 30, tzinfo=LOCAL))
    with sample_centre.write() as db:
        sid = setup.service_by_code(db, "ho-tich")["id"]
        db.execute("update counters set hours = '07:00-11:30,13:30-17:00', status = 'closed', "
                   "status_since = ? where id in (select counter_id from counter_services "
                   "where service_id = ?)", [closed_at, sid])
        reply = api.issue_ticket(db, Topics("th"), "ho-tich", now=now)[0]
    assert reply["no_counter_open"] is True
    assert paper(reply).opens_at == "13:30"
    assert expected_wait(paper(reply)) == f"{NO_COUNTER} (quầy mở lúc 13:30)"
    wait = estimate.walk_in_wait(sample_centre.db, setup.service_by_code(sample_centre.db,
                                                                         "ho-tich"), 0, now)
    assert estimate.said(wait, now) == f"{NO_COUNTER} (quầy mở lúc 13:30)"


@pytest.mark.browser
def test_the_ticket_page_says_no_counter_is_open_and_when_one_is_back(
        browser, queue_site, store, queue_hub):  # noqa: F811
    """Live, in Chromium: no counter of the service open, the page (server-rendered, then
    written by static/ticket.js from the line's state) says so, never a wait; a counter
    paused for an hour: it says when it is back."""
    first = issue(store, queue_hub, "ho-tich")
    ticket = issue(store, queue_hub, "ho-tich")
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(f"{queue_site}{ticket['live_path']}")
    assert page.locator("#estimate").inner_text() == NO_COUNTER  # as the server wrote it
    page.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
    page.get_by_text("Còn 1 người trước bạn").wait_for(timeout=5_000)
    assert page.locator("#estimate").inner_text() == NO_COUNTER
    assert "phút" not in page.locator("#live").inner_text()
    assert first["no_counter_open"] and ticket["no_counter_open"]

    # A counter of the service opens and pauses for an hour: back at a said time.
    topics = Topics(queue_hub.config.center)
    with store.write() as db:
        counter = next(c for c in setup.counters(db)
                       if "ho-tich" in setup.counters_services(db, c["id"]))
        counter = setup.counter_by_number(db, counter["number"])
        api.counter_command(db, topics, counter, "open")
        _, out = api.counter_command(db, topics, setup.counter_by_number(db, counter["number"]),
                                     "pause", minutes=60)
    for topic, payload, retain in out:
        queue_hub.publish_state(topic, payload, retain)
    queue_hub._republish_queue_state(True)
    back = (clock.now() + dt.timedelta(minutes=60)).astimezone(LOCAL)
    # The page says the minute its state carries (60 minutes from the pause).
    expected = {f"{NO_COUNTER} (quầy mở lúc {(back + dt.timedelta(minutes=d)):%H:%M})"
                for d in (-1, 0)}
    page.wait_for_function(
        "() => document.getElementById('estimate').textContent.includes('quầy mở lúc')",
        timeout=10_000)
    assert page.locator("#estimate").inner_text() in expected
    page.screenshot(path="tests/artifacts/ticket-page-no-counter.png", full_page=True)
    page.close()
