"""The input devices SDL reads on KMS/DRM, watched by the node itself (issue 25).

SDL's KMS/DRM driver (what ``provisioning/`` runs the kiosk and the hall display
on) reads the touch screen's and keyboards' evdev devices (``/dev/input/event*``,
opened read-only, never grabbed) only when pumped, and has no wait: a node that
rests between frames would see a touch or a technician's Esc only at its next
frame, or would have to read SDL every tenth of a second. So the node opens the
same devices itself, read-only (:class:`InputDevices`): each open of an evdev
device has its own queue, so what is read here is not taken from SDL's; woken, the
node lets SDL read its own copy. Devices plugged in later (a USB touch screen,
scanner or keyboard) are seen through inotify on the folder (a node created, its
permissions set by udev after the kernel made it, one removed) and a listing at
each look; a device that may not be opened is said once in the log.

Two ways to use them:

- :class:`DeviceWait` (the kiosk): sleeps in ``poll`` on the devices, a wake-up
  fd and the folder's inotify till one has input, any thread wakes it, or the
  time is up; then SDL is read (:func:`motcua.screen_wait.open_for` makes one).
- :class:`KeyWatch` (the hall display): a thread sleeping in ``poll`` with no
  timeout (no wake-up at rest) calls ``on_key`` at each key pressed; the board's
  loop then asks SDL, which has the key in its own queue.

::

    wait = DeviceWait("/dev/input")    # the user in group input
    wait.wait(5.0)                     # till input, wait.wake() or 5 s
    wait.wake()                        # from any thread
    wait.close()

    watch = KeyWatch(on_key=node.wake).start()
    watch.close()
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import logging
import os
import select
import struct
import threading
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

INPUT_DIR = "/dev/input"
# Where the kiosk cannot watch every device: SDL is read this often (as before).
INPUT_POLL_S = 0.1
# After a device came or went, SDL is read this often for a while: it opens a new
# device when it reads udev's news of it, which nothing here can wait on.
HOTPLUG_READS_S = 2.0
# After a touch woke the kiosk, SDL is read once more this much later (should its
# copy of the events have come after ours), and no sooner than FRAME_S after the
# last such wake (a finger dragging sends a report every few ms; one frame each).
FOLLOW_UP_S = 0.1
FRAME_S = 0.02

# <linux/input.h>: struct input_event (a timeval of two longs, then type, code,
# value), the event types, and EVIOCGBIT(0, len) and EVIOCGPROP(len) (_IOC_READ, 'E').
EVENT = struct.Struct("llHHi")
EV_KEY, EV_REL, EV_ABS = 1, 2, 3
PRESSED = 1
KEY_ESC = 1  # linux/input-event-codes.h
INPUT_PROP_ACCELEROMETER = 6


def _ioc_read(number: int, size: int) -> int:
    return (2 << 30) | (size << 16) | (ord("E") << 8) | number


# <sys/inotify.h>
IN_ATTRIB, IN_MOVED_FROM, IN_MOVED_TO = 0x4, 0x40, 0x80
IN_CREATE, IN_DELETE, IN_DELETE_SELF, IN_IGNORED = 0x100, 0x200, 0x400, 0x8000
IN_NONBLOCK, IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC
_INOTIFY_EVENT = struct.Struct("iIII")


def _device_bits(fd: int, number: int) -> int | None:
    """The first 32 bits an EVIOCG* request answers, or None for a file that is no
    evdev device."""
    bits = bytearray(4)
    try:
        fcntl.ioctl(fd, _ioc_read(number, len(bits)), bits)
    except OSError:
        return None
    return int.from_bytes(bits, "little")


def wanted_device(fd: int) -> bool:
    """Whether SDL would read this device for the screen: keys, buttons, a pointer or
    a touch screen (EV_KEY, EV_REL, EV_ABS), not an accelerometer (its stream would
    wake the node for nothing). A file that is no evdev device (the tests' FIFOs)
    is taken."""
    types = _device_bits(fd, 0x20)  # EVIOCGBIT(0): the event types
    if types is None:
        return True
    if not types & ((1 << EV_KEY) | (1 << EV_REL) | (1 << EV_ABS)):
        return False
    props = _device_bits(fd, 0x09)  # EVIOCGPROP: the device's properties
    return props is None or not props & (1 << INPUT_PROP_ACCELEROMETER)


def key_pressed(data: bytes) -> bool:
    """Whether these input events hold a key pressed (not let go, not a move)."""
    whole = len(data) - len(data) % EVENT.size
    return any(kind == EV_KEY and value == PRESSED
               for _, _, kind, _, value in EVENT.iter_unpack(data[:whole]))


def escape_pressed(data: bytes) -> bool:
    """Whether these input events hold Esc pressed."""
    whole = len(data) - len(data) % EVENT.size
    return any(kind == EV_KEY and code == KEY_ESC and value == PRESSED
               for _, _, kind, code, value in EVENT.iter_unpack(data[:whole]))


class _Inotify:
    """Names created, removed or changed (permissions) in one folder, through libc."""

    def __init__(self):
        libc = ctypes.CDLL(None, use_errno=True)
        self._add = libc.inotify_add_watch
        self._add.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        self.fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        self.watching = False

    def watch(self, folder: str) -> bool:
        if not self.watching:
            mask = IN_CREATE | IN_DELETE | IN_ATTRIB | IN_MOVED_TO | IN_MOVED_FROM \
                | IN_DELETE_SELF
            self.watching = self._add(self.fd, os.fsencode(folder), mask) >= 0
        return self.watching

    def names(self) -> list[str]:
        """The names of the events waiting (drained)."""
        names = []
        while True:
            try:
                data = os.read(self.fd, 4096)
            except BlockingIOError:
                return names
            at = 0
            while at + _INOTIFY_EVENT.size <= len(data):
                _, mask, _, length = _INOTIFY_EVENT.unpack_from(data, at)
                at += _INOTIFY_EVENT.size
                names.append(data[at:at + length].rstrip(b"\0").decode(errors="replace"))
                at += length
                if mask & (IN_DELETE_SELF | IN_IGNORED):
                    self.watching = False  # the folder went: watched again when back

    def close(self) -> None:
        os.close(self.fd)


@dataclass
class News:
    """What one :meth:`InputDevices.poll` brought, once :meth:`InputDevices.take` read it."""

    changed: bool = False   # a device came or went (the folder's inotify)
    input: dict[str, bytes] = field(default_factory=dict)  # path -> what it had (whole)
    gone: bool = False      # a device with input hung up (unplugged): dropped


class InputDevices:
    """The ``event*`` devices in ``folder``, opened read-only and never grabbed, kept
    as they come and go; a wake-up eventfd any thread (or a signal handler) may
    write. :meth:`poll` sleeps on them all, :meth:`take` reads what woke it.

    ``user`` and ``instead`` finish the log line said once when a device or the
    folder may not be read: whose user needs the input group, what the node does
    instead."""

    def __init__(self, folder: str = INPUT_DIR, *, user: str = "the node's user",
                 instead: str = "its input is read at the next frame"):
        self.folder = str(folder)
        self.user = user
        self.instead = instead
        self.devices: dict[str, int] = {}   # path -> our read-only fd
        self.ignored: set[str] = set()      # not for the screen (an accelerometer)
        self.denied: set[str] = set()       # permission denied (or the folder unlisted)
        self._said: set[str] = set()
        self._lock = threading.Lock()
        self._wake_fd: int | None = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        try:
            self._inotify: _Inotify | None = _Inotify()
        except (OSError, AttributeError) as exc:
            self._inotify = None
            log.warning("no inotify (%s): an input device plugged in later is seen only "
                        "at the next look at %s", exc, self.folder)
        self.scan()

    # The folder ------------------------------------------------------------------
    def scan(self) -> bool:
        """Open the devices new in the folder, forget the ones gone; whether the set
        changed."""
        if self._inotify is not None:
            self._inotify.watch(self.folder)
        try:
            names = [n for n in os.listdir(self.folder) if n.startswith("event")]
        except FileNotFoundError:
            names = []
        except OSError as exc:
            names = []
            self._say("folder", logging.WARNING, "cannot list %s (%s): %s", self.folder,
                      exc, self.instead)
            self.denied.add(self.folder)
        else:
            self.denied.discard(self.folder)
        paths = {os.path.join(self.folder, n) for n in names}
        changed = False
        for path in sorted(set(self.devices) - paths):
            self._drop(path)
            changed = True
        self.ignored &= paths
        self.denied &= paths | {self.folder}
        for path in sorted(paths - set(self.devices) - self.ignored):
            changed |= self._open(path)
        if not self.devices and not self.denied:
            self._say("none", logging.INFO, "no input device in %s yet: resting till one is "
                      "plugged in", self.folder)
        return changed

    def _open(self, path: str) -> bool:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except PermissionError as exc:
            if path not in self.denied:
                self.denied.add(path)
                self._say("denied", logging.WARNING,
                          "cannot read %s (%s; %s needs the input group): %s",
                          path, exc.strerror, self.user, self.instead)
            return False
        except OSError:
            return False  # gone already, or not a device
        self.denied.discard(path)
        if not wanted_device(fd):
            os.close(fd)
            self.ignored.add(path)
            return False
        self.devices[path] = fd
        return True

    def _drop(self, path: str) -> None:
        fd = self.devices.pop(path, None)
        if fd is not None:
            os.close(fd)

    def _say(self, key: str, level: int, message: str, *args) -> None:
        """Once per process for each kind of news (then only in debug)."""
        log.log(level if key not in self._said else logging.DEBUG, message, *args)
        self._said.add(key)

    # Waiting ---------------------------------------------------------------------
    def poll(self, seconds: float | None) -> list[tuple[int, int]] | None:
        """Sleep till a device has input, :meth:`wake` is called, the folder changes
        or ``seconds`` (None: no time limit); what is ready, for :meth:`take` (None:
        closed)."""
        wake_fd = self._wake_fd
        if wake_fd is None:
            return None
        poller = select.poll()
        poller.register(wake_fd, select.POLLIN)
        if self._inotify is not None:
            poller.register(self._inotify.fd, select.POLLIN)
        for fd in self.devices.values():
            poller.register(fd, select.POLLIN)
        return poller.poll(None if seconds is None else max(0, round(seconds * 1000)))

    def has_input(self, ready: list[tuple[int, int]]) -> bool:
        """Whether a device is among what :meth:`poll` found ready."""
        fds = set(self.devices.values())
        return any(fd in fds for fd, _ in ready)

    def take(self, ready: list[tuple[int, int]]) -> News:
        """Read what :meth:`poll` found ready: the wake, the folder's news (devices
        opened and dropped), each device's input (a device gone is dropped)."""
        news = News()
        by_fd = {fd: path for path, fd in self.devices.items()}
        for fd, events in ready:
            if fd == self._wake_fd:
                with contextlib.suppress(BlockingIOError):
                    os.eventfd_read(fd)
            elif self._inotify is not None and fd == self._inotify.fd:
                names = self._inotify.names()  # drained whatever they are
                if any(n.startswith("event") or n == "" for n in names) and self.scan():
                    news.changed = True
            elif fd in by_fd and self.devices.get(by_fd[fd]) == fd:
                news.input[by_fd[fd]], gone = self._read(fd, events)
                if gone:
                    self._drop(by_fd[fd])
                    news.gone = True
        return news

    @staticmethod
    def _read(fd: int, events: int) -> tuple[bytes, bool]:
        """All the device has (whole events), and whether it is gone (unplugged: the
        folder's listing no longer has it)."""
        gone = bool(events & (select.POLLHUP | select.POLLERR | select.POLLNVAL))
        data = b""
        if events & select.POLLIN:
            while True:
                try:
                    chunk = os.read(fd, EVENT.size * 64)
                except BlockingIOError:
                    break
                except OSError as exc:
                    gone = gone or exc.errno in (errno.ENODEV, errno.EIO, errno.EBADF)
                    break
                if not chunk:
                    gone = True
                    break
                data += chunk
        return data, gone

    def wake(self) -> None:
        """End :meth:`poll` now (any thread, or a signal handler: never blocks; a
        wake that meets another one, or :meth:`close`, is that one's)."""
        if not self._lock.acquire(blocking=False):
            return
        try:
            if self._wake_fd is not None:
                with contextlib.suppress(BlockingIOError):
                    os.eventfd_write(self._wake_fd, 1)
        finally:
            self._lock.release()

    def close(self) -> None:
        with self._lock:
            fd, self._wake_fd = self._wake_fd, None
        if fd is None:
            return
        os.close(fd)
        for path in list(self.devices):
            self._drop(path)
        if self._inotify is not None:
            self._inotify.close()
            self._inotify = None


