"""A stolen centre Pi or bridge password at the provincial broker (real Mosquitto in the
production configuration `motcua provision` writes for a province): it writes only
its own centre's summaries and floor topics, one level deep, no packet bigger than a
bus message, and the province revokes it with its inventory and a reload."""

import queue
import signal
import ssl
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from motcua.broker import ProductionMosquitto, free_port
from motcua.provision import TIER_MAX_PACKET, provision

INVENTORY = 'center = "tinh"\n[broker]\nhost = "localhost"\n'


def connect(port, ca, user, password):
    """A client as a thief would run one: paho, the centre's user and password. Returns
    (client, messages, events) where events gets ("connect", rc) and ("disconnect", rc)."""
    messages, events = queue.Queue(), queue.Queue()
    c = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    c.username_pw_set(user, password)
    c.tls_set_context(ssl.create_default_context(cafile=str(ca)))
    c.on_connect = lambda cl, u, f, rc, p: events.put(("connect", rc))
    c.on_disconnect = lambda cl, u, f, rc, p: events.put(("disconnect", rc))
    c.on_message = lambda cl, u, m: messages.put((m.topic, m.payload))
    c.connect("localhost", port)
    c.loop_start()
    return c, messages, events


def connected(events) -> bool:
    kind, rc = events.get(timeout=10)
    return kind == "connect" and not rc.is_failure


def received(messages, until: str, timeout=10) -> list[str]:
    """The topics received up to and including ``until``."""
    got = []
    while not got or got[-1] != until:
        got.append(messages.get(timeout=timeout)[0])
    return got


@pytest.fixture
def province(tmp_path):
    inv = tmp_path / "tinh.toml"
    inv.write_text(INVENTORY + '[[centres]]\nid = "xa-a"\n[[centres]]\nid = "xa-b"\n')
    out = tmp_path / "tinh"
    provision(inv, out)
    broker = ProductionMosquitto(out / "broker", port=free_port(),
                                 data_dir=tmp_path / "tinh-data").start()
    clients = []

    def client(user, password=None):
        password = password or (out / "centres" / user / "bridge-password").read_text().strip()
        made = connect(broker.port, out / "ca" / "ca.crt", user, password)
        clients.append(made[0])
        return made

    hub, seen, events = client("hub", (out / "hub" / "mqtt-password").read_text().strip())
    assert connected(events)
    hub.subscribe("province/#", qos=1)
    time.sleep(0.3)
    try:
        yield inv, out, broker, client, seen
    finally:
        for c in clients:
            c.loop_stop()
            c.disconnect()
        broker.stop()


def test_a_centres_password_writes_only_its_own_topics_one_level_deep(province):
    _, out, _, client, seen = province
    acl = (out / "broker" / "acl").read_text()
    assert "topic write province/xa-a/#" not in acl
    stolen, _, events = client("xa-a")
    assert connected(events)
    for topic in ("province/xa-a/state/counter/1/x/y",  # a tree of retained junk
                  "province/xa-a/state/anything",       # a topic no centre sends
                  "province/xa-a/up/junk",
                  "province/xa-a/hub/cmd",
                  "province/xa-b/state/line/A",         # another centre's
                  "province/tinh/state/reports"):       # the province's own cue
        stolen.publish(topic, b'{"v": 1}', qos=1, retain=True).wait_for_publish(5)
    stolen.publish("province/xa-a/state/line/A", b'{"v": 1}', qos=1).wait_for_publish(5)
    assert received(seen, "province/xa-a/state/line/A") == ["province/xa-a/state/line/A"]
    # What a centre's bridge does send still goes through.
    for topic in ("state/board/main", "state/counter/3", "state/queue_stats", "state/nodes",
                  "up/ticket_events", "up/dossiers", "up/dossier_events", "up/ratings",
                  "bridge/state"):
        stolen.publish(f"province/xa-a/{topic}", b"1", qos=1).wait_for_publish(5)
        assert received(seen, f"province/xa-a/{topic}") == [f"province/xa-a/{topic}"]


def test_a_packet_bigger_than_a_bus_message_is_refused_by_the_broker(province):
    _, out, _, client, seen = province
    assert f"max_packet_size {TIER_MAX_PACKET}" in (out / "broker" / "mosquitto.conf").read_text()
    stolen, _, events = client("xa-a")
    assert connected(events)
    stolen.publish("province/xa-a/up/ticket_events", b"x" * (TIER_MAX_PACKET + 1), qos=0)
    kind, _ = events.get(timeout=10)
    assert kind == "disconnect"  # the broker closed it
    with pytest.raises(queue.Empty):
        seen.get(timeout=1)
    # A whole bus message (64 KiB) still fits.
    fits, _, events = client("xa-b")
    assert connected(events)
    fits.publish("province/xa-b/up/dossiers", b"y" * 65536, qos=1).wait_for_publish(5)
    assert seen.get(timeout=10) == ("province/xa-b/up/dossiers", b"y" * 65536)


