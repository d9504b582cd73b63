// Staff menus (<details>): one open at a time, closed by a click elsewhere or Escape.
(function () {
  "use strict";
  const menus = () => document.querySelectorAll("header details.menu");
  document.addEventListener("click", (e) => {
    menus().forEach((m) => { if (!m.contains(e.target)) m.open = false; });
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") menus().forEach((m) => { m.open = false; });
  });
  // An open menu stays on the screen: on a phone (360 px) "Điều hành" opened past the right
  // edge (the page went 46 px sideways) and the user's menu past the left one.
  function fit(m) {
    const items = m.querySelector(".items");
    if (!items) return;
    items.style.left = items.style.right = "";
    const room = document.documentElement.clientWidth;
    const r = items.getBoundingClientRect();
    if (!r.width) return;
    const left = Math.max(4, Math.min(r.left, room - 4 - r.width));
    if (Math.abs(left - r.left) > 0.5) {
      items.style.left = `${left - m.getBoundingClientRect().left}px`;
      items.style.right = "auto";
    }
  }
  menus().forEach((m) => m.addEventListener("toggle", () => {
    if (m.open) {
      menus().forEach((o) => { if (o !== m) o.open = false; });
      fit(m);
    }
  }));
})();
