"""The audit log: who changed what in the centre's setup, append-only.

Call it inside the transaction that makes the change, so the change and its
record land together or not at all::

    with store.write() as db:
        db["services"].update(3, {"name": "Hộ tịch"})
        audit.record(db, "admin", "service.update", "service:3", {"name": "Hộ tịch"})
"""

from __future__ import annotations

import json

import sqlite_utils

from motcua import clock


def record(db: sqlite_utils.Database, username: str | None, action: str,
           target: str | None = None, detail: dict | None = None) -> None:
    db["audit_log"].insert(
        {
            "at": clock.iso(),
            "username": username,
            "action": action,
            "target": target,
            "detail": json.dumps(detail or {}, ensure_ascii=False),
        }
    )


def recent(db: sqlite_utils.Database, limit: int = 100) -> list[dict]:
    return list(db.query("select * from audit_log order by id desc limit ?", [limit]))


def search(db: sqlite_utils.Database, *, username: str | None = None,
           action_prefix: str | None = None, limit: int = 200) -> list[dict]:
    """Newest first, optionally only one person's or one kind of change."""
    where, params = [], []
    if username:
        where.append("username = ?")
        params.append(username)
    if action_prefix:
        where.append("action like ? escape '\\'")
        escaped = action_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(escaped + "%")
    sql = "select * from audit_log"
    if where:
        sql += " where " + " and ".join(where)
    rows = list(db.query(sql + " order by id desc limit ?", [*params, limit]))
    for row in rows:
        row["detail"] = json.loads(row["detail"] or "{}")
    return rows
