"""Hall display: the pygame board, the chime and the Vietnamese voice.

Runs on a Raspberry Pi as `motcua display --config FILE`. Imports only :mod:`motcua`
and this package, so the Pi carries none of the hub's libraries.
"""

from .node import HallDisplay

__all__ = ["HallDisplay"]
