"""The device page in a real headless Chromium."""

import signal
import subprocess

import pytest

from .conftest import MOTCUA, PROJECT

pytestmark = pytest.mark.browser


def test_device_page_follows_nodes_without_reloading(
    browser, live_server, node_config_file, make_node
):
    make_node("kiosk", "kiosk-1")
    config = node_config_file("dispenser", "dispenser-1", keepalive=2)
    process = subprocess.Popen([*MOTCUA, "dispenser", "--config", str(config)])
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 600})
        page.goto(f"{live_server}/nodes")
        row = page.locator('tr[data-node="dispenser-1"]')
        row.locator("td.state", has_text="Trực tuyến").wait_for(timeout=15_000)
        assert "Máy lấy số" in row.inner_text()
        page.get_by_text("2 / 2 thiết bị trực tuyến").wait_for(timeout=5_000)
        process.send_signal(signal.SIGKILL)
        process.wait()
        # No reload: the page polls /api/nodes.
        row.locator("td.state", has_text="Ngoại tuyến").wait_for(timeout=10_000)
        page.get_by_text("1 / 2 thiết bị trực tuyến").wait_for(timeout=5_000)
        artifacts = PROJECT / "tests" / "artifacts"
        artifacts.mkdir(exist_ok=True)
        page.screenshot(path=str(artifacts / "nodes.png"), full_page=True)
    finally:
        if process.poll() is None:
            process.kill()


def test_the_device_page_tells_the_hub_cut_off_from_a_device_offline(
        browser, live_server, gateway, make_node):
    """A device offline reads "Ngoại tuyến" on its row. The hub's own link to the broker
    lost is another thing: the hub then knows nothing new of any device, and every row
    showing "Trực tuyến" would mislead the supervisor into looking for a fault in the
    hall. The page says the hub is cut off, since when, what still works and what to
    check, and each row is "Chưa rõ (lần cuối biết: …)". Moments as the hub draws them
    ("07/12/2026", not the browser's "7/12/2026"), before and after the page's poll."""
    import re

    make_node("kiosk", "kiosk-1")
    page = browser.new_page(viewport={"width": 1280, "height": 600})
    page.goto(f"{live_server}/nodes")
    row = page.locator('tr[data-node="kiosk-1"]')
    page.get_by_text("1 / 1 thiết bị trực tuyến").wait_for(timeout=10_000)
    page.wait_for_function("document.querySelector('#nodes td.state')"
                           " && !document.querySelector('#nodes tr.empty')")
    page.wait_for_timeout(2500)  # one poll: the rows as nodes.js rewrote them
    since = row.locator("td").nth(3).inner_text()
    assert re.fullmatch(r"\d{2}:\d{2}:\d{2} \d{2}/\d{2}/\d{4}", since), since
    gateway.bus.transport.stop()  # the hub's link to the broker is gone
    summary = page.locator("#summary")
    summary.get_by_text("Máy chủ trung tâm đang mất kết nối tới MQTT broker").wait_for(
        timeout=10_000)
    text = summary.inner_text()
    assert re.search(r"từ \d{2}:\d{2}:\d{2} \d{2}/\d{2}/\d{4}", text), text
    assert "bảng dưới đây là lần cuối biết" in text and "Kiểm tra dịch vụ mosquitto" in text
    assert "thiết bị trực tuyến" not in text
    row.locator("td.state", has_text="Chưa rõ (lần cuối biết: Trực tuyến)").wait_for(
        timeout=5_000)
    page.close()
