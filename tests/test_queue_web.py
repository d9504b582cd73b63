"""The queue's pages through Flask's test client: roles, forms, errors."""

import datetime as dt
import io

import pytest

from central.errors import Refused
from central.queue import setup

from .signing import login


@pytest.mark.parametrize("path, allowed", [
    ("/admin/queue", {"admin"}), ("/live", {"admin", "supervisor"}),
    ("/console", {"admin", "supervisor", "officer"}),
])
@pytest.mark.parametrize("role", ["admin", "supervisor", "officer"])
def test_pages_keep_to_their_roles(client, sample_centre, path, allowed, role):
    assert client.get(path).status_code == 302  # to the sign-in page
    login(client, f"u-{role}", role, sample_centre)
    assert client.get(path).status_code == (200 if role in allowed else 403)


def test_a_bad_service_form_is_refused_in_vietnamese(client, sample_centre):
    token = login(client, "quantri", "admin", sample_centre)
    reply = client.post("/admin/queue/service", data={
        "csrf_token": token, "code": "moi", "name": "Dịch vụ mới", "prefix": "A",
        "range_start": "500", "range_end": "600"})
    assert reply.status_code == 422
    assert "trùng với dịch vụ" in reply.get_data(as_text=True)
    assert setup.service_by_code(sample_centre.db, "moi") is None
    reply = client.post("/admin/queue/service", data={
        "csrf_token": token, "code": "moi", "name": "Dịch vụ mới", "prefix": "Q",
        "range_start": "1", "range_end": "99"}, follow_redirects=True)
    assert "Đã lưu dịch vụ Dịch vụ mới" in reply.get_data(as_text=True)
    assert setup.service_by_code(sample_centre.db, "moi")["prefix"] == "Q"
    audit = sample_centre.db.execute(
        "select username from audit_log where action = 'service.save' order by id desc"
    ).fetchone()
    assert audit == ("quantri",)


def test_a_counter_form_binds_a_node_once(client, sample_centre):
    token = login(client, "quantri", "admin", sample_centre)
    reply = client.post("/admin/queue/counter", data={
        "csrf_token": token, "number": "21", "name": "Quầy 21", "hall": "main",
        "node": "counter-1", "services": ["ho-tich"], "weight_ho-tich": "2"})
    assert reply.status_code == 422
    assert "đã gắn với quầy 1" in reply.get_data(as_text=True)
    reply = client.post("/admin/queue/counter", data={
        "csrf_token": token, "number": "21", "name": "Quầy 21", "hall": "main",
        "node": "counter-21", "services": ["ho-tich"], "weight_ho-tich": "2"})
    assert reply.status_code == 302
    assert setup.counters(sample_centre.db)[-1]["services"] == {"ho-tich": 2}


def test_a_counters_working_hours_are_checked_and_shown(client, sample_centre):
    token = login(client, "quantri", "admin", sample_centre)
    form = {"csrf_token": token, "number": "21", "name": "Quầy 21", "hall": "main",
            "node": "", "services": ["ho-tich"], "weight_ho-tich": "1"}
    reply = client.post("/admin/queue/counter", data={**form, "hours": "7h-11h30"})
    assert reply.status_code == 422
    page = reply.get_data(as_text=True)
    assert "Giờ làm việc của quầy 21 phải có dạng 07:00-11:30, 13:30-17:00" in page
    assert 'value="7h-11h30"' in page  # what was typed, kept to correct
    assert setup.counter_by_number(sample_centre.db, 21) is None
    reply = client.post("/admin/queue/counter", data={**form, "hours": "07:00-11:30, 13:30-17:00"},
                        follow_redirects=True)
    assert "<td>07:00-11:30, 13:30-17:00</td>" in reply.get_data(as_text=True)
    assert setup.counter_by_number(sample_centre.db, 21)["hours"] == "07:00-11:30,13:30-17:00"
    # A form without the field (a page older than it) leaves the hours as they are.
    client.post("/admin/queue/counter", data={**form, "name": "Quầy hai mốt"})
    assert setup.counter_by_number(sample_centre.db, 21)["hours"] == "07:00-11:30,13:30-17:00"


