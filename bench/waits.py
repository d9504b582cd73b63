"""The wait estimate against the waits that followed, on two simulated days.

    .venv/bin/python bench/waits.py            # 3,000 tickets + a day of 8 hours
    .venv/bin/python bench/waits.py --quick    # a few hundred tickets, writes nothing

Each day runs the hub's own queue code on an empty store of its own, on a
virtual clock: citizens arrive at random (Poisson), counters serve for random
times (exponential, mean 6 minutes), a free counter calls the next ticket at
once. At each ticket's issue these estimates are taken, from the same store:

- today's (the estimate before issue 25: ``ceil(ahead × per / open)`` with the
  service time of the 20 newest finished tickets);
- the hub's before this change (the mean of the wait, the 80% range rounded
  outwards; kept here as ``previous_rule``) and the hub's now
  (``central.queue.estimate``: what is printed now), each a number or a range;
- floor 1: the exact median of the wait given the counters open and free at
  issue and the true mean service time, the best number for an absolute error
  when nothing changes later;
- floor 2: the median of 1,000 replays of each ticket's future from its state at
  issue, knowing the day's schedule of openings, pauses and closings (which the
  hub does not know): how long each citizen will take is unknown to everyone.

Each is scored as a number against the wait that followed, and as printed: a
range's distance to the wait, none inside it (with the ranges' widths beside).

Day 1: 8 counters open all day, arrivals at 95% of what they can serve.
Day 2: 8 counters opening late, pausing for breaks, closing for lunch and
early in the afternoon, with arrivals that the counters cannot always keep up
with.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random

from common import Run, percentile

SERVICE = {"code": "bench-a", "name": "Dịch vụ thử A", "prefix": "X", "range": [1, 99999]}
MEAN_SERVICE_MIN = 6.0
START = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)  # 08:00 in Thanh Hóa

# Day 2: (minute, counters, action)
DAY2 = [(0, (1, 2, 3, 4), "open"), (20, (5, 6), "open"), (45, (7, 8), "open"),
        (120, (1, 2), "pause"), (135, (1, 2), "resume"),
        (180, (3, 4), "pause"), (200, (3, 4), "resume"),
        (240, (5, 6, 7, 8), "close"), (300, (5, 6, 7, 8), "open"),
        (390, (1, 2, 3), "close")]
DAY2_RATE = 1.05  # arrivals per minute (8 counters serve 1.33 per minute)


def erlang_cdf(k: int, x: float) -> float:
    """P(sum of ``k`` exponential times of mean 1 <= ``x``), exactly."""
    if k <= 0:
        return 1.0
    term = total = math.exp(-x)
    for n in range(1, k):
        term *= x / n
        total += term
    return 1.0 - total


def erlang_median(k: int, scale: float) -> float:
    """Median of the sum of ``k`` exponential times of mean ``scale`` (bisection on
    the exact distribution, not the estimator's approximation)."""
    if k <= 0:
        return 0.0
    lo, hi = 0.0, k + 10 * math.sqrt(k) + 10
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if erlang_cdf(k, mid) < 0.5 else (lo, mid)
    return scale * (lo + hi) / 2


def erlang_mad(k: int, scale: float) -> float:
    """Expected |X - median| for X the sum of ``k`` exponential times of mean
    ``scale``: the mean absolute error the best estimate can expect for that
    state, over every way its future could turn out. With m the median,
    E|X - m| = E[X] (1 - 2 P(Erlang(k + 1) <= m))."""
    if k <= 0:
        return 0.0
    m = erlang_median(k, 1.0)
    return scale * k * (1 - 2 * erlang_cdf(k + 1, m))


def replay(rng, t0: float, ahead: int, counters: dict, schedule: list) -> float:
    """One way the future of a ticket issued at ``t0`` could turn out: its wait,
    with the same rules as :func:`simulate` (first come first called, a counter
    told to pause or close while serving does so when it finishes), new
    service times drawn for the citizens being served (exponential: the time
    they have already spent tells nothing) and for those ahead, and the day's
    schedule of openings, pauses and closings as it will be. Later arrivals
    queue behind the ticket and change nothing."""
    status = {k: c[0] for k, c in counters.items()}
    busy = {k: c[1] for k, c in counters.items()}
    wanted = {k: c[2] for k, c in counters.items()}
    events, seq = [], 0
    for k in counters:
        if busy[k]:
            seq += 1
            events.append((t0 + rng.expovariate(1 / MEAN_SERVICE_MIN), seq, "free", k))
    for minute, numbers, action in schedule:
        if minute > t0:
            for k in numbers:
                seq += 1
                events.append((minute, seq, action, k))
    heapq.heapify(events)
    left = [ahead]

    def call(k, now):  # True when it is the ticket's turn
        if left[0] == 0:
            return True
        left[0] -= 1
        busy[k] = True
        nonlocal seq
        seq += 1
        heapq.heappush(events, (now + rng.expovariate(1 / MEAN_SERVICE_MIN), seq, "free", k))
        return False

    for k in counters:
        if not busy[k] and not wanted[k] and status[k] == "open" and call(k, t0):
            return 0.0
    while events:
        now, _, kind, k = heapq.heappop(events)
        if kind == "free":
            busy[k] = False
            if wanted[k]:
                status[k], wanted[k] = wanted[k], None
            elif call(k, now):
                return now - t0
        elif kind in ("pause", "close"):
            if busy[k]:
                wanted[k] = kind
            elif status[k] == "open":
                status[k] = "paused" if kind == "pause" else "closed"
        else:
            wanted[k] = None
            status[k] = "open"
            if not busy[k] and call(k, now):
                return now - t0
    return math.inf


def simulate(tmp, name: str, counters: int, schedule: list, rate, arrivals_until: float,
             max_tickets: int, seed: int, replays: int) -> dict:
    from central.queue import commands, estimate, setup
    from central.queue import tickets as tk
    from central.store import Store
    from motcua import clock

    rng = random.Random(seed)
    store = Store(tmp / f"{name}.db")
    # A virtual day measures estimates, not durability: no fsync per step.
    store.db.execute("pragma synchronous=off")
    setup.load_file(store, setup.SAMPLE, actor="bench")
    with store.write() as db:
        setup.save_service(db, SERVICE, actor="bench")
        for n in range(1, counters + 1):
            setup.save_counter(db, {"number": n, "services": {SERVICE["code"]: 1}},
                               actor="bench")
        service = setup.service_by_code(db, SERVICE["code"])
    events: list = []
    seq = 0

    def push(t, kind, data=None):
        nonlocal seq
        seq += 1
        heapq.heappush(events, (t, seq, kind, data))

    t, issued = 0.0, 0
    while issued < max_tickets:
        t += rng.expovariate(rate)
        if t > arrivals_until:
            break
        push(t, "arrive")
        issued += 1
    for minute, numbers, action in schedule:
        for k in numbers:
            push(minute, action, k)
    busy = dict.fromkeys(range(1, counters + 1), False)
    wanted: dict[int, str | None] = dict.fromkeys(busy)
    estimates: dict[int, tuple] = {}
    states: dict[int, tuple] = {}

    def run(db, k, action, now):
        counter = setup.counter_by_number(db, k)
        return commands.run(db, counter, action, now=now)[0]

    def call_next(db, k, now_min, now):
        result = run(db, k, "next", now)
        busy[k] = result["current"] is not None
        if busy[k]:
            push(now_min + rng.expovariate(1 / MEAN_SERVICE_MIN), "free", k)

    def status(db, k):
        return setup.counter_by_number(db, k)["status"]

    while events:
        now_min, _, kind, k = heapq.heappop(events)
        now = START + dt.timedelta(minutes=now_min)
        with store.write() as db:
            if kind == "arrive":
                r = tk.issue(db, SERVICE["code"], now=now)
                facts = estimate.line_facts(db, service, now)
                finishes = (r["people_ahead"] - facts.idle + 1
                            if r["people_ahead"] >= facts.idle else 0) if facts.open \
                    else r["people_ahead"] + 1
                scale = MEAN_SERVICE_MIN / max(1, facts.open)
                estimates[r["ticket_id"]] = (
                    estimate.legacy_minutes(db, service, r["people_ahead"]),
                    r["estimate_min"], erlang_median(finishes, scale), r["estimate_range"],
                    previous_rule(facts, r["people_ahead"]), erlang_mad(finishes, scale))
                states[r["ticket_id"]] = (now_min, r["people_ahead"], {
                    c: (status(db, c), busy[c], wanted[c]) for c in busy}, facts)
                for c in busy:
                    if not busy[c] and not wanted[c] and status(db, c) == "open":
                        call_next(db, c, now_min, now)
                        break
            elif kind == "free":
                if wanted[k]:
                    run(db, k, "finish", now)
                    run(db, k, wanted[k], now)
                    busy[k], wanted[k] = False, None
                else:
                    call_next(db, k, now_min, now)
            elif kind in ("pause", "close"):
                if busy[k]:
                    wanted[k] = kind
                elif status(db, k) == "open":
                    run(db, k, kind, now)
            else:  # open, resume
                wanted[k] = None
                if status(db, k) != "open":
                    run(db, k, "open" if kind == "open" else "resume", now)
                if not busy[k]:
                    call_next(db, k, now_min, now)
    waits = {tid: (clock.from_iso(called) - clock.from_iso(issued_at)).total_seconds() / 60
             for tid, issued_at, called in store.db.execute(
                 "select id, issued_at, first_called_at from tickets "
                 "where first_called_at is not null")}
    store.close()
    # The floor knowing the day's schedule: each ticket's future replayed `replays`
    # times from its state at issue; the median of those waits is the best estimate
    # anyone could make at issue, knowing when counters will open, pause and close.
    mc = random.Random(seed + 1000)
    oracle, oracle_mad = {}, {}
    for tid in waits:
        t0, ahead, counters, _ = states[tid]
        samples = sorted(replay(mc, t0, ahead, counters, schedule) for _ in range(replays))
        median = samples[len(samples) // 2]
        oracle[tid] = median
        oracle_mad[tid] = sum(abs(x - median) for x in samples) / len(samples)
    tids = list(waits)

    def scored(point, printed=None, ranges=None):
        errors = [abs(point[t] - waits[t]) for t in tids]
        row = {"point": (sum(errors) / len(errors), percentile(errors, 90))}
        if printed is not None:
            shown = [printed[t] for t in tids]
            row["printed"] = (sum(shown) / len(shown), percentile(shown, 90))
        if ranges:
            got = [(ranges[t], waits[t]) for t in tids if ranges[t]]
            row["ranged"] = len(got) / len(tids)
            if got:
                widths = [hi - lo for (lo, hi), _ in got]
                row["width"] = (percentile(widths, 50), percentile(widths, 90))
                row["inside"] = sum(lo <= w <= hi for (lo, hi), w in got) / len(got)
        return row

    def printed_error(t, minutes, low_high):
        """What the citizen reads against what happened: a number's distance to the
        wait, a range's (none inside it; "dưới 5 phút" is 0–5)."""
        w = waits[t]
        if low_high is None:
            return abs(minutes - w)
        lo, hi = low_high
        return max(0.0, lo - w, w - hi)

    out = {"n": len(waits), "mean_wait": sum(waits.values()) / len(waits),
           "p90_wait": percentile(list(waits.values()), 90)}
    legacy = {t: estimates[t][0] for t in tids}
    out["legacy"] = scored(legacy, {t: abs(legacy[t] - waits[t]) for t in tids})
    for key, pick in (("previous", lambda t: estimates[t][4]),
                      ("new", lambda t: (estimates[t][1], estimates[t][3]))):
        shown = {t: pick(t) for t in tids}
        out[key] = scored({t: shown[t][0] for t in tids},
                          {t: printed_error(t, *shown[t]) for t in tids},
                          {t: shown[t][1] for t in tids})
    out["floor"] = scored({t: estimates[t][2] for t in tids})
    out["floor"]["expected"] = sum(estimates[t][5] for t in tids) / len(tids)
    out["oracle"] = scored(oracle)
    out["oracle"]["expected"] = sum(oracle_mad.values()) / len(tids)
    out["hours"] = max(states[t][0] for t in states) / 60
    out["issued"] = len(states)
    return out


def previous_rule(facts, ahead: int) -> tuple[int, list | None]:
    """The hub's estimate before this change (central/queue/estimate.py at 48f74a5):
    the mean of the wait, ``finishes * per / open``, and the normal 80% interval in
    whole five minutes. Kept here to measure the change in the same run."""
    servers = max(1, facts.open)
    gap = facts.per / servers
    finishes = ahead - facts.idle + 1 if facts.open and ahead >= facts.idle else 0
    if not facts.open:
        finishes = ahead + 1
    minutes = finishes * gap
    spread = 1.2816 * math.sqrt(finishes) * gap
    low = 5 * math.floor(max(0.0, minutes - spread) / 5)
    high = max(low + 5, 5 * math.ceil((minutes + spread) / 5))
    trusted = facts.steady and 0.8 * math.sqrt(finishes) * gap <= 1.5
    return round(minutes), None if trusted else [low, high]


METHODS = (("legacy", "today's (before issue 25): a number"),
           ("previous", "the hub's before this change"),
           ("new", "the hub's now"),
           ("floor", "floor 1: exact median knowing the counters open at issue"),
           ("oracle", "floor 2: median of 1,000 replays knowing the day's schedule"))


def main() -> int:
    run = Run("waits.py", __doc__)
    replays = run.pick(1000, 50)
    day1_tickets = run.pick(3000, 300)
    try:
        day1 = simulate(run.tmp, "day1", 8, [(0, tuple(range(1, 9)), "open")],
                        8 / MEAN_SERVICE_MIN * 0.95, math.inf, day1_tickets, seed=7,
                        replays=replays)
        day2 = simulate(run.tmp, "day2", 8, DAY2 if not run.quick else DAY2[:6], DAY2_RATE,
                        run.pick(450.0, 150.0), 10**6, seed=11, replays=replays)
        # Days of the same kinds drawn again: how much of the figures is the draw.
        others = [(seed, simulate(run.tmp, f"day1-{seed}", 8, [(0, tuple(range(1, 9)), "open")],
                                  8 / MEAN_SERVICE_MIN * 0.95, math.inf, day1_tickets,
                                  seed=seed, replays=run.pick(200, 20)),
                   simulate(run.tmp, f"day2-{seed}", 8, DAY2 if not run.quick else DAY2[:6],
                            DAY2_RATE, run.pick(450.0, 150.0), 10**6, seed=seed + 100,
                            replays=run.pick(200, 20)))
                  for seed in run.pick((1, 2, 3), (1,))]
    finally:
        run.close()

    def f(pair):
        return f"{pair[0]:.2f} / {pair[1]:.2f}"

    def rows(label, d):
        out = []
        for method, name in METHODS:
            r = d[method]
            printed = f(r["printed"]) if "printed" in r else "–"
            ranged = f"{r['ranged']:.0%}" if "ranged" in r else "0%"
            width = f"{r['width'][0]:g} / {r['width'][1]:g}" if "width" in r else "–"
            inside = f"{r['inside']:.0%}" if "inside" in r else "–"
            expected = f"{r['expected']:.2f}" if "expected" in r else "–"
            if method == "oracle":
                name = name.replace("1,000", f"{replays:,}")
            out.append(f"| {label} | {name} | {f(r['point'])} | "
                       f"{r['point'][0] / d['floor']['point'][0]:.2f}× | {expected} | {printed} | "
                       f"{ranged} | {width} | {inside} |")
        return out

    body = "\n".join([
        "## Wait estimates (bench/waits.py)",
        "",
        f"Day 1: {day1['n']} tickets, 8 counters open, arrivals at 95% of what they can "
        f"serve; waits averaged {day1['mean_wait']:.1f} min (p90 {day1['p90_wait']:.1f}). "
        f"Day 2: {day2['n']} tickets over {run.pick(450, 150)} minutes, counters opening "
        "late, pausing, closing for lunch and early; waits averaged "
        f"{day2['mean_wait']:.1f} min (p90 {day2['p90_wait']:.1f}). Service times random "
        f"(exponential, mean {MEAN_SERVICE_MIN:g} min), the same days for every method, "
        "all measured in this run. Minutes; \"point\": the estimate's number against the "
        "wait that followed (mean / p90 of the absolute error); \"expected\": the mean "
        "absolute error that estimate can expect over every way the same day could go "
        "on from each ticket's issue (exact for floor 1, from the replays for floor 2); "
        "\"printed\": what the ticket says against the wait — a number's distance to it, a "
        "range's distance to it (0 inside; \"dưới 5 phút\" is 0–5); widths of the ranges "
        "printed, median / p90:",
        "",
        "| day | estimate | point: mean / p90 | point mean / floor 1's | expected mean | "
        "printed: mean / p90 | range printed | range width | wait inside range |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows("1", day1),
        *rows("2", day2),
        "",
        "Days of the same two kinds drawn with other seeds (floor 2 from "
        f"{run.pick(200, 20)} replays a ticket); point and printed as above, mean / p90:",
        "",
        "| seed | day | tickets | mean wait | today's | the hub's before | the hub's now | "
        "floor 1 (expected mean) | floor 2 | printed before | printed now | "
        "range printed now | width before → now (median / p90) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *[f"| {seed} | {label} | {d['n']} | {d['mean_wait']:.1f} | {f(d['legacy']['point'])} | "
          f"{f(d['previous']['point'])} | {f(d['new']['point'])} | "
          f"{f(d['floor']['point'])} ({d['floor']['expected']:.2f}) | "
          f"{f(d['oracle']['point'])} | {f(d['previous']['printed'])} | "
          f"{f(d['new']['printed'])} | {d['new']['ranged']:.0%} | "
          + (f"{d['previous']['width'][0]:g} / {d['previous']['width'][1]:g} → "
             f"{d['new']['width'][0]:g} / {d['new']['width'][1]:g} |"
             if "width" in d["new"] and "width" in d["previous"] else "– |")
          for seed, one, two in others for label, d in (("1", one), ("2", two))],
        "",
        *findings(day1, day2, [d for _, one, two in others for d in (one, two)]),
    ])
    run.report(body)
    return 0


def findings(day1: dict, day2: dict, others: list[dict]) -> list[str]:
    """What the tables say, in sentences whose every figure is from this run."""
    def pm(d, method, part="point"):
        return f"{d[method][part][0]:.2f} / {d[method][part][1]:.2f}"

    return [
        f"Day 1 issued its {day1['issued']} tickets over {day1['hours']:.0f} hours of "
        "arrivals at 95% load without a pause (a steady state, not a centre's day); "
        f"{day1['issued'] - day1['n']} of them were never called (the business day "
        "changed under them) and are not counted. Day 2 issued "
        f"{day2['issued']}, {day2['n']} called.",
        "",
        "Floor 1 is the exact median of the wait given the people ahead and the "
        "counters open and free at issue, knowing the true mean service time: for an "
        "absolute error no number does better given that state, and as the service "
        "times are exponential the time a citizen at a counter has already spent "
        "tells nothing more (the replays of floor 2 draw fresh service times for them: "
        f"on day 1, with no schedule to know, floor 2 gives {pm(day1, 'oracle')}, floor 1 "
        f"{pm(day1, 'floor')}). Every ticket has one service drawn from one distribution: "
        "there is no procedure or department to tell service times apart. So on day 1 no "
        f"number printed at issue can expect a mean error below {day1['floor']['expected']:.2f} "
        f"min (its p90 measured {day1['floor']['point'][1]:.2f}): a mean error of 1.5 min "
        "and a p90 of 4 min for a number on every ticket are "
        + ("out of reach of any estimate on this day, by the simulation's own randomness."
           if day1["floor"]["expected"] > 1.5 or day1["floor"]["point"][1] > 4 else
           "within reach on this day."),
        "",
        ("On day 2 floor 1 is not a floor: k" if day2["oracle"]["point"][0]
         < day2["floor"]["point"][0] else "On day 2, k")
        + "nowing when counters will open, pause and "
        f"close, floor 2 reaches {pm(day2, 'oracle')} where floor 1 gets "
        f"{pm(day2, 'floor')}. The hub does not know the day's pauses and closings in "
        f"advance; its number gets {pm(day2, 'new')}.",
        "",
        "What the citizen reads: the hub prints a number only when that number is "
        "expected to be off by at most 1.5 min, else a range. Measured as printed, the "
        f"hub's estimate is off by {pm(day1, 'new', 'printed')} (day 1) and "
        f"{pm(day2, 'new', 'printed')} (day 2) — "
        + ("within" if all(d["new"]["printed"][0] <= 1.5 and d["new"]["printed"][1] <= 4
                          for d in (day1, day2)) else "not within")
        + f" 1.5 / 4 — where today's number "
        f"is off by {pm(day1, 'legacy', 'printed')} and {pm(day2, 'legacy', 'printed')}. "
        f"{day1['new']['ranged']:.0%} and {day2['new']['ranged']:.0%} "
        "of the tickets print a range, the price of the waits' randomness; "
        "this change rounds each end of the 80% range to the nearest five minutes "
        "(outwards before) and prints the wait's median (its mean before): ranges "
        f"{day1['previous']['width'][0]:g} → {day1['new']['width'][0]:g} min wide at the "
        f"median on day 1, {day2['previous']['width'][1]:g} → "
        f"{day2['new']['width'][1]:g} at the p90 on day 2, the waits inside them "
        f"{day1['previous']['inside']:.0%} → {day1['new']['inside']:.0%} (day 1).",
        "",
        "Drawn with other seeds, days of the same kinds give waits averaging "
        f"{min(d['mean_wait'] for d in others):.1f} to {max(d['mean_wait'] for d in others):.1f}"
        " min, and floor 1's expected mean error follows them from "
        f"{min(d['floor']['expected'] for d in others):.2f} to "
        f"{max(d['floor']['expected'] for d in others):.2f} min: whether 1.5 / 4 is within "
        "reach of a number depends on how long the line happened to grow, not on the "
        "estimator. The hub's printed error stayed at most "
        f"{max(d['new']['printed'][0] for d in others):.2f} / "
        f"{max(d['new']['printed'][1] for d in others):.2f}; as a number the median had "
        "a smaller mean error than the mean on "
        f"{sum(d['new']['point'][0] < d['previous']['point'][0] for d in others)} of "
        f"{len(others)} days, a smaller p90 on "
        f"{sum(d['new']['point'][1] < d['previous']['point'][1] for d in others)} and a "
        f"larger one on {sum(d['new']['point'][1] > d['previous']['point'][1] for d in others)}"
        " (the median minimizes the mean error, not the p90).",
    ]


if __name__ == "__main__":
    raise SystemExit(main())
