// The officer console: keys (buttons and shortcuts) POST to /console/command;
// what the counter shows comes back live from state/counter/<n> and the
// lines of its services (state/line/<code>), as the hall sees it.
//
// Shortcuts (N R S H V P T, C transfer, G the number field) act every time
// a key is pressed outside a field: scan.js holds keys typed outside a field
// and hands a lone key here, so a dossier scanner's burst never turns into
// shortcuts and a shortcut never types into the header's scan field. Esc
// leaves a field and gives the keys back to the shortcuts. Commands go one
// after another, in the order pressed. Only the actions the counter's state
// allows are enabled; a shortcut for another one says why it does nothing.
(function () {
  "use strict";
  const L = window.MotcuaLive;
  const cfg = L.settings();
  const d = document.getElementById("live").dataset;
  const $ = (id) => document.getElementById(id);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  // What the counter is now: from the page, each answer and the retained state.
  const state = { status: d.status || "closed", current: null };
  try { state.current = JSON.parse(d.current || "null"); } catch (e) { state.current = null; }
  let queue = Promise.resolve();
  let sent = 0;

  const WHY = {
    next: "Quầy đang tạm dừng: bấm Tiếp tục (T) trước khi gọi số.",
    recall: "Quầy chưa gọi số nào.",
    serve: "Không có số đang chờ đến quầy.",
    finish: "Quầy chưa gọi số nào.",
    no_show: "Quầy chưa gọi số nào.",
    pause: "Quầy không ở trạng thái mở.",
    resume: "Quầy đang mở.",
    transfer: "Quầy chưa gọi số nào.",
    call: "Quầy đang tạm dừng: bấm Tiếp tục (T) trước khi gọi số.",
  };

  // Which actions the counter's state allows (the hub refuses the others).
  function allowed(action) {
    const cur = state.current;
    switch (action) {
      case "next": case "call": return state.status !== "paused";
      case "recall": case "finish": case "no_show": case "transfer": return !!cur;
      case "serve": return !!cur && cur.status === "called";
      case "pause": return state.status === "open";
      case "resume": return state.status !== "open";
      default: return true;
    }
  }

  function render() {
    const cur = state.current;
    $("current").textContent = cur ? cur.display : "—";
    $("current-service").textContent = cur ? cur.service_name : "";
    $("timer").dataset.since = cur && cur.called_at ? cur.called_at : "";
    document.querySelectorAll("[data-action]").forEach((b) => {
      b.disabled = !allowed(b.dataset.action);
    });
    $("live").dataset.state = state.status + (cur ? ":" + cur.display : "");
    tick();
  }

  function say(text, ok) {
    $("message").textContent = text;
    $("message").className = "message " + (ok ? "ok" : "error");
    $("message").dataset.sent = String(sent);
  }

  function send(action, extra) {
    sent += 1;
    const mine = sent;
    queue = queue.then(async () => {
      // Checked when its turn comes: a key pressed before the previous
      // answer is judged by the state that answer leaves.
      if (!allowed(action)) {
        say(WHY[action] || "Thao tác này không dùng được lúc này.", false);
        return false;
      }
      try {
        const reply = await fetch("/console/command", {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
          body: JSON.stringify(Object.assign({ action }, extra || {})),
        });
        const data = await reply.json();
        if (data.ok) {
          state.status = data.result.status;
          state.current = data.result.current || null;
          if (data.result.status_name) $("counter-status").textContent = data.result.status_name;
          render();
        }
        $("message").dataset.done = String(mine);
        say(data.ok ? data.result.message : data.error.message, data.ok);
        return data.ok;
      } catch (e) {
        say("Không gửi được lệnh; xin thử lại.", false);
        return false;
      }
    });
    return queue;
  }

  function act(action, extra) {
    // A pause says for how long when the officer chose it: the wait estimates count on it.
    const minutes = $("pause-minutes") && $("pause-minutes").value;
    if (action === "pause" && minutes) extra = Object.assign({ minutes: Number(minutes) }, extra);
    return send(action, extra);
  }

  // The hub's clock, as this page was drawn (the demo's day runs faster).
  const loaded = Date.now();
  const hubAtLoad = d.hubNow ? new Date(d.hubNow).getTime() : loaded;
  const hubSpeed = Number(d.hubSpeed) || 1;
  const hubNow = () => hubAtLoad + (Date.now() - loaded) * hubSpeed;

  function tick() {
    const since = $("timer").dataset.since;
    if (!since) { $("timer").textContent = ""; return; }
    const s = Math.max(0, Math.floor((hubNow() - new Date(since).getTime()) / 1000));
    $("timer").textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }
  setInterval(tick, 1000);

  function transfer() {
    const service = $("transfer-service").value, counter = $("transfer-counter").value;
    if (!service && !counter) {
      say("Chọn dịch vụ hoặc quầy để chuyển số đến.", false);
      $("transfer-service").focus();
      return;
    }
    act("transfer", { target_service: service, target_counter: counter }).then((ok) => {
      if (ok) { $("transfer-service").value = ""; $("transfer-counter").value = ""; }
      document.activeElement.blur();  // the keys are the shortcuts' again
    });
  }

  function callNumber() {
    act("call", { number: $("call-number").value, reason: $("call-reason").value })
      .then((ok) => {
        if (ok) { $("call-number").value = ""; $("call-reason").value = ""; }
        if (ok) document.activeElement.blur();
      });
  }

  document.querySelectorAll("button[data-action]").forEach((b) => {
    if (b.dataset.action === "transfer" || b.dataset.action === "call") return;
    b.addEventListener("click", () => act(b.dataset.action));
  });
  $("btn-transfer").addEventListener("click", transfer);
  $("btn-call").addEventListener("click", callNumber);
  ["call-number", "call-reason"].forEach((id) => $(id).addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); callNumber(); }
  }));
  // Esc in any field of the console gives the keys back to the shortcuts.
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && document.activeElement && document.activeElement !== document.body) {
      document.activeElement.blur();
    }
  });

  const keys = { n: "next", r: "recall", s: "serve", h: "finish", v: "no_show", p: "pause",
                 t: "resume" };
  // True: the key is a shortcut (scan.js types any other into the scan field).
  (window.motcuaShortcuts = window.motcuaShortcuts || []).push((key) => {
    const k = key.toLowerCase();
    if (keys[k]) act(keys[k]);
    else if (k === "c") transfer();
    else if (k === "g") $("call-number").focus();
    else return false;
    return true;
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
      // The retained state is the whole picture: no "current" means nobody.
      state.status = data.status;
      state.current = data.current || null;
      $("counter-status").textContent = data.status_name;
      render();
    } else if (topic.startsWith(`${cfg.base}/state/line/`)) {
      renderLine(data);
      L.nextHourSoon();
    }
  }, (up, hub) => {
    L.showLink($("link"), up, hub);
  });
  live.subscribe(`${cfg.base}/state/counter/${d.counter}`);
  d.services.split(",").filter(Boolean).forEach((code) =>
    live.subscribe(`${cfg.base}/state/line/${code}`));
  render();
})();
