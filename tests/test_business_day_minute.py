"""Issue 25: the business day is kept for the minute (worked out up to three
times per request); whatever the order of the moments asked, it is the day
worked out afresh, at the edges of a day too."""

from __future__ import annotations

import datetime as dt
import random

from central.queue import tickets


def test_the_kept_business_day_is_the_day_worked_out_afresh():
    rng = random.Random(25)
    start = dt.datetime(2026, 11, 26, 0, 0, tzinfo=dt.UTC)
    # 03:00 in Hà Nội (20:00 UTC) starts the day for a 07:00 opening: moments
    # around it to the second, and anywhere over three days, in random order.
    edges = [dt.datetime(2026, 11, d, 20, 0, tzinfo=dt.UTC) + dt.timedelta(seconds=s)
             for d in (26, 27) for s in range(-90, 91)]
    spread = [start + dt.timedelta(seconds=rng.randint(0, 3 * 86400)) for _ in range(3000)]
    moments = edges + spread
    rng.shuffle(moments)
    for opening in ("07:00", "07:30", "06:45"):
        for zone in ("Asia/Ho_Chi_Minh", "Asia/Kathmandu", "Europe/Paris"):
            for moment in moments + sorted(moments):
                assert tickets.business_day(moment, opening, zone) == \
                    tickets._business_day(moment, opening, zone), (moment, opening, zone)
    # Four hours before opening, to the second.
    before = dt.datetime(2026, 11, 27, 19, 59, 59, tzinfo=dt.UTC)
    assert tickets.business_day(before, "07:00") == "2026-11-27"
    assert tickets.business_day(before + dt.timedelta(seconds=1), "07:00") == "2026-11-28"
