"""The kiosk on KMS/DRM rests on the input devices SDL reads (issue 25).

This machine has no input device, no /dev/input and no uinput (the kernel has no
uinput: opening a node made for it says "No such device"), so nothing here runs on
a real evdev device. What stands in for one: FIFOs, which ``poll`` and ``read``
like an evdev device (readable when a report is written, drained by reading, an
end of file when the writer goes), with the difference that a FIFO is one queue
for all its readers where an evdev device gives each open its own. So for the
kiosk as a whole (:func:`test_on_kms_drm_input_the_kiosk_rests_till_a_touch`) the
"device" is two FIFOs the same bytes are written to: one read by SDL through its
own evdev code (``SDL_VIDEODRIVER=evdev``, the dummy screen with KMS/DRM's input
path), one waited on by the kiosk (tests/kiosk_evdev_probe.py). Not tested here:
SDL finding devices through udev (pygame's wheel has no udev; Debian's SDL does),
a multi-touch screen's reports (SDL cannot read a FIFO as one: it asks the device
its ranges). The capability filter (``wanted_device``: FIFOs have no capabilities
and are taken) is checked with the kernel's answers stood in for.
"""

import json
import logging
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from motcua import input_devices, screen_wait
from motcua.input_devices import DeviceWait

from .conftest import PROJECT, START_S
from .node_rig import read_line, wait_at_rest, wakeups
from .test_nodes_rest import FLOOR


@pytest.fixture
def devices(tmp_path):
    """A folder standing in for /dev/input; ``plug(name)`` makes a device there (a
    FIFO held open for writing, so its reader never sees an end of file) and returns
    its write end."""
    folder = tmp_path / "input"
    folder.mkdir()
    held = []

    def plug(name="event0"):
        os.mkfifo(folder / name)
        held.append(os.open(folder / name, os.O_RDWR))
        return held[-1]

    plug.folder = folder
    yield plug
    for fd in held:
        os.close(fd)


@pytest.fixture
def waiting(devices):
    made = []

    def make(**kw):
        made.append(DeviceWait(str(devices.folder), **kw))
        return made[-1]

    yield make
    for wait in made:
        wait.close()


def timed(wait, seconds):
    t0 = time.monotonic()
    got = wait.wait(seconds)
    return got, time.monotonic() - t0


def later(seconds, action):
    timer = threading.Timer(seconds, action)
    timer.start()
    return timer


REPORT = b"\0" * 24  # one struct input_event: what the wait reads and throws away


def test_a_touch_ends_the_wait_at_once_then_it_rests_again(devices, waiting):
    touch = devices()
    wait = waiting()
    assert list(wait.devices) == [str(devices.folder / "event0")]
    got, took = timed(wait, 1.0)
    assert not got and 0.95 <= took < 1.5  # nothing to read: asleep the whole second
    later(0.3, lambda: os.write(touch, REPORT * 3))
    got, took = timed(wait, 5.0)
    assert got and 0.25 <= took < 0.6, took
    # Our copy was read and thrown away: one more read of SDL 0.1 s later (should its
    # copy have come after ours), then asleep again till the time is up.
    got, took = timed(wait, 5.0)
    assert not got and 0.05 <= took < 0.4, took
    got, took = timed(wait, 1.0)
    assert not got and took >= 0.95, took


def test_a_wake_from_another_thread_ends_the_wait(devices, waiting):
    devices()
    wait = waiting()
    later(0.3, wait.wake)
    got, took = timed(wait, 5.0)
    assert got and took < 1.0
    got, took = timed(wait, 0.5)  # the wake was read: not woken twice
    assert not got and took >= 0.45


