"""The dispenser through a lost broker or hub: numbers from leased blocks, delivered once.

These tests stop and restart a Mosquitto of their own (not the session's shared
broker), with the hub's gateway and the dispenser both connected to it.
"""

from __future__ import annotations

import time

from central.queue import leases

from .conftest import wait_until
from .test_dispenser import HO_TICH, has_blocks, hub_tickets, push


def three_waiting(node):
    """``node`` online with three citizens' tickets issued and its line state showing them."""
    wait_until(lambda: node.hub_online and has_blocks(node))
    for _ in range(3):
        push(node, HO_TICH)
        time.sleep(0.1)  # citizens, not one finger bouncing (debounce_s)
    assert node.wait_idle()
    wait_until(lambda: node.issuer.lines.get("ho-tich", {}).get("waiting") == 3)
    return node


def test_offline_presses_print_from_the_block_and_reach_the_hub_once_in_order(
        own_broker, own_hub, make_dispenser):
    store = own_hub.store
    node = make_dispenser(port=own_broker.port)
    wait_until(lambda: node.hub_online and has_blocks(node))
    # The block leased at start: A990-A999, from the top of the range, which the
    # hub itself never issues; its own numbers run on from A001.
    assert [(b["first"], b["last"]) for b in leases.blocks(store.db, "dispenser-1")
            if b["service"] == "ho-tich"] == [(990, 999)]
    push(node, HO_TICH)
    assert node.wait_idle()
    assert hub_tickets(store) == [("A001", 1)]
    wait_until(lambda: node.issuer.lines.get("ho-tich", {}).get("waiting") == 1)

    own_broker.stop()  # the network is gone
    wait_until(lambda: not node.bus.connected, timeout=10)
    for _ in range(3):
        # Citizens, not one finger bouncing: the broker stops within a few ms,
        # and a press within debounce_s (50 ms) of the last release is chatter
        # by design (motcua/debounce.py).
        time.sleep(0.1)
        push(node, HO_TICH)
    assert node.wait_idle()
    offline = node.printed[-3:]
    assert [(p.display, p.offline, p.error) for p in offline] == [
        ("A990", True, None), ("A991", True, None), ("A992", True, None)]
    assert len(node.printer.tickets) == 4
    # The counters' state is unknown offline: each says a range, never a number
    # (motcua/ticketing/wait.py), growing with the people ahead.
    assert [p.ticket.people_ahead for p in offline] == [1, 2, 3]
    assert all(p.ticket.wait_range and p.ticket.wait_range[1] > p.ticket.wait_range[0]
               for p in offline)
    assert node.indicator.state == "offline" and node.indicator.led.color == (1, 1, 0)
    assert node.outbox.pending_count() == 3
    assert hub_tickets(store) == [("A001", 1)]  # the hub has not heard of them

    own_broker.start()  # the network is back
    wait_until(lambda: node.link_up and node.outbox.pending_count() == 0, timeout=20)
    # Each exactly once, slotted into the line by issue time.
    assert hub_tickets(store) == [("A001", 1), ("A990", 990), ("A991", 991), ("A992", 992)]
    events = store.db.execute("select count(*) from ticket_events where action = "
                              "'issue_offline'").fetchone()[0]
    assert events == 3
    # The QR code printed offline leads to the ticket's live page.
    token = node.outbox.tickets()[0]["token"]
    assert store.db.execute("select display from tickets where token = ?",
                            [token]).fetchone()[0] == "A990"
    # The next online ticket continues the hub's numbers: no gap, no repeat.
    push(node, HO_TICH)
    assert node.wait_idle()
    assert node.printed[-1].offline is False
    assert hub_tickets(store)[-1] == ("A002", 2)
    numbers = [n for _, n in hub_tickets(store)]
    assert len(numbers) == len(set(numbers)) == 5
    wait_until(lambda: node.indicator.state == "ready")


def test_a_redelivered_offline_ticket_is_applied_once(own_broker, own_hub, make_dispenser):
    store = own_hub.store
    node = make_dispenser(port=own_broker.port)
    wait_until(lambda: node.hub_online and has_blocks(node))
    own_broker.stop()
    wait_until(lambda: not node.bus.connected, timeout=10)
    push(node, HO_TICH)
    assert node.wait_idle()
    row = node.outbox.tickets()[0]
    own_broker.start()
    wait_until(lambda: node.link_up and node.outbox.pending_count() == 0, timeout=20)
    # The answer was lost, say: the dispenser sends the same ticket again.
    node.outbox.mark(row["id"], "pending")
    node.jobs.put(None)
    wait_until(lambda: node.outbox.pending_count() == 0)
    assert hub_tickets(store) == [("A990", 990)]
    assert node.outbox.tickets()[0]["state"] == "delivered"


