"""SMS and e-mail (issue 14) against Gammu's own dummy phone driver.

The dummy driver keeps the "modem" in a folder: ``sms/1/`` is its inbox (a
citizen's SMS is a file there, in Gammu's SMS backup format) and, with
``keep_sent``, ``sms/2/`` holds a copy of every SMS the hub sent. E-mail goes
to a real SMTP server (aiosmtpd) started by the test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import socket

import gammu
import pytest

from central import alarms, dossiers
from central.accounts import users
from central.config import EmailConfig, SmsConfig
from central.dossiers import reception
from central.queue import commands, setup, tickets
from central.sms import outbox
from central.sms import text as sms_text
from central.sms.modem import Modem, ModemError
from central.sms.worker import Worker
from central.store import Store
from central.web import dashboard
from motcua import clock

from .dossier_helpers import APPLICANT, CHECKLIST, add_procedures

CITIZEN = "+84912345678"


@pytest.fixture(autouse=True)
def no_alarms():
    alarms.reset()
    yield
    alarms.reset()


@pytest.fixture
def modem_dir(tmp_path):
    folder = tmp_path / "modem"
    for n in range(1, 6):
        (folder / "sms" / str(n)).mkdir(parents=True)
    return folder


def with_sms(hub_config, modem_dir, **changes):
    sms = SmsConfig(enabled=True, device=str(modem_dir), connection="none", model="dummy",
                    keep_sent=True, poll_seconds=0.05, **changes)
    return dataclasses.replace(hub_config, sms=sms)


@pytest.fixture
def config(hub_config, modem_dir):
    return with_sms(hub_config, modem_dir)


@pytest.fixture
def ids(store):
    return add_procedures(store)


def receive(store, config, ids, *, sms=True, email=""):
    return reception.receive(
        store, config, procedure_id=ids["1.001193"], channel="in_person", applicant=APPLICANT,
        components=[CHECKLIST[0]["name"]], actor="lan.nt", notify={"sms": sms, "email": email})


def citizen_texts(modem_dir, number: str, text: str) -> None:
    """An SMS arrives: a file in the dummy modem's inbox (sms/1)."""
    inbox = modem_dir / "sms" / "1"
    slot = 1 + max((int(p.name) for p in inbox.iterdir()), default=0)
    # Written beside the inbox and moved in whole: the hub polls the inbox and must
    # never read a message half written.
    whole = modem_dir / "arriving"
    gammu.SaveSMSBackup(str(whole), [{
        "Number": number, "Text": text, "SMSC": {"Location": 1}, "Folder": 1,
        "State": "UnRead", "Type": "Deliver", "Coding": "Unicode_No_Compression",
    }])
    whole.rename(inbox / str(slot))


def sent(modem_dir) -> list[tuple[str, str]]:
    """What the hub sent, as (number, whole text), oldest first (sms/2)."""
    folder = modem_dir / "sms" / "2"
    parts = []
    for path in sorted(folder.iterdir(), key=lambda p: int(p.name)):
        parts.extend(gammu.ReadSMSBackup(str(path)))
    out = []
    for linked in gammu.LinkSMS([[p] for p in parts]):
        decoded = gammu.DecodeSMS(linked)
        text = ("".join(e["Buffer"] for e in decoded["Entries"]) if decoded
                else "".join(p["Text"] for p in linked))
        out.append((linked[0]["Number"], text))
    return out


def sent_parts(modem_dir) -> list[dict]:
    folder = modem_dir / "sms" / "2"
    return [m for p in sorted(folder.iterdir(), key=lambda p: int(p.name))
            for m in gammu.ReadSMSBackup(str(p))]


def day(value: str) -> str:
    return clock.show(value, "Asia/Ho_Chi_Minh", "%d/%m/%Y")


# -- look-up by SMS ---------------------------------------------------------------------


