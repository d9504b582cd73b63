"""Apply a bus message once, whatever the network does.

QoS 1 is *at least* once: a node that lost its PUBACK sends again, and the
hub may see an event or a request twice. Each carries an ``id``; the hub
records it in the same transaction as the change it causes, with the answer
it gave, so the second copy changes nothing and gets the same answer::

    response, fresh = apply_once(store, "dispenser-1", msg_id, topic, issue_ticket)
"""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlite_utils

from motcua import clock
from motcua.bus.messages.base import encode

from ..store import Store


def apply_once(
    store: Store,
    node_id: str,
    message_id: str,
    topic: str,
    change: Callable[[sqlite_utils.Database], dict | None],
) -> tuple[dict | None, bool]:
    """Run ``change(db)`` unless this message was applied before.

    Returns the answer (``change``'s return value, or the one stored the first
    time) and whether it was applied now.
    """
    with store.write() as db:
        row = db.execute(
            "select response from bus_messages where node_id = ? and message_id = ?",
            [node_id, message_id],
        ).fetchone()
        if row is not None:
            return (json.loads(row[0]) if row[0] else None), False
        response = change(db)
        # A plain INSERT: sqlite-utils' table.insert() looks up the schema on
        # every call, which on the hub's hot path cost more than the insert.
        db.execute(
            "insert into bus_messages (node_id, message_id, topic, received_at, response) "
            "values (?, ?, ?, ?, ?)",
            [node_id, message_id, topic, clock.iso(),
             encode(response).decode("utf-8") if response else None],
        )
        return response, True
