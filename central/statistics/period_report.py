"""The official period report (Biểu 06/VPCP/KSTT), by department, field or procedure.

A plain function over a sqlite-utils Database: no Flask, no bus, so a
provincial hub can run it per centre over the data replicated to it::

    report = period_report(db, dt.date(2026, 1, 1), dt.date(2026, 3, 31), by="department")
    report["columns"]        # [("received", "Tổng số hồ sơ tiếp nhận"), ...]
    report["rows"][0]        # {"key": 3, "name": "Sở Tư pháp", "received": 12, ...}
    report["total"]          # the same figures over every row

Input tables (read only):

- ``dossier_days`` (per local ``day`` and ``procedure_id``: receptions online
  and not, results early / on time / late, withdrawals, refusals, stops,
  closures of received dossiers), ``dossier_facts`` (``dossier_id``,
  ``procedure_id``, ``received_at``, ``due_at``, ``closed_at``) and
  ``dossier_pauses`` (``dossier_id``, ``paused_at``, ``resumed_at``): the
  digest of ``dossier_events`` kept by a trigger (see
  :mod:`central.statistics.facts`; on a replica without it, call
  ``facts.rebuild(db)`` first);
- ``procedures`` (``id``, ``code``, ``name``, ``field``, ``department_id``)
  and ``departments`` (``id``, ``code``, ``name``, ``sort_order``).

Times are ISO 8601 UTC strings as :func:`motcua.clock.iso` writes them. The
period is whole local days, ``start`` to ``end`` inclusive (Vietnam time).

The rules (DOMAIN.md):

- received = carried over (received before the period, not closed at its
  start) + online + in person or by post (received in the period);
- resolved in the period = early + on time + late (classified when the
  result was ready, against the original due time: an apology does not
  make a late dossier on time);
- at the end of the period, a dossier still open is waiting for a supplement
  (a supplement requested and not yet resubmitted), or in progress: overdue
  when its due time is at or before ``min(now, end)``, else within deadline
  (within deadline too while fees hold a clock stopped before it fell due:
  :data:`HELD`);
- withdrawn, refused, stopped: closed so in the period (a refusal at
  reception or a withdrawn online registration never counted as received);
- on-time rate = (early + on time) / resolved × 100; late rate = late /
  resolved × 100; both None when nothing was resolved (no rate, shown "—").

So, in every row, what was received (carried over included) is resolved,
still open at the end (in progress or waiting for a supplement), or was
withdrawn, refused or stopped after reception; the tests check that balance.

A dossier is counted under its procedure, that procedure's field and the
department competent for it (``procedures.department_id``), whichever
department handles it at the moment.
"""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from motcua import clock
from motcua.text import sort_key

from ..calendar.working_time import VN

GROUPINGS = {"department": "Cơ quan, đơn vị", "field": "Lĩnh vực", "procedure": "Thủ tục"}

COLUMNS: list[tuple[str, str]] = [
    ("received", "Tổng số hồ sơ tiếp nhận"),
    ("carried_over", "Kỳ trước chuyển qua"),
    ("online", "Tiếp nhận trực tuyến"),
    ("direct", "Tiếp nhận trực tiếp, bưu chính"),
    ("resolved", "Tổng số đã giải quyết"),
    ("early", "Trước hạn"),
    ("on_time", "Đúng hạn"),
    ("late", "Quá hạn"),
    ("in_progress", "Tổng số đang giải quyết"),
    ("within_deadline", "Trong hạn"),
    ("overdue", "Quá hạn"),
    ("supplement", "Chờ bổ sung"),
    ("withdrawn", "Rút hồ sơ"),
    ("refused", "Từ chối tiếp nhận"),
    ("stopped", "Dừng xử lý"),
    ("on_time_rate", "Tỷ lệ đúng hạn (%)"),
    ("late_rate", "Tỷ lệ quá hạn (%)"),
]
COUNTS = [key for key, _ in COLUMNS if not key.endswith("_rate")]
# dossier_days columns summed over the period, in order (closed_received last).
FLOWS = ["online", "direct", "early", "on_time", "late", "withdrawn", "refused", "stopped"]
# Header groups of the official layout: (title, first column, number of columns).
HEADER_GROUPS = [
    ("Số hồ sơ tiếp nhận", 0, 4),
    ("Số hồ sơ đã giải quyết", 4, 4),
    ("Số hồ sơ đang giải quyết", 8, 3),
    ("Chờ bổ sung", 11, 1),
    ("Hồ sơ khác", 12, 3),
    ("Tỷ lệ", 15, 2),
]
TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
FORM = "Biểu số 06/VPCP/KSTT"


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), VN)


