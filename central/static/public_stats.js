// The public statistics page: today's queue figures from the retained
// state/queue_stats (anonymous, read-only), the rest as the page was drawn.
(function () {
  "use strict";
  const L = window.MotcuaLive;
  const cfg = L.settings();
  const live = L.connect(cfg.url, (topic, data) => {
    if (!topic.endsWith("/state/queue_stats")) return;
    document.querySelectorAll("#public-queue [data-stat]").forEach((b) => {
      const v = data[b.dataset.stat];  // Vietnamese number forms, as the page was drawn
      if (v != null) b.textContent = typeof v === "number" ? v.toLocaleString("vi-VN", { maximumFractionDigits: 1 }) : v;
    });
  });
  live.subscribe(`${cfg.base}/state/queue_stats`);
})();