def test_settings_and_file_import_validate(client, store):
    token = login(client, "quantri", "admin", store)
    reply = client.post("/admin/queue/settings", data={
        "csrf_token": token, "opening_time": "7h", "priority_every": "3", "max_recalls": "3",
        "board_calls": "8", "recent_for_estimate": "20", "strategy": "mixed"})
    assert reply.status_code == 422 and "HH:MM" in reply.get_data(as_text=True)
    bad = io.BytesIO(b'[[services]]\ncode = "x"\nname = "X"\nrange = [5, 1]\n')
    reply = client.post("/admin/queue/import", data={"csrf_token": token,
                                                     "file": (bad, "centre.toml")})
    assert reply.status_code == 422 and "từ số nhỏ đến số lớn" in reply.get_data(as_text=True)
    good = io.BytesIO(setup.SAMPLE.read_bytes())
    reply = client.post("/admin/queue/import", data={"csrf_token": token,
                                                     "file": (good, "thanhhoa.toml")},
                        follow_redirects=True)
    assert "Đã nạp 12 dịch vụ, 20 quầy" in reply.get_data(as_text=True)


def test_a_saved_setting_reaches_another_thread_at_once(client, sample_centre, monkeypatch):
    # The gateway's thread reads settings on its own connection. If it reads them
    # while the admin's change is written but not yet committed, it must not keep
    # the old values afterwards (they are cached for a few seconds).
    from concurrent.futures import ThreadPoolExecutor

    gateway_thread = ThreadPoolExecutor(max_workers=1)  # one thread, one connection

    def read_elsewhere():
        return gateway_thread.submit(
            lambda: setup.settings(sample_centre.db)["board_calls"]).result()

    before = read_elsewhere()
    real_save = setup.save_settings

    def save_then_read_meanwhile(db, values, actor=None):
        real_save(db, values, actor)
        read_elsewhere()  # before the commit: sees (and caches) the old value

    monkeypatch.setattr(setup, "save_settings", save_then_read_meanwhile)
    token = login(client, "quantri", "admin", sample_centre)
    changed = str(int(before) + 1)
    reply = client.post("/admin/queue/settings",
                        data={"csrf_token": token, "board_calls": changed})
    assert reply.status_code == 302
    assert read_elsewhere() == changed
    gateway_thread.shutdown()


def test_the_console_refuses_commands_before_a_counter_is_taken(client, sample_centre):
    token = login(client, "lan.nt", "officer", sample_centre)
    reply = client.post("/console/command", json={"action": "next"},
                        headers={"X-CSRF-Token": token})
    assert reply.status_code == 409
    assert reply.get_json()["error"]["message"] == "Bạn chưa nhận quầy nào; xin chọn quầy."


def test_a_pause_of_a_bad_length_is_refused_in_vietnamese_and_changes_nothing(
        client, sample_centre):
    token = login(client, "lan.nt", "officer", sample_centre)
    client.post("/console/counter", data={"csrf_token": token, "counter": "1"})

    def pause(minutes):
        return client.post("/console/command", json={"action": "pause", "minutes": minutes},
                           headers={"X-CSRF-Token": token})

    for bad in ("mười", 15.5, [15], "²"):
        reply = pause(bad)
        assert reply.status_code == 400, bad
        assert reply.get_json()["error"]["message"] == "Thời gian tạm nghỉ không hợp lệ."
    for bad in (0, 241, "99999999999999999999"):
        reply = pause(bad)
        assert reply.status_code in (400, 409), bad
        assert reply.get_json()["error"]["message"] in (
            "Thời gian tạm nghỉ phải từ 1 đến 240 phút.", "Thời gian tạm nghỉ không hợp lệ.")
    row = sample_centre.db.execute("select status, back_at from counters where number = 1")
    assert row.fetchone() == ("open", None)
    reply = pause("20")
    assert reply.get_json()["result"]["message"].startswith("Quầy tạm nghỉ 20 phút, đến ")
    row = sample_centre.db.execute("select status, announced from counters where number = 1")
    assert row.fetchone() == ("paused", 1)


