"""Catalog pages: public search on the hub's site, admin import, browse and edit."""

import io
import json
import re

import pytest

from central import catalog
from central.accounts import users
from central.catalog import procedures

from .conftest import PROJECT, wait_until
from .test_catalog import BAD_JSON


@pytest.fixture
def sample(store):
    catalog.load_sample(store, "admin")


def token_of(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def admin(client, store):
    users.create_user(store, "admin", "Lê Văn Quản", "admin", "mat-khau-admin")
    client.post("/login", data={"username": "admin", "password": "mat-khau-admin",
                                "csrf_token": token_of(client, "/login")})
    return client


def test_a_word_with_no_procedure_here_finds_none_and_says_what_to_do(client, sample):
    # "hộ khẩu" (abolished) is residence registration, which the sample catalog does not
    # hold: no "hộ …" procedure is offered instead, and the page says what to try.
    for q in ("ho+khau", "h%E1%BB%99+kh%E1%BA%A9u", "CMND"):
        html = client.get(f"/thu-tuc?q={q}").get_data(as_text=True)
        assert 'id="count">0 thủ tục' in html, q
        assert "tên gọi khác" in html and "xin hỏi cán bộ hướng dẫn" in html
    # "sổ đỏ" is the catalog's land-use certificate.
    html = client.get("/thu-tuc?q=cap+doi+so+do").get_data(as_text=True)
    first = re.search(r'<ol class="results" id="results">\s*<li><a href="([^"]+)">([^<]+)<',
                      html)
    assert first.group(2).startswith("Cấp đổi Giấy chứng nhận quyền sử dụng đất")


def test_public_search_without_accents_and_with_filters(client, sample):
    html = client.get("/thu-tuc?q=dang+ky+khai+sinh").get_data(as_text=True)
    first = re.search(r'<ol class="results" id="results">\s*<li><a href="([^"]+)">([^<]+)<',
                      html)
    assert first.groups() == ("/thu-tuc/1.001193", "Đăng ký khai sinh")
    filtered = client.get("/thu-tuc?q=dang+ky&level=province&department=STP").get_data(
        as_text=True)
    assert "Đăng ký khai sinh có yếu tố nước ngoài" in filtered
    assert 'href="/thu-tuc/1.001193"' not in filtered  # commune level: filtered out
    page = client.get("/thu-tuc/1.001193").get_data(as_text=True)
    # The sample is confirmed against no decision: a citizen is sent to the officer.
    assert "Tờ khai đăng ký khai sinh" not in page and "Xin hỏi cán bộ tiếp nhận" in page
    assert client.get("/thu-tuc/9.999999").status_code == 404


def test_a_department_s_procedures_are_listed_in_vietnamese_order(client, store, sample):
    # Seen on /thu-tuc?department=STP: in "Hộ tịch", "Xác nhận thông tin hộ tịch" came
    # before every "Đăng ký …", "Đăng ký kết hôn" after "Đăng ký khai tử lưu động", and
    # "Cấp bản sao có chứng thực" after every "Chứng thực …" (code-point order).
    from motcua.text import sort_key

    html = client.get("/thu-tuc?department=STP").get_data(as_text=True)
    names = [n for n in re.findall(r'<a href="/thu-tuc/[^"]+">([^<]+)</a>', html)]
    rows = {p["name"]: p["field"] for p in catalog.browse(store.db, department="STP")}
    assert len(names) > 20 and set(names) <= set(rows)
    by_field: dict = {}
    for name in names:
        by_field.setdefault(rows[name], []).append(name)
    for field, listed in by_field.items():
        assert listed == sorted(listed, key=sort_key), (field, listed)
    hotich = by_field["Hộ tịch"]
    assert hotich.index("Đăng ký khai sinh") < hotich.index("Xác nhận thông tin hộ tịch")
    fields = catalog.fields(store.db)
    assert fields == sorted(fields, key=sort_key), fields


def test_admin_pages_need_an_admin(client, store, sample):
    assert client.get("/admin/catalog").status_code == 302
    users.create_user(store, "lan", "Nguyễn Thị Lan", "officer", "mat-khau-lan")
    client.post("/login", data={"username": "lan", "password": "mat-khau-lan",
                                "csrf_token": token_of(client, "/login")})
    assert client.get("/admin/catalog").status_code == 403


def test_a_bad_file_is_refused_on_the_page_with_each_problem(admin, store, sample):
    before = catalog.state(store.db)
    reply = admin.post("/admin/catalog", data={
        "csrf_token": token_of(admin, "/admin/catalog"),
        "file": (io.BytesIO(json.dumps(BAD_JSON, ensure_ascii=False).encode()), "loi.json")},
        content_type="multipart/form-data")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert "Tệp không được nhập, danh mục giữ nguyên. 5 lỗi:" in html
    assert "Dòng 6, trường “department”: không có đơn vị mã “SXYZ”" in html
    assert catalog.state(store.db) == before


def test_an_import_publishes_the_new_catalog_version_to_kiosks(admin, store, sample,
                                                               make_node):
    kiosk = make_node("kiosk", "kiosk-web")
    doc = {"procedures": [{"code": "H56.NEW.1", "name": "Thủ tục mới nhập từ trang quản trị",
                           "field": "Hộ tịch", "department": "STP", "level": "commune"}]}
    reply = admin.post("/admin/catalog", data={
        "csrf_token": token_of(admin, "/admin/catalog"),
        "file": (io.BytesIO(json.dumps(doc).encode()), "moi.json")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "1 thủ tục mới, 0 cập nhật, 0 không đổi" in reply.get_data(as_text=True)
    assert kiosk.wait_synced(catalog.state(store.db)["version"])
    wait_until(lambda: kiosk.replica.get("H56.NEW.1"))


def test_editing_publishes_a_new_version_and_keeps_the_old(admin, store, sample):
    page = admin.get("/admin/catalog/1.001193").get_data(as_text=True)
    assert "Lưu và công bố phiên bản mới" in page
    form = {"csrf_token": token_of(admin, "/admin/catalog/1.001193"),
            "name": "Đăng ký khai sinh", "field": "Hộ tịch", "level": "commune",
            "department": "STP",
            "channels": "Trực tiếp | 1 | ngày làm việc | Miễn lệ phí = 0\n"
                        "Trực tuyến | 1 | ngày làm việc | Miễn lệ phí = 0\n"
                        "Bưu chính | 2 | ngày làm việc | Miễn lệ phí = 0 | "
                        "Cộng thời gian chuyển phát",
            "supplement_restarts": "có", "decision_number": "1234/QĐ-UBND",
            "decision_date": "2025-06-23", "unconfirmed_fees": "1",
            "components": "Tờ khai đăng ký khai sinh | 1 | 0 | Mẫu KS.1\n"
            "Giấy chứng sinh | 1 | 0", "steps": "Nộp hồ sơ\nNhận kết quả"}
    reply = admin.post("/admin/catalog/1.001193", data=form, follow_redirects=True)
    assert "thủ tục được công bố phiên bản mới" in reply.get_data(as_text=True)
    proc = procedures.current(store.db, "1.001193")
    assert proc["version"] == 2
    assert procedures.channel(proc, "in_person")["time_limit"] == 1
    assert procedures.channel(proc, "post")["note"] == "Cộng thời gian chuyển phát"
    assert proc["details"]["supplement_restarts"] is True
    assert "fees_pause_clock" not in proc["details"]
    assert proc["details"]["decision"] == {"number": "1234/QĐ-UBND", "date": "2025-06-23"}
    assert proc["details"]["unconfirmed"] == ["fees"]
    # What was saved is what the form shows again.
    again = admin.get("/admin/catalog/1.001193").get_data(as_text=True)
    assert "Bưu chính | 2 | ngày làm việc | Miễn lệ phí = 0 | Cộng thời gian chuyển phát" in again
    assert 'name="supplement_restarts" value="có" checked' in again
    assert proc["details"]["components"][1] == {"name": "Giấy chứng sinh", "originals": 1,
                                                "copies": 0}
    assert [v["version"] for v in catalog.versions(store.db, "1.001193")] == [2, 1]
    bad = admin.post("/admin/catalog/1.001193",
                     data={**form, "channels": "Trực tiếp | hai | ngày làm việc",
                           "csrf_token": token_of(admin, "/admin/catalog/1.001193")})
    assert bad.status_code == 400
    assert "thời hạn phải là số nguyên không âm, nhận được “hai”" in bad.get_data(as_text=True)
    assert procedures.current(store.db, "1.001193")["version"] == 2
    assert procedures.channel(procedures.current(store.db, "1.001193"),
                              "in_person")["time_limit"] == 1
    audit = store.db.execute("select action, target from audit_log where action like 'catalog%'"
                             " order by id").fetchall()
    assert ("catalog.import", "edit:1.001193") in audit


@pytest.mark.browser
def test_public_search_page_in_chromium(browser, live_server, sample):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/thu-tuc")
    page.fill("input[name=q]", "giay phep lai xe")
    # Driving licences are the police's since 01/03/2025 (docs/catalog.md, "Departments
    # after the 2025 restructuring").
    page.select_option("select[name=department]", "CAT")
    page.click("button[type=submit]")
    page.locator("#results li").first.wait_for()
    assert "giấy phép lái xe" in page.locator("#results li").first.inner_text()
    artifacts = PROJECT / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "catalog-search.png"), full_page=True)
    page.locator("#results li a").first.click()
    page.get_by_text("Hồ sơ cần nộp").wait_for()
    page.screenshot(path=str(artifacts / "catalog-procedure.png"), full_page=True)


@pytest.mark.browser
def test_admin_imports_a_bad_file_in_chromium_and_sees_each_problem(browser, live_server,
                                                                    store, sample, tmp_path):
    users.create_user(store, "admin", "Lê Văn Quản", "admin", "mat-khau-admin")
    bad = tmp_path / "loi.json"
    bad.write_text(json.dumps(BAD_JSON, ensure_ascii=False), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/admin/catalog")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "mat-khau-admin")
    page.click("form.login button[type=submit]")
    page.locator("#import").wait_for()
    page.set_input_files("input[type=file]", str(bad))
    page.click("#import button[type=submit]")
    problems = page.locator("#problems li")
    problems.first.wait_for()
    assert problems.count() == 5
    artifacts = PROJECT / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "catalog-admin-refused.png"), full_page=False)
    page.goto(f"{live_server}/admin/catalog/1.001193")
    lines = page.input_value("#channels").splitlines()
    assert lines[0] == "Trực tiếp | 0 | trong ngày | Miễn lệ phí = 0"
    page.fill("#channels", "\n".join(["Trực tiếp | 1 | ngày làm việc | Miễn lệ phí = 0",
                                       *lines[1:]]))
    page.click("#edit button[type=submit]")
    page.get_by_text("thủ tục được công bố phiên bản mới").wait_for()
    page.screenshot(path=str(artifacts / "catalog-admin-edit.png"), full_page=False)
    assert procedures.current(store.db, "1.001193")["version"] == 2
    assert procedures.channel(procedures.current(store.db, "1.001193"),
                              "in_person")["time_limit"] == 1


def test_a_citizen_asking_for_the_household_book_is_told_it_ended_and_by_which_law(
        client, sample):
    """"sổ hộ khẩu" found nothing and the page said only to try other words: a citizen
    came for a paper that has not existed since 2023. The page now says so, with the
    law's clause (Luật Cư trú số 68/2020/QH14, Điều 38 khoản 3; motcua.search.NOTES)."""
    for q in ("so+ho+khau", "s%E1%BB%95+h%E1%BB%99+kh%E1%BA%A9u", "nhap+ho+khau"):
        html = client.get(f"/thu-tuc?q={q}").get_data(as_text=True)
        note = html.split('id="note">')[1].split("</p>")[0]
        assert note.startswith("Sổ hộ khẩu, sổ tạm trú giấy chỉ còn giá trị đến hết ngày "
                               "31/12/2022 (khoản 3 Điều 38 Luật Cư trú số 68/2020/QH14 ngày "
                               "13/11/2020 của Quốc hội)."), note
        assert "đăng ký thường trú" in note
    assert 'id="note"' not in client.get("/thu-tuc?q=khai+sinh").get_data(as_text=True)
