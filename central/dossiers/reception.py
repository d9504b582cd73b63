"""Reception: a dossier's code, its due date and its first event.

::

    d = receive(store, config, procedure_id=7, channel="in_person",
                applicant={"name": "Nguyễn Thị Lan", "id_number": "038190001234"},
                components=["Tờ khai đăng ký khai sinh"], actor="lan.nt")
    d["code"], d["due_at"]               # '000.00.00.H56-251127-0001', UTC ISO
    # Not acceptable at the counter (form 03): recorded, refused, no due date.
    receive(..., refuse_reason="Hồ sơ không thuộc thẩm quyền giải quyết")
    # Registered online (status 1): received later with act(..., "receive").
    register_online(store, config, procedure_id=7, applicant={...}, components=[...])
"""

from __future__ import annotations

import datetime as dt
import json
import re

import sqlite_utils

from motcua import clock

from ..calendar.working_calendar import calendar_for
from ..calendar.working_time import VN
from ..catalog import procedures as procedures_module
from ..config import HubConfig
from ..errors import Refused
from ..store import Store
from . import _now, get, nfc, reception_limit, record_event

ID_NUMBER = re.compile(r"^(\d{9}|\d{12})$")
PHONE = re.compile(r"^(0\d{9,10}|\+84\d{9,10})$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# -- reception --------------------------------------------------------------


def next_code(db: sqlite_utils.Database, config: HubConfig, received: dt.datetime) -> str:
    """The next dossier code of the reception day; call inside the write transaction."""
    agency = config.dossiers.agency_code
    local = received.astimezone(VN)
    day = local.date().isoformat()
    db.execute(
        "insert into dossier_sequences(agency, day, last) values (?, ?, 1) "
        "on conflict(agency, day) do update set last = last + 1",
        [agency, day],
    )
    seq = db.execute("select last from dossier_sequences where agency = ? and day = ?",
                     [agency, day]).fetchone()[0]
    return config.dossiers.code_pattern.format(
        agency=agency, yymmdd=local.strftime("%y%m%d"), yyyymmdd=local.strftime("%Y%m%d"),
        seq=seq,
    )


def _applicant(applicant: dict) -> dict:
    name = nfc(applicant.get("name"))
    id_number = re.sub(r"\s", "", nfc(applicant.get("id_number")))
    phone = re.sub(r"[\s.-]", "", nfc(applicant.get("phone")))
    if not name:
        raise Refused("applicant_required", "Cần nhập họ và tên người nộp hồ sơ.")
    if len(name) > 200:
        raise Refused("applicant_too_long", "Họ và tên quá dài.")
    if id_number and not ID_NUMBER.match(id_number):
        raise Refused("invalid_id_number",
                      "Số định danh cá nhân/CCCD gồm 12 chữ số (CMND cũ: 9 chữ số).")
    if phone and not PHONE.match(phone):
        raise Refused("invalid_phone", "Số điện thoại không hợp lệ (ví dụ 0912345678).")
    return {"applicant_name": name, "applicant_id_number": id_number,
            "applicant_phone": phone, "applicant_address": nfc(applicant.get("address"))[:300]}


def _components(procedure: dict, ticked: list[str], extra: list[dict]) -> list[dict]:
    checklist = [nfc(c.get("name")) for c in procedure["details"].get("components", [])]
    chosen = []
    for name in ticked:
        name = nfc(name)
        if name not in checklist:
            raise Refused("unknown_component",
                          f"“{name}” không có trong thành phần hồ sơ của thủ tục này.")
        chosen.append({"name": name, "in_checklist": True})
    for item in extra:
        name, reason = nfc(item.get("name")), nfc(item.get("reason"))
        if not name:
            continue
        if not reason:
            raise Refused("reason_required",
                          f"Giấy tờ “{name}” không có trong danh mục thủ tục: cần ghi lý do.")
        chosen.append({"name": name, "in_checklist": False, "reason": reason})
    return chosen


def receive(store: Store, config: HubConfig, *, procedure_id: int, channel: str,
            applicant: dict, components: list[str] | None = None,
            extra_components: list[dict] | None = None, actor: str | None = None,
            refuse_reason: str = "", now: dt.datetime | None = None,
            notify: dict | None = None, confirmed_time_limit=None) -> dict:
    """Receive a dossier: its code, its due date, status 2 and the first event.

    With ``refuse_reason`` the dossier is recorded as refused at reception
    (status 3, form 03) instead: a code, no due date. ``notify`` is the
    applicant's opt-in to notices, ``{"sms": True, "email": "lan@example.vn"}``
    (SMS to the applicant's phone; see :mod:`central.sms.notices`).

    When the catalog's time limit for the procedure is unconfirmed, the due date
    is the receiving officer's appointment: ``confirmed_time_limit`` is the limit
    the officer checked against the publishing decision; without it the reception
    is refused (``time_limit_unconfirmed``) and nothing is stored. The receive
    event names the officer and the limit confirmed.
    """
    return _create(store, config, procedure_id=procedure_id, channel=channel,
                   applicant=applicant, components=components,
                   extra_components=extra_components, actor=actor,
                   status=3 if nfc(refuse_reason) else 2, note=nfc(refuse_reason)[:1000],
                   now=now, notify=notify, confirmed_time_limit=confirmed_time_limit)


def register_online(store: Store, config: HubConfig, *, procedure_id: int, applicant: dict,
                    components: list[str] | None = None, actor: str | None = None,
                    now: dt.datetime | None = None) -> dict:
    """A dossier submitted online, not yet received (status 1; the clock has not started)."""
    return _create(store, config, procedure_id=procedure_id, channel="online",
                   applicant=applicant, components=components, extra_components=[],
                   actor=actor, status=1, note="", now=now)


def _create(store: Store, config: HubConfig, *, procedure_id, channel, applicant, components,
            extra_components, actor, status: int, note: str, now,
            notify: dict | None = None, confirmed_time_limit=None) -> dict:
    moment = _now(now)
    try:
        procedure = procedures_module.get(store.db, int(procedure_id))
    except (TypeError, ValueError, OverflowError):  # OverflowError: too long for SQLite
        procedure = None
    if procedure is None:
        raise Refused("unknown_procedure", "Không tìm thấy thủ tục hành chính đã chọn.")
    if procedures_module.withdrawn(procedures_module.current(store.db, procedure["code"])):
        raise Refused("withdrawn_procedure", "Thủ tục này đã bãi bỏ hoặc được thay thế, không "
                                             "tiếp nhận hồ sơ mới; chọn thủ tục đang áp dụng.")
    terms = procedures_module.channel(procedure, channel)
    if terms is None:
        raise Refused("unknown_channel", "Thủ tục này không nhận hồ sơ qua kênh đã chọn.")
    person = _applicant(applicant)
    sms_opt_in, email = _notify(notify or {}, person)
    items = _components(procedure, components or [], extra_components or [])
    if not items and status != 3:
        raise Refused("components_required", "Cần đánh dấu các thành phần hồ sơ đã nhận.")
    due = None
    limit, unit, confirmed_detail = terms.get("time_limit"), terms.get("unit"), {}
    if status == 2:
        limit, unit, confirmed_note, confirmed_detail = reception_limit(
            procedure, terms, confirmed_time_limit, actor)
        note = confirmed_note
        calendar = calendar_for(store.db, config)
        due = calendar.due_at(moment, float(limit or 0), unit)
    at = clock.iso(moment)
    stage = {1: "pending", 2: "running", 3: "closed"}[status]
    with store.write() as db:
        code = next_code(db, config, moment)
        row = {
            "code": code, "procedure_id": procedure["id"], "procedure_code": procedure["code"],
            "procedure_name": procedure["name"], "department_id": procedure["department_id"],
            "channel": channel, "status": status, "stage": stage, **person,
            "components": json.dumps(items, ensure_ascii=False),
            "time_limit": limit, "time_unit": unit,
            "received_at": at if status != 1 else None,
            "received_by": actor if status != 1 else None,
            "due_at": clock.iso(due) if due else None,
            "closed_at": at if status == 3 else None,
            "updated_at": at,
        }
        dossier_id = db["dossiers"].insert(row).last_pk
        action = {1: "register_online", 2: "receive", 3: "refuse"}[status]
        record_event(db, dossier_id, moment, actor, action, None, status,
                     procedure["department_id"], note,
                     {"due_at": row["due_at"], **confirmed_detail} if due else {})
        if status != 3 and (sms_opt_in or email):
            # The applicant's opt-in is part of the dossier's record, written with it;
            # the SMS worker finds it beside the dossier's events (central/sms/notices.py).
            db.execute("insert into dossier_contacts (dossier_id, sms, email, created_at) "
                       "values (?, ?, ?, ?) on conflict(dossier_id) do update set "
                       "sms = excluded.sms, email = excluded.email",
                       [dossier_id, int(sms_opt_in), email, clock.iso(moment)])
    return get(store.db, dossier_id)


def _notify(notify: dict, person: dict) -> tuple[bool, str]:
    """The opt-in to notices, checked: SMS needs the phone, e-mail a valid address."""
    sms_opt_in = bool(notify.get("sms"))
    email = nfc(notify.get("email")).lower()
    if sms_opt_in and not person["applicant_phone"]:
        raise Refused("phone_required", "Muốn nhận tin nhắn SMS cần nhập số điện thoại.")
    if email and (len(email) > 254 or not EMAIL.match(email)):
        raise Refused("invalid_email", "Địa chỉ thư điện tử không hợp lệ (ví dụ lan@gmail.com).")
    return sms_opt_in, email
