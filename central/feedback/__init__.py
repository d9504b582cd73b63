"""Citizens' feedback (phản ánh, kiến nghị): received, assigned, answered on time.

A complaint or suggestion comes from the kiosk (``request.feedback`` over the
bus), from the public web form (also opened from the QR of a ticket's live
page or of a dossier receipt), or from the counter's rating keypad after a
"not satisfied" rating (``event.feedback_reason``: the reason key pressed).
It is linked where possible to the ticket, the dossier, the counter and the
officer who served, and gets a deadline in working days from the centre's
working calendar. The inspection team assigns it, answers it and may publish
the answer on the citizen's public page::

    f = feedback.submit(store, config, source="web", kind="complaint", topic="waiting",
                        text="Chờ hơn một tiếng", ticket_token=token, client_key="ip:10.0.0.7")
    f["code"], f["due_at"], f["public_token"]        # 'PA-261127-0001', UTC ISO, …
    feedback.assign(store, f["id"], "thanh.tra", actor="giam.sat")
    feedback.answer(store, f["id"], "Trung tâm đã bổ sung quầy…", actor="thanh.tra",
                    publish=True)
    feedback.overdue(store.db)                       # for the supervisor dashboard
    feedback.on_time_share(store.db, "2026-11-01", "2026-11-30")

Abuse without puzzles: each public form carries a signed token with the time
it was shown (:func:`form_token`); a form sent back too soon, a filled-in
hidden field, or too many submissions from one address, one ticket or one
kiosk are refused with a plain Vietnamese message.

The room: this face is the feedback service; :mod:`.ratings` (the rating keypad).

May import: the store, ``central.config``, ``central.errors``, accounts,
calendar, devices (which counter a node drives). The dashboard's section is
registered by the web room (``central/web/feedback.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import time

import sqlite_utils

from motcua import clock
from motcua.text import nfc

from ..accounts import audit
from ..calendar.working_calendar import calendar_for
from ..calendar.working_time import VN
from ..config import HubConfig
from ..devices import bindings
from ..errors import Refused
from ..store import Store

KINDS = {"complaint": "Phản ánh", "suggestion": "Kiến nghị"}
SOURCES = {"kiosk": "Ki-ốt", "web": "Trang web", "counter": "Bàn phím đánh giá tại quầy"}
TOPICS = {
    "waiting": "Chờ đợi quá lâu",
    "attitude": "Thái độ phục vụ chưa tốt",
    "guidance": "Hướng dẫn chưa rõ ràng",
    "paperwork": "Thủ tục, giấy tờ phức tạp",
    "late": "Trả kết quả trễ hẹn",
    "fees": "Phí, lệ phí",
    "facilities": "Cơ sở vật chất",
    "other": "Khác",
}
# The counter's four rating keys, reused for the reason after "Không hài lòng".
COUNTER_REASONS = ("waiting", "attitude", "guidance", "other")
STATUSES = {"new": "Mới tiếp nhận", "assigned": "Đang xem xét", "answered": "Đã trả lời"}
PHONE = re.compile(r"^(0\d{9,10}|\+84\d{9,10})$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
FORM_TOKEN_MAX_AGE = 2 * 3600




# --- Reception ---------------------------------------------------------------------------


def _next_code(db, received: dt.datetime) -> str:
    local = received.astimezone(VN)
    start = dt.datetime.combine(local.date(), dt.time(0), VN)
    n = db.execute("select count(*) from feedback where received_at >= ? and received_at < ?",
                   [clock.iso(start), clock.iso(start + dt.timedelta(days=1))]).fetchone()[0]
    return f"PA-{local.strftime('%y%m%d')}-{n + 1:04d}"


def _ticket(db, *, token=None, display=None, ticket_id=None, day=None) -> dict | None:
    if token:
        where, args = "token = ?", [token]
    elif ticket_id is not None:
        where, args = "id = ?", [ticket_id]
    elif display:
        where, args = "display = ? and day = ?", [display.upper(), day]
    else:
        return None
    rows = list(db.query(f"select id, display, counter_id, officer_id from tickets where "
                         f"{where} order by id desc limit 1", args))
    if not rows:
        raise Refused("unknown_ticket", "Không tìm thấy số thứ tự này; xin kiểm tra lại số "
                                        "trên phiếu (hoặc để trống).")
    return rows[0]


def _dossier(db, code: str) -> dict | None:
    code = nfc(code).upper()
    if not code:
        return None
    rows = list(db.query("select d.id, d.received_by, u.id as officer_id from dossiers d "
                         "left join users u on u.username = d.received_by where d.code = ?",
                         [code]))
    if not rows:
        raise Refused("unknown_dossier", f"Không tìm thấy hồ sơ mã “{code}”; xin kiểm tra lại "
                                         "mã trên giấy hẹn (hoặc để trống).")
    return rows[0]


def _contact(name, phone, email) -> dict:
    name, phone, email = nfc(name)[:120], re.sub(r"[\s.-]", "", nfc(phone)), nfc(email)
    if phone and not PHONE.match(phone):
        raise Refused("invalid_phone", "Số điện thoại không hợp lệ (ví dụ 0912345678).")
    if email and not EMAIL.match(email):
        raise Refused("invalid_email", "Địa chỉ thư điện tử không hợp lệ.")
    return {"contact_name": name, "contact_phone": phone, "contact_email": email[:254]}


def _check_limits(db, config: HubConfig, row: dict, now: dt.datetime) -> None:
    limits = config.feedback
    for column, label in (("ticket_id", "số thứ tự"), ("dossier_id", "hồ sơ")):
        if row.get(column) is not None:
            n = db.execute(f"select count(*) from feedback where {column} = ?",
                           [row[column]]).fetchone()[0]
            if n >= limits.per_ticket:
                raise Refused("too_many_for_ticket",
                              f"Đã nhận đủ {limits.per_ticket} góp ý cho {label} này. Nếu cần "
                              "bổ sung, xin liên hệ bộ phận thanh tra của Trung tâm.")
    key = row.get("client_key")
    if key:
        limit = limits.per_kiosk_per_hour if key.startswith("node:") \
            else limits.per_address_per_hour
        since = clock.iso(now - dt.timedelta(hours=1))
        n = db.execute("select count(*) from feedback where client_key = ? and "
                       "received_at >= ?", [key, since]).fetchone()[0]
        if n >= limit:
            raise Refused("too_many", "Đã nhận quá nhiều góp ý từ nơi gửi này trong một giờ. "
                                      "Xin thử lại sau.")


def submit(store: Store, config: HubConfig, *, source: str, kind: str = "complaint",
           topic: str = "other", text: str = "", ticket_token: str | None = None,
           ticket_display: str | None = None, ticket_id: int | None = None,
           dossier_code: str | None = None, counter_id: int | None = None,
           contact_name: str = "", contact_phone: str = "", contact_email: str = "",
           node_id: str | None = None, client_key: str | None = None,
           now: dt.datetime | None = None) -> dict:
    """Receive one piece of feedback; :class:`Refused` (nothing stored) when it is bad."""
    if source not in SOURCES:
        raise Refused("invalid_source", "Nguồn góp ý không hợp lệ.")
    if kind not in KINDS:
        raise Refused("invalid_kind", "Xin chọn phản ánh hoặc kiến nghị.")
    if topic not in TOPICS:
        raise Refused("invalid_topic", "Xin chọn nội dung góp ý trong danh sách.")
    text = nfc(text)
    if len(text) > 2000:
        raise Refused("text_too_long", "Nội dung dài quá 2000 ký tự; xin viết ngắn gọn hơn.")
    if topic == "other" and not text and source != "counter":
        raise Refused("text_required", "Xin ghi nội dung góp ý khi chọn “Khác”.")
    contact = _contact(contact_name, contact_phone, contact_email)
    moment = now or clock.now()
    with store.write() as db:
        ticket = _ticket(db, token=ticket_token, display=nfc(ticket_display), ticket_id=ticket_id,
                         day=moment.astimezone(VN).date().isoformat())
        dossier = _dossier(db, dossier_code or "")
        officer_id = (ticket or {}).get("officer_id") or (dossier or {}).get("officer_id")
        due = calendar_for(db, config).due_at(moment, config.feedback.answer_within_days,
                                              "working_days")
        row = {
            "code": _next_code(db, moment), "public_token": secrets.token_urlsafe(18),
            "kind": kind, "source": source, "topic": topic, "text": text,
            "ticket_id": (ticket or {}).get("id"), "dossier_id": (dossier or {}).get("id"),
            "counter_id": counter_id or (ticket or {}).get("counter_id"),
            "officer_id": officer_id, **contact, "node_id": node_id, "client_key": client_key,
            "status": "new", "received_at": clock.iso(moment), "due_at": clock.iso(due),
        }
        _check_limits(db, config, row, moment)
        row["id"] = db["feedback"].insert(row).last_pk
        _event(db, row["id"], moment, None, "submit", f"{SOURCES[source]}: {TOPICS[topic]}")
    return row


def _event(db, feedback_id: int, moment: dt.datetime, actor: str | None, action: str,
           note: str = "") -> None:
    db["feedback_events"].insert({"feedback_id": feedback_id, "at": clock.iso(moment),
                                  "actor": actor, "action": action, "note": note})


# --- The inspection team's work -------------------------------------------------------------


def get(db: sqlite_utils.Database, feedback_id: int) -> dict | None:
    rows = list(db.query(
        """
        select f.*, t.display as ticket_display, d.code as dossier_code, c.name as counter_name,
               u.full_name as officer_name, a.full_name as assignee_name
        from feedback f left join tickets t on t.id = f.ticket_id
        left join dossiers d on d.id = f.dossier_id left join counters c on c.id = f.counter_id
        left join users u on u.id = f.officer_id left join users a on a.username = f.assigned_to
        where f.id = ?
        """, [feedback_id]))
    return _decorate(rows[0]) if rows else None


def by_token(db: sqlite_utils.Database, token: str) -> dict | None:
    row = db.execute("select id from feedback where public_token = ?", [token]).fetchone()
    return get(db, row[0]) if row else None


def _decorate(row: dict, now: dt.datetime | None = None) -> dict:
    now_iso = clock.iso(now or clock.now())
    overdue = row["status"] != "answered" and row["due_at"] < now_iso
    return {**row, "kind_name": KINDS[row["kind"]], "source_name": SOURCES[row["source"]],
            "topic_name": TOPICS.get(row["topic"], row["topic"]),
            "status_name": STATUSES[row["status"]], "overdue": overdue}


def events(db: sqlite_utils.Database, feedback_id: int) -> list[dict]:
    return list(db.query("select * from feedback_events where feedback_id = ? order by id",
                         [feedback_id]))


def _open_row(db, feedback_id: int) -> dict:
    row = db.execute("select status, due_at from feedback where id = ?",
                     [feedback_id]).fetchone()
    if row is None:
        raise Refused("unknown_feedback", f"Không có góp ý mã số {feedback_id}.")
    return {"status": row[0], "due_at": row[1]}


def assign(store: Store, feedback_id: int, assignee: str, *, actor: str,
           now: dt.datetime | None = None) -> None:
    """Give the feedback to one member of the inspection team."""
    moment = now or clock.now()
    with store.write() as db:
        current = _open_row(db, feedback_id)
        if current["status"] == "answered":
            raise Refused("already_answered", "Góp ý này đã được trả lời.")
        user = db.execute("select full_name from users where username = ? and active = 1",
                          [assignee]).fetchone()
        if user is None:
            raise Refused("unknown_user", f"Không có người dùng “{assignee}”.")
        db.execute("update feedback set status = 'assigned', assigned_to = ?, assigned_at = ? "
                   "where id = ?", [assignee, clock.iso(moment), feedback_id])
        _event(db, feedback_id, moment, actor, "assign", user[0])
        audit.record(db, actor, "feedback.assign", f"feedback:{feedback_id}",
                     {"to": assignee})


def answer(store: Store, feedback_id: int, text: str, *, actor: str, publish: bool = False,
           now: dt.datetime | None = None) -> dict:
    """Answer (once); on time when answered by its working-day deadline."""
    moment = now or clock.now()
    text = nfc(text)
    if not text:
        raise Refused("answer_required", "Cần nhập nội dung trả lời.")
    if len(text) > 4000:
        raise Refused("answer_too_long", "Nội dung trả lời dài quá 4000 ký tự.")
    with store.write() as db:
        current = _open_row(db, feedback_id)
        if current["status"] == "answered":
            raise Refused("already_answered", "Góp ý này đã được trả lời.")
        on_time = int(clock.iso(moment) <= current["due_at"])
        db.execute("update feedback set status = 'answered', answer = ?, answered_by = ?, "
                   "answered_at = ?, on_time = ?, assigned_to = coalesce(assigned_to, ?) "
                   "where id = ?", [text, actor, clock.iso(moment), on_time, actor, feedback_id])
        _event(db, feedback_id, moment, actor, "answer", "đúng hạn" if on_time else "quá hạn")
        if publish:
            _publish(db, feedback_id, moment, actor)
        audit.record(db, actor, "feedback.answer", f"feedback:{feedback_id}",
                     {"on_time": bool(on_time), "published": publish})
    return get(store.db, feedback_id)


def _publish(db, feedback_id: int, moment: dt.datetime, actor: str) -> None:
    db.execute("update feedback set published = 1, published_at = ? where id = ?",
               [clock.iso(moment), feedback_id])
    _event(db, feedback_id, moment, actor, "publish")


def publish(store: Store, feedback_id: int, *, actor: str,
            now: dt.datetime | None = None) -> None:
    """Show the answer on the citizen's public page and the public list."""
    with store.write() as db:
        if _open_row(db, feedback_id)["status"] != "answered":
            raise Refused("not_answered", "Chỉ công khai được góp ý đã có câu trả lời.")
        _publish(db, feedback_id, now or clock.now(), actor)
        audit.record(db, actor, "feedback.publish", f"feedback:{feedback_id}")


