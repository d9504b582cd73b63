"""The citizen's ID card in one scan (issue 27): camera and USB scanner, checked, forgotten.

Every card here is invented (generated QR codes of people who do not exist),
with numbers that follow the real structure (province, century and sex, year).
"""

from __future__ import annotations

import datetime as dt
import itertools

import pygame
import pytest

from central import catalog
from kiosk import idcard
from kiosk.ui import UNKNOWN_CODE

from .conftest import wait_until
from .frames import frame, loop_frames, qr_image

TODAY = dt.date(2026, 11, 27)
# Invented: born 1958 in Thanh Hóa (038), a man of the 20th century (0), year 58.
ELDER = "038058004321|172345678|Lê Văn Bình|14031958|Nam|Thôn Đông, xã Quảng Tâm, tỉnh " \
        "Thanh Hóa|20052021"
# Invented: born 1990, a woman of the 20th century (1), year 90; no old number.
YOUNGER = "038190001234||Nguyễn Thị Lan|01021990|Nữ|Số 12 phố Lê Lợi, phường Hạc Thành, " \
          "tỉnh Thanh Hóa|15062021"


def test_a_card_is_parsed_and_never_prints_its_number():
    card = idcard.parse(ELDER, today=TODAY)
    assert (card.name, card.birth, card.sex, card.issued) == (
        "Lê Văn Bình", dt.date(1958, 3, 14), "Nam", dt.date(2021, 5, 20))
    assert card.number == "038058004321" and card.old_number == "172345678"
    assert card.age_on(TODAY) == 68
    assert idcard.priority_by_age(card, TODAY, 60)
    assert "038058004321" not in repr(card) and "Quảng Tâm" not in repr(card)
    younger = idcard.parse(YOUNGER, today=TODAY)
    assert younger.old_number == "" and younger.age_on(TODAY) == 36
    assert not idcard.priority_by_age(younger, TODAY, 60)


def test_a_card_is_checked_against_the_centres_day_not_the_machines():
    """A card issued on the centre's day is valid that day, whatever date the
    machine's own clock gives (a Pi on UTC; here the demo's clock, a later day)."""
    import time

    from motcua import clock

    issued_today = "038190001234||Nguyễn Thị Lan|01021990|Nữ|Thanh Hóa|05012027"
    clock.use_demo(clock.DemoClock(dt.date(2027, 1, 5), start_hour=8, speed=1,
                                   since=time.time()))
    try:
        assert idcard.parse(issued_today).issued == dt.date(2027, 1, 5)
    finally:
        clock.use_demo(None)


def test_the_sixtieth_birthday_counts_from_that_day():
    card = idcard.parse("038066000001||Trần Văn An|27111966|Nam|Thanh Hóa|01012022", TODAY)
    assert card.age_on(TODAY) == 60 and idcard.priority_by_age(card, TODAY, 60)
    assert not idcard.priority_by_age(card, TODAY - dt.timedelta(days=1), 60)


@pytest.mark.parametrize("text,says", [
    ("https://dichvucong.gov.vn/p/home", "không phải mã QR trên thẻ căn cước"),
    ("03819000123||Nguyễn Thị Lan|01021990|Nữ|Thanh Hóa|15062021",
     "không phải mã QR trên thẻ căn cước"),          # 11 digits
    ("038190001234|12345|Nguyễn Thị Lan|01021990|Nữ|Thanh Hóa|15062021", "chứng minh"),
    ("038190001234||Nguyễn Thị Lan|31021990|Nữ|Thanh Hóa|15062021",
     "ngày sinh không phải ngày có thật"),
    ("038190001234||Nguyễn Thị Lan|1990-02-01|Nữ|Thanh Hóa|15062021",
     "ngày sinh không đúng dạng"),
    ("038190001234||Nguyễn Thị Lan|01021990|Nữ|Thanh Hóa|15062031", "ngày cấp không hợp lệ"),
    ("038190001234||Nguyễn Thị Lan|01021990|Nữ|Thanh Hóa|15061980", "ngày cấp không hợp lệ"),
    ("038190001234||Nguyễn Thị Lan|01021991|Nữ|Thanh Hóa|15062021", "không khớp"),
    ("038190001234||Nguyễn Thị Lan|01021990|Nam|Thanh Hóa|15062021", "không khớp"),
    ("099190001234||Nguyễn Thị Lan|01021990|Nữ|Thanh Hóa|15062021", "không khớp"),
    ("038190001234||Nguyễn Thị Lan|01021990|Khác|Thanh Hóa|15062021", "giới tính"),
    ("038190001234||1234|01021990|Nữ|Thanh Hóa|15062021", "họ và tên"),
])
def test_malformed_cards_are_refused_with_a_vietnamese_message(text, says):
    with pytest.raises(idcard.NotAnIdCard) as refused:
        idcard.parse(text, today=TODAY)
    assert says in str(refused.value)
    assert "038190001234" not in str(refused.value)


