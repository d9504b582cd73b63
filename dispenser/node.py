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
(``request.number_block``), recorded durably in the :class:`Outbox` before it is
printed, and delivered once when the link is back (``request.ticket_offline``).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import queue
import sys
import threading
import time
from dataclasses import dataclass, field

from motcua.bus.client import Incoming, NotConnected, RequestTimeout
from motcua.bus.messages import NUMBER_BLOCK, TICKET, TICKET_ABANDON, TICKET_OFFLINE
from motcua.node import Node

from .buttons import STATE_NAMES, Indicator, ServiceButtons
from .config import DispenserConfig
from .outbox import Outbox
from .printer_config import PrinterStatus

# python-escpos and Pillow take a second or more to import on a Pi: the
# printing worker imports them (dispenser.printer, dispenser.ticket) after the
# node is already online, so the hub sees it at once.

log = logging.getLogger(__name__)
SILENT_HUB_BACKOFF_S = 15.0  # after an unanswered request, print offline this long
# Answers meaning "nothing was done, try later" rather than "no" (central/bus/reliability.py).
HUB_CANNOT_WRITE = ("storage_unavailable", "internal")


@dataclass
class Job:
    service: str
    priority: bool = False
    pressed_at: float = field(default_factory=time.monotonic)


@dataclass
class Printed:
    """What the worker did with one press (kept for tests, benchmarks and the status)."""

    service: str
    display: str | None
    offline: bool
    pressed_at: float
    printed_at: float
    error: str | None = None


