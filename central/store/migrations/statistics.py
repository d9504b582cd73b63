"""The dossier digests kept by triggers for the statistics.

Frozen: never edit a step that has shipped (a centre's database recorded it as
applied); add a new step with the next free number.
"""

from .registry import migration

# The digest's tables and trigger as they shipped with 0070 (copied from
# central/statistics/facts.py of that day: that module may move on, this may not).
TABLES_0070 = [
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


TRIGGER_0070 = """
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



@migration("0070_dossier_facts")
def m0070_dossier_facts(db):
    # The statistics' per-dossier digest of dossier_events (issue 9): when the
    # clock started, its due time, when and how it ended. Kept by triggers on
    # every event row, so the period report reads one row per dossier through
    # an index instead of replaying millions of events, and no service code
    # has to remember to update it. central/statistics/facts.py rebuilds it
    # from the events (data copied in without the triggers, e.g. a province).
    for sql in TABLES_0070:
        db.execute(sql)
    db.execute(TRIGGER_0070)
    # Dossiers received before this step: their events replayed through the
    # same statements, in order, into a scratch copy that fires them.
    body = TRIGGER_0070.split("begin", 1)[1].rsplit("end", 1)[0].strip()
    db.execute("create temp table replay as select * from dossier_events where 0")
    db.execute(f"create temp trigger replay_facts after insert on replay begin {body} end")
    db.execute("insert into replay select * from dossier_events order by id")
    db.execute("drop trigger temp.replay_facts")
    db.execute("drop table temp.replay")
