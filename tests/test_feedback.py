"""Feedback: a complaint from the kiosk over the real broker, its deadline on the working
calendar, the dashboard's overdue list, the answer and the share answered on time;
the public form's guard against scripted floods.

Deadlines below were counted by hand on the calendar of late 2026 (sessions
07:00–11:30 and 13:30–17:00, eight working hours a day).
"""

import datetime as dt
import re
import time

import pygame
import pytest
from flask import render_template

from central import feedback
from central.accounts import users
from central.calendar.working_calendar import set_override
from central.calendar.working_time import VN
from central.errors import Refused
from central.queue import api, setup
from central.web.dashboard import SECTIONS
from motcua import clock
from motcua.bus import Topics

from .conftest import wait_until

FRIDAY_4PM = dt.datetime(2026, 11, 27, 16, 0, tzinfo=VN)


@pytest.fixture
def clock_at(monkeypatch):
    """Move the hub's clock: ``clock_at(moment)``; time keeps running from there."""
    real_now = clock.now

    def move(moment: dt.datetime):
        offset = moment - real_now()
        monkeypatch.setattr(clock, "now", lambda: real_now() + offset)

    return move


def served_ticket(store, center, officer_id) -> dict:
    """A ticket of 'ho-tich' called and finished at counter 1 by the officer."""
    topics = Topics(center)
    with store.write() as db:
        api.sign_in(db, topics, 1, officer_id)
        issued, _ = api.issue_ticket(db, topics, "ho-tich")
        counter = setup.counter_by_number(db, 1)
        api.counter_command(db, topics, counter, "next")
        api.counter_command(db, topics, setup.counter_by_number(db, 1), "finish")
    return issued


def test_a_complaint_at_the_kiosk_reaches_the_dashboard_is_answered_and_counted_late(
        queue_hub, hub_config, store, make_node, clock_at, app):
    hub_config.feedback.answer_within_days = 3
    clock_at(FRIDAY_4PM)
    lan = users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-dai-du")
    users.create_user(store, "thanh.tra", "Lê Văn Tra", "supervisor", "mat-khau-dai-du")
    # Monday 30/11 declared a day off (a notice newer than the holidays package).
    set_override(store, dt.date(2026, 11, 30), working=False, decision="TB 01/TB-UBND",
                 actor="admin")
    ticket = served_ticket(store, hub_config.center, lan["id"])

    kiosk = make_node("kiosk", "kiosk-1")
    surface = pygame.Surface((1080, 1920))
    ui = kiosk.open_screen(surface)
    wait_until(lambda: kiosk.hub_online, timeout=10)
    ui.go_home()
    ui.step(surface)

    def tap(name):
        ui.tap_button(name)
        ui.step(surface)

    tap("feedback")
    assert ui.screen.name == "feedback"
    tap("send")  # nothing chosen yet: the form says what is missing, sends nothing
    assert ui.screen.problem == "Xin chọn nội dung góp ý."
    tap("topic:waiting")
    tap("field:ticket")
    for ch in ticket["display"]:
        tap(f"key:{ch}")
    tap("send")
    ui.wait_feedback()
    ui.step(surface)
    assert ui.screen.name == "feedback_result" and not ui.screen.error, ui.screen.error
    code = ui.screen.outcome["code"]
    assert code == "PA-261127-0001"

    row = next(iter(store.db.query("select * from feedback where code = ?", [code])))
    assert (row["source"], row["kind"], row["topic"]) == ("kiosk", "complaint", "waiting")
    assert row["ticket_id"] == ticket["ticket_id"]
    assert row["officer_id"] == lan["id"]
    assert row["counter_id"] == setup.counter_by_number(store.db, 1)["id"]
    # 3 working days = 24 h from Fri 16:00: Fri 1 h, (Mon off), Tue 8, Wed 8, Thu 7 h
    # from 07:00 → Thursday 3/12 16:00.
    # (The clock ran on for the second the test took since 16:00.)
    assert clock.from_iso(row["due_at"]).replace(second=0, microsecond=0) == dt.datetime(
        2026, 12, 3, 16, 0, tzinfo=VN)

    section = SECTIONS["feedback"]

    def dashboard() -> str:
        with app.test_request_context():
            return render_template(section.template, title=section.title,
                                   **section.context(store.db))

    clock_at(dt.datetime(2026, 12, 3, 15, 0, tzinfo=VN))
    assert code not in dashboard()
    clock_at(dt.datetime(2026, 12, 3, 16, 30, tzinfo=VN))
    page = dashboard()
    assert code in page and "Chờ đợi quá lâu" in page and "Nguyễn Thị Lan" in page

    # Answered the next morning: late, and the dashboard lets it go.
    clock_at(dt.datetime(2026, 12, 4, 8, 0, tzinfo=VN))
    feedback.assign(store, row["id"], "thanh.tra", actor="thanh.tra")
    done = feedback.answer(store, row["id"], "Trung tâm đã mở thêm quầy hộ tịch buổi chiều.",
                           actor="thanh.tra", publish=True)
    assert done["status"] == "answered" and done["on_time"] == 0
    assert code not in dashboard()
    share = feedback.on_time_share(store.db, "2026-11-01", "2026-11-30")
    assert (share["answered"], share["on_time"], share["share"]) == (1, 0, 0.0)


