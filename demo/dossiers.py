"""The demo's dossier desk: dossiers received, moved, supplemented, late.

Dossier deadlines are working days, so a demo of a few minutes cannot wait for
one to fall due. The desk therefore first puts a backlog on the books, received
over the past three weeks (each action at its own past moment, as the officers
would have recorded it), and then, on the simulated clock of
:class:`demo.floor.DemoFloor`, receives new dossiers at the counters
and moves the open ones on: sent to the department, accepted there, a
supplement asked for now and then and brought back, a result, returned. An
open dossier past its due date gets the department's apology with a new date
(once) before its result, so it counts as late. Everything goes through the
hub's own dossier services (:mod:`central.dossiers`) on the hub's database, so the
statistics, the kiosk look-up and the dossier pages see real records::

    desk = DossierDesk(hub_config, floor.wait_minutes, seed=1, receipts=Path("receipts.txt"))
    desk.backlog(40)
    threading.Thread(target=desk.run, args=(stop_event,)).start()
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections import Counter
from pathlib import Path

from central import dossiers
from central.catalog import procedures as procedures_module
from central.dossiers import reception
from central.errors import Refused
from central.store import Store
from motcua import clock

log = logging.getLogger(__name__)

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Hữu", "Ngọc", "Quang"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Linh",
         "Mai", "Nam", "Nga", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Yến"]
STAFF = ["lan.nt", "hung.tv", "mai.lt", "nam.pv", "huong.dt", "tuan.ha"]
SUPPLEMENT_SHARE = 0.15
APOLOGY_NOTE = "Hồ sơ cần xác minh thêm tại địa phương, xin lỗi công dân và hẹn lại ngày trả."


class DossierDesk:
    def __init__(self, config, wait_minutes, *, seed: int | None = None,
                 receipts: Path | None = None):
        self.config = config
        self.store = Store(config.database)
        self.wait_minutes = wait_minutes
        self.rng = random.Random(seed)
        self.counts: Counter = Counter()
        # Appointment receipts in citizens' hands: one dossier code a line (the
        # demo's kiosk visitors hold them up to its scanner).
        self.receipts = receipts
        self._procedures: list[dict] | None = None

    # What there is to work with -----------------------------------------------------
    def procedures(self) -> list[dict]:
        if self._procedures is None:
            found = [p for p in procedures_module.all_current(self.store.db)
                     if p["department_id"] is not None]
            self._procedures = [p for p in found if procedures_module.channel(p, "in_person")
                                and p["details"].get("components")]
        return self._procedures

    def everyday_procedures(self) -> list[dict]:
        """The procedures a centre's backlog is mostly made of: decided within ten working
        days (hộ tịch, chứng thực, most permits). The catalog also holds 45- and 60-day
        ones (a hội's charter, a fund's licence); a three-week backlog drawn evenly from
        all of them had no dossier late at all, and a late one is what the demo shows."""
        def quick(p):
            terms = procedures_module.channel(p, "in_person") or {}
            return terms.get("unit") in ("same_day", "working_hours") or (
                terms.get("unit") == "working_days" and 0 < (terms.get("time_limit") or 0) <= 10)
        return [p for p in self.procedures() if quick(p)] or self.procedures()

    def departments(self) -> list[int]:
        return sorted({p["department_id"] for p in procedures_module.all_current(self.store.db)
                       if p["department_id"] is not None})

    def applicant(self) -> dict:
        r = self.rng
        return {"name": f"{r.choice(SURNAMES)} {r.choice(MIDDLE)} {r.choice(GIVEN)}",
                "id_number": f"038{r.randrange(10**8, 10**9)}",
                "phone": f"09{r.randrange(10**7, 10**8)}"}

    # One dossier's life --------------------------------------------------------------
    def receive(self, now: dt.datetime | None = None,
                among: list[dict] | None = None) -> dict | None:

        procedures = self.procedures() if among is None else among
        if not procedures:
            return None
        procedure = self.rng.choice(procedures)
        names = [c["name"] for c in procedure["details"]["components"]]
        # The demo's officer confirms the catalog's time limit where the catalog has
        # not (central.dossiers.reception_limit; ignored when the catalog confirms it):
        # a real officer checks it against the publishing decision first.
        limit = (procedures_module.channel(procedure, "in_person") or {}).get("time_limit")
        try:
            d = reception.receive(
                self.store, self.config, procedure_id=procedure["id"], channel="in_person",
                applicant=self.applicant(), components=names, actor=self.rng.choice(STAFF),
                now=now, confirmed_time_limit=limit)
        except Refused as exc:
            log.info("demo dossiers: %s", exc)
            return None
        self.counts["received"] += 1
        if self.receipts is not None:
            with self.receipts.open("a", encoding="utf-8") as f:
                f.write(d["code"] + "\n")
        return d

    def act(self, dossier_id: int, action: str, now: dt.datetime | None = None,
            **kw) -> dict | None:

        try:
            d = dossiers.act(self.store, self.config, dossier_id, action,
                             actor=self.rng.choice(STAFF), now=now, **kw)
        except Refused as exc:
            log.info("demo dossiers: %s %s: %s", dossier_id, action, exc)
            return None
        self.counts[action] += 1
        return d

    def advance(self, d: dict, now: dt.datetime | None = None) -> dict | None:
        """Move one open dossier one step on, as its department would."""

        moment = now or clock.now()
        status = d["status"]
        overdue = d.get("due_at") and clock.from_iso(d["due_at"]) < moment
        if overdue and status in dossiers.OPEN_STATUSES and not d.get("apology_due_at"):
            new_due = clock.from_iso(d["due_at"]) + dt.timedelta(days=self.rng.choice([3, 5, 7]))
            if new_due <= moment:
                new_due = moment + dt.timedelta(days=3)
            return self.act(d["id"], "apologise", now, note=APOLOGY_NOTE, new_due_at=new_due)
        if d.get("awaiting_acceptance"):
            return self.act(d["id"], "accept_transfer", now)
        if status == 2:
            others = [x for x in self.departments() if x != d["department_id"]]
            if self.rng.random() < 0.4 and others:
                return self.act(d["id"], "transfer", now, department_id=self.rng.choice(others))
            return self.act(d["id"], "transfer", now, department_id=d["department_id"])
        if status == 4:
            if self.rng.random() < SUPPLEMENT_SHARE and d["supplement_count"] < 2:
                return self.act(d["id"], "request_supplement", now,
                                note="Bổ sung bản sao chứng thực giấy tờ tùy thân.")
            return self.act(d["id"], "result_ready", now)
        if status == 5:
            return self.act(d["id"], "resubmit", now)
        if status == 9:
            return self.act(d["id"], "return_result", now)
        return None

    def open_dossiers(self) -> list[dict]:
        # Received, in progress, waiting for a supplement, or with a result to return.
        return dossiers.in_statuses(self.store.db, (2, 4, 5, 9))

    # The past three weeks, then the day ----------------------------------------------
    def backlog(self, count: int = 40) -> None:
        """Dossiers received over the past weeks, each moved on at past moments."""
        now = clock.now()
        everyday = self.everyday_procedures()
        for _ in range(count):
            received = now - dt.timedelta(days=self.rng.uniform(2, 21))
            received = received.replace(hour=self.rng.randint(1, 9))  # 08:00-16:00 in Hà Nội
            if received.weekday() >= 5:  # the centre is closed at weekends
                received -= dt.timedelta(days=2)
            d = self.receive(received, among=everyday)
            moment = received
            while d is not None:
                moment += dt.timedelta(hours=self.rng.uniform(4, 60))
                if moment >= now or self.rng.random() < 0.12:
                    break  # still open today
                d = self.advance(d, moment)

    def run(self, stop: threading.Event, every_minutes: float = 6.0) -> None:
        """Receive a dossier and move others on, every few simulated minutes."""
        while not stop.is_set():
            if self.wait_minutes(self.rng.uniform(0.5, 1.5) * every_minutes):
                return
            try:
                self.receive()
                for d in self.open_dossiers()[:3]:
                    if self.rng.random() < 0.6:
                        self.advance(d)
            except Exception:  # one bad step must not end the demo's dossiers
                log.exception("demo dossiers: step failed")
