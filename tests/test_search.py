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
    # What a kiosk receives: the procedures in force, not those a centre withdrew.
    idx.add({"rowid": i, **p} for i, p in enumerate(doc["procedures"], start=1)
            if not p.get("withdrawn"))
    return idx


# (query, expected code, within the first k results)
RELEVANCE = [
    # unaccented, as typed on the kiosk keyboard
    ("dang ky khai sinh", "1.001193", 1),
    ("dang ky ket hon", "1.000894", 1),
    ("dang ky khai tu", "1.000656", 1),
    ("khai sinh nuoc ngoai", "1.000689", 1),
    ("ket hon nuoc ngoai", "2.000806", 1),
    ("xac nhan tinh trang hon nhan", "1.004873", 1),
    ("trich luc ho tich", "2.000635", 1),
    ("chung thuc ban sao", "2.000815", 1),
    ("chung thuc chu ky", "2.000884", 2),
    ("phieu ly lich tu phap", "2.000488", 2),
    ("thanh lap doanh nghiep tu nhan", "2.001610", 1),
    ("cong ty co phan", "2.002043", 1),
    ("ho kinh doanh", "1.001612", 1),
    ("tam ngung kinh doanh", "2.002029", 1),
    ("doi giay phep lai xe", "1.002804", 2),
    ("giay phep xay dung nha o", "1.009994", 1),
    ("tach thua", "1.115490", 1),
    ("the chap quyen su dung dat", "1.012801", 1),
    ("tro cap that nghiep", "1.014748", 1),
    ("giay phep lao dong", "1.014199", 2),
    ("karaoke", "1.001029", 1),
    ("huong dan vien du lich", "1.004623", 1),
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
    ("Giải thể doanh nghiệp", "2.002023", 1),
    ("đất đai", "1.115507", 3),  # 1.012783 is withdrawn, replaced by 1.115507
    # partial words while typing
    ("dang ky khai s", "1.001193", 1),
    ("khai sin", "1.001193", 1),
    ("ket h", "1.000894", 1),
    ("karao", "1.001029", 1),
    ("van bang", "3.000465", 3),
    # codes
    ("1.001193", "1.001193", 1),
    ("2.000488", "2.000488", 1),
    ("2.001583", "2.001583", 1),
    # common misspellings: i/y, a missing or extra letter, a wrong word
    ("dang ki khai sinh", "1.001193", 1),
    ("đăng kí kết hôn", "1.000894", 1),
    ("giay phep lai xee", "1.002809", 3),
    ("ly lich tu phapp", "2.000488", 2),
    ("khai sinhh", "1.001193", 1),
    # everyday words the catalog does not use (motcua.search.EVERYDAY)
    ("so do", "1.115493", 3),
    ("sổ đỏ", "1.115492", 3),
    ("cap doi so do", "1.115492", 1),
    ("cấp lại sổ đỏ", "1.115493", 1),
    ("so hong", "1.115492", 3),
    ("cap lai so hong bi mat", "1.115493", 1),
    ("bang lai", "1.002809", 3),
    ("cap lai bang lai xe", "1.002809", 1),
    ("doi bang lai", "1.002804", 2),
    ("khai tu", "1.000656", 1),
    ("bac si", "1.012268", 1),
    ("DANG KY KHAI SINH", "1.001193", 1),
]


