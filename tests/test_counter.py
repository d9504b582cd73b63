"""The counter terminal on gpiozero's MockFactory and the real broker.

Keys are pressed by driving the mock pins as a finger would; what the
counter shows is read from luma's dummy device, the picture its number
module would show.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

from luma.led_matrix.segment_mapper import dot_muncher
from PIL import ImageStat

from central.accounts.users import create_user
from central.feedback import ratings
from central.queue import api, state
from counter.display import segment_bytes, segment_text
from motcua import clock
from motcua.bus.messages import COUNTER_COMMAND, RATING, TICKET

from .conftest import chatter, wait_until
from .golden import check_image

KEYPAD = {"next": [17], "recall": [27], "no_show": [22], "finish": [23], "transfer": [24],
          "pause": [25]}
RATING_PINS = {"buttons": [4, 12, 16, 21], "leds": [18, 14, 15, 11]}


def counter_settings(tmp_path, number=1, driver="oled", blink_s=0.0, **rating):
    return {"keypad": {"counters": [number], **KEYPAD},
            "rating": {**RATING_PINS, "outbox": str(tmp_path / f"outbox-{number}.sqlite"),
                       **rating},
            "display": {"driver": driver, "blink_s": blink_s,
                        "image_dir": str(tmp_path / "display")}}


def ask(node, name, payload):
    return node.bus.request(node.topics.node_request(node.node_id, name), payload,
                            response_topic=node.topics.node_response(node.node_id, name),
                            timeout=10)


def take_ticket(node, service="ho-tich"):
    answer = ask(node, "ticket", TICKET.make(service=service))
    assert answer["ok"], answer
    return answer["result"]


def tap(button, hold=0.08):
    button.pin.drive_low()
    time.sleep(hold)
    button.pin.drive_high()
    time.sleep(0.06)  # released long enough for the next press to count


def key(node, action, number=1):
    return node.units[number].keys[action].button


def rating_key(node, level_index, number=1):
    return node.units[number].rating.presses[level_index].button


def shown(node, number=1):
    unit = node.units[number]
    return unit.view(time.monotonic())


def statuses(store):
    return dict(store.db.execute("select display, status from tickets").fetchall())


def test_next_calls_the_head_of_the_line_and_the_display_shows_its_number(
        queue_hub, make_node, store, tmp_path):
    dispenser = make_node("dispenser", "dispenser-1")
    for _ in range(3):
        take_ticket(dispenser)
    counter = make_node("counter", "counter-1", **counter_settings(tmp_path))
    neighbour = make_node("counter", "counter-2",
                          **counter_settings(tmp_path, number=2, driver="segment"))
    tap(key(counter, "next"))
    wait_until(lambda: shown(counter).number == "A001")
    assert statuses(store)["A001"] == "called"
    device = counter.units[1].display.device
    wait_until(lambda: counter.units[1].display._last[0].number == "A001"
               and counter.units[1].display._last[0].message == "Đang gọi số A001.")
    check_image("counter-oled-A001.png", device.image)
    # The neighbouring counter's seven-segment module shows the next in line.
    tap(key(neighbour, "next", 2), hold=0.1)
    segments = neighbour.units[2].display.device
    wait_until(lambda: segment_bytes(segments.image) == list(dot_muncher("A002")))
    assert statuses(store) == {"A001": "called", "A002": "called", "A003": "waiting"}
    # The fake-hardware image file follows the display.
    assert (tmp_path / "display" / "counter-2.png").exists()


def test_a_held_button_and_chattering_contacts_call_once(queue_hub, make_node, store,
                                                         tmp_path):
    dispenser = make_node("dispenser", "dispenser-1")
    for _ in range(3):
        take_ticket(dispenser)
    counter = make_node("counter", "counter-1", **counter_settings(tmp_path))
    pin = key(counter, "next").pin
    # Contacts bouncing for a few milliseconds (of the debounce's time: on a busy
    # machine a 4 ms sleep can outlast the 50 ms settle time).
    chatter(pin, counter.units[1].keys["next"], gap=0.004, held=True)
    time.sleep(1.0)  # and then held down for a second
    pin.drive_high()
    wait_until(lambda: shown(counter).number == "A001")
    time.sleep(0.5)
    assert statuses(store) == {"A001": "called", "A002": "waiting", "A003": "waiting"}
    calls = store.db.execute("select count(*) from ticket_events where action = 'next'")
    assert calls.fetchone()[0] == 1


def test_a_refused_command_shows_the_hubs_reason(queue_hub, make_node, store, tmp_path):
    counter = make_node("counter", "counter-1", **counter_settings(tmp_path))
    tap(key(counter, "recall"))
    view = wait_until(lambda: (v := shown(counter)).message and v)
    assert view.error and view.message == "Quầy chưa gọi số nào."
    image = counter.units[1].display.device.image
    check_image("counter-oled-refused.png", image)
    # The pause / resume key opens a closed counter, pauses an open one: asking for
    # how long first, a second press choosing 15 minutes.
    tap(key(counter, "pause"))
    wait_until(lambda: shown(counter).status == "open")
    tap(key(counter, "pause"))
    view = wait_until(lambda: (v := shown(counter)).choosing and v)
    assert view.choosing == "15 phút" and segment_text(view) == "PA 15"
    tap(key(counter, "pause"))
    wait_until(lambda: shown(counter).status == "paused")
    view = wait_until(lambda: (v := shown(counter)).message and v)
    back_at, since = store.db.execute(
        "select back_at, status_since from counters where number = 1").fetchone()
    assert clock.from_iso(back_at) - clock.from_iso(since) == dt.timedelta(minutes=15)
    assert view.message == f"Quầy tạm nghỉ 15 phút, đến {clock.show(back_at, fmt='%H:%M')}."
    tap(key(counter, "next"))
    wait_until(lambda: shown(counter).message
               == "Quầy đang tạm dừng; bấm tiếp tục trước khi gọi số.")
    assert shown(counter).error
    # The pause key resumes a paused counter.
    tap(key(counter, "pause"))
    wait_until(lambda: shown(counter).status == "open")


def test_the_officer_says_how_long_a_pause_lasts_or_that_it_is_not_known(
        queue_hub, make_node, store, tmp_path):
    """Issue 25: the pause key asks for how long (next / recall change it, finish or
    pause chooses, any other key cancels); the hub keeps the planned return and the
    line's estimate counts on it."""
    counter = make_node("counter", "counter-1", **counter_settings(tmp_path))

    def back_at():
        return store.db.execute("select status, back_at, announced from counters "
                                "where number = 1").fetchone()

    tap(key(counter, "pause"))  # closed: opens
    wait_until(lambda: shown(counter).status == "open")
    # Another key cancels: the counter stays open.
    tap(key(counter, "pause"))
    wait_until(lambda: shown(counter).choosing)
    tap(key(counter, "no_show"))
    wait_until(lambda: shown(counter).message == "Quầy vẫn mở.")
    assert shown(counter).status == "open" and back_at() == ("open", None, 0)
    # Next twice: 60 minutes, chosen with the finish key; the OLED says it.
    tap(key(counter, "pause"))
    wait_until(lambda: shown(counter).choosing)
    tap(key(counter, "next"))
    tap(key(counter, "next"))
    view = wait_until(lambda: (v := shown(counter)).choosing == "60 phút" and v)
    check_image("counter-oled-pause-chooser.png", _drawn(counter, view))
    tap(key(counter, "finish"))
    wait_until(lambda: shown(counter).status == "paused")
    status, back, announced = back_at()
    since = store.db.execute("select status_since from counters where number = 1").fetchone()[0]
    assert clock.from_iso(back) - clock.from_iso(since) == dt.timedelta(minutes=60)
    assert announced == 1
    line = state.line(store.db, "ho-tich")
    assert [c["back"] for c in line["changes"]] == [1] and line["changes"][0]["at"] == back
    # The officer's display says when the counter is due back (from its state).
    view = wait_until(lambda: (v := shown(counter)).back and v)
    assert view.back == clock.show(back, fmt="%H:%M")
    check_image("counter-oled-paused-until.png",
                _drawn(counter, dataclasses.replace(view, back="10:15", message=None)))
    # Back: the return was foreseen, the line stays steady.
    tap(key(counter, "pause"))
    wait_until(lambda: shown(counter).status == "open")
    assert back_at() == ("open", None, 1)
    # Recall from the first choice: the last, a pause of unknown length.
    tap(key(counter, "pause"))
    wait_until(lambda: shown(counter).choosing)
    tap(key(counter, "recall"))
    view = wait_until(lambda: (v := shown(counter)).choosing == "Chưa rõ bao lâu" and v)
    assert segment_text(view) == "PA --"
    tap(key(counter, "finish"))
    wait_until(lambda: shown(counter).status == "paused")
    assert back_at() == ("paused", None, 0)
    assert wait_until(lambda: shown(counter).message) == "Quầy tạm dừng."


