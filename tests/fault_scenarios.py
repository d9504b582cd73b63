"""The fault scenarios: each runs a :class:`tests.faultlab.Lab` under load, injects its
fault, measures how long the floor took to recover, and ends with the whole-state
check. Each returns a dict of figures (seconds, counts) for ``docs/reliability.md``.

The short form (``tests/test_faults.py``, in ``make test``) and the full suite
(``make faults``, :mod:`tests.fault_suite`) call the same functions with
different durations::

    figures = hub_sigkill(Lab(tmp_path), before=4, down=3, after=4)
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import time

from .faultlab import COUNTERS, Breach, Lab


def _r(seconds: float) -> float:
    return round(seconds, 2)


def hub_sigkill(lab: Lab, before: float = 4, down: float = 3, after: float = 4) -> dict:
    """The hub SIGKILLed under load and restarted ``down`` seconds later."""
    with lab:
        lab.start()
        time.sleep(before)
        killed = lab.kill_hub()
        time.sleep(down)
        started = lab.start_hub()
        ready = time.monotonic()
        online = lab.online_ticket_after(started)
        time.sleep(after)
        counts = lab.finish()
    return {"down_s": _r(started - killed), "hub_ready_s": _r(ready - started),
            "first_online_ticket_s": _r(online - started), **counts}


def broker_restart(lab: Lab, before: float = 4, down: float = 2, after: float = 4) -> dict:
    """Mosquitto SIGKILLed under load (no final save) and started again after ``down`` s."""
    with lab:
        lab.start()
        time.sleep(before)
        killed = lab.kill_broker()
        time.sleep(down)
        started = lab.start_broker()
        back = {n: lab.wait_journal(n, lambda e: e["kind"] == "link" and e["up"],
                                    60, after=started)["t"] - started
                for n in ("dispenser-1", *COUNTERS)}
        online = lab.online_ticket_after(started)
        time.sleep(after)
        counts = lab.finish()
    return {"down_s": _r(started - killed), "nodes_reconnected_s": _r(max(back.values())),
            "first_online_ticket_s": _r(online - started), **counts}


def link_blackhole(lab: Lab, before: float = 4, hole: float = 8, after: float = 4) -> dict:
    """The dispenser's link black-holed by the proxy (nothing closes) for ``hole`` s."""
    lab.proxied.add("dispenser-1")
    with lab:
        lab.start()
        time.sleep(before)
        opened = time.monotonic()
        lab.proxy.blackhole()
        noticed = lab.wait_journal("dispenser-1", lambda e: e["kind"] == "link"
                                   and not e["up"], hole + 30, after=opened)["t"]
        time.sleep(max(0.0, hole - (time.monotonic() - opened)))
        healed = time.monotonic()
        lab.proxy.heal()
        back = lab.wait_journal("dispenser-1", lambda e: e["kind"] == "link" and e["up"],
                                60, after=healed)["t"]
        online = lab.online_ticket_after(healed)
        time.sleep(after)
        counts = lab.finish()
    return {"hole_s": _r(healed - opened), "keepalive_s": lab.node_keepalive,
            "noticed_after_s": _r(noticed - opened), "reconnected_s": _r(back - healed),
            "first_online_ticket_s": _r(online - healed), **counts}


def link_reset(lab: Lab, before: float = 4, resets: int = 3, gap: float = 2,
               after: float = 4) -> dict:
    """The dispenser's TCP connection reset (RST) by the proxy, ``resets`` times."""
    lab.proxied.add("dispenser-1")
    times = []
    with lab:
        lab.start()
        time.sleep(before)
        for _ in range(resets):
            at = time.monotonic()
            lab.proxy.reset()
            back = lab.wait_journal("dispenser-1", lambda e: e["kind"] == "link" and e["up"],
                                    60, after=at)["t"]
            times.append(back - at)
            time.sleep(gap)
        time.sleep(after)
        counts = lab.finish()
    return {"resets": resets, "reconnected_max_s": _r(max(times)), **counts}


