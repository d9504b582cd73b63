"""Read-only views of dossiers: public lookup, departments' work lists, choosers.

::

    lookup(store.db, "000.00.00.H56-251127-0001")   # what the public may see
    work_list(store.db, config, department_id=3)     # overdue, today, tomorrow, …
    search_procedures(store.db, "khai sinh")         # the reception's chooser
"""

from __future__ import annotations

import datetime as dt
import re

import sqlite_utils

from motcua import clock
from motcua.text import sort_key, strip_marks

from .. import dossiers
from ..calendar.working_calendar import calendar_for
from ..calendar.working_time import VN
from ..catalog.procedures import LISTED
from ..config import HubConfig

LIST_LIMIT = 200
# What the bus's dossier_lookup answers (motcua/bus/messages.py REQUEST_RESULTS).
BUS_FIELDS = ("found", "code", "status", "status_name", "received_at", "due_at", "department",
              "late", "progress", "applicant", "supplement")
RESOLVED = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}


def progress(d: dict, now: dt.datetime | None = None) -> str:
    """What a citizen reads under "Tiến độ": a resolved dossier's class (trước hạn, đúng
    hạn, quá hạn); an open one's "Quá hạn" or "Trong hạn"; nothing ("") for one not yet
    received, refused, withdrawn or stopped, where no time limit ran to its end. (It said
    "Trong hạn" for all of those, and for a result returned early.)"""
    if d.get("classification"):
        return RESOLVED.get(d["classification"], "")
    if d["status"] in dossiers.OPEN_STATUSES:
        return "Quá hạn" if dossiers.is_late(d, now) else "Trong hạn"
    return ""


def mask_name(name: str) -> str:
    """``Nguyễn Thị Lan`` → ``Nguyễn T** L**``: the family name, then initials."""
    words = dossiers.nfc(name).split()
    if not words:
        return ""
    return " ".join([words[0]] + [w[0] + "*" * (len(w) - 1) for w in words[1:]])


def lookup(db: sqlite_utils.Database, code: str, now: dt.datetime | None = None) -> dict:
    """A dossier's public status (the bus's ``dossier_lookup`` result, and the web page).

    No ID number, phone or address; the applicant's name masked.
    """
    d = dossiers.by_code(db, code or "")
    if d is None:
        return {"found": False}
    shown = dossiers.due_shown(db, d)
    # A due date computed from a time limit nobody confirmed (received before the
    # officer had to confirm it) is for staff only: no date, no "Trong hạn / Quá hạn"
    # measured against it; the citizen asks the officer.
    return {
        "found": True,
        "code": d["code"],
        "status": d["status"],
        "status_name": d["status_name"],
        "procedure": d["procedure_name"],
        "received_at": d["received_at"],
        "due_at": d["due_at"] if shown else None,
        "apology_due_at": d["apology_due_at"],
        "department": d["department_name"] or "",
        "late": dossiers.is_late(d, now) if shown else False,
        "progress": progress(d, now) if shown else "",
        "applicant": mask_name(d["applicant_name"]),
        "supplement": supplement_asked(db, d),
    }


def supplement_asked(db: sqlite_utils.Database, d: dict) -> str:
    """What the citizen must bring: the reason of the latest request for supplement (form
    02), while the dossier waits for it (status 5); "" otherwise."""
    if d["status"] != 5:
        return ""
    row = db.execute("select note from dossier_events where dossier_id = ? and action = "
                     "'request_supplement' order by id desc limit 1", [d["id"]]).fetchone()
    return (row[0] or "") if row else ""


def lookup_by_identity(db: sqlite_utils.Database, id_number: str,
                       now: dt.datetime | None = None, limit: int = 5) -> dict:
    """The public status of an ID card holder's latest dossiers (the kiosk's one scan).

    Only what ``lookup`` gives for a code, newest first; an empty or malformed number
    finds nothing (never every dossier without a number).
    """
    if not re.fullmatch(r"\d{12}", id_number or ""):
        return {"found": False, "dossiers": []}
    codes = [r[0] for r in db.execute(
        "select code from dossiers where applicant_id_number = ? order by received_at desc, "
        "id desc limit ?", [id_number, limit])]
    found = [{k: v for k, v in lookup(db, code, now).items() if k in BUS_FIELDS}
             for code in codes]
    return {"found": bool(found), "dossiers": found}


def fold(text: str) -> str:
    """Lower case without tone marks, đ → d: how people type on a keyboard."""
    return strip_marks(dossiers.nfc(text)).lower()


