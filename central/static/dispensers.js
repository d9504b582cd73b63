// The supervisor's view of the ticket dispensers: a dispenser that cannot
// print (no paper, no printer, offline with no numbers left) is listed here.
// Node health lives in the hub's registry, not on the broker: read /api/nodes.
(function () {
  "use strict";
  const list = document.getElementById("dispensers");
  if (!list) return;

  function problem(n) {
    if (n.state !== "online") return "Mất kết nối";
    if (n.fault) return n.fault.message;
    return (n.detail && n.detail.problem) || "";
  }

  async function refresh() {
    try {
      const reply = await fetch("/api/nodes", { cache: "no-store" });
      if (!reply.ok) throw new Error(reply.status);
      const dispensers = (await reply.json()).nodes.filter((n) => n.role === "dispenser");
      const items = dispensers.map((n) => {
        const li = document.createElement("li");
        const text = problem(n);
        li.dataset.node = n.node_id;
        li.className = text ? "problem" : "ok";
        // "Máy lấy số 1", the name the hall uses; the device id in the tooltip.
        const number = (n.node_id.match(/(\d+)$/) || [])[1];
        li.title = n.node_id;
        li.textContent = `${number ? `${n.role_name} ${number}` : n.node_id}: ${text || "Sẵn sàng"}`;
        return li;
      });
      if (!items.length) {
        const li = document.createElement("li");
        li.textContent = "Chưa có máy lấy số nào kết nối.";
        items.push(li);
      }
      list.replaceChildren(...items);
    } catch (e) {
      /* the live view's own link line already says when the hub is unreachable */
    }
  }
  refresh();
  setInterval(refresh, 3000);
})();
