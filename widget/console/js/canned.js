/* Canned answers: a few built-in phrases plus the FAQ answers from GET /api/faq-answers
 * (the agent's token in the Authorization header), ranked by meaning when the agent types
 * (`?q=`, the bot's own sentence embeddings). Should the server fail, the FAQ answers the
 * bot gave in the transcripts seen here are matched by their words instead. Every answer
 * is previewed in full before it goes into the reply box. */
import { h, clear } from "./dom.js";
import { state, authorized } from "./state.js";

const BUILT_IN_CANNED = [
  { title: "Greeting", answer: "Hi, thanks for waiting! I'm looking at your question now." },
  { title: "Need order number", answer: "Could you send me your order number? It starts with NW and is in your confirmation email." },
  { title: "One moment", answer: "Thanks, one moment please while I check this for you." },
  { title: "Anything else?", answer: "Is there anything else I can help you with today?" },
  { title: "Closing", answer: "Glad I could help. Have a great day!" },
];
const SHOWN = 12;
const SLASH_SHOWN = 5; // the menu never scrolls: the first few, and a preview of one
const TYPING_PAUSE_MS = 250;

const canned = { items: null, fromServer: false };

export function loadCanned() {
  if (canned.items) return;
  canned.items = BUILT_IN_CANNED.map((item) => Object.assign({ source: "built-in" }, item));
  authorized("/api/faq-answers")
    .then((r) => { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
    .then((data) => {
      (data.answers || []).forEach((item) => { if (item && item.answer) canned.items.push(faqItem(item)); });
      canned.fromServer = true;
      refreshCanned();
    })
    .catch(() => { canned.fromServer = false; refreshCanned(); });
}

function faqItem(item) {
  return { title: item.question || item.id || "FAQ", answer: String(item.answer), id: item.id, source: "faq", score: item.score };
}

/** A bot entry with an FAQ answer: keep it as a canned answer when the server gave none. */
export function harvestCanned(entry) {
  if (!canned.items || canned.fromServer) return;
  if (canned.items.some((item) => item.id === entry.faq_id)) return;
  canned.items.push({ id: entry.faq_id, title: entry.faq_id.replace(/_/g, " "), answer: String(entry.text), source: "transcript" });
  refreshCanned();
}

function refreshCanned() {
  Object.keys(state.chats).forEach((id) => state.chats[id].canned.search());
}

function byWords(items, query) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return items.filter((item) => {
    const hay = (item.title + " " + item.answer + " " + (item.id || "")).toLowerCase();
    return words.every((word) => hay.indexOf(word) >= 0);
  });
}

/** The answers for a query, best first: built-in phrases whose words match, then the FAQ
 * answers ranked by meaning (or by words, without the server). */
export function findCanned(query) {
  const items = canned.items || [];
  query = query.trim();
  if (!query) return Promise.resolve(items.slice(0, SHOWN * 2));
  const builtIn = byWords(items.filter((item) => item.source === "built-in"), query);
  if (!canned.fromServer) return Promise.resolve(byWords(items, query).slice(0, SHOWN));
  return authorized("/api/faq-answers?q=" + encodeURIComponent(query))
    .then((r) => { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
    .then((data) => builtIn.concat((data.answers || []).map(faqItem)).slice(0, SHOWN))
    .catch(() => byWords(items, query).slice(0, SHOWN));
}

/** The first words of an answer, cut between words. */
function snippet(text, max) {
  text = String(text).replace(/\s+/g, " ").trim();
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return cut.slice(0, Math.max(cut.lastIndexOf(" "), max / 2)).replace(/[,.;:]$/, "") + "…";
}

function answerButton(item, onclick, attrs) {
  return h("button", Object.assign({ type: "button", onclick }, attrs || {}), [
    h("span", { class: "c-title", text: item.title }), h("span", { class: "c-text", text: snippet(item.answer, 110) })]);
}

/** Put an answer into the reply box: replacing `replace` (a "/query") or after the text. */
function insertInto(input, answer, replace) {
  if (replace) input.value = input.value.replace(replace, answer);
  else input.value = input.value ? input.value.replace(/\s*$/, " ") + answer : answer;
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
  input.dispatchEvent(new Event("input"));
}

/** Results of the latest search only, however the answers arrive. */
function latestOnly() {
  let asked = 0;
  return (query, show) => {
    const mine = ++asked;
    findCanned(query).then((items) => { if (mine === asked) show(items); });
  };
}

/** The canned-answers side panel of one chat: search, the answers, a preview of one. */
export class CannedPanel {
  constructor(input) {
    this.input = input;
    this.find = latestOnly();
    this.searchBox = h("input", { type: "search", placeholder: "Search by meaning…", "aria-label": "Search canned answers" });
    this.list = h("ul", { "aria-label": "Canned answers" });
    this.preview = h("div", { class: "c-preview", hidden: true, role: "region", "aria-label": "Preview" });
    this.source = h("p", { class: "source muted" });
    let timer = null;
    this.searchBox.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.search(), TYPING_PAUSE_MS);
    });
    this.node = h("section", { class: "canned", "aria-label": "Canned answers" }, [
      h("h3", { text: "Canned answers" }), this.searchBox, this.preview, this.list, this.source]);
    this.search();
  }

  search() {
    this.find(this.searchBox.value, (items) => this.render(items));
  }

  render(items) {
    clear(this.list);
    items.forEach((item) => this.list.appendChild(h("li", {}, [answerButton(item, () => this.showPreview(item), { title: "Preview this answer" })])));
    if (!items.length) this.list.appendChild(h("li", { class: "muted", text: "No answer matches." }));
    this.source.textContent = canned.fromServer ? "From the FAQ, closest in meaning first. Type / in the reply box too."
      : "FAQ answers appear here as the bot uses them in chats.";
  }

  showPreview(item) {
    clear(this.preview);
    const insert = h("button", { type: "button", class: "primary", text: "Insert", onclick: () => {
      this.preview.hidden = true;
      insertInto(this.input, item.answer);
    } });
    this.preview.appendChild(h("p", { class: "c-title", text: item.title }));
    this.preview.appendChild(h("p", { class: "c-full", text: item.answer }));
    this.preview.appendChild(h("div", { class: "c-actions" }, [insert,
      h("button", { type: "button", text: "Cancel", onclick: () => { this.preview.hidden = true; } })]));
    this.preview.hidden = false;
    insert.focus();
  }
}

