"""The country above the provinces: a provincial broker bridged up to a national broker,
and the national hub's figures for a province equal to the province's own.

Real Mosquitto brokers (the provincial one with the bridge generated from
broker-config/national-bridge.conf.template), the national store in PostgreSQL
and the province's in SQLite, both written by the same ingest code."""

from __future__ import annotations

import datetime as dt
import shutil
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from central.config import HubConfig
from central.province import reports
from central.province.gateway import ProvinceGateway
from central.province.stores import PostgresStore
from central.store import Store
from motcua.broker import Mosquitto
from motcua.bus.messages import UP_DOSSIER_EVENTS, UP_DOSSIERS, UP_TICKET_EVENTS, encode
from motcua.config import from_dict
from motcua.provision.national import national_acl, national_bridge
from tests.conftest import PROJECT, wait_until
from tests.signing import login

RECEIVED = "2026-11-20T02:00:00.000+00:00"


def dossier(code, version, **changes):
    row = {"code": code, "dossier_id": int(code.rsplit("-", 1)[1]),
           "procedure_code": "1.001193", "procedure_name": "Đăng ký khai sinh",
           "procedure_field": "Hộ tịch", "procedure_level": "commune",
           "department_code": "TP", "department_name": "Phòng Tư pháp",
           "channel": "in_person", "status": 4, "stage": "running", "received_at": RECEIVED,
           "due_at": "2026-11-25T10:00:00.000+00:00", "updated_at": RECEIVED,
           "version": version}
    return {**row, **changes}


def centre_summaries(n: int) -> list[tuple[str, bytes]]:
    """What centre n's bridge delivers to its province: dossiers, their events, calls."""
    resolved = [dossier(f"H56-{i}", 2, status=9, stage="ready",
                        classification="late" if i % 3 == 0 else "on_time",
                        result_at="2026-11-24T02:00:00.000+00:00") for i in range(1, 4 + n)]
    open_ = [dossier(f"H56-{i}", 1) for i in range(10, 12 + n)]
    events = []
    for d in resolved + open_:
        events.append({"code": d["code"], "at": RECEIVED, "action": "receive",
                       "from_status": None, "to_status": 2,
                       "due_at": d["due_at"], "classification": None})
        if d["stage"] == "ready":
            events.append({"code": d["code"], "at": d["result_at"], "action": "result_ready",
                           "from_status": 4, "to_status": 9, "due_at": None,
                           "classification": d["classification"]})
    for i, e in enumerate(events, 1):
        e["event_id"] = i
    calls = [{"event_id": i, "at": "2026-11-27T02:00:00.000+00:00", "day": "2026-11-27",
              "action": "call" if i % 2 else "finish", "to_status": "called" if i % 2 else "done",
              "ticket_id": i, "display": f"A{i:03d}",
              "service": "ho-tich", "counter": 1, "officer": "lan.nt",
              "officer_name": "Nguyễn Thị Lan"} for i in range(1, 5 + n)]
    centre = f"xa-{n}"
    return [(f"province/{centre}/up/dossiers", encode(UP_DOSSIERS.make(dossiers=resolved + open_))),
            (f"province/{centre}/up/dossier_events", encode(UP_DOSSIER_EVENTS.make(events=events))),
            (f"province/{centre}/up/ticket_events", encode(UP_TICKET_EVENTS.make(events=calls))),
            (f"province/{centre}/bridge/state", b"1")]


def hub(role: str, center: str, port: int, database, store_url: str = "",
        **settings) -> HubConfig:
    return from_dict(HubConfig, {"center": center, "role": role, "database": str(database),
                                 "province_store": store_url,
                                 "mqtt": {"host": "127.0.0.1", "port": port}, **settings})