def test_a_lookup_sms_gets_status_due_date_and_department(store, config, ids, modem_dir):
    d = receive(store, config, ids)
    # Lower case, extra spaces, even spaces inside the code: still the dossier.
    code = d["code"].lower().replace("-", " - ")
    citizen_texts(modem_dir, CITIZEN, f"  hs    {code}  ")
    worker = Worker(config, store)
    worker.run_once()
    due = clock.show(d["due_at"], "Asia/Ho_Chi_Minh", "%d/%m/%y")
    assert sent(modem_dir) == [(CITIZEN, f"{d['code']}: Đã tiếp nhận, hẹn {due}, Sở Tư pháp")]
    assert len(sent_parts(modem_dir)) == 1  # the short wording fits one Unicode SMS
    assert list((modem_dir / "sms" / "1").iterdir()) == []  # read messages leave the modem
    log = outbox.listing(store.db)
    assert [(m["direction"], m["state"], m["kind"]) for m in log] == [
        ("out", "sent", "lookup_reply"), ("in", "answered", "lookup")]
    assert log[0]["encoding"] == "ucs2" and log[0]["parts"] == 1
    assert log[0]["dossier_id"] == d["id"]
    worker.run_once()
    assert len(sent(modem_dir)) == 1  # answered once


def test_a_reply_too_long_for_one_sms_goes_whole_as_a_concatenated_sms(
        store, config, ids, modem_dir):
    d = receive(store, config, ids)
    dossiers.act(store, config, d["id"], "transfer", actor="lan.nt", department_id=ids["STP"])
    dossiers.act(store, config, d["id"], "await_fees", actor="hung.pv")
    citizen_texts(modem_dir, CITIZEN, f"HS {d['code']}")
    Worker(config, store).run_once()
    [(_, text)] = sent(modem_dir)  # the phone shows one message
    assert text == (f"HS {d['code']}: Chờ thực hiện nghĩa vụ tài chính. Hẹn trả "
                    f"{day(d['due_at'])}. Nơi xử lý: Sở Tư pháp.")
    assert len(sent_parts(modem_dir)) == 2
    assert outbox.listing(store.db, direction="out")[0]["parts"] == 2


def test_accents_in_the_keyword_are_ignored_and_unknown_codes_answered(store, hub_config,
                                                                       modem_dir, ids):
    config = with_sms(hub_config, modem_dir, keyword="HOSO")
    d = receive(store, config, ids)
    citizen_texts(modem_dir, CITIZEN, f"Hồ sơ {d['code']}")
    citizen_texts(modem_dir, "0987654321", "HOSO 000.00.00.H56-991231-9999")
    citizen_texts(modem_dir, "0977000111", "xin chào")
    Worker(config, store).run_once()
    replies = dict(sent(modem_dir))
    assert replies[CITIZEN].startswith(f"{d['code']}: Đã tiếp nhận, hẹn ")
    assert replies["0987654321"] == ("Không tìm thấy hồ sơ 000.00.00.H56-991231-9999. "
                                     "Xin kiểm tra lại mã.")
    assert replies["0977000111"].startswith("Tra cứu hồ sơ: soạn HOSO <mã hồ sơ>")


def test_ascii_when_the_modem_cannot_send_unicode(store, hub_config, modem_dir, ids):
    config = with_sms(hub_config, modem_dir, unicode=False)
    d = receive(store, config, ids)
    citizen_texts(modem_dir, CITIZEN, f"HS {d['code']}")
    Worker(config, store).run_once()
    [(number, text)] = sent(modem_dir)
    assert text == (f"HS {d['code']}: Da tiep nhan. Hen tra {day(d['due_at'])}. "
                    "Noi xu ly: So Tu phap.")
    [part] = sent_parts(modem_dir)  # one SMS: 160 GSM characters fit it
    assert part["Coding"] == "Default_No_Compression"


class RefusesUnicode(Modem):
    """A modem whose network refuses UCS-2 (the dummy driver never refuses)."""

    def _send(self, number, text, unicode):
        if unicode:
            raise ModemError("gửi tin nhắn: ERR_UNKNOWN: CMS error 500", link=False)
        return super()._send(number, text, unicode)


def test_a_refused_unicode_sms_goes_again_without_diacritics(store, config, ids, modem_dir):
    d = receive(store, config, ids)
    citizen_texts(modem_dir, CITIZEN, f"HS {d['code']}")
    Worker(config, store, modem=RefusesUnicode(config.sms)).run_once()
    [(_, text)] = sent(modem_dir)
    assert text.startswith(f"{d['code']}: Da tiep nhan, hen ")
    assert outbox.listing(store.db, direction="out")[0]["encoding"] == "gsm7"


