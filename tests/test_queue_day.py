"""The business day: citizens who queue before opening are that day's first numbers."""

from __future__ import annotations

import datetime as dt

from central.accounts import users
from central.queue import api, leases, setup
from motcua.bus import Topics

EARLY = dt.datetime(2026, 12, 7, 23, 50, tzinfo=dt.UTC)   # 06:50 on the 8th in Hà Nội
OPENED = dt.datetime(2026, 12, 8, 0, 5, tzinfo=dt.UTC)    # 07:05, the centre opens at 07:00


def test_a_ticket_taken_before_opening_is_called_first_and_its_number_not_given_again(
        sample_centre, hub_config, store):
    topics = Topics(hub_config.center)
    with store.write() as db:
        early, _ = api.issue_ticket(db, topics, "ho-tich", now=EARLY)
    officer = users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan-1")
    with store.write() as db:
        later, _ = api.issue_ticket(db, topics, "ho-tich", now=OPENED)
        api.sign_in(db, topics, 1, officer["id"])
        called, _ = api.counter_command(db, topics, setup.counter_by_number(db, 1), "next",
                                        now=OPENED)
    assert early["day"] == later["day"] == "2026-12-08"
    assert (early["display"], later["display"]) == ("A001", "A002")
    assert later["people_ahead"] == 1
    assert called["current"]["display"] == "A001"
    statuses = dict(store.db.execute("select display, status from tickets").fetchall())
    assert statuses == {"A001": "called", "A002": "waiting"}


def test_a_block_leased_before_opening_is_good_until_the_next_day_starts(
        sample_centre, store):
    with store.write() as db:
        block = leases.lease_block(db, "dispenser-1", "ho-tich", now=EARLY)
    # The 8th's business day ends when the 9th's starts, at 03:00 (four hours
    # before opening): the block is not thrown away at the 8th's opening.
    assert block["day"] == "2026-12-08"
    assert block["valid_until"].startswith("2026-12-08T20:00:00")
