"""Counter commands: next, recall, no-show, finish, transfer, pause, resume, call.

::

    with store.write() as db:
        counter = setup.counter_by_number(db, 5)
        result, changes = run(db, counter, "next", node_id="counter-5")

Each action is one small function in :data:`HANDLERS` (its docstring shows
its use); :func:`run` checks the counter, looks the action up and calls it.
Each runs inside the caller's write transaction; every change of a ticket
writes a ``ticket_events`` row. ``changes`` says which retained state to
publish again (see :mod:`.state`) and which calls to announce.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from motcua import clock
from motcua.text import nfc

from ..errors import Refused
from ..store import sql
from . import estimate, setup, strategy
from .tickets import record_event, record_events

COUNTER_STATUS_NAMES = {"open": "Đang mở", "paused": "Tạm dừng", "closed": "Đóng"}


def status_name(status: str, back_at: str | None = None) -> str:
    """A counter's state as its screens and the hall board say it: a pause of a said
    length says when the counter is back (issue 25), "Tạm nghỉ đến 09:45"."""
    if status == "paused" and back_at:
        return f"Tạm nghỉ đến {clock.show(back_at, fmt='%H:%M')}"
    return COUNTER_STATUS_NAMES[status]


@dataclass
class Changes:
    """What a command touched: the retained state to publish again.

    ``numbers``, ``codes`` and ``tokens`` name what the command read already
    (a counter's number, a service's code, a ticket's token, by id): the
    publications' topics need no statement for those (issue 25). ``finished``
    is the ticket this command made done, ``(id, display)``, if any.
    """

    counters: set = field(default_factory=set)
    services: set = field(default_factory=set)
    tickets: set = field(default_factory=set)
    halls: set = field(default_factory=set)
    # (ticket_id, counter_id, kind[, the row state.announcement reads, when known])
    announce: list = field(default_factory=list)
    numbers: dict = field(default_factory=dict)  # counter id -> number
    codes: dict = field(default_factory=dict)  # service id -> code
    tokens: dict = field(default_factory=dict)  # ticket id -> token
    finished: tuple | None = None
    # ticket id -> what its page shows, when the command knows all of it: ``(ticket,
    # (service code, name), (counter number, name) or None)`` for state._ticket_payload
    # (no statement per page: two pages a call, issue 25).
    pages: dict = field(default_factory=dict)

    def ticket(self, ticket: dict, page: tuple | None = None) -> None:
        self.tickets.add(ticket["id"])
        self.services.add(ticket["service_id"])
        token = ticket.get("token")
        if token is not None:
            self.tokens[ticket["id"]] = token
        if page is None:
            self.pages.pop(ticket["id"], None)  # read from the store after the commit
        else:
            self.pages[ticket["id"]] = page

    def counter(self, counter: dict) -> None:
        self.counters.add(counter["id"])
        self.halls.add(counter["hall"])
        self.numbers[counter["id"]] = counter["number"]

    def merge(self, other: Changes) -> None:
        for name in ("counters", "services", "tickets", "halls"):
            getattr(self, name).update(getattr(other, name))
        for name in ("numbers", "codes", "tokens"):
            getattr(self, name).update(getattr(other, name))
        for tid in other.tickets:  # a page as the later changes left it
            self.pages.pop(tid, None)
        self.pages.update(other.pages)
        self.announce += other.announce
        self.finished = other.finished or self.finished


# The columns of a ticket a command reads (not `*`: ~37 columns made a dict on
# each of a call's two reads, issue 25).
_COLUMNS = ("id", "display", "status", "service_id", "priority_class_id", "slot_at",
            "recalls", "token", "number", "issued_at", "called_at", "estimate_min")
_TICKET = f"select {', '.join(_COLUMNS)} from tickets where id = ?"


def _ticket(db, ticket_id: int) -> dict | None:
    row = db.execute(_TICKET, [ticket_id]).fetchone()
    return dict(zip(_COLUMNS, row, strict=True)) if row else None


def _current(db, counter: dict) -> dict | None:
    if counter["current_ticket_id"] is None:
        return None
    ticket = _ticket(db, counter["current_ticket_id"])
    return ticket if ticket and ticket["status"] in ("called", "serving") else None


@functools.cache
def _heads_query(services: int) -> str:
    """The statement of :func:`candidates` for a counter serving ``services``
    services (built once per count, not per call)."""
    # One statement: per (service, priority or not) the oldest waiting ticket
    # not sent to a particular counter and not a due booking, per service the
    # due booking of the earliest slot, and per priority the oldest sent to this one.
    # Each head brings what the strategy weighs alone (issue 25): its own columns
    # for the command cost more to fetch for every head (~2 K instructions a column
    # and a head, each taken through the interpreter's lock) than reading the one
    # chosen again; a service's maximum wait and weight come with the counter's
    # services (:func:`served_with_codes`), bound, except for a ticket sent to this
    # counter, which may be of any service.
    head = ("select * from (select t.id, t.service_id, t.priority_class_id is not null, "
            "t.issued_at, {max_wait}, ?, t.target_counter_id, t.slot_at from tickets t{join} "
            "where {where} order by {order} limit 1)")
    of_service = {"max_wait": "?", "join": ""}
    first_come = "t.issued_at, t.id"
    parts = []
    for _ in range(services):
        parts.append(head.format(
            order=first_come, **of_service,
            where="t.status = 'waiting' and t.service_id = ? and "
            "(t.priority_class_id is not null) = ? and t.target_counter_id is null "
            "and (t.slot_at is null or t.slot_at > ?)"))
        parts.append(parts[-1])
        parts.append(head.format(
            order="t.slot_at, t.issued_at, t.id", **of_service,
            where="t.status = 'waiting' and t.service_id = ? and t.slot_at is not null "
            "and t.slot_at <= ? and t.target_counter_id is null"))
    for _ in (0, 1):
        parts.append(head.format(
            order=first_come, max_wait="s.max_wait_min",
            join=" join services s on s.id = t.service_id",
            where="t.target_counter_id = ? and "
            "t.status = 'waiting' and (t.priority_class_id is not null) = ?"))
    return " union all ".join(parts)


def candidates(db, counter: dict, now: dt.datetime,
               weights: list | None = None) -> list[strategy.Candidate]:
    """What the strategy chooses from: the head (oldest) of each group of waiting
    tickets this counter may call, a group being (service, priority or not,
    transferred to this counter or not, booked and due or not).

    Within a group the order is always first-come (a due booked ticket's group:
    earliest slot first), so a later ticket can never be the right choice: the
    strategy sees a handful of heads, not the whole line, and a long line costs
    no more than a short one. A booked ticket whose slot has not started yet
    waits among the walk-ins, by its check-in time (issue 26). ``weights``: the
    counter's :func:`served_with_codes`, when read already.
    """
    at = clock.iso(now)
    args = []
    if weights is None:
        weights = served_with_codes(db, counter)
    for service_id, weight, _code, _name, max_wait in weights:
        args += [max_wait, weight, service_id, 0, at, max_wait, weight, service_id, 1, at,
                 max_wait, weight, service_id, at]
    args += [1, counter["id"], 0, 1, counter["id"], 1]
    rows = db.execute(_heads_query(len(weights)), args).fetchall()
    out = []
    for tid, sid, prio, issued_at, max_wait, weight, target, slot_at in rows:
        issued = clock.from_iso(issued_at)
        due = slot_at is not None and slot_at <= at
        out.append(strategy.Candidate(
            id=tid, service_id=sid, priority=bool(prio), issued=issued.timestamp(),
            waited_min=(now - issued).total_seconds() / 60, max_wait_min=max_wait,
            weight=weight, for_this_counter=target == counter["id"], booked=due,
            slot=clock.from_iso(slot_at).timestamp() if due else None))
    return out


def served(db, counter: dict) -> list[tuple[int, int]]:
    """``(service_id, weight)`` of each service the counter serves."""
    return [r[:2] for r in served_with_codes(db, counter)]


def served_with_codes(db, counter: dict) -> list[tuple[int, int, str, str, int]]:
    """``(service_id, weight, code, name, max_wait_min)`` of each service the counter
    serves."""
    return db.execute("select cs.service_id, cs.weight, s.code, s.name, s.max_wait_min "
                      "from counter_services cs join services s on s.id = cs.service_id "
                      "where cs.counter_id = ?", [counter["id"]]).fetchall()


def current_strategy(db) -> strategy.Strategy:
    s = setup.settings(db)
    return strategy.make(s["strategy"], int(s["priority_every"]), int(s["booked_in_a_row"]))


@dataclass(slots=True)
class Command:
    """One counter command being carried out: its counter, moment and arguments,
    the ticket the counter calls or serves now, and what it has changed so far."""

    counter: dict
    moment: dt.datetime
    at: str  # ``moment`` as stored (ISO)
    node_id: str | None
    officer_id: int | None
    number: str | None
    reason: str | None
    target_service: str | None
    target_counter: int | None
    current: dict | None
    changes: Changes
    minutes: int | None = None  # a pause's planned length
    served: list | None = None  # the counter's served_with_codes, once read
    shown: dict | None = None  # the answer's `current` of a ticket just called, if known
    events: list = field(default_factory=list)  # events kept to write with the call's


def _set_counter(db, counter: dict, **values) -> None:
    sql.update(db, "counters", counter["id"], values)
    counter.update(values)


_ENDED_UNSERVED = "update tickets set status = ?1, finished_at = ?2 where id = ?3"
_ENDED = ("update tickets set status = ?1, finished_at = ?2, service_ms = cast(round(("
          "julianday(?2) - julianday(called_at)) * 86400000) as integer) where id = ?3")


_CALLED = ("update tickets set status = 'called', called_at = ?1, "
           "first_called_at = coalesce(first_called_at, ?1), wait_ms = coalesce(wait_ms, "
           "cast(round((julianday(?1) - julianday(issued_at)) * 86400000) as integer)), "
           "counter_id = ?2, officer_id = ?3, target_counter_id = null where id = ?4")


def _end(db, cmd: Command, ticket, to_status, action, reason=None, clear=True) -> None:
    """End ``ticket`` at the counter; ``clear=False`` when a call follows at once
    (it sets the counter's ticket: one write of the counter, not two)."""
    counter = cmd.counter
    # With a call following at once, its event is written with the call's (_call).
    record_event(db, ticket, action, to_status, now=cmd.at, counter_id=counter["id"],
                 officer_id=cmd.officer_id, node_id=cmd.node_id, reason=reason,
                 later=None if clear else cmd.events)
    # A finished ticket's service time (ms) is worked out once, here (the estimate reads it).
    db.execute(_ENDED if to_status == "done" else _ENDED_UNSERVED,
               [to_status, cmd.at, ticket["id"]])
    if clear:
        _set_counter(db, counter, current_ticket_id=None)
    else:
        counter["current_ticket_id"] = None
    cmd.changes.ticket(ticket, _page(cmd, ticket, status=to_status))
    if to_status == "done":  # the rating keypad lights for it (issue 5)
        cmd.changes.finished = (ticket["id"], ticket["display"])


def _finish_current(db, cmd: Command, clear: bool = True) -> None:
    if cmd.current is not None:
        _end(db, cmd, cmd.current, "done", "finish", clear=clear)
        cmd.current = None


def _page(cmd: Command, ticket: dict, counter: tuple | None = None, **now) -> tuple | None:
    """What ``ticket``'s page shows once the command is done (``now``: its columns
    changed), for :attr:`Changes.pages`; None when the command does not know it all
    (its service is not one the command read, a column was not read)."""
    service = next((r for r in cmd.served or () if r[0] == ticket["service_id"]), None)
    if service is None or "issued_at" not in ticket:
        return None
    return {**ticket, **now}, (service[2], service[3]), counter


def _call(db, cmd: Command, ticket, action, reason=None, detail=None) -> None:
    counter = cmd.counter
    record_event(db, ticket, action, "called", now=cmd.at, counter_id=counter["id"],
                 officer_id=cmd.officer_id, node_id=cmd.node_id, reason=reason, detail=detail,
                 later=cmd.events)
    record_events(db, cmd.events)
    # Its wait (issue to first call, ms) is kept once, at its first call (today's figures).
    db.execute(_CALLED, [cmd.at, counter["id"], cmd.officer_id, ticket["id"]])
    streak = 0 if ticket["priority_class_id"] is not None else counter["normal_streak"] + 1
    # Booked calls in a row (a due booking's), which the strategy bounds while walk-ins wait.
    booked = counter["booked_streak"] + 1 if ticket.get("slot_at") and \
        ticket["slot_at"] <= cmd.at else 0
    _set_counter(db, counter, current_ticket_id=ticket["id"], normal_streak=streak,
                 booked_streak=booked)
    # What the counter's answer shows of it (as :func:`counter_view` would read it back).
    service = next((r for r in cmd.served or () if r[0] == ticket["service_id"]), None)
    announce = (ticket["id"], counter["id"], "call")
    if service is not None:
        cmd.shown = {"display": ticket["display"], "service": service[2],
                     "service_name": service[3], "status": "called", "called_at": cmd.at,
                     "recalls": ticket["recalls"]}
        # The announcement as state.announcement would read it back (no statement).
        number = ticket.get("number")
        if number is not None:
            announce += ((ticket["display"], number, service[2], service[3], counter["number"],
                          counter["name"], counter["hall"], cmd.at),)
    cmd.changes.ticket(ticket, _page(cmd, ticket, status="called", called_at=cmd.at,
                                     counter=(counter["number"], counter["name"])))
    cmd.changes.announce.append(announce)


def _ready_to_call(db, cmd: Command) -> list[strategy.Candidate]:
    """A paused counter refuses to call; a closed one opens. Returns the pool."""
    counter = cmd.counter
    if counter["status"] == "paused":
        raise Refused("counter_paused", "Quầy đang tạm dừng; bấm tiếp tục trước khi gọi số.")
    if counter["status"] == "closed":
        _set_counter(db, counter, status="open", status_since=cmd.at,
                     announced=int(estimate.at_session_edge(counter.get("hours"), cmd.moment,
                                                            0)))
    cmd.served = served_with_codes(db, counter)
    return candidates(db, counter, cmd.moment, cmd.served)


def _current_or_refuse(cmd: Command) -> dict:
    if cmd.current is None:
        raise Refused("no_current", "Quầy chưa gọi số nào.")
    return cmd.current


# The actions. Each takes the store and the command, does it, and returns the
# message the counter shows; :func:`run` looks it up in :data:`HANDLERS`.

def _next(db, cmd: Command) -> str:
    """Finish the current ticket and call the one the strategy chooses::

        run(db, counter, "next")  # "Đang gọi số A012." / "Không còn ai chờ."

    With nobody to call, a ticket only called (not marked "serving") stays at the
    counter, called: nothing says its citizen came, let alone was served (the
    number may have been called seconds ago and the citizen still be walking up).
    Ending it "done" put a served ticket with a few seconds' service time in the
    figures, lit the rating keys and took the number off the hall board. The
    officer ends it with "Hoàn thành" or "Vắng mặt" (DOMAIN.md: served → done,
    not come → no-show). A ticket being served is finished, as before.
    """
    pool = _ready_to_call(db, cmd)
    choice = current_strategy(db).choose(pool, cmd.counter["normal_streak"],
                                          cmd.counter["booked_streak"])
    if choice is None and cmd.current is not None and cmd.current["status"] == "called":
        return (f"Không còn ai chờ. Số {cmd.current['display']} vẫn đang gọi: Hoàn thành "
                "khi phục vụ xong, Vắng mặt nếu không đến.")
    _finish_current(db, cmd, clear=choice is None)
    if choice is None:
        return "Không còn ai chờ."
    chosen = _ticket(db, choice.id)
    _call(db, cmd, chosen, "next")
    return f"Đang gọi số {chosen['display']}."


def _pressed_again(db, cmd: Command) -> str | None:
    """A person's "next" (a counter's key, the console) within the centre's
    ``next_again_s`` of this counter's call, its ticket still only called: a slip
    of the finger (a double press or click), ignored and said so; else None. Taken,
    it ended the ticket just called "done" (served, the rating keys lit) and called
    the one after while its citizen was still walking up. Timed on the hub's clock
    from the call, so one rule whatever sent the press."""
    current = cmd.current
    if current is None or current["status"] != "called" or not current.get("called_at"):
        return None
    window = setup.setting_int(db, "next_again_s")
    age = (cmd.moment - clock.from_iso(current["called_at"])).total_seconds()
    if not 0 <= age < window:
        return None
    # Short enough for a counter's 128×64 OLED to keep the number large (two lines).
    return f"Số {current['display']} vừa được gọi; bỏ qua lần bấm thứ hai."


def _call_number(db, cmd: Command) -> str:
    """Call one waiting ticket by its number; out of the strategy's order it
    needs a reason, kept in the event::

        run(db, counter, "call", number="A015", reason="Người cao tuổi")
    """
    pool = _ready_to_call(db, cmd)
    chosen = _find_waiting(db, cmd.counter, cmd.number, pool)
    expected = current_strategy(db).choose(pool, cmd.counter["normal_streak"],
                                          cmd.counter["booked_streak"])
    out_of_order = expected is not None and expected.id != chosen["id"]
    if out_of_order and not cmd.reason:
        raise Refused("reason_required", "Gọi số không theo thứ tự cần ghi rõ lý do.")
    _finish_current(db, cmd)
    _call(db, cmd, chosen, "call", reason=cmd.reason,
          detail={"out_of_order": out_of_order, "expected": expected.id if expected else None})
    return f"Đang gọi số {chosen['display']}."


def _recall(db, cmd: Command) -> str:
    """Announce the current ticket again; past ``max_recalls`` it is a no-show::

        run(db, counter, "recall")  # "Đã gọi lại số A012."
    """
    current = _current_or_refuse(cmd)
    limit = setup.setting_int(db, "max_recalls")
    if current["recalls"] >= limit:
        _end(db, cmd, current, "no_show", "no_show", reason=f"Gọi lại {limit} lần không có mặt")
        return "Đã gọi lại đủ số lần: chuyển sang vắng mặt."
    record_event(db, current, "recall", current["status"], now=cmd.at,
                 counter_id=cmd.counter["id"], officer_id=cmd.officer_id, node_id=cmd.node_id)
    db.execute("update tickets set recalls = recalls + 1, called_at = ? where id = ?",
               [cmd.at, current["id"]])
    cmd.changes.ticket(current)
    cmd.changes.announce.append((current["id"], cmd.counter["id"], "recall"))
    return f"Đã gọi lại số {current['display']}."


def _no_show(db, cmd: Command) -> str:
    """The called person did not come::

        run(db, counter, "no_show", reason="Không có mặt")  # "Đã ghi vắng mặt."
    """
    _end(db, cmd, _current_or_refuse(cmd), "no_show", "no_show", reason=cmd.reason)
    return "Đã ghi vắng mặt."


def _finish(db, cmd: Command) -> str:
    """The current ticket is done::

        run(db, counter, "finish")  # "Đã hoàn thành."
    """
    _end(db, cmd, _current_or_refuse(cmd), "done", "finish", reason=cmd.reason)
    return "Đã hoàn thành."


def _serve(db, cmd: Command) -> str:
    """The called person has come to the counter::

        run(db, counter, "serve")  # "Đang phục vụ số A012."
    """
    current = cmd.current
    if current is None or current["status"] != "called":
        raise Refused("no_current", "Không có số đang chờ đến quầy.")
    record_event(db, current, "serve", "serving", now=cmd.at, counter_id=cmd.counter["id"],
                 officer_id=cmd.officer_id, node_id=cmd.node_id)
    db.execute("update tickets set status = 'serving' where id = ?", [current["id"]])
    cmd.changes.ticket(current)
    return f"Đang phục vụ số {current['display']}."


def _transfer(db, cmd: Command) -> str:
    """Send the current ticket to another service or counter; it keeps its
    original issue time, so it is not sent to the back::

        run(db, counter, "transfer", target_counter=2, reason="Hồ sơ phức tạp")
        run(db, counter, "transfer", target_service="DD")
    """
    ticket = _current_or_refuse(cmd)
    target_service, target_counter = cmd.target_service, cmd.target_counter
    if bool(target_service) == bool(target_counter):
        raise Refused("transfer_target", "Chuyển số cần chọn một dịch vụ hoặc một quầy.")
    counter, changes = cmd.counter, cmd.changes
    values = {"status": "waiting", "counter_id": None, "called_at": None}
    detail = {}
    if target_service:
        service = setup.service_by_code(db, target_service)
        if service is None:
            raise Refused("unknown_service", f"Không có dịch vụ mã '{target_service}'.")
        values.update(service_id=service["id"], target_counter_id=None)
        detail["to_service"] = service["code"]
        where = service["name"]
        changes.services.add(service["id"])
        changes.codes[service["id"]] = service["code"]
    else:
        other = setup.counter_by_number(db, int(target_counter))
        if other is None or not other["active"]:
            raise Refused("unknown_counter", f"Không có quầy số {target_counter}.")
        if other["id"] == counter["id"]:
            raise Refused("transfer_target", "Không thể chuyển số về chính quầy này.")
        values["target_counter_id"] = other["id"]
        detail["to_counter"] = other["number"]
        where = other["name"]
        changes.counter(other)
    record_event(db, ticket, "transfer", "waiting", now=cmd.at, counter_id=counter["id"],
                 officer_id=cmd.officer_id, node_id=cmd.node_id, reason=cmd.reason,
                 detail=detail)
    sql.update(db, "tickets", ticket["id"], values)
    _set_counter(db, counter, current_ticket_id=None)
    changes.ticket(ticket)
    return f"Đã chuyển số {ticket['display']} sang {where}."


# The longest pause an officer can announce (a lunch break is about an hour and
# a half; longer is closing the counter).
PAUSE_MAX_MIN = 240


def _pause(db, cmd: Command) -> str:
    """The officer steps away; the counter calls nobody until resumed. Saying for how
    long (``minutes``) lets the wait estimates count on the return (issue 25)::

        run(db, counter, "pause")               # "Quầy tạm dừng."
        run(db, counter, "pause", minutes=15)   # "Quầy tạm nghỉ 15 phút, đến 09:15."
    """
    if cmd.counter["status"] == "paused":
        raise Refused("already_paused", "Quầy đã tạm dừng.")
    if cmd.minutes is None:
        _set_counter(db, cmd.counter, status="paused", status_since=cmd.at, back_at=None,
                     announced=0)
        return "Quầy tạm dừng."
    if not 1 <= cmd.minutes <= PAUSE_MAX_MIN:
        raise Refused("bad_minutes", f"Thời gian tạm nghỉ phải từ 1 đến {PAUSE_MAX_MIN} phút.")
    back = cmd.moment + dt.timedelta(minutes=cmd.minutes)
    _set_counter(db, cmd.counter, status="paused", status_since=cmd.at,
                 back_at=clock.iso(back), announced=1)
    return f"Quầy tạm nghỉ {cmd.minutes} phút, đến {clock.show(back, fmt='%H:%M')}."


def _open(db, cmd: Command) -> str:
    """Open a closed counter or resume a paused one (``open`` and ``resume``)::

        run(db, counter, "resume")  # "Quầy đã mở."
    """
    if cmd.counter["status"] == "open":
        raise Refused("already_open", "Quầy đang mở.")
    # The return from a pause of an announced length was foreseen, and so was an
    # opening at the start of one of the counter's sessions.
    announced = int(cmd.counter["status"] == "paused" and cmd.counter.get("back_at") is not None
                    or estimate.at_session_edge(cmd.counter.get("hours"), cmd.moment, 0))
    _set_counter(db, cmd.counter, status="open", status_since=cmd.at, back_at=None,
                 announced=announced)
    return "Quầy đã mở."


def _close(db, cmd: Command) -> str:
    """Close the counter (nobody being served) and end the officer's session::

        run(db, counter, "close")  # "Quầy đã đóng."
    """
    counter = cmd.counter
    if cmd.current is not None:
        raise Refused("busy", f"Hãy kết thúc số {cmd.current['display']} trước khi đóng quầy.")
    _set_counter(db, counter, status="closed", status_since=cmd.at, officer_id=None,
                 back_at=None,
                 announced=int(estimate.at_session_edge(counter.get("hours"), cmd.moment, 1)))
    db.execute("update counter_sessions set ended_at = ? where counter_id = ? and "
               "ended_at is null", [cmd.at, counter["id"]])
    return "Quầy đã đóng."


HANDLERS = {"open": _open, "close": _close, "next": _next, "recall": _recall,
            "no_show": _no_show, "finish": _finish, "serve": _serve, "transfer": _transfer,
            "pause": _pause, "resume": _open, "call": _call_number}
ACTIONS = tuple(HANDLERS)


def run(db, counter: dict, action: str, *, node_id: str | None = None,
        officer_id: int | None = None, number: str | None = None, reason: str | None = None,
        target_service: str | None = None, target_counter: int | None = None,
        minutes: int | None = None, now: dt.datetime | None = None,
        pressed: bool = False) -> tuple[dict, Changes]:
    """Carry out one counter command; returns the counter's answer and what changed.
    ``pressed``: a person's key or click, where a "next" pressed again a moment
    after its call is a slip (:func:`_pressed_again`: nothing changes)."""
    handler = HANDLERS.get(action)
    if handler is None:
        raise Refused("unknown_action", f"Không có thao tác '{action}'.")
    if not counter["active"]:
        raise Refused("counter_inactive", f"{counter['name']} đang ngừng hoạt động.")
    moment = now or clock.now()
    changes = Changes()
    changes.counter(counter)
    cmd = Command(
        counter=counter, moment=moment, at=clock.iso(moment), node_id=node_id,
        officer_id=officer_id if officer_id is not None else counter["officer_id"],
        number=number, reason=nfc(reason) if reason else None,
        target_service=target_service, target_counter=target_counter,
        current=_current(db, counter), changes=changes, minutes=minutes)
    if pressed and action == "next":
        again = _pressed_again(db, cmd)
        if again is not None:
            return answer(db, counter, again), Changes()
    status, busy = counter["status"], cmd.current is not None
    message = handler(db, cmd)
    # Opening, pausing or closing a counter, or its going idle or busy, moves the
    # estimates of all its services (open and idle counters); a `next` from one
    # ticket to the next moves only the lines of the tickets it touched (issue 25:
    # a line's state is the dearest to build).
    if counter["status"] != status or (counter["current_ticket_id"] is not None) != busy:
        served_now = cmd.served if cmd.served is not None else served_with_codes(db, counter)
        changes.services.update(r[0] for r in served_now)
        changes.codes.update((r[0], r[2]) for r in served_now)
    elif cmd.served is not None:
        changes.codes.update((r[0], r[2]) for r in cmd.served if r[0] in changes.services)
    # The counter's answer: from what the command holds when it knows all of it
    # (no ticket now, or the one it just called), else read back (issue 25).
    if counter["current_ticket_id"] is None:
        result = {"counter": counter["number"], "status": counter["status"],
                  "status_name": status_name(counter["status"], counter.get("back_at")),
                  "message": message,
                  "current": None}
    elif cmd.shown is not None and cmd.current is None:
        result = {"counter": counter["number"], "status": counter["status"],
                  "status_name": status_name(counter["status"], counter.get("back_at")),
                  "message": message,
                  "current": cmd.shown}
    else:
        result = answer(db, counter, message)
    return result, changes


# A counter as it stands, with the ticket it calls or serves now (if any) and
# that ticket's service: one statement, read after every command and for
# every counter state published.
_VIEW = ("select c.number, c.status, t.display, s.code, s.name, t.status, t.called_at, "
         "t.recalls, c.id, c.name, c.hall, c.officer_id, u.full_name, c.back_at "
         "from counters c left join tickets t on t.id = c.current_ticket_id "
         "and t.status in ('called', 'serving') "
         "left join services s on s.id = t.service_id "
         "left join users u on u.id = c.officer_id where c.number = ?")


def counter_view(db, number: int) -> tuple | None:
    """``(answer, row)`` of counter ``number``: its :func:`answer` (empty message)
    and the row of :data:`_VIEW` (id, name, hall, officer…); None when unknown."""
    row = db.execute(_VIEW, [number]).fetchone()
    if row is None:
        return None
    return view_result(row), row


def view_result(row: tuple) -> dict:
    """:func:`answer`'s dict (empty message) from a row of :data:`_VIEW`."""
    result = {"counter": row[0], "status": row[1], "status_name": status_name(row[1], row[13]),
              "message": "", "current": None}
    if row[2] is not None:
        result["current"] = {"display": row[2], "service": row[3], "service_name": row[4],
                             "status": row[5], "called_at": row[6], "recalls": row[7]}
    return result


def answer(db, counter: dict, message: str = "") -> dict:
    """What a counter's keypad or console shows after a command: read back from
    the store (the counter's status, the ticket it calls now)."""
    result = counter_view(db, counter["number"])[0]
    result["message"] = message
    return result


def _find_waiting(db, counter, number, pool) -> dict:
    if not number:
        raise Refused("number_required", "Cần nhập số cần gọi.")
    rows = sql.rows(db, "select * from tickets where display = ? and status = 'waiting' "
                          "order by issued_at desc", [str(number).strip().upper()])
    served = {r[0] for r in db.execute(
        "select service_id from counter_services where counter_id = ?", [counter["id"]])}
    for row in rows:
        if row["target_counter_id"] == counter["id"] or (
                row["target_counter_id"] is None and row["service_id"] in served):
            return row
    if rows:
        raise Refused("not_for_counter", f"Số {number} không thuộc dịch vụ của quầy này.")
    raise Refused("not_waiting", f"Không có số {number} đang chờ.")


def sign_in(db, counter: dict, user_id: int, now: dt.datetime | None = None) -> Changes:
    """An officer takes a counter (leaving any other they held); it opens."""
    at = clock.iso(now or clock.now())
    other = db.execute("select id from counters where officer_id = ? and id != ?",
                       [user_id, counter["id"]]).fetchone()
    changes = Changes(counters={counter["id"]}, halls={counter["hall"]})
    if other:
        db.execute("update counters set officer_id = null where id = ?", [other[0]])
        changes.counters.add(other[0])
    db.execute("update counter_sessions set ended_at = ? where (user_id = ? or counter_id = ?) "
               "and ended_at is null", [at, user_id, counter["id"]])
    db["counter_sessions"].insert({"counter_id": counter["id"], "user_id": user_id,
                                   "started_at": at})
    values = {"officer_id": user_id}
    if counter["status"] == "closed":
        values.update(status="open", status_since=at, announced=int(estimate.at_session_edge(
            counter.get("hours"), clock.from_iso(at), 0)))
    _set_counter(db, counter, **values)
    changes.services.update(r[0] for r in db.execute(
        "select service_id from counter_services where counter_id = ?", [counter["id"]]))
    return changes
