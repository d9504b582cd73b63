"""The appointment receipt (form 01): a PDF page and a thermal-printer ticket.

Both carry the dossier code as Code128 and a QR code linking to the public
lookup page, so a counter's USB scanner or a kiosk's camera reads it back::

    pdf_bytes = receipt_pdf(dossier, config, "https://hcc.example/tra-cuu?code=...")
    image = receipt_ticket_image(dossier, config, url)      # Pillow, 576 px wide (80 mm)
    data = receipt_escpos(dossier, config, url)             # bytes for the printer

Vietnamese text is drawn with DejaVu Sans (every Vietnamese letter; cheap
thermal printers print it as '?' in text mode, so the ticket is an image).
"""

from __future__ import annotations

import barcode
import qrcode
from barcode.writer import ImageWriter
from PIL import Image, ImageDraw, ImageFont

from motcua import clock
from motcua.fonts import font_path
from motcua.public_terms import ASK_OFFICER

from ..calendar.working_time import VN
from ..config import HubConfig
from ..documents.pdf import Letterhead, document, heading, signatures

TICKET_WIDTH = 576  # dots: an 80 mm printer at 203 dpi


def code128_image(code: str, module_px: int = 1, height_px: int = 80) -> Image.Image:
    """The code as Code128, ``module_px`` pixels per bar module, with quiet zones."""
    writer = ImageWriter()
    symbol = barcode.get("code128", code, writer=writer)
    modules = symbol.build()[0]
    quiet = 10
    image = Image.new("1", ((len(modules) + 2 * quiet) * module_px, height_px), 1)
    draw = ImageDraw.Draw(image)
    for i, bit in enumerate(modules):
        if bit == "1":
            x = (quiet + i) * module_px
            draw.rectangle([x, 0, x + module_px - 1, height_px - 1], fill=0)
    return image


def qr_image(text: str, box_px: int = 4) -> Image.Image:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_px,
                       border=4)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image().convert("1")


def _when(value: str | None, zone: str) -> str:
    return clock.show(value, zone, "%H giờ %M, ngày %d/%m/%Y") if value else ""


# -- the PDF page ------------------------------------------------------------------


