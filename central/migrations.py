"""Numbered schema migrations, applied in order when the store opens.

Add a new function at the end with the next number; never edit one that has
shipped (a centre's database already recorded it as applied).
"""

from sqlite_utils.migrations import Migrations

migrations = Migrations("motcua")


@migrations(name="0001_nodes")
def m0001_nodes(db):
    # The node registry, fed by retained status messages.
    db.execute(
        """
        create table nodes (
            node_id text primary key,
            role text not null,
            state text not null check (state in ('online', 'offline')),
            version text,
            detail text not null default '{}',
            first_seen text not null,
            last_seen text not null,
            state_since text not null
        )
        """
    )
    db.execute(
        """
        create table node_faults (
            id integer primary key,
            node_id text not null references nodes(node_id) on delete cascade,
            message_id text not null,
            code text not null,
            message text not null,
            severity text not null,
            cleared integer not null default 0,
            reported_at text not null,
            received_at text not null
        )
        """
    )
    db.execute("create index node_faults_by_node on node_faults(node_id, received_at)")


@migrations(name="0002_bus_messages")
def m0002_bus_messages(db):
    # Ids of events and requests already applied, with the answer given, so a
    # redelivered message (QoS 1 is at-least-once) changes nothing twice and
    # a repeated request gets the same answer.
    db.execute(
        """
        create table bus_messages (
            node_id text not null,
            message_id text not null,
            topic text not null,
            received_at text not null,
            response text,
            primary key (node_id, message_id)
        )
        """
    )


@migrations(name="0003_users_and_audit")
def m0003_users_and_audit(db):
    # People who sign in to the hub's pages. Passwords: werkzeug's scrypt hash.
    db.execute(
        """
        create table users (
            id integer primary key,
            username text not null unique,
            full_name text not null,
            role text not null check (role in ('admin', 'supervisor', 'officer')),
            password_hash text not null,
            active integer not null default 1,
            created_at text not null
        )
        """
    )
    # Every change an admin or supervisor makes through the pages, append-only.
    db.execute(
        """
        create table audit_log (
            id integer primary key,
            at text not null,
            username text,
            action text not null,
            target text,
            detail text not null default '{}'
        )
        """
    )


@migrations(name="0004_departments_and_procedures")
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
    # in `details`; see central/procedures.py for its shape.
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


@migrations(name="0040_sign_in_failures")
def m0040_sign_in_failures(db):
    # Failed sign-ins per user name ("user:<name>") and per client address
    # ("addr:<ip>"), kept in the database so a restart does not reset them.
    db.execute(
        """
        create table sign_in_failures (
            key text primary key,
            failures integer not null,
            last_failure_at text not null,
            locked_until text
        )
        """
    )
