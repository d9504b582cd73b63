"""What the hub does with each event and request from the floor.

The gateway looks messages up here by name. A route is a plain service call
taking a :class:`Context`; add a line here (and the message to
``motcua/bus/messages.py``) to teach the hub a new message::

    REQUESTS["ticket"] = Route(queue.issue_ticket, changes_state=True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from motcua import clock
from motcua.bus import Topics

from .. import catalog, feedback
from ..appointments import bookings, checkin
from ..config import HubConfig
from ..devices import bindings, nodes
from ..dossiers import queries
from ..errors import Refused
from ..feedback import ratings
from ..queue import api, leases
from ..store import Store
from . import reliability


@dataclass
class Context:
    """What a route gets: who asked, what they said, and where the truth is.

    ``db`` is the open write transaction when the route changes state (it is
    applied once, by message id); otherwise it is the thread's connection.
    ``publish_after`` queues retained state to publish once the transaction
    has committed, so no screen ever shows what the store does not hold.
    """

    node_id: str
    data: dict
    db: sqlite_utils.Database
    store: Store
    config: HubConfig
    outbox: list[tuple[str, dict, bool]] = field(default_factory=list)

    def publish_after(self, topic: str, payload: dict, retain: bool = True) -> None:
        self.outbox.append((topic, payload, retain))


@dataclass
class Route:
    handle: Callable[[Context], Any]
    changes_state: bool = True


def ping(ctx: Context) -> dict:
    return {
        "hub_time": clock.iso(),
        "echo": ctx.data.get("echo", ""),
        "center_name": ctx.config.center_name,
    }


def fault(ctx: Context) -> None:
    nodes.record_fault(ctx.db, ctx.node_id, ctx.data)


def dossier_lookup(ctx: Context) -> dict:
    # A kiosk's or counter's scan of a receipt: public fields only, as the
    # contract (REQUEST_RESULTS["dossier_lookup"]) lists them.
    found = queries.lookup(ctx.db, ctx.data.get("code", ""))
    return {k: v for k, v in found.items() if k in queries.BUS_FIELDS}
def dossier_lookup_by_id(ctx: Context) -> dict:
    # Issue 27: the citizen's own dossiers from the ID card scanned at a kiosk, where
    # the centre allows it. The number answers this request and is kept nowhere.
    if not ctx.config.dossiers.lookup_by_id:
        raise Refused("not_allowed", "Trung tâm chưa cho phép tra cứu hồ sơ bằng thẻ căn "
                                     "cước. Xin dùng mã trên Giấy tiếp nhận hồ sơ.")
    return queries.lookup_by_identity(ctx.db, ctx.data.get("id_number", ""))


def catalog_fetch(ctx: Context) -> dict:
    return catalog.export_page(ctx.db, after=ctx.data.get("after") or "")
# --- The queue (issue 3) -----------------------------------------------------------


# One per centre: a Topics keeps the state topics it built (boards, counters,
# lines), which a new one per request built and checked again (issue 25).
_TOPICS: dict[str, Topics] = {}


def _queue_topics(ctx: Context) -> Topics:
    topics = _TOPICS.get(ctx.config.center)
    if topics is None:
        topics = _TOPICS[ctx.config.center] = Topics(ctx.config.center)
    return topics


def queue_ticket(ctx: Context) -> dict:
    result, out = api.issue_ticket(ctx.db, _queue_topics(ctx), ctx.data["service"],
                                   ctx.data.get("priority"), node_id=ctx.node_id)
    for topic, payload, retain in out:
        ctx.publish_after(topic, payload, retain)
    return result


def queue_counter_command(ctx: Context) -> dict:
    d = ctx.data
    # Its own counter, a neighbouring one whose keypad it drives (issue 5), and
    # only what the installer's inventory (motcua provision) lists, if the hub has one.
    counter = bindings.counter_for(ctx.db, ctx.config, ctx.node_id, d.get("counter"))
    result, out, finished = api.counter_press(
        ctx.db, _queue_topics(ctx), counter, d["action"], node_id=ctx.node_id,
        number=d.get("number"), reason=d.get("reason"), target_service=d.get("target_service"),
        target_counter=d.get("target_counter"), minutes=d.get("minutes"),
        pressed=True)  # a key: a "next" pressed again at once is a slip (commands.run)
    for topic, payload, retain in out:
        ctx.publish_after(topic, payload, retain)
    # Issue 5: which ticket this command finished, so the rating keypad lights for it
    # (known to the command: not read again, issue 25).
    result["finished"] = ratings.finished(finished)
    return result


# --- The counter terminal (issue 5) ------------------------------------------------


def rating(ctx: Context) -> None:
    ratings.record(ctx.db, ctx.node_id, ctx.data)
# --- The dispenser (issue 4) ------------------------------------------------------


def dispenser_number_block(ctx: Context) -> dict:
    return leases.lease_block(ctx.db, ctx.node_id, ctx.data["service"], ctx.data.get("size"))


def dispenser_ticket_offline(ctx: Context) -> dict:
    result, out = leases.apply_offline(ctx.db, _queue_topics(ctx), ctx.node_id, ctx.data)
    for topic, payload, retain in out:
        ctx.publish_after(topic, payload, retain)
    return result


# --- Citizens' feedback (issue 15) ------------------------------------------------


def feedback_request(ctx: Context) -> dict:
    d = ctx.data
    f = feedback.submit(ctx.store, ctx.config, source="kiosk", kind=d["kind"], topic=d["topic"],
                        text=d.get("text") or "", ticket_display=d.get("ticket"),
                        dossier_code=d.get("dossier"), contact_name=d.get("contact_name") or "",
                        contact_phone=d.get("contact_phone") or "", node_id=ctx.node_id,
                        client_key=f"node:{ctx.node_id}")
    return {"code": f["code"], "due_at": f["due_at"], "public_path": f"/gop-y/{f['public_token']}"}


def feedback_reason(ctx: Context) -> None:
    feedback.from_counter(ctx.store, ctx.config, ctx.node_id, ctx.data)
# --- Appointments booked at the kiosk (issue 26) ---------------------------------------


def appointment_slots(ctx: Context) -> dict:
    return bookings.offer(ctx.db, ctx.config, ctx.data.get("service") or None,
                          ctx.data.get("day") or None)


def appointment_book(ctx: Context) -> dict:
    d = ctx.data
    b = bookings.book(ctx.store, ctx.config, service_code=d["service"],
                      starts_at=d["starts_at"], name=d["name"], phone=d["phone"],
                      dossier_code=d.get("dossier_code") or "", channel="kiosk",
                      client_key=f"node:{ctx.node_id}")
    return {"code": b["code"], "qr": bookings.qr_payload(b["code"]),
            "service_name": b["service_name"], "starts_at": b["starts_at"],
            "ends_at": b["ends_at"]}


# --- Reliability (issue 11) --------------------------------------------------------


def ticket_abandon(ctx: Context) -> dict:
    result, out = reliability.abandon_ticket(ctx.db, _queue_topics(ctx), ctx.node_id,
                                             ctx.data["request"])
    for topic, payload, retain in out:
        ctx.publish_after(topic, payload, retain)
    return result


# --- Appointments on the floor (issue 26) ------------------------------------------


def booking_check_in(ctx: Context) -> dict:
    result, out = checkin.check_in(ctx.db, _queue_topics(ctx), ctx.data["code"],
                                   node_id=ctx.node_id)
    for topic, payload, retain in out:
        ctx.publish_after(topic, payload, retain)
    return result


# Events: the return value is ignored; every event changes state, once.
EVENTS: dict[str, Route] = {
    "fault": Route(fault),
    "rating": Route(rating),
    "feedback_reason": Route(feedback_reason),
}

# Requests: the return value is the response's ``result``.
REQUESTS: dict[str, Route] = {
    "ping": Route(ping, changes_state=False),
    "dossier_lookup": Route(dossier_lookup, changes_state=False),
    "dossier_lookup_by_id": Route(dossier_lookup_by_id, changes_state=False),
    "catalog_fetch": Route(catalog_fetch, changes_state=False),
    "ticket": Route(queue_ticket),
    "counter_command": Route(queue_counter_command),
    "number_block": Route(dispenser_number_block),
    "ticket_offline": Route(dispenser_ticket_offline),
    "feedback": Route(feedback_request),
    "ticket_abandon": Route(ticket_abandon),
    "booking_check_in": Route(booking_check_in),
    "appointment_slots": Route(appointment_slots, changes_state=False),
    "appointment_book": Route(appointment_book),
}
