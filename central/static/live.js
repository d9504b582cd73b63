// Live pages read the hub's retained state straight from the broker, over
// MQTT-over-WebSockets: the broker fans out to any number of viewers and the
// hub does no work per viewer (no polling). This is a minimal MQTT 3.1.1
// subscriber (CONNECT, SUBSCRIBE at QoS 0, PUBLISH in, PINGREQ), enough for
// read-only pages. In development the broker's web.acl lets anonymous pages
// read motcua/<centre>/state/# and nothing else; in production pages read the
// live pages' relay (a second Mosquitto fed by a bridge, docs/security.md),
// anonymously too: the hub and the nodes are not on that broker, so no client
// id a page sends can knock them off.
//
//   const live = MotcuaLive.connect(url, (topic, data) => ..., (up) => ...);
//   live.subscribe("motcua/thanhhoa/state/counter/5");
//
// A broker without anonymous access (every production broker) takes the
// read-only web user: connect(url, onMessage, onLink, { username, password });
// without that argument, the user settings() reads from the page (#live's
// data-username, data-password), if any.
(function (global) {
  "use strict";
  const enc = new TextEncoder();
  const dec = new TextDecoder();

  function str(s) {
    const b = enc.encode(s);
    return [b.length >> 8, b.length & 255, ...b];
  }

  function packet(first, body) {
    const len = [];
    let n = body.length;
    do {
      let byte = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) byte |= 128;
      len.push(byte);
    } while (n > 0);
    return new Uint8Array([first, ...len, ...body]);
  }

  function connect(url, onMessage, onLink, auth) {
    // The page's web user (data-username/-password on #live) unless given.
    const page = document.getElementById("live") ? settings() : null;
    if (auth === undefined && page) auth = page.auth;
    const filters = new Set();
    let ws = null, buffer = new Uint8Array(0), ping = null, packetId = 1, delay = 500;
    let up = false;
    // The hub's own presence (<base>/hub/status, retained, its Last Will "offline"):
    // this page's link can be up while the hub is gone, and the state it shows then
    // stands still. onLink(up, hub) hears both ("online", "offline", or null: not
    // heard), so a page tells "this page lost the broker" from "the hub stopped".
    const hubTopic = page && page.base ? `${page.base}/hub/status` : null;
    let hub = null;
    if (hubTopic) filters.add(hubTopic);

    function send(bytes) {
      if (ws && ws.readyState === 1) ws.send(bytes);
    }

    function subscribeNow(filter) {
      packetId = (packetId % 65535) + 1;
      send(packet(0x82, [packetId >> 8, packetId & 255, ...str(filter), 0]));
    }

    function handle(first, body) {
      const type = first >> 4;
      if (type === 2) {  // CONNACK
        if (body[1] !== 0) return;
        up = true;
        delay = 500;
        filters.forEach(subscribeNow);
        if (onLink) onLink(true, hub);
      } else if (type === 3) {  // PUBLISH
        const qos = (first >> 1) & 3;
        const tlen = (body[0] << 8) | body[1];
        const topic = dec.decode(body.subarray(2, 2 + tlen));
        const payload = body.subarray(2 + tlen + (qos ? 2 : 0));
        if (!payload.length) return;  // a cleared retained topic
        if (topic === hubTopic) {
          let state = null;
          try { state = JSON.parse(dec.decode(payload)).state; } catch (e) { /* ignored */ }
          if (state !== hub) { hub = state; if (onLink) onLink(up, hub); }
          return;
        }
        try {
          onMessage(topic, JSON.parse(dec.decode(payload)));
        } catch (e) {
          console.warn("live: bad payload on", topic, e);
        }
      }
    }

    function feed(chunk) {
      const joined = new Uint8Array(buffer.length + chunk.length);
      joined.set(buffer);
      joined.set(chunk, buffer.length);
      buffer = joined;
      for (;;) {
        if (buffer.length < 2) return;
        let mult = 1, len = 0, i = 1, byte;
        do {
          if (i >= buffer.length) return;
          byte = buffer[i++];
          len += (byte & 127) * mult;
          mult *= 128;
        } while (byte & 128);
        if (buffer.length < i + len) return;
        handle(buffer[0], buffer.subarray(i, i + len));
        buffer = buffer.slice(i + len);
      }
    }

    function open() {
      buffer = new Uint8Array(0);
      ws = new WebSocket(url, ["mqtt"]);
      ws.binaryType = "arraybuffer";
      ws.onopen = () => {
        // A client id nobody can guess: another page taking it would close this one.
        const rnd = crypto.getRandomValues(new Uint8Array(12));
        const id = "web-" + Array.from(rnd, (b) => b.toString(16).padStart(2, "0")).join("");
        // MQTT 3.1.1, clean session, keep-alive 30 s; user name and password
        // (flags 0x80 | 0x40) when the page was given a web user.
        const user = auth && auth.username;
        const flags = user ? 0xc2 : 0x02;
        const creds = user ? [...str(user), ...str(auth.password || "")] : [];
        send(packet(0x10, [...str("MQTT"), 4, flags, 0, 30, ...str(id), ...creds]));
        ping = setInterval(() => send(new Uint8Array([0xc0, 0])), 15000);
      };
      ws.onmessage = (event) => feed(new Uint8Array(event.data));
      ws.onclose = () => {
        clearInterval(ping);
        if (up && onLink) onLink(false, hub);
        up = false;
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 10000);
      };
    }

    open();
    return {
      subscribe(filter) {
        if (filters.has(filter)) return;
        filters.add(filter);
        if (up) subscribeNow(filter);
      },
      unsubscribe(filter) {
        filters.delete(filter);  // no UNSUBSCRIBE: messages for it are ignored by the page
      },
    };
  }

  // The line that says whether the page is live (#link): this page's own link to the
  // broker, or the hub stopped behind a broker still there (audit4). `citizen`: the
  // ticket page's words, for someone waiting for their number.
  const LINK_TEXTS = {
    up: "Đang cập nhật trực tiếp",
    down: "Mất kết nối, đang thử lại…",
    "hub-down": "Máy chủ trung tâm đang ngừng hoạt động: số liệu dưới đây không còn được " +
                "cập nhật cho đến khi máy chủ chạy lại",
    "hub-down-citizen": "Hệ thống gọi số đang tạm gián đoạn: số của bạn vẫn giữ nguyên chỗ " +
                        "trong hàng",
  };
  function showLink(element, up, hub, citizen) {
    const state = !up ? "down" : hub === "offline" ? "hub-down" : "up";
    element.textContent = LINK_TEXTS[state === "hub-down" && citizen ? "hub-down-citizen" : state];
    element.className = "link-state " + state;
  }

  // The page's live settings: <div id="live" data-url=... data-base="motcua/<centre>">
  // (and data-username, data-password where the broker wants a web user).
  function settings() {
    const d = document.getElementById("live").dataset;
    return { url: d.url || `ws://${location.hostname}:9001`, base: d.base,
             auth: d.username ? { username: d.username, password: d.password } : null };
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function clock(iso) {
    return iso ? new Date(iso).toLocaleTimeString("vi-VN",
      { timeZone: "Asia/Ho_Chi_Minh", hour12: false }) : "";
  }

  // A number as the hub draws it (central/documents/formats.py's number()): dot
  // between thousands, comma before exactly `decimals` decimals (4 -> "4,0" with one),
  // rounded half up on the shortest decimal form of the value as Python's str()
  // gives it (0.15 -> "0,2", where rounding the binary double would give "0,1").
  const formats = {};
  function number(value, decimals) {
    const d = Number(decimals) || 0;
    const f = formats[d] || (formats[d] = new Intl.NumberFormat("vi-VN", {
      minimumFractionDigits: d, maximumFractionDigits: d, roundingMode: "halfExpand" }));
    return f.format(String(value));  // a string is formatted as the exact decimal it reads
  }

  // A figure of today's queue_stats in its element (<b data-stat="avg_wait_min"
  // data-decimals="1" data-none="why">): Vietnamese number forms as the page was
  // drawn (1.234; 4,5; an average 0 as "0,0"), and "—" (motcua/wording.py's
  // NOTHING_RESOLVED) with its reason as a title when the hub sent none: a wait or a
  // share with nothing to measure yet (issue 23).
  const DASH = "\u2014";
  function showStat(el, value) {
    if (value == null) {
      el.textContent = DASH;
      el.title = el.dataset.none || "";
      el.classList.add("none");
      return;
    }
    el.textContent = typeof value === "number" ? number(value, el.dataset.decimals) : value;
    el.removeAttribute("title");
    el.classList.remove("none");
  }

  // Now, in milliseconds, on the hub's clock: the page was drawn at <body
  // data-hub-now>, and the hub's time runs data-hub-speed times faster (the
  // demo's day in a demo, issue 22); the browser's own clock only measures
  // how long the page has been open.
  const loadedAt = Date.now();
  function hubNow() {
    const d = document.body.dataset;
    const drawn = d.hubNow ? Date.parse(d.hubNow) : NaN;
    if (Number.isNaN(drawn)) return Date.now();
    return drawn + (Date.now() - loadedAt) * (Number(d.hubSpeed) || 1);
  }

  // Fill a table row's cells by class name: setCells(row, {waiting: 3}).
  function setCells(row, values) {
    for (const [cls, text] of Object.entries(values)) {
      const cell = row.querySelector("." + cls);
      if (cell) cell.textContent = text == null ? "" : text;
    }
  }

  // The floor tables shared by the supervisor's pages (#counters rows with
  // data-counter, #lines rows with data-service): update the row a retained
  // counter/ or line/ state names. `rest` is the topic after ".../state/".
  // Returns true when the message was one of those.
  // "từ 08:05 · 12 phút": how long a counter has been calling or serving its ticket;
  // past the table's data-long minutes the row is marked "long".
  function serving(row) {
    const cell = row.querySelector(".since");
    if (!cell) return;
    const called = row.dataset.called;
    if (!called) { cell.textContent = ""; row.classList.remove("long"); return; }
    const minutes = Math.max(0, Math.floor((hubNow() - Date.parse(called)) / 60000));
    const hhmm = clock(called).slice(0, 5);
    cell.textContent = minutes ? `từ ${hhmm} · ${minutes} phút` : `từ ${hhmm}`;
    const table = row.closest("table");
    const long = Number((table && table.dataset.long) || 20);
    row.classList.toggle("long", minutes >= long);
  }
  function tickServing() {
    document.querySelectorAll("#counters tr[data-counter]").forEach(serving);
  }
  if (document.getElementById("counters")) {
    tickServing();
    // Every 15 s on the hub's clock (a demo's faster day), at most once a second.
    setInterval(tickServing, Math.max(1000, 15000 / (Number(document.body.dataset.hubSpeed) || 1)));
  }

  // Fetch the URL in element `id`'s data-`key` `delay` ms after the first of a burst
  // of changes, once for the burst, and give `use` the element and the reply (read
  // `as` "text" or "json"). A failed fetch keeps what the page shows; the next change
  // tries again.
  function oncePerBurst(delay, id, key, as, use) {
    let timer = null;
    return function soon() {
      const el = document.getElementById(id);
      if (!el || !el.dataset[key] || timer) return;
      timer = setTimeout(() => {
        timer = null;
        fetch(el.dataset[key], { credentials: "same-origin" })
          .then((r) => (r.ok ? r[as]() : Promise.reject(r.status)))
          .then((reply) => use(el, reply))
          .catch(() => {});
      }, delay);
    };
  }

  // Issue 26: the next hour's bookings (a staff page's #next-hour) are drawn by the
  // hub; a line that moved (a check-in, a call) redraws them.
  const nextHourSoon = oncePerBurst(500, "next-hour", "src", "text",
                                    (box, html) => { box.innerHTML = html; });

  // Who is signed in at each counter: the staff-only list the #counters table names
  // (data-officers), fetched once per burst of sign-ins; the rows keep their names
  // when it fails.
  const officersSoon = oncePerBurst(300, "counters", "officers", "json",
    (table, names) => table.querySelectorAll("tr[data-counter]").forEach((row) => {
      setCells(row, { officer: names[row.dataset.counter] || "" });
    }));

  // A line's estimate for a new ticket (motcua/wording.py's line_estimate): no
  // estimate with no counter open for the service (the table's data-none-open says
  // so), the range when the hub cannot trust one number, else the minutes.
  function estimate(data, table) {
    if (!data.open_counters) {
      const box = table || document.getElementById("lines");
      return (box && box.dataset.noneOpen) || DASH;
    }
    const r = data.estimate_range;
    if (r && r.length === 2) return `${number(r[0], 0)}\u2013${number(r[1], 0)}`;
    return data.estimate_min == null ? "" : number(data.estimate_min, 0);
  }

  // A line's row in #lines (templates/queue/_line_cells.html): with no counter open the
  // "Quầy mở" cell hides and the estimate's cell spans both, so the phrase has room.
  const LINE_LABELS = { waiting: "Đang chờ", open: "Quầy mở", estimate: "Ước tính (phút)" };
  function lineCells(row, data) {
    setCells(row, { waiting: data.waiting, open: data.open_counters, estimate: estimate(data) });
    const none = !data.open_counters;
    for (const [cls, label] of Object.entries(LINE_LABELS)) {
      const cell = row.querySelector("." + cls);
      if (cell && !cell.dataset.label) cell.dataset.label = label;
    }
    const open = row.querySelector(".open");
    const est = row.querySelector(".estimate");
    if (open) open.hidden = none;
    if (est) {
      est.colSpan = none && open ? 2 : 1;
      est.classList.toggle("none-open", none);
    }
  }

  function updateFloor(rest, data) {
    if (rest.startsWith("counter/")) {
      const row = document.querySelector(`#counters tr[data-counter="${data.counter}"]`);
      if (!row) return true;
      row.dataset.called = data.current ? data.current.called_at : "";
      row.className = data.status + (data.current ? " busy" : data.status === "open" ? " idle" : "");
      setCells(row, { state: data.status_name, current: data.current ? data.current.display : "" });
      // No names in the public state (audit3): a new sign-in here fetches who it is.
      const since = data.signed_in || "";
      if (since !== (row.dataset.signedIn || "")) {
        row.dataset.signedIn = since;
        officersSoon();
      }
      serving(row);
      return true;
    }
    if (rest.startsWith("line/")) {
      nextHourSoon();
      const row = document.querySelector(`#lines tr[data-service="${data.service}"]`);
      if (row) lineCells(row, data);
      return true;
    }
    return false;
  }

  global.MotcuaLive = { connect, showLink, settings, el, clock, setCells, lineCells, updateFloor,
                        showStat, number, estimate, DASH, hubNow,
                        nextHourSoon };
})(window);
