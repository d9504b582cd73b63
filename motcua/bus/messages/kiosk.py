"""The kiosk and the citizen's ID card (issue 27)."""

from __future__ import annotations

from .base import ID, NODE_TOPIC, TS, Field, MessageType, V

# --- The kiosk and the citizen's ID card (issue 27) -----------------------------

DOSSIER_LOOKUP_BY_ID = MessageType(
    key="request.dossier_lookup_by_id",
    topic=NODE_TOPIC + "/request/dossier_lookup_by_id",
    sender="node",
    qos=1,
    retain=False,
    doc=(
        "A kiosk asks for the dossiers of the citizen whose ID card was just scanned, by "
        "the card's identity number, where the centre allows it (hub.toml "
        "`[dossiers] lookup_by_id`; refused `not_allowed` otherwise). The number is used "
        "for this answer only: the hub neither stores nor logs it, and the answer carries "
        "no personal data beyond masked names."
    ),
    fields=(
        V,
        ID,
        TS,
        Field("id_number", "string", "the 12-digit identity number (Căn cước / CCCD)",
              max_length=12),
    ),
)
KIOSK_MESSAGES = (DOSSIER_LOOKUP_BY_ID,)
KIOSK_RESULTS = {
    "dossier_lookup_by_id": (
        "`found` (bool), `dossiers`: up to 5 of the holder's dossiers, newest first, each "
        "as the result of `dossier_lookup`"
    ),
}
