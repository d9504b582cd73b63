// A USB barcode scanner is a keyboard: it types the dossier code and Enter,
// a key every few milliseconds. People type far slower.
//
// On a page without shortcut keys, the first key typed outside a field goes
// to the header's scan field, so a scan on any officer page opens that
// dossier at once (and a person can type a code there too).
//
// A page with shortcut keys (the officer console) registers a handler before
// or after this script runs; it returns true when the key is one of its
// shortcuts:
//
//   (window.motcuaShortcuts = window.motcuaShortcuts || []).push((key) => ...);
//
// There a key outside a field is held for a moment: a key alone (or bounced)
// that a handler takes is a shortcut, never typed anywhere; a burst of keys
// ending with Enter is a scan and opens the dossier. Whatever else the moment
// ends with is the start of a code, never dropped: it goes into the scan field,
// focused, and the keys that follow are typed after it. That is a scanner's
// first keys held up under load (a loaded machine can hand them over more than
// BURST_MS apart: the first "0" of "000.00.14.H56-…" was dropped) or a person
// typing a code; dossier codes start with digits, and no shortcut is a digit.
(function () {
  "use strict";
  const BURST_MS = 60;     // a scanner: a key every 2-30 ms; a person rarely under 80 ms
  const SCAN_MIN = 4;      // a dossier code is longer than this
  let burst = "";
  let timer = null;

  function handlers() { return window.motcuaShortcuts || []; }

  function typing() {
    const active = document.activeElement;
    return active && (active.isContentEditable ||
      ["INPUT", "TEXTAREA"].includes(active.tagName) ||
      (active.tagName === "SELECT" && !active.dataset.shortcuts));
  }

  function openScan(code) {
    const scan = document.getElementById("scan-code");
    const form = document.getElementById("scan-form");
    if (!scan || !form) return;
    scan.value = code;
    form.submit();
  }

  function settle() {
    timer = null;
    const keys = burst;
    burst = "";
    if (!keys) return;
    // One key (or a bounce of it): one shortcut, if a handler takes it.
    if (keys.length < SCAN_MIN && [...keys].every((k) => k === keys[0]) &&
        handlers().map((fn) => fn(keys[0]) === true).includes(true)) return;
    // The start of a code (or a scanner set up without its Enter): in the scan
    // field, the caret after it, so the next keys follow and Enter opens it.
    const scan = document.getElementById("scan-code");
    if (!scan) return;
    scan.value = keys;
    scan.focus();
    scan.setSelectionRange(keys.length, keys.length);
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey || typing()) return;
    const scan = document.getElementById("scan-code");
    if (!handlers().length) {
      if (!scan || event.key.length !== 1) return;
      scan.value = "";
      scan.focus();
      return;
    }
    if (event.key === "Enter" && burst.length >= SCAN_MIN) {
      event.preventDefault();
      clearTimeout(timer);
      timer = null;
      const code = burst;
      burst = "";
      openScan(code);
      return;
    }
    if (event.key.length !== 1) return;
    event.preventDefault();
    burst += event.key;
    clearTimeout(timer);
    timer = setTimeout(settle, BURST_MS);
  });
})();
