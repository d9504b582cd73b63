"""The life of a dossier: reception, codes, due dates, transitions, events."""

import datetime as dt
import threading

import pytest

from central import dossiers
from central.calendar import working_calendar
from central.calendar.working_time import VN
from central.dossiers import queries, reception
from central.errors import Refused
from motcua import clock

from .dossier_helpers import APPLICANT, CHECKLIST, add_procedures


def at(y, mo, d, h=0, mi=0):
    return dt.datetime(y, mo, d, h, mi, tzinfo=VN)


@pytest.fixture
def ids(store):
    return add_procedures(store)


def receive(store, hub_config, ids, now, proc="1.001193", **kw):
    return reception.receive(
        store, hub_config, procedure_id=ids[proc], channel=kw.pop("channel", "in_person"),
        applicant=kw.pop("applicant", APPLICANT),
        components=kw.pop("components", [CHECKLIST[0]["name"], CHECKLIST[1]["name"]]),
        actor="lan.nt", now=now, **kw)


def test_reception_gives_code_due_date_and_first_event(store, hub_config, ids):
    d = receive(store, hub_config, ids, at(2026, 2, 13, 16, 30))
    assert d["code"] == "000.00.00.H56-260213-0001"
    assert d["status"] == 2 and d["status_name"] == "Đã tiếp nhận"
    # 3 working days from Friday 13/2/2026 16:30 across Tết 2026 (16–20/2 off).
    assert clock.from_iso(d["due_at"]) == at(2026, 2, 25, 16, 30)
    assert d["department_name"] == "Sở Tư pháp"
    second = receive(store, hub_config, ids, at(2026, 2, 13, 16, 40))
    assert second["code"] == "000.00.00.H56-260213-0002"
    next_day = receive(store, hub_config, ids, at(2026, 2, 23, 7, 5))
    assert next_day["code"].endswith("-260223-0001")
    (event,) = dossiers.events(store.db, d["id"])
    assert (event["action"], event["from_status"], event["to_status"], event["actor"]) == (
        "receive", None, 2, "lan.nt")


def test_code_pattern_and_agency_are_configurable(store, hub_config, ids):
    hub_config.dossiers.agency_code = "000.00.14.H56"
    hub_config.dossiers.code_pattern = "{agency}-{yymmdd}-{seq:04d}"
    d = receive(store, hub_config, ids, at(2020, 2, 3, 9))
    assert d["code"] == "000.00.14.H56-200203-0001"
    hub_config.dossiers.code_pattern = "HS{yyyymmdd}{seq:05d}"
    assert receive(store, hub_config, ids, at(2020, 2, 3, 9))["code"] == "HS2020020300002"


def test_twenty_concurrent_receptions_get_unique_codes(store, hub_config, ids):
    codes, errors = [], []
    barrier = threading.Barrier(20)

    def one():
        try:
            barrier.wait()
            codes.append(receive(store, hub_config, ids, at(2026, 3, 2, 9))["code"])
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(codes)) == 20
    assert sorted(codes) == [f"000.00.00.H56-260302-{n:04d}" for n in range(1, 21)]


def test_bad_reception_is_refused_and_stores_nothing(store, hub_config, ids):
    cases = [
        ({"applicant": {**APPLICANT, "name": "  "}}, "applicant_required"),
        ({"applicant": {**APPLICANT, "id_number": "12345"}}, "invalid_id_number"),
        ({"applicant": {**APPLICANT, "phone": "12ab"}}, "invalid_phone"),
        ({"channel": "post"}, "unknown_channel"),
        ({"components": []}, "components_required"),
        ({"components": ["Sổ hộ khẩu"]}, "unknown_component"),
        ({"extra_components": [{"name": "Sổ hộ khẩu", "reason": ""}]}, "reason_required"),
    ]
    for kw, code in cases:
        with pytest.raises(Refused) as e:
            receive(store, hub_config, ids, at(2026, 3, 2, 9), **kw)
        assert e.value.code == code
    assert store.db.execute("select count(*) from dossiers").fetchone()[0] == 0
    # An extra document with its reason is accepted and recorded as such.
    d = receive(store, hub_config, ids, at(2026, 3, 2, 9),
                extra_components=[{"name": "Sổ hộ khẩu", "reason": "Xác minh nơi cư trú"}])
    assert d["components"][-1] == {"name": "Sổ hộ khẩu", "in_checklist": False,
                                   "reason": "Xác minh nơi cư trú"}
    assert d["code"].endswith("-0001")  # refused attempts used no sequence number


