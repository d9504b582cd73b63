"""The province's pages draw a figure the same way whether the hub rendered it or
live.js wrote it after a centre's message (real broker, real headless Chromium):
Vietnamese decimals (an average of 0 minutes is "0,0", never "0"), and no wait
estimate for a line no counter is open for."""

# ruff: noqa: F811 - the tests take the fixtures imported from test_province_browser
import pytest

from central.documents.formats import number
from motcua.bus.messages import encode
from motcua.wording import NO_COUNTER_OPEN

from .conftest import PROJECT
from .test_province_browser import bridge, province_server, sign_in  # noqa: F401 - fixtures
from .test_province_store import apply

pytestmark = pytest.mark.browser

ARTIFACTS = PROJECT / "tests" / "artifacts"


def both(store, bridge, topic, payload):
    """What a centre's bridge carries: stored by the hub (the server's render) and
    published on the broker (the page's live update)."""
    apply(store, topic, payload if isinstance(payload, bytes) else encode(payload))
    bridge(topic, payload)


def line(service, open_counters, estimate_min, estimate_range=None, waiting=3):
    return {"v": 1, "service": service, "name": f"Dịch vụ {service}", "waiting": waiting,
            "queue": [], "open_counters": open_counters, "idle_counters": 0,
            "minutes_per_person": 4.0, "estimate_min": estimate_min,
            "target_wait_min": 15, **({"estimate_range": estimate_range}
                                      if estimate_range else {})}


@pytest.mark.parametrize("minutes", [0, 4, 12.25, 0.15, 1234.5])
def test_an_average_wait_reads_the_same_live_as_rendered(browser, province_server, store,
                                                         bridge, center, minutes):
    cid = f"{center}-avg"
    both(store, bridge, f"province/{cid}/bridge/state", b"1")
    both(store, bridge, f"province/{cid}/state/queue_stats",
         {"v": 1, "issued": 1, "waiting": 0, "done": 1, "avg_wait_min": 99})
    page = sign_in(browser, province_server, store)
    page.goto(f"{province_server}/province")
    page.locator("#live-link.up").wait_for(timeout=10_000)
    avg = page.locator(f'#centres tr[data-center="{cid}"] .avg')
    avg.filter(has_text="99,0").wait_for(timeout=10_000)
    # The centre's average moves while the page is open: live.js writes it.
    both(store, bridge, f"province/{cid}/state/queue_stats",
         {"v": 1, "issued": 1234, "waiting": 0, "done": 1, "avg_wait_min": minutes})
    expected = number(minutes, 1)
    avg.filter(has_text=expected).wait_for(timeout=10_000)
    live = avg.inner_text()
    assert page.locator(f'#centres tr[data-center="{cid}"] .issued').inner_text() == "1.234"
    # The same figure drawn by the hub, on a fresh load.
    page.reload()
    assert avg.inner_text() == live == expected, (live, expected)
    assert "," in live  # one decimal, always: "0,0", "4,0"


def test_a_line_with_no_counter_open_shows_no_estimate(browser, province_server, store,
                                                       bridge, center):
    cid = f"{center}-est"
    both(store, bridge, f"province/{cid}/bridge/state", b"1")
    both(store, bridge, f"province/{cid}/state/line/A", line("A", 0, 4))
    both(store, bridge, f"province/{cid}/state/line/B", line("B", 1, 9, [5, 20]))
    both(store, bridge, f"province/{cid}/state/line/C", line("C", 2, 7))
    page = sign_in(browser, province_server, store)
    page.goto(f"{province_server}/province/{cid}")
    estimates = {s: page.locator(f'#lines tr[data-service="{s}"] .estimate') for s in "ABC"}
    rendered = {s: cell.inner_text() for s, cell in estimates.items()}
    assert rendered == {"A": NO_COUNTER_OPEN, "B": "5–20", "C": "7"}, rendered
    page.locator("#live-link.up").wait_for(timeout=10_000)
    # Live: A's counter opens, C's counters close; then the other way round.
    both(store, bridge, f"province/{cid}/state/line/A", line("A", 1, 4))
    both(store, bridge, f"province/{cid}/state/line/C", line("C", 0, 7))
    estimates["A"].filter(has_text="4").wait_for(timeout=10_000)
    estimates["C"].filter(has_text=NO_COUNTER_OPEN).wait_for(timeout=10_000)
    both(store, bridge, f"province/{cid}/state/line/A", line("A", 0, 4))
    estimates["A"].filter(has_text=NO_COUNTER_OPEN).wait_for(timeout=10_000)
    live = {s: cell.inner_text() for s, cell in estimates.items()}
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "province-floor-no-counter.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "province-floor-no-counter-390.png"), full_page=True)
    page.reload()
    assert {s: cell.inner_text() for s, cell in estimates.items()} == live == {
        "A": NO_COUNTER_OPEN, "B": "5–20", "C": NO_COUNTER_OPEN}


def test_the_live_floor_takes_no_impossible_counter(browser, province_server, store, bridge,
                                                    center):
    """A stolen centre's counters under made-up numbers reach the page straight from the
    broker (the province's store refuses them: checks.py); the page does not draw them."""
    cid = f"{center}-ctr"
    both(store, bridge, f"province/{cid}/bridge/state", b"1")
    page = sign_in(browser, province_server, store)
    page.goto(f"{province_server}/province/{cid}")
    page.locator("#live-link.up").wait_for(timeout=10_000)

    def counter(n, number=None):
        return {"v": 1, "counter": n if number is None else number, "name": f"Quầy {n}",
                "status": "open", "status_name": "Đang mở", "officer": None, "current": None}

    for topic, payload in ((f"province/{cid}/state/counter/70000", counter(70000)),
                           (f"province/{cid}/state/counter/2", counter(2, 3)),
                           (f"province/{cid}/state/counter/x", counter(4)),
                           (f"province/{cid}/state/counter/1", counter(1))):
        bridge(topic, payload)
    page.locator('#counters tr[data-counter="1"]').wait_for(timeout=10_000)
    assert page.locator("#counters tr[data-counter]").count() == 1
