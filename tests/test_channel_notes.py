"""A procedure's channel notes reach the citizen with the time limit they qualify.

Thanh Hóa's 1.115520 (first land certificate, commune level) says 13 working days, and
in its channel note "not more than 23 working days" in mountain and hardship communes:
a citizen of such a commune must read that on the public page and at the kiosk, not
only the 13. A note is shown only where the time limit is confirmed, and a note that
calls itself unchecked is a remark for staff.
"""

from __future__ import annotations

import pygame
import pytest

from central import catalog
from kiosk import widgets
from kiosk.widgets import wrap
from motcua.public_terms import channel_notes, public_details

from .conftest import PROJECT
from .test_kiosk_screens import SIZES, Script, replica  # noqa: F401 (replica is a fixture)
from .test_pages_phone_width import WIDE

ARTIFACTS = PROJECT / "tests" / "artifacts"
HARDSHIP = "không quá 23 ngày làm việc"
DECISION = {"number": "2252/QĐ-VP", "date": "2026-07-02", "issuer": "VP UBND tỉnh"}


def record(note, post_note=None, unconfirmed=()):
    post = post_note if post_note is not None else f"{note}; cộng thời gian chuyển phát"
    return {"decision": DECISION, "unconfirmed": list(unconfirmed), "channels": [
        {"channel": "in_person", "time_limit": 13, "unit": "working_days", "note": note},
        {"channel": "online", "time_limit": 13, "unit": "working_days", "note": note},
        {"channel": "post", "time_limit": 13, "unit": "working_days", "note": post}]}


def test_a_note_said_on_every_channel_is_said_once_and_the_posts_ending_on_its_row():
    general, own = channel_notes(record(f"Xã miền núi: {HARDSHIP}"))
    assert general == f"Xã miền núi: {HARDSHIP}"
    assert own == {"post": "cộng thời gian chuyển phát"}
    general, own = channel_notes(record("Nhận sau 15 giờ: trả ngày làm việc tiếp theo",
                                        post_note="Gửi qua bưu điện: cấp ngay"))
    assert general == "" and own == {
        "in_person": "Nhận sau 15 giờ: trả ngày làm việc tiếp theo",
        "online": "Nhận sau 15 giờ: trả ngày làm việc tiếp theo",
        "post": "Gửi qua bưu điện: cấp ngay"}


@pytest.mark.parametrize("details", [
    record(f"Xã miền núi: {HARDSHIP}", unconfirmed=["time_limit"]),
    {**record(f"Xã miền núi: {HARDSHIP}"), "decision": {}},          # no decision at all
    record("Luật giao cấp huyện (Điều 35); cấp giải quyết từ 01/07/2025 chưa đối chiếu"),
    record("Chưa xác nhận. Cơ sở dữ liệu quốc gia ghi 15 ngày làm việc"),
])
def test_no_note_without_a_confirmed_time_limit_nor_one_that_says_it_is_unchecked(details):
    assert channel_notes(details) == ("", {})
    assert all("note" not in c for c in public_details(details)["channels"])


@pytest.fixture
def sample(store):
    catalog.load_sample(store, "admin")


def test_the_public_page_says_the_longer_time_limit_of_mountain_communes(client, sample):
    page = client.get("/thu-tuc/1.115520").get_data(as_text=True)
    assert '<p id="time-note"><strong>Lưu ý:</strong>' in page
    assert "xã miền núi" in page and HARDSHIP in page
    assert '<span class="hint channel-note">Cộng thời gian chuyển phát</span>' in page
    # The sample's unconfirmed records show no note (nor anything else of the time limit).
    page = client.get("/thu-tuc/1.004494").get_data(as_text=True)
    assert "time-note" not in page and "channel-note" not in page


@pytest.mark.parametrize("view", ["plain", "large"])
@pytest.mark.parametrize("orientation", SIZES)
def test_the_kiosk_says_it_in_full_and_cuts_nothing(replica, orientation, view):  # noqa: F811
    k = Script(replica, SIZES[orientation])
    if view == "large":
        k.tap("view:large")
    k.ui.open_procedure("1.115520")
    k.ui.step(k.surface)
    screen = k.ui.screen
    blocks = screen.blocks()
    items = [t for kind, t in blocks if kind == "item"]
    note = [t for t in items if t.startswith("Lưu ý: ")]
    assert len(note) == 1 and HARDSHIP in note[0] and "xã miền núi" in note[0]
    assert any(t.startswith("Qua bưu chính: 13 ngày làm việc (cộng thời gian chuyển phát)")
               for t in items)
    # Every line of it fits the page it is drawn in (a word too wide would be cut): an
    # item is drawn from u(36) in a text width of the page's width - u(40).
    width = screen._page.get_width() - k.ui.u(40)
    font = k.ui.fonts.get(k.ui.u(36))
    for line in wrap(font, note[0], width):
        assert k.ui.u(36) + font.size(line)[0] <= screen._page.get_width(), line
    ARTIFACTS.mkdir(exist_ok=True)
    widgets.OVERFLOWS.clear()
    for step in range(12):   # scroll to the note, and past it
        k.ui.draw(k.surface)
        assert widgets.OVERFLOWS == [], widgets.OVERFLOWS
        if step == 2:
            pygame.image.save(k.surface, str(ARTIFACTS / f"channel-note-{orientation}-{view}.png"))
        k.ui.tap_button("down")
        k.ui.step(k.surface)


@pytest.mark.browser
@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)])
def test_the_public_page_shows_the_note_whole_at_desk_and_phone_width(browser, live_server,
                                                                      sample, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{live_server}/thu-tuc/1.115520")
    note = page.locator("#time-note")
    assert note.is_visible() and HARDSHIP in note.inner_text()
    seen = page.evaluate(WIDE)
    assert seen["page"] <= seen["view"] + 1, seen
    # The note is below the table, not over it, and inside the page's width.
    table = page.locator("main table").first.bounding_box()
    box = note.bounding_box()
    assert box["y"] >= table["y"] + table["height"] - 1
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"channel-note-page-{width}.png"), full_page=True)
    page.close()
