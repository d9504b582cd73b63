"""The centre's working calendar as the store holds it: config + admin overrides.

::

    cal = calendar_for(store.db, config)        # cached until an override changes
    set_override(store, dt.date(2026, 1, 2), working=False,
                 decision="Thông báo 6150/TB-BNV", actor="admin")
"""

from __future__ import annotations

import datetime as dt
import threading

import sqlite_utils

from motcua import clock
from motcua.text import nfc

from ..accounts import audit
from ..config import HubConfig
from ..errors import Refused
from ..store import Store
from .working_time import WorkingCalendar

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_cache: dict[tuple, WorkingCalendar] = {}
_cache_lock = threading.Lock()


def list_overrides(db: sqlite_utils.Database) -> list[dict]:
    return list(db.query("select * from calendar_overrides order by day"))


def _fingerprint(db: sqlite_utils.Database) -> tuple:
    return tuple(db.execute(
        "select count(*), max(set_at), group_concat(day || working, ',') from calendar_overrides"
    ).fetchone())


def calendar_for(db: sqlite_utils.Database, config: HubConfig) -> WorkingCalendar:
    """The calendar with the configured sessions and the current overrides."""
    cal_cfg, dos_cfg = config.calendar, config.dossiers
    key = (
        tuple(cal_cfg.sessions),
        tuple(tuple(getattr(cal_cfg, d)) for d in WEEKDAYS),
        cal_cfg.same_day_cutoff,
        dos_cfg.classification,
        _fingerprint(db),
    )
    with _cache_lock:
        cal = _cache.get(key)
    if cal is None:
        overrides = {
            dt.date.fromisoformat(r["day"]): bool(r["working"]) for r in list_overrides(db)
        }
        cal = WorkingCalendar(
            default_sessions=cal_cfg.sessions,
            sessions={i: getattr(cal_cfg, d) for i, d in enumerate(WEEKDAYS)
                      if getattr(cal_cfg, d)},
            overrides=overrides,
            same_day_cutoff=cal_cfg.same_day_cutoff,
            classification=dos_cfg.classification,
        )
        with _cache_lock:
            if len(_cache) > 32:
                _cache.clear()
            _cache[key] = cal
    return cal


def set_override(store: Store, day: dt.date, *, working: bool, decision: str,
                 note: str = "", actor: str | None = None) -> None:
    """Declare a day working or off; the decision (e.g. a notice number) is required."""
    decision = nfc(decision)
    if not decision:
        raise Refused("decision_required", "Cần ghi số văn bản quyết định ngày nghỉ/ngày làm việc.")
    with store.write() as db:
        db["calendar_overrides"].upsert(
            {"day": day.isoformat(), "working": int(working), "decision": decision,
             "note": nfc(note), "set_by": actor,
             "set_at": clock.iso()},
            pk="day",
        )
        audit.record(db, actor, "calendar.override", f"day:{day.isoformat()}",
                     {"working": working, "decision": decision})


def remove_override(store: Store, day: dt.date, actor: str | None = None) -> None:
    with store.write() as db:
        db.execute("delete from calendar_overrides where day = ?", [day.isoformat()])
        audit.record(db, actor, "calendar.override.remove", f"day:{day.isoformat()}")