def test_the_national_figures_for_a_province_are_the_provinces_own(tmp_path, postgres_url):
    national = Mosquitto(PROJECT / "broker-config" / "test.conf",
                         data_dir=tmp_path / "national").start()
    # The provincial broker: the test configuration and, after it, the bridge up.
    conf_dir = tmp_path / "province-conf"
    conf_dir.mkdir()
    shutil.copy(PROJECT / "broker-config" / "test.conf", conf_dir / "province.conf")
    with open(conf_dir / "province.conf", "a", encoding="utf-8") as f:
        f.write("\n" + national_bridge("thanhhoa", "127.0.0.1", national.port, "thanhhoa",
                                        "unused-on-the-test-broker"))
    province = Mosquitto(conf_dir / "province.conf", data_dir=tmp_path / "province").start()
    province_store = Store(tmp_path / "province.db")
    national_store = PostgresStore(postgres_url)
    gateways = [
        ProvinceGateway(hub("province", "thanhhoa", province.port, tmp_path / "p-hub.db"),
                        province_store).start(),
        ProvinceGateway(hub("national", "vn", national.port, tmp_path / "n-hub.db",
                            postgres_url), national_store).start(),
    ]
    client = None
    try:
        for gw in gateways:
            assert gw.bus.wait_connected(15)
        time.sleep(1)  # the bridge's and the shared subscriptions' acknowledgements
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="centres",
                             protocol=mqtt.MQTTv5)
        client.connect("127.0.0.1", province.port)
        client.loop_start()
        for n in (1, 2, 3):
            for topic, payload in centre_summaries(n):
                client.publish(topic, payload, qos=1, retain=topic.endswith("bridge/state")
                               ).wait_for_publish(10)

        def counts(store):
            return store.db.execute("select count(*) from province_ticket_events").fetchone()[0]

        expected = sum(4 + n for n in (1, 2, 3))
        wait_until(lambda: counts(province_store) == expected
                   and counts(national_store) == expected, timeout=30)
        wait_until(lambda: national_store.db.execute(
            "select count(*) from province_centres where link = 'up' and center like '%/%'"
        ).fetchone()[0] == 3,
            timeout=15)

        now = "2026-11-27T03:00:00.000+00:00"
        start, end = "2026-11-01T00:00:00+07:00", "2026-12-01T00:00:00+07:00"
        own = reports.period_report(province_store.db, start, end, now)
        seen = reports.period_report(national_store.db, start, end, now, prefix="thanhhoa")
        assert [r["center"] for r in seen["centres"]] == [
            "thanhhoa/xa-1", "thanhhoa/xa-2", "thanhhoa/xa-3"]
        strip = [{**r, "center": r["center"].split("/", 1)[1]} for r in seen["centres"]]
        assert strip == own["centres"]
        assert {k: v for k, v in seen["province"].items()} == own["province"]
        assert own["province"]["resolved"] == 4 + 5 + 6 and own["province"]["late"] > 0
        # The province's own link to the country is known too (the bridge's will).
        assert reports.provinces(reports.centres(national_store.db))[0]["link"] == "up"
        # The country, added up per province: here one province, the same figures.
        country = reports.provinces_report(reports.period_report(national_store.db, start, end,
                                                                 now))
        assert country["provinces"][0]["province"] == "thanhhoa"
        assert country["provinces"][0]["received"] == own["province"]["received"]
        # The official Biểu 06 for the province at the national hub is the province's own.
        first, last = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
        a = reports.official_report(province_store.db, first, last, by="field")
        b = reports.official_report(national_store.db, first, last, by="field",
                                    prefix="thanhhoa")
        if a is not None:  # the statistics module is part of the hub
            assert a["total"] == b["total"] and a["rows"] == b["rows"]
        # Rankings and overdue lists, narrowed to the province.
        assert [o["code"] for o in reports.overdue(national_store.db, now, prefix="thanhhoa")
                ] == [o["code"] for o in reports.overdue(province_store.db, now)]
        ranked = reports.officer_rankings(national_store.db, "2026-11-27", "2026-11-27",
                                          prefix="thanhhoa")
        assert {r["center"] for r in ranked} == {"thanhhoa/xa-1", "thanhhoa/xa-2",
                                                 "thanhhoa/xa-3"}
        # Another province's key never matches this one's prefix.
        assert reports.centres(national_store.db, prefix="thanh") == []
    finally:
        if client is not None:
            client.loop_stop()
            client.disconnect()
        for gw in gateways:
            gw.stop()
        national_store.close()
        province_store.close()
        province.stop()
        national.stop()