def test_a_device_plugged_in_later_is_waited_on(devices, waiting):
    devices()
    wait = waiting()
    held = []
    later(0.3, lambda: held.append(devices("event1")))
    got, took = timed(wait, 5.0)  # inotify on the folder: at once, not at the next rest
    assert got and took < 1.0, took
    assert str(devices.folder / "event1") in wait.devices
    # SDL opens a new device when it reads udev's news: it is read every 0.1 s for
    # 2 s, then the kiosk rests again.
    turns, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < 3.0:
        wait.wait(1.0)
        turns += 1
    assert 12 <= turns <= 30, turns
    later(0.2, lambda: os.write(held[0], REPORT))
    got, took = timed(wait, 5.0)
    assert got and took < 0.6, took
    os.unlink(devices.folder / "event1")  # unplugged
    got, took = timed(wait, 5.0)
    assert got and took < 1.0, took
    assert list(wait.devices) == [str(devices.folder / "event0")]


def test_a_device_gone_is_dropped_not_a_busy_loop(devices, waiting):
    devices()
    wait = waiting()
    path = devices.folder / "event1"
    os.mkfifo(path)
    writer = os.open(path, os.O_RDWR)
    timed(wait, 1.0)  # taken (and the 2 s of reads that follow a new device)
    while timed(wait, 1.0)[1] < 0.5:
        pass
    assert str(path) in wait.devices
    os.close(writer)  # its only writer gone: poll says hung up, as for an unplugged device
    turns, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < 3.0:
        wait.wait(1.0)
        turns += 1
    assert turns <= 40, turns  # the hot-plug reads, not a loop on a hung-up fd


def test_no_device_rests_and_one_plugged_in_is_taken(tmp_path, caplog):
    folder = tmp_path / "input"  # not there at all: no input device was ever plugged in
    caplog.set_level(logging.INFO, logger="motcua.input_devices")
    wait = DeviceWait(str(folder))
    try:
        assert wait.devices == {} and not wait.polling
        got, took = timed(wait, 1.0)
        assert not got and took >= 0.95  # nothing to read, nothing read on a clock
        assert "no input device in" in caplog.text
        folder.mkdir()
        os.mkfifo(folder / "event0")
        writer = os.open(folder / "event0", os.O_RDWR)
        timed(wait, 0.2)  # the next rest looks at the folder again
        assert list(wait.devices) == [str(folder / "event0")]
        t0 = time.monotonic()
        while time.monotonic() - t0 < 2.5:  # past the reads that follow a new device
            wait.wait(0.5)
        later(0.3, lambda: os.write(writer, REPORT))
        got, took = timed(wait, 5.0)
        assert got and 0.25 <= took < 0.6, took
        os.close(writer)
    finally:
        wait.close()


def _denied_child(folder: str, out: int) -> None:
    """In a forked child (as nobody when run as root, who reads anything): wait on
    ``folder``, report what happened."""
    records = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    logger = logging.getLogger("motcua.input_devices")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        if os.geteuid() == 0:
            os.setgid(65534)
            os.setuid(65534)
        wait = DeviceWait(folder)
        turns, t0 = 0, time.monotonic()
        while time.monotonic() - t0 < 1.0:
            wait.wait(5.0)
            turns += 1
        result = {"devices": sorted(wait.devices), "polling": wait.polling, "turns": turns,
                  "log": records}
        wait.close()
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        result = {"error": repr(exc)}
    os.write(out, json.dumps(result).encode())
    os._exit(0)


