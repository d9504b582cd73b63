"""Tickets from the kiosk (issue 27): the dispenser's worker, outbox and printer, shared.

A kiosk with a fake printer (python-escpos ``Dummy`` answering status as a
real one does) takes tickets through the real broker and hub, online and with
the hub stopped, and the offline ones reach the hub exactly once; a kiosk
without a printer shows the number and the QR code on its screen.
"""

from __future__ import annotations

import pygame
import pytest
from pyzbar import pyzbar

from kiosk.node import Kiosk, KioskConfig
from motcua.config import from_dict
from motcua.ticketing.printer import FolderPrinter

from .conftest import wait_until
from .test_dispenser import hub_tickets


@pytest.fixture
def make_kiosk(tmp_path, center):
    started = []

    def make(port, node_id="kiosk-1", printer="folder", **settings):
        config = from_dict(KioskConfig, {
            "center": center, "node_id": node_id, "simulate": True,
            "mqtt": {"port": port, "keepalive": 2}, "camera": -1,
            "outbox": str(tmp_path / f"{node_id}-outbox.db"),
            "public_url": "http://hub.test", "request_timeout": 2.0,
            "ticket_services": ["ho-tich", "dat-dai"],
            "printer": {"kind": printer, "path": str(tmp_path / f"{node_id}-tickets")},
            **settings})
        paper = FolderPrinter(tmp_path / f"{node_id}-tickets") if printer == "folder" else None
        node = Kiosk(config, printer=paper).start()
        started.append(node)
        assert node.bus.wait_connected(10)
        return node

    yield make
    for node in started:
        node.stop()


def has_blocks(node, services=("ho-tich", "dat-dai")):
    return all(node.issuer.outbox.remaining(s) >= node.config.renew_below for s in services)


def touch_ticket(node, service, surface):
    """Home → "Lấy số thứ tự" → the service, as a finger does; the screen once served."""
    ui = node.ui
    ui.go_home()
    ui.step(surface)
    ui.tap_button("tickets")
    ui.step(surface)
    ui.tap_button(f"service:{service}")
    ui.step(surface)
    assert ui.screen.name == "ticket_result"
    ui.wait_ticket()
    ui.step(surface)
    return ui.screen


def test_kiosk_tickets_online_and_offline_reach_the_hub_once(own_broker, own_hub,
                                                              make_kiosk):
    store = own_hub.store
    node = make_kiosk(own_broker.port)
    surface = pygame.Surface((1080, 1920))
    node.open_screen(surface)
    wait_until(lambda: node.hub_online and has_blocks(node), timeout=10)
    # The services come from the hub's retained lines, names and all.
    assert [s["name"] for s in node.ticket_services()] == [
        "Hộ tịch – Chứng thực", "Đất đai – Môi trường"]

    screen = touch_ticket(node, "ho-tich", surface)
    assert (screen.printed.display, screen.printed.offline, screen.printed.on_paper) == (
        "A001", False, True)
    assert hub_tickets(store) == [("A001", 1)]
    assert len(node.issuer.printer.tickets) == 1  # the dispenser's layout, on paper
    assert b"A001" in node.issuer.printer.tickets[0]

    own_broker.stop()  # the network is gone
    wait_until(lambda: not node.bus.connected, timeout=10)
    numbers = [touch_ticket(node, "ho-tich", surface).printed.display for _ in range(2)]
    assert numbers == ["A990", "A991"]  # from the block leased beforehand
    assert all(p.offline and p.on_paper for p in node.issuer.printed[-2:])
    assert node.issuer.outbox.pending_count() == 2
    assert hub_tickets(store) == [("A001", 1)]

    own_broker.start()
    wait_until(lambda: node.issuer.link_up and node.issuer.outbox.pending_count() == 0,
               timeout=20)
    assert hub_tickets(store) == [("A001", 1), ("A990", 990), ("A991", 991)]
    # Delivered again (an answer lost): still once.
    row = node.issuer.outbox.tickets()[0]
    node.issuer.outbox.mark(row["id"], "pending")
    node.issuer.wake()
    wait_until(lambda: node.issuer.outbox.pending_count() == 0)
    assert hub_tickets(store) == [("A001", 1), ("A990", 990), ("A991", 991)]
    events = store.db.execute("select count(*) from ticket_events where action = "
                              "'issue_offline'").fetchone()[0]
    assert events == 2


def test_with_the_hub_stopped_the_kiosk_issues_from_its_block(own_broker, own_hub,
                                                              make_kiosk):
    node = make_kiosk(own_broker.port)
    surface = pygame.Surface((1080, 1920))
    node.open_screen(surface)
    wait_until(lambda: node.hub_online and has_blocks(node), timeout=10)
    own_hub.stop()  # the broker stays; the hub's status says offline
    wait_until(lambda: not node.hub_online)
    screen = touch_ticket(node, "dat-dai", surface)
    assert (screen.printed.display, screen.printed.offline) == ("C990", True)


def test_without_a_printer_the_number_and_qr_are_on_screen(own_broker, own_hub, make_kiosk):
    node = make_kiosk(own_broker.port, printer="none")
    surface = pygame.Surface((1080, 1920))
    node.open_screen(surface)
    wait_until(lambda: node.hub_online and has_blocks(node), timeout=10)
    screen = touch_ticket(node, "ho-tich", surface)
    assert (screen.printed.display, screen.printed.on_paper) == ("A001", False)
    # The QR code drawn on the screen leads to the ticket's live page.
    grey = pygame.surfarray.array3d(surface).transpose(1, 0, 2).mean(axis=2).astype("uint8")
    found = [s.data.decode() for s in pyzbar.decode(grey)]
    token = own_hub.store.db.execute("select token from tickets").fetchone()[0]
    assert found == [f"http://hub.test/t/{token}"]


def test_a_printer_out_of_paper_is_reported_and_the_ticket_shown_on_screen(
        own_broker, own_hub, make_kiosk):
    node = make_kiosk(own_broker.port)
    surface = pygame.Surface((1080, 1920))
    node.open_screen(surface)
    wait_until(lambda: node.hub_online and has_blocks(node), timeout=10)
    node.issuer.printer.paper_bytes = FolderPrinter.PAPER_OUT
    node.issuer.check_printer_soon()
    wait_until(lambda: node.issuer.printer_status.fault is not None)
    faults = own_hub.store.db.execute
    wait_until(lambda: faults("select count(*) from node_faults where node_id = 'kiosk-1' "
                              "and code = 'paper_out'").fetchone()[0] == 1)
    screen = touch_ticket(node, "ho-tich", surface)
    assert (screen.printed.display, screen.printed.on_paper) == ("A001", False)
    assert node.issuer.printer.tickets == []
    assert node.status_detail()["problem"] == "Máy in hết giấy"
