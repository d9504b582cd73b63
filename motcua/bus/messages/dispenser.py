"""The dispenser (issue 4): leased number blocks, tickets printed offline."""

from __future__ import annotations

from .base import ID, NODE_TOPIC, TS, Field, MessageType, V

# --- The dispenser (issue 4) --------------------------------------------------

NUMBER_BLOCK = MessageType(
    key="request.number_block",
    topic=NODE_TOPIC + "/request/number_block",
    sender="node",
    qos=1,
    retain=False,
    doc=(
        "A dispenser asks for a block of numbers of a service for today, to print from when "
        "the broker or the hub cannot be reached. The hub leases from the top of the "
        "service's range down (so its own numbering runs on from the start without jumps), "
        "records the lease (table `number_blocks`) and never issues those numbers itself. "
        "Applied once per `id`: a repeated request gets the same block."
    ),
    fields=(
        V,
        ID,
        TS,
        Field("service", "string", "the service's code", max_length=32),
        Field("size", "integer", "how many numbers (1–100; default 10)", required=False),
    ),
)

TICKET_OFFLINE = MessageType(
    key="request.ticket_offline",
    topic=NODE_TOPIC + "/request/ticket_offline",
    sender="node",
    qos=1,
    retain=False,
    doc=(
        "A ticket a dispenser printed while offline, from a block leased to it, delivered "
        "once the link is back. The hub slots it into the line by its issue time. The `id` "
        "is the outbox row's: a redelivery is applied once and gets the same answer. "
        "Refused (`not_leased`, `number_used`) when the number is not in a block of that "
        "node or already holds a ticket."
    ),
    fields=(
        V,
        ID,
        TS,
        Field("service", "string", "the service's code", max_length=32),
        Field("block", "integer", "the leased block's id"),
        Field("number", "integer", "the number printed"),
        Field("issued_at", "timestamp", "when it was printed (the dispenser's clock)"),
        Field("token", "string", "the live page token printed in the QR code (20 hex digits)",
              max_length=32),
        Field("priority", "string", "priority class code, absent for normal", required=False,
              max_length=32),
    ),
)

DISPENSER_MESSAGES = (NUMBER_BLOCK, TICKET_OFFLINE)
DISPENSER_RESULTS = {
    "number_block": (
        "`block` (id), `service`, `service_name`, `prefix`, `range_end` (to format numbers "
        "as displayed), `first`, `last`, `day`, `valid_until` (ISO 8601, UTC: the next "
        "business day's start; numbers restart then)"
    ),
    "ticket_offline": (
        "`ticket_id`, `display`, `service`, `issued_at`, `people_ahead`, `estimate_min`, "
        "`token`, `live_path`"
    ),
}