def listing(db: sqlite_utils.Database, status: str | None = None, limit: int = 200,
            now: dt.datetime | None = None) -> list[dict]:
    sql = ("select f.*, u.full_name as officer_name, c.name as counter_name from feedback f "
           "left join users u on u.id = f.officer_id left join counters c on c.id = f.counter_id")
    args: list = []
    if status:
        sql += " where f.status = ?"
        args.append(status)
    rows = db.query(sql + " order by f.status = 'answered', f.due_at limit ?", [*args, limit])
    return [_decorate(r, now) for r in rows]


def overdue(db: sqlite_utils.Database, now: dt.datetime | None = None) -> list[dict]:
    """Unanswered feedback past its deadline, most overdue first."""
    rows = db.query("select f.*, c.name as counter_name, u.full_name as officer_name "
                    "from feedback f left join counters c on c.id = f.counter_id "
                    "left join users u on u.id = f.officer_id "
                    "where f.status != 'answered' and f.due_at < ? order by f.due_at",
                    [clock.iso(now or clock.now())])
    return [_decorate(r, now) for r in rows]


def published(db: sqlite_utils.Database, limit: int = 50) -> list[dict]:
    """Published answers for the public page (no contact details)."""
    rows = db.query("select id, code, kind, source, topic, text, status, received_at, due_at, "
                    "answer, answered_at, on_time, published_at from feedback "
                    "where published = 1 order by published_at desc limit ?", [limit])
    return [_decorate(r) for r in rows]


