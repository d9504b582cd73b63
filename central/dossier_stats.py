"""Each department's dossier figures for the hall screens and LED boards.

Published retained as ``state/dossier_stats`` (see docs/mqtt.md) by a ticker
of the gateway, when the figures change, so the hall display's strip shows
how each department is doing without asking::

    figures = department_figures(store.db)       # comparable, no timestamp
    payload = as_message(figures)                # STATE_DOSSIER_STATS payload

The rules are DOMAIN.md's: resolved = early + on time + late (over the period,
this calendar year); the on-time rate is (early + on time) / resolved, none
when nothing was resolved; in progress counts every open dossier (received,
in processing, waiting for fees, waiting for a supplement); overdue are those
among them past their due time now, except while the clock is paused for a
supplement.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlite_utils

from motcua import clock
from motcua.bus.messages import STATE_DOSSIER_STATS

VN = ZoneInfo(clock.LOCAL_ZONE)


def department_figures(db: sqlite_utils.Database, now: dt.datetime | None = None) -> dict:
    moment = (now or clock.now()).astimezone(VN)
    year_start = clock.iso(dt.datetime(moment.year, 1, 1, tzinfo=VN))
    rows = db.query(
        """
        select dep.code, dep.name,
          (select count(*) from dossiers d where d.department_id = dep.id
             and d.classification is not null and d.result_at >= :start) as resolved,
          (select count(*) from dossiers d where d.department_id = dep.id
             and d.classification in ('early', 'on_time') and d.result_at >= :start) as on_time,
          (select count(*) from dossiers d where d.department_id = dep.id
             and d.stage in ('running', 'paused', 'held')) as in_progress,
          (select count(*) from dossiers d where d.department_id = dep.id
             and d.stage in ('running', 'held') and d.due_at < :now) as overdue
        from departments dep
        order by dep.sort_order, dep.name
        """,
        {"start": year_start, "now": clock.iso(moment)},
    )
    departments = [
        {**r, "on_time_rate": round(r["on_time"] / r["resolved"], 4) if r["resolved"] else None}
        for r in rows
        if r["resolved"] or r["in_progress"]
    ]
    return {"period": f"Năm {moment.year}", "departments": departments}


def as_message(figures: dict) -> dict:
    return STATE_DOSSIER_STATS.make(updated_at=clock.iso(), **figures)
