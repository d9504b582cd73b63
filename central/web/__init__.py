"""Web blueprints: one per area (public pages, devices, health, …)."""

from flask import current_app

from ..store import Store


def store() -> Store:
    return current_app.extensions["motcua.store"]


def province_store():
    """Where the province's summaries are (role "province"): PostgreSQL or the hub's file."""
    return current_app.extensions.get("motcua.province_store") or store()


def gateway():
    return current_app.extensions.get("motcua.gateway")
