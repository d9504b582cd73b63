"""The SMS and e-mail delivery log.

Frozen: never edit a step that has shipped (a centre's database recorded it as
applied); add a new step with the next free number.
"""

from .registry import migration


@migration("0100_sms")
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
