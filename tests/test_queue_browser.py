"""The queue's pages in a real headless Chromium, live over MQTT-over-WebSockets."""

import json

import pytest

from central.accounts import users
from central.queue import api
from motcua.bus import Topics

from .conftest import PROJECT, wait_until

pytestmark = pytest.mark.browser
ARTIFACTS = PROJECT / "tests" / "artifacts"
PASSWORD = "mat-khau-thu-1"


@pytest.fixture
def queue_site(queue_hub, hub_config, broker, live_server, store):
    """The hub's site with the sample centre, its pages reading the test broker."""
    assert broker.ws_port, "broker-config/web.acl missing: no websockets listener"
    hub_config.live_mqtt_url = f"ws://127.0.0.1:{broker.ws_port}"
    return live_server


def issue(store, gateway, service, priority=None):
    with store.write() as db:
        result, out = api.issue_ticket(db, Topics(gateway.config.center), service, priority)
    for topic, payload, retain in out:
        gateway.publish_state(topic, payload, retain)
    return result


def open_counter(store, queue_hub, number, user_id):
    """An officer takes counter ``number``, as the console would: its state goes out."""
    with store.write() as db:
        out = api.sign_in(db, Topics(queue_hub.config.center), number, user_id)
    for topic, payload, retain in out:
        queue_hub.publish_state(topic, payload, retain)


def sign_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_an_officer_calls_recalls_transfers_and_finishes_and_the_ticket_page_follows(
        browser, queue_site, store, queue_hub, state_watcher):
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", PASSWORD)
    first = issue(store, queue_hub, "ho-tich")
    second = issue(store, queue_hub, "ho-tich")
    ARTIFACTS.mkdir(exist_ok=True)

    citizen = browser.new_page(viewport={"width": 420, "height": 800})
    citizen.goto(f"{queue_site}{second['live_path']}")
    citizen.evaluate("window.__sameDocument = true")
    citizen.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
    citizen.get_by_text("Còn 1 người trước bạn").wait_for(timeout=5_000)
    assert "Nguyễn" not in citizen.content()  # no personal data

    officer = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(officer, queue_site, "lan.nt")
    officer.goto(f"{queue_site}/console")
    officer.select_option("#counter", "1")
    officer.click("#take")
    officer.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
    officer.keyboard.press("n")  # shortcut: next
    officer.locator("#current", has_text=first["display"]).wait_for(timeout=5_000)
    citizen.get_by_text("Bạn là người tiếp theo").wait_for(timeout=5_000)

    # A second "next" within next_again_s (2 s) of the call is taken as a slip and
    # ignored (audit3); an officer serves A001 for a moment first.
    officer.wait_for_timeout(2_100)
    officer.click("#btn-next")
    officer.locator("#current", has_text=second["display"]).wait_for(timeout=5_000)
    citizen.get_by_text("Xin mời đến Quầy 1").wait_for(timeout=5_000)
    citizen.locator("#status", has_text="Đã gọi").wait_for()
    citizen.screenshot(path=str(ARTIFACTS / "ticket-called.png"), full_page=True)

    officer.click("#btn-recall")
    officer.locator("#message", has_text="Đã gọi lại").wait_for(timeout=5_000)
    wait_until(lambda: any(a["kind"] == "recall" for a in state_watcher.announcements))

    officer.select_option("#transfer-service", "lao-dong")
    officer.click("#btn-transfer")
    officer.locator("#message", has_text="Đã chuyển số").wait_for(timeout=5_000)
    officer.locator("#current", has_text="—").wait_for(timeout=5_000)
    citizen.locator("#service", has_text="Lao động").wait_for(timeout=5_000)
    citizen.locator("#status", has_text="Đang chờ").wait_for(timeout=5_000)

    # Counter 13 serves lao-dong: another officer takes the transferred ticket.
    users.create_user(store, "hung.tv", "Trần Văn Hùng", "officer", PASSWORD)
    other = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(other, queue_site, "hung.tv")
    other.goto(f"{queue_site}/console")
    other.select_option("#counter", "13")
    other.click("#take")
    other.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
    other.click("#btn-next")
    other.locator("#current", has_text=second["display"]).wait_for(timeout=5_000)
    citizen.get_by_text("Xin mời đến Quầy 13").wait_for(timeout=5_000)
    other.keyboard.press("h")  # shortcut: finish
    citizen.locator("#status", has_text="Đã xong").wait_for(timeout=5_000)
    # The next step: rate at the counter, keep the appointment receipt, give feedback.
    done = citizen.locator('#next-step [data-when="done"]')
    done.wait_for(timeout=5_000)
    assert "đánh giá" in done.inner_text() and "Gửi góp ý" in done.inner_text()
    assert not citizen.locator('#next-step [data-when="no_show"]').is_visible()
    assert citizen.evaluate("window.__sameDocument") is True  # never reloaded
    officer.screenshot(path=str(ARTIFACTS / "console.png"), full_page=True)
    citizen.screenshot(path=str(ARTIFACTS / "ticket-done.png"), full_page=True)

    events = [r[0] for r in store.db.execute(
        "select action from ticket_events where ticket_id = ? order by id",
        [second["ticket_id"]])]
    assert events == ["issue", "next", "recall", "transfer", "next", "finish"]


