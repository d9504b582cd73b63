"""The admin's overrides of the working calendar.

Frozen: never edit a step that has shipped (a centre's database recorded it as
applied); add a new step with the next free number.
"""

from .registry import migration


@migration("0030_calendar_overrides")
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
