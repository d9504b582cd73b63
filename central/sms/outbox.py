"""The delivery log: every SMS and e-mail in and out, and its state.

An outgoing message is a row before anything is sent. Sending is
at-most-once: the row is marked ``sending`` (committed) just before the modem
or the SMTP server is asked, and ``sent`` after; a hub that dies in between
finds it ``sending`` at start (:func:`recover`) and marks it ``uncertain``
for staff to look at, instead of sending it a second time. A notification's
``dedupe`` key is unique, so queueing it again (after a restart, a second
scan) does nothing::

    with store.write() as db:
        queue(db, channel="sms", peer="0912345678", kind="result_ready",
              body="HS …: đã có kết quả", dedupe="result_ready:12:sms")
    for row in due(store.db, "sms"):
        claim(store, row["id"])
        ... send ...
        mark_sent(store, row["id"], encoding="ucs2", parts=1)   # or failed_attempt(...)
"""

from __future__ import annotations

import datetime as dt

from motcua import clock

from ..store import Store

LONGEST_WAIT = dt.timedelta(hours=1)
STATE_NAMES = {
    "received": "Đã nhận",
    "answered": "Đã trả lời",
    "ignored": "Bỏ qua",
    "throttled": "Chặn do gửi dồn dập",
    "queued": "Chờ gửi",
    "sending": "Đang gửi",
    "sent": "Đã gửi",
    "failed": "Gửi lỗi",
    "uncertain": "Không rõ đã gửi chưa",
}
KIND_NAMES = {
    "lookup": "Tra cứu",
    "lookup_reply": "Trả lời tra cứu",
    "result_ready": "Đã có kết quả",
    "late": "Trễ hạn, hẹn lại",
    "supplement": "Yêu cầu bổ sung",
    "turn_near": "Sắp đến lượt",
    "appointment_booked": "Đặt lịch hẹn",
    "appointment_moved": "Đổi giờ lịch hẹn",
    "appointment_cancelled": "Hủy lịch hẹn",
    "appointment_affected": "Lịch hẹn mất chỗ",
    "appointment_reminder": "Nhắc lịch hẹn",
    "other": "Tin khác",
}


def _now(now: dt.datetime | None) -> str:
    return clock.iso(now or clock.now())


def record_in(db, *, channel: str, peer: str, body: str, kind: str, state: str = "received",
              dedupe: str | None = None, now: dt.datetime | None = None) -> int | None:
    """An incoming message (inside the caller's write transaction); ``None`` when
    its ``dedupe`` key is already logged (the modem handed the same SMS again)."""
    at = _now(now)
    cur = db.execute(
        "insert into messages (channel, direction, peer, kind, body, state, dedupe, created_at, "
        "updated_at) values (?, 'in', ?, ?, ?, ?, ?, ?, ?) on conflict(dedupe) do nothing",
        [channel, peer, kind, body, state, dedupe, at, at])
    return cur.lastrowid if cur.rowcount else None


def set_state(db, message_id: int, state: str, now: dt.datetime | None = None) -> None:
    db.execute("update messages set state = ?, updated_at = ? where id = ?",
               [state, _now(now), message_id])


def queue(db, *, channel: str, peer: str, kind: str, body: str, subject: str = "",
          dedupe: str | None = None, dossier_id: int | None = None,
          ticket_id: int | None = None, reply_to: int | None = None,
          now: dt.datetime | None = None) -> int | None:
    """Queue an outgoing message; ``None`` when its ``dedupe`` key was queued before."""
    at = _now(now)
    cur = db.execute(
        "insert into messages (channel, direction, peer, kind, subject, body, state, dedupe, "
        "dossier_id, ticket_id, reply_to, next_attempt_at, created_at, updated_at) "
        "values (?, 'out', ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?) "
        "on conflict(dedupe) do nothing",
        [channel, peer, kind, subject, body, dedupe, dossier_id, ticket_id, reply_to, at, at, at])
    return cur.lastrowid if cur.rowcount else None


def due(db, channel: str, now: dt.datetime | None = None, limit: int = 20) -> list[dict]:
    """Outgoing messages of a channel whose turn has come, oldest first."""
    return list(db.query(
        "select * from messages where direction = 'out' and state = 'queued' and channel = ? "
        "and next_attempt_at <= ? order by next_attempt_at, id limit ?",
        [channel, _now(now), limit]))


def claim(store: Store, message_id: int, now: dt.datetime | None = None) -> bool:
    """Mark a queued message ``sending`` (committed before the send); False if gone."""
    with store.write() as db:
        cur = db.execute(
            "update messages set state = 'sending', attempts = attempts + 1, updated_at = ? "
            "where id = ? and state = 'queued'", [_now(now), message_id])
        return cur.rowcount == 1


