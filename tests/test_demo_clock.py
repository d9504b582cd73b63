"""The demo tells one time (issue 22): every process follows the demo's day."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

from motcua import clock

from .conftest import PROJECT

VN = dt.timezone(dt.timedelta(hours=7))


def test_the_demo_day_runs_faster_and_skips_nights_and_weekends():
    start = 1_000_000.0
    demo = clock.DemoClock(dt.date(2026, 12, 4), start_hour=16.5, speed=10, since=start)
    assert demo.now(start).astimezone(VN) == dt.datetime(2026, 12, 4, 16, 30, tzinfo=VN)
    # Ten times faster: 2.5 real minutes are 25 minutes.
    assert demo.now(start + 150).astimezone(VN) == dt.datetime(2026, 12, 4, 16, 55, tzinfo=VN)
    # After closing on Friday: Monday's opening, not the night nor the weekend.
    assert demo.now(start + 360).astimezone(VN) == dt.datetime(2026, 12, 7, 7, 30, tzinfo=VN)
    assert clock.DemoClock.from_env(demo.to_env()) == demo


def test_a_process_the_demo_starts_tells_the_demos_time():
    demo = clock.DemoClock(dt.date(2026, 12, 7), start_hour=8.5, speed=10, since=time.time())
    try:
        clock.use_demo(demo)
        here = clock.now()
        out = subprocess.run(
            [sys.executable, "-c", "from motcua import clock; print(clock.now().isoformat())"],
            capture_output=True, text=True, check=True, cwd=PROJECT, env=os.environ.copy())
        there = dt.datetime.fromisoformat(out.stdout.strip())
    finally:
        clock.use_demo(None)
    assert here.astimezone(VN).date() == dt.date(2026, 12, 7)
    assert abs((there - here).total_seconds()) < 10 * 10  # ten seconds of start-up, 10x
    assert clock.DEMO_CLOCK_ENV not in os.environ
    assert abs((clock.now() - dt.datetime.now(dt.UTC)).total_seconds()) < 1


def test_iso_writes_each_moment_as_its_own_utc_text():
    """Issue 25: the text of the moment written last is kept (a command writes its
    moment several times); every other moment is written anew, in UTC."""
    import datetime as dt

    import pytest

    from motcua import clock

    hanoi = dt.timezone(dt.timedelta(hours=7))
    a = dt.datetime(2026, 12, 7, 9, 30, 0, 123456, tzinfo=hanoi)
    b = dt.datetime(2026, 12, 7, 2, 30, 0, 123000, tzinfo=dt.UTC)  # the same instant
    c = a + dt.timedelta(milliseconds=1)
    assert clock.iso(a) == "2026-12-07T02:30:00.123+00:00"
    assert clock.iso(a) == "2026-12-07T02:30:00.123+00:00"
    assert clock.iso(b) == "2026-12-07T02:30:00.123+00:00"
    assert clock.iso(c) == "2026-12-07T02:30:00.124+00:00"
    assert clock.iso(a) == "2026-12-07T02:30:00.123+00:00"
    with pytest.raises(ValueError, match="naive"):
        clock.iso(dt.datetime(2026, 12, 7, 9, 30))
    assert clock.iso() != clock.iso(a)  # now, not the moment kept
