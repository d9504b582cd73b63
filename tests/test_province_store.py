"""The provincial hub's store and pages, in-process: what arrives is stored once,
bad input changes nothing, and the pages show every centre in Vietnamese."""

import json

import pytest

from central.province import ingest, reports
from central.province.gateway import ProvinceGateway
from motcua import clock
from motcua.bus.messages import UP_DOSSIERS, UP_RATINGS, UP_TICKET_EVENTS, encode

from .signing import login

NOW = "2026-11-27T03:00:00.000+00:00"


def event(i, action="call", to_status="called", officer="lan.nt", day="2026-11-27"):
    return {"event_id": i, "at": f"2026-11-27T02:{i % 60:02d}:00.000+00:00", "day": day,
            "action": action, "to_status": to_status, "ticket_id": i, "display": f"A{i:03d}",
            "service": "ho-tich", "counter": 1, "officer": officer,
            "officer_name": "Nguyễn Thị Lan"}


def dossier(code, version, **changes):
    row = {"code": code, "dossier_id": 1, "procedure_code": "1.001193",
           "procedure_name": "Đăng ký khai sinh", "procedure_field": "Hộ tịch",
           "procedure_level": "commune", "department_code": "STP",
           "department_name": "Sở Tư pháp", "channel": "in_person", "status": 4,
           "stage": "running", "received_at": "2026-11-20T02:00:00.000+00:00",
           "due_at": "2026-11-25T10:00:00.000+00:00", "updated_at": NOW, "version": version}
    return {**row, **changes}


def apply(store, topic, payload):
    with store.write() as db:
        return ingest.apply(db, topic, payload if isinstance(payload, bytes) else encode(payload),
                            NOW)


def test_a_redelivered_batch_is_stored_once(province_store):
    batch = UP_TICKET_EVENTS.make(events=[event(1), event(2)])
    assert apply(province_store, "province/xa-a/up/ticket_events", batch) == 2
    assert apply(province_store, "province/xa-a/up/ticket_events", batch) == 0
    # The same ids from another centre are that centre's own events.
    assert apply(province_store, "province/xa-b/up/ticket_events", batch) == 2
    rows = province_store.db.execute("select center, count(*) from province_ticket_events "
                                     "group by center order by center").fetchall()
    assert rows == [("xa-a", 2), ("xa-b", 2)]


def test_an_older_dossier_row_never_overwrites_a_newer_one(province_store):
    apply(province_store, "province/xa-a/up/dossiers",
          UP_DOSSIERS.make(dossiers=[dossier("H56-1", 7, status=9, stage="ready")]))
    apply(province_store, "province/xa-a/up/dossiers",
          UP_DOSSIERS.make(dossiers=[dossier("H56-1", 3)]))
    assert province_store.db.execute(
        "select status, version from province_dossiers").fetchall() == [(9, 7)]


@pytest.mark.parametrize("topic, payload", [
    ("province/xa-a/up/ticket_events", b"not json"),
    ("province/xa-a/up/ticket_events", b'{"v": 1, "events": []}'),  # no id, no ts
    ("province/xa-a/up/unknown", encode(UP_RATINGS.make(ratings=[]))),
    ("province/XA A/up/ratings", encode(UP_RATINGS.make(ratings=[]))),
    ("province/xa-a/bridge/state", b"yes"),
    ("province/xa-a/state/board/main", b"[1, 2"),
    ("elsewhere/xa-a/up/ratings", encode(UP_RATINGS.make(ratings=[]))),
])
def test_bad_input_is_refused_and_changes_nothing(province_store, topic, payload):
    with pytest.raises(ingest.Refused):
        apply(province_store, topic, payload)
    assert province_store.db.execute("select count(*) from province_centres").fetchone() == (0,)