def test_with_the_hub_down_the_dispenser_prints_offline(own_broker, own_hub, make_dispenser):
    node = make_dispenser(port=own_broker.port)
    wait_until(lambda: node.hub_online and has_blocks(node))
    own_hub.stop()  # the broker stays; the hub says "offline"
    wait_until(lambda: not node.hub_online)
    push(node, HO_TICH)
    assert node.wait_idle()
    assert (node.printed[-1].display, node.printed[-1].offline) == ("A990", True)


def test_with_no_number_left_the_indicator_says_so_and_nothing_prints(
        own_broker, own_hub, make_dispenser):
    node = make_dispenser(port=own_broker.port, block_size=2, renew_below=1)
    wait_until(lambda: node.hub_online and has_blocks(node))
    own_broker.stop()
    wait_until(lambda: not node.bus.connected, timeout=10)
    for _ in range(3):
        push(node, HO_TICH)
        time.sleep(0.1)
    assert node.wait_idle()
    assert [(p.display, p.error) for p in node.printed] == [
        ("A998", None), ("A999", None), (None, "no_block")]
    assert len(node.printer.tickets) == 2
    assert node.indicator.state == "no_block"
    assert node.problem() == "Mất kết nối – hết số dự phòng, không in được"
    own_broker.start()
    # Back online: blocks renewed, tickets delivered, the light green again.
    wait_until(lambda: node.indicator.state == "ready" and node.outbox.pending_count() == 0
               and has_blocks(node), timeout=20)
    assert hub_tickets(own_hub.store) == [("A998", 998), ("A999", 999)]


def test_numbers_survive_a_restart_of_the_dispenser(own_broker, own_hub, make_dispenser):
    node = make_dispenser(port=own_broker.port)
    wait_until(lambda: node.hub_online and has_blocks(node))
    own_broker.stop()
    wait_until(lambda: not node.bus.connected, timeout=10)
    push(node, HO_TICH)
    assert node.wait_idle()
    node.stop()  # a power cut, as far as the outbox knows: it was committed before printing
    again = make_dispenser(port=own_broker.port, wait=False)
    push(again, HO_TICH)
    assert again.wait_idle()
    assert again.printed[-1].display == "A991"  # never A990 twice
    own_broker.start()
    wait_until(lambda: again.link_up and again.outbox.pending_count() == 0, timeout=20)
    assert hub_tickets(own_hub.store) == [("A990", 990), ("A991", 991)]


def test_the_hub_refuses_a_number_it_did_not_lease(own_hub, make_dispenser):
    from motcua.bus.messages import TICKET_OFFLINE

    store = own_hub.store
    with store.write() as db:
        block = leases.lease_block(db, "dispenser-9", "ho-tich", size=5)
    node = make_dispenser(port=int(own_hub.config.mqtt.port))
    wait_until(lambda: node.hub_online)
    answer = node._request("ticket_offline", TICKET_OFFLINE.make(
        service="ho-tich", block=block["block"], number=block["first"],
        issued_at="2026-11-27T02:00:00.000+00:00", token="0" * 20))
    assert answer["ok"] is False and answer["error"]["code"] == "not_leased"
    assert "không thuộc khối số" in answer["error"]["message"]
    assert store.db.execute("select count(*) from tickets").fetchone()[0] == 0


def test_a_number_too_long_for_the_store_is_refused_as_invalid(own_hub, make_dispenser):
    # orjson reads integers up to 2**64 - 1 as ints; SQLite holds 64 bits signed. A node
    # sending block or number 2**63 made the handler fail: "internal" and a traceback in
    # the hub's log. The contract bounds every integer field now.
    from motcua.bus.messages import TICKET_OFFLINE

    store = own_hub.store
    with store.write() as db:
        block = leases.lease_block(db, "dispenser-9", "ho-tich", size=5)
    node = make_dispenser(port=int(own_hub.config.mqtt.port))
    wait_until(lambda: node.hub_online)
    for field in ("block", "number"):
        payload = TICKET_OFFLINE.make(
            service="ho-tich", block=block["block"], number=block["first"],
            issued_at="2026-11-27T02:00:00.000+00:00", token="0" * 20)
        payload[field] = 2**63  # after make(): sent as a hostile node would
        answer = node._request("ticket_offline", payload)
        assert answer["ok"] is False and answer["error"]["code"] == "invalid", answer
        assert f"(sai hoặc thiếu: {field})" in answer["error"]["message"]
    assert store.db.execute("select count(*) from tickets").fetchone()[0] == 0


