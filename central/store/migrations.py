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


@migrations(name="0010_queue_setup")
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


@migrations(name="0011_tickets")
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


@migrations(name="0012_tickets_recent_done")
def m0012_tickets_recent_done(db):
    # The wait estimate reads a service's newest finished tickets on every
    # ticket and every line update: through this index it reads those few
    # rows, not every ticket the service ever finished (which grew the hub's
    # cost per operation with the size of the table).
    db.execute("create index tickets_recent_done on tickets(service_id, finished_at) "
               "where status = 'done'")


@migrations(name="0020_catalog")
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
    from motcua.search import SearchIndex

    db.execute(SearchIndex.create_sql())
    # Procedures written before this migration become searchable too.
    SearchIndex(db.conn).add(
        {"rowid": r[0], "code": r[1], "name": r[2], "field": r[3], "level": r[4],
         "department": r[5] or ""}
        for r in db.execute(
            "select p.id, p.code, p.name, p.field, p.level, d.code from procedures p "
            "left join departments d on d.id = p.department_id where p.current = 1"
        ).fetchall()
    )


@migrations(name="0030_calendar_overrides")
def m0030_calendar_overrides(db):
    # Days the admin declares working or off, with the decision that says so;
    # they win over the `holidays` package (a notice can be newer than it).
    db.execute(
        """
        create table calendar_overrides (
            day text primary key,
            working integer not null check (working in (0, 1)),
            decision text not null,
            note text not null default '',
            set_by text,
            set_at text not null
        )
        """
    )


@migrations(name="0031_dossiers")
def m0031_dossiers(db):
    # One row per dossier: its current picture. Every change is also a row of
    # dossier_events (append-only), the history the picture comes from.
    # `stage` groups statuses for the work lists, so each list is one index
    # range: pending (1, registered online, not yet received), running (2, 4,
    # 6), paused (5, supplement requested), held (6 when the procedure stops
    # the clock while fees are due), ready (9), closed (3, 7, 8, 10).
    db.execute(
        """
        create table dossiers (
            id integer primary key,
            code text not null unique,
            procedure_id integer not null references procedures(id),
            procedure_code text not null,
            procedure_name text not null,
            department_id integer references departments(id),
            channel text not null,
            status integer not null check (status between 1 and 10),
            stage text not null
                check (stage in ('pending', 'running', 'paused', 'held', 'ready', 'closed')),
            applicant_name text not null,
            applicant_id_number text not null default '',
            applicant_phone text not null default '',
            applicant_address text not null default '',
            components text not null default '[]',
            time_limit real,
            time_unit text,
            received_at text,
            received_by text,
            due_at text,
            apology_due_at text,
            paused_at text,
            supplement_count integer not null default 0,
            result_at text,
            classification text,
            returned_at text,
            closed_at text,
            updated_at text not null
        )
        """
    )
    # Work lists: open dossiers of one department ordered by due time.
    db.execute("create index dossiers_worklist on dossiers(department_id, stage, due_at)")
    db.execute("create index dossiers_stage_due on dossiers(stage, due_at)")
    db.execute("create index dossiers_received on dossiers(received_at)")
    db.execute(
        """
        create table dossier_events (
            id integer primary key,
            dossier_id integer not null references dossiers(id),
            at text not null,
            actor text,
            action text not null,
            from_status integer,
            to_status integer not null,
            department_id integer references departments(id),
            note text not null default '',
            detail text not null default '{}'
        )
        """
    )
    db.execute("create index dossier_events_by_dossier on dossier_events(dossier_id, id)")
    # Form 06, the processing control sheet: each hand-over between departments.
    db.execute(
        """
        create table dossier_transfers (
            id integer primary key,
            dossier_id integer not null references dossiers(id),
            from_department_id integer references departments(id),
            to_department_id integer not null references departments(id),
            handed_by text,
            handed_at text not null,
            received_by text,
            received_at text,
            due_at text,
            on_time integer not null,
            note text not null default ''
        )
        """
    )
    db.execute("create index dossier_transfers_by_dossier on dossier_transfers(dossier_id, id)")
    # The daily sequence of dossier codes, per agency: incremented inside the
    # reception's write transaction, so concurrent receptions never share one.
    db.execute(
        """
        create table dossier_sequences (
            agency text not null,
            day text not null,
            last integer not null,
            primary key (agency, day)
        )
        """
    )


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


