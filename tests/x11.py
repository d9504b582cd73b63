"""A real X11 server for the screen nodes (Xvfb), and a finger on it (XTest)::

    with Xvfb((1080, 1920)) as x:           # DISPLAY=x.display for the node
        finger = Finger(x.display)
        finger.move(window_id, 540, 960)     # the pointer there (an event of its own)
        finger.tap()                         # press and release, as the server's input
        finger.close()

Xvfb is Debian's ``xvfb`` (``provisioning/system-packages.sh dev`` installs it);
missing, :class:`Xvfb` raises: a test that needs it fails, it never skips. The
finger is XTest (``libxtst6``), through ctypes: the press reaches the window
through the server, as a touch screen's does under X11, so SDL's own wait sees it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import shutil
import subprocess
import time


class Xvfb:
    """An Xvfb server on a display number it finds free itself, for the ``with`` block."""

    def __init__(self, size: tuple[int, int] = (1080, 1920)):
        self.size = size
        self.process: subprocess.Popen | None = None
        self.display = ""

    def __enter__(self) -> Xvfb:
        binary = shutil.which("Xvfb")
        if binary is None:
            raise RuntimeError("Xvfb is missing: run `sh provisioning/system-packages.sh dev` "
                               "(Debian's xvfb)")
        # -displayfd: the server takes the first display number free on this host
        # and writes it to the pipe once it accepts clients. Picking a number
        # ourselves raced with other Xvfbs: abstract X sockets are per network
        # namespace, so a run in a chroot beside another run collided on :90
        # while /tmp/.X11-unix looked free to both.
        read_end, write_end = os.pipe()
        try:
            self.process = subprocess.Popen(
                [binary, "-displayfd", str(write_end), "-screen", "0",
                 f"{self.size[0]}x{self.size[1]}x24", "-nolisten", "tcp", "-noreset"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, pass_fds=(write_end,))
            os.close(write_end)
            write_end = -1
            number = b""
            deadline = time.monotonic() + 10
            while not number.endswith(b"\n") and time.monotonic() < deadline:
                ready, _, _ = select.select([read_end], [], [], 0.1)
                if ready:
                    chunk = os.read(read_end, 16)
                    if not chunk:  # the server exited before it said its number
                        break
                    number += chunk
        finally:
            os.close(read_end)
            if write_end >= 0:
                os.close(write_end)
        if number.strip().isdigit() and self.process.poll() is None:
            self.display = f":{int(number)}"
            return self
        error = self._stop()
        raise RuntimeError(f"Xvfb did not start: {error[-500:]}")

    def _stop(self) -> str:
        process, self.process = self.process, None
        if process is None:
            return ""
        if process.poll() is None:
            process.terminate()
        try:
            _, err = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
        return err.decode(errors="replace")

    def __exit__(self, *exc) -> None:
        self._stop()


class _ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong),
                ("message_type", ctypes.c_ulong), ("format", ctypes.c_int),
                ("data", ctypes.c_long * 5)]


class _XEvent(ctypes.Union):  # Xlib's XEvent: 24 longs
    _fields_ = [("client", _ClientMessage), ("pad", ctypes.c_long * 24)]


class Finger:
    """Taps through XTest on the server ``display`` (``:N``)."""

    def __init__(self, display: str):
        self._x = ctypes.CDLL("libX11.so.6")
        self._t = ctypes.CDLL("libXtst.so.6")
        self._x.XOpenDisplay.restype = ctypes.c_void_p
        self._x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self._x.XDefaultRootWindow.restype = ctypes.c_ulong
        self._x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        self._x.XTranslateCoordinates.argtypes = [
            ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
            ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int),
            ctypes.POINTER(ctypes.c_ulong)]
        self._x.XFlush.argtypes = [ctypes.c_void_p]
        self._x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        self._x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self._t.XTestFakeMotionEvent.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                                 ctypes.c_int, ctypes.c_ulong]
        self._t.XTestFakeButtonEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int,
                                                 ctypes.c_ulong]
        self._dpy = self._x.XOpenDisplay(display.encode())
        if not self._dpy:
            raise RuntimeError(f"cannot open X display {display}")
        self._root = self._x.XDefaultRootWindow(self._dpy)

    def on_screen(self, window: int, x: int, y: int) -> tuple[int, int]:
        """A window's point on the screen (the window may not sit at 0, 0)."""
        sx, sy, child = ctypes.c_int(), ctypes.c_int(), ctypes.c_ulong()
        self._x.XTranslateCoordinates(self._dpy, window, self._root, x, y, ctypes.byref(sx),
                                      ctypes.byref(sy), ctypes.byref(child))
        return sx.value, sy.value

    def move(self, window: int, x: int, y: int) -> None:
        sx, sy = self.on_screen(window, x, y)
        self._t.XTestFakeMotionEvent(self._dpy, -1, sx, sy, 0)
        self._x.XSync(self._dpy, 0)

    def tap(self) -> float:
        """Press and release button 1 where the pointer is (:meth:`move` it there
        first: a move is an event too); returns the ``time.perf_counter()`` when the
        press was sent to the server."""
        sent = time.perf_counter()
        self._t.XTestFakeButtonEvent(self._dpy, 1, 1, 0)
        self._t.XTestFakeButtonEvent(self._dpy, 1, 0, 0)
        self._x.XFlush(self._dpy)
        return sent

    def key(self, keysym: int) -> float:
        """Press and release the key ``keysym`` (X's: Escape is 0xff1b), as a keyboard
        plugged into the screen's machine would; it goes to the window under the
        pointer (Xvfb without a window manager); returns when it was sent."""
        self._x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        self._x.XKeysymToKeycode.restype = ctypes.c_ubyte
        self._t.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int,
                                              ctypes.c_ulong]
        code = self._x.XKeysymToKeycode(self._dpy, keysym)
        sent = time.perf_counter()
        self._t.XTestFakeKeyEvent(self._dpy, code, 1, 0)
        self._t.XTestFakeKeyEvent(self._dpy, code, 0, 0)
        self._x.XFlush(self._dpy)
        return sent

    def windows(self) -> list[int]:
        """The top-level windows on the server now (a node's, while it shows one)."""
        x = self._x
        x.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                 ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_ulong),
                                 ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
                                 ctypes.POINTER(ctypes.c_uint)]
        x.XFree.argtypes = [ctypes.c_void_p]
        x.XSync(self._dpy, 0)  # what the server has now, not what this client last saw
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        children, count = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        x.XQueryTree(self._dpy, self._root, ctypes.byref(root), ctypes.byref(parent),
                     ctypes.byref(children), ctypes.byref(count))
        windows = [children[i] for i in range(count.value)]
        if children:
            x.XFree(children)
        return windows

    def close_windows(self) -> int:
        """Ask every top-level window to close, as a window manager's close button
        does (a ``WM_DELETE_WINDOW`` client message); returns how many were asked."""
        x = self._x
        x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        x.XInternAtom.restype = ctypes.c_ulong
        x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                                 ctypes.c_void_p]
        protocols = x.XInternAtom(self._dpy, b"WM_PROTOCOLS", 0)
        delete = x.XInternAtom(self._dpy, b"WM_DELETE_WINDOW", 0)
        windows = self.windows()
        for window in windows:
            event = _ClientMessage(type=33, send_event=1, display=self._dpy, window=window,
                                   message_type=protocols, format=32)
            event.data[0] = delete
            x.XSendEvent(self._dpy, window, 0, 0, ctypes.byref(_XEvent(client=event)))
        x.XFlush(self._dpy)
        return len(windows)

    def close(self) -> None:
        if self._dpy:
            with contextlib.suppress(Exception):
                self._x.XCloseDisplay(self._dpy)
            self._dpy = None


def x11_environment(display: str) -> dict[str, str]:
    """This process's environment for a node drawing on ``display`` through SDL's x11."""
    env = {k: v for k, v in os.environ.items() if k != "WAYLAND_DISPLAY"}
    env.update(DISPLAY=display, SDL_VIDEODRIVER="x11", SDL_AUDIODRIVER="dummy")
    return env
