"""The hub's side of offline printing: number blocks and late tickets, on a real SQLite file."""

from __future__ import annotations

import datetime as dt

import pytest

from central.errors import Refused
from central.queue import api, leases, tickets
from motcua.bus import Topics

T = Topics("thanhhoa")
NOON = dt.datetime(2026, 11, 27, 5, 0, tzinfo=dt.UTC)  # 12:00 in Hà Nội


def lease(store, node="dispenser-1", service="ho-tich", size=10, now=NOON):
    with store.write() as db:
        return leases.lease_block(db, node, service, size, now=now)


def deliver(store, block, number, at, node="dispenser-1", token="ab" * 10, now=NOON):
    with store.write() as db:
        result, _ = leases.apply_offline(db, T, node, {
            "service": block["service"], "block": block["block"], "number": number,
            "issued_at": at.isoformat(), "token": token}, now=now)
    return result


def online(store, service="ho-tich", now=NOON):
    with store.write() as db:
        return api.issue_ticket(db, T, service, node_id="dispenser-1", now=now)[0]


def test_the_hub_never_issues_a_leased_number(sample_centre):
    store = sample_centre
    assert online(store)["display"] == "A001"
    block = lease(store)  # from the top of the range down
    assert (block["first"], block["last"], block["day"]) == (990, 999, "2026-11-27")
    assert block["valid_until"] == "2026-11-27T20:00:00.000+00:00"  # 03:00 next morning
    assert block["service_name"].startswith("Hộ tịch") and block["prefix"] == "A"
    assert online(store)["display"] == "A002"  # online numbering never jumps
    assert lease(store, node="dispenser-2")["last"] == 989  # blocks never overlap


def test_an_offline_ticket_takes_its_place_in_line_by_issue_time(sample_centre):
    store = sample_centre
    block = lease(store)  # 990..999
    early = online(store, now=NOON)  # A001 at 12:00
    late = online(store, now=NOON + dt.timedelta(minutes=10))  # A002 at 12:10
    result = deliver(store, block, 990, NOON + dt.timedelta(minutes=5))
    assert result["display"] == "A990" and result["people_ahead"] == 1
    assert result["live_path"] == f"/t/{'ab' * 10}"  # the QR printed offline works
    order = [r[0] for r in store.db.execute(
        "select display from tickets where status = 'waiting' order by issued_at")]
    assert order == [early["display"], "A990", late["display"]]
    event = store.db.execute("select action, node_id from ticket_events where ticket_id = ?",
                             [result["ticket_id"]]).fetchone()
    assert tuple(event) == ("issue_offline", "dispenser-1")


@pytest.mark.parametrize("node, number, code", [
    ("dispenser-2", 990, "not_leased"),  # someone else's block
    ("dispenser-1", 989, "not_leased"),  # outside the block
])
def test_numbers_outside_the_nodes_blocks_are_refused(sample_centre, node, number, code):
    block = lease(sample_centre)
    with pytest.raises(Refused) as refused:
        deliver(sample_centre, block, number, NOON, node=node)
    assert refused.value.code == code
    assert sample_centre.db.execute("select count(*) from tickets").fetchone()[0] == 0


def test_a_number_delivered_twice_under_two_ids_is_refused_the_second_time(sample_centre):
    block = lease(sample_centre)
    deliver(sample_centre, block, 993, NOON)
    with pytest.raises(Refused) as refused:
        deliver(sample_centre, block, 993, NOON, token="cd" * 10)
    assert refused.value.code == "number_used"


def test_a_ticket_of_a_closed_day_is_refused(sample_centre):
    block = lease(sample_centre)
    tomorrow = NOON + dt.timedelta(days=1)
    with pytest.raises(Refused) as refused:
        deliver(sample_centre, block, 990, NOON, now=tomorrow)
    assert refused.value.code == "day_closed" and "đã kết thúc" in refused.value.message


def test_a_block_stops_at_the_start_of_the_range_and_then_none_is_leased(sample_centre):
    store = sample_centre
    with store.write() as db:
        service = db.execute("select id from services where code = 'ho-tich'").fetchone()[0]
        day = tickets.business_day(NOON, "07:00")
        db["number_blocks"].insert({"day": day, "service_id": service, "node_id": "x",
                                    "first": 5, "last": 999, "leased_at": NOON.isoformat()})
    block = lease(store)  # only 1..4 are left below the blocks
    assert (block["first"], block["last"]) == (1, 4)
    with pytest.raises(Refused) as refused:
        lease(store)
    assert refused.value.code == "range_exhausted"