def test_same_day_procedure_after_cutoff(store, hub_config, ids):
    d = receive(store, hub_config, ids, at(2026, 3, 2, 15, 20), proc="2.000908")
    assert clock.from_iso(d["due_at"]) == at(2026, 3, 3, 17)
    d = receive(store, hub_config, ids, at(2026, 3, 2, 14, 20), proc="2.000908")
    assert clock.from_iso(d["due_at"]) == at(2026, 3, 2, 17)


def test_full_life_with_supplement_pause_apology_and_classification(store, hub_config, ids):
    # Mon 2/3/2026 09:00, 3 working days → due Thu 5/3 09:00.
    d = receive(store, hub_config, ids, at(2026, 3, 2, 9))
    assert clock.from_iso(d["due_at"]) == at(2026, 3, 5, 9)
    d = dossiers.act(store, hub_config, d["id"], "transfer", actor="lan.nt",
                     department_id=ids["STP"], now=at(2026, 3, 2, 10))
    assert d["status"] == 4
    # Supplement asked Tue 3/3 09:00 (16 working hours left), brought Fri 6/3 13:30.
    d = dossiers.act(store, hub_config, d["id"], "request_supplement", actor="hung.pv",
                     note="Thiếu giấy chứng sinh bản chính", now=at(2026, 3, 3, 9))
    assert (d["status"], d["stage"]) == (5, "paused")
    assert not dossiers.is_late(d, at(2026, 3, 6, 12))  # the clock is stopped
    d = dossiers.act(store, hub_config, d["id"], "resubmit", actor="lan.nt",
                     now=at(2026, 3, 6, 13, 30))
    assert d["status"] == 4
    # 16 h from Fri 13:30: 3.5 Fri, 8 Mon 9/3, 4.5 Tue 10/3 morning → Tue 11:30.
    assert clock.from_iso(d["due_at"]) == at(2026, 3, 10, 11, 30)
    # A second request is allowed but flagged.
    d = dossiers.act(store, hub_config, d["id"], "request_supplement", actor="hung.pv",
                     note="Thiếu chữ ký", now=at(2026, 3, 9, 8))
    flagged = dossiers.events(store.db, d["id"])[-1]
    assert flagged["detail"] == {"count": 2, "flagged": True}
    d = dossiers.act(store, hub_config, d["id"], "resubmit", actor="lan.nt",
                     now=at(2026, 3, 9, 9))
    # 11.5 h were left (Mon 8:00 → Tue 11:30); from Mon 9:00: 6 h Monday, 4.5 h Tuesday
    # morning, 1 h after lunch → Tue 14:30.
    assert clock.from_iso(d["due_at"]) == at(2026, 3, 10, 14, 30)
    d = dossiers.act(store, hub_config, d["id"], "apologise", actor="hung.pv",
                     note="Cần xác minh thêm", new_due_at="2026-03-12T16:00",
                     now=at(2026, 3, 10, 10))
    assert d["apology_due_at"] == clock.iso(at(2026, 3, 12, 16))
    assert d["due_at"] == clock.iso(at(2026, 3, 10, 14, 30))  # the original kept
    with pytest.raises(Refused) as e:
        dossiers.act(store, hub_config, d["id"], "apologise", actor="hung.pv", note="Lần hai",
                     new_due_at="2026-03-13T16:00", now=at(2026, 3, 10, 11))
    assert e.value.code == "apology_once"
    # Ready on 11/3, after the original due date: late despite the apology.
    d = dossiers.act(store, hub_config, d["id"], "result_ready", actor="hung.pv",
                     now=at(2026, 3, 11, 9))
    assert (d["status"], d["classification"]) == (9, "late")
    d = dossiers.act(store, hub_config, d["id"], "return_result", actor="lan.nt",
                     now=at(2026, 3, 11, 14))
    assert (d["status"], d["stage"]) == (10, "closed")
    actions = [e["action"] for e in dossiers.events(store.db, d["id"])]
    assert actions == ["receive", "transfer", "request_supplement", "resubmit",
                       "request_supplement", "resubmit", "apologise", "result_ready",
                       "return_result"]