@pytest.fixture
def hub(gateway, store):
    catalog.load_sample(store, "admin")
    return gateway


def kiosk_with_frames(make_node, node_id, image, surface):
    blank = frame(qr_image("x")[:1, :1] * 0 + 200)
    frames = itertools.chain([blank, blank], itertools.repeat(image))
    kiosk = make_node("kiosk", node_id)
    kiosk.frame_source = lambda: next(frames)
    kiosk.open_screen(surface)
    kiosk.ui.now = lambda: dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)
    return kiosk


# The angles, blur and noise the receipt scanner is tested at (test_kiosk_bus.py),
# and the card held far (small modules) and close.
@pytest.mark.parametrize("box,angle,blur,noise", [
    (6, 0, 0, 0), (3, 0, 0, 0), (4, 35, 5, 8), (4, 90, 3, 12), (5, -8, 0, 10), (6, 6, 3, 6),
])
def test_an_id_card_held_to_the_camera_fills_the_session(hub, make_node, box, angle, blur,
                                                         noise):
    import qrcode
    from numpy import array

    qr = qrcode.QRCode(border=4, box_size=box)
    qr.add_data(ELDER)
    image = frame(array(qr.make_image().convert("L")), angle=angle, blur=blur, noise=noise)
    surface = pygame.Surface((1080, 1920))
    kiosk = kiosk_with_frames(make_node, f"kiosk-id-{box}-{angle}", image, surface)
    loop_frames(kiosk, 4)
    ui = kiosk.ui
    assert ui.screen.name == "idcard", ui.screen.name
    assert ui.session.card.name == "Lê Văn Bình"
    assert ui.session.priority_reason == "Người cao tuổi (từ đủ 60 tuổi)"
    names = [b.name for b in ui.buttons]
    assert {"card:ticket", "card:feedback", "card:done"} <= set(names)


def test_a_qr_that_is_not_an_id_card_is_refused_with_a_message(hub, make_node):
    surface = pygame.Surface((1080, 1920))
    kiosk = kiosk_with_frames(make_node, "kiosk-id-url",
                              frame(qr_image("https://example.com/khuyen-mai?ma=123")), surface)
    loop_frames(kiosk, 4)
    assert kiosk.ui.screen.name == "scan_problem"
    assert kiosk.ui.screen.message == UNKNOWN_CODE
    assert kiosk.ui.session.card is None
    broken = YOUNGER.replace("01021990", "01021991")
    kiosk.ui.scanned(broken)
    assert "không khớp" in kiosk.ui.screen.message and kiosk.ui.session.card is None


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def type_keys(ui, text, clock, gap):
    for ch in text:
        clock.t += gap
        pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=ch))
        ui.handle(pygame.event.poll())
    clock.t += gap
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0,
                                         unicode="\r", scancode=40))
    ui.handle(pygame.event.poll())


def test_a_usb_scanner_types_the_card_and_one_scan_fills_it(hub, make_node):
    from kiosk.hid import KeyStream

    surface = pygame.Surface((1080, 1920))
    kiosk = make_node("kiosk", "kiosk-hid")
    ui = kiosk.open_screen(surface)
    pygame.event.clear()
    clock = Clock()
    ui.keys = KeyStream(clock)
    ui.now = lambda: dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)
    type_keys(ui, YOUNGER, clock, gap=0.004)  # a scanner: a key every few ms
    assert ui.screen.name == "idcard"
    assert ui.session.card.name == "Nguyễn Thị Lan" and ui.session.priority_reason is None
    ui.go_attract()
    type_keys(ui, YOUNGER, clock, gap=0.3)  # a person typing: not a scan
    assert ui.screen.name == "attract" and ui.session.card is None