def _drawn(counter, view):
    """``view`` drawn on an OLED of its own (the node's may be drawing the next frame)."""
    from luma.core.device import dummy

    from counter.display import NumberDisplay

    oled = NumberDisplay(dummy(128, 64, mode="1"), "oled", 1)
    oled.name = counter.units[1].display.name
    oled.draw(view, now=0)
    return oled.device.image


def test_a_restarted_counter_shows_its_number_from_retained_state_within_2_s(
        queue_hub, make_node, store, tmp_path):
    dispenser = make_node("dispenser", "dispenser-1")
    take_ticket(dispenser)
    first = make_node("counter", "counter-1", **counter_settings(tmp_path))
    tap(key(first, "next"))
    wait_until(lambda: shown(first).number == "A001")
    first.stop()
    started = time.monotonic()
    again = make_node("counter", "counter-1", **counter_settings(tmp_path))
    display = again.units[1].display
    wait_until(lambda: display._last and display._last[0].number == "A001", timeout=2.0)
    assert time.monotonic() - started < 2.0
    assert shown(again).online and shown(again).status == "open"


def test_transfer_chooses_a_service_on_the_keypad(queue_hub, make_node, store, tmp_path):
    dispenser = make_node("dispenser", "dispenser-1")
    take_ticket(dispenser)
    counter = make_node("counter", "counter-3", **counter_settings(tmp_path, number=3))
    tap(key(counter, "next", 3))
    wait_until(lambda: shown(counter, 3).number == "A001")
    tap(key(counter, "transfer", 3))
    wait_until(lambda: shown(counter, 3).choosing)
    names = [c[0] for c in counter.units[3].choices]
    target = names.index("Lao động – Việc làm – Người có công") if \
        "Lao động – Việc làm – Người có công" in names else None
    codes = [c[2].get("target_service") for c in counter.units[3].choices]
    target = codes.index("lao-dong") if target is None else target
    for _ in range(target):
        tap(key(counter, "next", 3))
    wait_until(lambda: counter.units[3].choice == target)
    assert shown(counter, 3).choosing == names[target]
    tap(key(counter, "finish", 3))
    wait_until(lambda: store.db.execute(
        "select s.code, t.status from tickets t join services s on s.id = t.service_id"
    ).fetchone() == ("lao-dong", "waiting"))
    wait_until(lambda: (shown(counter, 3).message or "").startswith("Đã chuyển số A001"))