def test_the_on_time_share_counts_answers_by_their_working_day_deadline(
        hub_config, store, clock_at):
    hub_config.feedback.answer_within_days = 3
    made = []
    for text in ("Thiếu ghế chờ", "Nhà vệ sinh hỏng", "Cần thêm máy lấy số"):
        made.append(feedback.submit(store, hub_config, source="web", kind="suggestion",
                                    topic="facilities", text=text, now=FRIDAY_4PM))
    # Without an override the deadline is Wednesday 2/12 16:00.
    assert clock.from_iso(made[0]["due_at"]) == dt.datetime(2026, 12, 2, 16, 0, tzinfo=VN)
    feedback.answer(store, made[0]["id"], "Đã bổ sung 20 ghế.", actor="a",
                    now=dt.datetime(2026, 12, 2, 15, 59, tzinfo=VN))
    feedback.answer(store, made[1]["id"], "Đã sửa.", actor="a",
                    now=dt.datetime(2026, 12, 2, 16, 1, tzinfo=VN))
    # The third is unanswered: not counted while in time, counted once overdue.
    in_time = feedback.on_time_share(store.db, "2026-11-27", "2026-11-27",
                                     now=dt.datetime(2026, 12, 2, 10, 0, tzinfo=VN))
    assert (in_time["pending"], in_time["overdue_open"]) == (1, 0)
    later = feedback.on_time_share(store.db, "2026-11-27", "2026-11-27",
                                   now=dt.datetime(2026, 12, 3, 8, 0, tzinfo=VN))
    assert (later["on_time"], later["late"], later["overdue_open"], later["share"]) == (
        1, 1, 1, 0.333)
    with pytest.raises(Refused, match="đã được trả lời"):
        feedback.answer(store, made[0]["id"], "Lần hai", actor="a")


def _form_page(client, path="/gop-y"):
    html = client.get(path).get_data(as_text=True)
    return (re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
            re.search(r'name="form_token" value="([^"]+)"', html).group(1), html)


def test_a_quick_second_press_counts_from_when_the_form_was_first_shown(app, client,
                                                                      hub_config):
    # A citizen told "gửi quá nhanh" presses again a second later: the page it came back
    # on must keep the form's first showing, not start the wait again from the refusal.
    hub_config.feedback.min_fill_seconds = 3
    csrf, _, _ = _form_page(client)
    shown = feedback.form_token(app.config["SECRET_KEY"], "feedback", now=time.time() - 2)
    data = {"csrf_token": csrf, "kind": "complaint", "topic": "waiting", "text": "Chờ lâu quá"}
    reply = client.post("/gop-y", data={**data, "form_token": shown})
    assert reply.status_code == 400 and "gửi quá nhanh" in reply.get_data(as_text=True)
    again = re.search(r'name="form_token" value="([^"]+)"', reply.get_data(as_text=True))
    assert again.group(1) == shown
    time.sleep(1.2)
    reply = client.post("/gop-y", data={**data, "form_token": again.group(1)})
    assert reply.status_code == 302 and "/gop-y/" in reply.headers["Location"]
    # A token the hub never signed is not kept: the page gets a fresh one.
    reply = client.post("/gop-y", data={**data, "form_token": "1.abc"})
    assert 'value="1.abc"' not in reply.get_data(as_text=True)


def test_the_public_form_refuses_scripts_without_puzzles(app, client, store, hub_config):
    hub_config.feedback.per_address_per_hour = 3
    csrf, token, _ = _form_page(client)
    data = {"csrf_token": csrf, "form_token": token, "kind": "complaint", "topic": "waiting",
            "text": "Chờ lâu quá"}
    # Sent back at once, as a script does: refused, what was typed is kept.
    reply = client.post("/gop-y", data=data)
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    assert "gửi quá nhanh" in page and "Chờ lâu quá" in page
    # A form token the hub never signed.
    reply = client.post("/gop-y", data={**data, "form_token": f"{int(time.time()) - 60}.abc"})
    assert "Biểu mẫu không hợp lệ" in reply.get_data(as_text=True)
    shown_a_minute_ago = feedback.form_token(app.config["SECRET_KEY"], "feedback",
                                             now=time.time() - 60)
    # The hidden field only scripts fill.
    reply = client.post("/gop-y", data={**data, "form_token": shown_a_minute_ago,
                                        "website": "http://spam.example"})
    assert reply.status_code == 400
    assert store.db.execute("select count(*) from feedback").fetchone()[0] == 0
    # A person: accepted, then the address limit (3 an hour) stops the fourth.
    for _ in range(3):
        reply = client.post("/gop-y", data={**data, "form_token": shown_a_minute_ago})
        assert reply.status_code == 302 and "/gop-y/" in reply.headers["Location"]
    reply = client.post("/gop-y", data={**data, "form_token": shown_a_minute_ago})
    assert reply.status_code == 429
    assert "quá nhiều góp ý" in reply.get_data(as_text=True)
    assert store.db.execute("select count(*) from feedback").fetchone()[0] == 3
    # A bad contact is refused with a reason, nothing stored.
    reply = client.post("/gop-y", environ_base={"REMOTE_ADDR": "10.0.0.9"},
                        data={**data, "form_token": shown_a_minute_ago,
                              "contact_phone": "12345"})
    assert "Số điện thoại không hợp lệ" in reply.get_data(as_text=True)
    assert store.db.execute("select count(*) from feedback").fetchone()[0] == 3


