"""Dossiers, their events and transfers; the fees collected.

Frozen: never edit a step that has shipped (a centre's database recorded it as
applied); add a new step with the next free number.
"""

from .registry import migration


@migration("0031_dossiers")
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


# --- Fees and feedback (issue 15) ---------------------------------------------------


@migration("0110_fee_entries")
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
