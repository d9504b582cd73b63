"""The README's pictures, rendered by motcua itself: ``make pictures``.

    .venv/bin/python docs/pictures.py            # rewrites docs/img/*.png

- ``hall-board.png``: the hall display's board (display/board.py) for the
  sample centre (central/samples/thanhhoa.toml) after a morning's tickets
  were issued and called through the hub's own queue services; the
  departments' on-time figures are illustrative (a fresh hub has no dossiers);
- ``ticket.png``: a printed ticket as the dispenser draws it for the paper;
- ``kiosk.png``: the kiosk's home screen (upright), over the sample catalog;
- ``console.png``: an officer's console in headless Chromium (Debian's
  ``chromium``), live over a Mosquitto started from broker-config/.

Everything runs in a temporary folder on free ports; the pictures are
reduced (half size, 64-colour palette) so the repository stays small.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import threading
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
OUT = PROJECT / "docs" / "img"
NOW = dt.datetime(2026, 11, 27, 2, 35, 12, tzinfo=dt.UTC)  # 09:35 in Thanh Hóa
CENTRE = "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa"
PASSWORD = "anh-minh-hoa-1"


def small(image, scale: float = 0.5, colours: int = 64):
    """Half size, a small palette: a few tens of kilobytes."""
    from PIL import Image

    image = image.convert("RGB")
    if scale != 1:
        image = image.resize((round(image.width * scale), round(image.height * scale)),
                             Image.LANCZOS)
    return image.quantize(colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def morning(store, topics):
    """The sample centre at 09:35: tickets issued and called, counter 6 paused."""
    from central.queue import api, setup

    setup.load_file(store, setup.SAMPLE, actor="pictures")
    with store.write() as db:
        services = [s["code"] for s in setup.services(db)]
        for i in range(120):
            api.issue_ticket(db, topics, services[(i * 7) % len(services)])
        for counter in setup.counters(db):
            for _ in range(1 + counter["number"] % 3):
                api.counter_command(db, topics, setup.counter_by_number(db, counter["number"]),
                                    "next")
        api.counter_command(db, topics, setup.counter_by_number(db, 6), "finish")
        api.counter_command(db, topics, setup.counter_by_number(db, 6), "pause")


def hall_board(work: Path) -> None:
    import pygame
    from PIL import Image

    from central.queue import setup, state
    from central.store import Store, sql
    from display.board import BoardRenderer
    from display.model import BoardModel
    from motcua.bus import Topics
    from motcua.bus.messages import STATE_DOSSIER_STATS

    store = Store(work / "board.db")
    topics = Topics("thanhhoa")
    morning(store, topics)
    db = store.db
    model = BoardModel("main", CENTRE)
    model.update("board/main", state.board(db, "main"), live=True, now=NOW)
    for counter in setup.counters(db):
        model.update(f"counter/{counter['number']}", state.counter_state(db, counter["number"]))
    departments = [d for d in sql.rows(db, "select * from departments order by sort_order")
                   if not d.get("own_desk")]
    # Illustrative figures: a fresh hub has resolved no dossier yet.
    model.update("dossier_stats", STATE_DOSSIER_STATS.make(
        period="Năm 2026", updated_at=NOW.isoformat(),
        departments=[{"code": d["code"], "name": d["name"], "resolved": 0 if i == 4 else 300 + i,
                      "on_time": None if i == 4 else 300 + i - i % 5 * 9,
                      "on_time_rate": None if i == 4 else round((300 + i - i % 5 * 9)
                                                                / (300 + i), 4),
                      "in_progress": 20 + i, "overdue": (i * 3) % 7}
                     for i, d in enumerate(departments)]), now=NOW)
    model.set_online(True, NOW)
    renderer = BoardRenderer((1920, 1080))
    surface = pygame.Surface((1920, 1080))
    view = model.view()
    for turn in range(60):  # the first page of counters, a page of departments
        renderer.draw(surface, view, NOW + dt.timedelta(seconds=turn * renderer.page_seconds))
        if renderer.pages["counters"][0] == 0 and "ĐÚNG HẠN" in " ".join(renderer.texts):
            break
    assert not renderer.reports, renderer.reports
    image = Image.frombytes("RGB", (1920, 1080), pygame.image.tobytes(surface, "RGB"))
    small(image, colours=128).save(OUT / "hall-board.png", optimize=True)
    store.close()


def ticket() -> None:
    from motcua.ticketing.ticket import Paper, Ticket, preview

    image = preview(Ticket(center_name=CENTRE,
                           service_name="Hộ tịch – Chứng thực",
                           number="A023", people_ahead=4, wait_minutes=18, issued_at=NOW,
                           url="http://192.0.2.10:8080/t/Xy12abCD"), Paper.MM80)
    small(image, scale=1, colours=8).save(OUT / "ticket.png", optimize=True)


def kiosk(work: Path) -> None:
    import pygame
    from PIL import Image

    from central import catalog
    from central.store import Store
    from kiosk.replica import Replica
    from kiosk.ui import KioskUI

    store = Store(work / "catalog.db")
    catalog.load_sample(store, "admin")
    version, procedures = catalog.export_all(store.db)
    replica = Replica()
    replica.replace(version, procedures)
    size = (1080, 1920)
    surface = pygame.Surface(size)
    ui = KioskUI(size, replica, center_name=CENTRE, lookup=lambda code: {"found": False},
                 hub_online=lambda: True, monotonic=lambda: 0.0, now=lambda: NOW,
                 idle_seconds=90)
    ui.step(surface)
    ui.tap(500, 500)  # a citizen touches the attract screen: the home screen
    ui.step(surface)
    image = Image.frombytes("RGB", size, pygame.image.tobytes(surface, "RGB"))
    small(image).save(OUT / "kiosk.png", optimize=True)
    store.close()


def console(work: Path) -> None:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from central import create_app
    from central.accounts import users
    from central.bus.gateway import Gateway
    from central.config import HubConfig
    from central.store import Store
    from motcua.broker import Mosquitto
    from motcua.bus import Topics
    from motcua.config import from_dict

    broker = Mosquitto(PROJECT / "broker-config" / "test.conf", data_dir=work / "broker")
    broker.start()
    config = from_dict(HubConfig, {"center": "thanhhoa", "center_name": CENTRE,
                                   "database": str(work / "hub.db"),
                                   "mqtt": {"port": broker.port},
                                   "live_mqtt_url": f"ws://127.0.0.1:{broker.ws_port}"})
    store = Store(config.database)
    morning(store, Topics("thanhhoa"))
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", PASSWORD)
    gateway = Gateway(config, store).start()
    gateway.bus.wait_connected(10)
    gateway._republish_queue_state(True)
    server = make_server("127.0.0.1", 0, create_app(config, store=store, gateway=gateway),
                         threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path="/usr/bin/chromium",
                                         args=["--no-sandbox", "--disable-gpu"])
            page = chromium.new_page(viewport={"width": 1280, "height": 760})
            page.goto(f"{site}/login")
            page.fill("input[name=username]", "lan.nt")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{site}/console")
            page.select_option("#counter", "7")
            page.click("#take")
            page.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
            page.keyboard.press("n")
            page.locator("#message", has_text="Đang gọi số").wait_for(timeout=5_000)
            page.screenshot(path=str(work / "console.png"))
            chromium.close()
    finally:
        server.shutdown()
        gateway.stop()
        store.close()
        broker.stop()
    from PIL import Image

    small(Image.open(work / "console.png"), scale=0.75).save(OUT / "console.png", optimize=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for name, make in [("hall-board", lambda: hall_board(work)), ("ticket", ticket),
                           ("kiosk", lambda: kiosk(work)), ("console", lambda: console(work))]:
            print(f"{name}.png …", flush=True)
            make()
    for path in sorted(OUT.glob("*.png")):
        print(f"{path.relative_to(PROJECT)}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
