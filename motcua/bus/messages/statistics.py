"""Statistics and supervision (issue 9): the supervisor's figures."""

from __future__ import annotations

from .base import Field, MessageType, V

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
