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

from motcua import clock
from motcua.text import strip_marks

# One SMS: 160 GSM 7-bit characters, or 70 UCS-2 ones (Vietnamese with tone marks).
SINGLE_GSM = 160
SINGLE_UCS2 = 70


def fold(text: str) -> str:
    """Upper case, no tone marks, đ → D, whitespace squeezed: how people type on a phone."""
    return " ".join(strip_marks(str(text or "")).upper().split())


def ascii_fold(text: str) -> str:
    """Vietnamese without diacritics, for modems or networks that cannot send Unicode."""
    text = strip_marks(str(text or ""))
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


# -- fitting one SMS ---------------------------------------------------------------

GSM_EXTENDED = set("^{}\\[~]|€")


def fits_one(text: str, unicode: bool) -> bool:
    """Whether ``text`` goes in one SMS: 70 UCS-2 characters, or 160 GSM 7-bit ones
    (after :func:`ascii_fold`; ``^{}[]~|\\€`` take two)."""
    if unicode:
        return len(text.encode("utf-16-le")) // 2 <= SINGLE_UCS2
    folded = ascii_fold(text)
    return len(folded) + sum(c in GSM_EXTENDED for c in folded) <= SINGLE_GSM


def choose(candidates: list[str], unicode: bool) -> str:
    """The first wording that fits one SMS; the first (fullest) when none does
    (it then goes as a concatenated SMS, shown as one message by the phone).

    >>> choose(["Hồ sơ đã được tiếp nhận và đang được xử lý tại Sở Tư pháp tỉnh Thanh Hóa",
    ...         "Đã tiếp nhận, Sở Tư pháp"], unicode=True)
    'Đã tiếp nhận, Sở Tư pháp'
    """
    for text in candidates:
        if fits_one(text, unicode):
            return text
    return candidates[0]


# -- replies to a look-up ------------------------------------------------------------


def lookup_reply(found: dict, code: str, zone: str) -> list[str]:
    """Wordings of the reply to ``HS <code>``, fullest first: status, due date and
    department, or 'not found'. ``found`` is :func:`central.dossiers.queries.lookup`'s
    answer."""
    if not found.get("found"):
        code = code if len(code) <= 40 else code[:37] + "..."  # garbage is not echoed whole
        return [f"Không tìm thấy hồ sơ mã {code}. Vui lòng kiểm tra lại mã trên giấy hẹn "
                "trả kết quả.",
                f"Không tìm thấy hồ sơ {code}. Xin kiểm tra lại mã."]
    code, status, dept = found["code"], found["status_name"], found.get("department") or ""
    due = found.get("apology_due_at") or found.get("due_at")
    if found["status"] == 9:
        return [f"HS {code}: {status}. Mời ông/bà đến nhận kết quả.",
                f"{code}: {status}, mời đến nhận"]
    if found["status"] in (2, 4, 5, 6) and due:
        full = [f"HS {code}: {status}. Hẹn trả {local_date(due, zone)}."]
        if dept:
            full.append(f"Nơi xử lý: {dept}.")
        short = f"{code}: {status}, hẹn {clock.show(due, zone, '%d/%m/%y')}"
        return [" ".join(full), f"{short}, {dept}" if dept else short]
    full = f"HS {code}: {status}." + (f" Nơi xử lý: {dept}." if dept else "")
    return [full, f"{code}: {status}"]


def help_reply(keyword: str) -> list[str]:
    return [f"Tra cứu hồ sơ: soạn {keyword} <mã hồ sơ>, ví dụ {keyword} "
            "000.00.14.H56-200203-0118",
            f"Tra cứu hồ sơ: soạn {keyword} <mã hồ sơ>"]


def empty_code_reply(keyword: str) -> list[str]:
    return [f"Thiếu mã hồ sơ. Soạn {keyword} <mã hồ sơ> (mã in trên giấy hẹn trả kết quả).",
            f"Thiếu mã hồ sơ. Soạn {keyword} <mã hồ sơ>"]


def throttled_reply(minutes: float) -> list[str]:
    return [f"Ông/bà đã gửi quá nhiều tin nhắn. Vui lòng thử lại sau {round(minutes)} phút."]


# -- notices -------------------------------------------------------------------------


def result_ready(d: dict, centre: str) -> list[str]:
    return [f"HS {d['code']} đã có kết quả. Mời ông/bà đến nhận tại {centre}.",
            f"HS {d['code']} đã có kết quả. Mời ông/bà đến nhận."]


def will_be_late(d: dict, new_due: str | None, zone: str) -> list[str]:
    date = local_date(new_due, zone)
    return [f"HS {d['code']} sẽ trễ hạn. Thành thật xin lỗi ông/bà; ngày hẹn trả mới: {date}.",
            f"{d['code']} trễ hạn, hẹn mới {date}. Xin lỗi ông/bà"]


def supplement(d: dict, missing: str) -> list[str]:
    return [f"HS {d['code']} cần bổ sung: {missing}"]


def turn_near(ticket: dict, ahead: int) -> list[str]:
    if ahead <= 0:
        return [f"Số {ticket['display']}: sắp đến lượt ông/bà. Mời đến gần quầy."]
    return [f"Số {ticket['display']}: còn {ahead} người trước ông/bà. Mời quay lại khu chờ."]


def appointment(kind: str, b: dict, when: str, centre: str, reason: str = "") -> list[str]:
    """Wordings of a booking's notice, fullest first. ``when`` is '08:30 07/12/2026'."""
    code, service = b["code"], b["service_name"]
    if kind == "appointment_booked":
        return [f"Lịch hẹn {code}: {service}, {when} tại {centre}. Khi đến, quét mã QR hoặc "
                f"nhập mã {code} ở kiosk để lấy số.",
                f"Lịch hẹn {code}: {when}. Nhập mã ở kiosk khi đến."]
    if kind == "appointment_moved":
        return [f"Lịch hẹn {code} ({service}) đã đổi sang {when}.",
                f"Lịch hẹn {code} đổi sang {when}."]
    if kind == "appointment_cancelled":
        why = f" Lý do: {reason}" if reason else ""
        return [f"Lịch hẹn {code} ({service}, {when}) đã được hủy.{why}",
                f"Lịch hẹn {code} lúc {when} đã hủy."]
    if kind == "appointment_affected":
        return [f"Lịch hẹn {code} lúc {when} không còn giữ được: {reason} Xin đặt giờ khác "
                "hoặc chờ Trung tâm liên hệ.",
                f"Lịch hẹn {code} lúc {when} bị hủy chỗ. Xin đặt giờ khác."]
    if kind == "appointment_reminder":
        return [f"Nhắc lịch hẹn {code}: {service}, {when} tại {centre}. Mang theo mã này.",
                f"Nhắc lịch hẹn {code}: {when}."]
    raise ValueError(kind)


EMAIL_SUBJECTS = {
    "appointment_booked": "Lịch hẹn {code} đã được đặt",
    "appointment_moved": "Lịch hẹn {code} đã đổi giờ",
    "appointment_cancelled": "Lịch hẹn {code} đã hủy",
    "appointment_affected": "Lịch hẹn {code} cần đặt lại giờ",
    "appointment_reminder": "Nhắc lịch hẹn {code} ngày mai",
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
