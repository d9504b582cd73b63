"""The display's hardware, behind one injection point: :func:`open_hardware`.

On the Pi: the board full screen through SDL (KMS/DRM, no desktop needed), the
voice through pygame's mixer, and the LED matrix through rpi-rgb-led-matrix's
Python binding (``rgbmatrix``, built and installed by provisioning on the Pi
only; imported here and nowhere else, and only when the LED board is on).

With fake hardware (``simulate = true`` or ``motcua display --fake-hardware``):
a window when a screen is there, otherwise each new board picture written to a
PNG file in ``frames_dir``; the voice as WAV files (:class:`~motcua.voice.FilePlayer`);
the LED frames as PNG files too. Tests pass their own :class:`Hardware`.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pygame
from PIL import Image

from motcua.input_devices import KeyWatch
from motcua.screen_wait import open_for as open_screen_wait
from motcua.screen_wait import reads_input_devices
from motcua.voice import FilePlayer, PygamePlayer

log = logging.getLogger(__name__)


class ImageScreen:
    """No screen: each new picture of the board saved as a PNG (and ``latest.png``).

    Only frames whose content changed are written (not the blinking or the
    clock), at most ``max_per_second``, and only the last ``keep`` are kept.
    A writer thread compresses them, so the frame loop never waits on the disk.
    """

    def __init__(self, folder: Path, keep: int = 100, max_per_second: float = 2.0):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.keep = keep
        self.min_interval = 1.0 / max_per_second
        self.count = 0
        self._last = 0.0
        self._pending = False
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._writer = threading.Thread(target=self._write, name="frame-writer", daemon=True)
        self._writer.start()

    def rest(self, seconds: float, woken: threading.Event) -> bool:
        """No keys here: till ``woken`` (a change, SIGTERM) or ``seconds``."""
        return woken.wait(seconds)

    def wake(self) -> None:
        pass

    def poll(self) -> None:
        pass

    def present(self, surface: pygame.Surface, changed: bool) -> None:
        self._pending = self._pending or changed
        if not self._pending or time.monotonic() - self._last < self.min_interval:
            return
        if self._queue.full():  # still writing the previous one: try again next frame
            return
        self._pending = False
        self._last = time.monotonic()
        self.count += 1
        image = Image.frombytes("RGB", surface.get_size(), pygame.image.tobytes(surface, "RGB"))
        self._queue.put((self.count, image))

    def _write(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                count, image = item
                image.save(self.folder / f"frame-{count:06d}.png", compress_level=1)
                tmp = self.folder / "latest.tmp.png"
                image.save(tmp, format="PNG", compress_level=1)
                tmp.replace(self.folder / "latest.png")
                (self.folder / f"frame-{count - self.keep:06d}.png").unlink(missing_ok=True)
            except OSError:
                log.exception("could not write a frame to %s", self.folder)
            finally:
                self._queue.task_done()

    def flush(self) -> None:
        """Wait until the frames handed over are on disk (tests)."""
        self._queue.join()

    def close(self) -> None:
        self._queue.join()
        self._queue.put(None)
        self._writer.join(5)


class WindowScreen:
    """A real screen: full screen on the Pi, a window on a developer's desktop.

    Between frames (a minute at rest) the board still hears a technician's Esc or
    the window's close within a moment, without waking for anything else: on X11
    and Wayland it rests in SDL's own wait (:mod:`motcua.screen_wait`), which a key
    or a posted wake ends; on KMS/DRM (the Pi), whose SDL has no wait, a thread
    watches the keyboards (:class:`motcua.input_devices.KeyWatch`) and calls
    ``on_input``, and the loop then asks SDL (:meth:`poll`)."""

    def __init__(self, size: tuple[int, int], fullscreen: bool, portrait: bool = False,
                 on_input=None, input_folder: str = "/dev/input"):
        pygame.display.init()
        flags = pygame.FULLSCREEN if fullscreen else 0
        if fullscreen:
            pygame.mouse.set_visible(False)
        mode = size
        self.rotate = False
        if portrait and fullscreen:
            info = pygame.display.Info()
            if info.current_w > info.current_h:  # a landscape panel mounted on its side
                mode, self.rotate = (size[1], size[0]), True
        self.window = pygame.display.set_mode(mode, flags)
        pygame.display.set_caption("motcua — màn hình sảnh")
        self.quit_requested = False
        self.on_input = on_input  # called from another thread when a key is pressed
        self.waits_in_sdl = open_screen_wait(pygame)
        self.key_watch = None
        # (It compared the driver's name with "kmsdrm": Debian's SDL, the Pi's,
        # says "KMSDRM", so Esc waited up to a minute there.)
        if self.waits_in_sdl is None and reads_input_devices(pygame):
            self.key_watch = KeyWatch(self._key_pressed, input_folder,
                                      on_escape=self._escape_pressed).start()

    def _escape_pressed(self) -> None:
        # Read by the key watch itself: SDL misses the first key of a keyboard
        # plugged in while the board rested (KeyWatch says why).
        self.quit_requested = True

    def _key_pressed(self) -> None:
        if self.on_input is not None:
            self.on_input()

    def rest(self, seconds: float, woken: threading.Event) -> bool:
        """Till a key or the window (where SDL can wait), ``woken`` (a change,
        SIGTERM; set it and call :meth:`wake`) or ``seconds``."""
        if self.waits_in_sdl is None:
            return woken.wait(seconds)
        if not woken.is_set():
            self.waits_in_sdl.wait(seconds)
        return woken.is_set()

    def wake(self) -> None:
        """End :meth:`rest` now (any thread)."""
        if self.waits_in_sdl is not None:
            self.waits_in_sdl.wake()

    def poll(self) -> None:
        """Take the keys and window events SDL has: Esc or closing the window quits."""
        for event in pygame.event.get():
            if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN
                                             and event.key == pygame.K_ESCAPE):
                self.quit_requested = True

    def present(self, surface: pygame.Surface, changed: bool) -> None:
        self.poll()
        if self.rotate:
            surface = pygame.transform.rotate(surface, 90)
        if surface.get_size() != self.window.get_size():
            surface = pygame.transform.smoothscale(surface, self.window.get_size())
        self.window.blit(surface, (0, 0))
        pygame.display.flip()

    def close(self) -> None:
        if self.key_watch is not None:
            self.key_watch.close()
        if self.waits_in_sdl is not None:
            self.waits_in_sdl.close()
        pygame.display.quit()


class ImagePanel:
    """The LED matrix's frames as PNG files (fake hardware); only changed frames."""

    def __init__(self, folder: Path, keep: int = 50):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.keep = keep
        self.count = 0
        self.last = None

    def show(self, image) -> None:
        self.last = image
        # Scrolling changes every frame: write one in every 25 (about once a second).
        if self.count % 25 == 0:
            # Whole or not at all: a viewer (the demo page) may read it any moment.
            tmp = self.folder / "latest.tmp.png"
            image.save(tmp, format="PNG")
            tmp.replace(self.folder / "latest.png")
        self.count += 1

    def close(self) -> None:
        pass


