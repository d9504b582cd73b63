// Keeps the device table current without reloading the page.
(function () {
  "use strict";
  const body = document.querySelector("#nodes tbody");
  const summary = document.getElementById("summary");
  const when = (iso) =>
    iso ? new Date(iso).toLocaleString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh", hour12: false }) : "";

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text == null ? "" : text;
    if (cls) td.className = cls;
    return td;
  }

  function render(nodes) {
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
    const online = nodes.filter((n) => n.state === "online").length;
    summary.textContent = `${online} / ${nodes.length} thiết bị trực tuyến`;
    summary.classList.remove("stale");
  }

  async function refresh() {
    try {
      const reply = await fetch("/api/nodes", { cache: "no-store" });
      if (!reply.ok) throw new Error(reply.status);
      render((await reply.json()).nodes);
    } catch (e) {
      summary.textContent = "Mất kết nối tới máy chủ trung tâm, đang thử lại…";
      summary.classList.add("stale");
    }
  }
  setInterval(refresh, 2000);
})();
