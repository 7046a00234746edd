// The flow editor: text boxes grow to fit their text, and every text shows its SMS cost as it is typed
// (the same arithmetic as bot/flows/sms.py, with the same sample values for placeholders as the checks).
"use strict";
(function () {
  const GSM7_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  const GSM7_EXTENSION = "^{}\\[~]|€\f";
  const table = document.querySelector("table.texts");
  const samples = table ? JSON.parse(table.dataset.samples || "{}") : {};

  function grow(box) {
    box.style.height = "auto";
    box.style.height = box.scrollHeight + 2 + "px";
  }

  function segments(text) {
    const chars = Array.from(text);
    const gsm = chars.every((c) => GSM7_BASIC.includes(c) || GSM7_EXTENSION.includes(c));
    const units = chars.map((c) => (gsm ? (GSM7_EXTENSION.includes(c) ? 2 : 1) : (c.codePointAt(0) > 0xffff ? 2 : 1)));
    const [single, multi] = gsm ? [160, 153] : [70, 67];
    const total = units.reduce((a, b) => a + b, 0);
    let count = 1;
    if (total > single) {
      let used = 0;
      units.forEach((size) => {
        if (used + size > multi) { count += 1; used = 0; }
        used += size;
      });
    }
    return { encoding: gsm ? "GSM-7" : "UCS-2", count: count, chars: chars.length };
  }

  function rendered(text) {
    return text.replace(/%\{(\w+)\}/g, (all, name) => (name in samples ? samples[name] : all)).replace(/%%/g, "%");
  }

  function count(box) {
    const counter = box.parentElement.querySelector(".sms");
    if (!counter) return;
    const cost = segments(rendered(box.value));
    counter.textContent = cost.encoding + " · " + table.dataset.segmentsLabel.replace("{n}", cost.count) + " · " +
      cost.chars + " " + table.dataset.charsLabel;
    counter.classList.toggle("warn", cost.count > 3);
  }

  document.querySelectorAll("textarea.grow").forEach((box) => {
    grow(box);
    if (box.closest("table.texts")) count(box);
    box.addEventListener("input", () => {
      grow(box);
      if (box.closest("table.texts")) count(box);
    });
  });
})();
