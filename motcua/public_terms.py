"""What of a procedure record a citizen may be shown: only what a published text confirms.

A procedure's ``details`` carry ``unconfirmed``, the list of the parts not
checked against the decision that publishes the procedure (``decision``:
number, date, issuer, url). Staff see everything, marked; a citizen-facing
surface (the kiosk, the public pages, a printed paper) shows an unconfirmed
part as "ask the officer" and never its value. The hub and the kiosk share
this one rule::

    shown = public_details(proc["details"], day)  # day: clock.today() by default
    shown["channels"][0].get("time_limit")       # absent when unconfirmed
    fee_line(shown["channels"][0]["fees"], day)   # only the items in force on day
    confirmed(proc["details"], "fees")            # False → say ASK_OFFICER instead
    source_line(proc["details"])                  # 'Quyết định 1234/QĐ-UBND ngày 02/05/2024 …'
    source_lines(proc["details"])                 # [('Thời hạn giải quyết', 'Luật … Điều 16')]
    channel_notes(proc["details"])                # ('xã miền núi: không quá 23 ngày…', {…})

The keys ``unconfirmed`` may hold: see :data:`PARTS`. ``sources`` cites, part by
part, the text each value was read in (a time limit from a law, a fee from a
circular): ``{"parts": ["time_limit"], "title": "Luật Hộ tịch", "number":
"60/2014/QH13", "date": "2014-11-20", "issuer": "Quốc hội", "article": "Điều 16",
"url": …, "quote": …}``.
"""

from __future__ import annotations

import copy
import datetime as dt
import re

from . import clock
from .search import fold

# The parts of a record that can be unconfirmed, with their Vietnamese names.
PARTS = {
    "code": "Mã thủ tục",
    "time_limit": "Thời hạn giải quyết",
    "fees": "Phí, lệ phí",
    "components": "Thành phần hồ sơ",
    "steps": "Trình tự thực hiện",
    "conditions": "Yêu cầu, điều kiện",
    "results": "Kết quả",
    "legal_basis": "Căn cứ pháp lý",
    "agencies": "Cơ quan thực hiện",
    "decision": "Quyết định công bố",
}
# Parts whose value lives at the top level of ``details`` (the others are per channel).
_LISTS = ("components", "steps", "conditions", "results", "legal_basis", "agencies")
ASK_OFFICER = "Xin hỏi cán bộ tiếp nhận"


def unconfirmed(details: dict) -> set[str]:
    """The unconfirmed parts. A record that names no publishing decision
    (``decision.number``), or whose decision is itself unconfirmed, is
    unconfirmed in full: a value nobody vouched for
    never reaches a citizen by omission."""
    listed = {str(v) for v in details.get("unconfirmed") or []}
    decision = details.get("decision")
    if "decision" in listed or not isinstance(decision, dict) \
            or not str(decision.get("number") or "").strip():
        return listed | set(PARTS)  # no confirmed source: nothing is confirmed
    return listed


def confirmed(details: dict, part: str) -> bool:
    """True when ``part`` was checked against the publishing decision."""
    return part not in unconfirmed(details)


def in_force(fee: dict, day: dt.date) -> bool:
    """True when a fee item applies on ``day``: its optional ``from`` and ``until``
    (ISO dates, both inclusive) bound the period it is charged in::

        >>> in_force({"amount": 25000, "until": "2026-12-31"}, dt.date(2027, 1, 1))
        False

    A date that does not read is never in force (the import refuses it anyway).
    """
    try:
        if fee.get("from") and day < dt.date.fromisoformat(str(fee["from"])):
            return False
        if fee.get("until") and day > dt.date.fromisoformat(str(fee["until"])):
            return False
    except ValueError:
        return False
    return True


def fees_on(fees: list[dict], day: dt.date | None = None) -> list[dict]:
    """The fee items in force on ``day`` (today in Vietnam time when not given)."""
    day = day or clock.today()
    return [f for f in fees or [] if not isinstance(f, dict) or in_force(f, day)]


