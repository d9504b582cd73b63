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

STATE_BOOKING_STATS = MessageType(
    key="state.booking_stats",
    topic="motcua/{center}/state/booking_stats",
    sender="hub",
    qos=1,
    retain=True,
    doc=(
        "Today's booked and walk-in figures, retained, republished when they change "
        "(central/appointments/figures.py; bridged to the province, which shows them per "
        "centre and adds them up). Counts and minutes only, no code or name. A figure with "
        "nothing to divide is left out. Waits run to the first call: a walk-in's from its "
        "ticket, a booked citizen's from the later of check-in and the slot's start."
    ),
    fields=(
        V,
        Field("day", "string", "the business day (local date)"),
        Field("booked_called", "integer", "booked tickets called at least once"),
        Field("booked_wait_sum_min", "number", "their waits added up, minutes"),
        Field("booked_avg_wait_min", "number", "their average wait", required=False),
        Field("booked_p90_wait_min", "number", "their 90th percentile wait", required=False),
        Field("booked_within_window", "number", "share first called by the slot's start + "
                                                "`checkin_late_min` (0–1)", required=False),
        Field("walk_in_called", "integer", "walk-in tickets called at least once"),
        Field("walk_in_wait_sum_min", "number", "their waits added up, minutes"),
        Field("walk_in_avg_wait_min", "number", "their average wait", required=False),
        Field("walk_in_p90_wait_min", "number", "their 90th percentile wait", required=False),
        Field("bookings", "integer", "bookings made for today (all but the cancelled)"),
        Field("checked_in", "integer", "bookings checked in"),
        Field("no_show", "integer", "bookings that ended as no-shows"),
        Field("cancelled", "integer", "bookings cancelled"),
        Field("no_show_rate", "number", "no_show / (checked_in + no_show)", required=False),
        Field("seats", "integer", "seats offered for booking today"),
        Field("share_booked", "number", "bookings / seats", required=False),
    ),
)

CHECKIN_MESSAGES = (BOOKING_CHECK_IN, STATE_BOOKING_STATS)
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
