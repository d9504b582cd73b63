// A USB barcode scanner is a keyboard: it types the dossier code and Enter.
// When no field has the focus, the first key goes to the header's scan field,
// so a scan on any officer page opens that dossier at once.
document.addEventListener("keydown", (event) => {
  const scan = document.getElementById("scan-code");
  if (!scan || event.ctrlKey || event.altKey || event.metaKey) return;
  const active = document.activeElement;
  const typing = active && (active.isContentEditable ||
    ["INPUT", "TEXTAREA", "SELECT"].includes(active.tagName));
  if (typing || event.key.length !== 1) return;
  scan.value = "";
  scan.focus();
});
