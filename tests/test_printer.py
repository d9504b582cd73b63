"""Printers chosen in config, and the status a real printer reports."""

import datetime as dt

from escpos.printer import Dummy, File, Network, Serial, Usb

from motcua.config import from_dict
from motcua.ticketing.printer import FolderPrinter, PrinterConfig, open_printer, read_status
from motcua.ticketing.ticket import Paper, Ticket, print_ticket


def config(**values):
    return from_dict(PrinterConfig, values)


def test_each_kind_opens_the_python_escpos_printer():
    assert isinstance(open_printer(config(kind="usb", usb_vendor=0x0416, usb_product=0x5011)),
                      Usb)
    assert isinstance(open_printer(config(kind="serial", serial_port="/dev/ttyS0")), Serial)
    assert isinstance(open_printer(config(kind="network", host="192.0.2.7")), Network)
    assert isinstance(open_printer(config(kind="file", path="/dev/usb/lp0")), File)
    assert isinstance(open_printer(config(kind="folder")), FolderPrinter)
    assert config(paper_mm=58).paper is Paper.MM58


def test_status_read_from_the_printers_answers():
    printer = FolderPrinter()
    assert read_status(printer).as_detail() == {"printer_online": True, "paper": "ok"}
    printer.paper_bytes = FolderPrinter.PAPER_LOW
    assert read_status(printer).paper == "low" and read_status(printer).fault is None
    printer.paper_bytes = FolderPrinter.PAPER_OUT
    assert read_status(printer).fault == ("paper_out", "Máy in hết giấy")
    printer.online = False
    assert read_status(printer).fault[0] == "printer_offline"


def test_a_printer_that_cannot_answer_is_unknown_not_broken():
    status = read_status(Dummy())
    assert status.online is None and status.paper == "unknown" and status.fault is None


def test_folder_printer_files_one_byte_stream_per_ticket(tmp_path):
    printer = FolderPrinter(tmp_path)
    ticket = Ticket(center_name="Trung tâm", service_name="Đất đai", number="2001",
                    people_ahead=0, wait_minutes=0, issued_at=dt.datetime.now(dt.UTC),
                    url="http://hub/t/x")
    print_ticket(printer, ticket)
    print_ticket(printer, ticket)
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == ["ticket-00001.bin", "ticket-00002.bin"]
    assert files[0].read_bytes().endswith(printer.tickets[0][-4:])
    assert b"2001" in files[1].read_bytes()
