"""Figures that cannot mislead (issue 23): a share with nothing to divide reads "—"
with its reason on every page and in every export, never 100 %; an officer with
nothing to score is not ranked, an idle one not listed.

The dataset: the hand-worked April (tests/stats_dataset.py), in which Sở Xây
dựng received two dossiers and resolved none, plus Sở Tài chính with two
dossiers received this year and none resolved, and the morning of
tests/test_queue_figures.py with an officer who only called a citizen who never
came and another who did nothing at all.
"""

import csv
import datetime as dt
import io
import json

import openpyxl

from central.accounts import users
from central.dossiers import reception
from central.queue import api, setup
from central.statistics.officers import officer_ranking
from motcua import clock
from motcua.bus import Topics

from . import stats_dataset
from .dossier_helpers import APPLICANT, CHECKLIST
from .signing import login
from .test_queue_figures import at, morning  # noqa: F401  (the fixture)

APRIL = "start=2026-04-01&end=2026-04-30&by=department"


def idle_department(store, config):
    """Sở Tài chính: two dossiers received this year, none resolved."""
    with store.write() as db:
        dep = db.execute("select id from departments where code = 'STC'").fetchone()[0]
        proc = db["procedures"].insert({
            "code": "1.005432", "name": "Thẩm định quyết toán dự án", "field": "Tài chính",
            "department_id": dep, "level": "province", "created_at": clock.iso(),
            "details": json.dumps({"channels": [{"channel": "in_person", "time_limit": 20,
                                                 "unit": "working_days", "fees": []}],
                                   "components": CHECKLIST}, ensure_ascii=False)}).last_pk
    for day in (4, 5):
        reception.receive(
            store, config, procedure_id=proc, channel="in_person", applicant=APPLICANT,
            components=[CHECKLIST[0]["name"]], actor="lan.nt",
            now=stats_dataset.at(5, day, 9), confirmed_time_limit=20)  # no decision named


def test_a_department_that_resolved_nothing_reads_dash_everywhere(client, store, hub_config,
                                                                   monkeypatch):
    stats_dataset.build(store, hub_config)
    idle_department(store, hub_config)
    monkeypatch.setattr(clock, "now", lambda: stats_dataset.NOW)

    # The public page: the row, the chart and a note saying why.
    html = client.get("/thong-ke").get_data(as_text=True)
    row = html[html.index("<td>Sở Tài chính</td>"):]
    row = row[:row.index("</tr>")]
    assert "—" in row and "%" not in row
    bar = html[html.index('id="on-time-bars"'):]
    bar = bar[bar.index("Sở Tài chính"):]
    bar = bar[:bar.index("</div>")]
    assert "chưa có hồ sơ giải quyết" in bar and "<svg" not in bar  # no bar at all
    assert "Chưa có hồ sơ nào được giải quyết trong kỳ" in html
    assert "100,0%" not in row and "100.00" not in html

    # The staff report and its exports for April: Sở Xây dựng resolved nothing.
    login(client, "thanh.tra", "supervisor", store)
    page = client.get(f"/statistics?{APRIL}").get_data(as_text=True)
    xd = page[page.index("Sở Xây dựng"):]
    xd = xd[:xd.index("</tr>")]
    assert 'class="on_time_rate"><span class="none" title="Chưa có hồ sơ nào' in xd
    rows = list(csv.reader(io.StringIO(
        client.get(f"/statistics/report.csv?{APRIL}").data.decode("utf-8-sig")), delimiter=";"))
    assert rows[2][1] == "Sở Xây dựng" and rows[2][-2:] == ["—", "—"]
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/statistics/report.xlsx?{APRIL}").data))
    values = [[c.value for c in r] for r in book.active.iter_rows()]
    xd_row = next(r for r in values if r[1] == "Sở Xây dựng")
    assert xd_row[-2:] == ["—", "—"]
    # The dashboard's yearly tile has a real denominator; a week without results is "—".
    dash = client.get("/dashboard").get_data(as_text=True)
    assert 'id="kpi-on-time">' in dash
    heat = dash[dash.index('table class="heat"'):]
    heat = heat[heat.index("Sở Tài chính"):heat.index("</tr>", heat.index("Sở Tài chính"))]
    assert heat.count('class="none"') == 8 and "100%" not in heat


