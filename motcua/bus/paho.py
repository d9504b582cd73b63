"""The real transport: paho-mqtt 2 (callback API 2), MQTT 5.

Connection is asynchronous: :meth:`PahoTransport.start` returns at once and
paho's loop thread keeps retrying with back-off (1 s doubling to 30 s), so a
node boots and works even when the broker is not up yet.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import select
import socket
import ssl
import struct
import threading
import time
from pathlib import Path

import paho.mqtt
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
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


class _ReceivedProperties:
    """A received PUBLISH's response topic and correlation data (what
    :meth:`PahoTransport._paho_message` reads): the other properties a
    message may carry make :class:`_Client` hand it to paho's own decoder."""

    __slots__ = ("ResponseTopic", "CorrelationData")

    def __init__(self):
        self.ResponseTopic: str | None = None
        self.CorrelationData: bytes | None = None

    def __repr__(self) -> str:
        return (f"[ResponseTopic : {self.ResponseTopic!r}, "
                f"CorrelationData : {self.CorrelationData!r}]")


class _NotCommon(Exception):
    """A packet :func:`_decode_publish` leaves to paho (QoS 2, other properties,
    anything malformed: paho's decoder says what is wrong with it)."""


def _decode_publish(header: int, packet) -> mqtt.MQTTMessage:
    """An MQTT 5 PUBLISH at QoS 0 or 1 whose properties are none, a response
    topic and/or correlation data (every message of the bus): decoded without
    paho's generic :class:`Properties`, which checks each property against
    tables and cost half of the hub's network thread per request
    (issue 25). The same fields as paho's ``decode_publish``."""
    qos = (header & 0x06) >> 1
    if qos == 2:
        raise _NotCommon
    size = len(packet)
    if size < 3:
        raise _NotCommon
    end = 2 + ((packet[0] << 8) | packet[1])
    topic = bytes(packet[2:end])
    mid = 0
    if qos:
        if end + 2 > size:
            raise _NotCommon
        mid = (packet[end] << 8) | packet[end + 1]
        end += 2
    length = shift = 0  # the properties' length, a variable byte integer
    while True:
        if end >= size or shift > 21:
            raise _NotCommon
        digit = packet[end]
        end += 1
        length |= (digit & 0x7F) << shift
        shift += 7
        if not digit & 0x80:
            break
    stop = end + length
    if stop > size:
        raise _NotCommon
    properties = _ReceivedProperties()
    while end < stop:
        ident = packet[end]
        if ident not in (0x08, 0x09) or end + 3 > stop:
            raise _NotCommon
        start = end + 3
        end = start + ((packet[end + 1] << 8) | packet[end + 2])
        if end > stop:
            raise _NotCommon
        if ident == 0x08:
            if properties.ResponseTopic is not None:  # twice is a protocol error
                raise _NotCommon
            try:
                properties.ResponseTopic = bytes(packet[start:end]).decode("utf-8")
            except UnicodeDecodeError:
                raise _NotCommon from None
        else:
            if properties.CorrelationData is not None:
                raise _NotCommon
            properties.CorrelationData = bytes(packet[start:end])
    # Its fields set here: paho's __init__ also makes a MQTTMessageInfo with a
    # threading.Condition, which only a message being sent uses (wait_for_publish).
    message = _new_message(_MQTTMessage)
    message.timestamp = 0.0
    message.state = mqtt.mqtt_ms_invalid
    message.mid = mid
    message._topic = topic
    message.info = _RECEIVED_INFO
    message.dup = bool(header & 0x08)
    message.qos = qos
    message.retain = bool(header & 0x01)
    message.properties = properties
    message.payload = bytes(packet[stop:])
    return message


_MQTTMessage = mqtt.MQTTMessage
_new_message = object.__new__
_RECEIVED_INFO = mqtt.MQTTMessageInfo(0)  # what a received message's ``info`` holds


_U16 = struct.Struct("!H").pack
_BYTES = [bytes([b]) for b in range(256)]

# A PUBACK that says "success" and nothing else (Mosquitto's, for every QoS 1
# message it took): its reason and (no) properties, made once. paho makes four
# objects per PUBACK for them; nobody reads them here (no on_publish).
_PUBACK_SUCCESS = ReasonCode(PacketTypes.PUBACK)
_NO_PROPERTIES = Properties(PacketTypes.PUBACK)