def test_a_flooding_sender_is_throttled(store, config, ids, modem_dir):
    d = receive(store, config, ids)
    for _ in range(9):
        citizen_texts(modem_dir, CITIZEN, f"HS {d['code']}")
    worker = Worker(config, store)
    worker.run_once()
    texts = [t for _, t in sent(modem_dir)]
    assert len(texts) == 6  # five answers, then one "too many", then silence
    assert texts[-1] == "Ông/bà đã gửi quá nhiều tin nhắn. Vui lòng thử lại sau 10 phút."
    states = [m["state"] for m in outbox.listing(store.db, direction="in")]
    assert states.count("throttled") == 4 and states.count("answered") == 5
    # Another citizen is not affected.
    citizen_texts(modem_dir, "0987654321", f"HS {d['code']}")
    worker.run_once()
    assert sent(modem_dir)[-1][0] == "0987654321"


def test_parse_lookup_tolerates_what_people_type():
    code = "000.00.14.H56-200203-0118"
    for typed in ("HS 000.00.14.H56-200203-0118", "hs000.00.14.h56-200203-0118",
                  " Hs   000.00.14.H56 - 200203 - 0118 ", "HṠ 000.00.14.H56-200203-0118"):
        assert sms_text.parse_lookup(typed, "HS") == code, typed
    assert sms_text.parse_lookup("HS", "HS") == ""
    assert sms_text.parse_lookup("Xin chao", "HS") is None


# -- notifications, each once -----------------------------------------------------------


def test_result_ready_sends_exactly_one_sms_also_across_a_restart(hub_config, modem_dir,
                                                                  store, ids):
    config = with_sms(hub_config, modem_dir)
    d = receive(store, config, ids)
    quiet = receive(store, config, ids, sms=False)  # did not opt in
    worker = Worker(config, store).start()
    dossiers.act(store, config, d["id"], "result_ready", actor="hung.pv")
    dossiers.act(store, config, quiet["id"], "result_ready", actor="hung.pv")
    from .conftest import wait_until

    wait_until(lambda: sent(modem_dir), timeout=10)
    worker.stop()
    store.close()
    # The hub restarts: a new store, a new worker, rounds go by.
    again = Store(config.database)
    worker = Worker(config, again).start()
    rounds = worker.rounds
    wait_until(lambda: worker.rounds >= rounds + 3, timeout=10)
    worker.stop()
    assert sent(modem_dir) == [
        (APPLICANT["phone"], f"HS {d['code']} đã có kết quả. Mời ông/bà đến nhận.")]
    again.close()


def test_a_hub_stopped_mid_send_does_not_send_again(store, config, ids, modem_dir):
    d = receive(store, config, ids)
    dossiers.act(store, config, d["id"], "result_ready", actor="hung.pv")
    worker = Worker(config, store)
    worker.modem = None  # first round: queue only, as if the modem were not yet asked
    worker.run_once()
    [row] = outbox.listing(store.db, direction="out")
    assert outbox.claim(store, row["id"])  # ... marked sending, then the power went
    restarted = Worker(config, store).start()
    restarted.stop()
    restarted.run_once()
    assert sent(modem_dir) == []
    [row] = outbox.listing(store.db, direction="out")
    assert row["state"] == "uncertain"


def test_late_and_supplement_notices_carry_the_new_date_and_what_is_missing(
        store, config, ids, modem_dir):
    d = receive(store, config, ids)
    new_due = clock.from_iso(d["due_at"]) + dt.timedelta(days=3)
    dossiers.act(store, config, d["id"], "apologise", actor="hung.pv",
                 note="Cần xác minh thêm", new_due_at=new_due.isoformat())
    dossiers.act(store, config, d["id"], "request_supplement", actor="hung.pv",
                 note="Bản sao giấy chứng nhận kết hôn")
    worker = Worker(config, store)
    worker.run_once()
    worker.run_once()
    assert [t for _, t in sent(modem_dir)] == [
        f"{d['code']} trễ hạn, hẹn mới {day(clock.iso(new_due))}. Xin lỗi ông/bà",
        f"HS {d['code']} cần bổ sung: Bản sao giấy chứng nhận kết hôn",
    ]


def test_your_turn_is_near_at_three_people_ahead(store, config, sample_centre, modem_dir):
    with store.write() as db:
        issued = [tickets.issue(db, "ho-tich") for _ in range(6)]
    last = issued[-1]  # five people ahead
    with store.write() as db:
        from central.sms import notices

        notices.add_ticket_contact(db, last["ticket_id"], "0912345678")
    worker = Worker(config, store)
    worker.run_once()
    assert sent(modem_dir) == []
    for expected in (0, 1):  # four ahead, then three
        with store.write() as db:
            commands.run(db, setup.counter_by_number(db, 1), "next")
        worker.run_once()
        assert len(sent(modem_dir)) == expected
    with store.write() as db:  # two ahead: already told

        commands.run(db, setup.counter_by_number(db, 1), "next")
    worker.run_once()
    assert sent(modem_dir) == [("0912345678", f"Số {last['display']}: còn 3 người trước "
                                              "ông/bà. Mời quay lại khu chờ.")]


