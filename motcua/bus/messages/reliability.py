"""Reliability (issue 11): requests their sender gave up on."""

from __future__ import annotations

from .base import ID, NODE_TOPIC, TS, Field, MessageType, V

# --- Reliability (issue 11) ---------------------------------------------------

TICKET_ABANDON = MessageType(
    key="request.ticket_abandon",
    topic=NODE_TOPIC + "/request/ticket_abandon",
    sender="node",
    qos=1,
    retain=False,
    doc=(
        "A dispenser gave up waiting for the answer to its `request/ticket` `request` (and "
        "printed a ticket from its leased block instead). Kept in its outbox until answered. "
        "The hub makes sure that request never leaves a ticket nobody holds, whichever of "
        "the two arrives first and without reading either sender's clock: a ticket it "
        "already issued for that request is cancelled while still waiting; a request not "
        "applied yet is recorded as given up, so a late copy (TCP retransmission after a "
        "dead link, paho's resend after a reconnect, the broker's queue) is refused "
        "(`abandoned`). Applied once per `id`."
    ),
    fields=(
        V,
        ID,
        TS,
        Field("request", "id", "the `id` of the `request/ticket` given up"),
    ),
)

RELIABILITY_MESSAGES = (TICKET_ABANDON,)
RELIABILITY_RESULTS = {
    "ticket_abandon": (
        "`outcome`: `cancelled` (the ticket it had issued, still waiting, is cancelled), "
        "`blocked` (the request had not arrived: a late copy will be refused), `too_late` "
        "(the ticket was already called; it ends as called), `refused` (the request had "
        "been refused anyway); `ticket_id` and `display` when a ticket was issued"
    ),
}
