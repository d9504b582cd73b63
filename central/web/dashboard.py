"""Sections of the supervisor dashboard that other parts of the hub contribute.

The dashboard (statistics and supervision) shows the floor and the day's
figures; other parts add a section of their own without the dashboard knowing
them: overdue feedback, the SMS delivery log's failures, and so on. A part
registers a section when its module is imported (its blueprint's module is a
good place):

    from central.web.dashboard import section

    @section("feedback", "Phản ánh quá hạn", "feedback/_dashboard.html")
    def overdue_feedback(db):
        return {"items": list_overdue(db)}

The dashboard calls each section's function with the sqlite-utils Database and
renders its template with what it returns (plus ``title``). A section that
fails is shown as failed; it does not take the dashboard down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    title: str  # Vietnamese heading
    template: str
    context: Callable  # (db) -> dict for the template
    order: int = 100


SECTIONS: dict[str, Section] = {}


def section(key: str, title: str, template: str, *, order: int = 100):
    """Decorator: register ``fn(db) -> dict`` as the dashboard section ``key``."""

    def register(fn):
        SECTIONS[key] = Section(key, title, template, fn, order)
        return fn

    return register


def sections() -> list[Section]:
    """Registered sections in display order."""
    return sorted(SECTIONS.values(), key=lambda s: (s.order, s.key))
