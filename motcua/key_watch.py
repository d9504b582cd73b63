"""A key pressed on any keyboard, noticed while the screen rests (KMS/DRM).

SDL's KMS/DRM driver (what ``provisioning/`` runs the hall display on) reads the
keyboards' evdev devices only when asked, and has no wait: a board that rests a
minute between frames would see a technician's Esc a minute late, and asking
SDL every second would wake the board every second. This watches the same
devices in a thread that sleeps in ``select`` with no timeout (no wake-up at
rest) and calls ``on_key`` at each key pressed; the screen's loop then asks SDL,
which has the key in its own queue (every open of an evdev device gets every
event; nobody grabs them). A keyboard plugged in later is seen too: the folder is
watched with inotify (a new node, and its permissions set by udev, ``IN_ATTRIB``).

::

    watch = KeyWatch(on_key=node.wake)   # /dev/input/event*, the user in group input
    watch.start()
    watch.close()
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import select
import struct
import threading
from pathlib import Path

log = logging.getLogger(__name__)

# struct input_event (linux/input.h): a timeval of two longs, then type, code, value.
EVENT = struct.Struct("llHHi")
EV_KEY = 1
PRESSED = 1
# inotify(7) masks: a node created, its owner or mode changed (udev sets the group
# after the kernel made it), one removed.
IN_ATTRIB, IN_CREATE, IN_DELETE = 0x4, 0x100, 0x200
IN_NONBLOCK, IN_CLOEXEC = 0o4000, 0o2000000


def _inotify(folder: Path) -> int | None:
    """An inotify descriptor watching ``folder``, or None where there is none."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if fd < 0:
            return None
        if libc.inotify_add_watch(fd, os.fsencode(folder), IN_CREATE | IN_ATTRIB | IN_DELETE) < 0:
            os.close(fd)
            return None
        return fd
    except (OSError, AttributeError):
        return None


class KeyWatch:
    """Calls ``on_key()`` (from its own thread) at each key pressed on an
    ``event*`` device in ``folder``."""

    def __init__(self, on_key, folder: str | Path = "/dev/input"):
        self.on_key = on_key
        self.folder = Path(folder)
        self.devices: dict[int, str] = {}  # fd -> name
        self.presses = 0
        self._stop_read, self._stop_write = os.pipe()
        self._inotify: int | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> KeyWatch:
        self._inotify = _inotify(self.folder)
        if self._inotify is None:
            log.warning("cannot watch %s for keyboards plugged in later", self.folder)
        self._scan()
        if not self.devices:
            log.info("no input device readable in %s yet", self.folder)
        self._thread = threading.Thread(target=self._run, name="key-watch", daemon=True)
        self._thread.start()
        return self

    def _scan(self) -> None:
        """Open every ``event*`` device not open yet (no permission yet: next time)."""
        known = set(self.devices.values())
        try:
            names = sorted(p.name for p in self.folder.iterdir() if p.name.startswith("event"))
        except OSError:
            return
        for name in names:
            if name in known:
                continue
            try:
                fd = os.open(self.folder / name, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            except OSError:
                continue
            self.devices[fd] = name

    def _drop(self, fd: int) -> None:
        self.devices.pop(fd, None)
        with contextlib.suppress(OSError):
            os.close(fd)

    def _run(self) -> None:
        try:
            while True:
                watched = [self._stop_read, *self.devices]
                if self._inotify is not None:
                    watched.append(self._inotify)
                ready, _, _ = select.select(watched, [], [])
                if self._stop_read in ready:
                    return
                if self._inotify is not None and self._inotify in ready:
                    with contextlib.suppress(BlockingIOError):
                        os.read(self._inotify, 4096)  # which file: rescanning says
                    for fd in [fd for fd, name in self.devices.items()
                               if not (self.folder / name).exists()]:
                        self._drop(fd)
                    self._scan()
                pressed = False
                for fd in ready:
                    if fd in self.devices:
                        pressed |= self._read(fd)
                if pressed:
                    self.presses += 1
                    try:
                        self.on_key()
                    except Exception:
                        log.exception("waking for a key failed")
        except Exception:
            log.exception("the key watch stopped")

    def _read(self, fd: int) -> bool:
        """Whether what ``fd`` has holds a key pressed (its events are SDL's to act on)."""
        try:
            data = os.read(fd, EVENT.size * 64)
        except BlockingIOError:
            return False
        except OSError:  # unplugged
            self._drop(fd)
            return False
        if not data:  # unplugged (or a test's pipe closed)
            self._drop(fd)
            return False
        whole = len(data) - len(data) % EVENT.size
        return any(kind == EV_KEY and value == PRESSED
                   for _, _, kind, _, value in EVENT.iter_unpack(data[:whole]))

    def close(self) -> None:
        if self._thread is not None:
            with contextlib.suppress(OSError):
                os.write(self._stop_write, b"x")
            self._thread.join(5)
            self._thread = None
        for fd in list(self.devices):
            self._drop(fd)
        for fd in (self._inotify, self._stop_read, self._stop_write):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._inotify = None
