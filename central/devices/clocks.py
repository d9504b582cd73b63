"""A node whose clock is wrong: the hub keeps its own time and says so.

A dispenser prints offline on its own clock; the hub orders those tickets on
its clock, from what it can trust of the node's (the difference between two of
its stamps), and tells the supervisor (an alarm) and the device page (a fault)
when a node's clock is off by more than :data:`CLOCK_TOLERANCE_S`::

    issued_at = clocks.hub_time_of_print(db, "dispenser-1", data, block["leased_at"], now)

May import: ``central.alarms``, :mod:`.nodes`.
"""

from __future__ import annotations

import datetime as dt
import logging

from motcua import clock

from .. import alarms
from . import nodes

log = logging.getLogger(__name__)

CLOCK_TOLERANCE_S = 30.0  # beyond this, a node's clock is reported as wrong


def hub_time_of_print(db, node_id: str, data: dict, leased_at: str, now) -> str:
    """When an offline ticket was printed, on the hub's clock.

    The dispenser stamps ``issued_at`` (the print) and ``ts`` (the delivery,
    moments ago) with its own clock. Only the difference is trusted: the
    ticket was printed ``ts - issued_at`` before the hub received it. A
    constant error of the node's clock cancels out; what is left is bounded by
    the block's lease (it cannot be printed before) and the hub's now. A clock
    off by more than :data:`CLOCK_TOLERANCE_S` is reported (device fault and
    the supervisor's alarm), so someone sets it right::

        issued_at = hub_time_of_print(db, "dispenser-1", data, block["leased_at"], clock.now())
    """
    printed = clock.from_iso(data["issued_at"])
    if not data.get("ts"):  # a direct call (no bus message): taken as given
        return clock.iso(printed)
    sent = clock.from_iso(data["ts"])
    skew = (sent - now).total_seconds()
    moment = now - max(sent - printed, dt.timedelta(0))
    moment = min(max(moment, clock.from_iso(leased_at)), now)
    if abs(skew) > CLOCK_TOLERANCE_S:
        report_clock(db, node_id, skew, now)
    return clock.iso(moment)


def _skew_words(skew: float) -> str:
    seconds = abs(round(skew))
    amount = (f"{seconds // 3600} giờ {seconds % 3600 // 60} phút" if seconds >= 3600
              else f"{seconds // 60} phút {seconds % 60} giây" if seconds >= 60
              else f"{seconds} giây")
    return f"{'nhanh' if skew > 0 else 'chậm'} {amount}"


def report_clock(db, node_id: str, skew: float, now) -> None:
    """Tell the supervisor (alarm) and the device page (a fault) that a clock is wrong."""
    message = (f"Đồng hồ của thiết bị {node_id} {_skew_words(skew)} so với máy chủ; "
               f"máy chủ dùng giờ của mình để xếp thứ tự vé.")
    log.warning("clock of %s is off by %.1f s; the hub's time is used", node_id, skew)
    alarms.raise_alarm(f"clock.{node_id}", message, severity="warning", source="hub")
    stamp = clock.iso(now)
    recent = db.execute(  # one fault row per node and hour is enough for the device page
        "select 1 from node_faults where node_id = ? and code = 'clock_skew' and "
        "received_at > ?", [node_id, clock.iso(now - dt.timedelta(hours=1))]).fetchone()
    if recent:
        return
    nodes.record_fault(db, node_id, {"id": f"clock-{stamp}", "code": "clock_skew",
                                     "message": message, "severity": "warning", "ts": stamp})
