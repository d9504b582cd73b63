"""The demo (``motcua demo``): the simulated screens' pictures."""

from __future__ import annotations

from .base import Field, MessageType, V

# --- The demo (motcua demo) ----------------------------------------------------------

STATE_DEMO = MessageType(
    key="state.demo",
    topic="motcua/{center}/state/demo",
    sender="hub",
    qos=1,
    retain=True,
    doc=(
        "Only in `motcua demo`: the latest picture of each simulated screen (hall display, "
        "LED board, kiosk, counter display), the last printed tickets and the latest spoken "
        "call, as file names "
        "the hub's `/demo` page serves. Published by the demo when a picture changes, "
        "retained, so the page follows with one subscription and no polling."
    ),
    fields=(
        V,
        Field("frames", "object", "kind (`display`, `led`, `kiosk`, `counter`) → file name"),
        Field("tickets", "array", "the last printed tickets' image names, newest first"),
        Field("sound", "string", "the hall display's latest spoken call (WAV file name)",
              required=False),
        Field("ticket", "object", "the newest ticket: `display`, `path` (its live page, "
                                  "`/t/<token>`, as its QR code says)", required=False),
        Field("clock", "string", "the simulated time of day, `HH:MM`", required=False),
        Field("speed", "number", "the demo's speed factor", required=False),
    ),
)

DEMO_MESSAGES = (STATE_DEMO,)
