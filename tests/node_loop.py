"""A node's frame loop in a thread, as its ``run()`` drives it, for tests that watch a
node between frames (the kiosk at rest, the display's board)::

    loop = NodeLoop(kiosk, rest=5.0)     # loop_once, then rest(5.0), until closed
    wait_until(lambda: loop.turns >= 2)
    loop.close()
"""

import threading


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
