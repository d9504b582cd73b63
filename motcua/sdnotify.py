"""systemd's notify protocol (``sd_notify``), without a dependency.

Units run with ``Type=notify`` and ``WatchdogSec=``: the process says
``READY=1`` once it serves, then ``WATCHDOG=1`` at least every half
``WatchdogSec`` from its *main loop*, so a loop that hangs (not only a
process that dies) gets restarted::

    watchdog = Watchdog()          # reads NOTIFY_SOCKET / WATCHDOG_USEC
    watchdog.ready("dispenser-1 serving")
    while running:
        do_work()
        watchdog.feed()            # throttled: sends at most every interval / 2
    watchdog.stopping()

Outside systemd (no ``NOTIFY_SOCKET``) every call does nothing.
"""

from __future__ import annotations

import os
import socket
import time


def notify(message: str, env=None) -> bool:
    """Send one datagram to systemd; ``False`` when not run by systemd or it failed."""
    env = os.environ if env is None else env
    address = env.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # abstract socket namespace
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
        return True
    except OSError:
        return False


class Watchdog:
    def __init__(self, env=None):
        self.env = os.environ if env is None else env
        usec = self.env.get("WATCHDOG_USEC", "")
        pid = self.env.get("WATCHDOG_PID", "")
        mine = not pid or (pid.isdigit() and int(pid) == os.getpid())
        # Feed twice per period, as sd_watchdog_enabled(3) advises.
        self.interval = int(usec) / 2e6 if usec.isdigit() and int(usec) > 0 and mine else None
        self._last = 0.0

    @property
    def enabled(self) -> bool:
        return self.interval is not None

    def ready(self, status: str = "") -> bool:
        return notify("READY=1" + (f"\nSTATUS={status}" if status else ""), self.env)

    def status(self, text: str) -> bool:
        return notify(f"STATUS={text}", self.env)

    def feed(self) -> bool:
        if self.interval is None:
            return False
        now = time.monotonic()
        if now - self._last < self.interval / 2:
            return False
        self._last = now
        return notify("WATCHDOG=1", self.env)

    def stopping(self) -> bool:
        return notify("STOPPING=1", self.env)
