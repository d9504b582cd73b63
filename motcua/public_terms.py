"""What of a procedure record a citizen may be shown: only what a published text confirms.

A procedure's ``details`` carry ``unconfirmed``, the list of the parts not
checked against the decision that publishes the procedure (``decision``:
number, date, issuer, url). Staff see everything, marked; a citizen-facing
surface (the kiosk, the public pages, a printed paper) shows an unconfirmed
part as "ask the officer" and never its value. The hub and the kiosk share
this one rule::

    shown = public_details(proc["details"])
    shown["channels"][0].get("time_limit")       # absent when unconfirmed
    confirmed(proc["details"], "fees")            # False → say ASK_OFFICER instead
    source_line(proc["details"])                  # 'Quyết định 1234/QĐ-UBND ngày 02/05/2024 …'

The keys ``unconfirmed`` may hold: see :data:`PARTS`.
"""

from __future__ import annotations

import copy
import datetime as dt

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
    "decision": "Quyết định công bố",
}
# Parts whose value lives at the top level of ``details`` (the others are per channel).
_LISTS = ("components", "steps", "conditions", "results", "legal_basis")
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


def public_details(details: dict) -> dict:
    """A copy of ``details`` without any unconfirmed value (safe to show a citizen).

    Each channel keeps its name; ``time_limit``/``unit`` and ``fees`` are removed
    from it when unconfirmed; unconfirmed lists are removed; an unconfirmed
    ``decision`` is removed.
    """
    hidden = unconfirmed(details)
    out = copy.deepcopy(details)
    for channel in out.get("channels", []) or []:
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
    return out


def source_line(details: dict) -> str:
    """The publishing decision in one Vietnamese line ('' when unconfirmed or absent)."""
    if not confirmed(details, "decision"):
        return ""
    d = details.get("decision") or {}
    if not d.get("number"):
        return ""
    text = f"Quyết định {d['number']}"
    if d.get("date"):
        try:
            text += " ngày " + dt.date.fromisoformat(str(d["date"])).strftime("%d/%m/%Y")
        except ValueError:
            text += f" ngày {d['date']}"
    if d.get("issuer"):
        text += f" của {d['issuer']}"
    return text