def test_classification_early_and_on_time(store, hub_config, ids):
    d = receive(store, hub_config, ids, at(2026, 3, 2, 9))   # due Thu 5/3 09:00
    early = dossiers.act(store, hub_config, d["id"], "result_ready", actor="x",
                         now=at(2026, 3, 4, 16))
    assert early["classification"] == "early"
    d = receive(store, hub_config, ids, at(2026, 3, 2, 9))
    on_time = dossiers.act(store, hub_config, d["id"], "result_ready", actor="x",
                           now=at(2026, 3, 5, 7, 10))
    assert on_time["classification"] == "on_time"


def test_illegal_transitions_are_refused_and_change_nothing(store, hub_config, ids):
    d = receive(store, hub_config, ids, at(2026, 3, 2, 9))
    for action, kw in [("return_result", {}), ("resubmit", {}), ("fees_paid", {}),
                       ("transfer", {"department_id": 9999}), ("teleport", {})]:
        with pytest.raises(Refused) as e:
            dossiers.act(store, hub_config, d["id"], action, actor="x", **kw)
        assert e.value.code in {"illegal_transition", "unknown_department", "unknown_action"}
    assert "Không thể “trả kết quả”" in _message(store, hub_config, d, "return_result")
    dossiers.act(store, hub_config, d["id"], "withdraw", actor="x", note="Công dân xin rút")
    for action in ["transfer", "result_ready", "request_supplement", "withdraw"]:
        with pytest.raises(Refused):
            dossiers.act(store, hub_config, d["id"], action, actor="x", note="n",
                         department_id=ids["SXD"])
    after = dossiers.get(store.db, d["id"])
    assert after["status"] == 7
    assert len(dossiers.events(store.db, d["id"])) == 2
    # Reasons are required for the citizen's forms.
    d2 = receive(store, hub_config, ids, at(2026, 3, 2, 9))
    with pytest.raises(Refused) as e:
        dossiers.act(store, hub_config, d2["id"], "stop", actor="x", note=" ")
    assert e.value.code == "note_required"


def test_a_reason_longer_than_the_record_keeps_is_refused_not_cut(store, hub_config, ids):
    # Seen on the sample centre: a 100,000-character supplement reason was accepted with
    # "Yêu cầu bổ sung: hồ sơ … — Yêu cầu bổ sung hồ sơ." and kept cut to its first
    # 1,000 characters, the officer never told.
    d = receive(store, hub_config, ids, at(2026, 3, 2, 9))
    long_reason = "Thiếu bản sao giấy khai sinh có chứng thực. " * 30   # 1,319 once trimmed
    with pytest.raises(Refused) as e:
        dossiers.act(store, hub_config, d["id"], "request_supplement", actor="x",
                     note=long_reason)
    assert e.value.code == "note_too_long"
    assert "1.000 ký tự" in e.value.message and "1.319" in e.value.message
    assert dossiers.get(store.db, d["id"])["status"] == d["status"]
    assert len(dossiers.events(store.db, d["id"])) == 1
    done = dossiers.act(store, hub_config, d["id"], "request_supplement", actor="x",
                        note=long_reason[:1000])
    assert dossiers.events(store.db, d["id"])[-1]["note"] == long_reason[:1000].strip()
    assert done["status"] != d["status"]