def test_one_ticket_gets_at_most_the_configured_number_of_complaints(
        queue_hub, hub_config, store):
    lan = users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-dai-du")
    ticket = served_ticket(store, hub_config.center, lan["id"])
    token = store.db.execute("select token from tickets where id = ?",
                             [ticket["ticket_id"]]).fetchone()[0]
    for i in range(hub_config.feedback.per_ticket):
        feedback.submit(store, hub_config, source="web", topic="attitude", ticket_token=token,
                        client_key=f"ip:10.0.0.{i}")
    with pytest.raises(Refused, match="Đã nhận đủ"):
        feedback.submit(store, hub_config, source="web", topic="attitude", ticket_token=token,
                        client_key="ip:10.0.0.99")
    with pytest.raises(Refused, match="Không tìm thấy số thứ tự"):
        feedback.submit(store, hub_config, source="web", topic="attitude",
                        ticket_token="khongco")


def test_not_satisfied_at_the_counter_then_a_reason_key_makes_a_complaint(
        queue_hub, hub_config, store, make_node, tmp_path):
    from .test_counter import (
        counter_settings,
        key,
        rating_key,
        shown,
        sign_in_officer,
        take_ticket,
        tap,
    )

    officer = sign_in_officer(store)
    take_ticket(make_node("dispenser", "dispenser-1"))
    counter = make_node("counter", "counter-1", **counter_settings(tmp_path))
    leds = counter.units[1].rating.leds
    tap(key(counter, "next"))
    wait_until(lambda: shown(counter).number == "A001")
    tap(key(counter, "finish"))
    wait_until(lambda: all(led.is_lit for led in leds))
    tap(rating_key(counter, 3))  # Không hài lòng: the keys stay lit, now as reasons
    assert all(led.is_lit for led in leds)
    assert "1 Chờ lâu" in (shown(counter).message or "")
    tap(rating_key(counter, 1))  # 2: Thái độ
    wait_until(lambda: store.db.execute("select count(*) from feedback").fetchone()[0] == 1)
    assert not any(led.is_lit for led in leds)
    row = next(iter(store.db.query(
        "select f.source, f.kind, f.topic, f.officer_id, c.number, t.display from feedback f "
        "join counters c on c.id = f.counter_id join tickets t on t.id = f.ticket_id")))
    assert row == {"source": "counter", "kind": "complaint", "topic": "attitude",
                   "officer_id": officer["id"], "number": 1, "display": "A001"}
    assert store.db.execute("select level from ratings").fetchall() == [("dissatisfied",)]
    assert "Trung tâm sẽ xem xét" in (shown(counter).message or "")
    # A reason for a ticket not rated "not satisfied" is refused by the hub.
    with pytest.raises(Refused, match="Không hài lòng"):
        feedback.from_counter(store, hub_config, "counter-1",
                              {"ticket_id": 999, "counter": 1, "reason": "waiting"})


def test_the_kiosk_shows_the_hubs_refusal_in_plain_words():
    from kiosk.lookup import LookupFailed
    from kiosk.replica import Replica
    from kiosk.ui import KioskUI

    def refuse(data):
        raise LookupFailed("Đã nhận đủ 2 góp ý cho số thứ tự này.")

    surface = pygame.Surface((1080, 1920))
    ui = KioskUI((1080, 1920), Replica(), feedback=refuse, monotonic=lambda: 0.0)
    ui.go_home()
    ui.step(surface)
    for name in ("feedback", "topic:other", "send"):
        ui.tap_button(name)
        ui.step(surface)
    assert ui.screen.problem == "Xin gõ vài chữ khi chọn “Khác”."
    for name in ("key:Q", "key:U", "send"):
        ui.tap_button(name)
        ui.step(surface)
    ui.wait_feedback()
    assert ui.screen.name == "feedback_result"
    assert ui.screen.error == "Đã nhận đủ 2 góp ý cho số thứ tự này."
