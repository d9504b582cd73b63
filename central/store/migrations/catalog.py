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
