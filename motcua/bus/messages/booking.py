"""Booking an appointment at the kiosk (issue 26): the free slots, and the booking."""

from __future__ import annotations

from .base import ID, NODE_TOPIC, TS, Field, MessageType, V

APPOINTMENT_SLOTS = MessageType(
    key="request.appointment_slots",
    topic=NODE_TOPIC + "/request/appointment_slots",
    sender="node",
    qos=1,
    retain=False,
    doc=(
        "A kiosk asks what can be booked: without `service`, the services that take "
        "bookings; with `service`, the days ahead with their free seats; with `service` "
        "and `day`, that day's slots. Seats come from the counters serving the service, "
        "the working calendar and the share kept for walk-ins (docs/appointments.md). "
        "Names no booking and no person."
    ),
    fields=(
        V,
        ID,
        TS,
        Field("service", "string", "a service code", required=False, max_length=32),
        Field("day", "string", "a local date YYYY-MM-DD", required=False, max_length=10),
    ),
)

APPOINTMENT_BOOK = MessageType(
    key="request.appointment_book",
    topic=NODE_TOPIC + "/request/appointment_book",
    sender="node",
    qos=1,
    retain=False,
    doc=(
        "A citizen books a slot at the kiosk with a name and a phone. The hub answers with "
        "the booking's code and the QR's text (`MOTCUA-HEN:<code>`) to show; the phone "
        "gets the same by SMS when the centre sends SMS. Applied once by `id`. Refused "
        "`slot_full`, `no_slot`, `too_late`, `too_many_for_phone`, `too_many` (the "
        "kiosk's daily limit), `invalid_name`, `invalid_phone`, with a Vietnamese message."
    ),
    fields=(
        V,
        ID,
        TS,
        Field("service", "string", "a service code", max_length=32),
        Field("starts_at", "timestamp", "the slot's start, as `appointment_slots` gave it"),
        Field("name", "string", "the citizen's full name", max_length=100),
        Field("phone", "string", "the citizen's phone number", max_length=20),
        Field("dossier_code", "string", "the dossier being followed up, if any",
              required=False, max_length=64),
    ),
)

BOOKING_MESSAGES = (APPOINTMENT_SLOTS, APPOINTMENT_BOOK)
BOOKING_RESULTS = {
    "appointment_slots": (
        "`services` [{`code`, `name`}] without `service`; `days` [{`day`, `free`}] with "
        "`service`; `slots` [{`starts_at`, `label` ('08:00–08:30'), `free`}] with `service` "
        "and `day`"
    ),
    "appointment_book": (
        "`code` (e.g. `H7K3QX9M`), `qr` (`MOTCUA-HEN:H7K3QX9M`), `service_name`, "
        "`starts_at`, `ends_at` (ISO 8601, UTC)"
    ),
}