# -- a failing modem ---------------------------------------------------------------------


def test_a_failing_modem_is_retried_with_back_off_then_reported(
        hub_config, tmp_path, store, ids, app):
    missing = tmp_path / "unplugged"
    config = with_sms(hub_config, missing, max_attempts=3, retry_seconds=30)
    d = receive(store, config, ids)
    dossiers.act(store, config, d["id"], "result_ready", actor="hung.pv")
    worker = Worker(config, store)
    t0 = clock.now()

    def attempts():
        return outbox.listing(store.db, direction="out")[0]

    worker.run_once(now=t0)
    assert attempts()["attempts"] == 1 and attempts()["state"] == "queued"
    assert attempts()["last_error"].startswith("không kết nối được modem")
    worker.run_once(now=t0 + dt.timedelta(seconds=10))  # the wait is not over: no attempt
    assert attempts()["attempts"] == 1
    worker.run_once(now=t0 + dt.timedelta(seconds=31))
    assert attempts()["attempts"] == 2  # the next wait doubles: 60 s
    worker.run_once(now=t0 + dt.timedelta(seconds=61))
    assert attempts()["attempts"] == 2
    worker.run_once(now=t0 + dt.timedelta(seconds=92))
    assert attempts()["state"] == "failed" and attempts()["attempts"] == 3
    keys = {a.key: a.message for a in alarms.active()}
    assert keys["sms.failed"].startswith("1 tin nhắn/thư thông báo không gửi được")
    assert keys["sms.modem"].startswith("Modem SMS không hoạt động")
    # The dashboard's section lists it.
    sec = dashboard.SECTIONS["sms"]
    with app.test_request_context():
        from flask import render_template

        html = render_template(sec.template, title=sec.title, **sec.context(store.db))
    assert d["code"] in html and "Gửi lỗi" in html and APPLICANT["phone"] in html
    # The modem is plugged in: the alarm clears, staff send the failed one again.
    for n in range(1, 6):
        (missing / "sms" / str(n)).mkdir(parents=True)
    assert outbox.retry(store, attempts()["id"])
    worker.run_once()
    assert [t for _, t in sent(missing)] == [
        f"HS {d['code']} đã có kết quả. Mời ông/bà đến nhận."]
    assert "sms.modem" not in {a.key for a in alarms.active()}


# -- e-mail -------------------------------------------------------------------------------


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    controller.received = received
    yield controller
    controller.stop()


def test_the_same_notices_by_email(store, hub_config, ids, smtp_server):
    config = dataclasses.replace(hub_config, email=EmailConfig(
        host="127.0.0.1", port=smtp_server.port, starttls=False,
        sender="Trung tâm PVHCC <motcua@hcc.example.vn>"))
    d = receive(store, config, ids, sms=False, email="Lan.NT@Example.vn")
    dossiers.act(store, config, d["id"], "request_supplement", actor="hung.pv",
                 note="Bản sao giấy chứng nhận kết hôn")
    worker = Worker(config, store)
    assert worker.modem is None  # e-mail alone: no modem needed
    worker.run_once()
    worker.run_once()
    [mail] = smtp_server.received
    assert mail["To"] == "lan.nt@example.vn"
    from email.header import decode_header, make_header

    assert str(make_header(decode_header(mail["Subject"]))) == \
        f"Hồ sơ {d['code']} cần bổ sung giấy tờ"
    body = mail.get_payload(decode=True).decode(mail.get_content_charset())
    assert "Kính gửi ông/bà Nguyễn Thị Lan" in body
    assert "cần bổ sung: Bản sao giấy chứng nhận kết hôn" in body
    assert outbox.listing(store.db, channel="email")[0]["state"] == "sent"