def test_bad_sizes_and_services_are_refused(sample_centre):
    for size in (0, 101):
        with pytest.raises(Refused):
            lease(sample_centre, size=size)
    with pytest.raises(Refused) as refused:
        lease(sample_centre, service="khong-co")
    assert refused.value.code == "unknown_service"
    assert sample_centre.db.execute("select count(*) from number_blocks").fetchone()[0] == 0


def test_a_dispenser_with_a_wrong_clock_does_not_jump_the_line_and_is_reported(sample_centre):
    from central import alarms

    store = sample_centre
    block = lease(store, now=NOON - dt.timedelta(minutes=10))
    first = online(store, now=NOON - dt.timedelta(minutes=6))
    second = online(store, now=NOON - dt.timedelta(minutes=1))
    fast = dt.timedelta(hours=2, minutes=5)  # the dispenser's clock runs 2 h 5 min ahead
    with store.write() as db:  # printed 3 min ago (hub time), delivered now
        result, _ = leases.apply_offline(db, T, "dispenser-1", {
            "service": "ho-tich", "block": block["block"], "number": 990,
            "issued_at": (NOON - dt.timedelta(minutes=3) + fast).isoformat(),
            "ts": (NOON + fast).isoformat(), "token": "ab" * 10}, now=NOON)
    # The hub's time wins: between the two it really came between, not at 14:02.
    assert result["issued_at"] == "2026-11-27T04:57:00.000+00:00"
    order = [r[0] for r in store.db.execute(
        "select display from tickets where status = 'waiting' order by issued_at")]
    assert order == [first["display"], "A990", second["display"]]
    fault = store.db.execute("select code, severity, message from node_faults "
                             "where node_id = 'dispenser-1'").fetchone()
    assert tuple(fault)[:2] == ("clock_skew", "warning")
    assert "nhanh 2 giờ 5 phút so với máy chủ" in fault[2]
    assert any(a.key == "clock.dispenser-1" for a in alarms.active())
    alarms.clear("clock.dispenser-1")
    # A clock wrong by more than the lease allows is bounded by the lease itself
    # (another dispenser's block: this one's 990 already came at 04:57).
    other = lease(store, node="dispenser-2", now=NOON - dt.timedelta(minutes=10))
    with store.write() as db:
        result, _ = leases.apply_offline(db, T, "dispenser-2", {
            "service": "ho-tich", "block": other["block"], "number": other["last"],
            "issued_at": (NOON - dt.timedelta(hours=5)).isoformat(),
            "ts": NOON.isoformat(), "token": "cd" * 10}, now=NOON)
    assert result["issued_at"] == "2026-11-27T04:50:00.000+00:00"  # the lease's moment


def test_one_dispensers_offline_tickets_keep_their_order_whatever_the_delivery_delays(
        sample_centre):
    """Each print is timed by its own delivery (hub now − (sent − printed)): when the
    first ticket waited longer on its way than the gap between the presses, its
    estimate falls after the second's. The dispenser's own order is certain."""
    store = sample_centre
    block = lease(store, now=NOON - dt.timedelta(minutes=10))
    printed = NOON - dt.timedelta(minutes=2)
    gap = dt.timedelta(milliseconds=100)
    with store.write() as db:  # sent at once, but the hub got to it 0.4 s later
        first, _ = leases.apply_offline(db, T, "dispenser-1", {
            "service": "ho-tich", "block": block["block"], "number": 990,
            "issued_at": printed.isoformat(), "ts": NOON.isoformat(), "token": "ab" * 10},
            now=NOON + dt.timedelta(milliseconds=400))
    with store.write() as db:  # pressed 0.1 s later, sent 0.3 s later, handled at once
        second, _ = leases.apply_offline(db, T, "dispenser-1", {
            "service": "ho-tich", "block": block["block"], "number": 991,
            "issued_at": (printed + gap).isoformat(),
            "ts": (NOON + dt.timedelta(milliseconds=300)).isoformat(), "token": "cd" * 10},
            now=NOON + dt.timedelta(milliseconds=300))
    assert second["issued_at"] >= first["issued_at"]
    order = [r[0] for r in store.db.execute(
        "select display from tickets where status = 'waiting' order by issued_at, id")]
    assert order == ["A990", "A991"]
