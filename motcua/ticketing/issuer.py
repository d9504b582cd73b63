"""The ticket-issuing worker a dispenser and a kiosk share: a press, a ticket, once.

A press only queues a job; one worker thread takes jobs in order, so the
node's own loop (buttons, touch screen) never waits for the hub or the paper,
and a press made while a ticket is printing is printed next (not lost, not
doubled)::

    issuer = TicketIssuer(node, node.config, services=["ho-tich"], printer=FolderPrinter())
    issuer.start()
    issuer.press("ho-tich", done=show)   # returns at once; show(Issued) when printed
    issuer.wait_idle()

Online the ticket comes from the hub (``request.ticket``). When the broker or
the hub cannot be reached (``NotConnected``, ``RequestTimeout``, the hub's
status ``offline``) the number comes from a block the hub leased beforehand
(``request.number_block``), recorded durably in the :class:`Outbox` before it
is printed, and delivered once when the link is back (``request.ticket_offline``).

The node it serves gives it the bus (``node.bus``, ``node.topics``,
``node.node_id``), the hub's presence (``node.hub_online``), faults
(``node.report_fault``) and its status (``node.refresh_status``). The node
hears of the issuer's state (``ready``, ``printing``, ``offline``,
``no_block``, ``fault``) through ``on_state`` (a dispenser lights its LED).
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from motcua import clock
from motcua.bus.client import Incoming, NotConnected, RequestTimeout
from motcua.bus.messages import (
    BOOKING_CHECK_IN,
    NUMBER_BLOCK,
    TICKET,
    TICKET_ABANDON,
    TICKET_OFFLINE,
)

from .config import TicketingConfig
from .outbox import Outbox
from .printer import FolderPrinter, open_printer, read_status
from .printer_config import PrinterStatus
from .ticket import Ticket, preview, print_note, print_ticket
from .wait import offline_wait

_LOCAL = ZoneInfo(clock.LOCAL_ZONE)


def _local_hm(iso: str | None) -> str | None:
    """The hub's ``opens_at`` (ISO 8601 UTC) as the paper says it: local "HH:MM"."""
    if not iso:
        return None
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(_LOCAL).strftime(
        "%H:%M")

# python-escpos and Pillow take a second or more to import on a Pi: the worker
# imports them (.printer, .ticket) after the node is already online, so the
# hub sees it at once.

log = logging.getLogger(__name__)
SILENT_HUB_BACKOFF_S = 15.0  # after an unanswered request, print offline this long
LOOK_AGAIN_S = 5.0  # the worker looks again at least this often, asked or not
# Answers meaning "nothing was done, try later" rather than "no" (central/bus/reliability.py).
HUB_CANNOT_WRITE = ("storage_unavailable", "internal")
STATE_NAMES = {
    "ready": "Sẵn sàng",
    "printing": "Đang in",
    "offline": "Mất kết nối – in bằng khối số dự phòng",
    "no_block": "Mất kết nối – hết số dự phòng, không in được",
    "fault": "Máy in gặp sự cố",
}
# A check-in (issue 26) is decided by the hub alone: offline, the node says so.
NEEDS_HUB = ("Nhận số theo lịch hẹn cần kết nối với máy chủ, hiện đang mất kết nối. Bạn vẫn "
             "có thể lấy số thường, hoặc hỏi quầy hướng dẫn.")


@dataclass
class Job:
    service: str
    priority: bool = False
    pressed_at: float = field(default_factory=time.monotonic)
    done: Callable[[Printed], None] | None = None
    check_in: str | None = None  # a booking's scanned or typed code (issue 26)


@dataclass
class Printed:
    """What the worker did with one press (for the screen, tests, benchmarks, the status).

    ``ticket`` is the :class:`~motcua.ticketing.ticket.Ticket` issued (None when
    none was); ``on_paper`` says whether it was printed (a kiosk shows it on
    screen otherwise). For a check-in (issue 26), ``check_in`` is the hub's
    answer (``outcome``, ``message``, ``service``…; None when the hub was not
    reached or refused) and ``message`` what to tell the citizen when no ticket
    was issued.
    """

    service: str
    display: str | None
    offline: bool
    pressed_at: float
    printed_at: float
    error: str | None = None
    ticket: object | None = None
    on_paper: bool = False
    check_in: dict | None = None
    message: str | None = None


