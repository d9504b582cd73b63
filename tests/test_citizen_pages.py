"""Citizen pages for citizens (issue 23): no staff links in the public navigation,
a discreet staff sign-in, an icon, popular procedures before any search."""

import re

from central import catalog
from central.accounts import users

from . import stats_dataset

STAFF_PAGES = ["/nodes", "/console", "/reception", "/dashboard", "/statistics", "/live",
               "/admin", "/quan-tri", "/fees", "/sms"]


def nav_links(html: str) -> list[str]:
    nav = html[html.index("<nav"):html.index("</nav>")]
    return re.findall(r'href="([^"]+)"', nav)


def test_the_public_navigation_has_no_staff_links(client, store):
    for path in ("/", "/thu-tuc", "/tra-cuu", "/thong-ke", "/gop-y"):
        reply = client.get(path, follow_redirects=True)
        assert reply.status_code == 200, path
        html = reply.get_data(as_text=True)
        links = nav_links(html)
        assert links and not [h for h in links if h.startswith(tuple(STAFF_PAGES))], (path, links)
        assert "Đăng nhập" not in html[html.index("<nav"):html.index("</nav>")]
        # A discreet way in for staff, in the footer.
        footer = html[html.index("<footer"):]
        assert 'href="/login"' in footer and "Cán bộ đăng nhập" in footer
        assert 'rel="icon"' in html


def test_the_home_page_offers_every_public_service_its_menu_does(client, store):
    # The menu had "Đặt lịch hẹn"; the home page's tiles, what a phone shows first,
    # did not: a citizen who never opens the menu never learnt booking existed.
    html = client.get("/").get_data(as_text=True)
    main = html[html.index("<main"):html.index("</main>")]
    tiles = set(re.findall(r'href="([^"?]+)', main[main.index('class="tiles"'):]))
    assert set(nav_links(html)) - tiles == set(), set(nav_links(html)) - tiles
    assert "Đặt lịch hẹn" in main


def test_staff_see_their_menus_and_no_sign_in_link(client, store):
    from .signing import login

    login(client, "thanh.tra", "supervisor", store)
    html = client.get("/").get_data(as_text=True)
    nav = html[html.index("<nav"):html.index("</nav>")]
    for menu in ("Hồ sơ", "Hàng chờ", "Điều hành"):
        assert f"<summary>{menu}</summary>" in nav
    assert "<summary>Quản trị</summary>" not in nav  # admins only
    assert "Cán bộ đăng nhập" not in html


def test_the_favicon_is_served(client):
    reply = client.get("/favicon.ico")
    assert reply.status_code == 200 and reply.mimetype == "image/svg+xml"
    assert reply.data.startswith(b"<svg")


def test_some_procedures_before_searching_in_a_new_centre(client, store):
    catalog.load_sample(store, "admin")
    html = client.get("/thu-tuc").get_data(as_text=True)
    assert 'id="popular"' in html and "Một số thủ tục" in html  # no dossier yet: catalog order


def test_popular_procedures_before_searching(client, store, hub_config, monkeypatch):
    from motcua import clock

    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-dai-du")
    stats_dataset.build(store, hub_config)  # birth registrations most of all
    monkeypatch.setattr(clock, "now", lambda: stats_dataset.NOW)
    html = client.get("/thu-tuc").get_data(as_text=True)
    popular = html[html.index('id="popular"'):]
    assert "Thủ tục được nộp nhiều" in html
    first = re.search(r'<li><a href="([^"]+)">([^<]+)<', popular).groups()
    assert first == ("/thu-tuc/1.001193", "Đăng ký khai sinh")
    # A search replaces them.
    assert 'id="popular"' not in client.get("/thu-tuc?q=chung+thuc").get_data(as_text=True)


def test_old_addresses_keep_working(client, store):
    """docs/development.md's URL rule: moved pages answer at their old address."""
    moved = {"/lookup?code=000.00.00.H56-260406-0001": "/tra-cuu?code=000.00.00.H56-260406-0001",
             "/quan-tri/thu-tuc": "/admin/catalog",
             "/quan-tri/thu-tuc/1.001193": "/admin/catalog/1.001193",
             "/quan-tri/xuat-danh-muc.json": "/admin/catalog/export.json",
             "/phan-anh": "/feedback", "/phan-anh/7": "/feedback/7"}
    for old, new in moved.items():
        reply = client.get(old)
        assert reply.status_code == 301 and reply.headers["Location"] == new, old
    # The public ones in Vietnamese, the staff ones in English: what the rule says.
    assert client.get("/tra-cuu").status_code == 200
    assert client.get("/admin/catalog").status_code == 302  # sign in first


# English words a page could leak to a citizen: a template's or a view's forgotten
# default, a status code's own name, an error page of the framework, a script's
# artefact. ASCII words that are also Vietnamese (can, ban, tin, con, sang, may …)
# are not in it.
ENGLISH_WORDS = """
the and not found error page search submit back next loading ticket tickets service
services counter counters queue booking bookings cancel cancelled yes none null undefined
nan true false unknown request requests forbidden method allowed internal server bad
many please try again login logout sign name phone email code date time today minute
minutes hour hours day days department procedure procedures dossier dossiers feedback
rating help home menu close send save delete edit update new more less show hide print
download view list all any other total average wait waiting estimate priority elderly
disabled pregnant merit main hall offline online connected connecting failed success
invalid required optional missing expired serving called done open closed status state
your you with from for this that see here click link start end level fee fees free
step steps result results
"""
ENGLISH = set(ENGLISH_WORDS.split())
WORD = re.compile(r"(?<![\w/.@:%#=&?-])([A-Za-z]{3,})(?![\w/.@:%#=&?-])")


def citizen_text(html: str) -> str:
    """What a citizen reads on the page: its text, the fields' examples, titles and
    alternatives; not scripts, styles, addresses or the staff sign-in footer."""
    body = html[html.index("<body"):]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    said = re.findall(r'(?:placeholder|title|alt|aria-label)="([^"]*)"', body)
    text = re.sub(r"<[^>]+>", " ", body)
    return " ".join([text, *said])


def test_citizen_pages_say_nothing_in_english(client, store, hub_config):
    import html as html_lib

    from central.queue import api, setup
    from motcua.bus import Topics

    catalog.load_sample(store, "admin")
    setup.load_file(store, setup.SAMPLE, actor="test")
    with store.write() as db:
        ticket, _ = api.issue_ticket(db, Topics(hub_config.center), "ho-tich")
    token = store.db.execute("select token from tickets where id = ?",
                             [ticket["ticket_id"]]).fetchone()[0]
    pages = ["/", "/thu-tuc", "/thu-tuc?q=khai+sinh", "/thu-tuc?q=zzzz", "/thu-tuc/1.001193",
             "/tra-cuu", "/tra-cuu?code=000.00.00.H56-260406-0001", "/dat-lich",
             "/dat-lich/tra-cuu", "/gop-y", "/gop-y/cong-khai", "/thong-ke", f"/t/{token}",
             "/t/khong-co-so-nay", "/khong-co-trang-nay", "/login"]
    english = {}
    for path in pages:
        reply = client.get(path)
        assert reply.status_code in (200, 404, 405), (path, reply.status_code)
        text = html_lib.unescape(citizen_text(reply.get_data(as_text=True)))
        words = {w for w in WORD.findall(text) if w.lower() in ENGLISH}
        if words:
            english[path] = sorted(words)
    assert english == {}, english
