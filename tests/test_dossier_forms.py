"""The appointment receipt: the PDF page and the thermal ticket carry a barcode
and a QR code that decode back to the dossier code and its lookup address."""

import io
import subprocess

import pytest
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol, decode

from central.dossiers import forms, reception
from tests.conftest import PROJECT

from .dossier_helpers import APPLICANT, CHECKLIST, add_procedures

ARTIFACTS = PROJECT / "tests" / "artifacts"
SYMBOLS = [ZBarSymbol.CODE128, ZBarSymbol.QRCODE]


@pytest.fixture
def dossier(store, hub_config):
    ids = add_procedures(store)
    hub_config.dossiers.agency_code = "000.00.14.H56"
    return reception.receive(
        store, hub_config, procedure_id=ids["1.009994"], channel="in_person",
        applicant={**APPLICANT, "name": "Trần Thị Ánh Tuyết"},
        components=[c["name"] for c in CHECKLIST],
        extra_components=[{"name": "Bản vẽ thiết kế", "reason": "Công trình có tầng hầm"}],
        actor="lan.nt")


def decoded(image: Image.Image) -> dict[str, str]:
    return {r.type: r.data.decode("utf-8") for r in decode(image, symbols=SYMBOLS)}


def test_receipt_pdf_carries_a_code128_and_a_qr_that_decode(dossier, hub_config, tmp_path):
    url = f"https://hcc.thanhhoa.gov.vn/tra-cuu?code={dossier['code']}"
    pdf = forms.receipt_pdf(dossier, hub_config, url)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", str(path),
                    str(tmp_path / "receipt")], check=True)
    page = Image.open(tmp_path / "receipt.png")
    ARTIFACTS.mkdir(exist_ok=True)
    page.save(ARTIFACTS / "receipt-pdf.png")
    assert decoded(page) == {"CODE128": dossier["code"], "QRCODE": url}
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    # Vietnamese survives the embedded font: the text layer reads back exactly.
    for words in ["GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Trần Thị Ánh Tuyết",
                  "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Bản vẽ thiết kế",
                  "Công trình có tầng hầm", dossier["code"]]:
        assert words in text


def test_thermal_ticket_image_and_escpos_bytes(dossier, hub_config):
    url = f"http://127.0.0.1:8080/tra-cuu?code={dossier['code']}"
    image = forms.receipt_ticket_image(dossier, hub_config, url)
    assert image.width == forms.TICKET_WIDTH
    ARTIFACTS.mkdir(exist_ok=True)
    image.save(ARTIFACTS / "receipt-ticket.png")
    assert decoded(image.convert("L")) == {"CODE128": dossier["code"], "QRCODE": url}
    data = forms.receipt_escpos(dossier, hub_config, url)
    assert b"\x1d(k" in data                 # native QR
    assert url.encode() in data              # its content
    assert data.rstrip(b"\x00").endswith(b"\x1dVA\x00") or b"\x1dV" in data   # cut


def test_receipt_pages_need_sign_in_and_serve_pdf_and_png(client, store, dossier):
    from central.accounts import users

    assert client.get(f"/dossiers/{dossier['id']}/receipt.pdf").status_code == 302
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan")
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "lan.nt", "password": "mat-khau-lan",
                                "csrf_token": token})
    pdf = client.get(f"/dossiers/{dossier['id']}/receipt.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    png = client.get(f"/dossiers/{dossier['id']}/ticket.png")
    image = Image.open(io.BytesIO(png.data))
    found = decoded(image.convert("L"))
    assert found["CODE128"] == dossier["code"]
    # The look-up address with the receipt's key: its holder is not held back on a busy
    # Wi-Fi (tests/test_attack_one_address.py).
    assert found["QRCODE"].startswith(f"http://localhost/tra-cuu?code={dossier['code']}&k=")
    assert client.get(found["QRCODE"]).status_code == 200


def test_the_served_receipt_is_one_a_centre_signs(client, store, hub_config, tmp_path):
    """Full names, not logins; the centre's public address; no empty fields; the heading."""
    import re

    from central.accounts import users

    ids = add_procedures(store)
    hub_config.dossiers.public_url = "https://dichvucong.thanhhoa.gov.vn/"
    users.create_user(store, "nam.pv", "Phạm Văn Nam", "officer", "mat-khau-nam-1")
    d = reception.receive(
        store, hub_config, procedure_id=ids["1.001193"], channel="in_person",
        applicant={**APPLICANT, "address": "", "phone": ""},
        components=[CHECKLIST[0]["name"]], actor="nam.pv")
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "nam.pv", "password": "mat-khau-nam-1",
                                "csrf_token": token})
    path = tmp_path / "receipt.pdf"
    path.write_bytes(client.get(f"/dossiers/{d['id']}/receipt.pdf").data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Phạm Văn Nam" in text and "nam.pv" not in text
    assert "https://dichvucong.thanhhoa.gov.vn/tra-cuu" in text and "127.0.0.1" not in text
    assert "localhost" not in text
    assert "Địa chỉ" not in text and "Số điện thoại" not in text and "—" not in text
    assert "UBND TỈNH THANH HÓA" in text and "Độc lập – Tự do – Hạnh phúc" in text
    # The dossier's page and its history show the full name too.
    page = client.get(f"/dossiers/{d['id']}").get_data(as_text=True)
    assert "Phạm Văn Nam" in page and ">nam.pv<" not in page and "(nam.pv)" not in page
    form06 = client.get(f"/dossiers/{d['id']}/form/06").get_data(as_text=True)
    assert "Phạm Văn Nam" in form06 and "nam.pv" not in form06


def test_the_thermal_ticket_does_not_leave_a_word_alone_on_a_line():
    # Seen on the sample centre's /dossiers/<id>/ticket.png: "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH
    # CÔNG TỈNH THANH" and "HÓA" alone below it, the province's name cut in two. The
    # queue ticket already evens its two rows out (motcua/ticketing/ticket.py).
    from PIL import ImageDraw, ImageFont

    from motcua.fonts import font_path

    draw = ImageDraw.Draw(Image.new("1", (forms.TICKET_WIDTH, 100), 1))
    small = ImageFont.truetype(str(font_path()), 20)
    inner = forms.TICKET_WIDTH - 24
    for name in ("TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH THANH HÓA",
                 "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG XÃ QUẢNG PHÚ"):
        lines = forms._wrap(draw, name, small, inner)
        assert len(lines) == 2 and all(len(line.split()) > 2 for line in lines), lines
        assert all(draw.textlength(line, font=small) <= inner for line in lines), lines
        assert " ".join(lines) == name
    # A short text stays on one line; a word wider than the paper keeps its own.
    assert forms._wrap(draw, "GIẤY HẸN", small, inner) == ["GIẤY HẸN"]
