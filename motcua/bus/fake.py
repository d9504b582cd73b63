"""An in-process broker for unit tests, with the semantics that matter.

- retained messages are kept per topic and delivered on subscribe; an empty
  retained payload clears the topic;
- a client's Last Will is published when it is :meth:`~FakeTransport.kill`-ed,
  not when it stops cleanly;
- QoS 1 messages published while a client is offline wait for it (as paho
  keeps them in memory); QoS 0 ones are dropped;
- delivery is synchronous, so tests need no sleeping::

    broker = FakeBroker()
    hub = BusClient(broker.transport("hub"), topics)
    node = BusClient(broker.transport("kiosk-1"), topics, ...)
"""

from __future__ import annotations

import threading

from .client import Incoming, Transport, _matches


class FakeBroker:
    def __init__(self):
        self.retained: dict[str, Incoming] = {}
        self.clients: list[FakeTransport] = []
        self.log: list[Incoming] = []  # every publish, in order, for assertions
        self._lock = threading.RLock()

    def transport(self, client_id: str) -> FakeTransport:
        return FakeTransport(self, client_id)

    def publish(self, message: Incoming, qos: int = 1) -> None:
        with self._lock:
            self.log.append(message)
            if message.retain:
                if message.payload:
                    self.retained[message.topic] = message
                else:
                    self.retained.pop(message.topic, None)
            targets = [c for c in self.clients if c.connected and c.wants(message.topic)]
        for client in targets:
            # A live delivery is not flagged retained (MQTT: retain is set only
            # for messages sent because of a new subscription).
            client.deliver(
                Incoming(
                    topic=message.topic,
                    payload=message.payload,
                    retain=False,
                    response_topic=message.response_topic,
                    correlation=message.correlation,
                )
            )

    def _attach(self, client: FakeTransport) -> None:
        with self._lock:
            if client not in self.clients:
                self.clients.append(client)

    def _detach(self, client: FakeTransport) -> None:
        with self._lock:
            if client in self.clients:
                self.clients.remove(client)

    def retained_for(self, topic_filter: str) -> list[Incoming]:
        with self._lock:
            return [m for t, m in self.retained.items() if _matches(topic_filter, t)]


class FakeTransport(Transport):
    def __init__(self, broker: FakeBroker, client_id: str):
        self.broker = broker
        self.client_id = client_id
        self.connected = False
        self.filters: list[str] = []
        self.will: Incoming | None = None
        self._outbox: list[tuple[Incoming, int]] = []

    def set_will(self, topic, payload, qos, retain):
        self.will = Incoming(topic=topic, payload=payload, retain=retain)

    def start(self):
        self.connected = True
        self.broker._attach(self)
        if self.on_connect:
            self.on_connect(False)
        pending, self._outbox = self._outbox, []
        for message, qos in pending:
            self.broker.publish(message, qos)

    def stop(self):
        self.connected = False
        self.filters.clear()
        self.broker._detach(self)

    def kill(self):
        """Vanish without a DISCONNECT: the broker publishes the Will."""
        self.stop()
        if self.on_disconnect:
            self.on_disconnect("connection lost")
        if self.will is not None:
            self.broker.publish(self.will)

    def reconnect(self):
        self.start()

    def publish(self, topic, payload, qos=1, retain=False, response_topic=None, correlation=None):
        message = Incoming(
            topic=topic, payload=payload, retain=retain,
            response_topic=response_topic, correlation=correlation,
        )
        if not self.connected:
            if qos > 0:
                self._outbox.append((message, qos))
            return None
        self.broker.publish(message, qos)
        return None

    def subscribe(self, topic_filter, qos):
        if topic_filter not in self.filters:
            self.filters.append(topic_filter)
        for message in self.broker.retained_for(topic_filter):
            self.deliver(message)
        return None  # in force at once

    def wants(self, topic: str) -> bool:
        return any(_matches(f, topic) for f in self.filters)

    def deliver(self, message: Incoming) -> None:
        if self.on_message:
            self.on_message(message)
