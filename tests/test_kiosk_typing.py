"""Vietnamese on the kiosk's keyboard (issue 22): Telex and VNI, the way phones type."""

from __future__ import annotations

import pygame
import pytest

from kiosk.typing_vi import type_key

from .test_kiosk_screens import SIZES, Script, check_golden, replica  # noqa: F401


def typed(keys: str, mode: str) -> str:
    text = ""
    for key in keys:
        text = type_key(text, key, mode)
    return text


# Every tone (ngang, sắc, huyền, hỏi, ngã, nặng), every marked letter (ă â ê ô ơ ư đ),
# and the spellings where the tone's place is decided (hóa, thủy, quý, hoàn, người).
WORDS = [
    ("ddawng kys keets hoon", "d9a8ng ky1 ke6t1 ho6n", "đăng ký kết hôn"),
    ("ma mas maf mar max maj", "ma ma1 ma2 ma3 ma4 ma5", "ma má mà mả mã mạ"),
    ("awn aan eem oon own uwt", "a8n a6n e6m o6n o7n u7t", "ăn ân êm ôn ơn ưt"),
    ("nguwowif", "ngu7o7i2", "người"),
    ("cuwar soor hoj teen", "cu7a3 so63 ho5 te6n", "cửa sổ họ tên"),
    ("thanh hoas", "thanh hoa1", "thanh hóa"),
    ("thuyr quys quyeets", "thuy3 quy1 quye6t1", "thủy quý quyết"),
    ("hoanf giaays chuwngs thuwcj", "hoan2 gia6y1 chu7ng1 thu7c5", "hoàn giấy chứng thực"),
    ("ngax nawngj ddaatj", "nga4 na8ng5 d9a6t5", "ngã nặng đật"),
    ("giaf gif khoais", "gia2 gi2 khoa1i", "già gì khoái"),
    ("nuwowcs ddoongf tieengs vieetj", "nu7o7c1 d9o6ng2 tie6ng1 vie6t5",
     "nước đồng tiếng việt"),
]


@pytest.mark.parametrize("telex,vni,want", WORDS)
def test_telex_and_vni_type_every_tone_and_letter(telex, vni, want):
    assert typed(telex, "telex") == want
    assert typed(vni, "vni") == want


def test_a_mark_typed_twice_comes_back_as_the_key_and_plain_mode_types_as_is():
    assert typed("ass", "telex") == "as"
    assert typed("aaa", "telex") == "aa"
    assert typed("uww", "telex") == "uw"
    assert typed("w", "telex") == "ư"
    assert typed("a66", "vni") == "a6"
    assert typed("ddawng", "plain") == "ddawng"
    # Codes and numbers stay as typed in either mode.
    assert typed("1.001193", "vni") == typed("1.001193", "telex") == "1.001193"
    assert typed("ket hon", "telex") == "ket hon"


def test_a_word_continued_after_a_tone_moves_the_tone_where_it_belongs():
    assert typed("hoaf", "telex") == "hòa"
    assert typed("hoafn", "telex") == "hoàn"  # the n moves the tone to the a


def tap_keys(k, keys):
    for ch in keys:
        k.tap("key: " if ch == " " else f"key:{ch.upper()}")


@pytest.mark.parametrize("orientation", SIZES)
def test_searching_in_telex_finds_the_procedure_accents_or_not(replica, orientation):  # noqa: F811
    k = Script(replica, SIZES[orientation])
    k.ui.go_home()
    k.ui.step(k.surface)
    k.tap("search")
    assert k.ui.input_mode == "telex"
    tap_keys(k, "ddawng kys keets hoon")
    assert k.ui.screen.text == "đăng ký kết hôn"
    names = [b.name for b in k.ui.buttons if b.name.startswith("proc:")]
    assert names[0] == "proc:1.000894"  # Đăng ký kết hôn
    check_golden(k.surface, f"search-telex-{orientation}")
    # VNI, chosen on the keyboard, finds the same; and typing without marks still does.
    k.tap("key:CLEAR")
    k.tap("key:MODE")
    assert k.ui.input_mode == "vni"
    tap_keys(k, "d9a8ng ky1 ke6t1 ho6n")
    assert k.ui.screen.text == "đăng ký kết hôn"
    assert [b.name for b in k.ui.buttons if b.name.startswith("proc:")][0] == "proc:1.000894"
    k.tap("key:CLEAR")
    k.tap("key:MODE")
    assert k.ui.input_mode == "plain"
    tap_keys(k, "dang ky ket hon")
    assert [b.name for b in k.ui.buttons if b.name.startswith("proc:")][0] == "proc:1.000894"
    k.ui.go_attract()
    assert k.ui.input_mode == "telex"  # the next citizen starts as most phones do


def test_feedback_typed_in_telex_is_sent_with_its_diacritics(replica):  # noqa: F811
    k = Script(replica, SIZES["portrait"])
    sent = []
    k.ui.feedback = lambda data: sent.append(data) or {"code": "PA-1", "due_at": None}
    k.ui.go_home()
    k.ui.step(k.surface)
    k.tap("feedback")
    k.tap("topic:waiting")
    tap_keys(k, "chowf quas laau")
    k.tap("field:ticket")
    tap_keys(k, "a012")
    assert not any(b.name == "key:MODE" for b in k.ui.buttons)  # a ticket number is plain
    k.tap("send")
    k.ui.wait_feedback()
    assert sent == [{"kind": "complaint", "topic": "waiting", "text": "chờ quá lâu",
                     "ticket": "A012"}]
    pygame.event.clear()


def test_the_kiosk_tells_a_citizen_asking_for_the_household_book_that_it_ended(
        replica, monkeypatch):  # noqa: F811
    """As /thu-tuc: "so ho khau" typed on the kiosk says the household book ended on
    31/12/2022 and by which law, above the (empty) results."""
    import kiosk.screens

    from .conftest import PROJECT

    drawn = []
    real = kiosk.screens.draw_text

    def recording(surface, font, text, *args, **kwargs):
        drawn.append(text)
        return real(surface, font, text, *args, **kwargs)

    monkeypatch.setattr(kiosk.screens, "draw_text", recording)
    k = Script(replica, SIZES["portrait"])
    k.ui.go_home()
    k.ui.step(k.surface)
    k.tap("search")
    k.tap("key:MODE")
    k.tap("key:MODE")
    assert k.ui.input_mode == "plain"
    drawn.clear()
    tap_keys(k, "so ho khau")
    shown = " ".join(drawn)
    assert "chỉ còn giá trị đến hết ngày 31/12/2022 (khoản 3 Điều 38 Luật Cư trú số " \
           "68/2020/QH14" in shown, shown
    (PROJECT / "tests" / "artifacts").mkdir(exist_ok=True)
    pygame.image.save(k.surface, str(PROJECT / "tests" / "artifacts" / "kiosk-ho-khau.png"))
