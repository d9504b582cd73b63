"""Departments' dossier figures for the hall screens, and their retained message."""

import datetime as dt

from central import dossiers
from central.calendar.working_time import VN
from central.dossiers import reception
from central.statistics import dossier_figures
from motcua.bus.messages import STATE_DOSSIER_STATS

from .conftest import wait_until
from .dossier_helpers import APPLICANT, CHECKLIST, add_procedures


def at(y, mo, d, h=0, mi=0):
    return dt.datetime(y, mo, d, h, mi, tzinfo=VN)


def receive(store, hub_config, ids, now):
    return reception.receive(
        store, hub_config, procedure_id=ids["1.001193"], channel="in_person",
        applicant=APPLICANT, components=[CHECKLIST[0]["name"], CHECKLIST[1]["name"]],
        actor="lan.nt", now=now)


def test_figures_follow_the_official_rules(store, hub_config):
    ids = add_procedures(store)
    # Three received on Monday 2/3/2026 09:00, due Thursday 5/3 09:00.
    early, late, open_ = (receive(store, hub_config, ids, at(2026, 3, 2, 9)) for _ in range(3))
    dossiers.act(store, hub_config, early["id"], "result_ready", actor="x",
                 now=at(2026, 3, 4, 16))
    dossiers.act(store, hub_config, late["id"], "result_ready", actor="x",
                 now=at(2026, 3, 6, 10))
    before_due = dossier_figures.department_figures(store.db, now=at(2026, 3, 5, 8))
    after_due = dossier_figures.department_figures(store.db, now=at(2026, 3, 6, 11))
    (dep,) = before_due["departments"]
    assert before_due["period"] == "Năm 2026"
    assert (dep["name"], dep["resolved"], dep["on_time"], dep["in_progress"],
            dep["overdue"]) == ("Sở Tư pháp", 2, 1, 1, 0)
    assert dep["on_time_rate"] == 0.5
    assert after_due["departments"][0]["overdue"] == 1  # the open one is now past due
    message = dossier_figures.as_message(after_due)
    assert STATE_DOSSIER_STATS.validate(message) is message


def test_the_hub_publishes_them_retained_for_the_hall(store, hub_config, gateway,
                                                      state_watcher):
    ids = add_procedures(store)
    receive(store, hub_config, ids, at(2026, 3, 2, 9))
    gateway.dossier_ticker.tick()  # the ticker's turn (every 10 s), now
    # The ticker may have published the empty figures first, when it started.
    stats = wait_until(lambda: (state_watcher.state.get("dossier_stats") or {}).get(
        "departments") and state_watcher.state["dossier_stats"])
    (dep,) = stats["departments"]
    assert dep["name"] == "Sở Tư pháp" and dep["in_progress"] == 1


def test_they_agree_with_the_official_report_by_the_procedures_department(store, hub_config):
    from central.statistics.period_report import period_report

    ids = add_procedures(store)
    # Birth registrations (Sở Tư pháp's procedure), received Monday 2/3/2026.
    moved, paused, plain = (receive(store, hub_config, ids, at(2026, 3, 2, 9)) for _ in range(3))
    # One handed over to Sở Xây dựng (liên thông): still Tư pháp's dossier, as in
    # Biểu 06 (the department responsible for the procedure).
    dossiers.act(store, hub_config, moved["id"], "transfer", actor="lan.nt",
                 department_id=ids["SXD"], now=at(2026, 3, 2, 10))
    # One waiting for a supplement: in progress, never overdue while paused.
    dossiers.act(store, hub_config, plain["id"], "transfer", actor="lan.nt",
                 department_id=ids["STP"], now=at(2026, 3, 2, 10))
    dossiers.act(store, hub_config, paused["id"], "transfer", actor="lan.nt",
                 department_id=ids["STP"], now=at(2026, 3, 2, 10))
    dossiers.act(store, hub_config, paused["id"], "request_supplement", actor="x",
                 note="Thiếu bản sao", now=at(2026, 3, 3, 9))
    later = at(2026, 3, 20, 9)  # every due time long past
    figures = dossier_figures.department_figures(store.db, now=later)
    (dep,) = figures["departments"]
    assert (dep["code"], dep["in_progress"], dep["overdue"], dep["resolved"],
            dep["on_time_rate"]) == ("STP", 3, 2, 0, None)
    report = period_report(store.db, dt.date(2026, 1, 1), dt.date(2026, 12, 31), now=later)
    (row,) = report["rows"]
    assert (row["name"], row["overdue"], row["supplement"]) == ("Sở Tư pháp", 2, 1)
