"""``motcua hub``: the web app on waitress and the one MQTT gateway thread.

The MQTT client is started here, in the serving process, and only here.
"""

from __future__ import annotations

import gc
import logging
import signal
import sys
import threading

from waitress import create_server

from motcua import logs
from motcua.sdnotify import Watchdog

from . import catalog
from .bus.gateway import Gateway
from .config import HubConfig
from .store import Store
from .web.app import create_app

log = logging.getLogger(__name__)


# How long a thread may hold the interpreter while another waits for it. The
# gateway's worker builds retained state right after handing an answer to
# paho's network thread, which then waited up to Python's default 5 ms to send
# it: a ticket's answer took 15 ms at the median where the broker and a
# durable commit take 4.
GIL_SWITCH_S = 0.0005


def run(config: HubConfig) -> None:
    logs.setup(config.log_level, "hub")
    sys.setswitchinterval(GIL_SWITCH_S)
    store = Store(config.database)
    province_store = None
    if config.role in ("province", "national"):
        # The provincial hub: stores what the centres' bridges deliver (issue 12).
        # Each role loads only what it runs (here and the SMS worker below).
        from .province.gateway import ProvinceGateway
        from .province.stores import open_store

        province_store = open_store(config.province_store, store)
        gateway = ProvinceGateway(config, province_store)
    else:
        gateway = Gateway(config, store)
        # The catalog version is retained state: (re)publish it whenever the link comes up.
        gateway.bus.on_connection_change(
            lambda up: up and catalog.publish_state(gateway, store.db))
    gateway.start()
    app = create_app(config, store=store, gateway=gateway, province_store=province_store)
    server = create_server(app, host=config.http.host, port=config.http.port,
                           threads=config.http.threads, ident="motcua")
    # The port it listens on: port 0 in the config lets the system choose one as it
    # binds, told to systemd's notify socket and the log below (tests start hubs so:
    # a port chosen first and bound later can be taken in between).
    port = getattr(server, "effective_port", config.http.port)
    # What start-up made (modules, the app, templates) lives as long as the
    # process: moved out of the collector's sight, so the full collections that
    # pause every thread (a request included) walk only what came later.
    gc.freeze()

    def leave(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGINT, leave)
    sms_worker = None
    if config.sms.enabled or config.email.host:
        # After the signal handlers: a SIGTERM stops it through the finally below.
        from .sms.worker import Worker

        sms_worker = Worker(config, store).start()
    watchdog = Watchdog()
    stop_feeding = threading.Event()
    if watchdog.enabled:
        threading.Thread(target=_feed, args=(watchdog, store, gateway, stop_feeding),
                         name="watchdog", daemon=True).start()
    watchdog.ready(f"hub {config.center} on port {port}")
    log.info("hub for %s (%s) at http://%s:%s/", config.center, config.center_name,
             config.http.host, port)
    try:
        server.run()
    finally:
        watchdog.stopping()
        stop_feeding.set()
        server.close()
        if sms_worker is not None:
            sms_worker.stop()
        gateway.stop()
        store.close()
        log.info("hub stopped")


def _feed(watchdog: Watchdog, store: Store, gateway: Gateway, stop: threading.Event) -> None:
    """Feed systemd's watchdog while the database answers and the MQTT loop lives.

    A hub whose database is wedged, or whose paho thread died, stops feeding
    and is restarted. (A broker that is down is not the hub's fault: the
    gateway keeps retrying, so that does not stop the feeding.)
    """
    while not stop.wait(watchdog.interval / 2):
        thread = getattr(gateway.bus.transport, "_client", None)
        thread = getattr(thread, "_thread", None)
        mqtt_alive = thread is None or thread.is_alive()
        if store.ping() and mqtt_alive:
            watchdog.feed()
        else:
            log.error("watchdog not fed: database %s, MQTT loop %s",
                      "ok" if store.ping() else "not answering",
                      "alive" if mqtt_alive else "dead")
