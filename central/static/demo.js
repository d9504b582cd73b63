// The demo page: the latest picture of each simulated screen and the last
// printed tickets, swapped in when the demo publishes the retained
// motcua/<centre>/state/demo (one subscription; no polling).
(function () {
  "use strict";
  const L = window.MotcuaLive;
  const cfg = L.settings();
  const pattern = document.getElementById("live").dataset.pictures;
  const $ = (id) => document.getElementById(id);
  const url = (kind, name) => pattern.replace("KIND", kind).replace("NAME", name);

  const live = L.connect(cfg.url, (topic, data) => {
    if (topic !== `${cfg.base}/state/demo`) return;
    for (const [kind, name] of Object.entries(data.frames || {})) {
      const img = $("frame-" + kind);
      if (img && name && img.dataset.name !== name) {
        img.dataset.name = name;
        img.src = url(kind, name);
      }
    }
    if (data.ticket) {
      $("newest-link").href = data.ticket.path;
      $("newest-link").textContent = data.ticket.display;
      $("newest").hidden = false;
    }
    const sound = $("sound");
    if (data.sound && sound.dataset.name !== data.sound) {
      sound.dataset.name = data.sound;
      sound.src = url("sound", data.sound);
    }
    const list = $("tickets");
    const names = data.tickets || [];
    if (list.dataset.names !== names.join(",")) {
      list.dataset.names = names.join(",");
      list.replaceChildren(...names.map((entry) => {
        const [kind, name] = entry.split("/");  // "ticket-1/ticket-00012.png"
        const li = L.el("li");
        const img = L.el("img");
        img.src = url(kind, name);
        img.alt = name;
        const machine = "Máy lấy số " + kind.split("-")[1];
        li.append(img, L.el("span", null, `${machine} · ${name.replace(".png", "")}`));
        return li;
      }));
    }
    if (data.clock) $("clock").textContent = data.clock;
    if (data.speed) $("speed").textContent = data.speed;
  }, (up, hub) => {
    L.showLink($("link"), up, hub);
  });
  live.subscribe(`${cfg.base}/state/demo`);
})();
