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
wait: SDL reads the touch screen's and keyboards' evdev devices itself when
pumped. There the node watches the same devices (:mod:`motcua.input_devices`):
:func:`open_for`, given their folder, returns the kiosk's
:class:`~motcua.input_devices.DeviceWait`, which sleeps in ``poll`` on them; without
the folder it returns None on KMS/DRM, and the display watches the keyboards
itself (:class:`~motcua.input_devices.KeyWatch`). The dummy and offscreen drivers
have no input (None: only the node's own posts wake it).

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
import logging
import os
import re
import signal
import threading

from motcua.input_devices import DeviceWait

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
    driver, false (no doctest: the answer depends on the machine's screen)::

        pygame.display.init()
        reads_input_devices(pygame)     # True on the Pi's console
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
