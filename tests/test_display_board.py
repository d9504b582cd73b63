"""The hall board as citizens see it: goldens for each layout, drawn from a fixed clock.

``MOTCUA_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_display_board.py`` rewrites
them; look at each PNG before committing.
"""

import datetime as dt
from dataclasses import replace

import pygame
import pytest
from PIL import Image

from display.board import STRIP_CYCLE_SECONDS, BoardRenderer, board_pages
from display.led import LedBoard
from display.model import BoardModel

from . import display_sample as sample
from .golden import check_image


def draw(size, view, now=sample.NOW):
    renderer = BoardRenderer(size)
    surface = pygame.Surface(size)
    renderer.draw(surface, view, now)
    image = Image.frombytes("RGB", size, pygame.image.tobytes(surface, "RGB"))
    return image, renderer.texts


SIZES = [(1920, 1080), (1280, 720), (1080, 1920)]
SIZE_IDS = ["1920x1080", "1280x720", "portrait-1080x1920"]


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_the_board_matches_its_golden_for_each_layout(size):
    image, texts = draw(size, sample.model().view())
    check_image(f"display-board-{size[0]}x{size[1]}.png", image)
    joined = " ".join(texts)
    assert "1023 → Quầy 5" in texts and sample.CENTER_NAME in joined
    # Hours and minutes: the board wakes once a minute for its clock (issue 25).
    assert "10:25" in joined and "10:25:07" not in joined
    if size[1] > size[0]:  # the date only where there is room for it at reading size
        assert "Thứ Sáu, 27/11/2026" in joined
    assert "MẤT KẾT NỐI" not in joined


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("counters", [1, 10, 20, 40])
def test_every_counter_service_and_department_is_shown_whole_and_readable(size, counters):
    """Issue 22: the sample centre's services and departments, 1 to 40 counters, at
    each resolution: every page, nothing cut, nothing under the reading minimum."""
    view = sample.big_hall(counters).view()
    renderer, texts, sizes, cuts = sample.every_page(size, view)
    assert cuts == []
    # The strip goes round every service and department (12 and 19) within
    # STRIP_CYCLE_SECONDS: a citizen finds theirs in about half a minute (docs/display.md).
    page, pages = renderer.pages["strip"]
    assert pages * renderer.page_seconds <= STRIP_CYCLE_SECONDS == 40, (pages, size)
    for text, px, role in sizes:
        assert px >= renderer.min[role], (text, px, role)
    shown = set(texts)
    for c in view.counters:
        assert c["name"] in shown
        if c["status"] == "open":
            assert c["display"] in shown
        else:
            assert "Tạm dừng" in shown
    lines = " ".join(texts)
    for d in view.departments:
        assert d["name"] in lines
    for w in view.waiting:
        assert w["name"] in lines and f"{w['waiting']} người" in lines or \
            f"{w['waiting']:,} người".replace(",", ".") in lines
    # The reading minimum of docs/display.md on a 55-inch screen.
    assert renderer.min == {(1920, 1080): {"far": 81, "near": 51},
                            (1280, 720): {"far": 54, "near": 34},
                            (1080, 1920): {"far": 81, "near": 51}}[size]


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_the_newest_call_shows_the_longest_service_name_whole(size):
    """Seen in the demo: "Nội vụ – Tài chính – Thông tin và Truyền thông" (the older
    sample's longest service name; the longest now is the sample's own) was cut
    beside "N003 → Quầy 20"; the big line gives it room, still readable from 8 m."""
    view = sample.big_hall(20).view()
    longest = max((s["name"] for s in sample.sample_centre()["services"]), key=len)
    for display, counter in (("K979", "Quầy 20"), ("1023", "Quầy 5")):
        newest = dict(view.calls[0], display=display, counter_name=counter,
                      service_name=longest)
        renderer = BoardRenderer(size)
        renderer.draw(pygame.Surface(size), replace(view, calls=(newest, *view.calls[1:]),
                                                    source=0),
                      sample.NOW)
        assert [str(c) for c in renderer.reports] == []
        assert f"{display} → {counter}" in renderer.texts
        for text, px, role in renderer.sizes:
            assert px >= renderer.min[role], (text, px, role)


def test_offline_keeps_the_last_board_under_a_mark():
    image, texts = draw((1280, 720), sample.model(online=False).view())
    check_image("display-board-offline-1280x720.png", image)
    assert any(t.startswith("MẤT KẾT NỐI từ 10:23") for t in texts)
    assert "1023 → Quầy 5" in texts and "A017" in texts


