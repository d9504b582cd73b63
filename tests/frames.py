"""Generated camera frames of appointment receipts' codes, as a 640×480 webcam sees them."""

from __future__ import annotations

import io
import time

import barcode
import cv2
import numpy
import qrcode
from barcode.writer import ImageWriter
from PIL import Image

WIDTH, HEIGHT = 640, 480


def code128_image(text: str) -> numpy.ndarray:
    """A Code128 symbol (grey), 2 pixels per module like a receipt held close."""
    buffer = io.BytesIO()
    barcode.get("code128", text, writer=ImageWriter()).write(
        buffer, {"module_width": 0.2, "module_height": 10.0, "quiet_zone": 2.0,
                 "write_text": False, "dpi": 254})
    return numpy.array(Image.open(buffer).convert("L"))


def qr_image(text: str) -> numpy.ndarray:
    qr = qrcode.QRCode(border=4, box_size=6)
    qr.add_data(text)
    return numpy.array(qr.make_image().convert("L"))


def frame(symbol: numpy.ndarray, *, angle: float = 0.0, blur: int = 0, noise: float = 0.0,
          seed: int = 7, background: int = 200) -> numpy.ndarray:
    """The symbol on a paper-grey background, rotated, blurred and noisy, as BGR 640×480."""
    canvas = numpy.full((HEIGHT, WIDTH), background, numpy.uint8)
    h, w = symbol.shape
    scale = min(1.0, (WIDTH - 16) / w, (HEIGHT - 16) / h)
    if scale < 1.0:
        symbol = cv2.resize(symbol, (int(w * scale), int(h * scale)),
                            interpolation=cv2.INTER_AREA)
        h, w = symbol.shape
    y, x = (HEIGHT - h) // 2, (WIDTH - w) // 2
    canvas[y:y + h, x:x + w] = symbol
    if angle:
        matrix = cv2.getRotationMatrix2D((WIDTH / 2, HEIGHT / 2), angle, 1.0)
        canvas = cv2.warpAffine(canvas, matrix, (WIDTH, HEIGHT), borderValue=background)
    if blur:
        canvas = cv2.GaussianBlur(canvas, (blur, blur), 0)
    if noise:
        rng = numpy.random.default_rng(seed)
        canvas = numpy.clip(canvas + rng.normal(0, noise, canvas.shape), 0, 255)
        canvas = canvas.astype(numpy.uint8)
    return cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR)


def loop_frames(kiosk, frames: int) -> None:
    """The kiosk's loop round ``frames`` times, each when its camera is due (every
    0.1 s while the view changes: kiosk/scanner.py), as ``Node.run`` would."""
    for _ in range(frames):
        time.sleep(kiosk.scanner.due_in())
        kiosk.loop_once()


class FakeCamera:
    """A camera looking at the kiosk's scan window, for a kiosk's frame source: each
    read gives the scene as it is now (empty, or ``shown``), with fresh sensor noise
    (a few noisy frames made once, in turn: making noise per read would cost more
    than the kiosk), and counts the reads."""

    def __init__(self, noise: float = 3.0, copies: int = 4):
        blank = numpy.full((1, 1), 200, numpy.uint8)  # the paper-grey background only
        self.empty = [frame(blank, noise=noise, seed=i) for i in range(copies)]
        self.noise, self.copies = noise, copies
        self.scene = self.empty
        self.reads = 0

    def show(self, symbol: numpy.ndarray, **look) -> float:
        """A code held up to the camera (``look``: :func:`frame`'s angle, blur); the
        ``time.perf_counter()`` from which the camera sees it."""
        scene = [frame(symbol, noise=self.noise, seed=100 + i, **look)
                 for i in range(self.copies)]
        self.scene = scene
        return time.perf_counter()

    def hide(self) -> None:
        self.scene = self.empty

    def __call__(self) -> numpy.ndarray:
        self.reads += 1
        return self.scene[self.reads % len(self.scene)]
