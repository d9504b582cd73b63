"""The node registry: which devices are on the floor, and are they well.

Fed by the nodes' retained ``status`` messages (and their Last Will), and by
``event/fault``. Read by the device page and ``/api/nodes``::

    record_status(store, "kiosk-1", {"role": "kiosk", "state": "online", ...})
    [n["state"] for n in list_nodes(store)]
"""

from __future__ import annotations

import json

import sqlite_utils

from motcua import clock

from ..store import Store

ROLE_NAMES = {
    "dispenser": "Máy lấy số",
    "counter": "Thiết bị quầy",
    "display": "Màn hình sảnh",
    "kiosk": "Kiosk tra cứu",
    "hub": "Máy chủ trung tâm",
}
STATE_NAMES = {"online": "Trực tuyến", "offline": "Ngoại tuyến"}


def record_status(store: Store, node_id: str, status: dict, now: str | None = None,
                  replayed: bool = False) -> dict:
    """Store a node's status message; returns the registry row.

    ``replayed`` marks a retained copy the broker hands a (re)started hub: it
    tells the current state but is no news of the node, so it does not move
    ``last_seen`` when the state is unchanged.
    """
    now = now or clock.iso()
    with store.write() as db:
        row = _get(db, node_id)
        if row is not None and replayed and row["state"] == status["state"]:
            return row
        if row is None:
            row = {
                "node_id": node_id,
                "role": status["role"],
                "state": status["state"],
                "version": status.get("version"),
                "detail": json.dumps(status.get("detail") or {}, ensure_ascii=False),
                "first_seen": now,
                "last_seen": now,
                "state_since": now,
            }
            db["nodes"].insert(row)
            return row
        changes = {"role": status["role"], "state": status["state"], "last_seen": now}
        if status["state"] != row["state"]:
            changes["state_since"] = now
        if status["state"] == "online":
            # The Will says only "offline": keep what the node said when it was up.
            changes["version"] = status.get("version")
            changes["detail"] = json.dumps(status.get("detail") or {}, ensure_ascii=False)
        db["nodes"].update(node_id, changes)
        return {**row, **changes}


def touch(db: sqlite_utils.Database, node_id: str, role: str | None = None,
          now: str | None = None) -> None:
    """Note that a node was heard from (any message), registering it if new."""
    now = now or clock.iso()
    if _get(db, node_id) is None:
        db["nodes"].insert(
            {
                "node_id": node_id,
                "role": role or "unknown",
                "state": "online",
                "version": None,
                "detail": "{}",
                "first_seen": now,
                "last_seen": now,
                "state_since": now,
            }
        )
    else:
        db["nodes"].update(node_id, {"last_seen": now})


def record_fault(db: sqlite_utils.Database, node_id: str, event: dict) -> dict:
    """Store a fault event (inside the caller's transaction, see apply_once)."""
    now = clock.iso()
    touch(db, node_id, now=now)
    row = {
        "node_id": node_id,
        "message_id": event["id"],
        "code": event["code"],
        "message": event["message"],
        "severity": event["severity"],
        "cleared": int(bool(event.get("cleared"))),
        "reported_at": event["ts"],
        "received_at": now,
    }
    db["node_faults"].insert(row)
    return row


def _latest(stored: str, heard) -> str:
    if heard is None:
        return stored
    text = clock.iso(heard)
    return max(stored, text) if stored else text


def _get(db: sqlite_utils.Database, node_id: str) -> dict | None:
    rows = list(db.query("select * from nodes where node_id = ?", [node_id]))
    return rows[0] if rows else None


def list_nodes(store: Store, heard: dict | None = None) -> list[dict]:
    """Every node with its latest fault, ordered by role then id.

    ``heard``: when the hub last heard each node (the gateway's ``heard``, node id →
    datetime, from its requests), which moves ``last_seen`` on where the store's
    (status and events) stood still::

        list_nodes(store, gateway.heard)
    """
    db = store.db
    nodes = list(db.query("select * from nodes order by role, node_id"))
    latest = {
        r["node_id"]: r
        for r in db.query(
            """
            select f.* from node_faults f
            join (select node_id, max(id) as id from node_faults group by node_id) m
              on m.id = f.id
            """
        )
    }
    result = []
    for n in nodes:
        fault = latest.get(n["node_id"])
        result.append(
            {
                "node_id": n["node_id"],
                "role": n["role"],
                "role_name": ROLE_NAMES.get(n["role"], n["role"]),
                "state": n["state"],
                "state_name": STATE_NAMES.get(n["state"], n["state"]),
                "version": n["version"],
                "detail": json.loads(n["detail"] or "{}"),
                "first_seen": n["first_seen"],
                "last_seen": _latest(n["last_seen"], (heard or {}).get(n["node_id"])),
                "state_since": n["state_since"],
                "fault": None
                if fault is None or fault["cleared"]
                else {
                    "code": fault["code"],
                    "message": fault["message"],
                    "severity": fault["severity"],
                    "reported_at": fault["reported_at"],
                },
                "fault_count": db.execute(
                    "select count(*) from node_faults where node_id = ? and cleared = 0",
                    [n["node_id"]],
                ).fetchone()[0],
            }
        )
    return result
