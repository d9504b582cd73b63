"""Golden files: compare with the committed file, or rewrite it when asked.

``MOTCUA_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_ticket.py`` rewrites the
goldens; look at every rewritten image before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image, ImageChops

GOLDEN = Path(__file__).parent / "golden"


def check_bytes(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("MOTCUA_UPDATE_GOLDEN") == "1":
        path.write_bytes(data)
    assert path.exists(), f"no golden {path}: run with MOTCUA_UPDATE_GOLDEN=1 and look at it"
    assert data == path.read_bytes(), f"{name} differs from its golden"


def check_image(name: str, image: Image.Image, tolerance: float = 0.0) -> None:
    """Equal to the golden, or differing in at most ``tolerance`` of the pixels."""
    path = GOLDEN / name
    if os.environ.get("MOTCUA_UPDATE_GOLDEN") == "1":
        image.save(path)
    assert path.exists(), f"no golden {path}: run with MOTCUA_UPDATE_GOLDEN=1 and look at it"
    golden = Image.open(path)
    assert golden.size == image.size, f"{name}: size {image.size} != golden {golden.size}"
    diff = ImageChops.difference(golden.convert("RGB"), image.convert("RGB")).convert("L")
    changed = sum(diff.histogram()[33:])
    share = changed / (image.width * image.height)
    if share > tolerance:
        actual = path.with_suffix(".actual.png")
        image.save(actual)
        raise AssertionError(f"{name}: {share:.4%} of pixels differ (saved {actual})")
