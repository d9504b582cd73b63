"""Many centres, one province (issue 12): what goes up the bridge."""

from __future__ import annotations

from .base import ID, TS, Field, MessageType, V

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
        "changes and every 5 minutes without a change (the province's sign that the "
        "centre's hub runs: a centre heard from nothing for 15 minutes is listed as "
        "silent), for the province's view of the floor: published only by a hub with "
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
