"""A centre's uplink to the province, and the provincial hub's tables.

Frozen: never edit a step that has shipped (a centre's database recorded it as
applied); add a new step with the next free number.
"""

from .registry import migration

# --- Many centres, one province (issue 12) --------------------------------------

@migration("0090_province")
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
