"""The base of every node on the floor: presence on the bus and a clean life.

A node is a small loop that turns hardware events into bus messages and bus
state into hardware output. This class gives each one the common part::

    from motcua.node import Node

    class Dispenser(Node):
        role = "dispenser"

        def status_detail(self):
            return {"printer": "ok"}

    Dispenser(config).run()          # until SIGTERM or Ctrl-C

- a retained ``status`` (``online`` at every connect, the Last Will
  ``offline`` when it vanishes, an explicit ``offline`` when stopped);
- knowing whether the hub is there (``hub_online``), from the hub's retained
  status, without asking;
- :meth:`ping` and :meth:`report_fault`, the first request and event.
"""

from __future__ import annotations

import logging
import signal
import threading

from . import __version__
from .bus import BusClient, Topics
from .bus.client import Incoming, Transport
from .bus.messages import FAULT, NODE_STATUS, PING
from .bus.paho import PahoTransport
from .config import NodeConfig
from .sdnotify import Watchdog

log = logging.getLogger(__name__)
# How long the main thread of a node without a loop of its own sleeps when no
# watchdog wants feeding (it wakes at once when asked to stop).
IDLE_WAKE_S = 5.0


class Node:
    role = "node"
    # Seconds between two loop_once calls; 0 for a node whose loop_once paces
    # itself (the hall display waits for its next frame there).
    loop_interval = 0.1

    def __init__(self, config: NodeConfig, transport: Transport | None = None):
        self.config = config
        self.node_id = config.node_id
        self.topics = Topics(config.center)
        if transport is None:
            transport = PahoTransport(config.mqtt, client_id=config.node_id)
        self.bus = BusClient(
            transport,
            self.topics,
            status_topic=self.topics.node_status(self.node_id),
            online=self._status("online"),
            offline=self._status("offline"),
            inbox=self.topics.node_inbox(self.node_id),
        )
        self.hub_online = False
        self.center_name: str | None = None
        self.bus.subscribe(self.topics.hub_status(), self._on_hub_status)
        self._stopping = threading.Event()

    # What this node says about itself ---------------------------------------
    def status_detail(self) -> dict:
        """Role-specific facts shown on the hub's device page (override)."""
        return {}

    def _status(self, state: str) -> dict:
        if state == "offline":
            # The Will is fixed at connect time: keep it to what is always true.
            return NODE_STATUS.make(node_id=self.node_id, role=self.role, state="offline")
        return NODE_STATUS.make(
            node_id=self.node_id,
            role=self.role,
            state="online",
            version=__version__,
            detail=self.status_detail(),
        )

    def refresh_status(self) -> None:
        """Publish the status again, e.g. after the printer's state changed.

        Only when something in it changed: housekeeping calls this often, and
        every status the hub receives is a write to its database. (After a
        reconnect the client republishes the retained status by itself.)
        """
        status = self._status("online")
        same = {k: v for k, v in status.items() if k not in ("id", "ts")}
        if same == getattr(self, "_last_status", None):
            return
        self._last_status = same
        self.bus.set_online_status(status)

    # Talking to the hub ------------------------------------------------------
    def ping(self, echo: str = "", timeout: float = 5.0) -> dict:
        """Ask the hub for its time; returns the response payload."""
        return self.bus.request(
            self.topics.node_request(self.node_id, "ping"),
            PING.make(echo=echo or None),
            response_topic=self.topics.node_response(self.node_id, "ping"),
            timeout=timeout,
        )

    def report_fault(self, code: str, message: str, severity: str = "error",
                     cleared: bool = False) -> dict:
        """Tell the hub about a fault (QoS 1; queued while offline)."""
        event = FAULT.make(code=code, message=message, severity=severity,
                           cleared=cleared or None)
        self.bus.publish(self.topics.node_event(self.node_id, "fault"), event)
        return event

    def _on_hub_status(self, incoming: Incoming) -> None:
        self.hub_online = incoming.data["state"] == "online"
        self.center_name = incoming.data.get("center_name") or self.center_name

    # Life --------------------------------------------------------------------
    def start(self) -> Node:
        self.bus.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.wake()
        self.bus.stop()

    def loop_once(self) -> None:
        """One turn of the node's own work (override); called every ``loop_interval`` s."""

    def rest(self, most: float) -> None:
        """Between two :meth:`loop_once` calls: ``loop_interval`` seconds. A node that
        knows when it next has something to do may wait till then instead, but not
        longer than ``most`` (the watchdog wants feeding), and at once when
        :meth:`wake` is called."""
        if self.loop_interval:
            self._stopping.wait(self.loop_interval)

    def wake(self) -> None:
        """End :meth:`rest` early (from any thread, or a signal handler)."""

    def run(self) -> None:
        """Run until SIGTERM or Ctrl-C, then :meth:`stop` (which says ``offline``)."""

        def ask_to_stop(signum, frame):
            self._stopping.set()
            self.wake()

        signal.signal(signal.SIGTERM, ask_to_stop)
        signal.signal(signal.SIGINT, ask_to_stop)
        self.start()
        log.info("%s %s started (centre %s)", self.role, self.node_id, self.config.center)
        # systemd (Type=notify, WatchdogSec=): fed from this loop, so a loop_once
        # that hangs stops the feeding and systemd restarts the node.
        watchdog = Watchdog()
        watchdog.ready(f"{self.role} {self.node_id}")
        # A node whose work happens on its own threads (counter, dispenser) has
        # nothing to do here but feed the watchdog: it sleeps till then.
        idle = type(self).loop_once is Node.loop_once
        idle_wait = watchdog.interval / 2 if watchdog.enabled else IDLE_WAKE_S
        try:
            while not self._stopping.is_set():
                try:
                    self.loop_once()
                except Exception:
                    log.exception("%s loop failed; carrying on", self.role)
                    self._stopping.wait(0.5)  # not a hot loop of the same failure
                watchdog.feed()
                if idle:
                    self._stopping.wait(idle_wait)
                else:
                    self.rest(idle_wait)
        finally:
            watchdog.stopping()
            # The node's own stop: hardware left in a known state (a MAX7219
            # keeps its last picture), outboxes closed, then "offline".
            self.stop()
            log.info("%s %s stopped", self.role, self.node_id)
