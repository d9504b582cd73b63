"""The dispenser with gpiozero's MockFactory pins, a filing printer and the real broker."""

from __future__ import annotations

import time

import pytest

from motcua.ticketing.printer import FolderPrinter

from .conftest import PROJECT, chatter, wait_until

ARTIFACTS = PROJECT / "tests" / "artifacts"

RASTER, QR, CUT = b"\x1dv0", b"\x1d(k", b"\x1dV"
HO_TICH, DKKD = 17, 27  # the buttons' pins (see make_dispenser in conftest.py)


def push(node, pin, hold=0.03):
    """A citizen's press: the pin goes low (pull-up button), then back high."""
    node.factory.pin(pin).drive_low()
    time.sleep(hold)  # a finger stays a moment; gpiozero reads the level it finds
    node.factory.pin(pin).drive_high()


def has_blocks(node, services=("ho-tich", "dang-ky-kinh-doanh")):
    return all(node.outbox.remaining(s) >= node.config.renew_below for s in services)


def hub_tickets(store, service="ho-tich"):
    return [tuple(r) for r in store.db.execute(
        "select t.display, t.number from tickets t join services s on s.id = t.service_id "
        "where s.code = ? order by t.issued_at, t.id", [service])]


def test_a_press_prints_one_ticket_with_its_image_qr_and_cut(queue_hub, make_dispenser, store,
                                                             tmp_path):
    node = make_dispenser()
    wait_until(lambda: node.hub_online and has_blocks(node))
    push(node, HO_TICH)
    assert node.wait_idle()
    assert len(node.printer.tickets) == 1
    data = node.printer.tickets[0]
    assert RASTER in data and QR in data and CUT in data
    assert data.index(RASTER) < data.index(QR) < data.index(CUT)
    # The number the hub issued, printed natively, and its live page in the QR code.
    (display, number), = hub_tickets(store)
    assert display.encode() in data
    token = store.db.execute("select token from tickets").fetchone()[0]
    assert f"http://hub.test/t/{token}".encode() in data
    folder = tmp_path / "dispenser-1-tickets"
    assert sorted(p.name for p in folder.iterdir()) == ["ticket-00001.bin", "ticket-00001.png"]
    assert node.printed[-1].offline is False and node.printed[-1].display == display


def test_chatter_is_one_ticket_and_a_press_while_printing_is_queued(
        queue_hub, make_dispenser, store):
    node = make_dispenser(debounce_s=0.15)
    wait_until(lambda: node.hub_online and has_blocks(node))
    # Five edges within 100 ms of the debounce's time: bouncing contacts (a busy
    # machine once stretched a 10 ms sleep past the settle time: a second ticket).
    chatter(node.factory.pin(HO_TICH), node.buttons.debounced["ho-tich"])
    assert node.wait_idle()
    assert len(node.printer.tickets) == 1
    time.sleep(0.2)  # the contacts settle before the next citizen comes
    # Three citizens in quick succession, faster than the printer: three tickets.
    for pin_number in (HO_TICH, DKKD, HO_TICH):
        push(node, pin_number)
        time.sleep(0.2)
    assert node.wait_idle()
    assert len(node.printer.tickets) == 4
    assert [d for d, _ in hub_tickets(store)] == ["A001", "A002", "A003"]
    assert [d for d, _ in hub_tickets(store, "dang-ky-kinh-doanh")] == ["1001"]


def test_priority_button_then_service_button_gives_a_priority_ticket(
        queue_hub, make_dispenser, store):
    node = make_dispenser(priority_pin=22)
    wait_until(lambda: node.hub_online and has_blocks(node))
    push(node, 22)
    time.sleep(0.1)
    push(node, HO_TICH)
    push(node, DKKD)  # the priority press counts for one ticket only
    time.sleep(0.1)
    assert node.wait_idle()
    rows = store.db.execute("select t.display, p.code from tickets t left join "
                            "priority_classes p on p.id = t.priority_class_id "
                            "order by t.id").fetchall()
    assert [tuple(r) for r in rows] == [("A001", "elderly"), ("1001", None)]


