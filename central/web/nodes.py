"""The device page: every node on the floor, online or not, and its faults."""

from flask import Blueprint, current_app, jsonify, render_template

from motcua import clock

from ..devices import nodes as registry
from . import gateway, store

bp = Blueprint("nodes", __name__)

# The hub's own link to the broker is down: what it knows of each node is only what
# it last heard, and a node may have come or gone since (audit4). A supervisor must
# tell "the hub is cut off" (every row in doubt) from "this device is offline".
UNKNOWN = "Chưa rõ"


@bp.get("/nodes")
def page():
    link = _hub_link()
    return render_template("nodes.html", nodes=_nodes(link), hub_link=link)


@bp.get("/api/nodes")
def api():
    link = _hub_link()
    return jsonify({"nodes": _nodes(link), "hub_link": link})


def _hub_link() -> dict:
    """The hub's own broker link: ``up``, and since when it is down (``lost_at``)."""
    hub = gateway()
    if hub is None:  # no MQTT client in this process (tests, a page-only app)
        return {"up": True, "lost_at": None}
    up = bool(hub.connected)
    link = getattr(hub, "link", None)
    lost_at = None if up else getattr(link, "last_lost", None)
    since = (f" từ {clock.show(lost_at, current_app.config['MOTCUA'].timezone)}"
             if lost_at else "")
    return {"up": up, "lost_at": lost_at, "text": None if up else (
        f"Máy chủ trung tâm đang mất kết nối tới MQTT broker{since}: không biết trạng thái "
        "hiện tại của các thiết bị, bảng dưới đây là lần cuối biết. Thiết bị vẫn làm việc "
        "riêng (máy lấy số in bằng số dự phòng) nhưng quầy không gọi được số. Kiểm tra "
        "dịch vụ mosquitto và mạng của máy chủ.")}


def _nodes(link: dict) -> list[dict]:
    hub = gateway()
    nodes = registry.list_nodes(store(), getattr(hub, "heard", None))
    if not link["up"]:
        for n in nodes:
            n["last_known"] = n["state_name"]
            n["state"], n["state_name"] = "unknown", f"{UNKNOWN} (lần cuối biết: {n['state_name']})"
    return nodes
