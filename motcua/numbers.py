"""Numbers read aloud in Vietnamese, as a caller in the hall says them.

    >>> words(1023)
    'một nghìn không trăm hai mươi ba'
    >>> words(105)
    'một trăm linh năm'
    >>> words(105, zero_tens="lẻ")
    'một trăm lẻ năm'
    >>> words(21), words(24), words(15), words(25), words(14)
    ('hai mươi mốt', 'hai mươi tư', 'mười lăm', 'hai mươi lăm', 'mười bốn')

The rules: after "mươi" (twenty and up) one is "mốt", four is "tư" and five
is "lăm"; after "mười" five is "lăm" (four stays "bốn", one stays "một");
a zero tens digit inside a number is "linh" (north) or "lẻ" (south) before the
units; a zero hundreds digit after a higher group is "không trăm". Thousands
are "nghìn" (north) or "ngàn" (south).
"""

from __future__ import annotations

DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
GROUPS = ["", "nghìn", "triệu", "tỷ"]


def _below_hundred(n: int, after_zero_tens: bool, zero_tens: str) -> list[str]:
    tens, units = divmod(n, 10)
    if tens == 0:
        if after_zero_tens:
            return [zero_tens, DIGITS[units]] if units else []
        return [DIGITS[units]]
    out = ["mười"] if tens == 1 else [DIGITS[tens], "mươi"]
    if units == 0:
        return out
    if units == 5:
        out.append("lăm")
    elif units == 1 and tens >= 2:
        out.append("mốt")
    elif units == 4 and tens >= 2:
        out.append("tư")
    else:
        out.append(DIGITS[units])
    return out


def _group(n: int, full: bool, zero_tens: str) -> list[str]:
    """Words for 0 < n < 1000; ``full`` when a higher group came before it."""
    hundreds, rest = divmod(n, 100)
    out: list[str] = []
    if hundreds or full:
        out += [DIGITS[hundreds], "trăm"]
    out += _below_hundred(rest, after_zero_tens=bool(out), zero_tens=zero_tens)
    return out


def word_list(n: int, zero_tens: str = "linh", thousand: str = "nghìn") -> list[str]:
    """The words of ``n`` as a list (one voice clip per word)."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ValueError(f"expected a whole number 0 or more, got {n!r}")
    if zero_tens not in ("linh", "lẻ"):
        raise ValueError("zero_tens is 'linh' or 'lẻ'")
    if n == 0:
        return ["không"]
    groups = []
    while n:
        n, g = divmod(n, 1000)
        groups.append(g)
    if len(groups) > len(GROUPS):
        raise ValueError("number too large to read")
    out: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        g = groups[index]
        if g == 0:
            continue
        out += _group(g, full=bool(out), zero_tens=zero_tens)
        name = GROUPS[index]
        if name:
            out.append(thousand if name == "nghìn" else name)
    return out


def words(n: int, zero_tens: str = "linh", thousand: str = "nghìn") -> str:
    return " ".join(word_list(n, zero_tens, thousand))
