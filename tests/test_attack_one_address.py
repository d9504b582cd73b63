"""One address for everybody: the hall's Wi-Fi and the officers' PCs behind one NAT.

Over real HTTP on loopback, so every browser below reaches the hub from the same
address (127.0.0.1), as phones on a small centre's Wi-Fi and the desks do when they
leave through one router. Each browser is a cookie jar of its own.

Two doors each time: a stranger must not lock the owner out (sign-in, a booking's
look-up), and guessing must stay held back.
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from central.accounts import users
from tests.test_appointments import CENTRE, MONDAY, NOW, book, day_slots  # noqa: F401 (CENTRE: fixture)


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None      # a 302 is an answer to look at, not to follow


class Browser:
    """A browser's cookies and the two things it does: open a page, send a form."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _Stay)

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, form: dict, page: str | None = None) -> tuple[int, str]:
        _, html = self.get(page or path)
        token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
        body = urllib.parse.urlencode({**form, "csrf_token": token}).encode()
        return self._open(urllib.request.Request(self.base + path, data=body))

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=30) as reply:
                return reply.status, reply.read().decode()
        except urllib.error.HTTPError as reply:
            return reply.code, reply.read().decode()

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def keep_only(self, *names: str) -> None:
        """The browser closed and opened again: session cookies gone, lasting ones kept."""
        for c in list(self.jar):
            if c.name not in names:
                self.jar.clear(c.domain, c.path, c.name)

    def set_cookie(self, name: str, value: str) -> None:
        self.jar.set_cookie(http.cookiejar.Cookie(
            0, name, value, None, False, "127.0.0.1", False, False, "/", True, False,
            None, False, None, None, {}))


@pytest.fixture
def serve():
    """``serve(app)``: the app on a free loopback port, for real browsers' requests."""
    from werkzeug.serving import make_server

    servers = []

    def start(app) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def sign_in(browser: Browser, name: str, password: str) -> int:
    return browser.post("/login", {"username": name, "password": password})[0]


# --- Signing in -------------------------------------------------------------------------------

@pytest.fixture
def hub(hub_config, store, serve, monkeypatch):
    from central import create_app
    from motcua import clock

    # The hub's clock held: a lock of 15 s must not run out while a loaded machine
    # sends the next guesses.
    moment = clock.now()
    monkeypatch.setattr(clock, "now", lambda: moment)
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan")
    users.create_user(store, "hung.gs", "Trần Văn Hùng", "supervisor", "mat-khau-hung")
    return serve(create_app(hub_config, store=store))


def test_a_phone_behind_the_officers_nat_cannot_lock_her_out_of_her_own_browser(hub):
    # Before: Lan's desk and the stranger's phone were one address to the hub, so his
    # fifth wrong guess at "lan.nt" locked place:lan.nt@127.0.0.1 and his twentieth
    # wrong name the address itself: 429 at her desk for up to 15 min, renewable.
    desk, counter = Browser(hub), Browser(hub)
    assert sign_in(desk, "lan.nt", "mat-khau-lan") == 302          # yesterday, at her desk
    assert sign_in(counter, "hung.gs", "mat-khau-hung") == 302     # and Hùng at his counter
    for browser in (desk, counter):
        browser.post("/logout", {}, page="/")
        browser.keep_only("motcua_thiet_bi")                       # the PCs restarted overnight
    phone = Browser(hub)
    guesses = [sign_in(phone, "lan.nt", f"doan-{i}") for i in range(12)]
    assert guesses[:5] == [401] * 4 + [429] and set(guesses[5:]) == {429}
    names = [sign_in(phone, f"ten-{i}", "sai") for i in range(25)]
    assert names[-1] == 429
    assert sign_in(phone, "lan.nt", "mat-khau-lan") == 429         # the guesser still waits
    assert sign_in(desk, "lan.nt", "mat-khau-lan") == 302          # she does not
    assert sign_in(counter, "hung.gs", "mat-khau-hung") == 302     # nor Hùng
    # The price: a browser that never signed in as Hùng, behind the address the guesser
    # locked, waits like the guesser (a new PC: the admin lifts the lock, see below).
    assert sign_in(Browser(hub), "hung.gs", "mat-khau-hung") == 429