def on_time_share(db: sqlite_utils.Database, first_day: str, last_day: str,
                  now: dt.datetime | None = None) -> dict:
    """Of the feedback received in the period that is answered or past its deadline,
    the share answered by the deadline (the national service index counts it).

    Feedback still within its deadline and unanswered is not counted yet.
    """
    start = clock.iso(dt.datetime.combine(dt.date.fromisoformat(first_day), dt.time(0), VN))
    end = clock.iso(dt.datetime.combine(dt.date.fromisoformat(last_day), dt.time(0), VN)
                    + dt.timedelta(days=1))
    now_iso = clock.iso(now or clock.now())
    row = db.execute(
        """
        select count(*), sum(status = 'answered'), sum(on_time = 1),
               sum(status != 'answered' and due_at < ?), sum(status != 'answered' and due_at >= ?)
        from feedback where received_at >= ? and received_at < ?
        """, [now_iso, now_iso, start, end]).fetchone()
    received, answered, on_time, overdue_open, pending = (v or 0 for v in row)
    counted = answered + overdue_open
    return {"received": received, "answered": answered, "on_time": on_time,
            "late": answered - on_time, "overdue_open": overdue_open, "pending": pending,
            "share": round(on_time / counted, 3) if counted else None}


# --- The public form's guard --------------------------------------------------------------