class Dispenser(Node):
    """máy lấy số: service buttons, a ticket printer, an outbox for offline tickets."""

    role = "dispenser"
    config_class = DispenserConfig

    def __init__(self, config: DispenserConfig, transport=None, *, pin_factory=None,
                 printer=None):
        config = DispenserConfig.from_node_config(config)
        # status_detail() is asked for during Node.__init__: have its facts ready.
        self.printer_status = PrinterStatus(None, "unknown")
        self.indicator = Indicator([], pin_factory=None)
        # With no button there is nothing to print and nothing to keep: no file.
        self.outbox = Outbox(config.outbox.format(center=config.center, node_id=config.node_id)
                             if config.buttons else ":memory:")
        self.printed: list[Printed] = []
        super().__init__(config, transport)
        if pin_factory is None and config.simulate:
            from gpiozero.pins.mock import MockFactory

            pin_factory = MockFactory()
        self.pin_factory = pin_factory
        self.printer = printer  # opened by the worker when not given
        self.indicator = Indicator(config.led_pins, pin_factory=pin_factory)
        self.services = [s for s, _ in config.button_pins()]
        self.buttons = ServiceButtons(
            config.button_pins(), self.press, pin_factory=pin_factory,
            priority_pin=config.priority_pin, long_press_s=config.long_press_s,
            settle=config.debounce_s)
        self.center_name = self.outbox.get("center_name", config.center_name)
        self.lines: dict[str, dict] = {}  # service -> last state.line (offline estimates)
        self._offline_since: dict[str, int] = {}
        self.jobs: queue.Queue[Job | None] = queue.Queue()
        self._busy = threading.Event()
        self._done = threading.Condition()
        self._unserved = 0  # presses accepted and not yet printed (under _done)
        self._last_housekeeping = 0.0
        self._last_status_check = 0.0
        self._no_block: set[str] = set()
        self._published_state = ""
        self._hub_silent_until = 0.0
        self._worker = threading.Thread(target=self._work, name="dispenser-printer",
                                        daemon=True)
        self.bus.subscribe(f"{self.topics.base}/state/line/+", self._on_line)
        self.bus.on_connection_change(self._on_link)

    # Facts for the hub's device page ----------------------------------------
    @property
    def link_up(self) -> bool:
        # After a request went unanswered, the next citizens should not wait
        # for the timeout too: print from the block for a while, then try again.
        return (self.bus.connected and self.hub_online
                and time.monotonic() >= self._hub_silent_until)

    def problem(self) -> str | None:
        """What a supervisor must fix, in Vietnamese (None when all is well)."""
        fault = self.printer_status.fault
        if fault:
            return fault[1]
        if self.indicator.state == "no_block":
            return STATE_NAMES["no_block"]
        return None

    def status_detail(self) -> dict:
        return {
            "simulated": bool(self.config.simulate),
            **self.printer_status.as_detail(),
            "indicator": self.indicator.state or "ready",
            "problem": self.problem(),
            "numbers_left": {s: self.outbox.remaining(s) for s in getattr(self, "services", [])},
            "outbox_pending": self.outbox.pending_count(),
        }

    # Presses -----------------------------------------------------------------
    def press(self, service: str, priority: bool = False) -> None:
        """A citizen asked for a ticket: queue it for the printing worker (never blocks)."""
        with self._done:
            self._unserved += 1
        self.jobs.put(Job(service, priority))
        self._busy.set()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every queued press has been printed (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        # Counted, not inferred from the queue and the busy flag: between the
        # worker taking a job and marking itself busy, both say "idle".
        with self._done:
            while self._unserved > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._done.wait(left)
        return True

    # Life --------------------------------------------------------------------
    def start(self) -> Dispenser:
        super().start()
        # A dispenser with no button configured has nothing to print: it only
        # reports its presence (as before issue 4), with no worker thread.
        if self.services and not self._worker.is_alive():
            self._worker.start()
        return self

    def _open_printer(self) -> bool:
        """Make the printer object (the fake one with fake hardware); False if impossible."""
        from .printer import FolderPrinter, open_printer

        try:
            if self.config.simulate:
                # Fake hardware: each ticket's bytes and a PNG of it in a folder.
                cfg = self.config.printer
                self.printer = FolderPrinter(cfg.path if cfg.kind == "folder" else "var/tickets")
            else:
                self.printer = open_printer(self.config.printer)
            return True
        except Exception as exc:  # e.g. no such serial port: report it, try again later
            log.error("cannot open the printer: %s", exc)
            return False

    def run(self) -> None:
        if self.config.simulate and self.config.keys_on_stdin and sys.stdin is not None:
            from .fake import KeyMap

            KeyMap(self).start()
        super().run()

    def check_printer_soon(self) -> None:
        """Ask the printer for its status at the worker's next turn."""
        self._last_status_check = 0.0
        self.jobs.put(None)

    def stop(self) -> None:
        super().stop()
        self.jobs.put(None)
        if self._worker.is_alive():
            self._worker.join(5)
        self.buttons.close()
        self.indicator.close()
        self.outbox.close()

    def _on_hub_status(self, incoming: Incoming) -> None:
        was = self.hub_online
        super()._on_hub_status(incoming)
        if self.hub_online and not was:
            # A hub that says it is back (restarted) is worth asking at once,
            # rather than after the back-off of the request it left unanswered.
            self._hub_silent_until = 0.0
        if incoming.data.get("center_name"):
            self.outbox.put("center_name", self.center_name)
        self.jobs.put(None)

    def _on_link(self, up: bool) -> None:
        if up:
            # A new connection is a new chance: the request left unanswered was
            # probably lost with the old one (and paho has just resent it; the
            # hub must hear at once that it was given up).
            self._hub_silent_until = 0.0
        self.jobs.put(None)  # wake the worker

    def _on_line(self, incoming: Incoming) -> None:
        self.lines[incoming.data["service"]] = incoming.data
        self._offline_since[incoming.data["service"]] = 0

    # The printing worker -----------------------------------------------------
    def _work(self) -> None:
        self._check_printer()  # opens it, and tells the hub at once if it has no paper
        while not self._stopping.is_set():
            try:
                job = self.jobs.get(timeout=0.5)
            except queue.Empty:
                job = None
            try:
                if job is not None:
                    self._busy.set()
                    self._show()
                    self._serve(job)
                if self.jobs.empty():
                    self._busy.clear()
                    self._housekeeping(force=job is None)
                    self._show()
            except Exception:
                log.exception("dispenser worker failed; carrying on")
            finally:
                if self.jobs.empty():
                    self._busy.clear()
                with self._done:
                    if job is not None:
                        self._unserved -= 1
                    self._done.notify_all()

    def _show(self) -> None:
        if self.printer_status.fault:
            state = "fault"
        elif self._busy.is_set():
            state = "printing"
        elif not self.link_up:
            # Offline, a service with no number left cannot be served: say so.
            empty = self._no_block or any(self.outbox.remaining(s) == 0 for s in self.services)
            state = "no_block" if empty else "offline"
        else:
            state = "ready"
        self.indicator.show(state)
        if state != "printing" and state != self._published_state:
            self._published_state = state  # the hub hears of changes, not of each ticket
            self.refresh_status()

    def _serve(self, job: Job) -> None:
        if self.printer_status.fault:
            self._check_printer()  # fixed since? ask again before taking a number
            if self.printer_status.fault:
                self._record(job, None, False, error=self.printer_status.fault[0])
                return
        ticket = None
        if self.link_up:
            if self.outbox.pending_count():
                self._deliver()  # offline tickets take their place in line first
            ticket = self._online(job)
            if ticket == "refused":
                self._record(job, None, False, error="refused")
                return
        if ticket is None:
            ticket = self._offline(job)
            if ticket is None:
                self._no_block.add(job.service)
                self._record(job, None, True, error="no_block")
                self.refresh_status()
                return
        from .printer import FolderPrinter
        from .ticket import preview, print_ticket

        try:
            print_ticket(self.printer, ticket, self.config.printer.paper)
        except Exception as exc:
            log.exception("printing ticket %s failed", ticket.number)
            self._record(job, ticket.number, ticket.offline, error=f"print: {exc}")
            self._check_printer()
            if not self.printer_status.fault:
                self.report_fault("print_failed", f"Máy in lỗi khi in vé {ticket.number}")
            return
        self._record(job, ticket.number, ticket.offline)
        if isinstance(self.printer, FolderPrinter) and self.printer.folder is not None:
            name = f"ticket-{len(self.printer.tickets):05d}.png"
            preview(ticket, self.config.printer.paper).save(self.printer.folder / name)

    def _record(self, job: Job, display, offline, error=None) -> None:
        self.printed.append(Printed(job.service, display, offline, job.pressed_at,
                                    time.monotonic(), error))
        if error:
            log.warning("press for %s not printed: %s", job.service, error)

    def _request(self, name: str, payload: dict) -> dict:
        return self.bus.request(self.topics.node_request(self.node_id, name), payload,
                                response_topic=self.topics.node_response(self.node_id, name),
                                timeout=self.config.request_timeout)

    def _online(self, job: Job):
        from .ticket import Ticket

        payload = TICKET.make(service=job.service,
                              priority=self.config.priority_code if job.priority else None)
        try:
            answer = self._request("ticket", payload)
        except (NotConnected, RequestTimeout) as exc:
            log.warning("hub unreachable (%s): printing offline", exc)
            if isinstance(exc, RequestTimeout):
                self._hub_silent_until = time.monotonic() + SILENT_HUB_BACKOFF_S
                # The request may still reach the hub late: say we gave it up
                # (durably, before printing offline), so it leaves no ghost
                # ticket (central/bus/reliability.py).
                self.outbox.abandon(payload["id"])
            return None
        if not answer["ok"]:
            if answer["error"]["code"] in HUB_CANNOT_WRITE:
                # Nothing was applied (the hub's disk is full, or it failed): the
                # citizen still gets a number, from the block; delivered later.
                log.warning("hub cannot take a ticket now (%s): printing offline",
                            answer["error"]["message"])
                return None
            log.warning("hub refused a ticket for %s: %s", job.service, answer["error"])
            return "refused"
        r = answer["result"]
        return Ticket(
            center_name=self.center_name, service_name=r["service_name"], number=r["display"],
            people_ahead=r["people_ahead"], wait_minutes=r["estimate_min"],
            issued_at=dt.datetime.fromisoformat(r["issued_at"]),
            url=self.config.public_url.rstrip("/") + r["live_path"],
            priority=r.get("priority_name"))

    def _offline(self, job: Job):
        from .ticket import Ticket

        row = self.outbox.take(job.service, self.config.priority_code if job.priority else None)
        if row is None:
            return None
        line = self.lines.get(job.service, {})
        ahead = line.get("waiting", 0) + self._offline_since.get(job.service, 0)
        self._offline_since[job.service] = self._offline_since.get(job.service, 0) + 1
        minutes = math.ceil(ahead * line.get("minutes_per_person", 0))
        return Ticket(
            center_name=self.center_name, service_name=row["service_name"],
            number=row["display"], people_ahead=ahead, wait_minutes=minutes,
            issued_at=dt.datetime.fromisoformat(row["issued_at"]),
            url=f"{self.config.public_url.rstrip('/')}/t/{row['token']}", offline=True,
            priority=self.config.priority_name if job.priority else None)

    # Between presses ---------------------------------------------------------
    def _housekeeping(self, force: bool = False) -> None:
        now = time.monotonic()
        if now - self._last_status_check >= self.config.status_every_s:
            self._check_printer()
        if not force and now - self._last_housekeeping < 1.0:
            return
        self._last_housekeeping = now
        if not self.link_up:
            return
        if self.outbox.pending_count():
            self._deliver()
        self._renew_blocks()

    def _renew_blocks(self) -> None:
        for service in self.services:
            if self.outbox.remaining(service) >= self.config.renew_below:
                self._no_block.discard(service)
                continue
            try:
                answer = self._request("number_block", NUMBER_BLOCK.make(
                    service=service, size=self.config.block_size))
            except (NotConnected, RequestTimeout) as exc:
                log.warning("could not lease a number block for %s: %s", service, exc)
                return
            if answer["ok"]:
                self.outbox.add_block(answer["result"])
                self._no_block.discard(service)
                log.info("leased numbers %s-%s of %s", answer["result"]["first"],
                         answer["result"]["last"], service)
            else:
                log.warning("hub refused a number block for %s: %s", service,
                            answer["error"]["message"])
        self.refresh_status()

    def _deliver(self) -> None:
        """Tell the hub of requests given up, then hand it each offline ticket once, oldest
        first; stop at the first link error."""
        for row in self.outbox.abandoned():
            try:
                answer = self._request("ticket_abandon", TICKET_ABANDON.make(
                    id=f"abandon-{row['request']}"[:64], request=row["request"]))
            except (NotConnected, RequestTimeout) as exc:
                log.warning("given-up request %s not reported yet: %s", row["request"], exc)
                return
            if not answer["ok"] and answer["error"]["code"] in HUB_CANNOT_WRITE:
                return  # said again when the hub can write
            outcome = (answer.get("result") or {}).get("outcome") if answer["ok"] else "error"
            if outcome == "cancelled":
                log.warning("the hub had applied given-up request %s late: ticket %s cancelled",
                            row["request"], answer["result"].get("display"))
            self.outbox.abandon_delivered(row["request"], outcome or "error")
        delivered = 0
        for row in self.outbox.pending():
            payload = TICKET_OFFLINE.make(
                id=row["id"], service=row["service"], block=row["block"], number=row["number"],
                issued_at=row["issued_at"], token=row["token"], priority=row["priority"])
            try:
                answer = self._request("ticket_offline", payload)
            except (NotConnected, RequestTimeout) as exc:
                log.warning("offline ticket %s not delivered yet: %s", row["display"], exc)
                break
            if answer["ok"]:
                self.outbox.mark(row["id"], "delivered")
                delivered += 1
            elif answer["error"]["code"] in HUB_CANNOT_WRITE:
                log.warning("offline ticket %s not taken yet: %s", row["display"],
                            answer["error"]["message"])
                break  # the hub will take it once it can write again
            else:
                # The hub will never take it (e.g. the day has closed): keep it
                # for the record, stop retrying, tell a person.
                self.outbox.mark(row["id"], "rejected", answer["error"]["message"])
                self.report_fault("offline_ticket_rejected",
                                  f"Vé {row['display']}: {answer['error']['message']}",
                                  severity="warning")
        if delivered:
            log.info("delivered %d offline tickets", delivered)
            self.refresh_status()

    def _check_printer(self) -> None:
        """Ask the printer how it is; tell the hub when that changed (fault or cleared)."""
        self._last_status_check = time.monotonic()
        from .printer import read_status

        before = self.printer_status
        if self.printer is None and not self._open_printer():
            self.printer_status = PrinterStatus(False, "unknown")  # no printer at all
        else:
            self.printer_status = read_status(self.printer)
        if before == self.printer_status:
            return
        old, new = before.fault, self.printer_status.fault
        if old and old != new:
            self.report_fault(old[0], old[1], cleared=True)
        if new and new != old:
            self.report_fault(new[0], new[1])
        self.refresh_status()
        self._show()
