"""Citizens' ratings from the counter's rating keypad.

The keypad lights after the officer finishes a ticket; the node sends one
``event.rating`` (kept in its outbox until the broker has it). The hub stores
one rating per ticket, only for a ticket finished as done at the counter that
sends it, bound to the ticket, counter and officer who served it::

    with store.write() as db:
        ratings.record(db, "counter-1", {"id": "r1", "ts": "...", "ticket_id": 7,
                                         "counter": 1, "level": "satisfied"})
    ratings.summary(store.db)   # {"count": 1, "satisfied_share": 1.0, "levels": {...}}

A rating delayed by a lost link still counts when it arrives: the node alone
decides how long the keypad stays lit.
"""

from __future__ import annotations

from motcua import clock
from motcua.text import sort_key

from ..devices import bindings
from ..errors import Refused

# code -> (score, Vietnamese name, satisfied?); the order of the keypad's keys.
LEVELS = {
    "very_satisfied": (4, "Rất hài lòng", True),
    "satisfied": (3, "Hài lòng", True),
    "neutral": (2, "Bình thường", False),
    "dissatisfied": (1, "Không hài lòng", False),
}


def finished(done: tuple | None) -> dict | None:
    """``finished`` for the counter_command result: the ticket the command made
    done (``finish``, or ``next`` over a current ticket), ``(id, display)`` as the
    command knows it, for which the rating keypad may light."""
    if done is None:
        return None
    return {"ticket_id": done[0], "display": done[1]}


def record(db, node_id: str, data: dict, message_id: str | None = None) -> dict:
    """Store one rating; refuse one that is not due (raises :class:`Refused`)."""
    level = data["level"]
    if level not in LEVELS:
        raise Refused("invalid_level", f"Mức đánh giá '{level}' không hợp lệ.")
    counter = bindings.bound_counter(db, node_id, data["counter"])
    ticket = db.execute("select id, display, status, counter_id, officer_id from tickets "
                        "where id = ?", [data["ticket_id"]]).fetchone()
    if ticket is None:
        raise Refused("unknown_ticket", f"Không có phiếu mã {data['ticket_id']}.")
    tid, display, status, counter_id, officer_id = ticket
    if status != "done":
        raise Refused("not_finished", f"Số {display} chưa được giải quyết xong; chưa thể "
                                      "đánh giá.")
    if counter_id != counter["id"]:
        raise Refused("other_counter", f"Số {display} không được phục vụ tại {counter['name']}.")
    if db.execute("select 1 from ratings where ticket_id = ?", [tid]).fetchone():
        raise Refused("already_rated", f"Số {display} đã được đánh giá.")
    score, name, _ = LEVELS[level]
    row = {"ticket_id": tid, "counter_id": counter["id"], "officer_id": officer_id,
           "level": level, "score": score, "node_id": node_id,
           "message_id": message_id or data["id"], "rated_at": data.get("ts") or clock.iso(),
           "received_at": clock.iso()}
    db["ratings"].insert(row)
    return {**row, "display": display, "level_name": name}


def for_ticket(db, ticket_id: int) -> dict | None:
    rows = list(db.query("select * from ratings where ticket_id = ?", [ticket_id]))
    return rows[0] if rows else None


def summary(db, officer_id: int | None = None, counter_id: int | None = None,
            since: str | None = None) -> dict:
    """Counts per level and the share satisfied (Rất hài lòng + Hài lòng)."""
    where, args = ["1 = 1"], []
    for column, value in (("officer_id", officer_id), ("counter_id", counter_id)):
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    if since:
        where.append("rated_at >= ?")
        args.append(since)
    counts = dict(db.execute(f"select level, count(*) from ratings where {' and '.join(where)} "
                             "group by level", args).fetchall())
    total = sum(counts.values())
    satisfied = sum(n for level, n in counts.items() if LEVELS[level][2])
    return {"count": total,
            "levels": {code: counts.get(code, 0) for code in LEVELS},
            "satisfied_share": round(satisfied / total, 3) if total else None}


def _grouped(db, key_sql: str, name_sql: str, join_sql: str, since: str | None) -> list[dict]:
    """Ratings counted per ``key_sql`` (an id: two officers who share a name are two
    rows), each row named by ``name_sql``, in the order the caller gives."""
    rows = db.execute(
        f"""
        select {key_sql} as who, {name_sql}, count(*),
               sum(r.level = 'very_satisfied'), sum(r.level = 'satisfied'),
               sum(r.level = 'neutral'), sum(r.level = 'dissatisfied')
        from ratings r {join_sql}
        where (? is null or r.rated_at >= ?)
        group by who
        """, [since, since]).fetchall()
    out = []
    for who, name, total, very, sat, neutral, dis in rows:
        out.append({"key": who, "name": name, "count": total, "levels": [very, sat, neutral, dis],
                    "satisfied_share": round((very + sat) / total, 3) if total else None})
    return out


def by_officer(db, since: str | None = None) -> list[dict]:
    """Ratings per officer (the officer ranking's "share satisfied"), by name in the
    Vietnamese alphabet's order."""
    rows = _grouped(db, "r.officer_id", "coalesce(u.full_name, '(chưa đăng nhập)')",
                    "left join users u on u.id = r.officer_id", since)
    return sorted(rows, key=lambda r: (r["key"] is None, sort_key(r["name"]), r["key"] or 0))


def by_counter(db, since: str | None = None) -> list[dict]:
    """Ratings per counter, by the counter's number (Quầy 2 before Quầy 10)."""
    rows = _grouped(db, "c.number", "c.name", "join counters c on c.id = r.counter_id", since)
    return sorted(rows, key=lambda r: r["key"])


def recent(db, limit: int = 50) -> list[dict]:
    """The newest ratings with their ticket, counter and officer."""
    return [
        {"rated_at": r[0], "display": r[1], "counter": r[2], "officer": r[3],
         "level": r[4], "level_name": LEVELS[r[4]][1]}
        for r in db.execute(
            """
            select r.rated_at, t.display, c.name, u.full_name, r.level
            from ratings r join tickets t on t.id = r.ticket_id
            join counters c on c.id = r.counter_id left join users u on u.id = r.officer_id
            order by r.rated_at desc, r.id desc limit ?
            """, [limit])
    ]