def test_a_hub_that_does_not_answer_is_waited_for_once_then_skipped(
        own_broker, own_hub, make_dispenser, monkeypatch):
    import motcua.ticketing.issuer

    monkeypatch.setattr(motcua.ticketing.issuer, "SILENT_HUB_BACKOFF_S", 2.0)
    node = make_dispenser(port=own_broker.port, request_timeout=0.5)
    wait_until(lambda: node.hub_online and has_blocks(node))
    from central.bus.routes import Route

    asked = []
    route = own_hub.requests["ticket"]

    def stuck(ctx):  # a hub busy elsewhere: the answer comes too late
        asked.append(ctx.data["id"])
        time.sleep(1.0)
        return route.handle(ctx)

    monkeypatch.setitem(own_hub.requests, "ticket", Route(stuck))
    for _ in range(2):
        push(node, HO_TICH)
        time.sleep(0.1)
    assert node.wait_idle()
    assert [(p.display, p.offline) for p in node.printed] == [("A990", True), ("A991", True)]
    assert len(asked) == 1  # the second citizen did not wait for the silent hub
    own_hub.requests["ticket"] = route
    # Soon the dispenser tries the hub again and hands over what it printed.
    wait_until(lambda: node.link_up and node.outbox.pending_count() == 0, timeout=15)
    push(node, HO_TICH)
    assert node.wait_idle()
    assert node.printed[-1].offline is False
    printed = [p.display for p in node.printed]
    assert len(printed) == len(set(printed)) == 3  # no number twice


def test_an_offline_ticket_s_range_widens_with_the_line_state_s_age_then_goes(
        own_broker, own_hub, make_dispenser):
    """The range printed offline comes from the last line state heard; the older it is,
    the wider (motcua/ticketing/wait.py), and past half an hour no estimate at all.
    The state is known to hold until the dispenser's link went: time passing is the
    moment of that loss moved back. (The broker gone, the dispenser cannot tell
    whether the counters still call: they may.)"""
    import datetime as dt

    from motcua.ticketing.wait import offline_wait

    node = three_waiting(make_dispenser(port=own_broker.port))
    own_broker.stop()  # this dispenser's link is gone
    wait_until(lambda: not node.bus.connected, timeout=10)
    line = node.issuer.lines["ho-tich"]
    spans = []
    for minutes in (0, 12, 29, 31):
        node.issuer._link_lost_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)
        time.sleep(0.1)  # a citizen's press, not chatter (debounce_s)
        push(node, HO_TICH)
        assert node.wait_idle()
        ticket = node.printed[-1].ticket
        assert node.printed[-1].offline and len(node.printed) == 4 + len(spans)
        spans.append(ticket.wait_range)
        if minutes < 30:
            said = offline_wait(line, ticket.people_ahead, dt.datetime.now(dt.UTC), minutes)
            assert ticket.wait_range == said[1], (minutes, ticket.people_ahead, said)
    fresh, twelve, old, stale = spans
    assert twelve[0] <= fresh[0] and twelve[1] > fresh[1]
    assert old[0] <= twelve[0] and old[1] > twelve[1]
    assert stale is None and node.printed[-1].ticket.wait_minutes is None


def test_with_the_hub_itself_away_a_ticket_says_the_calls_have_stopped_not_a_range(
        own_broker, own_hub, make_dispenser):
    """The broker is there and says the hub is gone (its Last Will): no counter can
    call anyone until it is back, so the line stands still for as long as that lasts,
    which nobody knows. A range would mislead (its low end counts the line moving on):
    the ticket says why it gives no wait, on paper and on the kiosk's screen alike."""
    from motcua.ticketing.ticket import HUB_DOWN_WAIT, footer_lines

    node = three_waiting(make_dispenser(port=own_broker.port))
    own_hub.stop()  # the broker stays; the hub says "offline"
    wait_until(lambda: not node.hub_online)
    push(node, HO_TICH)
    assert node.wait_idle()
    printed = node.printed[-1]
    assert printed.offline and printed.ticket.people_ahead == 3
    assert printed.ticket.wait_range is None and printed.ticket.wait_minutes is None
    texts = [line.text for line in footer_lines(printed.ticket)]
    assert HUB_DOWN_WAIT in texts and not any(t.startswith("Dự kiến chờ") for t in texts)
    assert "Phát khi mất kết nối – số vẫn hợp lệ" in texts


def test_a_dispenser_started_while_the_hub_is_away_prints_no_estimate(
        own_broker, own_hub, make_dispenser):
    """The broker hands it the last line state, retained, but not how old it is."""
    node = make_dispenser(port=own_broker.port)
    wait_until(lambda: node.hub_online and has_blocks(node))
    push(node, HO_TICH)
    assert node.wait_idle()
    own_hub.stop()
    wait_until(lambda: not node.hub_online)
    node.stop()
    again = make_dispenser(port=own_broker.port, wait=False)
    wait_until(lambda: again.issuer.lines.get("ho-tich"))
    push(again, HO_TICH)
    assert again.wait_idle()
    printed = again.printed[-1]
    assert printed.offline and printed.ticket.wait_range is None
    assert printed.ticket.wait_minutes is None