def test_the_card_fills_the_feedback_name_and_the_ticket_priority(hub, make_node):
    surface = pygame.Surface((1080, 1920))
    kiosk = make_node("kiosk", "kiosk-fill")
    ui = kiosk.open_screen(surface)
    ui.now = lambda: dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)
    ui.go_home()
    ui.open_feedback()
    ui.scanned(ELDER)  # scanned on the form itself: the name goes in, the form stays
    assert ui.screen.name == "feedback" and ui.screen.contact_name == "Lê Văn Bình"
    ui.screen.topic = "waiting"
    assert ui.screen.payload()["contact_name"] == "Lê Văn Bình"
    ui.screen.contact_name = ""  # "Bỏ tên": the citizen would rather not
    assert "contact_name" not in ui.screen.payload()
    taken = []
    ui.take_ticket = lambda service, priority, done: taken.append((service, priority))
    ui.services = lambda: [{"code": "ho-tich", "name": "Hộ tịch", "waiting": 0,
                            "departments": []}]
    ui.go_home()
    ui.open_tickets()
    ui.draw(surface)
    assert [b.name for b in ui.buttons if b.name.startswith("priority:")] == [
        "priority:yes", "priority:no"]
    ui.find("service:ho-tich").action()
    assert taken == [("ho-tich", True)]


def test_timing_out_to_the_attract_screen_forgets_the_card(hub, make_node):
    surface = pygame.Surface((1080, 1920))
    kiosk = make_node("kiosk", "kiosk-forget")
    ui = kiosk.open_screen(surface)
    t = [0.0]
    ui.monotonic = lambda: t[0]
    ui.now = lambda: dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)
    ui.scanned(ELDER)
    ui.open_feedback()
    ui.screen.text = "chờ lâu"
    assert ui.session.card is not None
    t[0] += ui.idle_seconds + 1
    ui.step(surface)
    assert ui.screen.name == "attract"
    assert ui.session.card is None and ui.session.priority_reason is None
    assert len(ui.stack) == 1  # every form with what was typed in it is gone
    ui.go_home()
    ui.open_feedback()
    assert ui.screen.contact_name == "" and ui.screen.text == ""
    wait_until(lambda: True)


def test_the_card_holders_dossiers_where_the_centre_allows_it(gateway, store, hub_config,
                                                              make_node):
    from central.dossiers import reception

    from .dossier_helpers import APPLICANT, CHECKLIST, add_procedures

    ids = add_procedures(store)
    mine = reception.receive(store, hub_config, procedure_id=ids["1.001193"],
                                     channel="in_person", applicant=APPLICANT, actor="test",
                                     components=[c["name"] for c in CHECKLIST])
    reception.receive(store, hub_config, procedure_id=ids["1.001193"],
                              channel="in_person", actor="test",
                              components=[c["name"] for c in CHECKLIST], applicant={
                                  **APPLICANT, "name": "Lê Văn Bình",
                                  "id_number": "038058004321"})
    surface = pygame.Surface((1080, 1920))
    kiosk = make_node("kiosk", "kiosk-mine", dossier_lookup_by_id=True)
    ui = kiosk.open_screen(surface)
    ui.now = lambda: dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)
    wait_until(lambda: kiosk.hub_online)
    ui.scanned(YOUNGER)  # Nguyễn Thị Lan, 038190001234: the applicant of `mine`
    ui.draw(surface)
    # The centre has not allowed it (hub.toml's default): said plainly.
    ui.tap_button("card:dossiers")
    ui.step(surface)
    ui.wait_lookup()
    ui.step(surface)
    assert "chưa cho phép tra cứu hồ sơ bằng thẻ căn cước" in ui.screen.error
    gateway.config.dossiers.lookup_by_id = True
    ui.back()
    ui.step(surface)
    ui.tap_button("card:dossiers")
    ui.step(surface)
    ui.wait_lookup()
    ui.step(surface)
    found = ui.screen.outcome["dossiers"]
    assert [d["code"] for d in found] == [mine["code"]]  # hers only, not Mr Bình's
    assert found[0]["applicant"] == "Nguyễn T** L**" and "id_number" not in found[0]
    assert any(b.name == "feedback_dossier" for b in ui.buttons)
    ui.tap_button("feedback_dossier")
    ui.step(surface)
    assert ui.screen.name == "feedback" and ui.screen.payload()["dossier"] == mine["code"]


def test_the_hub_finds_nothing_for_an_empty_or_malformed_number(store):
    from central.dossiers import queries

    for number in ("", "0381900012", "03819000123x", "%"):
        assert queries.lookup_by_identity(store.db, number) == {"found": False,
                                                                       "dossiers": []}
