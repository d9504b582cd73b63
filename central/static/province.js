// The provincial hub's live pages (/province and /province/<centre>): what
// every centre's bridge carries up, read straight from the provincial
// broker over MQTT-over-WebSockets, as the centre's own live pages do.
//
//   province/<centre>/bridge/state        1 or 0: the centre connected or not
//   province/<centre>/state/queue_stats   today's figures
//   province/<centre>/state/nodes         the centre's nodes, online or not
//   province/<centre>/state/counter/<n>   a counter: status, officer, serving
//   province/<centre>/state/line/<code>   a line: waiting, counters open
//
// <div id="live" data-url=... data-base="province" data-center="xa-a"|"">:
// with a centre, the floor page; without, the list of centres.
(function () {
  "use strict";
  const L = window.MotcuaLive;
  const cfg = L.settings();
  const only = document.getElementById("live").dataset.center || "";
  const $ = (id) => document.getElementById(id);
  const LINK = { up: "Đang kết nối", down: "Mất kết nối" };

  // "16:30:00 04/12/2026", as the hub draws a moment: a device offline since
  // another day says which.
  function since(iso) {
    if (!iso) return "";
    const day = new Date(iso).toLocaleDateString("vi-VN", {
      timeZone: "Asia/Ho_Chi_Minh", day: "2-digit", month: "2-digit", year: "numeric" });
    return `${L.clock(iso)} ${day}`;
  }

  function setCells(row, values) {
    for (const [cls, text] of Object.entries(values)) {
      const cell = row.querySelector("." + cls);
      if (cell) cell.textContent = text == null ? "" : text;
    }
  }

  // A row of `cells` (class names) in `tbody`, created when the page had none; null
  // past MAX_ROWS (a stolen centre naming counters or lines by the thousand must not
  // grow the page without end: central/province/checks.py's bounds, here too).
  const MAX_ROWS = 200, MAX_COUNTER = 999;
  function rowFor(table, attr, key, cells) {
    const body = document.querySelector(`#${table} tbody`);
    let row = body.querySelector(`tr[${attr}="${CSS.escape(String(key))}"]`);
    if (!row && body.querySelectorAll(`tr[${attr}]`).length >= MAX_ROWS) return null;
    if (!row) {
      const empty = body.querySelector("tr.empty");
      if (empty) empty.remove();
      row = L.el("tr");
      row.setAttribute(attr, key);
      cells.forEach((c) => row.appendChild(L.el("td", c)));
      body.appendChild(row);
    }
    return row;
  }

  // The link of a centre changed (retained 1/0 from its bridge). The page
  // was rendered with the hub's own record of it; only a change moves "since".
  function link(center, up) {
    const state = up ? "up" : "down";
    const rows = only ? [$("link")] :
      [document.querySelector(`#centres tr[data-center="${CSS.escape(center)}"]`)];
    rows.forEach((row) => {
      // A revoked centre stays "Đã thu hồi": a thief's bridge flapping is not its link.
      if (!row || row.dataset.link === state || row.dataset.link === "revoked") return;
      row.dataset.link = state;
      row.classList.remove("link-up", "link-down", "link-unknown");
      row.classList.add("link-" + state);
      setCells(row, { link: LINK[state], since: (only ? "từ " : "") + L.clock(new Date()) });
    });
    if (!only) {
      const all = document.querySelectorAll("#centres tr[data-center]");
      const upCount = document.querySelectorAll('#centres tr[data-link="up"]').length;
      setCells($("links"), { count: `${upCount} / ${all.length} trung tâm đang kết nối` });
    }
  }

  // The province's figures moved (province/<province>/state/reports, a version
  // number): the page's report tables are fetched again, signed in as the page
  // is, and swapped in place. One fetch at a time; a change during it, one more.
  const box = document.getElementById("live").dataset;
  const refresh = (box.refresh || "").split(" ").filter(Boolean);
  let shown = Number(box.version || 0), fetching = false, again = false;
  async function refreshTables() {
    if (fetching) { again = true; return; }
    fetching = true;
    try {
      const answer = await fetch(location.href, { credentials: "same-origin" });
      if (answer.ok) {
        const page = new DOMParser().parseFromString(await answer.text(), "text/html");
        refresh.forEach((id) => {
          const fresh = page.getElementById(id), old = $(id);
          if (fresh && old) old.innerHTML = fresh.innerHTML;
        });
        document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
      }
    } finally {
      fetching = false;
      if (again) { again = false; refreshTables(); }
    }
  }

  function onMessage(topic, data) {
    const parts = topic.split("/");  // province, <centre>, state|bridge, ...
    const center = parts[1];
    const rest = parts.slice(2).join("/");
    if (center === box.province && rest === "state/reports") {
      if (refresh.length && data.version !== shown) { shown = data.version; refreshTables(); }
      return;
    }
    if (!$("centres") && !$("counters")) return;  // a report page: only the figures
    if (only && center !== only) return;
    if (rest === "bridge/state") return link(center, data === 1);
    if (!only) {
      const row = document.querySelector(`#centres tr[data-center="${CSS.escape(center)}"]`);
      if (!row) return;  // a centre new to the hub: it shows on the next load
      if (rest === "state/queue_stats") {
        // Another day's figures (a centre silent since then, its retained state
        // delivered again) are not today's: the row keeps its "—" and its note.
        const today = $("centres").dataset.today;
        if (today && data.day && data.day !== today) return;
        if (row.classList.contains("silent")) {
          row.classList.remove("silent");
          row.querySelectorAll(".silent-note").forEach((n) => n.remove());
        }
        const fmt = (n) => (typeof n === "number" ? L.number(n, 0) : n);
        setCells(row, { issued: fmt(data.issued), waiting: fmt(data.waiting), done: fmt(data.done) });
        const avg = row.querySelector(".avg");
        if (avg) L.showStat(avg, data.avg_wait_min);
      } else if (rest === "state/nodes") {
        const nodes = data.nodes || [];
        setCells(row, { nodes: `${nodes.filter((n) => n.state === "online").length} / ` +
                               `${nodes.length}` });
      }
      return;
    }
    if (rest.startsWith("state/counter/")) {
      // Counter n's state under its own number, 1..999; anything else no hub sends.
      const n = Number(rest.slice("state/counter/".length));
      if (!Number.isInteger(n) || n < 1 || n > MAX_COUNTER || data.counter !== n) return;
      const row = rowFor("counters", "data-counter", data.counter,
                         ["name", "state", "officer", "current"]);
      if (!row) return;
      row.className = data.status || "";
      // A centre's counter state names nobody (it is public; audit3): whether someone
      // is signed in. A centre on an older hub still sends the name.
      setCells(row, { name: data.name, state: data.status_name,
                      officer: data.officer || (data.signed_in ? "Có cán bộ" : ""),
                      current: data.current ? data.current.display : "" });
    } else if (rest.startsWith("state/line/")) {
      const row = rowFor("lines", "data-service", data.service,
                         ["name", "waiting", "open", "estimate"]);
      if (!row) return;
      setCells(row, { name: data.name });
      L.lineCells(row, data);
    } else if (rest === "state/queue_stats") {
      const today = $("link").dataset.today;
      if (today && data.day && data.day !== today) return;  // not today's: kept "—"
      document.querySelectorAll(".silent-note").forEach((n) => n.remove());
      document.querySelectorAll("[data-stat]").forEach((b) => L.showStat(b, data[b.dataset.stat]));
    } else if (rest === "state/nodes") {
      const body = document.querySelector("#nodes tbody");
      const roles = JSON.parse(document.getElementById("nodes").dataset.roles || "{}");
      body.replaceChildren(...(data.nodes || []).map((n) => {
        const row = L.el("tr", n.state);
        row.dataset.node = n.node_id;
        [n.node_id, roles[n.role] || n.role, n.state === "online" ? "Trực tuyến" : "Mất kết nối",
         since(n.since)].forEach((t) => row.appendChild(L.el("td", null, t)));
        return row;
      }));
    }
  }

  const live = L.connect(cfg.url, onMessage, (up) => {
    $("live-link").textContent = up ? "Đang cập nhật trực tiếp" : "Mất kết nối, đang thử lại…";
    $("live-link").className = "link-state " + (up ? "up" : "down");
  }, cfg.auth);
  const centre = only || "+";
  if (refresh.length) live.subscribe(`${cfg.base}/${box.province}/state/reports`);
  live.subscribe(`${cfg.base}/${centre}/bridge/state`);
  live.subscribe(`${cfg.base}/${centre}/state/queue_stats`);
  live.subscribe(`${cfg.base}/${centre}/state/nodes`);
  if (only) {
    live.subscribe(`${cfg.base}/${only}/state/counter/+`);
    live.subscribe(`${cfg.base}/${only}/state/line/+`);
  }
})();