# One slip (a wrong, missing, extra or swapped letter) in one word of each
# query above, made by a seeded generator (four per query, the word and the
# position drawn at random), the issue's own case first. The wanted procedure
# must stay in the top 3. Left out, because the slip makes another real word or
# the start of one, and the query means something else as typed: "tach tha"
# ("tha…" starts "thành"), "thuc la" ("thực là"), "van bag" ("văn bản" is as
# near as "văn bằng").
SLIPS = [
    ("khai sihn", "1.001193"),  # swapped: issue 24
    ("dang ki khai shnh", "1.001193"),  # wrong
    ("dang ki khai sih", "1.001193"),  # missing
    ("dlang ki khai sinh", "1.001193"),  # extra
    ("dang ki khai snih", "1.001193"),  # swapped
    ("dhng ki ket hon", "1.000894"),  # wrong
    ("dng ki ket hon", "1.000894"),  # missing
    ("danng ki ket hon", "1.000894"),  # extra
    ("dnag ki ket hon", "1.000894"),  # swapped
    ("dang ki khgi tu", "1.000656"),  # wrong
    ("dang ki kai tu", "1.000656"),  # missing
    ("dang ki kheai tu", "1.000656"),  # extra
    ("dagn ki khai tu", "1.000656"),  # swapped
    ("khai sanh nuoc ngoai", "1.000689"),  # wrong
    ("khai snh nuoc ngoai", "1.000689"),  # missing
    ("khai silnh nuoc ngoai", "1.000689"),  # extra
    ("kahi sinh nuoc ngoai", "1.000689"),  # swapped
    ("ket hon nuoc ngsai", "2.000806"),  # wrong
    ("ket hon noc ngoai", "2.000806"),  # missing
    ("ket hon nuboc ngoai", "2.000806"),  # extra
    ("ket hon nuoc ngaoi", "2.000806"),  # swapped
    ("xac nhan tinh trang hon naan", "1.004873"),  # wrong
    ("xac nhan tinh trag hon nhan", "1.004873"),  # missing
    ("xac nhan tinh trang hon nbhan", "1.004873"),  # extra
    ("xac nhan tinh tragn hon nhan", "1.004873"),  # swapped
    ("trich luc ho tiah", "2.000635"),  # wrong
    ("trch luc ho tich", "2.000635"),  # missing
    ("tyrich luc ho tich", "2.000635"),  # extra
    ("trich luc ho tcih", "2.000635"),  # swapped
    ("chung thac ban sao", "2.000815"),  # wrong
    ("cung thuc ban sao", "2.000815"),  # missing
    ("chung thhuc ban sao", "2.000815"),  # extra
    ("chung thcu ban sao", "2.000815"),  # swapped
    ("chung touc chu ki", "2.000884"),  # wrong
    ("chug thuc chu ki", "2.000884"),  # missing
    ("chung tvhuc chu ki", "2.000884"),  # extra
    ("chugn thuc chu ki", "2.000884"),  # swapped
    ("phueu li lich tu phap", "2.000488"),  # wrong
    ("phieu li lch tu phap", "2.000488"),  # missing
    ("phieu li lich tu phdap", "2.000488"),  # extra
    ("phieu li lich tu phpa", "2.000488"),  # swapped
    ("thenh lap doanh nghiep tu nhan", "2.001610"),  # wrong
    ("thnh lap doanh nghiep tu nhan", "2.001610"),  # missing
    ("thanh lap dcoanh nghiep tu nhan", "2.001610"),  # extra
    ("thanh lap doanh nhgiep tu nhan", "2.001610"),  # swapped
    ("cong ti co phgn", "2.002043"),  # wrong
    ("cong ti co pan", "2.002043"),  # missing
    ("cokng ti co phan", "2.002043"),  # extra
    ("cong ti co phna", "2.002043"),  # swapped
    ("ho kpnh doanh", "1.001612"),  # wrong
    ("ho kih doanh", "1.001612"),  # missing
    ("ho kvinh doanh", "1.001612"),  # extra
    ("ho kinh doahn", "1.001612"),  # swapped
    ("tam nbung kinh doanh", "2.002029"),  # wrong
    ("tam ngung kinh danh", "2.002029"),  # missing
    ("tam ngvung kinh doanh", "2.002029"),  # extra
    ("tam ngung knih doanh", "2.002029"),  # swapped
    ("doi gipi phep lai xe", "1.002804"),  # wrong
    ("doi giai pep lai xe", "1.002804"),  # missing
    ("doi geiai phep lai xe", "1.002804"),  # extra
    ("doi giai phpe lai xe", "1.002804"),  # swapped
    ("giai phdp xai dung nha o", "1.009994"),  # wrong
    ("giai phep xai dug nha o", "1.009994"),  # missing
    ("giai phdep xai dung nha o", "1.009994"),  # extra
    ("gaii phep xai dung nha o", "1.009994"),  # swapped
    ("tach ttua", "1.115490"),  # wrong
    ("tapch thua", "1.115490"),  # extra
    ("tcah thua", "1.115490"),  # swapped
    ("the chnp quien su dung dat", "1.012801"),  # wrong
    ("the chap quien su dng dat", "1.012801"),  # missing
    ("the chap quien su dlung dat", "1.012801"),  # extra
    ("the chpa quien su dung dat", "1.012801"),  # swapped
    ("tro cap thct nghiep", "1.014748"),  # wrong
    ("tro cap that ngiep", "1.014748"),  # missing
    ("tro cap tvhat nghiep", "1.014748"),  # extra
    ("tro cap that ngihep", "1.014748"),  # swapped
    ("giai phcp lao dong", "1.014199"),  # wrong
    ("giai pep lao dong", "1.014199"),  # missing
    ("giai pghep lao dong", "1.014199"),  # extra
    ("giia phep lao dong", "1.014199"),  # swapped
    ("karaooe", "1.001029"),  # wrong
    ("kaaoke", "1.001029"),  # missing
    ("kdaraoke", "1.001029"),  # extra
    ("karaoek", "1.001029"),  # swapped
    ("huorg dan vien du lich", "1.004623"),  # wrong
    ("huong dan vin du lich", "1.004623"),  # missing
    ("huyong dan vien du lich", "1.004623"),  # extra
    ("huong dan vein du lich", "1.004623"),  # swapped
    ("ban le ruau", "2.000620"),  # wrong
    ("ban le ruu", "2.000620"),  # missing
    ("ban le rtuou", "2.000620"),  # extra
    ("ban le rouu", "2.000620"),  # swapped
    ("tmuoc la", "2.000181"),  # wrong
    ("thxuoc la", "2.000181"),  # extra
    ("thuco la", "2.000181"),  # swapped
    ("xapg dau", "2.000645"),  # wrong
    ("xag dau", "2.000645"),  # missing
    ("xmang dau", "2.000645"),  # extra
    ("xagn dau", "2.000645"),  # swapped
    ("chung chi hanh ngne duoc", "1.004616"),  # wrong
    ("chung chi hnh nghe duoc", "1.004616"),  # missing
    ("chuhng chi hanh nghe duoc", "1.004616"),  # extra
    ("chung chi hnah nghe duoc", "1.004616"),  # swapped
    ("phung kham", "1.012290"),  # wrong
    ("phong kam", "1.012290"),  # missing
    ("phong khlam", "1.012290"),  # extra
    ("phnog kham", "1.012290"),  # swapped
    ("daqg ki khai sinh", "1.001193"),  # wrong
    ("dng ki khai sinh", "1.001193"),  # missing
    ("dang ki khai sixnh", "1.001193"),  # extra
    ("dang ki kahi sinh", "1.001193"),  # swapped
    ("dung ki ket hon", "1.000894"),  # wrong
    ("dag ki ket hon", "1.000894"),  # missing
    ("dqang ki ket hon", "1.000894"),  # extra
    ("dagn ki ket hon", "1.000894"),  # swapped
    ("cap lai giai phmp lai xe", "1.002809"),  # wrong
    ("cap lai giai php lai xe", "1.002809"),  # missing
    ("cap lai gipai phep lai xe", "1.002809"),  # extra
    ("cap lai giai pehp lai xe", "1.002809"),  # swapped
    ("thabh lap hoi", "1.003960"),  # wrong
    ("tanh lap hoi", "1.003960"),  # missing
    ("thpanh lap hoi", "1.003960"),  # extra
    ("tahnh lap hoi", "1.003960"),  # swapped
    ("giai the dodnh nghiep", "2.002023"),  # wrong
    ("giai the doanh nghep", "2.002023"),  # missing
    ("giai the doxanh nghiep", "2.002023"),  # extra
    ("giia the doanh nghiep", "2.002023"),  # swapped
    ("dhng ki khai s", "1.001193"),  # wrong
    ("dag ki khai s", "1.001193"),  # missing
    ("dakng ki khai s", "1.001193"),  # extra
    ("dang ki kahi s", "1.001193"),  # swapped
    ("ksai sin", "1.001193"),  # wrong
    ("kai sin", "1.001193"),  # missing
    ("khtai sin", "1.001193"),  # extra
    ("khia sin", "1.001193"),  # swapped
    ("kalao", "1.001029"),  # wrong
    ("karo", "1.001029"),  # missing
    ("kasrao", "1.001029"),  # extra
    ("karoa", "1.001029"),  # swapped
    ("van bbng", "3.000465"),  # wrong
    ("van banng", "3.000465"),  # extra
    ("van bagn", "3.000465"),  # swapped
]


