"""Markup in names reaches no page as markup (a real headless Chromium).

Names the pages show come from people: a service's and a counter's name (an
admin's setup file), an officer's full name (the admin's user page), a citizen's
name on a booking. Each is drawn as text, by Jinja on the server and with
``textContent`` by the live pages' scripts; and the pages' CSP forbids inline
handlers besides. Here every such name carries an ``<img onerror>`` and a
``<script>``: the page shows the characters, no element is made of them.
"""

import pytest

from central.accounts import users
from central.queue import api, setup
from motcua.bus import Topics

from .test_queue_browser import PASSWORD, issue, queue_site, sign_in  # noqa: F401

pytestmark = pytest.mark.browser

HOSTILE = '<img src="x" onerror="window.__pwned=1"><script>window.__pwned=2</script>'

INJECTED = """() => ({
    imgs: Array.from(document.querySelectorAll('img')).filter(
        (i) => (i.getAttribute('src') || '') === 'x').length,
    scripts: Array.from(document.querySelectorAll('script')).filter(
        (s) => s.textContent.includes('__pwned')).length,
    pwned: window.__pwned || 0,
    text: document.body.innerText.includes('<img src="x"'),
})"""


def test_markup_in_names_is_shown_as_text_on_the_live_and_ticket_pages(
        browser, queue_site, store, queue_hub):  # noqa: F811
    topics = Topics(queue_hub.config.center)
    with store.write() as db:
        db.execute("update services set name = ? || ' Hộ tịch' where code = 'ho-tich'",
                   [HOSTILE])
        db.execute("update counters set name = ? || ' Quầy 1' where number = 1", [HOSTILE])
    users.create_user(store, "giamsat", "Trần Văn Giám", "supervisor", PASSWORD)
    officer = users.create_user(store, "lan.nt", HOSTILE + " Lan", "officer", PASSWORD)
    queue_hub._republish_queue_state(True)
    ticket = issue(store, queue_hub, "ho-tich")
    citizen = browser.new_page(viewport={"width": 390, "height": 844})
    citizen.goto(f"{queue_site}{ticket['live_path']}")
    citizen.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
    with store.write() as db:
        out = api.sign_in(db, topics, 1, officer["id"])
        _, more = api.counter_command(db, topics, setup.counter_by_number(db, 1), "next",
                                      officer_id=officer["id"])
    for topic, payload, retain in out + more:
        queue_hub.publish_state(topic, payload, retain)
    # The ticket page, live: "Xin mời đến <counter's name>" arrives over the bus.
    citizen.locator("#where", has_text="Quầy 1").wait_for(timeout=10_000)
    seen = citizen.evaluate(INJECTED)
    assert seen == {"imgs": 0, "scripts": 0, "pwned": 0, "text": True}, seen
    # The supervisor's live view: services, counters and officers' names.
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, queue_site, "giamsat")
    page.goto(f"{queue_site}/live")
    page.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
    page.locator('#counters tr[data-counter="1"] td.officer', has_text="Lan").wait_for(
        timeout=10_000)
    seen = page.evaluate(INJECTED)
    assert seen == {"imgs": 0, "scripts": 0, "pwned": 0, "text": True}, seen
    # The public board of a hall (no sign-in) and the officer's console.
    for path, who in (("/", None), ("/console", "lan.nt")):
        other = browser.new_page(viewport={"width": 1280, "height": 900})
        if who:
            sign_in(other, queue_site, who)
        other.goto(f"{queue_site}{path}")
        other.wait_for_load_state("networkidle")
        seen = other.evaluate(INJECTED)
        assert (seen["imgs"], seen["scripts"], seen["pwned"]) == (0, 0, 0), (path, seen)
