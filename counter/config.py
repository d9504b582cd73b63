"""The counter node's settings: which counters, which pins, which display.

One Pi may drive several neighbouring counters. ``[keypad] counters`` lists
them; every key lists one pin per counter, in the same order (an empty list:
that key is not fitted). The rating keypad has four keys per counter, in the
order Rất hài lòng, Hài lòng, Bình thường, Không hài lòng::

    center = "thanhhoa"
    node_id = "counter-5"

    [keypad]
    counters = [5, 6]
    next = [17, 5]
    recall = [27, 6]
    no_show = [22, 13]
    finish = [23, 19]
    transfer = [24, 26]
    pause = [25, 20]          # pause / resume

    [rating]
    buttons = [4, 12, 16, 21, 7, 8, 9, 10]
    leds = [18, 14, 15, 11, 0, 1, 2, 3]
    window_s = 30

    [display]
    driver = "oled"           # segment (MAX7219 7-segment), matrix (MAX7219), oled
    model = "ssd1306"
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from motcua.config import ConfigError, NodeConfig, section, setting

KEYS = ("next", "recall", "no_show", "finish", "transfer", "pause")
RATING_KEYS = 4
DRIVERS = ("segment", "matrix", "oled")
OLED_MODELS = ("ssd1306", "sh1106", "ssd1309", "ssd1322", "ssd1325", "ssd1327")


def _pins(value: list[int]) -> str | None:
    if any(not 0 <= p <= 27 for p in value):
        return "expected BCM GPIO pin numbers 0 to 27"
    return None


@dataclass(kw_only=True)
class KeypadConfig:
    counters: list[int] = setting([1], doc="the counters this Pi drives, in order")
    next: list[int] = setting([], doc="'next' key pins, one per counter", check=_pins)
    recall: list[int] = setting([], doc="'recall' key pins", check=_pins)
    no_show: list[int] = setting([], doc="'no-show' key pins", check=_pins)
    finish: list[int] = setting([], doc="'finish' key pins", check=_pins)
    transfer: list[int] = setting([], doc="'transfer' key pins", check=_pins)
    pause: list[int] = setting([], doc="'pause / resume' key pins", check=_pins)
    settle_s: float = setting(0.05, doc="a press counts after this long released (debounce)")
    transfer_timeout_s: float = setting(
        20.0, doc="seconds the transfer chooser waits for a key before giving up")


@dataclass(kw_only=True)
class RatingConfig:
    buttons: list[int] = setting([], doc="rating key pins, four per counter", check=_pins)
    leds: list[int] = setting([], doc="rating key LED pins, four per counter", check=_pins)
    window_s: float = setting(30.0, doc="seconds the rating keys stay lit after a finish")
    outbox: str = setting("var/counter-outbox.sqlite",
                          doc="SQLite file keeping ratings until the broker has them")


@dataclass(kw_only=True)
class DisplayConfig:
    driver: str = setting("oled", doc="segment, matrix or oled",
                          check=lambda v: None if v in DRIVERS else
                          f"expected one of {', '.join(DRIVERS)}")
    model: str = setting("ssd1306", doc="OLED controller (driver oled)",
                         check=lambda v: None if v in OLED_MODELS else
                         f"expected one of {', '.join(OLED_MODELS)}")
    width: int = setting(128, doc="OLED width in pixels")
    height: int = setting(64, doc="OLED height in pixels")
    cascaded: int = setting(4, doc="MAX7219 modules in a chain (driver matrix)")
    spi_port: int = setting(0, doc="SPI port of the MAX7219 displays")
    spi_devices: list[int] = setting([], doc="SPI chip select per counter (segment, matrix)")
    i2c_port: int = setting(1, doc="I2C bus of the OLEDs")
    i2c_addresses: list[int] = setting([], doc="I2C address per counter (oled), e.g. 60")
    blink_s: float = setting(5.0, doc="seconds the newest call blinks")
    message_s: float = setting(4.0, doc="seconds a message (or a refusal) stays shown")
    image_dir: str = setting("var/counter-display",
                             doc="with simulate: where the display images are written")


@dataclass(kw_only=True)
class CounterConfig(NodeConfig):
    keypad: KeypadConfig = section(KeypadConfig, doc="the officer's keypad")
    rating: RatingConfig = section(RatingConfig, doc="the citizen's rating keypad")
    display: DisplayConfig = section(DisplayConfig, doc="the counter's number display")

    def __post_init__(self):
        n = len(self.keypad.counters)
        if n == 0 or len(set(self.keypad.counters)) != n:
            raise ConfigError("configuration", "keypad.counters",
                              "expected one or more distinct counter numbers")
        for f in fields(KeypadConfig):
            if f.name in KEYS:
                pins = getattr(self.keypad, f.name)
                if pins and len(pins) != n:
                    raise ConfigError("configuration", f"keypad.{f.name}",
                                      f"expected {n} pins, one per counter")
        for name in ("buttons", "leds"):
            pins = getattr(self.rating, name)
            if pins and len(pins) != RATING_KEYS * n:
                raise ConfigError("configuration", f"rating.{name}",
                                  f"expected {RATING_KEYS * n} pins, four per counter")
        every = [p for f in KEYS for p in getattr(self.keypad, f)]
        every += self.rating.buttons + self.rating.leds
        if len(every) != len(set(every)):
            raise ConfigError("configuration", "keypad", "a GPIO pin is used twice")