def test_a_device_it_may_not_read_sends_it_back_to_reading_every_tenth():
    """Permission denied: SDL (the same user) most likely cannot read it either, but
    which device is the touch screen cannot be told: SDL read every 0.1 s as before,
    said once in the log, in English."""
    folder = Path(tempfile.mkdtemp(prefix="motcua-input-"))  # nobody may look in
    folder.chmod(0o755)
    try:
        for name, mode in (("event0", 0o644), ("event1", 0o000)):
            os.mkfifo(folder / name)
            (folder / name).chmod(mode)
        holders = [os.open(folder / n, os.O_RDWR) for n in ("event0", "event1")]
        read, write = os.pipe()
        child = os.fork()
        if child == 0:
            _denied_child(str(folder), write)
        os.close(write)
        data = b""
        while chunk := os.read(read, 65536):
            data += chunk
        os.waitpid(child, 0)
        os.close(read)
        for fd in holders:
            os.close(fd)
    finally:
        for name in ("event0", "event1"):
            (folder / name).unlink(missing_ok=True)
        folder.rmdir()
    result = json.loads(data)
    assert "error" not in result, result
    assert result["devices"] == [str(folder / "event0")]  # the one it may read: waited on
    assert result["polling"] is True
    assert 6 <= result["turns"] <= 13, result  # SDL read every 0.1 s, as before
    denied = [line for line in result["log"] if "cannot read" in line]
    assert len(denied) == 1, result["log"]  # once, though every wait looks again
    assert f"cannot read {folder / 'event1'} (Permission denied; the kiosk's user needs " \
           "the input group): reading the screen every 0.1 s" in denied[0]


def kiosk_on_evdev(tmp_path, name, broker, center, extra=""):
    folder = tmp_path / name
    folder.mkdir()
    config = folder / "kiosk.toml"
    config.write_text(
        f'center = "{center}"\nnode_id = "{name}"\nsimulate = true\nlog_level = "WARNING"\n'
        f'replica = "{folder / "replica.db"}"\noutbox = "{folder / "outbox.db"}"\n'
        f'input_devices = "{folder / "input"}"\n{extra}'
        f"[mqtt]\nport = {broker.port}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["SDL_AUDIODRIVER"] = "dummy"
    log = (folder / "kiosk.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.kiosk_evdev_probe", str(config), str(folder)],
        cwd=PROJECT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
        text=True)
    return process, folder / "kiosk.log"


def rate(pids: dict, seconds: float) -> dict:
    w0, t0 = {k: wakeups(p) for k, p in pids.items()}, time.monotonic()
    time.sleep(seconds)
    return {k: (wakeups(p) - w0[k]) / (time.monotonic() - t0) for k, p in pids.items()}


def test_on_kms_drm_input_the_kiosk_rests_till_a_touch(tmp_path, broker, center, queue_hub):
    """SDL reading its input from evdev devices (KMS/DRM's input path, on the dummy
    screen): read every 0.1 s as before, the kiosk wakes ~11 times a second (the same
    measurement must see that); resting on the devices, no more than a connected
    bus client doing nothing (the floor, measured beside it) + 0.8; a tap written to
    the device is drawn at once, read by SDL's own evdev code; SIGTERM stops it."""
    floor = subprocess.Popen([sys.executable, "-c", FLOOR, str(broker.port), center],
                             cwd=PROJECT, stdin=subprocess.PIPE)
    try:
        polling, poll_log = kiosk_on_evdev(tmp_path, "kiosk-poll", broker, center,
                                           "input_poll_s = 0.1\n")
        try:
            assert read_line(polling, 60) == {"ready": True, "wait": None, "devices": 0}, \
                poll_log.read_text()
            time.sleep(2.0)
            polled = rate({"kiosk": polling.pid}, 3.0)["kiosk"]
            polling.stdin.write("touch\n")
            polling.stdin.flush()
            polled_touch = read_line(polling, 10)["touch_ms"]
        finally:
            polling.terminate()
            polling.wait(15)
        assert polled >= 7, f"the measurement should see the 0.1 s reads: {polled:.1f}/s"
        assert polled_touch is not None, "SDL never read the tap from its evdev file"

        waiting, log = kiosk_on_evdev(tmp_path, "kiosk-wait", broker, center)
        try:
            assert read_line(waiting, 60) == {"ready": True, "wait": "devices",
                                              "devices": 1}, log.read_text()
            wait_at_rest({"kiosk": waiting, "floor": floor}, START_S)  # not only ready
            rested = rate({"kiosk": waiting.pid, "floor": floor.pid}, 6.0)
            touches = []
            for _ in range(5):
                waiting.stdin.write("touch\n")
                waiting.stdin.flush()
                touches.append(read_line(waiting, 10)["touch_ms"])
                time.sleep(0.3)
            time.sleep(0.5)  # resting again: up to 5 s (IDLE_WAKE_S) till its next turn
        finally:
            t0 = time.monotonic()
            waiting.send_signal(signal.SIGTERM)
            # Timed to the loop leaving its wait, not to the process's end: at load
            # 22-25 the stop was heard at once and the whole exit took 2.3 s.
            heard = select.select([waiting.stdout], [], [], 30)[0] and waiting.stdout.readline()
            stopped_in = time.monotonic() - t0
            waiting.wait(30)
    finally:
        floor.terminate()
        floor.wait(15)
    print(f"wake-ups a second: polled {polled:.2f}, resting {rested}; touches ms {touches}")
    assert rested["kiosk"] <= rested["floor"] + 0.8, \
        f"{rested['kiosk']:.2f} wake-ups a second at rest (floor {rested['floor']:.2f}, " \
        f"polling {polled:.1f})"
    # Drawn at once, not at the next 5 s rest (a frame takes ~10-80 ms on this machine).
    assert all(t is not None and t < 1000 for t in touches), touches
    assert heard and json.loads(heard) == {"stopping": True}, log.read_text()
    assert stopped_in < 2.0, f"SIGTERM heard after {stopped_in:.1f} s"
    assert waiting.returncode == 0, log.read_text()


