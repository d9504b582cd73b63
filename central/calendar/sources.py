"""Days off and make-up working days with the text that decides each of them.

``central/data/calendar.json`` lists, for each checked year, every day off and
every make-up working Saturday of public servants with its source (the Labour
Code article, or the notice by number, date and issuer). In a checked year
the working calendar follows that list (and the admin overrides, which win);
the ``holidays`` package is only compared with it. A day where the package
disagrees, or one the list knows only from reports of its text (press, other
sites: status ``reported``), is *pending*: it is
not applied until an administrator decides (an override with the decision's
number), and until then the admin calendar page and the dashboard show it::

    table = load()
    table.source_of(dt.date(2026, 2, 16)).number          # '9441/TB-BNV'
    for p in pending(store.db):                           # awaiting a decision
        p.day, p.suggested_working, p.reason
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

from motcua import wording

DATA = Path(__file__).parent.parent / "data" / "calendar.json"


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    number: str
    date: str | None
    issuer: str
    url: str = ""
    note: str = ""

    @property
    def line(self) -> str:
        """'9441/TB-BNV ngày 16/10/2025 của Bộ Nội vụ'."""
        text = self.number
        if self.date:
            text += " ngày " + dt.date.fromisoformat(self.date).strftime("%d/%m/%Y")
        return f"{text} của {self.issuer}"


@dataclass(frozen=True)
class Day:
    day: dt.date
    working: bool
    name: str
    source: Source
    status: str = "official"       # or "reported": reports of the text only, not applied


@dataclass
class Table:
    years: frozenset[int]
    days: dict[dt.date, Day]
    sources: dict[str, Source]
    notes: dict[dt.date, str] = field(default_factory=dict)
    checked_on: str = ""

    def official(self) -> dict[dt.date, bool]:
        """The days the calendar applies without asking anyone."""
        return {d: e.working for d, e in self.days.items() if e.status == "official"}

    def source_of(self, day: dt.date) -> Source | None:
        entry = self.days.get(day)
        return entry.source if entry else None

    def base_working(self, day: dt.date) -> bool:
        """Working or not by the confirmed texts alone (weekends off)."""
        entry = self.days.get(day)
        if entry is not None and entry.status == "official":
            return entry.working
        return day.weekday() < 5


def load(path: Path = DATA) -> Table:
    doc = json.loads(path.read_text(encoding="utf-8"))
    sources = {k: Source(key=k, title=v["title"], number=v["number"], date=v.get("date"),
                         issuer=v["issuer"], url=v.get("url", ""), note=v.get("note", ""))
               for k, v in doc["sources"].items()}
    days = {}
    for item in doc["days"]:
        day = dt.date.fromisoformat(item["day"])
        days[day] = Day(day=day, working=bool(item["working"]), name=item["name"],
                        source=sources[item["source"]], status=item.get("status", "official"))
    return Table(years=frozenset(doc["years"]), days=days, sources=sources,
                 notes={dt.date.fromisoformat(k): v for k, v in doc.get("notes", {}).items()},
                 checked_on=doc.get("checked_on", ""))


@functools.cache
def shipped() -> Table:
    """The table shipped with motcua (read once)."""
    return load()


@dataclass(frozen=True)
class Pending:
    day: dt.date
    suggested_working: bool      # what the package or the press report says
    applied_working: bool        # what the calendar applies until decided
    name: str
    reason: str                  # Vietnamese: why it waits
    source: Source | None = None

    @property
    def weekday(self) -> str:
        return wording.weekday(self.day)


def pending(db, table: Table | None = None, country: str = "VN") -> list[Pending]:
    """Days of the checked years waiting for an administrator's decision.

    A day is decided once it has an override (``calendar_overrides``), whatever
    the override says.
    """
    table = table or shipped()
    decided = {dt.date.fromisoformat(r[0]) for r in
               db.execute("select day from calendar_overrides").fetchall()}
    import holidays as holidays_package  # see working_time.WorkingCalendar._country

    package = holidays_package.country_holidays(country, years=sorted(table.years),
                                                language="vi")
    out = []
    for year in sorted(table.years):
        day = dt.date(year, 1, 1)
        while day.year == year:
            if day not in decided:
                base = table.base_working(day)
                entry = table.days.get(day)
                if entry is not None and entry.status == "reported" and entry.working != base:
                    out.append(Pending(day, entry.working, base, entry.name,
                                       table.notes.get(day) or "Văn bản chỉ thấy được dẫn "
                                       "lại (báo chí, trang khác), chưa thấy toàn văn",
                                       entry.source))
                elif entry is None and bool(package.is_working_day(day)) != base:
                    # (A day a text decides is decided, whatever the package says.)
                    name = package.get(day) or ("Làm việc bù" if day.weekday() >= 5
                                                else "Ngày nghỉ")
                    out.append(Pending(day, not base, base, name,
                                       table.notes.get(day) or "Thư viện holidays có ngày "
                                       "này nhưng không tìm thấy văn bản quy định"))
            day += dt.timedelta(days=1)
    return out
