"""A node's frame loop in a thread, as its ``run()`` drives it, for tests that watch a
node between frames (the kiosk at rest, the display's board)::

    loop = NodeLoop(kiosk, rest=5.0)     # loop_once, then rest(5.0), until closed
    wait_until(lambda: loop.turns >= 2)
    loop.close()
"""

import threading
import time


class NodeLoop:
    """``loop_once`` (then ``rest(rest)`` when given, as ``Node.run`` calls them) in a
    daemon thread; counts the turns. ``close`` stops it and wakes a resting node."""

    def __init__(self, node, rest: float | None = None):
        self.node = node
        self.rest = rest
        self.turns = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            self.node.loop_once()
            self.turns += 1
            if self.rest is not None:
                self.node.rest(self.rest)

    def close(self):
        self.stop.set()
        wake = getattr(self.node, "wake", None)
        if wake is not None:
            wake()
        self.thread.join(10)


class Metronome:
    """A thread beside a node's loop that wakes at each whole multiple of ``period`` on
    the clock, as the loop does when it draws by the clock, and counts the beats it
    kept (woke within that beat) while the ``with`` block runs::

        with Metronome(0.5) as beat:
            time.sleep(4.0)
        assert beat.kept - 1 <= frames <= beat.beats + 1

    How many beats a loop *could* keep on this machine just then: a count of frames or
    turns in wall time is held to it rather than to the ideal. Beside two busy loops a
    thread's wake-ups come late, and a loop that wakes late skips a beat through no
    fault of its own; a loop that skips beats the metronome kept is at fault.
    """

    def __init__(self, period: float):
        self.period = period
        self.kept = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="metronome")

    def _slot(self) -> int:
        return int(time.time() // self.period)

    def _run(self) -> None:
        while True:
            beat = self._slot() + 1
            if self._stop.wait(max(0.0, beat * self.period - time.time()) + 0.002):
                return
            if self._slot() == beat:  # not woken past it, into the next beat
                self.kept += 1

    def __enter__(self) -> "Metronome":
        self._t0 = time.time()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._t1 = time.time()
        self._stop.set()
        self._thread.join(5)

    @property
    def beats(self) -> int:
        """The beats the window held: what a loop on an idle machine draws."""
        return int(self._t1 // self.period) - int(self._t0 // self.period)
