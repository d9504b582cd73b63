"""What the supervisor dashboard shows, and the retained ``state/supervision`` figures.

::

    snapshot(db, config)        # everything the dashboard draws (server side)
    figures(db, config)         # the small, comparable part published retained
    national_index(report, ratings_summary, config)   # QĐ 766 timeliness, satisfaction

The retained message carries counts and alarms only (no dossier code, no
name): anyone on the hall's network may read ``state/#``. The dashboard page,
signed in, fetches its details when the message changes.
"""

from __future__ import annotations

import datetime as dt

from motcua import clock

from .. import alarms
from ..calendar.working_calendar import calendar_for
from ..calendar.working_time import VN
from ..devices import nodes
from ..dossiers.queries import work_list
from .period_report import flows, period_report

LIST_LIMIT = 50
# QĐ 766/QĐ-TTg: timeliness is worth 20 points, satisfaction 18 (full marks at
# ≥ 90 % satisfied). Kept here as defaults; the hub's config may override them.
INDEX_DEFAULTS = {"timeliness_points": 20.0, "satisfaction_points": 18.0,
                  "satisfaction_full_at": 0.9}


def _local_now(now: dt.datetime | None) -> dt.datetime:
    return (now or clock.now()).astimezone(VN)


def ratings_summary(db, start: str, end: str) -> dict:
    count, satisfied = db.execute(
        "select count(*), coalesce(sum(level in ('very_satisfied', 'satisfied')), 0) "
        "from ratings where rated_at >= ? and rated_at < ?", [start, end]).fetchone()
    levels = dict(db.execute("select level, count(*) from ratings where rated_at >= ? and "
                             "rated_at < ? group by level", [start, end]).fetchall())
    return {"count": count, "satisfied": satisfied,
            "satisfied_share": round(satisfied / count, 3) if count else None, "levels": levels}


def national_index(report_total: dict, ratings: dict, settings: dict | None = None) -> dict:
    """Timeliness = points × (early + on time) / received; satisfaction = full marks at
    ``satisfaction_full_at`` satisfied or more, proportionally below."""
    cfg = {**INDEX_DEFAULTS, **(settings or {})}
    received = report_total["received"]
    on_time = report_total["early"] + report_total["on_time"]
    timeliness = cfg["timeliness_points"] * on_time / received if received else None
    share = ratings.get("satisfied_share")
    satisfaction = (cfg["satisfaction_points"] * min(1.0, share / cfg["satisfaction_full_at"])
                    if share is not None else None)
    return {
        "timeliness": None if timeliness is None else round(timeliness, 2),
        "timeliness_max": cfg["timeliness_points"],
        "satisfaction": None if satisfaction is None else round(satisfaction, 2),
        "satisfaction_max": cfg["satisfaction_points"],
        "satisfied_share": share,
    }


def _officers(db, ids: list[int]) -> dict[int, str]:
    """The officer handling each dossier: who acted on it last (not the reception)."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = db.execute(
        f"select e.dossier_id, coalesce(u.full_name, e.actor) from dossier_events e "
        f"left join users u on u.username = e.actor where e.id in (select max(id) from "
        f"dossier_events where dossier_id in ({marks}) group by dossier_id)", ids).fetchall()
    return dict(rows)


def dossier_lists(db, config, now: dt.datetime | None = None) -> dict:
    """Open dossiers overdue, and due within one working day, with department and officer."""
    moment = _local_now(now)
    lists = work_list(db, config, None, moment)
    cal = calendar_for(db, config)
    warn_until = cal.add_working_time(
        moment, dt.timedelta(hours=config.dossiers.warn_within_hours))
    due_soon = list(db.query(
        "select id, code, procedure_name, due_at, department_id from dossiers "
        "where stage = 'running' and due_at >= ? and due_at <= ? order by due_at limit ?",
        [clock.iso(moment), clock.iso(warn_until), LIST_LIMIT]))
    overdue = lists["lists"]["overdue"]["rows"][:LIST_LIMIT]
    departments = dict(db.execute("select id, name from departments").fetchall())
    officers = _officers(db, [r["id"] for r in overdue + due_soon])
    for r in overdue + due_soon:
        r["department"] = departments.get(r["department_id"], "")
        r["officer"] = officers.get(r["id"], "")
    for r in overdue:
        # How late, in the unit time limits are set in: working time past the due time.
        due = dt.datetime.fromisoformat(r["due_at"]).astimezone(moment.tzinfo)
        r["overdue_hours"] = cal.working_time_between(due, moment).total_seconds() / 3600
    return {"overdue": overdue, "overdue_count": lists["lists"]["overdue"]["count"],
            "due_soon": due_soon, "due_soon_count": lists["warning"]}


def node_summary(db) -> list[dict]:
    out = []
    for n in nodes.list_nodes(_StoreView(db)):
        paper = n["detail"].get("paper")
        out.append({"node_id": n["node_id"], "role_name": n["role_name"], "state": n["state"],
                    "state_name": n["state_name"], "paper": paper,
                    "fault": n["fault"]["message"] if n["fault"] else ""})
    return out


class _StoreView:
    """``nodes.list_nodes`` takes a Store; a Database is all it reads."""

    def __init__(self, db):
        self.db = db


PAPER_NAMES = {"ok": "Còn giấy", "low": "Sắp hết giấy", "out": "Hết giấy",
               "unknown": "Không rõ"}


def figures(db, config, now: dt.datetime | None = None) -> dict:
    """The dashboard's counts (comparable: no timestamp), for ``state/supervision``."""
    moment = _local_now(now)
    lists = work_list(db, config, None, moment)
    node_rows = node_summary(db)
    today = flows(db, moment.date(), moment.date())
    return {
        "day": moment.date().isoformat(),
        "overdue": lists["lists"]["overdue"]["count"],
        "due_soon": lists["warning"],
        "supplement": lists["lists"]["supplement"]["count"],
        "received_today": today["online"] + today["direct"],
        "resolved_today": today["early"] + today["on_time"] + today["late"],
        "nodes_online": sum(n["state"] == "online" for n in node_rows),
        "nodes_offline": sum(n["state"] != "online" for n in node_rows),
        "printers_without_paper": sum(n["paper"] in ("out", "low") for n in node_rows),
        "alarms": [{"key": a.key, "message": a.message, "severity": a.severity,
                    "source": a.source, "since": clock.iso(a.since) if a.since else None}
                   for a in alarms.active()],
    }


def snapshot(db, config, now: dt.datetime | None = None) -> dict:
    """Everything the dashboard draws, for the signed-in supervisor."""
    moment = _local_now(now)
    year_start = dt.date(moment.year, 1, 1)
    year = period_report(db, year_start, moment.date(), now=moment)
    s = clock.iso(dt.datetime.combine(year_start, dt.time(0), VN))
    ratings = ratings_summary(db, s, clock.iso(moment + dt.timedelta(seconds=1)))
    return {
        "now": moment,
        "figures": figures(db, config, moment),
        "lists": dossier_lists(db, config, moment),
        "nodes": node_summary(db),
        "year": year,
        "ratings": ratings,
        "index": national_index(year["total"], ratings),
        "paper_names": PAPER_NAMES,
    }