/** "/" at the start of the reply box: the answers for what follows, a preview of the one
 * chosen (arrow keys), Enter or Tab to insert it in place of "/...", Escape to close. */
export class SlashMenu {
  constructor(input, id) {
    this.input = input;
    this.find = latestOnly();
    this.items = [];
    this.active = 0;
    this.listId = "slash-" + id;
    this.list = h("ul", { class: "slash-list", role: "listbox", id: this.listId, "aria-label": "Canned answers" });
    this.preview = h("p", { class: "slash-preview", "aria-live": "polite" });
    this.node = h("div", { class: "slash", hidden: true }, [this.list, this.preview]);
    input.setAttribute("aria-controls", this.listId);
    input.setAttribute("aria-autocomplete", "list");
    let timer = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const query = this.query();
      if (query === null) { this.close(); return; }
      timer = setTimeout(() => this.find(query, (items) => this.open(items)), TYPING_PAUSE_MS);
    });
  }

  get isOpen() { return !this.node.hidden; }

  /** What follows "/" when the reply box holds only a "/..." command; null otherwise. */
  query() {
    const match = /^\/([^\n]*)$/.exec(this.input.value);
    return match ? match[1] : null;
  }

  open(items) {
    if (this.query() === null) return;
    this.items = items.slice(0, SLASH_SHOWN);
    this.active = 0;
    clear(this.list);
    this.items.forEach((item, index) => {
      this.list.appendChild(h("li", { role: "option", id: this.listId + "-" + index, "aria-selected": "false",
        onmousedown: (event) => { event.preventDefault(); this.choose(index); } }, [
        h("span", { class: "c-title", text: item.title }), h("span", { class: "c-text", text: snippet(item.answer, 90) })]));
    });
    if (!this.items.length) this.list.appendChild(h("li", { class: "muted", text: "No answer matches." }));
    this.node.hidden = false;
    this.highlight(0);
  }

  highlight(index) {
    if (!this.items.length) { this.preview.textContent = ""; this.input.removeAttribute("aria-activedescendant"); return; }
    this.active = (index + this.items.length) % this.items.length;
    Array.prototype.forEach.call(this.list.children, (li, i) => li.setAttribute("aria-selected", String(i === this.active)));
    this.input.setAttribute("aria-activedescendant", this.listId + "-" + this.active);
    this.list.children[this.active].scrollIntoView({ block: "nearest" });
    this.preview.textContent = this.items[this.active].answer;
  }

  choose(index) {
    const item = this.items[index];
    this.close();
    if (item) insertInto(this.input, item.answer, /^\/[^\n]*$/);
  }

  close() {
    this.node.hidden = true;
    this.input.removeAttribute("aria-activedescendant");
  }

  /** The reply box's keys while the menu is open; true when the menu used the key. */
  onKey(event) {
    if (!this.isOpen) return false;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") this.highlight(this.active + (event.key === "ArrowDown" ? 1 : -1));
    else if ((event.key === "Enter" || event.key === "Tab") && this.items.length) this.choose(this.active);
    else if (event.key === "Escape") this.close();
    else return false;
    event.preventDefault();
    return true;
  }
}