def test_the_newest_call_blinks_for_a_while_then_stays():
    view = sample.model().view()
    lit, _ = draw((1280, 720), view)
    dark, _ = draw((1280, 720), view, sample.NOW + dt.timedelta(seconds=0.5))
    later, texts = draw((1280, 720), view, sample.NOW + dt.timedelta(seconds=60))
    yellow = (255, 214, 0)
    assert lit.getpixel((22, 150)) == yellow and dark.getpixel((22, 150)) != yellow
    assert later.getpixel((22, 150)) != yellow and "1023 → Quầy 5" in texts


def test_a_big_centre_pages_its_counters_and_says_which_page():
    """The sample's twenty counters at 1920×1080: pages of the grid, each marked."""
    view = sample.big_hall(20).view()
    renderer = BoardRenderer((1920, 1080))
    image, texts = draw((1920, 1080), view)
    check_image("display-board-20-counters-1920x1080.png", image)
    renderer.draw(pygame.Surface((1920, 1080)), view, sample.NOW)
    page, pages = renderer.pages["counters"]
    assert pages > 1 and f"Trang {page + 1}/{pages}" in renderer.texts


def test_the_strip_goes_through_every_department_in_turn():
    view = sample.big_hall(20).view()
    renderer = BoardRenderer((1920, 1080))
    seen = []
    for turn in range(board_pages(renderer, view)):
        renderer.draw(pygame.Surface((1920, 1080)), view,
                      sample.NOW + dt.timedelta(seconds=turn * renderer.page_seconds))
        seen.append([d["name"] for d in view.departments
                     if d["name"] in " ".join(renderer.texts)])
    assert {name for names in seen for name in names} == {d["name"] for d in view.departments}
    # Not the same ones every time: the sample's 15 departments (the 2025 restructuring left
    # 15 of 19) take three different pages.
    assert len({tuple(names) for names in seen if names}) >= 3


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_the_strip_leaves_out_services_with_nobody_waiting_unless_one_is_being_called(size):
    """An empty row is read for nothing: the strip shows the services where people wait,
    and a service with nobody waiting only while a counter calls one of its numbers."""
    view = sample.big_hall(20).view()
    # Names found nowhere else on the board; every other service has nobody waiting.
    waiting = tuple(dict(w, name=f"Dịch vụ thử {i:02d}", waiting=0 if i % 2 else w["waiting"])
                    for i, w in enumerate(view.waiting))
    empty = {w["name"] for w in waiting if not w["waiting"]}
    called = "Dịch vụ thử 01"
    # Two calls: the newest served already, the one before still being called.
    calls = (dict(view.calls[0], status="serving"),
             dict(view.calls[1], service_name=called, status="called"))
    view = replace(view, calls=calls, waiting=waiting, source=0)
    renderer, texts, _, cuts = sample.every_page(size, view)
    assert cuts == []
    lines = " ".join(texts)
    for w in waiting:
        assert (w["name"] in lines) == (w["name"] not in empty or w["name"] == called), \
            w["name"]
    assert "0 người" in texts  # the one being called
    page, pages = renderer.pages["strip"]
    assert pages * renderer.page_seconds <= STRIP_CYCLE_SECONDS
    # Nobody waiting anywhere, nobody being called: one row says so.
    view = replace(view, calls=calls[:1], source=0,
                   waiting=tuple(dict(w, waiting=0) for w in waiting))
    _, texts, _, cuts = sample.every_page(size, view)
    assert cuts == [] and "Hiện không có ai đang chờ" in texts
    assert "Dịch vụ thử" not in " ".join(texts)


def test_each_department_shows_its_on_time_share_and_overdue_count():
    _, texts, _, _ = sample.every_page((1920, 1080), sample.model().view())
    joined = " | ".join(texts)
    assert "HỒ SƠ GIẢI QUYẾT ĐÚNG HẠN — Năm 2026" in texts
    for name, shown, overdue in [("Sở Tư pháp", "98%", 0), ("Sở Nông nghiệp và Môi trường",
                                                           "74%", 17)]:
        assert name in joined and shown in texts and f"đang quá hạn: {overdue}" in texts
    # Nothing resolved yet: a dash, never "0%" nor "100%".
    assert "—" in texts and "0%" not in texts and "100%" not in texts


def test_nothing_resolved_reads_as_a_dash_in_one_wording_everywhere():
    from motcua import wording

    assert wording.on_time_share(None) == "—"
    assert wording.on_time_share(0.0, resolved=0) == "—"
    assert wording.on_time_share(0.0, resolved=12) == "0%"
    assert wording.overdue_in_progress(1234) == "đang quá hạn: 1.234"
    led = LedBoard(128, 32)
    led.strip(sample.model().view(), sample.NOW)
    assert "Sở Văn hóa, Thể thao và Du lịch: đúng hạn —, đang quá hạn: 0" in led.text


