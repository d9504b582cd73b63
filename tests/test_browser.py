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
