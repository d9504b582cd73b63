"""The days off a centre works by: each with its text; the unconfirmed ones wait for a person.

The 2026 days are compared with the notices found (docs/calendar.md):
Công văn 12729/VPCP-KGVX (Tết Dương lịch), Thông báo 9441/TB-BNV (Tết,
Quốc khánh), Bộ luật Lao động 45/2019/QH14 Điều 111–112.
"""

import datetime as dt
import re
import time

import pytest

from central.accounts import users
from central.calendar import sources, working_calendar
from central.calendar.working_time import WorkingCalendar

D = dt.date


def days_off(cal, year):
    day, out = D(year, 1, 1), []
    while day.year == year:
        if day.weekday() < 5 and not cal.is_working_day(day):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def working_weekends(cal, year):
    day, out = D(year, 1, 1), []
    while day.year == year:
        if day.weekday() >= 5 and cal.is_working_day(day):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def test_2026_matches_the_notices():
    cal = WorkingCalendar()
    assert days_off(cal, 2026) == [
        D(2026, 1, 1), D(2026, 1, 2),                        # BLLĐ; 12729/VPCP-KGVX
        D(2026, 2, 16), D(2026, 2, 17), D(2026, 2, 18), D(2026, 2, 19), D(2026, 2, 20),
        D(2026, 4, 27),                                       # Hùng Kings on a Sunday
        D(2026, 4, 30), D(2026, 5, 1),
        D(2026, 9, 1), D(2026, 9, 2),                         # 9441/TB-BNV
    ]
    assert working_weekends(cal, 2026) == [D(2026, 1, 10)]


def test_2025_and_2027_days_with_a_text():
    cal = WorkingCalendar()
    assert days_off(cal, 2025) == [
        D(2025, 1, 1), D(2025, 1, 27), D(2025, 1, 28), D(2025, 1, 29), D(2025, 1, 30),
        D(2025, 1, 31), D(2025, 4, 7), D(2025, 4, 30), D(2025, 5, 1), D(2025, 5, 2),
        D(2025, 9, 1), D(2025, 9, 2)]
    assert working_weekends(cal, 2025) == [D(2025, 4, 26)]
    # 2027 as far as the Labour Code decides it; Tết and 3/9 wait for the notices.
    assert days_off(cal, 2027) == [D(2027, 1, 1), D(2027, 4, 16), D(2027, 4, 30),
                                   D(2027, 5, 3), D(2027, 9, 2)]


def test_every_day_names_its_text():
    table = sources.shipped()
    for entry in table.days.values():
        assert entry.source.number and entry.source.issuer, entry
        assert entry.day.year in table.years
    assert table.source_of(D(2026, 2, 16)).line == "9441/TB-BNV ngày 16/10/2025 của Bộ Nội vụ"
    assert table.source_of(D(2026, 1, 10)).number == "12729/VPCP-KGVX"


def test_days_only_the_package_or_the_press_knows_wait_for_an_administrator(store):
    waiting = {p.day: p for p in sources.pending(store.db)}
    assert sorted(waiting) == [
        D(2026, 8, 22), D(2026, 8, 31), D(2026, 11, 24),
        D(2027, 2, 4), D(2027, 2, 5), D(2027, 2, 8), D(2027, 2, 9), D(2027, 2, 10),
        D(2027, 9, 3), D(2027, 11, 24)]
    culture = waiting[D(2026, 11, 24)]
    assert (culture.suggested_working, culture.applied_working) == (False, True)
    assert culture.source.line == "28/2026/QH16 ngày 24/04/2026 của Quốc hội"
    assert "chưa thấy toàn văn" in culture.reason and "Ngày đã qua" in culture.reason
    swap = waiting[D(2026, 8, 31)]
    assert swap.source.number == "9441/TB-BNV" and "báo chí" in swap.reason
    # Tết Đinh Mùi and the day after Quốc khánh 2027: the Prime Minister's decision as
    # reported (10065/VPCP-KGVX, 02/10/2026), the same days the package guesses.
    for day in (D(2027, 2, 4), D(2027, 2, 5), D(2027, 2, 8), D(2027, 2, 9), D(2027, 2, 10),
                D(2027, 9, 3)):
        assert waiting[day].source.line == "10065/VPCP-KGVX ngày 02/10/2026 của Văn phòng Chính phủ"
        assert (waiting[day].suggested_working, waiting[day].applied_working) == (False, True)
    assert "ngày làm việc" in waiting[D(2027, 2, 8)].reason     # what waiting costs
    # Decided (either way) by an override with its text: no longer waiting.
    working_calendar.set_override(store, D(2026, 11, 24), working=True,
                                  decision="Bộ luật Lao động 45/2019/QH14 Điều 112",
                                  actor="admin")
    working_calendar.set_override(store, D(2026, 8, 31), working=False,
                                  decision="9441/TB-BNV", actor="admin")
    left = {p.day for p in sources.pending(store.db)}
    assert D(2026, 11, 24) not in left and D(2026, 8, 31) not in left
    assert D(2026, 8, 22) in left


