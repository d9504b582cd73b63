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
"""

from __future__ import annotations

import time
from collections.abc import Callable

import cv2
import numpy
from pyzbar import pyzbar

SYMBOLS = [pyzbar.ZBarSymbol.CODE128, pyzbar.ZBarSymbol.QRCODE]
REPEAT_AFTER = 3.0


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
    """Frames through OpenCV, 640×480: a V4L2 camera by index, or a device or video file."""

    def __init__(self, index: int | str = 0, width: int = 640, height: int = 480):
        self.capture = cv2.VideoCapture(index)
        self.capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self.capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)

    @property
    def ok(self) -> bool:
        return bool(self.capture.isOpened())

    def __call__(self) -> numpy.ndarray | None:
        ok, frame = self.capture.read()
        return frame if ok else None

    def close(self) -> None:
        self.capture.release()


class Scanner:
    def __init__(self, source: Callable[[], numpy.ndarray | None],
                 monotonic: Callable[[], float] = time.monotonic):
        self.source = source
        self.monotonic = monotonic
        self._last: dict[str, float] = {}

    def poll(self) -> str | None:
        """Grab one frame; the first new code in it, or ``None``."""
        frame = self.source()
        if frame is None:
            return None
        now = self.monotonic()
        fresh = None
        for text in decode(frame):
            seen = self._last.get(text)
            if (seen is None or now - seen > REPEAT_AFTER) and fresh is None:
                fresh = text
            self._last[text] = now
        return fresh