def test_a_trusted_browsers_cookie_does_not_open_the_guessing_again(hub, hub_config):
    from itsdangerous import URLSafeTimedSerializer

    from central.web.app import secret_key

    desk = Browser(hub)
    assert sign_in(desk, "lan.nt", "mat-khau-lan") == 302
    lans = desk.cookie("motcua_thiet_bi")
    assert lans
    # A cookie made up, one signed with another key, Hùng's own cookie for his name:
    # none is trusted for lan.nt; each guesser is held at the fifth like any stranger.
    wrong_key = URLSafeTimedSerializer(b"not-the-hubs-key", salt="device").dumps(
        {"lan.nt": "x" * 22})
    hungs = Browser(hub)
    assert sign_in(hungs, "hung.gs", "mat-khau-hung") == 302
    for n, cookie in enumerate(["rubbish", wrong_key, hungs.cookie("motcua_thiet_bi")]):
        guesser = Browser(hub)
        guesser.set_cookie("motcua_thiet_bi", cookie)
        replies = [sign_in(guesser, "lan.nt", f"sai-{n}-{i}") for i in range(5)]
        assert replies[-1] == 429 and 302 not in replies, (n, replies)
        assert sign_in(guesser, "lan.nt", "mat-khau-lan") == 429
    # A copy of Lan's own cookie gets that cookie's 5 tries, then waits: no more.
    thief = Browser(hub)
    thief.set_cookie("motcua_thiet_bi", lans)
    replies = [sign_in(thief, "lan.nt", f"trom-{i}") for i in range(8)]
    assert replies[:5] == [401] * 4 + [429] and set(replies[5:]) == {429}
    assert sign_in(thief, "lan.nt", "mat-khau-lan") == 429
    # The key is the hub's own, on its disk only (0600), not in any page or cookie.
    key = secret_key(hub_config).decode()
    assert key not in desk.get("/")[1] and all(key not in c.value for c in desk.jar)


# --- A booking's look-up ----------------------------------------------------------------------

@pytest.fixture
def booking_hub(centre, config, serve, monkeypatch):
    from central import create_app
    from motcua import clock

    monkeypatch.setattr(clock, "now", lambda: NOW.astimezone(dt.UTC))
    return serve(create_app(config, store=centre))


def look_up(browser: Browser, code: str, phone: str) -> tuple[int, str]:
    return browser.post("/dat-lich/tra-cuu", {"code": code, "phone": phone},
                        page="/dat-lich/lich-cua-toi")


def test_a_stranger_with_the_code_cannot_lock_its_owner_out(booking_hub, centre, config):
    # Before: 5 wrong phones for a code locked it everywhere for up to 15 min (one wrong
    # try per lock kept it locked for good), and 20 failures of any codes from the hall's
    # one address locked every citizen's look-up there.
    slot = day_slots(centre, config, "ho-tich", MONDAY)
    lan = book(centre, config, slot[0], phone="0912345678")
    binh = book(centre, config, slot[1], phone="0987654321", key="ip:10.0.0.8")
    owner = Browser(booking_hub)
    status, _ = look_up(owner, lan["code"], "0912345678")
    assert status == 302                                           # she opened it once
    owner.keep_only("motcua_lich_hen")                             # and closed the browser
    stranger = Browser(booking_hub)                                # saw the code over her shoulder
    replies = [look_up(stranger, lan["code"], f"09100000{n:02d}")[0] for n in range(32)]
    assert replies[:30] == [404] * 30 and set(replies[30:]) == {429}
    status, page = look_up(stranger, lan["code"], "0912345678")
    assert status == 429 and "Nhập sai nhiều lần. Xin thử lại sau" in page
    # Her browser still opens it, by the link and by the form ...
    status, page = owner.get(f"/dat-lich/lich-cua-toi?ma={lan['code']}")
    assert status == 200 and f'id="booking-code">{lan["code"]}<' in page
    assert look_up(owner, lan["code"], "0912345678")[0] == 302
    # ... and another citizen on the same Wi-Fi opens his own with his code and phone.
    status, _ = look_up(Browser(booking_hub), binh["code"], "0987654321")
    assert status == 302
    # Codes guessed with no code known find nothing: 30 free is per code.
    assert look_up(stranger, "ABCDEFG", "0912345678")[0] == 404
    # A shared PC: "xóa lịch hẹn khỏi máy này" and the next user finds nothing there.
    status, _ = owner.post("/dat-lich/quen", {}, page=f"/dat-lich/lich-cua-toi?ma={lan['code']}")
    assert status == 302 and owner.cookie("motcua_lich_hen") is None
    status, page = owner.get(f"/dat-lich/lich-cua-toi?ma={lan['code']}")
    assert status == 200 and 'id="booking-code"' not in page and 'id="lookup-form"' in page
    assert bookings_status(centre, lan["code"]) == "booked"                # the booking stays


