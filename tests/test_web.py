"""The hub's web app: health, the node registry as JSON and as a page."""

from central import create_app

from .conftest import wait_until


def test_healthz_reports_database_and_broker(client):
    reply = client.get("/healthz")
    assert reply.status_code == 200
    body = reply.json
    link = body.pop("broker_link")
    assert body == {"status": "ok", "database": "ok", "broker": "connected",
                    "dropped_messages": 0, "alarms": []}
    assert link["state"] == "connected" and link["lost_recently"] == 0
    assert link["last_lost"] is None
    # The link's listeners run just after the client says it is connected.
    wait_until(lambda: client.get("/healthz").json["broker_link"]["connected_since"])


def test_healthz_never_says_connected_without_since_when():
    """The bus client says "connected" a moment before its listeners hear it (the
    hub republishes its whole state on a reconnection, which takes a while under
    load): /healthz, asked in between, still says since when (seen on a fresh
    Debian's `make test`, where it said connected with connected_since null)."""
    from central.bus.broker_link import BrokerLink

    link = BrokerLink(alarm=False)
    seen = link.describe(True)  # before record(True) came
    assert seen["state"] == "connected" and seen["connected_since"]
    link.record(True)
    assert link.describe(True)["connected_since"] == seen["connected_since"]
    link.record(False)
    lost = link.describe(False)
    assert lost["state"] == "disconnected" and lost["connected_since"] is None
    assert link.describe(True)["state"] == "unstable"  # back, with a loss lately
    assert link.describe(True)["connected_since"]


def test_healthz_says_degraded_without_the_broker(hub_config, store):
    app = create_app(hub_config, store=store)  # no gateway: create_app starts no MQTT
    reply = app.test_client().get("/healthz")
    assert reply.status_code == 503
    assert reply.json["broker"] == "not started"


def test_healthz_notices_a_lost_broker(client, gateway):
    gateway.bus.transport.stop()
    wait_until(lambda: client.get("/healthz").status_code == 503)
    assert client.get("/healthz").json["broker"] == "disconnected"


def test_api_nodes_lists_each_node_with_its_state(client, make_node):
    make_node("dispenser", "dispenser-1")
    kiosk = make_node("kiosk", "kiosk-1")
    kiosk.report_fault("camera_lost", "Mất kết nối camera", "error")

    def listed():
        nodes = {n["node_id"]: n for n in client.get("/api/nodes").json["nodes"]}
        return nodes if len(nodes) == 2 and nodes["kiosk-1"]["fault"] else None

    nodes = wait_until(listed)
    assert nodes["dispenser-1"]["state"] == "online"
    assert nodes["dispenser-1"]["role_name"] == "Máy lấy số"
    assert nodes["dispenser-1"]["version"] == "0.1.0"
    assert nodes["kiosk-1"]["fault"]["message"] == "Mất kết nối camera"


def test_nodes_page_is_vietnamese(client, make_node):
    make_node("display", "display-1")
    wait_until(lambda: client.get("/api/nodes").json["nodes"])
    html = client.get("/nodes").get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Thiết bị trên sàn" in html
    assert "Màn hình sảnh" in html and "Trực tuyến" in html


def test_nodes_last_heard_moves_with_every_request_not_only_its_status(
        client, make_node, queue_hub, monkeypatch):
    """A dispenser issuing tickets all morning is 'last heard' at its last ticket,
    not at the status it sent when it started (seen frozen at 07:06 in the demo)."""
    import datetime as dt

    from motcua import clock
    from motcua.bus.messages import TICKET

    from .test_queue_bus import ask

    node = make_node("dispenser", "dispenser-1")
    started = wait_until(lambda: {n["node_id"]: n for n in client.get("/api/nodes").json[
        "nodes"]}.get("dispenser-1"))["last_seen"]
    later = clock.now() + dt.timedelta(minutes=47)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert ask(node, "ticket", TICKET.make(service="ho-tich"))["ok"]
    seen = {n["node_id"]: n for n in client.get("/api/nodes").json["nodes"]}["dispenser-1"]
    assert seen["last_seen"] == clock.iso(later) and seen["last_seen"] > started
    shown = (later + dt.timedelta(hours=7)).strftime("%H:%M")  # the hall's time, UTC+7
    row = client.get("/nodes").get_data(as_text=True).split('data-node="dispenser-1"')[1]
    assert shown in row.split("</tr>")[0]
