"""The ticket printer, through python-escpos, chosen in the config.

::

    [printer]
    kind = "usb"            # usb | serial | network | file | folder | none
    paper_mm = 80           # 58 or 80
    usb_vendor = 0x0416     # TOML takes hex
    usb_product = 0x5011

``folder`` is the fake printer of ``--fake-hardware``: every ticket's bytes go
to a file in a folder (the node adds a PNG preview beside it), and its paper
and online state can be scripted, as a real printer answers ``DLE EOT``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from escpos.constants import RT_STATUS_ONLINE, RT_STATUS_PAPER
from escpos.printer import Dummy

from .printer_config import KINDS, PrinterConfig, PrinterStatus

log = logging.getLogger(__name__)
__all__ = ["KINDS", "FolderPrinter", "PrinterConfig", "PrinterStatus", "open_printer",
           "read_status"]


class FolderPrinter(Dummy):
    """A printer that files each ticket's bytes and answers scripted status.

    Set ``online`` and ``paper_bytes`` to play a printer with its cover open or
    out of paper (``0x12`` plenty, ``0x1e`` low, ``0x72`` none, as ``DLE EOT 4``).
    """

    PAPER_OK, PAPER_LOW, PAPER_OUT = b"\x12", b"\x1e", b"\x72"

    def __init__(self, folder: str | Path | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.folder = Path(folder) if folder else None
        self.online = True
        self.paper_bytes = self.PAPER_OK
        self.tickets: list[bytes] = []
        self._last_query = b""

    def _raw(self, msg: bytes) -> None:
        if msg in (RT_STATUS_ONLINE, RT_STATUS_PAPER):
            self._last_query = msg
            return
        super()._raw(msg)

    def _read(self) -> bytes:
        if self._last_query == RT_STATUS_ONLINE:
            return b"\x12" if self.online else b"\x1a"  # bit 3: offline
        return self.paper_bytes

    def cut(self, *args, **kwargs) -> None:
        super().cut(*args, **kwargs)
        data = self.output
        self.clear()
        self.tickets.append(data)
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"ticket-{len(self.tickets):05d}.bin").write_bytes(data)


def open_printer(config: PrinterConfig):
    """A python-escpos printer object for the configured kind (not yet opened).

    ``None`` for kind ``none``: a kiosk without a printer shows its tickets on screen.
    """
    if config.kind == "none":
        return None
    from escpos import printer as escpos_printer  # lazy: a printer's extra, when fitted

    profile = {"profile": config.profile} if config.profile else {}
    if config.kind == "usb":
        return escpos_printer.Usb(config.usb_vendor, config.usb_product, timeout=2000, **profile)
    if config.kind == "serial":
        return escpos_printer.Serial(config.serial_port, baudrate=config.baudrate, **profile)
    if config.kind == "network":
        return escpos_printer.Network(config.host, port=config.port, timeout=5, **profile)
    if config.kind == "file":
        return escpos_printer.File(config.path, **profile)
    return FolderPrinter(config.path, **profile)


def read_status(printer) -> PrinterStatus:
    """Ask the printer (``DLE EOT``) whether it is online and has paper."""
    try:
        online = printer.is_online()
        paper = {2: "ok", 1: "low", 0: "out"}[printer.paper_status()]
        return PrinterStatus(online, paper)
    except NotImplementedError:
        return PrinterStatus(None, "unknown")  # e.g. a file or a one-way link
    except Exception as exc:  # USB unplugged, network down: report, do not crash
        log.warning("printer status query failed: %s", exc)
        return PrinterStatus(False, "unknown")