# Waiting for fees at the end of the period with the clock stopped (the procedure's
# ``fees_pause_clock``: the ``await_fees`` event says ``"clock": "paused"``) since before
# the dossier fell due, and not resumed (fees paid, a result, a withdrawal, a stop): its
# due date moves on when the clock resumes, so it is within its time, not overdue.
# (CASE, not AND: SQLite evaluates both sides of an AND in a result column. The first
# test, one look-up among the few dossiers ever held so, spares the others the
# correlated one: a year's report over 100,000 dossiers took 25 ms more without it.)
HELD = """case when f.dossier_id in (select dossier_id from dossier_events
    where action = 'await_fees' and at < :e and json_extract(detail, '$.clock') = 'paused')
  then exists(select 1 from dossier_events h where h.dossier_id = f.dossier_id
    and h.action = 'await_fees' and h.at < :e and h.at < f.due_at
    and json_extract(h.detail, '$.clock') = 'paused'
    and not exists(select 1 from dossier_events r where r.dossier_id = h.dossier_id
        and r.id > h.id and r.at < :e
        and r.action in ('fees_paid', 'result_ready', 'withdraw', 'stop')))
  else 0 end"""


def period_report(db: sqlite_utils.Database, start: dt.date, end: dt.date,
                  by: str = "department", now: dt.datetime | None = None) -> dict:
    """The report for local days ``start``..``end`` (inclusive), rows ``by`` group.

    ``now`` (default: the clock) bounds "overdue" for a period not yet over.
    Raises ``ValueError`` for an unknown grouping or an end before the start.
    """
    if by not in GROUPINGS:
        raise ValueError(f"by: expected one of {', '.join(GROUPINGS)}, not {by!r}")
    if end < start:
        raise ValueError("the period ends before it starts")
    e = clock.iso(day_start(end + dt.timedelta(days=1)))
    limit = min(clock.iso(now or clock.now()), e)
    per: dict[int, dict[str, int]] = {}

    def add(pid, key, n):
        row = per.setdefault(pid, dict.fromkeys(COUNTS, 0))
        row[key] += n

    # Flows: sums over the period's days (dossier_days, kept by the trigger).
    closed_received: dict[int, int] = {}
    for pid, *sums in db.execute(
            "select procedure_id, sum(received_online), sum(received_direct), sum(early), "
            "sum(on_time), sum(late), sum(withdrawn), sum(refused), sum(stopped), "
            "sum(closed_received) from dossier_days where day >= ? and day <= ? "
            "group by procedure_id", [start.isoformat(), end.isoformat()]):
        for key, n in zip(FLOWS, sums[:-1], strict=True):
            add(pid, key, n)
        closed_received[pid] = sums[-1]
    for clause in ("closed_at >= :e", "closed_at is null"):
        for pid, paused, overdue, n in db.execute(
                f"""
                select procedure_id,
                  exists(select 1 from dossier_pauses p where p.dossier_id = f.dossier_id
                         and p.paused_at < :e and (p.resumed_at is null or p.resumed_at >= :e)),
                  case when due_at <= :limit then not ({HELD}) else 0 end, count(*)
                from dossier_facts f where {clause} and received_at < :e group by 1, 2, 3
                """, {"e": e, "limit": limit}):
            add(pid, "supplement" if paused else "overdue" if overdue else "within_deadline", n)
    # Open at the start = open at the end − received in the period + closed after
    # reception in the period (no scan of everything received before the start).
    for pid, row in per.items():
        row["carried_over"] = (row["supplement"] + row["overdue"] + row["within_deadline"]
                               - row["online"] - row["direct"] + closed_received.get(pid, 0))
    rows = _group(db, per, by)
    total = dict.fromkeys(COUNTS, 0)
    for row in rows:
        for key in COUNTS:
            total[key] += row[key]
    return {
        "form": FORM, "title": TITLE, "start": start, "end": end, "by": by,
        "by_name": GROUPINGS[by], "columns": COLUMNS,
        "rows": rows, "total": _finish({"key": None, "name": "Tổng cộng", **total}),
        "now": limit,
    }


