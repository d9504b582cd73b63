"""The supervisor dashboard and the report's downloads in a real headless Chromium."""

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from central import alarms
from central.accounts import users
from central.dossiers import reception
from central.queue import api, setup
from central.statistics import exports
from motcua import clock
from motcua.bus import Topics

from . import stats_dataset
from .conftest import PROJECT
from .dossier_helpers import APPLICANT, CHECKLIST, add_procedures

pytestmark = pytest.mark.browser
ARTIFACTS = PROJECT / "tests" / "artifacts"
GOLDEN = Path(__file__).parent / "golden" / "report_2026_04.csv"
PASSWORD = "mat-khau-thu-1"


@pytest.fixture
def site(queue_hub, hub_config, broker, live_server):
    assert broker.ws_port, "broker-config/web.acl missing: no websockets listener"
    hub_config.live_mqtt_url = f"ws://127.0.0.1:{broker.ws_port}"
    return live_server


def sign_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def publish(gateway, out):
    for topic, payload, retain in out:
        gateway.publish_state(topic, payload, retain)


def test_the_dashboard_follows_a_counter_call_an_alarm_and_a_dossier_falling_overdue(
        browser, site, store, queue_hub, hub_config, monkeypatch):
    ids = add_procedures(store)
    users.create_user(store, "giamsat", "Trần Văn Giám", "supervisor", PASSWORD)
    officer = users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", PASSWORD)
    topics = Topics(queue_hub.config.center)
    page = browser.new_page(viewport={"width": 1366, "height": 1000})
    sign_in(page, site, "giamsat")
    page.goto(f"{site}/dashboard")
    page.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
    page.evaluate("window.__sameDocument = true")
    assert page.locator("#overdue-count").inner_text() == "0"

    # A counter calls: its row, and today's figures, change without reload.
    with store.write() as db:
        publish(queue_hub, api.sign_in(db, topics, 7, officer["id"]))
        ticket, out = api.issue_ticket(db, topics, "dat-dai")
    publish(queue_hub, out)
    page.locator("#tickets-issued", has_text="1").wait_for(timeout=5_000)
    with store.write() as db:
        counter = setup.counter_by_number(db, 7)
        _, out = api.counter_command(db, topics, counter, "next", officer_id=officer["id"])
    publish(queue_hub, out)
    row = page.locator('#counters tr[data-counter="7"]')
    row.locator("td.current", has_text=ticket["display"]).wait_for(timeout=5_000)
    row.locator("td.officer", has_text="Nguyễn Thị Lan").wait_for(timeout=5_000)
    page.locator("#tickets-waiting", has_text="0").wait_for(timeout=5_000)

    # An alarm raised anywhere in the hub shows at once.
    alarms.raise_alarm("disk", "Ổ đĩa máy chủ sắp đầy (95%)", source="hub")
    try:
        page.locator("#alarms .alarm.error", has_text="Ổ đĩa máy chủ sắp đầy").wait_for(
            timeout=5_000)
    finally:
        alarms.clear("disk")
    page.locator("#alarms .alarm.none").wait_for(timeout=5_000)

    # A dossier received now falls overdue when its due time passes: the hub's
    # clock is moved past it, nothing else is done.
    dossier = reception.receive(
        store, hub_config, procedure_id=ids["1.001193"], channel="in_person",
        applicant=APPLICANT, components=[CHECKLIST[0]["name"]], actor="lan.nt")
    due = clock.from_iso(dossier["due_at"])
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() - real_now() + due
                        + dt.timedelta(minutes=1))
    overdue = page.locator(f'#overdue tr[data-code="{dossier["code"]}"]')
    overdue.wait_for(timeout=10_000)  # the hub looks every 5 s
    assert "Sở Tư pháp" in overdue.inner_text() and "Nguyễn Thị Lan" in overdue.inner_text()
    page.locator("#overdue-count", has_text="1").wait_for(timeout=5_000)
    assert page.evaluate("window.__sameDocument") is True  # never reloaded
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)


def test_the_report_downloads_and_opens(browser, site, store, hub_config, monkeypatch,
                                        tmp_path):
    stats_dataset.build(store, hub_config)
    monkeypatch.setattr(clock, "now", lambda: stats_dataset.NOW)
    users.create_user(store, "giamsat", "Trần Văn Giám", "supervisor", PASSWORD)
    page = browser.new_page(viewport={"width": 1366, "height": 1000}, accept_downloads=True)
    sign_in(page, site, "giamsat")
    page.goto(f"{site}/statistics")
    page.fill("input[name=start]", "2026-04-01")
    page.fill("input[name=end]", "2026-04-30")
    page.click("form.period button[type=submit]")
    page.locator("#period-report tr.total td.received", has_text="12").wait_for()
    expected = list(csv.reader(io.StringIO(GOLDEN.read_text(encoding="utf-8")), delimiter=";"))

    with page.expect_download() as info:
        page.click("#export-xlsx")
    xlsx = info.value
    # The browser keeps the Vietnamese name (filename*), diacritics and all.
    assert xlsx.suggested_filename == "Biểu 06 - Cơ quan, đơn vị - 01.04.2026 đến 30.04.2026.xlsx"
    saved = tmp_path / xlsx.suggested_filename
    xlsx.save_as(saved)
    sheet = openpyxl.load_workbook(saved)["Biểu 06"]
    first = exports.HEADER_ROW + 2
    rows = [list(r) for r in sheet.iter_rows(min_row=first, max_row=first + 2,
                                             values_only=True)]
    for got, want in zip(rows, expected[1:], strict=True):
        assert [str(c) if c is not None else "" for c in got[:2]] == want[:2]
        assert [c if c == "—" else float(c) for c in got[2:]] == [
            c if c == "—" else float(c.replace(",", ".")) for c in want[2:]]

    with page.expect_download() as info:
        page.click("#export-csv")
    assert Path(info.value.path()).read_bytes() == "\ufeff".encode() + GOLDEN.read_bytes()
    page.screenshot(path=str(ARTIFACTS / "statistics-report.png"), full_page=True)


def test_the_report_s_names_read_in_two_lines_at_1280(browser, site, store, hub_config,
                                                      monkeypatch):
    # Beside 17 columns of figures the names' column had 60 px: "Văn phòng Ủy ban nhân dân
    # tỉnh" took five lines, "Sở Nông nghiệp và Môi trường" four (the demo, 1280 px).
    stats_dataset.build(store, hub_config)
    monkeypatch.setattr(clock, "now", lambda: stats_dataset.NOW)
    with store.write() as db:
        db.execute("update departments set name = 'Văn phòng Ủy ban nhân dân tỉnh' "
                   "where code = 'STP'")
    users.create_user(store, "giamsat", "Trần Văn Giám", "supervisor", PASSWORD)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, site, "giamsat")
    page.goto(f"{site}/statistics?start=2026-04-01&end=2026-04-30")
    page.locator("#period-report tr.total").wait_for()
    lines = page.evaluate("""() => [...document.querySelectorAll(
        '#period-report tbody tr td:nth-child(2)')].map((td) => {
          const r = document.createRange(); r.selectNodeContents(td);
          const tops = [...r.getClientRects()].map((b) => Math.round(b.top));
          return [td.innerText, new Set(tops).size];
        })""")
    assert any(name.startswith("Văn phòng") for name, _ in lines), lines
    assert max(n for _, n in lines) <= 2, lines
    page.close()