def _message(store, hub_config, d, action):
    with pytest.raises(Refused) as e:
        dossiers.act(store, hub_config, d["id"], action, actor="x")
    return e.value.message


def test_transfers_between_departments_fill_the_control_sheet(store, hub_config, ids):
    d = receive(store, hub_config, ids, at(2026, 3, 2, 9))
    dossiers.act(store, hub_config, d["id"], "transfer", actor="lan.nt",
                 department_id=ids["STP"], now=at(2026, 3, 2, 9, 30))
    dossiers.act(store, hub_config, d["id"], "transfer", actor="hung.pv",
                 department_id=ids["STC"], note="Xác định nghĩa vụ tài chính",
                 now=at(2026, 3, 6, 8))
    assert "accept_transfer" in dossiers.allowed_actions(dossiers.get(store.db, d["id"]))
    dossiers.act(store, hub_config, d["id"], "accept_transfer", actor="an.tc",
                 now=at(2026, 3, 6, 9))
    assert "accept_transfer" not in dossiers.allowed_actions(dossiers.get(store.db, d["id"]))
    with pytest.raises(Refused) as e:
        dossiers.act(store, hub_config, d["id"], "accept_transfer", actor="an.tc")
    assert e.value.code == "nothing_to_accept"
    sheet = dossiers.transfers(store.db, d["id"])
    assert [(t["from_department"], t["to_department"], t["on_time"]) for t in sheet] == [
        (None, "Sở Tư pháp", 1), ("Sở Tư pháp", "Sở Tài chính", 0)]
    assert [(t["handed_by"], t["received_by"]) for t in sheet] == [
        ("lan.nt", None), ("hung.pv", "an.tc")]
    assert dossiers.get(store.db, d["id"])["department_name"] == "Sở Tài chính"
    with pytest.raises(Refused) as e:
        dossiers.act(store, hub_config, d["id"], "transfer", actor="x", department_id=ids["STC"])
    assert e.value.code == "same_department"


def test_public_lookup_masks_the_applicant(store, hub_config, ids):
    d = receive(store, hub_config, ids, at(2026, 3, 2, 9))
    seen = queries.lookup(store.db, d["code"].lower(), now=at(2026, 3, 6, 9))
    assert seen["found"] and seen["applicant"] == "Nguyễn T** L**"
    assert seen["late"] is True and seen["status_name"] == "Đã tiếp nhận"
    assert seen["department"] == "Sở Tư pháp"
    text = repr(seen)
    assert "038190001234" not in text and "0912345678" not in text and "Lê Lợi" not in text
    assert queries.lookup(store.db, "000.00.00.H56-990101-0001") == {"found": False}


def test_work_lists_by_urgency(store, hub_config, ids):
    now = at(2026, 3, 4, 10)   # Wednesday
    # due Thu 5/3 09:00 (tomorrow), received Mon 9:00 with 3 days
    tomorrow = receive(store, hub_config, ids, at(2026, 3, 2, 9))
    # due Wed 4/3 15:00: received Fri 27/2 15:00 → today, within one working day
    today = receive(store, hub_config, ids, at(2026, 2, 27, 15))
    # due Tue 3/3 → overdue
    overdue = receive(store, hub_config, ids, at(2026, 2, 26, 9))
    waiting = receive(store, hub_config, ids, at(2026, 3, 3, 9))
    dossiers.act(store, hub_config, waiting["id"], "request_supplement", actor="x",
                 note="Thiếu giấy", now=at(2026, 3, 3, 10))
    other = receive(store, hub_config, ids, at(2026, 3, 2, 9), proc="1.009994")  # Xây dựng
    wl = queries.work_list(store.db, hub_config, ids["STP"], now=now)
    codes = {k: [r["code"] for r in v["rows"]] for k, v in wl["lists"].items()}
    assert codes == {"overdue": [overdue["code"]], "today": [today["code"]],
                     "tomorrow": [tomorrow["code"]], "supplement": [waiting["code"]]}
    assert wl["warning"] == 2     # today's and tomorrow 09:00 (within 8 working hours)
    assert other["code"] not in repr(wl)
    centre = queries.work_list(store.db, hub_config, None, now=now)
    assert centre["lists"]["overdue"]["count"] == 1


