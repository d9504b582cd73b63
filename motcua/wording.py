"""The words every screen and page uses for a department's dossier figures.

One wording on the hall board, the LED board and the hub's pages (issue 22),
so a citizen never reads the same figure two ways::

    on_time_share(0.982, resolved=500)   # '98%'
    on_time_share(None, resolved=0)      # '—'  (nothing resolved: no share)
    overdue_in_progress(17)              # 'đang quá hạn: 17'

A department that has resolved nothing has no on-time share: "—", never
"0%" (which reads as every dossier late) nor the period report's "100"
(which the official template writes for an empty row).
"""

from __future__ import annotations

NOTHING_RESOLVED = "—"


def count(n: int) -> str:
    """A whole number the Vietnamese way: 1.234 (dot between thousands)."""
    return f"{int(n):,}".replace(",", ".")


def on_time_share(rate: float | None, resolved: int | None = None) -> str:
    """The on-time share as the hall reads it; "—" when nothing was resolved."""
    if rate is None or resolved == 0:
        return NOTHING_RESOLVED
    return f"{round(rate * 100)}%"


def overdue_in_progress(n: int | None) -> str:
    """Dossiers in progress past their due time: 'đang quá hạn: N'."""
    return f"đang quá hạn: {count(n or 0)}"
