"""The tests' X server (tests/x11.py) takes a display number nobody holds.

A run in a chroot (tools/fresh-debian.sh) beside another run shares the host's
abstract X sockets but not its /tmp: choosing ``:90`` because /tmp/.X11-unix
looked free made both Xvfbs fight for it, and bench/nodes.py failed in make test.
"""

from __future__ import annotations

import socket

from .x11 import Xvfb


def test_an_x_display_held_elsewhere_is_passed_over():
    with Xvfb((320, 240)) as first:
        taken = int(first.display[1:]) + 1
        # What another namespace's Xvfb on the next number looks like from here:
        # its abstract socket, no lock file and no socket file in our /tmp.
        holder = socket.socket(socket.AF_UNIX)
        holder.bind(b"\0/tmp/.X11-unix/X%d" % taken)
        holder.listen()
        try:
            with Xvfb((320, 240)) as second:
                assert second.display not in (first.display, f":{taken}")
                assert second.process is not None and second.process.poll() is None
        finally:
            holder.close()
