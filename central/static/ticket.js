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

  // As central/queue/estimate.py: called at the (ahead - idle + 1)-th call from now, one
  // call every minutes_per_person; a range when the line is not steady or the spread is wide.
  function waitText(ahead, line) {
    const idle = line.idle_counters || 0;
    const calls = !line.open_counters ? ahead + 1 : (ahead >= idle ? ahead - idle + 1 : 0);
    const minutes = calls * line.minutes_per_person;
    const spread = 1.2816 * Math.sqrt(calls) * line.minutes_per_person;
    if (line.steady && spread <= 5) {
      return minutes < 0.5 ? "dưới 5 phút" : `khoảng ${Math.round(minutes)} phút`;
    }
    const low = 5 * Math.floor(Math.max(0, minutes - spread) / 5);
    const high = Math.max(low + 5, 5 * Math.ceil((minutes + spread) / 5));
    return low <= 0 ? `dưới ${high} phút` : `khoảng ${low}–${high} phút`;
  }

  function render() {
    if (ticket) {
      $("display").textContent = ticket.display;
      $("service").textContent = ticket.service_name;
      $("status").textContent = ticket.status_name;
      $("status").className = "status " + ticket.status;
      $("where").textContent = ticket.counter ? `Xin mời đến ${ticket.counter.name}` : "";
      // What to do next after a no-show, service or cancellation (texts in the page).
      document.querySelectorAll("#next-step [data-when]").forEach((el) => {
        el.hidden = el.dataset.when !== ticket.status;
      });
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
      $("estimate").textContent = `Thời gian chờ ước tính: ${waitText(ahead, line)}`;
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
