"""A kiosk whose screen's input SDL reads from evdev devices, as on KMS/DRM, run as
``Node.run`` runs it (main thread, signals): tests/test_kiosk_devices.py and
bench/nodes.py watch it from outside::

    python -m tests.kiosk_evdev_probe CONFIG.toml FOLDER [camera | camera-always]

This machine has no input device and no uinput, so the "device" is two FIFOs in
FOLDER that the same bytes (struct input_event) are written to, as the kernel gives
each open of an evdev device its own copy: ``sdl-event0``, which SDL reads through
its own evdev code (``SDL_VIDEODRIVER=evdev``: the dummy screen with KMS/DRM's
input path, ``SDL_EVDEV_DEVICES`` naming the file as a pointer), and
``input/event0``, which the kiosk waits on (the config's ``input_devices`` is
``FOLDER/input``). Prints ``ready`` once the screen is drawn; then each ``touch``
line on stdin is answered with the ms from a tap written (the finger to the
large-text button, pressed and lifted: the kiosk acts at the lift) to the end of
the frame that shows it. SIGTERM stops it as systemd does (``stopping`` printed when
the loop has left its wait). The control thread
sleeps on stdin: at rest only the kiosk runs.

With ``camera`` the kiosk has a barcode camera (:class:`tests.frames.FakeCamera`:
this machine has none), with ``camera-always`` one read and decoded every 0.1 s
as before issue 25; ``ready`` then says how long one decode of a held-up code's
frame takes, and each ``scan`` line on stdin is answered with the ms from a code
held up to its reaching the UI (``KioskUI.scanned``), after which it is taken away.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import threading
import time
from pathlib import Path

from .node_rig import button_center, record_draws

EV_SYN, EV_KEY, EV_ABS = 0, 1, 3
ABS_X, ABS_Y, BTN_LEFT = 0, 1, 0x110
SDL_POINTER = 1  # SDL_UDEV_DEVICE_MOUSE: absolute ABS_X/ABS_Y in pixels, BTN_LEFT


def event(kind: int, code: int, value: int) -> bytes:
    """One ``struct input_event`` (64-bit: timeval, type, code, value)."""
    return struct.pack("llHHi", 0, 0, kind, code, value)


def tap(x: int, y: int) -> bytes:
    """A finger at (x, y), down and up: three reports, as a single-touch screen
    presenting as an absolute pointer sends them."""
    return (event(EV_ABS, ABS_X, x) + event(EV_ABS, ABS_Y, y) + event(EV_SYN, 0, 0)
            + event(EV_KEY, BTN_LEFT, 1) + event(EV_SYN, 0, 0)
            + event(EV_KEY, BTN_LEFT, 0) + event(EV_SYN, 0, 0))


class Device:
    """Both copies of one device's events: SDL's and the kiosk's."""

    def __init__(self, folder: Path):
        (folder / "input").mkdir(exist_ok=True)
        self.paths = (folder / "sdl-event0", folder / "input" / "event0")
        self.fds = []
        for path in self.paths:
            if not path.exists():
                os.mkfifo(path)
            self.fds.append(os.open(path, os.O_RDWR))  # never an end of file for readers

    def write(self, data: bytes) -> None:
        for fd in self.fds:
            os.write(fd, data)


def with_camera(kiosk, always: bool) -> tuple:
    """A fake barcode camera for ``kiosk``; the ms one decode of a held-up code takes
    (the median of five), and the codes the UI was handed, with when."""
    from kiosk import scanner

    from .frames import FakeCamera, frame, qr_image

    if always:  # as before issue 25: every frame read and decoded, every 0.1 s
        scanner.REST_S, scanner.HOLD_S = scanner.ACTIVE_S, float("inf")
    camera = FakeCamera()
    kiosk.frame_source = camera
    shown = frame(qr_image("000.00.14.H56-261125-0007"), noise=3.0)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        scanner.decode(shown)
        times.append((time.perf_counter() - t0) * 1000)
    return camera, sorted(times)[2], []


def main(config_path: str, folder: str, camera_kind: str = "") -> int:
    device = Device(Path(folder))
    os.environ.update(SDL_VIDEODRIVER="evdev",
                      SDL_EVDEV_DEVICES=f"{SDL_POINTER}:{device.paths[0]}")
    from kiosk.node import Kiosk, KioskConfig
    from motcua.config import load

    kiosk = Kiosk(load(KioskConfig, config_path))
    draws, opened = record_draws(kiosk)
    camera = decode_ms = scans = None
    if camera_kind:
        camera, decode_ms, scans = with_camera(kiosk, camera_kind == "camera-always")

    def control():
        opened.wait()
        wait = kiosk.screen_wait
        if camera is not None:
            kiosk.ui.scanned = lambda text: scans.append((time.perf_counter(), text))
        ready = {"ready": True, "wait": getattr(wait, "kind", None),
                 "devices": len(getattr(wait, "devices", ()))}
        if camera is not None:
            ready["decode_ms"] = decode_ms
        print(json.dumps(ready), flush=True)
        for line in sys.stdin:
            if line.split()[:1] == ["scan"] and camera is not None:
                print(json.dumps({"scan_ms": held_up(camera, scans, line.split()[1])}),
                      flush=True)
                continue
            if line.strip() != "touch":
                continue
            ui = kiosk.ui
            x, y = button_center(ui, "view:large")
            want = 1.0 if ui.fonts.scale > 1.0 else ui.LARGE_TEXT
            t0 = time.perf_counter()
            device.write(tap(x, y))
            ms = None
            while time.perf_counter() - t0 < 5:
                shown = [d for d in draws[-5:] if d[0] > t0 and d[1] == want]
                if shown:
                    ms = (shown[0][0] - t0) * 1000
                    break
                time.sleep(0.0005)
            print(json.dumps({"touch_ms": ms}), flush=True)

    stop = kiosk.stop

    def stopping():
        # Node.run left its loop (SIGTERM heard, the wait on the devices ended): said
        # here, so a test times the wake and not the interpreter's teardown.
        print(json.dumps({"stopping": True}), flush=True)
        stop()

    kiosk.stop = stopping
    threading.Thread(target=control, daemon=True).start()
    kiosk.run()
    return 0


def held_up(camera, scans: list, number: str) -> float | None:
    """A receipt's code (``number`` its sequence) held up to ``camera`` till the UI
    is handed it, then taken away: the ms it took, None after 5 s."""
    from .frames import qr_image

    code = f"000.00.14.H56-261125-{int(number):04d}"
    t0 = camera.show(qr_image(code))
    try:
        while time.perf_counter() - t0 < 5:
            got = [t for t, text in scans[-3:] if text == code and t > t0]
            if got:
                return (got[0] - t0) * 1000
            time.sleep(0.0005)
        return None
    finally:
        camera.hide()


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:4]))
