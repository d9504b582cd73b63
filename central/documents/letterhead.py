"""Who issues an official document and where: the heading block every printed and
spreadsheet report of the hub shares (the PDFs in :mod:`.pdf`, the workbooks in
:mod:`.sheets`), from the hub's settings::

    head = Letterhead.of(config)
    head.governing_body                      # 'UBND TỈNH THANH HÓA'
    head.date_line(dt.date(2026, 12, 6))     # 'Thanh Hóa, ngày 06 tháng 12 năm 2026'

The national heading and motto are the same on every document (issue 23 asks
for the motto with en dashes between its three phrases, as typeset documents
print it, not hyphens).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .formats import long_day

# The national motto as the heading of every official document writes it.
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập – Tự do – Hạnh phúc"


@dataclass(frozen=True)
class Letterhead:
    """Who issues a document and where: the heading block of an official page.

    ::

        head = Letterhead.of(config)     # from the hub's settings
        head.governing_body              # 'UBND TỈNH THANH HÓA'
        head.date_line(dt.date(2026, 12, 6))   # 'Thanh Hóa, ngày 06 tháng 12 năm 2026'

    ``governing_body`` and ``place`` come from the settings of the same names;
    left empty, they are read from a centre name that ends in "tỉnh X" or
    "thành phố X" (the sample centre's does).
    """

    centre: str
    governing_body: str = ""
    place: str = ""

    @classmethod
    def of(cls, config) -> Letterhead:
        name = config.center_name
        body = getattr(config, "governing_body", "") or ""
        place = getattr(config, "place", "") or ""
        match = re.search(r"\b(tỉnh|thành phố)\s+(.+)$", name, re.IGNORECASE)
        if match:
            kind = "TỈNH" if match.group(1).lower() == "tỉnh" else "THÀNH PHỐ"
            body = body or f"UBND {kind} {match.group(2).strip().upper()}"
            place = place or match.group(2).strip()
        return cls(centre=name, governing_body=body, place=place)

    def date_line(self, day: dt.date) -> str:
        line = long_day(day)
        return f"{self.place}, {line}" if self.place else line[0].upper() + line[1:]
