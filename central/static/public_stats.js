// The public statistics page: today's queue figures from the retained
// state/queue_stats (anonymous, read-only), the rest as the page was drawn.
(function () {
  "use strict";
  const L = window.MotcuaLive;
  const cfg = L.settings();
  const live = L.connect(cfg.url, (topic, data) => {
    if (!topic.endsWith("/state/queue_stats")) return;
    document.querySelectorAll("#public-queue [data-stat]").forEach(
      (b) => L.showStat(b, data[b.dataset.stat]));
  });
  live.subscribe(`${cfg.base}/state/queue_stats`);
})();
