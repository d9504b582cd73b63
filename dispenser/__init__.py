"""Ticket dispenser: service buttons (gpiozero), printed tickets (python-escpos).

Runs on a Raspberry Pi as `motcua dispenser --config FILE`. Imports only :mod:`motcua`
and this package, so the Pi carries none of the hub's libraries.
"""

from .node import Dispenser

__all__ = ["Dispenser"]
