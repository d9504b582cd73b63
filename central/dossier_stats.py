"""Each department's dossier figures for the hall screens and LED boards.

Published retained as ``state/dossier_stats`` (see docs/mqtt.md) by a ticker
of the gateway, when the figures change, so the hall display's strip shows
how each department is doing without asking::

    figures = department_figures(store.db)       # comparable, no timestamp
    payload = as_message(figures)                # STATE_DOSSIER_STATS payload

The rules are DOMAIN.md's, computed by the period report
(:func:`central.statistics.period_report.period_report`) for this calendar
year so far: resolved = early + on time + late; the on-time rate is
(early + on time) / resolved, none when nothing was resolved; in progress
counts every open dossier (received, in processing, waiting for fees,
waiting for a supplement); overdue are those among them past their due time
now, except while the clock is paused for a supplement. A dossier counts
under the department competent for its procedure.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlite_utils

from motcua import clock
from motcua.bus.messages import STATE_DOSSIER_STATS

VN = ZoneInfo(clock.LOCAL_ZONE)


def department_figures(db: sqlite_utils.Database, now: dt.datetime | None = None) -> dict:
    # The period report's figures for this year so far, by department: one
    # computation of the official rules for every screen (and fast over years
    # of dossiers: see central/statistics/period_report.py).
    from .statistics.period_report import period_report

    moment = (now or clock.now()).astimezone(VN)
    # The whole year: what has happened so far (open = open now, overdue at `now`).
    report = period_report(db, dt.date(moment.year, 1, 1), dt.date(moment.year, 12, 31),
                           by="department", now=moment)
    departments = []
    for r in report["rows"]:
        on_time = r["early"] + r["on_time"]
        in_progress = r["in_progress"] + r["supplement"]
        if not (r["resolved"] or in_progress):
            continue
        departments.append({
            "code": r["department_code"], "name": r["name"], "resolved": r["resolved"],
            "on_time": on_time, "in_progress": in_progress, "overdue": r["overdue"],
            "on_time_rate": round(on_time / r["resolved"], 4) if r["resolved"] else None,
        })
    return {"period": f"Năm {moment.year}", "departments": departments}


def as_message(figures: dict) -> dict:
    return STATE_DOSSIER_STATS.make(updated_at=clock.iso(), **figures)
