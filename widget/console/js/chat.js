/* One chat: its tab, header and actions (claim, transfer, resolve, close), the transcript,
 * the composer (reply or internal note, typing signals) and its canned answers. */
import { $, h, clear, toast } from "./dom.js";
import { reasonText } from "./format.js";
import { state } from "./state.js";
import { alerts } from "./alerts.js";
import { emit } from "./socket.js";
import { activate, closeTab } from "./chats.js";
import { claimChat } from "./queue.js";
import { entryNode, entryRole } from "./transcript.js";
import { CannedPanel, harvestCanned } from "./canned.js";

const REPLY_PLACEHOLDER = "Write a reply… (Enter sends, Shift+Enter for a new line)";

export class Chat {
  constructor(id) {
    this.id = id;
    this.conversation = {};
    this.seenIds = {};
    this.unread = 0;
    this.mode = "reply";
    this.isHeld = false;

    this.tabLabel = h("span", { class: "label" });
    this.tabUnread = h("span", { class: "unread", hidden: true });
    this.tab = h("button", { type: "button", class: "tab", role: "tab", id: "tab-" + id,
      "aria-controls": "panel-" + id, "aria-selected": "false", "data-conversation": id,
      onclick: () => activate(id, true) }, [this.tabLabel, this.tabUnread]);
    $("tabs").appendChild(this.tab);

    this.who = h("span", { class: "who" });
    this.why = h("span", { class: "why" });
    this.transferSelect = h("select", { "aria-label": "Transfer to" });
    this.transferButton = h("button", { type: "button", text: "Transfer", "data-action": "transfer",
      onclick: () => this.transfer() });
    this.resolveButton = h("button", { type: "button", class: "primary", text: "Resolve", "data-action": "resolve",
      onclick: () => this.resolve() });
    this.claimButton = h("button", { type: "button", class: "primary", text: "Claim", "data-action": "claim",
      onclick: () => claimChat(id, this.claimButton) });
    this.closeTabButton = h("button", { type: "button", text: "Close tab", "aria-label": "Close this tab",
      onclick: () => closeTab(id) });
    this.banner = h("div", { class: "banner", hidden: true, role: "status" });
    this.log = h("div", { class: "transcript", role: "log", "aria-live": "polite", "aria-label": "Transcript", tabindex: "0" });
    this.typingLine = h("div", { class: "typing-line", "aria-live": "polite" });
    this.composer = this.buildComposer();
    this.canned = new CannedPanel(this.input);

    this.panel = h("section", { class: "chat", role: "tabpanel", id: "panel-" + id, "aria-labelledby": "tab-" + id, hidden: true,
      "data-conversation": id }, [
      h("div", { class: "chat-head" }, [
        this.who, this.why,
        h("div", { class: "chat-actions" }, [this.claimButton, this.transferSelect, this.transferButton,
          this.resolveButton, this.closeTabButton]),
      ]),
      this.banner,
      h("div", { class: "chat-body" }, [
        h("div", { style: "flex:1;display:flex;flex-direction:column;min-width:0" }, [this.log, this.typingLine, this.composer]),
        this.canned.node,
      ]),
    ]);
    $("panels").appendChild(this.panel);
    this.renderTransferOptions();
  }

