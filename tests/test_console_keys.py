"""The officer console from the keyboard all day (issue 22), in headless Chromium.

Thirty shortcuts in a row each act once, none is typed into the header's
"Quét mã hồ sơ" field; only the actions the counter's state allows are
enabled; the next call is the primary button; a dossier scanner's burst still
opens the dossier; the counter chooser names services, not codes.
"""

from __future__ import annotations

import pytest

from central.accounts import users

from .conftest import wait_until
from .test_queue_browser import PASSWORD, issue, queue_site, sign_in  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

MESSAGES = {"n": "Đang gọi số", "r": "Đã gọi lại số", "s": "Đang phục vụ số",
            "h": "Đã hoàn thành.", "v": "Đã ghi vắng mặt.", "p": "Quầy tạm nghỉ 15 phút, đến ",
            "t": "Quầy đã mở."}
ACTIONS = {"n": "next", "r": "recall", "s": "serve", "h": "finish", "v": "no_show",
           "p": "pause", "t": "resume"}


def enabled(page):
    return {b.get_attribute("data-action") for b in page.locator("button[data-action]").all()
            if b.is_enabled()}


@pytest.fixture
def officer(browser, queue_site, store):  # noqa: F811
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", PASSWORD)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, queue_site, "lan.nt")
    page.goto(f"{queue_site}/console")
    return page


def test_the_counter_chooser_names_the_services(officer):
    option = officer.locator("#counter option[value='1']").inner_text()
    assert option == "Quầy 1 — Hộ tịch – Chứng thực"
    assert "ho-tich" not in officer.locator("#counter").inner_html().split('value="')[0]
    assert not any("-" in o.inner_text().split(" — ")[1].replace(" – ", "")
                   for o in officer.locator("#counter option").all())


def test_thirty_shortcuts_in_a_row_act_thirty_times(officer, store, queue_hub):
    for _ in range(6):
        issue(store, queue_hub, "ho-tich")
    officer.select_option("#counter", "1")
    officer.click("#take")
    officer.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
    # An open counter with nobody called: only next, call and pause.
    assert enabled(officer) == {"next", "call", "pause"}
    assert "primary" in officer.locator("#btn-next").get_attribute("class")

    sequence = list("nrshpt" * 3 + "nrsv" * 3)
    assert len(sequence) == 30
    for done, key in enumerate(sequence, start=1):
        officer.keyboard.press(key)
        officer.locator(f"#message[data-done='{done}']").wait_for(timeout=5_000)
        message = officer.locator("#message").inner_text()
        assert message.startswith(MESSAGES[key]), (key, message)
        assert "error" not in officer.locator("#message").get_attribute("class")
        # Never typed anywhere, and the focus stays out of every field.
        assert officer.locator("#scan-code").input_value() == ""
        assert officer.evaluate("document.activeElement.tagName") == "BODY"
        if key == "n":  # called: recall, serve, finish, no-show, transfer; not resume
            assert enabled(officer) == {"next", "call", "recall", "serve", "finish", "no_show",
                                        "transfer", "pause"}
        elif key == "s":  # serving: no "serve" again
            assert "serve" not in enabled(officer) and "finish" in enabled(officer)
        elif key == "p":  # paused: only resume (and finishing what was there)
            assert enabled(officer) == {"resume"}
        elif key == "t":
            assert enabled(officer) == {"next", "call", "pause"}

    actions = [r[0] for r in store.db.execute(
        "select action from ticket_events where action != 'issue' order by id")]
    expected = [ACTIONS[k] for k in sequence if k not in "pt"]
    assert actions == expected
    # Pause and resume, six of them, reached the counter too: it is open, back from
    # a pause of a said length (15 minutes, chosen beside the pause button).
    assert store.db.execute("select status, announced from counters where number = 1"
                            ).fetchone() == ("open", 1)

    # A shortcut whose action the state does not allow says why and sends nothing.
    officer.keyboard.press("r")
    officer.locator("#message", has_text="Quầy chưa gọi số nào.").wait_for(timeout=5_000)
    assert len(store.db.execute("select * from ticket_events where action != 'issue'")
               .fetchall()) == len(expected)
    # A pause of unknown length says so, and the hub keeps no return.
    officer.select_option("#pause-minutes", "")
    officer.click("#btn-pause")
    officer.locator("#message", has_text="Quầy tạm dừng.").wait_for(timeout=5_000)
    assert store.db.execute("select status, back_at from counters where number = 1"
                            ).fetchone() == ("paused", None)


