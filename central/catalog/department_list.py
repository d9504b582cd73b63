"""One list of departments for the whole hub: the catalog, the queue, dossiers, fees.

The catalog and the queue's setup name the same departments with different
codes (the catalog's ``STP``, the queue's ``stp``; ``VPUB`` and ``vp-ubnd``).
A department is one row of ``departments`` whatever code names it: every code
it was ever given is kept in ``department_codes``, and a department is found by
any of its codes (letter case aside) or, failing that, by its name (Unicode
NFC, case, spacing and dash forms aside)::

    save(db, "stp", "Sở Tư pháp", short_name="Tư pháp")   # the catalog's row, if any
    id_for(db, "STP") == id_for(db, "stp")                  # True
    ids(db)                                                 # {"STP": 3, "stp": 3, ...}

Migration ``0121_one_list_of_departments`` merged the duplicates older hubs
hold; these functions keep new ones from appearing.

A department that took over others (the 2025 restructuring: the Sở Nông nghiệp
và Môi trường from the Sở Nông nghiệp và Phát triển nông thôn and the Sở Tài
nguyên và Môi trường; docs/catalog.md, "Departments after the 2025
restructuring") names their codes as ``other_codes``. A hub that still holds
those departments keeps one row: the oldest is renamed, the others are merged
into it (their procedures, dossiers, fee entries, services and codes move over;
the audit log keeps what each was called), so no list shows a department that
no longer exists, nor the new one twice::

    save(db, "snnmt", "Sở Nông nghiệp và Môi trường", other_codes=["snnptnt", "stnmt"])
"""

from __future__ import annotations

import re

from motcua import clock
from motcua.text import nfc

DASHES = re.compile(r"\s*[-‐‑‒–—]\s*")


def fold(name: str) -> str:
    """The form two names of one department share: ``fold("Sở Lao động - Thương binh")
    == fold("sở lao động – thương binh")``."""
    text = nfc(name).casefold()
    return " ".join(DASHES.sub(" - ", text).split())


def id_for(db, code: str) -> int | None:
    """The department any of whose codes is ``code`` (letter case aside)."""
    row = db.execute(
        "select id from departments where lower(code) = lower(?) union all "
        "select department_id from department_codes where lower(code) = lower(?) limit 1",
        [code, code]).fetchone()
    return row[0] if row else None


def find(db, code: str, name: str = "") -> int | None:
    """By code, else by name: the row a new record of this department must update."""
    found = id_for(db, code) if code else None
    if found is None and name:
        wanted = fold(name)
        found = next((i for i, n in db.execute("select id, name from departments order by id")
                      if fold(n) == wanted), None)
    return found


def ids(db) -> dict[str, int]:
    """Every code (the department's own and its other codes) → the department's id."""
    out = {code: i for i, code in db.execute("select id, code from departments")}
    for code, i in db.execute("select code, department_id from department_codes"):
        out.setdefault(code, i)
    # Letter case aside, as id_for: a catalog's "STP" is the queue's "stp", and save()
    # records no other code for it, so without these the catalog's records lost their
    # department (in the demo, 219 of 225).
    for code, i in list(out.items()):
        out.setdefault(code.casefold(), i)
    return out


def save(db, code: str, name: str, other_codes: list[str] | tuple = (), **values) -> int:
    """Insert the department, or update the one this code or name already names
    (its own code stays; ``code`` is remembered as another of its codes).

    ``other_codes``: the departments this one took over. The first row found by
    them is this department when neither its code nor its name is known yet; any
    other row they find is merged into it (:func:`merge`)."""
    found = find(db, code, name)
    earlier = sorted({i for c in other_codes if (i := id_for(db, c)) is not None})
    if found is None and earlier:
        found = earlier[0]  # the oldest row of the departments it took over
    if found is None:
        found = db["departments"].insert({"code": code, "name": name, **values}).last_pk
    else:
        before = db.execute("select name from departments where id = ?", [found]).fetchone()[0]
        db["departments"].update(found, {"name": name, **values})
        if before != name:
            _catalog_changed(db)
    for old in earlier:
        if old != found:
            merge(db, old, found)
    own = db.execute("select code from departments where id = ?", [found]).fetchone()[0]
    if own.casefold() in {c.casefold() for c in other_codes} and not db.execute(
            "select 1 from departments where lower(code) = lower(?) and id != ?",
            [code, found]).fetchone():
        # The row kept is one it took over: it goes by the new code, the old one stays
        # another of its codes.
        db.execute("delete from department_codes where lower(code) = lower(?)", [code])
        db.execute("update departments set code = ? where id = ?", [code, found])
        db.execute("insert or ignore into department_codes (code, department_id) values (?, ?)",
                   [own, found])
        own = code
    for c in (code, *other_codes):
        if c.lower() != own.lower():
            db.execute("insert or ignore into department_codes (code, department_id) "
                       "values (?, ?)", [c, found])
    _record_takeover(db, found, name, other_codes)
    sync_search(db, found)
    return found


