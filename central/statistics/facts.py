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
the end of the period" is known for any past period; and ``dossier_days``,
per local day and procedure, the receptions (online or not), the results
(early, on time, late), the withdrawals, refusals and stops, and the closures
of received dossiers: the pre-aggregation by day that keeps a year's report
a sum of a few hundred thousand small rows.

Data copied into a database without the triggers (a provincial hub's
replica) is digested with :func:`rebuild`::

    facts.install(db)     # tables, indexes, triggers (as migration 0070 froze them)
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
    # Open at a moment (closed after it, or not yet): one index range, covering.
    "create index if not exists dossier_facts_closed on dossier_facts"
    "(closed_at, received_at, procedure_id, due_at)",
    # What happened each local day, per procedure: the period's flows are sums
    # over its days, however many years the store holds.
    """
    create table if not exists dossier_days (
        day text not null,
        procedure_id integer not null,
        received_online integer not null default 0,
        received_direct integer not null default 0,
        early integer not null default 0,
        on_time integer not null default 0,
        late integer not null default 0,
        withdrawn integer not null default 0,
        refused integer not null default 0,
        stopped integer not null default 0,
        closed_received integer not null default 0,
        primary key (day, procedure_id)
    ) without rowid
    """,
    # The officer ranking reads results and supplement requests by time.
    "create index if not exists dossier_events_by_action on dossier_events(action, at)",
    "create index if not exists dossier_pauses_by_dossier on dossier_pauses"
    "(dossier_id, paused_at)",
]

TRIGGER = """
create trigger if not exists dossier_facts_on_event after insert on dossier_events
begin
    insert or ignore into dossier_facts (dossier_id, procedure_id, channel)
        select id, procedure_id, channel from dossiers where id = new.dossier_id;
    -- The day's counts, before the facts below record this event (first
    -- reception, first closure only). Vietnam's local day: UTC+7, no DST.
    insert into dossier_days (day, procedure_id, received_online, received_direct, early,
                              on_time, late, withdrawn, refused, stopped, closed_received)
        select date(new.at, '+7 hours'), f.procedure_id,
               r and f.channel = 'online', r and f.channel <> 'online',
               c and new.action = 'result_ready'
                 and json_extract(new.detail, '$.classification') = 'early',
               c and new.action = 'result_ready'
                 and json_extract(new.detail, '$.classification') = 'on_time',
               c and new.action = 'result_ready'
                 and json_extract(new.detail, '$.classification') = 'late',
               c and new.action = 'withdraw', c and new.action = 'refuse',
               c and new.action = 'stop', c and f.received_at is not null
        from (select *, new.action = 'receive' and new.to_status = 2
                          and received_at is null as r,
                        new.action in ('result_ready', 'withdraw', 'refuse', 'stop')
                          and closed_at is null as c
              from dossier_facts where dossier_id = new.dossier_id) f
        where f.r or f.c
    on conflict (day, procedure_id) do update set
        received_online = received_online + excluded.received_online,
        received_direct = received_direct + excluded.received_direct,
        early = early + excluded.early, on_time = on_time + excluded.on_time,
        late = late + excluded.late, withdrawn = withdrawn + excluded.withdrawn,
        refused = refused + excluded.refused, stopped = stopped + excluded.stopped,
        closed_received = closed_received + excluded.closed_received;
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
    db.execute("delete from dossier_days")
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
