"""Hall display: the pygame board, the chime and the Vietnamese voice.

Runs on a Raspberry Pi as `motcua display --config FILE`. Imports only :mod:`motcua`
and this package, so the Pi carries none of the hub's libraries.
"""

import os

# pygame greets on stdout at import; a node's stdout is its log.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from .node import HallDisplay  # noqa: E402

__all__ = ["HallDisplay"]
