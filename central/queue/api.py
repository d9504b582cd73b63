"""The queue's entry points for the adapters (bus routes and web views).

Each runs inside the caller's write transaction and returns the answer and
the retained state to publish after the commit::

    with store.write() as db:
        result, out = api.issue_ticket(db, topics, "ho-tich", node_id="dispenser-1")
    for topic, payload, retain in out:
        gateway.publish_state(topic, payload, retain)
"""

from __future__ import annotations

from motcua import clock
from motcua.bus import Topics

from ..errors import Refused
from . import commands, setup, state, tickets
from .commands import Changes

CLEAR = b""  # payload of an empty retained message: the broker forgets the topic


def _halls_for_service(db, service_id: int) -> set:
    return {r[0] for r in db.execute(
        "select distinct c.hall from counters c join counter_services cs on cs.counter_id = c.id "
        "where cs.service_id = ?", [service_id])}


def issue_ticket(db, topics: Topics, service: str, priority: str | None = None,
                 node_id: str | None = None, now=None, *, booking_code: str | None = None,
                 slot_at: str | None = None) -> tuple[dict, list]:
    result = tickets.issue(db, service, priority, node_id, now=now, booking_code=booking_code,
                           slot_at=slot_at)
    closed = result.pop("closed_days")
    ticket = tickets.issued_row(db, result["ticket_id"])
    changes = Changes(services={ticket["service_id"]},
                      halls=_halls_for_service(db, ticket["service_id"]))
    out = state.publications(db, topics, changes,
                             service_codes={ticket["service_id"]: result["service"]})
    # The new ticket's own page: everything it shows is known here already.
    out.append((topics.ticket_state(ticket["token"]), state.issued_ticket_state(ticket, result),
                True))
    return result, out + _days_closed(db, topics, closed)


def _days_closed(db, topics: Topics, closed: list[str]) -> list:
    """A new day: yesterday's ticket pages are cleared from the broker (an empty
    retained message deletes one; their rows stay in the store), and every counter,
    hall and line is published again without yesterday's tickets."""
    if not closed:
        return []
    out = [(topics.ticket_state(token), CLEAR, True) for (token,) in db.execute(
        f"select token from tickets where day in ({','.join('?' * len(closed))})", closed)]
    changes = Changes(counters={r[0] for r in db.execute("select id from counters")},
                      halls={r[0] for r in db.execute("select distinct hall from counters")},
                      services={r[0] for r in db.execute("select id from services")})
    return out + state.publications(db, topics, changes)


def turn_the_day(db, topics: Topics, now=None) -> list:
    """Close the days before the current business day, as the first ticket or
    command of a day does, and return what to publish; nothing once they are.

    Called by the hub once a minute, so last evening's calls, lines, counters'
    numbers and ticket pages leave the hall screens and phones at the day's turn
    (four hours before opening), not at the morning's first ticket or key."""
    moment = now or clock.now()
    day = tickets.business_day(moment, setup.settings(db)["opening_time"])
    return _days_closed(db, topics, tickets.close_old_days(db, day, clock.iso(moment)))


def counter_command(db, topics: Topics, counter: dict, action: str, now=None,
                    **kwargs) -> tuple[dict, list]:
    result, out, _finished = counter_press(db, topics, counter, action, now=now, **kwargs)
    return result, out


def counter_press(db, topics: Topics, counter: dict, action: str, now=None,
                  **kwargs) -> tuple[dict, list, tuple | None]:
    """:func:`counter_command`, and the ticket the command made done, ``(id,
    display)`` or None (the counter node lights its rating keypad for it).

    The first command of a new day closes the days before it, as the first ticket
    does: a "next" at opening never calls a ticket left waiting last evening."""
    moment = now or clock.now()
    day = tickets.business_day(moment, setup.settings(db)["opening_time"])
    closed = tickets.close_old_days(db, day, clock.iso(moment))
    if closed:  # the counter's row lost yesterday's ticket
        counter = setup.counter_by_number(db, counter["number"]) or counter
    result, changes = commands.run(db, counter, action, now=moment, **kwargs)
    return (result, _days_closed(db, topics, closed) + state.publications(db, topics, changes),
            changes.finished)


def sign_in(db, topics: Topics, number: int, user_id: int) -> list:
    counter = setup.counter_by_number(db, number)
    if counter is None or not counter["active"]:
        raise Refused("unknown_counter", f"Không có quầy số {number}.")
    return state.publications(db, topics, commands.sign_in(db, counter, user_id))
