"""The messages of the bus: their topics, fields and validation.

Payloads are JSON objects. Every one carries ``v``, the schema version; a
receiver refuses a version it does not know and ignores fields it does not
know (new optional fields do not bump ``v``). Events and requests carry an
``id`` chosen by the sender, so a redelivered message is applied once.

Build a payload with :meth:`MessageType.make` and check one that arrived with
:meth:`MessageType.validate`::

    >>> fault = FAULT.make(id="a1", code="paper_out", message="Hết giấy", severity="error")
    >>> fault["v"]
    1
    >>> FAULT.validate({**fault, "code": 7})
    Traceback (most recent call last):
    ...
    motcua.bus.messages.base.InvalidMessage: code: expected a string, got 7

The catalogue (:data:`CATALOGUE`) is the single list of what may travel on
the bus; ``docs/mqtt.md`` is generated from it and a test keeps them equal.
It is put together here from one module per group, in the order of that page:
:mod:`.base` (fields, message types, decoding), :mod:`.nodes`, :mod:`.catalog`,
:mod:`.queue`, :mod:`.display`, :mod:`.dispenser`, :mod:`.counter`,
:mod:`.province`, :mod:`.feedback`, :mod:`.reliability`, :mod:`.demo`,
:mod:`.statistics`, :mod:`.kiosk`, :mod:`.checkin`, :mod:`.booking`. A new message goes
into its group's module and into :data:`CATALOGUE` below; every name stays importable from here.
"""

from __future__ import annotations

from .base import (  # noqa: F401  (re-exported)
    ID,
    ID_PATTERN,
    MAX_DEPTH,
    MAX_PAYLOAD_BYTES,
    NODE_TOPIC,
    ROLES,
    SCHEMA_VERSION,
    TS,
    Field,
    InvalidMessage,
    MessageType,
    V,
    decode,
    encode,
    invalid_text,
    new_id,
    now_iso,
)
from .booking import (  # noqa: F401  (re-exported)
    APPOINTMENT_BOOK,
    APPOINTMENT_SLOTS,
    BOOKING_MESSAGES,
    BOOKING_RESULTS,
)
from .catalog import (  # noqa: F401  (re-exported)
    CATALOG_FETCH,
    CATALOG_STATE,
)
from .checkin import (  # noqa: F401  (re-exported)
    BOOKING_CHECK_IN,
    CHECKIN_MESSAGES,
    CHECKIN_RESULTS,
    STATE_BOOKING_STATS,
)
from .counter import (  # noqa: F401  (re-exported)
    COUNTER_MESSAGES,
    COUNTER_RESULTS_NOTE,
    RATING,
    RATING_LEVELS,
)
from .demo import (  # noqa: F401  (re-exported)
    DEMO_MESSAGES,
    STATE_DEMO,
)
from .dispenser import (  # noqa: F401  (re-exported)
    DISPENSER_MESSAGES,
    DISPENSER_RESULTS,
    NUMBER_BLOCK,
    TICKET_OFFLINE,
)
from .display import (  # noqa: F401  (re-exported)
    DISPLAY_MESSAGES,
    STATE_DOSSIER_STATS,
)
from .feedback import (  # noqa: F401  (re-exported)
    FEEDBACK,
    FEEDBACK_MESSAGES,
    FEEDBACK_REASON,
    FEEDBACK_RESULTS,
    FEEDBACK_TOPICS,
)
from .kiosk import (  # noqa: F401  (re-exported)
    DOSSIER_LOOKUP_BY_ID,
    KIOSK_MESSAGES,
    KIOSK_RESULTS,
)
from .nodes import (  # noqa: F401  (re-exported)
    DOSSIER_LOOKUP,
    FAULT,
    HUB_STATUS,
    NODE_STATUS,
    PING,
    RESPONSE,
)
from .province import (  # noqa: F401  (re-exported)
    PROVINCE_MESSAGES,
    STATE_NODES,
    UP_DOSSIER_EVENTS,
    UP_DOSSIERS,
    UP_RATINGS,
    UP_TICKET_EVENTS,
)
from .queue import (  # noqa: F401  (re-exported)
    ANNOUNCE,
    COUNTER_ACTIONS,
    COUNTER_COMMAND,
    QUEUE_MESSAGES,
    QUEUE_RESULTS,
    STATE_BOARD,
    STATE_COUNTER,
    STATE_LINE,
    STATE_QUEUE_STATS,
    STATE_TICKET,
    TICKET,
)
from .reliability import (  # noqa: F401  (re-exported)
    RELIABILITY_MESSAGES,
    RELIABILITY_RESULTS,
    TICKET_ABANDON,
)
from .statistics import (  # noqa: F401  (re-exported)
    STATE_SUPERVISION,
    STATS_MESSAGES,
)