def test_one_bad_record_is_skipped_alone(province_store, hub_config):
    gateway = ProvinceGateway(hub_config, province_store)
    bad = {"event_id": "x"}  # no time, no ticket
    stored = gateway.apply_batch([
        ("province/xa-a/up/ticket_events",
         encode(UP_TICKET_EVENTS.make(events=[event(1), bad, event(2)]))),
        ("province/xa-a/bridge/state", b"nonsense"),
        ("province/xa-a/bridge/state", b"1"),
    ])
    assert stored == 2 and gateway.refused == 1
    assert reports.centres(province_store.db)[0]["link"] == "up"


def test_the_link_log_says_when_each_centre_went_offline(province_store):
    apply(province_store, "province/xa-a/bridge/state", b"1")
    with province_store.write() as db:
        ingest.apply(db, "province/xa-a/bridge/state", b"0", "2026-11-27T04:00:00.000+00:00")
        ingest.apply(db, "province/xa-a/bridge/state", b"0", "2026-11-27T04:05:00.000+00:00")
    centre = reports.centres(province_store.db)[0]
    assert (centre["link"], centre["link_since"]) == ("down", "2026-11-27T04:00:00.000+00:00")
    assert centre["link_name"] == "Mất kết nối"


def test_a_centre_report_function_runs_on_the_provinces_rows(province_store):
    from central.statistics import dossier_figures

    apply(province_store, "province/xa-a/up/dossiers", UP_DOSSIERS.make(dossiers=[
        dossier("H56-1", 1, status=9, stage="ready", classification="on_time",
                result_at="2026-11-24T02:00:00.000+00:00"),
        dossier("H56-2", 2)]))
    apply(province_store, "province/xa-b/up/dossiers", UP_DOSSIERS.make(dossiers=[
        dossier("H56-1", 1, status=9, stage="ready", classification="late",
                result_at="2026-11-26T02:00:00.000+00:00")]))
    # Their events, as a centre's uplink sends them: the hall figures, like
    # Biểu 06, are digested from the events (statistics facts).
    from motcua.bus.messages import UP_DOSSIER_EVENTS

    def events(*rows):
        return UP_DOSSIER_EVENTS.make(events=[
            {"event_id": i, "code": code, "at": at, "action": action,
             "from_status": None if action == "receive" else 4,
             "to_status": 2 if action == "receive" else 9,
             "due_at": "2026-11-25T10:00:00.000+00:00" if action == "receive" else None,
             "classification": classification}
            for i, (code, at, action, classification) in enumerate(rows, 1)])

    received = "2026-11-20T02:00:00.000+00:00"
    apply(province_store, "province/xa-a/up/dossier_events", events(
        ("H56-1", received, "receive", None), ("H56-2", received, "receive", None),
        ("H56-1", "2026-11-24T02:00:00.000+00:00", "result_ready", "on_time")))
    apply(province_store, "province/xa-b/up/dossier_events", events(
        ("H56-1", received, "receive", None),
        ("H56-1", "2026-11-26T02:00:00.000+00:00", "result_ready", "late")))
    now = clock.from_iso("2026-11-27T03:00:00+00:00")
    db = province_store.db
    one = dossier_figures.department_figures(reports.centre_database(db, "xa-a"), now)
    assert one["departments"] == [{"code": "STP", "name": "Sở Tư pháp", "resolved": 1,
                                   "on_time": 1, "in_progress": 1, "overdue": 1,
                                   "on_time_rate": 1.0}]
    everything = dossier_figures.department_figures(reports.centre_database(db), now)
    assert sorted((d["code"], d["resolved"]) for d in everything["departments"]) == [
        ("xa-a:STP", 1), ("xa-b:STP", 1)]
    period = reports.period_report(province_store.db, "2026-11-01T00:00:00+07:00",
                                   "2026-12-01T00:00:00+07:00", NOW)
    whole = period["province"]
    assert (whole["received"], whole["resolved"], whole["on_time"], whole["late"],
            whole["overdue"], whole["on_time_rate"]) == (3, 2, 1, 1, 1, 0.5)
    assert [o["code"] for o in reports.overdue(province_store.db, NOW)] == ["H56-2"]