def node_restart(lab: Lab, before: float = 4) -> dict:
    """A counter node and the hall display SIGKILLed and restarted: the right picture
    from retained state, timed from the new process's start."""
    with lab:
        lab.start()
        lab.start_node("display-1")
        lab.wait_journal("display-1", lambda e: e["kind"] == "link" and e["up"], 60)
        time.sleep(before)
        # Counter 2 stops calling (its officer stepped away) and its Pi loses power.
        lab.kill_node("counter-2")
        time.sleep(1.0)
        expected = _current_numbers(lab)
        started = lab.start_node("counter-2", delay=30)
        shown = lab.wait_journal(
            "counter-2", lambda e: e["kind"] == "shown" and e["known"] and e["online"]
            and e["number"] == expected[2], 30, after=started)["t"]
        c_link = lab.wait_journal("counter-2", lambda e: e["kind"] == "link" and e["up"], 30,
                                  after=started)["t"]
        # The hall display: counter 2 stands still, so its number is known; counter 4
        # goes on calling meanwhile (the board must simply be there, and current).
        lab.kill_node("display-1")
        expected = _current_numbers(lab)
        d_started = lab.start_node("display-1")
        d_shown = lab.wait_journal(
            "display-1", lambda e: e["kind"] == "shown" and e["online"]
            and e["counters"].get("2") == expected[2] and "4" in e["counters"], 30,
            after=d_started)["t"]
        d_link = lab.wait_journal("display-1", lambda e: e["kind"] == "link" and e["up"], 30,
                                  after=d_started)["t"]
        counts = lab.finish()  # the restarted counter ends its pause and drains
    figures = {"counter_process_to_picture_s": _r(shown - started),
               "counter_connected_to_picture_s": _r(shown - c_link),
               "display_process_to_picture_s": _r(d_shown - d_started),
               "display_connected_to_picture_s": _r(d_shown - d_link), **counts}
    # The picture comes from retained state: within 2 s of reaching the broker
    # (starting Python and importing Pillow/pygame on a busy machine is not the bus's).
    if (figures["counter_connected_to_picture_s"] > 2
            or figures["display_connected_to_picture_s"] > 2):
        raise Breach(f"a restarted node took more than 2 s to show the right picture: {figures}")
    return figures


def _current_numbers(lab: Lab) -> dict[int, str | None]:
    conn = sqlite3.connect(f"file:{lab.database}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "select c.number, t.display from counters c left join tickets t on "
            "t.id = c.current_ticket_id and t.status in ('called', 'serving')").fetchall()
    finally:
        conn.close()
    return dict(rows)


def repeated_hub_kills(lab: Lab, kills: int = 5, seed: int = 7) -> dict:
    """The hub SIGKILLed again and again while it writes; restarted at once each time."""
    rng = random.Random(seed)
    with lab:
        lab.start()
        for _ in range(kills):
            time.sleep(rng.uniform(1.0, 3.0))
            lab.kill_hub()
            lab.start_hub()
        time.sleep(3)
        counts = lab.finish()
    return {"kills": kills, **counts}


def broker_stopped(lab: Lab, before: float = 4, down: float = 120, after: float = 6) -> dict:
    """Mosquitto stopped (SIGTERM, it saves) for ``down`` seconds, then started again."""
    with lab:
        lab.start()
        time.sleep(before)
        stopped = time.monotonic()
        lab.broker.stop()
        time.sleep(down)
        started = lab.start_broker()
        back = {n: lab.wait_journal(n, lambda e: e["kind"] == "link" and e["up"],
                                    90, after=started)["t"] - started
                for n in ("dispenser-1", *COUNTERS)}
        online = lab.online_ticket_after(started, timeout=90)
        time.sleep(after)
        counts = lab.finish()
    return {"down_s": _r(started - stopped), "nodes_reconnected_s": _r(max(back.values())),
            "first_online_ticket_s": _r(online - started), **counts}


