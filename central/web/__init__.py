"""The web: the app (:mod:`.app`), one blueprint per area (public pages, devices,
health, …), and the supervisor dashboard's sections (:mod:`.dashboard`).

May import every room below it (the services, the store, statistics, and the
bus adapter's gateway for publishing after a change). Nothing imports it but
the doors (``central.serve``, ``create_app``).
"""

from flask import current_app

from ..store import Store

# SQLite's INTEGER is 64-bit: a longer number typed into a URL or a form made the
# store raise OverflowError, a 500 page instead of "not found" or a Vietnamese error.
STORE_INT_MAX = 2**63 - 1


def whole_number(raw) -> int | None:
    """A URL, form or JSON value as a whole number the store can hold, else None.

    ``int()`` alone is not enough: ``"²".isdigit()`` is true yet ``int("²")``
    raises, ``int([1])`` raises TypeError, and 10**20 overflows SQLite.
    """
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if -STORE_INT_MAX <= value <= STORE_INT_MAX else None


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
