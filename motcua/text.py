"""Vietnamese text as every part of the system compares it, written once.

- :func:`nfc`: what people typed, composed (NFC) and trimmed, so "Nguyễn" typed
  on a phone (decomposed) and on a PC (composed) is one string;
- :func:`strip_marks`: the letters without tone marks and hooks, đ/Đ as d/D, the
  base of every accent-insensitive comparison (search, SMS keywords, look-ups);
- :func:`plain_words`: a title as a file name any system keeps (downloads);
- :func:`sort_key`: names in the order of the Vietnamese alphabet (a ă â b c d đ e ê …,
  tones after the letters: a à ả ã á ạ), where Python's code-point order puts "Hoàng"
  before "Hà" and every "Đ…" after "Vũ".

::

    nfc("  Nguye\\u0302\\u0303n ")     # 'Nguyễn'
    strip_marks("Đăng ký khai sinh")  # 'Dang ky khai sinh'
    plain_words("Bảng kê thu phí, lệ phí")  # 'Bang-ke-thu-phi-le-phi'
    sorted(["Đỗ", "Hoàng", "Hà", "Dương"], key=sort_key)  # ['Dương', 'Đỗ', 'Hà', 'Hoàng']
"""

from __future__ import annotations

import unicodedata


def nfc(text) -> str:
    """``text`` (None and other falsy values as ""), NFC, surrounding whitespace removed."""
    return unicodedata.normalize("NFC", str(text or "")).strip()


def strip_marks(text: str) -> str:
    """Tone marks and hooks removed, đ→d and Đ→D (Unicode folds neither), case kept."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c))


def plain_words(text: str) -> str:
    """The words of ``text`` without marks, only their letters and digits, joined by '-'."""
    words = strip_marks(text).split()
    return "-".join("".join(ch for ch in w if ch.isalnum()) for w in words
                    if any(ch.isalnum() for ch in w))


# The letters in the order of the Vietnamese alphabet (f, j, w, z for foreign words), and
# the tones in dictionary order after the bare letter: ngang, huyền, hỏi, ngã, sắc, nặng.
ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}   # breve (ă), circumflex (â ê ô), horn (ơ ư)
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def sort_key(text) -> tuple:
    """A key that sorts Vietnamese text as a Vietnamese list does: letter by letter in
    the alphabet's order first (case ignored), then by tones. Digits, spaces and
    punctuation come before letters, as in any list."""
    letters, tones = [], []
    for ch in nfc(text).casefold():
        parts = unicodedata.normalize("NFD", ch)
        base = parts[0] + "".join(m for m in parts[1:] if m in _LETTER_MARKS)
        letter = unicodedata.normalize("NFC", base)
        tone = next((_TONES[m] for m in parts[1:] if m in _TONES), 0)
        rank = ALPHABET.find(letter)
        letters.append(1000 + rank if rank >= 0 else ord(ch) if ord(ch) < 1000 else 2000 + ord(ch))
        tones.append(tone)
    return tuple(letters), tuple(tones)
