"""A kiosk on an X11 server, run as ``Node.run`` runs it (main thread, signals), with
a finger on its screen: tests/test_kiosk_rest.py watches it from outside::

    DISPLAY=:90 SDL_VIDEODRIVER=x11 python -m tests.kiosk_x11_probe CONFIG.toml

Prints ``ready`` once the window is drawn; then each ``touch`` line on stdin is
answered with the ms from a press (XTest, through the server) on the attract
screen's large-text button to the end of the frame that shows it. SIGTERM stops
it as systemd does (``stopping`` printed when the loop has left its wait). The
control thread sleeps on stdin: at rest only the kiosk runs.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

from kiosk.node import Kiosk, KioskConfig
from motcua.config import load

from .node_rig import button_center, drawn_after
from .x11 import Finger


def main(config_path: str) -> int:
    import pygame

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
        finger = Finger(os.environ["DISPLAY"])
        window = pygame.display.get_wm_info()["window"]
        print(json.dumps({"ready": True, "waits_in_sdl": kiosk.screen_wait is not None}),
              flush=True)
        for line in sys.stdin:
            if line.strip() != "touch":
                continue
            ui = kiosk.ui
            x, y = button_center(ui, "view:large")
            finger.move(window, x, y)
            time.sleep(0.2)
            want = 1.0 if ui.fonts.scale > 1.0 else ui.LARGE_TEXT
            t0 = finger.tap()
            shown = drawn_after(draws, t0, want, timeout=5)
            ms = None if shown is None else (shown[0] - t0) * 1000
            print(json.dumps({"touch_ms": ms}), flush=True)

    stop = kiosk.stop

    def stopping():
        # Node.run left its loop (SIGTERM heard, the wait in C interrupted): said
        # here, so the test times the wake and not the process's teardown.
        print(json.dumps({"stopping": True}), flush=True)
        stop()

    kiosk.stop = stopping
    threading.Thread(target=control, daemon=True).start()
    kiosk.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
