"""Services, counters, priority classes, settings; tickets and their events.

Frozen: never edit a step that has shipped (a centre's database recorded it as
applied); add a new step with the next free number.
"""

import re

from .registry import migration


@migration("0010_queue_setup")
def m0010_queue_setup(db):
    # The centre's queue setup (issue 3): services, counters and who drives
    # them, priority classes, and the queue's tunable rules.
    db.execute(
        """
        create table services (
            id integer primary key,
            code text not null unique,
            name text not null,
            prefix text not null default '',
            range_start integer not null,
            range_end integer not null,
            target_wait_min integer not null default 15,
            max_wait_min integer not null default 45,
            default_service_min real not null default 6,
            active integer not null default 1,
            sort_order integer not null default 0,
            check (range_start >= 0 and range_end > range_start)
        )
        """
    )
    db.execute(
        """
        create table service_departments (
            service_id integer not null references services(id) on delete cascade,
            department_id integer not null references departments(id) on delete cascade,
            primary key (service_id, department_id)
        )
        """
    )
    # `node_id` is the counter node allowed to command this counter (checked
    # by the hub on every counter_command); `hall` groups counters per board.
    db.execute(
        """
        create table counters (
            id integer primary key,
            number integer not null unique,
            name text not null,
            hall text not null default 'main',
            node_id text unique,
            active integer not null default 1,
            status text not null default 'closed'
                check (status in ('closed', 'open', 'paused')),
            officer_id integer references users(id),
            current_ticket_id integer,
            normal_streak integer not null default 0,
            status_since text
        )
        """
    )
    db.execute(
        """
        create table counter_services (
            counter_id integer not null references counters(id) on delete cascade,
            service_id integer not null references services(id) on delete cascade,
            weight integer not null default 1 check (weight between 1 and 10),
            primary key (counter_id, service_id)
        )
        """
    )
    db.execute(
        """
        create table counter_sessions (
            id integer primary key,
            counter_id integer not null references counters(id),
            user_id integer not null references users(id),
            started_at text not null,
            ended_at text
        )
        """
    )
    db.execute(
        """
        create table priority_classes (
            id integer primary key,
            code text not null unique,
            name text not null,
            active integer not null default 1,
            sort_order integer not null default 0
        )
        """
    )
    db.execute(
        "create table queue_settings (key text primary key, value text not null)"
    )


@migration("0011_tickets")
def m0011_tickets(db):
    # `day` is the business day (local date, starting at the opening time);
    # numbers are unique per (day, service) — the database says so too.
    db.execute(
        """
        create table tickets (
            id integer primary key,
            day text not null,
            service_id integer not null references services(id),
            issued_service_id integer not null references services(id),
            number integer not null,
            display text not null,
            priority_class_id integer references priority_classes(id),
            status text not null check (status in
                ('waiting', 'called', 'serving', 'done', 'no_show', 'cancelled')),
            issued_at text not null,
            called_at text,
            first_called_at text,
            finished_at text,
            counter_id integer references counters(id),
            target_counter_id integer references counters(id),
            officer_id integer references users(id),
            recalls integer not null default 0,
            estimate_min integer,
            token text not null unique,
            source_node text,
            unique (day, issued_service_id, number)
        )
        """
    )
    # The heads of the lines: waiting, per service, priority or not, oldest first.
    db.execute("create index tickets_heads on tickets(status, service_id, "
               "(priority_class_id is not null), issued_at, id)")
    db.execute("create index tickets_targeted on tickets(target_counter_id, status, issued_at) "
               "where target_counter_id is not null")
    db.execute("create index tickets_line on tickets(status, service_id, issued_at, id)")
    db.execute("create index tickets_day on tickets(day, status, service_id)")
    db.execute("create index tickets_called on tickets(day, called_at)")
    # Append-only history: every change of a ticket, from which the live
    # state can be rebuilt and the fairness audit read.
    db.execute(
        """
        create table ticket_events (
            id integer primary key,
            ticket_id integer not null references tickets(id),
            at text not null,
            action text not null,
            from_status text,
            to_status text not null,
            counter_id integer,
            officer_id integer,
            node_id text,
            reason text,
            detail text not null default '{}'
        )
        """
    )
    db.execute("create index ticket_events_by_ticket on ticket_events(ticket_id, id)")
    # Calls by number (out of order or not), for the fairness audit and statistics.
    db.execute("create index ticket_events_calls on ticket_events(ticket_id) "
               "where action = 'call'")
    # Number blocks leased to dispensers for offline printing (issue 4 builds
    # the leasing); the issuer skips every leased range.
    db.execute(
        """
        create table number_blocks (
            id integer primary key,
            day text not null,
            service_id integer not null references services(id),
            node_id text not null,
            first integer not null,
            last integer not null,
            leased_at text not null
        )
        """
    )
    # One row per closed business day: its figures; tickets stay in place.
    db.execute(
        """
        create table queue_days (
            day text primary key,
            closed_at text not null,
            issued integer not null,
            done integer not null,
            no_show integer not null,
            cancelled integer not null,
            summary text not null default '{}'
        )
        """
    )


