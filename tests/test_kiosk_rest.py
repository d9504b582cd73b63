"""The kiosk at rest (issue 25): it sleeps till something must be shown, and still
answers a touch at once, times out to the attract screen and shows the hub's link.

The loop runs as ``Node.run`` drives it (``loop_once`` then ``rest``), on fake
hardware's dummy screen, which has no input of its own to read.
"""

import time

import pygame
import pytest

from .conftest import wait_until
from .node_loop import NodeLoop


@pytest.fixture
def resting(make_node):
    loops = []

    def start(node_id, **settings):
        kiosk = make_node("kiosk", node_id, **settings)
        kiosk.open_screen(pygame.Surface((1080, 1920)))
        loops.append(NodeLoop(kiosk, rest=5.0))
        wait_until(lambda: loops[-1].turns >= 1)
        return kiosk, loops[-1]

    yield start
    for loop in loops:
        loop.close()


def test_an_idle_kiosk_sleeps_and_a_touch_is_drawn_at_once(resting):
    kiosk, loop = resting("kiosk-rest-1")
    time.sleep(0.5)  # the hub's retained status and the link came in: settled
    turns = loop.turns
    time.sleep(2.0)
    # The attract screen shows no clock: nothing to do but wait (it woke 10 times a
    # second before, 20 in these 2 s).
    assert loop.turns - turns <= 1, loop.turns - turns
    ui = kiosk.ui
    assert ui.screen.name == "attract"
    drawn = ui._drawn_at
    t0 = time.monotonic()
    ui.tap(*ui.find("start").rect.center)
    wait_until(lambda: ui.screen.name == "home" and ui._drawn_at > drawn, timeout=5)
    assert time.monotonic() - t0 < 1.0  # at once: it rests for 5 s with nothing due


def test_the_idle_time_out_still_returns_to_the_attract_screen(resting):
    kiosk, loop = resting("kiosk-rest-2", idle_seconds=1)
    ui = kiosk.ui
    ui.tap(*ui.find("start").rect.center)
    wait_until(lambda: ui.screen.name == "home", timeout=5)
    touched = ui.last_touch
    # Nothing else wakes the resting kiosk: the time-out is its own due time.
    wait_until(lambda: ui.screen.name == "attract", timeout=5)
    assert 1.0 <= time.monotonic() - touched < 3.0


def test_a_screen_with_input_is_read_every_tenth_of_a_second(resting):
    kiosk, loop = resting("kiosk-rest-3", input_poll_s=0.1)
    time.sleep(0.5)
    turns = loop.turns
    time.sleep(1.0)
    assert 4 <= loop.turns - turns <= 13  # SDL hands a touch over only when asked
    # A touch as the screen gives it (posted, no wake-up) is seen at the next read.
    ui = kiosk.ui
    x, y = ui.find("start").rect.center
    t0 = time.monotonic()
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(x, y), button=1))
    wait_until(lambda: ui.screen.name == "home", timeout=5)
    assert time.monotonic() - t0 < 1.0  # the next read, not the 5 s rest
