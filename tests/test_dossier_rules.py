"""A second supplement request on one dossier is reported as a breach, with officer and source."""

import datetime as dt
import re

from central import dossiers
from central.accounts import users
from central.calendar.working_time import VN
from central.dossiers import reception
from central.statistics import rules
from central.statistics.officers import officer_ranking

from .dossier_helpers import APPLICANT, CHECKLIST, add_procedures


def at(y, mo, d, h=0, mi=0):
    return dt.datetime(y, mo, d, h, mi, tzinfo=VN)


def _dossier_asked_twice(store, hub_config):
    ids = add_procedures(store)
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan")
    users.create_user(store, "hung.pv", "Phạm Văn Hùng", "officer", "mat-khau-hung")
    d = reception.receive(store, hub_config, procedure_id=ids["1.009994"],
                                  channel="in_person", applicant=APPLICANT,
                                  components=[CHECKLIST[0]["name"]], actor="lan.nt",
                                  now=at(2026, 3, 2, 9))
    once = reception.receive(store, hub_config, procedure_id=ids["1.009994"],
                                     channel="in_person", applicant=APPLICANT,
                                     components=[CHECKLIST[0]["name"]], actor="lan.nt",
                                     now=at(2026, 3, 2, 10))
    steps = [("request_supplement", "lan.nt", at(2026, 3, 3, 9), "Thiếu bản vẽ"),
             ("resubmit", "lan.nt", at(2026, 3, 5, 9), ""),
             ("request_supplement", "hung.pv", at(2026, 3, 6, 9), "Thiếu giấy tờ đất")]
    for action, actor, when, note in steps:
        dossiers.act(store, hub_config, d["id"], action, actor=actor, note=note, now=when)
    dossiers.act(store, hub_config, once["id"], "request_supplement", actor="hung.pv",
                 note="Thiếu bản vẽ", now=at(2026, 3, 4, 9))
    return d


def test_the_second_request_is_a_breach_by_its_officer(store, hub_config):
    d = _dossier_asked_twice(store, hub_config)
    (breach,) = rules.supplement_breaches(store.db)
    assert (breach["dossier_code"], breach["officer"], breach["officer_name"],
            breach["request_no"]) == (d["code"], "hung.pv", "Phạm Văn Hùng", 2)
    assert breach["note"] == "Thiếu giấy tờ đất"
    assert "118/2025/NĐ-CP" in breach["source"] and "Chính phủ" in breach["source"]
    # The period filter is by the request's local day.
    assert rules.supplement_breaches(store.db, start=dt.date(2026, 3, 7)) == []
    assert len(rules.supplement_breaches(store.db, start=dt.date(2026, 3, 6),
                                                 end=dt.date(2026, 3, 6))) == 1


def test_the_officer_ranking_counts_breaches_apart(store, hub_config):
    _dossier_asked_twice(store, hub_config)
    ranking = {r["username"]: r for r in officer_ranking(store.db, dt.date(2026, 3, 1),
                                                         dt.date(2026, 3, 31))}
    hung = ranking["hung.pv"]
    assert (hung["supplements"], hung["supplement_breaches"]) == (2, 1)
    assert "lan.nt" not in ranking   # one request per dossier: nothing to report


def _login(client, username, password):
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": username, "password": password,
                                "csrf_token": token})


def test_statistics_and_dashboard_show_the_breach(client, store, hub_config):
    d = _dossier_asked_twice(store, hub_config)
    users.create_user(store, "thanh.tra", "Trần Thanh Tra", "supervisor", "mat-khau-tt")
    _login(client, "thanh.tra", "mat-khau-tt")
    report = client.get("/statistics?start=2026-03-01&end=2026-03-31").get_data(as_text=True)
    table = report[report.index('id="breaches"'):]
    assert d["code"] in table and "Phạm Văn Hùng" in table and "Lần 2" in table
    assert "Căn cứ: Nghị định 118/2025/NĐ-CP ngày 09/06/2025 của Chính phủ" in report
    # The dashboard shows the last 30 days: move the breach to yesterday.
    with store.write() as db:
        db.execute("update dossier_events set at = strftime('%Y-%m-%dT%H:%M:%S+00:00', "
                   "'now', '-1 day') where action = 'request_supplement'")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Vi phạm quy định: yêu cầu bổ sung hồ sơ quá một lần" in html
    section = html[html.index('id="rule-breaches"'):]
    assert d["code"] in section and "Phạm Văn Hùng" in section


