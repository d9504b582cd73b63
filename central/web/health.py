"""``/healthz``: is the hub well? For monitoring and the technician."""

from flask import Blueprint, jsonify

from .. import alarms
from ..bus import reliability
from . import gateway, province_store, store

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    database = "ok" if store().ping() and province_store().ping() else "error"
    gw = gateway()
    link = None
    if gw is None:
        broker = "not started"
    else:
        # Not only this instant: a link knocked off and back within a second
        # is "unstable" while there were losses in the last minutes.
        link = gw.link.describe(gw.connected) if hasattr(gw, "link") else None
        broker = link["state"] if link else ("connected" if gw.connected else "disconnected")
    active = [a.key for a in alarms.active()]
    if reliability.STORAGE_ALARM in active:
        database = "refuses writes"  # it answers reads, but takes no new work
    healthy = database == "ok" and broker == "connected"
    body = {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "alarms": active,
        "broker": broker,
        "broker_link": link,
        "dropped_messages": gw.bus.dropped if gw else 0,
    }
    return jsonify(body), 200 if healthy else 503
