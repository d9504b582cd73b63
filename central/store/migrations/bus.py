"""Bus messages applied once (ids and answers).

Frozen: never edit a step that has shipped (a centre's database recorded it as
applied); add a new step with the next free number.
"""

from .registry import migration


@migration("0002_bus_messages")
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
