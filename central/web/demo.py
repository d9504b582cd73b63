"""The demo's page (``motcua demo`` only): the simulated screens and printed tickets.

On a machine without a screen the hall display, its LED board, the kiosk and
a counter's number display draw into picture files, and the dispensers print
tickets as images, and the display's voice goes to WAV files, all under the
demo's folder (hub setting ``demo_dir``).
``/demo`` shows the latest of each; ``static/demo.js`` swaps them when the
demo publishes the retained ``state/demo`` (see docs/mqtt.md), so any number
of viewers cost the hub one file read per picture they actually load. Without
``demo_dir`` (every real centre) both routes answer 404.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_from_directory

from .queue import _live_context, _live_page

bp = Blueprint("demo", __name__)

# Where each kind of picture lives inside the demo's folder (demo/centre.py).
FOLDERS = {
    "display": "display/frames",
    "led": "display/led",
    "kiosk": "kiosk",
    "sound": "display/sound",
    "counter": "counter-display",
    "ticket-1": "tickets/dispenser-1",
    "ticket-2": "tickets/dispenser-2",
}
PICTURE = re.compile(r"^[A-Za-z0-9_.-]{1,64}\.(png|wav)$")


def _demo_dir() -> Path:
    folder = current_app.config["MOTCUA"].demo_dir
    if not folder:
        abort(404)
    return Path(folder)


@bp.get("/demo")
def page():
    _demo_dir()
    return _live_page(render_template("demo/page.html", **_live_context()))


@bp.get("/demo/picture/<kind>/<picture>")
def picture(kind: str, picture: str):
    base = _demo_dir()
    if kind not in FOLDERS or not PICTURE.match(picture):
        abort(404)
    # Names change with the picture (or carry ?v=), so a browser may keep each one.
    return send_from_directory(base / FOLDERS[kind], picture, max_age=3600)
