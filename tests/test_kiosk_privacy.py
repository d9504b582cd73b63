"""Privacy by design (issue 27): what a scanned ID card leaves behind after a visit.

A citizen scans the card at a kiosk on the real broker and hub, looks up
their dossiers by it (the one request that must carry the number, to the
hub only, never retained), takes a priority ticket and leaves feedback under
the name from the card; the kiosk times out. Then every place the identity
number could have gone is searched: the logs (every logger, DEBUG), every
message on the centre's bus during the visit, the retained messages after
it, the hub's database file, the province uplink's batches, the kiosk's own
files and memory. Only what the actions keep is found: the ticket's priority
class and the name the citizen kept on the feedback.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path

import pygame

from motcua.bus import BusClient, Topics
from motcua.bus.paho import PahoTransport
from motcua.config import MqttConfig, from_dict

from .conftest import wait_until
from .test_kiosk_idcard import ELDER

NUMBER, OLD_NUMBER = "038058004321", "172345678"
SECRETS = [NUMBER, OLD_NUMBER, "14031958", "Thôn Đông", "Quảng Tâm"]


def found_in(blob) -> list[str]:
    text = blob.decode("utf-8", "replace") if isinstance(blob, bytes) else str(blob)
    return [s for s in SECRETS if s in text]


def listener(broker, center, name):
    client = BusClient(PahoTransport(from_dict(MqttConfig, {"port": broker.port}),
                                     client_id=f"{name}-{center}"), Topics(center))
    client.heard = []
    client.subscribe(f"motcua/{center}/#", lambda m: client.heard.append(m), checked=False)
    client.start()
    assert client.wait_connected(10)
    return client


def test_after_a_visit_no_identity_number_is_anywhere(broker, center, queue_hub, store,
                                                      make_node, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    everything = listener(broker, center, "all")
    kiosk_files = tmp_path / "kiosk-files"
    kiosk = make_node("kiosk", "kiosk-1", outbox=str(kiosk_files / "outbox.db"),
                      replica=str(kiosk_files / "replica.db"),
                      printer={"kind": "folder", "path": str(kiosk_files / "tickets")},
                      dossier_lookup_by_id=True)
    queue_hub.config.dossiers.lookup_by_id = True
    surface = pygame.Surface((1080, 1920))
    ui = kiosk.open_screen(surface)
    clock = [0.0]
    ui.monotonic = lambda: clock[0]
    ui.now = lambda: dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)
    wait_until(lambda: kiosk.hub_online and kiosk.issuer.outbox.remaining("ho-tich") > 0,
               timeout=10)

    # The visit: one scan, the holder's dossiers, a priority ticket, feedback under the
    # card's name.
    ui.scanned(ELDER)
    ui.step(surface)
    ui.tap_button("card:dossiers")
    ui.step(surface)
    ui.wait_lookup()
    assert ui.screen.outcome == {"found": False, "dossiers": []}
    ui.back()
    ui.step(surface)
    ui.tap_button("card:ticket")
    ui.step(surface)
    ui.tap_button("service:ho-tich")
    ui.step(surface)
    ui.wait_ticket()
    ui.step(surface)
    assert ui.screen.printed.ticket.priority  # the hub's name of the elderly's class
    ui.go_home()
    ui.open_feedback()
    form = ui.screen
    assert form.contact_name == "Lê Văn Bình"
    form.topic = "waiting"
    ui.start_feedback(form)
    ui.wait_feedback()
    ui.step(surface)
    assert ui.screen.outcome.get("code")
    clock[0] += ui.idle_seconds + 1  # the citizen walks away
    ui.step(surface)
    assert ui.screen.name == "attract" and ui.session.card is None and len(ui.stack) == 1

    # What the actions keep, and nothing more.
    ticket = store.db.execute("select t.display, p.code from tickets t join priority_classes "
                              "p on p.id = t.priority_class_id").fetchall()
    assert [tuple(r) for r in ticket] == [("A001", "elderly")]
    assert store.db.execute("select contact_name from feedback").fetchall()[0][0] == \
        "Lê Văn Bình"

    # The hub's database: every table, and the files on disk (WAL included).
    for (table,) in store.db.execute("select name from sqlite_master where type = 'table'"):
        for row in store.db.execute(f"select * from [{table}]"):
            assert not found_in(row), (table, row)
    database = Path(store.db.execute("pragma database_list").fetchone()[2])
    for path in database.parent.glob(database.name + "*"):
        assert not found_in(path.read_bytes()), path
    # The kiosk's own files: its outbox, replica and printed tickets.
    for path in kiosk_files.rglob("*"):
        if path.is_file():
            assert not found_in(path.read_bytes()), path
    # Every message on the centre's bus during the visit, then what is retained.
    time.sleep(0.3)
    assert everything.heard, "the listener heard nothing: the search would prove nothing"
    asked = [m for m in everything.heard if m.topic.endswith("/request/dossier_lookup_by_id")]
    assert len(asked) == 1 and found_in(asked[0].payload) == [NUMBER]  # the one request
    for message in everything.heard:
        if message is not asked[0]:
            assert not found_in(message.payload), message.topic
    assert any(b"L\xc3\xaa V\xc4\x83n B\xc3\xacnh" in m.payload for m in everything.heard), \
        "the feedback (with the kept name) should have crossed the bus"
    everything.stop()
    retained = listener(broker, center, "late")
    time.sleep(0.5)
    # What the broker keeps (retained), and whatever else the hub published meanwhile
    # (a ticker's figures may go out in that half second): nowhere the number.
    assert [m for m in retained.heard if m.retain]
    for message in retained.heard:
        assert not found_in(message.payload), message.topic
    retained.stop()
    # The province uplink: today's batches built from the hub's store.
    from central.province.uplink import Uplink

    batches = []
    uplink = Uplink(store, Topics(center), lambda topic, payload, retain: batches.append(
        payload), "Trung tâm")
    uplink.tick()
    assert batches, "the uplink sent nothing: the search would prove nothing"
    assert not any(found_in(b) for b in batches)
    # The logs of the hub, the kiosk and the bus, at DEBUG.
    assert caplog.records
    for record in caplog.records:
        assert not found_in(record.getMessage()), record.getMessage()
