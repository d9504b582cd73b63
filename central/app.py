"""The Flask application factory."""

from __future__ import annotations

from flask import Flask

from motcua import __version__, clock

from .config import HubConfig
from .store import Store


def create_app(config: HubConfig, *, store: Store | None = None, gateway=None) -> Flask:
    """The hub's web app. ``gateway`` is attached by ``motcua hub`` (or a test)."""
    app = Flask(__name__)
    app.config["MOTCUA"] = config
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False
    app.extensions["motcua.store"] = store or Store(config.database)
    app.extensions["motcua.gateway"] = gateway

    @app.template_filter("localtime")
    def localtime(value, fmt="%H:%M:%S %d/%m/%Y"):
        return clock.show(value, config.timezone, fmt)

    @app.context_processor
    def centre():
        return {"center_name": config.center_name, "version": __version__}

    from .web import health, nodes, public

    app.register_blueprint(public.bp)
    app.register_blueprint(nodes.bp)
    app.register_blueprint(health.bp)
    return app


def attach_gateway(app: Flask, gateway) -> None:
    app.extensions["motcua.gateway"] = gateway
