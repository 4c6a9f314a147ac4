/* The live queue: who is waiting, why and for how long; claim or preview a chat. */
import { $, h, clear, toast } from "./dom.js";
import { duration, quote, reasonText } from "./format.js";
import { state } from "./state.js";
import { alerts } from "./alerts.js";
import { emit } from "./socket.js";
import { openChat, activate } from "./chats.js";

export function onQueue(items) {
  const known = state.queueIds || {};
  const fresh = items.filter((item) => !known[item.conversation_id]).map((item) => item.conversation_id);
  const first = state.queueIds === null;
  state.queueIds = {};
  items.forEach((item) => { state.queueIds[item.conversation_id] = true; });
  state.queue = items;
  state.queueReceivedAt = Date.now();
  renderQueue(fresh);
  if (fresh.length && (!first || items.length)) {
    alerts.notify(fresh.length === 1 ? "New chat waiting" : fresh.length + " new chats waiting");
  }
  alerts.refreshTitle();
}

function renderQueue(fresh) {
  const list = $("queue");
  clear(list);
  $("queue-count").textContent = String(state.queue.length);
  $("queue-count").classList.toggle("hot", state.queue.length > 0);
  $("queue-empty").hidden = state.queue.length > 0;
  state.queue.forEach((item) => list.appendChild(queueItem(item, fresh.indexOf(item.conversation_id) >= 0)));
  tickWaits();
}

function queueItem(item, fresh) {
  const id = item.conversation_id;
  const wait = h("span", { class: "wait", "data-wait": String(item.wait_s || 0) });
  const meta = h("div", { class: "q-meta" }, [wait]);
  if (item.contact && item.contact.email) {
    meta.appendChild(document.createTextNode(" · left email " + item.contact.email));
  }
  const claim = h("button", { type: "button", class: "primary", "data-action": "claim", text: "Claim",
    "aria-label": "Claim chat: " + reasonText(item),
    onclick: () => claimChat(id, claim) });
  const peek = h("button", { type: "button", text: "Preview", "aria-label": "Preview transcript",
    onclick: () => previewChat(id) });
  return h("li", { class: "q-item" + (fresh ? " fresh" : ""), "data-conversation": id }, [
    h("div", { class: "q-reason", text: reasonText(item) }),
    item.last_message ? h("div", { class: "q-last", text: "Last message: " + quote(item.last_message, 140) }) : null,
    meta,
    h("div", { class: "q-actions" }, [claim, peek]),
  ]);
}

function tickWaits() {
  const elapsed = (Date.now() - state.queueReceivedAt) / 1000;
  document.querySelectorAll("#queue .wait").forEach((node) => {
    node.textContent = "waiting " + duration(Number(node.getAttribute("data-wait")) + elapsed);
  });
}

export function claimChat(id, button) {
  if (button) button.disabled = true;
  emit("claim", { conversation_id: id }, (reply) => {
    if (button) button.disabled = false;
    if (!reply.ok) {
      toast(reply.error === "taken" ? (reply.message || "Someone else took this chat.")
        : (reply.message || "Could not claim the chat."), true);
      return;
    }
    const chat = openChat(id, reply.conversation || {}, reply.transcript || [], true);
    chat.claimed();
    activate(id, true);
  });
}

function previewChat(id) {
  emit("transcript", { conversation_id: id }, (reply) => {
    if (!reply.ok) { toast(reply.message || "Could not load the transcript.", true); return; }
    openChat(id, reply.conversation || {}, reply.transcript || [], true);
  });
}

export function initQueue() {
  setInterval(tickWaits, 1000);
}
