"""The kiosk for everyone (issue 27): large text and high contrast from every screen,
nothing cut when they are on, and the ticket number spoken aloud."""

from __future__ import annotations

import datetime as dt
import wave

import numpy
import pygame
import pytest
from pyzbar import pyzbar

from kiosk import widgets
from kiosk.ui import HIGH_CONTRAST_BG, HIGH_CONTRAST_INK

from .conftest import wait_until
from .test_kiosk_idcard import ELDER
from .test_kiosk_screens import (  # noqa: F401 (replica is a fixture)
    SERVICES,
    SIZES,
    Script,
    check_golden,
    replica,
    ticket_taker,
)
from .test_voice import clips  # noqa: F401

# High contrast changes colours, never the layout: "both" covers it with large text.
VIEWS = {"plain": (False, False), "both": (True, True)}


def every_screen(k):
    """Walk through every kind of screen, yielding its name once it is drawn."""
    ui = k.ui
    yield "attract"
    k.ui.go_home()
    k.ui.step(k.surface)
    yield "home"
    k.tap("tile:STP")
    yield "fields"
    k.tap("tile:Hộ tịch")
    yield "list"
    k.tap("proc:1.001193")
    yield "procedure"
    k.tap("ticket_for_procedure")
    yield "ticket_services"
    k.tap("service:ho-tich")
    ui.wait_ticket()
    ui.step(k.surface)
    yield "ticket_result"
    k.tap("home")
    k.tap("search")
    for ch in "KET HON":
        k.tap(f"key:{' ' if ch == ' ' else ch}")
    yield "search"
    k.tap("home")
    k.tap("dossier")
    yield "dossier"
    for ch in "000.00.14.H56-261120-0118":
        k.tap(f"key:{ch}")
    k.tap("lookup")
    ui.wait_lookup()
    ui.step(k.surface)
    yield "dossier_result"
    k.tap("feedback_dossier")
    yield "feedback"
    ui.scanned(ELDER)
    ui.step(k.surface)
    k.tap("home")
    ui.scanned(ELDER)
    ui.step(k.surface)
    yield "idcard"
    ui.scanned("https://example.com/khuyen-mai")
    ui.step(k.surface)
    yield "scan_problem"


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("orientation", SIZES)
def test_every_screen_offers_both_views_and_cuts_nothing_in_them(replica, orientation,  # noqa: F811
                                                                  view):
    k = Script(replica, SIZES[orientation])
    k.ui.services = lambda: SERVICES
    k.ui.take_ticket = ticket_taker(on_paper=False)
    k.ui.now = lambda: dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)
    large, contrast = VIEWS[view]
    seen = []
    for name in every_screen(k):
        assert k.ui.screen.name == name
        names = {b.name for b in k.ui.buttons}
        assert {"view:large", "view:contrast"} <= names, (name, sorted(names))
        if (k.ui.large_text, k.ui.high_contrast) != (large, contrast):
            widgets.OVERFLOWS.clear()
            if k.ui.large_text != large:
                k.tap("view:large")
            if k.ui.high_contrast != contrast:
                k.tap("view:contrast")
        widgets.OVERFLOWS.clear()
        k.ui.draw(k.surface)
        assert widgets.OVERFLOWS == [], (name, widgets.OVERFLOWS)
        k.targets_are_large_enough()
        seen.append(name)
    assert len(seen) == 13
    k.ui.go_attract()
    assert (k.ui.large_text, k.ui.high_contrast) == (False, False)  # the next citizen's own


def test_high_contrast_is_two_colours_and_the_qr_code_still_reads(replica):  # noqa: F811
    k = Script(replica, SIZES["portrait"])
    k.ui.services = lambda: SERVICES
    k.ui.take_ticket = ticket_taker(on_paper=False)
    k.ui.go_home()
    k.ui.step(k.surface)
    k.tap("view:contrast")
    k.tap("tickets")
    k.tap("service:ho-tich")
    k.ui.wait_ticket()
    k.ui.step(k.surface)
    pixels = pygame.surfarray.array3d(k.surface).transpose(1, 0, 2)
    outside = numpy.ones(pixels.shape[:2], bool)
    for r in k.ui.keep_rects:
        outside[r.top:r.bottom, r.left:r.right] = False
    colours = {tuple(c) for c in pixels[outside].reshape(-1, 3)}
    assert colours == {HIGH_CONTRAST_INK, HIGH_CONTRAST_BG}
    found = [s.data.decode() for s in pyzbar.decode(pixels.mean(axis=2).astype("uint8"))]
    assert found == ["http://hub.test/t/0123456789abcdef"]
    check_golden(k.surface, "ticket-screen-contrast-portrait")


def test_large_text_is_larger(replica):  # noqa: F811
    k = Script(replica, SIZES["portrait"])
    k.ui.go_home()
    k.ui.step(k.surface)
    k.tap("tile:STP")
    k.tap("tile:Hộ tịch")
    k.tap("proc:1.001193")
    normal = k.ui.content_height
    k.tap("view:large")
    assert k.ui.content_height > normal * 1.25  # the same page, every line 1.3 × taller
    assert k.ui.fonts.get(40).get_height() > pygame.font.Font(
        widgets.font_path("regular"), 40).get_height() * 1.25
    check_golden(k.surface, "procedure-large-portrait")


def test_the_ticket_number_is_spoken_on_a_kiosk_with_sound(queue_hub, make_node, tmp_path,
                                                           clips):  # noqa: F811
    from motcua import voice

    sound = tmp_path / "sound"
    kiosk = make_node("kiosk", "kiosk-voice",
                      voice={"enabled": True, "clips": str(clips), "wav_dir": str(sound)})
    surface = pygame.Surface((1080, 1920))
    ui = kiosk.open_screen(surface)
    wait_until(lambda: kiosk.hub_online and kiosk.issuer.outbox.remaining("ho-tich") > 0,
               timeout=10)
    ui.go_home()
    ui.step(surface)
    ui.tap_button("tickets")
    ui.step(surface)
    ui.tap_button("service:ho-tich")
    ui.step(surface)
    ui.wait_ticket()
    ui.step(surface)
    assert ui.screen.printed.display == "A001"
    kiosk.announcer.wait_idle()
    spoken = sorted(sound.glob("*.wav"))
    assert len(spoken) == 1
    expected = tmp_path / "expected.wav"
    voice.build_wav(voice.your_number("A001"), clips, expected)
    with wave.open(str(spoken[0])) as got, wave.open(str(expected)) as want:
        assert got.readframes(got.getnframes()) == want.readframes(want.getnframes())
    assert voice.your_number("A001") == ["chime", "số thứ tự của bạn là", "a", "một"]
