"""Statistics and supervision pages: the period report and its exports, the
supervisor dashboard (live), and the public statistics page.

The dashboard is drawn from the store; ``static/dashboard.js`` keeps it
current from the broker's retained state (counters and lines row by row; when
``state/supervision``, ``state/queue_stats`` or ``state/dossier_stats``
changes it fetches ``/dashboard/panel`` once, the signed-in details: no
polling).
"""

from __future__ import annotations

import datetime as dt
import threading
import time

from flask import Blueprint, Response, abort, current_app, render_template, request

from motcua import clock

from ..appointments import figures
from ..calendar.working_time import VN
from ..documents.formats import NO_RESOLVED, parse_day
from ..feedback.ratings import LEVELS
from ..queue import setup, state, tickets
from ..statistics import charts, supervision
from ..statistics.officers import MIN_RATINGS, WEIGHTS, officer_ranking
from ..statistics.period_report import GROUPINGS, period_report
from ..statistics.queue_figures import queue_figures
from ..statistics.rules import SUPPLEMENT_ONCE, supplement_breaches
from . import dashboard as dashboard_sections
from . import store
from .auth import login_required
from .policy import SUPERVISION
from .queue import _live_page, live_auth, live_url
from .queue import _topics as topics

bp = Blueprint("statistics", __name__)

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
MAX_DAYS = 366 * 5


def _config():
    return current_app.config["MOTCUA"]


def _today() -> dt.date:
    return clock.now().astimezone(VN).date()


class BadPeriod(ValueError):
    pass


def _period() -> tuple[dt.date, dt.date, str]:
    """The period and grouping asked for; default: this month so far, by department."""
    today = _today()
    try:
        start = parse_day(request.args.get("start") or today.replace(day=1).isoformat(),
                          "Từ ngày")
        end = parse_day(request.args.get("end") or today.isoformat(), "Đến ngày")
    except ValueError as bad:
        raise BadPeriod(str(bad)) from None
    if end < start:
        raise BadPeriod("Ngày kết thúc phải sau ngày bắt đầu.")
    if (end - start).days > MAX_DAYS:
        raise BadPeriod("Kỳ báo cáo dài quá 5 năm.")
    by = request.args.get("by") or "department"
    if by not in GROUPINGS:
        raise BadPeriod("Cách tổng hợp không hợp lệ.")
    return start, end, by


def _booking_figures(db, start: dt.date, end: dt.date) -> dict:
    """Issue 26: booked against walk-in waits, no-shows, share of capacity booked."""
    return figures.figures(db, current_app.config["MOTCUA"], start.isoformat(),
                           end.isoformat())


@dashboard_sections.section("bookings", "Đặt lịch hẹn hôm nay", "statistics/_bookings.html",
                            order=40)
def bookings_today(db) -> dict:
    today = _today()
    return {"b": _booking_figures(db, today, today)}


@bp.get("/statistics")
@login_required(*SUPERVISION)
def report_page():
    try:
        start, end, by = _period()
    except BadPeriod as error:
        today = _today()
        # The period as typed, to be mended.
        return render_template("statistics/report.html", error=str(error), report=None,
                               groupings=GROUPINGS,
                               start=request.args.get("start") or today.replace(day=1),
                               end=request.args.get("end") or today, by="department"), 400
    db = store().db
    report = period_report(db, start, end, by=by)
    return render_template(
        "statistics/report.html", report=report, groupings=GROUPINGS, start=start, end=end,
        by=by, error=None, queue=queue_figures(db, start.isoformat(), end.isoformat()),
        bookings=_booking_figures(db, start, end),
        officers=officer_ranking(db, start, end), weights=WEIGHTS, min_ratings=MIN_RATINGS,
        chart=charts.hbars([(r["name"], _share(r["on_time_rate"])) for r in report["rows"]],
                           kind="share", coloured=True, missing="chưa có hồ sơ giải quyết",
                           label="Tỷ lệ đúng hạn", decimals=1, chart_id="report-bars"),
        breaches=supplement_breaches(db, start=start, end=end), rule=SUPPLEMENT_ONCE)


