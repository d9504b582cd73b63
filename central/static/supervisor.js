// The supervisor's live view: every counter, every line, today's figures,
// from the retained state on the broker (one subscription per page).
(function () {
  "use strict";
  const L = window.MotcuaLive;
  const cfg = L.settings();
  const $ = (id) => document.getElementById(id);

  function setCells(row, values) {
    for (const [cls, text] of Object.entries(values)) {
      const cell = row.querySelector("." + cls);
      if (cell) cell.textContent = text == null ? "" : text;
    }
  }

  const live = L.connect(cfg.url, (topic, data) => {
    const rest = topic.slice(cfg.base.length + "/state/".length);
    if (rest.startsWith("counter/")) {
      const row = document.querySelector(`#counters tr[data-counter="${data.counter}"]`);
      if (!row) return;
      row.className = data.status;
      setCells(row, {
        state: data.status_name, officer: data.officer,
        current: data.current ? data.current.display : "",
        since: data.current ? L.clock(data.current.called_at) : "",
      });
    } else if (rest.startsWith("line/")) {
      const row = document.querySelector(`#lines tr[data-service="${data.service}"]`);
      if (row) setCells(row, { waiting: data.waiting, open: data.open_counters,
                               estimate: data.estimate_min });
    } else if (rest === "queue_stats") {
      document.querySelectorAll("[data-stat]").forEach((b) => {
        b.textContent = data[b.dataset.stat];
      });
    }
  }, (up) => {
    $("link").textContent = up ? "Đang cập nhật trực tiếp" : "Mất kết nối, đang thử lại…";
    $("link").className = "link-state " + (up ? "up" : "down");
  });
  live.subscribe(`${cfg.base}/state/counter/+`);
  live.subscribe(`${cfg.base}/state/line/+`);
  live.subscribe(`${cfg.base}/state/queue_stats`);
})();
