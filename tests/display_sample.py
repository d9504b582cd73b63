"""A fixed hall: the board state the display's goldens and benchmark draw."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pygame

from display.board import BoardRenderer, board_pages
from display.model import BoardModel
from motcua.bus.messages import STATE_BOARD, STATE_DOSSIER_STATS, STATE_LINE

NOW = dt.datetime(2026, 11, 27, 3, 25, 7, tzinfo=dt.UTC)  # 10:25:07 in Vietnam
CENTER_NAME = "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa"
CALLS = [
    ("1023", 5, "Đăng ký kinh doanh"), ("A017", 2, "Hộ tịch, chứng thực"),
    ("2008", 7, "Đầu tư, xây dựng"), ("A016", 1, "Hộ tịch, chứng thực"),
    ("3004", 9, "Lao động, việc làm, người có công"), ("1022", 4, "Đăng ký kinh doanh"),
    ("A015", 3, "Hộ tịch, chứng thực"), ("1021", 5, "Đăng ký kinh doanh"),
]
WAITING = [
    ("ho-tich", "Hộ tịch, chứng thực", 12), ("dang-ky-kinh-doanh", "Đăng ký kinh doanh", 7),
    ("dau-tu", "Đầu tư, xây dựng", 0), ("lao-dong", "Lao động, việc làm, người có công", 3),
    ("dat-dai", "Đất đai, tài nguyên môi trường", 21),
]
DEPARTMENTS = [
    ("stp", "Sở Tư pháp", 0.982, 0), ("stc", "Sở Tài chính", 0.91, 3),
    ("snnmt", "Sở Nông nghiệp và Môi trường", 0.74, 17), ("sxd", "Sở Xây dựng", 0.96, 1),
    ("svhttdl", "Sở Văn hóa, Thể thao và Du lịch", None, 0),
]


def board(now: dt.datetime = NOW) -> dict:
    current = {c: d for d, c, _ in reversed(CALLS)}
    return STATE_BOARD.make(
        hall="main", day="2026-11-27",
        calls=[{"display": d, "counter": c, "counter_name": f"Quầy {c}", "service_name": s,
                "status": "called", "called_at": (now - dt.timedelta(minutes=3 * i)).isoformat()}
               for i, (d, c, s) in enumerate(CALLS)],
        counters=[{"counter": n, "name": f"Quầy {n}", "status": "paused" if n == 6 else "open",
                   "display": None if n == 6 else current.get(n)} for n in range(1, 11)],
        waiting=[{"service": code, "name": name, "waiting": count}
                 for code, name, count in WAITING])


def dossier_stats(now: dt.datetime = NOW) -> dict:
    return STATE_DOSSIER_STATS.make(
        period="Năm 2026", updated_at=now.isoformat(),
        departments=[{"code": code, "name": name, "resolved": 500, "on_time": None
                      if rate is None else round(500 * rate), "on_time_rate": rate,
                      "in_progress": 40, "overdue": overdue}
                     for code, name, rate, overdue in DEPARTMENTS])


def model(online: bool = True) -> BoardModel:
    """The fixed hall, its newest call one second old (so it blinks, lit, at NOW)."""
    m = BoardModel("main", CENTER_NAME)
    m.update("board/main", board(), live=True, now=NOW - dt.timedelta(seconds=1))
    m.update("dossier_stats", dossier_stats(), now=NOW)
    m.set_online(True, NOW - dt.timedelta(minutes=30))
    if not online:
        m.set_online(False, NOW - dt.timedelta(minutes=2))
    return m


# --- The sample centre's hall at any size (issue 22: readable at 1 to 40 counters) -------

SAMPLE_TOML = Path(__file__).resolve().parent.parent / "central" / "samples" / "thanhhoa.toml"


def sample_centre() -> dict:
    with SAMPLE_TOML.open("rb") as f:
        return tomllib.load(f)


def big_hall(counters: int, departments: int | None = None) -> BoardModel:
    """The sample centre's hall with ``counters`` open counters (names "Quầy N", the
    longest numbers each service can give), all its services with people waiting
    and its departments' figures (one with nothing resolved, several overdue)."""
    centre = sample_centre()
    services = centre["services"]
    prefixes = [(s.get("prefix") or "", s["range"][1]) for s in services]
    rows = []
    for n in range(1, counters + 1):
        prefix, top = prefixes[n % len(prefixes)]
        number = f"{prefix}{top - n:03d}" if prefix else str(top - n)
        status = "paused" if n % 9 == 0 else "open"
        rows.append({"counter": n, "name": f"Quầy {n}", "status": status,
                     "display": None if status == "paused" else number})
    calls = [{"display": r["display"], "counter": r["counter"], "counter_name": r["name"],
              "service_name": services[r["counter"] % len(services)]["name"], "status": "called",
              "called_at": (NOW - dt.timedelta(minutes=i)).isoformat()}
             for i, r in enumerate(reversed(rows)) if r["display"]][:10]
    payload = STATE_BOARD.make(
        hall="main", day="2026-11-27", calls=calls, counters=rows,
        waiting=[{"service": s["code"], "name": s["name"],
                  "waiting": (i * 7) % 23 + (i == 0) * 1000} for i, s in enumerate(services)])
    deps = [d for d in centre["departments"]][:departments]
    stats = STATE_DOSSIER_STATS.make(
        period="Năm 2026", updated_at=NOW.isoformat(),
        departments=[{"code": d["code"], "name": d["name"],
                      "resolved": 0 if i == 4 else 1000 + i,
                      "on_time": None if i == 4 else 900 + i,
                      "on_time_rate": None if i == 4 else round((900 + i) / (1000 + i), 4),
                      "in_progress": 40 + i, "overdue": (i * 13) % 1234}
                     for i, d in enumerate(deps)])
    m = BoardModel("main", CENTER_NAME)
    m.update("board/main", payload, live=True, now=NOW - dt.timedelta(seconds=1))
    m.update("dossier_stats", stats, now=NOW)
    # Each service's wait, as the hub sends it: a number, or a range when the number
    # cannot be trusted (issue 25), as wide as the demo shows.
    for i, s in enumerate(services):
        waiting = (i * 7) % 23 + (i == 0) * 1000
        m.update(f"line/{s['code']}", STATE_LINE.make(
            service=s["code"], name=s["name"], waiting=waiting, queue=[], open_counters=2,
            minutes_per_person=4.0, estimate_min=5 + 3 * i, target_wait_min=15,
            estimate_range=[i, 45 + i] if i % 2 else None), now=NOW)
    m.set_online(True, NOW - dt.timedelta(minutes=30))
    return m


