"""Vietnamese speech from word clips: the hall's calls and the kiosk's ticket number.

"Xin mời công dân có số thứ tự … đến quầy số …" on the hall display, "Số thứ tự
của bạn là …" on the kiosk (issue 27): both are built offline from word clips,
one WAV file per word or phrase, named by its Vietnamese text (``một.wav``,
``mươi.wav``, ``xin mời công dân có số thứ tự.wav``), so a centre can record a
human voice and drop the files in a folder. Without one, :func:`make_clips`
synthesises the set with espeak-ng's Vietnamese voice and trims each clip's
silence with sox (espeak-ng pads every clip with about half a second)::

    python -m motcua.voice make-clips var/voice --voice vi
    keys = announcement(ticket="1023", counter=5)      # the hall
    keys = your_number("A012")                          # the kiosk
    build_wav(keys, Path("var/voice"), Path("call.wav"))

:class:`Announcer` plays announcements one after another from a queue: they
never overlap and none is dropped. Numbers are read by :mod:`motcua.numbers`.
"""

from __future__ import annotations

import argparse
import logging
import math
import queue
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import unicodedata
import wave
from collections.abc import Callable
from pathlib import Path

from .numbers import DIGITS, word_list

log = logging.getLogger(__name__)

CHIME = "chime"
CALL = "xin mời công dân có số thứ tự"
TO_COUNTER = "đến quầy số"
RECALL = "xin nhắc lại"
YOUR_NUMBER = "số thứ tự của bạn là"  # the kiosk, after a ticket is taken
# How the letters of ticket prefixes are read.
LETTERS = {
    "A": "a", "B": "bê", "C": "xê", "D": "dê", "Đ": "đê", "E": "e", "G": "giê",
    "H": "hát", "I": "i", "K": "ca", "L": "e lờ", "M": "em mờ", "N": "en nờ", "O": "o",
    "P": "pê", "Q": "quy", "R": "e rờ", "S": "ét xì", "T": "tê", "U": "u", "V": "vê",
    "X": "ích xì", "Y": "i dài",
}
NUMBER_WORDS = [*DIGITS, "mười", "mươi", "mốt", "tư", "lăm", "linh", "lẻ", "trăm",
                "nghìn", "ngàn", "triệu"]
SAMPLE_RATE = 22050  # espeak-ng's rate; recorded clips must match it
GAP_SECONDS = 0.08


class VoiceError(Exception):
    """A clip is missing or unusable; the message names it."""


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def ticket_words(ticket: str, zero_tens: str = "linh", thousand: str = "nghìn") -> list[str]:
    """Clip keys for a ticket number as printed: ``"1023"`` or ``"A023"``."""
    ticket = _nfc(ticket.strip().upper())
    letters = ""
    while ticket and not ticket[0].isdigit():
        letters, ticket = letters + ticket[0], ticket[1:]
    if not ticket.isdigit() or any(ch not in LETTERS for ch in letters):
        raise ValueError(f"cannot read ticket number {ticket!r}")
    return [LETTERS[ch] for ch in letters] + word_list(int(ticket), zero_tens, thousand)


def announcement(ticket: str, counter: int | str, recall: bool = False,
                 zero_tens: str = "linh", thousand: str = "nghìn") -> list[str]:
    """The clip keys of one call, chime first.

    >>> announcement("1023", 5)
    ['chime', 'xin mời công dân có số thứ tự', 'một', 'nghìn', 'không', 'trăm', 'hai', \
'mươi', 'ba', 'đến quầy số', 'năm']
    """
    keys = [CHIME]
    if recall:
        keys.append(RECALL)
    keys.append(CALL)
    keys += ticket_words(str(ticket), zero_tens, thousand)
    keys.append(TO_COUNTER)
    keys += ticket_words(str(counter), zero_tens, thousand)
    return keys


def your_number(ticket: str, zero_tens: str = "linh", thousand: str = "nghìn") -> list[str]:
    """The kiosk's words for a ticket just taken, chime first.

    >>> your_number("A012")
    ['chime', 'số thứ tự của bạn là', 'a', 'mười', 'hai']
    """
    return [CHIME, YOUR_NUMBER, *ticket_words(ticket, zero_tens, thousand)]


