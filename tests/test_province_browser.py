"""The provincial hub's pages in a real headless Chromium: a supervisor finds
which centre is offline and looks at a connected centre's floor."""

import contextlib
import dataclasses
import ssl
import threading

import pytest

from central.accounts import users
from motcua.bus.messages import UP_DOSSIERS, UP_TICKET_EVENTS, encode

from .conftest import PROJECT, wait_until
from .signing import sign_in_page
from .test_province_store import apply, dossier, event

pytestmark = pytest.mark.browser


@contextlib.contextmanager
def serve(config, store):
    """The provincial hub's web app on a free port, in this process."""
    from werkzeug.serving import make_server

    from central import create_app

    app = create_app(dataclasses.replace(config, role="province"), store=store)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


@pytest.fixture
def province_server(hub_config, store, broker):
    assert broker.ws_port, "broker-config/web.acl missing: no websockets listener"
    with serve(dataclasses.replace(hub_config, live_mqtt_url=f"ws://127.0.0.1:{broker.ws_port}"),
               store) as url:
        yield url


def test_a_supervisor_sees_which_centre_is_offline_and_a_centres_floor(
        browser, province_server, store):
    apply(store, "province/xa-a/bridge/state", b"1")
    apply(store, "province/xa-b/bridge/state", b"1")
    apply(store, "province/xa-b/bridge/state", b"0")
    apply(store, "province/xa-a/state/nodes", {
        "v": 1, "center_name": "Trung tâm xã Đông Sơn",
        "nodes": [{"node_id": "counter-1", "role": "counter", "state": "online",
                   "since": "2026-11-27T01:00:00.000+00:00"}]})
    apply(store, "province/xa-a/state/counter/1", {
        "v": 1, "counter": 1, "name": "Quầy 1", "status": "open", "status_name": "Đang mở",
        "officer": "Nguyễn Thị Lan", "current": {"display": "A007"}})
    apply(store, "province/xa-a/up/ticket_events", UP_TICKET_EVENTS.make(events=[event(1)]))
    apply(store, "province/xa-b/up/dossiers", UP_DOSSIERS.make(dossiers=[dossier("H56-9", 1)]))
    users.create_user(store, "gs.tinh", "Giám sát tỉnh", "supervisor", "mat-khau-giam-sat")
    errors = []
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    # (the browser's own favicon.ico request is no error of the page's)
    page.on("response", lambda r: errors.append(r.url)
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{province_server}/login")
    page.fill("input[name=username]", "gs.tinh")
    page.fill("input[name=password]", "mat-khau-giam-sat")
    page.click("form.login button[type=submit]")
    page.locator("header summary", has_text="Điều hành").click()
    page.get_by_role("link", name="Toàn tỉnh").click()
    page.locator("#centres").wait_for()
    assert page.locator("#links").inner_text().startswith("1 / 2 trung tâm đang kết nối")
    assert page.locator('#centres tr[data-center="xa-b"] .link').inner_text() == "Mất kết nối"
    assert page.locator('#centres tr[data-center="xa-b"] .since').inner_text()
    assert page.locator('#report tr.total').inner_text().startswith("Toàn tỉnh")
    artifacts = PROJECT / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "province.png"), full_page=True)
    page.get_by_role("link", name="Trung tâm xã Đông Sơn").click()
    row = page.locator('#counters tr[data-counter="1"]')
    assert "Nguyễn Thị Lan" in row.inner_text() and "A007" in row.inner_text()
    page.goto(f"{province_server}/province/overdue")
    assert "H56-9" in page.locator("#overdue").inner_text()
    assert errors == []