def hall_states() -> dict[str, BoardModel]:
    """The sample centre's hall (20 counters, its 15 departments) as the day goes:
    midday (numbers of four characters, one counter paused, the newest call
    blinking); the morning before the first call (every open counter "—", one
    paused: the state a 3840×1080 board cut "Tạm dừng" to "Tạm…" in); and an
    afternoon with counters closed, paused for a said time ("Tạm nghỉ đến 14:30")
    and paused plainly, next to counters calling short numbers."""
    states = {"midday": big_hall(20)}
    morning = big_hall(20)
    payload = dict(morning._board, calls=[],
                   counters=[dict(c, display=None) for c in morning._board["counters"]])
    morning.update("board/main", payload, live=True, now=NOW - dt.timedelta(seconds=1))
    states["morning"] = morning
    afternoon = big_hall(20)
    rows = []
    for c in afternoon._board["counters"]:
        n = c["counter"]
        status = "closed" if n in (3, 4, 15) else "paused" if n in (7, 9, 18) else "open"
        rows.append(dict(c, status=status, display=None if status != "open" else str(n * 3)))
        afternoon.update(f"counter/{n}", {"counter": n, "hall": "main", "status": status,
                                          "status_name": "Tạm nghỉ đến 14:30" if n == 7
                                          else ""}, now=NOW)
    calls = [dict(call, display=str(call["counter"] * 3)) for call in afternoon._board["calls"]
             if call["counter"] not in (3, 4, 15, 7, 9, 18)]
    afternoon.update("board/main", dict(afternoon._board, counters=rows, calls=calls),
                     live=True, now=NOW - dt.timedelta(seconds=1))
    states["afternoon"] = afternoon
    return states


# --- What a citizen would see as broken in a frame ----------------------------------------

def layout_faults(renderer) -> list[str]:
    """What is wrong with the frame ``renderer`` last drew, as a citizen would see it:
    a text cut ("Tạm…"), a text whose ink runs off the screen, over another text's
    ink, or across the edge of a box it sits on (a tile, a panel, the header)."""
    import pygame

    faults = [f"cut: {cut}" for cut in renderer.reports]
    screen = pygame.Rect(0, 0, *renderer.size)
    inks = [(text, ink) for text, ink in renderer.inks if ink.width and ink.height]
    for text, ink in inks:
        if not screen.contains(ink):
            faults.append(f"off the screen: {text!r} at {tuple(ink)}")
        for box in renderer.boxes:
            # Inside or outside a box, never across its edge.
            if box.colliderect(ink) and not box.contains(ink):
                faults.append(f"across a box's edge: {text!r} at {tuple(ink)}, box {tuple(box)}")
    for i, (text, ink) in enumerate(inks):
        for other, other_ink in inks[i + 1:]:
            if ink.colliderect(other_ink):
                faults.append(f"overlap: {text!r} at {tuple(ink)} and {other!r} at "
                              f"{tuple(other_ink)}")
    return faults


def every_page(size, view, now: dt.datetime = NOW, first_page: Path | None = None):
    """Draw the board at each page turn from ``now`` until every page of every panel was
    shown: the renderer, the texts drawn, their sizes, and what the renderer had to cut;
    the first page's picture saved to ``first_page`` when given."""
    renderer = BoardRenderer(size)
    texts, sizes, cuts = [], [], []
    for turn in range(board_pages(renderer, view)):
        surface = pygame.Surface(size)
        renderer.draw(surface, view, now + dt.timedelta(seconds=turn * renderer.page_seconds))
        texts += renderer.texts
        sizes += renderer.sizes
        cuts += [str(c) for c in renderer.reports]
        if turn == 0 and first_page:
            first_page.parent.mkdir(exist_ok=True)
            pygame.image.save(surface, str(first_page))
    return renderer, texts, sizes, cuts
