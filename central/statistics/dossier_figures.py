"""Each department's dossier figures for the hall screens and LED boards.

Published retained as ``state/dossier_stats`` (see docs/mqtt.md) by a ticker
of the gateway, when the figures change, so the hall display's strip shows
how each department is doing without asking::

    figures = department_figures(store.db)       # comparable, no timestamp
    payload = as_message(figures)                # STATE_DOSSIER_STATS payload
    figures["departments"][0]
    # {"code": "STP", "name": "Sở Tư pháp", "resolved": 812, "on_time": 790,
    #  "in_progress": 41, "overdue": 2, "on_time_rate": 0.9729}

The figures are the official period report's (Biểu 06,
:func:`central.statistics.period_report.period_report`) for this calendar
year, by department, so the hall, the public and the report agree. They are
read from the statistics module's digest of the dossier events
(``dossier_days``, ``dossier_facts``, ``dossier_pauses``, kept by a trigger,
migration 0070), a sum over the year's days and an index range over the
open dossiers, not a scan of every dossier: ~0.1 s over 1,000,000 dossiers
(docs/performance.md) where counting the ``dossiers`` rows took ~20 s. On a
database filled without the trigger (a provincial replica), call
``central.statistics.facts.rebuild(db)`` first; the province's
``reports.centre_database`` inserts the events, so the trigger has done it.

The rules are DOMAIN.md's and the report's:

- a dossier counts under the department responsible for its procedure
  (``procedures.department_id``), whichever department is handling it at the
  moment (a transfer does not move it), as in the official report;
- resolved = early + on time + late, results ready this calendar year; the
  on-time rate is (early + on time) / resolved, none when nothing was
  resolved (the report writes 100 %; the hall shows a dash);
- in progress counts every open dossier (received and not yet resolved,
  withdrawn or stopped: in processing, waiting for fees or for a supplement);
- overdue are those among them whose due time is at or before now, except
  while the clock is paused for a supplement, or for fees since before it
  fell due (the procedure's ``fees_pause_clock``).

Departments with nothing resolved this year and nothing in progress are left
out, as are dossiers whose procedure has no department.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlite_utils

from motcua import clock
from motcua.bus.messages import STATE_DOSSIER_STATS

from .period_report import period_report

VN = ZoneInfo(clock.LOCAL_ZONE)


def department_figures(db: sqlite_utils.Database, now: dt.datetime | None = None) -> dict:
    """This calendar year's figures per department, at ``now`` (default: the clock)."""
    moment = (now or clock.now()).astimezone(VN)
    # To the year's end, not today: what is recorded is in, and "open at the
    # end" is open now (nothing is recorded after the clock's now).
    report = period_report(db, dt.date(moment.year, 1, 1), dt.date(moment.year, 12, 31),
                           by="department", now=moment)
    departments = []
    for row in report["rows"]:
        if row["key"] is None:  # procedures without a department
            continue
        resolved, on_time = row["resolved"], row["early"] + row["on_time"]
        in_progress = row["in_progress"] + row["supplement"]
        if not (resolved or in_progress):
            continue
        departments.append({
            "code": row["department_code"], "name": row["name"], "resolved": resolved,
            "on_time": on_time, "in_progress": in_progress, "overdue": row["overdue"],
            "on_time_rate": round(on_time / resolved, 4) if resolved else None})
    return {"period": f"Năm {moment.year}", "departments": departments}


def as_message(figures: dict) -> dict:
    return STATE_DOSSIER_STATS.make(updated_at=clock.iso(), **figures)