@migrations(name="0060_ratings")
def m0060_ratings(db):
    # Citizens' ratings from the counter's rating keypad (issue 5): one per
    # ticket (the unique key is the hub's own guard against a second one),
    # bound to the ticket, the counter and the officer who served it.
    db.execute(
        """
        create table ratings (
            id integer primary key,
            ticket_id integer not null unique references tickets(id),
            counter_id integer not null references counters(id),
            officer_id integer references users(id),
            level text not null check (level in
                ('very_satisfied', 'satisfied', 'neutral', 'dissatisfied')),
            score integer not null check (score between 1 and 4),
            dossier_code text,
            node_id text not null,
            message_id text not null,
            rated_at text not null,
            received_at text not null
        )
        """
    )
    db.execute("create index ratings_by_officer on ratings(officer_id, rated_at)")
    db.execute("create index ratings_by_counter on ratings(counter_id, rated_at)")


@migrations(name="0061_counter_keypads")
def m0061_counter_keypads(db):
    # One Pi may drive the keypads of several neighbouring counters: besides
    # the counter bound by `counters.node_id`, a node may command the counters
    # listed here.
    db.execute(
        """
        create table counter_keypads (
            counter_id integer primary key references counters(id) on delete cascade,
            node_id text not null
        )
        """
    )


@migrations(name="0062_tickets_by_counter")
def m0062_tickets_by_counter(db):
    # Each counter's retained state names the ticket it last finished (for the
    # rating keypad): found through this index, not a scan of every day's tickets.
    db.execute("create index tickets_by_counter on tickets(counter_id, status, finished_at)")


@migrations(name="0070_dossier_facts")
def m0070_dossier_facts(db):
    # The statistics' per-dossier digest of dossier_events (issue 9): when the
    # clock started, its due time, when and how it ended. Kept by triggers on
    # every event row, so the period report reads one row per dossier through
    # an index instead of replaying millions of events, and no service code
    # has to remember to update it. central/statistics/facts.py rebuilds it
    # from the events (data copied in without the triggers, e.g. a province).
    from central.statistics import facts

    facts.install(db)
    facts.rebuild(db)


# --- Many centres, one province (issue 12) --------------------------------------