def all_keys() -> list[str]:
    """Every clip an announcement (the hall's or the kiosk's) may need."""
    return [CALL, TO_COUNTER, RECALL, YOUR_NUMBER, *NUMBER_WORDS,
            *dict.fromkeys(LETTERS.values())]


def clip_path(clips: Path, key: str) -> Path:
    return clips / f"{_nfc(key)}.wav"


def _read(path: Path) -> tuple[wave._wave_params, bytes]:
    try:
        with wave.open(str(path), "rb") as w:
            return w.getparams(), w.readframes(w.getnframes())
    except FileNotFoundError:
        raise VoiceError(f"missing voice clip {path.name!r} in {path.parent}") from None
    except (wave.Error, EOFError) as exc:
        raise VoiceError(f"voice clip {path} is not a usable WAV: {exc}") from None


def build_wav(keys: list[str], clips: Path, out: Path, volume: float = 1.0,
              gap: float = GAP_SECONDS) -> float:
    """Join the clips of ``keys`` into one WAV at ``out``; returns its length in seconds."""
    pieces, params = [], None
    for key in keys:
        p, frames = _read(clip_path(clips, key))
        if (p.nchannels, p.sampwidth, p.framerate) != (1, 2, SAMPLE_RATE):
            raise VoiceError(f"voice clip {key!r}: expected 16-bit mono {SAMPLE_RATE} Hz, got "
                             f"{p.sampwidth * 8}-bit, {p.nchannels} channel(s), {p.framerate} Hz")
        params = p
        pieces.append(frames)
    if params is None:
        raise VoiceError("nothing to announce")
    silence = b"\x00\x00" * int(SAMPLE_RATE * gap)
    audio = silence.join(pieces)
    if volume != 1.0:
        volume = max(0.0, min(volume, 1.0))
        samples = struct.unpack(f"<{len(audio) // 2}h", audio)
        audio = struct.pack(f"<{len(samples)}h", *(int(s * volume) for s in samples))
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(audio)
    return len(audio) / 2 / SAMPLE_RATE


def write_chime(path: Path, seconds: float = 1.2) -> None:
    """A two-tone "ding-dong" (E6 then C6) with a soft decay, 16-bit mono."""
    frames = bytearray()
    half = seconds / 2
    for i in range(int(SAMPLE_RATE * seconds)):
        t = i / SAMPLE_RATE
        freq, start = (1318.5, 0.0) if t < half else (1046.5, half)
        local = t - start
        envelope = math.exp(-4.0 * local) * min(1.0, local * 200)
        value = 0.45 * envelope * (math.sin(2 * math.pi * freq * t)
                                   + 0.3 * math.sin(4 * math.pi * freq * t))
        frames += struct.pack("<h", int(max(-1.0, min(1.0, value)) * 32767))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(bytes(frames))


def make_clips(out: Path, voice: str = "vi", speed: int = 150, overwrite: bool = False) -> int:
    """Synthesise every clip with espeak-ng and trim its silence with sox.

    Existing files are kept unless ``overwrite``, so recorded clips survive.
    Returns how many clips were written.
    """
    for tool, package in (("espeak-ng", "espeak-ng"), ("sox", "sox")):
        if shutil.which(tool) is None:
            raise VoiceError(f"{tool} is not installed: sudo apt-get install {package}")
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    chime = clip_path(out, CHIME)
    if overwrite or not chime.exists():
        write_chime(chime)
        written += 1
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        for key in all_keys():
            target = clip_path(out, key)
            if target.exists() and not overwrite:
                continue
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), key],
                           check=True, capture_output=True)
            # Trim leading and trailing silence (below 1% for 20 ms).
            subprocess.run(["sox", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16",
                            str(target), "silence", "1", "0.02", "1%", "reverse",
                            "silence", "1", "0.02", "1%", "reverse"],
                           check=True, capture_output=True)
            written += 1
    return written


