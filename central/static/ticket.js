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

  // As motcua/waits.py (wait_quantile): the wait by which a share Phi(z) of such
  // tickets are called (Wilson-Hilferty); z = 0 is the median, the number printed.
  function waitQuantile(calls, gap, z) {
    if (calls <= 0) return 0;
    const cube = 1 - 1 / (9 * calls) + z / (3 * Math.sqrt(calls));
    return calls * gap * Math.max(0, cube) ** 3;
  }

  // As motcua/waits.py (wait_at): the wait by which a share Phi(z) of tickets with
  // `ahead` people before them are called, counting the changes announced (`changes`: a
  // paused counter's planned return); Infinity when no counter will be there for it.
  function waitAt(ahead, line, z, now) {
    const per = line.minutes_per_person * Math.max(1, line.open_counters);
    const changes = (line.changes || []).map(
      (c) => [(Date.parse(c.at) - now) / 60000, c.back, c.gone]);
    if (!line.open_counters && !changes.some((c) => c[1] > 0)) {
      return waitQuantile(ahead + 1, per, z);  // as if one counter opened now
    }
    let got = line.idle_counters || 0, serving = line.open_counters, t = 0, work = 0;
    const need = ahead + 1;
    for (const [when, back, gone] of [...changes, [Infinity, 0, 0]]) {
      const at = Math.max(when, t);
      if (need <= got) return t;
      const target = waitQuantile(need - got, 1, z);
      const rate = serving / per;
      if (work >= target) return t;
      if (rate > 0 && t + (target - work) / rate <= at) return t + (target - work) / rate;
      if (at === Infinity) return Infinity;
      work += rate * (at - t);
      t = at;
      got += back;
      serving = Math.max(0, serving + back - gone);
    }
    return Infinity;
  }

  // As central/queue/estimate.py (wait_for, on motcua/waits.py wait_spread): the median, a
  // number only when the line is steady, no paused counter is late back and nine numbers in
  // ten like it are off by at most 4.5 min (half the 90% interval), else that 90% range, each
  // end to the nearest five minutes.
  function waitFor(ahead, line, now) {
    if (line.changes && line.changes.length && waitAt(ahead, line, 1.6449, now) === Infinity) {
      // No counter will be there for it as announced: one counter open now, as a range.
      line = {...line, changes: [], steady: false, open_counters: line.open_counters || 1};
    }
    const at = (z) => waitAt(ahead, line, z, now);
    const late = (line.changes || []).some((c) => Date.parse(c.at) <= now && c.back > 0);
    const minutes = at(0), early = at(-1.6449), slow = at(1.6449);
    const low = Math.min(5 * Math.round(early / 5), 5 * Math.floor(minutes / 5));
    return {
      minutes: Math.round(minutes), low,
      high: Math.max(low + 5, 5 * Math.round(slow / 5), 5 * Math.ceil(minutes / 5)),
      trusted: Boolean(line.steady) && !late && (slow - early) / 2 <= 4.5,
    };
  }

  // As estimate.walk_in_wait: the bookings still to come whose slot starts before this
  // ticket's call go first (at most in_a_row for each walk-in's call up to this one), so
  // they count as people ahead, as on the printed ticket.
  function walkInWait(ahead, line, now) {
    let wait = waitFor(ahead, line, now);
    const b = line.bookings;
    if (!b) return wait;
    const most = b.in_a_row * (ahead + 1);
    const since = now - b.late_min * 60000;
    let counted = 0;
    for (let round = 0; round < 5; round += 1) {
      const until = b.due_only ? now : now + wait.minutes * 60000;
      let due = 0;
      for (const slot of b.slots) {
        const at = Date.parse(slot.at);
        if (at > since && at <= until) due += slot.count;
      }
      due = Math.min(most, due);
      if (due <= counted) break;
      counted = due;
      wait = waitFor(ahead + counted, line, now);
    }
    return wait;
  }

  // As estimate.said.
  function said(wait) {
    if (wait.trusted) return wait.minutes <= 0 ? "dưới 5 phút" : `khoảng ${wait.minutes} phút`;
    return wait.low <= 0 ? `dưới ${wait.high} phút` : `khoảng ${wait.low}–${wait.high} phút`;
  }

  // As motcua.wording.no_counter_for_service (estimate.said): no counter serving the service
  // is open, so no wait, but when one opens if its working hours or a pause say so.
  function noCounter(line, now) {
    const back = (line.changes || []).find((c) => c.back > 0 && Date.parse(c.at) > now);
    const at = back ? new Date(Date.parse(back.at)).toLocaleTimeString("vi-VN",
      { timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit", minute: "2-digit", hour12: false }) : "";
    return "Chưa có quầy nào mở cho dịch vụ này" + (at ? ` (quầy mở lúc ${at})` : "");
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
    // Until the ticket's own state arrives, its status is the page's: a ticket of a closed
    // day has no retained state any more, and its page read "Bạn là người tiếp theo" with
    // a wait under "Đã xong" (seen in the demo the day after).
    const waiting = (ticket ? ticket.status : d.status || "waiting") === "waiting";
    if (waiting && line) {
      const priority = ticket ? ticket.priority : d.priority === "true";
      let ahead = 0;
      for (const q of line.queue) {
        if (q.display === d.display) break;
        if (!priority || q.priority) ahead += 1;
      }
      $("ahead").textContent = ahead ? `Còn ${ahead} người trước bạn` : "Bạn là người tiếp theo";
      $("estimate").textContent = line.open_counters ?
        `Thời gian chờ ước tính: ${said(d.booked === "true" ? waitFor(ahead, line, Date.now())
                                       : walkInWait(ahead, line, Date.now()))}`
        : noCounter(line, Date.now());
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
  }, (up, hub) => {
    L.showLink($("link"), up, hub, true);
  });
  // Bookings fall due as time passes, with no new state: say it again every half minute.
  setInterval(render, 30000);
  live.subscribe(`${cfg.base}/state/ticket/${d.key}`);
  live.subscribe(lineTopic(service));
})();