def public_details(details: dict, day: dt.date | None = None) -> dict:
    """A copy of ``details`` without any unconfirmed value (safe to show a citizen),
    with only the fee items in force on ``day`` (today in Vietnam time by default).

    Each channel keeps its name; ``time_limit``/``unit`` and ``fees`` are removed
    from it when unconfirmed; unconfirmed lists are removed; an unconfirmed
    ``decision`` is removed. A channel whose fee items are all out of force on
    ``day`` loses ``fees`` too: "ask the officer", never "no fee".
    """
    hidden = unconfirmed(details)
    out = copy.deepcopy(details)
    day = day or clock.today()
    for channel in out.get("channels", []) or []:
        if isinstance(channel.get("fees"), list) and channel["fees"]:
            channel["fees"] = fees_on(channel["fees"], day)
            if not channel["fees"]:
                channel.pop("fees")
        if "time_limit" in hidden or _unchecked(channel.get("note")):
            # A channel's note qualifies its time limit (a longer one in mountain
            # communes, "add the post's time"): shown with it, never without it.
            channel.pop("note", None)
        if "time_limit" in hidden:
            channel.pop("time_limit", None)
            channel.pop("unit", None)
        if "fees" in hidden:
            channel.pop("fees", None)
    for key in _LISTS:
        if key in hidden:
            out.pop(key, None)
    if "decision" in hidden:
        out.pop("decision", None)
    if isinstance(out.get("withdrawn"), dict):  # how the centre read it is for staff
        out["withdrawn"].pop("note", None)
    # A source is shown only for what it confirms that a citizen may see.
    shown = [s for s in out.get("sources") or []
             if isinstance(s, dict) and set(s.get("parts") or []) - hidden]
    if shown:
        out["sources"] = shown
    else:
        out.pop("sources", None)
    return out


# A note that says it is itself unchecked is a remark for staff, not a term.
_UNCHECKED = ("chưa xác nhận", "chưa đối chiếu", "chưa kiểm tra")


def _unchecked(note) -> bool:
    text = str(note or "").casefold()
    return any(words in text for words in _UNCHECKED)


def channel_notes(details: dict) -> tuple[str, dict[str, str]]:
    """The channel notes a citizen may read, as (what every channel says, {channel: what
    only it adds}), from :func:`public_details` (none when the time limit is unconfirmed,
    none that calls itself unchecked). A note repeated on every channel, the post's
    ending "; cộng thời gian chuyển phát", is said once::

        ("…; xã miền núi, …: không quá 23 ngày làm việc", {"post": "cộng thời gian chuyển phát"})
    """
    notes = {c.get("channel"): str(c.get("note") or "").strip()
             for c in public_details(details).get("channels") or []}
    written = sorted({n for n in notes.values() if n}, key=len)
    general = ""
    if written and all(n == written[0] or n.startswith((written[0] + "; ", written[0] + ". "))
                       for n in notes.values()):
        general = written[0]
    own = {}
    for channel, note in notes.items():
        rest = note[len(general):].lstrip(";. ") if general else note
        if rest:
            own[channel] = rest   # as written: "cộng thời gian chuyển phát" after a "; "
    return general, own


# A zero-amount item whose name already says nothing is charged ("Miễn lệ phí", "Không
# thu phí, lệ phí", "Miễn phí (ngân sách nhà nước bảo đảm)") is read as its name alone:
# "Không thu phí, lệ phí: miễn" said the same thing twice.
_NO_CHARGE = re.compile(r"\b(miễn|không thu|không phải nộp)\b", re.IGNORECASE)
NO_FEE = "Không thu phí, lệ phí"


def money(amount: int) -> str:
    """An amount of đồng as a citizen reads it::

        >>> money(1250000)
        '1.250.000 đồng'
    """
    return f"{amount:,}".replace(",", ".") + " đồng"


def fee_items(fees: list[dict], day: dt.date | None = None) -> list[str]:
    """A channel's fee items in force on ``day`` (today in Vietnam time by default),
    each as a citizen reads it::

        >>> fee_items([{"name": "Lệ phí", "amount": 50000},
        ...            {"name": "Không thu phí, lệ phí", "amount": 0},
        ...            {"name": "Lệ phí", "amount": 0}])
        ['Lệ phí: 50.000 đồng', 'Không thu phí, lệ phí', 'Lệ phí: không thu']

    An item charged for a period only is listed on the days in it, with its end
    ("Lệ phí: 25.000 đồng (áp dụng đến hết 31/12/2026)"). Whether the fees may be
    shown at all is :func:`confirmed`'s answer, not this one's.
    """
    items = []
    for fee in fees_on(fees, day):
        name = str(fee.get("name") or "Lệ phí").strip()
        amount = fee.get("amount") or 0
        if amount:
            text = f"{name}: {money(amount)}"
        elif _NO_CHARGE.search(name):
            text = name
        else:
            text = f"{name}: không thu"
        items.append(text + _until(fee))
    return items


def _until(fee: dict) -> str:
    """' (áp dụng đến hết 31/12/2026)' for an item whose period ends ('' otherwise)."""
    try:
        end = dt.date.fromisoformat(str(fee.get("until") or ""))
    except ValueError:
        return ""
    return f" (áp dụng đến hết {end:%d/%m/%Y})"


