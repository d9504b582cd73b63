"""Start a Mosquitto of our own from the project's ``broker-config/``.

Used by the tests, the demo and the benchmarks, so that all of them run the
configuration a centre runs, on a port nobody else uses::

    with Mosquitto("broker-config/test.conf") as broker:
        print(broker.port)

The project's files say everything but where to listen and where to keep
data; this class prepends ``listener <port> localhost``, ``user <you>`` (so a
root-started broker does not switch to the ``mosquitto`` user, who could not
read our temporary directory) and ``persistence_location``.

Listening on the name ``localhost``, not on ``127.0.0.1``: on a stock Debian
``/etc/hosts`` the name is ``::1`` as well, and whoever connects by that name
may try ``::1`` first. Python's clients fall back to the next address, but
Mosquitto's bridge (2.0.11) connects to the first one only and fails with
"Protocol error". Mosquitto binds every address the name resolves to, so the
listener is wherever a client looks (see :func:`loopback_host`).
"""

from __future__ import annotations

import getpass
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

INSTALL_HINT = "sudo apt-get install mosquitto"


class BrokerError(RuntimeError):
    pass


# Debian installs the broker in /usr/sbin, which is not on a normal user's PATH.
SBIN_PATHS = ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"]


def find_mosquitto() -> str:
    found = shutil.which("mosquitto") or next(
        (p for p in SBIN_PATHS if os.access(p, os.X_OK)), None
    )
    if not found:
        raise BrokerError(f"mosquitto is not installed: {INSTALL_HINT}")
    return found


def loopback_addresses() -> list[str]:
    """The addresses ``localhost`` resolves to on this machine, IPv4 or IPv6 first as it says.

    ::

        loopback_addresses()   # ['::1', '127.0.0.1'] on a stock Debian 12
    """
    found: list[str] = []
    for *_, sockaddr in socket.getaddrinfo("localhost", None, type=socket.SOCK_STREAM):
        if sockaddr[0] not in found:
            found.append(sockaddr[0])
    return found


def _bindable(address: str, port: int = 0) -> bool:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            if family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((address, port))
        return True
    except OSError:
        return False


def loopback_host() -> str:
    """What a loopback listener binds: ``localhost`` when every address of that name can
    be bound here (Mosquitto then listens on each), else ``127.0.0.1``.

    ``127.0.0.1`` is the fallback for a machine whose ``/etc/hosts`` names
    ``::1`` while IPv6 is switched off (some containers): Mosquitto would fail
    to bind ``::1`` and exit. Python's clients still reach it by the name
    ``localhost`` (the ``::1`` attempt fails, the next is ``127.0.0.1``); a
    bridge there must be given ``127.0.0.1`` itself.
    """
    addresses = loopback_addresses()
    if addresses and all(_bindable(a) for a in addresses):
        return "localhost"
    return "127.0.0.1"


# Where free_port() looks: below the kernel's ephemeral range (32768-60999 on
# Linux by default). An outgoing connection takes its local port from that
# range, and so does every bind to port 0. A port found free there and handed
# to a server that binds it a moment later could be taken in between by any
# connection on the machine: a test run beside seven others opens thousands.
# Below the range only a program that names the port can take it.
PORTS_FROM = 20000
_handed: set[int] = set()
_random = random.SystemRandom()


def _ephemeral_range() -> tuple[int, int] | None:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return None


def free_port() -> int:
    """A TCP port free on every loopback address (a listener on ``localhost`` binds them all),
    outside the kernel's ephemeral range when it leaves room (see ``PORTS_FROM``), and
    not one this process was given before.

    Still only free *now*: a server given it must notice when its bind fails and
    try another (:meth:`Mosquitto.start` does).
    """
    others = [a for a in loopback_addresses() if a != "127.0.0.1" and _bindable(a)]
    ephemeral = _ephemeral_range()
    below = ephemeral is not None and ephemeral[0] - PORTS_FROM >= 2000
    for _ in range(200):
        if below:
            port = _random.randrange(PORTS_FROM, ephemeral[0])
            if port in _handed or not _bindable("127.0.0.1", port):
                continue
        else:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            if port in _handed:
                continue
        if all(_bindable(a, port) for a in others):
            _handed.add(port)
            return port
    raise BrokerError("no free TCP port found on loopback in 200 tries")