class RgbMatrixPanel:
    """A HUB75 chain through rpi-rgb-led-matrix (on the Pi only)."""

    def __init__(self, led):
        from rgbmatrix import RGBMatrix, RGBMatrixOptions  # the Pi's binding, see above

        options = RGBMatrixOptions()
        options.rows = led.rows
        options.cols = led.cols
        options.chain_length = led.chain
        options.parallel = led.parallel
        options.brightness = led.brightness
        options.hardware_mapping = led.hardware_mapping
        options.gpio_slowdown = led.gpio_slowdown
        options.drop_privileges = False
        self.matrix = RGBMatrix(options=options)
        self.canvas = self.matrix.CreateFrameCanvas()

    def show(self, image) -> None:
        self.canvas.SetImage(image)
        self.canvas = self.matrix.SwapOnVSync(self.canvas)

    def close(self) -> None:
        self.matrix.Clear()


@dataclass
class Hardware:
    """What the display drives: ``screen.present(surface, changed)``,
    ``player.play(wav, seconds)`` (or None: no voice) and ``panel.show(image)``
    (or None: no LED board)."""

    screen: object
    player: object | None = None
    panel: object | None = None

    def close(self) -> None:
        for part in (self.screen, self.panel):
            if part is not None:
                try:
                    part.close()
                except Exception:  # closing must not hide why we stopped
                    log.exception("closing %s failed", type(part).__name__)


def screen_present() -> bool:
    """A desktop to open a window on (fake hardware on a developer's machine)."""
    if os.environ.get("SDL_VIDEODRIVER") in ("dummy", "offscreen"):
        return False
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_hardware(config, size: tuple[int, int]) -> Hardware:
    """The real parts on the Pi, the fake ones with ``simulate``."""
    simulate = config.simulate
    if simulate:
        if screen_present():
            screen = WindowScreen(size, fullscreen=False)
        else:
            screen = ImageScreen(Path(config.frames_dir))
    else:
        screen = WindowScreen(size, fullscreen=True, portrait=config.portrait)
    player = None
    if config.voice.enabled:
        player = FilePlayer(Path(config.voice.wav_dir)) if simulate else PygamePlayer()
    panel = None
    if config.led.enabled:
        panel = ImagePanel(Path(config.led.frames_dir)) if simulate else \
            RgbMatrixPanel(config.led)
    return Hardware(screen=screen, player=player, panel=panel)
