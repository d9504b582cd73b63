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
  menus().forEach((m) => m.addEventListener("toggle", () => {
    if (m.open) menus().forEach((o) => { if (o !== m) o.open = false; });
  }));
})();
