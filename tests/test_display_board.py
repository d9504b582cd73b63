"""The hall board as citizens see it: goldens for each layout, drawn from a fixed clock.

``MOTCUA_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_display_board.py`` rewrites
them; look at each PNG before committing.
"""

import datetime as dt

import pygame
import pytest
from PIL import Image

from display.board import BoardRenderer
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


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720), (1080, 1920)],
                         ids=["1920x1080", "1280x720", "portrait-1080x1920"])
def test_the_board_matches_its_golden_for_each_layout(size):
    image, texts = draw(size, sample.model().view())
    check_image(f"display-board-{size[0]}x{size[1]}.png", image)
    assert "1023 → Quầy 5" in texts and sample.CENTER_NAME in texts
    assert "10:25:07" in " ".join(texts) and "Thứ Sáu, 27/11/2026" in " ".join(texts)
    assert "MẤT KẾT NỐI" not in " ".join(texts)


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


def test_each_department_shows_its_on_time_share_and_overdue_count():
    _, texts = draw((1920, 1080), sample.model().view())
    joined = " | ".join(texts)
    assert "HỒ SƠ GIẢI QUYẾT ĐÚNG HẠN — Năm 2026" in texts
    for name, shown, overdue in [("Sở Tư pháp", "98%", 0), ("Sở Tài nguyên và Môi trường",
                                                           "74%", 17)]:
        assert name in joined and shown in texts and f"quá hạn: {overdue}" in texts
    assert "—" in texts  # a department with nothing resolved yet has no rate


def test_an_empty_board_says_so_instead_of_inventing_calls():
    _, texts = draw((1920, 1080), BoardModel("main").view())
    assert "Chưa có số được gọi" in texts and "Chưa có số liệu" in texts


def test_long_names_are_shrunk_or_cut_never_drawn_past_their_box():
    renderer = BoardRenderer((1280, 720))
    name = "Trung tâm Phục vụ hành chính công " * 4
    text, px = renderer.fit(name, 40, 500, bold=True)
    assert text.endswith("…") and renderer.font(px, True).size(text)[0] <= 500


def test_the_led_board_scrolls_the_same_figures_with_vietnamese_letters():
    led = LedBoard(128, 32)
    view = sample.model().view()
    first = led.frame(view, sample.NOW, offset_px=0)
    check_image("display-led-128x32.png", first)
    assert first.size == (128, 32)
    assert led.text.startswith("10:25  •  Mời số 1023 → Quầy 5  •  Đang chờ: 43")
    assert "Sở Tài nguyên và Môi trường: đúng hạn 74%, quá hạn 17" in led.text
    moved = led.frame(view, sample.NOW, offset_px=40)
    assert moved.crop((0, 0, 88, 32)).tobytes() == \
        first.crop((40, 0, 128, 32)).tobytes()
    # The whole line, rendered once, wraps around: its start follows its end.
    strip = led.strip(view, sample.NOW)
    check_image("display-led-line.png", strip)
    assert led.frame(view, sample.NOW, offset_px=strip.width).tobytes() == first.tobytes()


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
