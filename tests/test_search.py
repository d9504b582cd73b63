"""Search relevance: what a citizen types, and the procedure they want on top.

The index is built straight from the shipped sample catalog with
motcua.search alone (as the kiosk does), no hub involved.
"""

import json
import sqlite3

import pytest

from central.catalog import SAMPLE
from motcua.search import SearchIndex, fold, words


@pytest.fixture(scope="module")
def index():
    conn = sqlite3.connect(":memory:")
    idx = SearchIndex(conn)
    idx.create()
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    idx.add({"rowid": i, **p} for i, p in enumerate(doc["procedures"], start=1))
    return idx


# (query, expected code, within the first k results)
RELEVANCE = [
    # unaccented, as typed on the kiosk keyboard
    ("dang ky khai sinh", "1.001193", 1),
    ("dang ky ket hon", "1.000894", 1),
    ("dang ky khai tu", "1.000656", 1),
    ("khai sinh nuoc ngoai", "1.000689", 1),
    ("ket hon nuoc ngoai", "1.001766", 1),
    ("xac nhan tinh trang hon nhan", "1.004884", 1),
    ("trich luc ho tich", "2.000635", 1),
    ("chung thuc ban sao", "2.000815", 1),
    ("chung thuc chu ky", "2.000884", 2),
    ("phieu ly lich tu phap", "2.000488", 2),
    ("thanh lap doanh nghiep tu nhan", "1.010026", 1),
    ("cong ty co phan", "1.010029", 1),
    ("ho kinh doanh", "1.001612", 1),
    ("tam ngung kinh doanh", "1.010063", 1),
    ("doi giay phep lai xe", "1.002804", 2),
    ("giay phep xay dung nha o", "1.009994", 1),
    ("tach thua", "1.012805", 1),
    ("the chap quyen su dung dat", "1.012801", 1),
    ("tro cap that nghiep", "1.001978", 1),
    ("giay phep lao dong", "1.000459", 2),
    ("karaoke", "1.001029", 1),
    ("huong dan vien du lich", "1.001432", 1),
    ("ban le ruou", "2.000620", 1),
    ("thuoc la", "2.000181", 1),
    ("xang dau", "2.000645", 1),
    ("chung chi hanh nghe duoc", "1.004616", 1),
    ("phong kham", "1.012290", 1),
    # accented, exactly as printed
    ("Đăng ký khai sinh", "1.001193", 1),
    ("Đăng ký kết hôn", "1.000894", 1),
    ("Cấp lại giấy phép lái xe", "1.002809", 1),
    ("Thành lập hội", "1.003960", 1),
    ("Giải thể doanh nghiệp", "1.010066", 1),
    ("đất đai", "1.012783", 3),
    # partial words while typing
    ("dang ky khai s", "1.001193", 1),
    ("khai sin", "1.001193", 1),
    ("ket h", "1.000894", 1),
    ("karao", "1.001029", 1),
    ("van bang", "1.005092", 3),
    # codes
    ("1.001193", "1.001193", 1),
    ("2.000488", "2.000488", 1),
    ("1.010027", "1.010027", 1),
    # common misspellings: i/y, a missing or extra letter, a wrong word
    ("dang ki khai sinh", "1.001193", 1),
    ("đăng kí kết hôn", "1.000894", 1),
    ("giay phep lai xee", "1.002809", 3),
    ("ly lich tu phapp", "2.000488", 2),
    ("khai sinhh", "1.001193", 1),
    ("bac si", "1.012268", 1),
    ("DANG KY KHAI SINH", "1.001193", 1),
]


@pytest.mark.parametrize("query,code,k", RELEVANCE, ids=[q for q, _, _ in RELEVANCE])
def test_the_wanted_procedure_comes_first(index, query, code, k):
    top = [hit.code for hit in index.search(query, limit=k)]
    assert code in top, f"{query!r}: got {top}"


def test_the_relevance_set_has_at_least_forty_queries():
    assert len(RELEVANCE) >= 40


def test_folding_removes_tone_marks_and_d_stroke():
    assert fold("Đăng ký ĐẤT ĐAI đường") == "dang ki dat dai duong"
    assert words("Chứng thực, bản sao!") == ["chung", "thuc", "ban", "sao"]


def test_accented_matches_rank_before_unaccented_lookalikes():
    conn = sqlite3.connect(":memory:")
    idx = SearchIndex(conn)
    idx.create()
    idx.add([{"rowid": 1, "code": "A1", "name": "Cấp phép đặt bàn", "field": "x",
              "department": "", "level": "province"},
             {"rowid": 2, "code": "A2", "name": "Cấp phép đất bán", "field": "x",
              "department": "", "level": "province"}])
    assert [h.code for h in idx.search("đất bán")] == ["A2", "A1"]
    assert [h.code for h in idx.search("đặt bàn")] == ["A1", "A2"]


def test_filters_by_department_field_and_level(index):
    assert {h.level for h in index.search("cap giay phep", level="commune", limit=50)} \
        == {"commune"}
    assert {h.department for h in index.search("cap", department="SYT", limit=50)} == {"SYT"}
    hits = index.search("dang ky", field="Hộ tịch", limit=50)
    assert hits and {h.field for h in hits} == {"Hộ tịch"}
    assert index.search("karaoke", department="STP") == []


def test_an_empty_or_punctuation_query_finds_nothing(index):
    assert index.search("") == [] and index.search("  ,.;  ") == []
    assert index.search('"') == [] and index.search("AND OR NOT *") is not None
