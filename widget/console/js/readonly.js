/* A past conversation, read only: its transcript as agents see it, asked for over the
 * socket (`transcript`), for the inbox and for a customer's earlier conversations. */
import { h, clear } from "./dom.js";
import { dateTime, stars, whoAndWhat } from "./format.js";
import { emit } from "./socket.js";
import { entryNode } from "./transcript.js";

/** Fill `container` with the conversation's heading and transcript. */
export function showConversation(container, conversationId) {
  clear(container);
  container.appendChild(h("p", { class: "muted", text: "Loading the transcript…" }));
  emit("transcript", { conversation_id: conversationId }, (reply) => {
    clear(container);
    if (!reply.ok) {
      container.appendChild(h("p", { class: "error", text: reply.message || "The transcript could not be loaded." }));
      return;
    }
    const c = reply.conversation || {};
    container.appendChild(h("h3", { class: "ro-title", text: whoAndWhat(c, conversationId) }));
    container.appendChild(h("p", { class: "muted", text: [
      "Started " + dateTime(c.created_at),
      c.agent_name ? "agent " + c.agent_name : "",
      c.rating ? "rated " + stars(c.rating) : "",
    ].filter(Boolean).join(" · ") }));
    if (c.rating_comment) container.appendChild(h("blockquote", { class: "rating-comment", text: c.rating_comment }));
    const log = h("div", { class: "transcript readonly", role: "log", "aria-label": "Transcript (read only)", tabindex: "0" });
    (reply.transcript || []).forEach((entry) => log.appendChild(entryNode(entry)));
    container.appendChild(log);
  });
}
