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

The kiosk seven more times: reading its screen every 0.1 s (`input_poll_s = 0.1`,
the dummy screen); with KMS/DRM's input path (what provisioning/ runs it on: SDL
reads evdev devices), both resting on the input devices (motcua/input_devices.py's
DeviceWait) and reading them every 0.1 s as it did before; and on a real X11
server (Xvfb, SDL's x11 driver) both resting in SDL's own wait and reading every
0.1 s; and on KMS/DRM's input with a barcode camera (a fake one giving 640×480
frames with sensor noise: this machine has none), resting as it does now and read
and decoded every 0.1 s as before. This machine has no input device and no
uinput: the KMS/DRM rows use SDL's "evdev" video driver (the dummy screen,
KMS/DRM's input code) reading a FIFO the same bytes as the kiosk's are written to
(tests/kiosk_evdev_probe.py). Then
touches: on that evdev input, a tap written to the device, the resting kiosk and
the reading one alternating touch by touch (two processes, both running); in a
kiosk in this process on the X11 server, the press sent to the server (XTest, as
a touch screen's reaches the window), SDL's wait and the 0.1 s reads alternating;
each the time to the end of the frame that shows its effect, beside the floor of
drawing that frame; and a touch posted by ``KioskUI.tap`` on the dummy screen
(fake hardware, the demo). And codes held up to the resting camera kiosk's camera,
each the time to the code reaching the UI, beside one decode of its frame.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import (
    Echo,
    Hub,
    Run,
    cpu_seconds,
    percentile,
    rss_kib,
)
from tests.node_rig import (
    button_center,
    drawn_after,
    node_settings,
    read_line,
    start_node,
    wakeups,
)

CENTER = "bench"
PROJECT = Path(__file__).resolve().parent.parent
KMS_WAIT = "kiosk on KMS/DRM's input (SDL's evdev input, dummy screen), resting on its devices"
KMS_POLL = ("kiosk on KMS/DRM's input (SDL's evdev input, dummy screen), reading it every "
            "0.1 s as before (`input_poll_s = 0.1`)")
KMS_CAMERA = (KMS_WAIT + ", with a barcode camera (fake: 640×480 frames with sensor "
              "noise): a frame every 0.5 s compared, none decoded")
KMS_CAMERA_ALWAYS = (KMS_WAIT + ", with a barcode camera read and decoded every 0.1 s "
                     "as before")
# (row, role, extra settings, screen: dummy, x11, evdev or evdev+camera[-always])
ROLES = (("dispenser", "dispenser", "", "dummy"), ("counter", "counter", "", "dummy"),
         ("display", "display", "", "dummy"), ("kiosk", "kiosk", "", "dummy"),
         ("kiosk reading its screen every 0.1 s (dummy screen, `input_poll_s = 0.1`)",
          "kiosk", "input_poll_s = 0.1\n", "dummy"),
         (KMS_WAIT, "kiosk", "", "evdev"),
         (KMS_POLL, "kiosk", "input_poll_s = 0.1\n", "evdev"),
         ("kiosk on an X11 screen (Xvfb), resting in SDL's wait", "kiosk", "", "x11"),
         ("kiosk on an X11 screen (Xvfb), reading it every 0.1 s (`input_poll_s = 0.1`)",
          "kiosk", "input_poll_s = 0.1\n", "x11"),
         (KMS_CAMERA, "kiosk", "", "evdev+camera"),
         (KMS_CAMERA_ALWAYS, "kiosk", "", "evdev+camera-always"))


def at_rest(pid: int, seconds: float) -> dict:
    cpu0, wake0, t0 = cpu_seconds(pid), wakeups(pid), time.perf_counter()
    time.sleep(seconds)
    wall = time.perf_counter() - t0
    return {"rss": rss_kib(pid)[0] / 1024, "cpu": (cpu_seconds(pid) - cpu0) / wall,
            "wakes": (wakeups(pid) - wake0) / wall,
            "threads": len(os.listdir(f"/proc/{pid}/task"))}


def evdev_kiosk(folder, port: int, extra: str, env: dict, camera: str = "") -> subprocess.Popen:
    """A kiosk whose input SDL reads from an evdev file (tests/kiosk_evdev_probe.py),
    ready: its screen drawn (``process.ready``: the probe's first line). Its own node
    id (and so MQTT client id): two of them run side by side. ``camera``: "camera"
    or "camera-always", a fake barcode camera (the probe's)."""
    config = folder / "node.toml"
    config.write_text(node_settings(
        "kiosk", folder, CENTER, port, node_id=f"kiosk-{folder.name}",
        extra=f'simulate = true\ninput_devices = "{folder}/input"\n{extra}'),
        encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "tests.kiosk_evdev_probe", str(config),
                                str(folder), *([camera] if camera else [])], cwd=PROJECT,
                               env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
    ready = read_line(process, 120)
    assert ready.get("ready"), ready
    process.ready = ready
    return process


def scan_latency(kiosk: subprocess.Popen, scans: int) -> list[float]:
    """Codes held up to a resting camera kiosk's camera at random moments, each once
    the scanner is back at rest: ms to the code reaching the UI."""
    from kiosk import scanner

    out = []
    for i in range(scans):
        time.sleep(scanner.HOLD_S + random.uniform(0.3, 1.0))
        kiosk.stdin.write(f"scan {i}\n")
        kiosk.stdin.flush()
        ms = read_line(kiosk, 15)["scan_ms"]
        assert ms is not None, f"the kiosk never read code {i}"
        out.append(ms)
    return out



def touch_latency_evdev(kiosks: dict, touches: int) -> dict:
    """Taps written to each kiosk's evdev file, alternating between them, each at a
    random moment: ms from the write to the end of the frame showing the change."""
    out = {key: [] for key in kiosks}
    keys = list(kiosks)
    for i in range(touches):
        key = keys[i % len(keys)]
        time.sleep(random.uniform(0.2, 0.4))
        kiosks[key].stdin.write("touch\n")
        kiosks[key].stdin.flush()
        ms = read_line(kiosks[key], 15)["touch_ms"]
        assert ms is not None, f"the {key} kiosk never drew the tap"
        out[key].append(ms)
    return out


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
            x, y = button_center(ui, "view:large")
            want = 1.0 if ui.fonts.scale > 1.0 else ui.LARGE_TEXT
            t0 = time.perf_counter()
            if poll is None:
                ui.tap(x, y)
            else:
                pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y),
                                                     button=1))
                pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(x, y),
                                                     button=1))
            shown = drawn_after(draws, t0, want, timeout=10)
            assert shown is not None, "the touch was never drawn"
            latencies.append((shown[0] - t0) * 1000)
            floors.append(shown[2] * 1000)
    finally:
        stop.set()
        kiosk.stop()
        thread.join(10)
        ui.close()
    return {"latencies": latencies, "floors": floors}


