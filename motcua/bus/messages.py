"""The messages of the bus: their topics, fields and validation.

Payloads are JSON objects. Every one carries ``v``, the schema version; a
receiver refuses a version it does not know and ignores fields it does not
know (new optional fields do not bump ``v``). Events and requests carry an
``id`` chosen by the sender, so a redelivered message is applied once.

Build a payload with :meth:`MessageType.make` and check one that arrived with
:meth:`MessageType.validate`::

    >>> FAULT.make(id="a1", code="paper_out", message="Hết giấy", severity="error")["v"]
    1
    >>> FAULT.validate({"v": 1, "id": "a1", "code": 7})
    Traceback (most recent call last):
    ...
    motcua.bus.messages.InvalidMessage: ts: missing; code: expected a string, got 7; ...

The catalogue (:data:`CATALOGUE`) is the single list of what may travel on
the bus; ``docs/mqtt.md`` is generated from it and a test keeps them equal.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field

SCHEMA_VERSION = 1
MAX_PAYLOAD_BYTES = 64 * 1024
ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
ROLES = ("dispenser", "counter", "display", "kiosk")


class InvalidMessage(ValueError):
    """A payload that does not follow the contract; ``problems`` lists each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def new_id() -> str:
    """A fresh message id (events and requests)."""
    return uuid.uuid4().hex


def now_iso() -> str:
    """The current moment, UTC, as the bus writes it."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # string | integer | number | boolean | object | array | timestamp | id
    doc: str
    required: bool = True
    choices: tuple = ()
    max_length: int = 1000

    def check(self, value) -> str | None:
        t = self.type
        if t in ("string", "id", "timestamp"):
            if not isinstance(value, str):
                return f"expected a string, got {value!r}"
            if len(value) > self.max_length:
                return f"longer than {self.max_length} characters"
            if t == "id" and not ID_PATTERN.match(value):
                return "expected an id of 1-64 letters, digits or . _ : -"
            if t == "timestamp":
                try:
                    moment = dt.datetime.fromisoformat(value)
                except ValueError:
                    return f"expected an ISO 8601 time, got {value!r}"
                if moment.tzinfo is None:
                    return "expected a time with its UTC offset"
        elif t == "integer":
            if not isinstance(value, int) or isinstance(value, bool):
                return f"expected an integer, got {value!r}"
        elif t == "number":
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                return f"expected a number, got {value!r}"
        elif t == "boolean":
            if not isinstance(value, bool):
                return f"expected true or false, got {value!r}"
        elif t == "object":
            if not isinstance(value, dict):
                return f"expected an object, got {value!r}"
        elif t == "array":
            if not isinstance(value, list):
                return f"expected an array, got {value!r}"
        else:  # pragma: no cover - a mistake in the catalogue
            raise AssertionError(f"unknown field type {t}")
        if self.choices and value not in self.choices:
            return f"expected one of {', '.join(map(str, self.choices))}, got {value!r}"
        return None


V = Field("v", "integer", "schema version", choices=(SCHEMA_VERSION,))
ID = Field("id", "id", "message id chosen by the sender; a repeated id is applied once")
TS = Field("ts", "timestamp", "when the sender created the message (ISO 8601, UTC)")


@dataclass(frozen=True)
class MessageType:
    """One kind of message: where it travels, who sends it and what it holds."""

    key: str
    topic: str
    sender: str
    qos: int
    retain: bool
    doc: str
    fields: tuple[Field, ...] = field(default_factory=tuple)

    @property
    def kind(self) -> str:
        return self.key.split(".")[0]

    @property
    def name(self) -> str | None:
        return self.key.split(".", 1)[1] if "." in self.key else None

    def make(self, **values) -> dict:
        """A payload of this type, with ``v`` (and ``id``/``ts`` where due) filled in."""
        payload = {"v": SCHEMA_VERSION}
        names = {f.name for f in self.fields}
        if "id" in names and "id" not in values:
            payload["id"] = new_id()
        if "ts" in names and "ts" not in values:
            payload["ts"] = now_iso()
        payload.update({k: v for k, v in values.items() if v is not None})
        self.validate(payload)
        return payload

    def validate(self, data) -> dict:
        """Return ``data`` when it follows this type, else raise :class:`InvalidMessage`."""
        if not isinstance(data, dict):
            raise InvalidMessage([f"expected a JSON object, got {type(data).__name__}"])
        problems = []
        for f in self.fields:
            if f.name not in data or data[f.name] is None:
                if f.required:
                    problems.append(f"{f.name}: missing")
                continue
            problem = f.check(data[f.name])
            if problem:
                problems.append(f"{f.name}: {problem}")
        if problems:
            raise InvalidMessage(problems)
        return data


MAX_DEPTH = 32


def _too_deep(text: str) -> bool:
    """Whether JSON nests deeper than MAX_DEPTH, found without recursing.

    json.loads would raise RecursionError on "[[[[…" — and a RecursionError in
    a network thread has been seen to upset the interpreter afterwards — so
    hostile nesting is refused before parsing. Only payloads with many
    brackets are scanned.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def _no_constant(name: str):
    # NaN and Infinity are not JSON: a browser reading /api/nodes would choke.
    raise json.JSONDecodeError(f"{name} is not allowed", name, 0)


