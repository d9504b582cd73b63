"""Touch kiosk: procedure search and dossier look-up by barcode.

Runs on a Raspberry Pi as `motcua kiosk --config FILE`. Imports only :mod:`motcua`
and this package, so the Pi carries none of the hub's libraries.
"""

from .node import Kiosk

__all__ = ["Kiosk"]
