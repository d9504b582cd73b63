"""Simulated citizens and officers for ``motcua demo``: a floor that moves.

Citizens press dispenser-1's buttons (mostly the busy services, one in five
a priority class); officers at counters 2–6 call, recall and finish, at
human pace. Everything goes over the bus as the real nodes would send it,
so the board, the live pages and the statistics change by themselves::

    floor = DemoFloor(mqtt_config, "thanhhoa", services, seed=1).start()
    ...
    floor.stop()
"""

from __future__ import annotations

import logging
import random
import threading

from .bus import BusClient, Topics
from .bus.client import BusError
from .bus.messages import COUNTER_COMMAND, TICKET
from .config import MqttConfig

log = logging.getLogger(__name__)
COUNTERS = (2, 3, 4, 5, 6)


class DemoFloor:
    def __init__(self, mqtt: MqttConfig, center: str, services: list[str],
                 priorities: list[str], seed: int | None = None, pace: float = 1.0):
        from .bus.paho import PahoTransport

        self.topics = Topics(center)
        self.bus = BusClient(PahoTransport(mqtt, client_id=f"demo-floor-{center}"), self.topics,
                             inbox=[f"{self.topics.base}/node/+/response/+"])
        self.services = services
        self.priorities = priorities
        self.rng = random.Random(seed)
        self.pace = pace
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _ask(self, node_id: str, name: str, payload: dict) -> dict | None:
        try:
            return self.bus.request(self.topics.node_request(node_id, name), payload,
                                    response_topic=self.topics.node_response(node_id, name))
        except BusError as exc:
            log.info("demo floor: %s", exc)
            return None

    def _citizens(self) -> None:
        busy = self.services[:6]
        while not self._stop.wait(self.rng.uniform(2, 6) * self.pace):
            service = self.rng.choice(busy if self.rng.random() < 0.8 else self.services)
            priority = self.rng.choice(self.priorities) if self.rng.random() < 0.2 else None
            self._ask("dispenser-1", "ticket", TICKET.make(service=service, priority=priority))

    def _officer(self, number: int) -> None:
        node = f"counter-{number}"
        while not self._stop.wait(self.rng.uniform(8, 25) * self.pace):
            roll = self.rng.random()
            action = "recall" if roll < 0.1 else "no_show" if roll < 0.13 else "next"
            self._ask(node, "counter_command", COUNTER_COMMAND.make(action=action))

    def start(self) -> DemoFloor:
        self.bus.start()
        self._threads = [threading.Thread(target=self._citizens, daemon=True)]
        self._threads += [threading.Thread(target=self._officer, args=(n,), daemon=True)
                          for n in COUNTERS]
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(5)
        self.bus.stop()
