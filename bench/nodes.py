"""Each node role at rest: resident memory, CPU time and how often it wakes.

    .venv/bin/python bench/nodes.py            # 30 s of rest per role
    .venv/bin/python bench/nodes.py --quick    # 3 s, writes nothing

A real Mosquitto and a hub (sample centre) run; each role starts as its own
process, ``motcua <role> --fake-hardware`` (mock pins, folder printer, dummy
screens), connects and settles, then rests while it is measured from /proc:
its resident memory, the CPU time it used, and its threads' voluntary context
switches (each is a thread going to sleep; their rate is how often the process
wakes). The floor, measured beside them in the same run: a process with the
same bus client connected and nothing else to do (the echo of bench/common.py).

The kiosk twice: on fake hardware's dummy screen, which has no input to read,
and reading its screen every 0.1 s as it does on a real one (SDL hands touches
over only when asked). Then a touch, in a kiosk in this process: the time from
the press and release posted to pygame's queue to the end of the frame that
shows its effect, beside the floor of drawing that frame.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time

from common import (
    Echo,
    Hub,
    Run,
    cpu_seconds,
    percentile,
    rss_kib,
    wakeups,
)

CENTER = "bench"
# (row, role, extra settings)
ROLES = (("dispenser", "dispenser", ""), ("counter", "counter", ""),
         ("display", "display", ""), ("kiosk", "kiosk", ""),
         ("kiosk reading a real screen's input (`input_poll_s = 0.1`)", "kiosk",
          "input_poll_s = 0.1\n"))


def node_settings(role: str, folder, port: int, extra: str = "") -> str:
    """A node's TOML on fake hardware, its files in ``folder``."""
    head, tables = {
        "dispenser": (f'outbox = "{folder}/outbox.db"\n'
                      'buttons = ["ho-tich=17", "dang-ky-kinh-doanh=27"]\n',
                      f'[printer]\nkind = "folder"\npath = "{folder}/tickets"\n'),
        "counter": ("", f'[rating]\noutbox = "{folder}/outbox.sqlite"\n'
                        f'[display]\nimage_dir = "{folder}/display"\n'),
        "kiosk": (f'replica = "{folder}/replica.db"\n', ""),
        # No voice clips made during the measurement (espeak-ng would be the figure).
        "display": (f'frames_dir = "{folder}/frames"\n',
                    f'[voice]\nenabled = false\n[led]\nframes_dir = "{folder}/led"\n'),
    }[role]
    return (f'center = "{CENTER}"\nnode_id = "{role}-1"\nlog_level = "WARNING"\n{head}{extra}'
            f"[mqtt]\nport = {port}\n{tables}")


def at_rest(pid: int, seconds: float) -> dict:
    cpu0, wake0, t0 = cpu_seconds(pid), wakeups(pid), time.perf_counter()
    time.sleep(seconds)
    wall = time.perf_counter() - t0
    return {"rss": rss_kib(pid)[0] / 1024, "cpu": (cpu_seconds(pid) - cpu0) / wall,
            "wakes": (wakeups(pid) - wake0) / wall,
            "threads": len(os.listdir(f"/proc/{pid}/task"))}


def touch_latency(port: int, folder, touches: int, poll: float | None) -> dict:
    """Touches on a kiosk in this process, its loop run as ``Node.run`` runs it:
    ms from the press and release posted to the end of the frame showing the
    change (the large-text button, on the attract screen), each at a random
    moment. ``poll``: the screen's input read every ``poll`` s, the touch posted
    as SDL would hand it over; None: fake hardware, the touch posted by
    ``KioskUI.tap`` (which wakes the loop). Also the time each such frame took to
    draw (the floor)."""
    # Lazy: the kiosk's pygame, numpy and OpenCV load only for this part.
    import pygame

    from kiosk.node import Kiosk, KioskConfig
    from motcua.config import from_dict

    settings = {"center": CENTER, "node_id": "kiosk-touch", "simulate": True,
                "mqtt": {"port": port}, "replica": str(folder / "replica.db"),
                "outbox": str(folder / "outbox.db")}
    if poll is not None:
        settings["input_poll_s"] = poll
    kiosk = Kiosk(from_dict(KioskConfig, settings)).start()
    ui = kiosk.open_screen()
    draws, original = [], ui.draw

    def draw(surface):
        t0 = time.perf_counter()
        original(surface)
        draws.append((time.perf_counter(), ui.fonts.scale, time.perf_counter() - t0))

    ui.draw = draw
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            kiosk.loop_once()
            kiosk.rest(5.0)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    latencies, floors = [], []
    try:
        time.sleep(1.0)
        for _ in range(touches):
            time.sleep(random.uniform(0.2, 0.4))
            x, y = ui.find("view:large").rect.center
            want = 1.0 if ui.fonts.scale > 1.0 else ui.LARGE_TEXT
            t0 = time.perf_counter()
            if poll is None:
                ui.tap(x, y)
            else:
                pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y),
                                                     button=1))
                pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(x, y),
                                                     button=1))
            deadline = t0 + 10
            while True:
                shown = [d for d in draws[-5:] if d[0] > t0 and d[1] == want]
                if shown:
                    latencies.append((shown[0][0] - t0) * 1000)
                    floors.append(shown[0][2] * 1000)
                    break
                assert time.perf_counter() < deadline, "the touch was never drawn"
                time.sleep(0.0005)
    finally:
        stop.set()
        kiosk.stop()
        thread.join(10)
        ui.close()
    return {"latencies": latencies, "floors": floors}


