"""A technician's Esc, the window's close and SIGTERM stop a resting board at once
(issue 25), without the board waking more at rest.

The board rests a minute between frames when nothing changes. It used to read its
keys only when it drew, so Esc acted up to a minute late. On X11 (as a process on
Xvfb: the test fails without it) it now rests in SDL's own wait, which a key ends;
on KMS/DRM, the Pi's, whose SDL cannot wait, a thread watches the keyboards'
evdev devices (:class:`motcua.input_devices.KeyWatch`, checked here on FIFOs standing
in for ``/dev/input/event*``: this machine has no input devices).
"""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from motcua.input_devices import EVENT, KeyWatch

from .conftest import START_S, wait_until
from .node_loop import NodeLoop
from .node_rig import between_minutes, wait_at_rest, wakeups
from .x11 import Finger, Xvfb, x11_environment

ESCAPE = 0xFF1B  # X's keysym
REST_S = 5.0


def display_on_x11(xvfb, tmp_path, name, broker, center):
    folder = tmp_path / name
    folder.mkdir()
    config = folder / "display.toml"
    config.write_text(
        f'center = "{center}"\nnode_id = "{name}"\nhall = "main"\nlog_level = "WARNING"\n'
        f"width = 1280\nheight = 720\n"
        f"[mqtt]\nport = {broker.port}\n[voice]\nenabled = false\n", encoding="utf-8")
    log = (folder / "display.log").open("wb")
    # No hub: the board shows its offline mark and has nothing to page, so it rests a
    # whole minute between frames (the longest rest it has).
    process = subprocess.Popen([sys.executable, "-m", "motcua", "display", "--fake-hardware",
                                "--config", str(config)], cwd=folder,
                               env=x11_environment(xvfb.display), stdout=log,
                               stderr=subprocess.STDOUT)
    return process, folder / "display.log"


def rate_at_rest(pid: int, seconds: float) -> float:
    w0, t0 = wakeups(pid), time.monotonic()
    time.sleep(seconds)
    return (wakeups(pid) - w0) / (time.monotonic() - t0)


def stopped_within(process, seconds: float) -> float | None:
    t0 = time.monotonic()
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        return None
    return time.monotonic() - t0


