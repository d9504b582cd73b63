"""The hall display (issue 6): the departments' dossier figures."""

from __future__ import annotations

from .base import Field, MessageType, V

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