@pytest.fixture
def bridge(broker):
    """Plays the centres' bridges on the provincial broker: publishes what they carry
    up (retained floor state, the 1/0 link notification) to the session's broker."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bridge-stand-in")
    client.connect("127.0.0.1", broker.port)
    client.loop_start()

    def publish(topic, payload):
        data = payload if isinstance(payload, bytes) else encode(payload)
        client.publish(topic, data, qos=1, retain=True).wait_for_publish(10)

    yield publish
    client.loop_stop()
    client.disconnect()


def sign_in(browser, server, store):
    users.create_user(store, "gs.tinh", "Giám sát tỉnh", "supervisor", "mat-khau-giam-sat")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in_page(page, server, "gs.tinh", "mat-khau-giam-sat")
    return page


def counter_state(officer, serving, status="open", status_name="Đang mở"):
    return {"v": 1, "counter": 1, "name": "Quầy 1", "status": status,
            "status_name": status_name, "officer": officer,
            "current": {"display": serving} if serving else None}


def test_the_provincial_pages_follow_the_centres_live(browser, province_server, store,
                                                      bridge, center):
    """A centre's counter calls the next citizen and the province's floor page
    shows it, then the centre goes offline and both pages say so: no reload."""
    # Centre ids of this test's own: the session's broker keeps retained state.
    a, b = f"{center}-a", f"{center}-b"
    for cid, name in ((a, "Trung tâm xã Đông Sơn"), (b, "Trung tâm xã Hoằng Hóa")):
        state = {"v": 1, "center_name": name, "nodes": [
            {"node_id": "counter-1", "role": "counter", "state": "online",
             "since": "2026-11-27T01:00:00.000+00:00"}]}
        for topic, payload in ((f"province/{cid}/bridge/state", b"1"),
                               (f"province/{cid}/state/nodes", state),
                               (f"province/{cid}/state/counter/1",
                                counter_state("Nguyễn Thị Lan", "A007"))):
            apply(store, topic, payload if isinstance(payload, bytes) else encode(payload))
            bridge(topic, payload)
    errors = []
    page = sign_in(browser, province_server, store)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{province_server}/province/{a}")
    page.locator("#live-link.up").wait_for(timeout=10_000)
    row = page.locator('#counters tr[data-counter="1"]')
    assert "A007" in row.inner_text()
    page.evaluate("window.notReloaded = true")
    # The centre calls the next citizen: its hub's retained counter state goes up.
    bridge(f"province/{a}/state/counter/1", counter_state("Nguyễn Thị Lan", "A008"))
    row.locator("td.current", has_text="A008").wait_for(timeout=10_000)
    # A counter the page did not have is added; today's figures move.
    bridge(f"province/{a}/state/counter/2", {**counter_state("Lê Văn Hùng", "B001"),
                                             "counter": 2, "name": "Quầy 2"})
    page.locator('#counters tr[data-counter="2"] td.current', has_text="B001").wait_for(
        timeout=10_000)
    bridge(f"province/{a}/state/queue_stats", {"v": 1, "issued": 42, "waiting": 7,
                                               "done": 35, "avg_wait_min": 4.5})
    page.locator('#link [data-stat="issued"]', has_text="42").wait_for(timeout=10_000)
    # The centre's line drops: the bridge's will says 0 on the provincial broker.
    bridge(f"province/{a}/bridge/state", b"0")
    page.locator("#link .link", has_text="Mất kết nối").wait_for(timeout=10_000)
    assert page.locator("#link .since").inner_text().startswith("từ ")
    assert page.evaluate("window.notReloaded") is True

    # The list of centres: the other one drops while the page is open.
    page.goto(f"{province_server}/province")
    page.locator("#live-link.up").wait_for(timeout=10_000)
    wait_until(lambda: page.locator(f'#centres tr[data-center="{a}"] .link').inner_text()
               == "Mất kết nối", timeout=10)
    assert page.locator(f'#centres tr[data-center="{b}"] .link').inner_text() == "Đang kết nối"
    page.evaluate("window.notReloaded = true")
    bridge(f"province/{b}/bridge/state", b"0")
    page.locator(f'#centres tr[data-center="{b}"] .link', has_text="Mất kết nối").wait_for(
        timeout=10_000)
    assert page.locator(f'#centres tr[data-center="{b}"]').get_attribute("class") == \
        "link-down"
    assert page.locator("#links").inner_text().startswith("0 / 2 trung tâm đang kết nối")
    bridge(f"province/{b}/state/nodes", {"v": 1, "center_name": "Trung tâm xã Hoằng Hóa",
                                         "nodes": []})
    page.locator(f'#centres tr[data-center="{b}"] .nodes', has_text="0 / 0").wait_for(
        timeout=10_000)
    # A centre that has called nobody yet sends no average wait: "—", never 0 (issue 23).
    bridge(f"province/{b}/state/queue_stats", {"v": 1, "issued": 3, "waiting": 3, "done": 0})
    page.locator(f'#centres tr[data-center="{b}"] .issued', has_text="3").wait_for(
        timeout=10_000)
    avg = page.locator(f'#centres tr[data-center="{b}"] .avg')
    assert avg.inner_text() == "—" and avg.get_attribute("title").startswith("Chưa có số")
    bridge(f"province/{b}/bridge/state", b"1")
    page.locator("#links", has_text="1 / 2 trung tâm").wait_for(timeout=10_000)
    assert page.evaluate("window.notReloaded") is True
    page.screenshot(path=str(PROJECT / "tests" / "artifacts" / "province-live.png"),
                    full_page=True)
    assert errors == []


def test_the_live_floor_through_the_production_provincial_broker(browser, hub_config, store,
                                                                 tmp_path):
    """The provincial broker as `motcua provision` makes it: no anonymous access,
    the page reads the province's relay broker with no credential."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from motcua.broker import ProductionMosquitto
    from motcua.provision import provision

    (tmp_path / "tinh.toml").write_text(
        'center = "tinh"\n[broker]\nhost = "localhost"\n[[centres]]\nid = "xa-a"\n')
    out = tmp_path / "tinh"
    provision(tmp_path / "tinh.toml", out)
    broker = ProductionMosquitto(out / "broker", data_dir=tmp_path / "data").start()
    bridge = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="xa-a")
    bridge.username_pw_set("xa-a", (out / "centres" / "xa-a" / "bridge-password").read_text()
                           .strip())
    bridge.tls_set_context(ssl.create_default_context(cafile=str(out / "ca" / "ca.crt")))
    bridge.connect("localhost", broker.port)
    bridge.loop_start()
    try:
        def up(topic, payload):
            data = payload if isinstance(payload, bytes) else encode(payload)
            bridge.publish(topic, data, qos=1, retain=True).wait_for_publish(10)

        for topic, payload in (("province/xa-a/bridge/state", b"1"),
                               ("province/xa-a/state/counter/1",
                                counter_state("Nguyễn Thị Lan", "A007"))):
            apply(store, topic, payload if isinstance(payload, bytes) else encode(payload))
            up(topic, payload)
        config = dataclasses.replace(
            hub_config, live_mqtt_url=f"ws://127.0.0.1:{broker.ws_port}")
        with serve(config, store) as server:
            page = sign_in(browser, server, store)
            page.goto(f"{server}/province/xa-a")
            page.locator("#live-link.up").wait_for(timeout=10_000)
            up("province/xa-a/state/counter/1", counter_state("Nguyễn Thị Lan", "A008"))
            page.locator('#counters tr[data-counter="1"] td.current', has_text="A008").wait_for(
                timeout=10_000)
            up("province/xa-a/bridge/state", b"0")
            page.locator("#link .link", has_text="Mất kết nối").wait_for(timeout=10_000)
    finally:
        bridge.loop_stop()
        bridge.disconnect()
        broker.stop()


