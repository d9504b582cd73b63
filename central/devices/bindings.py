"""Which counters a counter node may drive: the one place that decides.

Two sources answer, and both must agree:

- the centre's setup binds each counter to one node (``counters.node_id``,
  the queue's setup), and one Pi may also drive the keypads of neighbouring
  counters (``counter_keypads``, linked by the admin);
- the installer's inventory (``hub/nodes.toml``, written by ``motcua
  provision``, installed as ``/etc/motcua/nodes.toml`` and named by
  ``nodes_file`` in hub.toml) bounds what the setup may bind. The broker's ACL
  can say that ``counter-3`` publishes only as ``counter-3``; only the hub can
  say that ``counter-3`` drives counters 3 and 4 and nothing else. Without an
  inventory (development, demo, tests) nothing more is restricted.

A command from a counter's keys asks both::

    counter = bindings.counter_for(db, config, "counter-1", 2)   # counter 2's row
    # Refused("not_bound") when the setup does not bind it,
    # Refused("not_your_counter") when the inventory does not list it.

    with store.write() as db:
        bindings.link(db, "counter-1", 2, actor="admin")
        bindings.bound_counter(db, "counter-1", 5)     # Refused("not_bound", ...)

May import: ``central.config``, ``central.errors``, accounts (the audit log).
"""

from __future__ import annotations

import re
import threading
import tomllib
from pathlib import Path

from ..accounts import audit
from ..config import HubConfig
from ..errors import Refused
from ..store import sql

NODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def counter_for(db, config: HubConfig, node_id: str, number: int | None) -> dict:
    """The counter a node's command acts on, if both the setup and the inventory allow it."""
    counter = bound_counter(db, node_id, number)
    check_counter(config, node_id, counter["number"])
    return counter


# --- The setup's bindings (counters.node_id, counter_keypads) --------------------


def counters_of_node(db, node_id: str) -> list[dict]:
    """The counters this node may command: its own first, then the linked ones."""
    # Read on every key press: straight from the connection (sqlite-utils'
    # query() wraps each statement in a savepoint of its own).
    return sql.rows(db, """
        select c.* from counters c where c.node_id = ?
        union all
        select c.* from counters c join counter_keypads k on k.counter_id = c.id
        where k.node_id = ? and c.node_id is not ?
        """, [node_id, node_id, node_id])


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


# --- The installer's inventory (nodes.toml) ----------------------------------------

_cache: dict[str, tuple[float, dict]] = {}
_lock = threading.Lock()


class RegistryError(Exception):
    pass


def load(path: str | Path) -> dict[str, dict]:
    """``{node_id: {"role": …, "counters": [...]}}``, re-read when the file changes."""
    path = Path(path)
    mtime = path.stat().st_mtime
    with _lock:
        cached = _cache.get(str(path))
        if cached and cached[0] == mtime:
            return cached[1]
    try:
        nodes = tomllib.loads(path.read_text(encoding="utf-8")).get("nodes", {})
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: not valid TOML: {exc}") from None
    with _lock:
        _cache[str(path)] = (mtime, nodes)
    return nodes


def counters_of(config: HubConfig, node_id: str) -> set[int] | None:
    """The counters ``node_id`` drives; ``None`` when the hub has no registry."""
    if not config.nodes_file:
        return None
    entry = load(config.nodes_file).get(node_id)
    if entry is None or entry.get("role") != "counter":
        return set()
    return {int(c) for c in entry.get("counters", [])}


def check_counter(config: HubConfig, node_id: str, counter: int) -> None:
    """Refuse when ``node_id`` does not drive counter number ``counter``."""
    allowed = counters_of(config, node_id)
    if allowed is not None and counter not in allowed:
        raise Refused("not_your_counter",
                      f"Thiết bị {node_id} không phụ trách quầy số {counter}.")