def test_the_keys_go_to_a_field_only_when_the_officer_types_in_it(officer, store, queue_hub):
    first = issue(store, queue_hub, "ho-tich")
    issue(store, queue_hub, "ho-tich")
    # The page's clock, so the scanner's burst below is one in the page's time
    # (installed before the console reloads; it flows as the real one until paused).
    officer.clock.install()
    officer.select_option("#counter", "1")
    officer.click("#take")
    officer.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
    # G puts the officer in the number field on purpose: keys are typed there.
    officer.keyboard.press("g")
    wait_until(lambda: officer.evaluate("document.activeElement.id") == "call-number")
    officer.keyboard.type("a002")
    assert officer.locator("#call-number").input_value() == "a002"
    assert officer.locator("#message").inner_text() == ""  # no shortcut fired
    # Esc gives the keys back: N calls the head of the line.
    officer.keyboard.press("Escape")
    officer.keyboard.press("n")
    officer.locator("#current", has_text=first["display"]).wait_for(timeout=5_000)
    # Choosing a transfer target with the mouse, then a shortcut: it acts.
    officer.select_option("#transfer-service", "lao-dong")
    officer.keyboard.press("c")
    officer.locator("#message", has_text="Đã chuyển số").wait_for(timeout=5_000)
    assert officer.locator("#scan-code").input_value() == ""
    # A scanner types a dossier code in a burst with Enter: the dossier search opens.
    # Its keys come 5 ms apart. Playwright hands them over one at a time, and under
    # load (2 cores, load 9) two of them arrived more than the page's 60 ms apart:
    # the page rightly took the first "0" for a lone key and searched
    # "00.00.14.H56-…". The page's clock stands still while the keys go in, so they
    # are 5 ms apart for the page as they are from a scanner, whatever the load.
    # (pause_at takes seconds, and a moment ahead: the page's clock must not pass it first)
    officer.clock.pause_at(officer.evaluate("Date.now()") / 1000 + 5)
    officer.keyboard.type("000.00.14.H56-261127-0001", delay=5)
    officer.keyboard.press("Enter")
    officer.clock.resume()
    # (no such dossier here: the hub says so, by its code)
    officer.get_by_text("Không tìm thấy hồ sơ có mã “000.00.14.H56-261127-0001”").wait_for(
        timeout=5_000)
    events = [r[0] for r in store.db.execute(
        "select action from ticket_events where action != 'issue' order by id")]
    assert events == ["next", "transfer"]  # the H of the code finished nothing


def test_the_console_fits_a_phone_without_scrolling_sideways(officer, store, queue_hub):
    issue(store, queue_hub, "ho-tich")
    officer.select_option("#counter", "1")
    officer.click("#take")
    officer.set_viewport_size({"width": 390, "height": 844})
    officer.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
    assert officer.evaluate("document.documentElement.scrollWidth") <= 390
    box = officer.locator("#transfer-service").bounding_box()
    assert box["x"] + box["width"] <= 390


CODE = "000.00.14.H56-261127-0001"
# Milliseconds of the page's time after each key of CODE (then Enter): a scanner's
# 5 ms, and the stalls a loaded machine puts between them (over the 60 ms burst
# window: a key, or two or three, left alone), a person's typing, and random ones.
SLOW = 100


def gaps(name: str) -> list[int]:
    import random

    n = len(CODE)
    if name == "scanner":
        return [5] * n
    if name.startswith("stall after "):
        at = int(name.split()[-1])
        return [SLOW if i == at else 5 for i in range(n)]
    if name == "every other key alone":
        return [SLOW if i % 2 == 0 else 5 for i in range(n)]
    if name == "a person":
        return [150] * n
    rng = random.Random(name)
    return [rng.choice([2, 5, 20, 45, 70, 120, 200]) for _ in range(n)]


SPACINGS = ["scanner", "stall after 0", "stall after 1", "stall after 2", "stall after 3",
            "stall after 8", "every other key alone", "a person", "random 1", "random 2",
            "random 3"]


def test_a_scan_loses_no_key_whatever_the_spacing(officer, store, queue_hub):
    """A scanner's keys held up under load arrive more than the 60 ms burst window
    apart. The first one (or two, three) left alone was taken for a shortcut and,
    being none, dropped: "000.00.14.H56-…" searched as "00.00.14.H56-…". Keys that no
    shortcut takes now start the code in the scan field, where the rest is typed; the
    H in the code finishes nothing. The page's clock is driven key by key."""
    issue(store, queue_hub, "ho-tich")
    officer.clock.install()
    officer.select_option("#counter", "1")
    officer.click("#take")
    officer.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
    officer.keyboard.press("n")
    officer.locator("#message[data-done='1']").wait_for(timeout=5_000)
    # What the scan form would search, kept instead of leaving the page: a scan
    # submits it from the script (form.submit()) or by Enter in the field.
    officer.evaluate("""() => {
      window.scans = [];
      const form = document.getElementById("scan-form");
      form.submit = () => window.scans.push(document.getElementById("scan-code").value);
      form.addEventListener("submit", (e) => { e.preventDefault(); form.submit(); });
    }""")
    officer.clock.pause_at(officer.evaluate("Date.now()") / 1000 + 5)
    searched = {}
    for spacing in SPACINGS:
        for key, gap in zip(CODE, gaps(spacing), strict=True):
            officer.keyboard.press(key)
            officer.clock.run_for(gap)
        officer.keyboard.press("Enter")
        officer.clock.run_for(200)
        searched[spacing] = officer.evaluate("window.scans.pop()")
        officer.evaluate("""() => { const s = document.getElementById("scan-code");
                                    s.value = ""; s.blur(); }""")
    assert searched == {spacing: CODE for spacing in SPACINGS}
    events = [r[0] for r in store.db.execute(
        "select action from ticket_events where action != 'issue' order by id")]
    assert events == ["next"]  # no key of a code acted as a shortcut
    # A shortcut is still one: alone, and bounced (the same key twice in 20 ms).
    officer.keyboard.press("r")
    officer.clock.run_for(200)
    officer.keyboard.press("r")
    officer.clock.run_for(20)
    officer.keyboard.press("r")
    officer.clock.run_for(200)
    officer.clock.resume()
    officer.locator("#message[data-done='3']").wait_for(timeout=5_000)
    assert officer.locator("#scan-code").input_value() == ""
    assert [r[0] for r in store.db.execute(
        "select action from ticket_events where action != 'issue' order by id")] == \
        ["next", "recall", "recall"]
