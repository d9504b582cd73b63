"""The procedure catalog: publishing versions, importing files, editing, searching.

A publication of a procedure adds a row (version + 1) and clears ``current``
on the row it replaces; dossiers keep the id of the version they were
received under, so an old dossier's terms never move. Re-importing an
identical record publishes nothing. Every publication bumps the catalog
version, which the hub retains on the bus (``state/catalog``) so kiosks
refresh their replica::

    result = import_file(store, "catalog.xlsx", data, username="admin")
    result.added, result.updated, result.unchanged, result.version
    hits = search(store.db, "dang ky khai sinh", level="commune")
    publish_state(gateway, store.db)          # after a change, from a web view

The ``details`` JSON keeps the shape documented in :mod:`central.catalog.procedures`.

The room: this face is the catalog service; :mod:`.procedures` (records as the
hub reads them), :mod:`.importing` and :mod:`.file_format` (files in and out),
:mod:`.department_list` (one list of departments), :mod:`.confirmation` (how much of a
catalog a published text confirms), :mod:`.cli`, :mod:`.synthetic`.

May import: the store, ``central.config``, ``central.errors``, documents, accounts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from motcua import clock
from motcua.bus.messages import CATALOG_STATE, encode
from motcua.search import SearchIndex
from motcua.text import sort_key

from ..accounts import audit
from . import department_list as departments_table
from .importing import ImportRefused, Problem, canonical, check, normalise, parse
from .procedures import LISTED, _row, withdrawal

SAMPLE = Path(__file__).parent.parent / "data" / "catalog.json"
# A page of the catalog sent to a kiosk stays well under the bus's 64 KiB limit.
PAGE_BYTES = 48 * 1024
_COMPARED = ("local_code", "name", "field", "department_id", "level", "service_code",
             "effective_from", "effective_to", "details")

__all__ = ["ImportRefused", "Problem", "ImportResult", "import_file", "import_records",
           "search", "state", "publish_state", "export_page", "export_all", "edit", "versions"]


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    version: int = 0


def index(db: sqlite_utils.Database) -> SearchIndex:
    return SearchIndex(db.conn)


def department_ids(db: sqlite_utils.Database) -> dict[str, int]:
    """Every code naming a department (its own and the queue's) → its id."""
    return departments_table.ids(db)


def departments(db: sqlite_utils.Database) -> list[dict]:
    return list(db.query("select * from departments order by sort_order, name"))


# --- Writing ------------------------------------------------------------------

def _save_departments(db, items: list[dict]) -> None:
    for order, d in enumerate(items, start=1):
        # One row per department, whichever of the catalog or the queue named it first.
        departments_table.save(db, d["code"], d["name"], other_codes=d.get("other_codes") or (),
                               short_name=d.get("short_name"),
                               own_desk=int(bool(d.get("own_desk"))), sort_order=order)


def _bump(db) -> int:
    db.execute("update catalog_state set version = version + 1, updated_at = ? where id = 1",
               [clock.iso()])
    return db.execute("select version from catalog_state where id = 1").fetchone()[0]


def _publish(db, record: dict, dept_ids: dict[str, int], now: str) -> str:
    """Store one normalised record; returns 'added', 'updated' or 'unchanged'."""
    row = {
        "code": record["code"], "local_code": record["local_code"], "name": record["name"],
        "field": record["field"], "department_id": dept_ids.get(
            str(record["department"] or "").casefold()),  # ids() holds every code case-folded
        "level": record["level"], "service_code": record["service_code"],
        "effective_from": record["effective_from"], "effective_to": record["effective_to"],
        "details": json.dumps(record["details"], ensure_ascii=False, sort_keys=True),
    }
    old = db.execute("select * from procedures where code = ? and current = 1",
                     [record["code"]]).fetchone()
    if old:
        old = dict(zip([c[0] for c in db.execute("select * from procedures limit 0")
                        .description], old, strict=True))
        # Compared in today's canonical shape, so a record stored before it changed
        # (an empty list kept) is not published again for that alone.
        old_details = json.dumps(canonical(json.loads(old["details"])),
                                 ensure_ascii=False, sort_keys=True)
        if all(old[k] == row[k] for k in _COMPARED if k != "details") \
                and old_details == row["details"]:
            return "unchanged"
        db.execute("update procedures set current = 0, effective_to = coalesce(effective_to, ?) "
                   "where id = ?", [now[:10], old["id"]])
        index(db).remove([old["id"]])
    version = db.execute("select coalesce(max(version), 0) + 1 from procedures where code = ?",
                         [record["code"]]).fetchone()[0]
    new_id = db["procedures"].insert({**row, "version": version, "current": 1,
                                      "created_at": now}).last_pk
    if record["details"].get("withdrawn"):  # kept for its dossiers and its page, never found
        return "updated" if old else "added"
    # Indexed under the department's own code, whichever of its codes the file used.
    own = db.execute("select code from departments where id = ?",
                     [row["department_id"]]).fetchone() if row["department_id"] else None
    index(db).add([{"rowid": new_id, "code": record["code"], "name": record["name"],
                    "field": record["field"],
                    "department": own[0] if own else record["department"] or "",
                    "level": record["level"]}])
    return "updated" if old else "added"


def import_records(store, records: list[tuple[int, dict]], username: str | None,
                   departments_in_file: list[dict] | None = None,
                   source: str = "") -> ImportResult:
    """Check every record, then publish them all in one transaction (or none)."""
    departments_in_file = departments_in_file or []
    problems = []
    for i, d in enumerate(departments_in_file, start=1):
        if not isinstance(d, dict) or not d.get("code") or not d.get("name"):
            problems.append(Problem(i, "departments", "đơn vị cần có mã (code) và tên (name)"))
        elif not isinstance(d.get("other_codes") or [], list) or not all(
                isinstance(c, str) and c.strip() for c in d.get("other_codes") or []):
            problems.append(Problem(i, "departments", "mã cũ (other_codes) của đơn vị "
                                                      f"“{d['code']}” phải là danh sách mã"))
    with store.write() as db:
        known = set(department_ids(db)) | {c for d in departments_in_file
                                           if isinstance(d, dict) and d.get("code")
                                           for c in (d["code"], *(d.get("other_codes") or []))
                                           if isinstance(c, str)}
        problems += check(records, known)
        for i, d in enumerate(departments_in_file, start=1):
            taken_by = departments_table.successor(db, d["code"], d["name"]) \
                if isinstance(d, dict) and isinstance(d.get("code"), str) \
                and isinstance(d.get("name"), str) else None
            if taken_by:
                problems.append(Problem(i, "departments", f"đơn vị “{d['code']}” ({d['name']}) "
                                f"đã hợp nhất vào {taken_by}: tệp đã cũ; bỏ đơn vị này khỏi "
                                "danh sách departments (thủ tục ghi mã cũ vẫn về đúng sở mới)"))
        if problems:
            raise ImportRefused(problems)
        _save_departments(db, departments_in_file)
        ids = department_ids(db)
        result, now = ImportResult(), clock.iso()
        for _, r in records:
            outcome = _publish(db, normalise(r), ids, now)
            setattr(result, outcome, getattr(result, outcome) + 1)
        result.version = _bump(db) if result.added or result.updated else state(db)["version"]
        audit.record(db, username, "catalog.import", source or None,
                     {"added": result.added, "updated": result.updated,
                      "unchanged": result.unchanged, "version": result.version})
    return result


def import_file(store, filename: str, data: bytes, username: str | None) -> ImportResult:
    """Import a JSON, CSV or XLSX file; :class:`ImportRefused` (nothing changed) if bad."""
    records, depts = parse(filename, data)
    if not records:
        raise ImportRefused([Problem(0, "tệp", "tệp không có thủ tục nào")])
    return import_records(store, records, username, depts, source=filename)


def load_sample(store, username: str | None = None) -> ImportResult:
    """The sample catalog shipped with motcua (central/data/catalog.json)."""
    return import_file(store, SAMPLE.name, SAMPLE.read_bytes(), username)


def edit(store, code: str, changes: dict, username: str) -> dict:
    """Publish a new version of ``code`` with ``changes`` (record keys); returns it."""
    current = _row(next(iter(store.db.query(
        "select * from procedures where code = ? and current = 1", [code])), None))
    if current is None:
        raise ImportRefused([Problem(0, "code", f"không có thủ tục mã “{code}”")])
    dept = next(iter(store.db.query("select code from departments where id = ?",
                                    [current["department_id"]])), {}).get("code")
    record = {**current["details"], "code": code, "name": current["name"],
              "field": current["field"], "department": dept, "level": current["level"],
              "local_code": current["local_code"], "service_code": current["service_code"],
              "effective_from": current["effective_from"], **changes}
    import_records(store, [(1, record)], username, source=f"edit:{code}")
    return next(iter(store.db.query(
        "select * from procedures where code = ? and current = 1", [code])))


# --- Reading ------------------------------------------------------------------

def state(db: sqlite_utils.Database) -> dict:
    version = db.execute("select version from catalog_state where id = 1").fetchone()[0]
    # What a kiosk holds: the procedures in force, not the withdrawn ones.
    count = db.execute(f"select count(*) from procedures p where {LISTED}").fetchone()[0]
    return {"version": version, "count": count}


def state_payload(db: sqlite_utils.Database) -> dict:
    return CATALOG_STATE.make(**state(db), ts=clock.iso())


def publish_state(gateway, db: sqlite_utils.Database) -> None:
    """Retain the catalog version on the bus (a no-op without a gateway)."""
    if gateway is not None:
        gateway.publish_state(gateway.topics.state("catalog"), state_payload(db))


def search(db: sqlite_utils.Database, query: str, *, department: str | None = None,
           field: str | None = None, level: str | None = None, limit: int = 20) -> list[dict]:
    if department:  # any of its codes: the index holds the department's own code
        own = db.execute("select code from departments where id = ?",
                         [departments_table.id_for(db, department)]).fetchone()
        department = own[0] if own else department
    hits = index(db).search(query, department=department, field=field, level=level,
                            limit=limit)
    by_id = {d["id"]: d["name"] for d in departments(db)}
    names = {code: by_id[i] for code, i in department_ids(db).items() if i in by_id}
    return [{**h.__dict__, "department_name": names.get(h.department, "")} for h in hits]


def browse(db: sqlite_utils.Database, *, department: str | None = None,
           field: str | None = None, level: str | None = None, limit: int = 200,
           withdrawn: bool = False) -> list[dict]:
    """Procedures in force; with ``withdrawn`` (the admin's list) the withdrawn ones too,
    each row's ``withdrawn`` saying which."""
    sql = ("select p.id, p.code, p.name, p.field, p.level, p.version, d.code as department, "
           "d.name as department_name, json_extract(p.details, '$.withdrawn') is not null "
           "as withdrawn from procedures p left join departments d "
           "on d.id = p.department_id where " + ("p.current = 1" if withdrawn else LISTED))
    args = []
    if department:  # any of the department's codes
        department_id = departments_table.id_for(db, department)
        sql += " and p.department_id = ?"
        args.append(department_id)
    for column, value in (("p.field", field), ("p.level", level)):
        if value:
            sql += f" and {column} = ?"
            args.append(value)
    # By department, then field and name in the Vietnamese alphabet's order ("Đăng ký …"
    # after "Cấp …", not after "Xác nhận …" as SQLite's code-point order puts it).
    rows = list(db.query(sql.replace("select p.id,", "select d.sort_order as _order, p.id,", 1),
                         args))
    rows.sort(key=lambda r: (r["_order"] is None, r["_order"] or 0, sort_key(r["field"] or ""),
                             sort_key(r["name"]), r["code"]))
    return [{k: v for k, v in r.items() if k != "_order"} for r in rows[:limit]]


def fields(db: sqlite_utils.Database) -> list[str]:
    """The fields (lĩnh vực) in force, in the Vietnamese alphabet's order."""
    return sorted((r["field"] for r in db.query(
        f"select distinct field from procedures p where {LISTED}")), key=sort_key)


def versions(db: sqlite_utils.Database, code: str) -> list[dict]:
    return [_row(r) for r in db.query(
        "select * from procedures where code = ? order by version desc", [code])]


def export_page(db: sqlite_utils.Database, after: str = "",
                max_bytes: int = PAGE_BYTES) -> dict:
    """Current procedures after code ``after``, as many as fit in ``max_bytes``.

    ``next`` is the cursor for the following page (absent at the end). The last page
    also carries ``withdrawn``, the codes a centre withdrew (:func:`withdrawn_codes`),
    so a kiosk can tell a citizen holding an old paper where to go instead.
    """
    rows = db.query(
        "select p.code, p.version, p.name, p.field, p.level, p.details, d.code as department, "
        "d.name as department_name from procedures p left join departments d "
        f"on d.id = p.department_id where {LISTED} and p.code > ? order by p.code",
        [after])
    old = withdrawn_codes(db)
    reserve = len(encode(old)) + 16   # the last page's room for them
    out, size, more = [], 0, False
    for r in rows:
        item = {**r, "department": r["department"] or "", "department_name":
                r["department_name"] or "", "details": json.loads(r["details"])}
        n = len(encode(item)) + 1
        if out and size + n > max_bytes:
            more = True
            break
        out.append(item)
        size += n
    while not more and len(out) > 1 and size + reserve > max_bytes:
        size -= len(encode(out.pop())) + 1   # this page would be the last: make room
        more = True
    page = {**state(db), "procedures": out}
    if more:
        page["next"] = out[-1]["code"]
    else:
        page["withdrawn"] = old
    return page


def withdrawn_codes(db: sqlite_utils.Database) -> list[dict]:
    """The withdrawn procedures as a kiosk needs them: ``code``, ``name``, ``line`` (the
    text that withdrew it, one Vietnamese line) and ``replaced_by`` (a code in force, or
    None)::

        [{"code": "1.012783", "name": "Đăng ký đất đai…", "line": "Quyết định … ngày …",
          "replaced_by": "1.115520"}]
    """
    out = []
    for r in db.query("select * from procedures p where p.current = 1 and "
                      "json_extract(p.details, '$.withdrawn') is not null order by p.code"):
        told = withdrawal(db, _row(r))
        if told:
            out.append({"code": told["old"]["code"], "name": told["old"]["name"],
                        "line": told["line"],
                        "replaced_by": told["new"]["code"] if told["new"] else None})
    return out


def export_all(db: sqlite_utils.Database) -> tuple[int, list[dict]]:
    """``(version, procedures)``: every page of :func:`export_page` joined, what a
    kiosk holds once it has fetched them all (tests, benchmarks, pictures)::

        Replica().replace(*export_all(store.db))
    """
    procedures, after = [], ""
    while True:
        page = export_page(db, after=after)
        procedures += page["procedures"]
        after = page.get("next")
        if not after:
            return page["version"], procedures
