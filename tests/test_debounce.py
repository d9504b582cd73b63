"""Debounce with gpiozero's own MockFactory: chatter and holding give one press."""

import time

import pytest
from gpiozero import Button, Device
from gpiozero.pins.mock import MockFactory

from motcua.debounce import DebouncedPress

from .conftest import chatter


@pytest.fixture
def factory():
    mock = MockFactory()
    yield mock
    mock.reset()
    Device.pin_factory = None


def make(factory, pin=17):
    presses = []
    button = Button(pin, pin_factory=factory)
    debounced = DebouncedPress(button, on_press=lambda: presses.append(time.monotonic()))
    return factory.pin(pin), presses, debounced


def press(pin, hold=0.0):
    pin.drive_low()  # Button's default pull-up: pressed pulls the pin low
    time.sleep(hold)
    pin.drive_high()


def test_five_chatter_pulses_in_100_ms_are_one_press(factory):
    pin, presses, debounced = make(factory)
    chatter(pin, debounced)  # 10 ms apart in the debounce's time, whatever the load
    assert len(presses) == 1
    assert debounced.ignored == 4


def test_a_held_button_does_not_repeat(factory):
    pin, presses, _ = make(factory)
    press(pin, hold=0.5)
    assert len(presses) == 1


def test_two_real_presses_are_two(factory):
    pin, presses, _ = make(factory)
    press(pin, hold=0.05)
    time.sleep(0.2)
    press(pin, hold=0.05)
    assert len(presses) == 2


def test_a_failing_action_leaves_the_button_working(factory):
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("printer on fire")

    button = Button(22, pin_factory=factory)
    DebouncedPress(button, on_press=flaky)
    pin = factory.pin(22)
    press(pin, 0.02)
    time.sleep(0.1)
    press(pin, 0.02)
    assert len(calls) == 2
