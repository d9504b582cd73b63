"""The hub's retained ``state/supervision``: the dashboard's counts and the alarms.

Started by the gateway beside the queue's and the dossiers' tickers::

    ticker = supervision_ticker(gateway).start()

It recomputes when nudged (a node's status, an alarm raised or cleared),
when a dossier event is added (through the web pages too; seen within a
second), and every 5 s
(dossiers fall overdue with the clock); it publishes only when the counts
differ.
"""

from __future__ import annotations

from motcua import clock
from motcua.bus.messages import STATE_SUPERVISION

from .. import alarms
from ..queue.ticker import StatsTicker
from . import supervision

INTERVAL = 5.0
# How often the newest dossier event is looked at (a dossier changed through the
# web pages): the counts follow within a second. Was 0.1 s: the query ran 10
# times a second on an idle hub (issue 25).
FINGERPRINT_POLL = 1.0


def _fingerprint(db):
    return db.execute("select max(id) from dossier_events").fetchone()[0]


def as_message(figures: dict) -> dict:
    return STATE_SUPERVISION.make(updated_at=clock.iso(), **figures)


def supervision_ticker(gateway) -> StatsTicker:
    config = gateway.config
    ticker = StatsTicker(
        gateway.store, gateway.topics, gateway.publish_state, interval=INTERVAL,
        topic=gateway.topics.state("supervision"),
        figures=lambda db: supervision.figures(db, config),
        message=as_message, name="supervision", fingerprint=_fingerprint, poll=FINGERPRINT_POLL,
        # Nodes' status (topic None); queue state does not move these counts.
        nudged_by=lambda topic: topic is None)
    alarms.on_change(ticker.nudge)  # an alarm shows on the dashboard at once
    return ticker
