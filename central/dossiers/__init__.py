"""Dossiers (hồ sơ): reception, due dates and the life of a dossier.

Statuses are the national portal's codes 1–10 (see ``STATUSES``). Every change
goes through :func:`act` (reception itself: :mod:`central.dossiers.reception`),
inside one write transaction,
and appends a ``dossier_events`` row with who, when, from, to and a note; an
illegal transition raises :class:`~central.errors.Refused` and changes nothing::

    d = dossier_reception.receive(store, config, procedure_id=7, channel="in_person",
                applicant={"name": "Nguyễn Thị Lan", "id_number": "038190001234"},
                components=["Tờ khai đăng ký khai sinh"], actor="lan.nt")
    d["code"], d["due_at"]                     # '000.00.00.H56-251127-0001', UTC ISO
    act(store, config, d["id"], "transfer", actor="lan.nt", department_id=3)
    act(store, config, d["id"], "request_supplement", actor="hung.pv", note="Thiếu bản sao")
    act(store, config, d["id"], "resubmit", actor="lan.nt")
    act(store, config, d["id"], "result_ready", actor="hung.pv")   # classified
    act(store, config, d["id"], "return_result", actor="lan.nt")

The room: this face is a dossier's life; :mod:`.reception` (code, due date,
first event, the applicant's opt-in to notices), :mod:`.queries` (read-only
views), :mod:`.forms` (the appointment receipt), :mod:`.fees`.

May import: the store, ``central.config``, ``central.errors``, documents,
accounts, calendar, catalog. Not the SMS room: notices find the dossier's
events and opt-in themselves.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import sqlite_utils

from motcua import clock
from motcua.public_terms import confirmed
from motcua.text import nfc

from ..calendar.working_calendar import calendar_for
from ..calendar.working_time import VN
from ..catalog import procedures as procedures_module
from ..config import HubConfig
from ..documents.formats import number
from ..errors import Refused
from ..store import Store

STATUSES = {
    1: "Đã đăng ký trực tuyến, chưa tiếp nhận",
    2: "Đã tiếp nhận",
    3: "Từ chối tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung hồ sơ",
    6: "Chờ thực hiện nghĩa vụ tài chính",
    7: "Công dân rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã có kết quả",
    10: "Đã trả kết quả",
}
STAGES = {1: "pending", 2: "running", 4: "running", 6: "running", 5: "paused", 9: "ready",
          3: "closed", 7: "closed", 8: "closed", 10: "closed"}
OPEN_STATUSES = (2, 4, 5, 6)

# action → (statuses it may start from, status it leads to; None = unchanged
# or decided by the action), and its name for people.
ACTIONS: dict[str, tuple[frozenset[int], int | None, str]] = {
    "receive": (frozenset({1}), 2, "Tiếp nhận"),
    "transfer": (frozenset({2, 4}), 4, "Chuyển xử lý"),
    "accept_transfer": (frozenset({4}), None, "Nhận hồ sơ chuyển đến"),
    "request_supplement": (frozenset({2, 4}), 5, "Yêu cầu bổ sung"),
    "resubmit": (frozenset({5}), None, "Nhận hồ sơ bổ sung"),
    "await_fees": (frozenset({4}), 6, "Chờ nộp phí, thuế"),
    "fees_paid": (frozenset({6}), 4, "Đã nộp phí, thuế"),
    "apologise": (frozenset(OPEN_STATUSES), None, "Xin lỗi, hẹn lại ngày trả"),
    "refuse": (frozenset({1, 2}), 3, "Từ chối tiếp nhận"),
    "stop": (frozenset({2, 4, 5, 6}), 8, "Dừng xử lý"),
    "withdraw": (frozenset({1, 2, 4, 5, 6}), 7, "Công dân rút hồ sơ"),
    "result_ready": (frozenset({2, 4, 6}), 9, "Có kết quả"),
    "return_result": (frozenset({9}), 10, "Trả kết quả"),
}
# Actions whose reason the citizen must read on a form (02, 03, 04, 05).
NOTE_REQUIRED = {"request_supplement", "refuse", "apologise", "stop", "withdraw"}




def _now(now: dt.datetime | None) -> dt.datetime:
    return now or clock.now()


def record_event(db, dossier_id, moment, actor, action, from_status, to_status, department_id,
                 note, detail=None):
    """Append one event row (inside the caller's write transaction)."""
    _event(db, dossier_id, moment, actor, action, from_status, to_status, department_id, note,
           detail)


# -- the life of a dossier ---------------------------------------------------


def _event(db, dossier_id, moment, actor, action, from_status, to_status, department_id,
           note, detail=None):
    db["dossier_events"].insert({
        "dossier_id": dossier_id, "at": clock.iso(moment), "actor": actor, "action": action,
        "from_status": from_status, "to_status": to_status, "department_id": department_id,
        "note": note, "detail": json.dumps(detail or {}, ensure_ascii=False),
    })


def get(db: sqlite_utils.Database, dossier_id: int) -> dict | None:
    rows = list(db.query(
        "select d.*, dep.name as department_name, (select t.received_at is null "
        "from dossier_transfers t where t.dossier_id = d.id order by t.id desc limit 1) "
        "as awaiting_acceptance "
        "from dossiers d left join departments dep on dep.id = d.department_id "
        "where d.id = ?", [dossier_id]))
    return _decode(rows[0]) if rows else None


def by_code(db: sqlite_utils.Database, code: str) -> dict | None:
    code = nfc(code).upper()
    rows = list(db.query("select id from dossiers where code = ?", [code]))
    return get(db, rows[0]["id"]) if rows else None


def in_statuses(db: sqlite_utils.Database, statuses) -> list[dict]:
    """Every dossier whose status is one of ``statuses``, the least recently moved first."""
    marks = ",".join("?" * len(statuses))
    rows = db.query(f"select id from dossiers where status in ({marks}) order by updated_at",
                    list(statuses))
    return [get(db, r["id"]) for r in rows]


def _decode(row: dict) -> dict:
    row = dict(row)
    row["components"] = json.loads(row["components"] or "[]")
    row["status_name"] = STATUSES[row["status"]]
    return row


def allowed_actions(dossier: dict) -> list[str]:
    """The actions this dossier's status allows (apology only once)."""
    out = []
    for action, (sources, _, _) in ACTIONS.items():
        if dossier["status"] not in sources:
            continue
        if action == "apologise" and dossier.get("apology_due_at"):
            continue
        if action == "accept_transfer" and not dossier.get("awaiting_acceptance"):
            continue
        out.append(action)
    return out


UNIT_NAMES = {"working_days": "ngày làm việc", "working_hours": "giờ làm việc",
              "calendar_days": "ngày", "same_day": "trong ngày"}
LIMIT_UNCONFIRMED = (
    "Thời hạn giải quyết của thủ tục này chưa được xác nhận trong danh mục: cán bộ tiếp "
    "nhận cần đối chiếu với quyết định công bố thủ tục, ghi thời hạn giải quyết và đánh dấu "
    "“Tôi đã đối chiếu thời hạn giải quyết với quyết định công bố thủ tục” trước khi hẹn "
    "ngày trả kết quả. Hồ sơ chưa được tiếp nhận.")


def limit_text(value, unit: str | None) -> str:
    """'3 ngày làm việc', 'trong ngày' (the officer's and the event's wording)."""
    if unit == "same_day":
        return UNIT_NAMES["same_day"]
    number = f"{value:g}".replace(".", ",") if isinstance(value, float) else str(value)
    return f"{number} {UNIT_NAMES.get(unit or '', unit or '')}".strip()


def reception_limit(procedure: dict, terms: dict, confirmed_time_limit=None,
                    actor: str | None = None) -> tuple[float | int, str | None, str, dict]:
    """The time limit a dossier's due date runs on at reception.

    A limit the catalog confirms is used as it is (no extra step). An unconfirmed
    one (``motcua.public_terms``: for staff only, never printed) must be confirmed
    by the receiving officer against the publishing decision: ``confirmed_time_limit``
    is the value the officer entered (prefilled with the catalog's); without it the
    reception is refused and nothing is stored. Returns (limit, unit, the event's
    note, the event's detail), the note and detail naming what was confirmed.
    """
    limit, unit = terms.get("time_limit"), terms.get("unit")
    if confirmed(procedure["details"], "time_limit"):
        return limit, unit, "", {}
    if confirmed_time_limit is None or str(confirmed_time_limit).strip() == "":
        raise Refused("time_limit_unconfirmed", LIMIT_UNCONFIRMED)
    try:
        value = float(str(confirmed_time_limit).strip().replace(",", "."))
    except ValueError:
        value = float("nan")
    if unit == "same_day":
        value = 0.0
    elif not (0 < value <= 1000):  # also refuses nan and inf
        raise Refused("invalid_time_limit",
                      "Thời hạn giải quyết đã đối chiếu phải là một số lớn hơn 0 "
                      f"({UNIT_NAMES.get(unit or '', unit or '')}), ví dụ 3.")
    value = int(value) if value == int(value) else value
    note = (f"Thời hạn giải quyết {limit_text(value, unit)}: cán bộ tiếp nhận đã đối chiếu "
            "với quyết định công bố thủ tục (danh mục chưa xác nhận"
            + ("" if unit == "same_day" or value == limit
               else f"; danh mục ghi {limit_text(limit, unit)}") + ").")
    detail = {"time_limit_confirmed": {"time_limit": value, "unit": unit,
                                       "catalog_time_limit": limit, "by": actor}}
    return value, unit, note, detail


def due_shown(db: sqlite_utils.Database, d: dict) -> bool:
    """May a citizen be shown this dossier's due date (the look-up, the kiosk, a printed
    receipt)? Not when it was computed from a time limit nobody confirmed: the
    procedure's (the version received under) unconfirmed and no officer confirming it
    at reception, as for dossiers received before :func:`reception_limit`."""
    if not d.get("due_at"):
        return True
    procedure = procedures_module.get(db, d["procedure_id"])
    if procedure and confirmed(procedure["details"], "time_limit"):
        return True
    return db.execute(
        "select 1 from dossier_events where dossier_id = ? and action = 'receive' and "
        "json_extract(detail, '$.time_limit_confirmed') is not null limit 1",
        [d["id"]]).fetchone() is not None


def _parse_moment(value) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise Refused("invalid_date", "Ngày hẹn mới không hợp lệ.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=VN)


# The longest note or reason an action keeps (the citizen's forms print it).
NOTE_MAX = 1000


# What looks like an ID card number (CMND 9 digits, CCCD 12) or a phone number (10-11)
# in a text shown to the public: 9-12 digits in a row, or a number beginning 0 or +84
# split by single spaces or dots ("0912 345 678", "0912.345.678"); an amount
# "100.000.000" begins with no 0 and passes.
PERSONAL_NUMBER = re.compile(r"(?<![\d.,])(?:\d{9,12}|(?:\+84|0)(?:[ .]?\d){8,11})(?![\d])")


def public_reason_check(note: str) -> None:
    """A supplement request's reason is shown to anyone who has the dossier's code
    (/tra-cuu, the kiosk; docs/dossiers.md, "What the public look-up shows"): refuse one
    holding what looks like an ID card or phone number."""
    found = PERSONAL_NUMBER.search(note)
    if found:
        raise Refused("personal_data_in_reason", (
            "Lý do yêu cầu bổ sung hiện công khai cho bất kỳ ai có mã hồ sơ khi tra cứu: "
            f"không ghi số định danh, CCCD hay số điện thoại (thấy “{found.group(0).strip()}”). "
            "Ghi những thông tin đó vào ô “Ghi chú nội bộ”. Hồ sơ chưa thay đổi."))


def act(store: Store, config: HubConfig, dossier_id: int, action: str, *,
        actor: str | None = None, note: str = "", department_id: int | None = None,
        new_due_at=None, now: dt.datetime | None = None,
        confirmed_time_limit=None, internal_note: str = "") -> dict:
    """Apply one action to a dossier; refuse (and change nothing) when illegal.

    ``receive`` of a dossier whose procedure's time limit is unconfirmed needs
    ``confirmed_time_limit`` (see :func:`reception_limit`). ``internal_note`` is kept in
    the event's detail for staff only: the note of a ``request_supplement`` (form 02's
    reason) is shown publicly, the internal note never."""
    if action not in ACTIONS:
        raise Refused("unknown_action", "Thao tác không hợp lệ.")
    moment = _now(now)
    note, internal_note = nfc(note).strip(), nfc(internal_note).strip()
    for text in (note, internal_note):
        if len(text) > NOTE_MAX:  # refused, not cut: the officer is told what was kept
            raise Refused("note_too_long", f"Ghi chú, lý do dài quá {number(NOTE_MAX)} ký "
                                           f"tự (đã nhập {number(len(text))}): xin rút gọn.")
    sources, target, label = ACTIONS[action]
    if action in NOTE_REQUIRED and not note:
        raise Refused("note_required", f"{label}: cần ghi lý do.")
    if action == "request_supplement":
        public_reason_check(note)
    calendar = calendar_for(store.db, config)
    with store.write() as db:
        d = get(db, dossier_id)
        if d is None:
            raise Refused("unknown_dossier", "Không tìm thấy hồ sơ.")
        if d["status"] not in sources:
            raise Refused("illegal_transition",
                          f"Không thể “{label.lower()}” hồ sơ đang ở trạng thái "
                          f"“{d['status_name']}”.")
        at = clock.iso(moment)
        changes: dict = {"updated_at": at}
        detail: dict = {}
        to = target if target is not None else d["status"]
        dept = d["department_id"]
        if action == "receive":
            # Registered online (status 1): the clock starts now, on a limit the
            # catalog confirms or the receiving officer confirmed.
            procedure = procedures_module.get(db, d["procedure_id"]) or {"details": {}}
            limit, unit, confirmed_note, detail = reception_limit(
                procedure, {"time_limit": d["time_limit"], "unit": d["time_unit"]},
                confirmed_time_limit, actor)
            due = calendar.due_at(moment, float(limit or 0), unit)
            changes.update(received_at=at, received_by=actor, due_at=clock.iso(due),
                           time_limit=limit)
            detail = {"due_at": changes["due_at"], **detail}
            note = "; ".join(n for n in (confirmed_note, note) if n)[:1000]
        elif action == "transfer":
            dept = _transfer(db, d, department_id, actor, moment, note)
            changes["department_id"] = dept
            detail["to_department_id"] = dept
        elif action == "accept_transfer":
            pending = _pending_transfer(db, dossier_id)
            if pending is None:
                raise Refused("nothing_to_accept", "Không có lượt chuyển hồ sơ nào chờ nhận.")
            db["dossier_transfers"].update(pending, {"received_by": actor, "received_at": at})
            detail = {"transfer_id": pending}
        elif action == "request_supplement":
            count = d["supplement_count"] + 1
            changes.update(paused_at=at, supplement_count=count)
            detail = {"count": count, "flagged": count > 1}
        elif action in ("resubmit", "fees_paid") and d["paused_at"]:
            if action == "resubmit":
                to = _status_before_supplement(db, dossier_id)
            due = _moved_due(calendar, d, moment, store, restart=action == "resubmit")
            changes.update(paused_at=None, due_at=clock.iso(due))
            detail = {"due_at": changes["due_at"], "previous_due_at": d["due_at"]}
        elif action == "apologise":
            if d["apology_due_at"]:
                raise Refused("apology_once", "Hồ sơ này đã có thư xin lỗi và hẹn lại một lần.")
            new_due = _parse_moment(new_due_at)
            if new_due is None or new_due <= clock.from_iso(d["due_at"]):
                raise Refused("invalid_new_date", "Ngày hẹn mới phải sau ngày hẹn trả ban đầu.")
            changes["apology_due_at"] = clock.iso(new_due)
            detail = {"apology_due_at": changes["apology_due_at"]}
        elif action == "result_ready":
            detail = {}
            if d["paused_at"]:
                # Straight from "waiting for fees" with the clock stopped (the procedure's
                # fees_pause_clock): it resumes now, as "fees paid" would have resumed it,
                # and the result is judged on the time the clock ran.
                due = _moved_due(calendar, d, moment, store)
                changes.update(paused_at=None, due_at=clock.iso(due))
                detail = {"due_at": changes["due_at"], "previous_due_at": d["due_at"]}
            cls = calendar.classify(moment, clock.from_iso(changes.get("due_at", d["due_at"])))
            changes.update(result_at=at, classification=cls)
            detail = {**detail, "classification": cls}
        elif action == "return_result":
            changes.update(returned_at=at, closed_at=at)
        stage = STAGES[to]
        if action == "await_fees" and _procedure_flag(store, d, "fees_pause_clock"):
            # This procedure stops the clock while the citizen pays.
            stage = "held"
            changes["paused_at"] = at
            detail = {"clock": "paused"}
        if stage == "closed" and "closed_at" not in changes:
            changes["closed_at"] = at
        changes.update(status=to, stage=stage)
        if internal_note:
            detail = {**detail, "internal_note": internal_note}
        db["dossiers"].update(dossier_id, changes)
        _event(db, dossier_id, moment, actor, action, d["status"], to, dept, note, detail)
    return get(store.db, dossier_id)


def _transfer(db, d: dict, department_id, actor, moment, note) -> int:
    try:
        dept = int(department_id)
    except (TypeError, ValueError):
        raise Refused("department_required", "Cần chọn cơ quan nhận hồ sơ.") from None
    if not -2**63 <= dept < 2**63 or not db.execute(  # longer than SQLite's INTEGER: none
            "select 1 from departments where id = ?", [dept]).fetchone():
        raise Refused("unknown_department", "Không tìm thấy cơ quan nhận hồ sơ.")
    if d["status"] == 4 and dept == d["department_id"]:
        raise Refused("same_department", "Hồ sơ đang ở chính cơ quan này.")
    at = clock.iso(moment)
    db["dossier_transfers"].insert({
        "dossier_id": d["id"], "from_department_id": d["department_id"] if d["status"] == 4
        else None, "to_department_id": dept, "handed_by": actor, "handed_at": at,
        "due_at": d["due_at"], "on_time": int(at <= d["due_at"]), "note": note,
    })
    return dept


def _pending_transfer(db, dossier_id: int) -> int | None:
    # Only the latest hand-over waits to be accepted: a dossier passed on again
    # was evidently held by the department that passed it.
    row = db.execute(
        "select id, received_at from dossier_transfers where dossier_id = ? "
        "order by id desc limit 1", [dossier_id]).fetchone()
    return row[0] if row and row[1] is None else None


def _status_before_supplement(db, dossier_id: int) -> int:
    row = db.execute(
        "select from_status from dossier_events where dossier_id = ? and "
        "action = 'request_supplement' order by id desc limit 1", [dossier_id]).fetchone()
    return row[0] if row else 4


def _procedure_flag(store: Store, d: dict, name: str) -> bool:
    procedure = procedures_module.get(store.db, d["procedure_id"])
    return bool(procedure and procedure["details"].get(name))


def _moved_due(calendar, d: dict, moment: dt.datetime, store: Store,
               restart: bool = False) -> dt.datetime:
    """The clock resumes with what was left when it paused; a resubmitted
    supplement restarts it instead when the procedure says so
    (``details.supplement_restarts``)."""
    if restart and _procedure_flag(store, d, "supplement_restarts"):
        return calendar.due_at(moment, float(d["time_limit"] or 0), d["time_unit"])
    paused_at = clock.from_iso(d["paused_at"])
    due = clock.from_iso(d["due_at"])
    left = calendar.working_time_between(paused_at, due)
    if left <= dt.timedelta(0):
        return due  # already overdue when paused: the delay stands
    return calendar.add_working_time(moment, left)


def events(db: sqlite_utils.Database, dossier_id: int) -> list[dict]:
    rows = db.query(
        "select e.*, dep.name as department_name from dossier_events e "
        "left join departments dep on dep.id = e.department_id "
        "where e.dossier_id = ? order by e.id", [dossier_id])
    return [{**r, "detail": json.loads(r["detail"]),
             "label": ACTIONS[r["action"]][2] if r["action"] in ACTIONS
             else "Đăng ký trực tuyến"}
            for r in rows]


def transfers(db: sqlite_utils.Database, dossier_id: int) -> list[dict]:
    return list(db.query(
        "select t.*, f.name as from_department, d.name as to_department "
        "from dossier_transfers t left join departments f on f.id = t.from_department_id "
        "join departments d on d.id = t.to_department_id where t.dossier_id = ? order by t.id",
        [dossier_id]))


def is_late(dossier: dict, now: dt.datetime | None = None) -> bool:
    """Late: classified late, or still open past its (original) due time."""
    if dossier.get("classification"):
        return dossier["classification"] == "late"
    if dossier["stage"] == "running" and dossier.get("due_at"):
        return clock.iso(_now(now)) > dossier["due_at"]
    if dossier["stage"] in ("paused", "held") and dossier.get("paused_at"):
        # The clock stopped when the supplement was asked for.
        return dossier["paused_at"] > dossier["due_at"]
    return False
