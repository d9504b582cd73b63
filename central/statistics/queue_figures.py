"""Queue figures over a range of business days, from tickets and their event rows.

::

    figures = queue_figures(db, "2026-04-01", "2026-04-30")
    figures["services"][0]    # {"code", "name", "issued", "served", "avg_wait_min", ...}
    figures["by_hour"]        # {"ho-tich": {8: 12, 9: 30, ...}, ...} tickets issued per hour
    figures["idle"]           # per counter: minutes idle while people of its services waited
    figures["out_of_order"]   # the fairness audit: each call out of order, with its reason

Wait = issue to first call (a transfer keeps the issue time); service time =
last call to finish of a served ticket; "within target" compares each wait
with its service's ``target_wait_min``; no-show rate = no-shows / (served +
no-shows). Idle time: the gaps between one ticket's finish and the next call
at the same counter, counted only while a ticket of one of the counter's
services (as configured now) was waiting.

Input tables: ``tickets``, ``ticket_events``, ``services``, ``counters``,
``counter_services``, ``users``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from motcua import clock

from ..calendar.working_time import VN


def _minutes(a: str, b: str) -> float:
    return (clock.from_iso(b) - clock.from_iso(a)).total_seconds() / 60


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted ``values`` (0 when empty)."""
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(p * (len(values) - 1) + 0.5))]


def queue_figures(db, start_day: str, end_day: str, now: dt.datetime | None = None) -> dict:
    services = {r["id"]: r for r in db.query(
        "select id, code, name, target_wait_min, sort_order from services order by sort_order, id")}
    per = defaultdict(lambda: {"issued": 0, "served": 0, "no_show": 0, "cancelled": 0,
                               "waits": [], "service_times": [], "within": 0})
    by_hour: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    waits_by_hour: dict[int, list[float]] = defaultdict(list)
    rows = db.execute(
        "select id, day, service_id, status, issued_at, first_called_at, called_at, finished_at, "
        "counter_id from tickets where day >= ? and day <= ?", [start_day, end_day]).fetchall()
    waiting_spans: dict[tuple[int, str], list[tuple[str, str]]] = defaultdict(list)
    busy: dict[tuple[int, str], list[tuple[str, str]]] = defaultdict(list)
    end_of_range = clock.iso(now or clock.now())
    for _tid, day, sid, status, issued, first_called, called, finished, counter_id in rows:
        s = per[sid]
        s["issued"] += 1
        hour = clock.from_iso(issued).astimezone(VN).hour
        by_hour[services[sid]["code"] if sid in services else str(sid)][hour] += 1
        if status == "done":
            s["served"] += 1
            if called and finished:
                s["service_times"].append(_minutes(called, finished))
        elif status == "no_show":
            s["no_show"] += 1
        elif status == "cancelled":
            s["cancelled"] += 1
        if first_called:
            wait = _minutes(issued, first_called)
            s["waits"].append(wait)
            waits_by_hour[hour].append(wait)
            target = services.get(sid, {}).get("target_wait_min", 15)
            s["within"] += wait <= target
        waiting_spans[(sid, day)].append((issued, first_called or finished or end_of_range))
        if counter_id and called:
            busy[(counter_id, day)].append((called, finished or end_of_range))
    out_services = []
    for sid, svc in services.items():
        if sid not in per:
            continue
        s = per[sid]
        out_services.append(_summary({"code": svc["code"], "name": svc["name"],
                                      "target_wait_min": svc["target_wait_min"]}, s))
    merged = {"issued": 0, "served": 0, "no_show": 0, "cancelled": 0, "waits": [],
              "service_times": [], "within": 0}
    for s in per.values():
        for k in ("issued", "served", "no_show", "cancelled", "within"):
            merged[k] += s[k]
        merged["waits"] += s["waits"]
        merged["service_times"] += s["service_times"]
    waiting_now = db.execute("select count(*) from tickets where status = 'waiting' and "
                             "day >= ? and day <= ?", [start_day, end_day]).fetchone()[0]
    return {
        "start": start_day, "end": end_day, "waiting_now": waiting_now,
        "services": out_services, "total": _summary({"code": "", "name": "Tổng cộng"}, merged),
        "by_hour": {code: dict(sorted(hours.items())) for code, hours in by_hour.items()},
        "wait_by_hour": {h: round(sum(w) / len(w), 1) for h, w in sorted(waits_by_hour.items())},
        "idle": _idle(db, busy, waiting_spans),
        "out_of_order": out_of_order(db, start_day, end_day),
    }


def _summary(head: dict, s: dict) -> dict:
    waits = sorted(s["waits"])
    finished = s["served"] + s["no_show"]
    return {
        **head, "issued": s["issued"], "served": s["served"], "no_show": s["no_show"],
        "cancelled": s["cancelled"],
        # Nothing called (served) yet: no average, "—" on the pages (issue 23).
        "avg_wait_min": round(sum(waits) / len(waits), 1) if waits else None,
        "p90_wait_min": round(percentile(waits, 0.9), 1) if waits else None,
        "avg_service_min": (round(sum(s["service_times"]) / len(s["service_times"]), 1)
                            if s["service_times"] else None),
        "within_target": round(s["within"] / len(waits), 3) if waits else None,
        "no_show_rate": round(s["no_show"] / finished, 3) if finished else None,
    }


def _merge(spans: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[list[str]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _overlap_min(gap: tuple[str, str], spans: list[tuple[str, str]]) -> float:
    total = 0.0
    for a, b in spans:
        lo, hi = max(a, gap[0]), min(b, gap[1])
        if hi > lo:
            total += _minutes(lo, hi)
    return total


def _idle(db, busy, waiting_spans) -> list[dict]:
    serves: dict[int, set[int]] = defaultdict(set)
    for cid, sid in db.execute("select counter_id, service_id from counter_services"):
        serves[cid].add(sid)
    names = dict(db.execute("select id, name from counters").fetchall())
    idle: dict[int, float] = defaultdict(float)
    for (cid, day), spans in busy.items():
        waiting = _merge([s for sid in serves[cid] for s in waiting_spans.get((sid, day), [])])
        spans = sorted(spans)
        for (_, finished), (called, _) in zip(spans, spans[1:], strict=False):
            if called > finished:
                idle[cid] += _overlap_min((finished, called), waiting)
    return [{"counter": names.get(cid, str(cid)), "idle_min": round(m, 1)}
            for cid, m in sorted(idle.items(), key=lambda kv: -kv[1]) if m > 0]


def out_of_order(db, start_day: str, end_day: str) -> list[dict]:
    """Every call out of order in the days, with who made it and why (the fairness audit)."""
    return list(db.query(
        """
        select e.at, t.display, c.name as counter, u.full_name as officer, e.reason
        from ticket_events e join tickets t on t.id = e.ticket_id
        left join counters c on c.id = e.counter_id left join users u on u.id = e.officer_id
        where t.day >= ? and t.day <= ? and e.action = 'call'
          and json_extract(e.detail, '$.out_of_order')
        order by e.at
        """, [start_day, end_day]))
