"""Citizens' ratings and feedback.

Frozen: never edit a step that has shipped (a centre's database recorded it as
applied); add a new step with the next free number.
"""

from .registry import migration


@migration("0060_ratings")
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


@migration("0111_feedback")
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
