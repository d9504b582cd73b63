"""A crafted set of dossiers across March–May 2026 whose April report was worked by hand.

Procedures (tests/dossier_helpers.py): KS = 1.001193 birth registration (Sở Tư
pháp, field Hộ tịch, 3 working days), CT = 2.000908 certified copies (Sở Tư
pháp, Chứng thực, same day, cut-off 15:00), XD = 1.009994 building permit
(Sở Xây dựng, Xây dựng, 15 working days). Sessions 07:00–11:30, 13:30–17:00.
Holidays in the way: 26/4 (Sunday) Giỗ Tổ with 27/4 off in lieu, 30/4, 1/5.

Each dossier, with what it must count as in the April 2026 report
(1/4–30/4, the period ends 1/5 00:00):

D1  KS  received Mon 30/3 09:00, due Thu 2/4 09:00, result Wed 1/4 10:00
        → carried over, early
D2  KS  registered online Fri 3/4, received Mon 6/4 08:00 (due Thu 9/4
        08:00), result Thu 9/4 07:30 → online, on time (same session)
D3  KS  received Mon 6/4 09:00 (due Thu 9/4 09:00), apology Wed 8/4 with a new
        date Fri 10/4 17:00, result Fri 10/4 10:00 → late all the same
D4  KS  received Tue 7/4 09:00 (due Fri 10/4 09:00), supplement asked Wed
        8/4 09:00 (16 working hours left), resubmitted Mon 13/4 09:00 → due
        Wed 15/4 09:00; result Wed 15/4 08:00 → on time
D5  KS  received Fri 24/4 14:00: 3 h on Friday, 27/4 off in lieu, 8 h on
        28/4 and 29/4, 30/4 and 1/5 off, weekend, 5 h on Mon 4/5 → due Mon
        4/5 14:00; open at the end → in progress, within deadline
D6  KS  received Mon 20/4 09:00 (due Thu 23/4 09:00), open → overdue
D7  KS  received Tue 21/4 09:00, supplement asked Wed 22/4 09:00, never
        resubmitted → waiting for a supplement
D8  KS  received Thu 2/4 09:00, withdrawn Fri 3/4 10:00 → withdrawn
D9  CT  refused at reception Mon 6/4 10:00 → refused (never received)
D10 CT  received Mon 6/4 14:00 (before the cut-off: due 17:00), result
        16:00 → on time (the afternoon session holds the due time)
D11 CT  received Mon 6/4 15:30 (after the cut-off: due Tue 7/4 17:00),
        result Tue 7/4 09:00 → early (a session before the due one)
D12 XD  received Mon 16/3 09:00 (due Mon 6/4 09:00), stopped Fri 10/4 →
        carried over, stopped
D13 XD  received Wed 1/4 09:00 (due Wed 22/4 09:00), result Tue 5/5 → in
        April: in progress, overdue
D14 KS  registered online Tue 28/4, never received → nowhere
D15 KS  received Fri 27/3 10:00, result Tue 31/3 → closed before April:
        nowhere in April (in March: received, early)
D16 KS  registered online Fri 10/4, withdrawn Sat 11/4 before reception →
        withdrawn (never received)

The expected April report by department is ``tests/golden/report_2026_04.csv``,
written by hand from this list (not by the code).
"""

from __future__ import annotations

import datetime as dt

from central import dossiers
from central.calendar.working_time import VN
from central.dossiers import reception

from .dossier_helpers import APPLICANT, CHECKLIST, add_procedures

COMPONENTS = [CHECKLIST[0]["name"], CHECKLIST[1]["name"]]


def at(mo, d, h=9, mi=0):
    return dt.datetime(2026, mo, d, h, mi, tzinfo=VN)


def build(store, config) -> dict:
    """Load the departments, procedures and the sixteen dossiers; return their ids."""
    ids = add_procedures(store)
    ks, ct, xd = ids["1.001193"], ids["2.000908"], ids["1.009994"]
    made: dict[str, dict] = {}

    def receive(name, proc, when, channel="in_person", refuse=""):
        made[name] = reception.receive(
            store, config, procedure_id=proc, channel=channel, applicant=APPLICANT,
            components=COMPONENTS, actor="lan.nt", refuse_reason=refuse, now=when)
        return made[name]["id"]

    def online(name, proc, when):
        made[name] = reception.register_online(
            store, config, procedure_id=proc, applicant=APPLICANT, components=COMPONENTS,
            now=when)
        return made[name]["id"]

    def act(dossier_id, action, when, **kw):
        kw.setdefault("note", "Ghi chú" if action in dossiers.NOTE_REQUIRED else "")
        return dossiers.act(store, config, dossier_id, action, actor="hung.pv", now=when, **kw)

    d1 = receive("D1", ks, at(3, 30))
    act(d1, "result_ready", at(4, 1, 10))
    d2 = online("D2", ks, at(4, 3, 10))
    act(d2, "receive", at(4, 6, 8))
    act(d2, "result_ready", at(4, 9, 7, 30))
    d3 = receive("D3", ks, at(4, 6))
    act(d3, "apologise", at(4, 8), new_due_at=at(4, 10, 17).isoformat())
    act(d3, "result_ready", at(4, 10, 10))
    d4 = receive("D4", ks, at(4, 7))
    act(d4, "request_supplement", at(4, 8))
    made["D4"] = act(d4, "resubmit", at(4, 13))
    act(d4, "result_ready", at(4, 15, 8))
    receive("D5", ks, at(4, 24, 14))
    receive("D6", ks, at(4, 20))
    d7 = receive("D7", ks, at(4, 21))
    act(d7, "request_supplement", at(4, 22))
    d8 = receive("D8", ks, at(4, 2))
    act(d8, "withdraw", at(4, 3, 10))
    receive("D9", ct, at(4, 6, 10), refuse="Không đủ thành phần hồ sơ")
    d10 = receive("D10", ct, at(4, 6, 14))
    act(d10, "result_ready", at(4, 6, 16))
    d11 = receive("D11", ct, at(4, 6, 15, 30))
    act(d11, "result_ready", at(4, 7, 9))
    d12 = receive("D12", xd, at(3, 16))
    act(d12, "stop", at(4, 10, 10))
    d13 = receive("D13", xd, at(4, 1))
    act(d13, "result_ready", at(5, 5, 10))
    online("D14", ks, at(4, 28, 10))
    d15 = receive("D15", ks, at(3, 27, 10))
    act(d15, "result_ready", at(3, 31, 10))
    d16 = online("D16", ks, at(4, 10, 10))
    act(d16, "withdraw", at(4, 11, 10))
    return {"procedures": ids, "dossiers": made}


# After everything above happened.
NOW = at(5, 6, 10)
