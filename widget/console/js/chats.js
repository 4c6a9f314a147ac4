/* The open chats as tabs: open, re-open, switch (arrow keys too) and close. */
import { $, toast } from "./dom.js";
import { state } from "./state.js";
import { alerts } from "./alerts.js";
import { emit } from "./socket.js";
import { Chat } from "./chat.js";

export function openChat(id, conversation, transcript, focus) {
  let chat = state.chats[id];
  if (!chat) {
    chat = new Chat(id);
    state.chats[id] = chat;
    state.order.push(id);
  }
  chat.update(conversation);
  (transcript || []).forEach((entry) => chat.add(entry, false));
  if (focus || !state.active) activate(id, focus);
  return chat;
}

/** An entry for a chat of ours with no tab (another console of ours claimed it): open its
 * tab, counted unread and with a sound, so a customer never writes to nobody. */
export function reopenChat(id, entry) {
  emit("transcript", { conversation_id: id }, (reply) => {
    if (!reply || !reply.ok || state.chats[id]) return;
    const chat = openChat(id, reply.conversation, reply.transcript, false);
    if (state.active !== id) chat.markUnread();
    if (entry && entry.role === "customer") alerts.notify("New message");
  });
}

/** The "Close tab" button: a chat we hold stays open until it is transferred or resolved. */
export function closeTab(id) {
  const chat = state.chats[id];
  if (chat && chat.isHeld && !chat.endedState) {
    toast("Transfer or resolve this chat first: the customer is waiting for you.", true);
    return;
  }
  removeChat(id);
}

export function removeChat(id) {
  const chat = state.chats[id];
  if (!chat) return;
  chat.dispose();
  chat.tab.parentNode.removeChild(chat.tab);
  chat.panel.parentNode.removeChild(chat.panel);
  delete state.chats[id];
  const index = state.order.indexOf(id);
  state.order.splice(index, 1);
  if (state.active === id) {
    state.active = null;
    const next = state.order[Math.min(index, state.order.length - 1)];
    if (next) activate(next, true);
  }
  $("no-chat").hidden = state.order.length > 0;
  alerts.refreshTitle();
}

export function activate(id, focus) {
  state.active = id;
  Object.keys(state.chats).forEach((key) => {
    const chat = state.chats[key], on = key === id;
    chat.tab.setAttribute("aria-selected", String(on));
    chat.tab.tabIndex = on ? 0 : -1;
    const wasHidden = chat.panel.hidden;
    chat.panel.hidden = !on;
    if (on) chat.seen();
    // A hidden panel cannot scroll; show the newest entries when it appears.
    if (on && wasHidden) chat.log.scrollTop = chat.log.scrollHeight;
  });
  $("no-chat").hidden = true;
  if (focus) state.chats[id].focus();
}

function switchTab(event) {
  if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
  const index = state.order.indexOf(state.active);
  if (index < 0) return;
  const next = state.order[(index + (event.key === "ArrowRight" ? 1 : -1) + state.order.length) % state.order.length];
  activate(next, false);
  state.chats[next].tab.focus();
}

export function initTabs() {
  $("tabs").addEventListener("keydown", switchTab);
  alerts.onDesktopClick = (id) => { if (state.chats[id]) { showChats(); activate(id, true); } };
}

/** Back from the inbox to the chats. */
export function showChats() {
  $("inbox-view").hidden = true;
  $("chats-view").hidden = false;
  $("view-inbox").setAttribute("aria-pressed", "false");
  $("view-chats").setAttribute("aria-pressed", "true");
}