@migrations(name="0090_province")
def m0090_province(db):
    # A centre's hub: how far its uplink to the province has sent each kind of
    # record (ticket events, dossier events, ratings), by the source table's id.
    db.execute("create table uplink_marks (kind text primary key, mark integer not null)")
    # The provincial hub (role "province"): one row per centre it has heard of,
    # with its bridge's state (the broker's own notification, "1"/"0").
    db.execute(
        """
        create table province_centres (
            center text primary key,
            name text,
            link text not null default 'unknown' check (link in ('up', 'down', 'unknown')),
            link_since text,
            first_seen text not null,
            last_message_at text not null
        )
        """
    )
    db.execute(
        """
        create table province_link_log (
            id integer primary key,
            center text not null,
            link text not null,
            at text not null
        )
        """
    )
    # The newest retained state of each centre (boards, counters, lines,
    # statistics, nodes), as the centre published it: the live floor.
    db.execute(
        """
        create table province_state (
            center text not null,
            name text not null,
            payload text not null,
            received_at text not null,
            primary key (center, name)
        )
        """
    )
    # Every ticket event of every centre, once: (center, event_id) is the
    # centre's own ticket_events id, so a redelivered batch changes nothing.
    db.execute(
        """
        create table province_ticket_events (
            center text not null,
            event_id integer not null,
            at text not null,
            day text not null,
            action text not null,
            to_status text not null,
            ticket_id integer not null,
            display text not null,
            service text not null,
            counter integer,
            officer text,
            officer_name text,
            stored_at text not null,
            primary key (center, event_id)
        ) without rowid
        """
    )
    db.execute("create index province_ticket_events_day on province_ticket_events(day, center)")
    # Dossiers of every centre, in the shape of the centre's own `dossiers`
    # table (less the applicant's identity papers, phone and address, which
    # stay at the centre), plus the centre and the names the centre's other
    # tables would give: a report written for a centre's database runs on
    # these rows (central.province.reports.centre_database).
    db.execute(
        """
        create table province_dossiers (
            center text not null,
            code text not null,
            dossier_id integer not null,
            procedure_code text not null,
            procedure_name text not null,
            procedure_field text,
            procedure_level text,
            department_code text,
            department_name text,
            channel text not null,
            status integer not null,
            stage text not null,
            time_limit real,
            time_unit text,
            received_at text,
            received_by text,
            due_at text,
            apology_due_at text,
            paused_at text,
            supplement_count integer not null default 0,
            result_at text,
            classification text,
            returned_at text,
            closed_at text,
            updated_at text not null,
            version integer not null,
            stored_at text not null,
            primary key (center, code)
        )
        """
    )
    db.execute("create index province_dossiers_open on province_dossiers(stage, due_at)")
    # Each dossier's events (the centre's dossier_events, less notes and actors;
    # of `detail` only the due time and the classification): what the official
    # period report digests (central.province.reports.centre_database).
    db.execute(
        """
        create table province_dossier_events (
            center text not null,
            event_id integer not null,
            code text not null,
            at text not null,
            action text not null,
            from_status integer,
            to_status integer not null,
            due_at text,
            classification text,
            primary key (center, event_id)
        ) without rowid
        """
    )
    db.execute("create index province_dossier_events_by_code on "
               "province_dossier_events(center, code, event_id)")
    db.execute(
        """
        create table province_ratings (
            center text not null,
            rating_id integer not null,
            counter integer not null,
            officer text,
            officer_name text,
            level text not null,
            score integer not null,
            rated_at text not null,
            primary key (center, rating_id)
        ) without rowid
        """
    )
@migrations(name="0100_sms")
def m0100_sms(db):
    # Issue 14: the delivery log of every SMS and e-mail in and out. A row is
    # written before anything is sent and marked `sending` in its own commit
    # just before the modem is asked, so a hub that dies mid-send finds it
    # `sending` at start and marks it `uncertain` (never sent twice). `dedupe`
    # is the notification's identity (e.g. "result_ready:dossier:42:sms"):
    # unique, so one notification is queued once whatever restarts.
    db.execute(
        """
        create table messages (
            id integer primary key,
            channel text not null check (channel in ('sms', 'email')),
            direction text not null check (direction in ('in', 'out')),
            peer text not null,
            kind text not null,
            subject text not null default '',
            body text not null,
            state text not null check (state in ('received', 'answered', 'ignored',
                'throttled', 'queued', 'sending', 'sent', 'failed', 'uncertain')),
            dedupe text unique,
            dossier_id integer references dossiers(id),
            ticket_id integer references tickets(id),
            reply_to integer references messages(id),
            encoding text,
            parts integer,
            attempts integer not null default 0,
            next_attempt_at text,
            last_error text not null default '',
            created_at text not null,
            updated_at text not null,
            sent_at text
        )
        """
    )
    db.execute("create index messages_due on messages(direction, state, next_attempt_at)")
    db.execute("create index messages_by_peer on messages(peer, direction, created_at)")
    db.execute("create index messages_recent on messages(created_at)")
    # Opt-in at reception: which channels the citizen asked for (the phone is
    # the dossier's applicant_phone; the e-mail address is kept here).
    db.execute(
        """
        create table dossier_contacts (
            dossier_id integer primary key references dossiers(id),
            sms integer not null default 0,
            email text not null default '',
            created_at text not null
        )
        """
    )
    # A queue ticket whose holder left a phone number for "your turn is near".
    db.execute(
        """
        create table ticket_contacts (
            ticket_id integer primary key references tickets(id),
            phone text not null,
            created_at text not null
        )
        """
    )
    # Small persistent state of the SMS worker, e.g. the last dossier event it
    # turned into notifications.
    db.execute("create table sms_state (key text primary key, value text not null)")
