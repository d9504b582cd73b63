"""Agencies re-mapped by the 2025 department mergers, under a decision from before them.

The sample's records were re-filed under the merged departments (Nghị định 45/2025/NĐ-CP,
in force 01/03/2025) with their "Cơ quan thực hiện" renamed. 1.010733 (Luật Bảo vệ môi
trường 2020 as its decision) showed "Sở Nông nghiệp và Môi trường" to citizens, a
department the 2020 law does not name. Such agencies are staff-only unless a source for
the new agency is cited (docs/catalog.md, "Agencies re-mapped in 2025").
"""

import json
import re

import pytest

from central import catalog
from central.catalog import SAMPLE, procedures, remapped
from kiosk.screens import Procedure


def sample_records() -> dict:
    return {r["code"]: r for r in json.loads(SAMPLE.read_text(encoding="utf-8"))["procedures"]}


def test_every_remapped_agency_under_an_older_decision_is_staff_only():
    records = sample_records()
    shown = [code for code in remapped.REMAPPED_2025 if remapped.to_mark(records[code])]
    assert shown == [], shown
    marked = [c for c in remapped.REMAPPED_2025
              if "agencies" in records[c].get("unconfirmed", [])]
    assert len(marked) == 27 and "1.010733" in marked and "2.000488" in marked
    # Those with a decision since the merger keep their agencies shown.
    assert "agencies" not in records["1.012504"]["unconfirmed"]   # 2026-01-20
    assert "agencies" not in records["1.012632"]["unconfirmed"]   # 2025-06-24
    for code, (_, department) in remapped.REMAPPED_2025.items():
        assert records[code]["department"] == department


def test_the_comparison_finds_what_the_mergers_changed():
    before = [
        {"code": "1", "department": "STNMT", "agencies": ["Sở Tài nguyên và Môi trường"]},
        {"code": "2", "department": "STNMT", "agencies": ["Sở Tài nguyên và Môi trường"]},
        {"code": "3", "department": "SLDTBXH", "agencies": ["Ủy ban nhân dân cấp xã"]},
        {"code": "4", "department": "SKHDT", "agencies": ["Sở Tài chính"]},
        {"code": "5", "department": "STP", "agencies": ["Sở Tư pháp"]},
        {"code": "6", "department": "SGTVT", "agencies": ["Sở Giao thông vận tải"]}]
    now = [
        {"code": "1", "department": "SNNMT", "agencies": ["Sở Nông nghiệp và Môi trường"],
         "decision": {"date": "2020-11-17"}, "unconfirmed": ["fees"]},
        {"code": "2", "department": "SNNMT", "agencies": ["Sở Nông nghiệp và Môi trường"],
         "decision": {"date": "2026-01-20"}, "unconfirmed": []},
        {"code": "3", "department": "SYT", "agencies": ["Ủy ban nhân dân cấp xã"]},
        {"code": "4", "department": "STC", "agencies": ["Sở Tài chính"]},
        {"code": "5", "department": "STP", "agencies": ["Sở Tư pháp"]},
        {"code": "6", "department": "SXD", "agencies": ["Sở Xây dựng"],
         "decision": {"date": "2019-05-10"},
         "sources": [{"parts": ["agencies"], "date": "2025-07-01"}]}]
    rows = {r["code"]: r for r in remapped.remapped(before, now)}
    assert sorted(rows) == ["1", "2", "4", "6"]   # the commune's and the unchanged: out
    assert [c for c, r in rows.items() if r["to_mark"]] == ["1", "4"]   # 2: new decision,
    assert remapped.mark(now, rows) == 2                                # 6: a source cited
    assert now[0]["unconfirmed"] == ["fees", "agencies"] and now[3]["unconfirmed"] == [
        "agencies"]
    assert remapped.mark(now, rows) == 0   # once


def test_the_command_lists_and_marks(tmp_path, capsys):
    before = tmp_path / "before.json"
    now = tmp_path / "now.json"
    before.write_text(json.dumps({"procedures": [
        {"code": "1", "department": "STNMT", "agencies": ["Sở Tài nguyên và Môi trường"]}]}))
    now.write_text(json.dumps({"procedures": [
        {"code": "1", "name": "Cấp phép", "department": "SNNMT",
         "agencies": ["Sở Nông nghiệp và Môi trường"], "decision": {"date": "2020-11-17"},
         "unconfirmed": []}]}, ensure_ascii=False))
    assert remapped.main([str(before), str(now)]) == 0
    assert "1 thủ tục đổi cơ quan, 1 cần đánh dấu" in capsys.readouterr().out
    assert remapped.main([str(before), str(now), "--mark"]) == 0
    assert json.loads(now.read_text())["procedures"][0]["unconfirmed"] == ["agencies"]
    (tmp_path / "bad.json").write_text("không phải JSON")
    assert remapped.main([str(tmp_path / "bad.json"), str(now)]) == 2
    assert "Không đọc được danh mục thủ tục" in capsys.readouterr().err


@pytest.mark.parametrize("code", ["1.010733"])
def test_the_public_page_and_the_kiosk_ask_the_officer(client, store, code):
    catalog.load_sample(store, "admin")
    page = client.get(f"/thu-tuc/{code}").get_data(as_text=True)
    agencies = re.search(r'<h2>Cơ quan thực hiện</h2>\s*<p id="agencies">([^<]*)</p>', page)
    assert agencies and agencies.group(1) == "Xin hỏi cán bộ tiếp nhận.", page
    proc = procedures.current(store.db, code)
    lines = [text for kind, text in Procedure(proc).blocks() if kind == "meta"]
    assert "Cơ quan thực hiện: Xin hỏi cán bộ tiếp nhận" in lines, lines


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_the_public_page_in_chromium(browser, live_server, store, width):
    catalog.load_sample(store, "admin")
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{live_server}/thu-tuc/1.010733")
    agencies = page.locator("#agencies")
    assert agencies.inner_text() == "Xin hỏi cán bộ tiếp nhận."
    box = agencies.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    page.screenshot(path=f"/tmp/webfix2-agencies-{width}.png", full_page=True)
    page.close()