# The paho releases whose private methods _Client overrides were read and tested
# (tests/test_bus_broker.py, tests/test_paho_internals.py). pyproject pins the
# same range; should another paho still be installed (a wheel put in with
# --no-deps, a distribution's package), the plain client is used: slower, never
# wrong, and a warning says why.
LEAN_PAHO = ("2.2.",)
PAHO_VERSION = getattr(paho.mqtt, "__version__", "?")
LEAN = PAHO_VERSION.startswith(LEAN_PAHO)


class _PlainClient(mqtt.Client):
    """paho's own client, with the one method the transport adds (no corking;
    no after-reads hook: :meth:`PahoTransport.after_reads` says so)."""

    @contextlib.contextmanager
    def corked(self):
        yield


class _Client(mqtt.Client):
    """paho's client with its hottest paths made lean: reading the socket, a
    received PUBLISH of the kind the bus sends, a bare PUBACK, and a PUBLISH
    sent from another thread than paho's (the hub's request worker). Anything
    else goes through paho's own code."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Held while packets go to the socket, whichever thread writes them, so
        # two packets never interleave on the wire.
        self._write_lock = threading.Lock()
        self._writing = False  # paho writing under the lock (see _packet_write)
        self._held_disconnect = None
        self._corked = threading.local()
        # What the socket gave beyond what paho asked for (see _sock_recv).
        self._read_buffer = b""
        self._read_at = 0
        self._read_from = None
        # Called on paho's thread after each round of reading (see _loop).
        self._after_reads = None
        self._after_reads_due: float | None = None
        self._hook_since: float | None = None  # since when the hook has been running
        self._guard: threading.Thread | None = None

    def _loop(self, timeout=1.0):
        # With an after-reads hook (the hub's request handling, issue 25) this
        # thread does the work itself once what the socket held is read and
        # dispatched: no hand-off to another thread, no second thread woken per
        # request. The hook says when it wants to run again (state coalesced
        # for a few ms): select waits no longer than that.
        hook = self._after_reads
        if hook is None:
            return super()._loop(timeout)
        if self._guard is None or not self._guard.is_alive():
            self._guard = threading.Thread(target=self._keep_alive_while_busy, daemon=True,
                                           name="paho-keepalive-guard")
            self._guard.start()
        due = self._after_reads_due
        if due is not None:
            timeout = min(timeout, max(0.0, due - time.monotonic()))
        try:
            return super()._loop(timeout)
        finally:
            self._hook_since = time.monotonic()
            try:
                wait = hook()
            finally:
                self._hook_since = None
            self._after_reads_due = None if wait is None else time.monotonic() + wait

    PINGREQ = b"\xc0\x00"

    def _keep_alive_while_busy(self):
        # While the hook runs (a batch waiting for a store another process has
        # locked: up to its busy timeout, 10 s), paho's thread sends no PINGREQ,
        # and a broker hearing nothing for 1.5 keep-alives drops the link (and
        # publishes the hub's Will to every node). This thread sends one then,
        # between two packets (nothing queued, under the write lock); paho reads
        # the PINGRESP as any other.
        period = max(0.25, self._keepalive / 4)
        while self._thread is not None and not self._thread_terminate:
            time.sleep(period)
            since = self._hook_since
            if since is None or time.monotonic() - since < self._keepalive / 2:
                continue
            with self._write_lock:
                if self._sock is None or self._out_packet:
                    continue
                with self._msgtime_mutex:
                    quiet = mqtt.time_func() - self._last_msg_out
                if quiet < self._keepalive / 2:
                    continue
                try:
                    self._sock_send(self.PINGREQ)
                except (OSError, AttributeError, ValueError):
                    continue
                with self._msgtime_mutex:
                    self._last_msg_out = mqtt.time_func()

    def _more_to_read(self) -> bool:
        """Something is waiting to be read (in hand, in TLS, or in the socket)."""
        sock = self._sock
        if sock is None:
            return False
        if self._buffered():
            return True
        try:
            if hasattr(sock, "pending") and sock.pending():
                return True
            return bool(select.select([sock], [], [], 0)[0])
        except (OSError, ValueError, TypeError):
            return False

    def _sock_recv(self, bufsize):
        # paho reads a packet in three or more calls (its first byte, its
        # length a byte at a time, the rest), each a system call: read what
        # the socket holds at once and hand it out from here (issue 25).
        sock = self._sock
        if self._read_from is sock and self._read_at < len(self._read_buffer):
            end = self._read_at + bufsize
            data = self._read_buffer[self._read_at:end]
            self._read_at = min(end, len(self._read_buffer))
            return data
        data = super()._sock_recv(max(bufsize, 65536))
        if len(data) <= bufsize:
            return data
        self._read_buffer, self._read_at, self._read_from = data, bufsize, sock
        return data[:bufsize]

    def _buffered(self) -> bool:
        return self._read_from is self._sock and self._read_at < len(self._read_buffer)

    def _packet_read(self):
        # paho takes a packet in three or more pieces (its first byte, its length
        # a byte at a time, the rest), each through a call and a dict of state:
        # a whole packet in hand (what a read of the socket brings, nearly always)
        # is taken here in one slice and handled as paho would (issue 25). A
        # packet split between two reads goes through paho's own code.
        sock = self._sock
        if self._in_packet["command"] != 0 or sock is None:
            return super()._packet_read()
        if not (self._read_from is sock and self._read_at < len(self._read_buffer)):
            try:
                data = mqtt.Client._sock_recv(self, 65536)
            except BlockingIOError:
                return mqtt.MQTT_ERR_AGAIN
            except OSError as err:  # TimeoutError and ConnectionError among them
                self._easy_log(mqtt.MQTT_LOG_ERR, "failed to receive on socket: %s", err)
                return mqtt.MQTT_ERR_CONN_LOST
            if not data:
                return mqtt.MQTT_ERR_CONN_LOST
            self._read_buffer, self._read_at, self._read_from = data, 0, sock
        buffer, at = self._read_buffer, self._read_at
        size = len(buffer)
        length = shift = 0  # the remaining length, a variable byte integer
        i = at + 1
        while True:
            if i >= size or shift > 21:  # not all in hand (or malformed: paho says so)
                return super()._packet_read()
            digit = buffer[i]
            i += 1
            length |= (digit & 0x7F) << shift
            shift += 7
            if not digit & 0x80:
                break
        end = i + length
        if end > size:
            return super()._packet_read()
        self._read_at = end
        self._in_packet = {"command": buffer[at], "have_remaining": 1, "remaining_count": [],
                           "remaining_mult": 1, "remaining_length": length,
                           "packet": buffer[i:end], "to_process": 0, "pos": 0}
        try:
            rc = self._packet_handle()
        except mqtt.MalformedPacket as exc:
            self._easy_log(mqtt.MQTT_LOG_DEBUG, "Received malformed packet: %s", exc)
            rc = mqtt.MQTT_ERR_PROTOCOL
        self._in_packet = {"command": 0, "have_remaining": 0, "remaining_count": [],
                           "remaining_mult": 1, "remaining_length": 0,
                           "packet": bytearray(b""), "to_process": 0, "pos": 0}
        with self._msgtime_mutex:
            self._last_bytes_received = mqtt.time_func()
        return rc

    def loop_read(self, max_packets=1):
        # select() knows nothing of what _sock_recv holds: read on until none is
        # left, or paho's thread would wait for the socket with packets in hand.
        # What the packets read make paho send (a PUBACK each, what callbacks
        # publish) goes out together once they are all handled (corked).
        with self.corked():
            rc = super().loop_read(max_packets)
            while rc == mqtt.MQTT_ERR_SUCCESS and self._sock is not None and self._buffered():
                rc = self._packet_read()
                if rc > 0:
                    return self._loop_rc_handle(rc)
                if rc == mqtt.MQTT_ERR_AGAIN:
                    return mqtt.MQTT_ERR_SUCCESS
            return rc

    def _packet_write(self):
        # paho calls on_disconnect from inside its write when it sends a
        # DISCONNECT. Called there, under the write lock, the callback would
        # hold the lock while it takes the application's own (a hub's state
        # lock), as a publisher holding that lock waits for this one: a
        # deadlock at stop (seen on a fresh Debian run). It is called once the
        # lock is released.
        with self._write_lock:
            self._writing = True
            try:
                rc = super()._packet_write()
            finally:
                self._writing = False
                held, self._held_disconnect = self._held_disconnect, None
        if held is not None:
            super()._do_on_disconnect(*held)
        return rc

    def _do_on_disconnect(self, packet_from_broker, v1_rc, reason=None, properties=None):
        if self._writing:
            self._held_disconnect = (packet_from_broker, v1_rc, reason, properties)
            return
        super()._do_on_disconnect(packet_from_broker, v1_rc, reason, properties)

    def _packet_queue(self, command, packet, mid, qos, info=None):
        # paho queues what another thread publishes and wakes its own thread
        # (a byte through a socket pair) to write it: two system calls and a
        # thread switch per message, for every answer and state the hub sends
        # (issue 25). A PUBLISH from another thread is written here at once,
        # under the write lock; whatever the socket does not take now (it is
        # full, or gone) is left queued and paho's thread woken, as paho does.
        # On paho's own thread paho would wake itself the same way, then select
        # once more to write: a PUBLISH or PUBACK is written here too (the
        # PUBACKs of what it read are corked, see loop_read).
        if ((command & 0xF0) not in (mqtt.PUBLISH, mqtt.PUBACK) or self._thread is None
                or self._sock is None):
            return super()._packet_queue(command, packet, mid, qos, info)
        own = threading.current_thread() is self._thread
        if own and (self._writing or self.on_publish is not None):
            # Inside paho's own write (a callback of it): the write lock is held.
            return super()._packet_queue(command, packet, mid, qos, info)
        if (command & 0xF0) == mqtt.PUBACK and not own:
            return super()._packet_queue(command, packet, mid, qos, info)
        self._out_packet.append({"command": command, "mid": mid, "qos": qos, "pos": 0,
                                 "to_process": len(packet), "packet": packet, "info": info})
        if getattr(self._corked, "on", False):
            return mqtt.MQTT_ERR_SUCCESS  # written with the others when corked() ends
        self._write_from_here()
        self._wake_if_left(own)
        return mqtt.MQTT_ERR_SUCCESS

    def _wake_if_left(self, own=False):
        if self._out_packet:
            # paho's own thread looks at what is queued before it selects again
            # (want_write): only another thread needs to wake it.
            if self._sockpairW is not None and not own:
                with contextlib.suppress(BlockingIOError):
                    self._sockpairW.send(mqtt.sockpair_data)
            self._call_socket_register_write()

    @contextlib.contextmanager
    def corked(self):
        # The hub's worker answers a batch of requests, then publishes the state
        # they changed: a message and a system call each (a fifth of its CPU per
        # call, issue 25). Corked, its publications are queued and written
        # together at the end, in one call where the socket takes them.
        if self._thread is None or getattr(self._corked, "on", False):
            yield
            return
        self._corked.on = True
        try:
            yield
        finally:
            self._corked.on = False
            self._write_from_here()
            self._wake_if_left(threading.current_thread() is self._thread)

    def _write_from_here(self):
        # From a thread other than paho's, only the PUBLISH and PUBACK packets at
        # the head of the queue are written, in order, in one system call.
        # Anything else (the DISCONNECT that stop() queues, a SUBSCRIBE) and all
        # behind it are left to paho's thread, and so is any error: paho calls
        # on_disconnect from where it writes a DISCONNECT or finds the link
        # broken, and that callback must not run on a publisher's thread, which
        # may hold its own locks. (It did: a statistics ticker publishing under
        # the gateway's state lock wrote stop()'s DISCONNECT, on_disconnect took
        # the same lock, and the hub hung; seen on a fresh Debian run.)
        with self._write_lock:
            if self._sock is None or self.on_publish is not None:
                return
            batch = []
            while self._out_packet and (
                    self._out_packet[0]["command"] & 0xF0) in (mqtt.PUBLISH, mqtt.PUBACK):
                batch.append(self._out_packet.popleft())
            if not batch:
                return
            try:
                sent = self._sock_send(b"".join(p["packet"][p["pos"]:] for p in batch))
            except (BlockingIOError, OSError, AttributeError, ValueError):
                sent = 0  # left queued: paho's thread writes them, or finds the link gone
            left = []
            for packet in batch:
                if left or sent < packet["to_process"]:
                    packet["pos"] += sent
                    packet["to_process"] -= sent
                    sent = 0
                    left.append(packet)
                    continue
                sent -= packet["to_process"]
                packet["pos"] += packet["to_process"]
                packet["to_process"] = 0
                if ((packet["command"] & 0xF0) == mqtt.PUBLISH and packet["qos"] == 0
                        and packet["info"] is not None):
                    packet["info"]._set_as_published()
            self._out_packet.extendleft(reversed(left))
            with self._msgtime_mutex:
                self._last_msg_out = mqtt.time_func()

    def _handle_publish(self):
        if self._protocol != mqtt.MQTTv5 or self._logger is not None or self.on_log is not None:
            return super()._handle_publish()
        try:
            message = _decode_publish(self._in_packet["command"], self._in_packet["packet"])
        except _NotCommon:
            return super()._handle_publish()
        message.timestamp = mqtt.time_func()
        self._handle_on_message(message)
        if message.qos == 0 or self._manual_ack:
            return mqtt.MQTT_ERR_SUCCESS
        return self._send_puback(message.mid)

    def _handle_on_message(self, message):
        # paho looks each message's topic up among the callbacks added per topic
        # filter (message_callback_add, which the bus never uses), through a
        # generator per message; with none added, the one on_message is called as
        # paho calls it then.
        root = getattr(self._on_message_filtered, "_root", None)
        on_message = self.on_message
        if root is None or root._children or root._content is not None or on_message is None:
            return super()._handle_on_message(message)
        with self._in_callback_mutex:
            try:
                on_message(self, self._userdata, message)
            except Exception as err:
                self._easy_log(mqtt.MQTT_LOG_ERR, "Caught exception in on_message: %s", err)
                if not self.suppress_exceptions:
                    raise
        return None

    def _send_publish(self, mid, topic, payload=b"", qos=0, retain=False, dup=False, info=None,
                      properties=None):
        # A PUBLISH packed in one piece (paho appends to a bytearray field by field
        # and calls its logger twice per message, to say nothing): every answer and
        # state the hub sends (issue 25). The same bytes (tests/test_paho_internals.py).
        if (self._protocol != mqtt.MQTTv5 or self._logger is not None or self.on_log is not None
                or type(topic) is not bytes or type(payload) not in (bytes, bytearray)):
            return super()._send_publish(mid, topic, payload, qos, retain, dup, info, properties)
        if self._sock is None:
            return mqtt.MQTT_ERR_NO_CONN
        packed = b"\x00" if properties is None else properties.pack()
        head = _U16(len(topic)) + topic + (_U16(mid) if qos > 0 else b"")
        size = len(head) + len(packed) + len(payload)
        length = b""  # the remaining length, a variable byte integer
        while True:
            size, digit = divmod(size, 128)
            length += _BYTES[digit | (0x80 if size else 0)]
            if not size:
                break
        command = mqtt.PUBLISH | ((dup & 0x1) << 3) | (qos << 1) | retain
        return self._packet_queue(mqtt.PUBLISH, _BYTES[command] + length + head + packed + payload,
                                  mid, qos, info)

    def _handle_pubackcomp(self, cmd):
        packet = self._in_packet["packet"]
        if (cmd != "PUBACK" or len(packet) != 2 or self.on_publish is not None
                or self._logger is not None or self.on_log is not None):
            return super()._handle_pubackcomp(cmd)
        mid = (packet[0] << 8) | packet[1]
        with self._out_message_mutex:
            if mid in self._out_messages:
                return self._do_on_publish(mid, _PUBACK_SUCCESS, _NO_PROPERTIES)
        return mqtt.MQTT_ERR_SUCCESS


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
        if not LEAN:
            log.warning("paho-mqtt %s is not one the lean transport was tested with (%s*): "
                        "using paho's own client", PAHO_VERSION,
                        "/".join(LEAN_PAHO))
        client = (_Client if LEAN else _PlainClient)(
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

    def corked(self):
        return self._client.corked()

    def after_reads(self, hook) -> bool:
        if not isinstance(self._client, _Client):
            return False
        self._client._after_reads = hook
        return True

    def more_waiting(self) -> bool:
        return self._client._more_to_read()

    def wake(self) -> None:
        sockpair = self._client._sockpairW
        if sockpair is not None:
            with contextlib.suppress(OSError):
                sockpair.send(mqtt.sockpair_data)

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
