"""Reading the appointment receipt's barcode from camera frames.

Frames come from an injectable *frame source*: any callable returning a BGR or
grey numpy image (or ``None`` when no frame is ready). On a Pi it is
:class:`Camera` (OpenCV's ``VideoCapture``); tests pass generated frames.
Decoding is pyzbar restricted to Code128 and QR, the two symbologies the
receipt carries, which halves the time per frame::

    scanner = Scanner(Camera(0))
    code = scanner.poll()        # '000.00.14.H56-200203-0118' or None

The same code seen in consecutive frames is reported once, until it has left
the camera's view for :data:`REPEAT_AFTER` seconds.

At rest the camera costs next to nothing: as a presentation scanner's "object
detection" wakes its decoder only when something enters its view, the scanner
takes one frame every :data:`REST_S` seconds and only compares an 80×60
thumbnail of it with the last one (well under a millisecond); pyzbar (about 21 ms
a frame here) runs only while the view is changing, and for :data:`HOLD_S`
seconds after, one frame every :data:`ACTIVE_S` seconds as before. A card is
moving when it is shown, so the frame that sees it arrive is decoded at once: a
code is read within about :data:`REST_S` plus one decode of being shown. The
ID card is scanned on any screen (issue 27), so the camera cannot simply stop
outside a "scan" screen. :meth:`Scanner.due_in` says when the next frame is
wanted; the kiosk sleeps till then (``kiosk.node``).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable

import cv2
import numpy
from pyzbar import pyzbar

SYMBOLS = [pyzbar.ZBarSymbol.CODE128, pyzbar.ZBarSymbol.QRCODE]
REPEAT_AFTER = 3.0
REST_S = 0.5     # nothing moving: a frame this often, compared, not decoded
ACTIVE_S = 0.1   # something in view: a frame this often, decoded (the rate before)
HOLD_S = 5.0     # decoding goes on this long after the view last changed
THUMB = (80, 60)     # the thumbnail compared: each pixel the mean of 8×8 of 640×480
CHANGED_LEVEL = 24   # a thumbnail pixel this much brighter or darker has changed
                     # (sensor noise averages to under 1 level over 64 pixels)
CHANGED_SHARE = 0.01  # the view changed when this share of the thumbnail did: a
                      # card's QR at 2 pixels a module is 4% of it, a hand more


def decode(frame: numpy.ndarray) -> list[str]:
    """Every Code128 or QR text in one frame (BGR or grey), in reading order."""
    grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    found = pyzbar.decode(grey, symbols=SYMBOLS)
    texts = []
    for symbol in found:
        try:
            text = _undo_zbar_guess(symbol.data.decode("utf-8")).strip()
        except UnicodeDecodeError:
            continue
        if text and text not in texts:
            texts.append(text)
    return texts


def thumbnail(frame: numpy.ndarray) -> numpy.ndarray:
    """The frame, grey, shrunk to :data:`THUMB` by averaging (noise averages out)."""
    small = cv2.resize(frame, THUMB, interpolation=cv2.INTER_AREA)
    return small if small.ndim == 2 else cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)


def changed(before: numpy.ndarray, after: numpy.ndarray) -> bool:
    """Whether something entered, left or moved in the view between two thumbnails."""
    moved = cv2.absdiff(before, after) > CHANGED_LEVEL
    return int(moved.sum()) >= CHANGED_SHARE * moved.size


def _undo_zbar_guess(text: str) -> str:
    """The QR's UTF-8 text, where zbar took its bytes for Shift JIS.

    A QR code's byte mode carries no encoding; zbar guesses, and reads the
    UTF-8 of an ID card ("Lê Văn Bình") as Shift JIS ("Lﾃｪ Vﾄハ Bﾃｬnh").
    Turned back into those bytes, it is UTF-8 again; ASCII is left as it is.
    """
    if text.isascii():
        return text
    for guess in ("shift_jis", "cp932"):
        try:
            return text.encode(guess).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return text


class Camera:
    """Frames through OpenCV, 640×480: a V4L2 camera by index, or a device or video file.

    A camera streams on while the scanner reads a frame now and then, and V4L2
    keeps the frames nobody took in its buffers (OpenCV asks for four): read at
    :data:`REST_S`, the frame handed over would be seconds old. So a live camera
    keeps one buffer, and a read after a pause drops that (old) frame and waits
    for the next, at most one frame time (33 ms at 30 frames a second).
    """

    def __init__(self, index: int | str = 0, width: int = 640, height: int = 480,
                 monotonic: Callable[[], float] = time.monotonic):
        self.capture = cv2.VideoCapture(index)
        self.capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self.capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        # A recorded video is not live: every frame of it is the next one.
        self.live = not (isinstance(index, str) and os.path.isfile(index))
        if self.live:
            self.capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self.monotonic = monotonic
        self._read_at = -math.inf

    @property
    def ok(self) -> bool:
        return bool(self.capture.isOpened())

    def __call__(self) -> numpy.ndarray | None:
        if self.live and self.monotonic() - self._read_at > 1.5 * ACTIVE_S:
            self.capture.grab()  # the frame kept since the last read: stale
        ok, frame = self.capture.read()
        self._read_at = self.monotonic()
        return frame if ok else None

    def close(self) -> None:
        self.capture.release()


class Scanner:
    def __init__(self, source: Callable[[], numpy.ndarray | None],
                 monotonic: Callable[[], float] = time.monotonic):
        self.source = source
        self.monotonic = monotonic
        self._last: dict[str, float] = {}
        self._thumb: numpy.ndarray | None = None
        self._read_at: float | None = None
        self._decode_until = -math.inf  # (the first frame is decoded: no thumbnail yet)
        self._in_view: list[str] = []  # the codes in the last frame decoded
        self.frames = self.decoded = 0  # read and decoded so far (tests, bench/nodes.py)

    @property
    def decoding(self) -> bool:
        """Whether the view changed lately, so each frame is decoded."""
        return self.monotonic() < self._decode_until

    def due_in(self) -> float:
        """Seconds until the next frame is wanted (0: now)."""
        if self._read_at is None:
            return 0.0
        every = ACTIVE_S if self.decoding else REST_S
        return max(0.0, self._read_at + every - self.monotonic())

    def poll(self) -> str | None:
        """Read one frame; the first new code in it, or ``None``. Decoded only while
        the view changes (:data:`HOLD_S`); the kiosk calls it when :meth:`due_in`."""
        frame = self.source()
        now = self._read_at = self.monotonic()
        if frame is None:
            return None
        self.frames += 1
        thumb = thumbnail(frame)
        if self._thumb is None or changed(self._thumb, thumb):
            self._decode_until = now + HOLD_S
        self._thumb = thumb
        if now >= self._decode_until:
            for text in self._in_view:  # a still view: what was in it still is
                self._last[text] = now
            return None
        self.decoded += 1
        fresh = None
        self._in_view = decode(frame)
        for text in self._in_view:
            seen = self._last.get(text)
            if (seen is None or now - seen > REPEAT_AFTER) and fresh is None:
                fresh = text
            self._last[text] = now
        return fresh