def test_the_provinces_reports_follow_the_data_without_reload(browser, province_server, store,
                                                             hub_config, center):
    """A centre's overdue dossier arrives at the provincial hub: the open overdue list
    and the period report show it without a reload (the hub's cue, the page's fetch)."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from central.province.gateway import ProvinceGateway

    config = dataclasses.replace(hub_config, role="province")
    gateway = ProvinceGateway(config, store).start()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{center}-bridge",
                         protocol=mqtt.MQTTv5)
    try:
        assert gateway.bus.wait_connected(15)
        page = sign_in(browser, province_server, store)
        page.goto(f"{province_server}/province/overdue")
        page.locator("#live-link.up").wait_for(timeout=15000)
        assert "Không có hồ sơ quá hạn" in page.locator("#overdue").inner_text()
        page.evaluate("window.notReloaded = true")
        client.connect("127.0.0.1", hub_config.mqtt.port)
        client.loop_start()
        code = f"H56-{center}"
        client.publish(f"province/{center}-a/up/dossiers",
                       encode(UP_DOSSIERS.make(dossiers=[dossier(code, 1)])),
                       qos=1).wait_for_publish(10)
        page.locator("#overdue", has_text=code).wait_for(timeout=20000)
        assert page.locator("#overdue-count").inner_text().startswith("1 hồ sơ")
        assert page.evaluate("window.notReloaded") is True
        # The main page's period report follows too.
        page.goto(f"{province_server}/province")
        page.locator("#live-link.up").wait_for(timeout=15000)
        page.evaluate("window.notReloaded = true")
        before = page.locator("#report tr.total").inner_text()
        client.publish(f"province/{center}-a/up/dossiers",
                       encode(UP_DOSSIERS.make(dossiers=[dossier(f"{code}-2", 1)])),
                       qos=1).wait_for_publish(10)
        wait_until(lambda: page.locator("#report tr.total").inner_text() != before, timeout=20)
        assert page.evaluate("window.notReloaded") is True
    finally:
        client.loop_stop()
        client.disconnect()
        gateway.stop()
