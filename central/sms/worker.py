"""The hub's SMS and e-mail thread: answer look-ups, queue notices, deliver.

``motcua hub`` starts one when ``[sms] enabled`` or ``[email] host`` is set::

    worker = Worker(config, store).start()
    ...
    worker.stop()

Each round (every ``[sms] poll_seconds``): read the modem's inbox and answer
each look-up; turn new dossier events and near-the-front tickets into queued
notices; send what is due. A failing modem or SMTP server costs the message
one attempt and a wait that doubles each time; after ``max_attempts`` it is
``failed``, an alarm is raised (:mod:`central.alarms`) and the dashboard's
section lists it. The thread never dies of an error: it logs and goes on.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from motcua import clock

from .. import alarms
from ..config import HubConfig
from ..dossiers import queries
from ..store import Store
from . import mailer, notices, outbox
from . import text as sms_text
from .modem import Modem, ModemError

log = logging.getLogger(__name__)

MODEM_ALARM = "sms.modem"
FAILED_ALARM = "sms.failed"
EMAIL_ALARM = "email.smtp"
EMAIL_UNREACHABLE = ("Không kết nối được máy chủ thư điện tử; thư thông báo sẽ được gửi lại "
                     "(xem nhật ký gửi tin).")
EMAIL_REFUSED = "Máy chủ thư điện tử không nhận gửi một thư thông báo (xem nhật ký gửi tin)."
# Consecutive failed contacts with the modem (reading or sending) before the
# supervisor is told: one hiccup is not an alarm.
ALARM_AFTER_FAILURES = 3


class Worker:
    def __init__(self, config: HubConfig, store: Store, modem: Modem | None = None):
        self.config = config
        self.store = store
        self.modem = modem if modem is not None else (
            Modem(config.sms) if config.sms.enabled else None)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._link_failures = 0
        self.rounds = 0

    # -- the thread -----------------------------------------------------------------

    def start(self) -> Worker:
        n = outbox.recover(self.store)
        if n:
            log.warning("%d message(s) were being sent when the hub stopped: marked uncertain", n)
        self._refresh_failed_alarm()
        self._thread = threading.Thread(target=self._run, name="sms-worker", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.modem is not None:
            self.modem.close()

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # keep going: the next round may well succeed
                log.exception("SMS worker round failed")
            self._stop.wait(self.config.sms.poll_seconds)

    def run_once(self, now: dt.datetime | None = None) -> None:
        """One round: inbox, notices, deliveries."""
        if self.modem is not None:
            self.read_inbox(now)
        notices.queue_dossier_notices(self.store, self.config, now)
        notices.queue_turn_notices(self.store, self.config, now)
        notices.queue_appointment_notices(self.store, self.config, now)
        notices.queue_appointment_reminders(self.store, self.config, now)
        if self.modem is not None:
            self.deliver("sms", now)
        if notices.email_on(self.config):
            self.deliver("email", now)
        self.rounds += 1

    # -- incoming ---------------------------------------------------------------------

    def read_inbox(self, now: dt.datetime | None = None) -> int:
        """Answer every message on the modem; returns how many were read."""
        try:
            incoming = self.modem.receive()
        except ModemError as exc:
            self._link_failed(exc)
            return 0
        self._link_ok()
        for sms in incoming:
            self.handle(sms.number, sms.text, key=sms.key, now=now)
            try:
                self.modem.delete(sms)
            except ModemError as exc:
                # Logged already (dedupe key): a second reading changes nothing.
                log.warning("could not delete a read SMS from the modem: %s", exc)
        return len(incoming)

    def handle(self, number: str, body: str, *, key: str | None = None,
               now: dt.datetime | None = None) -> int | None:
        """Log one incoming SMS and queue its answer; returns the reply's id (or None)."""
        cfg = self.config.sms
        moment = now or clock.now()
        window = dt.timedelta(minutes=cfg.flood_window_minutes)
        with self.store.write() as db:
            in_id = outbox.record_in(db, channel="sms", peer=number, body=body, kind="lookup",
                                     dedupe=key, now=moment)
            if in_id is None:
                return None  # handled before (the modem gave it again after a restart)
            if not sms_text.is_answerable(number):
                outbox.set_state(db, in_id, "ignored", moment)
                return None
            if outbox.inbound_since(db, number, moment - window) > cfg.flood_limit:
                outbox.set_state(db, in_id, "throttled", moment)
                if outbox.throttle_notice_since(db, number, moment - window):
                    return None  # told once already in this window: silence
                log.warning("SMS flood from %s: throttled", number)
                return outbox.queue(db, channel="sms", peer=number, kind="lookup_reply",
                                    subject="throttled",
                                    body=sms_text.choose(sms_text.throttled_reply(
                                        cfg.flood_window_minutes), cfg.unicode),
                                    reply_to=in_id, now=moment)
            code = sms_text.parse_lookup(body, cfg.keyword)
            dossier_id = None
            if code is None:
                reply = sms_text.help_reply(cfg.keyword.upper())
                kind = "other"
            elif code == "":
                reply = sms_text.empty_code_reply(cfg.keyword.upper())
                kind = "lookup"
            else:
                found = queries.lookup(db, code, moment)
                reply = sms_text.lookup_reply(found, code, self.config.timezone)
                kind = "lookup"
                if found.get("found"):
                    row = db.execute("select id from dossiers where code = ?",
                                     [found["code"]]).fetchone()
                    dossier_id = row[0] if row else None
            db.execute("update messages set kind = ?, dossier_id = ?, state = 'answered' "
                       "where id = ?", [kind, dossier_id, in_id])
            return outbox.queue(db, channel="sms", peer=number, kind="lookup_reply",
                                body=sms_text.choose(reply, cfg.unicode), reply_to=in_id,
                                dossier_id=dossier_id, now=moment)

    # -- outgoing -------------------------------------------------------------------------

    def deliver(self, channel: str, now: dt.datetime | None = None) -> int:
        """Send the due messages of a channel; returns how many went out."""
        sent = 0
        for row in outbox.due(self.store.db, channel, now):
            if self._stop.is_set():
                break
            if not outbox.claim(self.store, row["id"], now):
                continue
            try:
                if channel == "sms":
                    encoding, parts = self.modem.send(row["peer"], row["body"])
                else:
                    mailer.send(self.config.email, row["peer"], row["subject"], row["body"])
                    encoding, parts = "utf-8", 1
            except (ModemError, mailer.MailError) as exc:
                state = outbox.failed_attempt(
                    self.store, row["id"], str(exc), max_attempts=self.config.sms.max_attempts,
                    retry_seconds=self.config.sms.retry_seconds, now=now)
                log.warning("%s #%s to %s failed (%s): %s", channel, row["id"], row["peer"],
                            state, exc)
                if channel == "sms" and exc.link:
                    self._link_failed(exc)
                if channel == "email":
                    # Words of our own, not the server's: the alarm goes out in the
                    # public retained state (state/supervision), and a refused
                    # recipient's exception names the citizen's address, in English.
                    # The server's words stay in the delivery log and the hub's log.
                    alarms.raise_alarm(EMAIL_ALARM, EMAIL_UNREACHABLE if exc.link
                                       else EMAIL_REFUSED, severity="warning", source="sms")
                if state == "failed":
                    self._refresh_failed_alarm()
                if exc.link:
                    break  # the modem or server is away: the others keep their turn
                continue
            outbox.mark_sent(self.store, row["id"], encoding=encoding, parts=parts, now=now)
            sent += 1
            if channel == "sms":
                self._link_ok()
            else:
                alarms.clear(EMAIL_ALARM)
        return sent

    # -- alarms -------------------------------------------------------------------------------

    def _link_failed(self, exc: Exception) -> None:
        self._link_failures += 1
        if self._link_failures == 1:
            log.error("SMS modem: %s", exc)
        if self._link_failures >= ALARM_AFTER_FAILURES:
            alarms.raise_alarm(MODEM_ALARM, f"Modem SMS không hoạt động: {exc}", source="sms")

    def _link_ok(self) -> None:
        if self._link_failures:
            log.info("SMS modem back after %d failure(s)", self._link_failures)
        self._link_failures = 0
        alarms.clear(MODEM_ALARM)

    def _refresh_failed_alarm(self) -> None:
        n = self.store.db.execute(
            "select count(*) from messages where direction = 'out' and state = 'failed'"
        ).fetchone()[0]
        if n:
            alarms.raise_alarm(FAILED_ALARM, f"{n} tin nhắn/thư thông báo không gửi được "
                                             "(xem nhật ký gửi tin)", source="sms")
        else:
            alarms.clear(FAILED_ALARM)
