"""The device page: every node on the floor, online or not, and its faults."""

from flask import Blueprint, jsonify, render_template

from ..devices import nodes as registry
from . import gateway, store

bp = Blueprint("nodes", __name__)


@bp.get("/nodes")
def page():
    return render_template("nodes.html", nodes=_nodes())


@bp.get("/api/nodes")
def api():
    return jsonify({"nodes": _nodes()})


def _nodes() -> list[dict]:
    hub = gateway()
    return registry.list_nodes(store(), getattr(hub, "heard", None))