class _Screen:
    """pygame as far as open_for asks: a display open with SDL's driver ``name``."""

    def __init__(self, name):
        self.display = type("display", (), {"get_init": staticmethod(lambda: True),
                                            "get_driver": staticmethod(lambda: name)})

    @staticmethod
    def get_sdl_version():
        return (2, 28, 4)


@pytest.mark.parametrize("driver", ["KMSDRM", "kmsdrm", "evdev"])
def test_kms_drm_screens_wait_on_their_devices_and_dummy_ones_on_nothing(devices, driver):
    devices()
    wait = screen_wait.open_for(_Screen(driver), str(devices.folder))
    try:  # Debian's SDL names its driver "KMSDRM"
        assert isinstance(wait, DeviceWait) and list(wait.devices) == [
            str(devices.folder / "event0")]
    finally:
        wait.close()
    for name in ("dummy", "offscreen"):
        assert screen_wait.open_for(_Screen(name), str(devices.folder)) is None
    # Without the folder (the hall display, which watches its keyboards itself): None.
    assert screen_wait.open_for(_Screen(driver)) is None


@pytest.mark.parametrize("types, props, wanted", [
    ((1 << 1) | (1 << 0), 0, True),        # a keyboard: EV_KEY (and EV_SYN)
    ((1 << 3) | (1 << 1), 0b10, True),     # a touch screen: EV_ABS, EV_KEY; INPUT_PROP_DIRECT
    ((1 << 3), 1 << 6, False),             # an accelerometer: EV_ABS, INPUT_PROP_ACCELEROMETER
    ((1 << 5) | (1 << 0), 0, False),       # a lid switch: EV_SW alone
    (None, None, True),                    # no evdev device (the tests' FIFOs): taken
    ((1 << 2), None, True),                # a mouse whose kernel has no EVIOCGPROP
])
def test_only_the_devices_sdl_reads_for_the_screen_are_waited_on(monkeypatch, types, props,
                                                                  wanted):
    """The capability filter, with the kernel's answers to EVIOCGBIT(0) and EVIOCGPROP
    stood in for (this machine has no evdev device)."""
    answers = {0x20: types, 0x09: props}

    def ioctl(fd, request, buffer):
        value = answers[request & 0xFF]
        if value is None:
            raise OSError(25, "Inappropriate ioctl for device")
        buffer[:] = value.to_bytes(len(buffer), "little")
        return 0

    monkeypatch.setattr(input_devices.fcntl, "ioctl", ioctl)
    assert input_devices.wanted_device(0) is wanted