REQUEST_RESULTS = {
    "ping": "`hub_time` (ISO 8601, UTC), `echo`, `center_name`",
    "dossier_lookup": (
        "`found` (bool); when found: `code`, `status` (national code 1–10), "
        "`status_name` (Vietnamese), `received_at`, `due_at` (ISO 8601), `department` "
        "(name of the department handling it now), `late` (bool), `progress` (what a "
        "citizen reads under \"Tiến độ\": `Trước hạn`, `Đúng hạn`, `Quá hạn` once resolved, "
        "`Quá hạn` or `Trong hạn` while open, empty when refused, withdrawn, stopped or not "
        "yet received), `applicant` (masked, "
        "e.g. `Nguyễn T*** L**`), `supplement` (while waiting for a supplement, status 5: "
        "what the citizen must bring, the officer's reason on form 02; empty otherwise)"
    ),
    "catalog_fetch": (
        "`version`, `count`, `procedures` (list of `code`, `version`, `name`, `field`, "
        "`level`, `department` (code), `department_name`, `details` as in "
        "central/catalog/procedures.py), and `next` (cursor) when more pages follow; the "
        "last page also `withdrawn`: the procedures a centre withdrew (list of `code`, "
        "`name`, `line`: the text that withdrew it, in Vietnamese, `replaced_by`: the code "
        "in force instead, or null), so a kiosk can answer a citizen's old code"
    ),
}

CATALOGUE: tuple[MessageType, ...] = (
    NODE_STATUS, HUB_STATUS, FAULT, PING, DOSSIER_LOOKUP, RESPONSE,
    CATALOG_STATE, CATALOG_FETCH,
)
CATALOGUE += QUEUE_MESSAGES
CATALOGUE += DISPLAY_MESSAGES
REQUEST_RESULTS.update(QUEUE_RESULTS)
CATALOGUE += DISPENSER_MESSAGES
REQUEST_RESULTS.update(DISPENSER_RESULTS)
CATALOGUE += COUNTER_MESSAGES
CATALOGUE += PROVINCE_MESSAGES
REQUEST_RESULTS["counter_command"] += COUNTER_RESULTS_NOTE
CATALOGUE += FEEDBACK_MESSAGES
REQUEST_RESULTS.update(FEEDBACK_RESULTS)
CATALOGUE += RELIABILITY_MESSAGES
REQUEST_RESULTS.update(RELIABILITY_RESULTS)
CATALOGUE += DEMO_MESSAGES
CATALOGUE += STATS_MESSAGES
CATALOGUE += KIOSK_MESSAGES
REQUEST_RESULTS.update(KIOSK_RESULTS)
CATALOGUE += CHECKIN_MESSAGES
REQUEST_RESULTS.update(CHECKIN_RESULTS)
CATALOGUE += BOOKING_MESSAGES
REQUEST_RESULTS.update(BOOKING_RESULTS)
_BY_KEY = {m.key: m for m in CATALOGUE}


def lookup(kind: str, name: str | None) -> MessageType | None:
    """The message type for a topic's kind and name (see ``Topics.parse``)."""
    if kind == "status":
        return NODE_STATUS
    if kind == "hub-status":
        return HUB_STATUS
    if kind == "response":
        return RESPONSE
    if kind == "state" and name:
        # state/<kind>/<key>: the type is named by the first level.
        return _BY_KEY.get(f"state.{name.split('/')[0]}")
    return _BY_KEY.get(f"{kind}.{name}")


def error_response(request_id: str | None, code: str, message: str) -> dict:
    """A response saying no, with a reason a person can read."""
    ok_id = request_id if isinstance(request_id, str) and ID_PATTERN.match(request_id) else None
    return RESPONSE.make(id=ok_id, ok=False, error={"code": code, "message": message})


def ok_response(request_id: str, result: dict) -> dict:
    """A response saying yes, with its ``result``::

        >>> ok_response("r-1", {"number": 12})
        {'v': 1, 'id': 'r-1', 'ok': True, 'result': {'number': 12}}
    """
    # Built as RESPONSE.make builds it (the same keys, in the same order), without
    # checking again what is known to fit: an id of the contract's shape and a
    # dict. Every request's answer passed through make()'s field checks (~5% of a
    # ticket's instructions on the hub, issue 25); anything else still does.
    if type(result) is dict and type(request_id) is str and ID_PATTERN.match(request_id):
        return {"v": SCHEMA_VERSION, "id": request_id, "ok": True, "result": result}
    return RESPONSE.make(id=request_id, ok=True, result=result)
