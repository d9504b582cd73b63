"""What the citizen texts, and what the hub texts back (Vietnamese).

::

    >>> parse_lookup("  hs   000.00.14.h56-200203-0118 ", "HS")
    '000.00.14.H56-200203-0118'
    >>> parse_lookup("Hồ sơ 000.00.14.H56-200203-0118", "HOSO")
    '000.00.14.H56-200203-0118'
    >>> parse_lookup("xin chao", "HS") is None
    True
    >>> ascii_fold("Đã có kết quả")
    'Da co ket qua'
"""

from __future__ import annotations

import re
import unicodedata

from motcua import clock

# One SMS: 160 GSM 7-bit characters, or 70 UCS-2 ones (Vietnamese with tone marks).
SINGLE_GSM = 160
SINGLE_UCS2 = 70


def fold(text: str) -> str:
    """Upper case, no tone marks, đ → D, whitespace squeezed: how people type on a phone."""
    text = unicodedata.normalize("NFD", str(text or "").replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.upper().split())


def ascii_fold(text: str) -> str:
    """Vietnamese without diacritics, for modems or networks that cannot send Unicode."""
    text = unicodedata.normalize("NFD", str(text or "").replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    # Typographic leftovers outside GSM 7-bit: plain equivalents.
    for a, b in (("–", "-"), ("—", "-"), ("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'"),
                 ("…", "...")):
        text = text.replace(a, b)
    return text.encode("ascii", "replace").decode("ascii")


def parse_lookup(text: str, keyword: str) -> str | None:
    """The dossier code of a look-up message ``<keyword> <code>``, else ``None``.

    Accents and case are ignored and spaces tolerated anywhere (also inside
    the code, and none between keyword and code). The keyword may be typed
    with spaces too: keyword ``HOSO`` matches ``Hồ sơ``.
    """
    folded = fold(text)
    key = fold(keyword).replace(" ", "")
    if not key:
        return None
    # Walk the keyword's letters over the text, skipping spaces.
    i = 0
    for letter in key:
        while i < len(folded) and folded[i] == " ":
            i += 1
        if i >= len(folded) or folded[i] != letter:
            return None
        i += 1
    code = re.sub(r"\s+", "", folded[i:])
    return code or ""


def is_answerable(number: str) -> bool:
    """A phone number a reply can go to (not an operator's name like ``Viettel``)."""
    return bool(re.fullmatch(r"\+?\d{3,15}", number or ""))


def local_date(value: str | None, zone: str) -> str:
    return clock.show(value, zone, "%d/%m/%Y") if value else ""


def local_moment(value: str | None, zone: str) -> str:
    return clock.show(value, zone, "%Hh%M %d/%m/%Y") if value else ""


# -- replies to a look-up ------------------------------------------------------------


def lookup_reply(found: dict, code: str, zone: str) -> str:
    """The reply to ``HS <code>``: status, due date and department, or 'not found'.

    ``found`` is :func:`central.dossier_views.lookup`'s answer. Short on
    purpose: most replies fit one or two SMS.
    """
    if not found.get("found"):
        return (f"Không tìm thấy hồ sơ mã {code}. Vui lòng kiểm tra lại mã trên giấy hẹn "
                "trả kết quả.")
    parts = [f"HS {found['code']}: {found['status_name']}."]
    due = found.get("apology_due_at") or found.get("due_at")
    if found["status"] in (9,):
        parts.append("Mời ông/bà đến nhận kết quả.")
    elif found["status"] in (2, 4, 5, 6) and due:
        parts.append(f"Hẹn trả {local_date(due, zone)}.")
    if found.get("department"):
        parts.append(f"Nơi xử lý: {found['department']}.")
    return " ".join(parts)


def help_reply(keyword: str) -> str:
    return f"Tra cứu hồ sơ: soạn {keyword} <mã hồ sơ>, ví dụ {keyword} 000.00.14.H56-200203-0118"


def empty_code_reply(keyword: str) -> str:
    return f"Thiếu mã hồ sơ. Soạn {keyword} <mã hồ sơ> (mã in trên giấy hẹn trả kết quả)."


def throttled_reply(minutes: float) -> str:
    return (f"Ông/bà đã gửi quá nhiều tin nhắn. Vui lòng thử lại sau {round(minutes)} phút.")


# -- notices -------------------------------------------------------------------------


def result_ready(d: dict, centre: str) -> str:
    return (f"HS {d['code']} đã có kết quả. Mời ông/bà đến nhận tại {centre}.")


def will_be_late(d: dict, new_due: str | None, zone: str) -> str:
    return (f"HS {d['code']} sẽ trễ hạn. Thành thật xin lỗi ông/bà; ngày hẹn trả mới: "
            f"{local_date(new_due, zone)}.")


def supplement(d: dict, missing: str) -> str:
    return f"HS {d['code']} cần bổ sung: {missing}"


def turn_near(ticket: dict, ahead: int) -> str:
    if ahead <= 0:
        return f"Số {ticket['display']}: sắp đến lượt ông/bà. Mời đến gần quầy."
    return (f"Số {ticket['display']}: còn {ahead} người trước ông/bà. Mời quay lại khu chờ.")


EMAIL_SUBJECTS = {
    "result_ready": "Hồ sơ {code} đã có kết quả",
    "late": "Hồ sơ {code} sẽ trễ hạn: ngày hẹn trả mới",
    "supplement": "Hồ sơ {code} cần bổ sung giấy tờ",
}


def email_body(text: str, d: dict, centre: str, lookup_url: str = "") -> str:
    lines = [f"Kính gửi ông/bà {d.get('applicant_name', '')},", "", text, ""]
    if lookup_url:
        lines += [f"Tra cứu tình trạng hồ sơ: {lookup_url}", ""]
    lines += [centre, "(Thư gửi tự động, vui lòng không trả lời thư này.)"]
    return "\n".join(lines)