class TicketIssuer:
    """Leased blocks, the outbox, the printer and the worker of one ticket-issuing node.

    ``services`` is a list of service codes, or a function giving the current
    list (a kiosk issues for every service the hub announces). With
    ``screen_fallback`` a ticket is still issued when the printer is faulty or
    absent (``printer.kind = "none"``): the node shows it on its screen.
    """

    def __init__(self, node, config: TicketingConfig, *,
                 services: Iterable[str] | Callable[[], list[str]], printer=None,
                 outbox: Outbox | None = None, screen_fallback: bool = False,
                 on_state: Callable[[str], None] | None = None, notes_on_paper: bool = False):
        self.node = node
        self.config = config
        self._services = services if callable(services) else list(services)
        self.printer = printer  # opened by the worker when not given
        self.screen_fallback = screen_fallback
        # A node with no screen (a dispenser) prints what a check-in's answer says.
        self.notes_on_paper = notes_on_paper
        self.on_state = on_state or (lambda state: None)
        self.printer_status = PrinterStatus(None, "unknown")
        self.outbox = outbox or Outbox(config.outbox.format(center=config.center,
                                                            node_id=config.node_id))
        self.center_name = self.outbox.get("center_name", config.center_name)
        self.printed: list[Printed] = []
        self.lines: dict[str, dict] = {}  # service -> last state.line (names, estimates)
        self.state = "ready"
        self._published_state = ""
        self._offline_since: dict[str, int] = {}
        self.jobs: queue.Queue[Job | None] = queue.Queue()
        self._busy = threading.Event()
        self._done = threading.Condition()
        self._unserved = 0  # presses accepted and not yet printed (under _done)
        self._last_housekeeping = 0.0
        self._last_status_check = 0.0
        self._no_block: set[str] = set()
        self._hub_silent_until = 0.0
        # When the lines' state was last known to hold: the hub publishes every change,
        # so while the link is up what the node holds is current; once it is down,
        # the moment it went (None: never up since the node started, so a state from
        # the broker's retained store, of unknown age).
        self._link_was_up = False
        self._link_lost_at: dt.datetime | None = None
        self._worker = threading.Thread(target=self._work, name=f"{node.role}-tickets",
                                        daemon=True)
        node.bus.subscribe(f"{node.topics.base}/state/line/+", self._on_line)
        node.bus.on_connection_change(self._on_link)

    @property
    def services(self) -> list[str]:
        return list(self._services() if callable(self._services) else self._services)

    @property
    def has_printer(self) -> bool:
        return self.config.printer.kind != "none"

    # Facts for the hub's device page ----------------------------------------
    @property
    def link_up(self) -> bool:
        # After a request went unanswered, the next citizens should not wait
        # for the timeout too: print from the block for a while, then try again.
        return (self.node.bus.connected and self.node.hub_online
                and time.monotonic() >= self._hub_silent_until)

    @property
    def hub_down(self) -> bool:
        """The broker is reached but the hub is not there (its Last Will) or left a
        request unanswered: no counter can call anyone, so the line stands still
        for as long as that lasts. Not so when this node's own link is down: the
        counters may well be calling at their pace (``offline_wait``)."""
        return self.node.bus.connected and (
            not self.node.hub_online or time.monotonic() < self._hub_silent_until)

    def _note_link(self) -> None:
        """Remember when the link went down (see ``_link_lost_at``)."""
        up = self.link_up
        if self._link_was_up and not up:
            self._link_lost_at = dt.datetime.now(dt.UTC)
        self._link_was_up = up

    def lines_age_min(self, now: dt.datetime) -> float | None:
        """Minutes since the lines' state was known to hold (0 while the hub is there
        and answers; None: unknown)."""
        self._note_link()
        if self.link_up:
            return 0.0
        if self._link_lost_at is None:
            # Connected to a hub that says it is there but cannot write: its state
            # is current; else never up since the node started: unknown.
            return 0.0 if self.node.bus.connected and self.node.hub_online else None
        return max(0.0, (now - self._link_lost_at).total_seconds() / 60)

    def problem(self) -> str | None:
        """What a supervisor must fix, in Vietnamese (None when all is well)."""
        fault = self.printer_status.fault
        if fault:
            return fault[1]
        if self.state == "no_block":
            return STATE_NAMES["no_block"]
        return None

    def status_detail(self) -> dict:
        return {
            **self.printer_status.as_detail(),
            "problem": self.problem(),
            "numbers_left": {s: self.outbox.remaining(s) for s in self.services},
            "outbox_pending": self.outbox.pending_count(),
        }

    # Presses -----------------------------------------------------------------
    def press(self, service: str, priority: bool = False,
              done: Callable[[Printed], None] | None = None) -> None:
        """A citizen asked for a ticket: queue it for the worker (never blocks).

        ``done(printed)`` is called on the worker's thread once it is served.
        """
        with self._done:
            self._unserved += 1
        self.jobs.put(Job(service, priority, done=done))
        self._busy.set()

    def check_in(self, code: str, done: Callable[[Printed], None] | None = None) -> None:
        """A booking's QR was scanned or its code typed (issue 26): the hub checks it in
        and a booked ticket is printed, or the citizen is told why not. Never blocks."""
        with self._done:
            self._unserved += 1
        self.jobs.put(Job("", done=done, check_in=code))
        self._busy.set()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every queued press has been served (tests, benchmarks)."""
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
    def start(self) -> TicketIssuer:
        if not self._worker.is_alive():
            self._worker.start()
        return self

    def stop(self) -> None:
        self.jobs.put(None)
        if self._worker.is_alive():
            self._worker.join(5)
        self.outbox.close()

    def wake(self) -> None:
        self.jobs.put(None)

    def check_printer_soon(self) -> None:
        """Ask the printer for its status at the worker's next turn."""
        self._last_status_check = 0.0
        self.jobs.put(None)

    def _open_printer(self) -> bool:
        """Make the printer object (the fake one with fake hardware); False if impossible."""
        try:
            if self.node.config.simulate and self.has_printer:
                # Fake hardware: each ticket's bytes and a PNG of it in a folder.
                cfg = self.config.printer
                self.printer = FolderPrinter(cfg.path if cfg.kind == "folder" else "var/tickets")
            else:
                self.printer = open_printer(self.config.printer)
            return True
        except Exception as exc:  # e.g. no such serial port: report it, try again later
            log.error("cannot open the printer: %s", exc)
            return False

    def hub_status_changed(self, was_online: bool) -> None:
        """The node heard the hub's retained status (call from its ``_on_hub_status``)."""
        if self.node.hub_online and not was_online:
            # A hub that says it is back (restarted) is worth asking at once,
            # rather than after the back-off of the request it left unanswered.
            self._hub_silent_until = 0.0
        self._note_link()
        if self.node.center_name and self.node.center_name != self.center_name:
            self.center_name = self.node.center_name
            self.outbox.put("center_name", self.center_name)
        self.jobs.put(None)

    def _on_link(self, up: bool) -> None:
        if up:
            # A new connection is a new chance: the request left unanswered was
            # probably lost with the old one (and paho has just resent it; the
            # hub must hear at once that it was given up).
            self._hub_silent_until = 0.0
        self._note_link()
        self.jobs.put(None)  # wake the worker

    def _on_line(self, incoming: Incoming) -> None:
        new = incoming.data["service"] not in self.lines
        self.lines[incoming.data["service"]] = incoming.data
        self._offline_since[incoming.data["service"]] = 0
        if new:
            self.jobs.put(None)  # a service to lease numbers for (a kiosk's are the lines)

    # The worker --------------------------------------------------------------
    def _work(self) -> None:
        self._check_printer()  # opens it, and tells the hub at once if it has no paper
        while not self.node._stopping.is_set():
            try:
                job = self.jobs.get(timeout=self._next_turn())
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
                log.exception("ticket worker failed; carrying on")
            finally:
                if self.jobs.empty():
                    self._busy.clear()
                with self._done:
                    if job is not None:
                        self._unserved -= 1
                    self._done.notify_all()

    def _next_turn(self) -> float | None:
        """Seconds until the worker must look again unasked: the printer's next
        status check, the end of the hub's back-off, a retry of what the hub has
        not taken yet (at most once a second); otherwise LOOK_AGAIN_S: a press or a
        wake (the link, the hub's status, a new line) brings work sooner."""
        now = time.monotonic()
        waits = []
        if self.has_printer:
            waits.append(self._last_status_check + self.config.status_every_s - now)
        if self._hub_silent_until > now:
            waits.append(self._hub_silent_until - now)
        elif self.link_up and (self.outbox.pending_count() or any(
                self.outbox.remaining(s) < self.config.renew_below for s in self.services)):
            waits.append(self._last_housekeeping + 1.0 - now)
        # A safety net: a wake lost to a race (a press before the first lease, the link
        # coming up meanwhile) costs at most LOOK_AGAIN_S, not the rest of the day.
        return max(0.0, min([*waits, LOOK_AGAIN_S]))

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
        self.state = state
        self.on_state(state)
        if state != "printing" and state != self._published_state:
            self._published_state = state  # the hub hears of changes, not of each ticket
            self.node.refresh_status()

    def _serve(self, job: Job) -> None:
        if job.check_in is not None:
            self._serve_check_in(job)
            return
        paper = self.has_printer
        if self.has_printer and self.printer_status.fault:
            self._check_printer()  # fixed since? ask again before taking a number
            if self.printer_status.fault:
                if not self.screen_fallback:
                    self._record(job, None, False, error=self.printer_status.fault[0])
                    return
                paper = False  # the kiosk shows it on screen instead
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
                self.node.refresh_status()
                return
        self._hand_out(job, ticket, paper)

    def _hand_out(self, job: Job, ticket, paper: bool, **extra) -> None:
        """Print the ticket (or leave it for the screen) and record what was done."""
        if not paper:
            self._record(job, ticket.number, ticket.offline, ticket=ticket, **extra)
            return
        try:
            print_ticket(self.printer, ticket, self.config.printer.paper)
        except Exception as exc:
            log.exception("printing ticket %s failed", ticket.number)
            self._check_printer()
            if not self.printer_status.fault:
                self.node.report_fault("print_failed", f"Máy in lỗi khi in vé {ticket.number}")
            # The number is taken: with a screen, the citizen still gets it there.
            self._record(job, ticket.number, ticket.offline, error=f"print: {exc}",
                         ticket=ticket if self.screen_fallback else None, **extra)
            return
        self._record(job, ticket.number, ticket.offline, ticket=ticket, on_paper=True, **extra)
        if isinstance(self.printer, FolderPrinter) and self.printer.folder is not None:
            name = f"ticket-{len(self.printer.tickets):05d}.png"
            preview(ticket, self.config.printer.paper).save(self.printer.folder / name)

    def _serve_check_in(self, job: Job) -> None:
        """Ask the hub to check a booking in; print the booked ticket, or say why not."""
        paper = self.has_printer
        if self.has_printer and self.printer_status.fault:
            self._check_printer()
            if self.printer_status.fault:
                if not self.screen_fallback:
                    self._record(job, None, False, error=self.printer_status.fault[0])
                    return
                paper = False
        if not self.link_up:
            self._tell(job, "needs_hub", NEEDS_HUB)
            return
        try:
            answer = self._request("booking_check_in", BOOKING_CHECK_IN.make(
                code=job.check_in.strip()[:64]))
        except (NotConnected, RequestTimeout) as exc:
            log.warning("check-in not answered (%s)", exc)
            if isinstance(exc, RequestTimeout):
                self._hub_silent_until = time.monotonic() + SILENT_HUB_BACKOFF_S
                self._note_link()
            # If it reached the hub after all, a second scan says the number it got.
            self._tell(job, "needs_hub", NEEDS_HUB)
            return
        if not answer["ok"]:
            self._tell(job, answer["error"]["code"], answer["error"]["message"])
            return
        r = answer["result"]
        job.service = r["service"]
        if r["outcome"] != "checked_in":
            self._tell(job, None, r["message"], check_in=r)
            return
        t = r["ticket"]
        ticket = Ticket(
            center_name=self.center_name, service_name=t["service_name"], number=t["display"],
            people_ahead=t["people_ahead"], wait_minutes=t["estimate_min"],
            wait_range=tuple(t["estimate_range"]) if t.get("estimate_range") else None,
            no_counter=bool(t.get("no_counter_open")), opens_at=_local_hm(t.get("opens_at")),
            issued_at=dt.datetime.fromisoformat(t["issued_at"]),
            url=self.config.public_url.rstrip("/") + t["live_path"],
            booked_slot=r["slot_time"])
        self._hand_out(job, ticket, paper, check_in=r)

    def _tell(self, job: Job, error: str | None, message: str, check_in=None) -> None:
        """No ticket for this check-in: the message for the screen, or on a slip."""
        on_paper = False
        if self.notes_on_paper and self.has_printer and not self.printer_status.fault:
            title = ("Chưa nhận số theo lịch hẹn" if error or not check_in
                     else "Đến sớm" if check_in["outcome"] == "early" else "Quá giờ hẹn")
            try:
                print_note(self.printer, title, message, self.config.printer.paper)
                on_paper = True
            except Exception:
                log.exception("printing a check-in note failed")
        self._record(job, None, False, error=error, check_in=check_in, message=message,
                     on_paper=on_paper)

    def _record(self, job: Job, display, offline, error=None, ticket=None,
                on_paper=False, check_in=None, message=None) -> None:
        done = Printed(job.service, display, offline, job.pressed_at, time.monotonic(), error,
                       ticket, on_paper, check_in, message)
        self.printed.append(done)
        if error:
            log.warning("press for %s not printed: %s", job.service, error)
        if job.done is not None:
            try:
                job.done(done)
            except Exception:
                log.exception("ticket callback failed")

    def _request(self, name: str, payload: dict) -> dict:
        node = self.node
        return node.bus.request(node.topics.node_request(node.node_id, name), payload,
                                response_topic=node.topics.node_response(node.node_id, name),
                                timeout=self.config.request_timeout)

    def _online(self, job: Job):
        payload = TICKET.make(service=job.service,
                              priority=self.config.priority_code if job.priority else None)
        try:
            answer = self._request("ticket", payload)
        except (NotConnected, RequestTimeout) as exc:
            log.warning("hub unreachable (%s): printing offline", exc)
            if isinstance(exc, RequestTimeout):
                self._hub_silent_until = time.monotonic() + SILENT_HUB_BACKOFF_S
                self._note_link()
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
            wait_range=tuple(r["estimate_range"]) if r.get("estimate_range") else None,
            no_counter=bool(r.get("no_counter_open")), opens_at=_local_hm(r.get("opens_at")),
            issued_at=dt.datetime.fromisoformat(r["issued_at"]),
            url=self.config.public_url.rstrip("/") + r["live_path"],
            priority=r.get("priority_name"))

    def _offline(self, job: Job):
        row = self.outbox.take(job.service, self.config.priority_code if job.priority else None)
        if row is None:
            return None
        line = self.lines.get(job.service, {})
        ahead = line.get("waiting", 0) + self._offline_since.get(job.service, 0)
        self._offline_since[job.service] = self._offline_since.get(job.service, 0) + 1
        # The counters' state is unknown offline: a range from the last line state
        # heard, as the hub's rule gives when counters changed unannounced, wider
        # the older that state; none past half an hour or of unknown age (.wait).
        now = dt.datetime.now(dt.UTC)
        # The hub itself away: nobody is called till it is back, and nobody knows
        # when: no estimate (a range of the line moving on would mislead), said so.
        hub_down = self.hub_down
        wait = None if hub_down else offline_wait(line, ahead, now, self.lines_age_min(now))
        return Ticket(
            center_name=self.center_name, service_name=row["service_name"],
            number=row["display"], people_ahead=ahead,
            wait_minutes=wait[0] if wait else None, wait_range=wait[1] if wait else None,
            issued_at=dt.datetime.fromisoformat(row["issued_at"]),
            url=f"{self.config.public_url.rstrip('/')}/t/{row['token']}", offline=True,
            priority=self.config.priority_name if job.priority else None, hub_down=hub_down)

    # Between presses ---------------------------------------------------------
    def _housekeeping(self, force: bool = False) -> None:
        self._note_link()  # the link back once a silent hub's back-off ended
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
        self.node.refresh_status()

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
                self.node.report_fault("offline_ticket_rejected",
                                       f"Vé {row['display']}: {answer['error']['message']}",
                                       severity="warning")
        if delivered:
            log.info("delivered %d offline tickets", delivered)
            self.node.refresh_status()

    def _check_printer(self) -> None:
        """Ask the printer how it is; tell the hub when that changed (fault or cleared)."""
        self._last_status_check = time.monotonic()
        if not self.has_printer:
            return  # a kiosk without a printer: nothing to ask, nothing to fix
        before = self.printer_status
        if self.printer is None and not self._open_printer():
            self.printer_status = PrinterStatus(False, "unknown")  # no printer at all
        else:
            self.printer_status = read_status(self.printer)
        if before == self.printer_status:
            return
        old, new = before.fault, self.printer_status.fault
        if old and old != new:
            self.node.report_fault(old[0], old[1], cleared=True)
        if new and new != old:
            self.node.report_fault(new[0], new[1])
        self.node.refresh_status()
        self._show()
