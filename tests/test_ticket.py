"""The printed ticket: golden image and byte stream, and what the bytes hold."""

import datetime as dt

import pytest
from escpos.printer import Dummy
from pyzbar import pyzbar

from motcua.ticketing.ticket import Paper, Ticket, preview, print_ticket, wait_text

from .golden import check_bytes, check_image

TICKET = Ticket(
    center_name="Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa",
    service_name="Hộ tịch – Chứng thực",
    number="1023",
    people_ahead=4,
    wait_minutes=18,
    issued_at=dt.datetime(2026, 11, 27, 0, 45, tzinfo=dt.UTC),  # 07:45 in Thanh Hóa
    url="http://192.0.2.10:8080/t/Xy12abCD",
)
OFFLINE = Ticket(**{**TICKET.__dict__, "offline": True, "priority": "Người cao tuổi",
                    "number": "A007"})


def printed(ticket, paper):
    printer = Dummy()
    print_ticket(printer, ticket, paper)
    return printer.output


@pytest.mark.parametrize("paper", list(Paper))
def test_ticket_matches_its_golden_image_and_bytes(paper):
    mm = paper.name[2:]
    check_image(f"ticket-{mm}mm.png", preview(TICKET, paper))
    check_bytes(f"ticket-{mm}mm.bin", printed(TICKET, paper))


def test_offline_priority_ticket_golden():
    check_image("ticket-offline-80mm.png", preview(OFFLINE, Paper.MM80))


@pytest.mark.parametrize("paper", list(Paper))
def test_bytes_hold_raster_number_qr_and_cut(paper):
    data = printed(TICKET, paper)
    assert data.startswith(b"\x1b@")  # initialise
    assert data.count(b"\x1dv0") >= 5  # Vietnamese lines as raster images
    assert b"1023\n" in data  # the number as native text
    assert b"\x1d(k" in data and TICKET.url.encode() in data  # native QR with the URL
    assert b"\x1dV" in data[-8:]  # and the cut, last
    assert "Hộ tịch".encode() not in data  # never Vietnamese as text: it would print "?"
    # Small enough for a slow serial link (a full-page image is about 30 KB).
    assert len(data) < 12_000


def test_qr_on_the_ticket_leads_to_the_live_page():
    decoded = pyzbar.decode(preview(TICKET, Paper.MM80).convert("L"))
    assert [d.data.decode() for d in decoded] == [TICKET.url]


@pytest.mark.parametrize(("minutes", "text"), [(0, "dưới 5 phút"), (3, "khoảng 5 phút"),
                                               (45, "khoảng 45 phút"), (60, "khoảng 1 giờ"),
                                               (61, "khoảng 1 giờ 5 phút")])
def test_wait_is_rounded_up_to_five_minutes(minutes, text):
    assert wait_text(minutes) == text