def test_a_sunday_reads_the_same_on_the_board_the_kiosk_and_the_booking_page():
    """One list of weekday names (motcua.wording): the board wrote "Chủ Nhật" where
    the kiosk and the pages write "Chủ nhật"."""
    from central.web.appointments import day_name
    from kiosk.booking_screens import day_label

    sunday = dt.datetime(2026, 12, 13, 3, 0, tzinfo=dt.UTC)  # 10:00 in Vietnam
    _, texts = draw((1080, 1920), sample.model().view(), sunday)  # portrait: the date
    assert any("Chủ nhật, 13/12/2026" in t for t in texts), texts
    assert day_label("2026-12-13") == "Chủ nhật 13/12"
    assert day_name(sunday.date()) == "Chủ nhật, 13/12/2026"


def test_an_empty_board_says_so_instead_of_inventing_calls():
    _, texts = draw((1920, 1080), BoardModel("main").view())
    assert "Chưa có số được gọi" in texts and "Chưa có số liệu" in texts


def test_a_text_too_long_for_its_box_is_cut_and_reported():
    renderer = BoardRenderer((1280, 720))
    name = "Trung tâm Phục vụ hành chính công " * 4
    text, px = renderer.fit(name, 40, 500, bold=True, where="tên")
    assert text.endswith("…") and renderer.font(px, True).size(text)[0] <= 500
    assert px == renderer.min["near"]  # shrunk no further than the reading minimum
    assert len(renderer.reports) == 1 and renderer.reports[0].text == name
    # A counter name no screen can hold whole: the frame reports it.
    view = sample.big_hall(3).view()
    long = [dict(c, name="Quầy tiếp nhận và trả kết quả hồ sơ đất đai số 1")
            for c in view.counters]
    renderer = BoardRenderer((1920, 1080))
    renderer.draw(pygame.Surface((1920, 1080)), replace(view, counters=tuple(long), source=0),
                  sample.NOW)
    assert any(c.where == "tên quầy" for c in renderer.reports)


def test_the_led_board_scrolls_the_same_figures_with_vietnamese_letters():
    led = LedBoard(128, 32)
    view = sample.model().view()
    first = led.frame(view, sample.NOW, offset_px=0)
    check_image("display-led-128x32.png", first)
    assert first.size == (128, 32)
    assert led.text.startswith("10:25  •  Mời số 1023 → Quầy 5  •  Đang chờ: 43")
    assert "Sở Nông nghiệp và Môi trường: đúng hạn 74%, đang quá hạn: 17" in led.text
    moved = led.frame(view, sample.NOW, offset_px=40)
    assert moved.crop((0, 0, 88, 32)).tobytes() == \
        first.crop((40, 0, 128, 32)).tobytes()
    # The whole line, rendered once, wraps around: its start follows its end.
    strip = led.strip(view, sample.NOW)
    check_image("display-led-line.png", strip)
    assert led.frame(view, sample.NOW, offset_px=strip.width).tobytes() == first.tobytes()


@pytest.mark.parametrize("rows", [32, 64])
def test_every_mark_stays_inside_the_led_panel(rows):
    """The dot under ạ and the marks over Ậ light no pixel on the panel's edge rows."""
    led = LedBoard(128, rows)
    view = sample.big_hall(20).view()
    strip = led.strip(view, sample.NOW)
    assert led.reports == []
    assert "ạ" in led.text and "Ậ" not in led.text  # the sample's words, marks below
    grey = strip.convert("L")
    for row in (0, rows - 1):
        assert grey.crop((0, row, strip.width, row + 1)).getextrema()[1] == 0, row
    probe = LedBoard(128, rows)
    image = probe.strip(replace(view, departments=({"name": "ẬỖỰ ạ ặ ỵ", "on_time_rate": None,
                                                    "overdue": 0},)), sample.NOW).convert("L")
    for row in (0, rows - 1):
        assert image.crop((0, row, image.width, row + 1)).getextrema()[1] == 0, row


def test_an_led_panel_too_small_to_read_from_the_hall_is_reported():
    led = LedBoard(64, 16)
    led.strip(sample.model().view(), sample.NOW)
    assert led.reports and "under the 13 px read from 8 m" in led.reports[0]


