"""Citizens' feedback (issue 15): from the kiosk and the rating keypad."""

from __future__ import annotations

from .base import ID, NODE_TOPIC, TS, Field, MessageType, V

# --- Citizens' feedback (issue 15) ------------------------------------------------

FEEDBACK_TOPICS = ("waiting", "attitude", "guidance", "paperwork", "late", "fees",
                   "facilities", "other")

FEEDBACK = MessageType(
    key="request.feedback",
    topic=NODE_TOPIC + "/request/feedback",
    sender="node",
    qos=1,
    retain=False,
    doc=(
        "A citizen leaves a complaint or suggestion at the kiosk (phản ánh, kiến nghị). "
        "The hub links it to today's ticket `ticket` and to the dossier `dossier` when "
        "given, sets its answering deadline in working days from the working calendar, "
        "and answers with its code and the citizen's public page. Refused (`too_many`, "
        "`too_many_for_ticket`) past the per-kiosk and per-ticket limits, "
        "`text_required` for topic `other` without text."
    ),
    fields=(
        V,
        ID,
        TS,
        Field("kind", "string", "complaint or suggestion",
              choices=("complaint", "suggestion")),
        Field("topic", "string", "what it is about", choices=FEEDBACK_TOPICS),
        Field("text", "string", "the citizen's words", required=False, max_length=2000),
        Field("ticket", "string", "today's ticket number as displayed", required=False,
              max_length=16),
        Field("dossier", "string", "dossier code from the receipt", required=False,
              max_length=64),
        Field("contact_name", "string", "optional name", required=False, max_length=120),
        Field("contact_phone", "string", "optional phone number", required=False,
              max_length=20),
    ),
)

FEEDBACK_REASON = MessageType(
    key="event.feedback_reason",
    topic=NODE_TOPIC + "/event/feedback_reason",
    sender="node",
    qos=1,
    retain=False,
    doc=(
        "After a \"Không hài lòng\" rating the counter's four rating keys light again as "
        "reasons (Chờ lâu, Thái độ, Hướng dẫn chưa rõ, Lý do khác); the key pressed "
        "becomes a complaint linked to the ticket, counter and officer. Kept in the "
        "node's outbox like the rating, applied once by `id`; refused for a ticket not "
        "rated \"dissatisfied\" at that counter."
    ),
    fields=(
        V,
        ID,
        TS,
        Field("ticket_id", "integer", "the rated ticket"),
        Field("counter", "integer", "counter number where it was served"),
        Field("reason", "string", "the key pressed",
              choices=("waiting", "attitude", "guidance", "other")),
    ),
)

FEEDBACK_MESSAGES = (FEEDBACK, FEEDBACK_REASON)
FEEDBACK_RESULTS = {
    "feedback": "`code` (e.g. `PA-261127-0001`), `due_at` (ISO 8601, UTC), `public_path` "
                "(the citizen's page, `/gop-y/<token>`)",
}
