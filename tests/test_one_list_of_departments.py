"""One list of departments (issue 23): the catalog and the queue share one row per
department, today's duplicates are merged by migration 0121, and no chooser lists a
department twice."""

import json
import re
from collections import Counter

import pytest
import sqlite_utils

from central import catalog
from central.accounts import users
from central.catalog import department_list as departments
from central.catalog.importing import ImportRefused
from central.dossiers import reception as dossier_reception
from central.errors import Refused
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


# The departments merged into others by the 2025 restructuring (docs/catalog.md,
# "Departments after the 2025 restructuring"), as the older sample named them.
GONE = {
    "SLDTBXH": ("sldtbxh", "Sở Lao động – Thương binh và Xã hội", "LĐ-TB&XH"),
    "SKHDT": ("skhdt", "Sở Kế hoạch và Đầu tư", "KH&ĐT"),
    "SGTVT": ("sgtvt", "Sở Giao thông vận tải", "GTVT"),
    "STNMT": ("stnmt", "Sở Tài nguyên và Môi trường", "TN&MT"),
    "STTTT": ("stttt", "Sở Thông tin và Truyền thông", "TT&TT"),
    "SNNPTNT": ("snnptnt", "Sở Nông nghiệp và Phát triển nông thôn", "NN&PTNT"),
    "BDT": ("bdt", "Ban Dân tộc", "Dân tộc"),
}
GONE_NAMES = {name for _, name, _ in GONE.values()}


def twice(names: list[str]) -> list[str]:
    return [n for n, k in Counter(departments.fold(n) for n in names).items() if k > 1]


@pytest.mark.parametrize("catalog_first", [True, False])
def test_the_catalog_and_the_queue_share_one_row_per_department(store, catalog_first):
    loads = [lambda: catalog.load_sample(store, "admin"),
             lambda: setup.load_file(store, setup.SAMPLE, actor="test")]
    for load in loads if catalog_first else reversed(loads):
        load()
    names = [r[0] for r in store.db.execute("select name from departments")]
    # 13 in both (the catalog's and the queue's), 2 only in the queue (Sở Ngoại vụ,
    # Thanh tra tỉnh): the departments after the 2025 restructuring, none of the old ones.
    assert twice(names) == [] and len(names) == 15
    assert not set(names) & GONE_NAMES
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


# --- A hub that loaded the older sample, then the new one (2025 restructuring) ------------

LAND = {"Đất đai", "Môi trường", "Tài nguyên nước", "Địa chất và khoáng sản"}
INVESTMENT = {"Đầu tư tại Việt Nam", "Thành lập và hoạt động hộ kinh doanh",
              "Thành lập và hoạt động hợp tác xã"}


def _old_code(record: dict) -> str:
    """Where the older sample filed a procedure the new one files elsewhere."""
    dep, field = record["department"], record["field"]
    return {"SNNMT": "STNMT" if field in LAND else "SNNPTNT",
            "STC": "SKHDT" if field in INVESTMENT else "STC",
            "SXD": "SGTVT" if field == "Đường bộ" else "SXD", "CAT": "SGTVT",
            "SYT": "SLDTBXH" if field == "Bảo trợ xã hội" else "SYT",
            "SVHTTDL": "STTTT" if field == "Báo chí, xuất bản" else "SVHTTDL",
            "SKHCN": "STTTT", "SDTTG": "SNV"}.get(dep, dep)


def _older_sample() -> tuple[dict, dict]:
    """The catalog and the queue file as the sample was before the restructuring."""
    doc = json.loads(catalog.SAMPLE.read_text(encoding="utf-8"))
    kept = {"VPUB", "SNV", "STP", "STC", "SXD", "SCT", "SGDDT", "SVHTTDL", "SYT"}
    old_catalog = {
        "departments": [{k: d[k] for k in ("code", "name", "short_name")}
                        for d in doc["departments"] if d["code"] in kept]
        + [{"code": c, "name": n, "short_name": s} for c, (_, n, s) in GONE.items()
           if c != "BDT"],
        "procedures": [{**r, "department": _old_code(r)} for r in doc["procedures"]]}
    queue = setup.parse(setup.SAMPLE.read_text(encoding="utf-8"), "thanhhoa.toml")
    queue["departments"] = [
        {k: v for k, v in d.items() if k != "other_codes"} for d in queue["departments"]
        if d["code"] in {c.lower() for c in kept} | {"vp-ubnd", "sngv", "ttt"}
    ] + [{"code": c, "name": n, "short_name": s, "own_desk": c == "bdt"}
         for c, n, s in GONE.values()] + [
        {"code": "skhcn", "name": "Sở Khoa học và Công nghệ", "own_desk": True}]
    old_lines = {"dang-ky-kinh-doanh": ["skhdt"], "dau-tu": ["skhdt"], "dat-dai": ["stnmt"],
                 "giao-thong": ["sgtvt"], "lao-dong": ["sldtbxh"], "nong-nghiep": ["snnptnt"],
                 "noi-vu-tai-chinh": ["vp-ubnd", "snv", "stc", "stttt"]}
    for s in queue["services"]:
        s["departments"] = old_lines.get(s["code"], s["departments"])
    return old_catalog, queue


