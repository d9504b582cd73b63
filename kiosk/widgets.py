"""Drawing blocks of the kiosk screens: fonts, colours, wrapped text, buttons, keyboard.

Every touch target is at least :data:`MIN_TARGET` pixels on its short side.
Text uses DejaVu Sans or Noto Sans, which carry every Vietnamese letter
(DejaVu Sans Mono does not).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pygame

from motcua import fonts

MIN_TARGET = 64

# High contrast: dark blue on white, white on dark blue, warnings in deep red.
BG = (255, 255, 255)
INK = (16, 24, 40)
MUTED = (70, 80, 100)
BRAND = (0, 61, 122)
BRAND_INK = (255, 255, 255)
TILE = (228, 238, 250)
LINE = (190, 200, 215)
OK = (0, 110, 50)
LATE = (170, 0, 20)
WARN_BG = (255, 240, 200)


def font_path(weight: str = "regular") -> str:
    """DejaVu Sans (or Noto Sans), the shared finder's choice (motcua/fonts.py)."""
    return fonts.font_path(bold=weight == "bold")


class Fonts:
    """Fonts by pixel size, made once; ``scale`` enlarges them all (large-text mode)
    except those asked for ``fixed`` (the header, the keyboard's keys)."""

    def __init__(self):
        self._cache: dict[tuple[str, int], pygame.font.Font] = {}
        self.scale = 1.0

    def get(self, size: int, bold: bool = False, fixed: bool = False) -> pygame.font.Font:
        size = size if fixed else round(size * self.scale)
        key = ("bold" if bold else "regular", size)
        if key not in self._cache:
            self._cache[key] = pygame.font.Font(font_path(key[0]), size)
        return self._cache[key]


