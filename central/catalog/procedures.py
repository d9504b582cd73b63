"""Procedure records (thủ tục hành chính), as the rest of the hub reads them.

A row of ``procedures`` is one published version. Its ``details`` JSON holds
the record's long tail, in this shape (field names follow the national
procedure database where it has one)::

    {
      "agencies": ["Sở Tư pháp"],                 # implementing agencies
      "applicants": ["citizen", "business", "organisation"],
      "online_level": "full" | "partial" | "info",
      "channels": [                               # one per way of submitting
        {"channel": "in_person" | "online" | "post",
         "time_limit": 3, "unit": "working_days" | "calendar_days"
                                  | "working_hours" | "same_day",
         "fees": [{"name": "Lệ phí", "amount": 50000}],   # integer đồng
         "note": ""}
      ],
      "steps": ["..."],
      "components": [{"name": "Tờ khai ...", "originals": 1, "copies": 0,
                      "form": "Mẫu TP/HT-..."}],
      "conditions": ["..."], "results": ["..."], "legal_basis": ["..."],
      "decision": {"number": "1234/QĐ-UBND", "date": "2024-05-02"},
      "unconfirmed": ["fees"]        # values not confirmed from a source
    }

::

    proc = get(store.db, procedure_id)
    proc["details"]["channels"][0]["time_limit"]
"""

from __future__ import annotations

import json

import sqlite_utils

from motcua.public_terms import withdrawal_line

CHANNELS = {"in_person": "Trực tiếp", "online": "Trực tuyến", "post": "Bưu chính"}
TIME_UNITS = {
    "working_days": "ngày làm việc",
    "calendar_days": "ngày",
    "working_hours": "giờ làm việc",
    "same_day": "trong ngày",
}
LEVELS = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}
# The procedures a citizen or an officer may pick (rows aliased ``p``): the current
# version, unless a centre withdrew it (``details.withdrawn``: abolished or replaced).
# A withdrawn record stays current, so its page, its dossiers and its export remain.
LISTED = "p.current = 1 and json_extract(p.details, '$.withdrawn') is null"


def _row(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {**row, "details": json.loads(row["details"] or "{}")}


def get(db: sqlite_utils.Database, procedure_id: int) -> dict | None:
    """One version of a procedure, by row id."""
    rows = list(db.query("select * from procedures where id = ?", [procedure_id]))
    return _row(rows[0] if rows else None)


def current(db: sqlite_utils.Database, code: str) -> dict | None:
    """The version of ``code`` in force now."""
    rows = list(db.query("select * from procedures where code = ? and current = 1", [code]))
    return _row(rows[0] if rows else None)


def withdrawn(proc: dict | None) -> dict | None:
    """The text that withdrew ``proc`` (``{"number", "date", "issuer", ...}``), or None."""
    return (proc or {}).get("details", {}).get("withdrawn") or None


def replacement(db: sqlite_utils.Database, proc: dict | None) -> dict | None:
    """The procedure in force that replaced withdrawn ``proc`` (its ``replaced_by``), or None."""
    code = (proc or {}).get("details", {}).get("replaced_by")
    new = current(db, code) if code else None
    return None if new is None or withdrawn(new) else new


def withdrawal(db: sqlite_utils.Database, proc: dict | None) -> dict | None:
    """What to tell someone who asks for withdrawn ``proc`` (a code from a paper, a
    bookmark, a kiosk's list): ``{"old": proc, "new": the procedure in force that
    replaced it or None, "line": the text that withdrew it, one Vietnamese line}``;
    None when ``proc`` is in force (or None)."""
    if not withdrawn(proc):
        return None
    return {"old": proc, "new": replacement(db, proc), "line": withdrawal_line(proc["details"])}


def all_current(db: sqlite_utils.Database) -> list[dict]:
    """Every procedure's version in force now, in the order they were first published."""
    return [_row(r) for r in db.query("select * from procedures where current = 1 order by id")]


def channel(procedure: dict, name: str) -> dict | None:
    """The procedure's terms for one channel (time limit, unit, fees)."""
    for c in procedure["details"].get("channels", []):
        if c.get("channel") == name:
            return c
    return None