@migration("0012_tickets_recent_done")
def m0012_tickets_recent_done(db):
    # The wait estimate reads a service's newest finished tickets on every
    # ticket and every line update: through this index it reads those few
    # rows, not every ticket the service ever finished (which grew the hub's
    # cost per operation with the size of the table).
    db.execute("create index tickets_recent_done on tickets(service_id, finished_at) "
               "where status = 'done'")


@migration("0062_tickets_by_counter")
def m0062_tickets_by_counter(db):
    # Each counter's retained state names the ticket it last finished (for the
    # rating keypad): found through this index, not a scan of every day's tickets.
    db.execute("create index tickets_by_counter on tickets(counter_id, status, finished_at)")


@migration("0145_booked_tickets")
def m0145_booked_tickets(db):
    # Issue 26: a ticket issued at a booking's check-in carries the booking's
    # code and its slot's start (UTC); from that start it is called ahead of
    # walk-ins, at most `booked_in_a_row` in a row per counter (the counter's
    # `booked_streak`) while a walk-in waits. No foreign key to the bookings'
    # table: the queue stands on its own, and the check-in writes both.
    db.execute("alter table tickets add column booking_code text")
    db.execute("alter table tickets add column slot_at text")
    db.execute("alter table counters add column booked_streak integer not null default 0")
    # The heads of the booked lines: waiting, per service, earliest slot first.
    db.execute("create index tickets_booked on tickets(status, service_id, slot_at, issued_at, "
               "id) where slot_at is not null")


@migration("0150_tickets_lean_indexes")
def m0150_tickets_lean_indexes(db):
    # Issue 25: every index a ticket's row is in costs a delete and an insert
    # when its status changes (a call touched seven). The lines' indexes hold
    # waiting tickets only (a ticket called leaves them, nothing is added), and
    # `tickets_line` duplicated `tickets_heads` but for the priority column.
    # - the heads of the lines (the strategy's candidates), per service and class;
    db.execute("drop index tickets_heads")
    db.execute("create index tickets_waiting_heads on tickets(service_id, "
               "(priority_class_id is not null), issued_at, id) where status = 'waiting'")
    # - a service's line of the day, first-come: the line's state, the board's
    #   count, the people ahead of a ticket (index only, no row read: SQLite
    #   reads an index alone only when it holds the columns of its own WHERE);
    db.execute("drop index tickets_line")
    db.execute("create index tickets_waiting_line on tickets(service_id, day, status, issued_at) "
               "where status = 'waiting'")
    # - the ticket a counter finished last (the rating keypad);
    db.execute("drop index tickets_by_counter")
    db.execute("create index tickets_done_by_counter on tickets(counter_id, finished_at) "
               "where status = 'done'")
    # - a service's newest finished tickets, with their call time (the service
    #   time of the wait estimate, read from the index alone).
    db.execute("drop index tickets_recent_done")
    db.execute("create index tickets_recent_done on tickets(service_id, status, finished_at, "
               "called_at) where status = 'done'")


