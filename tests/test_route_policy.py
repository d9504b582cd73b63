"""Every web route against the declared policy (central/web/policy.py).

A route added without a policy fails here; so does a route that lets in a
role the table keeps out, or keeps out one it lets in. Also: every unsafe
method refuses a request without the CSRF token.
"""

import time

import pytest
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from central import create_app
from central.accounts import users
from central.web.policy import PUBLIC, ROUTE_POLICY, SAMPLE_ARGS

ROLES = [None, "officer", "supervisor", "admin"]
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def web(hub_config, store):
    app = create_app(hub_config, store=store)
    ids = {}
    for role in ("officer", "supervisor", "admin"):
        ids[role] = users.create_user(store, role, f"Người dùng {role}", role,
                                      "mat-khau-dai-du")["id"]
    return app, ids


def url_for_rule(rule: Rule) -> str:
    values = {}
    for name in rule.arguments:
        if name in SAMPLE_ARGS:
            values[name] = SAMPLE_ARGS[name]
        else:
            # NumberConverter: werkzeug's int and float, and the hub's StoreInteger.
            number = isinstance(rule._converters[name], NumberConverter)
            values[name] = 1 if number else "x"
    return rule.build(values, append_unknown=False)[1]


def client_as(app, ids, role):
    client = app.test_client()
    with client.session_transaction() as session:
        session["csrf"] = "test-token"
        if role:
            session["user_id"] = ids[role]
            # Signed in just now (an earlier POST /logout moved the user's epoch on).
            user = users.get_user(app.extensions["motcua.store"], user_id=ids[role])
            session["epoch"], session["since"] = user.get("session_epoch", 0), time.time()
    return client


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_has_a_policy(web):
    app, _ = web
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(ROUTE_POLICY))
    assert not missing, f"routes without a policy in central/web/policy.py: {missing}"
    stale = sorted(set(ROUTE_POLICY) - endpoints)
    assert not stale, f"policies for routes that do not exist: {stale}"


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_each_role_gets_exactly_what_the_policy_allows(web, role):
    app, ids = web
    wrong = []
    for rule, method in routes(app):
        policy = ROUTE_POLICY.get(rule.endpoint)
        if policy is None:
            continue  # reported by test_every_route_has_a_policy
        client = client_as(app, ids, role)
        url = url_for_rule(rule)
        data = {"csrf_token": "test-token"} if method in UNSAFE else None
        reply = client.open(url, method=method, data=data)
        allowed = policy == PUBLIC or role in policy
        to_login = reply.status_code == 302 and "/login" in reply.headers.get("Location", "")
        if allowed and (reply.status_code == 403 or to_login):
            wrong.append(f"{method} {url} ({rule.endpoint}) refused {role}: {reply.status_code}")
        if not allowed:
            expected_ok = to_login if role is None else reply.status_code == 403
            if not expected_ok:
                wrong.append(f"{method} {url} ({rule.endpoint}) let {role} in: "
                             f"{reply.status_code}")
    assert not wrong, "\n".join(wrong)


def test_every_unsafe_route_refuses_a_request_without_its_csrf_token(web, store):
    app, ids = web
    before = list(store.db.query("select * from users order by id"))
    checked = 0
    for rule, method in routes(app):
        if method not in UNSAFE:
            continue
        for role in ROLES:
            client = client_as(app, ids, role)
            for data in ({}, {"csrf_token": "forged"}):
                reply = client.open(url_for_rule(rule), method=method, data=data)
                assert reply.status_code == 400, (method, rule.rule, role, reply.status_code)
                assert "Xin tải lại trang" in reply.get_data(as_text=True)
                checked += 1
    assert checked >= 4 * 2 * 4  # at least login, logout and the admin forms
    assert list(store.db.query("select * from users order by id")) == before