def _load(store, doc_or_sample, queue, queue_first):
    def load_catalog():
        if doc_or_sample is None:
            catalog.load_sample(store, "admin")
        else:
            catalog.import_file(store, "old.json", json.dumps(doc_or_sample).encode(), "admin")
    loads = [lambda: setup.load(store, queue, actor="test"), load_catalog]
    for load in loads if queue_first else reversed(loads):
        load()


def _receive(store, hub_config, code):
    row = store.db.execute("select id, details from procedures where code = ? and current = 1",
                           [code]).fetchone()
    details = json.loads(row[1])
    names = [c["name"] for c in details.get("components") or []]
    # The officer confirms the time limit where the catalog has not (docs/dossiers.md).
    limit = next(c["time_limit"] for c in details["channels"] if c["channel"] == "in_person")
    return dossier_reception.receive(store, hub_config, procedure_id=row[0], channel="in_person",
                                     applicant=APPLICANT, components=names, actor="lan.nt",
                                     confirmed_time_limit=limit)


@pytest.mark.parametrize("queue_first", [True, False], ids=["queue-first", "catalog-first"])
def test_a_hub_with_the_older_sample_keeps_one_row_per_department_after_the_new_one(
        store, hub_config, queue_first):
    """What a centre that imported the older sample sees after importing the new one: the
    merged departments are one row each under their new names (Sở Kế hoạch và Đầu tư's
    dossier and fee now Sở Tài chính's), no tile, chooser, line or board lists an old name,
    and the old codes still find the department that took them over."""
    from central.dossiers import fees

    old_catalog, old_queue = _older_sample()
    _load(store, old_catalog, old_queue, queue_first)
    names = {r[0] for r in store.db.execute("select name from departments")}
    assert names >= GONE_NAMES and len(names) == 19  # the older sample, as it was
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-dai-du")
    investment = _receive(store, hub_config, "1.009645")  # Sở Kế hoạch và Đầu tư's, then
    land = _receive(store, hub_config, "1.115507")  # Sở Tài nguyên và Môi trường's, then
    fees.record(store, investment["id"], {"kind": "payment", "item": "Phí", "amount": 50000,
                                          "method": "cash", "receipt_no": "0000201"},
                officer="lan.nt")

    _load(store, None, setup.parse(setup.SAMPLE.read_text(encoding="utf-8"), "thanhhoa.toml"),
          queue_first)

    db = store.db
    rows = list(db.query("select id, code, name from departments"))
    names = [r["name"] for r in rows]
    assert twice(names) == [] and len(names) == 15 and not set(names) & GONE_NAMES, names
    # The old codes, either case, find the department that took them over.
    for old, new in [("SKHDT", "stc"), ("skhdt", "STC"), ("STNMT", "snnmt"),
                     ("snnptnt", "SNNMT"), ("SGTVT", "sxd"), ("SLDTBXH", "snv"),
                     ("STTTT", "skhcn"), ("bdt", "SDTTG")]:
        assert departments.id_for(db, old) == departments.id_for(db, new) is not None, old
    # What was recorded under a merged department is the new one's.
    dossier_dep = "select dep.name from dossiers d join departments dep on dep.id = " \
                  "d.department_id where d.id = ?"
    assert db.execute(dossier_dep, [investment["id"]]).fetchone()[0] == "Sở Tài chính"
    assert db.execute(dossier_dep, [land["id"]]).fetchone()[0] == "Sở Nông nghiệp và Môi trường"
    day = db.execute("select day from fee_entries").fetchone()[0]
    assert [d["name"] for d in fees.report(db, day)["by_department"]] == ["Sở Tài chính"]
    # Fee entries are never edited, except by the merge: the rule stands again.
    assert db.execute("select 1 from sqlite_master where type = 'trigger' "
                      "and name = 'fee_entries_no_update'").fetchone()
    # The kiosk's department tiles: every procedure's department, none old, none twice.
    _, procs = catalog.export_all(db)
    tiles = {p["department_name"] for p in procs}
    assert len(tiles) == 13 and not tiles & GONE_NAMES and "" not in tiles
    # The lines (dispensers, kiosk) name only today's departments; no line lost its own.
    lines = list(db.query("select s.code, group_concat(d.name) as names from services s "
                          "join service_departments sd on sd.service_id = s.id join "
                          "departments d on d.id = sd.department_id group by s.code"))
    assert len(lines) == 12 and not any(set(r["names"].split(",")) & GONE_NAMES for r in lines)
    # Search by department: the procedures that came over are found under it, by any code.
    for code in ("snnmt", "STNMT", "SNNPTNT"):
        found = catalog.search(db, "giấy phép", department=code, limit=50)
        assert {h["department_name"] for h in found} == {"Sở Nông nghiệp và Môi trường"}, code
        assert {"1.004228", "1.004915"} <= {h["code"] for h in found}, code
    # Who was merged into whom stays in the audit log.
    merged = [json.loads(r[0])["merged_name"] for r in db.execute(
        "select detail from audit_log where action = 'department.merge'")]
    assert twice(merged) == [] and set(merged) <= GONE_NAMES and len(merged) >= 1
    # Each department goes by its new code; the old ones are its other codes.
    own = {r["code"].casefold() for r in rows}
    assert {"snnmt", "stc", "sxd", "snv", "skhcn", "sdttg", "cat"} <= own
    assert not own & {c.casefold() for c in GONE}

    # The older files again: refused, saying who took the department over; nothing changes.
    with pytest.raises(Refused, match="sldtbxh.*đã hợp nhất vào Sở Nội vụ"):
        setup.load(store, _older_sample()[1], actor="test")
    with pytest.raises(ImportRefused) as refused:
        catalog.import_file(store, "old.json", json.dumps(_older_sample()[0]).encode(), "admin")
    assert any("SKHDT" in p.message and "Sở Tài chính" in p.message
               for p in refused.value.problems)
    assert sorted(r[0] for r in db.execute("select name from departments")) == sorted(names)