def wrong_clock(lab: Lab, offset_s: float = 2 * 3600 + 300, before: float = 4,
                down: float = 4, after: float = 6) -> dict:
    """The dispenser's clock runs ``offset_s`` ahead; it prints offline while the broker
    is down; the hub's time orders those tickets, and the clock is reported."""
    lab.dispenser_load["clock_offset_s"] = offset_s
    with lab:
        lab.start()
        time.sleep(before)
        killed_wall = time.time()
        lab.kill_broker()
        time.sleep(down)
        lab.start_broker()
        back_wall = time.time()
        time.sleep(after)
        counts = lab.finish()
    conn = sqlite3.connect(f"file:{lab.database}?mode=ro", uri=True)
    try:
        offline = [r[0] for r in conn.execute(
            "select t.issued_at from tickets t join ticket_events e on e.ticket_id = t.id "
            "where e.action = 'issue_offline'")]
        faults = conn.execute("select count(*), max(message) from node_faults where "
                              "code = 'clock_skew' and node_id = 'dispenser-1'").fetchone()
    finally:
        conn.close()
    import datetime as dt

    lo = dt.datetime.fromtimestamp(killed_wall - 5, dt.UTC).isoformat()
    hi = dt.datetime.fromtimestamp(back_wall + after + 60, dt.UTC).isoformat()
    misplaced = [t for t in offline if not lo <= t <= hi]
    if not offline or misplaced or not faults[0]:
        raise Breach(f"wrong clock: {len(offline)} offline tickets, misplaced {misplaced[:3]}, "
                     f"clock reported {faults[0]} times")
    return {"clock_ahead_s": offset_s, "offline_tickets_in_hub_time": len(offline),
            "clock_reports": faults[0], "report": faults[1], **counts}


def storage_failure(lab: Lab, mode: str = "full", before: float = 4, hold: float = 10,
                    after: float = 6) -> dict:
    """The hub's disk fills up (``full``) or turns read-only (``readonly``) under load.

    The database lives on a small tmpfs of its own (needs root, to mount it).
    """
    import json as _json
    import subprocess
    import urllib.error
    import urllib.request

    mount = lab.root / "disk"
    mount.mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], check=True)
    lab.database = mount / "hub.db"

    def health() -> dict:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{lab.http_port}/healthz",
                                        timeout=2) as r:
                return _json.load(r)
        except urllib.error.HTTPError as e:
            return _json.load(e)
        except OSError:
            return {}

    def wait(pred, timeout=60):
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > deadline:
                raise Breach(f"storage {mode}: condition not met; /healthz says {health()}")
            time.sleep(0.1)
        return time.monotonic()

    filler = mount / "filler"
    try:
        with lab:
            lab.start()
            time.sleep(before)
            broke = time.monotonic()
            if mode == "full":
                with open(filler, "wb") as f, contextlib.suppress(OSError):
                    while True:
                        f.write(b"\0" * 65536)
                        f.flush()
            else:
                subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
            alarmed = wait(lambda: "store.write" in health().get("alarms", []))
            refused = health()
            time.sleep(hold)
            fixed = time.monotonic()
            if mode == "full":
                filler.unlink()
            else:
                subprocess.run(["mount", "-o", "remount,rw", str(mount)], check=True)
            cleared = wait(lambda: health().get("alarms") == [] and
                           health().get("database") == "ok")
            online = lab.online_ticket_after(fixed)
            time.sleep(after)
            counts = lab.finish()
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
    return {"mode": mode, "alarm_after_s": _r(alarmed - broke),
            "healthz_while_broken": refused.get("database"),
            "held_s": _r(fixed - broke), "alarm_cleared_s": _r(cleared - fixed),
            "first_online_ticket_s": _r(online - fixed), **counts}
