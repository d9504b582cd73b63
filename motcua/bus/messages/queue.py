"""The queue (issue 3): tickets, counter commands, the floor's retained state."""

from __future__ import annotations

from .base import ID, NODE_TOPIC, TS, Field, MessageType, V

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
        "the next by the centre's order (a `next` within the centre's `next_again_s`, "
        "default 2 s, of the counter's call, that ticket still only called, is a double "
        "press: nothing changes, and the answer's `message` says so); `recall` calls it "
        "again (after the configured "
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
        Field("minutes", "integer", "how long the officer steps away (`pause`), 1–240: the "
                                    "wait estimates count on the counter's return then; "
                                    "absent when not known", required=False),
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
        Field("status_name", "string", "state in Vietnamese (`Tạm nghỉ đến 09:45` for a "
                                        "pause of a said length)"),
        Field("back_at", "timestamp", "a paused counter's planned return (ISO 8601 UTC), "
                                      "when its officer said how long", required=False),
        # No name: retained state is public (anyone on the hall's Wi-Fi reads it
        # through the live pages' relay). Staff pages fetch names when this changes.
        Field("signed_in", "timestamp", "since when the officer now at the counter is "
                                        "signed in (ISO 8601 UTC); absent with nobody. No "
                                        "name: the state is public", required=False),
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
                                         "(the `(waiting - idle + 1)`-th call from now, after "
                                         "the `bookings` due before it)"),
        Field("estimate_range", "array", "`[low, high]` minutes, present when the number "
                                         "cannot be trusted: show the range instead",
              required=False),
        Field("steady", "boolean", "counters open, service time known, none opened, paused "
                                   "or closed unannounced in the last 15 min, none late "
                                   "back from a pause: a waiting ticket's own estimate may "
                                   "be a number (else a range)", required=False),
        Field("changes", "array", "changes to the counters open for the service announced "
                                  "ahead, in time order, which the estimates count: `at` "
                                  "(ISO 8601 UTC), `back` (counters coming back then: a "
                                  "pause's planned end), `gone` (counters leaving then); "
                                  "absent when none", required=False),
        Field("bookings", "object", "bookings not checked in yet whose check-in window is "
                                    "open, called ahead of walk-ins from their slot's start "
                                    "(a walk-in's wait counts them): `slots` (`at`, the "
                                    "slot's start, ISO 8601 UTC; `count`), `late_min` (the "
                                    "window closes this long after `at`), `in_a_row` (at "
                                    "most this many per walk-in's call), `due_only` (true: "
                                    "only those due already count); absent when none",
              required=False),
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
        Field("avg_wait_min", "number", "average wait until first call, minutes; absent "
                                        "while no ticket was called (no wait to average)",
              required=False),
        Field("p90_wait_min", "number", "90th percentile of that wait; absent while no "
                                        "ticket was called", required=False),
        Field("within_target", "number", "share called within the target wait (0–1); "
                                         "absent while no ticket was called (no share: "
                                         "show \"—\", never 0 % or 100 %)", required=False),
        Field("no_show_rate", "number", "no-shows / (served + no-shows); absent while "
                                        "nobody was served or marked absent",
              required=False),
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
        "the number; else null), `no_counter_open` (true when no counter serving the "
        "service is open: print \"Chưa có quầy nào mở cho dịch vụ này\", not a wait; "
        "absent otherwise) with `opens_at` (ISO 8601 UTC when a counter's hours or pause "
        "say when one opens, else null), `issued_at`, `day`, "
        "`token`, `live_path` (`/t/<token>`, the public live page for the QR code)"
    ),
    "counter_command": (
        "`counter`, `status`, `status_name`, `message` (Vietnamese, for the counter's "
        "display), `current` (`display`, `service`, `service_name`, `status`, `called_at`, "
        "`recalls`, or null)"
    ),
}