def test_an_unreachable_smtp_server_is_retried(store, hub_config, ids):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there
    config = dataclasses.replace(hub_config, email=EmailConfig(
        host="127.0.0.1", port=port, starttls=False, timeout=2))
    d = receive(store, config, ids, sms=False, email="lan@example.vn")
    dossiers.act(store, config, d["id"], "result_ready", actor="hung.pv")
    Worker(config, store).run_once()
    [row] = outbox.listing(store.db, channel="email")
    assert row["state"] == "queued" and row["attempts"] == 1 and row["next_attempt_at"]
    assert "email.smtp" in {a.key for a in alarms.active()}


def test_a_refused_address_is_not_put_in_the_public_alarm(store, hub_config, ids):
    """The e-mail alarm carried the server's exception: a refused recipient's reads
    "SMTPRecipientsRefused: {'lan@example.vn': (550, …)}", and alarms go out in the
    retained state/supervision, which anyone on the hall's Wi-Fi reads through the
    live pages' relay. The alarm says it in Vietnamese; the log keeps the detail."""
    from aiosmtpd.controller import Controller

    from central.sms.worker import EMAIL_REFUSED
    from central.statistics import live, supervision

    class Refuse:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 5.1.1 Recipient address rejected: User unknown"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Refuse(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        config = dataclasses.replace(hub_config, email=EmailConfig(
            host="127.0.0.1", port=port, starttls=False, timeout=5))
        d = receive(store, config, ids, sms=False, email="lan.nt@example.vn")
        dossiers.act(store, config, d["id"], "result_ready", actor="hung.pv")
        Worker(config, store).run_once()
    finally:
        controller.stop()
    [row] = outbox.listing(store.db, channel="email")
    assert "lan.nt@example.vn" in row["last_error"]  # for staff, on the delivery log
    message = {a.key: a.message for a in alarms.active()}["email.smtp"]
    assert message == EMAIL_REFUSED
    # What the retained state/supervision carries, built as the hub's ticker builds it.
    public = json.dumps(live.as_message(supervision.figures(store.db, config)),
                        ensure_ascii=False)
    assert "example.vn" not in public and "SMTP" not in public and EMAIL_REFUSED in public


# -- the pages ----------------------------------------------------------------------------


def csrf(client, path):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def signed_in(client, username, password):
    token = csrf(client, "/login")
    client.post("/login", data={"username": username, "password": password,
                                "csrf_token": token})
    return csrf(client, "/sms")


def test_reception_records_the_opt_in_and_refuses_a_bad_address(client, store, ids, config):
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan")
    token = signed_in(client, "lan.nt", "mat-khau-lan")
    form = f"/reception?procedure_id={ids['1.001193']}"
    assert "notify_sms" not in client.get(form).get_data(as_text=True)  # no modem, no SMTP
    client.application.config["MOTCUA"] = dataclasses.replace(
        config, email=EmailConfig(host="smtp.example.vn"))
    page = client.get(form).get_data(as_text=True)
    assert 'name="notify_sms"' in page and 'name="notify_email"' in page
    data = {"csrf_token": token, "procedure_id": ids["1.001193"], "channel": "in_person",
            **APPLICANT, "component": [CHECKLIST[0]["name"]], "notify_sms": "1",
            "notify_email": "lan@@example"}
    bad = client.post("/reception", data=data)
    assert bad.status_code == 400
    assert "Địa chỉ thư điện tử không hợp lệ" in bad.get_data(as_text=True)
    assert store.db.execute("select count(*) from dossiers").fetchone()[0] == 0
    data["notify_email"] = "lan@example.vn"
    page = client.post("/reception", data=data, follow_redirects=True).get_data(as_text=True)
    assert store.db.execute("select sms, email from dossier_contacts").fetchall() == [
        (1, "lan@example.vn")]
    assert ("Đã đăng ký nhận: SMS tới 0912345678; thư điện tử tới lan@example.vn"
            in " ".join(page.split()))
    # SMS without a phone number is refused.
    data.update(phone="", notify_email="")
    no_phone = client.post("/reception", data=data)
    assert no_phone.status_code == 400
    assert "Muốn nhận tin nhắn SMS cần nhập số điện thoại" in no_phone.get_data(as_text=True)