def test_after_a_no_show_the_ticket_page_says_to_take_a_new_number(
        browser, queue_site, store, queue_hub):
    topics = Topics(queue_hub.config.center)
    ticket = issue(store, queue_hub, "ho-tich")
    officer = users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", PASSWORD)
    citizen = browser.new_page(viewport={"width": 390, "height": 844})
    citizen.goto(f"{queue_site}{ticket['live_path']}")
    citizen.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
    assert not citizen.locator("#next-step > div").first.is_visible()
    from central.queue import setup

    with store.write() as db:
        out = api.sign_in(db, topics, 1, officer["id"])
        counter = setup.counter_by_number(db, 1)
        _, more = api.counter_command(db, topics, counter, "next", officer_id=officer["id"])
        out += more
        _, more = api.counter_command(db, topics, counter, "no_show", officer_id=officer["id"])
        out += more
    for topic, payload, retain in out:
        queue_hub.publish_state(topic, payload, retain)
    step = citizen.locator('#next-step [data-when="no_show"]')
    step.wait_for(timeout=5_000)
    assert "lấy số mới" in step.inner_text()
    citizen.screenshot(path=str(ARTIFACTS / "ticket-no-show.png"), full_page=True)
    # The page drawn after the fact says the same.
    citizen.reload()
    citizen.locator('#next-step [data-when="no_show"]').wait_for(timeout=5_000)


def test_the_supervisor_view_follows_every_counter(browser, queue_site, store, queue_hub,
                                                   state_watcher):
    users.create_user(store, "giamsat", "Trần Văn Giám", "supervisor", PASSWORD)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, queue_site, "giamsat")
    page.goto(f"{queue_site}/live")
    page.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
    ticket = issue(store, queue_hub, "dat-dai")
    page.locator('#lines tr[data-service="dat-dai"] td.waiting', has_text="1").wait_for(
        timeout=5_000)
    page.locator('[data-stat="issued"]', has_text="1").wait_for(timeout=5_000)
    # Nobody called yet: no average wait, "—" with its reason, never "0" (issue 23).
    avg = page.locator('[data-stat="avg_wait_min"]')
    assert avg.inner_text() == "—"
    assert avg.get_attribute("title").startswith("Chưa có số nào được gọi")
    officer = users.get_user(store, username="giamsat")
    open_counter(store, queue_hub, 7, officer["id"])
    row = page.locator('#counters tr[data-counter="7"]')
    row.locator("td.state", has_text="Đang mở").wait_for(timeout=5_000)
    row.locator("td.officer", has_text="Trần Văn Giám").wait_for(timeout=5_000)
    page.locator('#lines tr[data-service="dat-dai"] td.open', has_text="1").wait_for(
        timeout=5_000)
    page.screenshot(path=str(ARTIFACTS / "supervisor.png"), full_page=True)
    assert ticket["display"] == "C001"
    # The name is the staff page's, never the retained state's: that reaches anyone
    # on the hall's Wi-Fi through the live pages' relay (audit3: it carried it).
    wait_until(lambda: (state_watcher.state.get("counter/7") or {}).get("signed_in"))
    assert "Giám" not in json.dumps(state_watcher.state, ensure_ascii=False)
    # Another officer takes counter 7, open all along: the row names them, no reload.
    page.evaluate("window.__sameDocument = true")
    other = users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", PASSWORD)
    open_counter(store, queue_hub, 7, other["id"])
    row.locator("td.officer", has_text="Nguyễn Thị Lan").wait_for(timeout=5_000)
    assert page.evaluate("window.__sameDocument") is True
    assert "Nguyễn" not in json.dumps(state_watcher.state, ensure_ascii=False)
    # And the list of names is for supervisors: not for a citizen's phone.
    citizen = browser.new_page()
    reply = citizen.goto(f"{queue_site}/live/can-bo")
    assert "/login" in reply.url and "Nguyễn Thị Lan" not in citizen.content()
    citizen.close()


