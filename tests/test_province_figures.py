"""The province's figures for a centre are the centre's own: a supervisor reading
``/province`` sees for each centre what that centre's own pages say.

The centre here is real (the shipped sample centre, tickets issued and called
through the queue API as its nodes do); what goes up is what its uplink builds
(:class:`central.province.uplink.Uplink`), and the province stores it through
the same ingest as the provincial hub, on SQLite and on PostgreSQL."""

import datetime as dt

from central.calendar.working_time import VN
from central.province import ingest, reports
from central.province.uplink import Uplink
from central.queue import api, setup, state
from motcua import clock
from motcua.bus import Topics
from motcua.bus.messages import encode

DAY = dt.date(2026, 4, 6)


def at(h, m, day=DAY):
    return dt.datetime(day.year, day.month, day.day, h, m, tzinfo=VN)


def serve_morning(store, center, day=DAY):
    """Four citizens at counter 1: three called in turn (next), one by number (call)."""
    from central.accounts import users

    topics = Topics(center)
    lan = users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan-1")
    with store.write() as db:
        api.sign_in(db, topics, 1, lan["id"])
        for minute in (0, 1, 2, 3):
            api.issue_ticket(db, topics, "ho-tich", now=at(8, minute, day))

    def command(action, when, **kw):
        with store.write() as db:
            api.counter_command(db, topics, setup.counter_by_number(db, 1), action, now=when,
                                **kw)

    command("next", at(8, 5, day))
    command("finish", at(8, 10, day))
    command("call", at(8, 11, day), number="A004", reason="Người cao tuổi")
    command("finish", at(8, 15, day))
    command("next", at(8, 16, day))
    command("finish", at(8, 20, day))
    command("next", at(8, 21, day))
    return topics


def send_up(centre_store, province_store, topics, now):
    """What the centre's uplink and its retained queue figures carry to the province."""
    sent = []
    Uplink(centre_store, topics, lambda topic, payload, retain: sent.append((topic, payload)),
           "Trung tâm xã Đông Sơn").tick()
    sent.append((topics.state("queue_stats"), state.stats(centre_store.db)))
    with province_store.write() as db:
        for topic, payload in sent:
            ingest.apply(db, topic.replace("motcua/", "province/", 1),
                         payload if isinstance(payload, bytes) else encode(payload), now)


def test_calls_at_the_province_are_the_centres_calls(sample_centre, province_store,
                                                     hub_config, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: at(8, 30))
    topics = serve_morning(sample_centre, hub_config.center)
    calls = sample_centre.db.execute(
        "select count(*) from ticket_events where to_status = 'called'").fetchone()[0]
    assert calls == 4
    send_up(sample_centre, province_store, topics, clock.iso(at(8, 30)))
    row = reports.centres(province_store.db)[0]
    assert (row["issued"], row["done"], row["calls_today"]) == (4, 3, 4)
