"""``motcua hub`` as a process, on a web port it bound itself.

A port found free by the test and bound by the hub a moment later can be taken
in between (by another test run's server, or, inside the kernel's ephemeral
range, by any outgoing connection on the machine): the hub then failed to
start, or a test talked to somebody else's server. Here the hub is given port 0
(``MOTCUA_HTTP__PORT=0``): the system picks a free port as the hub binds it,
and the hub says which in the ``READY=1`` it sends to systemd's notify socket
(``STATUS=hub <centre> on port N``, as under systemd), which the test holds::

    hub = start_hub(config_file, stdout=log, stderr=subprocess.STDOUT)
    http_up(hub.http_port)

A restarted hub gets a new port: read ``http_port`` of the new process.
"""

from __future__ import annotations

import itertools
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

# Not imported from tests.conftest: tests.fault_suite runs without pytest, and
# conftest sets variables (HUB_STATE_CHECK) its hubs must not inherit.
MOTCUA = [sys.executable, "-m", "motcua"]
START_S = 60.0  # as conftest.START_S: only a bound, the test goes on once the hub listens

_names = itertools.count(1)


class HubDidNotStart(AssertionError):
    pass


def start_hub(config: Path, *, env: dict | None = None, timeout: float = START_S,
              **popen) -> subprocess.Popen:
    """Start ``motcua hub --config CONFIG`` on a port of its choosing and return the
    process once it listens, with ``http_port`` set to that port. ``env`` is the
    process's whole environment (default: this one's); ``popen``: more
    ``subprocess.Popen`` arguments. Fails, killing it, when the hub ends first or
    has not listened within ``timeout`` seconds."""
    # An abstract socket (Linux): no path length limit, nothing left on disk.
    name = f"motcua-test-hub-{os.getpid()}-{next(_names)}-{time.monotonic_ns()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(0.2)
        process = subprocess.Popen(
            [*MOTCUA, "hub", "--config", str(config)],
            env={**(os.environ if env is None else env),
                 "NOTIFY_SOCKET": "@" + name, "MOTCUA_HTTP__PORT": "0"},
            **popen)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    message = sock.recv(4096).decode(errors="replace")
                except TimeoutError:
                    if process.poll() is not None:
                        raise HubDidNotStart(
                            f"the hub ended with {process.returncode} before it listened") \
                            from None
                    if time.monotonic() > deadline:
                        raise HubDidNotStart(
                            f"the hub did not listen within {timeout} s") from None
                    continue
                lines = message.splitlines()
                if "READY=1" in lines:
                    found = re.search(r"^STATUS=.* on port (\d+)$", message, re.M)
                    if not found:
                        raise HubDidNotStart(f"the hub's READY names no port: {message!r}")
                    process.http_port = int(found.group(1))
                    return process
        except BaseException:
            process.kill()
            process.wait()
            raise
