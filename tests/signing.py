"""Signing in as a person does, for tests: the login page's form with its CSRF token.

    token = login(client, "lan.nt", "officer", store)   # a Flask test client
    sign_in_page(page, base_url, "lan.nt")               # a Chromium page

``login`` makes the user first; a page signs in as a user made already (by
``login`` or ``users.create_user`` with the same password).
"""

from __future__ import annotations

from central.accounts import users

PASSWORD = "mat-khau-thu-1"


def login(client, username: str, role: str, store, *, name: str = "Người Thử",
          password: str = PASSWORD) -> str:
    """Make ``username`` (``role``) in ``store`` and sign ``client`` in with the login
    form; the signed-in session's CSRF token (a new session, a new token)."""
    users.create_user(store, username, name, role, password)
    client.get("/login")
    with client.session_transaction() as s:
        token = s["csrf"]
    client.post("/login", data={"username": username, "password": password,
                                "csrf_token": token})
    with client.session_transaction() as s:
        return s["csrf"]


def sign_in_page(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign a browser page in at ``base``'s login form."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.login button[type=submit]")
