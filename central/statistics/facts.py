"""One row per dossier, digested from its event rows, for the statistics.

``dossier_events`` is the history (append-only); ``dossier_facts`` is what the
period report needs from it, kept by SQLite triggers on every event insert:

=============  ==============================================================
column         from the events
=============  ==============================================================
received_at    the ``receive`` event (status 2: the clock starts); null for a
               dossier registered online and never received, or refused
               straight at reception
due_at         the newest ``detail.due_at`` (reception, resubmission, fees paid)
closed_at      the first ``result_ready``, ``withdraw``, ``refuse`` or ``stop``
outcome        ``early`` / ``on_time`` / ``late`` (``detail.classification``
               of ``result_ready``) or ``withdrawn`` / ``refused`` / ``stopped``
supplements    ``request_supplement`` events
=============  ==============================================================

and ``dossier_pauses`` one row per supplement request (``paused_at``, and
``resumed_at`` from the next ``resubmit``), so "waiting for a supplement at
the end of the period" is known for any past period.

Data copied into a database without the triggers (a provincial hub's
replica) is digested with :func:`rebuild`::

    facts.install(db)     # tables, indexes, triggers (migration 0070 does this)
    facts.rebuild(db)     # recompute every row from dossier_events
"""

from __future__ import annotations

import sqlite_utils

TABLES = [
    """
    create table if not exists dossier_facts (
        dossier_id integer primary key,
        procedure_id integer,
        channel text,
        received_at text,
        due_at text,
        closed_at text,
        outcome text,
        supplements integer not null default 0
    )
    """,
    """
    create table if not exists dossier_pauses (
        id integer primary key,
        dossier_id integer not null,
        paused_at text not null,
        resumed_at text
    )
    """,
    # Received in a period: one index range, covering what is counted.
    "create index if not exists dossier_facts_received on dossier_facts"
    "(received_at, procedure_id, channel)",
    # Closed in a period, and open at a moment (closed after it, or not yet).
    "create index if not exists dossier_facts_closed on dossier_facts"
    "(closed_at, received_at, procedure_id, outcome, due_at)",
    "create index if not exists dossier_pauses_by_dossier on dossier_pauses"
    "(dossier_id, paused_at)",
]

TRIGGER = """
create trigger if not exists dossier_facts_on_event after insert on dossier_events
begin
    insert or ignore into dossier_facts (dossier_id, procedure_id, channel)
        select id, procedure_id, channel from dossiers where id = new.dossier_id;
    update dossier_facts set received_at = new.at
        where dossier_id = new.dossier_id and new.action = 'receive' and new.to_status = 2
          and received_at is null;
    update dossier_facts set due_at = json_extract(new.detail, '$.due_at')
        where dossier_id = new.dossier_id
          and json_extract(new.detail, '$.due_at') is not null;
    update dossier_facts set closed_at = new.at,
           outcome = case new.action
               when 'result_ready' then json_extract(new.detail, '$.classification')
               when 'withdraw' then 'withdrawn'
               when 'refuse' then 'refused'
               else 'stopped' end
        where dossier_id = new.dossier_id and closed_at is null
          and new.action in ('result_ready', 'withdraw', 'refuse', 'stop');
    update dossier_facts set supplements = supplements + 1
        where dossier_id = new.dossier_id and new.action = 'request_supplement';
    update dossier_pauses set resumed_at = new.at
        where dossier_id = new.dossier_id and resumed_at is null
          and new.action = 'resubmit';
    insert into dossier_pauses (dossier_id, paused_at)
        select new.dossier_id, new.at where new.action = 'request_supplement';
end
"""


def install(db: sqlite_utils.Database) -> None:
    """Create the tables, indexes and the trigger (idempotent)."""
    for sql in TABLES:
        db.execute(sql)
    db.execute(TRIGGER)


def rebuild(db: sqlite_utils.Database) -> int:
    """Recompute every fact from ``dossier_events``; returns the dossiers digested.

    Replays the events through the same trigger (into emptied tables), so
    the rebuilt rows equal those the hub keeps as it goes.
    """
    install(db)
    db.execute("delete from dossier_facts")
    db.execute("delete from dossier_pauses")
    # Re-inserting the events into a scratch copy fires the trigger in order.
    db.execute("create temp table replay as select * from dossier_events where 0")
    db.execute("create temp trigger replay_facts after insert on replay begin "
               + _replay_body() + " end")
    db.execute("insert into replay select * from dossier_events order by id")
    db.execute("drop trigger temp.replay_facts")
    db.execute("drop table temp.replay")
    return db.execute("select count(*) from dossier_facts").fetchone()[0]


def _replay_body() -> str:
    # The trigger's statements, reading the replayed row as `new`.
    body = TRIGGER.split("begin", 1)[1].rsplit("end", 1)[0]
    return body.strip()
