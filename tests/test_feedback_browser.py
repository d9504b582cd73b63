"""The public feedback form in a real headless Chromium, opened from a ticket's QR page."""

import pytest

from central import feedback
from central.queue import api
from motcua.bus import Topics

pytestmark = pytest.mark.browser


def test_feedback_from_a_tickets_page_later_shows_its_published_answer(
        browser, queue_hub, hub_config, broker, live_server, store):
    hub_config.live_mqtt_url = f"ws://127.0.0.1:{broker.ws_port}"
    hub_config.feedback.min_fill_seconds = 1
    with store.write() as db:
        ticket, _ = api.issue_ticket(db, Topics(hub_config.center), "ho-tich")

    page = browser.new_page(viewport={"width": 420, "height": 900})
    page.goto(f"{live_server}{ticket['live_path']}")  # what the QR on the ticket opens
    page.click("#feedback-link")
    page.locator("#about-ticket", has_text=ticket["display"]).wait_for(timeout=5_000)
    page.select_option("#topic", "guidance")
    page.fill("#text", "Cán bộ hướng dẫn chưa rõ cách điền tờ khai.")
    page.fill("input[name=contact_phone]", "0912345678")
    page.wait_for_timeout(1200)  # a person takes longer than min_fill_seconds
    page.click("#send")
    page.locator("#status", has_text="Mới tiếp nhận").wait_for(timeout=5_000)
    assert "Hướng dẫn chưa rõ ràng" in page.content()
    assert "0912345678" not in page.content()  # the public page shows no contact
    status_url = page.url

    row = next(iter(store.db.query("select id, ticket_id, source from feedback")))
    assert (row["ticket_id"], row["source"]) == (ticket["ticket_id"], "web")
    feedback.answer(store, row["id"], "Trung tâm đã in hướng dẫn mẫu tại mỗi quầy.",
                    actor="thanh.tra", publish=True)

    later = browser.new_page(viewport={"width": 420, "height": 900})
    later.goto(status_url)
    later.locator("#answer", has_text="in hướng dẫn mẫu").wait_for(timeout=5_000)
    later.locator("#status", has_text="Đã trả lời").wait_for(timeout=5_000)
    later.goto(f"{live_server}/gop-y/cong-khai")
    assert "in hướng dẫn mẫu" in later.content()