@bp.get("/statistics/report.<fmt>")
@login_required(*SUPERVISION)
def export(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    try:
        start, end, by = _period()
    except BadPeriod as error:
        abort(400, description=str(error))
    # Loaded on the first export, not with the app: the PDF and spreadsheet
    # libraries are a third of the hub's memory, and most days nobody exports.
    from ..documents.pdf import Letterhead
    from ..statistics import exports

    report = period_report(store().db, start, end, by=by)
    head, today = Letterhead.of(_config()), _today()
    # The breaches the page lists under the report go with the XLSX and the PDF.
    breaches = supplement_breaches(store().db, start=start, end=end)
    data = {"csv": exports.to_csv,
            "xlsx": lambda r: exports.to_xlsx(r, head, today, breaches=breaches),
            "pdf": lambda r: exports.to_pdf(r, head, today, breaches=breaches)}[fmt](report)
    kind = "inline" if fmt == "pdf" else "attachment"
    return Response(data, mimetype=FORMATS[fmt], headers={
        "Content-Disposition": exports.disposition(report, fmt, kind)})


# --- The supervisor dashboard --------------------------------------------------------

_chart_cache: dict = {}
_chart_lock = threading.Lock()
CHART_TTL = 60.0  # the weekly on-time chart moves slowly; recomputed at most once a minute


def weekly_on_time(db, today: dt.date, weeks: int = 8) -> dict[str, list]:
    """On-time rate by department for each of the last ``weeks`` weeks (Monday to Sunday)."""
    key = (id(db), today, weeks)
    with _chart_lock:
        hit = _chart_cache.get(key)
        if hit and time.monotonic() - hit[0] < CHART_TTL:
            return hit[1]
    monday = today - dt.timedelta(days=today.weekday())
    series: dict[str, list] = {}
    starts = [monday - dt.timedelta(weeks=w) for w in range(weeks - 1, -1, -1)]
    for i, start in enumerate(starts):
        report = period_report(db, start, start + dt.timedelta(days=6))
        for row in report["rows"]:
            series.setdefault(row["name"], [None] * len(starts))
            if row["on_time_rate"] is not None:
                series[row["name"]][i] = row["on_time_rate"] / 100
    labels = [f"{s:%d/%m}" for s in starts]
    out = {name: list(zip(labels, values, strict=True)) for name, values in series.items()}
    with _chart_lock:
        _chart_cache.clear()
        _chart_cache[key] = (time.monotonic(), out)
    return out


def _charts(db, snap: dict) -> dict:
    today = snap["now"].date()
    day = tickets.today(db)
    q = queue_figures(db, day, day)
    per_hour: dict[int, int] = {}
    for hours in q["by_hour"].values():
        for h, n in hours.items():
            per_hour[h] = per_hour.get(h, 0) + n
    return {
        "waits": charts.bars([(f"{h}h", w) for h, w in q["wait_by_hour"].items()],
                             unit="phút", label="Thời gian chờ trung bình theo giờ",
                             decimals=1),
        # Every hour from the first ticket to the last, empty ones too (the lunch
        # break shows as a gap, not as a squeezed axis).
        "tickets": charts.bars([(f"{h}h", per_hour.get(h, 0))
                                for h in range(min(per_hour, default=0),
                                               max(per_hour, default=-1) + 1)],
                               unit="phiếu", label="Số phiếu theo giờ",
                               colour=charts.PALETTE[2]),
        "on_time": charts.heat(weekly_on_time(db, today),
                               label="Tỷ lệ đúng hạn theo cơ quan, theo tuần",
                               missing=NO_RESOLVED),
        "ratings": charts.hbars([(LEVELS[k][1], snap["ratings"]["levels"].get(k, 0))
                                 for k in LEVELS], unit="lượt",
                                label="Đánh giá của công dân năm nay", chart_id="ratings-bars"),
        "queue": q,
    }


def _sections(db) -> list[dict]:
    out = []
    for section in dashboard_sections.sections():
        try:
            html = render_template(section.template, title=section.title,
                                   **(section.context(db) or {}))
            out.append({"key": section.key, "title": section.title, "html": html,
                        "failed": False})
        except Exception:  # one section's bug must not take the dashboard down
            current_app.logger.exception("dashboard section %s failed", section.key)
            out.append({"key": section.key, "title": section.title, "html": "",
                        "failed": True})
    return out


def _panel_context() -> dict:
    db = store().db
    snap = supervision.snapshot(db, _config())
    return {"snap": snap, "charts": _charts(db, snap), "sections": _sections(db)}


@bp.get("/dashboard")
@login_required(*SUPERVISION)
def dashboard():
    db = store().db
    return _live_page(render_template(
        "statistics/dashboard.html",
        counters=[state.counter_state(db, c["number"]) for c in setup.counters(db)],
        officers=state.officer_names(db),
        lines=[state.line(db, s["code"]) for s in setup.services(db)],
        live_url=live_url(), live_base=topics().base, live_auth=live_auth(), **_panel_context()))


@bp.get("/dashboard/panel")
@login_required(*SUPERVISION)
def dashboard_panel():
    return render_template("statistics/_panel.html", **_panel_context())


def _share(rate: float | None) -> float | None:
    """The report's 0–100 rate as a 0–1 share (None stays None: nothing to divide)."""
    return None if rate is None else rate / 100


# --- Public statistics ---------------------------------------------------------------

@bp.get("/thong-ke")
def public_page():
    """This year's figures per department, satisfaction, today's queue: no personal data."""
    db = store().db
    today = _today()
    year = period_report(db, dt.date(today.year, 1, 1), today)
    ratings = supervision.ratings_summary(
        db, clock.iso(dt.datetime(today.year, 1, 1, tzinfo=VN)), clock.iso())
    return _live_page(render_template(
        "statistics/public.html", year=year, ratings=ratings, today=today,
        queue=state.stats(db), index=supervision.national_index(year["total"], ratings),
        chart=charts.hbars([(r["name"], _share(r["on_time_rate"])) for r in year["rows"]],
                           kind="share", coloured=True, missing="chưa có hồ sơ giải quyết",
                           label="Tỷ lệ đúng hạn theo cơ quan", decimals=1,
                           chart_id="on-time-bars"),
        live_url=live_url(), live_base=topics().base, live_auth=live_auth()))


# The supervisor's dashboard: supplement requests beyond the first, the last 30 days.
@dashboard_sections.section("rule_breaches", "Vi phạm quy định: yêu cầu bổ sung hồ sơ quá một lần",
                            "dossiers/_rule_breaches.html", order=25)
def breaches_section(db) -> dict:
    since = clock.now().astimezone(VN).date() - dt.timedelta(days=30)
    return {"items": supplement_breaches(db, start=since, limit=50), "rule": SUPPLEMENT_ONCE,
            "since": since}