def sign_in_officer(store, number=1):
    user = create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-dai-1")
    from motcua.bus import Topics

    with store.write() as db:
        api.sign_in(db, Topics("x"), number, user["id"])
    return user


def test_a_rating_after_finish_reaches_the_hub_once(queue_hub, make_node, store, tmp_path):
    officer = sign_in_officer(store)
    dispenser = make_node("dispenser", "dispenser-1")
    take_ticket(dispenser)
    counter = make_node("counter", "counter-1", **counter_settings(tmp_path))
    leds = counter.units[1].rating.leds
    tap(rating_key(counter, 0))  # before anything is finished: dark, nothing sent
    tap(key(counter, "next"))
    wait_until(lambda: shown(counter).number == "A001")
    tap(rating_key(counter, 1))  # called, not finished: still dark
    assert not any(led.is_lit for led in leds)
    tap(key(counter, "finish"))
    wait_until(lambda: all(led.is_lit for led in leds))
    assert shown(counter).rating
    tap(rating_key(counter, 1))  # Hài lòng
    tap(rating_key(counter, 1))
    tap(rating_key(counter, 3))  # pressed again: one rating per ticket
    wait_until(lambda: store.db.execute("select count(*) from ratings").fetchone()[0] == 1)
    assert not any(led.is_lit for led in leds)
    time.sleep(0.5)
    rows = list(store.db.query(
        "select r.level, r.score, t.display, c.number, r.officer_id from ratings r "
        "join tickets t on t.id = r.ticket_id join counters c on c.id = r.counter_id"))
    assert rows == [{"level": "satisfied", "score": 3, "display": "A001", "number": 1,
                     "officer_id": officer["id"]}]
    assert ratings.summary(store.db, officer_id=officer["id"])["satisfied_share"] == 1.0
    assert len(counter.outbox) == 0
    assert "Cảm ơn quý khách" in (shown(counter).message or "")