def mark_sent(store: Store, message_id: int, *, encoding: str = "", parts: int = 1,
              now: dt.datetime | None = None) -> None:
    at = _now(now)
    with store.write() as db:
        db.execute("update messages set state = 'sent', sent_at = ?, updated_at = ?, "
                   "encoding = ?, parts = ?, last_error = '' where id = ?",
                   [at, at, encoding, parts, message_id])


def backoff(attempts: int, first_seconds: float) -> dt.timedelta:
    """The wait after the ``attempts``-th failure: doubled each time, at most an hour."""
    wait = dt.timedelta(seconds=first_seconds) * (2 ** min(max(attempts - 1, 0), 16))
    return min(wait, LONGEST_WAIT)


def failed_attempt(store: Store, message_id: int, error: str, *, max_attempts: int,
                   retry_seconds: float, now: dt.datetime | None = None) -> str:
    """One attempt failed: back to the queue with a longer wait, or ``failed`` for good.

    Returns the new state.
    """
    moment = now or clock.now()
    with store.write() as db:
        row = db.execute("select attempts from messages where id = ?", [message_id]).fetchone()
        attempts = row[0] if row else max_attempts
        if attempts >= max_attempts:
            state, next_at = "failed", None
        else:
            state = "queued"
            next_at = clock.iso(moment + backoff(attempts, retry_seconds))
        db.execute("update messages set state = ?, next_attempt_at = ?, last_error = ?, "
                   "updated_at = ? where id = ?",
                   [state, next_at, error[:500], clock.iso(moment), message_id])
    return state


def recover(store: Store, now: dt.datetime | None = None) -> int:
    """At start: messages left ``sending`` by a hub that stopped mid-send become
    ``uncertain`` (they may have gone out; never sent twice). Returns how many."""
    with store.write() as db:
        cur = db.execute(
            "update messages set state = 'uncertain', updated_at = ?, last_error = "
            "'Máy chủ dừng giữa lúc gửi: có thể đã gửi, không gửi lại tự động' "
            "where state = 'sending'", [_now(now)])
        return cur.rowcount


def retry(store: Store, message_id: int, now: dt.datetime | None = None) -> bool:
    """Staff send a failed or uncertain message again (a fresh series of attempts)."""
    at = _now(now)
    with store.write() as db:
        cur = db.execute(
            "update messages set state = 'queued', attempts = 0, next_attempt_at = ?, "
            "updated_at = ? where id = ? and direction = 'out' "
            "and state in ('failed', 'uncertain')", [at, at, message_id])
        return cur.rowcount == 1


def inbound_since(db, peer: str, since: dt.datetime) -> int:
    """Messages received from ``peer`` since ``since`` (for the flood limit)."""
    return db.execute(
        "select count(*) from messages where peer = ? and direction = 'in' and created_at >= ?",
        [peer, clock.iso(since)]).fetchone()[0]


def throttle_notice_since(db, peer: str, since: dt.datetime) -> bool:
    return db.execute(
        "select 1 from messages where peer = ? and direction = 'out' and kind = 'lookup_reply' "
        "and subject = 'throttled' and created_at >= ? limit 1",
        [peer, clock.iso(since)]).fetchone() is not None


def listing(db, *, state: str = "", channel: str = "", direction: str = "",
            limit: int = 200) -> list[dict]:
    """The newest messages, optionally of one state, channel or direction (staff page)."""
    where, args = [], []
    for column, value in (("state", state), ("channel", channel), ("direction", direction)):
        if value:
            where.append(f"m.{column} = ?")
            args.append(value)
    sql = ("select m.*, d.code as dossier_code, t.display as ticket_display from messages m "
           "left join dossiers d on d.id = m.dossier_id left join tickets t on t.id = m.ticket_id")
    if where:
        sql += " where " + " and ".join(where)
    sql += " order by m.id desc limit ?"
    return list(db.query(sql, [*args, limit]))


def for_dossier(db, dossier_id: int) -> list[dict]:
    """Messages about one dossier (look-ups, notices), oldest first (the dossier's page)."""
    return list(db.query("select * from messages where dossier_id = ? order by id",
                         [dossier_id]))


def failures(db, limit: int = 50) -> list[dict]:
    """Outgoing messages given up or of unknown fate, newest first (the dashboard)."""
    return listing(db, state="failed", limit=limit) + listing(db, state="uncertain",
                                                              limit=limit)


def counts(db) -> dict[str, int]:
    return dict(db.execute("select state, count(*) from messages group by state").fetchall())


def get_state(db, key: str, default: str = "") -> str:
    row = db.execute("select value from sms_state where key = ?", [key]).fetchone()
    return row[0] if row else default


def put_state(db, key: str, value: str) -> None:
    db.execute("insert into sms_state (key, value) values (?, ?) "
               "on conflict(key) do update set value = excluded.value", [key, str(value)])
