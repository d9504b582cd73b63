"""The real transport: paho-mqtt 2 (callback API 2), MQTT 5.

Connection is asynchronous: :meth:`PahoTransport.start` returns at once and
paho's loop thread keeps retrying with back-off (1 s doubling to 30 s), so a
node boots and works even when the broker is not up yet.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import socket
import ssl
import struct
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from ..config import MqttConfig
from .client import Incoming, Transport

log = logging.getLogger(__name__)

# How long the broker keeps a persistent session (the hub's) while it is away:
# events queued for it meanwhile are delivered when it comes back.
SESSION_EXPIRY_SECONDS = 7 * 24 * 3600


def _no_delay(client, userdata, sock) -> None:
    # paho leaves Nagle on. A request, its PUBACK and the response are small
    # writes back to back, and Nagle holding them for the peer's delayed ACK
    # turns a 1-2 ms round trip into ~40 ms. The broker side is
    # `set_tcp_nodelay true` in broker-config/.
    # (Unix sockets and websockets have no Nagle to turn off.)
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _abandon_on_close(sock) -> None:
    # When paho gives a connection up (keep-alive expired on a dead link) it
    # closes the socket; by default the kernel would go on retransmitting what
    # was still unsent and deliver it whenever the link heals: a ticket
    # request the node has long given up on, arriving as if new. SO_LINGER 0
    # makes close() drop unsent bytes (and say RST): what the node abandoned
    # stays abandoned. A clean stop loses nothing (the offline status is
    # acknowledged before disconnecting; a lost DISCONNECT fires the same Will).
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _on_socket_open(client, userdata, sock) -> None:
    _no_delay(client, userdata, sock)
    _abandon_on_close(sock)


class _PublishProperties:
    """A PUBLISH's MQTT 5 response topic and correlation data, packed once by hand.

    paho asks a publish's properties only to ``pack()`` themselves (also when it
    sends a QoS 1 message again). Its own :class:`Properties` checks every
    attribute set against the packet type and packs through generic code: on
    the hub, a third of the network thread's time per request went to those
    objects. The bytes are the same (``tests/test_bus_broker.py`` compares)."""

    __slots__ = ("_packed", "ResponseTopic", "CorrelationData")

    def __init__(self, response_topic: str | None, correlation: bytes | None):
        self.ResponseTopic = response_topic
        self.CorrelationData = correlation
        body = b""
        if response_topic is not None:  # 0x08: a UTF-8 string, two bytes of length first
            topic = response_topic.encode("utf-8")
            body += b"\x08" + struct.pack("!H", len(topic)) + topic
        if correlation is not None:  # 0x09: binary data, two bytes of length first
            body += b"\x09" + struct.pack("!H", len(correlation)) + bytes(correlation)
        length, size = b"", len(body)  # the properties' length: a variable byte integer
        while True:
            size, digit = divmod(size, 128)
            length += bytes([digit | (0x80 if size else 0)])
            if not size:
                break
        self._packed = length + body

    def pack(self) -> bytes:
        return self._packed

    def __repr__(self) -> str:  # paho's debug log prints a publish's properties
        return (f"[ResponseTopic : {self.ResponseTopic!r}, "
                f"CorrelationData : {self.CorrelationData!r}]")


class PahoTransport(Transport):
    def __init__(
        self,
        mqtt_config: MqttConfig,
        client_id: str,
        *,
        persistent: bool = False,
        manual_ack: bool = False,
        min_delay: float = 1,
        max_delay: float = 30,
    ):
        self.config = mqtt_config
        self.client_id = client_id
        self.persistent = persistent
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            # Manual: a handler acknowledges (Incoming.ack) once what the
            # message carries is committed, so a process killed in between
            # gets it again when its persistent session resumes.
            manual_ack=manual_ack,
        )
        self.manual_ack = manual_ack
        client.reconnect_delay_set(min_delay=min_delay, max_delay=max_delay)
        if mqtt_config.username:
            password = None
            if mqtt_config.password_file:
                password = Path(mqtt_config.password_file).read_text(encoding="utf-8").strip()
            client.username_pw_set(mqtt_config.username, password)
        if mqtt_config.tls:
            context = ssl.create_default_context(cafile=mqtt_config.ca_file or None)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            client.tls_set_context(context)
        client.on_connect = self._paho_connect
        client.on_disconnect = self._paho_disconnect
        client.on_message = self._paho_message
        client.on_subscribe = self._paho_subscribe
        client.on_socket_open = _on_socket_open
        self._client = client
        # Filters subscribed with MQTT 5's "retain as published": a message the
        # sender retained arrives with its retain flag even while we are
        # connected (the hub clears events and requests a node retained).
        self.retain_as_published: set[str] = set()

    def set_will(self, topic, payload, qos, retain):
        self._client.will_set(topic, payload, qos=qos, retain=retain)

    def start(self):
        properties = None
        clean_start = mqtt.MQTT_CLEAN_START_FIRST_ONLY
        if self.persistent:
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = SESSION_EXPIRY_SECONDS
            clean_start = False
        self._client.connect_async(
            self.config.host,
            self.config.port,
            keepalive=self.config.keepalive,
            clean_start=clean_start,
            properties=properties,
        )
        self._client.loop_start()

    def stop(self):
        try:
            self._client.disconnect()
        finally:
            self._client.loop_stop()

    def publish(self, topic, payload, qos=1, retain=False, response_topic=None, correlation=None):
        properties = None
        if response_topic is not None or correlation is not None:
            properties = _PublishProperties(response_topic, correlation)
        return self._client.publish(topic, payload, qos=qos, retain=retain, properties=properties)

    def wait_published(self, info, timeout):
        try:
            info.wait_for_publish(timeout)
            return info.is_published()
        except (RuntimeError, ValueError):
            return False

    def subscribe(self, topic_filter, qos):
        if topic_filter in self.retain_as_published:
            result, mid = self._client.subscribe(
                topic_filter, options=SubscribeOptions(qos=qos, retainAsPublished=True))
        else:
            result, mid = self._client.subscribe(topic_filter, qos=qos)
        return mid if result == mqtt.MQTT_ERR_SUCCESS else None

    # paho callbacks: run on paho's thread; an exception here would kill it.
    def _paho_connect(self, client, userdata, flags, reason_code, properties):
        try:
            if reason_code.is_failure:
                log.warning("broker refused %s: %s", self.client_id, reason_code)
                return
            log.info("connected to %s:%s as %s", self.config.host, self.config.port,
                     self.client_id)
            if self.on_connect:
                self.on_connect(bool(flags.session_present))
        except Exception:
            log.exception("on_connect failed")

    def _paho_subscribe(self, client, userdata, mid, reason_codes, properties):
        try:
            failed = [rc for rc in reason_codes if rc.is_failure]
            if failed:
                log.error("broker refused a subscription of %s: %s", self.client_id, failed)
            if self.on_subscribed:
                self.on_subscribed(mid)
        except Exception:
            log.exception("on_subscribe failed")

    def _paho_disconnect(self, client, userdata, flags, reason_code, properties):
        try:
            if self.on_disconnect:
                self.on_disconnect(str(reason_code))
        except Exception:
            log.exception("on_disconnect failed")

    def _paho_message(self, client, userdata, msg):
        try:
            props = getattr(msg, "properties", None)
            incoming = Incoming(
                topic=msg.topic,
                payload=msg.payload,
                retain=bool(msg.retain),
                response_topic=getattr(props, "ResponseTopic", None),
                correlation=getattr(props, "CorrelationData", None),
                ack=functools.partial(client.ack, msg.mid, msg.qos) if self.manual_ack else None,
            )
            if self.on_message:
                self.on_message(incoming)
        except Exception:
            log.exception("on_message failed for %s", getattr(msg, "topic", "?"))
