"""What the kiosk knows about the citizen in front of it, for one visit only.

A scanned ID card fills the session; every screen reads it from here and
nowhere else, and :meth:`Session.forget` (called when the kiosk goes back to
its attract screen, after a time-out or "Trang chủ" from the attract) drops
it whole. Nothing in it is written to a file, a log or the bus except the
action the citizen takes (a ticket keeps at most the priority reason)::

    session = Session()
    session.card = card                      # from kiosk.idcard.parse
    session.priority_reason                  # 'Người cao tuổi' or None
    session.forget()
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Session:
    card: object | None = None          # kiosk.idcard.IdCard of the citizen, if scanned
    priority_reason: str | None = None  # offered priority, e.g. "Người cao tuổi (từ 60 tuổi)"
    notice: str = ""                    # a message for the screen (e.g. a refused scan)

    def forget(self) -> None:
        """Drop everything read in this visit."""
        self.card = None
        self.priority_reason = None
        self.notice = ""