def test_the_ticket_page_takes_a_phone_number(client, store, sample_centre, hub_config,
                                              modem_dir):
    with store.write() as db:
        ticket = tickets.issue(db, "ho-tich")
    assert "sms-phone" not in client.get(ticket["live_path"]).get_data(as_text=True)  # SMS off
    client.application.config["MOTCUA"] = with_sms(hub_config, modem_dir)
    with store.write() as db:
        ticket = tickets.issue(db, "ho-tich")
    page = client.get(ticket["live_path"]).get_data(as_text=True)
    assert "Nhận tin nhắn SMS khi sắp đến lượt" in page
    token = csrf(client, ticket["live_path"])
    bad = client.post(f"{ticket['live_path']}/sms", data={"csrf_token": token, "phone": "12"},
                      follow_redirects=True).get_data(as_text=True)
    assert "Số điện thoại không hợp lệ" in bad
    good = client.post(f"{ticket['live_path']}/sms",
                       data={"csrf_token": token, "phone": "0912 345 678"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Bạn sẽ nhận tin nhắn SMS khi sắp đến lượt" in good
    assert "0912345678" not in good  # the public page shows no phone number
    assert store.db.execute("select phone from ticket_contacts").fetchall() == [("0912345678",)]


def test_staff_read_the_delivery_log_and_send_a_failed_message_again(client, store, config,
                                                                     ids, modem_dir):
    users.create_user(store, "mai.tt", "Trần Thị Mai", "supervisor", "mat-khau-mai")
    d = receive(store, config, ids)
    citizen_texts(modem_dir, CITIZEN, f"HS {d['code']}")
    Worker(config, store).run_once()
    with store.write() as db:
        failed = outbox.queue(db, channel="sms", peer="0912000000", kind="result_ready",
                              body="thử")
        db.execute("update messages set state = 'failed', attempts = 5, "
                   "last_error = 'ERR_TIMEOUT' where id = ?", [failed])
    token = signed_in(client, "mai.tt", "mat-khau-mai")
    page = client.get("/sms").get_data(as_text=True)
    assert f"HS {d['code']}" in page and "Đã trả lời" in page and "Đã gửi" in page
    assert "Gửi lỗi" in page and "ERR_TIMEOUT" in page
    only_failed = client.get("/sms?state=failed").get_data(as_text=True)
    assert "0912000000" in only_failed and CITIZEN not in only_failed
    client.post(f"/sms/{failed}/retry", data={"csrf_token": token})
    Worker(config, store).run_once()
    assert sent(modem_dir)[-1] == ("0912000000", "thử")


# -- the real hub process -----------------------------------------------------------------


def test_motcua_hub_answers_sms_and_notifies_once_across_a_restart(tmp_path, broker, modem_dir):
    import os
    import signal

    from .conftest import wait_until
    from .hub_process import start_hub

    config_file = tmp_path / "hub.toml"
    config_file.write_text(
        f'center = "smshub"\ndatabase = "{tmp_path}/hub.db"\n'
        f"[mqtt]\nport = {broker.port}\n"
        f'[sms]\nenabled = true\ndevice = "{modem_dir}"\nconnection = "none"\n'
        f'model = "dummy"\nkeep_sent = true\npoll_seconds = 0.1\n', encoding="utf-8")
    from central.config import HubConfig
    from motcua.config import load

    config = load(HubConfig, config_file, env={})
    store = Store(config.database)
    ids = add_procedures(store)
    d = receive(store, config, ids)

    def hub():
        # Up (its SMS worker starts before it serves; start_hub waits up to START_S): on
        # a busy machine the start alone can take longer than the 20 s an answer is
        # given below.
        return start_hub(config_file, env={**os.environ, "MOTCUA_LOG_LEVEL": "WARNING"})

    def stop(process):
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0

    process = hub()
    try:
        citizen_texts(modem_dir, CITIZEN, f"HS {d['code']}")
        wait_until(lambda: len(sent(modem_dir)) == 1, timeout=20)
        dossiers.act(store, config, d["id"], "result_ready", actor="hung.pv")
        wait_until(lambda: len(sent(modem_dir)) == 2, timeout=20)
        stop(process)
        process = hub()  # restarted: it must not notify again
        citizen_texts(modem_dir, "0987654321", f"HS {d['code']}")
        wait_until(lambda: len(sent(modem_dir)) >= 3, timeout=20)
        stop(process)
    finally:
        if process.poll() is None:
            process.kill()
    store.close()
    texts = [t for _, t in sent(modem_dir)]
    assert texts[0].startswith(f"{d['code']}: Đã tiếp nhận, hẹn ")
    assert texts[1] == f"HS {d['code']} đã có kết quả. Mời ông/bà đến nhận."
    assert texts[2] == f"{d['code']}: Đã có kết quả, mời đến nhận"
    assert len(texts) == 3
