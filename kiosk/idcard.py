"""The citizen's ID card (Căn cước / CCCD) read from its front QR code, and checked.

The QR code holds seven fields separated by ``|``: the 12-digit identity
number, the old 9-digit number (may be empty), full name, date of birth
(ddmmyyyy), sex, permanent address and the card's issue date (ddmmyyyy)::

    card = parse("038190001234||Nguyễn Thị Lan|01021990|Nữ|Xã Quảng Tâm, Thanh Hóa|15062021",
                 today=dt.date(2026, 11, 27))
    card.name, card.age_on(dt.date(2026, 11, 27))      # ('Nguyễn Thị Lan', 36)
    parse("https://example.com")                         # NotAnIdCard, with a message

A text that is not an ID card, or one whose fields do not hold together,
raises :class:`NotAnIdCard` whose message is Vietnamese, for the screen.

The identity number is personal data (Decree 13/2023/NĐ-CP): an :class:`IdCard`
never prints it (``repr`` masks it), and the kiosk uses it only for the action
the citizen takes (see :mod:`kiosk.session`).

Plausibility follows the number's structure (Decree 137/2015/NĐ-CP, Art. 13;
codes in Circular 07/2016/TT-BCA): three digits for the province of birth
registration (001–096), one for the century of birth and sex (0/1: 1900s
man/woman, 2/3: 2000s, …), two for the year of birth, six at random. A card
whose number contradicts its own date of birth or sex is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from motcua import clock
from motcua.text import nfc

FIELDS = 7
NOT_A_CARD = ("Mã vừa quét không phải mã QR trên thẻ căn cước. Xin đưa mặt trước của thẻ "
              "căn cước (có mã QR) vào trước camera.")
UNREADABLE = ("Không đọc được thẻ căn cước: {reason}. Xin quét lại, hoặc hỏi cán bộ "
              "hướng dẫn.")
SEXES = {"nam": "Nam", "nữ": "Nữ", "nu": "Nữ"}


class NotAnIdCard(ValueError):
    """The scanned text is not a valid ID card QR; ``str()`` is the Vietnamese message."""


@dataclass(frozen=True)
class IdCard:
    number: str = field(repr=False)
    old_number: str = field(repr=False)
    name: str
    birth: dt.date
    sex: str
    address: str = field(repr=False)
    issued: dt.date

    def age_on(self, day: dt.date) -> int:
        """Full years of age on ``day`` (a birthday counts from that day on)."""
        return day.year - self.birth.year - ((day.month, day.day) < (self.birth.month,
                                                                      self.birth.day))

    def __repr__(self) -> str:  # never the number or the address, even in a traceback
        return f"IdCard(name={self.name!r}, birth={self.birth.isoformat()}, sex={self.sex!r})"


def looks_like_id_card(text: str) -> bool:
    """Whether a scanned text is meant as an ID card (routes a scan; parse to check it)."""
    return text.count("|") >= 4


def _date(value: str, what: str) -> dt.date:
    if not re.fullmatch(r"\d{8}", value):
        raise NotAnIdCard(UNREADABLE.format(reason=f"{what} không đúng dạng ngày/tháng/năm"))
    try:
        return dt.date(int(value[4:]), int(value[2:4]), int(value[:2]))
    except ValueError:
        raise NotAnIdCard(UNREADABLE.format(reason=f"{what} không phải ngày có thật")) from None


def parse(text: str, today: dt.date | None = None) -> IdCard:
    """The card in ``text`` (the QR code's content), checked; NotAnIdCard otherwise."""
    # The centre's day (Vietnam's, the demo's in a demo), not the machine's: a Pi
    # kept on UTC is still on yesterday until 07:00 in Vietnam.
    today = today or clock.today()
    text = nfc(text)
    parts = [p.strip() for p in text.split("|")]
    if len(parts) != FIELDS or not re.fullmatch(r"\d{12}", parts[0]):
        raise NotAnIdCard(NOT_A_CARD)
    number, old, name, birth_text, sex_text, address, issued_text = parts
    if old and not re.fullmatch(r"\d{9}", old):
        raise NotAnIdCard(UNREADABLE.format(reason="số chứng minh nhân dân cũ không đúng 9 "
                                                   "chữ số"))
    if not name or len(name) > 100 or any(ch.isdigit() for ch in name):
        raise NotAnIdCard(UNREADABLE.format(reason="họ và tên không hợp lệ"))
    birth = _date(birth_text, "ngày sinh")
    issued = _date(issued_text, "ngày cấp")
    sex = SEXES.get(sex_text.casefold())
    if sex is None:
        raise NotAnIdCard(UNREADABLE.format(reason="giới tính không hợp lệ"))
    if birth > today or today.year - birth.year > 130:
        raise NotAnIdCard(UNREADABLE.format(reason="ngày sinh không hợp lệ"))
    if issued > today or issued < birth:
        raise NotAnIdCard(UNREADABLE.format(reason="ngày cấp không hợp lệ"))
    province, century_sex, year = int(number[:3]), int(number[3]), number[4:6]
    century = 1900 + 100 * (century_sex // 2)
    if not 1 <= province <= 96 or century != birth.year // 100 * 100 \
            or year != f"{birth.year % 100:02d}" or (century_sex % 2 == 1) != (sex == "Nữ"):
        raise NotAnIdCard(UNREADABLE.format(reason="số định danh không khớp với ngày sinh, "
                                                   "giới tính"))
    return IdCard(number=number, old_number=old, name=" ".join(name.split()), birth=birth,
                  sex=sex, address=address, issued=issued)


def priority_by_age(card: IdCard, today: dt.date, age: int) -> bool:
    """Whether the holder is at least ``age`` years old today (the elderly's priority)."""
    return age > 0 and card.age_on(today) >= age