# Slips an outside check found (check24: every single slip of every word of 20 everyday
# queries, ~13,500 in all): the word one slip away that is commonest in the index is not
# the one meant when the neighbouring word says otherwise ("ket hom": "hội" is commoner
# than "hôn", but "kết hôn" is the phrase), and a two-letter word ("ly lich qu phap") was
# never corrected at all. The neighbours now decide; a two-letter word is corrected only
# to a word that makes a phrase with one of them.
SLIPS += [
    ("ket hom", "1.000894"),  # wrong: m beside n on the keyboard
    ("ket hoe", "1.000894"),  # wrong
    ("chung thuc ban xao", "2.000815"),  # wrong: x beside s
    ("giay phep kay dung", "1.009994"),  # wrong: ky for xây
    ("tach thaa", "1.115490"),  # wrong
    ("khan tu", "1.000656"),  # wrong
    ("ly lich tun phap", "2.000488"),  # extra
    ("bho kinh doanh", "1.001612"),  # extra
    ("ly lich qu phap", "2.000488"),  # wrong, two letters
    ("dang gy ket hon", "1.000894"),  # wrong, two letters
    ("cap oi giay chung nhan", "1.115492"),  # missing: đổi → "oi"
]
# A slip that makes another real word ("ket hoi"): every word is a word, but no name holds
# them side by side, and one of them one slip away makes the phrase of a procedure. Before:
# 221 of the outside check's slipped queries missed so; 122 still do, nearly all a slip into
# a two-letter word ("ly lich ti phap", "khai th", which may be "khai thác" being typed).
SLIPS += [
    ("ket hoi", "1.000894"),  # wrong: "kết hội"
    ("khai binh", "1.001193"),  # wrong
    ("dang ky khai binh", "1.001193"),  # wrong ("thái bình" is a phrase, no procedure's)
    ("giay phep tay dung", "1.009994"),  # wrong
    ("chung thuc ban sai", "2.000815"),  # wrong
    ("thuc la", "2.000181"),  # missing: "thực là"
]