@migration("0151_tickets_fewer_indexes")
def m0151_tickets_fewer_indexes(db):
    # Issue 25: a line's state lists up to 200 waiting tickets (number, priority
    # or not) each time it is published; with those in the index it reads the
    # index alone instead of 200 rows here and there in the table.
    db.execute("drop index tickets_waiting_line")
    # `tickets_day` (day, status, service_id) changed with every status change:
    # the board counts the waiting from the line's index, and a day's figures
    # (at most once a second) read the day's rows through its numbers' index.
    db.execute("drop index tickets_day")
    db.execute("create index tickets_waiting_line on tickets(service_id, day, status, issued_at, "
               "id, display, priority_class_id) where status = 'waiting'")


@migration("0152_tickets_service_ms")
def m0152_tickets_service_ms(db):
    # Issue 25: the wait estimate reads a service's newest finished tickets' service
    # times on every ticket and every line published; worked out once, when the
    # ticket is finished, and kept in the index, it is read without date arithmetic.
    db.execute("alter table tickets add column service_ms integer")
    db.execute("update tickets set service_ms = cast(round((julianday(finished_at) - "
               "julianday(called_at)) * 86400000) as integer) where status = 'done' "
               "and called_at is not null and finished_at is not null")
    db.execute("drop index tickets_recent_done")
    db.execute("create index tickets_recent_done on tickets(service_id, status, finished_at, "
               "service_ms) where status = 'done'")


@migration("0153_queue_lines")
def m0153_queue_lines(db):
    # Issue 25: how many wait in each service's line of the day, and how many of
    # them with a priority class, kept by SQLite itself on every write of a ticket.
    # The people ahead of a new ticket (at the end of its line), a line's length
    # in its state and the board's counts were each a count over the whole line's
    # index (7,600 waiting: 434 µs per ticket); now one row read. Triggers, not
    # the application's code, so no path that changes a ticket can miss it.
    db.execute(
        """
        create table queue_lines (
            service_id integer not null,
            day text not null,
            waiting integer not null default 0,
            priority integer not null default 0,
            primary key (service_id, day)
        ) without rowid
        """
    )
    db.execute(
        """
        insert into queue_lines (service_id, day, waiting, priority)
        select service_id, day, count(*), count(priority_class_id) from tickets
        where status = 'waiting' group by service_id, day
        """
    )
    db.execute(
        """
        create trigger queue_lines_insert after insert on tickets
        when new.status = 'waiting'
        begin
            insert into queue_lines (service_id, day, waiting, priority)
            values (new.service_id, new.day, 1, new.priority_class_id is not null)
            on conflict (service_id, day) do update
            set waiting = waiting + 1, priority = priority + excluded.priority;
        end
        """
    )
    db.execute(
        """
        create trigger queue_lines_leave after update of status, service_id, day,
            priority_class_id on tickets
        when old.status = 'waiting'
        begin
            update queue_lines set waiting = waiting - 1,
                priority = priority - (old.priority_class_id is not null)
            where service_id = old.service_id and day = old.day;
        end
        """
    )
    db.execute(
        """
        create trigger queue_lines_join after update of status, service_id, day,
            priority_class_id on tickets
        when new.status = 'waiting'
        begin
            insert into queue_lines (service_id, day, waiting, priority)
            values (new.service_id, new.day, 1, new.priority_class_id is not null)
            on conflict (service_id, day) do update
            set waiting = waiting + 1, priority = priority + excluded.priority;
        end
        """
    )
    db.execute(
        """
        create trigger queue_lines_delete after delete on tickets
        when old.status = 'waiting'
        begin
            update queue_lines set waiting = waiting - 1,
                priority = priority - (old.priority_class_id is not null)
            where service_id = old.service_id and day = old.day;
        end
        """
    )


@migration("0154_tickets_wait_ms")
def m0154_tickets_wait_ms(db):
    # Issue 25: today's figures (the statistics ticker, up to 5 times a second at
    # a busy hour) worked out every called ticket's wait from two dates, for the
    # whole day, each time. The wait (issue to first call, ms) is kept when the
    # ticket is first called, in an index of the day's waits: the figures read
    # the index alone, in the waits' order (the 90th percentile by position).
    db.execute("alter table tickets add column wait_ms integer")
    db.execute("update tickets set wait_ms = cast(round((julianday(first_called_at) - "
               "julianday(issued_at)) * 86400000) as integer) where first_called_at is not null")
    db.execute("create index tickets_waits on tickets(day, wait_ms) where wait_ms is not null")


