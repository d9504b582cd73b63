"""Which counters a counter node may command.

A counter is bound to one node by ``counters.node_id`` (the queue's setup).
One Pi may also drive the keypads of neighbouring counters: those extra
bindings live in ``counter_keypads``::

    with store.write() as db:
        keypads.link(db, "counter-1", 2, actor="admin")
        keypads.bound_counter(db, "counter-1", 2)     # -> counter 2's row
        keypads.bound_counter(db, "counter-1", 5)     # Refused("not_bound", ...)
"""

from __future__ import annotations

import re

from ..accounts import audit
from ..errors import Refused

NODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def counters_of_node(db, node_id: str) -> list[dict]:
    """The counters this node may command: its own first, then the linked ones."""
    return list(db.query(
        """
        select c.* from counters c where c.node_id = ?
        union all
        select c.* from counters c join counter_keypads k on k.counter_id = c.id
        where k.node_id = ? and c.node_id is not ?
        """, [node_id, node_id, node_id]))


def bound_counter(db, node_id: str, number: int | None) -> dict:
    """The counter a node may command; refuse one it is not bound to.

    Without ``number``, a node bound to exactly one counter means that one.
    """
    rows = counters_of_node(db, node_id)
    if not rows:
        raise Refused("not_bound", f"Thiết bị '{node_id}' chưa được gắn với quầy nào.")
    if number is None:
        if len(rows) > 1:
            raise Refused("counter_required",
                          f"Thiết bị '{node_id}' điều khiển nhiều quầy: cần ghi rõ số quầy.")
        return rows[0]
    for row in rows:
        if row["number"] == number:
            return row
    raise Refused("not_bound", f"Thiết bị '{node_id}' không điều khiển quầy {number}.")


def link(db, node_id: str, number: int, actor: str | None = None) -> None:
    """Let ``node_id`` also drive counter ``number`` (a neighbouring counter's keypad)."""
    node_id = str(node_id or "").strip().lower()
    if not NODE.match(node_id):
        raise Refused("invalid_node", f"Mã thiết bị '{node_id}' không hợp lệ.")
    row = db.execute("select id from counters where number = ?", [number]).fetchone()
    if row is None:
        raise Refused("unknown_counter", f"Không có quầy số {number}.")
    db.execute("insert or replace into counter_keypads (counter_id, node_id) values (?, ?)",
               [row[0], node_id])
    audit.record(db, actor, "counter.keypad", f"counter:{number}", {"node_id": node_id})


def links(db) -> list[dict]:
    """Every neighbouring-counter link: counter number and name, and the node driving it."""
    return [{"number": r[0], "name": r[1], "node_id": r[2], "own_node": r[3]}
            for r in db.execute(
                "select c.number, c.name, k.node_id, c.node_id from counter_keypads k "
                "join counters c on c.id = k.counter_id order by c.number")]


def unlink(db, number: int, actor: str | None = None) -> None:
    row = db.execute("select id from counters where number = ?", [number]).fetchone()
    if row is None:
        raise Refused("unknown_counter", f"Không có quầy số {number}.")
    db.execute("delete from counter_keypads where counter_id = ?", [row[0]])
    audit.record(db, actor, "counter.keypad_unlink", f"counter:{number}", {})
