"""The printed queue ticket: Vietnamese drawn as images, the rest native ESC/POS.

Cheap thermal printers print Vietnamese as ``?`` in text mode, so every line
with Vietnamese letters is drawn with Pillow in a font that covers them and
sent as a raster image (``GS v 0``), each line cropped to its text so a ticket
stays small on a 9600-baud serial link. The number (digits and a prefix
letter), the QR code (``GS ( k``) and the cut are native commands::

    ticket = Ticket(center_name="Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa",
                    service_name="Hộ tịch – Chứng thực", number="1023", people_ahead=4,
                    wait_minutes=18, issued_at=datetime.now(UTC),
                    url="http://hub.local/t/Xy12")
    printer = escpos.printer.Dummy()
    print_ticket(printer, ticket, Paper.MM80)
    preview(ticket, Paper.MM80).save("ticket.png")   # what the paper will look like
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from dataclasses import dataclass
from enum import Enum
from zoneinfo import ZoneInfo

import qrcode
from PIL import Image, ImageDraw, ImageFont

from motcua.fonts import font_path
from motcua.wording import no_counter_for_service

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


class Paper(Enum):
    """Printable width in dots at 203 dpi."""

    MM58 = 384
    MM80 = 576

    @property
    def scale(self) -> float:
        return self.value / 576


@dataclass(frozen=True)
class Ticket:
    center_name: str
    service_name: str
    number: str
    people_ahead: int
    wait_minutes: int | None  # None: no estimate (offline, no line state heard)
    issued_at: dt.datetime
    url: str
    offline: bool = False
    priority: str | None = None  # e.g. "Người cao tuổi"
    # The hub's [low, high] minutes when its estimate cannot be trusted.
    wait_range: tuple[int, int] | None = None
    # A booked ticket (issue 26): its slot's start, local "HH:MM".
    booked_slot: str | None = None
    # Printed offline while the broker says the hub itself is away (its Last Will, or
    # a request it left unanswered): no counter can call anyone until it is back.
    hub_down: bool = False
    # The hub says no counter serving the service is open (``no_counter_open``): no
    # wait is printed but that, and when one opens (local "HH:MM") if known.
    no_counter: bool = False
    opens_at: str | None = None


# What a ticket printed while the hub is away says instead of a wait (audit4): the
# line does not move until the hub is back, and nobody knows when that will be.
HUB_DOWN_WAIT = "Hệ thống gọi số đang gián đoạn: chưa ước tính được thời gian chờ"


def booked_text(slot: str) -> str:
    """What a booked ticket says of itself (paper and screen alike).

    >>> booked_text("09:30")
    'Đã đặt lịch – giờ hẹn 09:30'
    """
    return f"Đã đặt lịch – giờ hẹn {slot}"


def wait_text(minutes: int) -> str:
    """A promise a citizen can hold us to: rounded up to 5 minutes.

    >>> wait_text(0), wait_text(12), wait_text(75)
    ('dưới 5 phút', 'khoảng 15 phút', 'khoảng 1 giờ 15 phút')
    """
    if minutes <= 0:
        return "dưới 5 phút"
    rounded = -(-minutes // 5) * 5
    hours, mins = divmod(rounded, 60)
    if hours and mins:
        return f"khoảng {hours} giờ {mins} phút"
    if hours:
        return f"khoảng {hours} giờ"
    return f"khoảng {mins} phút"


def wait_range_text(low: int, high: int) -> str:
    """An estimate that cannot be trusted, said as the range it may fall in.

    >>> wait_range_text(10, 20), wait_range_text(0, 10), wait_range_text(45, 75)
    ('khoảng 10–20 phút', 'dưới 10 phút', 'khoảng 45 phút – 1 giờ 15 phút')
    """
    if low <= 0:
        return f"dưới {_duration(high)}"
    if high < 60:
        return f"khoảng {low}–{high} phút"
    return f"khoảng {_duration(low)} – {_duration(high)}"


def _duration(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return f"{hours} giờ {mins} phút"
    return f"{hours} giờ" if hours else f"{mins} phút"


def expected_wait(ticket: Ticket) -> str | None:
    """The wait as the ticket says it (the kiosk's screen says it the same way); None
    when there is no estimate to say (printed offline before any line state was heard)."""
    if ticket.no_counter:
        return no_counter_for_service(ticket.opens_at)
    if ticket.wait_range is None and ticket.wait_minutes is None:
        return None
    wait = (wait_range_text(*ticket.wait_range) if ticket.wait_range
            else wait_text(ticket.wait_minutes))
    return f"Dự kiến chờ {wait}"


def ahead_text(people: int) -> str:
    return "Bạn là người tiếp theo" if people <= 0 else f"Trước bạn còn {people} người"


@dataclass(frozen=True)
class Line:
    text: str
    size: int
    bold: bool = False


def header_lines(ticket: Ticket) -> list[Line]:
    return [
        Line(ticket.center_name, 20, bold=True),
        Line(ticket.service_name, 28, bold=True),
    ]


def footer_lines(ticket: Ticket) -> list[Line]:
    lines = []
    if ticket.booked_slot:
        lines.append(Line(booked_text(ticket.booked_slot), 24, bold=True))
    if ticket.priority:
        lines.append(Line(f"Ưu tiên: {ticket.priority}", 22, bold=True))
    lines.append(Line(ahead_text(ticket.people_ahead), 24))
    if (wait := expected_wait(ticket)) is not None:
        lines.append(Line(wait, 22))
    elif ticket.hub_down:
        lines.append(Line(HUB_DOWN_WAIT, 20))
    if ticket.offline:
        lines.append(Line("Phát khi mất kết nối – số vẫn hợp lệ", 20, bold=True))
    lines.append(Line("Quét mã để theo dõi lượt của bạn", 20))
    return lines


def issued_text(ticket: Ticket) -> str:
    """Plain ASCII, so it prints as native text."""
    return ticket.issued_at.astimezone(LOCAL).strftime("%H:%M  %d/%m/%Y")


def _font(line: Line, paper: Paper) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(line.bold), max(12, round(line.size * paper.scale)))


def _wrap(line: Line, font, width: int) -> list[str]:
    """Greedy wrap, then even out two rows so no word is left alone on the second."""
    words, rows, current = line.text.split(), [], ""
    for word in words:
        attempt = f"{current} {word}".strip()
        if font.getlength(attempt) <= width or not current:
            current = attempt
        else:
            rows.append(current)
            current = word
    if current:
        rows.append(current)
    if len(rows) == 2:
        splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
        fitting = [s for s in splits if font.getlength(s[0]) <= width
                   and font.getlength(s[1]) <= width]
        if fitting:
            rows = list(min(fitting, key=lambda s: max(font.getlength(s[0]),
                                                        font.getlength(s[1]))))
    return rows


def line_images(lines: list[Line], paper: Paper) -> list[tuple[int, Image.Image]]:
    """One 1-bit image per printed row, cropped to its text, with its left margin in dots.

    Centring by margin (``GS L``) rather than by white pixels keeps the raster
    data to the text itself: a ticket is a few kilobytes, not twenty.
    """
    rows = []
    for line in lines:
        rows += _line_rows(line, paper)
    return rows


@functools.lru_cache(maxsize=256)
def _line_rows(line: Line, paper: Paper) -> tuple[tuple[int, Image.Image], ...]:
    # Most lines repeat from ticket to ticket (centre, service, footer): drawn
    # once, they cost nothing on the next press. The images are never changed.
    rows = []
    font = _font(line, paper)
    for row in _wrap(line, font, paper.value - 8):
        left, _, right, _ = font.getbbox(row)
        ascent, descent = font.getmetrics()
        height = ascent + descent + 4  # room for stacked tone marks (ệ, ậ, ỗ)
        width = -(-(right - left + 2) // 8) * 8
        image = Image.new("1", (width, height), 1)
        ImageDraw.Draw(image).text((1 - left, 2), row, font=font, fill=0)
        margin = max(0, (paper.value - width) // 2)
        rows.append((margin, image))
    return tuple(rows)


def _left_margin(printer, dots: int) -> None:
    # GS L nL nH: honoured by raster images (GS v 0) on Epson and its clones.
    printer._raw(b"\x1dL" + bytes([dots % 256, dots // 256]))


def print_ticket(printer, ticket: Ticket, paper: Paper = Paper.MM80) -> None:
    """Send the ticket to a python-escpos printer object."""
    data = printer.profile.profile_data
    if data.get("media", {}).get("width", {}).get("pixels") in (None, "Unknown"):
        # Generic profiles do not know the paper; we do (and escpos prints a
        # warning on every image without it). The profile dict is shared by
        # every printer of that profile: change a copy.
        data = copy.deepcopy(data)
        data.setdefault("media", {}).setdefault("width", {})["pixels"] = paper.value
        printer.profile.profile_data = data
    printer.hw("INIT")
    printer.set(align="left")
    for margin, image in line_images(header_lines(ticket), paper):
        _left_margin(printer, margin)
        printer.image(image, impl="bitImageRaster")
    _left_margin(printer, 0)
    size = 4 if paper is Paper.MM80 else 3
    printer.set(align="center", bold=True, custom_size=True, width=size, height=size)
    printer.text(f"{ticket.number}\n")
    printer.set(align="left", normal_textsize=True, bold=False)
    for margin, image in line_images(footer_lines(ticket), paper):
        _left_margin(printer, margin)
        printer.image(image, impl="bitImageRaster")
    _left_margin(printer, 0)
    printer.set(align="center")
    printer.text(issued_text(ticket) + "\n")
    printer.qr(ticket.url, size=6 if paper is Paper.MM80 else 4, native=True)
    printer.set(align="left")
    printer.cut()


def note_lines(title: str, text: str) -> list[Line]:
    return [Line(title, 26, bold=True), Line(text, 22)]


def print_note(printer, title: str, text: str, paper: Paper = Paper.MM80) -> None:
    """A slip with no number: what a node with no screen says to a citizen (a check-in
    early, late or refused at a dispenser, issue 26)."""
    printer.hw("INIT")
    printer.set(align="left")
    for margin, image in line_images(note_lines(title, text), paper):
        _left_margin(printer, margin)
        printer.image(image, impl="bitImageRaster")
    _left_margin(printer, 0)
    printer.cut()


def note_preview(title: str, text: str, paper: Paper = Paper.MM80) -> Image.Image:
    parts = [_placed(m, i, paper) for m, i in line_images(note_lines(title, text), paper)]
    page = Image.new("1", (paper.value, sum(p.height for p in parts) + 40), 1)
    y = 16
    for part in parts:
        page.paste(part, (0, y))
        y += part.height
    return page


def preview(ticket: Ticket, paper: Paper = Paper.MM80) -> Image.Image:
    """The ticket as the paper will show it (for people, the fake printer and the tests)."""
    parts = [_placed(m, i, paper) for m, i in line_images(header_lines(ticket), paper)]
    number_font = ImageFont.truetype(font_path(True), round(96 * paper.scale))
    left, top, right, bottom = number_font.getbbox(ticket.number)
    number = Image.new("1", (paper.value, bottom + 16), 1)
    ImageDraw.Draw(number).text(((paper.value - (right - left)) // 2 - left, 8), ticket.number,
                                font=number_font, fill=0)
    parts.append(number)
    parts += [_placed(m, i, paper) for m, i in line_images(footer_lines(ticket), paper)]
    parts += [_placed(m, i, paper) for m, i in line_images([Line(issued_text(ticket), 22)],
                                                            paper)]
    qr = qrcode.QRCode(box_size=6 if paper is Paper.MM80 else 4, border=2)
    qr.add_data(ticket.url)
    parts.append(qr.make_image().get_image().convert("1"))
    height = sum(p.height for p in parts) + 40
    page = Image.new("1", (paper.value, height), 1)
    y = 16
    for part in parts:
        x = (paper.value - part.width) // 2 if part is parts[-1] else 0
        page.paste(part, (x, y))
        y += part.height
    ImageDraw.Draw(page).line([(0, height - 4), (paper.value, height - 4)], fill=0, width=1)
    return page


def _placed(margin: int, image: Image.Image, paper: Paper) -> Image.Image:
    row = Image.new("1", (paper.value, image.height), 1)
    row.paste(image, (margin, 0))
    return row
