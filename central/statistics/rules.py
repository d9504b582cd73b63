"""Rules of the one-stop mechanism, reported as breaches with the officer and the source.

A dossier may be asked for a supplement once; each further request is a
breach of that rule. The request is still recorded (the citizen must be told
what is missing), but it is reported, in the statistics and on the
supervisors' dashboard, with who asked, when, and the rule's source::

    for b in supplement_breaches(store.db, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31)):
        b["dossier_code"], b["officer"], b["request_no"], b["at"]
    SUPPLEMENT_ONCE.source_line        # what the rule rests on, in Vietnamese
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from motcua import clock

from ..statistics.period_report import day_start


@dataclass(frozen=True)
class Rule:
    key: str
    title: str
    limit: int
    number: str
    date: str
    issuer: str
    article: str = ""      # empty: the article was not confirmed against the text
    note: str = ""

    @property
    def source_line(self) -> str:
        text = (f"Nghị định {self.number} ngày "
                f"{dt.date.fromisoformat(self.date):%d/%m/%Y} của {self.issuer}")
        if self.article:
            return f"{self.article} {text}"
        return f"{text} (điều, khoản chưa đối chiếu được với toàn văn)"


# The decree is DOMAIN.md's and the receipt forms' (Circular 03/2025/TT-VPCP form 02).
# Its article on a single supplement request could not be read in any text
# we could reach (docs/dossiers.md, "Rules"): it stays marked unconfirmed, for
# staff only, until someone sets ``article`` from the published text.
SUPPLEMENT_ONCE = Rule(
    key="supplement_once",
    title="Yêu cầu bổ sung hồ sơ quá một lần",
    limit=1,
    number="118/2025/NĐ-CP", date="2025-06-09", issuer="Chính phủ",
    article="",
    note="Cơ chế một cửa, một cửa liên thông; hiệu lực từ 01/07/2025.",
)


def supplement_breaches(db, *, start: dt.date | None = None, end: dt.date | None = None,
                        department_id: int | None = None, limit: int = 500) -> list[dict]:
    """Every supplement request beyond the rule's limit on its dossier, newest first."""
    where, args = [], [SUPPLEMENT_ONCE.limit]
    if start:
        where.append("r.at >= ?")
        args.append(clock.iso(day_start(start)))
    if end:
        where.append("r.at < ?")
        args.append(clock.iso(day_start(end + dt.timedelta(days=1))))
    if department_id:
        where.append("r.department_id = ?")
        args.append(department_id)
    rows = db.execute(
        "with r as (select e.id, e.dossier_id, e.at, e.actor, e.note, e.department_id, "
        "row_number() over (partition by e.dossier_id order by e.id) as request_no "
        "from dossier_events e where e.action = 'request_supplement') "
        "select r.id, r.dossier_id, d.code, d.procedure_code, d.procedure_name, r.at, "
        "r.actor, coalesce(u.full_name, r.actor), r.note, r.request_no, dep.name "
        "from r join dossiers d on d.id = r.dossier_id "
        "left join users u on u.username = r.actor "
        "left join departments dep on dep.id = r.department_id "
        "where r.request_no > ?" + "".join(f" and {w}" for w in where)
        + " order by r.at desc, r.id desc limit ?", [*args, limit]).fetchall()
    keys = ("event_id", "dossier_id", "dossier_code", "procedure_code", "procedure_name", "at",
            "officer", "officer_name", "note", "request_no", "department_name")
    return [{**dict(zip(keys, row, strict=True)), "rule": SUPPLEMENT_ONCE.title,
             "source": SUPPLEMENT_ONCE.source_line} for row in rows]


def breaches_by_officer(db, start: dt.date, end: dt.date) -> dict[str, int]:
    """``{username: breaches}`` in the period (for the officer ranking)."""
    out: dict[str, int] = {}
    for b in supplement_breaches(db, start=start, end=end, limit=100_000):
        out[b["officer"]] = out.get(b["officer"], 0) + 1
    return out
