"""Live waits count the bookings due, as the printed ticket does (issue 25 follow-up).

A walk-in's paper counts the bookings that fall due before its call
(``estimate.walk_in_wait``); the hall board and the ticket's live page read the
retained ``state/line``. Both must say the same: not 5 min on the page and 25 on the
paper. The line's state carries the bookings to come (``bookings``) and its estimate
counts them; the page's script (static/ticket.js) counts them as the hub does.
"""

from __future__ import annotations

import datetime as dt

import pytest

from central.queue import estimate, setup, state
from display.model import BoardModel
from motcua import clock

from .conftest import PROJECT
from .display_sample import every_page
from .test_queue_browser import issue, queue_site  # noqa: F401 (a fixture)

ARTIFACTS = PROJECT / "tests" / "artifacts"


def add_bookings(db, service_code: str, starts_at: dt.datetime, count: int) -> None:
    """Bookings not checked in yet, as the booking pages leave them (the slot rules are
    the booking module's business: tests/test_appointments.py)."""
    sid = setup.service_by_code(db, service_code)["id"]
    at, start = clock.iso(), clock.iso(starts_at)
    end = clock.iso(starts_at + dt.timedelta(minutes=30))
    for i in range(count):
        db.execute(
            "insert into appointments (code, service_id, day, starts_at, ends_at, name, phone, "
            "status, channel, created_at, updated_at) values (?, ?, ?, ?, ?, 'Nguyễn Văn A', "
            "?, 'booked', 'web', ?, ?)",
            [f"H{sid:03d}{i:04d}", sid, start[:10], start, end,
             f"09120000{i:02d}", at, at])


def hall(db, now: dt.datetime, lines=()):
    """What the hall board shows from the hub's retained state now: the board, every
    counter, and the ``lines`` (service codes) named."""
    model = BoardModel("main", "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa")
    model.set_online(True, now=now)
    model.update("board/main", state.board(db, "main"), now=now)
    for c in setup.counters(db):
        model.update(f"counter/{c['number']}", state.counter_state(db, c["number"]), now=now)
    for code in lines:
        model.update(f"line/{code}", state.line(db, code), now=now)
    return model.view()


def paper(ticket: dict) -> str:
    """What the printed ticket says of its wait (a range when it has one)."""
    low_high = ticket["estimate_range"]
    return estimate.said(estimate.Wait(ticket["estimate_min"], *(low_high or (0, 0)),
                                       trusted=low_high is None))


def test_the_lines_state_says_what_a_walk_ins_paper_says(sample_centre, monkeypatch):
    now = dt.datetime(2026, 12, 7, 1, 50, tzinfo=dt.UTC)      # 08:50 in Hà Nội
    monkeypatch.setattr(clock, "now", lambda: now)
    with sample_centre.write() as db:
        add_bookings(db, "ho-tich", now + dt.timedelta(minutes=3), 4)
    line = state.line(sample_centre.db, "ho-tich")
    with sample_centre.write() as db:
        from central.queue import api
        from motcua.bus import Topics
        ticket = api.issue_ticket(db, Topics("th"), "ho-tich", now=now)[0]
    assert ticket["people_ahead"] == 0
    # Nobody ahead, but three of the four bookings of 08:53 go first (K = 3).
    assert ticket["estimate_min"] > estimate.wait_for(
        estimate.line_facts(sample_centre.db, setup.service_by_code(sample_centre.db,
                                                                    "ho-tich"), now), 0).minutes
    assert (line["estimate_min"], line.get("estimate_range")) == \
        (ticket["estimate_min"], ticket["estimate_range"])
    assert line["bookings"] == {"slots": [{"at": clock.iso(now + dt.timedelta(minutes=3)),
                                           "count": 4}],
                                "late_min": 10, "in_a_row": 3, "due_only": False}
    # A line with no booking to come carries no `bookings` (the message stays small).
    assert "bookings" not in state.line(sample_centre.db, "dat-dai")