@migration("0155_ticket_counts")
def m0155_ticket_counts(db):
    # Issue 25: today's figures counted the day's tickets per status by reading
    # every row of the day (8.7 ms at 12,000 tickets), several times a second at
    # a busy hour. The counts are kept by SQLite itself on every write of a
    # ticket (triggers: no code path can miss one) and read as a few rows.
    db.execute(
        """
        create table ticket_counts (
            day text not null,
            status text not null,
            n integer not null default 0,
            primary key (day, status)
        ) without rowid
        """
    )
    db.execute("insert into ticket_counts (day, status, n) "
               "select day, status, count(*) from tickets group by day, status")
    db.execute(
        """
        create trigger ticket_counts_insert after insert on tickets
        begin
            insert into ticket_counts (day, status, n) values (new.day, new.status, 1)
            on conflict (day, status) do update set n = n + 1;
        end
        """
    )
    db.execute(
        """
        create trigger ticket_counts_update after update of status, day on tickets
        when old.status is not new.status or old.day is not new.day
        begin
            update ticket_counts set n = n - 1 where day = old.day and status = old.status;
            insert into ticket_counts (day, status, n) values (new.day, new.status, 1)
            on conflict (day, status) do update set n = n + 1;
        end
        """
    )
    db.execute(
        """
        create trigger ticket_counts_delete after delete on tickets
        begin
            update ticket_counts set n = n - 1 where day = old.day and status = old.status;
        end
        """
    )


@migration("0156_counters_back_at")
def m0156_counters_back_at(db):
    # Issue 25: an officer pausing a counter says for how long. `back_at` is the
    # planned return (UTC ISO) while it is paused; `announced` says its last change
    # of status was foreseen (a pause of a given length, the return from one), so
    # the estimates count it instead of calling the line unsettled.
    db.execute("alter table counters add column back_at text")
    db.execute("alter table counters add column announced integer not null default 0")


@migration("0157_counters_hours")
def m0157_counters_hours(db):
    # Issue 25: a counter's working hours ("07:00-11:30,13:30-17:00", local time;
    # null: not said), from the centre's setup: the wait estimates count on a
    # staffed counter closing at the end of a session and opening again at the
    # start of the next.
    db.execute("alter table counters add column hours text")


@migration("0158_counter_sessions_open")
def m0158_counter_sessions_open(db):
    # A counter's state says since when its officer is signed in (`signed_in`), not
    # who: the state is public (the live pages' relay), the name is not. The open
    # session of a counter, found at every counter state published (audit3).
    db.execute("create index counter_sessions_open on counter_sessions(counter_id, id) "
               "where ended_at is null")


@migration("0159_tickets_status_check")
def m0159_tickets_status_check(db):
    # Issue 25: SQLite checks `status in (six values)` by building a temporary b-tree
    # of the six values (a list of more than two) for every statement that writes a
    # ticket's status: an issue, a call and a finish each paid ~35 K instructions
    # for it (4% of a call's CPU; callgrind). The same rule as six equalities is
    # checked in place. A CHECK constraint is nothing on disk, and every row holds
    # to the new one as to the old: SQLite's documented way to change one is to
    # edit the table's definition in the schema and bump the schema's version
    # (sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema
    # Changes"), inside this step's transaction. No row is copied.
    (definition,) = db.execute(
        "select sql from sqlite_master where type = 'table' and name = 'tickets'").fetchone()
    old = re.compile(r"check \(status in\s*\('waiting', 'called', 'serving', 'done', "
                     r"'no_show', 'cancelled'\)\)")
    if len(old.findall(definition)) != 1:
        raise RuntimeError("tickets: the status check of 0011_tickets was not found")
    new = old.sub("check (status = 'waiting' or status = 'called' or status = 'serving' "
                  "or status = 'done' or status = 'no_show' or status = 'cancelled')",
                  definition)
    (version,) = db.execute("pragma schema_version").fetchone()
    db.execute("pragma writable_schema = on")
    try:
        db.execute("update sqlite_master set sql = ? where type = 'table' and name = 'tickets'",
                   [new])
        db.execute(f"pragma schema_version = {int(version) + 1}")
    finally:
        db.execute("pragma writable_schema = off")
