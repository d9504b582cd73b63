"""Node roles as their own processes, watched from outside: for the tests of nodes at
rest (tests/test_nodes_rest.py, tests/test_kiosk_rest.py, tests/kiosk_x11_probe.py)
and bench/nodes.py, which measure them the same way::

    process = start_node("counter", folder, center, port, env=env)
    wakeups(process.pid)          # voluntary context switches so far, all threads

A role starts as ``motcua ROLE --fake-hardware`` (mock pins, folder printer, dummy
screens) with its settings and files in ``folder`` (:func:`node_settings`).
"""

from __future__ import annotations

import contextlib
import json
import select
import subprocess
import sys
import threading
import time
from pathlib import Path


def wakeups(pid: int) -> int:
    """Voluntary context switches of all the threads of a process so far: each is a
    thread going to sleep, so their rate is how often the process wakes."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            status = (task / "status").read_text()
            total += int(status.split("voluntary_ctxt_switches:")[1].split()[0])
    return total


def cpu_ticks(pid: int) -> int:
    """CPU time a process has used so far (user + system, clock ticks of 10 ms)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


# "At rest": a second with at most this many wake-ups and this much CPU (clock ticks).
QUIET_WAKEUPS = 3
QUIET_TICKS = 2


def wait_at_rest(processes: dict, timeout: float, in_a_row: int = 2) -> None:
    """Return once every process (``{name: Popen}``) has been quiet ``in_a_row``
    seconds in a row: at most QUIET_WAKEUPS wake-ups and QUIET_TICKS of CPU each.

    A node still starting on a busy machine is not at rest, and a fixed sleep does
    not say when it is: beside two busy loops (load 11-17) a board on X11 was still
    starting 5 s after its launch and its "rest" read 8.2 wake-ups a second. A node
    that never rests fails here, naming what each did in its last second.
    """
    quiet, deadline, last = 0, time.monotonic() + timeout, {}
    while quiet < in_a_row:
        for name, process in processes.items():
            assert process.poll() is None, f"{name} ended: {process.returncode}"
        assert time.monotonic() < deadline, \
            f"never at rest within {timeout:g} s; last second (wake-ups, CPU ticks): {last}"
        first = {name: (wakeups(p.pid), cpu_ticks(p.pid)) for name, p in processes.items()}
        time.sleep(1.0)
        last = {name: (wakeups(p.pid) - first[name][0], cpu_ticks(p.pid) - first[name][1])
                for name, p in processes.items()}
        calm = all(w <= QUIET_WAKEUPS and t <= QUIET_TICKS for w, t in last.values())
        quiet = quiet + 1 if calm else 0


def node_settings(role: str, folder: Path, center: str, port: int,
                  node_id: str | None = None, extra: str = "") -> str:
    """A node's TOML on fake hardware, its files in ``folder``: the dispenser's
    two buttons and folder printer, the counter's rating outbox and display images,
    the kiosk's replica and outbox, the display's frames (without its voice clips:
    espeak-ng would be the figure). ``extra``: more top-level settings."""
    head, tables = {
        "dispenser": (f'outbox = "{folder}/outbox.db"\n'
                      'buttons = ["ho-tich=17", "dang-ky-kinh-doanh=27"]\n',
                      f'[printer]\nkind = "folder"\npath = "{folder}/tickets"\n'),
        "counter": ("", f'[rating]\noutbox = "{folder}/outbox.sqlite"\n'
                        f'[display]\nimage_dir = "{folder}/display"\n'),
        "kiosk": (f'replica = "{folder}/replica.db"\noutbox = "{folder}/outbox.db"\n', ""),
        "display": (f'frames_dir = "{folder}/frames"\n',
                    f'[voice]\nenabled = false\n[led]\nframes_dir = "{folder}/led"\n'),
    }[role]
    return (f'center = "{center}"\nnode_id = "{node_id or role + "-1"}"\n'
            f'log_level = "WARNING"\n{head}{extra}[mqtt]\nport = {port}\n{tables}')


def start_node(role: str, folder: Path, center: str, port: int, *, env: dict,
               node_id: str | None = None, extra: str = "", **popen) -> subprocess.Popen:
    """``motcua ROLE --fake-hardware`` as its own process in ``folder`` (which holds
    its ``node.toml``), stdin a pipe; ``popen``: more of ``subprocess.Popen``'s."""
    config = folder / "node.toml"
    config.write_text(node_settings(role, folder, center, port, node_id, extra),
                      encoding="utf-8")
    return subprocess.Popen([sys.executable, "-m", "motcua", role, "--fake-hardware",
                             "--config", str(config)],
                            cwd=folder, env=env, stdin=subprocess.PIPE, **popen)


def button_center(ui, name: str) -> tuple[int, int]:
    """Where a kiosk's button is, read from another thread while the kiosk's draws a
    frame (its button list is rebuilt in two steps: look again for a moment)."""
    deadline = time.monotonic() + 2
    while True:
        try:
            return ui.find(name).rect.center
        except LookupError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def drawn_after(draws: list[tuple], t0: float, scale: float, timeout: float) -> tuple | None:
    """The first frame drawn after ``t0`` (``time.perf_counter()``) at text scale
    ``scale``, among the kiosk's ``(end of draw, scale, …)`` records, waited for up
    to ``timeout`` s from ``t0``; None when none came."""
    while time.perf_counter() - t0 < timeout:
        shown = [d for d in draws[-5:] if d[0] > t0 and d[1] == scale]
        if shown:
            return shown[0]
        time.sleep(0.0005)
    return None


def read_line(process, timeout: float) -> dict:
    """The next JSON line a probe process printed, waited for up to ``timeout`` s."""
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, f"the kiosk said nothing in {timeout} s"
    line = process.stdout.readline()
    assert line, f"the kiosk ended (code {process.poll()})"
    return json.loads(line)


def record_draws(kiosk) -> tuple[list[tuple[float, float]], threading.Event]:
    """Hook a kiosk (in a probe process) so each frame it draws is recorded as
    ``(time.perf_counter() at its end, text scale)``; the event is set at the first.

        draws, opened = record_draws(kiosk)
        opened.wait()            # the screen is up
        drawn_after(draws, t0, scale, timeout=5)
    """
    draws: list[tuple[float, float]] = []
    opened = threading.Event()
    open_screen = kiosk.open_screen

    def hooked_open_screen(surface=None):
        ui = open_screen(surface)
        original = ui.draw

        def draw(target):
            original(target)
            draws.append((time.perf_counter(), ui.fonts.scale))
            opened.set()

        ui.draw = draw
        return ui

    kiosk.open_screen = hooked_open_screen
    return draws, opened