def test_procedure_chooser_matches_without_accents(store, ids):
    names = [p["name"] for p in queries.search_procedures(store.db, "khai sinh")]
    assert names == ["Đăng ký khai sinh"]
    assert [p["code"] for p in queries.search_procedures(store.db, "dang ky")] == [
        "1.001193"]
    assert len(queries.search_procedures(store.db, "")) == 3


def test_calendar_override_from_the_store_moves_due_dates(store, hub_config, ids):
    with pytest.raises(Refused):
        working_calendar.set_override(store, dt.date(2026, 3, 3), working=False, decision="")
    working_calendar.set_override(store, dt.date(2026, 3, 3), working=False,
                                  decision="Quyết định 12/QĐ-UBND", actor="admin")
    d = receive(store, hub_config, ids, at(2026, 3, 2, 9))
    assert clock.from_iso(d["due_at"]) == at(2026, 3, 6, 9)
    working_calendar.remove_override(store, dt.date(2026, 3, 3), actor="admin")
    d = receive(store, hub_config, ids, at(2026, 3, 2, 9))
    assert clock.from_iso(d["due_at"]) == at(2026, 3, 5, 9)


def test_online_registration_starts_the_clock_only_when_received(store, hub_config, ids):
    d = reception.register_online(
        store, hub_config, procedure_id=ids["1.001193"], applicant=APPLICANT,
        components=[CHECKLIST[0]["name"]], now=at(2026, 3, 1, 22))   # Sunday night
    assert (d["status"], d["due_at"], d["received_at"]) == (1, None, None)
    assert queries.lookup(store.db, d["code"])["status_name"] == (
        "Đã đăng ký trực tuyến, chưa tiếp nhận")
    with pytest.raises(Refused):
        dossiers.act(store, hub_config, d["id"], "transfer", department_id=ids["STP"])
    d = dossiers.act(store, hub_config, d["id"], "receive", actor="lan.nt",
                     now=at(2026, 3, 3, 10))
    assert d["status"] == 2 and clock.from_iso(d["due_at"]) == at(2026, 3, 6, 10)
    assert [e["action"] for e in dossiers.events(store.db, d["id"])] == [
        "register_online", "receive"]


def test_refusal_at_the_counter_is_recorded_with_its_reason(store, hub_config, ids):
    d = receive(store, hub_config, ids, at(2026, 3, 2, 9), components=[],
                refuse_reason="Hồ sơ không thuộc thẩm quyền giải quyết của Sở")
    assert (d["status"], d["stage"], d["due_at"]) == (3, "closed", None)
    (event,) = dossiers.events(store.db, d["id"])
    assert (event["action"], event["note"]) == (
        "refuse", "Hồ sơ không thuộc thẩm quyền giải quyết của Sở")
    with pytest.raises(Refused):
        dossiers.act(store, hub_config, d["id"], "transfer", department_id=ids["STP"])


def _set_details(store, procedure_id, **flags):
    import json

    with store.write() as db:
        details = json.loads(db.execute("select details from procedures where id = ?",
                                        [procedure_id]).fetchone()[0])
        db["procedures"].update(procedure_id, {"details": json.dumps({**details, **flags})})