def _listening_sockets(port: int) -> set[str] | None:
    """The inodes of the sockets listening on TCP ``port`` (any address), or None
    where the kernel's tables cannot be read (not Linux)."""
    found: set[str] = set()
    tables = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        tables += 1
        for line in lines:
            fields = line.split()
            # local address "0100007F:4E21", state 0A = LISTEN, inode in column 10
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                found.add(fields[9])
    return found if tables else None


def _sockets_of(pid: int) -> set[str] | None:
    """The socket inodes process ``pid`` holds, or None where that cannot be read."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    found = set()
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue  # closed since the listing
        if target.startswith("socket:["):
            found.add(target[8:-1])
    return found


def listening(process: subprocess.Popen, ports: dict[int, int]) -> bool | None:
    """Whether ``process`` itself listens on each port, with at least as many
    sockets as asked (``{port: count}``: one per address of ``localhost``).

    Another program answering on the port is not ``process`` listening: a
    connect would not tell them apart. None where /proc cannot say.
    """
    ours = _sockets_of(process.pid)
    if ours is None:
        return None
    for port, count in ports.items():
        there = _listening_sockets(port)
        if there is None:
            return None
        if len(there & ours) < count:
            return False
    return True


def wait_for_port(port: int, timeout: float = 10.0, host: str = "127.0.0.1") -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def wait_listening(process: subprocess.Popen, ports: dict[int, int],
                   timeout: float) -> bool:
    """Whether ``process`` listens on each of ``ports`` (:func:`listening`) within
    ``timeout`` s; False as soon as it exits. Used for every program motcua starts
    and waits for: the brokers here, ``motcua trial``'s broker and hub."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        state = listening(process, ports)
        if state is None:  # no /proc: a connect is the best we can do
            state = all(wait_for_port(p, 0.05) for p in ports)
            state = state and process.poll() is None
        if state:
            return True
        time.sleep(0.02)
    return False