def test_the_province_revokes_a_centres_password_with_a_reload(province):
    inv, out, broker, client, seen = province
    old_password = (out / "centres" / "xa-a" / "bridge-password").read_text().strip()
    stolen, _, events = client("xa-a")
    assert connected(events)
    stolen.publish("province/xa-a/state/queue_stats", b"1", qos=1).wait_for_publish(5)
    assert received(seen, "province/xa-a/state/queue_stats")
    # The province marks the centre revoked, provisions again and reloads the broker
    # (systemctl reload mosquitto: SIGHUP), as docs/security.md says.
    inv.write_text(INVENTORY + '[[centres]]\nid = "xa-a"\nrevoked = true\n'
                   '[[centres]]\nid = "xa-b"\n')
    result = provision(inv, out)
    assert result.removed_users == ["xa-a"]
    acl = (out / "broker" / "acl").read_text()
    assert "user xa-a" not in acl and "# xa-a: revoked" in acl
    assert "user xa-b" in acl
    broker.process.send_signal(signal.SIGHUP)
    # The connection already open is closed by the broker (its user is gone) ...
    kind, _ = events.get(timeout=10)
    assert kind == "disconnect"
    stolen.loop_stop()
    # ... and the old password no longer connects.
    again, _, events = client("xa-a", old_password)
    kind, rc = events.get(timeout=10)
    assert kind == "connect" and rc.is_failure, rc
    # Nothing it sends arrives; the other centre is untouched.
    other, _, events = client("xa-b")
    assert connected(events)
    other.publish("province/xa-b/state/queue_stats", b"2", qos=1).wait_for_publish(5)
    assert received(seen, "province/xa-b/state/queue_stats") == [
        "province/xa-b/state/queue_stats"]


def test_a_revoked_centre_reads_revoked_on_the_provinces_pages(province, tmp_path,
                                                               monkeypatch):
    # Before: the province's pages only knew the bridge's 1/0, so a centre the province
    # had just revoked read "Mất kết nối" (and a thief's reconnects made it flap between
    # up and down), as if its line had dropped: the supervisor could not tell the two.
    import dataclasses
    import datetime as dt

    from central.config import HubConfig
    from central.province import ingest
    from central.store import Store
    from motcua import clock
    from motcua.config import load

    from .test_province_figures import signed_in_client, text_of

    inv, out, broker, client, seen = province
    inv.write_text(INVENTORY + '[[centres]]\nid = "xa-a"\nname = "Trung tâm xã Đông Sơn"\n'
                   'revoked = true\n[[centres]]\nid = "xa-b"\nname = "Trung tâm xã Nga Sơn"\n'
                   '[[centres]]\nid = "xa-c"\nname = "Trung tâm xã Hà Trung"\nrevoked = true\n')
    provision(inv, out)
    config = load(HubConfig, out / "hub" / "hub.toml")
    assert config.revoked_centres == ["xa-a", "xa-c"]
    # xa-a was heard, then its bridge (or the thief) went away; xa-c never sent a thing.
    now = clock.now()
    monkeypatch.setattr(clock, "now", lambda: now)
    store = Store(str(tmp_path / "tinh.db"))
    with store.write() as db:
        for center, link in (("xa-a", b"1"), ("xa-b", b"1"), ("xa-a", b"0")):
            ingest.apply(db, f"province/{center}/bridge/state", link,
                         clock.iso(now - dt.timedelta(minutes=1)))
    config = dataclasses.replace(config, database=str(tmp_path / "tinh.db"),
                                 secret_key_file=str(tmp_path / "key"))
    web = signed_in_client(config, store, store)
    html = web.get("/province").get_data(as_text=True)
    rows = {c: " ".join(text_of(html.split(f'data-center="{c}"')[1].split("</tr>")[0]).split())
            for c in ("xa-a", "xa-b")}
    assert "Đã thu hồi" in rows["xa-a"] and "Mất kết nối" not in rows["xa-a"], rows
    assert 'data-center="xa-a" data-link="revoked"' in html
    assert "Đang kết nối" in rows["xa-b"]
    silent = text_of(html.split('id="silent"')[1].split("</table>")[0])
    assert silent.count("Tỉnh đã thu hồi quyền kết nối") == 2       # xa-a and xa-c
    assert "Hà Trung" in silent and "Chưa gửi dữ liệu lên tỉnh lần nào" not in silent
    floor = text_of(web.get("/province/xa-a").get_data(as_text=True))
    assert "Đã thu hồi" in floor and "Mất kết nối" not in floor
    store.close()


