"""HTTPS as a centre runs it: Debian's nginx, configured by ``motcua provision``
for ``[hub] https = true``, in front of the hub and the live pages' relay.

The test starts a real nginx (its own, on free ports, with the generated site
file, only ports and paths moved) in front of the real hub and the production
broker with its relay, and a citizen's ticket page in Chromium follows the
queue over wss:// through it. Checked on the way: http is sent to https, the
certificate is the centre's and names the hub, TLS 1.2 or newer, HSTS, the
session cookie Secure, and the hub sees the browser's address, not nginx's.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import threading
import urllib.request

import pytest

from central import create_app
from central.accounts import users
from central.bus.gateway import Gateway
from central.config import HubConfig
from central.queue import api, setup
from central.store import Store
from motcua.broker import ProductionMosquitto, free_port, wait_for_port
from motcua.bus import Topics
from motcua.config import load
from motcua.provision import provision

from .conftest import SAMPLE_INVENTORY

pytestmark = pytest.mark.browser


def start_nginx(out, folder, hub_port: int, relay_port: int) -> tuple[subprocess.Popen, int, int]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert os.path.exists(nginx), "nginx is missing: sudo apt-get install nginx-light"
    http_port, https_port = free_port(), free_port()
    site = (out / "proxy" / "motcua.conf").read_text()
    site = (site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
            .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
            .replace("/etc/nginx/motcua/", f"{out}/proxy/")
            .replace("127.0.0.1:8080", f"127.0.0.1:{hub_port}")
            .replace("127.0.0.1:9001", f"127.0.0.1:{relay_port}"))
    site = "\n".join(ln for ln in site.splitlines() if "listen [::]" not in ln)
    (folder / "site.conf").write_text(site, encoding="utf-8")
    user = "user root;\n" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {folder}/nginx.pid;\n"
        f"error_log {folder}/error.log warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n access_log off;\n client_body_temp_path {folder}/body;\n"
        f" proxy_temp_path {folder}/proxy;\n fastcgi_temp_path {folder}/fastcgi;\n"
        f" uwsgi_temp_path {folder}/uwsgi;\n scgi_temp_path {folder}/scgi;\n"
        f" include {folder}/site.conf;\n}}\n", encoding="utf-8")
    process = subprocess.Popen([nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"),
                                "-e", str(folder / "error.log"), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    assert wait_for_port(https_port, 10), (folder / "error.log").read_text()
    return process, http_port, https_port


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_the_hub_behind_nginx_https_wss_secure_cookies_hsts(browser, tmp_path):
    center = f"s{os.getpid()}"
    inventory = SAMPLE_INVENTORY.format(center=center).replace(
        '[hub]\nhost = "10.20.0.2"\n', '[hub]\nhost = "10.20.0.2"\nhttps = true\n')
    assert "https = true" in inventory
    (tmp_path / "centre.toml").write_text(inventory, encoding="utf-8")
    out = tmp_path / center
    provision(tmp_path / "centre.toml", out)
    assert (out / "proxy" / "hub.key").stat().st_mode & 0o777 == 0o600
    broker = ProductionMosquitto(out / "broker", data_dir=tmp_path / "broker").start()
    config = load(HubConfig, out / "hub" / "hub.toml", env={
        "MOTCUA_MQTT__PORT": str(broker.port), "MOTCUA_MQTT__HOST": "localhost",
        "MOTCUA_MQTT__CA_FILE": str(out / "ca" / "ca.crt"),
        "MOTCUA_MQTT__PASSWORD_FILE": str(out / "hub" / "mqtt-password"),
        "MOTCUA_NODES_FILE": str(out / "hub" / "nodes.toml"),
        "MOTCUA_DATABASE": str(tmp_path / "hub.db"),
        "MOTCUA_SECRET_KEY_FILE": str(tmp_path / "secret_key")})
    assert config.http.behind_proxy and config.http.secure_cookies
    assert config.http.host == "127.0.0.1" and not config.live_mqtt_url
    store = Store(config.database)
    setup.load_file(store, setup.SAMPLE, actor="test")
    gateway = Gateway(config, store).start()
    topics = Topics(center)
    seen_addresses = []
    app = create_app(config, store=store, gateway=gateway)

    @app.before_request
    def remember_address():
        from flask import request

        seen_addresses.append(request.remote_addr)

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    nginx = None
    try:
        nginx, http_port, https_port = start_nginx(out, tmp_path, server.server_port,
                                                   broker.ws_port)
        site = f"https://127.0.0.1:{https_port}"
        # Plain http is sent to https.
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as moved:
            opener.open(f"http://127.0.0.1:{http_port}/thong-ke", timeout=10)
        assert moved.value.code == 301
        assert moved.value.headers["Location"].startswith("https://")
        # The certificate is the centre's and names the hub; TLS 1.2 or newer.
        trusted = ssl.create_default_context(cafile=str(out / "ca" / "ca.crt"))
        with socket.create_connection(("127.0.0.1", https_port), 5) as raw, \
                trusted.wrap_socket(raw, server_hostname="hub.thanhhoa.lan") as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
        https = urllib.request.build_opener(urllib.request.HTTPSHandler(context=trusted),
                                            NoRedirect)
        request = urllib.request.Request(f"{site}/login")
        with https.open(request, timeout=10) as reply:
            assert reply.headers["Strict-Transport-Security"] == "max-age=31536000"
            cookie = reply.headers.get("Set-Cookie", "")
        assert "Secure" in cookie and "HttpOnly" in cookie
        # The hub saw the browser's address (loopback here), via nginx's header.
        assert seen_addresses and seen_addresses[-1] == "127.0.0.1"

        assert gateway.bus.wait_connected(10)
        gateway._republish_queue_state(True)
        with store.write() as db:
            first, out1 = api.issue_ticket(db, topics, "ho-tich")
            second, out2 = api.issue_ticket(db, topics, "ho-tich")
        for topic, payload, retain in out1 + out2:
            gateway.publish_state(topic, payload, retain)

        context = browser.new_context(ignore_https_errors=True,  # the centre's private CA
                                      viewport={"width": 390, "height": 800})
        citizen = context.new_page()
        citizen.goto(f"{site}{second['live_path']}")
        assert citizen.locator("#live").get_attribute("data-url") == \
            f"wss://127.0.0.1:{https_port}/mqtt"
        citizen.evaluate("window.__sameDocument = true")
        citizen.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=15_000)
        citizen.get_by_text("Còn 1 người trước bạn").wait_for(timeout=5_000)
        user_id = users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer",
                                    "mat-khau-thu-1")["id"]
        with store.write() as db:
            for topic, payload, retain in api.sign_in(db, topics, 1, user_id):
                gateway.publish_state(topic, payload, retain)
            counter = setup.counter_by_number(db, 1)
            for topic, payload, retain in api.counter_command(db, topics, counter, "next")[1]:
                gateway.publish_state(topic, payload, retain)
        citizen.get_by_text("Bạn là người tiếp theo").wait_for(timeout=10_000)
        assert citizen.evaluate("window.__sameDocument") is True  # live, never reloaded
        citizen.screenshot(path=str(tmp_path / "ticket-over-https.png"))
        context.close()
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(10)
        server.shutdown()
        thread.join(10)
        server.server_close()
        gateway.stop()
        store.close()
        broker.stop()
