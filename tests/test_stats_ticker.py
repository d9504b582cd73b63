"""Statistics tickers: coalesced when nudged, driven by a fingerprint, and by the clock."""

import threading
import time

from central.queue.ticker import StatsTicker
from motcua.bus import Topics

from .conftest import wait_until


def make(store, figures, **kw):
    published = []
    ticker = StatsTicker(store, Topics("coalesce"), lambda t, p, r: published.append(p),
                         topic="motcua/coalesce/state/x", figures=figures, **kw)
    return ticker, published


def test_a_burst_of_nudges_makes_few_computations_and_the_last_figures_win(store):
    value = {"n": 0}
    computed = []
    lock = threading.Lock()

    def figures(db):
        with lock:
            computed.append(value["n"])
            return {"n": value["n"]}

    ticker, published = make(store, figures, interval=60, min_gap=0.2)
    ticker.start()
    try:
        for i in range(1, 201):  # a busy morning: 200 changes in about a second
            value["n"] = i
            ticker.nudge()
            time.sleep(0.005)
        wait_until(lambda: published and published[-1] == {"n": 200}, timeout=3)
        assert len(computed) < 20  # coalesced, not one computation per change
        assert [p["n"] for p in published] == sorted({p["n"] for p in published})
    finally:
        ticker.stop()


def test_a_moved_fingerprint_or_the_interval_makes_a_computation(store):
    marks = {"fp": 1, "n": 0}
    ticker, published = make(store, lambda db: {"n": marks["n"]}, interval=0.6,
                             fingerprint=lambda db: marks["fp"], poll=0.05, min_gap=0)
    ticker.start()
    try:
        wait_until(lambda: published == [{"n": 0}], timeout=2)
        marks.update(n=1, fp=2)  # e.g. a dossier event written by a web page
        wait_until(lambda: published[-1] == {"n": 1}, timeout=0.5)
        marks["n"] = 2  # no nudge, no fingerprint: the clock's turn
        wait_until(lambda: published[-1] == {"n": 2}, timeout=1.5)
        assert len(published) == 3  # unchanged figures are not published again
    finally:
        ticker.stop()


def test_costly_figures_rest_by_their_cpu_not_by_the_wall_clock(store):
    """At most a tenth of a core: after figures that burned CPU the ticker rests 9×
    that CPU time, nudged or not; figures that only waited (a loaded machine, a
    lock) rest no longer than ``min_gap``, so an alarm still shows at once."""
    def run(figures):
        times = []

        def timed(db):
            times.append(time.monotonic())
            figures()
            return {"n": len(times)}

        ticker, _ = make(store, timed, interval=60, min_gap=0.05)
        ticker.start()
        try:
            wait_until(lambda: times, timeout=2)
            ticker.nudge()
            wait_until(lambda: len(times) >= 2, timeout=5)
        finally:
            ticker.stop()
        return times[1] - times[0]

    def burn():
        end = time.thread_time() + 0.1
        while time.thread_time() < end:
            pass

    assert run(burn) >= 0.9 * 0.9  # 9 × 0.1 s of CPU, less the clock's grain
    assert run(lambda: time.sleep(0.1)) < 0.9  # waited 0.1 s, rested ~min_gap, not 0.9 s
