/* One chat: its tab, header and actions (claim, transfer, resolve, close), the transcript
 * (following the newest entry unless the agent scrolled up; "Good answer" on the agent's
 * own replies), the composer (reply or internal note, typing signals, "/" for canned
 * answers), who the customer is, and the canned answers. */
import { $, h, clear, toast } from "./dom.js";
import { customerName, reasonText, whoAndWhat } from "./format.js";
import { state } from "./state.js";
import { alerts, pageSeen } from "./alerts.js";
import { emit } from "./socket.js";
import { activate, closeTab } from "./chats.js";
import { claimChat } from "./queue.js";
import { entryNode, entryRole } from "./transcript.js";
import { CannedPanel, SlashMenu, harvestCanned } from "./canned.js";
import { CustomerPanel } from "./context.js";
import { LengthLimit } from "./limit.js";
import { teachButton } from "./teach.js";

// Closer to the bottom than this, the transcript follows new entries.
const FOLLOW_PX = 80;

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
    this.closeTabButton = h("button", { type: "button", text: "Close tab",
      onclick: () => closeTab(id) });
    // Below 900 px the side column is hidden; this shows it in place of the conversation.
    this.sideToggle = h("button", { type: "button", class: "side-toggle", text: "Customer",
      "aria-expanded": "false", "aria-controls": "side-" + id, onclick: () => this.toggleSide() });
    this.banner = h("div", { class: "banner", hidden: true, role: "status" });
    this.log = h("div", { class: "transcript", role: "log", "aria-live": "polite", "aria-label": "Transcript", tabindex: "0" });
    this.log.addEventListener("scroll", () => { if (this.atBottom()) this.newPill.hidden = true; });
    this.newPill = h("button", { type: "button", class: "new-pill", hidden: true, text: "New messages \u2193",
      onclick: () => this.scrollToEnd() });
    this.typingLine = h("div", { class: "typing-line", "aria-live": "polite" });
    this.composer = this.buildComposer();
    this.canned = new CannedPanel(this.input);
    this.customer = new CustomerPanel(id);

    this.panel = h("section", { class: "chat", role: "tabpanel", id: "panel-" + id, "aria-labelledby": "tab-" + id, hidden: true,
      "data-conversation": id }, [
      h("div", { class: "chat-head" }, [
        this.who, this.why,
        h("div", { class: "chat-actions" }, [this.sideToggle, this.claimButton, this.transferSelect, this.transferButton,
          this.resolveButton, this.closeTabButton]),
      ]),
      this.banner,
      h("div", { class: "chat-body" }, [
        h("div", { class: "chat-main" }, [
          h("div", { class: "log-wrap" }, [this.log, this.newPill]), this.typingLine, this.composer]),
        h("aside", { class: "chat-side", id: "side-" + id, "aria-label": "About this chat" },
          [this.customer.node, this.canned.node]),
      ]),
    ]);
    $("panels").appendChild(this.panel);
    this.renderTransferOptions();
    this.customer.load();
  }

  /** Narrow screens: show the customer (and canned answers) instead of the conversation,
   *  focus on the customer's heading; again: back, focus stays on the button. */
  toggleSide() {
    const open = this.panel.classList.toggle("side-open");
    this.sideToggle.setAttribute("aria-expanded", String(open));
    if (open) this.customer.focus();
  }

  atBottom() {
    return this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < FOLLOW_PX;
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
    this.newPill.hidden = true;
  }

  dispose() {
    this.customer.close();
  }

  buildComposer() {
    this.replyMode = h("button", { type: "button", "aria-pressed": "true", text: "Reply to customer",
      onclick: () => this.setMode("reply", true) });
    this.noteMode = h("button", { type: "button", "aria-pressed": "false", text: "Internal note",
      onclick: () => this.setMode("note", true) });
    this.input = h("textarea", { "aria-label": "Reply to the customer", placeholder: REPLY_PLACEHOLDER });
    this.limit = new LengthLimit(this.input, "limit-" + this.id);
    this.sendButton = h("button", { type: "submit", class: "primary", text: "Send" });
    this.slash = new SlashMenu(this.input, this.id);
    this.input.addEventListener("keydown", (event) => {
      if (this.slash.onKey(event)) return;
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); this.send(); }
    });
    this.input.addEventListener("input", () => this.onInput());
    return h("form", { class: "composer", onsubmit: (event) => { event.preventDefault(); this.send(); } }, [
      h("div", { class: "modes", role: "group", "aria-label": "Message kind" }, [this.replyMode, this.noteMode]),
      this.slash.node,
      h("div", { class: "compose-row" }, [this.input, this.sendButton]),
      h("div", { class: "limit-row" }, [this.limit.note, this.limit.counter]),
    ]);
  }

  update(conversation) {
    this.conversation = Object.assign({}, this.conversation, conversation || {});
    const c = this.conversation;
    this.isHeld = c.state === "with_agent" && c.agent === state.session.username;
    this.tabLabel.textContent = whoAndWhat(c, this.id);
    this.tab.title = whoAndWhat(c, this.id);
    this.who.textContent = customerName(c, this.id);
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

  /** One transcript entry; entries already shown (same id) are ignored. `live`: it just
   * happened (counted unread, alerted, or behind a "new messages" pill when the agent
   * scrolled up); the agent's own entries always scroll into view. */
  add(entry, live) {
    if (!entry || (entry.id && this.seenIds[entry.id])) return;
    if (entry.id) this.seenIds[entry.id] = true;
    const role = entryRole(entry);
    const own = !!entry.username && entry.username === state.session.username;
    const follow = this.atBottom() || !live || own;
    const node = entryNode(entry);
    const teach = teachButton(this.id, entry);
    if (teach) node.querySelector(".e-head").appendChild(teach);
    this.log.appendChild(node);
    if (follow) this.scrollToEnd();
    else this.newPill.hidden = false;
    if (role === "customer") this.customerTyping(false);
    if (role === "bot" && entry.faq_id && entry.text) harvestCanned(entry);
    if (entry.event === "contact") this.customer.load();
    if (live && role !== "note" && !own && (state.active !== this.id || !pageSeen())) this.markUnread();
    if (live && role === "customer" && !pageSeen()) {
      alerts.beep();
      alerts.desktop("New message from " + customerName(this.conversation, this.id), entry.text || "(an attachment)", this.id);
    }
  }

  markUnread() {
    this.unread += 1;
    this.tabUnread.textContent = String(this.unread);
    this.tabUnread.hidden = false;
    this.tabUnread.setAttribute("aria-label", this.unread + " unread");
    alerts.refreshTitle();
  }

  seen() {
    this.unread = 0;
    this.tabUnread.hidden = true;
    alerts.refreshTitle();
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
    this.limit.check(false);
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
    if (!text || !this.limit.check(true)) return;
    const event = this.mode === "note" ? "note" : "message";
    this.sendButton.disabled = true;
    this.stopTyping();
    emit(event, { conversation_id: this.id, text }, (reply) => {
      this.sendButton.disabled = false;
      if (!reply.ok) { toast(reply.message || "Not sent.", true); return; }
      if (this.input.value.trim() === text) this.input.value = "";
      this.limit.check(false);
      if (reply.entry) this.add(reply.entry, true);
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
