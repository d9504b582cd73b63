"""The client's contract, on the in-process fake broker (fast, no sleeping)."""

import logging

import pytest

from central.bus.gateway import Gateway
from central.config import HubConfig
from central.devices import nodes
from central.store import Store
from dispenser import Dispenser
from motcua.bus import BusClient, NotConnected, Topics
from motcua.bus.fake import FakeBroker
from motcua.bus.messages import FAULT, NODE_STATUS, encode
from motcua.config import NodeConfig, from_dict

T = Topics("thanhhoa")


@pytest.fixture
def fake():
    return FakeBroker()


@pytest.fixture
def hub(fake, tmp_path):
    config = from_dict(HubConfig, {"center": "thanhhoa", "database": str(tmp_path / "h.db")})
    store = Store(config.database)
    gateway = Gateway(config, store, transport=fake.transport("hub")).start()
    yield gateway
    gateway.stop()  # its statistics threads query the store: stop them before closing it
    store.close()


def dispenser(fake, node_id="dispenser-1"):
    config = from_dict(NodeConfig, {"center": "thanhhoa", "node_id": node_id})
    return Dispenser(config, transport=fake.transport(node_id))


def test_retained_state_reaches_late_subscribers(fake):
    seen = []
    publisher = BusClient(fake.transport("a"), T).start()
    publisher.publish(T.hub_status(), {"v": 1, "state": "online"}, retain=True)
    late = BusClient(fake.transport("b"), T)
    late.subscribe(T.hub_status(), lambda m: seen.append(m.data["state"]))
    late.start()
    assert seen == ["online"]


def test_status_online_then_will_on_kill_but_not_on_clean_stop(fake, hub):
    node = dispenser(fake).start()
    assert nodes.list_nodes(hub.store)[0]["state"] == "online"
    node.bus.transport.kill()
    assert nodes.list_nodes(hub.store)[0]["state"] == "offline"
    node.bus.transport.reconnect()
    assert nodes.list_nodes(hub.store)[0]["state"] == "online"
    node.stop()  # clean: says offline itself
    assert nodes.list_nodes(hub.store)[0]["state"] == "offline"


def test_node_knows_the_hub_from_its_retained_status(fake, hub):
    node = dispenser(fake).start()
    assert node.hub_online is True
    hub.bus.transport.kill()
    assert node.hub_online is False


def test_request_gets_the_hubs_answer(fake, hub):
    node = dispenser(fake).start()
    answer = node.ping("chào")
    assert answer["ok"] is True and answer["result"]["echo"] == "chào"


def test_request_while_offline_fails_at_once(fake):
    node = dispenser(fake)  # never started
    with pytest.raises(NotConnected):
        node.ping()


def test_redelivered_event_is_applied_once(fake, hub):
    node = dispenser(fake).start()
    event = FAULT.make(code="paper_out", message="Hết giấy", severity="error")
    for _ in range(3):
        node.bus.publish(T.node_event("dispenser-1", "fault"), event)
    count = hub.store.db.execute("select count(*) from node_faults").fetchone()[0]
    assert count == 1


def test_events_published_offline_wait_for_the_connection(fake, hub):
    node = dispenser(fake)
    node.report_fault("cover_open", "Nắp máy in đang mở", "warning")
    assert hub.store.db.execute("select count(*) from node_faults").fetchone()[0] == 0
    node.start()
    assert hub.store.db.execute("select count(*) from node_faults").fetchone()[0] == 1


def test_a_failing_handler_is_logged_and_the_rest_go_on(fake, caplog):
    received = []
    client = BusClient(fake.transport("a"), T)

    def broken(message):
        raise RuntimeError("boom")

    client.subscribe(T.all_nodes("status"), broken)
    client.subscribe(T.all_nodes("status"), lambda m: received.append(m.topic))
    client.start()
    sender = BusClient(fake.transport("b"), T).start()
    status = NODE_STATUS.make(node_id="kiosk-1", role="kiosk", state="online")
    with caplog.at_level(logging.ERROR):
        sender.publish(T.node_status("kiosk-1"), status, retain=True)
        sender.publish(T.node_status("kiosk-1"), status, retain=True)
    assert len(received) == 2
    assert "boom" in caplog.text


def test_malformed_request_is_answered_invalid_and_not_handled(fake, hub):
    node = dispenser(fake).start()
    answers = []
    node.bus.subscribe(T.node_response("dispenser-1", "ping"), lambda m: answers.append(m.data),
                       checked=True)
    node.bus.transport.publish(
        T.node_request("dispenser-1", "ping"), b'{"v": 1, "id": 5}', 1, False,
        response_topic=T.node_response("dispenser-1", "ping"), correlation=b"x",
    )
    assert answers and answers[-1]["ok"] is False
    assert answers[-1]["error"]["code"] == "invalid"
    # What a node may put on a screen: Vietnamese, the fields named, no English reasons.
    message = answers[-1]["error"]["message"]
    assert message.startswith("Yêu cầu không hợp lệ (sai hoặc thiếu: id")
    assert "Xin báo kỹ thuật viên." in message
    assert not any(w in message for w in ("missing", "expected", "got"))
    assert hub.bus.dropped == 1


def test_status_claiming_another_node_is_dropped(fake, hub):
    intruder = BusClient(fake.transport("kiosk-1"), T).start()
    spoof = NODE_STATUS.make(node_id="counter-1", role="counter", state="offline")
    intruder.publish(T.node_status("kiosk-1"), spoof, retain=True)
    assert nodes.list_nodes(hub.store) == []
    assert hub.bus.dropped == 1


def test_undefined_topic_is_dropped(fake, hub):
    node = BusClient(fake.transport("kiosk-1"), T).start()
    node.transport.publish(T.node_event("kiosk-1", "nonsense"), encode({"v": 1}), 1, False)
    assert hub.bus.dropped == 1
