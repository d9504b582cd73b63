"""Appointments: bookings of a slot, their events, per-service rules and closures.

Frozen: never edit a step that has shipped (a centre's database recorded it as
applied); add a new step with the next free number.
"""

from .registry import migration


@migration("0130_appointments")
def m0130_appointments(db):
    # Issue 26: a citizen books a slot of a service. A move updates the same
    # row (the code stays). Only `booked` and `checked_in` hold a seat of the
    # slot; `cancelled` and `no_show` free it. `affected` marks a booking whose
    # slot went away (counters, calendar, a closure) for staff to handle.
    db.execute(
        """
        create table appointments (
            id integer primary key,
            code text not null unique,
            service_id integer not null references services(id),
            procedure_code text not null default '',
            procedure_name text not null default '',
            day text not null,
            starts_at text not null,
            ends_at text not null,
            name text not null,
            phone text not null,
            email text not null default '',
            dossier_code text not null default '',
            status text not null check (status in
                ('booked', 'checked_in', 'cancelled', 'no_show')),
            channel text not null check (channel in ('web', 'kiosk', 'staff')),
            client_key text not null default '',
            ticket_id integer references tickets(id),
            affected integer not null default 0,
            affected_reason text not null default '',
            created_at text not null,
            updated_at text not null,
            cancelled_at text,
            checked_in_at text,
            no_show_at text
        )
        """
    )
    db.execute("create index appointments_by_slot on appointments(service_id, starts_at) "
               "where status in ('booked', 'checked_in')")
    db.execute("create index appointments_by_start on appointments(starts_at)")
    db.execute("create index appointments_by_phone on appointments(phone, status)")
    db.execute("create index appointments_by_client on appointments(client_key, created_at)")
    db.execute("create index appointments_affected on appointments(affected) "
               "where affected = 1")
    db.execute(
        """
        create table appointment_events (
            id integer primary key,
            appointment_id integer not null references appointments(id),
            at text not null,
            action text not null check (action in
                ('book', 'move', 'cancel', 'check_in', 'no_show', 'affected')),
            detail text not null default '{}',
            actor text
        )
        """
    )
    db.execute("create index appointment_events_by_booking "
               "on appointment_events(appointment_id, id)")
    # Per service: bookable at all, the share of capacity kept for walk-ins,
    # and its own slot length (null: the centre's).
    db.execute(
        """
        create table appointment_services (
            service_id integer primary key references services(id) on delete cascade,
            bookable integer not null default 1,
            walk_in_share real not null default 0.5
                check (walk_in_share >= 0 and walk_in_share <= 1),
            slot_minutes integer check (slot_minutes between 5 and 240)
        )
        """
    )
    db.execute("create table appointment_settings (key text primary key, value text not null)")
    # An administrator closes a slot (start given) or a whole day, for one
    # service or all (service_id null).
    db.execute(
        """
        create table appointment_closures (
            id integer primary key,
            service_id integer references services(id) on delete cascade,
            day text not null,
            start text,
            reason text not null,
            closed_by text,
            closed_at text not null
        )
        """
    )
    db.execute("create index appointment_closures_by_day on appointment_closures(day)")
