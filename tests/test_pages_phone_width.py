"""Every page a signed-in administrator can reach from the menus fits a phone's width
(390 px): nothing pushes the page sideways. Wide tables may scroll inside their own box."""

import pytest

from central.accounts import users

from .test_charts_layout import ARTIFACTS
from .test_charts_layout import centre as centre  # noqa: F401  (the fixture)
from .test_statistics_browser import PASSWORD, sign_in

pytestmark = pytest.mark.browser

WIDE = """() => {
  const view = window.innerWidth;
  const culprits = [...document.querySelectorAll('main *')].filter((el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= view + 1) return false;
    // Inside a box that scrolls by itself: that box is what counts.
    for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (['auto', 'scroll'].includes(s.overflowX) || s.overflowX === 'hidden') return false;
    }
    return true;
  }).slice(0, 6).map((el) => {
    const up = el.parentElement;
    const name = el.getAttribute("name") || "";
    return `${up.tagName}.${up.className} > ${el.tagName.toLowerCase()}[${name}] → ${
      Math.round(el.getBoundingClientRect().right)} px`;
  });
  return {page: document.documentElement.scrollWidth, view, culprits};
}"""


def test_every_menu_page_fits_a_phone(browser, live_server, centre):  # noqa: F811
    users.create_user(centre, "quantri", "Lê Văn Quản", "admin", PASSWORD)
    # Not is_mobile: a mobile viewport widens itself to the content, hiding the fault.
    page = browser.new_page(viewport={"width": 390, "height": 844})
    sign_in(page, live_server, "quantri")
    page.goto(f"{live_server}/admin")
    links = page.evaluate("""() => [...new Set([...document.querySelectorAll('a[href^="/"]')]
        .map((a) => a.getAttribute('href'))
        .filter((h) => !h.startsWith('/logout') && !h.includes('.') && !h.includes('?')))]""")
    assert len(links) >= 10, links
    ARTIFACTS.mkdir(exist_ok=True)
    wide = {}
    for path in links:
        reply = page.goto(f"{live_server}{path}")
        if reply is None or reply.status != 200:
            continue
        seen = page.evaluate(WIDE)
        if seen["page"] > seen["view"] + 1:
            wide[path] = seen
        if path in ("/admin/queue", "/appointments/setup"):  # the two that were wide
            page.screenshot(path=str(ARTIFACTS / f"phone{path.replace('/', '-')}.png"),
                            full_page=True)
    assert not wide, wide


def test_every_stylesheet_closes_what_it_opens():
    # A stray "}" made the browser drop the rule after it: the search form's
    # `flex-wrap: wrap`, so at 390 px its label was squeezed into a 60 px column.
    import re
    from pathlib import Path

    import central

    for sheet in (Path(central.__file__).parent / "static").glob("*.css"):
        text = re.sub(r"/\*.*?\*/", "", sheet.read_text(encoding="utf-8"), flags=re.S)
        depth = 0
        for line_no, line in enumerate(text.splitlines(), start=1):
            depth += line.count("{") - line.count("}")
            assert depth >= 0, f"{sheet.name}: a '}}' with nothing open near line {line_no}"
        assert depth == 0, f"{sheet.name}: {depth} block(s) left open"


def test_the_procedure_search_form_stacks_on_a_phone(browser, live_server, store):
    from central import catalog

    catalog.load_sample(store, "admin")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server}/thu-tuc?q=khai+sinh")
    box = page.locator("form#search input[name=q]").bounding_box()
    assert box["width"] >= 300, box        # the whole line, not a squeezed column
    label = page.locator("form#search label.q").bounding_box()
    assert label["height"] < 100, label     # its words on one or two lines, not ten
    tops = [page.locator(f"form#search select[name={n}]").bounding_box()["y"]
            for n in ("department", "field", "level")]
    assert tops == sorted(tops) and len(set(tops)) == 3, tops   # one filter per line
    page.close()


def test_the_reception_form_of_a_chosen_procedure_fits_a_phone(browser, live_server, store):
    # Seen at 390 px: the two "Giấy tờ ngoài danh mục" rows (name, reason side by
    # side in a 1fr 1fr grid) pushed the page 92 px sideways; the menu walk above
    # never chose a procedure, so it never saw the form.
    from central import catalog

    catalog.load_sample(store, "admin")
    users.create_user(store, "canbo", "Phan Thu Hà", "officer", PASSWORD)
    (procedure_id,) = store.db.execute(
        "select id from procedures where code = '1.001193' order by id desc").fetchone()
    page = browser.new_page(viewport={"width": 390, "height": 844})
    sign_in(page, live_server, "canbo")
    page.goto(f"{live_server}/reception?procedure_id={procedure_id}")
    assert page.locator("input[name=extra_reason]").count() == 2
    seen = page.evaluate(WIDE)
    assert seen["page"] <= seen["view"] + 1, seen
    for box in (page.locator("input[name=extra_reason]").nth(i).bounding_box() for i in (0, 1)):
        assert box["x"] + box["width"] <= 390, box
    page.close()


