"""Appointments on the floor (issue 26): a booking's check-in at a kiosk or dispenser."""

from __future__ import annotations

from .base import ID, NODE_TOPIC, TS, Field, MessageType, V

# --- Check-in of a booking (issue 26) -------------------------------------------

BOOKING_CHECK_IN = MessageType(
    key="request.booking_check_in",
    topic=NODE_TOPIC + "/request/booking_check_in",
    sender="node",
    qos=1,
    retain=False,
    doc=(
        "A kiosk or a dispenser with a scanner checks a booking in: the citizen scanned "
        "the booking's QR code (`MOTCUA-HEN:H7K3QX9M`) or typed its code (`H7K3QX9M`, any "
        "case, spaces or dashes). Within the booking's window (hub setting "
        "`checkin_early_min` before its slot's start to `checkin_late_min` after, default "
        "15 and 10) the hub issues a booked ticket of the booking's service, called ahead "
        "of walk-ins from the slot's start (at most `booked_in_a_row` booked calls in a row "
        "per counter while a walk-in waits; docs/appointments.md). Outside the window it "
        "issues nothing and says why (`outcome` `early` or `late`, with a Vietnamese "
        "`message`), and the node offers a walk-in ticket of `service` through "
        "`request/ticket`. A check-in needs the hub: a node offline says so and keeps "
        "issuing walk-in tickets from its blocks. Applied once per `id`. Refused "
        "(`bad_code`, `unknown_booking`, `cancelled`, `already_checked_in`, `no_show`) with a "
        "Vietnamese message."
    ),
    fields=(
        V,
        ID,
        TS,
        Field("code", "string", "the scanned QR text or the typed booking code",
              max_length=64),
    ),
)

CHECKIN_MESSAGES = (BOOKING_CHECK_IN,)
CHECKIN_RESULTS = {
    "booking_check_in": (
        "`outcome` (`checked_in`, `early` or `late`), `message` (Vietnamese, to show or "
        "print), `code`, `service`, `service_name`, `slot_at` (the slot's start, ISO 8601 "
        "UTC), `slot_time` (`HH:MM`, local), `window_from`, `window_until` (ISO 8601 UTC); "
        "with `checked_in` also the ticket as `ticket` answers it (`ticket_id`, `display`, "
        "`people_ahead`, `estimate_min`, `estimate_range`, `issued_at`, `day`, `token`, "
        "`live_path`, `booked`: true)"
    ),
}
