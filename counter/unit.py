"""One counter driven by a counter node: its keys, its display, its rating keypad.

A :class:`CounterUnit` turns a debounced key press into a ``counter_command``
request (on the node's worker thread), keeps the counter's retained state
for its :class:`~counter.display.NumberDisplay`, runs the transfer chooser,
and sends a rating through the node's outbox::

    unit = node.units[5]
    unit.press("next")                     # queued for the worker thread
    unit.view(time.monotonic())            # what the display should show now
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any, Protocol

from motcua import clock
from motcua.bus.client import NotConnected, RequestTimeout
from motcua.bus.messages import COUNTER_COMMAND, FEEDBACK_REASON, RATING
from motcua.debounce import DebouncedPress

from .display import BLINK_ON_S, BLINK_PERIOD_S, NumberDisplay, View
from .rating import LEVEL_NAMES, REASON_NAMES, RatingKeypad


class Node(Protocol):
    """What a unit needs of the node that drives it (:class:`counter.node.Counter`):
    its settings and bus, its work queue and rating outbox, and a redraw."""

    config: Any
    bus: Any
    topics: Any
    node_id: str
    work: Any
    outbox: Any
    hub_online: bool

    @property
    def online(self) -> bool: ...

    def transfer_choices(self, number: int) -> list: ...

    def wake(self) -> None: ...

    def redraw(self) -> None: ...


log = logging.getLogger(__name__)

COMMAND_TIMEOUT_S = 5.0
# After "Không hài lòng": the rating keys, in order, as reasons (issue 15).
REASON_PROMPT = "Lý do? " + " · ".join(
    f"{i} {name}" for i, name in enumerate(REASON_NAMES.values(), start=1))
# In a chooser the officer's keys change meaning (in the pause chooser the pause key
# chooses too: two presses pause for the first length).
CHOOSER_KEYS = {"next": "forward", "recall": "back", "finish": "choose"}
# How long a pause may be announced for, the first chosen by a second press (issue
# 25: the wait estimates count on the counter's return); the last says nothing.
PAUSE_MINUTES = (15, 30, 60, 90, 5, 10, None)
PAUSE_CHOICES = [(f"{m} phút", str(m), {"minutes": m}) if m else
                 ("Chưa rõ bao lâu", "--", {}) for m in PAUSE_MINUTES]


class CounterUnit:
    """One counter driven by this node: its keys, its display, its rating keypad."""

    def __init__(self, node: Node, number: int, display: NumberDisplay):
        self.node = node
        self.number = number
        self.display = display
        self.state: dict | None = None  # the counter's retained state
        self.rating: RatingKeypad | None = None
        self.keys: dict[str, DebouncedPress] = {}
        self.message: tuple[str, bool, float] | None = None  # text, error, until
        self.blink_until = 0.0
        self._call_key = None
        self.choices: list[tuple[str, str, dict]] | None = None  # label, short, fields
        self.chooser = "transfer"  # what the choices are for: transfer | pause
        self.choice = 0
        self.choosing_until = 0.0
        self.finished_seen: set[int] = set()  # tickets the rating keypad was lit for
        self.lock = threading.RLock()

    # Keys ---------------------------------------------------------------------
    def press(self, action: str) -> None:
        """A key of this counter's keypad was pressed (debounced)."""
        self.node.work.put((self, action))

    def handle(self, action: str) -> None:
        """Carry out a key press (on the node's worker thread)."""
        if self.choices is not None:
            what = CHOOSER_KEYS.get(action, "cancel")
            if action == "pause" and self.chooser == "pause":
                what = "choose"
            self._choose(what)
            return
        if action == "transfer":
            current = (self.state or {}).get("current")
            if not current:
                self.show("Quầy chưa gọi số nào.", error=True)
                return
            choices = self.node.transfer_choices(self.number)
            if not choices:
                self.show("Chưa có dịch vụ hoặc quầy nào để chuyển.", error=True)
                return
            self._open_chooser("transfer", choices)
            return
        if action == "pause":
            status = (self.state or {}).get("status")
            if status not in ("paused", "closed"):
                # An open counter: for how long? (the next key changes it, finish or
                # pause again chooses, another key cancels)
                self._open_chooser("pause", PAUSE_CHOICES)
                return
            action = {"paused": "resume", "closed": "open"}[status]
        self.command(action)

    def _open_chooser(self, chooser: str, choices: list) -> None:
        with self.lock:
            self.choices, self.choice, self.chooser = choices, 0, chooser
            self.message = None  # the chooser's lines, not the last answer, under it
            self.choosing_until = time.monotonic() + self.node.config.keypad.transfer_timeout_s
        self.node.redraw()

    def _choose(self, what: str) -> None:
        with self.lock:
            choices = self.choices or []
            if what == "forward":
                self.choice = (self.choice + 1) % len(choices)
            elif what == "back":
                self.choice = (self.choice - 1) % len(choices)
            self.choosing_until = time.monotonic() + self.node.config.keypad.transfer_timeout_s
            if what in ("choose", "cancel"):
                chosen = choices[self.choice][2] if what == "choose" and choices else None
                self.choices = None
            else:
                return
        action = "transfer" if self.chooser == "transfer" else "pause"
        if chosen is None:
            self.show("Đã huỷ chuyển số." if action == "transfer" else "Quầy vẫn mở.")
        else:
            self.command(action, **chosen)

    def command(self, action: str, **fields) -> dict | None:
        """Send one counter command; show the hub's answer or its refusal."""
        node = self.node
        if node.bus.connected and not node.hub_online:
            # The broker would keep the request for the hub's return and a stale
            # "next" would call someone minutes later: refuse it here instead.
            self.show("Máy chủ mất kết nối; lệnh chưa được gửi.", error=True)
            return None
        payload = COUNTER_COMMAND.make(action=action, counter=self.number, **fields)
        answer = None
        for _ in range(2):  # a retry keeps the id: the hub answers it once
            try:
                answer = node.bus.request(
                    node.topics.node_request(node.node_id, "counter_command"), payload,
                    response_topic=node.topics.node_response(node.node_id, "counter_command"),
                    timeout=COMMAND_TIMEOUT_S)
                break
            except NotConnected:
                self.show("Mất kết nối mạng; lệnh chưa được gửi.", error=True)
                return None
            except RequestTimeout:
                continue
        if answer is None:
            self.show("Máy chủ không trả lời; xin bấm lại.", error=True)
            return None
        if not answer.get("ok"):
            error = answer.get("error") or {}
            self.show(error.get("message") or "Máy chủ từ chối lệnh.", error=True)
            log.info("counter %s: %s refused: %s", self.number, action, error.get("code"))
            return answer
        result = answer.get("result") or {}
        self._apply(result)
        if result.get("message"):
            self.show(result["message"])
        self.finished(result.get("finished"), light=True)
        return answer

    def finished(self, ticket: dict | None, light: bool) -> None:
        """A ticket was finished here: light the rating keys for it, once."""
        if not ticket or self.rating is None:
            return
        with self.lock:
            fresh = ticket["ticket_id"] not in self.finished_seen
            self.finished_seen.add(ticket["ticket_id"])
        if fresh and light:
            self.rating.open(ticket)
            self.node.redraw()

    # State ----------------------------------------------------------------------
    def _apply(self, result: dict, whole: bool = False) -> None:
        """Take the counter's status and current ticket from an answer or retained state.

        A retained state is the whole picture (``whole``): a key it leaves out
        is gone. The hub leaves out ``current`` when the counter serves nobody,
        so merging it into the old state kept a finished ticket on the display
        until the next call (issue 22).
        """
        with self.lock:
            first = self.state is None
            if whole:
                fresh = dict(result)
            else:
                fresh = dict(self.state or {})
                for key in ("status", "status_name", "current"):
                    if key in result:
                        fresh[key] = result[key]
            self.state = fresh
            current = fresh.get("current") or None
            key = (current or {}).get("display"), (current or {}).get("called_at")
            if current and key != self._call_key:
                age = _age_s(current.get("called_at"))
                blink = self.node.config.display.blink_s
                remaining = blink if not first else max(0.0, blink - age)
                self.blink_until = time.monotonic() + remaining
            self._call_key = key if current else None
        self.node.redraw()

    def on_state(self, data: dict) -> None:
        first = self.state is None
        self._apply(data, whole=True)
        # Finished from the officer's web console lights the keys too; the
        # finish a rebooted node finds in the retained state does not (the
        # citizen has most likely left).
        self.finished(data.get("finished"), light=not first)
        if data.get("name"):
            self.display.name = data["name"]

    def show(self, text: str, error: bool = False) -> None:
        with self.lock:
            self.message = (text, error, time.monotonic() + self.node.config.display.message_s)
        self.node.redraw()

    def view(self, now: float) -> View:
        with self.lock:
            state = self.state or {}
            message = self.message if self.message and now < self.message[2] else None
            if self.choices is not None and now >= self.choosing_until:
                self.choices = None
                message = ("Hết giờ chọn; đã huỷ chuyển số." if self.chooser == "transfer"
                           else "Hết giờ chọn; quầy vẫn mở.", False, now + 2)
                self.message = message
            if message is None and self.rating is not None and self.rating.lit \
                    and self.rating.asking_reason:
                # The reasons stay named for as long as the keys are lit for them.
                message = (REASON_PROMPT, False, now + 1)
            choosing = self.choices[self.choice] if self.choices else None
            current = state.get("current") or {}
            return View(
                number=current.get("display"), status=state.get("status", "closed"),
                online=self.node.online, known=self.state is not None,
                blink_until=self.blink_until, message=message[0] if message else None,
                error=bool(message and message[1]),
                choosing=choosing[0] if choosing else None,
                choosing_short=choosing[1] if choosing else "", chooser=self.chooser,
                back=_back(state),
                rating=bool(self.rating and self.rating.lit))

    def next_change(self, now: float) -> float:
        """The next moment (monotonic) this counter's picture changes by the clock
        alone: a blink phase, the blinking's end, a message or a choice timing
        out, the rating keys going dark. ``inf`` when nothing is due."""
        moments = []
        with self.lock:
            if now < self.blink_until:
                # The phases of display.draw: on for [0, 0.5), off for [0.5, 0.75).
                phase = now % BLINK_PERIOD_S
                moments.append(now + ((BLINK_ON_S if phase < BLINK_ON_S else BLINK_PERIOD_S)
                                      - phase))
                moments.append(self.blink_until)
            if self.message is not None and now < self.message[2]:
                moments.append(self.message[2])
            if self.choices is not None:
                moments.append(self.choosing_until)
        if self.rating is not None and self.rating.lit:
            # The rating keypad keeps its own clock (monotonic unless a test gives one).
            moments.append(now + max(0.0, self.rating.until - self.rating.clock()))
        return min(moments, default=float("inf"))

    def rate(self, ticket: dict, level: str) -> None:
        """The citizen pressed a lit rating key: keep it in the outbox, then send it."""
        node = self.node
        payload = RATING.make(ticket_id=ticket["ticket_id"], counter=self.number, level=level,
                              display=ticket.get("display"))
        node.outbox.add(node.topics.node_event(node.node_id, "rating"), payload)
        if self.rating is not None and self.rating.asking_reason:
            # Issue 15: the keys stay lit for the reason; the display names them.
            self.show(REASON_PROMPT)
        else:
            self.show(f"Cảm ơn quý khách! ({LEVEL_NAMES[level]})")
        node.wake()
        node.redraw()

    def reason(self, ticket: dict, reason: str) -> None:
        """The reason key after "Không hài lòng": a complaint, kept in the outbox."""
        node = self.node
        payload = FEEDBACK_REASON.make(ticket_id=ticket["ticket_id"], counter=self.number,
                                       reason=reason)
        node.outbox.add(node.topics.node_event(node.node_id, "feedback_reason"), payload)
        self.show(f"Cảm ơn quý khách! Trung tâm sẽ xem xét ({REASON_NAMES[reason]}).")
        node.wake()
        node.redraw()


def _back(state: dict) -> str:
    """A paused counter's planned return (its state's ``back_at``) as the centre's
    clock reads it, "09:45"; "" when it is not paused for a said time."""
    if state.get("status") != "paused" or not state.get("back_at"):
        return ""
    try:
        return clock.show(state["back_at"], fmt="%H:%M")
    except ValueError:
        return ""


def _age_s(called_at: str | None) -> float:
    if not called_at:
        return 1e9
    try:
        moment = dt.datetime.fromisoformat(called_at)
    except ValueError:
        return 1e9
    return (clock.now() - moment).total_seconds()  # the demo's time in a demo


