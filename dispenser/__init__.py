"""Ticket dispenser: service buttons (gpiozero), printed tickets (python-escpos).

Runs on a Raspberry Pi as `motcua dispenser --config FILE` (add `--fake-hardware`
for mock pins, a folder printer and keys on stdin). Imports only :mod:`motcua`
and this package, so the Pi carries none of the hub's libraries.
"""

from .node import Dispenser

__all__ = ["Dispenser"]
