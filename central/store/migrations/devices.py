"""The nodes on the floor; which node drives which counter's keypad.

Frozen: never edit a step that has shipped (a centre's database recorded it as
applied); add a new step with the next free number.
"""

from .registry import migration


@migration("0001_nodes")
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


@migration("0061_counter_keypads")
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
