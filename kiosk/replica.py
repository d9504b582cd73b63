"""The kiosk's own copy of the procedure catalog, in its own SQLite file.

Search runs here, locally, so it keeps working while the hub is down. The copy
is replaced whole, in one transaction, when the hub's retained catalog version
differs from :meth:`Replica.version` (see :class:`kiosk.sync.CatalogSync`)::

    replica = Replica("var/kiosk-1.db")
    replica.replace(version=7, procedures=pages)      # from request/catalog_fetch
    replica.search("dang ky khai sinh")[0]["name"]    # 'Đăng ký khai sinh'
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from motcua.public_terms import confirmed
from motcua.search import SearchIndex, national_code
from motcua.text import sort_key


class Replica:
    def __init__(self, path: str | Path = ":memory:"):
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by the UI and the sync thread, behind a lock.
        self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.lock = threading.RLock()
        self.index = SearchIndex(self.conn)
        with self.lock:
            self.conn.execute("pragma journal_mode=wal")
            self.conn.execute(
                "create table if not exists procedures (id integer primary key, code text "
                "unique not null, version integer, name text not null, field text not null, "
                "level text not null, department text, department_name text, details text)")
            self.conn.execute("create table if not exists meta (key text primary key, value)")
            # Codes a centre withdrew: a citizen may still hold a paper that names one.
            self.conn.execute("create table if not exists withdrawn (code text primary key, "
                              "name text not null, line text, replaced_by text)")
            self.index.create()

    def version(self) -> int | None:
        """The catalog version held, or ``None`` before the first sync."""
        with self.lock:
            row = self.conn.execute("select value from meta where key = 'version'").fetchone()
        return None if row is None else int(row[0])

    def replace(self, version: int, procedures: list[dict],
                withdrawn: list[dict] | None = None) -> None:
        """Swap in a whole catalog at once: searches see the old one or the new one.
        ``withdrawn`` is the last page's list of withdrawn codes (``code``, ``name``,
        ``line``, ``replaced_by``)."""
        with self.lock:
            self.conn.execute("begin immediate")
            try:
                self.conn.execute("delete from procedures")
                self.conn.execute("delete from withdrawn")
                for w in withdrawn or []:
                    self.conn.execute("insert or replace into withdrawn values (?, ?, ?, ?)",
                                      [w["code"], w["name"], w.get("line") or "",
                                       w.get("replaced_by")])
                self.index.clear()
                rows = []
                for i, p in enumerate(procedures, start=1):
                    self.conn.execute(
                        "insert into procedures values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [i, p["code"], p.get("version"), p["name"], p["field"], p["level"],
                         p.get("department") or "", p.get("department_name") or "",
                         json.dumps(p.get("details") or {}, ensure_ascii=False)])
                    rows.append({"rowid": i, **p})
                self.index.add(rows)
                self.conn.execute("insert or replace into meta values ('version', ?)", [version])
                self.conn.execute("commit")
            except BaseException:
                self.conn.execute("rollback")
                raise

    def count(self) -> int:
        with self.lock:
            return self.conn.execute("select count(*) from procedures").fetchone()[0]

    def search(self, query: str, limit: int = 20, **filters) -> list[dict]:
        with self.lock:
            hits = self.index.search(query, limit=limit, **filters)
            return [self._brief(h.rowid) for h in hits]

    def _brief(self, rowid: int) -> dict:
        row = self.conn.execute("select id, code, name, field, level, department, "
                                f"department_name, {_CODE_FACTS} from procedures where id = ?",
                                [rowid]).fetchone()
        return _listed(row)

    def departments(self) -> list[dict]:
        """Departments with how many procedures each, in catalog order."""
        with self.lock:
            return [dict(r) for r in self.conn.execute(
                "select department as code, department_name as name, count(*) as count "
                "from procedures group by department order by department_name")]

    def fields(self, department: str) -> list[dict]:
        """A department's fields, in the Vietnamese alphabet's order."""
        with self.lock:
            rows = [dict(r) for r in self.conn.execute(
                "select field as name, count(*) as count from procedures where department = ? "
                "group by field", [department])]
        return sorted(rows, key=lambda r: sort_key(r["name"] or ""))

    def procedures(self, department: str, field: str | None = None) -> list[dict]:
        sql = ("select id, code, name, field, level, department, department_name, "
               f"{_CODE_FACTS} from procedures where department = ?")
        args = [department]
        if field:
            sql += " and field = ?"
            args.append(field)
        with self.lock:
            rows = [_listed(r) for r in self.conn.execute(sql, args)]
        # The Vietnamese alphabet's order: "Đăng ký …" after "Cấp …", not after "Xác nhận …".
        return sorted(rows, key=lambda r: (sort_key(r["name"]), r["code"]))

    def get(self, code: str) -> dict | None:
        with self.lock:
            row = self.conn.execute("select * from procedures where code = ?", [code]).fetchone()
        if row is None:
            return None
        return {**dict(row), "details": json.loads(row["details"] or "{}")}

    def withdrawn(self, code: str) -> dict | None:
        """A withdrawn procedure's code typed by a citizen: ``{"code", "name", "line",
        "replacement"}``, the replacement as a search row (or None), else None::

            replica.withdrawn("1.012783")["replacement"]["code"]     # '1.115520'
        """
        with self.lock:
            row = self.conn.execute("select * from withdrawn where code = ?",
                                    [national_code(code) or code.strip()]).fetchone()
            if row is None:
                return None
            new = self.conn.execute("select id from procedures where code = ?",
                                    [row["replaced_by"] or ""]).fetchone()
            return {**dict(row), "replacement": self._brief(new["id"]) if new else None}

    def close(self) -> None:
        with self.lock:
            self.conn.close()


# Only what decides whether a code is confirmed, read by SQLite: parsing each row's whole
# details made a department's list of 62 rows take 7.9 ms instead of 0.5 (load 9.5), and
# a list is drawn again at every step of a drag; these two facts take 1.1 ms (load 9.3),
# and the rule itself stays motcua.public_terms's.
_CODE_FACTS = ("json_extract(details, '$.unconfirmed') as unconfirmed, "
               "json_extract(details, '$.decision.number') as decision_number")


def _listed(row) -> dict:
    """A procedure row for a list on screen: ``code_confirmed`` says whether its code may
    be shown (an unconfirmed code is for staff only, motcua.public_terms)."""
    out = dict(row)
    unconfirmed, number = out.pop("unconfirmed"), out.pop("decision_number")
    facts = {"unconfirmed": json.loads(unconfirmed) if unconfirmed else [],
             "decision": {"number": number} if number is not None else None}
    out["code_confirmed"] = confirmed(facts, "code")
    return out