@pytest.mark.parametrize("query,code", SLIPS, ids=[q for q, _ in SLIPS])
def test_one_slip_in_a_word_still_finds_it_in_the_top_three(index, query, code):
    top = [hit.code for hit in index.search(query, limit=3)]
    assert code in top, f"{query!r}: got {top}"


def test_the_slip_set_has_every_kind_of_slip():
    assert len(SLIPS) >= 100


def test_a_new_word_in_the_index_is_found_with_a_slip_at_once():
    # The vocabulary is kept until the database changes: a procedure added
    # afterwards is corrected to as well.
    conn = sqlite3.connect(":memory:")
    idx = SearchIndex(conn)
    idx.create()
    idx.add([{"rowid": 1, "code": "A1", "name": "Đăng ký khai sinh", "field": "Hộ tịch"}])
    assert [h.code for h in idx.search("khai sihn")] == ["A1"]
    idx.add([{"rowid": 2, "code": "A2", "name": "Cấp phép karaoke", "field": "Văn hóa"}])
    assert [h.code for h in idx.search("karaoek")] == ["A2"]


@pytest.mark.parametrize("query,code,k", RELEVANCE, ids=[q for q, _, _ in RELEVANCE])
def test_the_wanted_procedure_comes_first(index, query, code, k):
    top = [hit.code for hit in index.search(query, limit=k)]
    assert code in top, f"{query!r}: got {top}"


@pytest.mark.parametrize("query", ["ho khau", "hộ khẩu", "CMND", "chứng minh nhân dân"])
def test_an_everyday_word_with_no_procedure_here_finds_nothing_by_guess(index, query):
    # The sample catalog holds no residence or identity-card procedure: nothing else
    # ("hộ kinh doanh", "phòng khám") is offered for them.
    assert index.search(query) == []


def test_an_everyday_word_finds_the_catalog_s_procedure_where_one_is_held():
    conn = sqlite3.connect(":memory:")
    idx = SearchIndex(conn)
    idx.create()
    idx.add([{"rowid": 1, "code": "X1", "name": "Đăng ký thường trú", "field": "Cư trú"},
             {"rowid": 2, "code": "1.001612", "name": "Đăng ký thành lập hộ kinh doanh",
              "field": "Thành lập và hoạt động của hộ kinh doanh"}])
    assert [h.code for h in idx.search("ho khau")] == ["X1"]
    assert [h.code for h in idx.search("sổ hộ khẩu")] == ["X1"]


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
