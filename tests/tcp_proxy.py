"""A TCP proxy on loopback: the line between a client and its server, with the
faults a line has. The fault suite puts one between a node and the centre's
broker (:mod:`tests.faultlab`); the province rig, between a centre's bridge and
the provincial broker (:mod:`tests.province_rig`)::

    proxy = LoopbackProxy(broker.port)   # clients connect to proxy.port instead
    proxy.blackhole(); proxy.heal()      # a dead link, then alive again
    proxy.reset()                        # every connection torn with a TCP RST
    proxy.cut(); proxy.restore()         # nobody answers (refused), then again
    proxy.close()
"""

from __future__ import annotations

import contextlib
import socket
import threading

from motcua.broker import free_port


class LoopbackProxy:
    """Forwards ``addresses:port`` to ``upstream:target``.

    ``addresses`` are those it listens on (all of ``localhost``'s, ::1 too on a
    stock Debian, where the client names ``localhost`` and tries only the first).
    """

    def __init__(self, target: int, *, addresses=("127.0.0.1",), upstream: str = "127.0.0.1"):
        self.target = target
        self.upstream = upstream
        self.addresses = list(addresses)
        self._flowing = threading.Event()
        self._flowing.set()
        self._conns: list[socket.socket] = []
        self._servers: list[socket.socket] = []
        self._lock = threading.Lock()
        # A port found free can be taken before we bind it (motcua.broker.free_port):
        # then another. Only here: restore() keeps the port its clients know.
        for tries_left in range(4, -1, -1):
            self.port = free_port()
            try:
                self.restore()
                break
            except OSError:
                self.close()
                if not tries_left:
                    raise

    def restore(self) -> None:
        """Listen (again) on the same port."""
        for address in self.addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            server = socket.create_server((address, self.port), family=family)
            with self._lock:
                self._servers.append(server)
            threading.Thread(target=self._accept, args=(server,), daemon=True,
                             name="proxy").start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return  # cut or closed: the listening socket is gone
            try:
                upstream = socket.create_connection((self.upstream, self.target), timeout=2)
            except OSError:
                _rst(client)  # the server is down: refuse, as it would
                continue
            # Blocking relays: a quiet link (keep-alives only) is not a dead one.
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                # In the hole nothing is read: bytes wait in the sender's kernel,
                # unacknowledged, as on a dead link. Bytes read (acknowledged)
                # before it opened are the receiver's: passed on.
                self._flowing.wait()
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def reset(self) -> None:
        """Close every connection with a TCP RST (SO_LINGER 0), as a rebooted switch
        or a NAT that forgot the flow would; new connections are still forwarded."""
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            _rst(s)

    def blackhole(self) -> None:
        """Stop forwarding without closing anything, as a dead link does: bytes
        already sent wait in the kernel, and nobody is told until keep-alive notices."""
        self._flowing.clear()

    def heal(self) -> None:
        """Forward again: what waited is delivered late, as TCP retransmission would."""
        self._flowing.set()

    def cut(self) -> None:
        """Drop every connection and stop listening, so reconnections are refused, as
        when the far end is unreachable; :meth:`restore` listens again.

        (Accepting and at once closing instead, mid-TLS-handshake, made Debian's
        Mosquitto 2.0.11 bridge fail with "Protocol error" on every retry and
        after some retries crash with a double free; a refused connection is the
        common case of a dead line and it does not do that.)"""
        with self._lock:
            servers, self._servers = self._servers, []
            conns, self._conns = self._conns, []
        for server in servers:
            with contextlib.suppress(OSError):
                server.shutdown(socket.SHUT_RDWR)
            server.close()
        for s in conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def close(self) -> None:
        self.heal()
        self.cut()


def _rst(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()