def search_procedures(db: sqlite_utils.Database, text: str, limit: int = 20) -> list[dict]:
    """Current procedures whose code or name matches every word typed (accents optional).

    A stand-in for the catalogue's shared search: the reception calls only this. Names
    that begin with what was typed come first ("cap": the "Cấp …" procedures before
    "Bổ nhiệm và cấp thẻ …"), then names holding it as whole words, then the rest; each
    group in the Vietnamese alphabet's order (:func:`motcua.text.sort_key`).
    """
    query = fold(text)
    words = query.split()
    rows = db.query(
        "select p.id, p.code, p.name, p.field, p.department_id, dep.name as department_name "
        "from procedures p left join departments dep on dep.id = p.department_id "
        f"where {LISTED}")
    found = []
    for r in rows:
        hay = fold(f"{r['code']} {r['name']} {r['field']}")
        if all(w in hay for w in words):
            name = fold(r["name"])
            group = (0 if name.startswith(query) or r["code"].startswith(query)
                     else 1 if all(re.search(rf"\b{re.escape(w)}\b", name) for w in words)
                     else 2)
            found.append((group, sort_key(r["name"]), r["code"], r))
    found.sort(key=lambda f: f[:3])
    return [r for *_, r in found[:limit]]


def departments(db: sqlite_utils.Database) -> list[dict]:
    return list(db.query("select * from departments order by sort_order, name"))


def _rows(db, where: str, params: list) -> tuple[int, list[dict]]:
    count = db.execute(f"select count(*) from dossiers where {where}", params).fetchone()[0]
    rows = list(db.query(
        "select id, code, status, procedure_name, applicant_name, due_at, apology_due_at, "
        f"paused_at, supplement_count, department_id from dossiers where {where} "
        f"order by due_at limit {LIST_LIMIT}", params))
    for r in rows:
        r["status_name"] = dossiers.STATUSES[r["status"]]
    return count, rows


def work_list(db: sqlite_utils.Database, config: HubConfig, department_id: int | None,
              now: dt.datetime | None = None) -> dict:
    """One department's (or, with None, the centre's) open dossiers by urgency.

    ``overdue`` (due before now), ``today`` (due later today), ``tomorrow`` (due
    on the next working day), ``supplement`` (waiting for the citizen), and
    ``warning``: the number due within one working day (config
    ``dossiers.warn_within_hours``), which the page shows as a warning.
    """
    moment = (now or clock.now()).astimezone(VN)
    cal = calendar_for(db, config)
    end_today = dt.datetime.combine(moment.date() + dt.timedelta(days=1), dt.time(0), VN)
    next_day = cal.next_working_day(moment.date())
    end_next = dt.datetime.combine(next_day + dt.timedelta(days=1), dt.time(0), VN)
    start_next = dt.datetime.combine(next_day, dt.time(0), VN)
    warn_until = cal.add_working_time(moment, dt.timedelta(hours=config.dossiers.warn_within_hours))
    scope, base = ("department_id = ? and ", [department_id]) if department_id else ("", [])
    now_iso = clock.iso(moment)
    lists = {}
    lists["overdue"] = _rows(db, scope + "stage = 'running' and due_at < ?", [*base, now_iso])
    lists["today"] = _rows(db, scope + "stage = 'running' and due_at >= ? and due_at < ?",
                           [*base, now_iso, clock.iso(end_today)])
    lists["tomorrow"] = _rows(db, scope + "stage = 'running' and due_at >= ? and due_at < ?",
                              [*base, clock.iso(max(start_next, end_today)),
                               clock.iso(end_next)])
    lists["supplement"] = _rows(db, scope + "stage = 'paused'", base)
    warning = db.execute(
        f"select count(*) from dossiers where {scope}stage = 'running' and due_at >= ? "
        "and due_at <= ?", [*base, now_iso, clock.iso(warn_until)]).fetchone()[0]
    return {
        "lists": {k: {"count": c, "rows": r} for k, (c, r) in lists.items()},
        "warning": warning,
        "next_working_day": next_day,
        "now": moment,
    }


def department_summary(db: sqlite_utils.Database, config: HubConfig,
                       now: dt.datetime | None = None) -> list[dict]:
    """Per department: open dossiers overdue, due within one working day, waiting
    for a supplement — the centre-wide view of who needs a warning."""
    moment = (now or clock.now()).astimezone(VN)
    cal = calendar_for(db, config)
    warn_until = cal.add_working_time(moment, dt.timedelta(hours=config.dossiers.warn_within_hours))
    now_iso, warn_iso = clock.iso(moment), clock.iso(warn_until)
    rows = db.query(
        "select dep.id, dep.name, "
        "(select count(*) from dossiers d where d.department_id = dep.id and "
        " d.stage = 'running' and d.due_at < ?) as overdue, "
        "(select count(*) from dossiers d where d.department_id = dep.id and "
        " d.stage = 'running' and d.due_at >= ? and d.due_at <= ?) as due_soon, "
        "(select count(*) from dossiers d where d.department_id = dep.id and "
        " d.stage = 'paused') as supplement "
        "from departments dep order by dep.sort_order, dep.name",
        [now_iso, now_iso, warn_iso])
    return [r for r in rows if r["overdue"] or r["due_soon"] or r["supplement"]]
