"""Booked tickets in the calling order (issue 26): properties under hypothesis.

The rule (central/queue/strategy.py, docs/appointments.md): a booked ticket
that is due (checked in within its window, its slot has started) is called
before walk-ins, earliest slot first, but at most K booked calls in a row at a
counter while a walk-in waits; the priority mix and the maximum wait still
hold over both.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central.queue.strategy import Candidate, FirstCome, MixedPriority

# Generating a line is cheap; on a machine shared by eight test runs it can still take
# longer than hypothesis's patience, which says nothing about the rule.
RELAXED = [HealthCheck.too_slow]


def _candidate(ident, service_id, booked, priority, issued, waited, max_wait, targeted,
               offset):
    return Candidate(
        id=ident, service_id=service_id, priority=priority and not booked, issued=issued,
        waited_min=waited, max_wait_min=max_wait, for_this_counter=targeted, booked=booked,
        # A slot starts at most 15 min after the check-in and at most 10 min before it
        # (the default window); a due ticket's slot has started.
        slot=issued + offset if booked else None)


mixed_lists = st.lists(
    st.builds(_candidate, st.integers(1, 10_000), st.integers(1, 3), st.booleans(),
              st.booleans(), st.floats(0, 10_000, allow_nan=False),
              st.floats(0, 120, allow_nan=False), st.sampled_from([30, 45, 60]),
              st.integers(0, 7).map(lambda n: n == 0), st.floats(-600, 900, allow_nan=False)),
    max_size=30, unique_by=lambda c: c.id)
streaks = st.integers(0, 6)
limits = st.integers(1, 5)


@settings(suppress_health_check=RELAXED)
@given(mixed_lists, streaks, streaks, limits, limits)
def test_no_ticket_waits_past_its_maximum_with_bookings_mixed_in(pool, normal, booked, every,
                                                                  k):
    chosen = MixedPriority(every, k).choose(pool, normal, booked)
    if not pool:
        assert chosen is None
        return
    if any(c.for_this_counter for c in pool):
        assert chosen.for_this_counter
        return
    overdue = [c for c in pool if c.waited_min >= c.max_wait_min]
    if overdue:
        assert (chosen.issued, chosen.id) == min((c.issued, c.id) for c in overdue)


@settings(suppress_health_check=RELAXED)
@given(mixed_lists, streaks, streaks, limits, limits)
def test_a_due_booking_is_called_before_walk_ins_until_k_in_a_row(pool, normal, booked_streak,
                                                                   every, k):
    """A walk-in goes before a due booked ticket only when it was sent to this counter, has
    waited its maximum, is the priority ticket owed after ``every`` normal calls, or K booked
    tickets were just called in a row here."""
    chosen = MixedPriority(every, k).choose(pool, normal, booked_streak)
    if not any(c.booked for c in pool) or chosen.booked:
        return
    assert (chosen.for_this_counter or chosen.waited_min >= chosen.max_wait_min
            or (chosen.priority and normal >= every) or booked_streak >= k)


@settings(suppress_health_check=RELAXED)
@given(mixed_lists, streaks, streaks, limits, limits)
def test_bookings_never_hold_back_the_priority_ticket_owed(pool, normal, booked_streak, every,
                                                           k):
    """A booked call counts as a normal one: after ``every`` of them the priority ticket."""
    fresh = [Candidate(c.id, c.service_id, c.priority, c.issued, 0, c.max_wait_min,
                       booked=c.booked, slot=c.slot) for c in pool]  # nobody overdue
    chosen = MixedPriority(every, k).choose(fresh, normal, booked_streak)
    if any(c.priority for c in fresh) and normal >= every:
        assert chosen.priority


@settings(suppress_health_check=RELAXED)
@given(mixed_lists, streaks, streaks, limits, limits)
def test_bookings_are_called_by_their_slot(pool, normal, booked_streak, every, k):
    chosen = MixedPriority(every, k).choose(pool, normal, booked_streak)
    if chosen is None or not chosen.booked or chosen.for_this_counter:
        return
    if chosen.waited_min >= chosen.max_wait_min:
        return  # called by the maximum-wait rule, oldest first
    booked = [c for c in pool if c.booked]
    assert (chosen.slot, chosen.issued, chosen.id) == min((c.slot, c.issued, c.id)
                                                         for c in booked)


@settings(suppress_health_check=RELAXED)
@given(mixed_lists, streaks, limits, limits)
def test_walk_ins_alone_are_ordered_as_before(pool, normal, every, k):
    """With no due booking the rule is the old one, whatever the booked streak."""
    walk_ins = [c for c in pool if not c.booked]
    a = MixedPriority(every, k).choose(walk_ins, normal, 0)
    b = MixedPriority(every, k).choose(walk_ins, normal, 99)
    assert a == b


def _serve(walk_in_kinds, bookings, k, every, booked_keep_coming):
    """One counter serving a line: walk-ins (priority or not) issued at 0, 1, 2… and
    due bookings; with ``booked_keep_coming`` a new due booking arrives after every
    booked call (an endless stream). Returns the calls (kind, id) in order."""
    pool = [Candidate(i, 1, p, float(i), 0) for i, p in enumerate(walk_in_kinds)]
    next_id = 10_000
    for slot in bookings:
        pool.append(Candidate(next_id, 1, False, 1000.0 + slot, 0, booked=True,
                              slot=float(slot)))
        next_id += 1
    strategy, normal, booked, calls = MixedPriority(every, k), 0, 0, []
    while any(not c.booked for c in pool) or (pool and not booked_keep_coming):
        c = strategy.choose(pool, normal, booked)
        pool.remove(c)
        calls.append(("booked" if c.booked else "priority" if c.priority else "walk_in", c.id))
        booked = booked + 1 if c.booked else 0
        normal = 0 if c.priority else normal + 1
        if c.booked and booked_keep_coming:
            pool.append(Candidate(next_id, 1, False, 2000.0 + next_id, 0, booked=True,
                                  slot=1500.0 + next_id))
            next_id += 1
        assert len(calls) < 10_000
    return calls


@settings(max_examples=60, suppress_health_check=RELAXED)
@given(st.lists(st.booleans(), min_size=1, max_size=30), st.integers(1, 5), st.integers(1, 5))
def test_no_walk_in_waits_forever_under_an_endless_stream_of_bookings(kinds, k, every):
    calls = _serve(kinds, [0], k, every, booked_keep_coming=True)
    walk_ins = [c for c in calls if c[0] != "booked"]
    assert sorted(i for _, i in walk_ins) == list(range(len(kinds)))
    run = 0
    for kind, _ in calls:
        run = run + 1 if kind == "booked" else 0
        assert run <= k  # at most K bookings between two walk-ins
    assert len(calls) <= (k + 1) * len(kinds)


@settings(max_examples=60, suppress_health_check=RELAXED)
@given(st.lists(st.booleans(), max_size=20), st.lists(st.integers(0, 3000), max_size=20),
       st.integers(1, 5), st.integers(1, 5))
def test_everyone_is_called_once_and_bookings_by_slot(kinds, slots, k, every):
    calls = _serve(kinds, slots, k, every, booked_keep_coming=False)
    assert len(calls) == len(kinds) + len(slots)
    assert len({i for _, i in calls}) == len(calls)
    booked_ids = [i for kind, i in calls if kind == "booked"]
    assert booked_ids == sorted(booked_ids, key=lambda i: (slots[i - 10_000], i))


@settings(suppress_health_check=RELAXED)
@given(mixed_lists)
def test_first_come_puts_a_due_booking_at_its_slot(pool):
    chosen = FirstCome().choose(pool, 0)
    if not pool:
        return
    place = {c.id: (c.slot if c.booked else c.issued, c.issued, c.id) for c in pool}
    assert place[chosen.id] == min(place.values())
    # so nobody who came after the slot began goes before it
    for c in pool:
        if c.booked and not chosen.booked:
            assert chosen.issued <= c.slot
