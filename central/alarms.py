"""Alarms: conditions the supervisor must see now, wherever they come from.

A full disk, a modem that keeps failing, a printer out of paper: the part of
the hub that notices raises an alarm under a key of its own, and clears it
when the condition is gone. The supervisor dashboard lists what is active.

Alarms live in the hub's memory, not in SQLite, on purpose: the alarm that
matters most is "the database refuses writes", which could not be stored.
A restarted hub re-raises whatever is still wrong the next time it looks.

    >>> from central import alarms
    >>> alarms.raise_alarm("sms.modem", "Modem SMS không phản hồi", source="sms")
    >>> [a.message for a in alarms.active()]
    ['Modem SMS không phản hồi']
    >>> alarms.clear("sms.modem")
    >>> alarms.active()
    []
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, replace

from motcua import clock

SEVERITIES = ("warning", "error")


@dataclass(frozen=True)
class Alarm:
    key: str
    message: str  # Vietnamese, shown as is to the supervisor
    severity: str = "error"
    source: str = ""
    since: dt.datetime | None = None  # first raised, UTC
    count: int = 1  # how many times raised since then


_lock = threading.Lock()
_active: dict[str, Alarm] = {}
_listeners: list = []


def raise_alarm(key: str, message: str, *, severity: str = "error", source: str = "") -> None:
    """Raise (or refresh) the alarm ``key``; raising it again keeps its ``since``."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, not {severity!r}")
    with _lock:
        old = _active.get(key)
        if old is None:
            alarm = Alarm(key, message, severity, source, clock.now(), 1)
        else:
            alarm = replace(old, message=message, severity=severity, count=old.count + 1)
        _active[key] = alarm
    if old is None or old.message != message:
        _notify()


def clear(key: str) -> None:
    """The condition behind ``key`` is gone; clearing an unknown key is harmless."""
    with _lock:
        gone = _active.pop(key, None)
    if gone is not None:
        _notify()


def active() -> list[Alarm]:
    """Active alarms, errors first, then oldest first."""
    with _lock:
        alarms = list(_active.values())
    return sorted(alarms, key=lambda a: (a.severity != "error", a.since))


def on_change(callback) -> None:
    """Call ``callback()`` whenever the set of alarms changes (e.g. to publish it)."""
    _listeners.append(callback)


def reset() -> None:
    """Forget every alarm and listener (tests, and a hub that starts afresh)."""
    with _lock:
        _active.clear()
    _listeners.clear()


def _notify() -> None:
    for callback in list(_listeners):
        try:
            callback()
        except Exception:  # a listener must not stop the one raising the alarm
            logging.getLogger(__name__).exception("alarm listener failed")
