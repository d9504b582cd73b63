"""What the provincial hub shows, read from its province_* tables.

::

    centres(db)                      # each centre: link up/down and since when, today's figures
    centre(db, "xa-a")               # one centre's name and link, or None
    floor(db, "xa-a")                # a centre's live floor: counters, lines, nodes
    period_report(db, start, end)    # per centre and the province: received, resolved, ...
    overdue(db)                      # open dossiers past due, every centre
    officer_rankings(db, day)        # tickets served and ratings per officer, every centre
    centre_database(db, "xa-a")      # a centre's dossiers in its own tables' shape
    official_report(db, start, end, "xa-a")   # Biểu 06 of one centre

The official period report (Biểu 06) is a function over a centre's own
database; :func:`centre_database` rebuilds those tables (departments,
procedures, dossiers) in memory from the rows the centres sent, for one
centre or for all (``center=None``), so that function runs here unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import sqlite_utils

from motcua import clock

from ..statistics import facts
from ..statistics.officers import MIN_RATINGS
from ..statistics.period_report import period_report as official
from ..store.migrations import migrations
from . import ingest

VN = ZoneInfo(clock.LOCAL_ZONE)
LINK_NAMES = {"up": "Đang kết nối", "down": "Mất kết nối", "unknown": "Chưa rõ",
              "revoked": "Đã thu hồi"}

# A centre that stopped reporting, and why (the first that applies). A centre's hub
# republishes its nodes' state every few minutes even when nothing changed
# (uplink.HEARTBEAT_S), so a centre heard from nothing for SILENT_AFTER_MIN has a
# stopped hub, or a bridge that carries nothing, even with its link "up".
SILENT_AFTER_MIN = 15
SILENT_REASONS = {
    "never": "Chưa gửi dữ liệu lên tỉnh lần nào",
    "down": "Mất kết nối với tỉnh",
    "quiet": f"Không nhận được dữ liệu mới quá {SILENT_AFTER_MIN} phút "
             "(máy chủ của trung tâm có thể đã dừng)",
    "old_figures": "Chưa gửi số liệu hàng chờ hôm nay",
    "revoked": "Tỉnh đã thu hồi quyền kết nối của trung tâm (mật khẩu cầu nối)",
}


def silence(row: dict, now) -> str | None:
    """Why a centre (a row of :func:`centres`) counts as silent, or None: never heard,
    its link down, nothing heard for SILENT_AFTER_MIN minutes, or no figures today."""
    if row.get("link") == "revoked":
        return "revoked"
    if row.get("never"):
        return "never"
    if row.get("link") == "down":
        return "down"
    heard = row.get("last_message_at")
    if heard and now - dt.datetime.fromisoformat(heard) > dt.timedelta(minutes=SILENT_AFTER_MIN):
        return "quiet"
    if row.get("figures_day"):
        return "old_figures"
    return None


def silent(rows: list[dict]) -> list[dict]:
    """The centres of :func:`centres` (with the page's never-heard ones) that stopped
    reporting, the longest silent first (never heard before all)."""
    return sorted((r for r in rows if r.get("silent")),
                  key=lambda r: (r.get("last_message_at") or "", r["center"]))


def _scope(prefix: str | None, column: str = "center") -> tuple[str, dict]:
    """A ``where`` for one province's centres at the national hub (keys "<p>/<c>")."""
    if not prefix:
        return "", {}
    return f"{column} like :scope", {"scope": prefix.rstrip("/") + "/%"}


def today() -> str:
    """The business day at the centres (Vietnam), as their figures name it."""
    return clock.now().astimezone(VN).date().isoformat()


def centres(db, day: str | None = None, prefix: str | None = None,
            revoked=()) -> list[dict]:
    """Every centre the province has heard of (at the national hub: of the province
    ``prefix``, or of the country), with its link and ``day``'s queue figures
    (default: today, in Vietnam).

    A centre whose newest figures are of an earlier day (its hub stopped, its
    line down since then) has ``figures_day`` set to that day and None for
    today's figures: its old ones are not today's, nor is it a centre with
    nobody today.

    A few queries whatever the number of centres (166 in a province since 2025,
    3,300 in the country), not a few per centre."""
    where, args = _scope(prefix)
    rows = [dict(r) for r in db.query(
        "select center, coalesce(name, center) as name, link, link_since, last_message_at "
        f"from province_centres {'where ' + where if where else ''} order by center", args)]
    states: dict[tuple[str, str], dict] = {}
    for r in db.query("select center, name, payload from province_state "
                      "where name in ('queue_stats', 'nodes', 'booking_stats', :refused)"
                      + (f" and {where}" if where else ""),
                      {**args, "refused": ingest.REFUSALS}):
        states[(r["center"], r["name"])] = json.loads(r["payload"])
    day = day or today()
    now = clock.now()
    # A call is a citizen called to a counter: the next in line ('next', what a
    # counter's key sends) or one chosen by number ('call'); a recall is not a new one.
    calls = {r["center"]: r["calls"] for r in db.query(
        "select center, count(*) as calls from province_ticket_events "
        "where day = :day and action in ('next', 'call')" + (f" and {where}" if where else "")
        + " group by center", {"day": day, **args})}
    for r in rows:
        if r["center"] in revoked:
            # The province revoked its password (a stolen centre): not a link that dropped.
            r["link"] = "revoked"
        r["link_name"] = LINK_NAMES[r["link"]]
        r["day"] = day
        stats = states.get((r["center"], "queue_stats"), {})
        r["figures_day"] = stats.get("day") if stats.get("day", day) != day else None
        if r["figures_day"]:  # the newest figures are another day's: none for today
            stats = {"issued": None, "waiting": None, "done": None}
        r["issued"] = stats.get("issued", 0)
        r["waiting"] = stats.get("waiting", 0)
        r["done"] = stats.get("done", 0)
        r["avg_wait_min"] = stats.get("avg_wait_min")  # absent: nobody called yet
        nodes = states.get((r["center"], "nodes"), {}).get("nodes", [])
        r["nodes_online"] = sum(n["state"] == "online" for n in nodes)
        r["nodes"] = len(nodes)
        r["calls_today"] = calls.get(r["center"], 0)
        # Issue 26: today's booked and walk-in figures, as the centre last sent them
        # (another day's are not today's).
        booking = states.get((r["center"], "booking_stats"), {})
        r["booking"] = booking if booking.get("day", day) == day else {}
        # Messages of this centre's the province refused: count, last time, why.
        r["refused"] = states.get((r["center"], ingest.REFUSALS))
        r["silent"] = silence(r, now)
        r["silent_why"] = SILENT_REASONS.get(r["silent"])
    return rows


def booking_totals(rows: list[dict]) -> dict:
    """The centres' ``booking`` figures (:func:`centres`) added up: averages from the
    waits' sums, rates from the counts; None where there is nothing to divide."""
    keys = ("booked_called", "booked_wait_sum_min", "walk_in_called", "walk_in_wait_sum_min",
            "bookings", "checked_in", "no_show", "cancelled", "seats")
    t = {k: sum(r.get("booking", {}).get(k, 0) or 0 for r in rows) for k in keys}
    ended = t["checked_in"] + t["no_show"]

    def ratio(part, whole, digits):
        return round(part / whole, digits) if whole else None

    return {**t, "centres": sum(bool(r.get("booking")) for r in rows),
            "booked_avg_wait_min": ratio(t["booked_wait_sum_min"], t["booked_called"], 1),
            "walk_in_avg_wait_min": ratio(t["walk_in_wait_sum_min"], t["walk_in_called"], 1),
            "no_show_rate": ratio(t["no_show"], ended, 3),
            "share_booked": ratio(t["bookings"], t["seats"], 3)}


def provinces(rows: list[dict]) -> list[dict]:
    """The national hub's first page: :func:`centres` (keys "<province>/<centre>")
    added up per province."""
    out: dict[str, dict] = {}
    for r in rows:
        key = r["center"].split("/", 1)[0]
        p = out.setdefault(key, {"province": key, "centres": 0, "connected": 0, "issued": 0,
                                 "waiting": 0, "done": 0, "calls_today": 0,
                                 "nodes_online": 0, "nodes": 0, "silent": 0,
                                 "link": "unknown",
                                 "link_name": LINK_NAMES["unknown"], "link_since": None})
        if "/" not in r["center"]:  # the province's own bridge to the country
            p.update(link=r["link"], link_name=r["link_name"], link_since=r["link_since"])
            continue
        p["centres"] += 1
        p["connected"] += r["link"] == "up"
        for k in ("issued", "waiting", "done", "calls_today", "nodes_online", "nodes"):
            p[k] += r[k] or 0  # None: a centre with no figures today
        p["silent"] = p.get("silent", 0) + bool(r.get("silent"))
    return [out[k] for k in sorted(out)]


def centre_names(db, prefix: str | None = None) -> dict[str, str]:
    """Each centre's name as its hub sent it (its id where none came yet), for the
    pages that list dossiers and officers by centre."""
    where, args = _scope(prefix)
    return {r["center"]: r["name"] for r in db.query(
        "select center, coalesce(name, center) as name from province_centres"
        + (f" where {where}" if where else ""), args)}


def centre(db, center: str) -> dict | None:
    """One centre the province has heard of: its name and link, or None."""
    return next(iter(db.query(
        "select center, coalesce(name, center) as name, link, link_since "
        "from province_centres where center = ?", [center])), None)


def _state(db, center: str, name: str) -> dict | None:
    row = db.execute("select payload from province_state where center = ? and name = ?",
                     [center, name]).fetchone()
    return json.loads(row[0]) if row else None


def floor(db, center: str) -> dict:
    """A centre's floor as its retained state last said: counters, lines, nodes."""
    counters, lines = [], []
    for name, payload in db.execute(
            "select name, payload from province_state where center = ? and "
            "(name like 'counter/%' or name like 'line/%')", [center]):
        data = json.loads(payload)
        (counters if name.startswith("counter/") else lines).append(data)
    counters.sort(key=lambda c: c.get("counter", 0))
    lines.sort(key=lambda x: x.get("service", ""))
    nodes = _state(db, center, "nodes") or {"nodes": []}
    updated = db.execute("select max(received_at) from province_state where center = ? "
                         "and name <> ?", [center, ingest.REFUSALS]).fetchone()[0]
    stats = _state(db, center, "queue_stats") or {}
    figures_day = stats.get("day") if stats.get("day", today()) != today() else None
    return {"counters": counters, "lines": lines, "nodes": nodes["nodes"],
            "stats": {} if figures_day else stats, "figures_day": figures_day,
            "today": today(), "updated_at": updated}


# An open dossier whose clock runs, or that fees hold ("held": the procedure's
# fees_pause_clock) only since after it fell due; held before, its clock stopped in
# time and its due date moves on when it resumes (as the centre counts it, HELD in
# central.statistics.period_report).
OVERDUE = "(stage = 'running' or (stage = 'held' and (paused_at is null or paused_at >= due_at)))"
PERIOD_SQL = """
    select {key} as center,
      sum(case when received_at >= :start and received_at < :end then 1 else 0 end)
          as received,
      sum(case when classification is not null and result_at >= :start
          and result_at < :end then 1 else 0 end) as resolved,
      sum(case when classification in ('early', 'on_time') and result_at >= :start
          and result_at < :end then 1 else 0 end) as on_time,
      sum(case when classification = 'late' and result_at >= :start
          and result_at < :end then 1 else 0 end) as late,
      sum(case when stage in ('running', 'paused', 'held') and received_at < :end
          then 1 else 0 end) as in_progress,
      sum(case when {OVERDUE} and due_at < :now then 1 else 0 end)
          as overdue
    from province_dossiers {where} group by 1 order by 1
""".replace("{OVERDUE}", OVERDUE)


def period_report(db, start: str, end: str, now: str | None = None,
                  prefix: str | None = None) -> dict:
    """Received, resolved (on time, late), in progress and overdue dossiers, per centre
    and for the province, over ``[start, end)`` (ISO times); at the national hub, for
    the province ``prefix`` or (without) the country.

    The figures the province computes itself from the rows it holds; the
    official Biểu 06 runs over :func:`centre_database`."""
    where, scope = _scope(prefix)
    where = f"where {where}" if where else ""
    args = {"start": start, "end": end, "now": now or clock.iso(), **scope}
    per_centre = [dict(r) for r in db.query(PERIOD_SQL.format(key="center", where=where), args)]
    total = [dict(r) for r in db.query(PERIOD_SQL.format(key="'*'", where=where), args)]
    for r in per_centre + total:
        for k in ("received", "resolved", "on_time", "late", "in_progress", "overdue"):
            r[k] = r[k] or 0
        r["on_time_rate"] = round(r["on_time"] / r["resolved"], 4) if r["resolved"] else None
    province = total[0] if total else {"center": "*", "received": 0, "resolved": 0,
                                       "on_time": 0, "late": 0, "in_progress": 0,
                                       "overdue": 0, "on_time_rate": None}
    return {"centres": per_centre, "province": province}


def provinces_report(report: dict) -> dict:
    """:func:`period_report` of the whole country added up per province."""
    keys = ("received", "resolved", "on_time", "late", "in_progress", "overdue")
    out: dict[str, dict] = {}
    for r in report["centres"]:
        name = r["center"].split("/", 1)[0]
        p = out.setdefault(name, {"province": name, **dict.fromkeys(keys, 0)})
        for k in keys:
            p[k] += r[k]
    rows = [out[k] for k in sorted(out)]
    for p in rows:
        p["on_time_rate"] = round(p["on_time"] / p["resolved"], 4) if p["resolved"] else None
    return {"provinces": rows, "country": report["province"]}


def overdue(db, now: str | None = None, limit: int = 500,
            prefix: str | None = None) -> list[dict]:
    """Open dossiers past their due time, every centre (of ``prefix`` at the national
    hub), the longest overdue first."""
    where, scope = _scope(prefix)
    return [dict(r) for r in db.query(
        "select center, code, procedure_name, department_name, received_at, due_at, status "
        f"from province_dossiers where {OVERDUE} and due_at < :now "
        + (f"and {where} " if where else "")
        + "order by due_at, center, code limit :limit",
        {"now": now or clock.iso(), "limit": limit, **scope})]


def overdue_count(db, now: str | None = None, prefix: str | None = None) -> int:
    """How many open dossiers are past their due time, every centre (of ``prefix``):
    all of them, where :func:`overdue` lists the longest overdue up to its limit."""
    where, scope = _scope(prefix)
    return db.execute(
        f"select count(*) from province_dossiers where {OVERDUE} "
        "and due_at < :now" + (f" and {where}" if where else ""),
        {"now": now or clock.iso(), **scope}).fetchone()[0]


def officer_rankings(db, day_from: str, day_to: str, limit: int = 100,
                     prefix: str | None = None) -> list[dict]:
    """Officers of every centre (of ``prefix`` at the national hub) by tickets served
    (done) over the days, with their citizens' average rating (4 = very satisfied)
    and how many rated; the average only from ``MIN_RATINGS`` ratings on (as the
    centre's ranking, :mod:`central.statistics.officers`), else None."""
    where, scope = _scope(prefix)
    scoped = f"and {where}" if where else ""
    rows = [dict(r) for r in db.query(
        f"""
        with served as (
            select center, officer, max(officer_name) as officer_name, count(*) as served
            from province_ticket_events
            where to_status = 'done' and officer is not null
              and day between :a and :b {scoped}
            group by center, officer),
        rated as (
            select center, officer, avg(score) as score, count(*) as ratings
            from province_ratings where officer is not null
              and substr(rated_at, 1, 10) between :a and :b {scoped}
            group by center, officer)
        select s.center, s.officer, s.officer_name, s.served,
               case when r.ratings >= :min then round(cast(r.score as numeric), 2) end
                 as score, coalesce(r.ratings, 0) as ratings
        from served s left join rated r on r.center = s.center and r.officer = s.officer
        order by s.served desc, case when r.ratings >= :min then r.score end desc nulls last,
                 s.center, s.officer limit :limit
        """, {"a": day_from, "b": day_to, "limit": limit, "min": MIN_RATINGS, **scope})]
    for r in rows:  # PostgreSQL's round() gives a Decimal
        r["score"] = None if r["score"] is None else float(r["score"])
    return rows


def centre_database(db, center: str | None = None,
                    prefix: str | None = None) -> sqlite_utils.Database:
    """An in-memory database in a centre's own schema holding the dossiers the
    province has of ``center`` (or of every centre — of the province ``prefix`` at
    the national hub — departments kept apart per centre), for a report function
    written for a centre's database."""
    mem = sqlite_utils.Database(memory=True)
    migrations.apply(mem)
    if center:
        where, args = "where center = :center", {"center": center}
    else:
        where, args = _scope(prefix)
        where = f"where {where}" if where else ""
    departments: dict[tuple, int] = {}
    procedures: dict[tuple, int] = {}
    ids: dict[tuple, int] = {}
    now = clock.iso()
    with mem.conn:
        for r in db.query(f"select * from province_dossiers {where} order by center, code",
                          args):
            dep_id = None
            if r["department_code"]:
                key = (r["center"], r["department_code"])
                if key not in departments:
                    code = r["department_code"] if center else f"{r['center']}:{key[1]}"
                    departments[key] = mem["departments"].insert(
                        {"code": code, "name": r["department_name"] or key[1]}).last_pk
                dep_id = departments[key]
            pkey = (r["center"], r["procedure_code"], r["procedure_name"])
            if pkey not in procedures:
                procedures[pkey] = mem["procedures"].insert({
                    "code": r["procedure_code"] if center else f"{r['center']}:{pkey[1]}",
                    "name": r["procedure_name"], "field": r["procedure_field"] or "",
                    "level": r["procedure_level"] or "commune", "department_id": dep_id,
                    "created_at": now}).last_pk
            ids[(r["center"], r["code"])] = mem["dossiers"].insert({
                "code": r["code"] if center else f"{r['center']}:{r['code']}",
                "procedure_id": procedures[pkey], "procedure_code": r["procedure_code"],
                "procedure_name": r["procedure_name"], "department_id": dep_id,
                "channel": r["channel"], "status": r["status"], "stage": r["stage"],
                "applicant_name": "", "time_limit": r["time_limit"], "time_unit": r["time_unit"],
                "received_at": r["received_at"], "received_by": r["received_by"],
                "due_at": r["due_at"], "apology_due_at": r["apology_due_at"],
                "paused_at": r["paused_at"], "supplement_count": r["supplement_count"],
                "result_at": r["result_at"], "classification": r["classification"],
                "returned_at": r["returned_at"], "closed_at": r["closed_at"],
                "updated_at": r["updated_at"]}).last_pk
        # The events, in each centre's order: what the period report digests.
        for r in db.query(f"select * from province_dossier_events {where} "
                          "order by center, event_id", args):
            dossier_id = ids.get((r["center"], r["code"]))
            if dossier_id is None:  # its row not arrived yet: counted once it has
                continue
            detail = {k: r[k] for k in ("due_at", "classification") if r[k] is not None}
            mem["dossier_events"].insert({
                "dossier_id": dossier_id, "at": r["at"], "action": r["action"],
                "from_status": r["from_status"], "to_status": r["to_status"],
                "detail": json.dumps(detail)})
    return mem


def official_report(db, start, end, center: str | None = None, by: str = "department",
                    prefix: str | None = None):
    """Biểu 06 for one centre, the whole province, or (national hub) one province
    ``prefix`` or the whole country, by the centres' own statistics code run
    over their summaries."""
    mem = centre_database(db, center, prefix)
    facts.rebuild(mem)
    return official(mem, start, end, by=by)
