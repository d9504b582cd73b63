"""The counter terminal (issue 5): citizens' ratings."""

from __future__ import annotations

from .base import ID, NODE_TOPIC, TS, Field, MessageType, V

# --- The counter terminal (issue 5) ---------------------------------------------

RATING_LEVELS = ("very_satisfied", "satisfied", "neutral", "dissatisfied")

RATING = MessageType(
    key="event.rating",
    topic=NODE_TOPIC + "/event/rating",
    sender="node",
    qos=1,
    retain=False,
    doc=(
        "A citizen pressed a key of the counter's rating keypad (Rất hài lòng, Hài lòng, "
        "Bình thường, Không hài lòng) after the officer finished their ticket. Kept in the "
        "node's outbox until the broker has it, so it survives a lost link; applied once "
        "by `id`, and the hub stores one rating per ticket, only for a ticket finished "
        "(`done`) at that counter, bound to the ticket, counter and officer."
    ),
    fields=(
        V,
        ID,
        TS,
        Field("ticket_id", "integer", "the finished ticket (`finished.ticket_id` of the "
                                      "`counter_command` result)"),
        Field("counter", "integer", "counter number where the ticket was served"),
        Field("level", "string", "the key pressed", choices=RATING_LEVELS),
        Field("display", "string", "ticket number as displayed (for the log)",
              required=False, max_length=16),
    ),
)

COUNTER_MESSAGES = (RATING,)
# counter_command's result also carries `finished` (issue 5).
COUNTER_RESULTS_NOTE = (
    "; `finished` (`ticket_id`, `display`) when this command finished a ticket as done "
    "(`finish`, or `next` over a current ticket): the rating keypad lights for it"
)
