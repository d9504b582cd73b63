"""Fonts that cover every Vietnamese letter, found on the node.

DejaVu Sans and Noto Sans carry all 134 Vietnamese letters with correctly
placed tone marks; DejaVu Sans Mono does not (46 missing), so it is never
chosen. ``fonts-dejavu-core`` is in every role's Debian packages::

    path = font_path(bold=True)    # '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'
    italic = italic_path()         # or None when no italic face is installed
"""

from __future__ import annotations

from pathlib import Path

CANDIDATES = {
    False: [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/opentype/noto/NotoSans-Regular.ttf",
    ],
    True: [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
        "/usr/share/fonts/noto/NotoSans-Bold.ttf",
        "/usr/share/fonts/opentype/noto/NotoSans-Bold.ttf",
    ],
}


class FontMissing(RuntimeError):
    pass


def font_path(bold: bool = False) -> str:
    for candidate in CANDIDATES[bold]:
        if Path(candidate).exists():
            return candidate
    raise FontMissing(
        "no font with Vietnamese letters found: sudo apt-get install fonts-dejavu-core"
    )


def italic_path() -> str | None:
    """DejaVu Sans Oblique (fonts-dejavu-extra) or Noto Sans Italic beside the regular
    face, if installed; None without (an upright line is still correct)."""
    regular = Path(font_path())
    for name in ("DejaVuSans-Oblique.ttf", "NotoSans-Italic.ttf"):
        if (regular.parent / name).exists():
            return str(regular.parent / name)
    return None
