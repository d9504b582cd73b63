"""What the hall board shows, kept from the hub's retained messages.

The display never asks the hub for anything: it subscribes to the retained
state topics and the broker hands it the whole picture at once, at start and
after every reconnect. :class:`BoardModel` keeps the newest of each, for one
hall, and gives the renderer a consistent :class:`BoardView`::

    model = BoardModel(hall="main")
    model.update("board/main", board_payload, live=True, now=clock.now())
    view = model.view()        # calls, counters, waiting, departments, online, …

Handlers run on the bus thread and the renderer on the main thread, hence the
lock; a view is a snapshot nobody changes afterwards.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

from motcua import clock

# How long the newest call blinks after it arrived.
BLINK_SECONDS = 15.0


@dataclass(frozen=True)
class BoardView:
    """One consistent picture for a frame (read only)."""

    center_name: str = ""
    calls: tuple = ()          # newest first: display, counter, counter_name, service_name, …
    counters: tuple = ()       # counter, name, status, display, status_name
    waiting: tuple = ()        # service, name, waiting, estimate_min
    departments: tuple = ()    # code, name, on_time_rate, overdue, resolved, in_progress
    period: str = ""
    stats: dict = field(default_factory=dict)
    newest_since: dt.datetime | None = None
    online: bool = False
    offline_since: dt.datetime | None = None
    version: int = 0
    source: int = 0            # the model it came from (0: none): with version, a cache key

    @property
    def newest(self) -> dict | None:
        return self.calls[0] if self.calls else None


def _call_key(call: dict | None):
    return None if call is None else (call.get("display"), call.get("counter"),
                                      call.get("called_at"))


class BoardModel:
    """The newest retained state of one hall, and whether the hub is reachable."""

    def __init__(self, hall: str = "main", center_name: str = ""):
        self.hall = hall
        self._lock = threading.Lock()
        self._board: dict | None = None
        self._counters: dict[int, dict] = {}
        self._lines: dict[str, dict] = {}
        self._stats: dict = {}
        self._dossiers: dict = {}
        self._center_name = center_name
        self._newest_since: dt.datetime | None = None
        self._online = False
        self._offline_since: dt.datetime | None = None
        self.version = 0
        self.changed = threading.Event()
        # Called (bus thread) after ``changed`` is set: a screen resting in SDL's wait
        # is not waiting on ``changed`` and must be woken too.
        self.on_change = None

    # Updates (bus thread) ------------------------------------------------------
    def update(self, name: str, data: dict, live: bool = True,
               now: dt.datetime | None = None) -> bool:
        """Take one retained message, by its state topic's name (``board/main``,
        ``counter/5``, ``line/ho-tich``, ``queue_stats``, ``dossier_stats``).

        Returns whether it concerns this hall. ``live`` is false for a message
        the broker replayed from its retained store: its call does not blink
        unless it was made just now.
        """
        now = now or clock.now()
        kind, _, key = name.partition("/")
        with self._lock:
            if kind == "board":
                if key != self.hall:
                    return False
                old = _call_key(self._board["calls"][0]) if self._board and \
                    self._board.get("calls") else None
                data = _clean_board(data)
                calls = data["calls"]
                new = _call_key(calls[0]) if calls else None
                if new is not None and new != old:
                    self._newest_since = now if live else _parse(calls[0].get("called_at"))
                self._board = data
            elif kind == "counter":
                if data.get("hall", self.hall) != self.hall:
                    return False
                self._counters[int(data["counter"])] = data
            elif kind == "line":
                self._lines[data["service"]] = data
            elif kind == "queue_stats":
                self._stats = data
            elif kind == "dossier_stats":
                data = dict(data)
                data["departments"] = [d for d in data.get("departments") or []
                                       if isinstance(d, dict) and isinstance(d.get("name"), str)
                                       and _number_or_none(d.get("on_time_rate"))
                                       and _number_or_none(d.get("overdue"))]
                self._dossiers = data
            else:
                return False
            self.version += 1
        self._changed()
        return True

    def set_online(self, online: bool, now: dt.datetime | None = None) -> None:
        """The broker and the hub are both there (or not): the offline mark."""
        with self._lock:
            if online == self._online:
                return
            self._online = online
            self._offline_since = None if online else (now or clock.now())
            self.version += 1
        self._changed()

    def set_center_name(self, name: str | None) -> None:
        if name and name != self._center_name:
            with self._lock:
                self._center_name = name
                self.version += 1
            self._changed()

    def _changed(self) -> None:
        self.changed.set()
        if self.on_change is not None:
            self.on_change()

    # The picture (render thread) -----------------------------------------------
    def view(self) -> BoardView:
        with self._lock:
            board = self._board or {}
            counters = []
            for c in board.get("counters") or []:
                detail = self._counters.get(c.get("counter"), {})
                counters.append({
                    "counter": c.get("counter"), "name": c.get("name", ""),
                    "status": detail.get("status", c.get("status", "closed")),
                    "status_name": detail.get("status_name", ""),
                    "display": c.get("display"),
                })
            waiting = []
            for w in board.get("waiting") or []:
                line = self._lines.get(w.get("service"), {})
                waiting.append({"service": w.get("service"), "name": w.get("name", ""),
                                "waiting": w.get("waiting", 0),
                                "estimate_min": line.get("estimate_min"),
                                "estimate_range": line.get("estimate_range")})
            departments = tuple(dict(d) for d in self._dossiers.get("departments") or [])
            return BoardView(
                center_name=self._center_name,
                calls=tuple(dict(c) for c in board.get("calls") or []),
                counters=tuple(counters), waiting=tuple(waiting), departments=departments,
                period=self._dossiers.get("period", ""), stats=dict(self._stats),
                newest_since=self._newest_since, online=self._online,
                offline_since=self._offline_since, version=self.version, source=id(self),
            )


def _parse(text: str | None) -> dt.datetime | None:
    try:
        return clock.from_iso(text) if text else None
    except ValueError:
        return None


def _number_or_none(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def _clean_board(data: dict) -> dict:
    """The board with only the rows a frame can draw: the array items are not
    checked by the catalogue, and one odd row must not blank the hall's screen."""
    data = dict(data)
    data["calls"] = [c for c in data.get("calls") or [] if isinstance(c, dict)
                     and isinstance(c.get("display"), str) and isinstance(c.get("counter"), int)
                     and all(isinstance(c.get(k) or "", str)
                             for k in ("counter_name", "service_name", "called_at"))]
    data["counters"] = [c for c in data.get("counters") or [] if isinstance(c, dict)
                        and isinstance(c.get("counter"), int)
                        and isinstance(c.get("name") or "", str)
                        and isinstance(c.get("display") or "", str)]
    data["waiting"] = [w for w in data.get("waiting") or [] if isinstance(w, dict)
                       and isinstance(w.get("name"), str) and isinstance(w.get("waiting"), int)]
    return data
