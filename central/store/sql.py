"""Plain SQL on a connection, for hot paths: rows as dicts, one INSERT, one UPDATE.

The queue's hot path (a request per key press) avoids sqlite-utils'
``query()``/``table.insert()``, which add savepoints and schema lookups to
every statement::

    from ..store import sql

    ticket = sql.rows(db, "select * from tickets where id = ?", [ticket_id])[0]
    ticket_id = sql.insert(db, "tickets", {"day": "2026-12-07", ...})
    sql.update(db, "counters", counter_id, {"status": "open"})

Table and column names are ours, never from input; values are always bound.
"""

from __future__ import annotations


def rows(db, query: str, args=()) -> list[dict]:
    """Rows of ``query`` as dicts (column name -> value), straight from the connection."""
    cursor = db.execute(query, list(args))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def insert(db, table: str, record: dict) -> int:
    """INSERT one row into ``table``; its id."""
    columns = ", ".join(record)
    marks = ", ".join("?" * len(record))
    return db.execute(f"insert into {table} ({columns}) values ({marks})",
                      list(record.values())).lastrowid


def update(db, table: str, row_id: int, values: dict) -> None:
    """UPDATE the row ``row_id`` of ``table`` with ``values`` (column -> value)."""
    sets = ", ".join(f"{k} = ?" for k in values)
    db.execute(f"update {table} set {sets} where id = ?", [*values.values(), row_id])
