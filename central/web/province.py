"""The provincial hub's pages (role "province", issue 12): every centre at once.

``/province``            centres, connected or not and since when, today's queue,
                         the period report per centre and for the province
``/province/<center>``   a centre's live floor: counters, lines, nodes
``/province/overdue``    overdue dossiers across centres
``/province/officers``   officer rankings across centres

The list of centres and a centre's floor are live: province.js reads what the
bridges carry (``province/<centre>/state/...``, ``.../bridge/state``) from the
provincial broker over MQTT-over-WebSockets, as the centre's live pages do,
logged in as the broker's read-only web user when hub.toml names one
(``live_mqtt_username``, ``live_mqtt_password_file``).
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template, request

from motcua import clock
from motcua.bus.topics import NAME_PATTERN

from ..devices.nodes import ROLE_NAMES
from ..documents.formats import day, parse_day
from ..province import reports
from ..statistics.officers import NOT_ENOUGH_RATINGS
from . import gateway, province_store
from .auth import login_required
from .policy import SUPERVISION
from .queue import _live_page, live_auth, live_url

bp = Blueprint("province", __name__)
VN = ZoneInfo(clock.LOCAL_ZONE)
log = logging.getLogger(__name__)


def _live(center: str = "", refresh: str = "") -> dict:
    """The live pages' broker settings: address, and the read-only web user if any;
    ``refresh``: the ids of the page's tables fetched again when the province's
    figures move (province/<province>/state/reports)."""
    gw = gateway()
    return {"live_url": live_url(), "live_auth": live_auth(), "live_center": center,
            "live_province": current_app.config["MOTCUA"].center, "live_refresh": refresh,
            "live_version": getattr(gw, "reports_version", 0)}


def _period() -> tuple[str, str, str, str]:
    """The period asked for (?from=01/12/2026&to=06/12/2026, or a link's 2026-12-01),
    this month by default."""
    today = clock.now().astimezone(VN).date()
    try:
        first = parse_day(request.args.get("from") or today.replace(day=1).isoformat(),
                          "Từ ngày")
        last = parse_day(request.args.get("to") or today.isoformat(), "Đến ngày")
    except ValueError as bad:
        abort(400, str(bad))
    if last < first:
        abort(400, "Ngày kết thúc trước ngày bắt đầu.")
    start = clock.iso(dt.datetime.combine(first, dt.time(), tzinfo=VN))
    end = clock.iso(dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=VN))
    return first.isoformat(), last.isoformat(), start, end


@bp.context_processor
def shown_period():
    """The period as a Vietnamese reader writes it (06/12/2026), for the headings."""
    def shown(value: str) -> str:
        try:
            return day(parse_day(value))
        except (TypeError, ValueError):
            return value or ""

    first, last = request.args.get("from"), request.args.get("to")
    today = clock.now().astimezone(VN).date()
    names = current_app.config["MOTCUA"].province_names

    def province_name(province: str) -> str:
        """A province's name at the national hub (hub.toml's [province_names]); its id,
        marked as one, for a province the national inventory has not named."""
        return names.get(province) or f"Tỉnh (mã {province})"

    return {"SILENT_AFTER_MIN": reports.SILENT_AFTER_MIN,
            "shown_first": shown(first or today.replace(day=1).isoformat()),
            "shown_last": shown(last or today.isoformat()), "province_name": province_name}


@bp.get("/province")
@login_required(*SUPERVISION)
def index():
    first, last, start, end = _period()
    db = province_store().db
    scope = request.args.get("centre") or None
    prefix = _province_asked()
    official = reports.official_report(db, dt.date.fromisoformat(first),
                                       dt.date.fromisoformat(last), scope, by="field",
                                       prefix=prefix)
    if _national() and not prefix:
        # The country: one row per province; a province's own page below it.
        report = reports.period_report(db, start, end)
        rows = reports.centres(db)
        return render_template(
            "province/national.html", provinces=reports.provinces(rows),
            silent_centres=reports.silent([r for r in rows if "/" in r["center"]]), national=True,
            report=reports.provinces_report(report), first=first, last=last,
            official=official)
    revoked = frozenset(current_app.config["MOTCUA"].revoked_centres)
    centres = reports.centres(db, prefix=prefix, revoked=revoked)
    own = current_app.config["MOTCUA"].centre_names
    for c in centres:
        c["name"] = _own_name(c["center"], c["name"])
    # The province's own centres that never sent anything: listed as such, not left out.
    heard = {c["center"] for c in centres}
    centres += [{"center": cid, "name": name, "link": link, "link_name":
                 reports.LINK_NAMES[link], "link_since": None, "never": True,
                 "nodes_online": 0, "nodes": 0, "calls_today": None, "booking": {},
                 "refused": None, "figures_day": None, "last_message_at": None,
                 "silent": why, "silent_why": reports.SILENT_REASONS[why]}
                for cid, name in sorted(own.items()) if cid not in heard and not prefix
                for link, why in [("revoked", "revoked") if cid in revoked
                                  else ("unknown", "never")]]
    # With an inventory, the province counts the centres it expects: a centre it once
    # heard that is not in it (merged, closed, a test, renamed) is listed apart, out of
    # the counts and totals, whatever retained copies the broker still hands over.
    outside = [c for c in centres if own and not prefix and c["center"] not in own]
    centres = [c for c in centres if c not in outside]
    return _live_page(render_template(
        "province/index.html", centres=centres, outside=outside,
        booking_total=reports.booking_totals(centres),
        silent_centres=reports.silent(centres),
        report=reports.period_report(db, start, end, prefix=prefix), first=first, last=last,
        official=official, scope=scope, province=prefix, national=_national(),
        **_live(refresh="" if prefix else "silent-box report official")))


def _names(db, prefix: str | None = None) -> dict[str, str]:
    """Each centre's name: the province's own (hub.toml's [centre_names], from its
    inventory), else the one the centre's hub sent, else its id. A centre's hub can
    call itself anything; the province's inventory is the province's word."""
    return {c: _own_name(c, name) for c, name in
            {**current_app.config["MOTCUA"].centre_names, **reports.centre_names(db, prefix)}
            .items()}


def _own_name(center: str, sent: str) -> str:
    """A centre's name on the province's pages: the inventory's, unless it gave none
    (provision then writes the centre's id), else the one its hub sent."""
    own = current_app.config["MOTCUA"].centre_names.get(center)
    return own if own and own != center else sent


def _national() -> bool:
    return current_app.config.get("MOTCUA_ROLE") == "national"


def _province_asked() -> str | None:
    """At the national hub, ?tinh=<province> narrows every page to that province."""
    prefix = request.args.get("tinh") or None
    if prefix is not None and not NAME_PATTERN.match(prefix):
        abort(400, "Mã tỉnh không hợp lệ.")
    return prefix if _national() else None


@bp.get("/province/overdue")
@login_required(*SUPERVISION)
def overdue():
    db, prefix = province_store().db, _province_asked()
    return _live_page(render_template(
        "province/overdue.html", dossiers=reports.overdue(db, prefix=prefix),
        overdue_count=reports.overdue_count(db, prefix=prefix),
        names=_names(db, prefix), **_live(refresh="overdue-count overdue")))


@bp.get("/province/officers")
@login_required(*SUPERVISION)
def officers():
    first, last, _, _ = _period()
    db, prefix = province_store().db, _province_asked()
    return _live_page(render_template(
        "province/officers.html", first=first, last=last,
        officers=reports.officer_rankings(db, first, last, prefix=prefix),
        names=_names(db, prefix), NOT_ENOUGH_RATINGS=NOT_ENOUGH_RATINGS,
        **_live(refresh="officers")))


@bp.get("/province/<path:center>")
@login_required(*SUPERVISION)
def floor(center: str):
    db = province_store().db
    known = reports.centre(db, center)
    if known is None:
        abort(404)
    if known["center"] in current_app.config["MOTCUA"].revoked_centres:
        known["link"] = "revoked"
    return _live_page(render_template(
        "province/floor.html", center=known["center"],
        name=_own_name(known["center"], known["name"]),
        link_state=known["link"], link=reports.LINK_NAMES[known["link"]],
        link_since=known["link_since"], floor=reports.floor(db, center), role_names=ROLE_NAMES,
        **_live(known["center"])))
