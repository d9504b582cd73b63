"""The calling order: which waiting ticket a free counter gets next.

A strategy is any object with ``choose(candidates, normal_streak)``.
``candidates`` holds the head (oldest ticket) of each group of waiting
tickets (service × priority or not × transferred to this counter or not):
within a group the order is first-come by rule, so the heads are all a
strategy needs, however long the line. The default, :class:`MixedPriority`,
is what DOMAIN.md asks for::

    >>> s = MixedPriority(every=3)
    >>> a = Candidate(1, service_id=1, priority=False, issued=0.0, waited_min=4)
    >>> b = Candidate(2, service_id=1, priority=True, issued=1.0, waited_min=3)
    >>> s.choose([a, b], normal_streak=0).id, s.choose([a, b], normal_streak=3).id
    (1, 2)

Rules of :class:`MixedPriority`, in order:

1. a ticket transferred to this very counter comes first (it has waited once);
2. a ticket that has waited past its service's maximum is called before any
   other (the oldest such first): no ticket waits past the maximum while a
   counter for it is free;
3. after every ``every`` normal tickets, one priority ticket (a booked call
   counts as a normal one here, so bookings never hold back the priority
   classes DOMAIN.md names);
4. a booked ticket that is *due* (checked in within its window and its slot
   has started: ``booked``) comes before every walk-in, the earliest slot
   first, but at most ``booked_in_a_row`` booked calls in a row at one counter
   while a walk-in waits: then the counter takes one walk-in by rules 5-6, so
   walk-ins keep moving however many bookings there are (and rule 2 still
   bounds every wait);
5. a priority ticket whenever no normal walk-in waits;
6. otherwise a normal ticket: each service's oldest ticket competes, scored by
   time waited × the counter's weight for that service (equal weights: the
   oldest wins), so within a service and class it is always first-come.

A booked ticket checked in before its slot starts is not due yet: until then
it waits as a walk-in, by its check-in time (it may well be called before its
slot when the line is short)::

    >>> w = Candidate(3, service_id=1, priority=False, issued=0.0, waited_min=20)
    >>> b = Candidate(4, service_id=1, priority=False, issued=900.0, waited_min=5,
    ...               booked=True, slot=600.0)
    >>> s.choose([w, b], 0).id, s.choose([w, b], 0, booked_streak=3).id
    (4, 3)

:class:`FirstCome` gives a due booked ticket its slot's start as its place in
line: it goes before everyone who came after its slot began.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


# Not frozen: a frozen dataclass sets each of its ten fields through
# object.__setattr__, and a call makes one per head of a line (4-8): ~20 times
# the cost of plain slots, for objects made per call and only read (issue 25).
@dataclass(slots=True)
class Candidate:
    id: int
    service_id: int
    priority: bool
    issued: float            # seconds since the epoch: the original issue time
    waited_min: float
    max_wait_min: float = 45
    weight: int = 1
    for_this_counter: bool = False
    # A booked ticket that is due (checked in within its window, its slot has
    # started), and that slot's start (seconds since the epoch).
    booked: bool = False
    slot: float | None = None


class Strategy(Protocol):
    def choose(self, candidates: Sequence[Candidate], normal_streak: int,
               booked_streak: int = 0) -> Candidate | None:
        """The ticket to call, or None when nothing waits.

        ``normal_streak``: calls of this counter since its last priority call;
        ``booked_streak``: booked calls of this counter since its last walk-in."""


def _first_come(c: Candidate):
    return (c.issued, c.id)


def _by_slot(c: Candidate):
    """A booked ticket's place: its slot's start (then check-in time, then id)."""
    return (c.slot if c.booked and c.slot is not None else c.issued, c.issued, c.id)


@dataclass(frozen=True)
class MixedPriority:
    every: int = 3
    booked_in_a_row: int = 3

    def choose(self, candidates: Sequence[Candidate], normal_streak: int,
               booked_streak: int = 0) -> Candidate | None:
        if not candidates:
            return None
        targeted = [c for c in candidates if c.for_this_counter]
        if targeted:
            return min(targeted, key=_first_come)
        overdue = [c for c in candidates if c.waited_min >= c.max_wait_min]
        if overdue:
            return min(overdue, key=_first_come)
        booked = [c for c in candidates if c.booked]
        walk_in = [c for c in candidates if not c.booked]
        priority = [c for c in walk_in if c.priority]
        normal = [c for c in walk_in if not c.priority]
        if priority and normal_streak >= self.every:
            return min(priority, key=_first_come)
        if booked and (booked_streak < self.booked_in_a_row or not walk_in):
            return min(booked, key=_by_slot)
        if priority and not normal:
            return min(priority, key=_first_come)
        heads: dict[int, Candidate] = {}
        for c in normal:
            if c.service_id not in heads or _first_come(c) < _first_come(heads[c.service_id]):
                heads[c.service_id] = c
        return max(heads.values(), key=lambda c: (c.waited_min * c.weight, -c.issued, -c.id))


@dataclass(frozen=True)
class FirstCome:
    """Plain first-come, first-served (priority ignored); for centres that want it."""

    def choose(self, candidates: Sequence[Candidate], normal_streak: int,
               booked_streak: int = 0) -> Candidate | None:
        # A due booked ticket stands in line from its slot's start.
        return min(candidates, key=_by_slot) if candidates else None


STRATEGIES = {"mixed": MixedPriority, "first_come": FirstCome}


def make(name: str = "mixed", every: int = 3, booked_in_a_row: int = 3) -> Strategy:
    if name == "first_come":
        return FirstCome()
    return MixedPriority(every=every, booked_in_a_row=booked_in_a_row)
