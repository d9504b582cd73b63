"""Centres that stopped reporting are counted and named, with the time they were last
heard, on the province's page and the national one (SQLite and PostgreSQL); a
centre's hub says it runs every few minutes, so a quiet hub is told from a dead one."""

import dataclasses
import datetime as dt
import re
import threading
import time

import pytest

from central.calendar.working_time import VN
from central.province import ingest, reports
from central.province.stores import PostgresStore
from central.province.uplink import Uplink
from central.store import Store
from motcua import clock
from motcua.bus import Topics
from motcua.bus.messages import encode

from .conftest import PROJECT
from .signing import login, sign_in_page
from .test_province_figures import signed_in_client, text_of

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=VN)  # Monday, 10:00 in Vietnam


def stats(day):
    return {"v": 1, "day": day, "issued": 5, "waiting": 1, "serving": 0, "done": 4,
            "no_show": 0, "cancelled": 0, "avg_wait_min": 6.0, "p90_wait_min": 9.0,
            "within_target": 1.0, "no_show_rate": 0.0, "out_of_order": 0}


def heard(db, prefix, center, name, minutes_ago, link=b"1", day="2026-12-07"):
    """The centre's bridge, nodes and figures, last received ``minutes_ago``."""
    at = clock.iso(NOW - dt.timedelta(minutes=minutes_ago))
    for topic, payload in ((f"{prefix}/{center}/bridge/state", b"1"),
                           (f"{prefix}/{center}/state/nodes",
                            {"v": 1, "center_name": name, "updated_at": at, "nodes": []}),
                           (f"{prefix}/{center}/state/queue_stats", stats(day)),
                           (f"{prefix}/{center}/bridge/state", link)):
        ingest.apply(db, topic, payload if isinstance(payload, bytes) else encode(payload), at)


def floor_of_centres(db, prefix="province"):
    heard(db, prefix, "xa-a", "Trung tâm xã Đông Sơn", 2)                   # reporting
    heard(db, prefix, "xa-b", "Trung tâm xã Hoằng Hóa", 75, link=b"0")      # link down 08:45
    heard(db, prefix, "xa-c", "Trung tâm xã Quảng Xương", 40)              # hub quiet 09:20
    heard(db, prefix, "xa-d", "Trung tâm xã Nga Sơn", 5, day="2026-12-04")  # Friday's figures


