"""``motcua hub``: the web app on waitress and the one MQTT gateway thread.

The MQTT client is started here, in the serving process, and only here.
"""

from __future__ import annotations

import logging
import signal

from waitress import create_server

from motcua import logs

from . import catalog
from .app import create_app
from .config import HubConfig
from .gateway import Gateway
from .store import Store

log = logging.getLogger(__name__)


def run(config: HubConfig) -> None:
    logs.setup(config.log_level, "hub")
    store = Store(config.database)
    gateway = Gateway(config, store)
    # The catalog version is retained state: (re)publish it whenever the link comes up.
    gateway.bus.on_connection_change(
        lambda up: up and catalog.publish_state(gateway, store.db))
    gateway.start()
    app = create_app(config, store=store, gateway=gateway)
    server = create_server(app, host=config.http.host, port=config.http.port,
                           threads=config.http.threads, ident="motcua")

    def leave(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGINT, leave)
    log.info("hub for %s (%s) at http://%s:%s/", config.center, config.center_name,
             config.http.host, config.http.port)
    try:
        server.run()
    finally:
        server.close()
        gateway.stop()
        store.close()
        log.info("hub stopped")