def test_the_procedure_search_example_is_whole_on_a_phone(browser, live_server, store):
    # Seen at 390 px on /thu-tuc: the field's example read "ví dụ: dang ky khai sinh,
    # 1.00119", the procedure code cut off at the field's edge.
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server}/thu-tuc")
    seen = page.evaluate("""() => {
      const input = document.querySelector('form#search input[name=q]');
      const style = getComputedStyle(input);
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const room = input.clientWidth - parseFloat(style.paddingLeft)
                   - parseFloat(style.paddingRight);
      return {text: input.placeholder, width: ctx.measureText(input.placeholder).width, room};
    }""")
    # With room to spare: measured 331.8 px of 332 the example was drawn cut.
    assert seen["text"] and seen["width"] <= 0.95 * seen["room"], seen
    page.close()


def test_a_long_unbroken_text_typed_by_a_citizen_does_not_widen_the_page(browser, live_server,
                                                                         store):
    # Seen at 390 px: /tra-cuu echoed a code of 300 digits in its "Không tìm thấy hồ sơ có
    # mã …" box, and the page became 3,108 px wide (1,079 for /thu-tuc's "không tìm thấy").
    from central import catalog

    catalog.load_sample(store, "admin")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    for path in ("/tra-cuu?code=" + "9" * 60, "/thu-tuc?q=" + "x" * 60,
                 "/gop-y/cong-khai?q=" + "y" * 60):
        page.goto(f"{live_server}{path}")
        seen = page.evaluate(WIDE)
        assert seen["page"] <= seen["view"] + 1, (path[:20], seen)
    page.close()


@pytest.mark.parametrize("width", [360, 390, 1280])
def test_every_staff_menu_opens_inside_the_screen(browser, live_server, centre, width):  # noqa: F811
    # Seen at 360 px (the sample's admin, "Quản trị viên Demo"): "Điều hành" opened past
    # the right edge ("Báo cáo, thống kê" cut, the page 46 px wider) and the user's menu
    # past the left one ("Đăng xuất" cut). The menu walk above never opened a menu.
    users.create_user(centre, "quantri", "Quản trị viên Demo", "admin", PASSWORD)
    page = browser.new_page(viewport={"width": width, "height": 844})
    sign_in(page, live_server, "quantri")
    page.goto(f"{live_server}/admin")
    summaries = page.locator("header details.menu > summary")
    assert summaries.count() == 5
    for i in range(summaries.count()):
        summaries.nth(i).click()
        # The menu's toggle event comes after the click: two frames later it has run.
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => "
                      "requestAnimationFrame(r)))")
        seen = page.evaluate("""() => {
          const r = document.querySelector('header details.menu[open] .items')
                    .getBoundingClientRect();
          return {left: r.left, right: r.right, page: document.documentElement.scrollWidth};
        }""")
        name = summaries.nth(i).inner_text()
        assert seen["left"] >= 0 and seen["right"] <= width, (name, seen)
        assert seen["page"] <= width, (name, seen)
        summaries.nth(i).click()
    page.close()


def test_an_officer_s_work_list_reads_on_a_phone(browser, live_server, store, hub_config):
    # Seen at 360 px on /worklists (the demo's officer): each list was a five-column table
    # scrolling sideways in its box, "Trạng thái" and "Hẹn trả" out of sight and a
    # procedure's name one word a line. Each dossier is a card now, whole on the screen.
    from . import stats_dataset

    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", PASSWORD)
    stats_dataset.build(store, hub_config)
    page = browser.new_page(viewport={"width": 360, "height": 800})
    sign_in(page, live_server, "lan.nt")
    page.goto(f"{live_server}/worklists")
    cells = page.evaluate("""() => [...document.querySelectorAll('table.worklist td')]
        .filter((td) => td.offsetParent).map((td) => {
          const r = td.getBoundingClientRect();
          return {text: td.innerText, left: r.left, right: r.right, width: r.width}; })""")
    assert len(cells) >= 10, cells
    outside = [c for c in cells if c["left"] < 0 or c["right"] > 360]
    assert outside == [], outside[:3]
    assert min(c["width"] for c in cells) > 200, cells[:5]   # each line the card's width
    page.close()
