"""The demo tells one time, in a real browser (issue 22): while a demo's day runs
(:class:`motcua.clock.DemoClock`), the dashboard's hourly charts, ``/live``'s
"serving for N minutes", the ticket page and the stored tickets follow the
simulated morning, never the wall clock.

The demo's day here is Monday 6 April 2026 from 08:00, sixty times faster (a real
second is a simulated minute): whatever the wall clock says when the suite runs,
it is not that morning, so any page that falls back to the wall clock shows
another day (no ticket "today"), another hour, or a serving time of months.
"""

import datetime as dt
import re
import time
from collections import Counter

import pytest

from central.accounts import users
from central.queue import api, setup
from motcua import clock
from motcua.bus import Topics

from .conftest import PROJECT, wait_until

pytestmark = pytest.mark.browser
ARTIFACTS = PROJECT / "tests" / "artifacts"
PASSWORD = "mat-khau-thu-1"
VN = dt.timezone(dt.timedelta(hours=7))
DAY = dt.date(2026, 4, 6)
SPEED = 60.0


@pytest.fixture
def demo_day():
    demo = clock.DemoClock(DAY, start_hour=8.0, speed=SPEED, since=time.time())
    clock.use_demo(demo)
    try:
        yield demo
    finally:
        clock.use_demo(None)


@pytest.fixture
def site(demo_day, queue_hub, hub_config, broker, live_server):
    hub_config.live_mqtt_url = f"ws://127.0.0.1:{broker.ws_port}"
    return live_server


def _publish(hub, out):
    for topic, payload, retain in out:
        hub.publish_state(topic, payload, retain)


def test_the_pages_follow_the_demos_morning_not_the_wall_clock(browser, site, store,
                                                              queue_hub, hub_config):
    topics = Topics(hub_config.center)
    officer = users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", PASSWORD)
    users.create_user(store, "giamsat", "Trần Văn Giám", "supervisor", PASSWORD)
    issued = []
    with store.write() as db:
        _publish(queue_hub, api.sign_in(db, topics, 7, officer["id"]))
    for _ in range(3):
        with store.write() as db:
            ticket, out = api.issue_ticket(db, topics, "dat-dai")
        _publish(queue_hub, out)
        issued.append(ticket)
    with store.write() as db:
        _, out = api.counter_command(db, topics, setup.counter_by_number(db, 7), "next")
    _publish(queue_hub, out)

    # The hub stamped the simulated morning (a slow start-up on a loaded machine
    # may have taken it past 08:00; a minute of wall time is an hour of it).
    stamps = [clock.from_iso(r[0]).astimezone(VN) for r in store.db.execute(
        "select issued_at from tickets order by id")]
    assert all(s.date() == DAY and 8 <= s.hour < 12 for s in stamps), stamps
    hours = Counter(f"{s.hour}h" for s in stamps)
    called_at = clock.from_iso(store.db.execute(
        "select called_at from tickets where called_at is not null").fetchone()[0])
    assert called_at.astimezone(VN).date() == DAY
    since = f"từ {called_at.astimezone(VN):%H:%M}"

    def serving_minutes() -> float:
        """How long counter 7 has served, on the demo's clock, now."""
        return (clock.now() - called_at).total_seconds() / 60

    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1366, 900), (390, 844)):
        page = browser.new_page(viewport={"width": width, "height": height})
        try:
            page.goto(f"{site}/login")
            page.fill("input[name=username]", "giamsat")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")

            # /live: counter 7 serves since its call on the demo's morning, for as
            # many simulated minutes as have passed on the demo's clock (a real
            # second is one): on the wall clock it would read 0 or months.
            page.goto(f"{site}/live")
            page.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
            cell = page.locator('#counters tr[data-counter="7"] td.since')
            wait_until(lambda c=cell: re.fullmatch(since + r" · \d+ phút", c.inner_text()),
                       timeout=15, interval=0.2)
            before = serving_minutes()
            shown = int(re.search(r"(\d+) phút", cell.inner_text()).group(1))
            after = serving_minutes()
            # The page's count moves once a (real) second: within a few minutes.
            assert before - 3 <= shown <= after + 1, (cell.inner_text(), before, after)
            page.screenshot(path=str(ARTIFACTS / f"demo-time-live-{width}.png"), full_page=True)

            # The dashboard: "today" is the demo's day; its hourly charts have the
            # morning's tickets in the demo's hours, and no other hour.
            page.goto(f"{site}/dashboard")
            assert "Hôm nay (06/04/2026)" in page.inner_text("body")
            bars = page.eval_on_selector_all(
                "#chart-tickets rect.bar", "rs => rs.map(r => [r.dataset.label, "
                "Number(r.dataset.value)])")
            assert {label: n for label, n in bars if n} == hours, bars
            waits = page.eval_on_selector_all(
                "#chart-waits rect.bar", "rs => rs.map(r => r.dataset.label)")
            assert waits == [f"{stamps[0].hour}h"], waits
            page.screenshot(path=str(ARTIFACTS / f"demo-time-dashboard-{width}.png"),
                            full_page=True)

            # The citizen's ticket page: taken on the demo's morning.
            page.goto(f"{site}{issued[-1]['live_path']}")
            assert page.inner_text(".issued") == f"Lấy số lúc {stamps[-1]:%H:%M} 06/04/2026"
        finally:
            page.close()