def test_a_long_press_gives_a_priority_ticket_when_configured(queue_hub, make_dispenser, store):
    node = make_dispenser(long_press_s=0.5)
    wait_until(lambda: node.hub_online and has_blocks(node))
    push(node, HO_TICH, hold=0.8)
    time.sleep(0.1)
    push(node, HO_TICH)
    time.sleep(0.1)
    assert node.wait_idle()
    rows = store.db.execute("select t.display, t.priority_class_id is not null from tickets t "
                            "order by t.id").fetchall()
    assert [tuple(r) for r in rows] == [("A001", 1), ("A002", 0)]


def test_a_printer_without_paper_shows_on_the_hub_and_clears(queue_hub, make_dispenser, client):
    node = make_dispenser(status_every_s=0.2)
    wait_until(lambda: node.hub_online)

    def hub_view():
        nodes = {n["node_id"]: n for n in client.get("/api/nodes").json["nodes"]}
        return nodes.get("dispenser-1") or {"fault": None, "detail": {}}

    node.printer.paper_bytes = FolderPrinter.PAPER_OUT
    seen = wait_until(lambda: (lambda n: n if n["fault"] else None)(hub_view()))
    assert seen["fault"]["message"] == "Máy in hết giấy"
    wait_until(lambda: hub_view()["detail"].get("paper") == "out")
    assert node.indicator.state == "fault"
    assert node.indicator.led.color == (1, 0, 0)  # red
    # A press meanwhile takes no number: nothing could be printed.
    push(node, HO_TICH)
    assert node.wait_idle()
    assert node.printer.tickets == [] and node.printed[-1].error == "paper_out"
    node.printer.paper_bytes = FolderPrinter.PAPER_OK
    wait_until(lambda: hub_view()["fault"] is None and hub_view()["detail"].get("paper") == "ok")
    wait_until(lambda: node.indicator.state == "ready")
    assert node.indicator.led.color == (0, 1, 0)  # green


def test_a_refused_ticket_prints_nothing(queue_hub, make_dispenser, store, center, tmp_path):
    node = make_dispenser(buttons=["khong-co=4", f"ho-tich={HO_TICH}"])
    wait_until(lambda: node.hub_online and has_blocks(node, ["ho-tich"]))
    push(node, 4)
    assert node.wait_idle()
    assert node.printer.tickets == [] and node.printed[-1].error == "refused"
    push(node, HO_TICH)
    assert node.wait_idle()
    assert len(node.printer.tickets) == 1


@pytest.mark.browser
def test_the_supervisor_sees_a_dispenser_without_paper(browser, queue_hub, hub_config, broker,
                                                      live_server, store, make_dispenser):
    from central.accounts import users

    hub_config.live_mqtt_url = f"ws://127.0.0.1:{broker.ws_port}"
    users.create_user(store, "giamsat", "Trần Văn Giám", "supervisor", "mat-khau-thu-1")
    node = make_dispenser(status_every_s=0.2)
    node.printer.paper_bytes = FolderPrinter.PAPER_OUT
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    # The pages poll /api/nodes: close the page before the server goes, so no
    # request is still being served by a closed server.
    try:
        page.goto(f"{live_server}/login")
        page.fill("input[name=username]", "giamsat")
        page.fill("input[name=password]", "mat-khau-thu-1")
        page.click("button[type=submit]")
        page.goto(f"{live_server}/live")
        page.locator('#dispensers li.problem[data-node="dispenser-1"]',
                     has_text="Máy in hết giấy").wait_for(timeout=10_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "supervisor-dispenser.png"), full_page=True)
        page.goto(f"{live_server}/nodes")
        page.locator('#nodes tr[data-node="dispenser-1"] td.fault',
                     has_text="Máy in hết giấy").wait_for(timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / "nodes-dispenser.png"), full_page=True)
        node.printer.paper_bytes = FolderPrinter.PAPER_OK
        page.goto(f"{live_server}/live")
        page.locator('#dispensers li.ok[data-node="dispenser-1"]',
                     has_text="Sẵn sàng").wait_for(timeout=10_000)
    finally:
        page.close()