def test_the_hall_board_says_the_papers_wait_and_stays_whole_at_1920x1080(sample_centre,
                                                                         monkeypatch):
    """The sample centre (20 counters), every service with people waiting and bookings
    due: the strip's waits are the papers', in pages, nothing cut."""
    from central.queue import api
    from motcua.bus import Topics

    now = dt.datetime(2026, 12, 7, 1, 50, tzinfo=dt.UTC)
    monkeypatch.setattr(clock, "now", lambda: now)
    db = sample_centre.db
    services = [s["code"] for s in setup.services(db)]
    assert len(setup.counters(db)) == 20
    papers = {}
    with sample_centre.write() as w:   # every counter open an hour ago (a steady floor)
        for c in setup.counters(w):
            api.counter_command(w, Topics("th"), setup.counter_by_number(w, c["number"]),
                                "open", now=now - dt.timedelta(hours=1))
    with sample_centre.write() as w:
        for i, code in enumerate(services):
            add_bookings(w, code, now + dt.timedelta(minutes=2), 6 + i)
            for _ in range(i % 4 + 1):
                papers[code] = api.issue_ticket(w, Topics("th"), code, now=now)[0]
    view = hall(db, now, services)
    _, texts, _, cuts = every_page((1920, 1080), view, now,
                                   ARTIFACTS / "board-waits-with-bookings.png")
    assert cuts == []
    for code, ticket in papers.items():
        # The board says the wait of the next walk-in: one more ahead than the last
        # paper's; it is at least the paper's, and says it as a range when the paper did.
        w = next(w for w in view.waiting if w["service"] == code)
        line = state.line(db, code)
        assert w["estimate_min"] == line["estimate_min"] >= ticket["estimate_min"]
        said = (f"chờ {w['estimate_range'][0]}–{w['estimate_range'][1]} phút"
                if w["estimate_range"] else f"chờ khoảng {w['estimate_min']} phút")
        assert said in texts, (code, said)


def test_the_hall_board_says_when_a_paused_counter_is_back_whole_at_1920x1080(
        sample_centre, monkeypatch):
    """Issue 25: a counter paused for a said time is "Tạm nghỉ đến 09:05" on its state
    and console; the hall board says it where it fits, else "Tạm dừng" (20 counters, three
    paused: it does not fit), never cut; a pause of unknown length stays "Tạm dừng"."""
    from central.queue import api
    from motcua.bus import Topics

    now = dt.datetime(2026, 12, 7, 1, 50, tzinfo=dt.UTC)  # 08:50 in Thanh Hóa
    monkeypatch.setattr(clock, "now", lambda: now)
    db = sample_centre.db
    with sample_centre.write() as w:
        for c in setup.counters(w):
            api.counter_command(w, Topics("th"), setup.counter_by_number(w, c["number"]),
                                "open", now=now - dt.timedelta(hours=1))
        for number, minutes in ((3, 15), (7, 90), (12, None)):
            result, _ = api.counter_command(w, Topics("th"), setup.counter_by_number(w, number),
                                            "pause", minutes=minutes, now=now)
    assert result["status_name"] == "Tạm dừng"
    assert state.counter_state(db, 3)["status_name"] == "Tạm nghỉ đến 09:05"
    assert state.counter_state(db, 7)["status_name"] == "Tạm nghỉ đến 10:20"
    _, texts, _, cuts = every_page((1920, 1080), hall(db, now), now,
                                   ARTIFACTS / "board-paused-counters.png")
    # Two counters a row: "Tạm nghỉ đến 09:05" does not fit beside "Quầy 3" at the
    # smallest size a hall reads; the board says "Tạm dừng" rather than cut it.
    assert cuts == []
    assert "Tạm dừng" in texts and not any(t.startswith("Tạm nghỉ") for t in texts)


