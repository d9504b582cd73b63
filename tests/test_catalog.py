"""The catalog: sample data, versions, imports checked in full, refused precisely."""

import io
import json

import openpyxl
import pytest

from central import catalog
from central.catalog import procedures
from central.catalog.file_format import COLUMNS, SIMPLE_COLUMNS
from central.catalog.importing import ImportRefused


def test_the_sample_catalog_has_real_procedures_across_departments(store):
    result = catalog.load_sample(store, "admin")
    assert result.added >= 80
    rows = catalog.browse(store.db, limit=1000)
    assert len({r["department"] for r in rows}) >= 12
    birth = procedures.current(store.db, "1.001193")
    assert birth["name"] == "Đăng ký khai sinh"
    assert birth["level"] == "commune"
    assert procedures.channel(birth, "in_person")["unit"] == "same_day"
    assert birth["details"]["components"][0]["name"] == "Tờ khai đăng ký khai sinh"
    # Values not confirmed from a source say so.
    assert all("unconfirmed" in procedures.current(store.db, r["code"])["details"]
               for r in rows)


def test_a_new_publication_keeps_the_old_version_for_old_dossiers(store):
    catalog.load_sample(store, "admin")
    old = procedures.current(store.db, "1.001193")
    catalog.edit(store, "1.001193", {"name": "Đăng ký khai sinh (sửa đổi)"}, "admin")
    new = procedures.current(store.db, "1.001193")
    assert new["version"] == old["version"] + 1 and new["id"] != old["id"]
    kept = procedures.get(store.db, old["id"])
    assert kept["name"] == "Đăng ký khai sinh" and kept["current"] == 0
    assert [v["version"] for v in catalog.versions(store.db, "1.001193")] == [2, 1]
    # Search sees the current version only.
    hits = catalog.search(store.db, "dang ky khai sinh sua doi")
    assert hits[0]["rowid"] == new["id"]
    # Importing the sample again publishes the sample's name as version 3, nothing else.
    again = catalog.load_sample(store, "admin")
    assert (again.added, again.updated) == (0, 1)
    assert procedures.current(store.db, "1.001193")["version"] == 3


def test_reimporting_an_identical_catalog_changes_no_version(store):
    first = catalog.load_sample(store, "admin")
    second = catalog.load_sample(store, "admin")
    assert second.added == second.updated == 0
    assert second.version == first.version


BAD_JSON = {
    "procedures": [
        {"code": "1.000001", "name": "Thủ tục tốt", "field": "Hộ tịch", "level": "commune",
         "department": "STP"},
        {"code": "1.000002", "name": "", "field": "Hộ tịch", "level": "commune"},
        {"code": "1.000003", "name": "Sai cấp", "field": "Hộ tịch", "level": "quốc gia"},
        {"code": "1.000001", "name": "Trùng mã", "field": "Hộ tịch", "level": "province"},
        {"code": "1.000004", "name": "Sai thời hạn", "field": "Đất đai", "level": "province",
         "channels": [{"channel": "in_person", "time_limit": "ba", "unit": "working_days",
                       "fees": []}]},
        {"code": "1.000005", "name": "Sai đơn vị", "field": "Đất đai", "level": "province",
         "department": "SXYZ"},
    ],
}


def test_a_file_with_five_kinds_of_errors_is_refused_with_five_messages(store):
    catalog.load_sample(store, "admin")
    before = catalog.state(store.db)
    rows_before = store.db.execute("select count(*) from procedures").fetchone()[0]
    data = json.dumps(BAD_JSON, ensure_ascii=False).encode()
    with pytest.raises(ImportRefused) as refused:
        catalog.import_file(store, "bad.json", data, "admin")
    messages = [str(p) for p in refused.value.problems]
    assert messages == [
        "Dòng 2, trường “name”: bắt buộc, không được để trống",
        "Dòng 3, trường “level”: cấp “quốc gia” không hợp lệ; dùng province, district "
        "hoặc commune (Cấp tỉnh, Cấp huyện, Cấp xã)",
        "Dòng 4, trường “code”: mã “1.000001” trùng với dòng 1",
        "Dòng 5, trường “time_limit”: thời hạn phải là số nguyên không âm, nhận được “ba”",
        "Dòng 6, trường “department”: không có đơn vị mã “SXYZ”",
    ]
    # Nothing changed, not even the good first row.
    assert catalog.state(store.db) == before
    assert store.db.execute("select count(*) from procedures").fetchone()[0] == rows_before
    assert procedures.current(store.db, "1.000001") is None


def _sheet_rows():
    good = {"code": "H56.TEST.01", "name": "Cấp giấy phép thử nghiệm", "field": "Thử nghiệm",
            "department": "STP", "level": "Cấp tỉnh", "time_limit": 5, "unit": "working_days",
            "fee": "50.000", "online": "có",
            "components": "Đơn đề nghị | 1 | 0 | Mẫu 01; Bản sao căn cước | 0 | 1",
            "steps": "Nộp hồ sơ; Nhận kết quả", "unconfirmed": "fees"}
    bad = {**good, "code": "H56.TEST.02", "unit": "tuần", "fee": "-5"}
    columns = [*COLUMNS, *SIMPLE_COLUMNS]   # a hand-made sheet: one set of terms
    return [columns] + [[r.get(c, "") for c in columns] for r in (good, bad)]


