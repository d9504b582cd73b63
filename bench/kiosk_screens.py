"""Kiosk figures (issue 27): a frame in each view, and an ID card read from the camera.

    .venv/bin/python bench/kiosk_screens.py            # writes its section of docs/performance.md
    .venv/bin/python bench/kiosk_screens.py --quick    # a few samples, no report

- the time to draw one 1080×1920 frame of the home screen, a procedure and a
  ticket shown on screen (with its QR code), plain, in large text and in high
  contrast; floor: filling the frame with one colour and one numpy pass over
  its pixels (what high contrast cannot do with less);
- the time to decode an ID card's QR code (Vietnamese text, about 130 bytes)
  from a 640×480 camera frame and check it, p50/p99; floor: decoding a blank
  frame (what every frame costs when nobody holds a card up).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

from common import PROJECT, Run, percentile

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, str(PROJECT))

CARD = ("038058004321|172345678|Lê Văn Bình|14031958|Nam|Thôn Đông, xã Quảng Tâm, tỉnh "
        "Thanh Hóa|20052021")  # invented, as in tests/test_kiosk_idcard.py


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def replica():
    from central import catalog
    from central.store import Store
    from kiosk.replica import Replica

    store = Store(Path(RUN.tmp) / "hub.db")
    catalog.load_sample(store, "bench")
    version, procedures = catalog.export_all(store.db)
    r = Replica()
    r.replace(version, procedures)
    store.close()
    return r


def frames(n: int) -> list[str]:
    import numpy
    import pygame

    from kiosk.ticket_screens import TicketResult
    from kiosk.ui import KioskUI
    from motcua.ticketing.issuer import Printed
    from motcua.ticketing.ticket import Ticket

    size = (1080, 1920)
    ui = KioskUI(size, replica(), center_name="Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa")
    surface = pygame.Surface(size)
    ticket = Ticket(center_name="", service_name="Hộ tịch – Chứng thực",
                    number="A012", people_ahead=4, wait_minutes=18,
                    issued_at=dt.datetime.now(dt.UTC), url="http://hub.local/t/0123456789abcdef")
    screens = {"home": lambda: ui.go_home(),
               "procedure": lambda: ui.open_procedure("1.001193"),
               "ticket on screen": lambda: ui.push(TicketResult("ho-tich", Printed(
                   "ho-tich", "A012", False, 0, 0, None, ticket, False)))}
    rows = []

    def floor():
        surface.fill((255, 255, 255))
        pixels = pygame.surfarray.pixels2d(surface)
        pixels[...] = numpy.where(pixels > 0, numpy.uint32(1), numpy.uint32(0))
        del pixels

    f = timed(floor, n)
    base = percentile(f, 50)
    rows.append(f"| floor: fill + one numpy pass | {base:.1f} | {percentile(f, 99):.1f} | 1× |")
    for name, open_screen in screens.items():
        for view, (large, contrast) in {"plain": (False, False), "large text": (True, False),
                                        "high contrast": (False, True)}.items():
            ui.go_home()
            open_screen()
            if large != ui.large_text:
                ui.toggle_large_text()
            ui.high_contrast = contrast
            ui.draw(surface)  # fonts made and pages laid out once, as on a kiosk in use
            times = timed(lambda: ui.draw(surface), n)
            rows.append(f"| {name}, {view} | {percentile(times, 50):.1f} | "
                        f"{percentile(times, 99):.1f} | {percentile(times, 50) / base:.1f}× |")
            ui.go_attract()
    return rows


def decoding(n: int) -> list[str]:
    import numpy
    import qrcode

    sys.path.insert(0, str(PROJECT / "tests"))
    from frames import frame  # the receipt scanner's generated camera frames

    from kiosk import idcard
    from kiosk.scanner import decode

    qr = qrcode.QRCode(border=4, box_size=4)
    qr.add_data(CARD)
    held = frame(numpy.array(qr.make_image().convert("L")), angle=8, blur=3, noise=6)
    blank = frame(numpy.full((8, 8), 200, numpy.uint8))
    assert idcard.parse(decode(held)[0]).name == "Lê Văn Bình"
    f = timed(lambda: decode(blank), n)
    t = timed(lambda: idcard.parse(decode(held)[0]), n)
    base = percentile(f, 50)
    return [f"| floor: a blank frame | {base:.1f} | {percentile(f, 99):.1f} | 1× |",
            f"| an ID card, 8°, blurred, noisy: decoded and checked | "
            f"{percentile(t, 50):.1f} | {percentile(t, 99):.1f} | "
            f"{percentile(t, 50) / base:.1f}× |"]


def main() -> None:
    n = RUN.pick(40, 3)
    body = ["One 1080×1920 kiosk frame drawn (pygame, DejaVu Sans), ms:", "",
            "| frame | p50 | p99 | p50 / floor |", "|---|---|---|---|", *frames(n), "",
            "An ID card's QR code from a 640×480 camera frame (pyzbar, QR and Code128), ms:",
            "", "| frame | p50 | p99 | p50 / floor |", "|---|---|---|---|", *decoding(n * 5)]
    RUN.report("\n".join(body))


RUN = Run("kiosk_screens.py", __doc__)
try:
    main()
finally:
    RUN.close()