def test_the_exported_report_carries_the_breach(client, store, hub_config, tmp_path):
    # The XLSX and PDF of Biểu 06 carry the list the statistics page shows: the
    # dossier, the officer, the request's number and the rule's source.
    import io
    import subprocess

    import openpyxl

    d = _dossier_asked_twice(store, hub_config)
    users.create_user(store, "thanh.tra", "Trần Thanh Tra", "supervisor", "mat-khau-tt")
    _login(client, "thanh.tra", "mat-khau-tt")
    march = "start=2026-03-01&end=2026-03-31"
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/statistics/report.xlsx?{march}").data))
    assert book.sheetnames == ["Biểu 06", "Vi phạm quy định"]
    sheet = book["Vi phạm quy định"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert "Căn cứ: Nghị định 118/2025/NĐ-CP ngày 09/06/2025 của Chính phủ" in cells[2][0]
    assert cells[4] == ["STT", "Thời điểm", "Mã hồ sơ", "Thủ tục", "Lần yêu cầu", "Cán bộ",
                        "Cơ quan", "Lý do ghi"]
    assert cells[5][0] == 1 and cells[5][1] == "09:00:00 06/03/2026"
    assert cells[5][2:3] == [d["code"]] and cells[5][4:6] == ["Lần 2", "Phạm Văn Hùng"]
    assert cells[5][7] == "Thiếu giấy tờ đất" and len(cells) == 6   # one breach, no other
    path = tmp_path / "bieu06.pdf"
    path.write_bytes(client.get(f"/statistics/report.pdf?{march}").data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    page = text[text.index("VI PHẠM QUY ĐỊNH"):]
    assert "Nghị định 118/2025/NĐ-CP" in page
    assert d["code"] in page and "Phạm Văn Hùng" in page and "Lần 2" in page
    # A period without a breach says so, in Vietnamese.
    april = "start=2026-04-01&end=2026-04-30"
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/statistics/report.xlsx?{april}").data))
    assert book["Vi phạm quy định"]["A6"].value == "Không có vi phạm trong kỳ."


LONG_PROCEDURE = ("Xóa ghi nợ tiền sử dụng đất, lệ phí trước bạ trên Giấy chứng nhận quyền sử "
                  "dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất đã cấp")
LONG_OFFICER = "Nguyễn Thị Phương Thảo Nguyên Khánh"
LONG_DEPARTMENT = "Sở Văn hóa, Thể thao và Du lịch tỉnh Thanh Hóa (Phòng Quản lý di sản)"
LONG_NOTE = "Thiếu bản vẽ hiện trạng có xác nhận của đơn vị đo đạc và trích lục bản đồ địa chính"


def words_on_page(path, page: int) -> list[tuple[float, float, float, str]]:
    """(x from, x to, y, word) of each word pdftotext finds on a page, in points."""
    import html
    import subprocess

    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path),
                          "-"], capture_output=True, text=True, check=True).stdout
    return [(float(a), float(b), float(y), html.unescape(w)) for a, y, b, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
        out)]


def test_the_breach_list_wraps_long_names_inside_their_cells(client, store, hub_config,
                                                             tmp_path):
    # Seen in Biểu 06's PDF: the breach list cut the procedure's, the officer's, the
    # department's names and the reason with "…" to fit 6 mm rows ("Xóa ghi nợ tiền sử
    # dụng đất, lệ phí trước b…"). Each is now whole, wrapped inside its own column.
    from central.statistics.exports import BREACH_HEADER, BREACH_SHARE

    d = _dossier_asked_twice(store, hub_config)
    with store.write() as db:
        db.execute("update dossiers set procedure_name = ? where id = ?", [LONG_PROCEDURE, d["id"]])
        db.execute("update users set full_name = ? where username = 'hung.pv'", [LONG_OFFICER])
        db.execute("update departments set name = ? where id = (select department_id from "
                   "dossiers where id = ?)", [LONG_DEPARTMENT, d["id"]])
        db.execute("update dossier_events set note = ? where action = 'request_supplement' "
                   "and actor = 'hung.pv' and dossier_id = ?", [LONG_NOTE, d["id"]])
    users.create_user(store, "thanh.tra", "Trần Thanh Tra", "supervisor", "mat-khau-tt")
    _login(client, "thanh.tra", "mat-khau-tt")
    path = tmp_path / "bieu06.pdf"
    path.write_bytes(client.get("/statistics/report.pdf?start=2026-03-01&end=2026-03-31").data)
    words = words_on_page(path, 2)
    assert words and not [w for w in words if "…" in w[3]], "a cell's text was cut"
    # The columns' edges, in points: A4 landscape, 10 mm margins, the shares of 277 mm.
    mm = 72 / 25.4
    edges = [10 * mm]
    for share in BREACH_SHARE:
        edges.append(edges[-1] + 277 * share * mm)
    (head_y,) = {y for _, _, y, w in words if w == BREACH_HEADER[0]}
    columns: dict[int, list[str]] = {}
    for left, right, y, word in words:
        if y < head_y - 1:
            continue          # the title above the table
        i = next(i for i in range(len(edges) - 1) if left < edges[i + 1])
        assert right <= edges[i + 1] + 0.5, f"“{word}” crosses into the next column"
        columns.setdefault(i, []).append(word)
    for i, text in ((3, LONG_PROCEDURE), (5, LONG_OFFICER), (6, LONG_DEPARTMENT),
                    (7, LONG_NOTE)):
        head = BREACH_HEADER[i].split()
        assert columns[i][:len(head)] == head, columns[i]
        assert " ".join(columns[i][len(head):]) == text, columns[i]
    # The form's own table (page 1) wraps its "Cơ quan, đơn vị" column the same way.
    first = words_on_page(path, 1)
    label = [w for left, right, _, w in first if 18 * mm <= left and right <= 80 * mm + 0.5]
    assert not [w for w in first if "…" in w[3]], "a cell's text was cut"
    assert LONG_DEPARTMENT in " ".join(label), label
