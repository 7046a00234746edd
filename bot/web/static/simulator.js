// Línea Segura local simulator. Every text from the network is shown with textContent, never as HTML.
"use strict";
(function () {
  const lineNumber = document.body.dataset.lineNumber;
  const phones = document.getElementById("phone-list");
  const template = document.getElementById("phone-template");

  function bubble(thread, text, kind) {
    const item = document.createElement("li");
    item.className = kind;
    item.textContent = text;
    thread.appendChild(item);
    thread.scrollTop = thread.scrollHeight;
  }

  function randomSid() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "SM" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function send(address, body, thread) {
    const form = new URLSearchParams({
      From: address, To: address.startsWith("whatsapp:") ? "whatsapp:" + lineNumber : lineNumber,
      Body: body, MessageSid: randomSid(), NumMedia: "0",
    });
    bubble(thread, body, "out");
    let response;
    try {
      response = await fetch("/twilio/messages", { method: "POST", body: form });
    } catch (error) {
      bubble(thread, "(network error: " + error + ")", "silent");
      return;
    }
    const xml = new DOMParser().parseFromString(await response.text(), "application/xml");
    const messages = Array.from(xml.getElementsByTagName("Message"));
    if (!response.ok) {
      bubble(thread, "(HTTP " + response.status + ")", "silent");
    } else if (messages.length === 0) {
      bubble(thread, "(no reply: the line stays silent)", "silent");
    }
    messages.forEach((m) => bubble(thread, m.textContent, "in"));
  }

  function addPhone(number, channel) {
    const address = (channel === "whatsapp" ? "whatsapp:" : "") + number;
    const card = template.content.firstElementChild.cloneNode(true);
    card.dataset.address = address;
    card.querySelector(".phone-title").textContent = (channel === "whatsapp" ? "WhatsApp " : "SMS ") + number;
    const thread = card.querySelector(".thread");
    const input = card.querySelector(".message");
    card.querySelector(".composer").addEventListener("submit", (event) => {
      event.preventDefault();
      const body = input.value;
      input.value = "";
      send(address, body, thread);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        card.querySelector(".composer").requestSubmit();
      }
    });
    card.seen = new Set();  // outbox ids already shown on this phone
    phones.appendChild(card);
    document.getElementById("empty-hint").hidden = true;
    input.focus();
  }

  // What the line sent a phone later (an officer's reply, the answer to a spooled message).
  async function refreshPhone(card) {
    const response = await fetch("/simulator/phone.json", {
      method: "POST", body: new URLSearchParams({ address: card.dataset.address }), cache: "no-store",
    });
    if (!response.ok) return;
    const thread = card.querySelector(".thread");
    (await response.json()).forEach((entry) => {
      if (card.seen.has(entry.id)) return;
      card.seen.add(entry.id);
      bubble(thread, entry.body, "in later");
    });
  }

  function randomNumber() {
    return "+1555" + String(Math.floor(1000000 + Math.random() * 8999999));
  }

  document.getElementById("new-number").value = randomNumber();
  document.getElementById("new-phone").addEventListener("submit", (event) => {
    event.preventDefault();
    const numberInput = document.getElementById("new-number");
    addPhone(numberInput.value.trim(), document.getElementById("new-channel").value);
    numberInput.value = randomNumber();
  });

  async function refreshOutbox() {
    try {
      const response = await fetch("/simulator/outbox.json", { cache: "no-store" });
      const entries = await response.json();
      const list = document.getElementById("outbox-list");
      list.replaceChildren(...entries.map((entry) => {
        const item = document.createElement("li");
        item.className = "notification";
        const meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = "to " + entry.to + " · " + new Date(entry.at * 1000).toLocaleTimeString();
        const body = document.createElement("span");
        body.className = "body";
        body.textContent = entry.body;
        item.append(meta, body);
        return item;
      }));
      document.getElementById("outbox-count").textContent = "(" + entries.length + ")";
      await Promise.all(Array.from(phones.querySelectorAll(".phone"), refreshPhone));
    } catch (error) {
      document.getElementById("outbox-count").textContent = "(outbox unavailable)";
    }
  }
  refreshOutbox();
  setInterval(refreshOutbox, 1500);
})();