def test_anonymous_websocket_clients_can_read_state_but_not_write(broker, queue_hub, center,
                                                                  state_watcher):
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    seen = []
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="web-test",
                         transport="websockets")
    client.on_message = lambda c, u, m: seen.append(m.topic)
    client.connect("127.0.0.1", broker.ws_port)
    client.loop_start()
    try:
        client.subscribe(f"motcua/{center}/#")
        wait_until(lambda: f"motcua/{center}/state/board/main" in seen)
        client.publish(f"motcua/{center}/state/board/main", b'{"v":1}', qos=1, retain=True)
        client.publish(f"motcua/{center}/node/dispenser-1/request/ticket", b"{}", qos=1)
        import time
        time.sleep(0.5)
        assert state_watcher.state["board/main"]["hall"] == "main"  # untouched
        assert not any("/node/" in t for t in seen)
    finally:
        client.loop_stop()
        client.disconnect()


def test_the_admin_sees_a_clear_error_for_a_bad_service(browser, queue_site, store):
    users.create_user(store, "quantri", "Quản Trị", "admin", PASSWORD)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, queue_site, "quantri")
    page.goto(f"{queue_site}/admin/queue")
    form = page.locator("#service-form")
    form.locator("input[name=code]").fill("moi")
    form.locator("input[name=name]").fill("Dịch vụ mới")
    form.locator("input[name=prefix]").fill("A")
    form.locator("input[name=range_start]").fill("10")
    form.locator("input[name=range_end]").fill("20")
    form.locator("button[type=submit]").click()
    page.get_by_text("trùng với dịch vụ 'Hộ tịch").wait_for(timeout=5_000)
    assert form.locator("input[name=name]").input_value() == "Dịch vụ mới"  # kept for fixing
    page.screenshot(path=str(ARTIFACTS / "admin-queue.png"), full_page=False)


@pytest.mark.parametrize("path", ["/live", "/dashboard"])
def test_every_counter_column_shows_at_a_desktop_width(browser, queue_site, store, queue_hub,
                                                       path):
    # Seen on the sample centre at 1280 px: the counters' table had half the row, its
    # "Đang phục vụ" column (since when each citizen has been served) scrolled out of
    # sight and "Số hiện tại" broken over three lines, beside a services table with
    # room to spare.
    from central.queue import setup

    users.create_user(store, "giamsat", "Trần Văn Giám", "supervisor", PASSWORD)
    users.create_user(store, "thao", "Nguyễn Thị Phương Thảo", "officer", PASSWORD)
    users.create_user(store, "chau", "Nguyễn Minh Châu", "officer", PASSWORD)
    thao, chau = (users.get_user(store, username=n) for n in ("thao", "chau"))
    issue(store, queue_hub, "dat-dai")
    topics = Topics(queue_hub.config.center)
    with store.write() as db:
        out = api.sign_in(db, topics, 7, thao["id"])
        out += api.counter_command(db, topics, setup.counter_by_number(db, 7), "next",
                                   officer_id=thao["id"])[1]
        out += api.sign_in(db, topics, 2, chau["id"])
        out += api.counter_command(db, topics, setup.counter_by_number(db, 2), "pause",
                                   officer_id=chau["id"], minutes=15)[1]
    for topic, payload, retain in out:
        queue_hub.publish_state(topic, payload, retain)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, queue_site, "giamsat")
    page.goto(f"{queue_site}{path}")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"counters-1280{path.replace('/', '-')}.png"),
                    full_page=True)
    since = page.locator('#counters tr[data-counter="7"] td.since')
    assert since.inner_text().startswith("từ ")
    assert "Tạm nghỉ đến" in page.locator('#counters tr[data-counter="2"] td.state').inner_text()
    wrap = page.evaluate("""() => { const w = document.querySelector('.counters-wrap');
        return {scroll: w.scrollWidth, client: w.clientWidth}; }""")
    assert wrap["scroll"] <= wrap["client"] + 1, f"{path}: the counters' table is cut: {wrap}"
    box, frame = since.bounding_box(), page.locator(".counters-wrap").bounding_box()
    assert box["x"] + box["width"] <= frame["x"] + frame["width"] + 1, (box, frame)
    head = page.locator("#counters th", has_text="Số hiện tại").bounding_box()
    assert head["height"] < 60, f"“Số hiện tại” broken over three lines: {head}"
    page.close()


