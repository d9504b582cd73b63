"""What fees cost: recording one receipt, the day's and the year's reports, the exports.

    .venv/bin/python bench/fees.py

A busy centre: 600 receipts a day (payments, a few exemptions and refunds)
over 250 working days, 150,000 entries in all. Measured: one ``fees.record``
(a durable commit, synchronous=FULL) on the busy day; ``fees.report`` for
one day and for the whole year; the day's closing sheet (PDF) and the
month's workbook (XLSX).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from pathlib import Path

from central import catalog
from central.calendar.working_time import VN
from central.dossiers import fees
from central.store import Store
from common import Run, durable_commit_ms, percentile
from motcua import clock

PER_DAY = 600
DAYS = 250
MEASURED = 300  # receipts recorded through fees.record on the measured day


def main() -> None:
    global PER_DAY, DAYS, MEASURED
    run = Run("fees.py", __doc__)
    if run.quick:
        PER_DAY, DAYS, MEASURED = 50, 30, 20
    rng = random.Random(15)
    if True:
        tmp = run.tmp
        store = Store(Path(tmp) / "hub.db")
        catalog.load_sample(store, "bench")
        procs = list(store.db.query(
            "select id, code, department_id from procedures where current = 1"))
        officers = [f"officer-{i}" for i in range(1, 21)]
        first = dt.date(2026, 1, 5)
        days = [first + dt.timedelta(days=i) for i in range(DAYS * 7 // 5 + 7)
                if (first + dt.timedelta(days=i)).weekday() < 5][:DAYS]
        # History, written directly (the set-up, not what is measured).
        dossier_ids = []
        with store.write() as db:
            for n in range(2000):
                p = procs[n % len(procs)]
                dossier_ids.append(db["dossiers"].insert({
                    "code": f"B-{n:06d}", "procedure_id": p["id"], "procedure_code": p["code"],
                    "procedure_name": "x", "department_id": p["department_id"],
                    "channel": "in_person", "status": 2, "stage": "running",
                    "applicant_name": "Nguyễn Văn A", "updated_at": clock.iso()}).last_pk)
            dep = {d: p["department_id"] for d, p in zip(dossier_ids, procs * 20, strict=False)}
            receipt = 0
            for day in days[:-1]:
                rows = []
                for _ in range(PER_DAY):
                    receipt += 1
                    d = rng.choice(dossier_ids)
                    kind = rng.choices(["payment", "exemption", "refund"], [95, 3, 2])[0]
                    rows.append({
                        "dossier_id": d, "dossier_code": f"B-{d:06d}", "procedure_code": "x",
                        "department_id": dep[d], "stage": "reception", "kind": kind,
                        "item": "Lệ phí", "amount": rng.choice([2000, 50000, 75000, 100000]),
                        "method": None if kind == "exemption" else rng.choice(["cash",
                                                                               "transfer"]),
                        "receipt_no": None if kind == "exemption" else f"R{receipt:07d}",
                        "note": "", "officer": rng.choice(officers), "officer_name": "",
                        "day": day.isoformat(),
                        "recorded_at": clock.iso(dt.datetime.combine(day, dt.time(9), VN))})
                db["fee_entries"].insert_all(rows)
        # The measured day: receipts recorded as the officers record them.
        busy = days[-1]
        record_ms = []
        for i in range(MEASURED):
            d = rng.choice(dossier_ids)
            t0 = time.perf_counter()
            fees.record(store, d, {"kind": "payment", "item": "Lệ phí", "amount": "75.000",
                                   "method": "cash", "receipt_no": f"M{i:06d}"},
                        officer=rng.choice(officers),
                        now=dt.datetime.combine(busy, dt.time(8), VN) + dt.timedelta(
                            seconds=60 * i))
            record_ms.append((time.perf_counter() - t0) * 1000)

        def timed(fn, repeat=5):
            out, result = [], None
            for _ in range(repeat):
                t0 = time.perf_counter()
                result = fn()
                out.append((time.perf_counter() - t0) * 1000)
            return statistics.median(out), result

        day_ms, day_rep = timed(lambda: fees.report(store.db, busy.isoformat()))
        year_ms, year_rep = timed(lambda: fees.report(store.db, days[0].isoformat(),
                                                      busy.isoformat()), repeat=3)
        full_day = fees.report(store.db, days[-2].isoformat())
        pdf_ms, pdf = timed(lambda: fees.closing_pdf(full_day, "Trung tâm"), repeat=3)
        month = fees.report(store.db, days[-22].isoformat(), days[-2].isoformat())
        xlsx_ms, xlsx = timed(lambda: fees.report_xlsx(month, "Trung tâm"), repeat=1)
        total = store.db.execute("select count(*) from fee_entries").fetchone()[0]
        store.close()
        commit_ms = durable_commit_ms(Path(tmp), run.pick(300, 30))  # the floor of a record
    run.close()

    rows = [
        ("`fees.record`, one receipt (durable commit), p50 / p95",
         f"{percentile(record_ms, 50):.1f} / {percentile(record_ms, 95):.1f} ms"),
        ("floor: one durable commit on this disk (this run), p50 / p95",
         f"{percentile(commit_ms, 50):.1f} / {percentile(commit_ms, 95):.1f} ms"),
        ("`fees.record` / floor, p50",
         f"{percentile(record_ms, 50) / percentile(commit_ms, 50):.1f}×"),
        (f"`fees.report`, one day ({day_rep['totals']['receipts']} receipts)",
         f"{day_ms:.1f} ms"),
        (f"`fees.report`, the whole year ({len(year_rep['entries']):,} entries)",
         f"{year_ms:.0f} ms"),
        (f"closing sheet PDF, a day of {len(full_day['entries'])} entries "
         f"({len(pdf) // 1024} KiB)", f"{pdf_ms:.0f} ms"),
        (f"workbook XLSX, a month of {len(month['entries']):,} entries "
         f"({len(xlsx) // 1024} KiB)", f"{xlsx_ms:.0f} ms"),
    ]
    body = (f"## Fees (bench/fees.py)\n\n{total:,} fee entries ({PER_DAY} a day over {DAYS} "
            "working days, 20 officers).\n\n| operation | time |\n|---|---|\n"
            + "".join(f"| {a} | {b} |\n" for a, b in rows))
    run.report(body)


if __name__ == "__main__":
    main()