def test_officers_with_nothing_to_score_are_not_ranked(morning, hub_config):  # noqa: F811
    store = morning
    topics = Topics(hub_config.center)
    caller = users.create_user(store, "son.dt", "Đặng Thanh Sơn", "officer", "mat-khau-son-1")
    users.create_user(store, "an.lv", "Lê Văn An", "officer", "mat-khau-an-11")  # does nothing
    with store.write() as db:
        api.sign_in(db, topics, 3, caller["id"])
        api.issue_ticket(db, topics, "ho-tich", now=at(9, 0))
    for action, when in (("next", at(9, 5)), ("no_show", at(9, 12))):
        with store.write() as db:
            api.counter_command(db, topics, setup.counter_by_number(db, 3), action, now=when)

    ranking = officer_ranking(store.db, dt.date(2026, 4, 6), dt.date(2026, 4, 6))
    by_name = {r["full_name"]: r for r in ranking}
    # Calling in order is all Sơn did (the citizen never came): 100 % in order, but
    # no score and no rank, listed after the ranked officers.
    son = by_name["Đặng Thanh Sơn"]
    assert (son["score"], son["rank"], son["calls"], son["served"]) == (None, None, 1, 0)
    assert ranking[-1] is son
    assert son["unranked_why"] is None  # no rating at all: the page says so as before
    # The other two have one and two ratings: too few to rank (tests/test_queue_figures.py).
    assert [(r["rank"], r["unranked_why"]) for r in ranking[:-1]] == [
        (None, "chưa đủ 10 lượt đánh giá để xếp hạng")] * 2
    assert "Lê Văn An" not in by_name  # nothing at all in the period: not listed


def test_the_ranking_page_marks_the_unranked(client, morning, hub_config):  # noqa: F811
    store = morning
    topics = Topics(hub_config.center)
    caller = users.create_user(store, "son.dt", "Đặng Thanh Sơn", "officer", "mat-khau-son-1")
    with store.write() as db:
        api.sign_in(db, topics, 3, caller["id"])
        api.issue_ticket(db, topics, "ho-tich", now=at(9, 0))
    with store.write() as db:
        api.counter_command(db, topics, setup.counter_by_number(db, 3), "next", now=at(9, 5))
    login(client, "thanh.tra", "supervisor", store)
    html = client.get("/statistics?start=2026-04-06&end=2026-04-06").get_data(as_text=True)
    row = html[html.index('data-username="son.dt"'):]
    row = row[:row.index("</tr>")]
    assert 'class="unranked"' in html and "không chấm điểm" in row
    assert "100,0" not in row


def test_todays_queue_figures_send_no_share_before_anyone_is_called(client, sample_centre,
                                                                     hub_config, store):
    """state/queue_stats: a wait or a share with nothing to divide is absent (the bus
    contract says so), and the pages that show it read "—" with the reason."""
    from central.queue import state
    from motcua.bus.messages import STATE_QUEUE_STATS

    topics = Topics(hub_config.center)
    empty = state.stats(store.db)
    with store.write() as db:
        api.issue_ticket(db, topics, "ho-tich")
    waiting = state.stats(store.db)
    for figures in (empty, waiting):
        STATE_QUEUE_STATS.validate(figures)
        for share in ("within_target", "no_show_rate", "avg_wait_min", "p90_wait_min"):
            assert share not in figures, (share, figures)
    assert waiting["issued"] == waiting["waiting"] == 1
    html = client.get("/thong-ke").get_data(as_text=True)
    avg = html[html.index('data-stat="avg_wait_min"'):]
    assert avg[:avg.index("</b>")].endswith("—</span>") and "Chưa có số nào được gọi" in avg
    login(client, "giam.sat", "supervisor", store)
    html = client.get("/live").get_data(as_text=True)
    assert 'title="Chưa có số nào được gọi: chưa tính thời gian chờ.">—</span>' in html
    assert ">0,0</b> phút" not in html
    # The dashboard's lead says it in words, not "chờ trung bình hôm nay — phút".
    html = client.get("/dashboard").get_data(as_text=True)
    assert '<small id="avg-wait-today">chưa có ai được gọi hôm nay</small>' in html
    assert "chờ trung bình hôm nay" not in html

    # Once a citizen is called, the figures are there.
    officer = users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan-1")
    with store.write() as db:
        api.sign_in(db, topics, 1, officer["id"])
        api.counter_command(db, topics, setup.counter_by_number(db, 1), "next")
    called = state.stats(store.db)
    assert called["within_target"] == 1 and called["avg_wait_min"] >= 0
    assert "no_show_rate" not in called  # nobody served nor absent yet
    html = client.get("/dashboard").get_data(as_text=True)
    small = html[html.index('<small id="avg-wait-today">'):]
    assert small[:small.index("</small>")].startswith(
        '<small id="avg-wait-today">chờ trung bình hôm nay ') and "phút" in small[:60]
    assert "chưa có ai được gọi hôm nay" not in html
