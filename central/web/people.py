"""Officers by their full names on every page and form: ``{{ d.received_by|person }}``.

The store records who acted by login (``nam.pv``); a citizen, a signed form or
a supervisor reads "Phạm Văn Nam". The names are read once per request. A value
that is no login (the system, a citizen, a node id) is shown as it is.
"""

from __future__ import annotations

from flask import g

from . import store


def full_names(db) -> dict[str, str]:
    """Every login and its full name (one small query; the users table is short)."""
    return dict(db.execute("select username, full_name from users").fetchall())


def install(app) -> None:
    def person(username: str | None) -> str:
        if not username:
            return ""
        names = getattr(g, "_full_names", None)
        if names is None:
            names = g._full_names = full_names(store().db)
        return names.get(username) or username

    app.add_template_filter(person, "person")
