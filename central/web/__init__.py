"""Web blueprints: one per area (public pages, devices, health, …)."""

from flask import current_app

from ..store import Store


def store() -> Store:
    return current_app.extensions["motcua.store"]


def gateway():
    return current_app.extensions.get("motcua.gateway")