def decode(payload: bytes) -> dict:
    """Bytes off the wire to a dict, or :class:`InvalidMessage` saying why not."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise InvalidMessage([f"payload larger than {MAX_PAYLOAD_BYTES} bytes"])
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidMessage(["payload is not UTF-8"]) from None
    if _too_deep(text):
        raise InvalidMessage([f"payload nests deeper than {MAX_DEPTH} levels"])
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InvalidMessage([f"payload is not JSON: {exc.msg} at {exc.pos}"]) from None
    except RecursionError:  # not expected after _too_deep; still never a crash
        raise InvalidMessage(["payload nests too deeply"]) from None
    if not isinstance(data, dict):
        raise InvalidMessage([f"expected a JSON object, got {type(data).__name__}"])
    return data


def encode(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- The catalogue ------------------------------------------------------------

NODE_TOPIC = "motcua/{center}/node/{node_id}"

NODE_STATUS = MessageType(
    key="status",
    topic=NODE_TOPIC + "/status",
    sender="node",
    qos=1,
    retain=True,
    doc=(
        "The node's presence. Published retained as `online` at every connect; the same "
        "topic carries the Last Will `offline`, which the broker publishes when the node "
        "vanishes: at once when its connection closes; when it hangs or its network goes "
        "silent, once keep-alive runs out: 1.5x the keep-alive in the MQTT specification, "
        "measured 2.9x to 4x with Mosquitto 2.0.11 (a 15 s keep-alive: about 45 to 60 s). "
        "The hub keeps its node registry from it."
    ),
    fields=(
        V,
        Field("node_id", "id", "the node's id"),
        Field("role", "string", "the node's role", choices=ROLES),
        Field("state", "string", "presence", choices=("online", "offline")),
        Field("version", "string", "software version", required=False, max_length=40),
        Field("ts", "timestamp", "when the node came online", required=False),
        Field("detail", "object", "role-specific facts (printer, screen, …)", required=False),
    ),
)

HUB_STATUS = MessageType(
    key="hub-status",
    topic="motcua/{center}/hub/status",
    sender="hub",
    qos=1,
    retain=True,
    doc=(
        "The hub's presence, retained, with a Last Will `offline`. Nodes show that the "
        "hub is unreachable and keep working on their own where they can."
    ),
    fields=(
        V,
        Field("state", "string", "presence", choices=("online", "offline")),
        Field("version", "string", "software version", required=False, max_length=40),
        Field("center_name", "string", "the centre's name, in Vietnamese", required=False),
        Field("ts", "timestamp", "when the hub came online", required=False),
    ),
)

FAULT = MessageType(
    key="event.fault",
    topic=NODE_TOPIC + "/event/fault",
    sender="node",
    qos=1,
    retain=False,
    doc=(
        "A hardware or software fault seen by a node (printer out of paper, camera lost, "
        "screen error), or its clearing. Shown on the hub's device page."
    ),
    fields=(
        V,
        ID,
        TS,
        Field("code", "string", "machine-readable fault code, e.g. `paper_out`", max_length=64),
        Field("message", "string", "what a technician reads, in Vietnamese"),
        Field("severity", "string", "how bad", choices=("info", "warning", "error")),
        Field("cleared", "boolean", "true when the fault has gone away", required=False),
    ),
)

PING = MessageType(
    key="request.ping",
    topic=NODE_TOPIC + "/request/ping",
    sender="node",
    qos=1,
    retain=False,
    doc=(
        "Is the hub there, and what time is it? Nodes without a real-time clock compare "
        "`hub_time` with their own. The response echoes `echo`."
    ),
    fields=(
        V,
        ID,
        TS,
        Field("echo", "string", "any text, returned as is", required=False, max_length=256),
    ),
)

DOSSIER_LOOKUP = MessageType(
    key="request.dossier_lookup",
    topic=NODE_TOPIC + "/request/dossier_lookup",
    sender="node",
    qos=1,
    retain=False,
    doc=(
        "A kiosk (or counter) asks for a dossier's public status by its code, scanned "
        "from the appointment receipt or typed. The answer carries no personal data "
        "beyond a masked name."
    ),
    fields=(
        V,
        ID,
        TS,
        Field("code", "string", "the dossier code, e.g. `000.00.14.H56-200203-0118`",
              max_length=64),
    ),
)

RESPONSE = MessageType(
    key="response.*",
    topic=NODE_TOPIC + "/response/{name}",
    sender="hub",
    qos=1,
    retain=False,
    doc=(
        "The answer to `request/{name}`, sent to the request's MQTT 5 response topic with "
        "its correlation data. `ok` false carries `error` (`code`, `message`); a malformed "
        "request is answered with code `invalid`."
    ),
    fields=(
        V,
        Field("id", "id", "the request's id", required=False),
        Field("ok", "boolean", "whether the request was carried out"),
        Field("result", "object", "what the request asked for, when ok", required=False),
        Field("error", "object", "`code` and `message` (Vietnamese), when not ok", required=False),
    ),
)

# --- Catalog (issue 7): the kiosk's replica of the procedure catalog ------------

CATALOG_STATE = MessageType(
    key="state.catalog",
    topic="motcua/{center}/state/catalog",
    sender="hub",
    qos=1,
    retain=True,
    doc=(
        "The procedure catalog's version, retained. It changes with every publication "
        "(import or edit); a kiosk whose replica holds another version fetches the "
        "catalog again with `request/catalog_fetch`."
    ),
    fields=(
        V,
        Field("version", "integer", "catalog version (increases with every publication)"),
        Field("count", "integer", "number of procedures in force"),
        Field("ts", "timestamp", "when this state was published", required=False),
    ),
)

CATALOG_FETCH = MessageType(
    key="request.catalog_fetch",
    topic=NODE_TOPIC + "/request/catalog_fetch",
    sender="node",
    qos=1,
    retain=False,
    doc=(
        "A kiosk fetches the current catalog, one page at a time (each response stays "
        "under 48 KiB): the first request without `after`, then with the `next` cursor "
        "of the previous page until a page has none."
    ),
    fields=(
        V,
        ID,
        TS,
        Field("after", "string", "cursor: the last procedure code of the previous page",
              required=False, max_length=64),
    ),
)

# Requests the hub answers, with what their result holds (for docs/mqtt.md).
# --- The queue (issue 3) ------------------------------------------------------

TICKET = MessageType(
    key="request.ticket",
    topic=NODE_TOPIC + "/request/ticket",
    sender="node",
    qos=1,
    retain=False,
    doc=(
        "A dispenser asks for the next ticket of a service (a citizen pressed its button). "
        "Applied once per `id`: a redelivered request gets the same ticket, never a second "
        "number. Offline printing from leased number blocks (table `number_blocks`) will "
        "use its own request; the hub already skips every leased range."
    ),
    fields=(
        V,
        ID,
        TS,
        Field("service", "string", "the service's code, e.g. `ho-tich`", max_length=32),
        Field("priority", "string", "priority class code (e.g. `elderly`), absent for normal",
              required=False, max_length=32),
    ),
)

COUNTER_ACTIONS = ("open", "close", "next", "recall", "no_show", "finish", "serve",
                   "transfer", "pause", "resume", "call")

COUNTER_COMMAND = MessageType(
    key="request.counter_command",
    topic=NODE_TOPIC + "/request/counter_command",
    sender="node",
    qos=1,
    retain=False,
    doc=(
        "A counter node's keypad: one request per key press, the key in `action`. The hub "
        "checks that the sending node is the one bound to the counter (setup: counter "
        "`node`), else answers `not_bound`. `next` finishes the current ticket and calls "
        "the next by the centre's order; `recall` calls it again (after the configured "
        "number of recalls it becomes a no-show); `call` calls a given `number`, and needs "
        "a `reason` when that is not the head of the line (recorded for the fairness "
        "audit); `transfer` sends the current ticket to `target_service` or "
        "`target_counter`, keeping its original issue time."
    ),
    fields=(
        V,
        ID,
        TS,
        Field("action", "string", "the key pressed", choices=COUNTER_ACTIONS),
        Field("counter", "integer", "counter number; default: the counter bound to the node",
              required=False),
        Field("number", "string", "ticket number as displayed (`call`)", required=False,
              max_length=16),
        Field("reason", "string", "why (`call` out of order, `transfer`, `no_show`)",
              required=False, max_length=200),
        Field("target_service", "string", "service code (`transfer`)", required=False,
              max_length=32),
        Field("target_counter", "integer", "counter number (`transfer`)", required=False),
    ),
)

STATE_BOARD = MessageType(
    key="state.board",
    topic="motcua/{center}/state/board/{hall}",
    sender="hub",
    qos=1,
    retain=True,
    doc=(
        "A hall's board, retained, republished after every change: the newest calls "
        "(newest first) with their counters, each counter's current number, and how many "
        "wait per service. A display rebooted mid-day draws it at once."
    ),
    fields=(
        V,
        Field("hall", "string", "hall code (`main` by default)"),
        Field("day", "string", "business day (local date, YYYY-MM-DD)"),
        Field("calls", "array", "`display`, `counter`, `counter_name`, `service_name`, "
                                "`status`, `called_at`"),
        Field("counters", "array", "`counter`, `name`, `status`, `display` (current number "
                                   "or null)"),
        Field("waiting", "array", "`service`, `name`, `waiting` (count)"),
    ),
)

STATE_COUNTER = MessageType(
    key="state.counter",
    topic="motcua/{center}/state/counter/{number}",
    sender="hub",
    qos=1,
    retain=True,
    doc=("One counter's state, retained: what its number display and console show. "
         "A counter starts `closed` when the setup creates it, and stays so until its "
         "officer opens it (`counter_command` `open`); `close` closes it again."),
    fields=(
        V,
        Field("counter", "integer", "counter number"),
        Field("name", "string", "counter name, e.g. `Quầy 5`"),
        Field("hall", "string", "hall code"),
        Field("status", "string", "state", choices=("open", "paused", "closed")),
        Field("status_name", "string", "state in Vietnamese"),
        Field("officer", "string", "officer signed in (full name)", required=False),
        Field("current", "object", "the ticket called or served now: `display`, `service`, "
                                   "`service_name`, `status`, `called_at`, `recalls`",
              required=False),
        Field("services", "array", "codes of the services it serves"),
        # Issue 5: the rating keypad lights for a ticket however it was finished
        # (counter keypad or the officer's web console).
        Field("finished", "object", "the ticket last finished as done here: `ticket_id`, "
                                    "`display`, `finished_at`", required=False),
    ),
)

STATE_LINE = MessageType(
    key="state.line",
    topic="motcua/{center}/state/line/{service}",
    sender="hub",
    qos=1,
    retain=True,
    doc=(
        "A service's waiting line, retained: the tickets waiting in first-come order "
        "(`display`, `priority`) and the estimate for a new ticket. A live ticket page "
        "finds its own position here; nothing personal is in it."
    ),
    fields=(
        V,
        Field("service", "string", "service code"),
        Field("name", "string", "service name"),
        Field("waiting", "integer", "tickets waiting"),
        Field("queue", "array", "`display` and `priority` of the first 200 waiting tickets, "
                                "in order"),
        Field("open_counters", "integer", "counters open for this service"),
        Field("idle_counters", "integer", "of those, counters calling or serving nobody now",
              required=False),
        Field("minutes_per_person", "number", "recent service time / open counters: the "
                                              "minutes between two calls"),
        Field("estimate_min", "integer", "estimated wait of a ticket issued now, minutes "
                                         "(the `(waiting - idle + 1)`-th call from now)"),
        Field("estimate_range", "array", "`[low, high]` minutes, present when the number "
                                         "cannot be trusted: show the range instead",
              required=False),
        Field("steady", "boolean", "counters open, service time known, none opened, paused "
                                   "or closed in the last 15 min: a waiting ticket's own "
                                   "estimate may be a number (else a range)", required=False),
        Field("target_wait_min", "integer", "the service's target wait, minutes"),
        Field("departments", "array", "names of the departments the service belongs to (a "
                                      "kiosk offers its tickets for their procedures)",
              required=False),
    ),
)

STATE_QUEUE_STATS = MessageType(
    key="state.queue_stats",
    topic="motcua/{center}/state/queue_stats",
    sender="hub",
    qos=1,
    retain=True,
    doc="Today's queue figures, retained (LED boards, supervisor view).",
    fields=(
        V,
        Field("day", "string", "business day"),
        Field("issued", "integer", "tickets issued"),
        Field("waiting", "integer", "waiting now"),
        Field("serving", "integer", "called or being served now"),
        Field("done", "integer", "served"),
        Field("no_show", "integer", "no-shows"),
        Field("cancelled", "integer", "cancelled"),
        Field("avg_wait_min", "number", "average wait until first call, minutes"),
        Field("p90_wait_min", "number", "90th percentile of that wait"),
        Field("within_target", "number", "share called within the target wait (0–1)"),
        Field("no_show_rate", "number", "no-shows / (served + no-shows)"),
        Field("out_of_order", "integer", "calls out of order (with a reason)"),
    ),
)

STATE_TICKET = MessageType(
    key="state.ticket",
    topic="motcua/{center}/state/ticket/{ticket_key}",
    sender="hub",
    qos=1,
    retain=True,
    doc=(
        "One ticket for its public live page (opened from the QR code), retained, "
        "republished when the ticket changes, and all of today's again whenever the hub "
        "connects. `ticket_key`: take the ticket's token (the letters and digits after "
        "`/t/` in its `live_path`, e.g. `Kx3…`), encode it as UTF-8, compute its SHA-256 "
        "digest, write the digest in lowercase hexadecimal (64 characters) and keep the "
        "first 32; in Python `hashlib.sha256(token.encode()).hexdigest()[:32]`, for the "
        "token `abc` `ba7816bf8f01cfea414140de5dae2223`. Pages may read all of `state/#`, "
        "and the token itself opens the ticket's page and forms, so topic names must not "
        "give it away. The payload holds no personal data. Position while waiting comes "
        "from `state/line/{service}`."
    ),
    fields=(
        V,
        Field("display", "string", "ticket number as displayed"),
        Field("service", "string", "service code (current, after a transfer)"),
        Field("service_name", "string", "service name"),
        Field("priority", "boolean", "a priority ticket"),
        Field("status", "string", "ticket status",
              choices=("waiting", "called", "serving", "done", "no_show", "cancelled")),
        Field("status_name", "string", "status in Vietnamese"),
        Field("issued_at", "timestamp", "issue time (kept across transfers)"),
        Field("called_at", "timestamp", "last call", required=False),
        Field("counter", "object", "`counter`, `name` while called or served",
              required=False),
        Field("people_ahead", "integer", "waiting before it when published"),
        Field("estimate_min", "integer", "wait estimated at issue, minutes", required=False),
    ),
)

ANNOUNCE = MessageType(
    key="hub-event.announce",
    topic="motcua/{center}/hub/event/announce",
    sender="hub",
    qos=1,
    retain=False,
    doc=(
        "A call or recall to announce (chime and voice on the hall displays). Not "
        "retained: a display that was off does not replay old calls; the board is in "
        "`state/board/{hall}`."
    ),
    fields=(
        V,
        ID,
        TS,
        Field("kind", "string", "first call or recall", choices=("call", "recall")),
        Field("display", "string", "ticket number as displayed"),
        Field("number", "integer", "ticket number (for the spoken words)"),
        Field("service", "string", "service code"),
        Field("service_name", "string", "service name"),
        Field("counter", "integer", "counter number"),
        Field("counter_name", "string", "counter name"),
        Field("hall", "string", "hall code"),
    ),
)

QUEUE_MESSAGES = (TICKET, COUNTER_COMMAND, STATE_BOARD, STATE_COUNTER, STATE_LINE,
                  STATE_QUEUE_STATS, STATE_TICKET, ANNOUNCE)
QUEUE_RESULTS = {
    "ticket": (
        "`ticket_id`, `number`, `display` (`A023` or `1023`), `service`, `service_name`, "
        "`priority`, `priority_name`, `people_ahead`, `estimate_min`, `estimate_range` "
        "(`[low, high]` minutes when the estimate cannot be trusted: print the range, not "
        "the number; else null), `issued_at`, `day`, "
        "`token`, `live_path` (`/t/<token>`, the public live page for the QR code)"
    ),
    "counter_command": (
        "`counter`, `status`, `status_name`, `message` (Vietnamese, for the counter's "
        "display), `current` (`display`, `service`, `service_name`, `status`, `called_at`, "
        "`recalls`, or null)"
    ),
}

# --- The hall display (issue 6) -------------------------------------------------

STATE_DOSSIER_STATS = MessageType(
    key="state.dossier_stats",
    topic="motcua/{center}/state/dossier_stats",
    sender="hub",
    qos=1,
    retain=True,
    doc=(
        "How each department is doing with dossiers, retained, republished when a "
        "dossier is resolved or falls overdue (hall display and LED board). `on_time_rate` "
        "is on-time resolved / resolved over `period`; `overdue` counts dossiers still in "
        "progress past their due time now (not while paused for a supplement). The hub "
        "checks the figures every 10 s and publishes them when they change; displays draw "
        "whatever was last retained."
    ),
    fields=(
        V,
        Field("period", "string", "what the rates cover, in Vietnamese (e.g. `Năm 2026`)",
              max_length=64),
        Field("updated_at", "timestamp", "when the hub computed the figures"),
        Field("departments", "array", "`code`, `name`, `resolved` (count), `on_time` "
                                      "(count), `on_time_rate` (0–1, null when none "
                                      "resolved), `in_progress` (count), `overdue` "
                                      "(in progress past due, count)"),
    ),
)

DISPLAY_MESSAGES = (STATE_DOSSIER_STATS,)
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

# Requests the hub answers, with what their result holds (for docs/mqtt.md).
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


# --- Many centres, one province (issue 12) -------------------------------------
# A centre's hub sends these on motcua/<center>/up/...; the centre's broker
# bridges state/# and up/# to the provincial broker under province/<center>/
# (broker-config/bridge.conf.template). Batches: one message per second at
# most per kind, each record keyed by the centre's own row id, so the
# province applies a redelivered or resent batch once.

UP_TICKET_EVENTS = MessageType(
    key="up.ticket_events",
    topic="motcua/{center}/up/ticket_events",
    sender="hub",
    qos=1,
    retain=False,
    doc=(
        "Summarised ticket events for the province: each issue, call, recall, finish, "
        "no-show or transfer, in the centre's order, without anything about the citizen. "
        "The province stores each `(centre, event_id)` once. Sent again from the start "
        "of the day whenever the bridge to the province comes back up (the province "
        "ignores what it holds)."
    ),
    fields=(
        V, ID, TS,
        Field("events", "array", "`event_id`, `at`, `day`, `action`, `to_status`, "
                                 "`ticket_id`, `display`, `service`, `counter`, `officer` "
                                 "(user name), `officer_name`"),
    ),
)

UP_DOSSIERS = MessageType(
    key="up.dossiers",
    topic="motcua/{center}/up/dossiers",
    sender="hub",
    qos=1,
    retain=False,
    doc=(
        "The current row of each dossier that changed, for the province's reports: the "
        "centre's `dossiers` columns less the applicant's identity, phone and address, "
        "plus `department_code`, `department_name`, `procedure_field`, `procedure_level` "
        "and `version` (the centre's newest dossier event id for it). The province keeps "
        "the row with the highest version."
    ),
    fields=(V, ID, TS, Field("dossiers", "array", "dossier rows as described")),
)

UP_DOSSIER_EVENTS = MessageType(
    key="up.dossier_events",
    topic="motcua/{center}/up/dossier_events",
    sender="hub",
    qos=1,
    retain=False,
    doc=(
        "Each dossier's events for the province's official period report, without notes "
        "or who acted; of the event's detail only `due_at` and `classification`. Each "
        "`(centre, event_id)` stored once."
    ),
    fields=(V, ID, TS, Field("events", "array", "`event_id`, `code` (the dossier's), `at`, "
                                                "`action`, `from_status`, `to_status`, "
                                                "`due_at`, `classification`")),
)

UP_RATINGS = MessageType(
    key="up.ratings",
    topic="motcua/{center}/up/ratings",
    sender="hub",
    qos=1,
    retain=False,
    doc="Citizens' ratings for the province's officer rankings, each `(centre, rating_id)` "
        "once.",
    fields=(V, ID, TS, Field("ratings", "array", "`rating_id`, `counter`, `officer`, "
                                                 "`officer_name`, `level`, `score`, "
                                                 "`rated_at`")),
)

STATE_NODES = MessageType(
    key="state.nodes",
    topic="motcua/{center}/state/nodes",
    sender="hub",
    qos=1,
    retain=True,
    doc="The centre's nodes and whether each is online, retained, republished when one "
        "changes, for the province's view of the floor: published only by a hub with "
        "`uplink = true` in hub.toml (a centre that bridges to a province); a centre on "
        "its own has the nodes' own `status` topics instead.",
    fields=(
        V,
        Field("center_name", "string", "the centre's name", max_length=200),
        Field("updated_at", "timestamp", "when the hub built it"),
        Field("nodes", "array", "`node_id`, `role`, `state` (`online`/`offline`), `since`"),
    ),
)

PROVINCE_MESSAGES = (UP_TICKET_EVENTS, UP_DOSSIERS, UP_DOSSIER_EVENTS, UP_RATINGS,
                     STATE_NODES)

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

REQUEST_RESULTS = {
    "ping": "`hub_time` (ISO 8601, UTC), `echo`, `center_name`",
    "dossier_lookup": (
        "`found` (bool); when found: `code`, `status` (national code 1–10), "
        "`status_name` (Vietnamese), `received_at`, `due_at` (ISO 8601), `department` "
        "(name of the department handling it now), `late` (bool), `applicant` (masked, "
        "e.g. `Nguyễn T*** L**`)"
    ),
    "catalog_fetch": (
        "`version`, `count`, `procedures` (list of `code`, `version`, `name`, `field`, "
        "`level`, `department` (code), `department_name`, `details` as in "
        "central/procedures.py), and `next` (cursor) when more pages follow"
    ),
}

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

# --- Statistics and supervision (issue 9) ---------------------------------------

STATE_SUPERVISION = MessageType(
    key="state.supervision",
    topic="motcua/{center}/state/supervision",
    sender="hub",
    qos=1,
    retain=True,
    doc=(
        "The supervisor dashboard's counts and the hub's active alarms, retained, "
        "republished when they change (coalesced: at most about five times a second; the "
        "hub also looks every 5 s, since dossiers fall overdue with the clock). Counts "
        "only, no dossier code or name: the signed-in dashboard fetches the details when "
        "this changes."
    ),
    fields=(
        V,
        Field("updated_at", "timestamp", "when the hub computed the figures"),
        Field("day", "string", "local date the `today` counts cover"),
        Field("overdue", "integer", "open dossiers past their due time"),
        Field("due_soon", "integer", "open dossiers due within one working day"),
        Field("supplement", "integer", "dossiers waiting for a supplement"),
        Field("received_today", "integer", "dossiers received today"),
        Field("resolved_today", "integer", "dossiers resolved today"),
        Field("nodes_online", "integer", "nodes online"),
        Field("nodes_offline", "integer", "nodes offline"),
        Field("printers_without_paper", "integer", "dispensers whose paper is low or out"),
        Field("alarms", "array", "active alarms: `key`, `message` (Vietnamese), `severity` "
                                 "(`warning` or `error`), `source`, `since`"),
    ),
)

STATS_MESSAGES = (STATE_SUPERVISION,)

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
CATALOGUE += KIOSK_MESSAGES
REQUEST_RESULTS.update(KIOSK_RESULTS)
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
    return RESPONSE.make(id=request_id, ok=True, result=result)
