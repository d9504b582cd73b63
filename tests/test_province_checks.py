"""A broken or stolen centre hub sending impossible records: each is refused alone,
counted against its centre with the reason in Vietnamese on /province, and the
centre's possible records and the other centres' are stored (SQLite, PostgreSQL)."""

import json

from central.province import ingest, reports
from central.province.gateway import ProvinceGateway
from motcua.bus.messages import UP_DOSSIERS, UP_RATINGS, UP_TICKET_EVENTS, encode

from .test_province_figures import signed_in_client, text_of
from .test_province_store import NOW, dossier, event

FUTURE = "2026-11-28T03:00:00.000+00:00"  # a day after the province's now


def refusals(store, center):
    row = store.db.execute("select payload from province_state where center = ? and name = ?",
                           [center, ingest.REFUSALS]).fetchone()
    return json.loads(row[0]) if row else None


def test_impossible_records_are_refused_alone_and_counted(province_store, store, hub_config):
    good = [event(1), event(2)]
    bad = [{**event(3), "at": FUTURE},                    # a week ahead: a time to come
           {**event(4), "display": "A" * 400},            # no ticket prints that
           {**event(5), "counter": 70000},                # nor has a counter 70,000
           {**event(6), "to_status": "hacked"},
           {**event(7), "day": "2026-12-25"}]
    dossiers = [dossier("H-1", 1, time_limit=3.0), dossier("H-2", 2, supplement_count=99),
                dossier("H-3", 3, received_at=FUTURE),
                dossier("H-4", 4, due_at="2026-11-19T00:00:00.000+00:00")]
    ratings = [{"rating_id": 1, "counter": 1, "level": "very_satisfied", "score": 4,
                "rated_at": NOW},
               {"rating_id": 2, "counter": 1, "level": "very_satisfied", "score": 9,
                "rated_at": NOW}]
    with province_store.write() as db:
        stored, refused = ingest.apply_many(db, [
            ("province/xa-a/up/ticket_events",
             encode(UP_TICKET_EVENTS.make(events=good[:1] + bad + good[1:]))),
            ("province/xa-a/up/dossiers", encode(UP_DOSSIERS.make(dossiers=dossiers))),
            ("province/xa-a/up/ratings", encode(UP_RATINGS.make(ratings=ratings))),
            ("province/xa-b/up/ticket_events", encode(UP_TICKET_EVENTS.make(events=good))),
        ], NOW)
    assert refused == []  # the messages were taken; their impossible records were not
    assert stored == 2 + 1 + 1 + 2
    events = province_store.db.execute(
        "select center, event_id from province_ticket_events order by 1, 2").fetchall()
    assert [tuple(r) for r in events] == [("xa-a", 1), ("xa-a", 2), ("xa-b", 1), ("xa-b", 2)]
    assert [r[0] for r in province_store.db.execute(
        "select code from province_dossiers")] == ["H-1"]
    assert province_store.db.execute("select count(*) from province_ratings").fetchone()[0] == 1
    counted = refusals(province_store, "xa-a")
    assert counted["count"] == 5 + 3 + 1
    assert counted["reason"] == "bản ghi không hợp lý: số không hợp lý (score = 9)"
    assert refusals(province_store, "xa-b") is None
    # On the province's page, under the centre's name, in Vietnamese.
    client = signed_in_client(hub_config, store, province_store)
    html = client.get("/province").get_data(as_text=True)
    row = text_of(html.split('id="centres"')[1].split('data-center="xa-a"')[1]
                  .split("</tr>")[0])
    assert "9 bản tin bị từ chối" in row and "bản ghi không hợp lý" in row, row


def test_an_impossible_floor_is_refused_and_the_last_possible_one_kept(province_store,
                                                                        hub_config):
    gateway = ProvinceGateway(hub_config, province_store)
    stats = {"v": 1, "issued": 40, "waiting": 7, "serving": 2, "done": 30, "no_show": 1,
             "cancelled": 0, "avg_wait_min": 6.5}
    line = {"v": 1, "service": "A", "name": "Hộ tịch", "waiting": 3, "queue": [],
            "open_counters": 1, "minutes_per_person": 4.0, "estimate_min": 12,
            "target_wait_min": 15}
    counter = {"v": 1, "counter": 1, "name": "Quầy 1", "status": "open",
               "status_name": "Đang mở", "officer": None, "current": None}
    batch = [("province/xa-a/state/queue_stats", encode(stats)),
             ("province/xa-a/state/line/A", encode(line)),
             ("province/xa-a/state/counter/1", encode(counter)),
             # then impossible ones: the previous state must stay
             ("province/xa-a/state/queue_stats", encode({**stats, "waiting": 5000})),
             ("province/xa-a/state/queue_stats", encode({**stats, "avg_wait_min": -3})),
             ("province/xa-a/state/line/A", encode({**line, "open_counters": 5000})),
             ("province/xa-a/state/line/A", encode({**line, "estimate_min": 10**6})),
             ("province/xa-a/state/counter/1", encode({**counter, "counter": 2})),
             ("province/xa-a/state/counter/99999", encode({**counter, "counter": 99999})),
             ("province/xa-a/state/queue_stats", encode({**stats, "day": "2027-01-01"}))]
    gateway.apply_batch(batch)
    assert gateway.refused == 7
    floor = reports.floor(province_store.db, "xa-a")
    assert [c["counter"] for c in floor["counters"]] == [1]
    assert floor["lines"][0]["open_counters"] == 1 and floor["lines"][0]["estimate_min"] == 12
    row = next(r for r in reports.centres(province_store.db) if r["center"] == "xa-a")
    assert (row["issued"], row["waiting"], row["avg_wait_min"]) == (40, 7, 6.5)
    assert row["refused"]["count"] == 7
    assert row["refused"]["reason"].startswith("trạng thái không hợp lý: ngày trong tương lai")
