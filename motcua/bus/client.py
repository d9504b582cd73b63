"""The bus client every process uses: JSON in and out, checked, never crashing.

:class:`BusClient` sits on a *transport* (:class:`motcua.bus.paho.PahoTransport`
for a real broker, :class:`motcua.bus.fake.FakeTransport` in unit tests) and
adds what the contract asks of everyone:

- a retained ``status`` with a Last Will, published again at every connect;
- subscriptions remembered and renewed at every reconnect;
- every payload decoded and checked against the catalogue before a handler
  sees it; a bad one is logged and, if it asked for an answer, answered with
  an ``invalid`` error; it never reaches the handler;
- a handler that raises is logged and the network loop goes on;
- request/response over MQTT 5 response topics and correlation data::

      node = BusClient(transport, topics, status_topic=topics.node_status("kiosk-1"),
                       online=..., offline=..., inbox=topics.node_inbox("kiosk-1"))
      node.start()
      answer = node.request(topics.node_request("kiosk-1", "ping"),
                            PING.make(), response_topic=topics.node_response("kiosk-1", "ping"))
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from .messages import InvalidMessage, decode, encode, error_response, invalid_text, lookup
from .topics import TopicParts, Topics

log = logging.getLogger(__name__)


class BusError(Exception):
    """Base of the errors a caller of the bus may see."""


class NotConnected(BusError):
    """The broker is not reachable now; nothing was sent."""


class RequestTimeout(BusError):
    """No answer came within the timeout."""


@dataclass
class Incoming:
    """A message that arrived, as handlers see it."""

    topic: str
    payload: bytes
    retain: bool = False
    response_topic: str | None = None
    correlation: bytes | None = None
    parts: TopicParts | None = None
    data: dict = field(default_factory=dict)
    # With a transport in manual-acknowledgement mode: tell the broker the
    # message is dealt with (a QoS 1 message not acknowledged is delivered
    # again when the session resumes). None otherwise: acknowledged on arrival.
    ack: Callable[[], None] | None = None


Handler = Callable[[Incoming], None]


class Transport:
    """What :class:`BusClient` needs from a connection to a broker."""

    on_connect: Callable[[bool], None] | None = None  # argument: session_present
    on_disconnect: Callable[[str], None] | None = None
    on_message: Callable[[Incoming], None] | None = None
    on_subscribed: Callable[[object], None] | None = None  # argument: subscribe()'s token

    def set_will(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        raise NotImplementedError

    def start(self) -> None:
        """Begin connecting in the background; return at once."""
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def publish(self, topic, payload, qos=1, retain=False, response_topic=None, correlation=None):
        raise NotImplementedError

    def subscribe(self, topic_filter: str, qos: int) -> object | None:
        """Subscribe; return a token later passed to ``on_subscribed`` when the broker
        has acknowledged, or ``None`` when the subscription is already in force."""
        raise NotImplementedError

    def wait_published(self, info, timeout: float) -> bool:
        return True

    def corked(self):
        """A context in which this thread's publications may be held and written
        together when it ends (one system call for many messages)."""
        return contextlib.nullcontext()

    def after_reads(self, hook: Callable[[], float | None]) -> bool:
        """Call ``hook()`` on the network thread each time the messages it read
        have been dispatched (and at least every second while connected); the
        hook returns within how many seconds it wants to be called again, or
        None. False: this transport cannot (the caller needs its own thread).
        The hook must not wait for anything the network thread brings (an
        answer, a PUBACK), and must not raise."""
        return False

    def more_waiting(self) -> bool:
        """Messages are waiting to be read (only meaningful inside an after-reads hook)."""
        return False

    def wake(self) -> None:
        """Make the network thread run its after-reads hook soon."""


@dataclass
class _Subscription:
    topic_filter: str
    handler: Handler
    qos: int
    checked: bool


class _Pending:
    __slots__ = ("event", "answer")

    def __init__(self):
        self.event = threading.Event()
        self.answer: dict | None = None


def _matches(topic_filter: str, topic: str) -> bool:
    # Same rules as the broker; written out so the fake bus and this client agree.
    if topic_filter.startswith("$share/"):  # a shared subscription: $share/<group>/<filter>
        topic_filter = topic_filter.split("/", 2)[2]
    fparts, tparts = topic_filter.split("/"), topic.split("/")
    for i, f in enumerate(fparts):
        if f == "#":
            return True
        if i >= len(tparts):
            return False
        if f != "+" and f != tparts[i]:
            return False
    return len(fparts) == len(tparts)


class BusClient:
    """One process's connection to the bus."""

    def __init__(
        self,
        transport: Transport,
        topics: Topics,
        *,
        status_topic: str | None = None,
        online: dict | None = None,
        offline: dict | None = None,
        inbox: list[str] | None = None,
    ):
        self.transport = transport
        self.topics = topics
        self._status_topic = status_topic
        self._online = online
        self._offline = offline
        self._subs: list[_Subscription] = []
        # Topic -> the subscriptions it matches, worked out once per topic (every
        # request matched each filter level by level: issue 25); forgotten when
        # the subscriptions change, or grown past ROUTES_KEPT (topics a node makes up).
        self._routes: dict[str, list[_Subscription]] = {}
        self._kinds: dict[str, tuple] = {}  # topic -> (its parts, its message type)
        self._lock = threading.RLock()
        self._pending: dict[bytes, _Pending] = {}
        self._connected = threading.Event()
        self._listeners: list[Callable[[bool], None]] = []
        self.dropped = 0  # messages refused as malformed, for /healthz and tests
        # A gate before anything else (the hub's budgets per node): False drops.
        self.admit: Callable[[Incoming], bool] | None = None
        self._malformed: dict[str, tuple[float | None, int]] = {}
        # Where answers may go (the hub: only to the asking node's own subtree).
        self.response_allowed: Callable[[Incoming], bool] | None = None
        transport.on_connect = self._on_connect
        transport.on_disconnect = self._on_disconnect
        transport.on_message = self._on_message
        transport.on_subscribed = self._on_subscribed
        self._awaiting_suback: set = set()
        if status_topic and offline is not None:
            transport.set_will(status_topic, encode(offline), 1, True)
        for topic_filter in inbox or []:
            self.subscribe(topic_filter, self._on_response, checked=True)

    # Life -------------------------------------------------------------------
    def start(self) -> BusClient:
        self.transport.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Say ``offline`` (a clean disconnect does not fire the Will) and disconnect."""
        if self._status_topic and self._offline is not None and self.connected:
            info = self.transport.publish(self._status_topic, encode(self._offline), 1, True)
            self.transport.wait_published(info, timeout)
        self._connected.clear()  # a disconnect we asked for is no warning
        self.transport.stop()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float = 10.0) -> bool:
        return self._connected.wait(timeout)

    def on_connection_change(self, listener: Callable[[bool], None]) -> None:
        """Call ``listener(True/False)`` when the link to the broker comes or goes."""
        self._listeners.append(listener)

    def set_online_status(self, online: dict) -> None:
        """Change the retained status (e.g. new detail) and publish it if connected."""
        self._online = online
        if self.connected and self._status_topic:
            self.transport.publish(self._status_topic, encode(online), 1, True)

    # Sending ---------------------------------------------------------------
    def publish(self, topic: str, data: dict, *, qos: int = 1, retain: bool = False, **props):
        return self.transport.publish(topic, encode(data), qos, retain, **props)

    def request(
        self, topic: str, data: dict, *, response_topic: str, timeout: float = 5.0
    ) -> dict:
        """Send a request and wait for its response; the response's payload is returned.

        Raises :class:`NotConnected` at once when offline (the caller decides what
        to do offline, e.g. print from a leased number block) and
        :class:`RequestTimeout` when no answer comes in time. Retrying with the
        same ``id`` is safe: the hub answers a repeated id with the same answer.
        """
        if not self.connected:
            raise NotConnected("broker not connected")
        correlation = uuid.uuid4().bytes
        pending = _Pending()
        with self._lock:
            self._pending[correlation] = pending
        try:
            self.transport.publish(
                topic, encode(data), 1, False,
                response_topic=response_topic, correlation=correlation,
            )
            if not pending.event.wait(timeout):
                raise RequestTimeout(f"no answer to {topic} within {timeout:g} s")
            return pending.answer
        finally:
            with self._lock:
                self._pending.pop(correlation, None)

    # Receiving -------------------------------------------------------------
    def subscribe(self, topic_filter: str, handler: Handler, *, qos: int = 1, checked=True):
        """Call ``handler(incoming)`` for each message on ``topic_filter``.

        With ``checked`` (the default) the payload is decoded and validated
        against the catalogue first, and ``incoming.data`` holds it.
        """
        sub = _Subscription(topic_filter, handler, qos, checked)
        with self._lock:
            self._subs.append(sub)
            self._routes = {}
        if self.connected:
            self.transport.subscribe(topic_filter, qos)

    def serve(self, topic_filter: str, answer: Callable[[Incoming], dict]) -> None:
        """Answer requests on ``topic_filter``: ``answer(incoming)`` returns the response.

        Exceptions become an ``internal`` error response, so the asker is not
        left waiting, and the loop goes on.
        """

        def handler(incoming: Incoming) -> None:
            if not incoming.response_topic:
                log.warning("request on %s has no response topic; dropped", incoming.topic)
                self.dropped += 1
                return
            try:
                response = answer(incoming)
            except Exception:
                log.exception("request handler failed for %s", incoming.topic)
                response = error_response(
                    incoming.data.get("id"), "internal", "Lỗi hệ thống, xin thử lại sau."
                )
            self.respond(incoming, response)

        self.subscribe(topic_filter, handler)

    def respond(self, incoming: Incoming, response: dict) -> None:
        if self.response_allowed is not None and not self.response_allowed(incoming):
            # A request naming someone else's topic as its response topic must
            # not make us publish there with our (wider) rights.
            self.dropped += 1
            log.warning("request on %s names response topic %r; not answered",
                        incoming.topic, incoming.response_topic)
            return
        self.transport.publish(
            incoming.response_topic, encode(response), 1, False,
            correlation=incoming.correlation,
        )

    # Transport callbacks (on the network thread: never let anything escape) --
    def _on_connect(self, session_present: bool) -> None:
        # "Connected" means subscribed too: a caller told it is connected may
        # rely on receiving what is published from then on, so we wait for
        # every SUBACK before saying so.
        try:
            with self._lock:
                subs = list(self._subs)
                self._awaiting_suback = set()
                for topic_filter in dict.fromkeys(s.topic_filter for s in subs):
                    qos = max(s.qos for s in subs if s.topic_filter == topic_filter)
                    token = self.transport.subscribe(topic_filter, qos)
                    if token is not None:
                        self._awaiting_suback.add(token)
                ready = not self._awaiting_suback
            if self._status_topic and self._online is not None:
                self.transport.publish(self._status_topic, encode(self._online), 1, True)
            if ready:
                self._set_connected()
        except Exception:
            log.exception("error while handling connect")

    def _on_subscribed(self, token) -> None:
        try:
            with self._lock:
                waiting = bool(self._awaiting_suback)
                self._awaiting_suback.discard(token)
                ready = waiting and not self._awaiting_suback
            if ready:
                self._set_connected()
        except Exception:
            log.exception("error while handling a subscription acknowledgement")

    def _set_connected(self) -> None:
        self._connected.set()
        self._notify(True)

    def _on_disconnect(self, reason: str) -> None:
        try:
            was = self._connected.is_set()
            self._connected.clear()
            if was:
                log.warning("disconnected from broker: %s", reason)
                self._notify(False)
        except Exception:
            log.exception("error while handling disconnect")

    def _notify(self, up: bool) -> None:
        for listener in list(self._listeners):
            try:
                listener(up)
            except Exception:
                log.exception("connection listener failed")

    def _on_message(self, incoming: Incoming) -> None:
        try:
            if self.admit is not None and not self.admit(incoming):
                return
            subs = self._routes.get(incoming.topic)
            if subs is None:
                with self._lock:
                    subs = [s for s in self._subs if _matches(s.topic_filter, incoming.topic)]
                    if len(self._routes) >= self.ROUTES_KEPT:
                        self._routes = {}
                    self._routes[incoming.topic] = subs
            if not subs or (any(s.checked for s in subs) and not self._check(incoming)):
                # Nobody takes it: acknowledged all the same (by hand, where the
                # transport asks for that), or it would hold an in-flight slot.
                if incoming.ack is not None:
                    incoming.ack()
                return
            for sub in subs:
                try:
                    sub.handler(incoming)
                except Exception:
                    log.exception("handler for %s failed", incoming.topic)
        except Exception:
            log.exception("error while dispatching %s", incoming.topic)

    def _check(self, incoming: Incoming) -> bool:
        try:
            # A topic's parts and message type, worked out once per topic (bounded as
            # _routes is).
            kind = self._kinds.get(incoming.topic)
            if kind is None:
                parts = self.topics.parse(incoming.topic)
                kind = (parts, lookup(parts.kind, parts.name) if parts is not None else None)
                if len(self._kinds) >= self.ROUTES_KEPT:
                    self._kinds = {}
                self._kinds[incoming.topic] = kind
            incoming.parts, mtype = kind
            if incoming.parts is None:
                raise InvalidMessage([f"topic {incoming.topic} is not of centre "
                                      f"{self.topics.center}"])
            if mtype is None:
                raise InvalidMessage([f"no message is defined for {incoming.topic}"])
            if not incoming.payload and incoming.retain:
                # An empty retained payload clears a retained topic: not an error.
                return False
            incoming.data = mtype.validate(decode(incoming.payload))
            return True
        except InvalidMessage as exc:
            self.dropped += 1
            self._log_malformed(incoming.topic, exc)
            if incoming.response_topic:
                request_id = None
                with contextlib.suppress(InvalidMessage):
                    request_id = decode(incoming.payload).get("id")
                try:
                    self.respond(
                        incoming,
                        error_response(request_id, "invalid", invalid_text(exc)),
                    )
                except Exception:
                    log.exception("could not answer a malformed request")
            return False

    ROUTES_KEPT = 4096  # topics whose subscriptions are kept (see _routes)

    MALFORMED_LOG_PERIOD = 60.0  # seconds: one line per sender and period, not per message

    def _log_malformed(self, topic: str, exc: Exception) -> None:
        sender = topic.rsplit("/", 2)[0]  # e.g. motcua/<c>/node/<id>
        now = time.monotonic()
        with self._lock:
            last, skipped = self._malformed.get(sender, (None, 0))
            if last is not None and now - last < self.MALFORMED_LOG_PERIOD:
                self._malformed[sender] = (last, skipped + 1)
                return
            if len(self._malformed) > 10_000:
                self._malformed.clear()
            self._malformed[sender] = (now, 0)
        more = f" ({skipped} more from there since the last line)" if skipped else ""
        log.warning("malformed message on %s dropped: %s%s", topic, exc, more)

    def _on_response(self, incoming: Incoming) -> None:
        with self._lock:
            pending = self._pending.get(incoming.correlation or b"")
        if pending is None:
            log.debug("late or unknown response on %s ignored", incoming.topic)
            return
        pending.answer = incoming.data
        pending.event.set()
