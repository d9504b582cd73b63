"""Date fields read and typed as Vietnamese write dates (dd/mm/yyyy), in a real headless
Chromium whose locale is en-US: an ``<input type="date">`` would show mm/dd/yyyy there,
whatever the page's language. A bad date is refused with a Vietnamese message naming the
field and the form to use."""

import datetime as dt
import re

import pytest

from central.accounts import users
from central.calendar.working_time import VN
from central.dossiers import reception
from motcua import clock

from .conftest import PROJECT
from .dossier_helpers import APPLICANT, CHECKLIST, add_procedures

pytestmark = pytest.mark.browser
ARTIFACTS = PROJECT / "tests" / "artifacts"
PASSWORD = "mat-khau-ngay-1"
# The pages with a date field a supervisor or an administrator fills in.
PAGES = ["/statistics", "/fees/report", "/feedback", "/admin/calendar", "/appointments/setup"]
DAY = re.compile(r"^\d{2}/\d{2}/\d{4}$")
FIELDS = """() => [...document.querySelectorAll('input')].filter((i) =>
    ['date', 'datetime-local', 'month', 'week'].includes(i.type) || i.classList.contains('date'))
  .map((i) => ({name: i.name, type: i.type, value: i.value, placeholder: i.placeholder}))"""


@pytest.fixture
def page(browser, live_server, store, hub_config):
    users.create_user(store, "quantri", "Lê Văn Quản", "admin", PASSWORD)
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "quantri")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/login)"))
    assert page.evaluate("navigator.language") == "en-US"
    yield page
    context.close()


def test_every_date_field_shows_and_takes_a_vietnamese_date(page, live_server, store,
                                                            hub_config):
    ids = add_procedures(store)
    dossier = reception.receive(
        store, hub_config, procedure_id=ids["1.001193"], channel="in_person",
        applicant=APPLICANT, components=[CHECKLIST[0]["name"], CHECKLIST[1]["name"]],
        actor="quantri")
    seen = {}
    for path in [*PAGES, f"/dossiers/{dossier['id']}"]:
        reply = page.goto(f"{live_server}{path}")
        assert reply.status == 200, path
        fields = page.evaluate(FIELDS)
        assert fields, path
        for f in fields:
            assert f["type"] == "text", (path, f)
            assert f["placeholder"].startswith("ngày/tháng/năm"), (path, f)
            assert f["value"] == "" or DAY.match(f["value"][:10]), (path, f)
        seen[path] = fields
    # The statistics' period, as it is shown: the first of this month to today.
    today = clock.now().astimezone(VN).date()
    assert [f["value"] for f in seen["/statistics"]] == [
        today.replace(day=1).strftime("%d/%m/%Y"), today.strftime("%d/%m/%Y")]

    # Typed the Vietnamese way, the period is taken and shown back the same way.
    page.goto(f"{live_server}/statistics")
    page.fill("input[name=start]", "1/11/2026")
    page.fill("input[name=end]", "30/11/2026")
    page.locator("input[name=end]").press("Enter")
    page.wait_for_url("**start=1%2F11%2F2026**")
    assert page.input_value("input[name=start]") == "01/11/2026"
    assert page.input_value("input[name=end]") == "30/11/2026"

    # A month first (as an en-US reader writes it) is refused, in Vietnamese.
    page.fill("input[name=start]", "11/30/2026")
    page.locator("input[name=start]").press("Enter")
    page.wait_for_url("**start=11%2F30%2F2026**")
    assert "Ngày không hợp lệ ở ô “Từ ngày”: “11/30/2026”. Nhập theo dạng ngày/tháng/năm, " \
           "ví dụ 07/12/2026." in page.inner_text("main")
    assert page.input_value("input[name=start]") == "11/30/2026"  # shown back to be mended
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "date-fields-statistics.png"))

    # The administrator's calendar: a day typed dd/mm/yyyy is the day stored.
    page.goto(f"{live_server}/admin/calendar")
    form = page.locator("#override-form")
    form.locator("input[name=day]").fill("02/01/2027")
    form.locator("input[name=decision]").fill("Quyết định thử 9/QĐ")
    form.locator("button[type=submit]").click()
    page.locator(".flash").first.wait_for()
    assert store.db.execute("select day from calendar_overrides").fetchall() == \
        [("2027-01-02",)]
    assert page.inner_text("#overrides tbody tr td") == "02/01/2027"

    # The apology's new due date and time, typed the Vietnamese way, 24-hour.
    due = clock.from_iso(dossier["due_at"]).astimezone(VN)
    new_due = (due + dt.timedelta(days=7)).replace(hour=16, minute=0, second=0, microsecond=0)
    page.goto(f"{live_server}/dossiers/{dossier['id']}")
    form = page.locator('form[data-action="apologise"]')
    form.locator("input[name=new_due_at]").fill(new_due.strftime("%d/%m/%Y 4:00 PM"))
    form.screenshot(path=str(ARTIFACTS / "date-fields-apology.png"))
    form.locator("button").click()
    assert "Ngày giờ không hợp lệ ở ô “Ngày hẹn mới”" in page.inner_text(".flash.error")
    form = page.locator('form[data-action="apologise"]')
    form.locator("input[name=new_due_at]").fill(new_due.strftime("%d/%m/%Y %H:%M"))
    form.locator("input[name=note]").fill("Cần lấy ý kiến Sở Xây dựng")
    form.locator("button").click()
    page.wait_for_load_state()
    assert page.locator(".flash.error").count() == 0, page.inner_text(".flash.error")
    stored = store.db.execute("select apology_due_at from dossiers where id = ?",
                              [dossier["id"]]).fetchone()[0]
    assert clock.from_iso(stored) == new_due