def test_the_rating_keys_go_dark_after_the_window(queue_hub, make_node, store, tmp_path):
    dispenser = make_node("dispenser", "dispenser-1")
    take_ticket(dispenser)
    counter = make_node("counter", "counter-1", **counter_settings(tmp_path, window_s=0.5))
    leds = counter.units[1].rating.leds
    tap(key(counter, "next"))
    wait_until(lambda: shown(counter).number == "A001")
    tap(key(counter, "finish"))
    wait_until(lambda: all(led.is_lit for led in leds))
    wait_until(lambda: not any(led.is_lit for led in leds))
    tap(rating_key(counter, 0))
    time.sleep(0.5)
    assert store.db.execute("select count(*) from ratings").fetchone()[0] == 0
    assert len(counter.outbox) == 0


def test_the_hub_stores_no_rating_before_finish_nor_a_second_one(
        queue_hub, make_node, store, gateway):
    dispenser = make_node("dispenser", "dispenser-1")
    take_ticket(dispenser)
    take_ticket(dispenser)
    node = make_node("counter", "counter-1")
    topic = node.topics.node_event("counter-1", "rating")
    called = ask(node, "counter_command", COUNTER_COMMAND.make(action="next", counter=1))
    assert called["result"]["finished"] is None
    ticket_id = store.db.execute("select id from tickets where display = 'A001'").fetchone()[0]
    early = RATING.make(ticket_id=ticket_id, counter=1, level="very_satisfied")
    node.bus.publish(topic, early)
    done = ask(node, "counter_command", COUNTER_COMMAND.make(action="next", counter=1))
    assert done["result"]["finished"] == {"ticket_id": ticket_id, "display": "A001"}
    first = RATING.make(ticket_id=ticket_id, counter=1, level="neutral")
    node.bus.publish(topic, first)
    node.bus.publish(topic, first)  # redelivered: applied once
    node.bus.publish(topic, RATING.make(ticket_id=ticket_id, counter=1, level="dissatisfied"))
    # Another node may not rate counter 1's tickets.
    other = make_node("counter", "counter-2")
    other.bus.publish(other.topics.node_event("counter-2", "rating"),
                      RATING.make(ticket_id=ticket_id, counter=1, level="satisfied"))
    wait_until(lambda: store.db.execute("select count(*) from ratings").fetchone()[0] >= 1)
    wait_until(lambda: store.db.execute(
        "select count(*) from bus_messages where topic like '%/rating'").fetchone()[0] == 1)
    time.sleep(0.5)
    assert [r["level"] for r in store.db.query("select level from ratings")] == ["neutral"]


def test_one_pi_drives_two_neighbouring_counters(queue_hub, make_node, store, tmp_path):
    from central.devices import bindings

    with store.write() as db:
        bindings.link(db, "counter-1", 2, actor="test")
    dispenser = make_node("dispenser", "dispenser-1")
    take_ticket(dispenser)
    take_ticket(dispenser)
    settings = {"keypad": {"counters": [1, 2], "next": [17, 5], "finish": [23, 6]},
                "display": {"blink_s": 0.0, "image_dir": str(tmp_path / "display")}}
    node = make_node("counter", "counter-1", **settings)
    tap(key(node, "next", 2))
    wait_until(lambda: shown(node, 2).number == "A001")
    tap(key(node, "next", 1))
    wait_until(lambda: shown(node, 1).number == "A002")
    rows = dict(store.db.execute("select t.display, c.number from tickets t join counters c "
                                 "on c.id = t.counter_id").fetchall())
    assert rows == {"A001": 2, "A002": 1}
    stranger = make_node("counter", "counter-3")
    refused = ask(stranger, "counter_command", COUNTER_COMMAND.make(action="finish", counter=2))
    assert refused["error"]["code"] == "not_bound"