def test_the_province_pages_show_every_centre(province_store, store, hub_config):
    from central import create_app

    app = create_app(hub_config, store=store, province_store=province_store)
    app.config["TESTING"] = True
    client = app.test_client()
    store, staff = province_store, store
    apply(store, "province/xa-a/bridge/state", b"1")
    apply(store, "province/xa-b/bridge/state", b"0")
    apply(store, "province/xa-a/state/nodes", {"v": 1, "center_name": "Trung tâm xã Đông Sơn",
                                                "nodes": [{"node_id": "counter-1",
                                                           "role": "counter",
                                                           "state": "online", "since": NOW}]})
    apply(store, "province/xa-a/state/counter/1", {
        "v": 1, "counter": 1, "name": "Quầy 1", "status": "open", "status_name": "Đang mở",
        "officer": "Nguyễn Thị Lan", "current": {"display": "A007"}})
    apply(store, "province/xa-a/up/ticket_events", UP_TICKET_EVENTS.make(
        events=[event(1), event(2, "finish", "done")]))
    apply(store, "province/xa-a/up/dossiers", UP_DOSSIERS.make(dossiers=[dossier("H56-2", 2)]))
    assert client.get("/province").status_code == 302  # sign in first
    login(client, "gs.tinh", "supervisor", staff)
    page = client.get("/province").get_data(as_text=True)
    assert "Trung tâm xã Đông Sơn" in page and "Đang kết nối" in page
    assert "Mất kết nối" in page and "1 / 2 trung tâm đang kết nối" in page
    assert "Toàn tỉnh" in page
    floor = client.get("/province/xa-a").get_data(as_text=True)
    assert "Nguyễn Thị Lan" in floor and "A007" in floor and "counter-1" in floor
    assert client.get("/province/nowhere").status_code == 404
    assert "H56-2" in client.get("/province/overdue").get_data(as_text=True)
    officers = client.get("/province/officers?from=2026-11-01&to=2026-11-30")
    assert "Nguyễn Thị Lan" in officers.get_data(as_text=True)
    assert client.get("/province?from=2026-13-01").status_code == 400
    assert json.loads(store.db.execute("select payload from province_state where "
                                       "name = 'counter/1'").fetchone()[0])["counter"] == 1


def test_dossier_events_are_stored_once_and_rebuild_a_centres_history(province_store):
    from motcua.bus.messages import UP_DOSSIER_EVENTS

    events = [{"event_id": 10, "code": "H56-1", "at": "2026-11-20T02:00:00.000+00:00",
               "action": "receive", "from_status": None, "to_status": 2,
               "due_at": "2026-11-25T10:00:00.000+00:00", "classification": None},
              {"event_id": 11, "code": "H56-1", "at": "2026-11-24T02:00:00.000+00:00",
               "action": "result_ready", "from_status": 4, "to_status": 9,
               "due_at": None, "classification": "on_time"}]
    batch = UP_DOSSIER_EVENTS.make(events=events)
    assert apply(province_store, "province/xa-a/up/dossier_events", batch) == 2
    assert apply(province_store, "province/xa-a/up/dossier_events", batch) == 0
    apply(province_store, "province/xa-a/up/dossiers", UP_DOSSIERS.make(dossiers=[
        dossier("H56-1", 11, status=9, stage="ready", classification="on_time")]))
    mem = reports.centre_database(province_store.db, "xa-a")
    rows = [(r["action"], json.loads(r["detail"])) for r in mem.query(
        "select e.action, e.detail from dossier_events e join dossiers d on d.id = e.dossier_id "
        "where d.code = 'H56-1' order by e.id")]
    assert rows == [("receive", {"due_at": "2026-11-25T10:00:00.000+00:00"}),
                    ("result_ready", {"classification": "on_time"})]