def bookings_status(store, code: str) -> str:
    return store.db.execute("select status from appointments where code = ?",
                            [code]).fetchone()[0]


def test_the_cookies_that_remember_a_browser_are_httponly_samesite_and_secure(
        hub_config, store):
    # What a script in the page, another site, or the Wi-Fi could take: neither cookie.
    import dataclasses

    from central import create_app

    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan")
    config = dataclasses.replace(hub_config, http=dataclasses.replace(
        hub_config.http, secure_cookies=True))
    client = create_app(config, store=store).test_client()
    page = client.get("/login", base_url="https://hub.local").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    reply = client.post("/login", base_url="https://hub.local", data={
        "username": "lan.nt", "password": "mat-khau-lan", "csrf_token": token})
    device = [h for h in reply.headers.getlist("Set-Cookie") if h.startswith("motcua_thiet_bi=")]
    assert len(device) == 1, reply.headers
    flags = [f.strip().lower() for f in device[0].split(";")]
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= set(flags), flags
    assert any(f.startswith("max-age=") and int(f[8:]) == 90 * 86400 for f in flags)


# --- A dossier's look-up ----------------------------------------------------------------------

def test_a_walker_on_the_wifi_cannot_lock_the_receipts_holder_out_of_her_dossier(
        hub_config, store, serve):
    # Before: /tra-cuu counted every look-up per address (30, then locks up to 15 min):
    # someone walking a day's codes on the hall's Wi-Fi locked every citizen there out
    # of her own dossier. Now the receipt's QR carries a key for its code; with it the
    # look-up is not counted nor refused. Walking without keys stays held back.
    import io

    from PIL import Image
    from pyzbar import pyzbar

    from central import create_app

    from .dossier_helpers import add_procedures
    from .test_dossier_pages import received

    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan")
    d = received(store, hub_config, add_procedures(store))
    hub = serve(create_app(hub_config, store=store))
    officer = Browser(hub)
    assert sign_in(officer, "lan.nt", "mat-khau-lan") == 302
    with officer.opener.open(f"{hub}/dossiers/{d['id']}/ticket.png", timeout=30) as reply:
        receipt = Image.open(io.BytesIO(reply.read()))
    qr = [s.data.decode() for s in pyzbar.decode(receipt) if s.type == "QRCODE"]
    assert len(qr) == 1 and f"code={d['code']}" in qr[0] and "&k=" in qr[0], qr
    path = qr[0][qr[0].index("/tra-cuu"):]
    walker = Browser(hub)
    walk = [walker.get(f"/tra-cuu?code={d['code'][:-4]}{n:04d}")[0] for n in range(2, 34)]
    assert set(walk[:29]) == {200} and set(walk[30:]) == {429}, walk
    citizen = Browser(hub)                                      # same address, no paper
    status, page = citizen.get(f"/tra-cuu?code={d['code']}")
    assert status == 429 and "quét mã QR trên giấy" in page
    status, page = citizen.get(path)                            # the receipt's QR
    assert status == 200 and "Nguyễn T** L**" in page
    forged = path[:path.index("&k=")] + "&k=AAAAAAAAAAAA"
    assert citizen.get(forged)[0] == 429                        # a made-up key is no key
    other = d["code"][:-4] + "0009"                             # a key opens its own code only
    assert citizen.get(f"/tra-cuu?code={other}{path[path.index('&k='):]}")[0] == 429