def test_with_the_broker_down_a_rating_waits_in_the_outbox_and_arrives_once(
        tmp_path, center, store, sample_centre, hub_config):
    from central.bus.gateway import Gateway
    from central.config import HubConfig
    from counter.node import Counter
    from motcua.broker import Mosquitto
    from motcua.bus import Topics
    from motcua.config import from_dict

    from .conftest import PROJECT

    own = Mosquitto(PROJECT / "broker-config" / "test.conf", data_dir=tmp_path / "broker")
    own.start()
    nodes = []
    gateway = None
    try:
        config = from_dict(HubConfig, {"center": center, "database": hub_config.database,
                                       "mqtt": {"port": own.port, "keepalive": 5}})
        gateway = Gateway(config, store).start()
        assert gateway.bus.wait_connected(10)
        with store.write() as db:
            api.issue_ticket(db, Topics(center), "ho-tich")

        def start_counter():
            settings = {"center": center, "node_id": "counter-1", "simulate": True,
                        "mqtt": {"port": own.port, "keepalive": 5},
                        **counter_settings(tmp_path)}
            node = Counter(from_dict(Counter.config_class, settings)).start()
            nodes.append(node)
            assert node.bus.wait_connected(10)
            return node

        counter = start_counter()
        tap(key(counter, "next"))
        wait_until(lambda: shown(counter).number == "A001")
        tap(key(counter, "finish"))
        wait_until(lambda: counter.units[1].rating.lit)
        own.stop()
        wait_until(lambda: not counter.bus.connected, timeout=10)
        tap(rating_key(counter, 0))  # Rất hài lòng, with no broker
        wait_until(lambda: len(counter.outbox) == 1)
        time.sleep(1.0)
        assert len(counter.outbox) == 1
        assert store.db.execute("select count(*) from ratings").fetchone()[0] == 0
        # The Pi is even restarted before the link comes back: the outbox is on disk.
        counter.stop()
        own.start()
        again = start_counter()
        wait_until(lambda: store.db.execute("select count(*) from ratings").fetchone()[0] == 1,
                   timeout=30)
        wait_until(lambda: len(again.outbox) == 0)
        time.sleep(1.0)
        rows = list(store.db.query("select r.level, t.display from ratings r join tickets t "
                                   "on t.id = r.ticket_id"))
        assert rows == [{"level": "very_satisfied", "display": "A001"}]
    finally:
        for node in nodes:
            node.stop()
        if gateway is not None:
            gateway.stop()
        own.stop()


def test_fake_hardware_keyboard_keys_press_the_mock_buttons(queue_hub, make_node, store,
                                                            tmp_path):
    from counter import fake

    dispenser = make_node("dispenser", "dispenser-1")
    take_ticket(dispenser)
    node = make_node("counter", "counter-1", rating={"outbox": str(tmp_path / "o.sqlite")},
                     display={"image_dir": str(tmp_path / "screen")})
    assert node.units[1].keys == {}  # no pins in the config
    fake.attach_keyboard(node)  # stdin is no terminal here: mock pins only
    assert set(node.units[1].keys) == {"next", "recall", "no_show", "finish", "transfer",
                                       "pause"}
    assert fake.key(node, node.units[1], "n")
    wait_until(lambda: shown(node).number == "A001")
    assert fake.key(node, node.units[1], "f")
    wait_until(lambda: node.units[1].rating.lit)
    assert fake.key(node, node.units[1], "2")
    wait_until(lambda: store.db.execute("select level from ratings").fetchone()
               == ("satisfied",))
    assert not fake.key(node, node.units[1], "x")
    picture = tmp_path / "screen" / "counter-1.png"
    wait_until(picture.exists)