def _admin(client, store):
    users.create_user(store, "admin", "Lê Văn Quản", "admin", "mat-khau-admin")
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "admin", "password": "mat-khau-admin",
                                "csrf_token": token})


def test_admin_page_shows_sources_and_decides_a_pending_day(client, store, hub_config):
    _admin(client, store)
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert "12729/VPCP-KGVX ngày 25/12/2025 của Văn phòng Chính phủ" in page
    assert "45/2019/QH14 ngày 20/11/2019 của Quốc hội" in page
    assert "đối chiếu ngày 07/12/2026" in page
    assert "Nguồn tìm thấy: 10065/VPCP-KGVX ngày 02/10/2026 của Văn phòng Chính phủ" in page
    pending = page[page.index('id="pending"'):page.index("</table>", page.index('id="pending"'))]
    assert "24/11/2026" in pending and "Ngày Văn hóa Việt Nam" in pending
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    # "Áp dụng" on 24/11/2026 with the text an administrator has in hand.
    client.post("/admin/calendar", data={"csrf_token": token, "day": "2026-11-24",
                                         "working": "0", "decision": "Quyết định 99/QĐ-TTg"})
    cal = working_calendar.calendar_for(store.db, hub_config)
    assert not cal.is_working_day(D(2026, 11, 24))
    after = client.get("/admin/calendar").get_data(as_text=True)
    start = after.index('id="pending"')
    assert 'value="2026-11-24"' not in after[start:after.index("</table>", start)]


def test_the_dashboard_shows_the_days_waiting(client, store):
    users.create_user(store, "thanh.tra", "Trần Thanh Tra", "supervisor", "mat-khau-tt")
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "thanh.tra", "password": "mat-khau-tt",
                                "csrf_token": token})
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Ngày nghỉ, ngày làm bù chờ quyết định" in html
    assert 'id="calendar-pending"' in html and "Thứ Ba 24/11/2026" in html


@pytest.mark.browser
def test_the_calendar_page_in_chromium(browser, live_server, store):
    from pathlib import Path

    users.create_user(store, "admin", "Lê Văn Quản", "admin", "mat-khau-admin")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/admin/calendar")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "mat-khau-admin")
    page.click("form.login button[type=submit]")
    page.locator("#pending").wait_for()
    artifacts = Path(__file__).parent / "artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "calendar-admin.png"), full_page=True)
    row = page.locator('#pending tr:has(input[name=day][value="2026-11-24"])')
    row.locator("input[name=decision]").fill("Luật số 99/2026/QH15")
    row.get_by_role("button", name="Áp dụng", exact=True).click()
    page.locator("#overrides", has_text="Luật số 99/2026/QH15").wait_for()
    assert page.locator('#pending tr:has(input[name=day][value="2026-11-24"])').count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_the_next_twelve_months_show_the_days_waiting(client, store):
    """Tết 2027 waits for a text: the "next 12 months" table must show it coming,
    not list only the days applied (which left Tết out entirely)."""
    from motcua import clock

    _admin(client, store)
    clock.use_demo(clock.DemoClock(D(2026, 12, 7), start_hour=8, speed=1,
                                   since=time.time()))
    try:
        page = client.get("/admin/calendar").get_data(as_text=True)
    finally:
        clock.use_demo(None)
    start = page.index('id="holidays"')
    table = page[start:page.index("</table>", start)]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    tet = [r for r in rows if "04/02/2027" in r]
    assert tet, "Tết 2027 (pending) missing from the next 12 months"
    assert "Làm việc" in tet[0] and "Chờ quyết định: nghỉ" in tet[0]
    # A day applied with a text is listed as before, with no pending note.
    new_year = [r for r in rows if "01/01/2027" in r]
    assert new_year and "Nghỉ" in new_year[0] and "Chờ quyết định" not in new_year[0]
    # Each day is named with its weekday, in the same words as the other tables.
    assert "<td>Thứ Năm</td>" in tet[0] and "<td>Thứ Sáu</td>" in new_year[0]