class DeviceWait(InputDevices):
    """The kiosk on KMS/DRM: sleeps in ``poll`` on the input devices SDL reads, a
    wake-up fd and inotify on their folder; any thread may :meth:`wake` it. Each wait
    looks at the folder again (a listing: no wake-up of its own). Where a device or
    the folder may not be read, SDL is read every ``poll_s`` instead."""

    kind = "devices"

    def __init__(self, folder: str = INPUT_DIR, *, poll_s: float = INPUT_POLL_S,
                 monotonic=time.monotonic):
        self.poll_s = poll_s
        self.monotonic = monotonic
        self._reads_until = 0.0   # SDL read every poll_s till then (hot-plug, follow-up)
        self._input_at = float("-inf")
        super().__init__(folder, user="the kiosk's user",
                         instead=f"reading the screen every {poll_s:g} s instead of "
                                 "waiting for a touch")
        log.info("resting on %d input device(s) in %s, SDL read when one has input",
                 len(self.devices), folder)

    @property
    def polling(self) -> bool:
        """Whether SDL is read every ``poll_s`` (a device or the folder refused)."""
        return bool(self.denied)

    def wait(self, seconds: float) -> bool:
        """Till a device has input, :meth:`wake` is called, a device comes or goes, or
        ``seconds`` (less while SDL must be read on a clock); leaves the input for
        SDL to read. Returns whether something came."""
        now = self.monotonic()
        if self.scan():
            self._reads_until = now + HOTPLUG_READS_S
        timeout = seconds
        if self.polling or now < self._reads_until:
            timeout = min(timeout, self.poll_s)
        ready = self.poll(timeout)
        if ready is None:
            return False  # closed
        if self.has_input(ready):
            # A finger dragging: one frame each FRAME_S at most (the rest of its
            # reports are in SDL's queue by then).
            time.sleep(max(0.0, self._input_at + FRAME_S - self.monotonic()))
        news = self.take(ready)  # our copy of the input thrown away: SDL reads its own
        if news.changed:
            self._reads_until = self.monotonic() + HOTPLUG_READS_S
        if news.input:
            now = self.monotonic()
            self._input_at = now
            self._reads_until = max(self._reads_until, now + FOLLOW_UP_S)
            if news.gone:
                self._reads_until = max(self._reads_until, now + HOTPLUG_READS_S)
        return bool(ready)

    def drain(self) -> None:
        """Nothing posted to drop: a wake is read from its own fd."""