class FilePlayer:
    """Plays into a folder: each announcement is kept as a numbered WAV (fake hardware)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def play(self, wav: Path, seconds: float) -> None:
        self.count += 1
        shutil.copyfile(wav, self.folder / f"announcement-{self.count:04d}.wav")


class PygamePlayer:
    """Plays through the Pi's sound output; blocks until the clip has finished.

    The sound device is open only while there is something to say: an open mixer's
    audio thread feeds the device silence, one buffer at a time, and so wakes the
    node 43 times a second at rest (22,050 Hz, 512-sample buffers; issue 25).
    :meth:`rest` closes it; the next :meth:`play` opens it again."""

    def __init__(self):
        import pygame  # lazy: the shared package needs no pygame; a speaking node has it

        self._pygame = pygame
        self._open()  # a node without a sound device is told at start, not at its first call
        self.rest()

    def _open(self) -> None:
        if not self._pygame.mixer.get_init():
            self._pygame.mixer.init(frequency=SAMPLE_RATE, size=-16, channels=1)

    def rest(self) -> None:
        """Close the sound device till the next clip (nothing queued to say)."""
        if self._pygame.mixer.get_init():
            self._pygame.mixer.quit()

    def play(self, wav: Path, seconds: float) -> None:
        self._open()
        sound = self._pygame.mixer.Sound(str(wav))
        channel = sound.play()
        deadline = seconds + 0.5
        waited = 0.0
        while channel is not None and channel.get_busy() and waited < deadline:
            self._pygame.time.wait(20)
            waited += 0.02


class Announcer:
    """Announcements in order, one at a time, from a queue that never drops.

    ::

        announcer = Announcer(Path("var/voice"), FilePlayer(Path("var/calls")))
        announcer.start()
        announcer.call("1023", 5)
    """

    def __init__(self, clips: Path, player, volume: float = 1.0, zero_tens: str = "linh",
                 thousand: str = "nghìn", on_error: Callable[[Exception], None] | None = None):
        self.clips = clips
        self.player = player
        self.volume = volume
        self.zero_tens = zero_tens
        self.thousand = thousand
        self.on_error = on_error
        self._queue: queue.Queue[list[str] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="announcer", daemon=True)
        self.played = 0

    def start(self) -> Announcer:
        self._thread.start()
        return self

    def call(self, ticket: str, counter: int | str, recall: bool = False) -> None:
        self._queue.put(announcement(ticket, counter, recall, self.zero_tens, self.thousand))

    def say(self, keys: list[str]) -> None:
        """Any announcement's clip keys, e.g. :func:`your_number`'s."""
        self._queue.put(list(keys))

    def wait_idle(self, timeout: float | None = None) -> None:
        self._queue.join()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(5)

    def _work(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            wav = Path(tmp) / "announcement.wav"
            while True:
                keys = self._queue.get()
                try:
                    if keys is None:
                        return
                    seconds = build_wav(keys, self.clips, wav, self.volume)
                    self.player.play(wav, seconds)
                    self.played += 1
                except Exception as exc:  # a bad clip must not silence the hall for good
                    log.exception("announcement failed")
                    if self.on_error:
                        self.on_error(exc)
                finally:
                    if keys is not None and self._queue.empty():
                        self._rest()
                    self._queue.task_done()

    def _rest(self) -> None:
        rest = getattr(self.player, "rest", None)
        if rest is not None:
            try:
                rest()  # nothing more to say: the sound device closes till the next call
            except Exception:
                log.exception("could not close the sound device")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m motcua.voice")
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("make-clips", help="synthesise the word clips with espeak-ng")
    make.add_argument("folder", type=Path)
    make.add_argument("--voice", default="vi", help="vi, vi-vn-x-central or vi-vn-x-south")
    make.add_argument("--speed", type=int, default=150, help="words per minute")
    make.add_argument("--overwrite", action="store_true", help="replace existing clips")
    say = sub.add_parser("say", help="build one announcement into a WAV file")
    say.add_argument("folder", type=Path)
    say.add_argument("ticket")
    say.add_argument("counter")
    say.add_argument("--out", type=Path, default=Path("announcement.wav"))
    args = parser.parse_args(argv)
    try:
        if args.command == "make-clips":
            count = make_clips(args.folder, args.voice, args.speed, args.overwrite)
            print(f"{count} clips written to {args.folder}")
        else:
            seconds = build_wav(announcement(args.ticket, args.counter), args.folder, args.out)
            print(f"{args.out}: {seconds:.1f} s")
    except (VoiceError, ValueError) as exc:
        print(f"motcua.voice: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
