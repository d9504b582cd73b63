"""Requests their sender gave up on: no "ghost ticket", whatever the network does.

The ghost ticket: a dispenser asks for a ticket (``request/ticket``), no answer
comes within its timeout, so it prints one from its leased block; the request
was not lost, only late (a TCP retransmission after a flaky switch, paho's
resend after a reconnect, the broker's queue while the hub restarted), and
the hub applies it afterwards: a waiting ticket nobody holds, called in turn
to an empty hall.

Deadlines cannot fix that soundly: the hub cannot tell how long a message
travelled without trusting the node's clock, and a resent or retransmitted
copy looks brand new to the broker. So the dispenser says it gave up, in a
message of its own kept in its outbox until answered (``request/
ticket_abandon``), and the hub applies it idempotently and in either order::

    with store.write() as db:
        result, out = abandon_ticket(db, topics, "dispenser-1", request_id)

- the request was applied: its ticket is cancelled if it is still waiting
  (``cancelled``), or left to end as called if a counter called it in
  between (``too_late``);
- the request has not arrived: a tombstone under its id goes into
  ``bus_messages``, so when it does arrive :func:`central.bus.idempotency.apply_once`
  finds it and the gateway refuses it (``abandoned``) without applying it.
"""

from __future__ import annotations

import json
import logging
import sqlite3

from motcua import clock
from motcua.bus import Topics

from .. import alarms
from ..queue import state, tickets
from ..queue.commands import Changes

log = logging.getLogger(__name__)

ABANDONED = {"code": "abandoned",
             "message": "Máy lấy số đã in vé ngoại tuyến thay cho yêu cầu này; không cấp vé."}


def abandon_ticket(db, topics: Topics, node_id: str, request_id: str) -> tuple[dict, list]:
    """Make sure ``node_id``'s ticket request ``request_id`` leaves no ticket waiting.

    Runs inside the caller's write transaction (the gateway's ``apply_once``
    of the abandon message). Returns the result and the retained state to
    publish after the commit.
    """
    row = db.execute("select response from bus_messages where node_id = ? and message_id = ?",
                     [node_id, request_id]).fetchone()
    if row is None:
        db["bus_messages"].insert({
            "node_id": node_id, "message_id": request_id,
            "topic": topics.node_request(node_id, "ticket"), "received_at": clock.iso(),
            "response": json.dumps({"refused": ABANDONED}, ensure_ascii=False)})
        return {"outcome": "blocked"}, []
    stored = json.loads(row[0]) if row[0] else {}
    if isinstance(stored, dict) and "refused" in stored:  # blocked already (said twice)
        return {"outcome": "blocked"}, []
    issued = (stored.get("result") or {}) if isinstance(stored, dict) else {}
    ticket = tickets.get(db, issued["ticket_id"]) if issued.get("ticket_id") else None
    if ticket is None:
        return {"outcome": "refused"}, []
    result = {"ticket_id": ticket["id"], "display": ticket["display"]}
    if ticket["status"] != "waiting":
        return {**result, "outcome": "too_late"}, []
    now = clock.iso()
    tickets.record_event(db, ticket, "abandon", "cancelled", now=now, node_id=node_id,
                         reason="Máy lấy số đã in vé ngoại tuyến thay cho vé này")
    db.execute("update tickets set status = 'cancelled', finished_at = ? where id = ?",
               [now, ticket["id"]])
    halls = {r[0] for r in db.execute(
        "select distinct c.hall from counters c join counter_services cs on "
        "cs.counter_id = c.id where cs.service_id = ?", [ticket["service_id"]])}
    changes = Changes(halls=halls)
    changes.ticket(ticket)
    return {**result, "outcome": "cancelled"}, state.publications(db, topics, changes)


# --- The store refusing writes (full disk, read-only file) ---------------------------

STORAGE_ALARM = "store.write"
STORAGE_CODE = "storage_unavailable"
STORAGE_REFUSAL = ("Máy chủ không lưu được dữ liệu (đĩa đầy hoặc cơ sở dữ liệu chỉ đọc); "
                   "yêu cầu chưa được thực hiện.")
_STORAGE_CAUSES = (
    ("full", "Ổ đĩa của máy chủ đã đầy"),
    ("readonly", "Cơ sở dữ liệu của máy chủ chỉ đọc được"),
    ("read-only", "Cơ sở dữ liệu của máy chủ chỉ đọc được"),
    ("disk i/o", "Ổ đĩa của máy chủ báo lỗi ghi"),
)


def storage_problem(exc: BaseException) -> str | None:
    """What a write failure means for a person, when the disk is the cause (else None).

    >>> storage_problem(sqlite3.OperationalError("database or disk is full"))
    'Ổ đĩa của máy chủ đã đầy'
    >>> storage_problem(ValueError("x")) is None
    True
    """
    if not isinstance(exc, (sqlite3.OperationalError, sqlite3.DatabaseError, OSError)):
        return None
    text = str(exc).lower()
    for needle, meaning in _STORAGE_CAUSES:
        if needle in text:
            return meaning
    return None


def storage_failed(exc: BaseException) -> bool:
    """Raise the supervisor's alarm when ``exc`` is the store refusing writes; say whether."""
    meaning = storage_problem(exc)
    if meaning is None:
        return False
    log.error("the store refuses writes: %s", exc)
    alarms.raise_alarm(
        STORAGE_ALARM, f"{meaning}: máy chủ từ chối mọi yêu cầu mới (lấy số, gọi số, đánh "
                       f"giá) cho đến khi khắc phục. Dữ liệu đã lưu vẫn an toàn.",
        severity="error", source="hub")
    return True


def storage_ok() -> None:
    """A write committed: the store takes writes again (clears the alarm if it was up)."""
    alarms.clear(STORAGE_ALARM)
