"""What every node and the hub say about themselves: status, faults, ping, answers;
the dossier look-up a kiosk's or a counter's scanner asks for."""

from __future__ import annotations

from .base import ID, NODE_TOPIC, ROLES, TS, Field, MessageType, V

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