def test_xlsx_and_csv_imports_are_checked_the_same_way(store):
    catalog.load_sample(store, "admin")
    book = openpyxl.Workbook()
    for row in _sheet_rows():
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ImportRefused) as refused:
        catalog.import_file(store, "thu-tuc.xlsx", buffer.getvalue(), "admin")
    assert [str(p) for p in refused.value.problems] == [
        "Dòng 3, trường “unit”: đơn vị thời hạn “tuần” không hợp lệ; dùng working_days, "
        "calendar_days, working_hours, same_day",
        "Dòng 3, trường “fee”: phí, lệ phí phải là số đồng nguyên không âm, nhận được “-5”",
    ]
    rows = _sheet_rows()[:2]
    text = "\n".join(",".join(f'"{c}"' for c in map(str, row)) for row in rows)
    result = catalog.import_file(store, "thu-tuc.csv", text.encode("utf-8"), "admin")
    assert result.added == 1
    proc = procedures.current(store.db, "H56.TEST.01")
    assert proc["level"] == "province"
    assert procedures.channel(proc, "online")["fees"] == [{"name": "Lệ phí", "amount": 50000}]
    assert proc["details"]["components"][1] == {"name": "Bản sao căn cước", "originals": 0,
                                                "copies": 1}


def test_an_unreadable_file_is_refused_with_a_reason(store):
    for name, data, reason in [
        ("x.json", b"{not json", "JSON không hợp lệ"),
        ("x.xlsx", b"not a zip", "không đọc được tệp Excel"),
        ("x.pdf", b"%PDF", "chỉ nhận tệp .json, .csv hoặc .xlsx"),
    ]:
        with pytest.raises(ImportRefused) as refused:
            catalog.import_file(store, name, data, "admin")
        assert reason in str(refused.value)


def test_the_national_database_field_names_are_understood(store):
    doc = [{"MaTTHC": "1.009999", "TenTTHC": "Thủ tục theo tên trường quốc gia",
            "LinhVuc": "Hộ tịch", "CapThucHien": "Cấp xã",
            "CanCuPhapLy": ["Luật Hộ tịch số 60/2014/QH13"]}]
    catalog.import_file(store, "quoc-gia.json", json.dumps(doc).encode(), "admin")
    proc = procedures.current(store.db, "1.009999")
    assert proc["level"] == "commune"
    assert proc["details"]["legal_basis"] == ["Luật Hộ tịch số 60/2014/QH13"]


def test_the_shell_import_reports_problems_and_changes_nothing(tmp_path, hub_config):
    import subprocess
    import sys

    from central.store import Store

    config = tmp_path / "hub.toml"
    config.write_text(f'center = "{hub_config.center}"\ncenter_name = "Thử"\n'
                      f'database = "{tmp_path / "cli.db"}"\n', encoding="utf-8")
    bad = tmp_path / "loi.json"
    bad.write_text(json.dumps(BAD_JSON, ensure_ascii=False), encoding="utf-8")
    run = [sys.executable, "-m", "central.catalog.cli"]
    refused = subprocess.run([*run, "import", str(bad), "--config", str(config)],
                             capture_output=True, text=True)
    assert refused.returncode == 1
    assert "Dòng 3, trường “level”: cấp “quốc gia” không hợp lệ" in refused.stderr
    ok = subprocess.run([*run, "sample", "--config", str(config)], capture_output=True,
                        text=True)
    assert ok.returncode == 0 and "phiên bản danh mục 1" in ok.stdout
    store = Store(tmp_path / "cli.db")
    assert catalog.state(store.db)["count"] >= 80
    store.close()


def test_the_shell_export_counts_what_the_file_holds(tmp_path, hub_config):
    # Seen by check24: "Đã xuất 220 thủ tục" for a file of 227 records (the export carries
    # the withdrawn ones too, so it reads back unchanged; 220 counted only those listed).
    import subprocess
    import sys

    config = tmp_path / "hub.toml"
    config.write_text(f'center = "{hub_config.center}"\ncenter_name = "Thử"\n'
                      f'database = "{tmp_path / "cli.db"}"\n', encoding="utf-8")
    run = [sys.executable, "-m", "central.catalog.cli"]
    subprocess.run([*run, "sample", "--config", str(config)], check=True, capture_output=True)
    out = tmp_path / "danh-muc.json"
    done = subprocess.run([*run, "export", str(out), "--config", str(config)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    records = json.loads(out.read_text(encoding="utf-8"))["procedures"]
    withdrawn = sum(1 for r in records if r.get("withdrawn"))
    assert withdrawn > 0
    assert (f"Đã xuất {len(records)} thủ tục ({withdrawn} đã bãi bỏ, thay thế) ra {out}"
            in done.stdout), done.stdout
