"""The ghost ticket: a dispenser's ticket request that arrives after it gave up.

The dispenser prints from its leased block when the hub does not answer in
time; the request it gave up must then leave no waiting ticket nobody holds,
whether it reaches the hub before or after the dispenser says it gave up.
"""

from __future__ import annotations

import time

from motcua.bus.messages import TICKET, TICKET_ABANDON

from .conftest import wait_until
from .test_dispenser import HO_TICH, has_blocks, push


def waiting_of(store, node_id="dispenser-1"):
    return store.db.execute(
        "select display from tickets where source_node = ? and status = 'waiting' "
        "order by id", [node_id]).fetchall()


def test_a_ticket_applied_after_the_dispenser_gave_up_is_cancelled(
        own_broker, own_hub, make_dispenser, monkeypatch):
    import motcua.ticketing.issuer
    from central.bus.routes import Route

    monkeypatch.setattr(motcua.ticketing.issuer, "SILENT_HUB_BACKOFF_S", 1.0)
    node = make_dispenser(port=own_broker.port, request_timeout=0.5)
    wait_until(lambda: node.hub_online and has_blocks(node))
    route = own_hub.requests["ticket"]

    def late(ctx):  # the hub applies the request after the dispenser's timeout
        time.sleep(1.0)
        return route.handle(ctx)

    monkeypatch.setitem(own_hub.requests, "ticket", Route(late))
    push(node, HO_TICH)
    assert node.wait_idle()
    assert [(p.display, p.offline) for p in node.printed] == [("A990", True)]
    monkeypatch.setitem(own_hub.requests, "ticket", route)
    # The dispenser tells the hub; the late ticket A001 ends cancelled, with its reason.
    wait_until(lambda: node.link_up and node.outbox.pending_count() == 0, timeout=15)
    store = own_hub.store
    assert waiting_of(store) == [("A990",)]  # only the ticket a citizen holds
    row = store.db.execute(
        "select t.display, t.status, e.action, e.reason from tickets t join ticket_events e "
        "on e.ticket_id = t.id where e.action = 'abandon'").fetchall()
    assert row == [("A001", "cancelled", "abandon",
                    "Máy lấy số đã in vé ngoại tuyến thay cho vé này")]
    assert node.outbox.abandoned("delivered")[0]["outcome"] == "cancelled"


def test_a_request_arriving_after_its_abandon_is_refused_and_changes_nothing(
        own_hub, make_dispenser):
    node = make_dispenser(port=int(own_hub.config.mqtt.port))
    wait_until(lambda: node.hub_online and has_blocks(node))
    request = TICKET.make(service="ho-tich")
    # The abandon overtakes the request (e.g. the request sat in a dead TCP link).
    answer = node._request("ticket_abandon", TICKET_ABANDON.make(request=request["id"]))
    assert answer["ok"] and answer["result"]["outcome"] == "blocked"
    late = node._request("ticket", request)
    assert late["ok"] is False and late["error"]["code"] == "abandoned"
    assert "in vé ngoại tuyến" in late["error"]["message"]
    assert own_hub.store.db.execute("select count(*) from tickets").fetchone()[0] == 0
    # Said again (the abandon redelivered), still nothing; a new press works as ever.
    again = node._request("ticket_abandon", TICKET_ABANDON.make(request=request["id"]))
    assert again["result"]["outcome"] == "blocked"
    fresh = node._request("ticket", TICKET.make(service="ho-tich"))
    assert fresh["ok"] and fresh["result"]["display"] == "A001"
    # Abandoning a ticket already called leaves it to end as called.
    store = own_hub.store
    store.db.execute("update tickets set status = 'called' where display = 'A001'")
    called = node._request("ticket_abandon", TICKET_ABANDON.make(request=fresh["id"]))
    assert called["result"]["outcome"] == "too_late"