def wrap(font: pygame.font.Font, text: str, width: int) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (a long word stands alone)."""
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        line = ""
        for word in paragraph.split(" "):
            trial = f"{line} {word}".strip()
            if line and font.size(trial)[0] > width:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return lines


def draw_text(surface, font, text, pos, color=INK, width=None, line_gap=6) -> int:
    """Draw wrapped text at ``pos``; returns the y below it."""
    x, y = pos
    lines = wrap(font, text, width) if width else [text]
    for line in lines:
        surface.blit(font.render(line, True, color), (x, y))
        y += font.get_linesize() + line_gap
    return y


def text_height(font, text, width, line_gap=6) -> int:
    return len(wrap(font, text, width)) * (font.get_linesize() + line_gap)


@dataclass
class Button:
    rect: pygame.Rect
    action: Callable[[], None]
    name: str = ""


def button_height(fonts: Fonts, label: str, width: int, *, size: int, sub: str = "",
                  bold: bool = True) -> int:
    """The height :func:`draw_button` needs for ``label`` in a button ``width`` wide."""
    font, small = fonts.get(size, bold), fonts.get(max(18, int(size * 0.7)))
    pad = max(16, size // 2)
    lines = len(wrap(font, label, width - 2 * pad)) * font.get_linesize()
    return lines + (len(wrap(small, sub, width - 2 * pad)) * small.get_linesize() if sub
                    else 0) + 12


# Labels that did not fit their button (too tall or a word too wide), as drawn since
# the list was last cleared: tests render every screen and expect none.
OVERFLOWS: list[tuple[str, tuple[int, int, int, int]]] = []


def draw_button(surface, fonts: Fonts, rect: pygame.Rect, label: str, *, size: int,
                fill=BRAND, ink=BRAND_INK, bold=True, align="center", sub: str = "",
                fixed: bool = False) -> None:
    assert min(rect.w, rect.h) >= MIN_TARGET, f"touch target {rect} smaller than {MIN_TARGET}"
    pygame.draw.rect(surface, fill, rect, border_radius=14)
    if fill in (BG, TILE):
        pygame.draw.rect(surface, LINE, rect, width=2, border_radius=14)
    font = fonts.get(size, bold, fixed)
    pad = max(16, size // 2)
    lines = wrap(font, label, rect.w - 2 * pad)
    small = fonts.get(max(18, int(size * 0.7)), fixed=fixed)
    sub_lines = wrap(small, sub, rect.w - 2 * pad) if sub else []
    total = len(lines) * font.get_linesize() + len(sub_lines) * small.get_linesize()
    widest = max([font.size(t)[0] for t in lines] + [small.size(t)[0] for t in sub_lines])
    # Off the screen counts too, except in a scrolling list (drawn under a clip).
    off = surface.get_clip() == surface.get_rect() and not surface.get_rect().contains(rect)
    if total > rect.h or widest > rect.w - 4 or off:
        OVERFLOWS.append((label, tuple(rect)))
    y = rect.y + (rect.h - total) // 2
    for line, f, color in [(t, font, ink) for t in lines] + [(t, small, ink) for t in sub_lines]:
        image = f.render(line, True, color)
        x = rect.x + pad if align == "left" else rect.centerx - image.get_width() // 2
        surface.blit(image, (x, y))
        y += f.get_linesize()


def draw_note(surface, ui, font, text: str, x: int, y: int, width: int, *, fill=WARN_BG,
              ink=INK, border=None) -> int:
    """A note in a coloured box ``width`` wide at ``(x, y)``, the text wrapped inside
    with the kiosk's padding; returns the y below the box::

        y = draw_note(surface, ui, ui.fonts.get(ui.u(36), True), "Bạn được ưu tiên…",
                      area.x, y, area.w)
    """
    pad_x, pad_y = ui.u(24), ui.u(15)
    box = pygame.Rect(x, y, width, text_height(font, text, width - 2 * pad_x) + 2 * pad_y)
    pygame.draw.rect(surface, fill, box, border_radius=14)
    if border is not None:
        pygame.draw.rect(surface, border, box, width=3, border_radius=14)
    draw_text(surface, font, text, (box.x + pad_x, box.y + pad_y), ink, width=box.w - 2 * pad_x)
    return box.bottom


def draw_code_field(surface, ui, x: int, y: int, width: int, text: str,
                    placeholder: str) -> pygame.Rect:
    """The box a citizen types a code into, ``width`` wide at ``(x, y)``: the text with a
    cursor, or ``placeholder`` greyed while empty; returns the box::

        field = draw_code_field(surface, ui, area.x, y, area.w, self.text, "Mã hồ sơ…")
    """
    field = pygame.Rect(x, y, width, ui.u(110))
    pygame.draw.rect(surface, BRAND, field, width=4, border_radius=14)
    font = ui.fonts.get(ui.u(46))
    surface.blit(font.render(text + "|" if text else placeholder, True,
                             INK if text else MUTED),
                 (field.x + ui.u(24), field.centery - font.get_linesize() // 2))
    return field


def draw_text_field(surface, ui, rect: pygame.Rect, label: str, value: str,
                    focused: bool) -> None:
    """A field of a form a citizen fills in (a name, a phone number, a text): ``value``
    with a cursor when ``focused``, else ``label`` greyed while empty. A long value
    shows its end (where one types), a long label is cut at a word's end, visibly."""
    pygame.draw.rect(surface, BRAND if focused else MUTED, rect, width=4 if focused else 2,
                     border_radius=14)
    font = ui.fonts.get(ui.u(34))
    shown = (value + "|") if focused else value
    room = rect.w - ui.u(40)
    while font.size(shown)[0] > room and len(shown) > 1:
        shown = "…" + shown[2:]
    while font.size(label)[0] > room and len(label) > 2:
        label = label[:-2].rstrip(" (") + "…"
    surface.blit(font.render(shown or label, True, INK if value else MUTED),
                 (rect.x + ui.u(20), rect.centery - font.get_linesize() // 2))


def edit_code(text: str, key: str, limit: int, *, upper: bool = False) -> str:
    """A typed code after one key of :func:`keyboard`: a code has no spaces and at most
    ``limit`` characters; ``upper`` upper-cases what is typed.

    >>> edit_code("H7K", "q", 16, upper=True), edit_code("H7K", "BACKSPACE", 16)
    ('H7KQ', 'H7')
    >>> edit_code("H7K", "CLEAR", 16), edit_code("H7K", " ", 16), edit_code("H7K", "Q", 3)
    ('', 'H7K', 'H7K')
    """
    if key == "BACKSPACE":
        return text[:-1]
    if key == "CLEAR":
        return ""
    if key != " " and len(text) < limit:
        return text + (key.upper() if upper else key)
    return text


KEY_ROWS = ["1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"]


def keyboard(surface, fonts: Fonts, area: pygame.Rect, on_key: Callable[[str], None],
             extra: str = "", mode: str = "", on_mode: Callable[[], None] | None = None
             ) -> list[Button]:
    """An on-screen keyboard filling ``area``: digits, letters, space, delete, clear.

    ``extra`` adds keys (``.-`` for dossier codes). Keys call ``on_key`` with the
    character, ``"BACKSPACE"`` or ``"CLEAR"``. With ``on_mode``, a key shows the
    Vietnamese typing ``mode`` ("Telex", "VNI", "Không dấu") and changes it.
    """
    rows = [*KEY_ROWS]
    if extra:
        rows[3] = rows[3] + extra
    gap = 10
    n_rows = len(rows) + 1
    key_h = (area.h - gap * (n_rows - 1)) // n_rows
    key_w = (area.w - gap * 9) // 10
    buttons = []
    pygame.draw.rect(surface, (240, 243, 248), area.inflate(20, 20))
    for r, row in enumerate(rows):
        width = len(row) * key_w + (len(row) - 1) * gap
        x = area.x + (area.w - width) // 2
        y = area.y + r * (key_h + gap)
        for ch in row:
            rect = pygame.Rect(x, y, key_w, key_h)
            draw_button(surface, fonts, rect, ch, size=max(26, min(key_h // 2, key_w * 3 // 5)),
                        fill=BG, ink=INK, fixed=True)
            buttons.append(Button(rect, lambda c=ch: on_key(c), f"key:{ch}"))
            x += key_w + gap
    y = area.y + len(rows) * (key_h + gap)
    specials = [("Xóa hết", "CLEAR", 3), ("Dấu cách", " ", 4), ("⌫ Xóa", "BACKSPACE", 3)]
    if on_mode is not None:
        specials = [("Xóa hết", "CLEAR", 2), (f"Gõ: {mode}", "MODE", 3), ("Dấu cách", " ", 3),
                    ("⌫ Xóa", "BACKSPACE", 2)]
    x = area.x
    for label, key, span in specials:
        w = span * key_w + (span - 1) * gap
        rect = pygame.Rect(x, y, w, key_h)
        size = max(22, min(key_h // 2 - 4, key_w * 3 // 8))
        action = on_mode if key == "MODE" else (lambda k=key: on_key(k))
        draw_button(surface, fonts, rect, label, size=size,
                    fill=BRAND if key == "MODE" else TILE, ink=BRAND_INK if key == "MODE"
                    else INK, fixed=True)
        buttons.append(Button(rect, action, f"key:{key}"))
        x += w + gap
    return buttons
