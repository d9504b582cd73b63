"""The Flask application factory."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

from flask import Blueprint, Flask, render_template
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from motcua import __version__, clock

from ..config import HubConfig
from ..province.stores import open_store
from ..store import Store
from . import STORE_INT_MAX

ERROR_TEXTS = {
    400: "Yêu cầu không hợp lệ",
    403: "Bạn không có quyền xem trang này",
    404: "Không tìm thấy trang",
    405: "Thao tác không được phép",
    413: "Dữ liệu gửi lên quá lớn (tối đa 32 MB)",  # MAX_CONTENT_LENGTH, nginx's too
    429: "Quá nhiều yêu cầu",
    500: "Lỗi hệ thống",
}


class StoreInteger(IntegerConverter):
    """``<int:…>`` in every route: a number SQLite cannot hold is "not found" (404),
    not an OverflowError from the store (500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=STORE_INT_MAX, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def secret_key(config: HubConfig) -> bytes:
    """The session-signing key: read from its file, made (mode 0600) on first start."""
    path = Path(config.secret_key_file or Path(config.database).parent / "secret_key")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def blueprints() -> list[Blueprint]:
    """Every area's pages, in the order their routes are matched.

    Imported when the app is made, not with this module, so ``import central``
    (a service, a test, the migrations) does not load every page and its services.
    """
    from . import (  # lazy: see above
        admin_users,
        appointments,
        audit,
        auth,
        catalog,
        counter,
        demo,
        dossiers,
        feedback,
        fees,
        health,
        nodes,
        province,
        public,
        queue,
        queue_admin,
        redirects,
        sms,
        statistics,
    )

    return [auth.bp, public.bp, nodes.bp, health.bp, dossiers.bp, catalog.bp, admin_users.bp,
            audit.bp, queue.bp, queue_admin.bp, counter.bp, province.bp, sms.bp, feedback.bp,
            fees.bp, demo.bp, statistics.bp, appointments.bp,
            redirects.bp]  # old addresses, kept working


def security_headers(response):
    """Every response: no inline scripts or styles anywhere (pages load /static
    files only), no framing, no sniffing, no referrer outside the hub."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def error_page(error):
    """The error page in Vietnamese: our own descriptions only (werkzeug's
    defaults are English)."""
    code = getattr(error, "code", 500) or 500
    description = getattr(error, "description", "")
    if description == getattr(type(error), "description", None):
        description = ""
    return render_template("error.html", code=code, title=ERROR_TEXTS.get(code, "Lỗi"),
                           description=description), code


def number_too_long(error):
    """A number longer than SQLite's INTEGER reached the store (OverflowError): the doors
    parse numbers with ``whole_number`` and refuse such ones; any left is a 400 in
    Vietnamese, not a 500. The write it was part of rolled back with the exception."""
    return error_page(BadRequest(description="Một giá trị số đã nhập quá lớn. "
                                             "Xin kiểm tra lại rồi gửi lại."))


def create_app(config: HubConfig, *, store: Store | None = None, gateway=None,
               province_store=None) -> Flask:
    """The hub's web app. ``gateway`` is attached by ``motcua hub`` (or a test)."""
    # Templates and static files live in central/, one floor up from this module.
    app = Flask(__name__, root_path=str(Path(__file__).resolve().parent.parent))
    app.config.update(
        MOTCUA=config,
        SECRET_KEY=secret_key(config),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.http.secure_cookies,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=config.http.session_hours),  # a shift
        MAX_CONTENT_LENGTH=32 * 1024 * 1024,  # import files included
        MOTCUA_ROLE=config.role,
    )
    app.json.ensure_ascii = False
    if config.http.behind_proxy:
        # nginx on this machine (proxy/motcua.conf): the browser's address for the
        # sign-in throttle, https for url_for and the live pages' wss:// address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.extensions["motcua.store"] = store or Store(config.database)
    if province_store is None and config.role in ("province", "national"):
        province_store = open_store(config.province_store, app.extensions["motcua.store"])
    # The province's summaries: PostgreSQL where hub.toml names one, else the hub's file.
    app.extensions["motcua.province_store"] = province_store
    app.extensions["motcua.gateway"] = gateway

    @app.template_filter("localtime")
    def localtime(value, fmt="%H:%M:%S %d/%m/%Y"):
        return clock.show(value, config.timezone, fmt)

    # These three, like the blueprints, load with the app, not with ``import central``.
    from ..documents import formats

    formats.install(app)  # |number, |percent, |day, rate(), dash(): Vietnamese forms
    from . import people  # lazy, as formats

    people.install(app)  # |person: a login shown as the officer's full name

    @app.context_processor
    def centre():
        # The hub's time for the pages' own clocks ("12 phút" serving): the demo's
        # day in a demo, running ``hub_speed`` times faster (issue 22).
        demo = clock.demo()
        return {"center_name": config.center_name, "version": __version__,
                "hub_now": clock.iso(), "hub_speed": demo.speed if demo else 1}

    app.after_request(security_headers)
    for code in ERROR_TEXTS:
        app.register_error_handler(code, error_page)
    app.register_error_handler(OverflowError, number_too_long)

    from . import auth  # lazy, as formats

    app.jinja_env.globals.update(csrf_token=auth.csrf_token, csrf_field=auth.csrf_field)
    # Before the blueprints: their <int:…> rules take the converter at registration.
    app.url_map.converters["int"] = StoreInteger
    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    return app


def attach_gateway(app: Flask, gateway) -> None:
    app.extensions["motcua.gateway"] = gateway