def test_a_screen_shows_the_frame_as_drawn_and_upright_screens_get_it_turned():
    from display.hardware import WindowScreen

    renderer = BoardRenderer((1280, 720))
    frame = pygame.Surface((1280, 720))
    renderer.draw(frame, sample.model().view(), sample.NOW)
    screen = WindowScreen((1280, 720), fullscreen=False)  # SDL's dummy video driver
    try:
        screen.present(frame, changed=True)
        shown = pygame.display.get_surface()
        assert shown.get_size() == (1280, 720)
        assert pygame.image.tobytes(shown, "RGB") == pygame.image.tobytes(frame, "RGB")
        screen.rotate = True  # a landscape panel mounted upright shows the portrait board
        upright = pygame.Surface((720, 1280))
        upright.fill((255, 0, 0), pygame.Rect(0, 0, 720, 10))  # the board's top edge
        screen.present(upright, changed=True)
        assert pygame.display.get_surface().get_at((5, 640))[:3] == (255, 0, 0)
    finally:
        screen.close()


def test_the_readme_shows_the_pictures_docs_pictures_draws_and_they_are_small():
    from .conftest import PROJECT

    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    script = (PROJECT / "docs" / "pictures.py").read_text(encoding="utf-8")
    for name in ("hall-board", "console", "kiosk", "ticket"):
        path = PROJECT / "docs" / "img" / f"{name}.png"
        assert f"(docs/img/{name}.png)" in readme and f'"{name}.png"' in script
        assert path.stat().st_size < 100_000, name


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_a_wait_the_hub_cannot_trust_shows_as_a_range_whole(size):
    """Issue 25: a line whose estimate is uncertain shows its range; it fits as the
    number did, at every resolution."""
    import dataclasses

    view = sample.big_hall(20).view()
    waiting = tuple({**w, "waiting": max(1, w["waiting"]), "estimate_min": 47,
                     "estimate_range": [35, 60]} for w in view.waiting)
    view = dataclasses.replace(view, waiting=waiting)
    renderer, texts, sizes, cuts = sample.every_page(size, view)
    assert cuts == []
    assert "chờ 35–60 phút" in texts
    assert not any("47 phút" in t for t in texts)


# Every size the display is set up for (docs/display.md): the two goldens', a common
# cheap panel's 1366×768, a double screen side by side (3840×1080) and upright.
SUPPORTED = [(1920, 1080), (1366, 768), (1280, 720), (3840, 1080), (1080, 1920)]
SUPPORTED_IDS = ["1920x1080", "1366x768", "1280x720", "3840x1080", "portrait-1080x1920"]


@pytest.mark.parametrize("state", ["midday", "morning", "afternoon"])
@pytest.mark.parametrize("size", SUPPORTED, ids=SUPPORTED_IDS)
def test_no_text_is_cut_or_overlaps_at_any_supported_size(size, state):
    """The sample centre (20 counters, 15 departments) with counters calling, paused
    (plainly and "Tạm nghỉ đến 14:30") and closed, every page and both phases of the
    blinking call: no text cut, off the screen, over another or across a box's edge.
    Seen: at 3840×1080 the tiles were exactly as wide as "Quầy 9" and "—" needed, and
    a paused counter read "Tạm…"."""
    view = sample.hall_states()[state].view()
    renderer = BoardRenderer(size)
    turns = board_pages(renderer, view)
    faults, texts = [], set()
    for turn in range(turns):
        for blink in (0.0, 0.5):
            renderer.draw(pygame.Surface(size), view, sample.NOW + dt.timedelta(
                seconds=turn * renderer.page_seconds + blink))
            faults += sample.layout_faults(renderer)
            texts.update(renderer.texts)
    assert sorted(set(faults)) == []
    for c in view.counters:
        if c["status"] == "closed":
            assert c["name"] not in texts  # left out: citizens look for where to go
            continue
        assert c["name"] in texts
        if c["status"] == "paused":
            assert (c["status_name"] or "Tạm dừng") in texts or "Tạm dừng" in texts
        else:
            assert (c["display"] or "—") in texts
    for d in view.departments:
        assert d["name"] in " ".join(texts)


def test_the_layout_check_sees_overlapping_and_spilling_text():
    """The check above fails on what it claims to find."""
    renderer = BoardRenderer((1280, 720))
    surface = pygame.Surface((1280, 720))
    renderer.box(surface, (0, 0, 0), (100, 100, 200, 60))
    renderer.text(surface, "Quầy 1", 51, (120, 110))
    renderer.text(surface, "Tạm dừng", 51, (150, 115))            # over "Quầy 1"
    renderer.text(surface, "Đóng", 51, (280, 110))                # across the box's right edge
    renderer.text(surface, "10:25", 51, (1270, 10))               # off the screen
    faults = sample.layout_faults(renderer)
    assert any(f.startswith("overlap: 'Quầy 1'") and "'Tạm dừng'" in f for f in faults)
    assert any(f.startswith("across a box's edge: 'Đóng'") for f in faults)
    assert any(f.startswith("off the screen: '10:25'") for f in faults)
