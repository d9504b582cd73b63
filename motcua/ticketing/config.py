"""What every ticket-issuing node (dispenser, kiosk) is told in its config file.

::

    priority_code = "elderly"          # the hub's priority class for priority tickets
    public_url = "http://hub.local"    # the QR code leads to <public_url>/t/<token>
    block_size = 10                    # numbers per leased block (offline tickets)

    [printer]
    kind = "usb"                       # or "none": the ticket is shown on screen (kiosk)
"""

from __future__ import annotations

from dataclasses import dataclass

from motcua.config import NodeConfig, section, setting

from .printer_config import PrinterConfig


@dataclass(kw_only=True)
class TicketingConfig(NodeConfig):
    priority_code: str = setting("elderly", doc="the hub's priority class code for priority "
                                                "tickets")
    priority_name: str = setting("Người ưu tiên", doc="printed on priority tickets issued "
                                                      "offline (online: the hub's name)")
    center_name: str = setting("Trung tâm Phục vụ hành chính công",
                               doc="printed until the hub tells its own name")
    public_url: str = setting("http://127.0.0.1:8080",
                              doc="the hub's public address, for the QR code to the live page")
    outbox: str = setting("var/outbox-{center}-{node_id}.db",
                          doc="SQLite file keeping number blocks and offline tickets "
                              "({center} and {node_id} are replaced)")
    block_size: int = setting(10, doc="numbers per leased block",
                              check=lambda v: None if 1 <= v <= 100 else "expected 1 to 100")
    renew_below: int = setting(3, doc="lease a new block when fewer numbers than this remain",
                               check=lambda v: None if v >= 1 else "expected at least 1")
    request_timeout: float = setting(3.0, doc="seconds to wait for the hub before printing "
                                              "offline")
    status_every_s: float = setting(10.0, doc="seconds between printer status checks")
    printer: PrinterConfig = section(PrinterConfig, doc="the ticket printer")
