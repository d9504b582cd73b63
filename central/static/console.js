// The officer console: keys (buttons and shortcuts) POST to /console/command;
// what the counter shows comes back live from state/counter/<n> and the
// lines of its services (state/line/<code>), as the hall sees it.
(function () {
  "use strict";
  const L = window.MotcuaLive;
  const cfg = L.settings();
  const d = document.getElementById("live").dataset;
  const $ = (id) => document.getElementById(id);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  let counter = null;

  async function send(action, extra) {
    $("message").textContent = "";
    try {
      const reply = await fetch("/console/command", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(Object.assign({ action }, extra || {})),
      });
      const data = await reply.json();
      $("message").textContent = data.ok ? data.result.message : data.error.message;
      $("message").className = "message " + (data.ok ? "ok" : "error");
      if (data.ok) showCurrent(data.result.current, data.result.status_name);
    } catch (e) {
      $("message").textContent = "Không gửi được lệnh; xin thử lại.";
      $("message").className = "message error";
    }
  }

  function showCurrent(current, statusName) {
    $("current").textContent = current ? current.display : "—";
    $("current-service").textContent = current ? current.service_name : "";
    $("timer").dataset.since = current && current.called_at ? current.called_at : "";
    if (statusName) $("counter-status").textContent = statusName;
    tick();
  }

  function tick() {
    const since = $("timer").dataset.since;
    if (!since) { $("timer").textContent = ""; return; }
    const s = Math.max(0, Math.floor((Date.now() - new Date(since).getTime()) / 1000));
    $("timer").textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }
  setInterval(tick, 1000);
  tick();

  document.querySelectorAll("button[data-action]").forEach((b) =>
    b.addEventListener("click", () => send(b.dataset.action)));
  $("btn-transfer").addEventListener("click", () => send("transfer", {
    target_service: $("transfer-service").value, target_counter: $("transfer-counter").value,
  }));
  $("btn-call").addEventListener("click", () => send("call", {
    number: $("call-number").value, reason: $("call-reason").value,
  }));

  const keys = { n: "next", r: "recall", s: "serve", h: "finish", v: "no_show", p: "pause",
                 t: "resume" };
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.altKey || e.metaKey) return;
    if (["INPUT", "SELECT", "TEXTAREA"].includes(e.target.tagName)) return;
    const k = e.key.toLowerCase();
    if (keys[k]) { e.preventDefault(); send(keys[k]); }
    else if (k === "c") { e.preventDefault(); $("btn-transfer").click(); }
    else if (k === "g") { e.preventDefault(); $("call-number").focus(); }
  });

  function renderLine(data) {
    const box = document.querySelector(`.line[data-service="${data.service}"]`);
    if (!box) return;
    box.querySelector(".count").textContent = data.waiting;
    const ol = box.querySelector(".queue");
    ol.replaceChildren(...data.queue.slice(0, 15).map((q) =>
      L.el("li", q.priority ? "priority" : "", q.display)));
  }

  const live = L.connect(cfg.url, (topic, data) => {
    if (topic === `${cfg.base}/state/counter/${d.counter}`) {
      counter = data;
      showCurrent(data.current, data.status_name);
    } else if (topic.startsWith(`${cfg.base}/state/line/`)) {
      renderLine(data);
    }
  }, (up) => {
    $("link").textContent = up ? "Đang cập nhật trực tiếp" : "Mất kết nối, đang thử lại…";
    $("link").className = "link-state " + (up ? "up" : "down");
  });
  live.subscribe(`${cfg.base}/state/counter/${d.counter}`);
  d.services.split(",").filter(Boolean).forEach((code) =>
    live.subscribe(`${cfg.base}/state/line/${code}`));
  void counter;
})();