def test_the_national_acl_confines_each_province():
    acl = national_acl(["thanhhoa", "nghean"], ingest_workers=1)
    lines = [ln for ln in acl.splitlines() if ln and not ln.startswith("#")]
    blocks: dict[str, list[str]] = {}
    for ln in lines:
        if ln.startswith("user "):
            user = blocks.setdefault(ln, [])
        else:
            user.append(ln)
    assert blocks["user thanhhoa"] == ["topic write vn/thanhhoa/#"]
    assert blocks["user nghean"] == ["topic write vn/nghean/#"]
    assert "topic read vn/#" in blocks["user hub"]
    assert blocks["user ingest-1"] == ["topic read vn/+/+/up/+"]
    assert not [t for t in blocks["user web"] if "/up/" in t or t.endswith("vn/#")]


def test_a_country_provisioned_from_its_inventories(tmp_path, sample_inventory):
    """`motcua provision` from the national inventory, then from a province's with
    [national]: over the production brokers (TLS, passwords, ACL), the province's
    centres reach the national broker under vn/<province>/, its bridge says it is
    up, and another province's credentials cannot write under its prefix."""
    from motcua.broker import ProductionMosquitto, free_port
    from motcua.config import load as load_config
    from motcua.provision import provision
    from tests.test_bridge import client

    national_port = free_port()
    (tmp_path / "quocgia.toml").write_text(
        f'center = "quocgia"\ncenter_name = "Giám sát quốc gia"\n'
        f'[broker]\nhost = "localhost"\nport = {national_port}\n'
        '[[provinces]]\nid = "thanhhoa"\nname = "Tỉnh Thanh Hóa"\n'
        '[[provinces]]\nid = "nghean"\nname = "Tỉnh Nghệ An"\n', encoding="utf-8")
    national_out = tmp_path / "quocgia"
    provision(tmp_path / "quocgia.toml", national_out)
    given = national_out / "provinces" / "thanhhoa"
    assert given.joinpath("national-password").stat().st_mode & 0o777 == 0o600
    config = load_config(HubConfig, national_out / "hub" / "hub.toml")
    assert config.role == "national"
    assert config.province_names == {"thanhhoa": "Tỉnh Thanh Hóa", "nghean": "Tỉnh Nghệ An"}

    (tmp_path / "tinh.toml").write_text(
        'center = "thanhhoa"\n[broker]\nhost = "localhost"\n[[centres]]\nid = "xa-1"\n'
        f'[national]\naddress = "localhost"\nport = {national_port}\n'
        f'password_file = "{given}/national-password"\n'
        f'ca_file = "{given}/national-ca.crt"\n', encoding="utf-8")
    province_out = tmp_path / "thanhhoa"
    provision(tmp_path / "tinh.toml", province_out)
    bridge = province_out / "broker" / "national.conf"
    assert bridge.stat().st_mode & 0o777 == 0o600
    assert "bridge_cafile /etc/mosquitto/motcua/national-ca.crt" in bridge.read_text()

    national = ProductionMosquitto(national_out / "broker", keep_ports=True,
                                   data_dir=tmp_path / "quocgia-data").start()
    province = ProductionMosquitto(province_out / "broker",
                                   data_dir=tmp_path / "tinh-data").start()
    clients = []
    try:
        watcher, seen = client(national_port, national_out / "ca" / "ca.crt", "hub",
                               (national_out / "hub" / "mqtt-password").read_text().strip())
        clients.append(watcher)
        watcher.subscribe("vn/#", qos=1)
        assert seen.get(timeout=20) == ("vn/thanhhoa/bridge/state", b"1")
        # A commune centre's bridge user on the provincial broker sends its figures.
        centre, _ = client(province.port, province_out / "ca" / "ca.crt", "xa-1",
                           (province_out / "centres" / "xa-1" / "bridge-password")
                           .read_text().strip())
        clients.append(centre)
        centre.publish("province/xa-1/state/queue_stats", b'{"issued": 7}',
                       qos=1).wait_for_publish(5)
        assert seen.get(timeout=10) == ("vn/thanhhoa/xa-1/state/queue_stats", b'{"issued": 7}')
        # Nghệ An's credentials cannot write under Thanh Hóa's prefix.
        impostor, _ = client(national_port, national_out / "ca" / "ca.crt", "nghean",
                             (national_out / "provinces" / "nghean" / "national-password")
                             .read_text().strip())
        clients.append(impostor)
        impostor.publish("vn/thanhhoa/xa-1/state/queue_stats", b'{"issued": 9999}',
                         qos=1).wait_for_publish(5)
        impostor.publish("vn/nghean/xa-1/state/probe", b"{}", qos=1).wait_for_publish(5)
        later = []
        while not later or later[-1] != "vn/nghean/xa-1/state/probe":
            later.append(seen.get(timeout=10)[0])
        assert "vn/thanhhoa/xa-1/state/queue_stats" not in later, later
    finally:
        for c in clients:
            c.disconnect()
            c.loop_stop()
        province.stop()
        national.stop()


