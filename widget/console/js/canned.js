/* Canned answers: a few built-in phrases plus the FAQ answers from GET /api/faq-answers
 * (the agent's token in the Authorization header). Should that fail, the FAQ answers the bot
 * gave in the transcripts seen here are collected instead. */
import { h, clear } from "./dom.js";
import { state, authorized } from "./state.js";

const BUILT_IN_CANNED = [
  { title: "Greeting", answer: "Hi, thanks for waiting! I'm looking at your question now." },
  { title: "Need order number", answer: "Could you send me your order number? It starts with NW and is in your confirmation email." },
  { title: "One moment", answer: "Thanks, one moment please while I check this for you." },
  { title: "Anything else?", answer: "Is there anything else I can help you with today?" },
  { title: "Closing", answer: "Glad I could help. Have a great day!" },
];

const canned = { items: null, fromServer: false };

export function loadCanned() {
  if (canned.items) return;
  canned.items = BUILT_IN_CANNED.map((item) => Object.assign({ source: "built-in" }, item));
  authorized("/api/faq-answers")
    .then((r) => { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
    .then((data) => {
      const items = Array.isArray(data) ? data : data.answers || data.items || [];
      items.forEach((item) => {
        if (!item || !item.answer) return;
        canned.items.push({ title: item.title || item.question || item.id || "FAQ", answer: String(item.answer),
          id: item.id, source: "faq" });
      });
      canned.fromServer = true;
      refreshCanned();
    })
    .catch(() => { canned.fromServer = false; refreshCanned(); });
}

/** A bot entry with an FAQ answer: keep it as a canned answer when the server gave none. */
export function harvestCanned(entry) {
  if (!canned.items || canned.fromServer) return;
  if (canned.items.some((item) => item.id === entry.faq_id)) return;
  canned.items.push({ id: entry.faq_id, title: entry.faq_id.replace(/_/g, " "), answer: String(entry.text), source: "transcript" });
  refreshCanned();
}

function refreshCanned() {
  Object.keys(state.chats).forEach((id) => state.chats[id].canned.render());
}

/** The canned-answers side panel of one chat: a search box and the matching answers;
 * a click inserts the answer into the chat's reply box. */
export class CannedPanel {
  constructor(input) {
    this.input = input;
    this.search = h("input", { type: "search", placeholder: "Search FAQ answers…", "aria-label": "Search canned answers" });
    this.list = h("ul", { "aria-label": "Canned answers" });
    this.source = h("p", { class: "source muted" });
    this.search.addEventListener("input", () => this.render());
    this.node = h("aside", { class: "canned", "aria-label": "Canned answers" }, [
      h("h3", { text: "Canned answers" }), this.search, this.list, this.source]);
    this.render();
  }

  render() {
    const words = this.search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const matches = (canned.items || []).filter((item) => {
      const hay = (item.title + " " + item.answer + " " + (item.id || "")).toLowerCase();
      return words.every((word) => hay.indexOf(word) >= 0);
    }).slice(0, 12);
    clear(this.list);
    matches.forEach((item) => {
      this.list.appendChild(h("li", {}, [h("button", { type: "button", title: "Insert into the reply",
        onclick: () => this.insert(item.answer) },
      [h("span", { class: "c-title", text: item.title }), h("span", { class: "c-text", text: item.answer })])]));
    });
    if (!matches.length) this.list.appendChild(h("li", { class: "muted", text: "No answer matches." }));
    this.source.textContent = canned.fromServer ? "From the FAQ."
      : "FAQ answers appear here as the bot uses them in chats.";
  }

  insert(answer) {
    const input = this.input;
    input.value = input.value ? input.value.replace(/\s*$/, " ") + answer : answer;
    input.focus();
  }
}
