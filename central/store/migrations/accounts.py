"""People who sign in, their failed attempts and sessions; the audit log.

Frozen: never edit a step that has shipped (a centre's database recorded it as
applied); add a new step with the next free number.
"""

from .registry import migration


@migration("0003_users_and_audit")
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


@migration("0040_sign_in_failures")
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


@migration("0120_user_sessions")
def m0120_user_sessions(db):
    # Every session cookie carries the epoch of its user at sign-in; signing
    # out or a new password moves it on, which ends all of that user's
    # sessions at once, on every browser (issue 19).
    db.execute("alter table users add column session_epoch integer not null default 0")