def test_the_national_pages_list_provinces_and_narrow_to_one(tmp_path, postgres_url):
    """The national hub's pages: the provinces first, then one province's centres."""
    from central import create_app
    from central.province import ingest

    store = Store(tmp_path / "hub.db")
    national_store = PostgresStore(postgres_url)
    # Thanh Hóa named by the national inventory (hub.toml's [province_names]);
    # Nghệ An not: its id shows, marked as an id.
    config = hub("national", "vn", 1883, tmp_path / "hub.db", postgres_url,
                 province_names={"thanhhoa": "Tỉnh Thanh Hóa"})
    try:
        with national_store.write() as db:
            for topic, payload in centre_summaries(1):
                ingest.apply(db, topic.replace("province/", "vn/thanhhoa/"), payload,
                             "2026-11-27T03:00:00.000+00:00")
            ingest.apply(db, "vn/nghean/xa-9/bridge/state", b"0",
                         "2026-11-27T03:00:00.000+00:00")
            ingest.apply(db, "vn/thanhhoa/bridge/state", b"1", "2026-11-27T03:00:00.000+00:00")
        app = create_app(config, store=store, province_store=national_store)
        client = app.test_client()
        login(client, "gs.vn", "supervisor", store)
        page = client.get("/province?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
        assert "Các tỉnh, thành phố" in page and "Tỉnh Thanh Hóa" in page
        assert "Tỉnh (mã nghean)" in page and ">thanhhoa<" not in page
        assert "Toàn quốc" in page and "1 / 2 trung tâm đang kết nối" in page
        one = client.get("/province?tinh=thanhhoa&from=2026-11-01&to=2026-11-30")
        text = one.get_data(as_text=True)
        assert "thanhhoa/xa-1" in text and "nghean/xa-9" not in text
        assert "Các trung tâm trong tỉnh — Tỉnh Thanh Hóa" in text
        assert client.get("/province/thanhhoa/xa-1").status_code == 200
        assert client.get("/province?tinh=Thanh Hoa").status_code == 400
        overdue = client.get("/province/overdue?tinh=nghean").get_data(as_text=True)
        assert "H56-10" not in overdue
        assert "H56-10" in client.get("/province/overdue?tinh=thanhhoa").get_data(as_text=True)
    finally:
        national_store.close()
        store.close()
