"""The official period report against the hand-worked expected report, in every format."""

import csv
import datetime as dt
import io
import subprocess
from pathlib import Path

import openpyxl
import pytest

from central.documents.formats import DASH, NO_RESOLVED
from central.documents.pdf import Letterhead
from central.statistics import exports, facts
from central.statistics.period_report import COLUMNS, period_report, table

from . import stats_dataset

GOLDEN = Path(__file__).parent / "golden" / "report_2026_04.csv"
APRIL = (dt.date(2026, 4, 1), dt.date(2026, 4, 30))


@pytest.fixture
def dataset(store, hub_config):
    return stats_dataset.build(store, hub_config)


def golden() -> list[list[str]]:
    """The hand-worked report as the CSV writes it: ';' between cells, decimal ','."""
    return list(csv.reader(io.StringIO(GOLDEN.read_text(encoding="utf-8")), delimiter=";"))


def as_text(cells: list[list]) -> list[list[str]]:
    return [[exports._cell_text(c) for c in row] for row in cells]


def number(cell):
    try:
        return float(cell.replace(",", ".")) if isinstance(cell, str) else float(cell)
    except (TypeError, ValueError):
        return cell


def test_the_dataset_is_what_the_hand_worked_report_assumes(dataset):
    made = dataset["dossiers"]
    # Holidays: 27/4 off in lieu of Giỗ Tổ, 30/4 and 1/5: D5 falls due on 4/5 14:00.
    assert made["D5"]["due_at"] == "2026-05-04T07:00:00.000+00:00"
    # The supplement paused D4's clock with 16 working hours left: due moves to 15/4 09:00.
    assert made["D4"]["due_at"] == "2026-04-15T02:00:00.000+00:00"
    assert made["D11"]["due_at"] == "2026-04-07T10:00:00.000+00:00"  # after the cut-off


def test_april_by_department_matches_the_hand_worked_report_cell_by_cell(store, dataset):
    report = period_report(store.db, *APRIL, by="department", now=stats_dataset.NOW)
    assert as_text(table(report)) == golden()


def test_every_row_balances(store, dataset):
    report = period_report(store.db, *APRIL, by="procedure", now=stats_dataset.NOW)
    for row in report["rows"] + [report["total"]]:
        # Never-received dossiers (D9 refused at reception, D16 withdrawn online) aside.
        not_received = {"2.000908": 1, "1.001193": 1}.get(row.get("code"), 0)
        if row["key"] is None:
            not_received = 2
        closed_after_reception = row["withdrawn"] + row["refused"] + row["stopped"] - not_received
        assert row["received"] == (row["resolved"] + row["in_progress"] + row["supplement"]
                                   + closed_after_reception), row


def test_fields_come_in_vietnamese_order(store, dataset):
    # Seen in the sample centre's Biểu 06 by field: "Đất đai", "Đường bộ", "Đầu tư tại Việt
    # Nam" after "Xúc tiến thương mại", "Lâm nghiệp" after "Luật sư" (code-point order).
    with store.write() as db:
        db.execute("update procedures set field = 'Đất đai' where code = '1.009994'")
    by_field = period_report(store.db, *APRIL, by="field", now=stats_dataset.NOW)
    assert [r["name"] for r in by_field["rows"]] == ["Chứng thực", "Đất đai", "Hộ tịch"]


def test_by_field_and_by_procedure(store, dataset):
    by_field = period_report(store.db, *APRIL, by="field", now=stats_dataset.NOW)
    fields = {r["name"]: r for r in by_field["rows"]}
    assert list(fields) == ["Chứng thực", "Hộ tịch", "Xây dựng"]
    ct, ht = fields["Chứng thực"], fields["Hộ tịch"]
    assert (ct["received"], ct["early"], ct["on_time"], ct["refused"]) == (2, 1, 1, 1)
    assert (ht["received"], ht["carried_over"], ht["online"], ht["direct"]) == (8, 1, 1, 6)
    assert (ht["early"], ht["on_time"], ht["late"], ht["on_time_rate"]) == (1, 2, 1, 75.0)
    assert (ht["within_deadline"], ht["overdue"], ht["supplement"], ht["withdrawn"]) == (
        1, 1, 1, 2)
    by_proc = period_report(store.db, *APRIL, by="procedure", now=stats_dataset.NOW)
    assert [r["code"] for r in by_proc["rows"]] == ["1.001193", "1.009994", "2.000908"]
    assert by_proc["rows"][1]["department"] == "Sở Xây dựng"
    assert by_proc["total"] == period_report(store.db, *APRIL, now=stats_dataset.NOW)["total"]


def test_march_and_a_period_not_yet_over(store, dataset):
    march = period_report(store.db, dt.date(2026, 3, 1), dt.date(2026, 3, 31),
                          now=stats_dataset.NOW)
    stp, sxd = march["rows"]
    # D15 received and resolved early; D1 received 30/3, due 2/4: within deadline.
    assert (stp["received"], stp["early"], stp["within_deadline"], stp["overdue"]) == (2, 1, 1, 0)
    assert (sxd["received"], sxd["within_deadline"]) == (1, 1)
    # Asked on 22/4 at noon, April so far: D13 (due 22/4 09:00) already overdue,
    # D6 (due 23/4 09:00) not yet.
    noon = dt.datetime(2026, 4, 22, 12, tzinfo=stats_dataset.VN)
    april = period_report(store.db, *APRIL, now=noon)
    rows = {r["name"]: r for r in april["rows"]}
    assert rows["Sở Xây dựng"]["overdue"] == 1
    assert rows["Sở Tư pháp"]["overdue"] == 0