def test_fees_pause_the_clock_when_the_procedure_says_so(store, hub_config, ids):
    d = receive(store, hub_config, ids, at(2026, 3, 2, 9))        # due Thu 5/3 09:00
    dossiers.act(store, hub_config, d["id"], "transfer", department_id=ids["STP"],
                 now=at(2026, 3, 2, 9))
    running = dossiers.act(store, hub_config, d["id"], "await_fees", now=at(2026, 3, 3, 9))
    assert running["stage"] == "running"          # default: the clock runs
    dossiers.act(store, hub_config, d["id"], "fees_paid", now=at(2026, 3, 4, 9))
    assert dossiers.get(store.db, d["id"])["due_at"] == clock.iso(at(2026, 3, 5, 9))
    _set_details(store, ids["1.001193"], fees_pause_clock=True)
    paused = dossiers.act(store, hub_config, d["id"], "await_fees", now=at(2026, 3, 4, 9))
    assert paused["stage"] == "held"
    # 8 h were left at Wed 09:00; paid Mon 9/3 09:00 → due Tue 10/3 09:00.
    paid = dossiers.act(store, hub_config, d["id"], "fees_paid", now=at(2026, 3, 9, 9))
    assert paid["due_at"] == clock.iso(at(2026, 3, 10, 9))


def test_a_result_ready_while_fees_hold_the_clock_counts_only_the_time_it_ran(
        store, hub_config, ids):
    # Worked by hand (issue 24's check): received Thu 5/3 14:00, 3 working days, due Tue
    # 10/3 14:00. Fees awaited Fri 6/3 08:00 with the clock stopped (4 of 24 working
    # hours used, 20 left); the result is ready Thu 12/3 09:00, straight from "waiting
    # for fees" (the citizen paid at the counter, nobody pressed "fees paid"). The clock
    # resumes then (Thu 6 h, Fri 8 h, Mon 07:00 + 6 h): due Mon 16/3 15:00, so the
    # result is early, not late, and the due date kept is the moved one.
    _set_details(store, ids["1.001193"], fees_pause_clock=True)
    d = receive(store, hub_config, ids, at(2026, 3, 5, 14))
    assert d["due_at"] == clock.iso(at(2026, 3, 10, 14))
    dossiers.act(store, hub_config, d["id"], "transfer", department_id=ids["STP"],
                 now=at(2026, 3, 5, 15))
    assert dossiers.act(store, hub_config, d["id"], "await_fees",
                        now=at(2026, 3, 6, 8))["stage"] == "held"
    ready = dossiers.act(store, hub_config, d["id"], "result_ready", now=at(2026, 3, 12, 9))
    assert ready["classification"] == "early"
    assert ready["due_at"] == clock.iso(at(2026, 3, 16, 15))
    assert ready["paused_at"] is None
    event = dossiers.events(store.db, d["id"])[-1]
    assert event["detail"]["previous_due_at"] == clock.iso(at(2026, 3, 10, 14))
    # The same without the procedure's rule: the clock ran, the result is late.
    _set_details(store, ids["1.001193"], fees_pause_clock=False)
    d = receive(store, hub_config, ids, at(2026, 3, 5, 14))
    dossiers.act(store, hub_config, d["id"], "transfer", department_id=ids["STP"],
                 now=at(2026, 3, 5, 15))
    dossiers.act(store, hub_config, d["id"], "await_fees", now=at(2026, 3, 6, 8))
    late = dossiers.act(store, hub_config, d["id"], "result_ready", now=at(2026, 3, 12, 9))
    assert (late["classification"], late["due_at"]) == ("late", clock.iso(at(2026, 3, 10, 14)))


