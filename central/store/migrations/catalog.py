"""Departments and procedures; the catalog's version and its search index.

Frozen: never edit a step that has shipped (a centre's database recorded it as
applied); add a new step with the next free number.
"""

from .registry import migration


@migration("0004_departments_and_procedures")
def m0004_departments_and_procedures(db):
    # Departments (sở, ban, ngành; offices at commune level) seconding officers
    # to the centre, and units that keep their own desks but are supervised here.
    db.execute(
        """
        create table departments (
            id integer primary key,
            code text not null unique,
            name text not null,
            short_name text,
            own_desk integer not null default 0,
            sort_order integer not null default 0
        )
        """
    )
    # One row per published version of a procedure: a new publication adds a
    # row (version + 1) and clears `current` on the old one, so dossiers keep
    # pointing at the version they were received under. The record's long
    # tail (channels with time limits and fees, components, steps, …) is JSON
    # in `details`; see central/catalog/procedures.py for its shape.
    db.execute(
        """
        create table procedures (
            id integer primary key,
            code text not null,
            local_code text,
            version integer not null default 1,
            current integer not null default 1,
            name text not null,
            field text not null,
            department_id integer references departments(id),
            level text not null check (level in ('province', 'district', 'commune')),
            details text not null default '{}',
            effective_from text,
            effective_to text,
            service_code text,
            created_at text not null,
            unique (code, version)
        )
        """
    )
    db.execute("create index procedures_current on procedures(current, code)")


@migration("0020_catalog")
def m0020_catalog(db):
    # The catalog's version: bumped by every publication, retained on the bus
    # (state/catalog) so kiosks know when to refresh their replica.
    db.execute(
        """
        create table catalog_state (
            id integer primary key check (id = 1),
            version integer not null,
            updated_at text not null
        )
        """
    )
    db.execute("insert into catalog_state (id, version, updated_at) values (1, 0, '')")
    db.execute("create index procedures_by_department on procedures(department_id, current)")
    # Search over current versions (rowid = procedures.id); see motcua/search.py.
    db.execute(
        "create virtual table if not exists procedure_search using fts5("
        "folded, code unindexed, name unindexed, exact unindexed, field unindexed, "
        "department unindexed, level unindexed, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3')"
    )
    # Procedures written before this migration become searchable too, folded as
    # the search folds what people type (so this one import of live code stays).
    from motcua.search import SearchIndex

    SearchIndex(db.conn).add(
        {"rowid": r[0], "code": r[1], "name": r[2], "field": r[3], "level": r[4],
         "department": r[5] or ""}
        for r in db.execute(
            "select p.id, p.code, p.name, p.field, p.level, d.code from procedures p "
            "left join departments d on d.id = p.department_id where p.current = 1"
        ).fetchall()
    )


@migration("0121_one_list_of_departments")
def m0121_one_list_of_departments(db):
    # The catalog and the queue's setup each inserted their own row for the same
    # department ("STP" and "stp", "VPUB" and "vp-ubnd"): every chooser listed it
    # twice. Rows whose names are the same (NFC, case, spacing and dash forms
    # aside) become one, the oldest; its other codes are kept in department_codes
    # so either code still finds it (central/catalog/department_list.py). Frozen here: the
    # folding below is this migration's own, not imported.
    import re
    import unicodedata

    db.execute(
        """
        create table department_codes (
            code text primary key,
            department_id integer not null references departments(id) on delete cascade
        )
        """
    )

    def fold(name):
        text = unicodedata.normalize("NFC", name or "").casefold()
        return " ".join(re.sub(r"\s*[-‐‑‒–—]\s*", " - ", text).split())

    keep: dict[str, tuple] = {}
    merged: list[tuple[int, int, str]] = []  # (old id, kept id, old code)
    for row in db.execute("select id, code, name, short_name, own_desk, sort_order "
                          "from departments order by id").fetchall():
        key = fold(row[2])
        if key not in keep:
            keep[key] = row
            continue
        kept = keep[key]
        merged.append((row[0], kept[0], row[1]))
        db.execute("update departments set short_name = coalesce(nullif(short_name, ''), ?), "
                   "own_desk = max(own_desk, ?) where id = ?", [row[3], row[4], kept[0]])
    if not merged:
        return
    # Fee entries are never edited (a trigger refuses): the department a fee was
    # recorded under is the same department, so the rule steps aside for this.
    db.execute("drop trigger if exists fee_entries_no_update")
    for old, new, code in merged:
        for table, column in (("procedures", "department_id"), ("dossiers", "department_id"),
                              ("dossier_events", "department_id"),
                              ("dossier_transfers", "from_department_id"),
                              ("dossier_transfers", "to_department_id"),
                              ("fee_entries", "department_id")):
            db.execute(f"update {table} set {column} = ? where {column} = ?", [new, old])
        db.execute("insert or ignore into service_departments (service_id, department_id) "
                   "select service_id, ? from service_departments where department_id = ?",
                   [new, old])
        db.execute("delete from service_departments where department_id = ?", [old])
        db.execute("delete from departments where id = ?", [old])
        db.execute("insert or ignore into department_codes (code, department_id) values (?, ?)",
                   [code, new])
    db.execute("create trigger fee_entries_no_update before update on fee_entries begin "
               "select raise(abort, 'fee entries are never edited: add a refund or exemption'); "
               "end")
