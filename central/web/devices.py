"""Long-lived signed cookies: what a browser earned, remembered beyond its session.

Two uses, both to keep a throttle from being turned against the people it protects
(the hall's Wi-Fi and the officers' PCs may share one address):

- ``DEVICE``: the names that signed in from this browser, each with a random nonce.
  Sign-in attempts at such a name count on that nonce alone
  (``throttle``'s ``device:`` key), not on the address or the name everywhere.
- ``BOOKINGS``: the bookings this browser made or opened with code and phone
  (code → phone, as the session's list): it opens them again with no look-up.

The hub signs them with its secret key (itsdangerous, a salt each) and reads back
only what it signed within ``days``; a forged or old cookie reads as none.
"""

from __future__ import annotations

from flask import current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer

DEVICE = ("motcua_thiet_bi", "device", 90, 8)       # cookie, salt, days kept, entries kept
BOOKINGS = ("motcua_lich_hen", "bookings", 60, 5)


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def read(kind: tuple) -> dict[str, str]:
    name, salt, days, _ = kind
    raw = request.cookies.get(name, "")
    if not raw or len(raw) > 4000:
        return {}
    try:
        value = _serializer(salt).loads(raw, max_age=days * 86400)
    except BadData:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k)[:64]: str(v)[:64] for k, v in value.items()}


def write(response, kind: tuple, value: dict[str, str]) -> None:
    """Keep the newest ``entries`` of ``value`` (insertion order) in the cookie."""
    name, salt, days, entries = kind
    kept = dict(list(value.items())[-entries:])
    response.set_cookie(
        name, _serializer(salt).dumps(kept), max_age=days * 86400, httponly=True,
        samesite="Lax", secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        path="/")
