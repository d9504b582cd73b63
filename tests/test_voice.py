"""The hall's voice: which clips, in which order, audible, one call at a time."""

import contextlib
import threading
import time
import wave
from pathlib import Path

import pytest

from motcua import voice
from motcua.voice import Announcer, FilePlayer, VoiceError, announcement, build_wav

from .conftest import wait_until


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    """The espeak-ng Vietnamese clip set, made as provisioning makes it."""
    folder = tmp_path_factory.mktemp("voice")
    assert voice.make_clips(folder) == len(voice.all_keys()) + 1
    return folder


def frames(path):
    with wave.open(str(path), "rb") as w:
        return w.readframes(w.getnframes())


def rms(data: bytes) -> float:
    import array

    samples = array.array("h", data)
    return (sum(s * s for s in samples) / max(1, len(samples))) ** 0.5


def test_a_call_is_chime_phrase_number_phrase_counter():
    assert announcement("1023", 5) == [
        "chime", "xin mời công dân có số thứ tự",
        "một", "nghìn", "không", "trăm", "hai", "mươi", "ba", "đến quầy số", "năm"]
    assert announcement("A015", 12, recall=True) == [
        "chime", "xin nhắc lại", "xin mời công dân có số thứ tự", "a", "mười", "lăm",
        "đến quầy số", "mười", "hai"]
    assert announcement("105", 3, zero_tens="lẻ")[2:5] == ["một", "trăm", "lẻ"]


@pytest.mark.parametrize("bad", ["", "10-2", "W12", "12A"])
def test_unreadable_ticket_numbers_are_refused(bad):
    with pytest.raises(ValueError):
        announcement(bad, 1)


def test_the_wav_is_the_clips_in_order_with_short_gaps(clips, tmp_path):
    keys = announcement("1023", 5)
    out = tmp_path / "call.wav"
    seconds = build_wav(keys, clips, out)
    gap = b"\x00\x00" * int(voice.SAMPLE_RATE * voice.GAP_SECONDS)
    expected = gap.join(frames(voice.clip_path(clips, k)) for k in keys)
    assert frames(out) == expected
    assert 4 < seconds < 12  # a call a citizen can follow, not a lecture
    for key in keys:  # every clip is audible, trimmed of espeak's padding
        clip = frames(voice.clip_path(clips, key))
        assert rms(clip) > 500, key
        assert len(clip) / 2 / voice.SAMPLE_RATE < 3.5, key


def test_volume_scales_the_audio(clips, tmp_path):
    build_wav(["một"], clips, tmp_path / "full.wav")
    build_wav(["một"], clips, tmp_path / "half.wav", volume=0.5)
    assert rms(frames(tmp_path / "half.wav")) == pytest.approx(
        rms(frames(tmp_path / "full.wav")) / 2, rel=0.02)


def test_recorded_clips_are_kept_and_checked(clips, tmp_path):
    own = tmp_path / "recorded"
    own.mkdir()
    with wave.open(str(own / "một.wav"), "wb") as w:  # a human voice, wrong rate
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(b"\x10\x00" * 4410)
    voice.make_clips(own)
    with wave.open(str(own / "một.wav"), "rb") as w:
        assert w.getframerate() == 44100  # not overwritten by the synthetic one
    with pytest.raises(VoiceError, match="'một'.*44100 Hz"):
        build_wav(["một"], own, tmp_path / "x.wav")
    (own / "hai.wav").unlink()
    with pytest.raises(VoiceError, match="missing voice clip 'hai.wav'"):
        build_wav(["hai"], own, tmp_path / "x.wav")


class SlowPlayer:
    """Takes time like a loudspeaker; records when each announcement played."""

    def __init__(self):
        self.spans = []
        self.busy = threading.Lock()

    def play(self, wav, seconds):
        assert self.busy.acquire(blocking=False), "two announcements at once"
        start = time.monotonic()
        time.sleep(0.05)
        self.spans.append((start, time.monotonic(), frames(wav)))
        self.busy.release()


def test_announcements_queue_never_overlap_never_drop(clips):
    player = SlowPlayer()
    announcer = Announcer(clips, player).start()
    for ticket in ["1001", "1002", "1003", "1004", "1005"]:
        announcer.call(ticket, 2)
    announcer.wait_idle()
    announcer.stop()
    assert len(player.spans) == 5
    for (_, end, _), (start, _, _) in zip(player.spans, player.spans[1:], strict=False):
        assert start >= end
    # In the order called: the fourth word clip of each differs (một, hai, ba, …).
    assert len({data for _, _, data in player.spans}) == 5


def test_a_missing_clip_is_reported_and_the_next_call_still_plays(clips, tmp_path):
    errors = []
    out = tmp_path / "calls"
    announcer = Announcer(tmp_path / "empty", FilePlayer(out), on_error=errors.append).start()
    announcer.call("7", 1)
    announcer.wait_idle()
    announcer.clips = clips
    announcer.call("8", 1)
    announcer.wait_idle()
    announcer.stop()
    assert len(errors) == 1 and "missing voice clip" in str(errors[0])
    assert [p.name for p in sorted(out.iterdir())] == ["announcement-0001.wav"]


def test_pygame_plays_through_sdl_dummy_audio(clips, tmp_path):
    player = voice.PygamePlayer()
    seconds = build_wav(["một"], clips, tmp_path / "one.wav")
    player.play(tmp_path / "one.wav", seconds)


def sdl_audio_threads() -> list[str]:
    names = []
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            name = (task / "comm").read_text().strip()
            if name.startswith("SDLAudio"):
                names.append(name)
    return names


def voluntary_switches(threads: list[str]) -> int:
    total = 0
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            if (task / "comm").read_text().strip() in threads:
                status = (task / "status").read_text()
                total += int(status.split("voluntary_ctxt_switches:")[1].split()[0])
    return total


def test_the_sound_device_is_closed_between_announcements(clips):
    """Issue 25: an open mixer's audio thread wakes the node 43 times a second
    feeding the device silence; it is open only while there is something to say."""
    import pygame

    if pygame.mixer.get_init():
        pygame.mixer.quit()
    # What an open, silent device costs (the floor of this test's claim).
    pygame.mixer.init(frequency=voice.SAMPLE_RATE, size=-16, channels=1)
    wait_until(sdl_audio_threads, timeout=5)
    threads = sdl_audio_threads()
    before = voluntary_switches(threads)
    time.sleep(1.0)
    assert voluntary_switches(threads) - before >= 20, "an open mixer should wake often"
    pygame.mixer.quit()
    player = voice.PygamePlayer()
    assert not pygame.mixer.get_init() and sdl_audio_threads() == []  # checked, closed
    announcer = Announcer(clips, player).start()
    try:
        for word in ("một", "hai"):
            announcer.say([word])  # short clips: the test plays them in real time
        # Saying it: the device open.
        wait_until(lambda: pygame.mixer.get_init() and sdl_audio_threads(), timeout=5)
        announcer.wait_idle()
        assert announcer.played == 2
        assert not pygame.mixer.get_init() and sdl_audio_threads() == []
        announcer.say(["ba"])  # opened again for the next one
        announcer.wait_idle()
        assert announcer.played == 3 and not pygame.mixer.get_init()
    finally:
        announcer.stop()