def test_fake_hardware_keys_on_a_pipe_press_either_counters_keys(queue_hub, make_node, store,
                                                                tmp_path, capsys):
    """``motcua demo`` types "<counter> <key>" lines on a two-counter node's stdin."""
    import io
    import tomllib

    from central.devices import bindings
    from counter import fake
    from demo.centre import _counter_settings

    with store.write() as db:
        bindings.link(db, "counter-1", 2, actor="test")
    dispenser = make_node("dispenser", "dispenser-1")
    take_ticket(dispenser)
    take_ticket(dispenser)
    # The demo's two-counter node: every key, rating key and LED on its own pin.
    node = make_node("counter", "counter-1", **tomllib.loads(_counter_settings("counter-1",
                                                                               tmp_path)))
    assert list(node.units) == [1, 2]
    fake.read_lines(node, io.StringIO("2 n\nn\n2 f\n2 1\n"))
    wait_until(lambda: store.db.execute("select level from ratings").fetchone()
               == ("very_satisfied",))
    rows = store.db.execute("select c.number, t.display, t.status from tickets t "
                            "join counters c on c.id = t.counter_id order by c.number").fetchall()
    assert rows == [(1, "A002", "called"), (2, "A001", "done")]
    # Bad lines: the key list on stderr, nothing pressed, the reader carries on.
    fake.read_lines(node, io.StringIO("7 n\nx\n2 n n\n"))
    assert capsys.readouterr().err.count("phím không hợp lệ") == 3
    assert store.db.execute("select count(*) from ticket_events").fetchone()[0] == 5


def test_the_display_shows_offline_paused_and_blinks_the_newest_call():
    from luma.core.device import dummy

    from counter.display import NumberDisplay, View, decode_segments

    oled = NumberDisplay(dummy(128, 64, mode="1"), "oled", 5)
    call = View(number="A012", status="open", online=True, known=True, blink_until=10.0)
    oled.draw(call, now=0.1)
    lit = oled.device.image.copy()
    oled.draw(call, now=0.6)  # the dark half of the blink
    dark = oled.device.image.copy()
    oled.draw(call, now=10.6)  # blinking is over: steady
    assert oled.device.image.tobytes() == lit.tobytes() != dark.tobytes()
    # Only the number goes dark; the counter's name and state stay.
    top, middle = (0, 0, 128, 11), (0, 13, 128, 50)
    assert dark.crop(top).tobytes() == lit.crop(top).tobytes()
    assert lit.crop(middle).getbbox() is not None and dark.crop(middle).getbbox() is None
    check_image("counter-oled-blink-dark.png", dark)
    oled.draw(View(number="A012", status="open", online=False, known=True), now=20)
    check_image("counter-oled-offline.png", oled.device.image)
    oled.draw(View(status="paused", online=True, known=True), now=20)
    check_image("counter-oled-paused.png", oled.device.image)

    segment_device = dummy(8, 8, mode="1")
    from luma.led_matrix.segment_mapper import dot_muncher

    segment_device.segment_mapper = dot_muncher
    segments = NumberDisplay(segment_device, "segment", 5)
    for view, text in [(View(number="1023", status="open", online=True, known=True), "1023"),
                       (View(number="1023", status="open", online=False, known=True),
                        "1023 OFF"),
                       (View(status="paused", online=True, known=True), "PAUSE"),
                       (View(number="1023", status="open", online=True, known=True,
                             message="Quầy chưa gọi số nào.", error=True), "Err 1023")]:
        segments.draw(view, now=50)
        assert segment_bytes(segment_device.image) == list(dot_muncher(text)), text
    assert decode_segments(segment_device.image) == "Err 1023"

    matrix = NumberDisplay(dummy(32, 8, mode="1"), "matrix", 5)
    matrix.draw(View(number="1023", status="open", online=True, known=True), now=50)
    check_image("counter-matrix-1023.png", matrix.device.image)
    matrix.draw(View(status="paused", online=True, known=True), now=50)
    check_image("counter-matrix-paused.png", matrix.device.image)


