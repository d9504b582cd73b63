"""Resting till a touch or a key, without asking the screen every tenth of a second
(issue 25). Used by the kiosk (touches) and the hall display (a technician's Esc).

SDL hands a touch over only when asked. Where its video driver can wait for the
next event (X11, Wayland: SDL 2.0.16 and later), ``SDL_WaitEventTimeout`` sleeps
in the kernel till the screen, a key or a posted event has something, and the
kiosk wakes for nothing else. pygame 2.6's ``event.wait(timeout)`` is no such
wait: it asks SDL every millisecond, whatever the driver (measured: 825 wake-ups a
second under X11), so this calls SDL's own function, in the SDL library pygame
itself loaded (:class:`SDLWait`).

KMS/DRM (what ``provisioning/`` runs the kiosk and the display on) has no such
wait: SDL reads the touch screen's and keyboards' evdev devices
(``/dev/input/event*``, opened read-only, never grabbed) when pumped. So the kiosk
opens the same devices itself, read-only, and sleeps in ``poll`` on them
(:class:`DeviceWait`, when :func:`open_for` is given their folder): each open of
an evdev device has its own queue, so what the kiosk reads and throws away is not
taken from SDL's; woken, it lets SDL read its own copy. New devices (a USB touch
screen or scanner plugged in later) are seen through inotify on the folder and a
look at it on every wait; a device the kiosk may not open (permission denied:
SDL, the same user, most likely cannot either, but the kiosk cannot tell which
device is the touch screen) sends it back to reading SDL every ``INPUT_POLL_S``,
said once in the log. Without the folder :func:`open_for` returns None on
KMS/DRM: the display watches the keyboards itself (:mod:`motcua.key_watch`). The
dummy and offscreen drivers have no input (None: only the node's own posts wake
it).

::

    wait = open_for(pygame, "/dev/input")   # after set_mode; None: nothing to wait on
    wait.wait(5.0)                  # till an event, wait.wake() or 5 s
    wait.wake()                     # from any thread
    wait.close()

A signal's Python handler runs only once the main thread is back from C, and SDL's
wait carries on through the interrupted system call: a thread that reads Python's
signal wake-up pipe posts the wake, so SIGTERM still stops the kiosk at once.
(Python's own ``poll`` returns to run the handler, which wakes :class:`DeviceWait`.)
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import logging
import os
import re
import select
import signal
import struct
import threading
import time

log = logging.getLogger(__name__)

# Video drivers whose SDL_WaitEventTimeout blocks, with the least SDL that does
# (SDL_VideoDevice.WaitEventTimeout set; read in SDL 2.28's source: x11 and wayland
# set it, kmsdrm, dummy and offscreen do not). X11 measured under Xvfb; Wayland not
# measured here, its version from SDL's history as remembered, not checked.
WAITING_DRIVERS = {"x11": (2, 0, 16), "wayland": (2, 0, 18)}
# Video drivers whose input SDL reads from /dev/input/event* itself (SDL_EVDEV_Poll,
# in SDL 2.28's source): KMS/DRM, the old Raspberry Pi one, and "evdev" (the dummy
# screen with evdev input, which the tests use: SDL_EVDEV_DEVICES names the files).
EVDEV_DRIVERS = ("kmsdrm", "rpi", "evdev")
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
# pygame's bundled SDL (libSDL2-2-<hash>.0.so.0...) or the system's (libSDL2-2.0.so.0).
_SDL_NAME = re.compile(r"/libSDL2-2[.-][^/]*\.so[^/]*$")


def sdl_library_path() -> str | None:
    """The SDL 2 library this process has loaded (pygame's), from /proc/self/maps."""
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
        for line in maps:
            path = line.split(None, 5)[-1].strip() if line.count(" ") >= 5 else ""
            if _SDL_NAME.search(path):
                return path
    return None


class SDLWait:
    """Sleeps in ``SDL_WaitEventTimeout`` (main thread: the one that made the window)."""

    kind = "sdl"

    def __init__(self, pygame, library: str):
        self._pygame = pygame
        sdl = ctypes.CDLL(library)  # already loaded: the same SDL, its queue and window
        self._wait = sdl.SDL_WaitEventTimeout
        self._wait.argtypes = [ctypes.c_void_p, ctypes.c_int]
        self._wait.restype = ctypes.c_int
        self.WAKE = pygame.event.custom_type()
        self._pipe: tuple[int, int] | None = None
        self._relay_signals()

    def wait(self, seconds: float) -> bool:
        """Till the screen or keys have an event, :meth:`wake` is called, or
        ``seconds``; leaves the event for the frame to read (a wake is dropped).
        Returns whether something came."""
        got = self._wait(None, max(1, round(seconds * 1000))) == 1
        self.drain()
        return got

    def drain(self) -> None:
        """Drop the posted wakes (they are not a touch: no frame to draw for them)."""
        with contextlib.suppress(self._pygame.error):
            self._pygame.event.clear(self.WAKE, pump=False)

    def wake(self) -> None:
        """End :meth:`wait` now (any thread; SDL_PushEvent wakes SDL's wait)."""
        with contextlib.suppress(self._pygame.error):  # the screen already closed
            self._pygame.event.post(self._pygame.event.Event(self.WAKE))

    def _relay_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # tests drive a kiosk from a thread: no signals to relay
        read, write = os.pipe()
        os.set_blocking(write, False)
        try:
            previous = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
        except ValueError:
            previous = None
        if previous != -1:  # not ours to take (someone else's pipe, or refused)
            if previous is not None:
                signal.set_wakeup_fd(previous)
            os.close(read)
            os.close(write)
            return
        self._pipe = (read, write)
        threading.Thread(target=self._relay, args=(read,), name="signal-wake",
                         daemon=True).start()

    def _relay(self, read: int) -> None:
        try:
            while os.read(read, 64):  # blocks: no wake-up till a signal comes
                self.wake()
        except OSError:
            pass
        finally:
            os.close(read)

    def close(self) -> None:
        if self._pipe is None:
            return
        read, write = self._pipe
        self._pipe = None
        if threading.current_thread() is threading.main_thread():
            with contextlib.suppress(ValueError):
                if signal.set_wakeup_fd(-1) != write:
                    log.warning("signal wake-up pipe replaced while the kiosk waited")
        os.close(write)  # the relay reads the end of the pipe, closes its end and ends


def reads_input_devices(pygame) -> bool:
    """Whether SDL reads the input devices itself on the screen pygame has open
    (KMS/DRM: no window system), so a wait must watch them.

    On a Pi's console (KMS/DRM) it is true; under X11, Wayland or the dummy
    driver, false (skipped here: the answer depends on the machine's screen):

        >>> import pygame; pygame.display.init()  # doctest: +SKIP
        >>> reads_input_devices(pygame)            # doctest: +SKIP
        True
    """
    # Debian's SDL names the driver "KMSDRM", pygame's wheels "kmsdrm".
    return bool(pygame.display.get_init()
                and pygame.display.get_driver().lower() in EVDEV_DRIVERS)


def open_for(pygame, input_dir: str | None = None) -> SDLWait | DeviceWait | None:
    """A blocking wait for the screen pygame has open: SDL's own (X11, Wayland), or
    on the input devices in ``input_dir`` SDL reads (KMS/DRM; without the folder,
    None there); None where the screen has no input of its own (dummy, offscreen)
    or SDL's wait cannot be had (the kiosk then reads its input every
    ``INPUT_POLL_S``)."""
    if not pygame.display.get_init():
        return None
    if reads_input_devices(pygame):
        return DeviceWait(input_dir) if input_dir is not None else None
    driver = pygame.display.get_driver().lower()
    least = WAITING_DRIVERS.get(driver)
    if least is None or tuple(pygame.get_sdl_version()) < least:
        return None
    library = sdl_library_path()
    if library is None:
        log.warning("SDL library not found in /proc/self/maps: reading the screen "
                    "every input_poll_s")
        return None
    try:
        return SDLWait(pygame, library)
    except (OSError, AttributeError) as exc:
        log.warning("cannot wait on SDL (%s): reading the screen every input_poll_s", exc)
        return None


# <linux/input.h>: EVIOCGBIT(0, len) and EVIOCGPROP(len) (_IOC_READ, 'E').
def _ioc_read(number: int, size: int) -> int:
    return (2 << 30) | (size << 16) | (ord("E") << 8) | number


EV_KEY, EV_REL, EV_ABS = 1, 2, 3
INPUT_PROP_ACCELEROMETER = 6
# <sys/inotify.h>
IN_ATTRIB, IN_MOVED_FROM, IN_MOVED_TO = 0x4, 0x40, 0x80
IN_CREATE, IN_DELETE, IN_DELETE_SELF, IN_IGNORED = 0x100, 0x200, 0x400, 0x8000
IN_NONBLOCK, IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC
_INOTIFY_EVENT = struct.Struct("iIII")


def wanted_device(fd: int) -> bool:
    """Whether SDL would read this device for the screen: keys, buttons, a pointer or
    a touch screen (EV_KEY, EV_REL, EV_ABS), not an accelerometer (its stream would
    wake the kiosk for nothing). A file that is no evdev device (the tests' FIFOs)
    is taken."""
    bits = bytearray(4)
    try:
        fcntl.ioctl(fd, _ioc_read(0x20, len(bits)), bits)
    except OSError:
        return True
    types = int.from_bytes(bits, "little")
    if not types & ((1 << EV_KEY) | (1 << EV_REL) | (1 << EV_ABS)):
        return False
    props = bytearray(4)
    try:
        fcntl.ioctl(fd, _ioc_read(0x09, len(props)), props)
    except OSError:
        return True
    return not int.from_bytes(props, "little") & (1 << INPUT_PROP_ACCELEROMETER)


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


class DeviceWait:
    """Sleeps in ``poll`` on the input devices SDL reads (KMS/DRM), a wake-up fd and
    inotify on their folder; any thread may :meth:`wake` it. Each wait looks at the
    folder again (a listing: no wake-up of its own)."""

    kind = "devices"

    def __init__(self, folder: str = INPUT_DIR, *, poll_s: float = INPUT_POLL_S,
                 monotonic=time.monotonic):
        self.folder = folder
        self.poll_s = poll_s
        self.monotonic = monotonic
        self.devices: dict[str, int] = {}   # path -> our read-only fd
        self.ignored: set[str] = set()      # not for the screen (an accelerometer)
        self.denied: set[str] = set()       # permission denied: SDL read every poll_s
        self._said: set[str] = set()
        self._lock = threading.Lock()
        self._wake_fd: int | None = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        try:
            self._inotify: _Inotify | None = _Inotify()
        except (OSError, AttributeError) as exc:
            self._inotify = None
            log.warning("no inotify (%s): a new input device is seen at the next wait", exc)
        self._reads_until = 0.0   # SDL read every poll_s till then (hot-plug, follow-up)
        self._input_at = float("-inf")
        self.scan()
        log.info("resting on %d input device(s) in %s, SDL read when one has input",
                 len(self.devices), folder)

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
            self._say("folder", logging.WARNING, "cannot list %s (%s): reading the screen "
                      "every %g s", self.folder, exc, self.poll_s)
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
                          "cannot read %s (%s; the kiosk's user needs the input group): "
                          "reading the screen every %g s instead of waiting for a touch",
                          path, exc.strerror, self.poll_s)
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

    @property
    def polling(self) -> bool:
        """Whether SDL is read every ``poll_s`` (a device or the folder refused)."""
        return bool(self.denied)

    # Waiting ---------------------------------------------------------------------
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
        poller = select.poll()
        wake_fd = self._wake_fd
        if wake_fd is None:
            return False  # closed
        poller.register(wake_fd, select.POLLIN)
        if self._inotify is not None:
            poller.register(self._inotify.fd, select.POLLIN)
        by_fd = {}
        for path, fd in self.devices.items():
            poller.register(fd, select.POLLIN)
            by_fd[fd] = path
        ready = poller.poll(max(0, round(timeout * 1000)))
        if any(fd in by_fd for fd, _ in ready):
            # A finger dragging: one frame each FRAME_S at most (the rest of its
            # reports are in SDL's queue by then).
            time.sleep(max(0.0, self._input_at + FRAME_S - self.monotonic()))
        got = False
        for fd, events in ready:
            got = True
            if fd == wake_fd:
                with contextlib.suppress(BlockingIOError):
                    os.eventfd_read(fd)
            elif self._inotify is not None and fd == self._inotify.fd:
                news = self._inotify.names()  # drained whatever they are
                if any(n.startswith("event") or n == "" for n in news) and self.scan():
                    self._reads_until = self.monotonic() + HOTPLUG_READS_S
            elif fd in by_fd:
                self._read_input(by_fd[fd], fd, events)
        return got

    def _read_input(self, path: str, fd: int, events: int) -> None:
        """Throw our copy of the input away (SDL reads its own); a device gone is
        forgotten (unplugged: the folder's listing no longer has it)."""
        gone = bool(events & (select.POLLHUP | select.POLLERR | select.POLLNVAL))
        if events & select.POLLIN:
            while True:
                try:
                    data = os.read(fd, 24 * 64)
                except BlockingIOError:
                    break
                except OSError as exc:
                    gone = gone or exc.errno in (errno.ENODEV, errno.EIO, errno.EBADF)
                    break
                if not data:
                    gone = True
                    break
        now = self.monotonic()
        self._input_at = now
        self._reads_until = max(self._reads_until, now + FOLLOW_UP_S)
        if gone:
            self._drop(path)
            self._reads_until = max(self._reads_until, now + HOTPLUG_READS_S)

    def drain(self) -> None:
        """Nothing posted to drop: a wake is read from its own fd."""

    def wake(self) -> None:
        """End :meth:`wait` now (any thread, or a signal handler: never blocks; a
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
