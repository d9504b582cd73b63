"""Officer evaluation and ranking for a period, with the figures behind each rank.

::

    ranking = officer_ranking(db, dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    ranking[0]   # {"rank": 1, "full_name": ..., "served": 41, "satisfied_share": 0.95,
                 #  "dossiers_on_time_share": 1.0, "supplements": 2, "out_of_order": 0,
                 #  "score": 98.0, ...}

The score (0–100) weighs what a citizen notices: the share of ratings
satisfied (40; scored from :data:`MIN_RATINGS` ratings on, shown whatever the
count), the share of dossiers the officer made ready on time or early
(40), and calls made in order (20: 1 − out-of-order calls / calls). A part
with nothing to measure (no rating, no dossier, no call) is left out and the
others are scaled up. Calling in order is not enough for a score on its own
(an officer whose citizens never came would score 100): an officer with no
rating and no dossier made ready has ``score`` None and ``rank`` None, and is
listed after the ranked ones with the figures there are; an officer with no
activity at all in the period is not listed. Ties go to more tickets
served. Supplement requests are shown beside (many of them on one dossier
are a complaint of the seed), not scored; a request beyond the first on one
dossier is a breach of the one-stop rules (:mod:`central.dossiers.rules`) and
is counted apart (``supplement_breaches``).

Input tables: ``users``, ``tickets``, ``ticket_events``, ``ratings``,
``dossier_events`` (``actor`` is the user name).
"""

from __future__ import annotations

import datetime as dt

from motcua import clock

from .period_report import day_start
from .rules import SUPPLEMENT_ONCE

WEIGHTS = {"satisfied_share": 40, "dossiers_on_time_share": 40, "in_order_share": 20}

# Ratings an officer needs in the period before the satisfied share counts in the score
# (smallfix: one rated ticket, satisfied, scored 100,0 and ranked first). Ten, because
# below it one citizen's rating moves the share by more than 10 points (4 of the score),
# and even 10 satisfied of 10 says only "at least 72%" at 95% confidence (Wilson's
# interval): a share of fewer ratings says little of the officer. Fewer: the share is
# shown beside, not scored; with no dossier made ready either, no score and no rank, the
# row saying "chưa đủ 10 lượt đánh giá để xếp hạng". The province's ranking
# (``central.province.reports.officer_rankings``) holds its average to the same minimum.
MIN_RATINGS = 10
NOT_ENOUGH_RATINGS = f"chưa đủ {MIN_RATINGS} lượt đánh giá để xếp hạng"


def officer_ranking(db, start: dt.date, end: dt.date) -> list[dict]:
    s = clock.iso(day_start(start))
    e = clock.iso(day_start(end + dt.timedelta(days=1)))
    days = (start.isoformat(), end.isoformat())
    people = {r["id"]: {**r, "served": 0, "service_min": 0.0, "ratings": 0, "satisfied": 0,
                        "dossiers": 0, "dossiers_on_time": 0, "supplements": 0, "calls": 0,
                        "out_of_order": 0, "supplement_breaches": 0}
              for r in db.query("select id, username, full_name from users")}
    by_name = {p["username"]: p for p in people.values()}
    for oid, served, minutes in db.execute(
            "select officer_id, count(*), sum((julianday(finished_at) - julianday(called_at)) "
            "* 1440) from tickets where day >= ? and day <= ? and status = 'done' "
            "and officer_id is not null group by 1", days):
        if oid in people:
            people[oid]["served"] = served
            people[oid]["service_min"] = minutes or 0.0
    for oid, count, satisfied in db.execute(
            "select officer_id, count(*), sum(level in ('very_satisfied', 'satisfied')) "
            "from ratings where rated_at >= ? and rated_at < ? and officer_id is not null "
            "group by 1", [s, e]):
        if oid in people:
            people[oid]["ratings"], people[oid]["satisfied"] = count, satisfied
    for actor, action, count, on_time in db.execute(
            "select actor, action, count(*), sum(json_extract(detail, '$.classification') "
            "in ('early', 'on_time')) from dossier_events where at >= ? and at < ? "
            "and action in ('result_ready', 'request_supplement') group by 1, 2", [s, e]):
        p = by_name.get(actor)
        if p is None:
            continue
        if action == "result_ready":
            p["dossiers"], p["dossiers_on_time"] = count, on_time or 0
        else:
            p["supplements"] = count
    for actor, count in db.execute(
            "with r as (select actor, at, row_number() over (partition by dossier_id "
            "order by id) as n from dossier_events where action = 'request_supplement') "
            "select actor, count(*) from r where n > ? and at >= ? and at < ? group by 1",
            [SUPPLEMENT_ONCE.limit, s, e]):
        if actor in by_name:
            by_name[actor]["supplement_breaches"] = count
    for oid, calls, out in db.execute(
            "select e.officer_id, count(*), sum(coalesce(json_extract(e.detail, "
            "'$.out_of_order'), 0)) from ticket_events e join tickets t on t.id = e.ticket_id "
            "where t.day >= ? and t.day <= ? and e.action in ('call', 'next') "
            "and e.officer_id is not null group by 1", days):
        if oid in people:
            people[oid]["calls"], people[oid]["out_of_order"] = calls, out or 0
    ranked = []
    for p in people.values():
        shares = {
            "satisfied_share": p["satisfied"] / p["ratings"] if p["ratings"] else None,
            "dossiers_on_time_share": (p["dossiers_on_time"] / p["dossiers"]
                                       if p["dossiers"] else None),
            "in_order_share": 1 - p["out_of_order"] / p["calls"] if p["calls"] else None,
        }
        if not (p["served"] or p["calls"] or p["ratings"] or p["dossiers"]
                or p["supplement_breaches"]):
            continue  # nothing done in the period: not listed (a breach is never hidden)
        # The satisfied share is scored from MIN_RATINGS ratings on (shown whatever).
        counted = {k: v for k, v in shares.items() if v is not None
                   and (k != "satisfied_share" or p["ratings"] >= MIN_RATINGS)}
        weight = sum(WEIGHTS[k] for k in counted)
        scored = p["ratings"] >= MIN_RATINGS or p["dossiers"]
        score = (round(sum(WEIGHTS[k] * v for k, v in counted.items()) * 100 / weight, 1)
                 if scored else None)
        ranked.append({
            "username": p["username"], "full_name": p["full_name"], "served": p["served"],
            "avg_service_min": round(p["service_min"] / p["served"], 1) if p["served"] else 0.0,
            "ratings": p["ratings"], "dossiers": p["dossiers"],
            "dossiers_on_time": p["dossiers_on_time"], "supplements": p["supplements"],
            "supplement_breaches": p["supplement_breaches"],
            "calls": p["calls"], "out_of_order": p["out_of_order"],
            **{k: (round(v, 3) if v is not None else None) for k, v in shares.items()},
            "satisfied_scored": p["ratings"] >= MIN_RATINGS,
            "score": score,
            # Why there is no score: too few ratings (and no dossier made ready).
            "unranked_why": (NOT_ENOUGH_RATINGS if score is None and p["ratings"] else None),
        })
    ranked.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), -r["served"],
                               r["username"]))
    for i, r in enumerate(ranked, 1):
        r["rank"] = i if r["score"] is not None else None
    return ranked
