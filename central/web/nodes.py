"""The device page: every node on the floor, online or not, and its faults."""

from flask import Blueprint, jsonify, render_template

from ..devices import nodes as registry
from . import store

bp = Blueprint("nodes", __name__)


@bp.get("/nodes")
def page():
    return render_template("nodes.html", nodes=registry.list_nodes(store()))


@bp.get("/api/nodes")
def api():
    return jsonify({"nodes": registry.list_nodes(store())})