def test_provision_a_province_for_its_centres(tmp_path):
    from motcua.provision import provision
    from motcua.provision.inventory import InventoryError

    inv = tmp_path / "tinh.toml"
    base = 'center = "tinh"\n[broker]\nhost = "localhost"\n'
    inv.write_text(base + '[[centres]]\nid = "xa-a"\n[[centres]]\nid = "xa-b"\n')
    out = tmp_path / "out"
    provision(inv, out)
    acl = (out / "broker" / "acl").read_text()
    assert "user xa-a\ntopic write province/xa-a/state/board/+\n" in acl
    assert "topic write province/xa-a/#" not in acl
    assert "user hub\ntopic read province/#" in acl
    users_ = [line.split(":")[0] for line in (out / "broker" / "passwd").read_text().split()]
    # ... and `web`, the live pages' read-only user (tests/test_bridge.py tries it).
    assert sorted(users_) == ["hub", "web", "xa-a", "xa-b"]
    assert ("user web\ntopic read province/+/state/#\ntopic read province/+/bridge/state\n"
            in acl)
    before = (out / "centres" / "xa-a" / "bridge-password").read_text()
    provision(inv, out)  # again: nothing changes
    assert (out / "centres" / "xa-a" / "bridge-password").read_text() == before
    provision(inv, out, rotate=["xa-a"])
    assert (out / "centres" / "xa-a" / "bridge-password").read_text() != before
    for extra, message in [
        ('[[centres]]\nid = "xa-a"\n[[centres]]\nid = "xa-a"\n', "reserved or appears twice"),
        ('[[centres]]\nid = "Xã A"\n', "use a-z"),
        ('[[centres]]\nid = "xa-a"\n[province]\naddress = "x"\n', r"no \[province\]"),
    ]:
        inv.write_text(base + extra)
        with pytest.raises(InventoryError, match=message):
            provision(inv, tmp_path / "refused")


def test_the_province_adds_up_the_centres_booked_and_walk_in_figures(province_store, store,
                                                                     hub_config, monkeypatch):
    """Issue 26: each centre's state/booking_stats, per centre and added up for the
    province (averages from the sums of waits, rates from the counts), in both stores."""
    import datetime as dt

    from central import create_app
    from motcua.bus.messages import STATE_BOOKING_STATS

    # The figures are today's: the province shows no other day's as today's.
    monkeypatch.setattr(clock, "now", lambda: dt.datetime.fromisoformat(NOW))

    apply(province_store, "province/xa-a/state/booking_stats", STATE_BOOKING_STATS.make(
        day="2026-11-27", booked_called=2, booked_wait_sum_min=6.0, booked_avg_wait_min=3.0,
        walk_in_called=4, walk_in_wait_sum_min=80.0, walk_in_avg_wait_min=20.0, bookings=4,
        checked_in=2, no_show=1, cancelled=1, no_show_rate=0.333, seats=20, share_booked=0.2))
    apply(province_store, "province/xa-b/state/booking_stats", STATE_BOOKING_STATS.make(
        day="2026-11-27", booked_called=1, booked_wait_sum_min=9.0, booked_avg_wait_min=9.0,
        walk_in_called=0, walk_in_wait_sum_min=0.0, bookings=1, checked_in=1, no_show=0,
        cancelled=0, no_show_rate=0.0, seats=0))
    rows = reports.centres(province_store.db)
    assert [r["booking"]["bookings"] for r in rows] == [4, 1]
    total = reports.booking_totals(rows)
    assert total["booked_avg_wait_min"] == 5.0            # (6 + 9) / 3
    assert total["walk_in_avg_wait_min"] == 20.0           # 80 / 4
    assert total["no_show_rate"] == 0.25                   # 1 / (3 + 1)
    assert total["share_booked"] == 0.25                   # 5 / 20
    assert reports.booking_totals([])["share_booked"] is None

    app = create_app(hub_config, store=store, province_store=province_store)
    app.config["TESTING"] = True
    client = app.test_client()
    login(client, "gs.tinh", "supervisor", store)
    page = client.get("/province").get_data(as_text=True)
    table = page.split('id="bookings"')[1].split("</table>")[0]
    assert "Toàn tỉnh (2 trung tâm)" in table and "25,0%" in table and "5,0" in table
    # xa-b offered no seat: its share is "—" with the reason, never 0% or 100%.
    row_b = table.split('data-center="xa-b"')[1].split("</tr>")[0]
    assert "—" in row_b and "Không có chỗ nào mở cho đặt lịch" in row_b