def test_silent_centres_are_counted_named_and_dated(store, province_store, hub_config,
                                                    monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    with province_store.write() as db:
        floor_of_centres(db)
    rows = {r["center"]: r for r in reports.centres(province_store.db)}
    assert {c: r["silent"] for c, r in rows.items()} == {
        "xa-a": None, "xa-b": "down", "xa-c": "quiet", "xa-d": "old_figures"}
    # The province's inventory holds the four and a fifth that never sent anything.
    config = dataclasses.replace(hub_config, role="province", centre_names={
        "xa-a": "xa-a", "xa-b": "xa-b", "xa-c": "xa-c", "xa-d": "xa-d",
        "xa-e": "Trung tâm xã Thiệu Hóa"})
    client = signed_in_client(config, store, province_store)
    html = client.get("/province").get_data(as_text=True)
    summary = text_of(html.split('id="links"')[1].split("</p>")[0])
    assert "4 trung tâm không gửi dữ liệu" in summary, summary
    box = text_of(html.split('id="silent-box"')[1].split("</section>")[0])
    assert "4 trung tâm không gửi dữ liệu" in box
    listed = [text_of("<tr" + r) for r in html.split('id="silent"')[1].split("</table>")[0]
              .split("<tr")[2:]]
    # Longest silent first; each with why and when last heard (Vietnam time).
    assert [" ".join(r.split()) for r in listed] == [
        'Trung tâm xã Thiệu Hóa Chưa gửi dữ liệu lên tỉnh lần nào Chưa nhận lần nào',
        'Trung tâm xã Hoằng Hóa Mất kết nối với tỉnh 08:45:00 07/12/2026',
        'Trung tâm xã Quảng Xương Không nhận được dữ liệu mới quá 15 phút (máy chủ của '
        'trung tâm có thể đã dừng) 09:20:00 07/12/2026',
        'Trung tâm xã Nga Sơn Chưa gửi số liệu hàng chờ hôm nay 09:55:00 07/12/2026'], listed
    assert "Đông Sơn" not in box
    row_c = text_of(html.split('id="centres"')[1].split('data-center="xa-c"')[1]
                    .split("</tr>")[0])
    assert "Không nhận được dữ liệu từ 09:20:00 07/12/2026" in row_c
    # Heard again (its hub's heartbeat): no longer silent.
    with province_store.write() as db:
        ingest.apply(db, "province/xa-c/state/nodes", encode(
            {"v": 1, "center_name": "Trung tâm xã Quảng Xương", "nodes": []}), clock.iso(NOW))
    html = client.get("/province").get_data(as_text=True)
    assert "3 trung tâm không gửi dữ liệu" in text_of(html.split('id="links"')[1])
    assert "Quảng Xương" not in text_of(html.split('id="silent-box"')[1].split("</section>")[0])


@pytest.mark.browser
def test_the_national_page_counts_each_provinces_silent_centres(browser, tmp_path, postgres_url,
                                                                 monkeypatch):
    from werkzeug.serving import make_server

    from central import create_app

    from .test_national import hub

    monkeypatch.setattr(clock, "now", lambda: NOW)
    store = Store(tmp_path / "hub.db")
    national = PostgresStore(postgres_url)
    try:
        with national.write() as db:
            floor_of_centres(db, "vn/thanhhoa")
            heard(db, "vn/nghean", "xa-1", "Trung tâm xã Diễn Châu", 1)
            ingest.apply(db, "vn/thanhhoa/bridge/state", b"1", clock.iso(NOW))
        config = hub("national", "vn", 1883, tmp_path / "hub.db", postgres_url,
                     province_names={"thanhhoa": "Tỉnh Thanh Hóa", "nghean": "Tỉnh Nghệ An"})
        app = create_app(config, store=store, province_store=national)
        client = app.test_client()
        login(client, "gs.vn", "supervisor", store)
        html = client.get("/province").get_data(as_text=True)
        assert "3 trung tâm không gửi dữ liệu" in text_of(html.split('class="summary"')[1]
                                                          .split("</p>")[0])
        rows = {p: [" ".join(text_of(c).split()) for c in re.findall(
            r"<td[^>]*>(.*?)</td>", html.split(f'data-province="{p}"')[1].split("</tr>")[0],
            re.S)] for p in ("thanhhoa", "nghean")}
        # Province, its link, centres connected, nodes online, silent centres, ...
        assert rows["thanhhoa"][:5] == ["Tỉnh Thanh Hóa", "Đang kết nối (từ 10:00:00 07/12/2026)",
                                        "3 / 4", "0 / 0", "3"], rows
        assert rows["nghean"][2:5] == ["1 / 1", "0 / 0", "0"], rows
        box = text_of(html.split('id="silent-box"')[1].split("</section>")[0])
        assert "Tỉnh Thanh Hóa Trung tâm xã Hoằng Hóa Mất kết nối với tỉnh 08:45:00" in \
            " ".join(box.split())
        assert "Diễn Châu" not in box and "Đông Sơn" not in box
        # The page in Chromium, at full size and on a phone.
        artifacts = PROJECT / "tests" / "artifacts"
        artifacts.mkdir(exist_ok=True)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_port}"
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            sign_in_page(page, url, "gs.vn")
            page.goto(f"{url}/province")
            assert page.locator("#silent tbody tr").count() == 3
            page.screenshot(path=str(artifacts / "national-silent.png"), full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            page.goto(f"{url}/province")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.screenshot(path=str(artifacts / "national-silent-390.png"), full_page=True)
        finally:
            server.shutdown()
            thread.join(10)
            server.server_close()
    finally:
        national.close()
        store.close()


@pytest.mark.parametrize("heartbeat", [0.3])
def test_a_centres_hub_says_it_runs_when_nothing_changes(store, heartbeat):
    """The nodes' state goes up on a change, and again after ``heartbeat`` seconds
    without one: the province tells a quiet centre from a stopped hub."""
    sent = []
    uplink = Uplink(store, Topics("xa-a"), lambda t, p, r: sent.append(t), "Trung tâm xã A",
                    heartbeat=heartbeat)
    uplink.tick()
    uplink.tick()
    assert sent == ["motcua/xa-a/state/nodes"]  # once: nothing changed, too soon
    time.sleep(heartbeat + 0.05)
    uplink.tick()
    assert sent == ["motcua/xa-a/state/nodes"] * 2
    assert 3 * Uplink(store, Topics("x"), None, "").heartbeat <= reports.SILENT_AFTER_MIN * 60


@pytest.mark.browser
def test_the_silent_centres_read_on_a_phone(browser, store, hub_config, monkeypatch):
    """The province's page with silent centres, in Chromium at full size and 390 px:
    the list is there and the page does not widen past the phone."""
    from .test_province_browser import serve, sign_in

    monkeypatch.setattr(clock, "now", lambda: NOW)
    with store.write() as db:
        floor_of_centres(db)
    config = dataclasses.replace(hub_config, centre_names={
        **{c: c for c in ("xa-a", "xa-b", "xa-c", "xa-d")}, "xa-e": "Trung tâm xã Thiệu Hóa"})
    artifacts = PROJECT / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    with serve(config, store) as url:
        page = sign_in(browser, url, store)
        page.goto(f"{url}/province")
        assert page.locator("#silent tbody tr").count() == 4
        page.screenshot(path=str(artifacts / "province-silent.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{url}/province")
        assert page.locator("#silent-box h2").inner_text() == "4 trung tâm không gửi dữ liệu"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(artifacts / "province-silent-390.png"), full_page=True)


def test_after_a_provincial_restart_the_province_counts_the_centres_it_expects(
        tmp_path, store, hub_config, monkeypatch):
    """The province's hub restarts: the broker hands it a retained copy of every centre it
    ever kept. A centre whose hub stopped an hour ago still reads silent since then (its
    copies are not news), and a centre the province's inventory does not hold (merged,
    closed) is listed apart, out of "N / M trung tâm đang kết nối"."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from central.province.gateway import ProvinceGateway
    from motcua.broker import Mosquitto

    from .conftest import wait_until

    broker = Mosquitto(PROJECT / "broker-config" / "test.conf", data_dir=tmp_path / "broker")
    broker.start()
    moment = [NOW - dt.timedelta(hours=1)]  # 09:00
    monkeypatch.setattr(clock, "now", lambda: moment[0])
    config = dataclasses.replace(
        hub_config, role="province", mqtt=dataclasses.replace(hub_config.mqtt, port=broker.port),
        centre_names={"xa-a": "Trung tâm xã Đông Sơn", "xa-b": "Trung tâm xã Hoằng Hóa"})
    bridges = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bridges")
    bridges.connect("127.0.0.1", broker.port)
    bridges.loop_start()

    def report(center, name):
        for topic, payload in ((f"province/{center}/bridge/state", b"1"),
                               (f"province/{center}/state/nodes", encode(
                                   {"v": 1, "center_name": name, "updated_at": clock.iso(),
                                    "nodes": []})),
                               (f"province/{center}/state/queue_stats", encode(
                                   stats("2026-12-07")))):
            bridges.publish(topic, payload, qos=1, retain=True).wait_for_publish(10)

    def heard_at():
        return {r["center"]: r["last_message_at"]
                for r in store.db.query("select * from province_centres")}

    gateway = ProvinceGateway(config, store).start()
    try:
        assert gateway.bus.wait_connected(15)
        for center, name in (("xa-a", "Trung tâm xã Đông Sơn"), ("xa-b", "Trung tâm xã Hoằng Hóa"),
                             ("xa-cu", "Trung tâm xã Hoằng Lộc (cũ)")):
            report(center, name)
        wait_until(lambda: len(heard_at()) == 3, timeout=15)
        before = heard_at()
    finally:
        gateway.stop()
    # 10:00: xa-a's hub said it runs at 09:55; xa-b's has said nothing since 09:00.
    moment[0] = NOW - dt.timedelta(minutes=5)
    report("xa-a", "Trung tâm xã Đông Sơn")
    moment[0] = NOW
    gateway = ProvinceGateway(config, store).start()
    try:
        assert gateway.bus.wait_connected(15)
        wait_until(lambda: heard_at()["xa-a"] > before["xa-a"], timeout=15)
        time.sleep(1.0)  # the replays of the others, had they moved anything
        assert heard_at()["xa-b"] == before["xa-b"]
        client = signed_in_client(config, store, store)
        html = client.get("/province").get_data(as_text=True)
    finally:
        gateway.stop()
        bridges.loop_stop()
        bridges.disconnect()
        broker.stop()
    summary = " ".join(text_of(html.split('id="links"')[1].split("</p>")[0]).split())
    assert "2 / 2 trung tâm đang kết nối" in summary, summary
    assert "1 trung tâm không gửi dữ liệu" in summary, summary
    box = " ".join(text_of(html.split('id="silent-box"')[1].split("</section>")[0]).split())
    assert ("Trung tâm xã Hoằng Hóa Không nhận được dữ liệu mới quá 15 phút (máy chủ của "
            "trung tâm có thể đã dừng) 09:00:00 07/12/2026") in box, box
    assert "Đông Sơn" not in box and "Hoằng Lộc" not in box
    outside = " ".join(text_of(html.split('id="outside-box"')[1].split("</section>")[0]).split())
    assert "1 trung tâm ngoài danh sách của tỉnh" in outside
    assert "xa-cu Trung tâm xã Hoằng Lộc (cũ) Đang kết nối 09:00:00 07/12/2026" in outside, outside
    centres_table = html.split('id="centres"')[1].split("</table>")[0]
    assert 'data-center="xa-cu"' not in centres_table