  buildComposer() {
    this.replyMode = h("button", { type: "button", "aria-pressed": "true", text: "Reply to customer",
      onclick: () => this.setMode("reply", true) });
    this.noteMode = h("button", { type: "button", "aria-pressed": "false", text: "Internal note",
      onclick: () => this.setMode("note", true) });
    this.input = h("textarea", { "aria-label": "Reply to the customer", placeholder: REPLY_PLACEHOLDER, maxlength: "2000" });
    this.sendButton = h("button", { type: "submit", class: "primary", text: "Send" });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); this.send(); }
    });
    this.input.addEventListener("input", () => this.onInput());
    return h("form", { class: "composer", onsubmit: (event) => { event.preventDefault(); this.send(); } }, [
      h("div", { class: "modes", role: "group", "aria-label": "Message kind" }, [this.replyMode, this.noteMode]),
      h("div", { class: "compose-row" }, [this.input, this.sendButton]),
    ]);
  }

  update(conversation) {
    this.conversation = Object.assign({}, this.conversation, conversation || {});
    const c = this.conversation;
    this.isHeld = c.state === "with_agent" && c.agent === state.session.username;
    const label = c.contact && c.contact.email ? c.contact.email : "Customer " + this.id.slice(0, 6);
    this.tabLabel.textContent = label;
    this.who.textContent = label;
    this.why.textContent = c.reason ? reasonText(c) : (c.state ? "state: " + c.state.replace("_", " ") : "");
    this.refreshControls();
  }

  refreshControls() {
    const held = this.isHeld && !this.endedState;
    this.claimButton.hidden = held || this.conversation.state !== "queued" || !!this.endedState;
    this.transferSelect.hidden = this.transferButton.hidden = this.resolveButton.hidden = !held;
    this.closeTabButton.hidden = held;
    this.replyMode.disabled = !held;
    if (!held && this.mode === "reply") this.setMode("note");
    if (held && !this.modeChosen) this.setMode("reply");
    this.tab.classList.toggle("ended", !!this.endedState);
  }

  claimed() {
    this.update({ state: "with_agent", agent: state.session.username });
    this.endedState = null;
    this.banner.hidden = true;
  }

  takenBy(name) {
    this.update({ state: "with_agent", agent: null });
    this.banner.className = "banner";
    this.banner.textContent = name + " claimed this chat.";
    this.banner.hidden = false;
  }

  ended(how) {
    this.endedState = how || "closed";
    this.isHeld = false;
    this.customerTyping(false);
    const text = how === "resolved" ? "Resolved. The assistant is back with the customer; they were asked to rate the chat."
      : how === "transferred" ? "Transferred. This chat is no longer yours."
        : how === "requeued" ? "Back in the queue." : "This chat is " + (how || "closed") + ".";
    this.banner.className = "banner ended";
    this.banner.textContent = text;
    this.banner.hidden = false;
    this.refreshControls();
  }

  /** One transcript entry; entries already shown (same id) are ignored. */
  add(entry, live) {
    if (!entry || (entry.id && this.seenIds[entry.id])) return;
    if (entry.id) this.seenIds[entry.id] = true;
    const role = entryRole(entry);
    const nearBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
    this.log.appendChild(entryNode(entry));
    if (nearBottom || !live) this.log.scrollTop = this.log.scrollHeight;
    if (role === "customer") this.customerTyping(false);
    if (role === "bot" && entry.faq_id && entry.text) harvestCanned(entry);
    if (live && role !== "note" && state.active !== this.id) this.markUnread();
    if (live && role === "customer" && (document.visibilityState === "hidden" || !document.hasFocus())) {
      alerts.beep();
    }
  }

  markUnread() {
    this.unread += 1;
    this.tabUnread.textContent = String(this.unread);
    this.tabUnread.hidden = false;
  }

  seen() {
    this.unread = 0;
    this.tabUnread.hidden = true;
  }

  focus() {
    if (!this.input.disabled) this.input.focus();
  }

  setMode(mode, chosen) {
    this.mode = mode;
    if (chosen) this.modeChosen = true;
    this.replyMode.setAttribute("aria-pressed", String(mode === "reply"));
    this.noteMode.setAttribute("aria-pressed", String(mode === "note"));
    this.composer.classList.toggle("note-mode", mode === "note");
    this.input.setAttribute("aria-label", mode === "note" ? "Internal note (agents only)" : "Reply to the customer");
    this.input.placeholder = mode === "note" ? "Internal note, only agents see it…" : REPLY_PLACEHOLDER;
    this.sendButton.textContent = mode === "note" ? "Add note" : "Send";
  }

  onInput() {
    if (this.mode !== "reply" || !this.isHeld) return;
    if (!this.typingSent) {
      this.typingSent = true;
      emit("typing", { conversation_id: this.id, typing: true });
    }
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.stopTyping(), 2500);
  }

  stopTyping() {
    clearTimeout(this.typingTimer);
    if (this.typingSent) emit("typing", { conversation_id: this.id, typing: false });
    this.typingSent = false;
  }

  customerTyping(typing) {
    this.typingLine.textContent = typing ? "Customer is typing…" : "";
    clearTimeout(this.customerTypingTimer);
    if (typing) this.customerTypingTimer = setTimeout(() => { this.typingLine.textContent = ""; }, 15000);
  }

  send() {
    const text = this.input.value.trim();
    if (!text) return;
    const event = this.mode === "note" ? "note" : "message";
    this.sendButton.disabled = true;
    this.stopTyping();
    emit(event, { conversation_id: this.id, text }, (reply) => {
      this.sendButton.disabled = false;
      if (!reply.ok) { toast(reply.message || "Not sent.", true); return; }
      if (this.input.value.trim() === text) this.input.value = "";
      if (reply.entry) this.add(reply.entry, false);
      this.input.focus();
    });
  }

  transfer() {
    const to = this.transferSelect.value || null;
    const label = this.transferSelect.options[this.transferSelect.selectedIndex].text;
    emit("transfer", { conversation_id: this.id, to }, (reply) => {
      if (!reply.ok) { toast(reply.message || "Could not transfer.", true); return; }
      toast("Transferred: " + label + ".");
      this.ended(to ? "transferred" : "requeued");
    });
  }

  resolve() {
    this.resolveButton.disabled = true;
    emit("resolve", { conversation_id: this.id }, (reply) => {
      this.resolveButton.disabled = false;
      if (!reply.ok) { toast(reply.message || "Could not resolve.", true); return; }
      this.ended("resolved");
    });
  }

  renderTransferOptions() {
    const select = this.transferSelect, previous = select.value;
    clear(select);
    select.appendChild(h("option", { value: "", text: "Back to the queue" }));
    state.agents.forEach((agent) => {
      if (state.session && agent.username === state.session.username) return;
      if (agent.status === "offline") return;
      select.appendChild(h("option", { value: agent.username,
        text: (agent.name || agent.username) + " (" + agent.status + ")" }));
    });
    select.value = previous;
    if (select.value !== previous) select.value = "";
  }
}
