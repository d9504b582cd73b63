// The supervisor's live view: every counter, every line, today's figures,
// from the retained state on the broker (one subscription per page).
(function () {
  "use strict";
  const L = window.MotcuaLive;
  const cfg = L.settings();
  const $ = (id) => document.getElementById(id);

  const live = L.connect(cfg.url, (topic, data) => {
    const rest = topic.slice(cfg.base.length + "/state/".length);
    if (L.updateFloor(rest, data)) return;
    if (rest === "queue_stats") {
      document.querySelectorAll("[data-stat]").forEach((b) => L.showStat(b, data[b.dataset.stat]));
    }
  }, (up, hub) => {
    L.showLink($("link"), up, hub);
  });
  live.subscribe(`${cfg.base}/state/counter/+`);
  live.subscribe(`${cfg.base}/state/line/+`);
  live.subscribe(`${cfg.base}/state/queue_stats`);
})();