def test_facts_rebuilt_from_the_events_equal_those_kept_by_the_trigger(store, dataset):
    kept = list(store.db.query("select * from dossier_facts order by dossier_id"))
    pauses = list(store.db.query("select dossier_id, paused_at, resumed_at from dossier_pauses"))
    days = list(store.db.query("select * from dossier_days order by day, procedure_id"))
    # 2/4: D8 received; 3/4: D8 withdrawn after reception (and D2 registered online).
    april_2 = [d for d in days if d["day"] == "2026-04-02"]
    assert [(d["received_direct"], d["withdrawn"]) for d in april_2] == [(1, 0)]
    with store.write() as db:
        assert facts.rebuild(db) == 16
    assert list(store.db.query("select * from dossier_facts order by dossier_id")) == kept
    assert list(store.db.query(
        "select dossier_id, paused_at, resumed_at from dossier_pauses")) == pauses
    assert list(store.db.query("select * from dossier_days order by day, procedure_id")) == days


def test_bad_input_is_refused(store):
    with pytest.raises(ValueError, match="by"):
        period_report(store.db, *APRIL, by="officer")
    with pytest.raises(ValueError, match="before"):
        period_report(store.db, APRIL[1], APRIL[0])
    empty = period_report(store.db, *APRIL)
    # Nothing resolved: no rate at all, never a 100 % for a centre that did nothing.
    assert empty["rows"] == [] and empty["total"]["on_time_rate"] is None
    assert empty["total"]["late_rate"] is None


def test_csv_export_is_the_golden_file(store, dataset):
    report = period_report(store.db, *APRIL, now=stats_dataset.NOW)
    data = exports.to_csv(report)
    assert data.startswith("\ufeff".encode())
    assert data == "\ufeff".encode() + GOLDEN.read_bytes()  # byte for byte, CRLF included
    assert b"\r\n" in data and b";83,33;16,67\r\n" in data  # a Vietnamese Excel's number


def test_xlsx_export_reads_back_cell_by_cell(store, dataset):
    report = period_report(store.db, *APRIL, now=stats_dataset.NOW)
    head = Letterhead(centre="Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa",
                      governing_body="UBND TỈNH THANH HÓA", place="Thanh Hóa")
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(report, head, dt.date(2026, 5, 4))))
    sheet = book["Biểu 06"]
    # The official heading block, then the title and the period.
    assert sheet["A1"].value == "UBND TỈNH THANH HÓA"
    assert sheet["A2"].value == "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH THANH HÓA"
    assert sheet["F1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert sheet["F2"].value == "Độc lập – Tự do – Hạnh phúc"
    assert sheet["F3"].value == "Thanh Hóa, ngày 04 tháng 05 năm 2026"
    assert sheet["A5"].value == "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
    assert "từ ngày 01/04/2026 đến ngày 30/04/2026" in sheet["A6"].value
    # Grouped headings: a group over its columns, each column's title under it; the
    # one-column group is one cell over both rows.
    top, sub = exports.HEADER_ROW, exports.HEADER_ROW + 1
    assert sheet.cell(top, 3).value == "Số hồ sơ tiếp nhận"
    assert f"C{top}:F{top}" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.cell(sub, 3).value == "Tổng số hồ sơ tiếp nhận"
    assert sheet.cell(top, 14).value == "Chờ bổ sung"
    assert f"N{top}:N{sub}" in {str(r) for r in sheet.merged_cells.ranges}
    titles = [sheet.cell(sub, c).value or sheet.cell(top, c).value for c in range(1, 20)]
    assert titles == golden()[0]
    rows = [[("" if c is None else c) for c in row] for row in sheet.iter_rows(
        min_row=sub + 1, max_row=sub + 3, values_only=True)]
    # Numbers compare as numbers; "—" where nothing was resolved.
    assert [[number(c) for c in row] for row in rows] == [
        [number(c) for c in row] for row in golden()[1:]]
    assert isinstance(rows[0][2], int)  # numbers, not text: the sheet can sum them
    assert isinstance(rows[0][17], float) and sheet.cell(sub + 1, 18).number_format == "#,##0.00"
    assert rows[1][17] == DASH
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "THỦ TRƯỞNG CƠ QUAN" in texts and any(NO_RESOLVED in t for t in texts)


def test_pdf_export_is_the_official_layout(store, dataset, tmp_path):
    report = period_report(store.db, *APRIL, now=stats_dataset.NOW)
    head = Letterhead(centre="Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa",
                      governing_body="UBND TỈNH THANH HÓA", place="Thanh Hóa")
    pdf = exports.to_pdf(report, head, dt.date(2026, 5, 4))
    path = tmp_path / "bieu06.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Biểu số 06/VPCP/KSTT" in text
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text
    assert "từ ngày 01/04/2026 đến ngày 30/04/2026" in text
    assert "THỦ TRƯỞNG CƠ QUAN" in text and "NGƯỜI LẬP BIỂU" in text
    assert "UBND TỈNH THANH HÓA" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập – Tự do – Hạnh phúc" in text  # en dashes, not hyphens
    assert "Thanh Hóa, ngày 04 tháng 05 năm 2026" in text
    assert text.count("Chờ bổ") == 1  # one heading (wrapped), not a group over a sub-column
    for row in golden()[1:]:
        line = next(ln for ln in text.splitlines() if row[1] in ln)
        assert line.split()[-len(COLUMNS):] == row[2:], line
