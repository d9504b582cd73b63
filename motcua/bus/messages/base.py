"""What every message is made of: fields, message types, decoding and encoding."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import uuid
from dataclasses import dataclass, field

from motcua import clock

try:  # the hub's (motcua[hub]); a node without it encodes with the standard library
    import orjson
except ImportError:  # pragma: no cover - depends on what is installed
    orjson = None

SCHEMA_VERSION = 1
MAX_PAYLOAD_BYTES = 64 * 1024
ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
ROLES = ("dispenser", "counter", "display", "kiosk")


class InvalidMessage(ValueError):
    """A payload that does not follow the contract; ``problems`` lists each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def invalid_text(exc: InvalidMessage) -> str:
    """What a node may show a person for a malformed request: Vietnamese, naming the
    fields at fault (the contract's English reasons go to the hub's log only)::

        >>> invalid_text(InvalidMessage(["id_number: missing", "ts: expected a string"]))
        'Yêu cầu không hợp lệ (sai hoặc thiếu: id_number, ts). Xin báo kỹ thuật viên.'
    """
    fields = []
    for problem in exc.problems:
        name = problem.split(":", 1)[0].strip() if ":" in problem else ""
        if name and " " not in name and name not in fields:
            fields.append(name)
    where = f" (sai hoặc thiếu: {', '.join(fields)})" if fields else ""
    return f"Yêu cầu không hợp lệ{where}. Xin báo kỹ thuật viên."


def new_id() -> str:
    """A fresh message id (events and requests)."""
    return uuid.uuid4().hex


def now_iso() -> str:
    """The current moment, UTC, as the bus writes it: the wall clock, or the demo's
    day when a demo runs (:mod:`motcua.clock`), so a node's ``ts`` and the hub's
    clock tell one time (a rating's time, a clock-skew check, a device's report)."""
    return clock.now().isoformat(timespec="milliseconds")


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
            # The hub's store is SQLite (64-bit INTEGER), and orjson reads up to 2**64 - 1
            # as an int: a bigger one made a handler fail ("internal", a traceback).
            if not -2**63 <= value < 2**63:
                return "expected an integer of at most 64 bits (signed)"
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


def _quick_test(f: Field):
    """A test of one value (not None) that passes only what ``f.check`` passes: the
    common case of :meth:`MessageType.validate`, in one call. A value it refuses is
    checked again by ``f.check``."""
    t, most, choices = f.type, f.max_length, f.choices
    if t in ("string", "id", "timestamp"):
        if t == "id":
            match = ID_PATTERN.match

            def test(value):
                return type(value) is str and len(value) <= most and match(value) is not None
        elif t == "timestamp":
            def test(value):
                if type(value) is not str or len(value) > most:
                    return False
                try:
                    return dt.datetime.fromisoformat(value).tzinfo is not None
                except ValueError:
                    return False
        else:
            def test(value):
                return type(value) is str and len(value) <= most
    elif t == "integer":
        def test(value):
            return type(value) is int and -2**63 <= value < 2**63
    elif t == "number":
        def test(value):
            return type(value) is int or type(value) is float
    elif t == "boolean":
        def test(value):
            return value is True or value is False
    elif t == "object":
        def test(value):
            return type(value) is dict
    elif t == "array":
        def test(value):
            return type(value) is list
    else:  # pragma: no cover - a mistake in the catalogue: check() says so
        def test(value):
            return False
    if not choices:
        return test
    allowed = frozenset(choices) if all(isinstance(c, str) for c in choices) else choices

    def test_choice(value):
        return test(value) and value in allowed
    return test_choice


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

    @functools.cached_property
    def _names(self) -> frozenset:
        return frozenset(f.name for f in self.fields)

    @functools.cached_property
    def _quick(self) -> tuple:
        return tuple((f.name, f.required, _quick_test(f)) for f in self.fields)

    @property
    def kind(self) -> str:
        return self.key.split(".")[0]

    @property
    def name(self) -> str | None:
        return self.key.split(".", 1)[1] if "." in self.key else None

    def make(self, **values) -> dict:
        """A payload of this type, with ``v`` (and ``id``/``ts`` where due) filled in."""
        payload = {"v": SCHEMA_VERSION}
        names = self._names
        if "id" in names and "id" not in values:
            payload["id"] = new_id()
        if "ts" in names and "ts" not in values:
            payload["ts"] = now_iso()
        payload.update({k: v for k, v in values.items() if v is not None})
        self.validate(payload)
        return payload

    def validate(self, data) -> dict:
        """Return ``data`` when it follows this type, else raise :class:`InvalidMessage`."""
        # Every message the hub reads is checked here (issue 25): first by one test
        # per field, made once per type (:func:`_quick_test`), which accepts nothing
        # :meth:`Field.check` refuses; whatever it does not accept is checked field
        # by field below, which says what is wrong (or accepts it after all).
        if type(data) is dict:
            for name, required, test in self._quick:
                value = data.get(name)
                if value is None:
                    if required:
                        break
                elif not test(value):
                    break
            else:
                return data
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
        data = _loads(payload, text)
    except json.JSONDecodeError as exc:
        raise InvalidMessage([f"payload is not JSON: {exc.msg} at {exc.pos}"]) from None
    except RecursionError:  # not expected after _too_deep; still never a crash
        raise InvalidMessage(["payload nests too deeply"]) from None
    if not isinstance(data, dict):
        raise InvalidMessage([f"expected a JSON object, got {type(data).__name__}"])
    return data


# One encoder for every message (json.dumps with these options builds a new one
# per call). No circular-reference check: a payload is made of fresh dicts and
# lists (a cycle would still fail, as a RecursionError), and the check (an id
# kept per dict and list) cost ~20% of a line state's encoding (issue 25).
_WIRE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def _loads(payload: bytes, text: str):
    if orjson is not None:
        try:
            return orjson.loads(payload)
        except orjson.JSONDecodeError:
            pass  # the standard library's verdict (and words), as without orjson
    return json.loads(text, parse_constant=_no_constant)


# With orjson (the hub has it): the same bytes, 6 to 30 times faster (a line's
# state of 200 tickets: 164 µs → 10 µs; an answer 12.6 → 2.1 µs; decoding a
# request 8.5 → 0.7 µs; issue 25). Keys that are not strings become strings,
# as json.dumps makes them. Reading, an integer beyond 64 bits becomes a float
# (no message has one); what orjson refuses is read again by the standard
# library, which refuses it in its own words or reads it as before.
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS if orjson is not None else 0


def encode(data: dict) -> bytes:
    if orjson is not None:
        return orjson.dumps(data, option=_ORJSON_OPTIONS)
    return _WIRE.encode(data).encode("utf-8")


# --- The catalogue ------------------------------------------------------------

NODE_TOPIC = "motcua/{center}/node/{node_id}"
