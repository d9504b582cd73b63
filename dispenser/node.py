"""The dispenser node (máy lấy số): a press, a printed ticket, with or without the hub.

A press only queues a job; one printing worker takes jobs in order, so the
button loop never waits for the hub or the paper, and a press made while a
ticket is printing is printed next (not lost, not doubled)::

    node = Dispenser(config, pin_factory=MockFactory(), printer=FolderPrinter("out"))
    node.start()
    node.press("ho-tich")          # what a button does; returns at once
    node.wait_idle()

Online the ticket comes from the hub (``request.ticket``). When the broker or
the hub cannot be reached (``NotConnected``, ``RequestTimeout``, the hub's
status ``offline``) the number comes from a block the hub leased beforehand
(``request.number_block``), recorded durably in the outbox before it is
printed, and delivered once when the link is back (``request.ticket_offline``).
All of that is :class:`motcua.ticketing.issuer.TicketIssuer`, which the kiosk
shares; this node adds the buttons and the status LED.
"""

from __future__ import annotations

import logging
import sys

from motcua.bus.client import Incoming
from motcua.node import Node
from motcua.ticketing.issuer import TicketIssuer
from motcua.ticketing.outbox import Outbox
from motcua.ticketing.printer_config import PrinterStatus

from .buttons import STATE_NAMES, Indicator, ServiceButtons
from .config import DispenserConfig
from .fake import KeyMap
from .scanner import SerialScanner

log = logging.getLogger(__name__)


class Dispenser(Node):
    """máy lấy số: service buttons, a ticket printer, an outbox for offline tickets."""

    role = "dispenser"
    config_class = DispenserConfig

    def __init__(self, config: DispenserConfig, transport=None, *, pin_factory=None,
                 printer=None):
        config = DispenserConfig.from_node_config(config)
        # status_detail() is asked for during Node.__init__: have its facts ready.
        self.issuer = None
        self.indicator = Indicator([], pin_factory=None)
        super().__init__(config, transport)
        if pin_factory is None and config.simulate:
            from gpiozero.pins.mock import MockFactory  # lazy: fake hardware only

            pin_factory = MockFactory()
        self.pin_factory = pin_factory
        self.indicator = Indicator(config.led_pins, pin_factory=pin_factory)
        self.services = [s for s, _ in config.button_pins()]
        # With no button there is nothing to print and nothing to keep: no file.
        outbox = Outbox(config.outbox.format(center=config.center, node_id=config.node_id)
                        if config.buttons else ":memory:")
        self.issuer = TicketIssuer(self, config, services=self.services, printer=printer,
                                   outbox=outbox, on_state=self.indicator.show,
                                   notes_on_paper=True)
        self.scanner = None
        if config.scanner:
            self.scanner = SerialScanner(config.scanner, self.scan, config.scanner_baud)
        self.buttons = ServiceButtons(
            config.button_pins(), self.press, pin_factory=pin_factory,
            priority_pin=config.priority_pin, long_press_s=config.long_press_s,
            settle=config.debounce_s)

    # The issuer's parts, by the names the dispenser always had -----------------
    @property
    def outbox(self) -> Outbox:
        return self.issuer.outbox

    @property
    def printer(self):
        return self.issuer.printer

    @property
    def printed(self) -> list:
        return self.issuer.printed

    @property
    def printer_status(self) -> PrinterStatus:
        return self.issuer.printer_status if self.issuer else PrinterStatus(None, "unknown")

    @property
    def jobs(self):
        return self.issuer.jobs

    @property
    def link_up(self) -> bool:
        return self.issuer.link_up

    def _request(self, name: str, payload: dict) -> dict:
        return self.issuer._request(name, payload)

    # Facts for the hub's device page ----------------------------------------
    def problem(self) -> str | None:
        """What a supervisor must fix, in Vietnamese (None when all is well)."""
        fault = self.printer_status.fault
        if fault:
            return fault[1]
        if self.indicator.state == "no_block":
            return STATE_NAMES["no_block"]
        return None

    def status_detail(self) -> dict:
        detail = {"simulated": bool(self.config.simulate),
                  **self.printer_status.as_detail(),
                  "indicator": self.indicator.state or "ready",
                  "problem": self.problem(),
                  "numbers_left": {}, "outbox_pending": 0}
        if self.issuer is not None:
            detail.update(numbers_left={s: self.outbox.remaining(s) for s in self.services},
                          outbox_pending=self.outbox.pending_count())
        return detail

    # Presses -----------------------------------------------------------------
    def press(self, service: str, priority: bool = False) -> None:
        """A citizen asked for a ticket: queue it for the printing worker (never blocks)."""
        self.issuer.press(service, priority)

    def scan(self, code: str) -> None:
        """A booking's QR code was scanned (issue 26): the hub checks it in and the
        booked ticket is printed, or a slip says why not (early, late, offline)."""
        self.issuer.check_in(code)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every queued press has been printed (tests, benchmarks)."""
        return self.issuer.wait_idle(timeout)

    def check_printer_soon(self) -> None:
        """Ask the printer for its status at the worker's next turn."""
        self.issuer.check_printer_soon()

    # Life --------------------------------------------------------------------
    def start(self) -> Dispenser:
        super().start()
        # A dispenser with no button configured has nothing to print: it only
        # reports its presence (as before issue 4), with no worker thread.
        if self.services:
            self.issuer.start()
        if self.scanner is not None:
            self.scanner.start()
        return self

    def run(self) -> None:
        if self.config.simulate and self.config.keys_on_stdin and sys.stdin is not None:
            KeyMap(self).start()
        super().run()

    def stop(self) -> None:
        super().stop()
        self.issuer.stop()
        if self.scanner is not None:
            self.scanner.close()
        self.buttons.close()
        self.indicator.close()

    def _on_hub_status(self, incoming: Incoming) -> None:
        was = self.hub_online
        super()._on_hub_status(incoming)
        if self.issuer is not None:
            self.issuer.hub_status_changed(was)