class Mosquitto:
    def __init__(self, config_file: str | os.PathLike, port: int | None = None,
                 data_dir: str | os.PathLike | None = None, log_file=None):
        self.config_file = Path(config_file)
        # A port we chose may move during the first start, if another program took
        # it meanwhile (start() tries another). A port the caller named, or has
        # read (see `port`), never moves: somebody was told it.
        self._port = port or free_port()
        self._port_pinned = port is not None
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix="motcua-broker-"))
        self.log_file = Path(log_file) if log_file else self.data_dir / "mosquitto.log"
        self.process: subprocess.Popen | None = None
        self.host = loopback_host()
        # Live web pages read retained state over MQTT-over-WebSockets: when a
        # `web.acl` sits beside the config, a read-only websockets listener is
        # added on a free port, anonymous clients confined by that ACL.
        self.web_acl = self.config_file.parent / "web.acl"
        self._ws_port = free_port() if self.web_acl.exists() else None
        self._ws_pinned = False

    @property
    def port(self) -> int:
        """The MQTT listener's port. Read it after :meth:`start`: one chosen here can
        move during the first start if it was taken, unless it was read before."""
        self._port_pinned = True
        return self._port

    @port.setter
    def port(self, value: int) -> None:
        self._port, self._port_pinned = value, True

    @property
    def ws_port(self) -> int | None:
        """The live pages' websockets port (None without one); as :attr:`port`."""
        self._ws_pinned = True
        return self._ws_port

    @ws_port.setter
    def ws_port(self, value: int | None) -> None:
        self._ws_port, self._ws_pinned = value, True

    def write_config(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        header = (
            f"# written by motcua.broker from {self.config_file}\n"
            f"listener {self._port} {self.host}\n"
            f"user {getpass.getuser()}\n"
            f"persistence_location {self.data_dir}/\n"
        )
        websockets = ""
        if self._ws_port:
            # libwebsockets in Debian's 2.0.11 fails to bind without an IPv6
            # stack unless told to use IPv4 (socket_domain).
            websockets = (
                f"\n# added by motcua.broker: live web pages, read-only\n"
                f"listener {self._ws_port} 127.0.0.1\n"
                f"socket_domain ipv4\n"
                f"protocol websockets\n"
                f"allow_anonymous true\n"
                f"acl_file {self.web_acl}\n"
            )
        # per_listener_settings must precede the listener we prepend: hoist it.
        lines = self.config_file.read_text(encoding="utf-8").splitlines(keepends=True)
        hoisted = [ln for ln in lines if ln.strip().startswith("per_listener_settings")]
        body = "".join(ln for ln in lines if ln not in hoisted)
        path = self.data_dir / "mosquitto.conf"
        path.write_text("".join(hoisted) + header + body + websockets, encoding="utf-8")
        return path

    # How often start() tries fresh ports when the ones it chose were taken.
    START_TRIES = 5

    def listener_ports(self) -> dict[int, int]:
        """The ports this broker's own process listens on, each with how many sockets
        (``localhost``: one per address, see :func:`loopback_host`)."""
        ports = {self._port: len(loopback_addresses()) if self.host == "localhost" else 1}
        if self._ws_port:
            ports[self._ws_port] = 1
        return ports

    def _move_taken(self, said: str) -> bool:
        """Fresh ports for the listeners Mosquitto said (``said``, its log) it could not
        bind, where nobody has been told them yet; whether it could."""
        if self._ws_port and f"websockets listener on port {self._ws_port}" in said:
            if self._ws_pinned:
                return False
            self._ws_port = free_port()
            return True
        if "Address already in use" in said and not self._port_pinned:
            self._port = free_port()
            return True
        return False

    def start(self, timeout: float = 10.0) -> Mosquitto:
        """Start the broker; return once it listens on its ports itself.

        A port can be taken between :func:`free_port` and Mosquitto's bind (by a
        connection's local port, or by another program). Mosquitto then exits
        with "Address already in use"; on a first start with ports of our
        choosing, this tries fresh ones (``START_TRIES`` in all). A restart keeps
        its port (clients know it), and so does a port read before the start: a
        port taken then fails the start plainly.
        """
        binary = find_mosquitto()
        for attempt in range(1, self.START_TRIES + 1):
            conf = self.write_config()
            self._log = open(self.log_file, "ab")  # noqa: SIM115 - closed in stop()
            logged_from = self._log.tell()
            self.process = subprocess.Popen(
                [binary, "-c", str(conf)], stdout=self._log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            ports = self.listener_ports()
            if wait_listening(self.process, ports, timeout):
                self._port_pinned = True
                self._ws_pinned = self._ws_pinned or self._ws_port in ports
                return self
            exited = self.process.poll() is not None
            self.stop()
            with open(self.log_file, "rb") as log:
                log.seek(logged_from)
                said = log.read().decode(errors="replace")
            if exited and attempt < self.START_TRIES and self._move_taken(said):
                continue
            ports = ", ".join(str(p) for p in self.listener_ports())
            why = "exited" if exited else f"did not listen within {timeout:g} s"
            raise BrokerError(f"mosquitto {why} on port {ports} (try {attempt}):\n"
                              f"{said[-2000:]}")
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self, timeout: float = 5.0) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None

    def kill(self) -> None:
        """SIGKILL, as a power cut would: no clean shutdown, no final save."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def cleanup(self) -> None:
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> Mosquitto:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.cleanup()


class ProductionMosquitto(Mosquitto):
    """The production configuration (``broker-config/production.conf``) on a free port.

    With the bridge (``bridge.conf``) when provision made one, and the live
    pages' relay broker (``public.conf``: a second Mosquitto, anonymous and
    read-only, websockets on ``ws_port``, fed by a bridge from this one).

    For the tests and a technician's dry run: ``files_dir`` is ``motcua
    provision``'s ``broker/`` folder (passwd, acl, certificates), put where the
    file says ``/etc/mosquitto/motcua/``::

        with ProductionMosquitto(out / "broker") as broker:
            print(broker.port)      # TLS only, passwords and ACL enforced
            print(broker.ws_port)   # the live pages' relay
    """

    ETC = "/etc/mosquitto/motcua/"
    VAR = "/var/lib/mosquitto/"

    def _conf_d(self) -> Path:
        conf_d = self.data_dir / "conf.d"
        conf_d.mkdir(parents=True, exist_ok=True)
        # Debian's /etc/mosquitto/conf.d, here: the bridges provision made (a
        # centre's to its province, a province's to the country).
        for name, installed in (("bridge.conf", "motcua-bridge.conf"),
                                ("national.conf", "motcua-national.conf")):
            bridge = self.files_dir / name
            if bridge.exists():
                text = bridge.read_text(encoding="utf-8").replace(
                    self.ETC, f"{self.files_dir.resolve()}/")
                target = conf_d / installed
                target.write_text(text, encoding="utf-8")
                target.chmod(0o600)
        return conf_d

    def __init__(self, files_dir: str | os.PathLike, config_file=None, *,
                 keep_ports: bool = False, **kwargs):
        """``keep_ports``: listen on the port mosquitto.conf names (and the relay's
        bridge go there), on loopback: to test that provision wrote the inventory's."""
        self.files_dir = Path(files_dir)
        self.keep_ports = keep_ports
        if keep_ports:
            conf = Path(config_file or self.files_dir / "mosquitto.conf")
            kwargs["port"] = next(int(ln.split()[1]) for ln in conf.read_text().splitlines()
                                  if ln.split()[:1] == ["listener"])
        super().__init__(config_file or self.files_dir / "mosquitto.conf", **kwargs)
        # The live pages' relay (provision writes it for a centre and for a
        # province): on a free port here, like the main listener.
        self.public_conf = self.files_dir / "public.conf"
        self._ws_port = free_port() if self.public_conf.exists() else None
        self.relay: subprocess.Popen | None = None

    def write_config(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        lines = []
        for line in self.config_file.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if words[:1] == ["listener"]:
                line = f"listener {self._port} {self.host}"
            elif words[:1] == ["log_dest"]:
                line = "log_dest stdout"
            elif words[:1] == ["persistence_location"]:
                line = f"persistence_location {self.data_dir}/"
            elif words[:1] == ["include_dir"]:
                line = f"include_dir {self._conf_d()}"
            else:
                line = line.replace(self.ETC, f"{self.files_dir.resolve()}/")
            lines.append(line)
        header = (f"# written by motcua.broker from {self.config_file}\n"
                  f"user {getpass.getuser()}\n")
        path = self.data_dir / "mosquitto.conf"
        path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
        return path

    def write_relay_config(self) -> Path:
        """public.conf with its listener and bridge pointed at this test's ports."""
        lines = []
        for line in self.public_conf.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if words[:2] == ["listener", "0"]:
                line = f"listener 0 {self.data_dir}/relay.sock"
            elif words[:1] == ["listener"]:
                line = f"listener {self._ws_port} 127.0.0.1"
            elif words[:1] == ["address"] and not self.keep_ports:
                line = f"address 127.0.0.1:{self._port}"
            elif words[:1] == ["log_dest"]:
                line = "log_dest stdout"
            else:
                line = line.replace(self.ETC, f"{self.files_dir.resolve()}/")
            lines.append(line)
        path = self.data_dir / "public.conf"
        path.write_text(f"user {getpass.getuser()}\n" + "\n".join(lines) + "\n",
                        encoding="utf-8")
        path.chmod(0o600)
        return path

    def listener_ports(self) -> dict[int, int]:
        # ws_port is the relay's, another process (start_relay).
        return {self._port: len(loopback_addresses()) if self.host == "localhost" else 1}

    def start(self, timeout: float = 10.0) -> ProductionMosquitto:
        super().start(timeout)
        if self._ws_port and (self.relay is None or self.relay.poll() is not None):
            self.start_relay(timeout)
        return self

    def start_relay(self, timeout: float = 10.0) -> None:
        """The relay on ``ws_port``; as :meth:`Mosquitto.start`, a port taken before
        its first start is exchanged for a fresh one, never afterwards."""
        for attempt in range(1, self.START_TRIES + 1):
            conf = self.write_relay_config()
            self._relay_log = open(self.data_dir / "public.log", "ab")  # noqa: SIM115
            logged_from = self._relay_log.tell()
            self.relay = subprocess.Popen(
                [find_mosquitto(), "-c", str(conf)], stdout=self._relay_log,
                stderr=subprocess.STDOUT, start_new_session=True)
            if wait_listening(self.relay, {self._ws_port: 1}, timeout):
                self._ws_pinned = True
                return
            exited = self.relay.poll() is not None
            self.stop_relay()
            with open(self.data_dir / "public.log", "rb") as log:
                log.seek(logged_from)
                said = log.read().decode(errors="replace")
            if (exited and "Unable to create websockets listener" in said
                    and not self._ws_pinned and attempt < self.START_TRIES):
                self._ws_port = free_port()
                continue
            self.stop()
            raise BrokerError(f"the live pages' relay did not open port {self._ws_port} "
                              f"(try {attempt}):\n{said[-2000:]}")

    def stop_relay(self, timeout: float = 5.0) -> None:
        if self.relay and self.relay.poll() is None:
            self.relay.terminate()
            try:
                self.relay.wait(timeout)
            except subprocess.TimeoutExpired:
                self.relay.kill()
                self.relay.wait()
        if getattr(self, "_relay_log", None):
            self._relay_log.close()
            self._relay_log = None

    def stop(self, timeout: float = 5.0) -> None:
        self.stop_relay(timeout)
        super().stop(timeout)