def _record_takeover(db, department_id: int, name: str, other_codes) -> None:
    """The audit log keeps which codes a department took over (once each): a file that
    later names one of them under another name is out of date (:func:`successor`)."""
    from ..accounts import audit  # the one writer of the audit log

    if not other_codes:
        return
    known = {c.casefold() for c in taken_over_codes(db)}
    new = [c for c in other_codes if c.casefold() not in known]
    if new:
        audit.record(db, None, "department.takeover", f"department:{department_id}",
                     {"codes": new, "name": name})


def taken_over_codes(db) -> list[str]:
    """Every code a department took over (``other_codes`` of a saved department)."""
    return [r[0] for r in db.execute(
        "select c.value from audit_log a, json_each(a.detail, '$.codes') c "
        "where a.action = 'department.takeover'")]


def successor(db, code: str, name: str) -> str | None:
    """The name of the department that took over ``code``, when a file names that code
    with another name (an older file: "sldtbxh", "Sở Lao động – Thương binh và Xã
    hội", after the Sở Nội vụ took it over); None when the file is not out of date.
    Saving it would give the department its old name back."""
    if code.casefold() not in {c.casefold() for c in taken_over_codes(db)}:
        return None
    found = id_for(db, code)
    if found is None:
        return None
    current = db.execute("select name from departments where id = ?", [found]).fetchone()[0]
    return None if fold(current) == fold(name) else current


def _catalog_changed(db) -> None:
    """A department's name is on every kiosk's copy of the catalog: a new catalog version
    makes the kiosks fetch it again."""
    db.execute("update catalog_state set version = version + 1, updated_at = ? where id = 1",
               [clock.iso()])


def sync_search(db, department_id: int) -> None:
    """The search index names each procedure's department by the department's own code
    (the filter of /thu-tuc passes that code): after a merge, the procedures that came
    over are indexed under it too."""
    if not db.execute("select 1 from sqlite_master where name = 'procedure_search'").fetchone():
        return
    own = db.execute("select code from departments where id = ?", [department_id]).fetchone()[0]
    db.execute("update procedure_search set department = ? where department != ? and rowid in "
               "(select id from procedures where department_id = ? and current = 1)",
               [own, own, department_id])


def merge(db, old: int, new: int) -> None:
    """Department ``old`` becomes part of ``new``: every row that points at it (found
    from the schema's foreign keys, so a table added later is not forgotten) points at
    ``new``, its codes name ``new``, and its row goes. The audit log keeps its code and
    name. Fee entries are never edited (a trigger refuses): the department a fee was
    recorded under is the one that took it over, so the rule steps aside for this, as in
    migration 0121, and stands again before this returns."""
    from ..accounts import audit  # the one writer of the audit log

    row = db.execute("select code, name from departments where id = ?", [old]).fetchone()
    if row is None or old == new:
        return
    tables = [r[0] for r in db.execute("select name from sqlite_master where type = 'table' "
                                       "and name not like 'sqlite_%'")]
    for table in tables:
        if table == "departments":
            continue
        columns = [fk[3] for fk in db.execute(f'pragma foreign_key_list("{table}")')
                   if fk[2] == "departments"]
        for column in columns:
            if not db.execute(f'select 1 from "{table}" where "{column}" = ? limit 1',
                              [old]).fetchone():
                continue
            guards = [r for r in db.execute(
                "select name, sql from sqlite_master where type = 'trigger' and tbl_name = ? "
                "and sql like '%raise(abort%'", [table])]
            for name, _ in guards:
                db.execute(f'drop trigger "{name}"')
            # "or ignore": a link row the kept department already has (service_departments)
            # stays behind and goes with the old row (on delete cascade).
            db.execute(f'update or ignore "{table}" set "{column}" = ? where "{column}" = ?',
                       [new, old])
            for _, sql in guards:
                db.execute(sql)
    db.execute("insert or ignore into department_codes (code, department_id) values (?, ?)",
               [row[0], new])
    db.execute("delete from departments where id = ?", [old])
    _catalog_changed(db)
    audit.record(db, None, "department.merge", f"department:{new}",
                 {"merged_code": row[0], "merged_name": row[1], "merged_id": old})
