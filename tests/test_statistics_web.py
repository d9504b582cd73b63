"""Statistics pages: the report and its downloads, the dashboard, the public page,
and the retained state/supervision (counts and alarms) on the bus."""

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl

from central import alarms
from central.statistics import exports, supervision
from central.web import dashboard
from motcua.bus.messages import STATE_SUPERVISION

from . import stats_dataset
from .conftest import wait_until
from .signing import login

GOLDEN = Path(__file__).parent / "golden" / "report_2026_04.csv"
APRIL = "start=2026-04-01&end=2026-04-30&by=department"


def test_report_page_and_downloads_match_the_hand_worked_report(client, store, hub_config,
                                                                 monkeypatch):
    stats_dataset.build(store, hub_config)
    from motcua import clock

    monkeypatch.setattr(clock, "now", lambda: stats_dataset.NOW)
    login(client, "thanh.tra", "supervisor", store)
    page = client.get(f"/statistics?{APRIL}").get_data(as_text=True)
    assert "Sở Tư pháp" in page and "Tổng cộng" in page and "83,33" in page
    # Sở Xây dựng resolved nothing in April: no rate, a dash with its reason.
    assert "100,00" not in page and "Chưa có hồ sơ nào được giải quyết" in page
    reply = client.get(f"/statistics/report.csv?{APRIL}")
    assert reply.status_code == 200
    disposition = reply.headers["Content-Disposition"]
    assert 'filename="Bieu06_Co-quan-don-vi_01-04-2026_30-04-2026.csv"' in disposition
    assert "filename*=UTF-8''Bi%E1%BB%83u%2006" in disposition  # "Biểu 06 …"
    assert reply.data == "\ufeff".encode() + GOLDEN.read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/statistics/report.xlsx?{APRIL}").data))
    expected = list(csv.reader(io.StringIO(GOLDEN.read_text(encoding="utf-8")), delimiter=";"))
    sheet = book.active
    row = exports.HEADER_ROW + 3
    assert [c.value for c in sheet[row]][:3] == [2, "Sở Xây dựng", int(expected[2][2])]
    pdf = client.get(f"/statistics/report.pdf?{APRIL}")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_bad_periods_are_refused_in_vietnamese(client, store):
    login(client, "thanh.tra", "supervisor", store)
    reply = client.get("/statistics?start=2026-13-01")
    assert reply.status_code == 400
    assert "Ngày không hợp lệ" in reply.get_data(as_text=True)
    reply = client.get("/statistics?start=2026-04-30&end=2026-04-01")
    assert reply.status_code == 400 and "Ngày kết thúc" in reply.get_data(as_text=True)
    assert client.get("/statistics/report.csv?by=officer").status_code == 400
    assert client.get("/statistics/report.doc").status_code == 404
    assert client.get("/statistics").status_code == 200  # and the page still works


def test_the_dashboard_shows_sections_alarms_and_charts(client, store, sample_centre):
    @dashboard.section("test-feedback", "Phản ánh quá hạn", "statistics/_section_example.html")
    def feedback(db):
        return {"items": ["PA-0001"]}

    @dashboard.section("test-broken", "Mục hỏng", "statistics/_section_example.html")
    def broken(db):
        raise RuntimeError("boom")

    try:
        alarms.raise_alarm("disk", "Ổ đĩa máy chủ sắp đầy", source="hub")
        login(client, "thanh.tra", "supervisor", store)
        html = client.get("/dashboard").get_data(as_text=True)
        assert "Ổ đĩa máy chủ sắp đầy" in html
        assert "Phản ánh quá hạn" in html and "PA-0001" in html
        assert "Không hiển thị được mục này" in html  # the broken one, alone
        # Waits and tickets by hour (SVG columns), on time by department and week (a
        # coloured table), ratings (horizontal bars, names in full).
        for chart in ('id="chart-waits"><svg', 'id="chart-tickets"><svg', 'table class="heat"',
                      'id="ratings-bars"'):
            assert chart in html
        # What a supervisor acts on comes before the floor table.
        assert html.index('id="overdue-count"') < html.index('id="overdue"') < html.index(
            "Tại sảnh lúc này")
        assert "Tiến độ giải quyết" in html and "Mức độ hài lòng" in html
        assert "Quầy 1" in html or "counters" in html
    finally:
        dashboard.SECTIONS.pop("test-feedback", None)
        dashboard.SECTIONS.pop("test-broken", None)
        alarms.clear("disk")


def test_public_page_has_figures_and_no_names(client, store, hub_config):
    stats_dataset.build(store, hub_config)
    html = client.get("/thong-ke").get_data(as_text=True)
    assert "Kết quả giải quyết thủ tục hành chính" in html
    assert "Nguyễn" not in html and "038190001234" not in html


def test_supervision_figures_are_published_retained_and_alarms_at_once(
        store, hub_config, gateway, state_watcher):
    first = wait_until(lambda: state_watcher.state.get("supervision"))
    assert STATE_SUPERVISION.validate(first) and first["alarms"] == []
    alarms.raise_alarm("sms.modem", "Modem SMS không phản hồi", source="sms")
    try:
        got = wait_until(lambda: (state_watcher.state.get("supervision") or {}).get("alarms"),
                         timeout=3)
        assert got[0]["message"] == "Modem SMS không phản hồi"
    finally:
        alarms.clear("sms.modem")
    wait_until(lambda: state_watcher.state["supervision"]["alarms"] == [], timeout=3)


def test_national_index_follows_qd_766():
    total = {"received": 100, "early": 30, "on_time": 60, "late": 10}
    index = supervision.national_index(total, {"satisfied_share": 0.81})
    assert index["timeliness"] == 18.0  # 20 × 90 / 100
    assert index["satisfaction"] == 16.2  # 18 × 0.81 / 0.9
    assert supervision.national_index(total, {"satisfied_share": 0.95})["satisfaction"] == 18
    empty = supervision.national_index({**total, "received": 0}, {"satisfied_share": None})
    assert empty["timeliness"] is None and empty["satisfaction"] is None


def test_figures_count_what_the_lists_hold(store, hub_config):
    stats_dataset.build(store, hub_config)
    figures = supervision.figures(store.db, hub_config, now=stats_dataset.NOW)
    lists = supervision.dossier_lists(store.db, hub_config, now=stats_dataset.NOW)
    # On 6/5: D5 (due 4/5), D6 open and overdue; D7 waits for a supplement.
    assert figures["overdue"] == lists["overdue_count"] == 2
    assert {d["department"] for d in lists["overdue"]} == {"Sở Tư pháp"}
    assert all(d["officer"] for d in lists["overdue"])
    assert figures["supplement"] == 1
    assert dt.date.fromisoformat(figures["day"]) == dt.date(2026, 5, 6)
