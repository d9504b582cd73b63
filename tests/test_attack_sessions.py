"""Sessions end when they should (issue 19: a cookie kept from before
``POST /logout`` still opened /console, and sessions lasted 12 h)."""

from __future__ import annotations

import time

from central import create_app
from central.accounts import users
from central.web import auth

from .signing import PASSWORD, login


def twin(app, client):
    """Another browser holding a copy of ``client``'s session cookie."""
    other = app.test_client()
    cookie = client.get_cookie("session")
    other.set_cookie("session", cookie.value)
    return other


def test_logout_ends_every_session_of_the_account_copied_cookies_included(
        app, client, sample_centre):
    token = login(client, "lan.nt", "officer", sample_centre)
    stolen = twin(app, client)  # the cookie as it was before signing out
    elsewhere = app.test_client()  # the same officer signed in on another PC
    elsewhere.get("/login")
    with elsewhere.session_transaction() as s:
        other_token = s["csrf"]
    elsewhere.post("/login", data={"username": "lan.nt", "password": PASSWORD,
                                   "csrf_token": other_token})
    for c in (client, stolen, elsewhere):
        assert c.get("/console").status_code == 200
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    for c in (client, stolen, elsewhere):
        reply = c.get("/console")
        assert reply.status_code == 302 and "/login" in reply.headers["Location"]


def test_a_new_password_ends_every_session_of_that_account(app, client, sample_centre):
    login(client, "lan.nt", "officer", sample_centre)
    stolen = twin(app, client)
    admin = app.test_client()
    login(admin, "quantri", "admin", sample_centre)
    users.set_password(sample_centre, "lan.nt", "mat-khau-moi-2", actor="quantri")
    for c in (client, stolen):
        assert c.get("/console").status_code == 302
    assert admin.get("/console").status_code == 200  # other accounts keep theirs


def test_a_staff_session_lasts_a_shift_and_the_shift_is_configurable(
        app, client, sample_centre, monkeypatch, hub_config, store):
    login(client, "lan.nt", "officer", sample_centre)
    start = time.time()
    monkeypatch.setattr(auth.time, "time", lambda: start + 9.5 * 3600)
    assert client.get("/console").status_code == 200
    monkeypatch.setattr(auth.time, "time", lambda: start + 10.5 * 3600)
    assert client.get("/console").status_code == 302
    assert app.permanent_session_lifetime.total_seconds() == 10 * 3600
    # A centre with a shorter shift says so in hub.toml ([http] session_hours).
    hub_config.http.session_hours = 4
    short = create_app(hub_config, store=store)
    assert short.permanent_session_lifetime.total_seconds() == 4 * 3600
