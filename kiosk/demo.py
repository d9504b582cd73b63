"""The demo's kiosk: ``motcua kiosk`` on fake hardware, with a visitor and a camera.

Run by ``motcua demo`` (demo/centre.py) as its own process instead of the
plain kiosk role, so the kiosk (a) saves what its screen shows, about once a
second, as numbered PNG files in ``frames`` (the last 20 kept) for the hub's
``/demo`` page, and (b) has visitors: every few seconds someone browses a
department, opens a procedure, or holds up the appointment receipt of a
dossier (a code from the ``receipts`` file the demo's dossier desk writes; it
goes to the kiosk's look-up, the path a scanned code takes), then walks away::

    python -m kiosk.demo --config var/demo/kiosk-1.toml \\
        --frames var/demo/kiosk --receipts var/demo/receipts.txt
"""

from __future__ import annotations

import argparse
import logging
import random
import time
from pathlib import Path

import pygame

from motcua import logs
from motcua.config import load

from .node import Kiosk

log = logging.getLogger(__name__)
KEEP = 20


def _kiosk_class():
    class DemoKiosk(Kiosk):
        """A kiosk whose screen is saved as pictures and that visitors use."""

        frames: Path
        receipts: Path
        visit_every_s: float = 5.0

        def setup_demo(self, frames: Path, receipts: Path, seed: int | None) -> None:
            self.frames = frames
            self.receipts = receipts
            self.rng = random.Random(seed)
            self.count = 0
            self._next_frame = 0.0
            self._next_visit = time.monotonic() + 3

        def loop_once(self) -> None:
            super().loop_once()
            now = time.monotonic()
            if self.ui is not None and now >= self._next_visit:
                self._next_visit = now + self.rng.uniform(0.6, 1.4) * self.visit_every_s
                try:
                    self.visit()
                except Exception:  # a visitor's odd move must not stop the kiosk
                    log.exception("demo visitor failed")
                self.wake()  # drawn at the next turn, at once
            if self.surface is not None and now >= self._next_frame:
                self._next_frame = now + 1.0
                self.save_frame()

        def due_in(self) -> float | None:
            now = time.monotonic()
            waits = [super().due_in(), self._next_visit - now, self._next_frame - now]
            return max(0.0, min(w for w in waits if w is not None))

        def visit(self) -> None:
            ui, rng = self.ui, self.rng
            roll = rng.random()
            if roll < 0.2:
                ui.go_attract()
                return
            ui.go_home()
            departments = self.replica.departments()
            if roll < 0.45:
                code = self._dossier_code()
                if code:
                    ui.start_lookup(code)
                    return
            if departments:
                department = rng.choice(departments)
                ui.open_department(department["code"])
                procedures = self.replica.procedures(department["code"])
                if procedures and rng.random() < 0.7:
                    ui.open_procedure(rng.choice(procedures)["code"])

        def _dossier_code(self) -> str | None:
            try:
                codes = self.receipts.read_text(encoding="utf-8").split()
            except OSError:
                return None
            return self.rng.choice(codes[-30:]) if codes else None

        def save_frame(self) -> None:
            self.count += 1
            self.frames.mkdir(parents=True, exist_ok=True)
            target = self.frames / f"kiosk-{self.count:06d}.png"
            tmp = self.frames / ".kiosk.tmp.png"
            pygame.image.save(self.surface, str(tmp))
            tmp.replace(target)
            (self.frames / f"kiosk-{self.count - KEEP:06d}.png").unlink(missing_ok=True)

    return DemoKiosk


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.demo")
    parser.add_argument("--config", required=True)
    parser.add_argument("--frames", required=True)
    parser.add_argument("--receipts", required=True,
                        help="file of dossier codes, one a line, that visitors hold up")
    parser.add_argument("--seed", type=int)
    args = parser.parse_args(argv)
    cls = _kiosk_class()
    config = load(cls.config_class, args.config)
    config.simulate = True
    logs.setup(config.log_level, config.node_id)
    node = cls(config)
    node.setup_demo(Path(args.frames), Path(args.receipts), args.seed)
    node.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
