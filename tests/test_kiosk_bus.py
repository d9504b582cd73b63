"""The kiosk over the real broker: replica sync, offline search, dossier status by camera.

The hub's ``dossier_lookup`` route belongs to the dossiers work (issue 8); here
a test-local route answers from a small table, following the contract in
motcua/bus/messages.py (REQUEST_RESULTS["dossier_lookup"]).
"""

import datetime as dt
import itertools

import pygame
import pytest

from central import catalog
from central.bus.routes import Route
from kiosk.ui import KioskUI

from .conftest import wait_until
from .frames import code128_image, frame, loop_frames, qr_image

DOSSIERS = {
    "000.00.14.H56-261120-0118": {
        "found": True, "code": "000.00.14.H56-261120-0118", "status": 4,
        "status_name": "Đang xử lý", "received_at": "2026-11-20T02:00:00+00:00",
        "due_at": "2026-11-26T09:00:00+00:00", "department": "Sở Tư pháp", "late": True,
        "applicant": "Nguyễn T*** L**"},
    "000.00.14.H56-261125-0007": {
        "found": True, "code": "000.00.14.H56-261125-0007", "status": 9,
        "status_name": "Đã có kết quả", "received_at": "2026-11-25T01:15:00+00:00",
        "due_at": "2026-11-28T09:00:00+00:00", "department": "Sở Xây dựng", "late": False,
        "applicant": "Lê V** B***"},
}


@pytest.fixture
def hub(gateway, store):
    """The hub with the sample catalog and a stand-in dossier route."""
    catalog.load_sample(store, "admin")
    asked = []

    def lookup(ctx):
        asked.append(ctx.data["code"])
        return DOSSIERS.get(ctx.data["code"], {"found": False})

    gateway.requests["dossier_lookup"] = Route(lookup, changes_state=False)
    catalog.publish_state(gateway, store.db)
    gateway.asked = asked
    return gateway


def test_the_replica_follows_the_hubs_catalog_version(hub, store, make_node):
    kiosk = make_node("kiosk", "kiosk-1")
    version = catalog.state(store.db)["version"]
    assert kiosk.wait_synced(version)
    assert kiosk.replica.count() == catalog.state(store.db)["count"]
    assert kiosk.replica.search("dang ky khai sinh")[0]["code"] == "1.001193"
    # An edit at the hub publishes a new version; the kiosk fetches it by itself.
    catalog.edit(store, "1.001193", {"name": "Đăng ký khai sinh cho trẻ em"}, "admin")
    catalog.publish_state(hub, store.db)
    assert kiosk.wait_synced(version + 1)
    assert kiosk.replica.get("1.001193")["name"] == "Đăng ký khai sinh cho trẻ em"
    # The kiosk's status tells the hub which catalog it holds.
    wait_until(lambda: store.db.execute(
        "select detail from nodes where node_id = 'kiosk-1'").fetchone()[0].find(
        f'"catalog_version": {version + 1}') >= 0)


def test_a_large_catalog_arrives_in_pages(hub, store, make_node):
    from central.catalog.synthetic import generate

    catalog.import_records(store, list(enumerate(generate(600, seed=3), start=1)), "admin")
    catalog.publish_state(hub, store.db)
    kiosk = make_node("kiosk", "kiosk-2")
    state = catalog.state(store.db)
    assert kiosk.wait_synced(state["version"], timeout=30)
    assert kiosk.replica.count() == state["count"] > 600


def test_search_works_while_the_hub_is_down_and_lookup_says_it_needs_the_hub(
        hub, store, make_node):
    kiosk = make_node("kiosk", "kiosk-3")
    assert kiosk.wait_synced(catalog.state(store.db)["version"])
    hub.stop()
    wait_until(lambda: not kiosk.hub_online)
    surface = pygame.Surface((1080, 1920))
    ui = kiosk.open_screen(surface)
    ui.go_home()
    ui.step(surface)
    ui.tap_button("search")
    ui.step(surface)
    for key in "KET HON":
        ui.tap_button(f"key:{key}")
        ui.step(surface)
    assert ui.find("proc:1.000894")
    ui.tap_button("home")
    ui.step(surface)
    ui.tap_button("dossier")
    ui.step(surface)
    for key in "000.00.14.H56-261120-0118":
        ui.tap_button(f"key:{key}")
        ui.step(surface)
    ui.tap_button("lookup")
    ui.step(surface)
    assert ui.screen.name == "dossier_result" and ui.screen.offline


