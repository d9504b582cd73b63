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
