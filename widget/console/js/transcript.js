/* One transcript entry as the agent sees it: who, when, the bot's confidence, handoff
 * events, the channel, attachments and buttons. */
import { h } from "./dom.js";
import { REASONS, clock, quote } from "./format.js";
import { attachmentNode } from "./attachments.js";

export const ROLE_LABELS = { customer: "Customer", bot: "Bot", agent: "Agent", system: "System", note: "Note" };

export function entryRole(entry) {
  return ROLE_LABELS[entry.role] ? entry.role : "system";
}

function entryHead(entry, role) {
  const head = h("div", { class: "e-head" });
  let label = ROLE_LABELS[role];
  if ((role === "agent" || role === "note") && entry.name) label += " · " + entry.name;
  head.appendChild(h("span", { class: "e-role", text: label }));
  head.appendChild(h("time", { text: clock(entry.ts) }));
  if (role === "bot" && typeof entry.faq_confidence === "number") {
    head.appendChild(h("span", { class: "conf" + (entry.faq_confidence < 0.5 ? " low" : ""),
      text: "confidence " + entry.faq_confidence.toFixed(2) + (entry.faq_id ? " · " + entry.faq_id : "") }));
  }
  if (role === "system" && entry.event) {
    let detail = entry.event;
    if (entry.reason) detail += " · " + (REASONS[entry.reason] || entry.reason);
    if (typeof entry.confidence === "number") detail += " " + entry.confidence.toFixed(2);
    if (typeof entry.score === "number") detail += " · " + entry.score + "/5";
    head.appendChild(h("span", { class: "conf" + (entry.reason === "low_confidence" ? " low" : ""), text: detail }));
  }
  if (role === "customer") {
    // Where the customer wrote from: the chat, or an email reply (docs/email.md).
    head.appendChild(h("span", { class: "conf channel" + (entry.channel === "email" ? " low" : ""),
      text: entry.channel === "email" ? "by email" : "in chat" }));
  }
  if (entry.late) head.appendChild(h("span", { class: "muted", text: "(arrived after the handoff; not shown to the customer)" }));
  return head;
}

function entryBody(entry, role) {
  const body = h("div", { class: "e-text" });
  let text = entry.text || (entry.custom && typeof entry.custom.text === "string" ? entry.custom.text : "");
  if (role === "system" && !text && entry.trigger) text = "on " + quote(entry.trigger);
  if (entry.event === "email_sent") text = "Emailed to " + entry.to + ": " + entry.summary + ".";
  if (entry.event === "email_failed") text = "Email to " + entry.to + " failed: " + entry.summary;
  if (entry.event === "rating") {
    text = "The customer rated this chat " + entry.score + "/5" + (entry.comment ? " and wrote: " + quote(entry.comment) : ".");
  }
  if (text) body.appendChild(document.createTextNode(String(text)));
  const attachment = attachmentNode(entry.attachment);
  if (attachment) body.appendChild(attachment);
  if (entry.quick_replies && entry.quick_replies.length) {
    body.appendChild(h("div", { class: "muted", text: "Buttons: " + entry.quick_replies.map((r) => r.title).join(" | ") }));
  }
  return body;
}

export function entryNode(entry) {
  const role = entryRole(entry);
  return h("div", { class: "e " + role + (entry.late ? " late" : ""), "data-role": role, "data-id": entry.id || null },
    [entryHead(entry, role), entryBody(entry, role)]);
}