def flows(db: sqlite_utils.Database, start: dt.date, end: dt.date) -> dict[str, int]:
    """The centre's flows over local days ``start``..``end``: received (online,
    direct), resolved (early, on time, late), withdrawn, refused, stopped.
    A few rows read: what a dashboard needs for "today"."""
    row = db.execute(
        "select coalesce(sum(received_online), 0), coalesce(sum(received_direct), 0), "
        "coalesce(sum(early), 0), coalesce(sum(on_time), 0), coalesce(sum(late), 0), "
        "coalesce(sum(withdrawn), 0), coalesce(sum(refused), 0), coalesce(sum(stopped), 0) "
        "from dossier_days where day >= ? and day <= ?",
        [start.isoformat(), end.isoformat()]).fetchone()
    return dict(zip(FLOWS, row, strict=True))


def _finish(row: dict) -> dict:
    row["received"] = row["carried_over"] + row["online"] + row["direct"]
    row["resolved"] = row["early"] + row["on_time"] + row["late"]
    row["in_progress"] = row["within_deadline"] + row["overdue"]
    resolved = row["resolved"]
    # No result in the period, no rate: None (shown "—"), not the 100 of a
    # department that did nothing (docs/statistics.md, "Shares with nothing to divide").
    row["on_time_rate"] = (round((row["early"] + row["on_time"]) * 100 / resolved, 2)
                           if resolved else None)
    row["late_rate"] = round(row["late"] * 100 / resolved, 2) if resolved else None
    return row


def _group(db, per: dict[int, dict], by: str) -> list[dict]:
    if not per:
        return []
    marks = ",".join("?" * len(per))
    procs = {r[0]: r[1:] for r in db.execute(
        "select p.id, p.code, p.name, p.field, d.id, d.name, d.sort_order, d.code "
        "from procedures p "
        f"left join departments d on d.id = p.department_id where p.id in ({marks})",
        list(per))}
    groups: dict = {}
    for pid, counts in per.items():
        code, name, field, dep_id, dep_name, dep_order, dep_code = procs.get(
            pid, (f"#{pid}", "(không rõ thủ tục)", "", None, None, None, None))
        dep_name = dep_name or "(không rõ cơ quan)"
        if by == "department":
            key, sort, label = dep_id, (dep_order or 0, dep_name), dep_name
            extra = {"department_code": dep_code or ""}
        elif by == "field":
            # The Vietnamese alphabet's order: "Đất đai" after "Chứng thực", not after "Xúc tiến".
            key, sort, label, extra = (field, (field is None, sort_key(field or "")),
                                       field or "(không rõ lĩnh vực)", {})
        else:
            key, sort, label, extra = code, (code,), name, {"code": code,
                                                            "department": dep_name}
        row = groups.get(key)
        if row is None:
            row = groups[key] = {"key": key, "name": label, **extra, "_sort": sort,
                                 **dict.fromkeys(COUNTS, 0)}
        for k in COUNTS:
            row[k] += counts[k]
    rows = sorted(groups.values(), key=lambda r: r["_sort"])
    for row in rows:
        del row["_sort"]
        _finish(row)
    return rows


def table(report: dict) -> list[list]:
    """The report as rows of cells: header row, one row per group, the total.

    What the CSV and XLSX exports write, cell for cell.
    """
    head = ["STT", report["by_name"]] + [title for _, title in report["columns"]]
    out = [head]
    for i, row in enumerate(report["rows"], 1):
        label = f"{row['code']} – {row['name']}" if "code" in row else row["name"]
        out.append([i, label] + [row[k] for k, _ in report["columns"]])
    out.append(["", report["total"]["name"]] + [report["total"][k] for k, _ in
                                                report["columns"]])
    return out
