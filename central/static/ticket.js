// The public page of one ticket: its status from state/ticket/<key> (a digest of its token), its
// place in line from state/line/<service>. Updates without reload.
(function () {
  "use strict";
  const L = window.MotcuaLive;
  const cfg = L.settings();
  const d = document.getElementById("live").dataset;
  const $ = (id) => document.getElementById(id);
  let ticket = null, line = null, service = d.service;
  const lineTopic = (code) => `${cfg.base}/state/line/${code}`;

  function render() {
    if (ticket) {
      $("display").textContent = ticket.display;
      $("service").textContent = ticket.service_name;
      $("status").textContent = ticket.status_name;
      $("status").className = "status " + ticket.status;
      $("where").textContent = ticket.counter ? `Xin mời đến ${ticket.counter.name}` : "";
    }
    const waiting = ticket ? ticket.status === "waiting" : true;
    if (waiting && line) {
      const priority = ticket ? ticket.priority : d.priority === "true";
      let ahead = 0;
      for (const q of line.queue) {
        if (q.display === d.display) break;
        if (!priority || q.priority) ahead += 1;
      }
      $("ahead").textContent = ahead ? `Còn ${ahead} người trước bạn` : "Bạn là người tiếp theo";
      const minutes = Math.ceil(ahead * line.minutes_per_person);
      $("estimate").textContent = `Thời gian chờ ước tính: khoảng ${minutes} phút`;
    } else if (!waiting) {
      $("ahead").textContent = "";
      $("estimate").textContent = "";
    }
  }

  const live = L.connect(cfg.url, (topic, data) => {
    if (topic.endsWith("/state/ticket/" + d.key)) {
      ticket = data;
      if (data.service !== service) {  // transferred: follow the new line
        live.unsubscribe(lineTopic(service));
        service = data.service;
        line = null;
        live.subscribe(lineTopic(service));
      }
    } else if (topic === lineTopic(service)) {
      line = data;
    }
    render();
  }, (up) => {
    $("link").textContent = up ? "Đang cập nhật trực tiếp" : "Mất kết nối, đang thử lại…";
    $("link").className = "link-state " + (up ? "up" : "down");
  });
  live.subscribe(`${cfg.base}/state/ticket/${d.key}`);
  live.subscribe(lineTopic(service));
})();
