"""Charts people can read (issue 23), measured in a real Chromium: on /thong-ke,
/dashboard and /statistics, at 1366 and at 390 px wide, no two labels of a chart
overlap, no label is cut by its chart's edge, and the page itself does not
scroll sideways (wide tables scroll inside their own box).

The dataset has a department that resolved nothing (its row says "—" and why)
and long department names ("Sở Nông nghiệp và Môi trường tỉnh Thanh Hóa").
"""

import pytest

from central.accounts import users
from central.queue import api
from motcua import clock
from motcua.bus import Topics

from . import stats_dataset
from .conftest import PROJECT
from .test_honest_figures import idle_department
from .test_statistics_browser import PASSWORD, sign_in

pytestmark = pytest.mark.browser
ARTIFACTS = PROJECT / "tests" / "artifacts"
WIDTHS = [(1366, 900), (390, 844)]

# Every label of a chart, grouped by the chart it belongs to.
MEASURE = """() => {
  const groups = [];
  const charts = document.querySelectorAll("svg.chart, .hbars, table.heat");
  for (const chart of charts) {
    const sel = chart.matches("svg") ? "text" : chart.matches(".hbars") ? ".name, .value"
      : "th, td";
    const frame = chart.getBoundingClientRect();
    const boxes = [...chart.querySelectorAll(sel)].map((el) => {
      const r = el.getBoundingClientRect();
      return {text: el.textContent.trim(), x: r.x, y: r.y, w: r.width, h: r.height};
    }).filter((b) => b.text && b.w > 0);
    groups.push({chart: chart.getAttribute("aria-label") || chart.className.baseVal
                 || chart.className, frame: {x: frame.x, y: frame.y, w: frame.width,
                 h: frame.height}, boxes, scrolls: chart.closest(".wide, .heat-wrap") !== null});
  }
  return {groups, page: document.documentElement.scrollWidth, view: window.innerWidth};
}"""


def overlaps(a, b, slack=0.5):
    return (a["x"] + a["w"] - slack > b["x"] and b["x"] + b["w"] - slack > a["x"]
            and a["y"] + a["h"] - slack > b["y"] and b["y"] + b["h"] - slack > a["y"])


def check(page, where):
    found = page.evaluate(MEASURE)
    assert found["groups"], f"{where}: no chart on the page"
    assert found["page"] <= found["view"] + 1, (
        f"{where}: the page scrolls sideways ({found['page']} > {found['view']} px)")
    for group in found["groups"]:
        boxes, frame = group["boxes"], group["frame"]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not overlaps(a, b), (
                    f"{where}, {group['chart']}: “{a['text']}” overlaps “{b['text']}”")
            if not group["scrolls"]:
                inside = frame["x"] - 1 <= a["x"] and a["x"] + a["w"] <= frame["x"] + frame["w"] + 1
                assert inside, (
                    f"{where}, {group['chart']}: “{a['text']}” is cut by the chart's edge")


@pytest.fixture
def centre(queue_hub, store, hub_config, monkeypatch):
    stats_dataset.build(store, hub_config)
    idle_department(store, hub_config)
    with store.write() as db:  # long names, as a centre's are when it adds the province's
        db.execute("update departments set name = 'Sở Nông nghiệp và Môi trường tỉnh Thanh Hóa' "
                   "where code = 'SXD'")
    topics = Topics(hub_config.center)
    monkeypatch.setattr(clock, "now", lambda: stats_dataset.NOW)
    with store.write() as db:
        for _ in range(7):
            api.issue_ticket(db, topics, "dat-dai", now=stats_dataset.NOW)
    users.create_user(store, "giamsat", "Trần Văn Giám", "supervisor", PASSWORD)
    return store


@pytest.mark.parametrize("width,height", WIDTHS)
def test_no_chart_label_overlaps_another(browser, live_server, centre, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{live_server}/thong-ke")
    check(page, f"/thong-ke at {width}")
    row = page.locator("#on-time-bars .row.none")
    assert "chưa có hồ sơ giải quyết" in row.first.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"thong-ke-{width}.png"), full_page=True)
    sign_in(page, live_server, "giamsat")
    for path in ("/dashboard", "/statistics?start=2026-04-01&end=2026-04-30"):
        page.goto(f"{live_server}{path}")
        check(page, f"{path} at {width}")
        name = path.strip("/").split("?")[0]
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        # Figures line up on the right, as in every other table (the booked/walk-in
        # table's "Số đã gọi" sat on the left: table.report aligns column 2 left, for names).
        aligns = page.evaluate("""() => [...document.querySelectorAll(
            '#booking-figures tbody td:not(:first-child)')].map((td) =>
            getComputedStyle(td).textAlign)""")
        assert aligns and set(aligns) == {"right"}, (path, aligns)
    # The staff navigation fits one line at 1366 px.
    if width == 1366:
        page.goto(f"{live_server}/dashboard")
        nav = page.evaluate("""() => {
          const items = [...document.querySelectorAll('header nav > *')]
            .map((el) => el.getBoundingClientRect()).filter((r) => r.width > 0);
          return [Math.min(...items.map((r) => r.top)), Math.max(...items.map((r) => r.top))];
        }""")
        assert nav[1] - nav[0] < 10, f"the staff navigation wraps: tops {nav}"


# Every element of the page whose right edge lies beyond the window (a clipped table
# column inside an `overflow-x: auto` box counts: at 390 px its box shows no scroll bar).
BEYOND = """() => [...document.querySelectorAll("main *")].map((el) => {
  const r = el.getBoundingClientRect();
  return {tag: el.tagName, text: (el.innerText || "").trim().slice(0, 40), right: r.right,
          w: r.width};
}).filter((b) => b.w > 0 && b.right > window.innerWidth + 1)"""


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 900)])
def test_the_public_table_reads_whole_on_a_phone(browser, live_server, centre, width, height):
    """/thong-ke's table by department hid its last column ("Tỷ lệ đúng hạn") at 390 px:
    its box scrolled sideways with no scroll bar to see. On a phone each department is
    now a card of labelled figures; nothing lies beyond the window."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{live_server}/thong-ke")
    beyond = page.evaluate(BEYOND)
    assert not beyond, f"/thong-ke at {width}: beyond the window: {beyond[:5]}"
    rows = page.locator("#public-report tbody tr")
    assert rows.count() >= 3
    for i in range(rows.count()):
        rate = rows.nth(i).locator("td.rate")
        box = rate.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (i, box)
        if width == 390:   # each figure says what it is, as the hidden header did
            text = rows.nth(i).inner_text()
            for label in ("Tiếp nhận", "Đã giải quyết", "Quá hạn", "Tỷ lệ đúng hạn"):
                assert label in text, (label, text)
    page.screenshot(path=f"/tmp/webfix-thong-ke-{width}.png", full_page=True)
