"""One list of departments (issue 23): the catalog and the queue share one row per
department, today's duplicates are merged by migration 0121, and no chooser lists a
department twice."""

import re
from collections import Counter

import pytest
import sqlite_utils

from central import catalog
from central.accounts import users
from central.catalog import department_list as departments
from central.dossiers import reception as dossier_reception
from central.queue import setup
from central.store import Store
from central.store.migrations import migrations

from .dossier_helpers import APPLICANT, CHECKLIST

CHOOSERS = {  # page → the select whose options are departments
    "/thu-tuc": "department",
    "/worklists": "department_id",
    "/fees/report": "department",
}


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no chooser {name}"
    texts = [t.strip() for t in re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))]
    return [t for t in texts if t not in ("", "—", "Tất cả")]


def twice(names: list[str]) -> list[str]:
    return [n for n, k in Counter(departments.fold(n) for n in names).items() if k > 1]


@pytest.mark.parametrize("catalog_first", [True, False])
def test_the_catalog_and_the_queue_share_one_row_per_department(store, catalog_first):
    loads = [lambda: catalog.load_sample(store, "admin"),
             lambda: setup.load_file(store, setup.SAMPLE, actor="test")]
    for load in loads if catalog_first else reversed(loads):
        load()
    names = [r[0] for r in store.db.execute("select name from departments")]
    assert twice(names) == [] and len(names) == 19  # 15 in both, 4 that keep own desks
    # Either code finds the one department, and the queue's services kept theirs.
    assert departments.id_for(store.db, "STP") == departments.id_for(store.db, "stp")
    assert departments.id_for(store.db, "VPUB") == departments.id_for(store.db, "vp-ubnd")
    linked = store.db.execute("select count(distinct department_id) from service_departments "
                              "where department_id not in (select id from departments)")
    assert linked.fetchone()[0] == 0
    # Every procedure keeps its department whichever came first: with the queue first
    # (as make demo loads them), the catalog's "STP" met the queue's "stp" and 219 of
    # 225 procedures were stored with none (no reception, no late dossiers in the demo).
    orphans = store.db.execute("select count(*) from procedures where department_id is null")
    assert orphans.fetchone()[0] == 0


def test_no_chooser_lists_a_department_twice(client, store, hub_config):
    catalog.load_sample(store, "admin")
    setup.load_file(store, setup.SAMPLE, actor="test")
    users.create_user(store, "admin", "Lê Văn Quản", "admin", "mat-khau-admin-1")
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "admin", "password": "mat-khau-admin-1",
                                "csrf_token": token})
    proc = store.db.execute("select id from procedures where code = '1.001193' "
                            "and current = 1").fetchone()[0]
    d = dossier_reception.receive(store, hub_config, procedure_id=proc, channel="in_person",
                                  applicant=APPLICANT, components=[CHECKLIST[0]["name"]],
                                  actor="admin")
    pages = {**CHOOSERS, f"/dossiers/{d['id']}": "department_id",
             "/admin/catalog/1.001193": "department"}
    for path, name in pages.items():
        reply = client.get(path)
        assert reply.status_code == 200, path
        names = options(reply.get_data(as_text=True), name)
        assert names and twice(names) == [], (path, twice(names))


def test_migration_0121_merges_the_duplicates_of_an_older_hub(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    db.execute("pragma foreign_keys = on")
    migrations.apply(db, stop_before="0121_one_list_of_departments")
    # As an older hub holds them: the catalog's row and the queue's row.
    stp = db["departments"].insert({"code": "STP", "name": "Sở Tư pháp"}).last_pk
    stp2 = db["departments"].insert({"code": "stp", "name": "Sở  tư pháp",
                                     "short_name": "Tư pháp", "own_desk": 0}).last_pk
    lao = db["departments"].insert({"code": "SLDTBXH",
                                    "name": "Sở Lao động - Thương binh và Xã hội"}).last_pk
    lao2 = db["departments"].insert({"code": "sldtbxh",
                                     "name": "Sở Lao động – Thương binh và Xã hội"}).last_pk
    db["procedures"].insert({"code": "1.001193", "name": "Đăng ký khai sinh", "field": "Hộ tịch",
                             "department_id": stp2, "level": "province",
                             "created_at": "2026-01-01T00:00:00+00:00"})
    db.close()
    store = Store(path)  # opening applies what is pending, 0121 included
    rows = list(store.db.query("select id, code, name, short_name from departments order by id"))
    assert [(r["id"], r["code"]) for r in rows] == [(stp, "STP"), (lao, "SLDTBXH")]
    assert rows[0]["short_name"] == "Tư pháp"  # what the merged row knew is kept
    assert store.db.execute("select department_id from procedures").fetchone()[0] == stp
    assert departments.id_for(store.db, "stp") == stp
    assert departments.id_for(store.db, "sldtbxh") == lao
    assert lao2 not in {r["id"] for r in rows}
    # The fee rule stands again after the merge.
    triggers = {r[0] for r in store.db.execute("select name from sqlite_master "
                                                "where type = 'trigger'")}
    assert "fee_entries_no_update" in triggers
    store.close()
