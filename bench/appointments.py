"""What appointments cost: a month of availability, booking under 20 concurrent
clients, and 50 citizens racing for the last seats.

    .venv/bin/python bench/appointments.py

The Thanh Hóa sample centre (12 services, 20 counters), 30-minute slots, half of
each service's capacity kept for walk-ins, a month ahead, 40 % of the seats already
booked. Measured: ``slots.plan`` for every bookable service over the month (what a
kiosk's or a statistics page's overview needs) and for one service (what
``/dat-lich`` computes per step); ``bookings.book`` from 20 threads at once, each
with its own connection to the same SQLite file (WAL, synchronous=FULL); and 50
threads booking at once the last 3 seats of a slot, several times: how many more
bookings than seats (must be 0). Floors in the same run: one durable commit on
this disk, and the month's grouped count of bookings (one SQL query).
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from pathlib import Path

from central.appointments import bookings, rules, slots
from central.calendar.working_time import VN
from central.config import HubConfig
from central.errors import Refused
from central.queue import setup
from central.store import Store
from common import Run, durable_commit_ms, percentile
from motcua import clock
from motcua.config import from_dict

NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=VN)   # a Tuesday; the month ahead
DAYS = 31


def prefill(store: Store, config: HubConfig, ids: list[int], share: float, rng) -> int:
    """Book ``share`` of every slot's seats directly (the set-up, not what is measured)."""
    first, last = NOW.date(), NOW.date() + dt.timedelta(days=DAYS - 1)
    plan = slots.plan(store.db, config, ids, first, last, NOW)
    at, n, rows = clock.iso(NOW - dt.timedelta(days=1)), 0, []
    for sid, ss in plan.items():
        for s in ss:
            for _ in range(int(s.seats * share + rng.random())):
                n += 1
                rows.append((f"HP{n:06d}", sid, s.day.isoformat(), s.starts_at, s.ends_at,
                             "Nguyễn Văn A", f"09{n:08d}", "booked", "web", "ip:prefill", at,
                             at))
    with store.write() as db:
        db.conn.executemany(
            "insert into appointments (code, service_id, day, starts_at, ends_at, name, phone, "
            "status, channel, client_key, created_at, updated_at) values "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return n


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def concurrent_bookings(config: HubConfig, service: dict, free: list, clients: int,
                        per_client: int) -> tuple[list[float], float]:
    """Each client books ``per_client`` times, in free slots of its own share of them."""
    times, lock = [], threading.Lock()
    barrier = threading.Barrier(clients)

    def client(c: int) -> None:
        own = Store(config.database)
        mine = free[c::clients]
        barrier.wait()
        for k in range(per_client):
            slot = mine[k % len(mine)]
            t0 = time.perf_counter()
            try:
                bookings.book(own, config, service_code=service["code"],
                              starts_at=slot.starts_at, name="Trần Thị Bình",
                              phone=f"0977{c:03d}{k:03d}", client_key=f"ip:10.0.{c}.{k}",
                              now=NOW)
            except Refused as refusal:
                assert refusal.code == "slot_full", refusal.message
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                times.append(ms)
        own.close()

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, time.perf_counter() - t0


def race(store: Store, config: HubConfig, service: dict, slot, racers: int, left: int) -> int:
    """Fill the slot up to ``left`` seats, then ``racers`` threads book it at once;
    returns how many bookings the slot holds beyond its seats."""
    fill = slot.seats - slot.booked - left
    for i in range(max(0, fill)):
        bookings.book(store, config, service_code=service["code"], starts_at=slot.starts_at,
                      name="Lê Văn Cường", phone=f"0966{slot.start:%d%H%M}{i:02d}"[:10],
                      client_key="ip:fill", now=NOW)
    barrier = threading.Barrier(racers)

    def racer(r: int) -> None:
        own = Store(config.database)
        barrier.wait()
        try:
            bookings.book(own, config, service_code=service["code"], starts_at=slot.starts_at,
                          name="Phạm Thị Dung", phone=f"0955{slot.start:%d%H}{r:02d}"[:10],
                          client_key=f"ip:race-{r}", now=NOW)
        except Refused as refusal:
            assert refusal.code == "slot_full", refusal.message
        finally:
            own.close()

    threads = [threading.Thread(target=racer, args=(r,)) for r in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    held = store.db.execute("select count(*) from appointments where service_id = ? and "
                            "starts_at = ? and status in ('booked', 'checked_in')",
                            [slot.service_id, slot.starts_at]).fetchone()[0]
    return held - slot.seats


def main() -> None:
    run = Run("appointments.py", __doc__)
    rng = random.Random(26)
    config = from_dict(HubConfig, {"center": "bench", "database": str(run.tmp / "hub.db")})
    store = Store(config.database)
    setup.load_file(store, setup.SAMPLE, actor="bench")
    with store.write() as db:
        rules.save_settings(db, {"days_ahead": str(DAYS), "min_lead_minutes": "0",
                                 "per_address_per_day": "1000", "per_phone_active": "2"})
    services = slots.bookable_services(store.db)
    ids = [s["id"] for s in services]
    first, last = NOW.date(), NOW.date() + dt.timedelta(days=DAYS - 1)
    prefilled = prefill(store, config, ids, 0.4, rng)
    month = slots.plan(store.db, config, ids, first, last, NOW)
    n_slots = sum(len(ss) for ss in month.values())
    seats = sum(s.seats for ss in month.values() for s in ss)

    repeat = run.pick(300, 20)
    cpu0 = time.process_time()
    all_ms = timed(lambda: slots.plan(store.db, config, ids, first, last, NOW), repeat)
    all_cpu = (time.process_time() - cpu0) / repeat * 1000  # CPU: what load does not inflate
    busiest = max(services, key=lambda s: sum(x.seats for x in month[s["id"]]))
    one_ms = timed(lambda: slots.plan(store.db, config, [busiest["id"]], first, last, NOW),
                   repeat)
    count_ms = timed(lambda: slots._booked(store.db, ids, dt.datetime.combine(first, dt.time(),
                                                                              VN),
                                           dt.datetime.combine(last, dt.time(23), VN)), repeat)

    clients, per_client = 20, run.pick(25, 3)
    free = [s for s in month[busiest["id"]] if s.free > 0]
    rng.shuffle(free)
    cpu0 = time.process_time()
    book_ms, wall = concurrent_bookings(config, busiest, free, clients, per_client)
    book_cpu = (time.process_time() - cpu0) / len(book_ms) * 1000

    rounds = run.pick(10, 2)
    later = [s for s in slots.plan(store.db, config, [busiest["id"]], first, last,
                                   NOW)[busiest["id"]] if s.free >= 3]
    over = [race(store, config, busiest, later[-1 - i], 50, 3) for i in range(rounds)]
    store.close()
    commit_ms = durable_commit_ms(Path(run.tmp), run.pick(300, 30))
    run.close()

    p = lambda xs, q: percentile(xs, q)  # noqa: E731
    rows = [
        (f"availability, all {len(ids)} bookable services × {DAYS} days ({n_slots:,} slots), "
         "p50 / p99", f"{p(all_ms, 50):.1f} / {p(all_ms, 99):.1f} ms"),
        (f"availability, one service ({busiest['name']}) × {DAYS} days, p50 / p99",
         f"{p(one_ms, 50):.1f} / {p(one_ms, 99):.1f} ms"),
        ("availability (all), CPU time per call (mean)", f"{all_cpu:.1f} ms"),
        ("floor: the month's bookings counted per slot (one SQL query), p50 / p99",
         f"{p(count_ms, 50):.1f} / {p(count_ms, 99):.1f} ms"),
        ("availability (all) / floor, p50", f"{p(all_ms, 50) / p(count_ms, 50):.1f}×"),
        (f"`bookings.book`, {clients} concurrent clients ({len(book_ms)} bookings), "
         "p50 / p99", f"{p(book_ms, 50):.1f} / {p(book_ms, 99):.1f} ms"),
        ("bookings per second (those clients together); CPU time per booking (mean)",
         f"{len(book_ms) / wall:.0f}; {book_cpu:.1f} ms"),
        ("floor: one durable commit on this disk (this run), p50 / p99",
         f"{p(commit_ms, 50):.1f} / {p(commit_ms, 99):.1f} ms"),
        ("`bookings.book` / floor, p50", f"{p(book_ms, 50) / p(commit_ms, 50):.1f}×"),
        (f"50 racing for the last 3 seats of a slot, {rounds} rounds: bookings beyond the "
         "seats", f"{max(over)} (each round: {', '.join(map(str, over))})"),
    ]
    body = (f"## Appointments (bench/appointments.py)\n\nThe Thanh Hóa sample centre, "
            f"30-minute slots, half of the capacity kept for walk-ins: {seats:,} seats in "
            f"{DAYS} days, {prefilled:,} already booked. Targets (issue 26): availability "
            f"for the month p99 < 50 ms; booking p99 < 100 ms with 20 concurrent clients; "
            f"never more bookings than seats.\n\n| operation | time |\n|---|---|\n"
            + "".join(f"| {a} | {b} |\n" for a, b in rows))
    run.report(body)
    assert max(over) <= 0, f"overbooked: {over}"


if __name__ == "__main__":
    main()
