"""The dispenser's settings (``motcua dispenser --config dispenser.toml``).

::

    center = "thanhhoa"
    node_id = "dispenser-1"
    buttons = ["ho-tich=17", "dang-ky-kinh-doanh=27"]   # service code = BCM pin
    priority_pin = 22          # press it, then a service button: a priority ticket
    long_press_s = 0           # > 0: holding a service button that long does the same
    priority_code = "elderly"  # the hub's priority class for those tickets
    led_pins = [5, 6, 13]      # RGB LED: ready, printing, offline, fault
    scanner = "/dev/ttyACM0"   # a QR scanner (serial mode) for bookings' check-in
    public_url = "http://hub.local"    # the QR code leads to <public_url>/t/<token>

    [printer]
    kind = "usb"
    usb_vendor = 0x0416
    usb_product = 0x5011
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from motcua.config import ConfigError, NodeConfig, setting
from motcua.ticketing.config import TicketingConfig

BUTTON = re.compile(r"^([a-z0-9][a-z0-9_-]{0,31})=(\d{1,2})$")


def _check_buttons(values: list[str]) -> str | None:
    pins = []
    for value in values:
        match = BUTTON.match(value)
        if not match:
            return f"expected 'service-code=PIN' like 'ho-tich=17', got {value!r}"
        pins.append(int(match.group(2)))
    if len(set(pins)) != len(pins):
        return "two buttons on one pin"
    return None


@dataclass(kw_only=True)
class DispenserConfig(TicketingConfig):
    """The buttons and LED; the ticket settings (printer, outbox, blocks) are
    :class:`motcua.ticketing.config.TicketingConfig`'s, shared with the kiosk."""

    buttons: list[str] = setting(
        [], doc="one service button per entry: 'service-code=BCM pin'", check=_check_buttons)
    priority_pin: int = setting(0, doc="BCM pin of the priority button (0: none)",
                                check=lambda v: None if 0 <= v <= 27 else "expected 0 to 27")
    debounce_s: float = setting(
        0.05, doc="a press counts only after the button was released this long (contacts "
                  "chatter)",
        check=lambda v: None if 0.01 <= v <= 0.5 else "expected 0.01 to 0.5 s")
    long_press_s: float = setting(
        0.0, doc="holding a service button this long gives a priority ticket (0: off)",
        check=lambda v: None if v == 0 or 0.5 <= v <= 10 else "expected 0, or 0.5 to 10 s")
    led_pins: list[int] = setting(
        [], doc="red, green, blue pins of the status LED, e.g. [5, 6, 13] ([]: none)",
        check=lambda v: None if len(v) in (0, 3) else "expected 3 pins (red, green, blue) or []")
    scanner: str = setting(
        "", doc="serial port of a QR scanner for bookings' check-in, e.g. '/dev/ttyACM0' "
                "('': none)")
    scanner_baud: int = setting(9600, doc="the scanner's serial speed")
    keys_on_stdin: bool = setting(True, doc="with simulate: press buttons by typing keys on "
                                            "stdin (see dispenser/fake.py)")

    def __post_init__(self):
        pins = [pin for _, pin in self.button_pins()] + list(self.led_pins)
        if self.priority_pin:
            pins.append(self.priority_pin)
        clash = sorted({p for p in pins if pins.count(p) > 1})
        if clash:
            raise ConfigError("configuration", "buttons",
                              f"pin {clash[0]} is used twice (buttons, priority_pin, led_pins)")

    @classmethod
    def from_node_config(cls, config: NodeConfig) -> DispenserConfig:
        """A dispenser's settings from the common ones only: no buttons, no LED."""
        if isinstance(config, cls):
            return config
        return cls(**{f.name: getattr(config, f.name) for f in dataclasses.fields(NodeConfig)})

    def button_pins(self) -> list[tuple[str, int]]:
        return [(m.group(1), int(m.group(2))) for m in map(BUTTON.match, self.buttons)]
