"""A scripted day at the counter, in real headless Chromium: receive five
dossiers, transfer, ask for a supplement, resubmit, apologise, finish, return."""

import datetime as dt
import re

import pytest
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol, decode

from central import dossiers
from central.accounts import users
from motcua import clock

from .conftest import PROJECT
from .dossier_helpers import APPLICANT, CHECKLIST, add_procedures

pytestmark = pytest.mark.browser
ARTIFACTS = PROJECT / "tests" / "artifacts"
PEOPLE = ["Nguyễn Thị Lan", "Trần Văn Bình", "Lê Thị Hồng Nhung", "Phạm Đức Anh",
          "Hoàng Thị Thu Hà"]


def test_a_scripted_day_through_the_pages(browser, live_server, store, hub_config, tmp_path):
    add_procedures(store)
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan")
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/login")
    page.fill('input[name="username"]', "lan.nt")
    page.fill('input[name="password"]', "mat-khau-lan")
    page.click('button[type="submit"]')

    codes = []
    for i, person in enumerate(PEOPLE):
        page.goto(f"{live_server}/reception")
        page.fill("#procedure-search", "dang ky khai sinh" if i % 2 == 0 else "xay dung")
        page.press("#procedure-search", "Enter")
        page.locator("table.procedures a").first.click()
        page.fill("#name", person)
        page.fill("#id_number", f"03819000{i:04d}")
        page.fill("#phone", "0912345678")
        page.fill("#address", "Thanh Hóa")
        page.get_by_label(CHECKLIST[0]["name"]).check()
        page.get_by_label(CHECKLIST[1]["name"]).check()
        if i == 0:
            page.screenshot(path=str(ARTIFACTS / "dossier-reception.png"), full_page=True)
        page.click("#receive")
        page.get_by_text("Đã tiếp nhận hồ sơ").wait_for()
        codes.append(page.inner_text("#dossier-code"))
    assert len(set(codes)) == 5
    first = dossiers.by_code(store.db, codes[0])

    def do(action, note="", **fields):
        form = page.locator(f'form[data-action="{action}"]')
        for name, value in fields.items():
            if name == "department":
                form.locator("select").select_option(label=value)
            else:
                form.locator(f'input[name="{name}"]').fill(value)
        if note:
            form.locator('[name="note"]').fill(note)
        form.locator("button").click()
        page.locator(".flash").first.wait_for()

    # The scanner types the code and Enter on any page: the dossier opens.
    page.goto(f"{live_server}/worklists")
    page.keyboard.type(codes[0])
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/dossiers/{first['id']}")

    do("transfer", department="Sở Tư pháp")
    assert page.inner_text("#dossier-status") == "Đang xử lý"
    do("transfer", "Xác định nghĩa vụ tài chính", department="Sở Tài chính")
    assert page.inner_text("#department") == "Sở Tài chính"
    do("accept_transfer")
    do("request_supplement", "Thiếu bản sao giấy chứng nhận kết hôn")
    assert page.inner_text("#dossier-status") == "Yêu cầu bổ sung hồ sơ"
    do("resubmit")
    assert page.inner_text("#dossier-status") == "Đang xử lý"
    due = clock.from_iso(dossiers.get(store.db, first["id"])["due_at"])
    new_due = (due + dt.timedelta(days=7)).astimezone(dt.timezone(dt.timedelta(hours=7)))
    # Illegal: a second apology is not offered; an early "new" date is refused.
    do("apologise", "Cần lấy ý kiến Sở Xây dựng",
       new_due_at=(due - dt.timedelta(days=1)).astimezone(new_due.tzinfo)
       .strftime("%Y-%m-%dT%H:%M"))
    assert "Ngày hẹn mới phải sau ngày hẹn trả ban đầu" in page.inner_text(".flash.error")
    do("apologise", "Cần lấy ý kiến Sở Xây dựng", new_due_at=new_due.strftime("%Y-%m-%dT%H:%M"))
    assert page.locator('form[data-action="apologise"]').count() == 0
    do("result_ready")
    assert page.inner_text("#dossier-status") == "Đã có kết quả"
    do("return_result")
    assert page.inner_text("#dossier-status") == "Đã trả kết quả"
    assert page.locator("form.action").count() == 0
    actions = page.locator("#events tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.action)")
    assert actions == ["receive", "transfer", "transfer", "accept_transfer",
                       "request_supplement", "resubmit",
                       "apologise", "result_ready", "return_result"]
    page.screenshot(path=str(ARTIFACTS / "dossier-page.png"), full_page=True)

    # The control sheet (form 06) lists both hand-overs.
    page.goto(f"{live_server}/dossiers/{first['id']}/form/06")
    sheet = page.inner_text("table.control")
    assert "Sở Tư pháp" in sheet and "Sở Tài chính" in sheet
    page.goto(f"{live_server}/dossiers/{first['id']}/form/04")
    assert "Cần lấy ý kiến Sở Xây dựng" in page.inner_text("body")

    # The printed receipt's barcode reads back to the code.
    pdf = page.request.get(f"{live_server}/dossiers/{first['id']}/receipt.pdf")
    (tmp_path / "r.pdf").write_bytes(pdf.body())
    import subprocess

    subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", str(tmp_path / "r.pdf"),
                    str(tmp_path / "r")], check=True)
    found = {r.type: r.data.decode() for r in decode(
        Image.open(tmp_path / "r.png"), symbols=[ZBarSymbol.CODE128, ZBarSymbol.QRCODE])}
    assert found["CODE128"] == codes[0]
    # The look-up address with the receipt's key (tests/test_attack_one_address.py).
    assert found["QRCODE"].startswith(f"{live_server}/tra-cuu?code={codes[0]}&k=")
    ticket = page.request.get(f"{live_server}/dossiers/{first['id']}/ticket.png")
    (tmp_path / "t.png").write_bytes(ticket.body())
    # The ticket's Code128 is one printer dot (0.125 mm at 203 dpi) a module: a
    # handheld scanner resolves it, but zbar reading the bitmap at exactly one
    # pixel a module succeeds or not depending on the code's digits (measured:
    # ...H56-200203-0118 read, ...H56-261207-0001 not; both read at 2 px). Read
    # it as a scanner samples it, two pixels a module.
    ticket_image = Image.open(tmp_path / "t.png").convert("L")
    ticket_image = ticket_image.resize((ticket_image.width * 2, ticket_image.height * 2),
                                       Image.NEAREST)
    on_ticket = {r.type: r.data.decode() for r in decode(
        ticket_image, symbols=[ZBarSymbol.CODE128, ZBarSymbol.QRCODE])}
    assert on_ticket == found

    # The work list shows the others; the public lookup shows the returned one, masked.
    page.goto(f"{live_server}/worklists")
    page.screenshot(path=str(ARTIFACTS / "dossier-worklists.png"), full_page=True)
    listed = page.inner_text("main")
    assert codes[0] not in listed
    public = browser.new_page()
    public.goto(f"{live_server}/tra-cuu")
    public.fill('input[name="code"]', codes[0])
    public.press('input[name="code"]', "Enter")
    result = public.inner_text("#lookup-result")
    assert "Đã trả kết quả" in result and "Nguyễn T** L**" in result
    assert APPLICANT["phone"] not in result
    public.screenshot(path=str(ARTIFACTS / "dossier-lookup.png"), full_page=True)
    assert re.match(r"^000\.00\.00\.H56-\d{6}-0001$", codes[0])