def fee_line(fees: list[dict], day: dt.date | None = None) -> str:
    """A channel's fee items in force on ``day`` in one Vietnamese line (:func:`fee_items`
    joined by "; ", since names hold commas), for a line of text or a printed paper::

        >>> fee_line([{"name": "Lệ phí", "amount": 50000},
        ...           {"name": "Phí công bố nội dung đăng ký doanh nghiệp", "amount": 100000}])
        'Lệ phí: 50.000 đồng; Phí công bố nội dung đăng ký doanh nghiệp: 100.000 đồng'
        >>> fee_line([{"name": "Không thu phí, lệ phí", "amount": 0}]), fee_line([])
        ('Không thu phí, lệ phí', 'Không thu phí, lệ phí')
    """
    if fees and not fees_on(fees, day):
        return ASK_OFFICER  # every item's period is over (or not begun): not "no fee"
    return "; ".join(fee_items(fees, day)) or NO_FEE


def _title(d: dict) -> str:
    """'Luật Hộ tịch số 60/2014/QH13', 'Quyết định 1234/QĐ-UBND' or 'Văn bản số 376/…'."""
    number = str(d.get("number") or "").strip()
    if "/QĐ" in number:
        return f"{d.get('title') or 'Quyết định'} {number}"
    if d.get("title"):
        return f"{d['title']} số {number}"
    return f"Văn bản số {number}"


def _dated(text: str, d: dict) -> str:
    if d.get("date"):
        try:
            text += " ngày " + dt.date.fromisoformat(str(d["date"])).strftime("%d/%m/%Y")
        except ValueError:
            text += f" ngày {d['date']}"
    if d.get("issuer"):
        text += f" của {d['issuer']}"
    return text


def source_line(details: dict) -> str:
    """The publishing decision in one Vietnamese line ('' when unconfirmed or absent)."""
    if not confirmed(details, "decision"):
        return ""
    d = details.get("decision") or {}
    if not d.get("number"):
        return ""
    return _dated(_title(d), d)


def withdrawal_line(details: dict) -> str:
    """The text that withdrew the procedure in one Vietnamese line ('' when in force):
    'Quyết định 2252/QĐ-VP ngày 02/07/2026 của Văn phòng Ủy ban nhân dân tỉnh Thanh Hóa'."""
    d = details.get("withdrawn") or {}
    if not d.get("number"):
        return ""
    return _dated(_title(d), d)


# "Ủy ban nhân dân tỉnh Thanh Hóa", "Văn phòng Ủy ban nhân dân thành phố Hải Phòng"
_PROVINCE = re.compile(r"Ủy ban nhân dân (?:tỉnh|thành phố) (.+)$")


def source_phrase(details: dict, centre: str = "") -> str:
    """The main text as a citizen reads it: 'Công bố tại Quyết định …' for a publishing
    decision, 'Theo Luật Hộ tịch số …' for a law or decree ('' when unconfirmed).

    A province's decision published the procedure for that province only. Read at
    a centre of another province (``centre``, the centre's name, names its
    province), it is what the values were checked against, not where this
    centre's procedure was published, and the citizen is told so::

        source_phrase(details, "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa")
        # 'Đối chiếu với Quyết định 3626/QĐ-UBND ngày 10/09/2026 của Ủy ban nhân dân
        #  thành phố Hải Phòng'
    """
    line = source_line(details)
    if not line:
        return ""
    decision = details.get("decision") or {}
    if "/QĐ" not in str(decision.get("number") or ""):
        return f"Theo {line}"
    place = _PROVINCE.search(str(decision.get("issuer") or ""))
    if place and centre and fold(place.group(1)) not in fold(centre):
        return f"Đối chiếu với {line}"
    return f"Công bố tại {line}"


def source_lines(details: dict) -> list[tuple[str, str]]:
    """Each source a citizen may see as (what it confirms, the text and article):
    ``("Thời hạn giải quyết", "Luật Hộ tịch số 60/2014/QH13 ngày 20/11/2014 của Quốc hội,
    Điều 16")``. Only sources of confirmed parts (see :func:`public_details`)."""
    out = []
    for s in public_details(details).get("sources") or []:
        if not s.get("number"):
            continue
        hidden = unconfirmed(details)
        what = ", ".join(PARTS[p] for p in s.get("parts") or [] if p in PARTS
                         and p not in hidden)
        text = _dated(_title(s), s)
        if s.get("article"):
            text += f", {s['article']}"
        out.append((what, text))
    return out
