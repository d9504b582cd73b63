"""Which events call for a notice, turned into queued messages (each once).

Dossier notices come from the dossier's own history (``dossier_events``),
read past a cursor kept in the database, so nothing in the dossier code has to
remember to notify; the cursor moves in the same transaction that queues the
messages, and each message's ``dedupe`` key names the event, so a restart or
a second scan never queues one twice::

    queue_dossier_notices(store, config)   # result ready, apology, supplement
    queue_turn_notices(store, config)      # queue tickets three places from the front
    queue_appointment_notices(store, config)    # booked, moved, cancelled, lost its seat
    queue_appointment_reminders(store, config)  # the day before

Bookings (``appointment_events``) are read past their own cursor the same way; the
booking itself holds the phone (and the e-mail address when given).

Only dossiers whose applicant opted in at reception (``dossier_contacts``)
and tickets with a phone number (``ticket_contacts``) are notified.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from urllib.parse import quote

from motcua import clock

from .. import dossiers
from ..appointments import bookings, rules
from ..calendar.working_time import VN
from ..config import HubConfig
from ..queue import tickets
from ..store import Store
from . import outbox
from . import text as sms_text

log = logging.getLogger(__name__)

ACTIONS = {"result_ready": "result_ready", "apologise": "late",
           "request_supplement": "supplement"}
CURSOR = "dossier_event_cursor"
APPOINTMENT_CURSOR = "appointment_event_cursor"
APPOINTMENT_ACTIONS = {"book": "appointment_booked", "move": "appointment_moved",
                       "cancel": "appointment_cancelled", "affected": "appointment_affected"}
# Events older than this when first seen (the worker was off) are not notified:
# "your result is ready" a week late helps nobody.
STALE_AFTER = dt.timedelta(days=2)


def sms_on(config: HubConfig) -> bool:
    return config.sms.enabled


def email_on(config: HubConfig) -> bool:
    return bool(config.email.host)


def add_ticket_contact(db, ticket_id: int, phone: str, now: dt.datetime | None = None) -> None:
    db.execute("insert into ticket_contacts (ticket_id, phone, created_at) values (?, ?, ?) "
               "on conflict(ticket_id) do update set phone = excluded.phone",
               [ticket_id, phone, clock.iso(now)])


def notice_text(kind: str, d: dict, event: dict, config: HubConfig) -> list[str] | None:
    """Wordings of a dossier notice (fullest first), or ``None`` when it no longer applies."""
    if kind == "result_ready":
        if d["status"] != 9:  # already handed over, or changed since: nothing to say
            return None
        return sms_text.result_ready(d, config.center_name)
    if kind == "late":
        return sms_text.will_be_late(d, d["apology_due_at"], config.timezone)
    if kind == "supplement":
        if d["status"] != 5:
            return None
        return sms_text.supplement(d, event["note"])
    return None


def queue_dossier_notices(store: Store, config: HubConfig, now: dt.datetime | None = None,
                          batch: int = 500) -> int:
    """Queue the notices of dossier events past the cursor; returns how many were queued."""
    moment = now or clock.now()
    queued = 0
    # Most rounds find nothing new: look before taking the write lock.
    newest = store.db.execute("select max(id) from dossier_events").fetchone()[0] or 0
    if newest <= int(outbox.get_state(store.db, CURSOR, "0") or 0):
        return 0
    with store.write() as db:
        cursor = int(outbox.get_state(db, CURSOR, "0") or 0)
        rows = list(db.query(
            "select e.id, e.dossier_id, e.action, e.note, e.at from dossier_events e "
            "where e.id > ? order by e.id limit ?", [cursor, batch]))
        for event in rows:
            cursor = event["id"]
            kind = ACTIONS.get(event["action"])
            if kind is None:
                continue
            contact = db.execute("select sms, email from dossier_contacts where dossier_id = ?",
                                 [event["dossier_id"]]).fetchone()
            if contact is None:
                continue
            if moment - clock.from_iso(event["at"]) > STALE_AFTER:
                log.info("dossier event %s too old to notify", event["id"])
                continue
            d = dossiers.get(db, event["dossier_id"])
            wordings = notice_text(kind, d, event, config)
            if wordings is None:
                continue
            body = sms_text.choose(wordings, config.sms.unicode)
            if (contact[0] and d["applicant_phone"] and sms_on(config)
                    and outbox.queue(db, channel="sms", peer=d["applicant_phone"], kind=kind,
                                     body=body, dedupe=f"{kind}:event:{event['id']}:sms",
                                     dossier_id=d["id"], now=moment)):
                queued += 1
            if contact[1] and email_on(config):
                subject = sms_text.EMAIL_SUBJECTS[kind].format(code=d["code"])
                mail = sms_text.email_body(wordings[0], d, config.center_name,
                                           _lookup_url(config, d))
                if outbox.queue(db, channel="email", peer=contact[1], kind=kind,
                                subject=subject, body=mail,
                                dedupe=f"{kind}:event:{event['id']}:email",
                                dossier_id=d["id"], now=moment):
                    queued += 1
        outbox.put_state(db, CURSOR, str(cursor))
    return queued


def _lookup_url(config: HubConfig, d: dict) -> str:
    base = config.dossiers.public_url.rstrip("/")
    if not base:
        return ""
    return f"{base}/tra-cuu?code={quote(d['code'])}"


def queue_turn_notices(store: Store, config: HubConfig, now: dt.datetime | None = None) -> int:
    """'Your turn is near' for waiting tickets with a phone, at most
    ``[sms] turn_near_ahead`` places from the front; once per ticket."""
    if not sms_on(config):
        return 0
    queued = 0
    sql = ("select t.*, c.phone from ticket_contacts c join tickets t on t.id = c.ticket_id "
           "where t.status = 'waiting' and not exists (select 1 from messages m "
           "where m.dedupe = 'turn_near:ticket:' || t.id || ':sms')")
    # Looked at without the write lock; the queueing below looks again.
    if not any(tickets.people_ahead(store.db, t) <= config.sms.turn_near_ahead
               for t in store.db.query(sql)):
        return 0
    with store.write() as db:
        for ticket in list(db.query(sql)):
            ahead = tickets.people_ahead(db, ticket)
            if ahead > config.sms.turn_near_ahead:
                continue
            if outbox.queue(db, channel="sms", peer=ticket["phone"], kind="turn_near",
                            body=sms_text.choose(sms_text.turn_near(ticket, ahead),
                                                 config.sms.unicode),
                            dedupe=f"turn_near:ticket:{ticket['id']}:sms",
                            ticket_id=ticket["id"], now=now):
                queued += 1
    return queued


def _when(b: dict, zone: str) -> str:
    return clock.show(b["starts_at"], zone, "%H:%M %d/%m/%Y")


def _queue_booking(db, config: HubConfig, b: dict, kind: str, dedupe: str, reason: str,
                   now: dt.datetime) -> int:
    wordings = sms_text.appointment(kind, b, _when(b, config.timezone), config.center_name,
                                    reason)
    queued = 0
    if sms_on(config) and outbox.queue(
            db, channel="sms", peer=b["phone"], kind=kind,
            body=sms_text.choose(wordings, config.sms.unicode), dedupe=f"{dedupe}:sms",
            now=now):
        queued += 1
    if b["email"] and email_on(config):
        mail = sms_text.email_body(wordings[0], {"applicant_name": b["name"]},
                                   config.center_name)
        if outbox.queue(db, channel="email", peer=b["email"], kind=kind,
                        subject=sms_text.EMAIL_SUBJECTS[kind].format(code=b["code"]),
                        body=mail, dedupe=f"{dedupe}:email", now=now):
            queued += 1
    return queued


def queue_appointment_notices(store: Store, config: HubConfig, now: dt.datetime | None = None,
                              batch: int = 500) -> int:
    """Tell the citizen what happened to a booking (booked, moved, cancelled, lost its seat
    after a change of counters, calendar or a closure): one message per event and channel."""
    moment = now or clock.now()
    # A change of counters or calendar made anywhere (the admin pages recheck at once;
    # `motcua queue load` does not): bookings left without a seat, told below.
    bookings.recheck_if_changed(store, config, moment)
    newest = store.db.execute("select max(id) from appointment_events").fetchone()[0] or 0
    if newest <= int(outbox.get_state(store.db, APPOINTMENT_CURSOR, "0") or 0):
        return 0
    queued = 0
    with store.write() as db:
        cursor = int(outbox.get_state(db, APPOINTMENT_CURSOR, "0") or 0)
        for event in list(db.query(
                "select id, appointment_id, action, detail, at from appointment_events "
                "where id > ? order by id limit ?", [cursor, batch])):
            cursor = event["id"]
            kind = APPOINTMENT_ACTIONS.get(event["action"])
            if kind is None or moment - clock.from_iso(event["at"]) > STALE_AFTER:
                continue
            b = bookings.get(db, event["appointment_id"])
            if b["ends_at"] <= clock.iso(moment):
                continue  # over already: nothing useful to say
            detail = json.loads(event["detail"] or "{}")
            queued += _queue_booking(db, config, b, kind, f"{kind}:event:{event['id']}",
                                     detail.get("reason", ""), moment)
        outbox.put_state(db, APPOINTMENT_CURSOR, str(cursor))
    return queued


def queue_appointment_reminders(store: Store, config: HubConfig,
                                now: dt.datetime | None = None) -> int:
    """The day before, from ``reminder_hour`` (appointment settings, 9 by default): a
    reminder for every booking still held for tomorrow (once per booking and slot; a
    booking moved to another day is reminded again)."""
    moment = now or clock.now()
    if not (sms_on(config) or email_on(config)):
        return 0
    if moment.astimezone(VN).hour < rules.settings(store.db)["reminder_hour"]:
        return 0  # not at night: from this hour of the day before
    due = [b for b in bookings.reminders_due(store.db, moment)
           if store.db.execute("select 1 from messages where dedupe like ? limit 1",
                               [f"appointment_reminder:{b['id']}:{b['starts_at']}:%"]
                               ).fetchone() is None]
    if not due:
        return 0
    queued = 0
    with store.write() as db:
        for b in due:
            queued += _queue_booking(db, config, b, "appointment_reminder",
                                     f"appointment_reminder:{b['id']}:{b['starts_at']}", "",
                                     moment)
    return queued
