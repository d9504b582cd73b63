"""A kiosk whose screen's input SDL reads from evdev devices, as on KMS/DRM, run as
``Node.run`` runs it (main thread, signals): tests/test_kiosk_devices.py and
bench/nodes.py watch it from outside::

    python -m tests.kiosk_evdev_probe CONFIG.toml FOLDER

This machine has no input device and no uinput, so the "device" is two FIFOs in
FOLDER that the same bytes (struct input_event) are written to, as the kernel gives
each open of an evdev device its own copy: ``sdl-event0``, which SDL reads through
its own evdev code (``SDL_VIDEODRIVER=evdev``: the dummy screen with KMS/DRM's
input path, ``SDL_EVDEV_DEVICES`` naming the file as a pointer), and
``input/event0``, which the kiosk waits on (the config's ``input_devices`` is
``FOLDER/input``). Prints ``ready`` once the screen is drawn; then each ``touch``
line on stdin is answered with the ms from a tap written (the finger to the
large-text button, pressed and lifted: the kiosk acts at the lift) to the end of
the frame that shows it. SIGTERM stops it as systemd does. The control thread
sleeps on stdin: at rest only the kiosk runs.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import threading
import time
from pathlib import Path

from .node_rig import button_center

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


def main(config_path: str, folder: str) -> int:
    device = Device(Path(folder))
    os.environ.update(SDL_VIDEODRIVER="evdev",
                      SDL_EVDEV_DEVICES=f"{SDL_POINTER}:{device.paths[0]}")
    from kiosk.node import Kiosk, KioskConfig
    from motcua.config import load

    kiosk = Kiosk(load(KioskConfig, config_path))
    draws: list[tuple[float, float]] = []
    opened = threading.Event()
    open_screen = kiosk.open_screen

    def hooked_open_screen(surface=None):
        ui = open_screen(surface)
        original = ui.draw

        def draw(target):
            original(target)
            draws.append((time.perf_counter(), ui.fonts.scale))
            opened.set()

        ui.draw = draw
        return ui

    kiosk.open_screen = hooked_open_screen

    def control():
        opened.wait()
        wait = kiosk.screen_wait
        print(json.dumps({"ready": True, "wait": getattr(wait, "kind", None),
                          "devices": len(getattr(wait, "devices", ()))}), flush=True)
        for line in sys.stdin:
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

    threading.Thread(target=control, daemon=True).start()
    kiosk.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