@pytest.mark.parametrize("kind,code,angle,blur,noise", [
    ("code128", "000.00.14.H56-261120-0118", 0, 0, 0),
    ("code128", "000.00.14.H56-261120-0118", 6, 3, 6),
    ("code128", "000.00.14.H56-261125-0007", -8, 0, 10),
    ("qr", "000.00.14.H56-261125-0007", 0, 0, 0),
    ("qr", "000.00.14.H56-261120-0118", 35, 5, 8),
    ("qr", "000.00.14.H56-261125-0007", 90, 3, 12),
])
def test_a_receipt_held_to_the_camera_shows_the_dossier_status(
        hub, make_node, kind, code, angle, blur, noise):
    image = code128_image(code) if kind == "code128" else qr_image(code)
    blank = frame(qr_image("x")[:1, :1] * 0 + 200)
    frames = itertools.chain([blank, blank], itertools.repeat(
        frame(image, angle=angle, blur=blur, noise=noise)))
    kiosk = make_node("kiosk", f"kiosk-cam-{kind}-{angle}", )
    kiosk.frame_source = lambda: next(frames)
    surface = pygame.Surface((1080, 1920))
    kiosk.open_screen(surface)
    wait_until(lambda: kiosk.hub_online)
    loop_frames(kiosk, 4)
    kiosk.ui.wait_lookup()
    kiosk.ui.draw(surface)
    screen = kiosk.ui.screen
    assert screen.name == "dossier_result", screen.name
    assert screen.outcome == DOSSIERS[code]
    assert hub.asked == [code]  # one look-up, though the code stayed in view


def test_an_unknown_code_and_a_refusal_are_shown_in_vietnamese(hub, make_node):
    from central.errors import Refused

    kiosk = make_node("kiosk", "kiosk-4")
    wait_until(lambda: kiosk.hub_online)
    ui = KioskUI((1920, 1080), kiosk.replica, lookup=kiosk.lookup_dossier,
                 hub_online=lambda: kiosk.hub_online,
                 now=lambda: dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC))
    ui.start_lookup("000.00.14.H56-000000-9999")
    ui.wait_lookup()
    assert ui.screen.outcome == {"found": False}

    def refuse(ctx):
        raise Refused("busy", "Hệ thống đang bảo trì, vui lòng thử lại sau.")

    hub.requests["dossier_lookup"] = Route(refuse, changes_state=False)
    ui.start_lookup("000.00.14.H56-261120-0118")
    ui.wait_lookup()
    assert ui.screen.error == "Hệ thống đang bảo trì, vui lòng thử lại sau."


def test_frames_read_through_opencv_are_decoded(tmp_path):
    """The OpenCV path of the scanner, fed a recorded 640×480 video instead of a webcam."""
    import cv2

    from kiosk.scanner import Camera, Scanner

    code = "000.00.14.H56-261125-0007"
    path = str(tmp_path / "receipt.avi")
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 15, (640, 480))
    blank = frame(qr_image("x")[:1, :1] * 0 + 200)
    for image in [blank] * 3 + [frame(qr_image(code), angle=20, noise=4)] * 5:
        writer.write(image)
    writer.release()
    camera = Camera(path)
    assert camera.ok
    clock = itertools.count()
    scanner = Scanner(camera, monotonic=lambda: next(clock) * 0.1)
    seen = [scanner.poll() for _ in range(8)]
    camera.close()
    assert seen == [None, None, None, code, None, None, None, None]