@pytest.mark.browser
def test_the_ticket_page_says_the_papers_wait_with_the_bookings_due(browser, queue_site,  # noqa: F811
                                                                     store, queue_hub):
    """Live: four bookings due in 3 minutes, a walk-in ticket with nobody ahead. Its page,
    once the line's state arrived over MQTT, says the wait its paper says."""
    from central.queue import api
    from motcua.bus import Topics

    with store.write() as db:
        add_bookings(db, "ho-tich", clock.now() + dt.timedelta(minutes=3), 4)
        # A counter of the service open (with none, the page says so, not a wait:
        # tests/test_no_counter_wait.py).
        counter = next(c for c in setup.counters(db)
                       if "ho-tich" in setup.counters_services(db, c["id"]))
        api.counter_command(db, Topics(queue_hub.config.center),
                            setup.counter_by_number(db, counter["number"]), "open")
    ticket = issue(store, queue_hub, "ho-tich")
    assert ticket["people_ahead"] == 0
    page = browser.new_page(viewport={"width": 420, "height": 800})
    page.goto(f"{queue_site}{ticket['live_path']}")
    page.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
    # Written by the page's script from the line's state (the server wrote "Còn 0 …").
    page.get_by_text("Bạn là người tiếp theo").wait_for(timeout=5_000)
    said = page.locator("#estimate").inner_text()
    assert said == f"Thời gian chờ ước tính: {paper(ticket)}", (said, ticket)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ticket-page-with-bookings.png"), full_page=True)
    page.close()


# Changes announced (minutes from now, counters back, counters gone): none, a paused
# counter back in 10 min, one gone in 5 and two back in 20, one overdue, all gone in 30.
CHANGES = [(), ((10, 1, 0),), ((5, 0, 1), (20, 2, 0)), ((-3, 1, 0),), ((30, 0, 8),)]


@pytest.mark.browser
def test_the_ticket_pages_rule_gives_the_hubs_wait_for_every_line(browser):
    """The page's own copy of the rule (static/ticket.js: waitQuantile, waitAt, waitFor),
    run in Chromium over 48,300 lines (0–8 counters open, some free, 0.5–17 min a
    citizen, 0–69 people ahead, steady or not, five kinds of changes announced), gives
    the number, range and trust the hub's ``estimate.wait_for`` gives: a ticket's page
    never says another wait than its paper and the board for the same line."""
    source = (PROJECT / "central" / "static" / "ticket.js").read_text(encoding="utf-8")
    rule = source[source.index("  function waitQuantile"):source.index("  // As estimate.walk_in")]
    now = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
    changes = [[{"at": clock.iso(now + dt.timedelta(minutes=m)), "back": b, "gone": g}
                for m, b, g in kind] for kind in CHANGES]
    page = browser.new_page()
    rows = page.evaluate("([kinds, now]) => {" + rule + """
        const out = [];
        for (const open of [0, 1, 2, 3, 8]) for (const idle of [0, 1, 2])
        for (const per of [0.5, 3, 6, 7.3, 10, 17.1]) for (let ahead = 0; ahead < 70; ahead++)
        for (const steady of [true, false]) for (let kind = 0; kind < kinds.length; kind++) {
          if (idle > open || (steady && !open)) continue;
          const gap = Math.round(per / Math.max(1, open) * 100) / 100;
          const w = waitFor(ahead, {idle_counters: idle, minutes_per_person: gap,
                                    open_counters: open, steady, changes: kinds[kind]},
                            Date.parse(now));
          out.push([open, idle, gap, ahead, steady, kind,
                    w.minutes, w.low, w.high, w.trusted]);
        }
        return out;
    }""", [changes, clock.iso(now)])
    page.close()
    assert len(rows) == 48300
    differ = []
    shown = set()
    for open_, idle, gap, ahead, steady, kind, *said in rows:
        facts = estimate.LineFacts(per=gap * max(1, open_), known=steady, open=open_,
                                   idle=idle, settling=False, changes=CHANGES[kind])
        wait = estimate.wait_for(facts, ahead)
        shown.add((kind, wait.trusted))
        if [wait.minutes, wait.low, wait.high, wait.trusted] != said:
            differ.append(((open_, idle, gap, ahead, steady, kind), wait, said))
    assert not differ, differ[:5]
    # Each kind of change gives numbers and ranges (the rows compare both), but a
    # counter late back from its pause: ranges only.
    assert shown == {(kind, trusted) for kind in range(len(CHANGES))
                     for trusted in (True, False) if kind != 3 or not trusted}