def test_a_department_renamed_by_the_queue_file_alone_reaches_the_kiosks(store):
    """The kiosk shows each procedure's department name from its copy of the catalog: a
    centre that loads only the new queue file gets a new catalog version, so the kiosks
    fetch the new names."""
    old_catalog, old_queue = _older_sample()
    _load(store, old_catalog, old_queue, queue_first=True)
    before = catalog.state(store.db)["version"]
    setup.load_file(store, setup.SAMPLE, actor="test")
    version, procs = catalog.export_all(store.db)
    assert version > before
    tiles = {p["department_name"] for p in procs}
    assert not tiles & GONE_NAMES and "Sở Nông nghiệp và Môi trường" in tiles
    # Loading it again changes nothing, and publishes nothing.
    setup.load_file(store, setup.SAMPLE, actor="test")
    assert catalog.state(store.db)["version"] == version


def test_other_codes_that_are_not_a_list_of_codes_are_refused_and_change_nothing(store):
    with pytest.raises(Refused, match="other_codes"):
        setup.load(store, {"departments": [
            {"code": "stp", "name": "Sở Tư pháp"},
            {"code": "snnmt", "name": "Sở Nông nghiệp và Môi trường", "other_codes": "stnmt"}]})
    assert store.db.execute("select count(*) from departments").fetchone()[0] == 0
    doc = {"departments": [{"code": "SNNMT", "name": "Sở Nông nghiệp và Môi trường",
                            "other_codes": ["STNMT", 7]}],
           "procedures": [json.loads(catalog.SAMPLE.read_text(encoding="utf-8"))
                          ["procedures"][0]]}
    with pytest.raises(ImportRefused) as refused:
        catalog.import_file(store, "c.json", json.dumps(doc).encode(), "admin")
    assert any("other_codes" in p.message for p in refused.value.problems)
    assert store.db.execute("select count(*) from departments").fetchone()[0] == 0
    assert store.db.execute("select count(*) from procedures").fetchone()[0] == 0


def test_a_line_names_only_fields_its_departments_hold_in_the_catalog():
    # The sample's line "Hộ tịch – Chứng thực – Lý lịch tư pháp" was the Sở Tư pháp's, while
    # the catalog files the lý lịch tư pháp procedures (2.000488, 2.000505) under the Công
    # an tỉnh (session 25): a citizen who took that line for a Phiếu lý lịch tư pháp was
    # sent to a desk that does not receive it. A part of a line's name that is a catalog
    # field must be a field of one of the line's departments.
    import tomllib
    from pathlib import Path

    import central

    data = json.loads((Path(central.__file__).parent / "data" / "catalog.json")
                      .read_text(encoding="utf-8"))
    names = {d["code"]: d["name"] for d in data["departments"]}
    holders: dict[str, set] = {}
    for p in data["procedures"]:
        holders.setdefault(p["field"].casefold(), set()).add(names[p["department"]])
    sample = tomllib.loads(setup.SAMPLE.read_text(encoding="utf-8"))
    own = {d["code"]: d["name"] for d in sample["departments"]}
    wrong, named = [], 0
    for line in sample["services"]:
        mine = {own[c] for c in line["departments"]}
        for part in re.split(r" – |, ", line["name"]):
            held = holders.get(part.casefold())
            if held is None:
                continue
            named += 1
            if not held & mine:
                wrong.append((line["name"], part, sorted(held)))
    assert named >= 10, named   # the check reads the names it means to
    assert wrong == [], wrong