def test_fake_hardware_mode_prints_from_keys_on_stdin(queue_hub, broker, center, tmp_path,
                                                      client):
    import subprocess

    from .conftest import MOTCUA

    folder = tmp_path / "tickets"
    config = tmp_path / "dispenser.toml"
    config.write_text(
        f'center = "{center}"\nnode_id = "dispenser-5"\n'
        'buttons = ["ho-tich=17", "dang-ky-kinh-doanh=27"]\n'
        f'outbox = "{tmp_path / "outbox.db"}"\nstatus_every_s = 0.5\n'
        f'[printer]\nkind = "folder"\npath = "{folder}"\n'
        f"[mqtt]\nport = {broker.port}\nkeepalive = 5\n", encoding="utf-8")
    process = subprocess.Popen([*MOTCUA, "dispenser", "--fake-hardware", "--config",
                                str(config)], stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=PROJECT)
    try:
        def dispenser_node():
            nodes = {n["node_id"]: n for n in client.get("/api/nodes").json["nodes"]}
            return nodes.get("dispenser-5")

        wait_until(lambda: (dispenser_node() or {}).get("detail", {}).get("numbers_left"),
                   timeout=20)
        process.stdin.write("2\nbấm bừa\n")
        process.stdin.flush()
        wait_until(lambda: (folder / "ticket-00001.png").exists(), timeout=10)
        assert b"1001\n" in (folder / "ticket-00001.bin").read_bytes()  # the number, native
        process.stdin.write("giay\n")  # the paper runs out
        process.stdin.flush()
        wait_until(lambda: (dispenser_node()["fault"] or {}).get("message") == "Máy in hết giấy")
        assert process.poll() is None  # a bad key changed nothing and stopped nothing
    finally:
        process.stdin.close()
        process.terminate()
        process.wait(10)
        err = process.stderr.read()
    assert "phím không hợp lệ: 'bấm bừa'" in err


@pytest.mark.parametrize("settings, problem", [
    ({"buttons": ["ho-tich:17"]}, "expected 'service-code=PIN' like 'ho-tich=17'"),
    ({"buttons": ["ho-tich=17", "dau-tu=17"]}, "two buttons on one pin"),
    ({"buttons": ["ho-tich=17"], "led_pins": [17, 6, 13]}, "pin 17 is used twice"),
    ({"led_pins": [5, 6]}, "expected 3 pins"),
    ({"printer": {"kind": "laser"}}, "expected one of"),
])
def test_a_wrong_dispenser_config_names_the_key_and_the_fix(settings, problem):
    from dispenser.config import DispenserConfig
    from motcua.config import ConfigError, from_dict

    with pytest.raises(ConfigError) as error:
        from_dict(DispenserConfig, {"center": "thanhhoa", "node_id": "dispenser-1", **settings})
    assert problem in str(error.value)


def test_an_unplugged_printer_shows_on_the_hub(queue_hub, make_dispenser, client):
    node = make_dispenser(status_every_s=0.2)
    wait_until(lambda: node.hub_online)

    def unplugged():
        raise OSError("[Errno 19] No such device")

    node.printer._read = unplugged  # what a USB printer pulled out answers

    def fault():
        nodes = {n["node_id"]: n for n in client.get("/api/nodes").json["nodes"]}
        return (nodes.get("dispenser-1") or {}).get("fault")

    assert wait_until(fault)["message"] == "Máy in không sẵn sàng (mở nắp hoặc lỗi)"
    assert node.problem() == "Máy in không sẵn sàng (mở nắp hoặc lỗi)"