def touch_latency_x11(port: int, folder, touches: int, display: str) -> dict:
    """Touches on a kiosk in this process drawing on the X11 server ``display``,
    each pressed through XTest at a random moment: ms from the press sent to the
    end of the frame showing the change, alternating touch by touch between SDL's
    wait (``wait``) and reading the screen every 0.1 s (``poll``); the time each
    such frame took to draw (the floor)."""
    import pygame

    from kiosk.node import Kiosk, KioskConfig
    from motcua.config import from_dict
    from tests.x11 import Finger

    pygame.display.quit()  # the dummy screen of the touches before
    os.environ.update(DISPLAY=display, SDL_VIDEODRIVER="x11")
    settings = {"center": CENTER, "node_id": "kiosk-x11", "simulate": True,
                "mqtt": {"port": port}, "replica": str(folder / "replica.db"),
                "outbox": str(folder / "outbox.db")}
    kiosk = Kiosk(from_dict(KioskConfig, settings)).start()
    draws = []
    stop = threading.Event()
    opened = threading.Event()

    def loop():  # the window made and read on this thread, as Node.run does on its own
        kiosk.loop_once()
        ui = kiosk.ui
        original = ui.draw

        def draw(surface):
            t0 = time.perf_counter()
            original(surface)
            draws.append((time.perf_counter(), ui.fonts.scale, time.perf_counter() - t0))

        ui.draw = draw
        opened.set()
        while not stop.is_set():
            kiosk.loop_once()
            kiosk.rest(5.0)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    assert opened.wait(30), "the kiosk's window never opened"
    waiting = kiosk.screen_wait
    assert waiting is not None, "no SDL wait on x11"
    window = pygame.display.get_wm_info()["window"]
    finger = Finger(display)
    out = {"wait": ([], []), "poll": ([], [])}
    try:
        time.sleep(1.0)
        for i in range(touches):
            mode = "wait" if i % 2 == 0 else "poll"
            before, kiosk.screen_wait = kiosk.screen_wait, waiting if mode == "wait" else None
            if before is not None:
                before.wake()  # the loop goes round once and rests the new way
            kiosk.wake()
            ui = kiosk.ui
            x, y = button_center(ui, "view:large")
            finger.move(window, x, y)
            time.sleep(random.uniform(0.2, 0.4))
            want = 1.0 if ui.fonts.scale > 1.0 else ui.LARGE_TEXT
            t0 = finger.tap()
            shown = drawn_after(draws, t0, want, timeout=10)
            assert shown is not None, "the touch was never drawn"
            out[mode][0].append((shown[0] - t0) * 1000)
            out[mode][1].append(shown[2] * 1000)
    finally:
        finger.close()
        stop.set()
        if kiosk.screen_wait is None:
            kiosk.screen_wait = waiting
        kiosk.stop()
        thread.join(10)
        pygame.display.quit()  # before the X server goes
    return {mode: {"latencies": lat, "floors": fl} for mode, (lat, fl) in out.items()}


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
    from tests.x11 import Xvfb, x11_environment

    try:
        with run.broker() as broker, Hub(run.tmp, db_path, broker.port, CENTER), \
                Xvfb((1080, 1920)) as xvfb:
            with Echo(broker.port) as echo:
                time.sleep(settle)
                figures["floor: a connected bus client doing nothing"] = at_rest(echo.pid, rest)
            for i, (name, role, extra, screen) in enumerate(ROLES):
                folder = run.tmp / f"{i}-{role}"
                folder.mkdir()
                if screen.startswith("evdev"):
                    process = evdev_kiosk(folder, broker.port, extra, env,
                                          camera=screen.partition("+")[2])
                else:
                    process = start_node(
                        role, folder, CENTER, broker.port, extra=extra,
                        env=x11_environment(xvfb.display) if screen == "x11" else env)
                try:
                    # A camera kiosk decodes its first frames for HOLD_S: rest after that.
                    time.sleep(max(settle, 6.0) if "camera" in screen else settle)
                    assert process.poll() is None, f"{role} exited with {process.returncode}"
                    figures[name] = at_rest(process.pid, rest)
                    if screen == "evdev+camera":
                        scans = scan_latency(process, run.pick(12, 2))
                        decode_ms = process.ready["decode_ms"]
                finally:
                    process.terminate()
                    process.wait(15)
            # Fake hardware's dummy screen in this process (no window).
            os.environ["SDL_VIDEODRIVER"], os.environ["SDL_AUDIODRIVER"] = "dummy", "dummy"
            os.environ.pop("DISPLAY", None)
            os.environ.pop("WAYLAND_DISPLAY", None)
            kiosks = {}
            try:
                for key, extra in (("kms-wait", ""), ("kms-poll", "input_poll_s = 0.1\n")):
                    folder = run.tmp / f"touch-{key}"
                    folder.mkdir()
                    kiosks[key] = evdev_kiosk(folder, broker.port, extra, env)
                time.sleep(settle / 2)
                evdev = touch_latency_evdev(kiosks, run.pick(80, 6))
            finally:
                for process in kiosks.values():
                    process.terminate()
                    process.wait(15)
            folder = run.tmp / "touch-tap"
            folder.mkdir()
            touches = {"tap": touch_latency(broker.port, folder, run.pick(40, 5), None)}
            touches.update({key: {"latencies": lat, "floors": None}
                            for key, lat in evdev.items()})
            folder = run.tmp / "touch-x11"
            folder.mkdir()
            touches.update(touch_latency_x11(broker.port, folder, run.pick(80, 6),
                                             xvfb.display))
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
        "A touch on the kiosk, in ms from the press to the end of the frame that shows its "
        "effect (the large-text button on the attract screen, at random moments); the floor "
        "is drawing that frame (not measured in the evdev kiosks' processes: the X11 and "
        "posted rows' floor is the same frame). On KMS/DRM's input the tap (press and lift, "
        "the kiosk acts at the lift) is written to the evdev file SDL reads and the one the "
        "kiosk waits on, the resting kiosk and the reading one alternating touch by touch. "
        "On the X11 server the press is sent to the server (XTest) and reaches the kiosk's "
        "window as a touch screen's does, SDL's wait and the 0.1 s reads alternating touch "
        "by touch in one kiosk:",
        "",
        "| touch | touches | p50 | p99 | max | floor p50 (drawing the frame) | p50 / floor |",
        "|---|---|---|---|---|---|---|",
    ]
    floor50 = percentile(touches["tap"]["floors"], 50)
    for key, name in (("kms-wait", "KMS/DRM's input (SDL's evdev input), the kiosk resting on "
                                   "its input devices"),
                      ("kms-poll", "KMS/DRM's input (SDL's evdev input), the devices read "
                                   "every 0.1 s (as before)"),
                      ("wait", "X11 screen (Xvfb), the kiosk resting in SDL's wait"),
                      ("poll", "X11 screen (Xvfb), the screen read every 0.1 s"),
                      ("tap", "posted by `KioskUI.tap`, which wakes the kiosk (fake hardware, "
                              "tests, the demo)")):
        lat, draw = touches[key]["latencies"], touches[key]["floors"]
        floor_text = f"{percentile(draw, 50):.1f}" if draw else "–"
        lines.append(f"| {name} | {len(lat)} | {percentile(lat, 50):.1f} | "
                     f"{percentile(lat, 99):.1f} | {max(lat):.1f} | {floor_text} | "
                     f"{percentile(lat, 50) / (percentile(draw, 50) if draw else floor50):.1f}× |")
    lines += [
        "",
        "The kiosk's barcode camera (kiosk/scanner.py; a fake camera, this machine has "
        "none): at rest it reads a frame every 0.5 s and compares an 80×60 thumbnail with "
        "the last, decoding (pyzbar) only while the view changes. A receipt's QR code held "
        "up at a random moment once the scanner rests again, in ms to the code reaching "
        "the kiosk's UI; the floor is one decode of that frame, in the kiosk's process:",
        "",
        "| code held up | scans | p50 | max | floor (one decode) | p50 / floor |",
        "|---|---|---|---|---|---|",
        f"| to the resting camera kiosk above | {len(scans)} | {percentile(scans, 50):.1f} | "
        f"{max(scans):.1f} | {decode_ms:.1f} | "
        f"{percentile(scans, 50) / decode_ms:.1f}× |",
    ]
    run.report("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