# One text line per cell: the number of line boxes the cell's text makes (a Range's
# client rects, one per line), and whether the table stays inside the page.
LINES_OF_TEXT = """(sel) => [...document.querySelectorAll(sel)].map((cell) => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
  const box = cell.getBoundingClientRect();
  return {text: cell.innerText.trim(), lines: tops.size, right: box.right,
          service: cell.closest('tr').dataset.service};
})"""


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("path", ["/live", "/dashboard"])
def test_no_counter_open_reads_on_one_line(browser, queue_site, store, queue_hub, path, width):
    # Seen on /live with the sample centre before the counters open: "Chưa có quầy nào mở"
    # in the narrow "Ước tính (phút)" column broke over three lines on every service,
    # at 1280 px (the services' table beside the counters') and at 360 px.
    from motcua.wording import NO_COUNTER_OPEN

    users.create_user(store, "giamsat", "Trần Văn Giám", "supervisor", PASSWORD)
    page = browser.new_page(viewport={"width": width, "height": 900})
    sign_in(page, queue_site, "giamsat")
    page.goto(f"{queue_site}{path}")
    page.locator("#link.up").wait_for(timeout=10_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"no-counter-open-{width}{path.replace('/', '-')}.png"),
                    full_page=True)
    cells = page.evaluate(LINES_OF_TEXT, "#lines td.estimate")
    assert len(cells) == 12 and {c["text"] for c in cells} == {NO_COUNTER_OPEN}, cells
    assert [c for c in cells if c["lines"] != 1] == [], f"{path} at {width} px"
    # The service's own name keeps room: at most three lines ("Nội vụ – Tài chính – Dân
    # tộc, Tôn giáo"), not one word a line.
    names = page.evaluate(LINES_OF_TEXT, "#lines td:first-child")
    assert max(c["lines"] for c in names) <= 3, names
    assert max(c["right"] for c in cells + names) <= width, "the table leaves the page"
    # A counter opens for "Đất đai – Môi trường": its row shows the figures again, live.
    officer = users.get_user(store, username="giamsat")
    open_counter(store, queue_hub, 7, officer["id"])
    row = page.locator('#lines tr[data-service="dat-dai"]')
    row.locator("td.open", has_text="1").wait_for(timeout=5_000)
    assert row.locator("td.estimate").inner_text() not in ("", NO_COUNTER_OPEN)
    assert row.locator("td.open").is_visible()
    # And closes again: the phrase, on one line.
    from central.queue import setup

    with store.write() as db:
        out = api.counter_command(db, Topics(queue_hub.config.center),
                                  setup.counter_by_number(db, 7), "close",
                                  officer_id=officer["id"])[1]
    for topic, payload, retain in out:
        queue_hub.publish_state(topic, payload, retain)
    row.locator("td.estimate", has_text=NO_COUNTER_OPEN).wait_for(timeout=5_000)
    (again,) = [c for c in page.evaluate(LINES_OF_TEXT, "#lines td.estimate")
                if c["service"] == "dat-dai"]
    assert again["lines"] == 1, again
    page.close()