def test_a_stolen_centres_flood_is_held_to_its_budget_and_named_on_the_page(tmp_path):
    # Before: every possible record a centre's password sent was stored, as fast as its
    # link carried (Mosquitto 2.0.11 has no per-client rate): 1,000 made-up ticket
    # events in a second all went into the province's store. Now each centre has a
    # budget at the ingest (a burst, then a rate; 300 and ~0 here, 200,000 and 5/s by
    # default): over it refused, counted, and said under the centre's name.
    from central.accounts import users
    from central.store import Store
    from motcua.bus.messages import UP_TICKET_EVENTS, encode

    from .province_rig import _hub_toml, _start_hub
    from .test_attack_one_address import Browser

    inv = tmp_path / "tinh.toml"
    inv.write_text(INVENTORY + '[[centres]]\nid = "xa-a"\nname = "Trung tâm xã Đông Sơn"\n'
                   '[[centres]]\nid = "xa-b"\nname = "Trung tâm xã Nga Sơn"\n')
    out = tmp_path / "tinh"
    provision(inv, out)
    broker = ProductionMosquitto(out / "broker", port=free_port(),
                                 data_dir=tmp_path / "tinh-data").start()
    db = tmp_path / "tinh.db"
    staff = Store(str(db))
    users.create_user(staff, "gs.tinh", "Giám sát tỉnh", "supervisor", "mat-khau-giam-sat")
    staff.close()
    config = _hub_toml(tmp_path / "hub.toml", "tinh", "Tỉnh Thanh Hóa", db, broker.port, out,
                       'role = "province"\n')
    with open(config, "a", encoding="utf-8") as f:
        f.write("[budget]\ncentre_records_burst = 300\ncentre_records_per_second = 0.001\n")
    hub = _start_hub(config, tmp_path / "hub.log")  # returns once it listens
    http_port = hub.http_port
    clients = []
    try:

        def batch(first: int) -> bytes:
            return encode(UP_TICKET_EVENTS.make(events=[
                {"event_id": i, "at": "2026-12-07T02:00:00.000+00:00", "day": "2026-12-07",
                 "action": "call", "to_status": "called", "ticket_id": i,
                 "display": f"A{i % 1000:03d}", "service": "ho-tich", "counter": 1,
                 "officer": "lan.nt", "officer_name": "Nguyễn Thị Lan"}
                for i in range(first, first + 50)]))

        ca = out / "ca" / "ca.crt"
        for user, batches in (("xa-a", 20), ("xa-b", 2)):
            password = (out / "centres" / user / "bridge-password").read_text().strip()
            c, _, events = connect(broker.port, ca, user, password)
            clients.append(c)
            assert connected(events)
            for n in range(batches):
                c.publish(f"province/{user}/up/ticket_events", batch(1 + 50 * n),
                          qos=1).wait_for_publish(10)

        def counts():
            import sqlite3
            with sqlite3.connect(db, timeout=10) as conn:
                stored = dict(conn.execute("select center, count(*) from "
                                           "province_ticket_events group by center"))
                refused = {c: p for c, p in conn.execute(
                    "select center, payload from province_state where name = '#refused'")}
            return stored, refused

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            stored, refused = counts()
            if stored.get("xa-b") == 100 and '"count": 14' in refused.get("xa-a", ""):
                break
            time.sleep(0.2)
        assert stored == {"xa-a": 300, "xa-b": 100}, (stored, refused)
        assert '"count": 14' in refused["xa-a"] and "xa-b" not in refused
        supervisor = Browser(f"http://127.0.0.1:{http_port}")
        assert supervisor.post("/login", {"username": "gs.tinh",
                                          "password": "mat-khau-giam-sat"})[0] == 302
        status, html = supervisor.get("/province")
        row = " ".join(html.split('data-center="xa-a"')[1].split("</tr>")[0].split())
        assert status == 200 and "14 bản tin bị từ chối" in row
        assert "trung tâm gửi quá nhiều bản ghi (quá hạn mức 300 bản ghi" in row
        assert "bị từ chối" not in html.split('data-center="xa-b"')[1].split("</tr>")[0]
    finally:
        for c in clients:
            c.disconnect()
            c.loop_stop()
        hub.terminate()
        hub.wait(20)
        broker.stop()
