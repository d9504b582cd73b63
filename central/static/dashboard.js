// The supervisor dashboard, live without reload. Counters and lines are
// updated row by row from their retained state; when the hub's figures
// change (state/supervision: dossiers overdue, alarms, nodes; queue_stats;
// dossier_stats) the signed-in parts are fetched once from /dashboard/panel
// (coalesced: one fetch however many messages arrive together). No polling.
(function () {
  "use strict";
  const L = window.MotcuaLive;
  const cfg = L.settings();
  const panelUrl = document.getElementById("live").dataset.panel;
  const $ = (id) => document.getElementById(id);
  let pending = null, inFlight = false, again = false;

  function refresh() {
    if (inFlight) { again = true; return; }
    inFlight = true;
    fetch(panelUrl, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then((html) => {
        // Server-rendered by Jinja (escaped), from our own origin. The panel comes
        // in parts (what to act on first, the rest below the floor): each part
        // replaces the element of the same id.
        const fresh = document.createElement("template");
        fresh.innerHTML = html;
        Array.from(fresh.content.children).forEach((part) => {
          const old = part.id && $(part.id);
          if (old) old.replaceWith(part);
        });
        document.body.dataset.refreshed = String(Date.now());
      })
      .catch((e) => console.warn("dashboard: panel not refreshed", e))
      .finally(() => {
        inFlight = false;
        if (again) { again = false; schedule(); }
      });
  }

  // One fetch for a burst of messages: soon for the dossiers' and alarms'
  // figures, at most once a second for the busy queue's.
  let dueAt = Infinity;
  function schedule(delay) {
    const at = Date.now() + (delay == null ? 150 : delay);
    if (at >= dueAt) return;
    clearTimeout(pending);
    dueAt = at;
    pending = setTimeout(() => { dueAt = Infinity; refresh(); }, at - Date.now());
  }

  const live = L.connect(cfg.url, (topic, data) => {
    const rest = topic.slice(cfg.base.length + "/state/".length);
    if (L.updateFloor(rest, data)) return;
    if (rest === "supervision" || rest === "dossier_stats") {
      schedule(150);
    } else if (rest === "queue_stats") {
      schedule(1000);
    }
  }, (up, hub) => {
    L.showLink($("link"), up, hub);
  });
  live.subscribe(`${cfg.base}/state/counter/+`);
  live.subscribe(`${cfg.base}/state/line/+`);
  live.subscribe(`${cfg.base}/state/supervision`);
  live.subscribe(`${cfg.base}/state/queue_stats`);
  live.subscribe(`${cfg.base}/state/dossier_stats`);
})();