def test_a_wrong_pin_map_stops_the_counter_at_start_naming_the_key(tmp_path):
    import subprocess

    from .conftest import MOTCUA

    config = tmp_path / "counter.toml"
    config.write_text('center = "c"\nnode_id = "counter-1"\n[keypad]\ncounters = [1, 2]\n'
                      "next = [17]\n", encoding="utf-8")
    result = subprocess.run([*MOTCUA, "counter", "--config", str(config)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "keypad.next" in result.stderr and "expected 2 pins" in result.stderr


def test_motcua_counter_fake_hardware_draws_its_display_to_an_image_file(
        queue_hub, tmp_path, broker, center):
    import subprocess

    from PIL import Image

    from .conftest import MOTCUA

    config = tmp_path / "counter.toml"
    config.write_text(
        f'center = "{center}"\nnode_id = "counter-1"\n'
        f"[mqtt]\nport = {broker.port}\nkeepalive = 5\n"
        f'[rating]\noutbox = "{tmp_path / "outbox.sqlite"}"\n'
        f'[display]\nimage_dir = "{tmp_path / "screen"}"\n', encoding="utf-8")
    process = subprocess.Popen([*MOTCUA, "counter", "--fake-hardware", "--config", str(config)],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    try:
        picture = tmp_path / "screen" / "counter-1.png"
        wait_until(picture.exists, timeout=40)
        # Offline shows as a white band across the top; once the hub's retained
        # state has arrived the band goes and the counter's state ("ĐÓNG") shows.
        def band_is_dark():
            try:
                image = Image.open(picture).convert("L")
            except (OSError, ValueError):  # caught mid-replace
                return False
            top = ImageStat.Stat(image.crop((0, 0, 512, 8))).mean[0]
            return image.size == (512, 256) and image.getbbox() is not None and top < 40
        wait_until(band_is_dark, timeout=20)
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "gọi tiếp" in out and "counter-<số>.png" in out


def test_with_the_hub_gone_the_display_says_offline_and_keys_send_nothing(
        queue_hub, make_node, store, tmp_path):
    dispenser = make_node("dispenser", "dispenser-1")
    take_ticket(dispenser)
    counter = make_node("counter", "counter-1", **counter_settings(tmp_path))
    wait_until(lambda: shown(counter).online and shown(counter).known)
    queue_hub.stop()  # the hub says "offline" as it leaves
    wait_until(lambda: not shown(counter).online)
    # The white offline band (the ticker thread draws it a moment after it decides to).
    device = counter.units[1].display.device
    wait_until(lambda: ImageStat.Stat(device.image.crop((0, 0, 128, 8))).mean[0] > 128)
    tap(key(counter, "next"))
    wait_until(lambda: shown(counter).message == "Máy chủ mất kết nối; lệnh chưa được gửi.")
    time.sleep(0.3)
    assert statuses(store) == {"A001": "waiting"}


def test_a_finish_from_the_officers_web_console_lights_the_rating_keys_too(
        queue_hub, make_node, store, tmp_path):
    from central.queue import setup
    from motcua.bus import Topics

    dispenser = make_node("dispenser", "dispenser-1")
    take_ticket(dispenser)
    counter = make_node("counter", "counter-1", **counter_settings(tmp_path))
    wait_until(lambda: shown(counter).known)

    def console(action):  # what the console page does (central/web/queue.py)
        with store.write() as db:
            _, out = api.counter_command(db, Topics(queue_hub.config.center),
                                         setup.counter_by_number(db, 1), action)
        for topic, payload, retain in out:
            queue_hub.publish_state(topic, payload, retain)

    console("next")
    wait_until(lambda: shown(counter).number == "A001")
    assert not counter.units[1].rating.lit
    console("finish")
    wait_until(lambda: counter.units[1].rating.lit)
    tap(rating_key(counter, 2))  # Bình thường
    wait_until(lambda: store.db.execute("select level from ratings").fetchall()
               == [("neutral",)])
    # A restarted node does not light the keys again for a ticket finished before.
    counter.stop()
    again = make_node("counter", "counter-1", **counter_settings(tmp_path))
    wait_until(lambda: shown(again).known)
    time.sleep(0.3)
    assert not again.units[1].rating.lit


def test_transfer_to_another_counter_or_cancel_on_the_keypad(queue_hub, make_node, store,
                                                            tmp_path):
    dispenser = make_node("dispenser", "dispenser-1")
    take_ticket(dispenser)
    counter = make_node("counter", "counter-1", **counter_settings(tmp_path))
    tap(key(counter, "next"))
    wait_until(lambda: shown(counter).number == "A001")
    # The chooser opens; any key but next / recall / finish cancels it.
    tap(key(counter, "transfer"))
    wait_until(lambda: shown(counter).choosing)
    tap(key(counter, "pause"))
    wait_until(lambda: shown(counter).message == "Đã huỷ chuyển số.")
    assert statuses(store) == {"A001": "called"} and shown(counter).status == "open"
    # Again, going back from the first choice to the last: the highest other counter.
    tap(key(counter, "transfer"))
    wait_until(lambda: shown(counter).choosing)
    choices = counter.units[1].choices
    tap(key(counter, "recall"))
    wait_until(lambda: counter.units[1].choice == len(choices) - 1)
    last = choices[-1]
    assert last[2] == {"target_counter": max(counter.counters)} and last[1].startswith("q")
    assert shown(counter).choosing == last[0]
    tap(key(counter, "finish"))
    wait_until(lambda: store.db.execute(
        "select t.status, c.number from tickets t join counters c on c.id = t.target_counter_id"
    ).fetchone() == ("waiting", last[2]["target_counter"]))
    wait_until(lambda: shown(counter).number is None)


def test_an_idle_counter_sleeps_and_a_blinking_one_wakes_only_for_its_phases(
        queue_hub, make_node, tmp_path):
    """The display thread wakes when something shows differently, not 20 times a second."""
    dispenser = make_node("dispenser", "dispenser-1")
    take_ticket(dispenser)
    counter = make_node("counter", "counter-1", **counter_settings(tmp_path, blink_s=1.5))
    unit = counter.units[1]
    wait_until(lambda: shown(counter).known and shown(counter).online)
    views = []
    original = unit.view

    def counted(now):
        views.append(now)
        return original(now)

    unit.view = counted
    time.sleep(2.0)
    idle = len(views)
    assert idle <= 2, f"an idle counter drew {idle} times in 2 s"
    # A call blinks for 1.5 s: on 0.5 s, off 0.25 s, so about four phase changes.
    views.clear()
    tap(key(counter, "next"))
    wait_until(lambda: shown(counter).number is not None)
    time.sleep(2.0)
    assert shown(counter).number == "A001"
    assert 3 <= len(views) <= 12, f"{len(views)} draws while blinking 1.5 s"
    # The blinking ends by itself: the number is steady and the thread sleeps again.
    views.clear()
    time.sleep(1.0)
    assert len(views) <= 1


def test_next_pressed_twice_by_mistake_keeps_the_citizen_just_called(
        queue_hub, make_node, store, tmp_path):
    """The officer's finger slips and "next" goes down twice: the second press ended
    A001 "done" (served, the rating keys lit for a citizen not yet at the counter)
    and called A002. Within the centre's next_again_s of the call the hub ignores it
    and says so; the node shows the hub's words."""
    from central.queue import setup

    with store.write() as db:
        setup.save_settings(db, {"next_again_s": "1"}, actor="test")
    setup.forget_settings()  # after the commit (the gateway's thread may read them)
    dispenser = make_node("dispenser", "dispenser-1")
    for _ in range(3):
        take_ticket(dispenser)
    counter = make_node("counter", "counter-1", **counter_settings(tmp_path))
    wait_until(lambda: shown(counter).known)
    tap(key(counter, "next"))
    tap(key(counter, "next"))  # 0.14 s later: a slip
    wait_until(lambda: shown(counter).message == "Số A001 vừa được gọi; bỏ qua lần bấm thứ hai.")
    assert shown(counter).number == "A001"
    assert statuses(store) == {"A001": "called", "A002": "waiting", "A003": "waiting"}
    assert not counter.units[1].rating.lit
    # A second later the press is meant: A001 is done, A002 called.
    time.sleep(1.0)
    tap(key(counter, "next"))
    wait_until(lambda: shown(counter).number == "A002")
    assert statuses(store) == {"A001": "done", "A002": "called", "A003": "waiting"}
