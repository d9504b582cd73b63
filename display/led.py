"""The LED statistics board: the board's figures in short, scrolling on a HUB75 matrix.

A HUB75 RGB panel chain (e.g. two 64×32 panels: 128×32 pixels) is too small
for the whole board, so it shows one line that scrolls right to left::

    Quầy 5: 1023 · Đang chờ 23 · Hộ tịch 12 · Sở Tư pháp đúng hạn 98%, quá hạn 0 · …

Frames are Pillow images, drawn with DejaVu Sans as large as the panel's
height allows with every mark inside it: the tone mark above a capital with a
circumflex ("Ậ", "Ỗ") and the dot below ("ạ", "ự") stay on the panel (issue
22). Text smaller than the far-reading minimum (:mod:`display.legibility`,
at the panel's pixel pitch) or a mark off the panel is reported in
:attr:`LedBoard.reports`; tests fail on any. On the Pi
the image goes to the panel through rpi-rgb-led-matrix's ``SetImage``
(:class:`display.hardware.RgbMatrixPanel`); in tests and on fake hardware the
very same image is written to a file::

    led = LedBoard(128, 32)
    image = led.frame(view, offset_px=0)       # PIL.Image, RGB, 128×32
"""

from __future__ import annotations

import datetime as dt
import math

from PIL import Image, ImageDraw, ImageFont

from motcua import wording
from motcua.fonts import font_path

from .board import local
from .legibility import CAP_HEIGHT, cap_mm
from .model import BoardView

# The tallest and the deepest marks Vietnamese puts on a letter.
PROBE = "ẬỖỰẴẠỵặgÝ"

SEPARATOR = "  •  "
COLOURS = {
    "call": (255, 214, 0),
    "wait": (120, 200, 255),
    "good": (72, 220, 110),
    "fair": (255, 150, 40),
    "bad": (255, 64, 52),
    "plain": (230, 230, 230),
}


def segments(view: BoardView, now: dt.datetime) -> list[tuple[str, str]]:
    """The scrolling line as ``(text, colour name)`` pieces, short forms."""
    out: list[tuple[str, str]] = [(local(now).strftime("%H:%M"), "plain")]
    if not view.online:
        out.append(("MẤT KẾT NỐI", "bad"))
    if view.newest:
        call = view.newest
        out.append((f"Mời số {call['display']} → "
                    f"{call.get('counter_name') or 'Quầy ' + str(call['counter'])}", "call"))
    total = sum(int(w.get("waiting") or 0) for w in view.waiting)
    if view.waiting:
        out.append((f"Đang chờ: {total}", "wait"))
        for w in view.waiting:
            if w.get("waiting"):
                out.append((f"{w['name']} {w['waiting']}", "wait"))
    for dep in view.departments:
        rate = dep.get("on_time_rate")
        tone = "plain" if rate is None else "good" if rate >= 0.95 else \
            "fair" if rate >= 0.8 else "bad"
        share = wording.on_time_share(rate, dep.get("resolved"))
        if share == wording.NOTHING_RESOLVED:
            tone = "plain"
        out.append((f"{dep.get('name', '')}: đúng hạn {share}, "
                    f"{wording.overdue_in_progress(dep.get('overdue'))}", tone))
    return out


class LedBoard:
    """Draws the scrolling line for a ``width``×``height`` pixel matrix."""

    def __init__(self, width: int = 128, height: int = 32, speed: float = 40.0,
                 pitch_mm: float = 4.0):
        self.width, self.height = width, height
        self.speed = speed  # pixels per second
        # The largest font whose highest and lowest marks fit with a pixel to spare.
        size = height
        while size > 6:
            top, bottom = self._marks(size)
            if bottom - top <= height - 2:
                break
            size -= 1
        self.size = size
        self.font = ImageFont.truetype(font_path(bold=True), size)
        top, _ = self._marks(size)
        self.baseline = 1 - top
        self.min_px = math.ceil(cap_mm(8.0) / pitch_mm / CAP_HEIGHT)
        self.reports: list[str] = []
        self._strip: Image.Image | None = None
        self._strip_key = None
        self.text = ""

    @staticmethod
    def _marks(size: int) -> tuple[int, int]:
        font = ImageFont.truetype(font_path(bold=True), size)
        _, top, _, bottom = font.getbbox(PROBE, anchor="ls")
        return top, bottom

    def strip(self, view: BoardView, now: dt.datetime) -> Image.Image:
        """The whole line as one image (cached until its text changes)."""
        parts = segments(view, now)
        key = tuple(parts)
        if key != self._strip_key:
            self.text = SEPARATOR.join(t for t, _ in parts)
            self.reports = []
            if self.size < self.min_px:
                self.reports.append(f"LED: {self.size} px text on {self.height} rows is under "
                                    f"the {self.min_px} px read from 8 m")
            widths = [self.font.getlength(t) for t, _ in parts]
            gap = self.font.getlength(SEPARATOR)
            total = int(sum(widths) + gap * len(parts)) + 1
            strip = Image.new("RGB", (max(total, 1), self.height))
            draw = ImageDraw.Draw(strip)
            x = 0.0
            for (text, tone), width in zip(parts, widths, strict=True):
                _, top, _, bottom = draw.textbbox((x, self.baseline), text, font=self.font,
                                                  anchor="ls")
                if top < 0 or bottom > self.height:
                    self.reports.append(f"LED: {text!r} runs off the panel "
                                        f"(rows {top}..{bottom} of {self.height})")
                draw.text((x, self.baseline), text, font=self.font, fill=COLOURS[tone],
                          anchor="ls")
                x += width
                draw.text((x, self.baseline), SEPARATOR, font=self.font,
                          fill=(90, 90, 90), anchor="ls")
                x += gap
            self._strip, self._strip_key = strip, key
        return self._strip

    def frame(self, view: BoardView, now: dt.datetime, offset_px: int | None = None
              ) -> Image.Image:
        """One panel frame; the offset follows the clock unless given (tests)."""
        strip = self.strip(view, now)
        if offset_px is None:
            offset_px = int(now.timestamp() * self.speed)
        offset = offset_px % strip.width
        image = Image.new("RGB", (self.width, self.height))
        # The line wraps around: its start follows its end.
        x = -offset
        while x < self.width:
            image.paste(strip, (x, 0))
            x += strip.width
        return image
