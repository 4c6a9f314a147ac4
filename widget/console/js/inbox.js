/* The inbox: past conversations found by their words (GET /api/inbox, the index the
 * gateway keeps) and filtered by state, agent, handoff reason, rating and date; each
 * opens read only with its transcript. */
import { $, h, clear, toast } from "./dom.js";
import { REASONS, dateTime, stars, whoAndWhat } from "./format.js";
import { state, authorized } from "./state.js";
import { showChats } from "./chats.js";
import { showConversation } from "./readonly.js";

const PAGE = 20;
const STATES = { bot: "with the bot", queued: "waiting", with_agent: "with an agent", closed: "closed" };
let shown = 0;

function showInbox() {
  $("chats-view").hidden = true;
  $("inbox-view").hidden = false;
  $("view-chats").setAttribute("aria-pressed", "false");
  $("view-inbox").setAttribute("aria-pressed", "true");
  fillAgents();
  $("inbox-q").focus();
  if (!shown) search(0);
}

function fillAgents() {
  const select = $("inbox-agent"), chosen = select.value;
  clear(select);
  select.appendChild(h("option", { value: "", text: "Any" }));
  state.agents.forEach((agent) => select.appendChild(h("option", { value: agent.username, text: agent.name || agent.username })));
  select.value = chosen;
}

/** The form as query parameters; dates are the agent's local days. */
function params(offset) {
  const form = $("inbox-form"), query = new URLSearchParams();
  ["q", "state", "agent", "reason", "rating"].forEach((name) => {
    const value = form.elements[name].value.trim();
    if (value) query.set(name, value);
  });
  const from = form.elements.from.value, to = form.elements.to.value;
  if (from) query.set("since", String(new Date(from + "T00:00:00").getTime() / 1000));
  if (to) query.set("until", String(new Date(to + "T23:59:59.999").getTime() / 1000));
  query.set("offset", String(offset));
  query.set("limit", String(PAGE));
  return query;
}

function search(offset) {
  authorized("/api/inbox?" + params(offset).toString())
    .then((r) => r.json().then((body) => { if (!r.ok) throw new Error(body.message || "The search failed."); return body; }))
    .then((page) => render(page, offset), (error) => toast(error.message, true));
}

function render(page, offset) {
  const list = $("inbox-results");
  if (!offset) { clear(list); clear($("inbox-viewer")); }
  const more = list.querySelector(".inbox-more");
  if (more) more.parentNode.removeChild(more);
  page.items.forEach((item) => list.appendChild(resultRow(item)));
  shown = offset + page.items.length;
  $("inbox-summary").textContent = page.total === 0 ? "No conversation matches."
    : page.total === 1 ? "1 conversation." : page.total + " conversations, newest first.";
  if (shown < page.total) {
    list.appendChild(h("li", { class: "inbox-more" }, [h("button", { type: "button", text: "Show more",
      onclick: () => search(shown) })]));
  }
}

function resultRow(item) {
  const facts = [
    dateTime(item.created_at),
    STATES[item.state] || item.state,
    item.agent_name ? "agent " + item.agent_name : "",
    item.reason ? REASONS[item.reason] || item.reason : "",
  ].filter(Boolean).join(" · ");
  const open = h("button", { type: "button", class: "inbox-open", "data-conversation": item.conversation_id,
    onclick: () => {
      list().querySelectorAll(".inbox-open[aria-current]").forEach((node) => node.removeAttribute("aria-current"));
      open.setAttribute("aria-current", "true");
      showConversation($("inbox-viewer"), item.conversation_id);
    } }, [
    h("span", { class: "r-what", text: whoAndWhat(item) }),
    h("span", { class: "r-facts", text: facts }),
    item.rating ? h("span", { class: "r-rating", text: stars(item.rating) + (item.rating_comment ? " \u201c" + item.rating_comment + "\u201d" : "") }) : null,
  ]);
  return h("li", {}, [open]);
}

function list() { return $("inbox-results"); }

export function initInbox() {
  $("view-inbox").addEventListener("click", showInbox);
  $("view-chats").addEventListener("click", showChats);
  $("inbox-form").addEventListener("submit", (event) => { event.preventDefault(); search(0); });
}
