"""A push button that sleeps until it is pressed.

gpiozero's ``Button`` runs a thread per button that wakes ten times a second
to look for a held button (``when_held``), which no key of ours uses: a
counter's ten keys woke its Pi a hundred times a second. :class:`Key` is the
same pull-up push button without that thread::

    key = Key(17, pin_factory=factory)
    key.when_pressed = lambda: print("pressed")
    key.is_pressed
"""

from __future__ import annotations

from gpiozero import DigitalInputDevice


class Key(DigitalInputDevice):
    """A button wired to ground with the pin's pull-up: pressed pulls it low."""

    def __init__(self, pin, *, pull_up: bool = True, pin_factory=None):
        super().__init__(pin, pull_up=pull_up, bounce_time=None, pin_factory=pin_factory)


Key.is_pressed = Key.is_active
Key.when_pressed = Key.when_activated
Key.when_released = Key.when_deactivated