def test_a_dossier_whose_clock_fees_hold_is_not_counted_overdue(store, hub_config, ids):
    # Hand-worked (issue 24's check): received Thu 5/3 14:00, due Tue 10/3 14:00; fees
    # awaited Fri 6/3 08:00 with the clock stopped. On Thu 12/3 it is in progress and
    # within its time (20 working hours left), as the dossier's page says, not overdue
    # as the report, the hall screens and the dashboard counted it. One held only after
    # it fell due stays overdue: the delay stands.
    from central.statistics.dossier_figures import department_figures
    from central.statistics.period_report import period_report

    _set_details(store, ids["1.001193"], fees_pause_clock=True)
    held = receive(store, hub_config, ids, at(2026, 3, 5, 14))
    late = receive(store, hub_config, ids, at(2026, 3, 5, 14))
    for d, when in ((held, at(2026, 3, 6, 8)), (late, at(2026, 3, 11, 9))):
        dossiers.act(store, hub_config, d["id"], "transfer", department_id=ids["STP"],
                     now=at(2026, 3, 5, 15))
        dossiers.act(store, hub_config, d["id"], "await_fees", now=when)
    now = at(2026, 3, 12, 12)
    assert not dossiers.is_late(dossiers.get(store.db, held["id"]), now)
    assert dossiers.is_late(dossiers.get(store.db, late["id"]), now)
    row = period_report(store.db, dt.date(2026, 3, 1), dt.date(2026, 3, 12), now=now)["total"]
    assert (row["within_deadline"], row["overdue"], row["supplement"]) == (1, 1, 0)
    (dep,) = department_figures(store.db, now=now)["departments"]
    assert (dep["in_progress"], dep["overdue"]) == (2, 1)


def test_supplement_restarts_the_clock_when_the_procedure_says_so(store, hub_config, ids):
    _set_details(store, ids["1.001193"], supplement_restarts=True)
    d = receive(store, hub_config, ids, at(2026, 3, 2, 9))
    dossiers.act(store, hub_config, d["id"], "request_supplement", note="Thiếu giấy",
                 now=at(2026, 3, 4, 9))
    d = dossiers.act(store, hub_config, d["id"], "resubmit", now=at(2026, 3, 9, 9))
    assert d["due_at"] == clock.iso(at(2026, 3, 12, 9))   # three full working days again
    assert d["status"] == 2                               # back to where it was


def test_department_summary_warns_the_departments_concerned(store, hub_config, ids):
    now = at(2026, 3, 4, 10)
    receive(store, hub_config, ids, at(2026, 2, 26, 9))                 # Tư pháp, overdue
    receive(store, hub_config, ids, at(2026, 2, 27, 15))                # Tư pháp, due soon
    receive(store, hub_config, ids, at(2026, 3, 4, 9), proc="1.009994")  # Xây dựng, not soon
    summary = queries.department_summary(store.db, hub_config, now=now)
    assert [(r["name"], r["overdue"], r["due_soon"], r["supplement"]) for r in summary] == [
        ("Sở Tư pháp", 1, 1, 0)]


def test_a_bad_code_pattern_stops_the_hub_at_start(tmp_path):
    from central.config import HubConfig
    from motcua.config import ConfigError, from_dict

    for pattern, words in [("{agency}-{yymmdd}", "{seq}"), ("{agency}-{day}-{seq}", "day")]:
        with pytest.raises(ConfigError) as e:
            from_dict(HubConfig, {"center": "c", "dossiers": {"code_pattern": pattern}})
        assert "dossiers.code_pattern" in str(e.value) and words in str(e.value)


def test_the_reception_chooser_puts_names_that_begin_with_the_words_first(store):
    # Seen on the sample centre's /reception: "cap" listed "Bổ nhiệm và cấp thẻ…", "Chia,
    # tách; sáp nhập… (cấp tỉnh)", "Cho phép…" and the first "Cấp …" 19th of 20, and with
    # nothing typed "Chuyển…", "Chấp thuận…" came before "Cấp…" (code-point order).
    from central import catalog
    from motcua.text import sort_key

    catalog.load_sample(store, "admin")
    top = [p["name"] for p in queries.search_procedures(store.db, "cap")]
    assert len(top) == 20 and all(n.startswith("Cấp") for n in top[:10]), top
    assert [p["name"] for p in queries.search_procedures(store.db, "dang ky")][0].startswith(
        "Đăng ký")
    first = [p["name"] for p in queries.search_procedures(store.db, "")]
    assert first == sorted(first, key=sort_key), first
    starts = [n.split()[0] for n in first]
    assert "Cấp" in starts, first   # â before h: "Cấp…" before "Chia…", "Chuyển…"
    assert not [w for w in starts[:starts.index("Cấp")] if w.startswith("Ch")], first
