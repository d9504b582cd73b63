"""The kiosk's camera at rest (issue 25): read twice a second and never decoded while
nothing moves in its view, and a code held up still read within half a second.

The camera is a fake (this machine has none): :class:`tests.frames.FakeCamera`
gives the scene as it is at each read, with sensor noise. The scanner's pace is
checked on a virtual clock (minutes of rest in no time), then on the kiosk's own
loop in real time, as ``Node.run`` runs it.
"""

from __future__ import annotations

import random
import threading
import time

import pygame
import pytest

from kiosk import scanner as scanning
from kiosk.scanner import Scanner

from .frames import FakeCamera, qr_image

CARD = "001090012345|Lê Văn Bình|01021990|Nam|Thôn 3, xã Quảng Phú|01012021"
RECEIPT = "000.00.14.H56-261125-0007"
# A citizen holding a card up to a reader sees it taken in about a second or less
# (Nielsen's 1 s limit for staying in the flow of a task); the scanner aims at
# REST_S and one decode from rest.
CITIZEN_S = 1.0


class Virtual:
    """The kiosk's loop on a virtual clock: it sleeps till the scanner is due."""

    def __init__(self, camera):
        self.t = 1000.0
        self.scanner = Scanner(camera, monotonic=lambda: self.t)
        self.read: list[tuple[float, str]] = []

    def run(self, seconds: float, until_read: bool = False) -> float | None:
        end = self.t + seconds
        while self.t < end:
            self.t += self.scanner.due_in()
            code = self.scanner.poll()
            if code:
                self.read.append((self.t, code))
                if until_read:
                    return self.t
        return None


def test_at_rest_the_camera_is_read_twice_a_second_and_never_decoded():
    camera = FakeCamera()
    loop = Virtual(camera)
    loop.run(scanning.HOLD_S + 1)  # the first frame is decoded, and the hold after it
    frames, decoded = loop.scanner.frames, loop.scanner.decoded
    loop.run(600.0)  # ten minutes of an empty hall
    assert (loop.scanner.frames - frames) / 600 <= 1 / scanning.REST_S + 0.01
    assert loop.scanner.decoded == decoded  # pyzbar never ran
    assert loop.read == []


def test_a_code_held_up_at_a_random_moment_is_read_within_the_rest_period(monkeypatch):
    monkeypatch.setattr(scanning, "HOLD_S", 1.0)  # the decoding after each read, shorter
    rng = random.Random(25)
    camera = FakeCamera()
    loop = Virtual(camera)
    waited = []
    for i in range(12):
        loop.run(scanning.HOLD_S + 1.0)  # at rest again
        assert not loop.scanner.decoding
        loop.t += rng.uniform(0, loop.scanner.due_in())  # between two frames
        code = f"000.00.14.H56-261125-{i:04d}"
        camera.show(qr_image(code), angle=rng.uniform(-20, 20))
        shown = loop.t
        read = loop.run(1.0, until_read=True)
        assert read is not None and loop.read[-1][1] == code, f"{code} never read"
        waited.append(read - shown)
        camera.hide()
    assert max(waited) <= scanning.REST_S + 1e-9
    assert sum(waited) / len(waited) == pytest.approx(scanning.REST_S / 2, abs=0.1)


def test_a_card_held_still_and_then_moved_is_read_once(monkeypatch):
    monkeypatch.setattr(scanning, "HOLD_S", 1.0)
    camera = FakeCamera()
    loop = Virtual(camera)
    loop.run(scanning.HOLD_S + 1)
    camera.show(qr_image(RECEIPT))
    loop.run(scanning.REPEAT_AFTER + 2)  # held still: read, then the scanner rests with it
    # in view for longer than REPEAT_AFTER
    assert not loop.scanner.decoding
    decoded = loop.scanner.decoded
    camera.show(qr_image(RECEIPT), angle=15)  # tilted: the view changes, still the same card
    loop.run(2.0)
    assert loop.scanner.decoded > decoded  # seen again, not read again
    camera.hide()
    loop.run(5.0)  # gone for longer than REPEAT_AFTER: shown again, read again
    camera.show(qr_image(RECEIPT))
    loop.run(2.0)
    assert [code for _, code in loop.read] == [RECEIPT, RECEIPT]


def test_the_kiosk_sleeps_between_frames_and_reads_a_card_held_up_within_a_second(
        make_node, monkeypatch):
    """Real time: the kiosk's loop as ``Node.run`` runs it, on the dummy screen (which
    SDL cannot wait on, so only the camera and the UI's clock wake it)."""
    monkeypatch.setattr(scanning, "HOLD_S", 1.0)  # shorter bursts, more samples a minute
    camera = FakeCamera()
    kiosk = make_node("kiosk", "kiosk-camera-rest")
    kiosk.frame_source = camera
    ui = kiosk.open_screen(pygame.Surface((1080, 1920)))
    scanned: list[tuple[float, str]] = []
    ui.scanned = lambda text: scanned.append((time.perf_counter(), text))
    rounds = [0]
    stop = threading.Event()

    def run():
        while not stop.is_set():
            kiosk.loop_once()
            rounds[0] += 1
            kiosk.rest(5.0)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        time.sleep(scanning.HOLD_S + 0.5)  # the first frame's burst is over
        reads, loops, decoded = camera.reads, rounds[0], kiosk.scanner.decoded
        t0 = time.perf_counter()
        time.sleep(3.0)
        wall = time.perf_counter() - t0
        assert (camera.reads - reads) / wall <= 1 / scanning.REST_S + 0.5
        assert (rounds[0] - loops) / wall <= 1 / scanning.REST_S + 0.5  # the kiosk's wakes
        assert kiosk.scanner.decoded == decoded  # pyzbar never ran
        rng = random.Random(7)
        waited = []
        for i in range(8):
            time.sleep(scanning.HOLD_S + rng.uniform(0.2, 0.7))  # at rest again
            code = f"000.00.14.H56-261125-{i:04d}"
            shown = camera.show(qr_image(code))
            deadline = shown + 5.0
            while not (scanned and scanned[-1][1] == code) and time.perf_counter() < deadline:
                time.sleep(0.002)
            assert scanned and scanned[-1][1] == code, f"{code} never read"
            waited.append(scanned[-1][0] - shown)
            camera.hide()
    finally:
        stop.set()
        kiosk.wake()
        thread.join(10)
    print(f"held up to read, s: {sorted(round(w, 3) for w in waited)}")
    assert max(waited) <= CITIZEN_S, waited