def receipt_pdf(d: dict, config: HubConfig, lookup_url: str) -> bytes:
    """Form 01, 'Giấy tiếp nhận hồ sơ và hẹn trả kết quả', one A4 page.

    ``d["received_by_name"]`` is the receiving officer's full name (the login in
    ``received_by`` only when no name is known); ``lookup_url`` is the dossier's
    page on the centre's public address (``[dossiers] public_url``). A field the
    citizen left empty is left out, not printed as "—".
    """
    pdf = document(margins=(18, 15, 18))
    pdf.set_title(f"Giấy tiếp nhận hồ sơ {d['code']}")
    zone = config.timezone
    width = pdf.w - pdf.l_margin - pdf.r_margin
    received = clock.from_iso(d["received_at"]).astimezone(VN) if d.get("received_at") else None
    heading(pdf, Letterhead.of(config), (received or clock.now().astimezone(VN)).date(),
            left_share=0.45)
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(width, 5, "Mẫu số 01", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(width, 8, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(width, 7, f"Mã hồ sơ: {d['code']}", align="C", new_x="LMARGIN", new_y="NEXT")

    # Code128 (0.3 mm modules: two pixels a module when rendered at 200 dpi) and QR.
    bars = code128_image(d["code"], module_px=1, height_px=40)
    bar_w = bars.width * 0.3
    y = pdf.get_y() + 2
    pdf.image(bars, x=pdf.l_margin, y=y, w=bar_w, h=14)
    pdf.image(qr_image(lookup_url, box_px=8), x=pdf.w - pdf.r_margin - 32, y=y - 4, w=32, h=32)
    pdf.set_y(y + 30)

    pdf.set_font("DejaVu", "", 11)
    ids = "    ".join(text for text in (
        f"Số định danh cá nhân: {d['applicant_id_number']}" if d.get("applicant_id_number")
        else "",
        f"Số điện thoại: {d['applicant_phone']}" if d.get("applicant_phone") else "") if text)
    lines = [
        f"{config.center_name} đã tiếp nhận hồ sơ của: Ông/Bà {d['applicant_name']}",
        ids,
        f"Địa chỉ: {d['applicant_address']}" if d.get("applicant_address") else "",
        # The code only when confirmed (``procedure_code_confirmed``, set by the caller):
        # a citizen's paper never carries an unconfirmed value (motcua.public_terms).
        f"Nội dung yêu cầu giải quyết: {d['procedure_name']}"
        + (f" (mã thủ tục {d['procedure_code']})" if d.get("procedure_code_confirmed") else ""),
    ]
    for line in filter(None, lines):
        pdf.multi_cell(width, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.multi_cell(width, 6, "Thành phần hồ sơ nộp gồm:", new_x="LMARGIN", new_y="NEXT")
    for i, c in enumerate(d["components"], 1):
        extra = "" if c.get("in_checklist", True) else f" (ngoài danh mục – lý do: {c['reason']})"
        pdf.multi_cell(width, 6, f"  {i}. {c['name']}{extra}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(width, 6, f"Thời gian nhận hồ sơ: {_when(d['received_at'], zone)}",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(width, 6, f"Thời gian trả kết quả giải quyết hồ sơ: "
                   f"{_when(d['due_at'], zone) or ASK_OFFICER}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(width, 6, "Nhận kết quả tại: Bộ phận tiếp nhận và trả kết quả, "
                   f"{config.center_name}.", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(width, 6, "Tra cứu tình trạng hồ sơ: quét mã QR bên trên hoặc vào "
                   f"{lookup_url.split('?')[0]} và nhập mã hồ sơ.",
                   align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    signatures(pdf, ("NGƯỜI NỘP HỒ SƠ", "(Ký và ghi rõ họ tên)"),
               ("NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)"))
    pdf.ln(16)
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(width / 2, 6, d["applicant_name"], align="C")
    pdf.cell(width / 2, 6, d.get("received_by_name") or d.get("received_by") or "", align="C")
    return bytes(pdf.output())


# -- the thermal ticket --------------------------------------------------------------


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    """Greedy wrap, then two rows evened out, so that no word is left alone on the
    second ("… TỈNH THANH" / "HÓA"), as the queue ticket does."""
    words, lines, line = text.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    if len(lines) == 2:
        splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
        fitting = [s for s in splits if max(draw.textlength(part, font=font)
                                            for part in s) <= width]
        if fitting:
            lines = list(min(fitting, key=lambda s: max(draw.textlength(part, font=font)
                                                         for part in s)))
    return lines


def _text_image(d: dict, config: HubConfig) -> Image.Image:
    """The Vietnamese part of the ticket, as an image (the printer cannot print it as text)."""
    zone = config.timezone
    regular = ImageFont.truetype(str(font_path()), 22)
    bold = ImageFont.truetype(str(font_path(bold=True)), 26)
    small = ImageFont.truetype(str(font_path()), 20)
    canvas = Image.new("1", (TICKET_WIDTH, 1200), 1)
    draw = ImageDraw.Draw(canvas)
    y, margin, inner = 8, 12, TICKET_WIDTH - 24
    blocks = [
        (small, config.center_name.upper(), True),
        (bold, "GIẤY HẸN TRẢ KẾT QUẢ", True),
        (bold, d["code"], True),
        (regular, f"Người nộp: {d['applicant_name']}", False),
        (regular, f"Thủ tục: {d['procedure_name']}", False),
        (regular, f"Nhận lúc: {clock.show(d['received_at'], zone, '%H:%M %d/%m/%Y')}", False),
        (bold, "Hẹn trả: " + (clock.show(d["due_at"], zone, "%H:%M %d/%m/%Y")
                              if d["due_at"] else ASK_OFFICER), False),
        (small, "Quét mã QR để tra cứu tình trạng hồ sơ.", True),
    ]
    for font, text, centred in blocks:
        for line in _wrap(draw, text, font, inner):
            w = draw.textlength(line, font=font)
            x = (TICKET_WIDTH - w) / 2 if centred else margin
            draw.text((x, y), line, font=font, fill=0)
            y += int(font.size * 1.35)
        y += 4
    return canvas.crop((0, 0, TICKET_WIDTH, y + 4))


def receipt_ticket_image(d: dict, config: HubConfig, lookup_url: str) -> Image.Image:
    """The whole ticket as one 1-bit image: text, Code128, QR."""
    text = _text_image(d, config)
    bars = code128_image(d["code"], module_px=1, height_px=90)
    qr = qr_image(lookup_url, box_px=5)
    height = text.height + bars.height + qr.height + 30
    ticket = Image.new("1", (TICKET_WIDTH, height), 1)
    ticket.paste(text, (0, 0))
    y = text.height + 10
    ticket.paste(bars, ((TICKET_WIDTH - bars.width) // 2, y))
    y += bars.height + 10
    ticket.paste(qr, ((TICKET_WIDTH - qr.width) // 2, y))
    return ticket


def receipt_escpos(d: dict, config: HubConfig, lookup_url: str) -> bytes:
    """ESC/POS bytes for a thermal printer: the text and the Code128 as images
    (a dossier code is about 300 modules: the printer's native barcode, at its
    minimum of 2 dots a module, would not fit 576 dots), the QR as a native
    ``GS ( k`` (small and sharp)."""
    from escpos.printer import Dummy  # lazy: the printer library, for this ticket only

    printer = Dummy()
    printer.image(_text_image(d, config), center=True)
    printer.image(code128_image(d["code"], module_px=1, height_px=90), center=True)
    printer.set(align="center")
    printer.qr(lookup_url, size=6, native=True)
    printer.cut()
    return printer.output