# --- Fees and feedback (issue 15) ---------------------------------------------------


@migrations(name="0110_fee_entries")
def m0110_fee_entries(db):
    # What the officer collected for a dossier, one row per receipt. Append-only:
    # an exemption or a refund is its own row (a refund points at the payment it
    # returns), and the triggers below refuse any update or delete, so the day's
    # closing sheet can always be rebuilt from the rows. Amounts are integer
    # đồng; `amount` is never negative (the kind says which way money went).
    db.execute(
        """
        create table fee_entries (
            id integer primary key,
            dossier_id integer not null references dossiers(id),
            dossier_code text not null,
            procedure_code text not null,
            department_id integer references departments(id),
            stage text not null check (stage in ('reception', 'return')),
            kind text not null check (kind in ('payment', 'exemption', 'refund')),
            item text not null,
            amount integer not null check (typeof(amount) = 'integer' and amount >= 0),
            method text check (method in ('cash', 'transfer')),
            receipt_no text,
            refund_of integer references fee_entries(id),
            note text not null default '',
            officer text not null,
            officer_name text not null default '',
            day text not null,
            recorded_at text not null
        )
        """
    )
    db.execute("create index fee_entries_by_day on fee_entries(day, department_id, officer)")
    db.execute("create index fee_entries_by_dossier on fee_entries(dossier_id, id)")
    # A receipt number is used once per kind (payments and refunds have their own books).
    db.execute("create unique index fee_entries_receipt on fee_entries(kind, receipt_no) "
               "where receipt_no is not null")
    db.execute("create trigger fee_entries_no_update before update on fee_entries begin "
               "select raise(abort, 'fee entries are never edited: add a refund or exemption'); "
               "end")
    db.execute("create trigger fee_entries_no_delete before delete on fee_entries begin "
               "select raise(abort, 'fee entries are never deleted'); end")


@migrations(name="0111_feedback")
def m0111_feedback(db):
    # Citizens' complaints and suggestions (phản ánh, kiến nghị), from the
    # kiosk, the public web or the counter's rating keypad, linked where known
    # to a ticket, dossier, counter and officer. `due_at` is set at reception
    # from the working calendar; `on_time` once answered. `public_token` names
    # the citizen's own status page (unguessable, no personal data on it).
    db.execute(
        """
        create table feedback (
            id integer primary key,
            code text not null unique,
            public_token text not null unique,
            kind text not null check (kind in ('complaint', 'suggestion')),
            source text not null check (source in ('kiosk', 'web', 'counter')),
            topic text not null,
            text text not null default '',
            ticket_id integer references tickets(id),
            dossier_id integer references dossiers(id),
            counter_id integer references counters(id),
            officer_id integer references users(id),
            contact_name text not null default '',
            contact_phone text not null default '',
            contact_email text not null default '',
            node_id text,
            client_key text,
            status text not null check (status in ('new', 'assigned', 'answered')),
            received_at text not null,
            due_at text not null,
            assigned_to text,
            assigned_at text,
            answer text,
            answered_by text,
            answered_at text,
            on_time integer,
            published integer not null default 0,
            published_at text
        )
        """
    )
    db.execute("create index feedback_open on feedback(status, due_at)")
    db.execute("create index feedback_received on feedback(received_at)")
    db.execute("create index feedback_by_ticket on feedback(ticket_id) where ticket_id is not null")
    db.execute("create index feedback_by_client on feedback(client_key, received_at) "
               "where client_key is not null")
    db.execute(
        """
        create table feedback_events (
            id integer primary key,
            feedback_id integer not null references feedback(id),
            at text not null,
            actor text,
            action text not null,
            note text not null default ''
        )
        """
    )
    db.execute("create index feedback_events_by_feedback on feedback_events(feedback_id, id)")
