"""Counter terminal: the officer's keypad, the counter's number, the rating keypad.

Runs on a Raspberry Pi as `motcua counter --config FILE`. Imports only :mod:`motcua`
and this package, so the Pi carries none of the hub's libraries.
"""

from .node import Counter

__all__ = ["Counter"]