def main() -> int:
    run = Run("nodes.py", __doc__)
    settle, rest = run.pick(10.0, 2.0), run.pick(30.0, 3.0)
    from central.queue import setup
    from central.store import Store

    db_path = run.tmp / "hub.db"
    store = Store(db_path)
    setup.load_file(store, setup.SAMPLE, actor="bench")
    store.close()
    figures = {}
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    try:
        with run.broker() as broker, Hub(run.tmp, db_path, broker.port, CENTER):
            with Echo(broker.port) as echo:
                time.sleep(settle)
                figures["floor: a connected bus client doing nothing"] = at_rest(echo.pid, rest)
            for i, (name, role, extra) in enumerate(ROLES):
                folder = run.tmp / f"{i}-{role}"
                folder.mkdir()
                config = folder / "node.toml"
                config.write_text(node_settings(role, folder, broker.port, extra),
                                  encoding="utf-8")
                process = subprocess.Popen(
                    [sys.executable, "-m", "motcua", role, "--fake-hardware", "--config",
                     str(config)], stdin=subprocess.PIPE, env=env, cwd=folder)
                try:
                    time.sleep(settle)
                    assert process.poll() is None, f"{role} exited with {process.returncode}"
                    figures[name] = at_rest(process.pid, rest)
                finally:
                    process.terminate()
                    process.wait(15)
            # Fake hardware's dummy screen in this process (no window).
            os.environ["SDL_VIDEODRIVER"], os.environ["SDL_AUDIODRIVER"] = "dummy", "dummy"
            os.environ.pop("DISPLAY", None)
            os.environ.pop("WAYLAND_DISPLAY", None)
            touches = {}
            for poll in (0.1, None):
                folder = run.tmp / f"touch-{poll}"
                folder.mkdir()
                touches[poll] = touch_latency(broker.port, folder, run.pick(40, 5), poll)
    finally:
        run.close()
    floor = figures["floor: a connected bus client doing nothing"]
    lines = [
        "## Nodes at rest (bench/nodes.py)",
        "",
        f"Each role as its own process on fake hardware (`motcua ROLE --fake-hardware`), "
        f"connected to a real Mosquitto and the hub, measured over {rest:g} s of rest after "
        f"{settle:g} s to settle. Wake-ups are the process's threads going to sleep "
        "(voluntary context switches) per second. The hall display without its voice clips "
        "(`[voice] enabled = false`).",
        "",
        "| process | resident memory | CPU (share of a core) | wake-ups / s | threads | "
        "memory / floor | wake-ups / floor |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, f in figures.items():
        lines.append(f"| {name} | {f['rss']:.1f} MiB | {f['cpu']:.2%} | {f['wakes']:.1f} | "
                     f"{f['threads']} | {f['rss'] / floor['rss']:.1f}× | "
                     f"{f['wakes'] / max(floor['wakes'], 0.1):.1f}× |")
    lines += [
        "",
        "A touch on the kiosk, from the press and release posted to pygame's queue to the "
        "end of the frame that shows its effect (the large-text button on the attract "
        "screen, at random moments), in ms; the floor is drawing that frame:",
        "",
        "| touch | touches | p50 | p90 | max | floor p50 (drawing the frame) | p50 / floor |",
        "|---|---|---|---|---|---|---|",
    ]
    for poll, name in ((0.1, "as a real screen hands it over (read every 0.1 s)"),
                       (None, "posted by `KioskUI.tap`, which wakes the kiosk (fake hardware, "
                              "tests, the demo)")):
        lat, draw = touches[poll]["latencies"], touches[poll]["floors"]
        lines.append(f"| {name} | {len(lat)} | {percentile(lat, 50):.1f} | "
                     f"{percentile(lat, 90):.1f} | {max(lat):.1f} | "
                     f"{percentile(draw, 50):.1f} | "
                     f"{percentile(lat, 50) / percentile(draw, 50):.1f}× |")
    run.report("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
