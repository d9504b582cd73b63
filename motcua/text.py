"""Vietnamese text as every part of the system compares it, written once.

- :func:`nfc`: what people typed, composed (NFC) and trimmed, so "Nguyễn" typed
  on a phone (decomposed) and on a PC (composed) is one string;
- :func:`strip_marks`: the letters without tone marks and hooks, đ/Đ as d/D, the
  base of every accent-insensitive comparison (search, SMS keywords, look-ups);
- :func:`plain_words`: a title as a file name any system keeps (downloads).

::

    nfc("  Nguye\\u0302\\u0303n ")     # 'Nguyễn'
    strip_marks("Đăng ký khai sinh")  # 'Dang ky khai sinh'
    plain_words("Bảng kê thu phí, lệ phí")  # 'Bang-ke-thu-phi-le-phi'
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