def test_an_unknown_ticket_page_is_a_vietnamese_404(client, sample_centre):
    reply = client.get("/t/abcdef0123")
    assert reply.status_code == 404
    assert "Không tìm thấy số thứ tự này" in reply.get_data(as_text=True)


def test_the_first_in_line_reads_that_they_are_next_before_the_page_goes_live(
        client, sample_centre):
    """The ticket page as the hub draws it (what a phone shows until, or without,
    the live connection) said "Còn 0 người trước bạn" to the first in line; the
    live script says "Bạn là người tiếp theo"."""
    from central.queue import api
    from motcua.bus import Topics

    with sample_centre.write() as db:
        first, _ = api.issue_ticket(db, Topics("t"), "ho-tich")
        second, _ = api.issue_ticket(db, Topics("t"), "ho-tich")
    page = client.get(first["live_path"]).get_data(as_text=True)
    assert "Bạn là người tiếp theo" in page and "Còn 0 người" not in page
    page = client.get(second["live_path"]).get_data(as_text=True)
    assert "Còn 1 người trước bạn" in page and "Bạn là người tiếp theo" not in page


def test_a_priority_class_is_added_and_a_bad_one_refused(client, sample_centre):
    token = login(client, "quantri", "admin", sample_centre)
    reply = client.post("/admin/queue/priority", data={"csrf_token": token, "code": "Trẻ em",
                                                       "name": "Trẻ em"})
    assert reply.status_code == 422 and "chữ thường không dấu" in reply.get_data(as_text=True)
    reply = client.post("/admin/queue/priority", data={"csrf_token": token, "code": "tre-em",
                                                       "name": "Trẻ em dưới 6 tuổi"},
                        follow_redirects=True)
    assert "Trẻ em dưới 6 tuổi (tre-em)" in reply.get_data(as_text=True)


def test_a_double_click_on_next_does_not_serve_the_citizen_just_called(client, sample_centre,
                                                                       monkeypatch):
    """Two clicks on "Gọi số tiếp" a moment apart ended A001 "done" (served, in the
    figures, rating keys lit) and called A002 while A001's citizen walked up."""
    from central.queue import api
    from motcua import clock
    from motcua.bus import Topics

    with sample_centre.write() as db:
        for _ in range(3):
            api.issue_ticket(db, Topics("t"), "ho-tich")
    token = login(client, "lan.nt", "officer", sample_centre)
    client.post("/console/counter", data={"csrf_token": token, "counter": "1"})

    def press():
        reply = client.post("/console/command", json={"action": "next"},
                            headers={"X-CSRF-Token": token})
        assert reply.status_code == 200
        return reply.get_json()["result"]

    def statuses():
        return dict(sample_centre.db.execute("select display, status from tickets"))

    first = press()
    assert first["current"]["display"] == "A001"
    second = press()
    assert second["current"]["display"] == "A001"
    # The hub's one wording, for the console and a counter's keys alike.
    assert second["message"] == "Số A001 vừa được gọi; bỏ qua lần bấm thứ hai."
    assert statuses() == {"A001": "called", "A002": "waiting", "A003": "waiting"}
    # Two seconds on (the centre's next_again_s), a press is meant: A001 is done.
    later = clock.now() + dt.timedelta(seconds=2.1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert press()["current"]["display"] == "A002"
    assert statuses() == {"A001": "done", "A002": "called", "A003": "waiting"}
    # A centre that wants every click to count says 0.
    with sample_centre.write() as db:
        setup.save_settings(db, {"next_again_s": "0"}, actor="test")
    assert press()["current"]["display"] == "A003"
    # And the setting is checked like the others.
    with pytest.raises(Refused, match="số giây từ 0 đến 10"):
        setup.check_settings({"next_again_s": "11"})
