// Community alerts: a live character and SMS-segment counter while writing, and the live progress bar.
"use strict";
(function () {
  const GSM = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  const GSM_EXT = "^{}\\[~]|€";
  function segments(text) {
    let gsm = true, units = 0;
    for (const ch of text) {
      if (GSM.includes(ch)) units += 1;
      else if (GSM_EXT.includes(ch)) units += 2;
      else { gsm = false; break; }
    }
    if (!gsm) {
      units = text.length;  // UTF-16 code units
      return units <= 70 ? 1 : Math.ceil(units / 67);
    }
    return units <= 160 ? 1 : Math.ceil(units / 153);
  }
  function count(area) {
    const out = document.getElementById(area.dataset.counter);
    if (out) out.textContent = area.value.length + " · " + (area.value ? segments(area.value) : 0) + " SMS";
  }
  document.querySelectorAll("textarea[data-counter]").forEach((area) => {
    area.addEventListener("input", () => count(area));
    count(area);
  });

  const box = document.getElementById("alert-progress-box");
  if (!box) return;
  function set(id, value) {
    const el = document.getElementById(id);
    if (el) el.textContent = String(value);
  }
  async function poll() {
    try {
      const response = await fetch(box.dataset.url, {credentials: "same-origin", cache: "no-store"});
      if (!response.ok) return;
      const data = await response.json();
      document.getElementById("alert-progress").value = data.percent;
      set("alert-percent", data.percent);
      for (const name of ["queued", "sent", "delivered", "undelivered", "failed", "skipped"]) {
        set("count-" + name, data.counts[name] || 0);
      }
      const reasons = Object.entries(data.skipped).map(([r, n]) => r + " " + n).join(", ");
      set("alert-skipped-reasons", reasons || "—");
      set("alert-pace", data.per_second);
      set("alert-left", data.seconds_left === null ? "—" : Math.round(data.seconds_left) + " s");
      box.dataset.status = data.status;
      set("alert-status", box.dataset["label" + data.status.charAt(0).toUpperCase() + data.status.slice(1)] || data.status);
      if (data.status === "done" || data.status === "rejected" || data.status === "stalled") return;
    } catch (e) { /* the next poll tries again */ }
    setTimeout(poll, 1000);
  }
  if (!["done", "rejected", "stalled"].includes(box.dataset.status)) setTimeout(poll, 1000);
})();