def test_a_served_ticket_whose_day_closed_says_no_wait(browser, queue_site, store, queue_hub):
    # Seen in the demo the day after: a ticket served yesterday ("Đã xong") had no retained
    # state any more (a new day clears it), and its page, following today's line, said
    # "Bạn là người tiếp theo" and "Thời gian chờ ước tính: dưới 5 phút".
    from central.queue import setup

    topics = Topics(queue_hub.config.center)
    ticket = issue(store, queue_hub, "ho-tich")
    officer = users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", PASSWORD)
    with store.write() as db:
        out = api.sign_in(db, topics, 1, officer["id"])
        counter = setup.counter_by_number(db, 1)
        for action in ("next", "finish"):
            out += api.counter_command(db, topics, counter, action, officer_id=officer["id"])[1]
    for topic, payload, retain in out:
        queue_hub.publish_state(topic, payload, retain)
    token = ticket["live_path"].rsplit("/", 1)[1]
    queue_hub.publish_state(topics.ticket_state(token), api.CLEAR, True)   # as a new day does
    issue(store, queue_hub, "ho-tich")          # today's line has someone in it
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{queue_site}{ticket['live_path']}")
    page.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
    page.wait_for_timeout(500)                  # the line's state has come
    assert page.locator("#status").inner_text() == "Đã xong"
    assert page.locator("#ahead").inner_text() == ""
    assert page.locator("#estimate").inner_text() == ""
    page.close()

def test_the_live_pages_tell_the_hub_stopped_from_their_own_link_lost(
        browser, queue_site, store, queue_hub):
    """The broker (or the relay) is there, the hub is not: its Last Will says "offline".
    A supervisor's dashboard and a citizen's ticket page said "Đang cập nhật trực tiếp"
    over figures that no longer moved. Now the supervisor reads that the hub has stopped
    and the figures stand still, the citizen that calling is interrupted and their
    place kept; "Mất kết nối" stays for the page's own link. Back when the hub is."""
    from motcua.bus.messages import HUB_STATUS, encode

    users.create_user(store, "giamsat", "Trần Văn Giám", "supervisor", PASSWORD)
    ticket = issue(store, queue_hub, "ho-tich")
    ARTIFACTS.mkdir(exist_ok=True)
    supervisor = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(supervisor, queue_site, "giamsat")
    supervisor.goto(f"{queue_site}/dashboard")
    citizen = browser.new_page(viewport={"width": 360, "height": 740})
    citizen.goto(f"{queue_site}{ticket['live_path']}")
    for page in (supervisor, citizen):
        page.locator("#link.up", has_text="Đang cập nhật trực tiếp").wait_for(timeout=10_000)
    topic = Topics(queue_hub.config.center).hub_status()

    def hub(state):
        queue_hub.bus.transport.publish(topic, encode(HUB_STATUS.make(state=state)), 1, True)

    hub("offline")  # what the broker publishes for a hub that vanished
    supervisor.locator("#link.hub-down").wait_for(timeout=10_000)
    assert supervisor.locator("#link").inner_text() == (
        "Máy chủ trung tâm đang ngừng hoạt động: số liệu dưới đây không còn được cập nhật "
        "cho đến khi máy chủ chạy lại")
    citizen.locator("#link.hub-down").wait_for(timeout=10_000)
    assert citizen.locator("#link").inner_text() == (
        "Hệ thống gọi số đang tạm gián đoạn: số của bạn vẫn giữ nguyên chỗ trong hàng")
    # Inside the phone's width, on one screen with the number.
    box = citizen.locator("#link").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    supervisor.screenshot(path=str(ARTIFACTS / "dashboard-hub-down.png"))
    citizen.screenshot(path=str(ARTIFACTS / "ticket-hub-down.png"), full_page=True)
    hub("online")
    for page in (supervisor, citizen):
        page.locator("#link.up", has_text="Đang cập nhật trực tiếp").wait_for(timeout=10_000)
        page.close()
