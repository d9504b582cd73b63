"""The counter's number display, drawn through the luma libraries.

A :class:`View` says what the counter should show (its number, paused,
offline, a message, the transfer chooser); a :class:`NumberDisplay` draws it
on a luma device: a MAX7219 seven-segment module (``segment``), a MAX7219
matrix chain (``matrix``) or an OLED (``oled``, the only one that can show
Vietnamese text such as a refusal's reason). Tests and ``--fake-hardware``
use luma's own ``dummy`` device, whose ``image`` holds what the module shows::

    from luma.core.device import dummy
    shown = NumberDisplay(dummy(128, 64, mode="1"), "oled", counter=5)
    shown.draw(View(number="A001", status="open", online=True), now=0.0)
    shown.device.image          # the 128x64 picture of the counter's screen

The newest call blinks (half a second on, a quarter off) until
``View.blink_until``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from luma.core.render import canvas
from PIL import Image, ImageDraw, ImageFont

from motcua.fonts import font_path

STATUS_WORDS = {"open": "Đang mở", "paused": "Tạm dừng", "closed": "Đóng"}


@dataclass(frozen=True)
class View:
    number: str | None = None  # ticket number called or served now
    status: str = "closed"  # open | paused | closed
    online: bool = False  # broker and hub reachable
    known: bool = False  # the counter's retained state has arrived
    blink_until: float = 0.0
    message: str | None = None  # shown under the number (oled), "Err" on 7-segment
    error: bool = False
    choosing: str | None = None  # the chooser's current choice, in Vietnamese
    choosing_short: str = ""  # the same for LED modules, e.g. "q3" (counter 3), "d2", "15"
    chooser: str = "transfer"  # which chooser: transfer | pause (how long)
    back: str = ""  # a paused counter's planned return, "09:45" (oled)
    rating: bool = False  # the rating keypad is lit


# Each chooser's headline (OLED) and prefix (7-segment: "tr q3", "PA 15").
CHOOSERS = {"transfer": ("Chuyển đến:", "tr"), "pause": ("Tạm nghỉ:", "PA")}


@lru_cache(maxsize=16)
def _font(size: int, bold: bool = False):
    return ImageFont.truetype(font_path(bold), size)


def segment_text(view: View) -> str:
    """The eight characters of a seven-segment module for ``view``."""
    if view.choosing is not None:
        return f"{CHOOSERS[view.chooser][1]} {view.choosing_short}"[:8]
    if not view.known:
        return "--------" if view.online else "     OFF"
    if view.error and view.message:
        return f"Err {view.number or ''}"[:8]
    if view.status == "paused":
        return "PAUSE"
    if view.status == "closed":
        return "CLOSEd"
    number = (view.number or "----")[:4]
    return f"{number:>4} OFF" if not view.online else number


# The newest call blinks: on for BLINK_ON_S, off for the rest of each period.
BLINK_PERIOD_S = 0.75
BLINK_ON_S = 0.5


class NumberDisplay:
    """One counter's display on a luma device; redraws only when the picture changes."""

    def __init__(self, device, driver: str, counter: int, name: str | None = None,
                 on_drawn=None):
        self.device = device
        self.driver = driver
        self.counter = counter
        self.name = name or f"Quầy {counter}"
        self.on_drawn = on_drawn  # called with the device after each new picture
        self._last = None
        if driver == "segment":
            # luma (the counter extra) is imported where a module of its kind is drawn.
            from luma.core.virtual import sevensegment

            self._seg = sevensegment(device, undefined=" ")

    def draw(self, view: View, now: float) -> bool:
        """Show ``view`` as of ``now`` (monotonic seconds); True when the picture changed."""
        dark = now < view.blink_until and (now % BLINK_PERIOD_S) >= BLINK_ON_S
        if dark:
            view = replace(view, number="")  # the blinking "off" phase
        key = (view, self.name)
        if key == self._last:
            return False
        self._last = key
        if self.driver == "segment":
            self._seg.text = segment_text(view) if not dark else (
                "" if view.status == "open" and view.online else segment_text(view))
        elif self.driver == "matrix":
            self._draw_matrix(view)
        else:
            self._draw_oled(view)
        if self.on_drawn is not None:
            self.on_drawn(self.device)
        return True

    # MAX7219 matrix chain: too small for Vietnamese; number and short words.
    def _draw_matrix(self, view: View) -> None:
        # Lazy, like every luma import here: only the driver in use is loaded.
        from luma.core.legacy import text, textsize
        from luma.core.legacy.font import LCD_FONT, proportional

        if view.choosing is not None:
            words = f">{view.choosing_short}"
        elif not view.known:
            words = "----" if view.online else "OFF"
        elif view.error and view.message:
            words = "ERR"
        elif view.status == "paused":
            words = "PAUSE"
        elif view.status == "closed":
            words = "CLOSED"
        else:
            words = view.number if view.number is not None else "----"
            if not view.online:
                words = f"{words}!"
        font = proportional(LCD_FONT)
        width = textsize(words, font=font)[0]
        with canvas(self.device) as draw:
            text(draw, (max(0, (self.device.width - width) // 2), 0), words, fill="white",
                 font=font)

    # OLED: the counter's name and state above, the number big, a line of Vietnamese below.
    def _draw_oled(self, view: View) -> None:
        w, h = self.device.width, self.device.height
        small, big = _font(max(9, h // 6)), _font(max(16, h // 2), bold=True)
        with canvas(self.device) as draw:
            top = STATUS_WORDS.get(view.status, "") if view.known else "Đang chờ máy chủ"
            if not view.online:
                # Offline is shown inverted across the whole top line: seen from afar.
                draw.rectangle((0, 0, w - 1, small.size + 1), fill="white")
                draw.text((2, 0), f"{self.name} · MẤT KẾT NỐI", font=small, fill="black")
            else:
                draw.text((2, 0), self.name, font=small, fill="white")
                tw = draw.textlength(top, font=small)
                draw.text((w - tw - 2, 0), top, font=small, fill="white")
            middle_top = small.size + 3
            step = small.size + 2
            lines: list[str] = []
            words = _font(max(12, h // 4), bold=True)
            if view.choosing is not None:
                centre, font = CHOOSERS[view.chooser][0], small
                lines = _wrap(draw, view.choosing, small, w - 4)[:2] + ["Tiếp: đổi · Xong: chọn"]
            elif view.status == "paused" and view.known:
                centre, font = "TẠM DỪNG", words
                if view.back:
                    lines = [f"Quay lại lúc {view.back}"]
            elif view.status == "closed" and view.known:
                centre, font = "ĐÓNG", words
            else:
                centre, font = (view.number if view.number is not None else "----"), big
            if view.message:
                lines = _wrap(draw, view.message, small, w - 4)
                # Room for the message: a smaller headline, and as many lines as fit.
                if len(lines) > 2:
                    font = small
                elif len(lines) == 2 or font is not big:
                    font = words  # one line leaves the big number its room
                room = (h - 1 - (middle_top + font.size + 3)) // step
                lines = lines[:max(1, room)]
            elif view.rating and not lines:
                lines = ["Mời quý khách đánh giá"]
            cw = draw.textlength(centre, font=font)
            draw.text(((w - cw) / 2, middle_top), centre, font=font, fill="white")
            y = h - len(lines) * step - 1
            if view.error and lines:
                draw.rectangle((0, y - 1, w - 1, h - 1), outline="white")
            for line in lines:
                lw = draw.textlength(line, font=small)
                draw.text((max(1, (w - lw) / 2), y), line, font=small, fill="white")
                y += step


def _wrap(draw, text: str, font, width: int) -> list[str]:
    """Words to lines no wider than ``width`` pixels (a long word is cut)."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while draw.textlength(word, font=font) > width and len(word) > 1:
            cut = len(word)
            while cut > 1 and draw.textlength(word[:cut], font=font) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def open_device(config, index: int):
    """The luma device of the ``index``-th counter's display (real hardware)."""
    d = config.display
    if d.driver in ("segment", "matrix"):
        # Lazy: the SPI or I²C driver of the module fitted, nothing else.
        from luma.core.interface.serial import noop, spi
        from luma.led_matrix.device import max7219

        device = d.spi_devices[index] if index < len(d.spi_devices) else index
        serial = spi(port=d.spi_port, device=device, gpio=noop())
        return max7219(serial, cascaded=1 if d.driver == "segment" else d.cascaded)
    from luma.core.interface.serial import i2c  # lazy, as above
    from luma.oled import device as oled

    address = d.i2c_addresses[index] if index < len(d.i2c_addresses) else 0x3C
    return getattr(oled, d.model)(i2c(port=d.i2c_port, address=address), width=d.width,
                                  height=d.height)


def dummy_device(config):
    """luma's dummy device the size of the configured module (tests, fake hardware)."""
    from luma.core.device import dummy  # lazy: luma, as open_device

    d = config.display
    if d.driver == "segment":
        device = dummy(width=8, height=8, mode="1")
        from luma.led_matrix.segment_mapper import dot_muncher  # lazy: luma

        device.segment_mapper = dot_muncher
        return device
    if d.driver == "matrix":
        return dummy(width=8 * d.cascaded, height=8, mode="1")
    return dummy(width=d.width, height=d.height, mode="1")


def segment_bytes(image) -> list[int]:
    """The segment byte of each digit, left to right, read from a 7-segment module's image.

    luma's ``sevensegment`` draws digit *i* (from the right) as column *i*,
    bit *y* of its byte as row *y*. Compare with
    ``list(luma.led_matrix.segment_mapper.dot_muncher(text))``.
    """
    px = image.convert("1").load()
    columns = []
    for x in range(image.width):
        columns.append(sum(1 << y for y in range(8) if px[x, y]))
    digits = list(reversed(columns))
    while digits and digits[-1] == 0:
        digits.pop()
    return digits


def decode_segments(image) -> str:
    """A readable guess of a 7-segment module's text (0 and O look alike, as do 5 and S)."""
    from luma.led_matrix.segment_mapper import _DIGITS  # lazy: luma, for tests

    inverse: dict[int, str] = {}
    for rank in (str.isdigit, str.isupper, str.islower, lambda c: True):
        for char, byte in _DIGITS.items():
            if rank(char):
                inverse.setdefault(byte, char)
    inverse[0] = " "
    out = []
    for byte in segment_bytes(image):
        out.append(inverse.get(byte & 0x7F, "?") + ("." if byte & 0x80 else ""))
    return "".join(out)


def preview(device, driver: str, scale: int = 4):
    """A picture of what the module shows, for a person (fake hardware image files).

    OLED and matrix images are scaled up; a seven-segment module's 8x8
    segment image is drawn as its characters, lit in red.
    """
    image = device.image
    if image is None:
        image = Image.new("1", device.size)
    if driver != "segment":
        return image.convert("RGB").resize((image.width * scale, image.height * scale),
                                           Image.NEAREST)
    text = decode_segments(image)
    out = Image.new("RGB", (8 * 40 + 20, 90), "black")
    draw = ImageDraw.Draw(out)
    font = _font(64, bold=True)
    for i, char in enumerate(text.ljust(8)[:8]):
        draw.text((10 + i * 40, 8), char, font=font, fill=(255, 40, 20))
    return out