def gone_within(finger: Finger, seconds: float) -> float | None:
    """How long till the board's window left the screen (one board at a time), or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if not finger.windows():
            return time.monotonic() - t0
        time.sleep(0.01)
    return None


def stopped(process, finger: Finger) -> tuple[float | None, float | None]:
    """(window gone, process ended) after the stop was asked, in seconds (None: over 20 s).

    The board's stop is its window leaving the screen (~20 ms on an idle machine).
    The process ends after Python's own shutdown, ~0.15 s of CPU (its collector,
    its modules): beside two busy loops (load 10-15) that took up to 2.03 s."""
    t0 = time.monotonic()
    gone = gone_within(finger, 20)
    ended = stopped_within(process, 20)
    return gone, None if ended is None else time.monotonic() - t0


def test_esc_sigterm_and_the_window_s_close_stop_a_resting_board_on_x11_at_once(
        tmp_path, broker, center):
    term = shut = None
    with Xvfb((1280, 720)) as xvfb:
        # One board at a time: a key goes to the window under the pointer.
        esc, esc_log = display_on_x11(xvfb, tmp_path, "display-esc", broker, center)
        finger = Finger(xvfb.display)
        try:
            # Started, drawn, resting (its next frame a minute away): at rest, not a
            # fixed time after its launch (a busy machine may still be importing it).
            wait_at_rest({"display": esc}, START_S)
            # Its frame for a new minute is its need, not a wake-up at rest: counted
            # with it, beside two busy loops, the rest read 3.2 and 3.4 a second.
            between_minutes(REST_S)
            rested = rate_at_rest(esc.pid, REST_S)
            finger.move(finger._root, 640, 360)  # over the board (no window manager)
            finger.key(ESCAPE)
            esc_took, esc_ended = stopped(esc, finger)
            term, term_log = display_on_x11(xvfb, tmp_path, "display-term", broker, center)
            wait_at_rest({"display": term}, START_S)
            term.send_signal(signal.SIGTERM)
            term_took, term_ended = stopped(term, finger)
            # The window's close button (on a desktop: fake hardware's window).
            shut, shut_log = display_on_x11(xvfb, tmp_path, "display-close", broker, center)
            wait_at_rest({"display": shut}, START_S)
            assert finger.close_windows() >= 1
            shut_took, shut_ended = stopped(shut, finger)
        finally:
            finger.close()
            for process in (esc, term, shut):
                if process is not None and process.poll() is None:
                    process.kill()
                    process.wait(10)
    assert esc_took is not None and esc_took < 1.0, \
        f"Esc took {esc_took} s (None: over 20 s)\n{esc_log.read_text()}"
    assert term_took is not None and term_took < 1.0, f"SIGTERM took {term_took} s"
    assert shut_took is not None and shut_took < 1.0, \
        f"closing the window took {shut_took} s\n{shut_log.read_text()}"
    ended = {"Esc": esc_ended, "SIGTERM": term_ended, "close": shut_ended}
    assert all(s is not None and s < 5.0 for s in ended.values()), f"ended after {ended} s"
    assert shut.returncode == 0, shut_log.read_text()
    assert esc.returncode == 0 and term.returncode == 0, (esc_log.read_text(),
                                                          term_log.read_text())
    # Resting in SDL's wait it wakes for its bus connection alone (about once a second:
    # tests/test_nodes_rest.py's floor), not for its keys.
    assert rested <= 3.0, f"{rested:.1f} wake-ups a second at rest"


def key_event(kind: int, code: int, value: int) -> bytes:
    return EVENT.pack(0, 0, kind, code, value)


def thread_wakeups(native_id: int) -> int:
    status = Path(f"/proc/{os.getpid()}/task/{native_id}/status").read_text()
    return int(status.split("voluntary_ctxt_switches:")[1].split()[0])


def test_the_key_watch_wakes_for_a_key_pressed_on_any_keyboard_and_sleeps_otherwise(
        tmp_path):
    """KMS/DRM: each ``event*`` device is read; a key pressed (not released, not a mouse
    moving) calls ``on_key``; a keyboard plugged in later is read too; at rest the
    watching thread does not wake."""
    folder = tmp_path / "input"
    folder.mkdir()
    os.mkfifo(folder / "event0")
    keyboard = os.open(folder / "event0", os.O_RDWR)  # the device's side, kept open
    pressed = threading.Event()
    watch = KeyWatch(pressed.set, folder).start()
    try:
        assert list(watch.devices) == [str(folder / "event0")]
        os.write(keyboard, key_event(2, 0, 5) + key_event(1, 1, 0))  # a move, Esc let go
        time.sleep(0.3)
        assert not pressed.is_set()
        t0 = time.monotonic()
        os.write(keyboard, key_event(1, 1, 1) + key_event(0, 0, 0))  # Esc pressed, SYN
        assert pressed.wait(1.0) and time.monotonic() - t0 < 0.2
        # At rest: the thread sleeps in select, no timeout.
        tid = watch._thread.native_id
        time.sleep(0.2)  # back in its select after the key
        before = thread_wakeups(tid)
        time.sleep(2.0)
        assert thread_wakeups(tid) - before == 0
        # A keyboard plugged in: the kernel makes event1, udev sets its group.
        pressed.clear()
        os.mkfifo(folder / "event1")
        wait_until(lambda: str(folder / "event1") in watch.devices, timeout=2)
        second = os.open(folder / "event1", os.O_WRONLY)
        os.write(second, key_event(1, 28, 1))  # Enter pressed
        assert pressed.wait(1.0)
        os.close(second)
    finally:
        watch.close()
        os.close(keyboard)


def test_the_key_watch_reads_esc_itself_from_a_keyboard_plugged_in_later(tmp_path):
    """SDL opens a keyboard plugged in later only when next pumped, i.e. after the
    key that woke the board: the watch tells Esc apart itself (on_escape), and only
    Esc pressed."""
    folder = tmp_path / "input"
    folder.mkdir()
    pressed, escaped = threading.Event(), []
    watch = KeyWatch(pressed.set, folder, on_escape=lambda: escaped.append(1)).start()
    try:
        os.mkfifo(folder / "event3")
        wait_until(lambda: str(folder / "event3") in watch.devices, timeout=2)
        keyboard = os.open(folder / "event3", os.O_WRONLY)
        os.write(keyboard, key_event(1, 30, 1) + key_event(0, 0, 0))  # "a" pressed
        assert pressed.wait(1.0) and escaped == []
        pressed.clear()
        os.write(keyboard, key_event(1, 1, 0))  # Esc let go
        time.sleep(0.3)
        assert not pressed.is_set() and escaped == []
        os.write(keyboard, key_event(1, 1, 1) + key_event(0, 0, 0))  # Esc pressed
        assert pressed.wait(1.0) and escaped == [1]
        os.close(keyboard)
    finally:
        watch.close()


class KeyScreen:
    """A screen whose keys arrive as on KMS/DRM: ``on_input`` from another thread,
    the key itself in the queue :meth:`poll` reads."""

    def __init__(self):
        self.on_input = None
        self.queue: list[str] = []
        self.quit_requested = False
        self.frames = 0

    def rest(self, seconds, woken):
        return woken.wait(seconds)

    def poll(self):
        while self.queue:
            if self.queue.pop(0) == "Escape":
                self.quit_requested = True

    def present(self, surface, changed):
        self.frames += 1

    def close(self):
        pass


def test_a_key_on_the_pi_ends_the_rest_and_esc_quits(broker, center, tmp_path):
    """The node's side on KMS/DRM: a key wakes the resting loop, which asks the screen
    for its keys; any key but Esc changes nothing, Esc stops it at once."""
    from display.hardware import Hardware
    from display.node import DisplayConfig, HallDisplay
    from motcua.config import from_dict

    screen = KeyScreen()
    config = from_dict(DisplayConfig, {
        "center": center, "node_id": "display-keys", "simulate": True, "width": 1280,
        "height": 720, "mqtt": {"port": broker.port}, "voice": {"enabled": False}})
    display = HallDisplay(config, hardware=Hardware(screen=screen)).start()
    loop = NodeLoop(display)
    try:
        wait_until(lambda: screen.frames >= 1)
        time.sleep(0.5)
        assert display.redraw_period(display.now()) == 60.0  # resting a minute
        screen.queue.append("a")
        screen.on_input()
        time.sleep(0.3)
        assert not display._stopping.is_set() and screen.frames == 1
        t0 = time.monotonic()
        screen.queue.append("Escape")
        screen.on_input()
        wait_until(lambda: display._stopping.is_set(), timeout=5)
        assert time.monotonic() - t0 < 0.5
        # Node.run offers every node a turn each 5 s without systemd's watchdog (and
        # half the watchdog's interval with it): the board takes it only under
        # systemd, or it would wake every 5 s where it rests a minute.
        display.rest(5.0)
        assert display._longest_wait is None
        display._watchdog = True
        display.rest(7.5)
        assert display._longest_wait == 7.5
    finally:
        loop.close()
        display.stop()


def test_the_board_watches_the_keyboards_whatever_case_sdl_names_its_driver(tmp_path):
    """Debian's SDL (the Pi's, under provisioning/) names its driver "KMSDRM",
    pygame's wheels "kmsdrm": the board compared with the lower-case name only,
    so on a Pi it started no key watch and Esc waited up to a minute. Run as its
    own process on SDL's evdev input (the dummy screen with KMS/DRM's input code),
    once as SDL names it and once with the name as Debian's SDL gives it."""
    script = (
        "import sys, pygame\n"
        "from display.hardware import WindowScreen\n"
        "if sys.argv[1] == 'upper':\n"
        "    pygame.display.get_driver = lambda: 'KMSDRM'\n"
        "screen = WindowScreen((320, 240), False, input_folder=sys.argv[2])\n"
        "print(pygame.display.get_driver(), screen.key_watch is not None)\n"
        "if screen.key_watch is not None:\n"
        "    screen.key_watch.close()\n")
    env = {**os.environ, "SDL_VIDEODRIVER": "evdev", "SDL_AUDIODRIVER": "dummy",
           "SDL_EVDEV_DEVICES": "", "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
    for case, driver in (("as-is", "evdev"), ("upper", "KMSDRM")):
        out = subprocess.run([sys.executable, "-c", script, case, str(tmp_path)], env=env,
                             capture_output=True, text=True, timeout=60,
                             cwd=Path(__file__).parent.parent)
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == [driver, "True"], (case, out.stdout, out.stderr)