def form_token(secret: bytes, context: str = "", now: float | None = None) -> str:
    """A token for a form shown now: when, and a signature over when and what for."""
    shown = int(time.time() if now is None else now)
    sig = hmac.new(secret, f"{shown}|{context}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{shown}.{sig}"


def check_form_token(secret: bytes, token: str, context: str, min_fill_seconds: float,
                     now: float | None = None) -> None:
    """Refuse a form not shown by us, sent back too soon, or left open for hours."""
    now = time.time() if now is None else now
    shown_text, _, sig = (token or "").partition(".")
    if not shown_text.isdigit():
        raise Refused("bad_form", "Biểu mẫu không hợp lệ. Xin tải lại trang và gửi lại.")
    expected = hmac.new(secret, f"{shown_text}|{context}".encode(),
                        hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(expected, sig):
        raise Refused("bad_form", "Biểu mẫu không hợp lệ. Xin tải lại trang và gửi lại.")
    age = now - int(shown_text)
    if age < min_fill_seconds:
        raise Refused("too_fast", "Biểu mẫu được gửi quá nhanh. Xin kiểm tra lại nội dung rồi "
                                  "gửi lại một lần nữa.")
    if age > FORM_TOKEN_MAX_AGE:
        raise Refused("form_expired", "Biểu mẫu đã mở quá lâu. Xin tải lại trang và gửi lại.")


def token_to_keep(token: str, refusal: Refused) -> str:
    """The form token to show again with a refused form: the one sent, when it was good
    (the refusal came from the form's content or its pace), so the second press counts
    from when the form was first shown. A fresh token there made a quick citizen, told
    "gửi quá nhanh", wait ``min_fill_seconds`` again from the refusal; "" means a new one."""
    return "" if refusal.code in ("bad_form", "form_expired") else token


def from_counter(store: Store, config: HubConfig, node_id: str, data: dict) -> dict:
    """The reason key pressed after a "Không hài lòng" rating: a complaint about that service."""
    with store.write() as db:
        counter = bindings.bound_counter(db, node_id, data["counter"])
        rating = db.execute("select level, counter_id from ratings where ticket_id = ?",
                            [data["ticket_id"]]).fetchone()
        if rating is None or rating[0] != "dissatisfied" or rating[1] != counter["id"]:
            raise Refused("not_dissatisfied", "Chỉ ghi lý do sau đánh giá “Không hài lòng” "
                                              "tại quầy này.")
        if db.execute("select 1 from feedback where ticket_id = ? and source = 'counter'",
                      [data["ticket_id"]]).fetchone():
            raise Refused("already_given", "Lý do không hài lòng của số này đã được ghi.")
        return submit(store, config, source="counter", kind="complaint",
                      topic=data["reason"], ticket_id=data["ticket_id"],
                      counter_id=counter["id"], node_id=node_id)
