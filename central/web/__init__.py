"""The web: the app (:mod:`.app`), one blueprint per area (public pages, devices,
health, …), and the supervisor dashboard's sections (:mod:`.dashboard`).

May import every room below it (the services, the store, statistics, and the
bus adapter's gateway for publishing after a change). Nothing imports it but
the doors (``central.serve``, ``create_app``).
"""

from flask import current_app

from ..store import Store


def config():
    """The hub's settings (:class:`central.config.HubConfig`) the app was made with."""
    return current_app.config["MOTCUA"]


def store() -> Store:
    return current_app.extensions["motcua.store"]


def province_store():
    """Where the province's summaries are (role "province"): PostgreSQL or the hub's file."""
    return current_app.extensions.get("motcua.province_store") or store()


def gateway():
    return current_app.extensions.get("motcua.gateway")
