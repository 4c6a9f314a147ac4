/* Who the customer is, beside the chat: contact, the page the chat started on and the
 * current one, referrer, browser, language, their local time, and their earlier
 * conversations (same browser or same email), each readable in a dialog. */
import { $, h, clear } from "./dom.js";
import { dateTime, safeUrl, stars, whoAndWhat } from "./format.js";
import { authorized } from "./state.js";
import { showConversation } from "./readonly.js";

/** The customer's local time, from their time zone (or their UTC offset). */
function localTime(page) {
  const options = { hour: "2-digit", minute: "2-digit", weekday: "short" };
  if (page.time_zone) {
    try { return new Date().toLocaleTimeString([], Object.assign({ timeZone: page.time_zone }, options)) + " (" + page.time_zone + ")"; } catch (e) { /* unknown zone */ }
  }
  if (typeof page.utc_offset_min === "number") {
    const shifted = new Date(Date.now() + page.utc_offset_min * 60000);
    const sign = page.utc_offset_min < 0 ? "-" : "+";
    return shifted.toLocaleTimeString([], Object.assign({ timeZone: "UTC" }, options)) + " (UTC" + sign + Math.abs(page.utc_offset_min / 60) + ")";
  }
  return "";
}

function pageLink(page) {
  if (!page || !page.page_url) return null;
  const url = safeUrl(page.page_url);
  const label = page.page_title || page.page_url;
  return url ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: label }) : document.createTextNode(label);
}

function row(term, value) {
  if (value === null || value === undefined || value === "") return [];
  return [h("dt", { text: term }), h("dd", {}, [value])];
}

export class CustomerPanel {
  constructor(conversationId) {
    this.id = conversationId;
    this.details = h("dl", { class: "facts" });
    this.earlier = h("ul", { class: "earlier", "aria-label": "Earlier conversations" });
    this.heading = h("h3", { text: "Customer", tabindex: "-1" });
    this.node = h("section", { class: "customer", "aria-label": "Customer" }, [
      this.heading, this.details,
      h("h4", { text: "Earlier conversations" }), this.earlier,
    ]);
    this.profile = null;
    this.clock = setInterval(() => this.renderDetails(), 30000);
  }

  focus() { this.heading.focus(); }

  load() {
    authorized("/api/conversations/" + encodeURIComponent(this.id) + "/customer")
      .then((r) => { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then((profile) => { this.profile = profile; this.render(); })
      .catch(() => {
        clear(this.details);
        this.details.appendChild(h("dd", { class: "muted", text: "Not available right now." }));
      });
  }

  render() {
    this.renderDetails();
    clear(this.earlier);
    const earlier = this.profile.earlier || [];
    if (!earlier.length) this.earlier.appendChild(h("li", { class: "muted", text: "None." }));
    earlier.forEach((summary) => {
      const what = whoAndWhat(summary);
      const when = dateTime(summary.created_at) + (summary.rating ? " · " + stars(summary.rating) : "");
      this.earlier.appendChild(h("li", {}, [h("button", { type: "button", class: "link",
        onclick: () => openHistory(summary.conversation_id) }, [
        h("span", { class: "e-what", text: what }), h("span", { class: "muted", text: when })])]));
    });
  }

  renderDetails() {
    const p = this.profile;
    if (!p) return;
    const contact = p.contact || {};
    const first = p.first_page || {}, latest = p.latest_page || {};
    clear(this.details);
    [
      row("Name", contact.name),
      row("Email", contact.email),
      row("Started on", pageLink(first)),
      row("Now on", latest.page_url !== first.page_url ? pageLink(latest) : null),
      row("Came from", latest.referrer || first.referrer),
      row("Browser", p.browser),
      row("Language", latest.language || first.language),
      row("Local time", localTime(latest.time_zone || typeof latest.utc_offset_min === "number" ? latest : first)),
    ].forEach((pair) => pair.forEach((node) => this.details.appendChild(node)));
    if (!this.details.firstChild) this.details.appendChild(h("dd", { class: "muted", text: "Nothing known yet." }));
  }

  close() { clearInterval(this.clock); }
}

let returnFocus = null;

function openHistory(conversationId) {
  returnFocus = document.activeElement;
  $("history-title").textContent = "Earlier conversation (read only)";
  $("history-view").hidden = false;
  showConversation($("history-body"), conversationId);
  $("history-close").focus();
}

function closeHistory() {
  $("history-view").hidden = true;
  if (returnFocus && returnFocus.focus) returnFocus.focus();
}

export function initHistory() {
  $("history-close").addEventListener("click", closeHistory);
  $("history-view").addEventListener("keydown", (event) => { if (event.key === "Escape") closeHistory(); });
}
