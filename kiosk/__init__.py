"""Touch kiosk: procedure search and dossier look-up by barcode.

Runs on a Raspberry Pi as `motcua kiosk --config FILE`. Imports only :mod:`motcua`
and this package, so the Pi carries none of the hub's libraries.
"""

import os

# pygame prints a greeting on import; a kiosk's log has no use for it.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from .node import Kiosk  # noqa: E402

__all__ = ["Kiosk"]