class KeyWatch(InputDevices):
    """The hall display on KMS/DRM: calls ``on_key()`` (from its own thread) at each
    key pressed on an ``event*`` device in ``folder``, and first ``on_escape()`` (if
    given) when the key is Esc. At rest the thread sleeps in ``poll`` with no timeout.

    Esc is read here, not left to SDL: SDL opens a keyboard plugged in later only
    when next pumped (``SDL_EVDEV_Poll`` reads udev's news first, then its devices),
    which for a resting board is when that keyboard's first key woke it, and an
    evdev device gives a reader only what comes after it opened it: SDL never sees
    that first Esc (and never any key, where its SDL was built without udev)."""

    def __init__(self, on_key, folder: str = INPUT_DIR, on_escape=None):
        self.on_key = on_key
        self.on_escape = on_escape
        self.presses = 0
        self._stopping = False
        self._thread: threading.Thread | None = None
        super().__init__(folder, user="the display's user",
                         instead="its keys wait for the board's next frame")

    def start(self) -> KeyWatch:
        self._thread = threading.Thread(target=self._run, name="key-watch", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            while True:
                ready = self.poll(None)
                if ready is None or self._stopping:
                    return
                news = self.take(ready)  # SDL acts on the keys from its own copy
                if any(key_pressed(data) for data in news.input.values()):
                    self.presses += 1
                    try:
                        if self.on_escape is not None and any(
                                escape_pressed(data) for data in news.input.values()):
                            self.on_escape()
                        self.on_key()
                    except Exception:
                        log.exception("waking for a key failed")
        except Exception:
            log.exception("the key watch stopped")

    def close(self) -> None:
        if self._thread is not None:
            self._stopping = True
            self.wake()
            self._thread.join(5)
            self._thread = None
        super().close()
