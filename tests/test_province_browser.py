"""The provincial hub's pages in a real headless Chromium: a supervisor finds
which centre is offline and looks at a connected centre's floor."""

import dataclasses
import threading

import pytest

from central import users
from motcua.bus.messages import UP_DOSSIERS, UP_TICKET_EVENTS

from .conftest import PROJECT
from .test_province_store import apply, dossier, event

pytestmark = pytest.mark.browser


@pytest.fixture
def province_server(hub_config, store):
    from werkzeug.serving import make_server

    from central import create_app

    app = create_app(dataclasses.replace(hub_config, role="province"), store=store)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    server.server_close()


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
