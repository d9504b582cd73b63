"""How big text must be to read from across the hall (docs/display.md).

The rule, from display ergonomics (ISO 9241-3: character height "shall be"
at least 16 minutes of arc, 20-22 preferred; the same figures in NUREG-0700
rev. 2 §1.3.1-4 and the FAA's human-factors guidance): a capital letter must
subtend 16′ at the distance it is read from.

- counter labels, their numbers and the newest call: from **8 m**, the far
  side of a hall: 8000 mm × tan(16′) = 37.2 mm capital height;
- everything else on the board: from **5 m**: 23.3 mm.

How many pixels that is depends on the screen: a 55-inch 16:9 panel (the
default, ``screen_inches``) is 685 mm on its short side, so on 1080 lines
37.2 mm is 59 pixels of capital height, an 81-pixel DejaVu Sans font::

    rule = Legibility(screen_inches=55)
    rule.min_px("far", (1920, 1080))    # 81
    rule.min_px("near", (1920, 1080))   # 51
    rule.min_px("far", (1280, 720))     # 54: the same millimetres on coarser pixels
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# DejaVu Sans (regular and bold): capital height / font size (1493 / 2048 units).
CAP_HEIGHT = 0.729
MIN_ARCMIN = 16.0
DISTANCES_M = {"far": 8.0, "near": 5.0}


def cap_mm(distance_m: float, arcmin: float = MIN_ARCMIN) -> float:
    """Capital height (mm) that subtends ``arcmin`` minutes of arc at ``distance_m``."""
    return distance_m * 1000 * math.tan(math.radians(arcmin / 60))


@dataclass(frozen=True)
class Legibility:
    """The smallest font, in pixels, for each kind of text on one screen."""

    screen_inches: float = 55.0
    aspect: tuple[int, int] = (16, 9)

    @property
    def short_side_mm(self) -> float:
        long, short = max(self.aspect), min(self.aspect)
        return self.screen_inches * 25.4 * short / math.hypot(long, short)

    def min_px(self, role: str, size: tuple[int, int]) -> int:
        """The smallest font size (pixels) for text of ``role`` ("far" or "near")."""
        mm_per_px = self.short_side_mm / min(size)
        return math.ceil(cap_mm(DISTANCES_M[role]) / mm_per_px / CAP_HEIGHT)
