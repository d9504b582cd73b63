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
