/* How times, sizes, quotes and handoff reasons read in the console. */

export const REASONS = {
  low_confidence: "low confidence",
  customer_request: "customer asked for a person",
  repeated_fallback: "the bot did not understand, twice",
  faq_rejected: "the FAQ answer missed",
  bot_unavailable: "the bot was unavailable",
  agent_transfer: "transferred by an agent",
  agent_disconnected: "the agent was disconnected",
};

export function clock(ts) {
  return new Date((ts || Date.now() / 1000) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function duration(seconds) {
  seconds = Math.max(0, Math.floor(seconds));
  const m = Math.floor(seconds / 60), s = seconds % 60;
  return m >= 60 ? Math.floor(m / 60) + " h " + (m % 60) + " min" : m + ":" + (s < 10 ? "0" : "") + s;
}

export function quote(text, max) {
  text = String(text || "").replace(/\s+/g, " ").trim();
  if (max && text.length > max) text = text.slice(0, max - 1) + "…";
  return "\u2018" + text + "\u2019";
}

export function safeUrl(value) {
  try {
    const url = new URL(String(value), location.href);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch (e) { return null; }
}

export function fileSize(bytes) {
  bytes = Number(bytes) || 0;
  return bytes >= 1024 * 1024 ? (bytes / (1024 * 1024)).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " kB";
}

/** "low confidence 0.31 on 'can I pay with crypto'" and friends. */
export function reasonText(item) {
  const reason = item.reason || "";
  let text = REASONS[reason] || reason.replace(/_/g, " ") || "waiting";
  if (reason === "low_confidence" && typeof item.confidence === "number") {
    text += " " + item.confidence.toFixed(2);
  }
  if (item.text && reason !== "agent_transfer" && reason !== "agent_disconnected") {
    text += (reason === "low_confidence" ? " on " : ": ") + quote(item.text, 120);
  }
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Who the customer is, in a few characters: their name, their email, or a short id. */
export function customerName(summary, id) {
  const contact = (summary && summary.contact) || {};
  return contact.name || contact.email || "Customer " + String(id || (summary && summary.conversation_id) || "").slice(0, 6);
}

/** "Kim · Where is my parcel?": who, and what the chat is about (their first message). */
export function whoAndWhat(summary, id) {
  const title = summary && summary.title ? String(summary.title).replace(/\s+/g, " ").trim() : "";
  const topic = title.length > 40 ? title.slice(0, 39) + "…" : title;
  return customerName(summary, id) + (topic ? " · " + topic : "");
}

/** "12 Nov, 14:05" for a unix time. */
export function dateTime(ts) {
  return ts ? new Date(ts * 1000).toLocaleString([], { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }) : "";
}

/** "★★★★☆ 4/5". */
export function stars(score) {
  return "\u2605".repeat(score) + "\u2606".repeat(5 - score) + " " + score + "/5";
}
