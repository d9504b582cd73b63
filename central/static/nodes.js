// Keeps the device table current without reloading the page.
(function () {
  "use strict";
  const body = document.querySelector("#nodes tbody");
  const summary = document.getElementById("summary");
  // "16:30:00 04/12/2026", as the hub draws a moment (the page's first render): the
  // browser's own vi-VN form ("16:30:00 4/12/2026") rewrote each row after 2 s.
  const zone = { timeZone: "Asia/Ho_Chi_Minh" };
  const when = (iso) => (iso ? `${new Date(iso).toLocaleTimeString("vi-VN", { ...zone, hour12: false })} ` +
    new Date(iso).toLocaleDateString("vi-VN", { ...zone, day: "2-digit", month: "2-digit", year: "numeric" }) : "");

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text == null ? "" : text;
    if (cls) td.className = cls;
    return td;
  }

  function render(nodes, hubLink) {
    const rows = nodes.map((n) => {
      const tr = document.createElement("tr");
      tr.dataset.node = n.node_id;
      tr.className = n.state;
      tr.append(
        cell(n.node_id), cell(n.role_name), cell(n.state_name, "state"),
        cell(when(n.state_since)), cell(when(n.last_seen)), cell(n.version),
        cell(n.fault ? n.fault.message : (n.detail && n.detail.problem) || "", "fault"));
      return tr;
    });
    if (!rows.length) {
      const tr = document.createElement("tr");
      tr.className = "empty";
      const td = cell("Chưa có thiết bị nào kết nối.");
      td.colSpan = 7;
      tr.append(td);
      rows.push(tr);
    }
    body.replaceChildren(...rows);
    // The hub cut off from the broker: every row is what it last knew (audit4).
    if (hubLink && !hubLink.up) {
      summary.textContent = hubLink.text;
      summary.classList.add("stale");
      return;
    }
    const online = nodes.filter((n) => n.state === "online").length;
    summary.textContent = `${online} / ${nodes.length} thiết bị trực tuyến`;
    summary.classList.remove("stale");
  }

  async function refresh() {
    try {
      const reply = await fetch("/api/nodes", { cache: "no-store" });
      if (!reply.ok) throw new Error(reply.status);
      const body = await reply.json();
      render(body.nodes, body.hub_link);
    } catch (e) {
      summary.textContent = "Mất kết nối tới máy chủ trung tâm, đang thử lại…";
      summary.classList.add("stale");
    }
  }
  setInterval(refresh, 2000);
})();
