"""How a queue number is written, the same on the hub, the ticket and the board."""


def display_number(prefix: str, number: int, range_end: int) -> str:
    """``A023`` with a prefix (zero-padded to the range's width), ``1023`` without.

    >>> display_number("A", 23, 999), display_number("", 1023, 1999)
    ('A023', '1023')
    """
    if prefix:
        return f"{prefix}{number:0{len(str(range_end))}d}"
    return str(number)
