"""The printer's settings and status: light, so the node starts without python-escpos.

:mod:`motcua.ticketing.printer` (which imports python-escpos) re-exports both.
"""

from __future__ import annotations

from dataclasses import dataclass

from motcua.config import setting

KINDS = ("usb", "serial", "network", "file", "folder", "none")


@dataclass(kw_only=True)
class PrinterConfig:
    kind: str = setting("folder", doc="usb, serial, network, file, folder (fake), or none "
                                         "(a kiosk without a printer shows the ticket on screen)",
                        check=lambda v: None if v in KINDS else f"expected one of {KINDS}")
    paper_mm: int = setting(80, doc="paper width, 58 or 80 mm",
                            check=lambda v: None if v in (58, 80) else "expected 58 or 80")
    profile: str = setting("", doc="python-escpos printer profile, e.g. TM-T20II")
    usb_vendor: int = setting(0, doc="USB vendor id (kind usb)")
    usb_product: int = setting(0, doc="USB product id (kind usb)")
    serial_port: str = setting("/dev/ttyUSB0", doc="serial device (kind serial)")
    baudrate: int = setting(9600, doc="serial speed (kind serial)")
    host: str = setting("", doc="printer address (kind network)")
    port: int = setting(9100, doc="printer port (kind network)")
    path: str = setting("var/tickets", doc="device file (kind file) or folder (kind folder)")

    @property
    def paper(self):
        """The :class:`motcua.ticketing.ticket.Paper` width (imports Pillow on first use)."""
        from .ticket import Paper  # lazy: Pillow, which a node's settings do not need

        return Paper.MM58 if self.paper_mm == 58 else Paper.MM80


@dataclass(frozen=True)
class PrinterStatus:
    online: bool | None  # None: the printer does not answer status queries
    paper: str  # ok | low | out | unknown

    @property
    def fault(self) -> tuple[str, str] | None:
        """A fault code and its Vietnamese text, or None when all is well."""
        if self.online is False:
            return "printer_offline", "Máy in không sẵn sàng (mở nắp hoặc lỗi)"
        if self.paper == "out":
            return "paper_out", "Máy in hết giấy"
        return None

    def as_detail(self) -> dict:
        return {"printer_online": self.online, "paper": self.paper}
